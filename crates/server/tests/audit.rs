//! The audit trail through the server: who read or wrote which records, durable before the
//! answer, many requests written together, nothing for what the public may see.

mod common;

use axum::http::{Method, StatusCode};
use common::{Who, server};
use habeas_server::Role;
use habeas_store::{AuditFilter, Directory, Location};

fn trail(server: &common::Server, filter: &AuditFilter) -> habeas_store::AuditTrail {
    Directory::open(&Location::Sqlite(server.db.clone())).unwrap().audit_entries(filter).unwrap()
}

#[tokio::test]
async fn reads_of_personal_data_and_writes_are_recorded_before_the_answer() {
    let server = server();
    let viewer = Who::Account(Role::Viewer);
    // The answer has arrived: the entry is already on disk, read here on another connection.
    assert_eq!(server.get(viewer, "/api/persons/p-demo-wilmer").await.status, StatusCode::OK);
    let entries = trail(&server, &AuditFilter::default()).entries;
    let (_, last) = entries.last().unwrap();
    assert_eq!(
        (last.account.as_str(), last.role.as_str(), last.action.as_str()),
        ("viewer", "viewer", "read")
    );
    assert_eq!(last.records, ["p-demo-wilmer"]);
    assert_eq!(last.request, "GET /api/persons/p-demo-wilmer");
    assert_eq!(last.at, "2026-11-30T10:00:00Z");

    server.get(Who::Account(Role::Family), "/api/locate?q=wilmer%20roja").await;
    server.get(Who::Account(Role::Family), "/persons/p-demo-wilmer?lang=es").await;
    server
        .call(
            Who::Account(Role::Editor),
            Method::POST,
            "/api/import",
            r#"{"type":"source","id":"src-audit","kind":"other","title":"t"}"#,
        )
        .await;
    let family = trail(&server, &AuditFilter { account: Some("family".into()), ..Default::default() });
    let actions: Vec<(&str, Vec<String>)> =
        family.entries.iter().map(|(_, e)| (e.action.as_str(), e.records.clone())).collect();
    assert_eq!(
        actions,
        [("search", vec!["p-demo-wilmer".to_string()]), ("read", vec!["p-demo-wilmer".to_string()])]
    );
    let import = trail(&server, &AuditFilter { account: Some("editor".into()), ..Default::default() });
    assert_eq!(import.entries[0].1.action, "import");
    assert!(import.entries[0].1.request.contains("1 appended"), "{:?}", import.entries[0].1);
    let by_record =
        trail(&server, &AuditFilter { record: Some("p-demo-wilmer".into()), ..Default::default() });
    assert_eq!(by_record.entries.len(), 3);

    // The public's counts and the checkpoint read no personal data: no entries for them.
    let before = trail(&server, &AuditFilter::default()).total;
    server.get(Who::Public, "/api/public").await;
    server.get(Who::Public, "/api/checkpoint").await;
    assert_eq!(trail(&server, &AuditFilter::default()).total, before);
}

#[tokio::test]
async fn sign_ins_and_refused_sign_ins_are_recorded() {
    let server = server();
    server.sign_in("viewer").await;
    let wrong = serde_json::json!({"name": "admin", "password": "guess"}).to_string();
    server.call(Who::Public, Method::POST, "/api/session", &wrong).await;
    let entries: Vec<(String, String)> = trail(&server, &AuditFilter::default())
        .entries
        .into_iter()
        .map(|(_, e)| (e.account, e.action))
        .collect();
    let roles: Vec<String> =
        trail(&server, &AuditFilter::default()).entries.into_iter().map(|(_, e)| e.role).collect();
    assert_eq!(roles, ["viewer", "admin"], "a sign-in is recorded with the account's role");
    assert_eq!(
        entries,
        [("viewer".to_string(), "login".to_string()), ("admin".to_string(), "login-refused".to_string())]
    );
}

#[tokio::test]
async fn concurrent_requests_are_all_recorded_in_one_intact_chain() {
    let server = std::sync::Arc::new(server());
    let mut tasks = Vec::new();
    for i in 0..200 {
        let server = std::sync::Arc::clone(&server);
        tasks.push(tokio::spawn(async move {
            let id = if i % 2 == 0 { "p-demo-wilmer" } else { "p-demo-luis" };
            server.get(Who::Account(Role::Viewer), &format!("/api/timeline/{id}")).await.status
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), StatusCode::OK);
    }
    let all = trail(&server, &AuditFilter::default());
    assert_eq!((all.total, all.broken_at), (200, None));
    let luis = trail(&server, &AuditFilter { record: Some("p-demo-luis".into()), ..Default::default() });
    assert_eq!(luis.entries.len(), 100);
}
