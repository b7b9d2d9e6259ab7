//! The embedded backend: the whole ledger in one SQLite file.
//!
//! Every connection is set up the same way ([`configure`]): write-ahead logging with
//! `synchronous=FULL`, so a commit returns only once it is on disk and a crash at any moment
//! leaves either the whole transaction or none of it (design.md, "Durability");
//! `secure_delete=ON`, so erased personal values are overwritten, not just unlinked. One
//! connection writes at a time (`BEGIN IMMEDIATE`; others wait up to the busy timeout).

mod tx;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use rusqlite::Connection;
use rusqlite::{OpenFlags, TransactionBehavior};

use crate::backend::{Backend, Durability, LogRead, LogWrite};
use crate::error::{Result, StoreError};

/// The version of the file layout this code reads and writes.
pub const LAYOUT_VERSION: &str = "1";

/// The pragmas every connection runs with.
pub fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA foreign_keys = OFF;
         PRAGMA cache_size = -65536;
         PRAGMA mmap_size = 0;
         PRAGMA temp_store = FILE;",
    )?;
    Ok(())
}

pub struct SqliteBackend {
    path: PathBuf,
    conn: Connection,
}

impl SqliteBackend {
    /// Creates a new, empty ledger file; refuses if the file exists. The file is readable and
    /// writable by its owner only, as it holds personal values (SQLite gives its write-ahead log
    /// the same mode).
    pub fn create(path: &Path) -> Result<SqliteBackend> {
        let mut new_file = std::fs::OpenOptions::new();
        new_file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut new_file, 0o600);
        new_file.open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Exists(path.to_path_buf()),
            _ => StoreError::Io(e),
        })?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.execute_batch("PRAGMA page_size = 8192;")?;
        configure(&conn)?;
        let mut backend = SqliteBackend { path: path.to_path_buf(), conn };
        let tx = backend.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(include_str!("schema.sql"))?;
        tx.execute_batch(include_str!("views.sql"))?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('layout', ?1)", [LAYOUT_VERSION])?;
        tx.commit()?;
        Ok(backend)
    }

    /// Opens an existing ledger file.
    pub fn open(path: &Path) -> Result<SqliteBackend> {
        if !path.is_file() {
            return Err(StoreError::NotFound(path.display().to_string()));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&conn)?;
        let layout: Option<String> = conn
            .query_row("SELECT value FROM meta WHERE key = 'layout'", [], |row| row.get(0))
            .map_err(|_| StoreError::NotALedger(format!("{} has no habeas tables", path.display())))?;
        if layout.as_deref() != Some(LAYOUT_VERSION) {
            return Err(StoreError::NotALedger(format!(
                "{} has layout {layout:?}; this habeas reads layout {LAYOUT_VERSION}",
                path.display()
            )));
        }
        // Views added after a ledger was made are created empty; the first read fills them.
        conn.execute_batch(include_str!("views.sql"))?;
        Ok(SqliteBackend { path: path.to_path_buf(), conn })
    }

    /// The connection alone, for the tables beside the log (`crate::accounts`).
    pub(crate) fn into_connection(self) -> Connection {
        self.conn
    }

    /// The connection, for tests that play the attacker who can write the file.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }
}

/// Asks the operating system to read the file at `path` into its cache, 64 MB at a time, until
/// all of it is asked for; advice only: where it fails, a pass reads the pages as it goes.
fn read_file_ahead(path: &Path) {
    let Some(file) = kept_open(path) else { return };
    let Ok(len) = file.metadata().map(|m| m.len()) else { return };
    const SLICE: u64 = 64 << 20;
    for at in (0..len).step_by(SLICE as usize) {
        let slice = std::num::NonZeroU64::new(SLICE);
        if rustix::fs::fadvise(file, at, slice, rustix::fs::Advice::WillNeed).is_err() {
            return;
        }
    }
}

/// The ledger file at `path` opened for reading, once in the process, and never closed.
///
/// Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
/// own included: SQLite cannot know of a descriptor it did not open ("How To Corrupt An SQLite
/// Database File", §2.2). A process whose connection had lost its lock this way would look
/// closed to others: the last of them to close would fold the write-ahead log into the file and
/// delete it under the connection still using it. So habeas opens the file itself only here,
/// and keeps the descriptor until the process ends. `None` if it cannot be opened.
fn kept_open(path: &Path) -> Option<&'static std::fs::File> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static KEPT: OnceLock<Mutex<HashMap<PathBuf, &'static std::fs::File>>> = OnceLock::new();
    let mut kept = KEPT.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    if let Some(file) = kept.get(path) {
        return Some(file);
    }
    let file: &'static std::fs::File = Box::leak(Box::new(std::fs::File::open(path).ok()?));
    kept.insert(path.to_path_buf(), file);
    Some(file)
}

impl Backend for SqliteBackend {
    fn location(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }

    fn read(&mut self) -> Result<Box<dyn LogRead + '_>> {
        Ok(Box::new(tx::SqliteTx::begin(&self.conn, TransactionBehavior::Deferred)?))
    }

    fn write(&mut self) -> Result<Box<dyn LogWrite + '_>> {
        Ok(Box::new(tx::SqliteTx::begin(&self.conn, TransactionBehavior::Immediate)?))
    }

    /// Reads go through a memory map of the file (up to 8 GB): a lookup at a random place of a
    /// large ledger then reads the operating system's cached page instead of copying it with a
    /// system call (a person's status at 7 million records: 407 to about 250 µs at the median;
    /// the server's name index of a million persons built in 32 s instead of 56–73 s). Writes do
    /// not use the map, but a bulk import runs 5–10% slower mapped, so only connections that
    /// mostly read ask for it.
    fn map_for_reading(&mut self) -> Result<()> {
        self.conn.execute_batch("PRAGMA mmap_size = 8589934592;")?;
        Ok(())
    }

    /// The file is read ahead with `posix_fadvise(WILLNEED)`, a slice at a time on a thread of
    /// its own that ends when the last is asked for (or with the process). The records view is
    /// read in id order, its pages scattered over the file: from a cold cache, one page fault
    /// at a time, 7.8M records' view took 9.2 s and the whole read 27.7 s; with the file read
    /// ahead, 6.9 and 24.8 s. Pages already cached cost the kernel a lookup. (Reading the file
    /// on the thread instead, as `cat` would, did as well cold and copies it all when warm.)
    fn read_ahead(&self) {
        let path = self.path.clone();
        std::thread::spawn(move || read_file_ahead(&path));
    }

    fn another(&self) -> Option<Box<dyn Backend>> {
        SqliteBackend::open(&self.path).ok().map(|backend| Box::new(backend) as Box<dyn Backend>)
    }

    fn durability(&self) -> Result<Durability> {
        let journal_mode: String = self.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let synchronous: i64 = self.conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let synchronous = match synchronous {
            0 => "OFF",
            1 => "NORMAL",
            2 => "FULL",
            3 => "EXTRA",
            _ => "unknown",
        };
        Ok(Durability { journal_mode, synchronous: synchronous.to_string() })
    }

    fn copy_to(&mut self, dest: &Path) -> Result<()> {
        let folder = dest.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !folder.is_dir() {
            let why = format!("{}: no such folder", folder.display());
            return Err(StoreError::Io(std::io::Error::new(std::io::ErrorKind::NotFound, why)));
        }
        // Written under a name of its own in the same folder, then renamed: `dest` appears whole
        // or not at all, and a failed copy leaves nothing behind.
        let partial = tempfile::Builder::new().prefix(".habeas-copy-").tempfile_in(folder)?;
        {
            use rusqlite::backup::{Backup, StepResult};
            let mut to = Connection::open(partial.path())?;
            let copy = Backup::new(&self.conn, &mut to)?;
            // Every page in one step (-1), under one read transaction: the copy is one moment of
            // the ledger, whatever other connections commit meanwhile (copied a few pages at a
            // time, it would start again at each of their commits, and might never finish). A
            // writer in the middle of its commit can hold the file for a moment: try again.
            let mut tries = 0;
            loop {
                match copy.step(-1)? {
                    StepResult::Done => break,
                    StepResult::Busy | StepResult::Locked if tries < 200 => {
                        tries += 1;
                        std::thread::sleep(Duration::from_millis(50));
                    }
                    other => return Err(StoreError::Backend(format!("copying the ledger: {other:?}"))),
                }
            }
        }
        partial.as_file().sync_all()?;
        partial.persist_noclobber(dest).map_err(|e| match e.error.kind() {
            std::io::ErrorKind::AlreadyExists => StoreError::Exists(dest.to_path_buf()),
            _ => StoreError::Io(e.error),
        })?;
        std::fs::File::open(folder)?.sync_all()?;
        Ok(())
    }

    fn scrub(&mut self) -> Result<()> {
        // secure_delete zeroed the freed bytes in the pages; the old page images may still sit in
        // the write-ahead log, so fold it into the file and truncate it to nothing.
        self.conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mmap_size(conn: &Connection) -> i64 {
        conn.query_row("PRAGMA mmap_size", [], |r| r.get(0)).unwrap()
    }

    #[test]
    fn only_connections_that_mostly_read_map_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        drop(SqliteBackend::create(&path).unwrap());
        let plain = SqliteBackend::open(&path).unwrap();
        assert_eq!(mmap_size(&plain.conn), 0);
        let mut reading = SqliteBackend::open(&path).unwrap();
        reading.map_for_reading().unwrap();
        assert!(mmap_size(&reading.conn) > 0, "SQLite built without memory maps?");
        // The map leaves the durability settings alone.
        assert_eq!(reading.durability().unwrap(), plain.durability().unwrap());
    }

    /// Whether a lock on the file at `path` (this process's own included) stands in the way of
    /// locking all of it for writing: asked with an open file description's lock, which
    /// conflicts with POSIX locks of the same process, through the descriptor that is never
    /// closed (closing one would drop the very locks asked about).
    fn locked(path: &Path) -> bool {
        use std::os::fd::AsRawFd;
        let file = kept_open(path).unwrap();
        // SAFETY: a plain C struct, all zeroes a valid value; F_OFD_GETLK only fills it in.
        let mut probe: libc::flock = unsafe { std::mem::zeroed() };
        probe.l_type = libc::F_WRLCK as libc::c_short;
        probe.l_whence = libc::SEEK_SET as libc::c_short;
        // SAFETY: an open descriptor and a pointer to a live flock.
        let asked = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut probe) };
        assert_eq!(asked, 0, "F_OFD_GETLK: {}", std::io::Error::last_os_error());
        probe.l_type != libc::F_UNLCK as libc::c_short
    }

    #[test]
    fn reading_the_file_ahead_leaves_sqlite_its_locks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        drop(SqliteBackend::create(&path).unwrap());
        let mut open = SqliteBackend::open(&path).unwrap();
        let tx = open.read().unwrap();
        assert_eq!(tx.tree_size().unwrap(), 0);
        assert!(locked(&path), "SQLite holds no lock on the file while it reads?");
        read_file_ahead(&path);
        assert!(locked(&path), "reading ahead dropped SQLite's lock on the file");
    }

    #[test]
    fn a_full_disk_leaves_the_ledger_as_it_was_and_says_so() {
        use crate::ingest::in_memory::Text;
        use crate::{ImportOptions, Ledger, Location, StoreError};
        use habeas_model::{Lang, Localized};

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let signer = habeas_ledger::Signer::from_seed("habeas.local/l.db", [7; 32]).unwrap();
        let mut ledger = Ledger::create(&Location::Sqlite(path.clone()), &signer.verifier()).unwrap();
        let options = ImportOptions { keep_going: false, by: "t".into(), at: "2025-03-20T12:00:00Z".into() };
        let first = "{\"type\":\"source\",\"id\":\"src-1\",\"kind\":\"testimony\",\"title\":\"A filing\"}";
        assert!(ledger.import(&mut Text(first), &options, &signer).unwrap().rejected.is_empty());
        let (size, root) = (ledger.size().unwrap(), ledger.root().unwrap());
        drop(ledger);

        // A connection that may grow the file by two pages: SQLite answers as on a full disk.
        let full = SqliteBackend::open(&path).unwrap();
        let pages: i64 = full.conn.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        full.conn.execute_batch(&format!("PRAGMA max_page_count = {}", pages + 2)).unwrap();
        let many: String = (0..500)
            .map(|i| {
                format!(
                    "{{\"type\":\"person\",\"id\":\"p-{i}\",\"name\":\"Ana {i}\",\"sources\":[\"src-1\"]}}\n"
                )
            })
            .collect();
        let many: &'static str = Box::leak(many.into_boxed_str());
        let error = Ledger::on(Box::new(full)).import(&mut Text(many), &options, &signer).unwrap_err();
        assert!(matches!(error, StoreError::Full), "{error:?}");
        assert!(error.message(Lang::En).contains("the ledger is as it was, nothing half-written"));
        assert!(error.message(Lang::Es).contains("el registro sigue como estaba, sin nada escrito a medias"));

        // The ledger is as it was, whole; with room again the same import goes through.
        let mut ledger = Ledger::open(&Location::Sqlite(path)).unwrap();
        assert_eq!((ledger.size().unwrap(), ledger.root().unwrap()), (size, root));
        assert!(ledger.verify(&signer.verifier(), None).unwrap().ok);
        let report = ledger.import(&mut Text(many), &options, &signer).unwrap();
        assert_eq!(report.appended, 500);
    }
}
