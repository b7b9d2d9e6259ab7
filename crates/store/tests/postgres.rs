//! What only the PostgreSQL backend has to answer for: durable commits, one writer at a time
//! across connections, a database that already holds a ledger or holds none, tampering through
//! SQL, and erasure that rewrites the kept values' table. (The store's other tests run on it too:
//! `HABEAS_TEST_BACKEND=postgres`, as `scripts/test` runs them.) Needs `HABEAS_TEST_POSTGRES`.

mod common;

use common::postgres::TestDatabase;
use common::{CASE, Lines, new_postgres_ledger};
use habeas_store::{ImportOptions, Ledger, Location, StoreError};

#[test]
fn every_connection_commits_durably() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let settings = t.ledger.backend().durability().unwrap();
    assert_eq!((settings.journal_mode.as_str(), settings.synchronous.as_str()), ("wal, fsync on", "on"));
    // A connection that opens the ledger again sets the same, whatever the server's default.
    let database = t.database.as_ref().unwrap();
    let mut admin = database.client();
    admin.batch_execute(&format!("ALTER DATABASE {} SET synchronous_commit = off", database.name)).unwrap();
    let mut again = t.reopen();
    assert_eq!(again.backend().durability().unwrap().synchronous, "on");
}

#[test]
fn a_database_with_a_ledger_is_never_made_again_and_one_without_is_not_a_ledger() {
    let t = new_postgres_ledger();
    let error = Ledger::create(&t.location, &t.signer.verifier()).err().unwrap();
    assert!(error.to_string().contains("already holds a habeas ledger"), "{error}");

    let empty = TestDatabase::create();
    let error = Ledger::open(&Location::Postgres(empty.url.clone())).err().unwrap();
    assert!(matches!(error, StoreError::NotFound(_)), "{error:?}");
    // The message names the database without the password of its URL.
    let password = empty.url.split('@').next().unwrap().rsplit(':').next().unwrap().to_string();
    assert!(!error.to_string().contains(&format!(":{password}@")), "{error}");

    let refused =
        Ledger::open(&Location::Postgres("postgres://nobody:wrong@127.0.0.1:1/none".into())).err().unwrap();
    assert!(
        refused.to_string().contains("cannot connect to postgres://nobody@127.0.0.1:1/none"),
        "{refused}"
    );
    assert!(!refused.to_string().contains("wrong"), "{refused}");
}

#[test]
fn two_writers_at_once_append_one_after_the_other() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let size = t.ledger.size().unwrap();
    // Two connections import different records at the same moment, each in one transaction.
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (location, signer) = (t.location.clone(), common::signer());
            std::thread::spawn(move || {
                let mut ledger = Ledger::open(&location).unwrap();
                let text: String = (0..200)
                    .map(|i| format!("{{\"type\":\"org\",\"id\":\"o-{w}-{i}\",\"name\":\"Org {w} {i}\",\"kind\":\"agency\"}}\n"))
                    .collect();
                let options = ImportOptions { keep_going: false, by: format!("writer {w}"), at: "2025-03-21T00:00:00Z".into() };
                ledger.import(&mut Lines::one(&text), &options, &signer).unwrap()
            })
        })
        .collect();
    for writer in writers {
        let report = writer.join().unwrap();
        assert!(report.committed && report.rejected.is_empty(), "{:?}", report.rejected);
        assert_eq!(report.appended, 200);
    }
    // Both landed whole, each with its import leaf, and the log still proves itself.
    assert_eq!(t.ledger.size().unwrap(), size + 2 * 201);
    assert_eq!(t.ledger.backend().read().unwrap().checkpoints().unwrap().len(), 3);
    t.verify_ok();
}

#[test]
fn a_leaf_changed_through_sql_is_found_by_verify() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    t.verify_ok();
    let mut client = t.database.as_ref().unwrap().client();
    let changed = client
        .execute(
            "UPDATE leaves SET body = convert_to(replace(convert_from(body, 'UTF8'), 'Harlingen', 'Harlingem'), 'UTF8') \
             WHERE idx = 3 AND position('Harlingen' in convert_from(body, 'UTF8')) > 0",
            &[],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let report = t.ledger.verify(&t.signer.verifier(), None).unwrap();
    assert!(!report.ok, "a changed leaf went unnoticed");

    // A row of the records view deleted behind the ledger's back is found too.
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let mut client = t.database.as_ref().unwrap().client();
    assert_eq!(client.execute("DELETE FROM records WHERE id = 'flt-1'", &[]).unwrap(), 1);
    assert!(!t.ledger.verify(&t.signer.verifier(), None).unwrap().ok);
}

#[test]
fn erasure_rewrites_the_kept_values_table_and_the_proofs_stay_valid() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let mut client = t.database.as_ref().unwrap().client();
    let file = |client: &mut postgres::Client| -> String {
        client.query_one("SELECT pg_relation_filepath('kept')", &[]).unwrap().get(0)
    };
    let before = file(&mut client);
    let kept_before: i64 = client.query_one("SELECT count(*) FROM kept", &[]).unwrap().get(0);
    assert!(kept_before > 0);

    let report =
        t.ledger.erase("p-1", "a relative's request", "tester", "2025-03-22T00:00:00Z", &t.signer).unwrap();
    assert!(report.versions > 0, "{report:?}");
    let kept_after: i64 = client.query_one("SELECT count(*) FROM kept", &[]).unwrap().get(0);
    assert!(kept_after < kept_before);
    // `VACUUM FULL` wrote the table anew: the erased values are in no live page of it.
    assert_ne!(file(&mut client), before);
    let text: String = client
        .query_one("SELECT coalesce(string_agg(encode(data, 'escape'), ''), '') FROM kept", &[])
        .unwrap()
        .get(0);
    assert!(!text.contains("José Pérez García") && !text.contains("1990-05-01"), "{text}");
    t.verify_ok();
}

#[test]
fn a_failed_import_leaves_the_database_as_it_was() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let (size, root) = (t.ledger.size().unwrap(), t.ledger.root().unwrap());
    // The second line refers to a record nobody has: the whole import is refused.
    let report = t.import(
        "{\"type\":\"org\",\"id\":\"o-new\",\"name\":\"New\",\"kind\":\"agency\"}\n\
         {\"type\":\"custody\",\"subject\":\"p-nobody\",\"event\":\"booked\",\"place\":\"pl-hrl\",\"sources\":[\"src-1\"]}",
    );
    assert!(!report.committed && !report.rejected.is_empty());
    assert_eq!((t.ledger.size().unwrap(), t.ledger.root().unwrap()), (size, root));
    assert!(t.ledger.record("o-new").unwrap().is_none());
    t.verify_ok();
}

#[test]
fn passes_over_more_rows_than_one_batch_see_every_row_once_in_order() {
    // 9,001 records, every other one a person with kept values: a pass reads them in three
    // batches, and the kept values must meet their leaves across the batches' edges.
    let mut t = new_postgres_ledger();
    let text: String = std::iter::once("{\"type\":\"source\",\"id\":\"src-1\",\"kind\":\"news\",\"title\":\"t\"}\n".to_string())
        .chain((0..9000).map(|i| {
            if i % 2 == 0 {
                format!("{{\"type\":\"person\",\"id\":\"p-{i:05}\",\"name\":\"Ana {i}\",\"born\":\"1990\",\"sources\":[\"src-1\"]}}\n")
            } else {
                format!("{{\"type\":\"org\",\"id\":\"o-{i:05}\",\"name\":\"Org {i}\",\"kind\":\"agency\"}}\n")
            }
        }))
        .collect();
    let report = t.import(&text);
    assert!(report.committed && report.rejected.is_empty(), "{:?}", report.rejected.first());
    let size = t.ledger.size().unwrap();
    assert_eq!(size, 9002);
    t.verify_ok();

    let tx = t.ledger.backend().read().unwrap();
    let mut leaves = Vec::new();
    let mut bytes_differ = Vec::new();
    tx.scan_leaves(0, size, &mut |leaf| {
        leaves.push(leaf.idx);
        // The bytes handed over are the leaf's, as it is read alone (every seventh leaf: a
        // query each).
        if leaf.idx % 7 == 0 && tx.leaf(leaf.idx)?.map(|alone| alone.bytes) != Some(leaf.bytes.to_vec()) {
            bytes_differ.push(leaf.idx);
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(leaves, (0..size).collect::<Vec<_>>());
    assert_eq!(bytes_differ, Vec::<u64>::new());
    let mut rows = Vec::new();
    tx.scan_tree(1, size - 1, &mut |idx, _| {
        rows.push(idx);
        Ok(())
    })
    .unwrap();
    assert_eq!(rows, (1..size - 1).collect::<Vec<_>>());
    let mut kept = Vec::new();
    tx.scan_kept(&mut |idx, _| {
        kept.push(idx);
        Ok(())
    })
    .unwrap();
    assert_eq!(kept.len(), 4500);
    let mut log = (0, 0);
    tx.scan_log(&mut |entry| {
        log = (log.0 + 1, log.1 + usize::from(entry.kept.is_some()));
        Ok(())
    })
    .unwrap();
    assert_eq!(log, (9002, 4500));
    let mut ids = Vec::new();
    tx.scan_records(&mut |row| {
        ids.push(row.id);
        Ok(())
    })
    .unwrap();
    let mut heads = Vec::new();
    tx.scan_record_heads(&mut |head| {
        heads.push(head.id.to_string());
        Ok(())
    })
    .unwrap();
    assert_eq!(ids.len(), 9002, "every record and the import's own");
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in id order, each once");
    assert_eq!(heads, ids);
    drop(tx);

    // Past the first questions "is this id new?", a large import answers them from the ids read
    // once: the same file again appends nothing...
    let again = t.import(&text);
    assert_eq!((again.appended, again.unchanged, again.committed), (0, 9001, false));
    // ...new records and a new version of an old one land...
    let orgs = |from: usize, n: usize| -> String {
        (from..from + n)
            .map(|i| {
                format!("{{\"type\":\"org\",\"id\":\"n-{i:05}\",\"name\":\"New {i}\",\"kind\":\"agency\"}}\n")
            })
            .collect()
    };
    let changed = "{\"type\":\"person\",\"id\":\"p-00000\",\"name\":\"Ana Cero\",\"born\":\"1990\",\"sources\":[\"src-1\"]}\n";
    let report = t.import(&(orgs(0, 3000) + changed));
    assert_eq!((report.appended, report.unchanged), (3001, 0), "{:?}", report.rejected.first());
    assert_eq!(t.ledger.record("p-00000").unwrap().unwrap().index, report.size - 1);
    // ...and with --keep-going, records refused at the end of the pass (one id with two
    // contents) are left out and the rest replayed after the undo, the ids read again.
    let twice = "{\"type\":\"org\",\"id\":\"n-03000\",\"name\":\"Other\",\"kind\":\"agency\"}\n";
    let report = t.import_with(&(orgs(3000, 3000) + twice + &orgs(6000, 10)), true);
    assert!(report.committed, "{:?}", report.rejected);
    assert_eq!((report.appended, report.rejected.len()), (3009, 2), "{:?}", report.rejected);
    assert!(t.ledger.record("n-03000").unwrap().is_none());
    assert!(t.ledger.record("n-06009").unwrap().is_some());
    t.verify_ok();
}

/// Whether the backend's own connection is encrypted, as the server sees it.
fn encrypted(url: &str) -> Result<bool, StoreError> {
    let mut backend = habeas_store::postgres::PostgresBackend::open(url)?;
    let row = backend.client().query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[]);
    Ok(row.unwrap().get(0))
}

#[test]
fn tls_is_used_and_the_certificate_checked_as_the_url_s_sslmode_says() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let url = &t.database.as_ref().unwrap().url;
    let mut client = t.database.as_ref().unwrap().client();
    let setting = |client: &mut postgres::Client, name: &str| -> String {
        client.query_one(&format!("SHOW {name}"), &[]).unwrap().get(0)
    };
    assert_eq!(
        setting(&mut client, "ssl"),
        "on",
        "the test server must offer TLS (Debian's does, with its own certificate)"
    );
    let certificate = setting(&mut client, "ssl_cert_file");

    // libpq's default, `prefer`, and `require` encrypt; `disable` does not.
    assert!(encrypted(url).unwrap());
    assert!(encrypted(&format!("{url}?sslmode=require")).unwrap());
    assert!(!encrypted(&format!("{url}?sslmode=disable")).unwrap());

    // The server's certificate (Debian's own, self-signed, for the machine's name) was not issued
    // for the address connected to (127.0.0.1 as scripts/test-postgres gives it): `verify-full`
    // refuses it, and says why, whoever signed it.
    let host = url.split('@').nth(1).and_then(|rest| rest.split([':', '/']).next()).unwrap();
    assert!(host.parse::<std::net::IpAddr>().is_ok(), "HABEAS_TEST_POSTGRES names the server by its address");
    let error = encrypted(&format!("{url}?sslmode=verify-full&sslrootcert={certificate}")).unwrap_err();
    assert!(matches!(error, StoreError::Unreachable(_)), "{error:?}");
    assert!(error.to_string().contains(&format!("certificate not valid for name \"{host}\"")), "{error}");
    // Given as the authority to trust, it passes `verify-ca` (which does not ask whose name it
    // bears; the test server's host name is not known here).
    let trusted = format!("{url}?sslmode=verify-ca&sslrootcert={certificate}");
    assert!(encrypted(&trusted).unwrap());
    // The ledger opens and reads over it.
    let mut ledger = Ledger::open(&Location::Postgres(trusted)).unwrap();
    assert_eq!(ledger.size().unwrap(), t.ledger.size().unwrap());

    // Another authority's certificate is not trusted for it.
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.pem");
    std::fs::write(&other, OTHER_AUTHORITY).unwrap();
    let error = encrypted(&format!("{url}?sslmode=verify-ca&sslrootcert={}", other.display())).unwrap_err();
    assert!(error.to_string().contains("invalid peer certificate: UnknownIssuer"), "{error}");
}

#[test]
fn a_client_certificate_given_in_the_url_logs_in_where_the_server_asks_for_one() {
    // scripts/test-postgres lets the role habeas_cert in with the certificate of
    // scripts/test-tls/client.pem instead of a password (`hostssl ... cert`), over TLS only.
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let database = t.database.as_ref().unwrap();
    database.client().batch_execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO habeas_cert").unwrap();
    let (_, at) = database.url.split_once('@').unwrap();
    let as_cert = format!("postgres://habeas_cert@{at}?sslmode=require");
    let tls = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/test-tls");
    let with = |cert: &str, key: &str| {
        format!("{as_cert}&sslcert={}&sslkey={}", tls.join(cert).display(), tls.join(key).display())
    };

    let url = with("client.pem", "client.key");
    let mut backend = habeas_store::postgres::PostgresBackend::open(&url)
        .unwrap_or_else(|e| panic!("{e} (has scripts/test-postgres set up habeas_cert?)"));
    let row = backend
        .client()
        .query_one(
            "SELECT current_user::text, ssl, client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .unwrap();
    let (user, ssl, dn): (String, bool, Option<String>) = (row.get(0), row.get(1), row.get(2));
    assert_eq!((user.as_str(), ssl, dn.as_deref()), ("habeas_cert", true, Some("/CN=habeas_cert")));
    drop(backend);
    // The ledger opens and reads over it.
    let mut ledger = Ledger::open(&Location::Postgres(url)).unwrap();
    assert_eq!(ledger.size().unwrap(), t.ledger.size().unwrap());
    drop(ledger);

    // Without a certificate, or with one the server's authority did not sign, it is refused.
    for url in [as_cert.clone(), with("stranger.pem", "stranger.key")] {
        let error = Ledger::open(&Location::Postgres(url.clone())).err().expect("refused");
        assert!(matches!(error, StoreError::Unreachable(_)), "{url}: {error:?}");
    }
    let error = Ledger::open(&Location::Postgres(as_cert.clone())).err().unwrap().to_string();
    assert!(error.contains("certificate"), "{error}");
}

/// A certificate authority that signed nothing of the test server's (made for this test:
/// `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=other -days 36500 -nodes`).
const OTHER_AUTHORITY: &str = "\
-----BEGIN CERTIFICATE-----
MIIBeDCCAR2gAwIBAgIUexoQDVEZbLaTlWTiCoGRGxYTe4IwCgYIKoZIzj0EAwIw
EDEOMAwGA1UEAwwFb3RoZXIwIBcNMjYxMjAyMTIxNjI2WhgPMjEyNjExMDgxMjE2
MjZaMBAxDjAMBgNVBAMMBW90aGVyMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
eINEfnG1HhDf9Nou4B2ZCPku4K+OaE4P5RIUNWTPy4m5C3oj+4MBlqmpnJbSRhDL
ICCz8N2K881u38uq6dJ6xqNTMFEwHQYDVR0OBBYEFFghJnVKIPOmckswy+OhQbug
1e4bMB8GA1UdIwQYMBaAFFghJnVKIPOmckswy+OhQbug1e4bMA8GA1UdEwEB/wQF
MAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIhAM3SIjb4dRMhsmep7WA4a5hP4AakYxma
GKWIFz6MzazeAiEAorRzyaqSnRLV3VD2DDrRjfCuHjDHsoUA4c/D2lYSTtE=
-----END CERTIFICATE-----
";

#[test]
fn leaves_and_records_read_together_are_those_read_one_by_one() {
    let mut t = new_postgres_ledger();
    t.import(CASE);
    let size = t.ledger.size().unwrap();
    let tx = t.ledger.backend().read().unwrap();
    // In the order asked, missing ones left out (past the end, and a number no leaf has).
    assert!(size > 5, "{size}");
    let asked = [size - 1, 3, size + 5, 0, 2, u64::MAX >> 1];
    let one_by_one: Vec<_> = asked.iter().filter_map(|&idx| tx.leaf(idx).unwrap()).collect();
    let together = tx.leaves_at(&asked).unwrap();
    assert_eq!(together, one_by_one);
    assert_eq!(together.iter().map(|l| l.idx).collect::<Vec<_>>(), [size - 1, 3, 0, 2]);
    assert!(tx.leaves_at(&[]).unwrap().is_empty());

    let ids = ["p-1", "no-such-id", "pl-hrl", "src-1"];
    let mut one_by_one: Vec<_> = ids.iter().filter_map(|id| tx.record(id).unwrap()).collect();
    let mut together = tx.records_of(&ids).unwrap();
    one_by_one.sort_by(|a, b| a.id.cmp(&b.id));
    together.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(together, one_by_one);
    assert_eq!(together.len(), 3, "{together:?}");
    assert!(tx.records_of(&[]).unwrap().is_empty());
}
