//! The shared-server backend: the ledger in a PostgreSQL database (`--db postgres://...`).
//!
//! The tables are those of the embedded store with PostgreSQL's types (`schema.sql`), and the
//! ledger's code above the [`Backend`] trait is the same: import, verify, proofs, erasure,
//! exports and checks run unchanged. What differs, and why:
//!
//! - **One writer at a time.** A write transaction first takes a transaction-scoped advisory
//!   lock ([`WRITER_LOCK`]), so two imports from two machines queue as two SQLite writers do;
//!   the second waits, then appends after the first.
//! - **Durable at commit.** Each connection sets `synchronous_commit = on`: a commit returns once
//!   the server has flushed its write-ahead log (design.md, "Durability"). [`Backend::durability`]
//!   reports it with the server's `fsync`, and writing is refused on a server that runs with
//!   `fsync` off, where no commit is durable.
//! - **Snapshots.** A read runs in a `REPEATABLE READ READ ONLY` transaction: every query of a
//!   pass sees the same ledger, whatever is committed meanwhile.
//! - **Erasure.** `scrub` rewrites the kept values' table (`VACUUM FULL kept`), so an erased value
//!   is in no live page. PostgreSQL's own write-ahead log and any base backup still hold the old
//!   pages until the server recycles them (docs/server.md says what an administrator must do).
//! - **No copy.** `habeas backup` is for the one-file store; a PostgreSQL ledger is backed up with
//!   `pg_dump`, which gives one consistent moment of it too.
//!
//! - **TLS** as libpq reads the URL: `?sslmode=verify-full&sslrootcert=/path/ca.pem` checks the
//!   server's certificate; `require` encrypts without checking it (the `tls` module).

#[doc(hidden)]
pub mod testing;
mod tls;
mod tx;

pub(crate) use tx::{Prepared, prepared_once};

use postgres::{Client, IsolationLevel};

use crate::backend::{Backend, Durability, LogRead, LogWrite};
use crate::error::{Result, StoreError};

/// The version of the table layout this code reads and writes (the embedded store's numbering).
pub const LAYOUT_VERSION: &str = crate::sqlite::LAYOUT_VERSION;

/// The advisory lock a write transaction holds until it ends: "habeas" in ASCII.
pub const WRITER_LOCK: i64 = 0x6861_6265_6173;

pub struct PostgresBackend {
    /// The URL with any password taken out, for messages.
    shown: String,
    client: Client,
    /// The durability settings, read when connecting.
    durability: Durability,
    /// Statements prepared on `client`.
    prepared: tx::Prepared,
}

impl PostgresBackend {
    /// Creates the ledger's tables in the database at `url`, which must exist (an administrator
    /// creates it, with an owner habeas connects as). Refused if it already holds a ledger.
    pub fn create(url: &str) -> Result<PostgresBackend> {
        let mut backend = PostgresBackend::connect(url)?;
        let mut tx = backend.client.transaction()?;
        tx.query_one("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])?;
        if has_ledger_tables(&mut tx)? {
            return Err(StoreError::Conflict {
                constraint: format!(
                    "{} already holds a habeas ledger; habeas never overwrites one",
                    backend.shown
                ),
            });
        }
        tx.batch_execute(include_str!("schema.sql"))?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('layout', $1)", &[&LAYOUT_VERSION])?;
        tx.commit()?;
        Ok(backend)
    }

    /// Opens the ledger in the database at `url`.
    pub fn open(url: &str) -> Result<PostgresBackend> {
        let mut backend = PostgresBackend::connect(url)?;
        let mut tx = backend.client.transaction()?;
        if !has_ledger_tables(&mut tx)? {
            return Err(StoreError::NotFound(backend.shown));
        }
        let layout: Option<String> = tx
            .query_opt("SELECT value FROM meta WHERE key = 'layout'", &[])?
            .map(|row| row.try_get(0))
            .transpose()?;
        if layout.as_deref() != Some(LAYOUT_VERSION) {
            return Err(StoreError::NotALedger(format!(
                "{} has layout {layout:?}; this habeas reads layout {LAYOUT_VERSION}",
                backend.shown
            )));
        }
        tx.commit()?;
        Ok(backend)
    }

    fn connect(url: &str) -> Result<PostgresBackend> {
        let shown = without_password(url);
        let asked = tls::Asked::of(url)?;
        let mut client = Client::connect(&asked.url, asked.connector()?).map_err(|e| {
            StoreError::Unreachable(format!("cannot connect to {shown}: {}", with_causes(&e)))
        })?;
        client.batch_execute("SET synchronous_commit = on; SET client_min_messages = warning;")?;
        let fsync: String = client.query_one("SHOW fsync", &[])?.try_get(0)?;
        let synchronous: String = client.query_one("SHOW synchronous_commit", &[])?.try_get(0)?;
        let durability = Durability { journal_mode: format!("wal, fsync {fsync}"), synchronous };
        Ok(PostgresBackend { shown, client, durability, prepared: tx::Prepared::default() })
    }

    /// The connection alone, for the tables beside the log (`crate::accounts`).
    pub(crate) fn into_client(self) -> Client {
        self.client
    }

    /// The connection, for tests that play the attacker who can write the database.
    pub fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// An error with the errors behind it: the `postgres` crate says "error performing TLS
/// handshake" and leaves the reason (a certificate signed by an unknown authority) to its source.
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        let said = error.to_string();
        if !text.contains(&said) {
            text = format!("{text}: {said}");
        }
        cause = error.source();
    }
    text
}

fn has_ledger_tables(tx: &mut postgres::Transaction<'_>) -> Result<bool> {
    let found: Option<String> = tx.query_one("SELECT to_regclass('meta')::text", &[])?.try_get(0)?;
    Ok(found.is_some())
}

/// `url` with the password of its user part taken out: `postgres://ana:secret@db/habeas` is
/// shown as `postgres://ana@db/habeas`. A password given as a parameter (`?password=`) is cut with
/// everything after the `?`.
pub fn without_password(url: &str) -> String {
    let url = url.split('?').next().unwrap_or(url);
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or(user);
            format!("{scheme}://{user}@{host}{path}")
        }
        None => url.to_string(),
    }
}

impl Backend for PostgresBackend {
    fn location(&self) -> String {
        self.shown.clone()
    }

    fn is_broken(&self) -> bool {
        self.client.is_closed()
    }

    /// The log's size in one statement outside any transaction: one round trip (a server reads
    /// it on every search), where a read transaction of its own would add its start and end.
    fn tree_size(&mut self) -> Result<u64> {
        let statement = tx::prepared_once(&mut self.client, &self.prepared, "SELECT max(idx) FROM leaves")?;
        Ok(tx::size_after(self.client.query_one(&statement, &[])?.try_get(0)?))
    }

    fn read(&mut self) -> Result<Box<dyn LogRead + '_>> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        Ok(Box::new(tx::PostgresTx::new(tx, &self.prepared)))
    }

    fn write(&mut self) -> Result<Box<dyn LogWrite + '_>> {
        if self.durability.journal_mode != "wal, fsync on" {
            return Err(StoreError::Conflict {
                constraint: format!(
                    "{} runs with fsync off: no commit there is durable, so habeas will not write to it",
                    self.shown
                ),
            });
        }
        let mut tx = self.client.transaction()?;
        tx.query_one("SELECT pg_advisory_xact_lock($1)", &[&WRITER_LOCK])?;
        Ok(Box::new(tx::PostgresTx::new(tx, &self.prepared)))
    }

    fn durability(&self) -> Result<Durability> {
        Ok(self.durability.clone())
    }

    fn scrub(&mut self) -> Result<()> {
        self.client.batch_execute("VACUUM FULL kept")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_runs_with_fsync_off_is_never_written_to() {
        // `fsync` is the server's own setting (no session can change it), so the test plays a
        // server that reported it off when the backend connected.
        let database = testing::TestDatabase::create();
        let mut backend = PostgresBackend::create(&database.url).unwrap();
        assert!(backend.write().is_ok(), "on a durable server, writes go ahead");
        backend.durability.journal_mode = "wal, fsync off".into();
        let Err(refused) = backend.write() else { panic!("a write began on a server with fsync off") };
        assert!(matches!(refused, StoreError::Conflict { .. }), "{refused:?}");
        assert!(refused.to_string().contains("runs with fsync off: no commit there is durable"), "{refused}");
        assert!(backend.read().is_ok(), "reading it is still allowed");
    }

    #[test]
    fn a_statement_is_prepared_once_per_connection_and_kept() {
        let database = testing::TestDatabase::create();
        let mut backend = PostgresBackend::create(&database.url).unwrap();
        for _ in 0..3 {
            assert_eq!(backend.read().unwrap().tree_size().unwrap(), 0);
            // Read outside a transaction (as a server reads it on every search), the same one.
            assert_eq!(Backend::tree_size(&mut backend).unwrap(), 0);
        }
        // The session's prepared statements, as the server lists them: the size's query once,
        // still there after the transactions that ran it.
        let kept: i64 = backend
            .client
            .query_one(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement = 'SELECT max(idx) FROM leaves'",
                &[],
            )
            .unwrap()
            .get(0);
        assert_eq!(kept, 1);
        assert_eq!(backend.prepared.borrow().len(), 1, "{:?}", backend.prepared.borrow().keys());
    }

    #[test]
    fn a_password_is_never_shown() {
        assert_eq!(
            without_password("postgres://ana:s3cret@db.example/habeas"),
            "postgres://ana@db.example/habeas"
        );
        assert_eq!(without_password("postgresql://ana@db/habeas"), "postgresql://ana@db/habeas");
        assert_eq!(without_password("postgres://db/habeas?password=s3cret"), "postgres://db/habeas");
        assert_eq!(without_password("postgres://a:b:c@h:5432/d"), "postgres://a@h:5432/d");
        assert_eq!(without_password("postgres://a:p@ss@h/d"), "postgres://a@h/d");
    }
}
