//! Tampering by someone who can write the database but cannot read the signing key: every kind
//! of change makes `verify` exit 1 and say what is wrong. A rollback (an older copy put back, or
//! the log truncated with its later checkpoints dropped) passes a plain `verify`, since every
//! remaining signature is genuine, and is caught by `verify --trusted` with a saved checkpoint.

mod macros;

use macros::{EXAMPLE_SIZE, Env, copy_ledger};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde_json::Value;

const PEOPLE: &str = concat!(
    "{\"type\":\"source\",\"id\":\"src-family\",\"kind\":\"testimony\",\"title\":\"Statement of the family\",\"visibility\":\"restricted\"}\n",
    "{\"type\":\"person\",\"id\":\"p-1\",\"name\":\"Wilmer Antonio Rojas Pérez\",\"born\":\"1998-07-02\",\"nationality\":[\"VE\"],\"sources\":[\"src-family\"]}\n",
    "{\"type\":\"person\",\"id\":\"p-2\",\"name\":\"Ana Lucía Rojas\",\"sources\":[\"src-family\"]}\n",
    "{\"type\":\"relation\",\"id\":\"rel-1\",\"person\":\"p-2\",\"relative\":\"p-1\",\"kind\":\"sibling\",\"sources\":[\"src-family\"]}\n",
);

/// The example case, then a second import with persons: two imports, two checkpoints.
fn ledger() -> Env {
    let env = Env::new().with_example();
    env.write("people.jsonl", PEOPLE);
    assert_eq!(env.run(&["import", "people.jsonl"]).code, 0);
    assert_eq!(env.run(&["verify"]).code, 0);
    env
}

/// Runs verify, requires exit 1 and returns the problem kinds.
fn caught(env: &Env) -> Vec<String> {
    let run = env.run(&["verify", "--json"]);
    assert_eq!(run.code, 1, "verify missed it:\n{}", run.stdout);
    let out = run.json();
    assert_eq!(out["ok"], false);
    out["problems"].as_array().unwrap().iter().map(|p| p["kind"].as_str().unwrap().to_string()).collect()
}

habeas_test!(one_changed_byte_in_any_leaf_is_caught, |base| {
    let _ = base;
    let env = ledger();
    let pristine = env.path("pristine.db");
    copy_ledger(&env.db(), &pristine);
    let size = env.query_i64("SELECT count(*) FROM leaves");
    let mut rng = StdRng::seed_from_u64(1);
    for idx in 0..size {
        std::fs::copy(&pristine, env.db()).unwrap();
        let len = env.query_i64(&format!("SELECT length(body) FROM leaves WHERE idx = {idx}"));
        let at = rng.random_range(1..=len);
        // Replace one byte with a different printable one, as an editor would. (The byte is
        // compared by its hex: a blob never equals the text 'x', so an 'x' already there, as in
        // a random commitment, would have been left unchanged.)
        env.sql(&format!(
            "UPDATE leaves SET body = CAST(substr(body, 1, {at} - 1) || CASE WHEN hex(substr(body, {at}, 1)) = '78' THEN 'y' ELSE 'x' END || substr(body, {at} + 1) AS BLOB) WHERE idx = {idx}"
        ));
        let kinds = caught(&env);
        assert!(kinds.contains(&"leaf-hash".to_string()), "leaf {idx} byte {at}: {kinds:?}");
    }
});

habeas_test!(a_changed_personal_value_is_caught, |base| {
    let _ = base;
    let env = ledger();
    let idx = env.query_i64("SELECT min(idx) FROM kept");
    env.sql(&format!("UPDATE kept SET data = CAST(replace(CAST(data AS TEXT), 'Wilmer', 'Wilber') AS BLOB) WHERE idx = {idx}"));
    let run = env.run(&["verify", "--json"]);
    assert_eq!(run.code, 1);
    let problem = &run.json()["problems"][0];
    assert_eq!(problem["kind"], "kept-value");
    assert_eq!(problem["index"], idx);
    assert!(problem["detail"].as_str().unwrap().contains("names"));
    // And in text, in Spanish.
    let es = env.run(&["--lang", "es", "verify"]);
    assert!(es.stdout.contains("no coincide con su compromiso"), "{}", es.stdout);
});

habeas_test!(a_deleted_leaf_is_caught, |base| {
    let _ = base;
    let env = ledger();
    env.sql("DELETE FROM leaves WHERE idx = 50");
    let kinds = caught(&env);
    assert!(kinds.contains(&"leaf-missing".to_string()), "{kinds:?}");
    let out = env.run(&["verify"]).stdout;
    assert!(out.contains("leaves 50..51 are missing"), "{out}");
});

habeas_test!(two_swapped_leaves_are_caught_even_with_their_tree_rows, |base| {
    let _ = base;
    let env = ledger();
    let pristine = env.path("pristine.db");
    copy_ledger(&env.db(), &pristine);
    // Swap the bodies of two leaves, leaving their stored hashes where they were.
    env.sql(
        "CREATE TEMP TABLE b AS SELECT idx, body FROM leaves WHERE idx IN (10, 11);
         UPDATE leaves SET body = (SELECT body FROM b WHERE b.idx = 21 - leaves.idx) WHERE idx IN (10, 11);",
    );
    let kinds = caught(&env);
    assert_eq!(kinds.iter().filter(|k| *k == "leaf-hash").count(), 2, "{kinds:?}");
    // Swap the whole rows, tree hashes and all.
    std::fs::copy(&pristine, env.db()).unwrap();
    env.sql(
        "UPDATE leaves SET idx = -1 WHERE idx = 10; UPDATE leaves SET idx = 10 WHERE idx = 11; UPDATE leaves SET idx = 11 WHERE idx = -1;",
    );
    let kinds = caught(&env);
    assert!(kinds.iter().any(|k| k == "tree-hash" || k == "checkpoint-root"), "{kinds:?}");
});

habeas_test!(a_tree_rebuilt_over_changed_leaves_still_fails_the_signed_roots, |base| {
    let _ = base;
    let env = ledger();
    // Change a leaf and rebuild every stored hash consistently: only the signatures stand in the way.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let body: Vec<u8> = conn.query_row("SELECT body FROM leaves WHERE idx = 20", [], |r| r.get(0)).unwrap();
    let changed = String::from_utf8(body).unwrap().replacen("\"type\"", "\"note\":\"x\",\"type\"", 1);
    conn.execute("UPDATE leaves SET body = ?1 WHERE idx = 20", [changed.as_bytes()]).unwrap();
    let mut frontier = habeas_ledger::Frontier::new();
    let bodies: Vec<(i64, Vec<u8>)> = conn
        .prepare("SELECT idx, body FROM leaves ORDER BY idx")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (idx, body) in bodies {
        let row: Vec<u8> = frontier.push(habeas_ledger::leaf_hash(&body)).iter().flat_map(|h| h.0).collect();
        conn.execute("UPDATE leaves SET hashes = ?1 WHERE idx = ?2", rusqlite::params![row, idx]).unwrap();
    }
    drop(conn);
    let kinds = caught(&env);
    assert!(kinds.contains(&"checkpoint-root".to_string()), "{kinds:?}");
    assert!(!kinds.contains(&"leaf-hash".to_string()), "the stored tree was made consistent: {kinds:?}");
});

habeas_test!(a_truncated_log_is_caught, |base| {
    let _ = base;
    let env = ledger();
    env.sql(&format!("DELETE FROM leaves WHERE idx >= {};", EXAMPLE_SIZE - 1));
    let kinds = caught(&env);
    assert!(kinds.contains(&"truncated".to_string()), "{kinds:?}");
});

habeas_test!(replaced_or_forged_checkpoints_are_caught, |base| {
    let _ = base;
    let env = ledger();
    let pristine = env.path("pristine.db");
    copy_ledger(&env.db(), &pristine);

    // Replace the latest checkpoint by one signed with another key.
    let root = env.run(&["checkpoint", "--json"]).json()["root"].as_str().unwrap().to_string();
    let size = env.query_i64("SELECT count(*) FROM leaves");
    let other = habeas_ledger::Signer::from_seed("habeas.local/habeas.db", [7; 32]).unwrap();
    let forged = other.sign(&format!("habeas.local/habeas.db\n{size}\n{root}\n")).unwrap();
    env.sql(&format!("UPDATE checkpoints SET note = '{forged}' WHERE size = {size}"));
    assert!(caught(&env).contains(&"checkpoint-signature".to_string()));

    // Flip one character of the genuine signature.
    std::fs::copy(&pristine, env.db()).unwrap();
    env.sql(&format!(
        "UPDATE checkpoints SET note = substr(note, 1, length(note) - 10) || CASE WHEN substr(note, -9, 1) = 'A' THEN 'B' ELSE 'A' END || substr(note, -8) WHERE size = {size}"
    ));
    assert!(caught(&env).contains(&"checkpoint-signature".to_string()));

    // Move a genuine checkpoint to another size.
    std::fs::copy(&pristine, env.db()).unwrap();
    env.sql(&format!("UPDATE checkpoints SET size = size + 1 WHERE size = {size}"));
    assert!(!caught(&env).is_empty());

    // Drop the latest checkpoint: its leaves are left unsigned.
    std::fs::copy(&pristine, env.db()).unwrap();
    env.sql(&format!("DELETE FROM checkpoints WHERE size = {size}"));
    assert!(caught(&env).contains(&"unsigned-leaves".to_string()));

    // Append a leaf without the key.
    std::fs::copy(&pristine, env.db()).unwrap();
    env.sql(&format!("INSERT INTO leaves (idx, prev, body) VALUES ({size}, NULL, CAST('{{\"id\":\"x\",\"type\":\"org\"}}' AS BLOB))"));
    let kinds = caught(&env);
    assert!(kinds.contains(&"unsigned-leaves".to_string()), "{kinds:?}");
});

habeas_test!(a_changed_view_is_caught, |base| {
    let _ = base;
    let env = ledger();
    // Point a record at an older leaf, or hide a retraction, without touching the log.
    let pristine = env.path("pristine.db");
    copy_ledger(&env.db(), &pristine);
    env.sql("UPDATE records SET current = 5 WHERE id = 'flt-1'");
    let kinds = caught(&env);
    assert!(kinds.contains(&"records-view".to_string()), "{kinds:?}");

    // Drop a record from the view: the log still has it.
    std::fs::copy(&pristine, env.db()).unwrap();
    env.sql("DELETE FROM records WHERE id = 'flt-1'");
    let run = env.run(&["verify", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let problems = run.json()["problems"].as_array().unwrap().clone();
    assert!(
        problems.iter().any(|p| p["kind"] == "records-view"
            && p["detail"].as_str().unwrap().contains("flt-1")
            && p["detail"].as_str().unwrap().contains("missing")),
        "{problems:?}"
    );

    // Link a first version to an earlier leaf as if it were its previous version: the problem
    // names the leaf and the record's id.
    std::fs::copy(&pristine, env.db()).unwrap();
    let first = env.query_i64("SELECT min(idx) FROM leaves WHERE prev IS NULL AND idx > 3");
    env.sql(&format!("UPDATE leaves SET prev = 3 WHERE idx = {first}"));
    let run = env.run(&["verify", "--json"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let problems = run.json()["problems"].as_array().unwrap().clone();
    let problem = problems.iter().find(|p| p["kind"] == "records-view").expect("a records-view problem");
    assert_eq!(problem["index"], first, "{problems:?}");
    let id = env.query_string(&format!(
        "SELECT json_extract(CAST(body AS TEXT), '$.id') FROM leaves WHERE idx = {first}"
    ));
    assert!(problem["detail"].as_str().unwrap().contains(&id), "{problem} does not name {id}");
});

habeas_test!(a_rollback_is_caught_only_with_a_trusted_checkpoint, |base| {
    let _ = base;
    let env = Env::new().with_example();
    let backup = env.path("backup.db");
    copy_ledger(&env.db(), &backup);
    env.write("people.jsonl", PEOPLE);
    assert_eq!(env.run(&["import", "people.jsonl"]).code, 0);
    // The user keeps the latest checkpoint somewhere else (printed, emailed, published).
    let saved = env.run(&["checkpoint"]).stdout;
    env.write("trusted.txt", &saved);

    // Roll back by putting the older copy back.
    std::fs::copy(&backup, env.db()).unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", env.db().display()));
    assert_eq!(env.run(&["verify"]).code, 0, "every remaining signature is genuine");
    let run = env.run(&["verify", "--trusted", "trusted.txt", "--json"]);
    assert_eq!(run.code, 1);
    let problem = &run.json()["problems"][0];
    assert_eq!(problem["kind"], "trusted-checkpoint");
    assert!(problem["detail"].as_str().unwrap().contains("rolled back"), "{problem}");

    // Roll back by truncating and dropping the later checkpoints and view rows by hand.
    let env = ledger();
    let saved = env.run(&["checkpoint"]).stdout;
    env.write("trusted.txt", &saved);
    env.sql(&format!(
        "DELETE FROM leaves WHERE idx >= {EXAMPLE_SIZE}; DELETE FROM kept WHERE idx >= {EXAMPLE_SIZE};
         DELETE FROM checkpoints WHERE size > {EXAMPLE_SIZE}; DELETE FROM records WHERE current >= {EXAMPLE_SIZE};",
    ));
    assert_eq!(env.run(&["verify"]).code, 0);
    let run = env.run(&["verify", "--trusted", "trusted.txt"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("rolled back"), "{}", run.stdout);
    // A trusted checkpoint of another history (a fork) is caught too.
    let fork = habeas_ledger::Checkpoint {
        origin: "habeas.local/habeas.db".into(),
        tree_size: 100,
        root: habeas_ledger::leaf_hash(b"another history"),
        extensions: vec![],
    };
    let key =
        habeas_ledger::Signer::parse(&std::fs::read_to_string(env.path("habeas.db.key")).unwrap()).unwrap();
    env.write("fork.txt", &fork.sign(&key).unwrap());
    let run = env.run(&["verify", "--trusted", "fork.txt", "--json"]);
    assert_eq!(run.code, 1);
    let detail: Value = run.json()["problems"][0]["detail"].clone();
    assert!(detail.as_str().unwrap().contains("rewritten"), "{detail}");
});

habeas_test!(values_of_the_wrong_type_and_damaged_pages_are_findings_not_crashes, |base| {
    let _ = base;
    let env = ledger();
    let pristine = env.path("pristine.db");
    copy_ledger(&env.db(), &pristine);
    for statement in [
        "UPDATE leaves SET body = CAST(body AS TEXT) || ' ' WHERE idx = 3",
        "UPDATE leaves SET prev = 'seven' WHERE idx = 3",
        "UPDATE records SET current = 'x' WHERE id = 'flt-1'",
        "UPDATE leaves SET hashes = 42 WHERE idx = 7",
        "UPDATE checkpoints SET note = CAST('garbage' AS BLOB)",
        "UPDATE kept SET data = 'not json'",
    ] {
        std::fs::copy(&pristine, env.db()).unwrap();
        env.sql(statement);
        let kinds = caught(&env);
        assert!(!kinds.is_empty(), "{statement}");
    }
    // Overwrite bytes in the middle of the file, below SQLite.
    std::fs::copy(&pristine, env.db()).unwrap();
    let mut bytes = std::fs::read(env.db()).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 4096] {
        *b = 0x5a;
    }
    std::fs::write(env.db(), bytes).unwrap();
    let run = env.run(&["verify", "--json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
});
