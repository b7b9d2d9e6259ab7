//! The server's state: its configuration, a pool of open ledgers, the directory of accounts,
//! the audit writer, sessions, and what is worth keeping between requests (the name index, the
//! findings and the public counts, each for one size of the log).
//!
//! Ledger calls block (SQLite); [`App::ledger`] runs them on Tokio's blocking threads with a
//! ledger from the pool, so a slow check never stalls other requests.

use std::sync::{Arc, Mutex};

use habeas_ledger::Signer;
use habeas_rules::{Policy, Report};
use habeas_store::{Directory, Ledger, Location, Moment, PersonIndex};

use crate::audit::AuditLog;
use crate::auth::{LoginLimiter, Sessions};
use crate::error::{Refusal, ServerError};
use crate::public::PublicCounts;

/// How the server runs.
pub struct Config {
    pub location: Location,
    /// The key that signs checkpoints of imports made through the server; without it the
    /// server reads only.
    pub signer: Option<Signer>,
    /// Public counts below this are shown as "fewer than N" (default 5).
    pub public_min_count: u64,
    /// The server is reached through HTTPS (a proxy in front): cookies get `Secure` and pages
    /// `Strict-Transport-Security`.
    pub behind_tls: bool,
    /// Now, fixed (tests); `None` reads the clock.
    pub now: Option<jiff::Timestamp>,
}

impl Config {
    pub fn new(location: Location) -> Config {
        Config { location, signer: None, public_min_count: 5, behind_tls: false, now: None }
    }
}

/// A value computed from the whole ledger, kept while the log has the same size.
type Cached<T> = Mutex<Option<(u64, Arc<T>)>>;

pub struct App {
    pub config: Config,
    idle: Mutex<Vec<Ledger>>,
    pub directory: Mutex<Directory>,
    pub audit: AuditLog,
    pub sessions: Sessions,
    pub limiter: LoginLimiter,
    index: Cached<PersonIndex>,
    findings: Cached<Report>,
    counts: Cached<PublicCounts>,
    /// Held while one of the caches above is being built, so that a burst of requests after
    /// an import builds it once.
    building: Mutex<()>,
}

impl App {
    /// Opens the ledger (it must exist), its directory and the audit writer.
    pub fn open(config: Config) -> Result<Arc<App>, ServerError> {
        let ledger = Ledger::open(&config.location)?;
        let directory = Directory::open(&config.location)?;
        let audit = AuditLog::start(Directory::open(&config.location)?);
        Ok(Arc::new(App {
            config,
            idle: Mutex::new(vec![ledger]),
            directory: Mutex::new(directory),
            audit,
            sessions: Sessions::default(),
            limiter: LoginLimiter::default(),
            index: Mutex::new(None),
            findings: Mutex::new(None),
            counts: Mutex::new(None),
            building: Mutex::new(()),
        }))
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.config.now.unwrap_or_else(jiff::Timestamp::now)
    }

    /// Runs `work` with a ledger on a blocking thread.
    pub async fn ledger<T, F>(self: &Arc<Self>, work: F) -> Result<T, Refusal>
    where
        F: FnOnce(&App, &mut Ledger) -> Result<T, Refusal> + Send + 'static,
        T: Send + 'static,
    {
        let app = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let mut ledger = match app.idle.lock().ok().and_then(|mut idle| idle.pop()) {
                Some(ledger) => ledger,
                None => Ledger::open(&app.config.location)?,
            };
            let result = work(&app, &mut ledger);
            if let Ok(mut idle) = app.idle.lock() {
                idle.push(ledger);
            }
            result
        })
        .await
        .map_err(|e| {
            Refusal::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), e.to_string())
        })?
    }

    /// Runs `work` with the directory (accounts, grants, tokens).
    pub fn with_directory<T>(
        &self,
        work: impl FnOnce(&mut Directory) -> habeas_store::Result<T>,
    ) -> Result<T, Refusal> {
        let mut directory = self.directory.lock().map_err(|_| poisoned())?;
        Ok(work(&mut directory)?)
    }

    /// The name index of every person as known now, rebuilt when the log has grown.
    pub fn person_index(&self, ledger: &mut Ledger) -> Result<Arc<PersonIndex>, Refusal> {
        self.cached(&self.index, ledger, |ledger| Ok(ledger.person_index(Moment::default(), None)?))
    }

    /// Every finding of every rule as of now, with the default policy.
    pub fn findings(&self, ledger: &mut Ledger) -> Result<Arc<Report>, Refusal> {
        let now = self.now();
        self.cached(&self.findings, ledger, move |ledger| {
            let moment = Moment { as_of: Some(now), known_at: None };
            let case = ledger.case(moment)?;
            Ok(habeas_rules::check(&case, &Policy::default(), &[], now))
        })
    }

    /// The public counts.
    pub fn public_counts(&self, ledger: &mut Ledger) -> Result<Arc<PublicCounts>, Refusal> {
        let (now, min) = (self.now(), self.config.public_min_count);
        self.cached(&self.counts, ledger, move |ledger| crate::public::count(ledger, now, min))
    }

    fn cached<T>(
        &self,
        slot: &Cached<T>,
        ledger: &mut Ledger,
        build: impl FnOnce(&mut Ledger) -> Result<T, Refusal>,
    ) -> Result<Arc<T>, Refusal> {
        let size = ledger.size()?;
        let fresh = |slot: &Cached<T>| -> Result<Option<Arc<T>>, Refusal> {
            let held = slot.lock().map_err(|_| poisoned())?;
            Ok(held.as_ref().filter(|(at, _)| *at == size).map(|(_, value)| Arc::clone(value)))
        };
        if let Some(value) = fresh(slot)? {
            return Ok(value);
        }
        let _building = self.building.lock().map_err(|_| poisoned())?;
        if let Some(value) = fresh(slot)? {
            return Ok(value);
        }
        let value = Arc::new(build(ledger)?);
        *slot.lock().map_err(|_| poisoned())? = Some((size, Arc::clone(&value)));
        Ok(value)
    }
}

fn poisoned() -> Refusal {
    Refusal::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "the server's state is broken after an earlier failure; restart it",
        "el estado del servidor quedó dañado tras un fallo anterior; reinícielo",
    )
}
