//! A server on the shipped example case and the illustrative people of `examples/server/`, with
//! one account per role, driven in-process (no socket): each test gets its own ledger file.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use habeas_ledger::Signer;
use habeas_server::{App, Config, Role};
use habeas_store::{Directory, ImportOptions, Ledger, Location};
use tower::ServiceExt as _;

pub const ORIGIN: &str = "test.habeas/server";
pub const PASSWORD: &str = "a-long-test-password";

pub struct Server {
    _dir: tempfile::TempDir,
    pub db: std::path::PathBuf,
    pub app: Arc<App>,
    pub router: axum::Router,
}

pub fn signer() -> Signer {
    Signer::from_seed(ORIGIN, [42; 32]).unwrap()
}

fn import(ledger: &mut Ledger, path: &Path) {
    let mut source = habeas_io::jsonl::JsonlSource::open(&[path.display().to_string()]).unwrap();
    let options = ImportOptions { keep_going: false, by: "test".into(), at: "2026-11-30T09:00:00Z".into() };
    let report = ledger.import(&mut source, &options, &signer()).unwrap();
    assert!(report.rejected.is_empty(), "{:?}", report.rejected);
}

fn examples() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Accounts `admin`, `editor`, `viewer` and `family` (granted `p-demo-wilmer`), each with the
/// password [`PASSWORD`] and the API token `token-<role>`.
pub fn server() -> Server {
    build(true, |_| {})
}

/// A server with its configuration changed by `change`.
pub fn server_with(change: impl FnOnce(&mut Config)) -> Server {
    build(true, change)
}

/// A server whose findings and counts were never computed (a large ledger, just started).
pub fn server_unrefreshed() -> Server {
    build(false, |_| {})
}

fn build(refresh: bool, change: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ledger.db");
    let location = Location::Sqlite(db.clone());
    let mut ledger = Ledger::create(&location, &signer().verifier()).unwrap();
    import(&mut ledger, &examples().join("cecot-2025.jsonl"));
    import(&mut ledger, &examples().join("server/people.jsonl"));
    let mut directory = Directory::open(&location).unwrap();
    let hash = habeas_server::hash_password(PASSWORD).unwrap();
    for role in Role::ALL {
        let name = role.name();
        directory.add_account(name, role, &hash, "2026-11-30T09:00:00Z").unwrap();
        let token = format!("token-{name}");
        directory
            .add_token(name, &habeas_server::token_digest(&token), "tests", "2026-11-30T09:00:00Z")
            .unwrap();
    }
    directory.grant("family", "p-demo-wilmer", "2026-11-30T09:00:00Z").unwrap();
    let mut config = Config::new(location);
    config.signer = Some(signer());
    config.now = Some("2026-11-30T10:00:00Z".parse().unwrap());
    // No refresher thread: the findings and counts are computed here, before any request.
    config.refresh_every = None;
    change(&mut config);
    let app = App::open(config).unwrap();
    if refresh {
        app.refresh(&mut ledger).unwrap();
    }
    let router = habeas_server::router(Arc::clone(&app))
        .layer(MockConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
    Server { _dir: dir, db, app, router }
}

/// Who makes a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Public,
    Account(Role),
}

pub const EVERYONE: [Who; 5] = [
    Who::Account(Role::Admin),
    Who::Account(Role::Editor),
    Who::Account(Role::Viewer),
    Who::Account(Role::Family),
    Who::Public,
];

/// An answer: status, headers and body as text.
pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Server {
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// A request as `who`, with an API token.
    pub async fn call(&self, who: Who, method: Method, uri: &str, body: &str) -> Reply {
        let mut request = Request::builder().method(method).uri(uri);
        if let Who::Account(role) = who {
            request = request.header(header::AUTHORIZATION, format!("Bearer token-{}", role.name()));
        }
        if !body.is_empty() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        self.send(request.body(Body::from(body.to_string())).unwrap()).await
    }

    pub async fn get(&self, who: Who, uri: &str) -> Reply {
        self.call(who, Method::GET, uri, "").await
    }

    /// Signs in with the password; returns the cookie header value and the CSRF token.
    pub async fn sign_in(&self, name: &str) -> (String, String) {
        let body = serde_json::json!({"name": name, "password": PASSWORD}).to_string();
        let reply = self.call(Who::Public, Method::POST, "/api/session", &body).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let cookie =
            reply.headers[header::SET_COOKIE].to_str().unwrap().split(';').next().unwrap().to_string();
        (cookie, reply.json()["csrf"].as_str().unwrap().to_string())
    }

    /// A request with a session cookie (and headers).
    pub async fn with_cookie(
        &self,
        cookie: &str,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Reply {
        let mut request = Request::builder().method(method).uri(uri).header(header::COOKIE, cookie);
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        self.send(request.body(Body::from(body.to_string())).unwrap()).await
    }
}
