//! The server's state: its configuration, a pool of open ledgers, a pool of directories of accounts,
//! the audit writer, sessions, and what is worth keeping between requests (the name index, every
//! indexed person's status, the findings and the public counts, each for one size of the log).
//!
//! Ledger calls block (SQLite); [`App::ledger`] runs them on Tokio's blocking threads with a
//! ledger from the pool (at most [`POOL_SIZE`] at once), so a slow call never stalls the others.
//!
//! What takes the whole ledger to compute (the findings of every rule, the public counts) is
//! never computed on a request: a refresher thread recomputes it when the log has grown
//! ([`App::refresh`]), and requests read the latest result, saying when it was computed. The
//! name index is built by the refresher too, and by the first search if it has not been yet;
//! then the refresher derives every indexed person's status ([`StatusBook`]), so that a search
//! reads its ten statuses; until then, and for other moments, a search derives them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use habeas_ledger::Signer;
use habeas_rules::{Policy, Report};
use habeas_store::check::Sources;
use habeas_store::{Directory, Ledger, Location, Moment, PersonIndex};

use crate::audit::AuditLog;
use crate::auth::{LoginLimiter, Sessions};
use crate::directories::Directories;
use crate::error::{Refusal, ServerError};
use crate::public::PublicCounts;

/// How the server runs.
/// The default of [`Config::max_upload`]: 1 GiB.
pub const DEFAULT_MAX_UPLOAD: u64 = 1 << 30;

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
    /// How often the refresher looks for a grown log; `None`: no refresher (tests call
    /// [`App::refresh`] themselves).
    pub refresh_every: Option<std::time::Duration>,
    /// Run the rules in the background. Off, findings are not shown (a ledger of millions of
    /// records needs many GB for a check: docs/benchmarks.md, issue 4).
    pub check: bool,
    /// The largest import a request may upload (the API's body, the import page's file), in
    /// bytes. An upload is written to a temporary file as it arrives, never held in memory.
    pub max_upload: u64,
}

impl Config {
    pub fn new(location: Location) -> Config {
        Config {
            location,
            signer: None,
            public_min_count: 5,
            behind_tls: false,
            now: None,
            refresh_every: Some(std::time::Duration::from_secs(2)),
            check: true,
            max_upload: DEFAULT_MAX_UPLOAD,
        }
    }
}

/// A value computed from the whole ledger, kept while the log has the same size.
type Cached<T> = Mutex<Option<(u64, Arc<T>)>>;

/// How many ledgers (SQLite connections, each with its own page cache) serve requests at once.
pub const POOL_SIZE: usize = 8;

/// What a search shows of each person found, and what decides who may see it.
#[derive(Clone, Debug)]
pub struct PersonStatus {
    pub status: habeas_store::Status,
    pub place_name: Option<String>,
    pub sensitivity: crate::access::Sensitivity,
}

impl From<habeas_store::ShownStatus> for PersonStatus {
    fn from(shown: habeas_store::ShownStatus) -> PersonStatus {
        PersonStatus {
            status: shown.status,
            place_name: shown.place_name,
            sensitivity: crate::access::Sensitivity::named(shown.sensitivity.as_deref()),
        }
    }
}

/// The status of every person of the name index, computed by the refresher for one size of the
/// log: with it a search reads ten statuses instead of deriving them (a timeline each).
pub struct StatusBook {
    /// The log's size the statuses (and the index they follow) were computed at.
    pub size: u64,
    /// By the person's number in the index ([`habeas_store::Found::person`]).
    pub statuses: Vec<PersonStatus>,
}

impl std::ops::Deref for PersonStatus {
    type Target = habeas_store::Status;
    fn deref(&self) -> &habeas_store::Status {
        &self.status
    }
}

/// A result computed from the whole ledger by the refresher.
pub struct Computed<T> {
    pub value: Arc<T>,
    /// The log's size it was computed at.
    pub size: u64,
    /// When it was computed (RFC 3339).
    pub at: String,
}

impl<T> Clone for Computed<T> {
    fn clone(&self) -> Self {
        Computed { value: Arc::clone(&self.value), size: self.size, at: self.at.clone() }
    }
}

type Latest<T> = Mutex<Option<Computed<T>>>;

pub struct App {
    pub config: Config,
    idle: Mutex<Vec<Ledger>>,
    directories: Directories,
    pub audit: AuditLog,
    pub sessions: Sessions,
    pub limiter: LoginLimiter,
    permits: tokio::sync::Semaphore,
    index: Cached<PersonIndex>,
    statuses: Mutex<(u64, HashMap<String, Arc<PersonStatus>>)>,
    book: Mutex<Option<Arc<StatusBook>>>,
    findings: Latest<Report>,
    counts: Latest<PublicCounts>,
    /// Held while the index is being built, so that a burst of searches builds it once.
    building: Mutex<()>,
}

impl App {
    /// Opens the ledger (it must exist), its directory and the audit writer.
    pub fn open(config: Config) -> Result<Arc<App>, ServerError> {
        let ledger = Ledger::open(&config.location)?;
        // On PostgreSQL each directory read is a round trip, and requests should not queue for
        // one connection; on a file a read takes microseconds, and one connection is enough
        // (each more would read the write-ahead log's index again after every audit commit).
        let most = match config.location {
            Location::Postgres(_) => POOL_SIZE,
            Location::Sqlite(_) => 1,
        };
        let directories = Directories::new(config.location.clone(), Directory::open(&config.location)?, most);
        let audit = AuditLog::start(&config.location)?;
        let refresh_every = config.refresh_every;
        let app = Arc::new(App {
            config,
            idle: Mutex::new(vec![ledger]),
            directories,
            audit,
            sessions: Sessions::default(),
            limiter: LoginLimiter::default(),
            permits: tokio::sync::Semaphore::new(POOL_SIZE),
            index: Mutex::new(None),
            statuses: Mutex::new((0, HashMap::new())),
            book: Mutex::new(None),
            findings: Mutex::new(None),
            counts: Mutex::new(None),
            building: Mutex::new(()),
        });
        if let Some(every) = refresh_every {
            let weak = Arc::downgrade(&app);
            let location = app.config.location.clone();
            std::thread::Builder::new()
                .name("habeas-refresh".into())
                .spawn(move || refresher(weak, location, every))
                .map_err(|e| ServerError::Start(e.to_string()))?;
        }
        Ok(app)
    }

    /// Recomputes what is computed from the whole ledger, if the log has grown since: the name
    /// index, the public counts, the findings (unless `check` is off).
    pub fn refresh(&self, ledger: &mut Ledger) -> Result<(), Refusal> {
        let size = ledger.size()?;
        let (indexed, index) = self.person_index(ledger)?;
        if self.status_book(indexed).is_none()
            && let Some(book) = self.compute_status_book(ledger, &index)?
        {
            *self.book.lock().map_err(|_| poisoned())? = Some(Arc::new(book));
        }
        if stale(&self.counts, size)? {
            let value = crate::public::count(
                ledger,
                &self.config.location,
                self.now(),
                self.config.public_min_count,
            )?;
            self.store(&self.counts, value, size)?;
        }
        if self.config.check && stale(&self.findings, size)? {
            let now = self.now();
            let case = ledger.case(Moment { as_of: Some(now), known_at: None }, Sources::Left)?;
            let report = habeas_rules::check(&case, &Policy::default(), &[], now);
            self.store(&self.findings, report, size)?;
        }
        Ok(())
    }

    fn store<T>(&self, slot: &Latest<T>, value: T, size: u64) -> Result<(), Refusal> {
        let computed = Computed {
            value: Arc::new(value),
            size,
            at: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| String::new(), |t| t.to_string()),
        };
        *slot.lock().map_err(|_| poisoned())? = Some(computed);
        Ok(())
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
        let permit = self.permits.acquire().await.map_err(|_| poisoned())?;
        let app = Arc::clone(self);
        let result = tokio::task::spawn_blocking(move || {
            let mut ledger = match app.idle.lock().ok().and_then(|mut idle| idle.pop()) {
                Some(ledger) => ledger,
                None => Ledger::open_for_reading(&app.config.location)?,
            };
            let result = work(&app, &mut ledger);
            app.put_back(ledger, lost(&result));
            result
        })
        .await
        .map_err(|e| {
            Refusal::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string(), e.to_string())
        })?;
        drop(permit);
        result
    }

    /// Runs `work` with a directory (accounts, grants, tokens) of its own from the pool, on the
    /// calling thread (`App::in_place`). See [`Directories::with`].
    pub fn with_directory<T>(
        &self,
        work: impl FnMut(&mut Directory) -> habeas_store::Result<T>,
    ) -> Result<T, Refusal> {
        self.in_place(|| self.directories.with(work))
    }

    /// Runs `work`, which uses the ledger or the directory, on the calling thread. On a
    /// PostgreSQL ledger the client blocks on a runtime of its own (even to close a connection),
    /// which Tokio allows only outside its workers' async context: from a worker, the work runs
    /// in `block_in_place`, which lends the worker's other tasks to another thread meanwhile. A
    /// SQLite ledger answers from its file in microseconds and is called as it is.
    fn in_place<T>(&self, work: impl FnOnce() -> T) -> T {
        let on_a_worker = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        match self.config.location {
            habeas_store::Location::Postgres(_) if on_a_worker => tokio::task::block_in_place(work),
            _ => work(),
        }
    }

    /// The name index of every person as known now, rebuilt when the log has grown, and the
    /// size of the log it was built at.
    pub fn person_index(&self, ledger: &mut Ledger) -> Result<(u64, Arc<PersonIndex>), Refusal> {
        self.cached(&self.index, ledger, |ledger| Ok(ledger.person_index(Moment::default(), None)?))
    }

    /// A person's status now, kept until the log grows: a search shows ten of them, and the
    /// same persons come back search after search. (Once the refresher has written the status
    /// book for this size, searches read that instead: [`App::status_book`].)
    /// `size` is the log's size now (read once per search by the caller).
    pub fn status(&self, ledger: &mut Ledger, size: u64, id: &str) -> Result<Arc<PersonStatus>, Refusal> {
        {
            let mut held = self.statuses.lock().map_err(|_| poisoned())?;
            if held.0 != size {
                *held = (size, HashMap::new());
            }
            if let Some(found) = held.1.get(id) {
                return Ok(Arc::clone(found));
            }
        }
        let found = Arc::new(self.status_at(ledger, id, Moment::default())?);
        let mut held = self.statuses.lock().map_err(|_| poisoned())?;
        if held.0 == size {
            held.1.insert(id.to_string(), Arc::clone(&found));
        }
        Ok(found)
    }

    /// A person's status at another moment (not kept).
    pub fn status_at(&self, ledger: &mut Ledger, id: &str, moment: Moment) -> Result<PersonStatus, Refusal> {
        let shown = ledger.shown_statuses(&[id], moment)?.pop().unwrap_or_default();
        Ok(PersonStatus::from(shown))
    }

    /// The status of every person of the name index now, by their number in it, if the
    /// refresher has computed them for a log of `size` leaves.
    pub fn status_book(&self, size: u64) -> Option<Arc<StatusBook>> {
        let held = self.book.lock().ok()?;
        held.as_ref().filter(|book| book.size == size).map(Arc::clone)
    }

    /// The name index and the status book, if both were computed at the log's `size`: all that
    /// a search of the ledger as it stands needs, with no storage read.
    pub fn ready_for_search(&self, size: u64) -> Option<(Arc<PersonIndex>, Arc<StatusBook>)> {
        let held = self.index.lock().ok()?;
        let index = held.as_ref().filter(|(at, _)| *at == size).map(|(_, index)| Arc::clone(index))?;
        Some((index, self.status_book(size)?))
    }

    /// The log's size, read here with an idle ledger (a read of a page or two, no hand-over to a
    /// blocking thread), or `None` when every ledger is busy.
    pub fn size_here(&self) -> Option<Result<u64, Refusal>> {
        let mut ledger = self.idle.lock().ok()?.pop()?;
        Some(self.in_place(|| {
            let size = ledger.size().map_err(Refusal::from);
            self.put_back(ledger, lost(&size));
            size
        }))
    }

    /// Returns a ledger to the pool, unless its connection to the database was lost (a
    /// PostgreSQL server restarted): then it is dropped, and the idle ones with it, since they
    /// were most likely cut at the same moment; the next calls open new ones. Only the call that
    /// found the connection lost is refused (503), not every call after it.
    ///
    /// `lost`: the call was refused because the database could not be reached. The server
    /// ending a session says so in an error of its own, which can arrive before the client has
    /// seen the connection close ([`Ledger::is_broken`] still false); such a ledger put back
    /// would refuse the next call too.
    fn put_back(&self, ledger: Ledger, lost: bool) {
        let Ok(mut idle) = self.idle.lock() else { return };
        if lost || ledger.is_broken() {
            idle.clear();
        } else {
            idle.push(ledger);
        }
    }

    /// Computes the status book of `index` (built at the log's size now) on up to four threads,
    /// each with its own ledger. `None` if the log grew meanwhile (the next refresh starts over).
    fn compute_status_book(
        &self,
        ledger: &mut Ledger,
        index: &PersonIndex,
    ) -> Result<Option<StatusBook>, Refusal> {
        let ids: Vec<&str> = (0..index.len()).map(|p| index.id(p as u32)).collect();
        let parts = in_parts(ledger, &self.config.location, &ids, |ledger, ids| {
            Ok(ledger.shown_statuses(ids, Moment::default())?)
        })?;
        let statuses = parts.into_iter().flatten().map(PersonStatus::from).collect();
        let grew = ledger.size()? != index.size;
        Ok((!grew).then_some(StatusBook { size: index.size, statuses }))
    }

    /// The latest findings of every rule (default policy), if a check has run.
    pub fn findings(&self) -> Option<Computed<Report>> {
        self.findings.lock().ok()?.clone()
    }

    /// The latest public counts, if computed.
    pub fn public_counts(&self) -> Option<Computed<PublicCounts>> {
        self.counts.lock().ok()?.clone()
    }

    fn cached<T>(
        &self,
        slot: &Cached<T>,
        ledger: &mut Ledger,
        build: impl FnOnce(&mut Ledger) -> Result<T, Refusal>,
    ) -> Result<(u64, Arc<T>), Refusal> {
        let size = ledger.size()?;
        let fresh = |slot: &Cached<T>| -> Result<Option<Arc<T>>, Refusal> {
            let held = slot.lock().map_err(|_| poisoned())?;
            Ok(held.as_ref().filter(|(at, _)| *at == size).map(|(_, value)| Arc::clone(value)))
        };
        if let Some(value) = fresh(slot)? {
            return Ok((size, value));
        }
        let _building = self.building.lock().map_err(|_| poisoned())?;
        // Another request may have built it while this one waited.
        if let Some(value) = fresh(slot)? {
            return Ok((size, value));
        }
        let value = Arc::new(build(ledger)?);
        *slot.lock().map_err(|_| poisoned())? = Some((size, Arc::clone(&value)));
        Ok((size, value))
    }
}

/// Whether `slot` holds nothing computed at `size`.
fn stale<T>(slot: &Latest<T>, size: u64) -> Result<bool, Refusal> {
    Ok(slot.lock().map_err(|_| poisoned())?.as_ref().is_none_or(|c| c.size != size))
}

/// Runs `work` over `ids` cut in parts, one per core (up to four): the first part on `ledger`,
/// each other on a thread with a ledger of its own opened at `location`. The parts' results, in
/// the order of the parts.
pub(crate) fn in_parts<T: Send>(
    ledger: &mut Ledger,
    location: &habeas_store::Location,
    ids: &[&str],
    work: impl Fn(&mut Ledger, &[&str]) -> Result<T, Refusal> + Sync,
) -> Result<Vec<T>, Refusal> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    let mut parts = ids.chunks(ids.len().div_ceil(threads).max(1));
    let mine = parts.next().unwrap_or_default();
    let work = &work;
    std::thread::scope(|scope| {
        let others: Vec<_> = parts
            .map(|ids| scope.spawn(move || work(&mut Ledger::open_for_reading(location)?, ids)))
            .collect();
        let mut results = vec![work(ledger, mine)?];
        for other in others {
            results.push(other.join().map_err(|_| poisoned())??);
        }
        Ok(results)
    })
}

/// Whether a call was refused because the database could not be reached (503, from
/// [`StoreError::Unreachable`](habeas_store::StoreError::Unreachable)). The one other 503 of a
/// ledger call, an import refused by a server without its key, also retires the ledger: that
/// costs a reopen, never an answer.
fn lost<T>(result: &Result<T, Refusal>) -> bool {
    matches!(result, Err(refusal) if refusal.status == axum::http::StatusCode::SERVICE_UNAVAILABLE)
}

pub(crate) fn poisoned() -> Refusal {
    Refusal::new(
        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
        "the server's state is broken after an earlier failure; restart it",
        "el estado del servidor quedó dañado tras un fallo anterior; reinícielo",
    )
}

/// The refresher thread: every `every`, brings [`App::refresh`]'s results up to the log, until
/// the server is gone.
fn refresher(app: std::sync::Weak<App>, location: Location, every: std::time::Duration) {
    let mut ledger = None;
    loop {
        let Some(app) = app.upgrade() else { return };
        if ledger.is_none() {
            ledger = Ledger::open_for_reading(&location).ok();
        }
        if let Some(ledger) = ledger.as_mut()
            && let Err(refusal) = app.refresh(ledger)
        {
            eprintln!("habeas: refreshing the findings and counts: {}", refusal.en);
        }
        // A connection lost (a PostgreSQL server restarted) is opened again next time.
        if ledger.as_ref().is_some_and(Ledger::is_broken) {
            ledger = None;
        }
        drop(app);
        std::thread::sleep(every);
    }
}
