//! The storage trait: what the ledger needs from a database, and nothing more.
//!
//! A backend stores four things: the **leaves** (leaf bytes by index, each with the index of the
//! previous version of its record and its tree row, the hashes it completes, see
//! `habeas_ledger::tree`), the **kept values** (personal data beside the log, by leaf index), the
//! **records view** (for each id: its type, current version, content digest and retraction) and
//! the signed **checkpoints**. Everything the ledger does (import, verify, prove, erase, export)
//! is written once, in this crate, against these traits; a backend only moves rows. That is
//! what lets PostgreSQL follow SQLite without callers changing.
//!
//! Reads happen in a snapshot ([`LogRead`]); writes in the single write transaction
//! ([`LogWrite`]), which is durable when [`LogWrite::commit`] returns and leaves no trace if it is
//! dropped without committing.

use habeas_ledger::{Hash, Node};

use crate::error::{Result, StoreError};

/// A stored tree row read as its hashes, 32 bytes each; a row of any other length was damaged.
pub(crate) fn split_hashes(blob: &[u8]) -> Result<Vec<Hash>> {
    if blob.is_empty() || !blob.len().is_multiple_of(32) {
        return Err(StoreError::Backend(format!("a tree row of {} bytes is not whole hashes", blob.len())));
    }
    Ok(blob.chunks_exact(32).filter_map(Hash::from_slice).collect())
}

/// The records view's row for one id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordRow {
    pub id: String,
    pub record_type: String,
    /// Leaf index of the current version.
    pub current: u64,
    /// SHA-256 of the current version's canonical form with personal values in clear; `None`
    /// once its personal values were erased.
    pub digest: Option<[u8; 32]>,
    /// Leaf index of the retraction in force, if the record is retracted.
    pub retracted: Option<u64>,
}

/// A row of the records view as a pass over every record reads it: without its digest, its id
/// and type borrowed from the row being read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHead<'r> {
    pub id: &'r str,
    pub record_type: &'r str,
    /// Leaf index of the current version.
    pub current: u64,
    /// Leaf index of the retraction in force, if the record is retracted.
    pub retracted: Option<u64>,
}

/// A stored leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafRow {
    pub idx: u64,
    /// Leaf index of the previous version of the same record.
    pub prev: Option<u64>,
    pub bytes: Vec<u8>,
}

/// A stored leaf as [`LogRead::scan_leaves`] hands it over: its bytes borrowed from the row being
/// read, not copied (a check reads millions of leaves once each).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafSeen<'r> {
    pub idx: u64,
    /// Leaf index of the previous version of the same record.
    pub prev: Option<u64>,
    pub bytes: &'r [u8],
}

/// One position of the log as [`LogRead::scan_log`] reads it: leaf, kept values and tree row,
/// borrowed from the backend's row for the length of the visit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogEntry<'a> {
    pub idx: u64,
    pub prev: Option<u64>,
    pub bytes: &'a [u8],
    pub kept: Option<&'a [u8]>,
    /// The stored tree row, `None` if missing.
    pub hashes: Option<&'a [u8]>,
}

/// A signed checkpoint as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRow {
    pub size: u64,
    pub note: String,
}

/// How a writing connection is set up, as the backend reports it (for the durability test).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Durability {
    pub journal_mode: String,
    pub synchronous: String,
}

/// Reads within one consistent snapshot.
pub trait LogRead {
    fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Number of leaves.
    fn tree_size(&self) -> Result<u64>;
    fn leaf(&self, idx: u64) -> Result<Option<LeafRow>>;
    /// The leaves at `idxs` (each asked once) that exist, in the order asked: in one query where
    /// a call is a round trip to a server (a timeline reads the few leaves that mention a person).
    fn leaves_at(&self, idxs: &[u64]) -> Result<Vec<LeafRow>> {
        idxs.iter().filter_map(|&idx| self.leaf(idx).transpose()).collect()
    }
    /// Calls `visit` for each leaf with `from ≤ idx < to`, in index order.
    fn scan_leaves(
        &self,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(LeafSeen<'_>) -> Result<()>,
    ) -> Result<()>;
    /// Calls `visit` for each position of the log, in index order, with its kept values and
    /// tree row: everything `verify` reads, in one pass.
    fn scan_log(&self, visit: &mut dyn FnMut(LogEntry<'_>) -> Result<()>) -> Result<()>;
    /// The hashes leaf `idx` completed (level 0 first).
    fn tree_row(&self, idx: u64) -> Result<Option<Vec<Hash>>>;
    /// Calls `visit` for each tree row with `from ≤ idx < to`, in index order.
    fn scan_tree(
        &self,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(u64, Vec<Hash>) -> Result<()>,
    ) -> Result<()>;
    /// Stored node hashes, in the order asked.
    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>>;
    fn kept(&self, idx: u64) -> Result<Option<Vec<u8>>>;
    /// The kept values of the leaves at `idxs` that have them, by leaf index: in one query where
    /// a call is a round trip to a server.
    fn kept_at(&self, idxs: &[u64]) -> Result<std::collections::HashMap<u64, Vec<u8>>> {
        let mut found = std::collections::HashMap::with_capacity(idxs.len());
        for &idx in idxs {
            found.extend(self.kept(idx)?.map(|data| (idx, data)));
        }
        Ok(found)
    }
    /// Calls `visit` for each kept row in index order.
    fn scan_kept(&self, visit: &mut dyn FnMut(u64, Vec<u8>) -> Result<()>) -> Result<()>;
    fn record(&self, id: &str) -> Result<Option<RecordRow>>;
    /// The records view's rows of `ids` that exist, in no particular order: in one query where
    /// a call is a round trip to a server.
    fn records_of(&self, ids: &[&str]) -> Result<Vec<RecordRow>> {
        ids.iter().filter_map(|id| self.record(id).transpose()).collect()
    }
    /// Calls `visit` for every row of the records view, in id order.
    fn scan_records(&self, visit: &mut dyn FnMut(RecordRow) -> Result<()>) -> Result<()>;
    /// As [`LogRead::scan_records`], each row's head borrowed ([`RecordHead`]): a pass over a
    /// million records copies no id.
    fn scan_record_heads(&self, visit: &mut dyn FnMut(RecordHead<'_>) -> Result<()>) -> Result<()>;
    /// Every stored checkpoint, smallest first.
    fn checkpoints(&self) -> Result<Vec<CheckpointRow>>;
    /// Leaves that mention the id of key `key` (a subject, a member, a retraction target...), in
    /// index order. See `views.rs`.
    fn mentions(&self, key: i64) -> Result<Vec<u64>>;
    /// [`LogRead::mentions`] of each of `keys`, in the order asked: in one query where a call is
    /// a round trip to a server (a server derives the statuses of a batch of persons at once).
    fn mentions_of(&self, keys: &[i64]) -> Result<Vec<Vec<u64>>> {
        keys.iter().map(|&key| self.mentions(key)).collect()
    }
    /// The index of the first import leaf whose time is after `unix_seconds`: the log as it was
    /// known then is every leaf before it.
    fn first_import_after(&self, unix_seconds: i64) -> Result<Option<u64>>;
    /// Calls `visit` with every row of a view, in a fixed order, for digests (`habeas rebuild`).
    fn scan_view(&self, view: &str, visit: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()>;
}

/// The one write transaction.
pub trait LogWrite: LogRead {
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()>;
    /// Appends a leaf with its tree row (the hashes it completes).
    fn put_leaf(&mut self, leaf: &LeafRow, hashes: &[Hash]) -> Result<()>;
    /// Replaces the tree row of a leaf already written (the importer's final fix-up).
    fn update_tree_row(&mut self, idx: u64, hashes: &[Hash]) -> Result<()>;
    fn put_kept(&mut self, idx: u64, data: &[u8]) -> Result<()>;
    /// Deletes kept values for good (the backend must not leave their bytes behind).
    fn delete_kept(&mut self, idx: u64) -> Result<()>;
    /// Inserts or replaces the row of `row.id`.
    fn put_record(&mut self, row: &RecordRow) -> Result<()>;
    /// Inserts the row if the id is new; `false` (and no change) if the id exists.
    fn insert_record_if_new(&mut self, row: &RecordRow) -> Result<bool>;
    fn put_checkpoint(&mut self, checkpoint: &CheckpointRow) -> Result<()>;
    fn put_mention(&mut self, key: i64, idx: u64) -> Result<()>;
    fn put_import_time(&mut self, idx: u64, unix_seconds: i64) -> Result<()>;
    /// Empties the derived views (mentions, import times) for a rebuild.
    fn clear_views(&mut self) -> Result<()>;
    /// Marks a point to return to with [`LogWrite::rollback_to_mark`] (one at a time).
    fn mark(&mut self) -> Result<()>;
    fn rollback_to_mark(&mut self) -> Result<()>;
    /// Makes everything durable, or fails and keeps nothing.
    fn commit(self: Box<Self>) -> Result<()>;
}

/// A database that holds one ledger.
pub trait Backend: Send {
    /// Where it is, for messages (`sqlite:/path/to/habeas.db`).
    fn location(&self) -> String;
    fn read(&mut self) -> Result<Box<dyn LogRead + '_>>;
    fn write(&mut self) -> Result<Box<dyn LogWrite + '_>>;
    /// The log's size now: by default read in a transaction of its own ([`Backend::read`]);
    /// a backend may read it more cheaply (on PostgreSQL a transaction is two more round trips
    /// for a statement that sees one moment anyway).
    fn tree_size(&mut self) -> Result<u64> {
        self.read()?.tree_size()
    }
    /// The durability settings of the writing connection.
    fn durability(&self) -> Result<Durability>;
    /// After personal values were erased: make sure no copy of their bytes stays in any file.
    fn scrub(&mut self) -> Result<()>;
    /// Tunes this connection for reading records scattered over a large ledger (a server, a
    /// search); nothing by default.
    fn map_for_reading(&mut self) -> Result<()> {
        Ok(())
    }
    /// Another connection to the same ledger, for a reader on another thread (`verify` reads
    /// the records view beside the log); `None` where there cannot be one.
    fn another(&self) -> Option<Box<dyn Backend>> {
        None
    }
    /// Asks the operating system to read the whole ledger into its cache, in the background,
    /// before a pass that will read all of it; nothing by default.
    fn read_ahead(&self) {}
    /// Whether the connection to the database was lost for good (the server restarted, or cut
    /// it): whoever keeps backends open to lend them again (the server's pool) opens a new one
    /// instead. Known once a call has failed on it; a file is never lost this way.
    fn is_broken(&self) -> bool {
        false
    }
    /// Writes a copy of the whole database (log, kept values, views, accounts, audit trail) as
    /// it is at one moment, while other connections may go on writing, to a new file `dest`:
    /// whole or not at all, refused if `dest` exists.
    fn copy_to(&mut self, _dest: &std::path::Path) -> Result<()> {
        Err(StoreError::Unsupported(format!(
            "a copy of {} (back up a PostgreSQL ledger with pg_dump)",
            self.location()
        )))
    }
}
