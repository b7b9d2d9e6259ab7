/*!
The habeas server: the ledger over HTTP, for an organisation that works on it together.

`habeas serve` runs [`serve`]. One process holds the ledger's file (or, later, a PostgreSQL
URL) and answers two kinds of client:

- **scripts**, through a JSON API under `/api/` described by the OpenAPI 3.1 document at
  `/openapi.json` (generated from the handlers themselves by `utoipa`, so the two cannot drift);
- **people**, through server-rendered pages in Spanish and English that work without
  JavaScript, on a phone first.

Who may see what is decided in one place, [`access`], from the caller's [`Role`]: `admin`,
`editor`, `viewer`, `family` (only the persons granted to the account, and of them only what is
safe to show) or, without an account, the public (aggregates, never a name). Every write and
every read of personal data is written to the audit trail ([`audit`]) and made durable before
the answer leaves.

The server knows no SQL: it calls `habeas_store` ([`habeas_store::Ledger`],
[`habeas_store::Directory`]) on blocking threads ([`app::App::ledger`]).
*/

pub mod access;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod case_pages;
pub mod directories;
pub mod error;
pub mod i18n;
pub mod pages;
pub mod public;
pub mod router;

pub use app::{App, Config};
pub use auth::{hash_password, new_token, token_digest};
pub use error::ServerError;
pub use habeas_store::Role;
pub use router::{openapi, router};

/// Serves `config`'s ledger on `addr` until the process is stopped (Ctrl-C); `ready` is told the
/// address bound (port 0 picks a free one).
pub fn serve(
    config: Config,
    addr: &str,
    ready: impl FnOnce(std::net::SocketAddr),
) -> Result<(), ServerError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ServerError::Start(e.to_string()))?;
    // Opened before the runtime runs: a PostgreSQL ledger's client blocks on a runtime of its
    // own, which Tokio refuses inside its async context.
    let app = App::open(config)?;
    // Kept here until the runtime is gone, so that the ledgers and the directory are let go
    // (a PostgreSQL client closes its connection by blocking) outside its async context.
    let kept = std::sync::Arc::clone(&app);
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| ServerError::Start(format!("{addr}: {e}")))?;
        ready(listener.local_addr().map_err(|e| ServerError::Start(e.to_string()))?);
        let router = router(app);
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| ServerError::Start(e.to_string()))
    });
    drop(runtime);
    drop(kept);
    served
}
