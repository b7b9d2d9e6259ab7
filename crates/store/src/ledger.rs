//! [`Ledger`]: one ledger in one backend, and everything that can be done with it.
//!
//! Callers (the command line, the server) use this type only; which database holds the ledger
//! is decided once, by [`Location::parse`]. Each writing operation ends by signing a checkpoint
//! of the new tree with the key it is given, inside the same transaction: a ledger never holds
//! a leaf that no signed checkpoint covers.

use std::collections::HashSet;
use std::path::PathBuf;

use habeas_ledger::{Checkpoint, Hash, Signer, Verifier};

use crate::backend::{Backend, CheckpointRow};
use crate::error::{Result, StoreError};
use crate::ingest::{self, ImportOptions, InputSource};
use crate::postgres::PostgresBackend;
use crate::report::ImportReport;
use crate::sqlite::SqliteBackend;

/// Where a ledger lives: a file path for the embedded store, or a `postgres://` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn parse(text: &str) -> Location {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(text.to_string())
        } else {
            Location::Sqlite(PathBuf::from(text))
        }
    }
}

pub struct Ledger {
    backend: Box<dyn Backend>,
}

impl Ledger {
    /// Creates an empty ledger whose checkpoints `verifier`'s key will sign; its origin (the
    /// log's name) is the key's name.
    pub fn create(location: &Location, verifier: &Verifier) -> Result<Ledger> {
        let mut ledger = Ledger { backend: backend(location, true)? };
        let mut tx = ledger.backend.write()?;
        tx.set_meta("origin", verifier.name())?;
        // Informational only: `verify` never trusts a key read from the database.
        tx.set_meta("verifier", &verifier.to_key_string())?;
        tx.commit()?;
        Ok(ledger)
    }

    pub fn open(location: &Location) -> Result<Ledger> {
        Ok(Ledger { backend: backend(location, false)? })
    }

    /// A ledger on a backend a test has set up (a connection with a limit, say).
    #[cfg(test)]
    pub(crate) fn on(backend: Box<dyn Backend>) -> Ledger {
        Ledger { backend }
    }

    /// Opens a ledger for a reader of scattered records (a server, a search): quicker reads,
    /// slower bulk imports (see `Backend::map_for_reading`).
    pub fn open_for_reading(location: &Location) -> Result<Ledger> {
        let mut ledger = Ledger::open(location)?;
        ledger.backend.map_for_reading()?;
        Ok(ledger)
    }

    /// The backend, for tests and tools that must reach below the ledger.
    pub fn backend(&mut self) -> &mut dyn Backend {
        &mut *self.backend
    }

    /// Whether its connection to the database was lost for good ([`Backend::is_broken`]).
    pub fn is_broken(&self) -> bool {
        self.backend.is_broken()
    }

    /// The log's name, which its checkpoints carry and its key must sign for.
    pub fn origin(&mut self) -> Result<String> {
        self.backend
            .read()?
            .meta("origin")?
            .ok_or_else(|| StoreError::NotALedger("no origin recorded".into()))
    }

    pub fn size(&mut self) -> Result<u64> {
        self.backend.tree_size()
    }

    /// The root of the tree as stored (not recomputed: `verify` does that).
    pub fn root(&mut self) -> Result<Hash> {
        let tx = self.backend.read()?;
        let size = tx.tree_size()?;
        habeas_ledger::tree_root(size, &crate::lookup::Hashes(&*tx))
    }

    /// Appends the records of `source` in one transaction. See [`crate::ingest`].
    pub fn import(
        &mut self,
        source: &mut dyn InputSource,
        options: &ImportOptions,
        signer: &Signer,
    ) -> Result<ImportReport> {
        let origin = self.origin()?;
        let tx = self.backend.write()?;
        ingest::import(tx, source, options, &origin, signer)
    }

    /// The ids of every record of these types the ledger holds, retracted ones included: what a
    /// mapped import checks before it creates a place (or an org) "if missing".
    pub fn ids_of_types(&mut self, types: &[habeas_model::RecordType]) -> Result<HashSet<String>> {
        let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
        let mut ids = HashSet::new();
        if names.is_empty() {
            return Ok(ids);
        }
        self.backend.read()?.scan_records(&mut |row| {
            if names.contains(&row.record_type.as_str()) {
                ids.insert(row.id);
            }
            Ok(())
        })?;
        Ok(ids)
    }

    /// Copies the whole ledger, as it is at this moment, to the new file `dest` (refused if it
    /// exists): the log, its checkpoints, the kept personal values, the views, the server's
    /// accounts and audit trail. Not the signing key, which never is in the database. Safe while
    /// a server or another command writes; `dest` appears whole or not at all.
    pub fn copy_to(&mut self, dest: &std::path::Path) -> Result<()> {
        if dest.exists() {
            return Err(StoreError::Exists(dest.to_path_buf()));
        }
        self.backend.copy_to(dest)
    }

    /// The most recent signed checkpoint, as stored (verify it with [`Checkpoint::open`]).
    pub fn latest_checkpoint(&mut self) -> Result<Option<CheckpointRow>> {
        Ok(self.backend.read()?.checkpoints()?.pop())
    }

    /// Reads and checks the latest checkpoint with a trusted key.
    pub fn latest_verified_checkpoint(
        &mut self,
        verifier: &Verifier,
    ) -> Result<Option<(Checkpoint, String)>> {
        let Some(row) = self.latest_checkpoint()? else { return Ok(None) };
        let checkpoint = Checkpoint::open(&row.note, std::slice::from_ref(verifier)).map_err(|e| {
            StoreError::Key(format!("the latest checkpoint does not verify: {e}; run `habeas verify`"))
        })?;
        Ok(Some((checkpoint, row.note)))
    }
}

fn backend(location: &Location, create: bool) -> Result<Box<dyn Backend>> {
    match location {
        Location::Sqlite(path) if create => Ok(Box::new(SqliteBackend::create(path)?)),
        Location::Sqlite(path) => Ok(Box::new(SqliteBackend::open(path)?)),
        Location::Postgres(url) if create => Ok(Box::new(PostgresBackend::create(url)?)),
        Location::Postgres(url) => Ok(Box::new(PostgresBackend::open(url)?)),
    }
}
