//! The OpenAPI document against the server it describes: every documented operation is served,
//! answers with a documented status, and its JSON carries the properties the schema requires.

mod common;

use axum::http::Method;
use common::{Who, server};
use habeas_server::Role;
use serde_json::Value;

/// The schema a `$ref` points to.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            &doc["components"]["schemas"][name]
        }
        None => schema,
    }
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_matches_what_is_served() {
    let server = server();
    let doc = server.get(Who::Public, "/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc, serde_json::to_value(habeas_server::openapi()).unwrap());
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let uri = path.replace("{id}", "p-demo-wilmer");
            let uri = match uri.as_str() {
                "/api/locate" => "/api/locate?q=wilmer".to_string(),
                "/api/consistency" => "/api/consistency?old_size=10".to_string(),
                _ => uri,
            };
            let body = match (method.as_str(), path.as_str()) {
                ("post", "/api/import") => {
                    r#"{"type":"source","id":"src-doc","kind":"other","title":"t"}"#.to_string()
                }
                ("post", "/api/session") => {
                    serde_json::json!({"name": "admin", "password": common::PASSWORD}).to_string()
                }
                _ => String::new(),
            };
            let method: Method = method.to_uppercase().parse().unwrap();
            let reply = server.call(Who::Account(Role::Admin), method.clone(), &uri, &body).await;
            let status = reply.status.as_u16().to_string();
            let documented = &operation["responses"][&status];
            assert!(
                documented.is_object(),
                "{method} {path} answered {status}, which its document does not list: {}",
                reply.body
            );
            let schema = &documented["content"]["application/json"]["schema"];
            if schema.is_object() {
                let schema = resolve(&doc, schema);
                let body = reply.json();
                for field in schema["required"].as_array().into_iter().flatten() {
                    let field = field.as_str().unwrap();
                    assert!(
                        body.get(field).is_some(),
                        "{method} {path}: {field} is required by the document but missing"
                    );
                }
                for (field, _) in body.as_object().unwrap() {
                    assert!(
                        schema["properties"].get(field).is_some(),
                        "{method} {path}: {field} is answered but not in the document"
                    );
                }
            }
            operations += 1;
        }
    }
    assert_eq!(operations, 14, "every API operation is in the document");
}
