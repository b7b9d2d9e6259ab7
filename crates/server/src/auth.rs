//! Who is asking: sessions for people, tokens for scripts, and the defences around them.
//!
//! - **Passwords** are hashed with Argon2id (the `argon2` crate's defaults: 19 MiB, 2 passes) and
//!   only the PHC string is stored.
//! - **Sessions** are 256-bit random ids in a cookie (`HttpOnly`, `SameSite=Strict`, `Secure`
//!   behind TLS), held in memory: a restart signs everyone out. Each carries a CSRF token that
//!   every form repeats ([`Caller::check_csrf`]); API calls made with a session cookie repeat it
//!   in `X-CSRF-Token`.
//! - **API tokens** are 256-bit random strings shown once (`habeas user token`); the directory
//!   keeps their SHA-256 and the server finds the account by it (`Authorization: Bearer`).
//! - **Logins** are limited: after [`MAX_FAILURES`] failures for one name or one address within
//!   [`FAILURE_WINDOW`], further attempts are refused until the window passes, right password or
//!   not.
//!
//! The account is read again from the directory on every request, so a revoked account or grant
//! takes effect at once, even from the command line while the server runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use base64::Engine as _;
use habeas_store::Role;
use rand::Rng as _;
use sha2::{Digest, Sha256};

use crate::app::App;
use crate::error::Refusal;

pub const SESSION_COOKIE: &str = "habeas_session";
/// The cookie that carries the CSRF token of the login form, before there is a session.
pub const LOGIN_COOKIE: &str = "habeas_login";
pub const SESSION_LENGTH: Duration = Duration::from_secs(12 * 3600);
pub const MAX_FAILURES: u32 = 5;
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// 32 random bytes, base64url without padding (43 characters).
pub fn random_id() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The Argon2id PHC string of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    Argon2::default()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` is the one `phc` was made from.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A new API token: `hbs_` and 43 random characters.
pub fn new_token() -> String {
    format!("hbs_{}", random_id())
}

/// What the directory stores of a token: SHA-256 of its text.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A signed-in person's session.
#[derive(Clone, Debug)]
pub struct Session {
    pub account: String,
    pub csrf: String,
    pub expires: Instant,
}

/// Sessions by id, in memory.
#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Opens a session; returns its id.
    pub fn open(&self, account: &str) -> String {
        let id = random_id();
        let session = Session {
            account: account.to_string(),
            csrf: random_id(),
            expires: Instant::now() + SESSION_LENGTH,
        };
        if let Ok(mut sessions) = self.by_id.lock() {
            sessions.retain(|_, s| s.expires > Instant::now());
            sessions.insert(id.clone(), session);
        }
        id
    }

    pub fn get(&self, id: &str) -> Option<Session> {
        let sessions = self.by_id.lock().ok()?;
        sessions.get(id).filter(|s| s.expires > Instant::now()).cloned()
    }

    pub fn close(&self, id: &str) {
        if let Ok(mut sessions) = self.by_id.lock() {
            sessions.remove(id);
        }
    }
}

/// Failed logins by name and by address.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    /// Whether `key` (a name, or an address) may try now.
    pub fn allows(&self, key: &str) -> bool {
        let Ok(failures) = self.failures.lock() else { return false };
        match failures.get(key) {
            Some((count, first)) => *count < MAX_FAILURES || first.elapsed() >= FAILURE_WINDOW,
            None => true,
        }
    }

    pub fn failed(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            // Forget windows that have passed, so that a flood of addresses cannot fill memory.
            if failures.len() > 10_000 {
                failures.retain(|_, (_, first)| first.elapsed() < FAILURE_WINDOW);
            }
            let entry = failures.entry(key.to_string()).or_insert((0, Instant::now()));
            if entry.1.elapsed() >= FAILURE_WINDOW {
                *entry = (0, Instant::now());
            }
            entry.0 += 1;
        }
    }

    pub fn succeeded(&self, key: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(key);
        }
    }
}

/// The caller of a request: an account with its role, or the public.
#[derive(Clone, Debug)]
pub struct Caller {
    /// `None`: no account (the public).
    pub account: Option<String>,
    pub role: Option<Role>,
    /// For a family account: the persons granted to it.
    pub granted: Vec<String>,
    /// The session's CSRF token, when the caller came with a session cookie.
    pub csrf: Option<String>,
    /// The session id, to sign out.
    pub session: Option<String>,
}

impl Caller {
    pub fn public() -> Caller {
        Caller { account: None, role: None, granted: Vec::new(), csrf: None, session: None }
    }

    pub fn name(&self) -> &str {
        self.account.as_deref().unwrap_or("-")
    }

    pub fn role_name(&self) -> &'static str {
        self.role.map_or("public", Role::name)
    }

    /// Refuses the public (401) and accounts whose role is not in `roles` (403).
    pub fn require(&self, roles: &[Role]) -> Result<Role, Refusal> {
        match self.role {
            None => Err(Refusal::sign_in()),
            Some(role) if roles.contains(&role) => Ok(role),
            Some(_) => Err(Refusal::forbidden()),
        }
    }

    /// Any account at all.
    pub fn signed_in(&self) -> Result<Role, Refusal> {
        self.require(&Role::ALL)
    }

    /// A request that changes something, made with a session cookie, must repeat the session's
    /// CSRF token (a form field, or `X-CSRF-Token`). Token callers carry no cookie to forge.
    pub fn check_csrf(&self, given: Option<&str>) -> Result<(), Refusal> {
        match &self.csrf {
            Some(expected) if given != Some(expected.as_str()) => Err(Refusal::new(
                axum::http::StatusCode::FORBIDDEN,
                "this form has expired; reload the page and try again",
                "este formulario caducó; recargue la página e intente de nuevo",
            )),
            _ => Ok(()),
        }
    }
}

/// The value of cookie `name`.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with the attributes every habeas cookie has.
pub fn set_cookie(app: &App, name: &str, value: &str, max_age: Duration) -> String {
    let secure = if app.config.behind_tls { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}", max_age.as_secs())
}

impl FromRequestParts<Arc<App>> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Caller, Refusal> {
        let bearer = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let (account, csrf, session) = if let Some(token) = bearer {
            let digest = token_digest(token.trim());
            match app.with_directory(|d| d.token_account(&digest))? {
                Some(account) => (account, None, None),
                None => {
                    return Err(Refusal::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "this API token is not valid (revoked, or mistyped)",
                        "este token de API no es válido (revocado, o mal escrito)",
                    ));
                }
            }
        } else if let Some(id) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some(session) = app.sessions.get(id)
        {
            match app.with_directory(|d| d.account(&session.account))? {
                Some(account) => (account, Some(session.csrf), Some(id.to_string())),
                None => return Ok(Caller::public()),
            }
        } else {
            return Ok(Caller::public());
        };
        let granted = if account.role == Role::Family {
            app.with_directory(|d| d.granted(&account.name))?
        } else {
            Vec::new()
        };
        Ok(Caller { account: Some(account.name), role: Some(account.role), granted, csrf, session })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let phc = hash_password("correct horse").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("correct hors", &phc));
        assert!(!verify_password("correct horse", "not a hash"));
    }

    #[test]
    fn the_limiter_stops_a_name_after_five_failures() {
        let limiter = LoginLimiter::default();
        for _ in 0..MAX_FAILURES {
            assert!(limiter.allows("ana"));
            limiter.failed("ana");
        }
        assert!(!limiter.allows("ana"));
        assert!(limiter.allows("bob"));
        limiter.succeeded("ana");
        assert!(limiter.allows("ana"));
    }

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(axum::http::header::COOKIE, "lang=es; habeas_session=abc".parse().unwrap());
        assert_eq!(cookie(&headers, SESSION_COOKIE), Some("abc"));
        assert_eq!(cookie(&headers, "lang"), Some("es"));
        assert_eq!(cookie(&headers, "other"), None);
    }
}
