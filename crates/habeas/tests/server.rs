//! `habeas user`, `habeas audit` and `habeas serve` through the real binary.

mod macros;

use macros::{Env, Serving, http};

const PERSON: &str = r#"{"type":"person","id":"p-1","name":"Ana María Pérez","sources":["src-1"]}
{"type":"source","id":"src-1","kind":"testimony","title":"A relative"}
"#;

fn ledger(env: Env) -> Env {
    assert_eq!(env.run(&["init"]).code, 0);
    env.write("people.jsonl", PERSON);
    assert_eq!(env.run(&["import", "people.jsonl"]).code, 0);
    env
}

habeas_test!(accounts_are_added_granted_listed_and_revoked, |env| {
    let env = ledger(env);
    let short = env.run_with_stdin(&["user", "add", "ana", "--role", "family"], "short\n");
    assert_eq!(short.code, 2);
    assert!(short.stderr.contains("at least 10 characters"), "{}", short.stderr);
    let added = env.run_with_stdin(&["user", "add", "ana", "--role", "family"], "a-long-password\n");
    assert_eq!(added.code, 0, "{}", added.stderr);
    let again = env.run_with_stdin(&["user", "add", "ana", "--role", "viewer"], "a-long-password\n");
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("an account named ana exists"), "{}", again.stderr);
    // The password is stored as an Argon2id hash, never in clear.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let stored: String =
        conn.query_row("SELECT password FROM accounts WHERE name = 'ana'", [], |r| r.get(0)).unwrap();
    assert!(stored.starts_with("$argon2id$") && !stored.contains("a-long-password"));

    let wrong = env.run(&["user", "grant", "ana", "--person", "src-1"]);
    assert_eq!(wrong.code, 2);
    assert!(wrong.stderr.contains("no person with this id"));
    assert_eq!(env.run(&["user", "grant", "ana", "--person", "p-1"]).code, 0);
    let list = env.run(&["user", "list", "--json"]).json();
    assert_eq!(list["accounts"][0]["granted"], serde_json::json!(["p-1"]));
    let token = env.run(&["user", "token", "ana"]);
    assert!(token.stdout.trim().starts_with("hbs_") && token.stderr.contains("shown once"));
    assert_eq!(env.run(&["user", "revoke", "ana", "--person", "p-1"]).code, 0);
    assert_eq!(env.run(&["user", "list", "--json"]).json()["accounts"][0]["granted"], serde_json::json!([]));
    assert_eq!(env.run(&["user", "revoke", "ana"]).code, 0);
    assert_eq!(env.run(&["user", "list", "--json"]).json()["accounts"], serde_json::json!([]));
    let spanish = env.run(&["--lang", "es", "user", "revoke", "ana"]);
    assert_eq!(spanish.code, 2);
    assert!(spanish.stderr.contains("no encontrado"), "{}", spanish.stderr);
});

habeas_test!(the_server_serves_the_ledger_and_audits_what_it_shows, |env| {
    let env = ledger(env);
    env.run_with_stdin(&["user", "add", "vera", "--role", "viewer"], "a-long-password\n");
    let token = env.run(&["user", "token", "vera"]).stdout.trim().to_string();
    let mut serve = env.command();
    serve.args(["serve", "--addr", "127.0.0.1:0", "--read-only"]);
    let serving = Serving::start(serve);
    let port = serving.port;

    let public = http(port, "GET /api/locate?q=ana HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(public.starts_with("HTTP/1.1 401"), "{public}");
    let found = http(
        port,
        &format!(
            "GET /api/locate?q=ana%20maria%20peres HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(found.starts_with("HTTP/1.1 200") && found.contains("\"id\":\"p-1\""), "{found}");
    // Read-only: no import without the key.
    let import = http(
        port,
        &format!(
            "POST /api/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
        ),
    );
    assert!(import.starts_with("HTTP/1.1 403"), "{import}");
    drop(serving);

    let audit = env.run(&["audit", "--user", "vera", "--json"]);
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    let audit = audit.json();
    assert_eq!(audit["intact"], true);
    assert_eq!(audit["entries"][0]["action"], "search");
    assert_eq!(audit["entries"][0]["records"], serde_json::json!(["p-1"]));
    assert_eq!(
        env.run(&["audit", "--record", "p-1", "--json"]).json()["entries"].as_array().unwrap().len(),
        1
    );

    // Someone with write access drops the guard and edits an entry: `audit` finds it (exit 1).
    env.sql("DROP TRIGGER audit_no_update; UPDATE audit SET body = replace(body, 'vera', 'nobody') WHERE seq = 1;");
    let broken = env.run(&["audit"]);
    assert_eq!(broken.code, 1);
    assert!(broken.stderr.contains("broken at entry 1"), "{}", broken.stderr);
});
