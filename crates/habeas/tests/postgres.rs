//! The command line on a PostgreSQL ledger (`--db postgres://...`): the signing key must be
//! named, `init` writes it and its public key beside it, and the commands of the example's story
//! answer as on a ledger file. Needs `HABEAS_TEST_POSTGRES` (`scripts/test` starts a server).

mod macros;

use habeas_store::postgres::testing::TestDatabase;
use macros::{EXAMPLE, EXAMPLE_RECORDS, Env, Serving, http};

#[test]
fn a_ledger_on_postgresql_from_init_to_check() {
    let env = Env::new();
    let database = TestDatabase::create();
    let db = database.url.as_str();
    let password = db.split('@').next().unwrap().rsplit(':').next().unwrap().to_string();

    // No file beside a database: without --key, nothing is created.
    let refused = env.run(&["--db", db, "init"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("needs its signing key named: pass --key"), "{}", refused.stderr);
    assert!(!env.path("org.key").exists());

    let init = env.run(&["--db", db, "--key", "org.key", "init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(init.stdout.contains("org.pub"), "{}", init.stdout);
    assert!(!init.stdout.contains(&format!(":{password}@")), "the password was shown:\n{}", init.stdout);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(env.path("org.key")).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(std::fs::read_to_string(env.path("org.pub")).unwrap().starts_with("habeas.local/"));
    // A second init neither overwrites the key nor makes the ledger again.
    assert_eq!(env.run(&["--db", db, "--key", "other.key", "init"]).code, 2);
    assert!(!env.path("other.key").exists(), "a key was left for a ledger that was not made");

    let on_pg = |args: &[&str]| {
        let mut all = vec!["--db", db, "--key", "org.key"];
        all.extend_from_slice(args);
        env.run(&all)
    };
    let import = on_pg(&["import", EXAMPLE]);
    assert_eq!(import.code, 0, "{}", import.stderr);
    assert!(import.stdout.contains(&format!("{EXAMPLE_RECORDS} appended")), "{}", import.stdout);
    assert!(on_pg(&["import", EXAMPLE]).stdout.contains(&format!("0 appended, {EXAMPLE_RECORDS} unchanged")));
    let verify = on_pg(&["verify"]);
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);

    // The same questions give the same answers as on a ledger file of the same records.
    assert_eq!(env.run(&["init"]).code, 0);
    assert_eq!(env.run(&["import", EXAMPLE]).code, 0);
    for question in [
        &["export"][..],
        &["check", "--as-of", "2026-01-01T00:00:00Z", "--json"],
        &["occupancy", "pl-cecot", "--from", "2025-03-01", "--to", "2025-04-01", "--json"],
        &["timeline", "coh-aea-137", "--json"],
    ] {
        let (file, pg) = (env.run(question), on_pg(question));
        assert_eq!(file.code, 0, "{question:?}: {}", file.stderr);
        assert!(file.stdout.len() > 100, "{question:?}: {}", file.stdout);
        assert_eq!((pg.code, &pg.stdout), (file.code, &file.stdout), "{question:?}\n{}", pg.stderr);
    }

    // A proof from the PostgreSQL ledger checks with its public key alone.
    let proof = on_pg(&["proof", "pl-cecot", "--json"]);
    assert_eq!(proof.code, 0, "{}", proof.stderr);
    env.write("proof.json", &proof.stdout);
    let checked = env.run(&["--verifier-key", "org.pub", "proof", "--check", "proof.json"]);
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
}

#[test]
fn the_server_on_a_postgresql_ledger_serves_imports_and_audits() {
    let env = Env::new();
    let database = TestDatabase::create();
    let on_pg = |args: &[&str]| {
        let mut all = vec!["--db", database.url.as_str(), "--key", "org.key"];
        all.extend_from_slice(args);
        all.iter().map(|a| a.to_string()).collect::<Vec<_>>()
    };
    let run = |args: &[&str]| env.run(&on_pg(args).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run(&["init"]).code, 0);
    assert_eq!(run(&["import", EXAMPLE]).code, 0);
    let added = env.run_with_stdin(
        &on_pg(&["user", "add", "eda", "--role", "editor"]).iter().map(String::as_str).collect::<Vec<_>>(),
        "a-long-password\n",
    );
    assert_eq!(added.code, 0, "{}", added.stderr);
    let token = run(&["user", "token", "eda"]).stdout.trim().to_string();
    assert!(token.starts_with("hbs_"), "{token}");

    let mut serve = env.command();
    serve.args(on_pg(&["serve", "--addr", "127.0.0.1:0"]));
    let mut serving = Serving::start(serve);
    let (port, first) = (serving.port, serving.first_line.clone());
    assert!(!first.contains(":habeas_test@"), "the password was shown: {first}");

    let signed_in_get = |path: &str| {
        http(
            port,
            &format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
            ),
        )
    };
    let import_records = |records: &str| {
        http(
            port,
            &format!(
                "POST /api/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{records}",
                records.len()
            ),
        )
    };
    let anonymous = http(port, "GET /api/records/pl-cecot HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(anonymous.starts_with("HTTP/1.1 401"), "{anonymous}");
    let read = signed_in_get("/api/records/pl-cecot");
    assert!(read.starts_with("HTTP/1.1 200") && read.contains("\"capacity\""), "{read}");
    let record = "{\"type\":\"org\",\"id\":\"o-web\",\"name\":\"Through the server\",\"kind\":\"agency\"}\n\
        {\"type\":\"person\",\"id\":\"p-web\",\"names\":[{\"full\":\"Wilmer Rojas\"}],\"sources\":[\"src-nyt-timeline\"]}\n";
    let import = import_records(record);
    assert!(import.starts_with("HTTP/1.1 200") && import.contains("\"appended\":2"), "{import}");

    // A search reads the log's size on the request's own thread: on PostgreSQL, whose client
    // blocks, outside Tokio's async context (it had stopped the server with a fault).
    let search = signed_in_get("/api/locate?q=wilmer%20rojas");
    assert!(search.starts_with("HTTP/1.1 200") && search.contains("\"p-web\""), "{search}");

    // The database server cuts every connection the server holds (as a restart does). The
    // directory and the audit trail open theirs again by themselves; the request that finds
    // the pooled ledger's connection lost is refused (503, saying so), and the next one is
    // served on a new connection.
    let mut admin = database.client();
    let cut: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = current_database() AND pid <> pg_backend_pid()) AS cut",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(cut >= 3, "the ledger, the directory and the audit trail each had a connection: {cut}");
    let read_again = || signed_in_get("/api/records/pl-cecot");
    let first = read_again();
    assert!(first.starts_with("HTTP/1.1 503") && first.contains("cannot be reached"), "{first}");
    for _ in 0..3 {
        let again = read_again();
        assert!(again.starts_with("HTTP/1.1 200") && again.contains("\"capacity\""), "{again}");
    }
    // The refresher's connection was cut too: it opens a new one and goes on. A person imported
    // now gets the findings only the refresher computes (held at a border post with no
    // authority recorded, no contact since).
    let late = "{\"type\":\"person\",\"id\":\"p-late\",\"names\":[{\"full\":\"Jesus Late\"}],\"sources\":[\"src-nyt-timeline\"]}\n\
        {\"type\":\"custody\",\"id\":\"cus-late-1\",\"subject\":\"p-late\",\"event\":\"apprehended\",\"at\":\"2025-03-10T09:00:00-05:00\",\"place\":\"pl-hrl\",\"custodian\":\"org-ice\",\"sources\":[\"src-nyt-timeline\"]}\n";
    let import = import_records(late);
    assert!(import.starts_with("HTTP/1.1 200") && import.contains("\"appended\":2"), "{import}");
    let findings_of_late = || signed_in_get("/api/findings?subject=p-late");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut findings = findings_of_late();
    while !findings.contains("\"no-legal-basis\"") && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        findings = findings_of_late();
    }
    assert!(findings.contains("\"no-legal-basis\""), "the refresher did not come back: {findings}");
    // Ctrl-C stops it cleanly: its connections are closed outside Tokio's async context too.
    let (status, said) = serving.interrupt();
    assert!(status.success(), "{status}: {said}");
    assert!(!said.contains("fault") && !said.contains("panicked"), "{said}");
    drop(serving);

    // What the server wrote is in the ledger, which verifies; the trail of who did it holds.
    assert!(run(&["export"]).stdout.contains("\"o-web\""));
    assert_eq!(run(&["verify"]).code, 0);
    let audit = run(&["audit", "--json"]);
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    let audit = audit.json();
    assert_eq!(audit["intact"], true);
    let actions: Vec<&str> =
        audit["entries"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["read", "import", "search", "read", "read", "read", "import"], "{audit}");
}
