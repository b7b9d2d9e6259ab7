//! What can go wrong, in both languages: [`ServerError`] when the server cannot start,
//! [`Refusal`] when a request cannot be answered. A refusal becomes `{"error": "..."}` with its
//! status in the API and an error page in the browser; neither ever carries a stack or a path on
//! the server's disk.

use axum::http::StatusCode;
use habeas_model::{Lang, Localized};
use habeas_store::StoreError;

/// The server could not start: the ledger, the key or the address.
#[derive(Debug)]
pub enum ServerError {
    Store(StoreError),
    Start(String),
}

impl std::fmt::Display for ServerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServerError::Store(e) => write!(f, "{e}"),
            ServerError::Start(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for ServerError {}

impl From<StoreError> for ServerError {
    fn from(err: StoreError) -> Self {
        ServerError::Store(err)
    }
}

/// A request that is not answered, with why, in English and Spanish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: StatusCode,
    pub en: String,
    pub es: String,
}

impl Refusal {
    pub fn new(status: StatusCode, en: impl Into<String>, es: impl Into<String>) -> Refusal {
        Refusal { status, en: en.into(), es: es.into() }
    }

    /// No account, or the session ended.
    pub fn sign_in() -> Refusal {
        Refusal::new(StatusCode::UNAUTHORIZED, "sign in to see this", "inicie sesión para ver esto")
    }

    /// The account's role may not do this.
    pub fn forbidden() -> Refusal {
        Refusal::new(
            StatusCode::FORBIDDEN,
            "your account may not see or do this",
            "su cuenta no puede ver ni hacer esto",
        )
    }

    /// Not found, or not visible to this caller: the two answer alike, so that a refusal does not
    /// tell that a hidden record exists.
    pub fn not_found(id: &str) -> Refusal {
        Refusal::new(
            StatusCode::NOT_FOUND,
            format!("{id}: nothing here with this id"),
            format!("{id}: no hay nada con este id"),
        )
    }

    pub fn bad_request(en: impl Into<String>, es: impl Into<String>) -> Refusal {
        Refusal::new(StatusCode::BAD_REQUEST, en, es)
    }

    pub fn message(&self, lang: Lang) -> &str {
        lang.pick(&self.en, &self.es)
    }
}

impl From<StoreError> for Refusal {
    fn from(err: StoreError) -> Self {
        let status = match err {
            StoreError::NotFound(_) => StatusCode::NOT_FOUND,
            StoreError::Conflict { .. } => StatusCode::CONFLICT,
            StoreError::Unsupported(_) => StatusCode::NOT_IMPLEMENTED,
            StoreError::Full => StatusCode::INSUFFICIENT_STORAGE,
            StoreError::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Refusal { status, en: err.message(Lang::En), es: err.message(Lang::Es) }
    }
}
