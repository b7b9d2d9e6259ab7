//! Reads and writes of one SQLite transaction: the [`LogRead`] and [`LogWrite`] of the backend.

use habeas_ledger::{Hash, Node};
use rusqlite::{Connection, OptionalExtension, Statement, Transaction, TransactionBehavior, params};

use crate::backend::{
    CheckpointRow, LeafRow, LeafSeen, LogEntry, LogRead, LogWrite, RecordHead, RecordRow, split_hashes,
};
use crate::error::{Result, StoreError};

pub(super) struct SqliteTx<'c> {
    /// The statements an import runs once per record, prepared once for the transaction instead
    /// of fetched from the connection's statement cache at every record (the cache's lookups and
    /// returns had been 7% of the import's database thread). Declared before `tx`, so dropped
    /// before it ends.
    per_record: PerRecord<'c>,
    tx: Transaction<'c>,
    conn: &'c Connection,
}

#[derive(Default)]
struct PerRecord<'c> {
    leaf: Option<Statement<'c>>,
    kept: Option<Statement<'c>>,
    record_if_new: Option<Statement<'c>>,
}

impl<'c> SqliteTx<'c> {
    pub(super) fn begin(conn: &'c Connection, behavior: TransactionBehavior) -> Result<SqliteTx<'c>> {
        // Unchecked only in that rusqlite cannot see at compile time that no other transaction
        // is open: the backend lends its connection to one transaction at a time (`&mut self`).
        let tx = Transaction::new_unchecked(conn, behavior)?;
        Ok(SqliteTx { per_record: PerRecord::default(), tx, conn })
    }
}

/// The statement in `slot`, prepared on first use.
fn prepared<'s, 'c>(
    slot: &'s mut Option<Statement<'c>>,
    conn: &'c Connection,
    sql: &str,
) -> Result<&'s mut Statement<'c>> {
    match slot {
        Some(statement) => Ok(statement),
        None => Ok(slot.insert(conn.prepare(sql)?)),
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Reads a column of bytes whatever SQLite holds it as: an attacker (or a careless tool) may have
/// turned a BLOB into TEXT or a number, and `verify` must then report a mismatch, not fail.
fn bytes_at(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<Vec<u8>>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => None,
        ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
        ValueRef::Integer(i) => Some(i.to_string().into_bytes()),
        ValueRef::Real(f) => Some(f.to_string().into_bytes()),
    })
}

/// A column's bytes whatever SQLite holds them as (see [`bytes_at`]), borrowed from the row; a
/// number is written into `number` and borrowed from there.
fn slice<'r>(value: rusqlite::types::ValueRef<'r>, number: &'r mut String) -> Option<&'r [u8]> {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => None,
        ValueRef::Blob(b) | ValueRef::Text(b) => Some(b),
        ValueRef::Integer(i) => {
            *number = i.to_string();
            Some(number.as_bytes())
        }
        ValueRef::Real(f) => {
            *number = f.to_string();
            Some(number.as_bytes())
        }
    }
}

/// Reads an integer column. NULL is `None`; anything that is not a non-negative integer (a
/// tampered value) reads as `u64::MAX`, an index no log reaches, so the mismatch shows.
fn int_at(row: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<Option<u64>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(idx)? {
        ValueRef::Null => None,
        ValueRef::Integer(i) => Some(u64::try_from(i).unwrap_or(u64::MAX)),
        _ => Some(u64::MAX),
    })
}

/// The parameters of a records-view row, in column order, borrowed.
fn record_params(row: &RecordRow) -> impl rusqlite::Params + '_ {
    (
        &row.id,
        &row.record_type,
        to_i64(row.current),
        row.digest.as_ref().map(|d| d.as_slice()),
        row.retracted.map(to_i64),
    )
}

fn record_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<RecordRow> {
    let digest = bytes_at(row, 3)?;
    Ok(RecordRow {
        id: row.get(0)?,
        record_type: row.get(1)?,
        current: int_at(row, 2)?.unwrap_or(u64::MAX),
        digest: digest.and_then(|d| d.try_into().ok()),
        retracted: int_at(row, 4)?,
    })
}

impl LogRead for SqliteTx<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    fn tree_size(&self) -> Result<u64> {
        let max: Option<i64> =
            self.tx.prepare_cached("SELECT max(idx) FROM leaves")?.query_row([], |r| r.get(0))?;
        Ok(max.map_or(0, |m| m as u64 + 1))
    }

    fn leaf(&self, idx: u64) -> Result<Option<LeafRow>> {
        Ok(self
            .tx
            .prepare_cached("SELECT prev, body FROM leaves WHERE idx = ?1")?
            .query_row([to_i64(idx)], |r| {
                Ok(LeafRow { idx, prev: int_at(r, 0)?, bytes: bytes_at(r, 1)?.unwrap_or_default() })
            })
            .optional()?)
    }

    fn scan_leaves(
        &self,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(LeafSeen<'_>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT idx, prev, body FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")?;
        let mut rows = stmt.query([to_i64(from), to_i64(to)])?;
        let mut number = String::new();
        while let Some(r) = rows.next()? {
            visit(LeafSeen {
                idx: r.get::<_, i64>(0)? as u64,
                prev: int_at(r, 1)?,
                bytes: slice(r.get_ref(2)?, &mut number).unwrap_or_default(),
            })?;
        }
        Ok(())
    }

    fn scan_log(&self, visit: &mut dyn FnMut(LogEntry<'_>) -> Result<()>) -> Result<()> {
        // Leaves and kept values are both in index order: two cursors walked side by side cost
        // one step each, where a join would search the kept values' tree once per leaf.
        let mut leaves = self.tx.prepare_cached("SELECT idx, prev, body, hashes FROM leaves ORDER BY idx")?;
        let mut kept = self.tx.prepare_cached("SELECT idx, data FROM kept ORDER BY idx")?;
        let mut leaf_rows = leaves.query([])?;
        let mut kept_rows = kept.query([])?;
        let mut kept_row = kept_rows.next()?;
        let (mut n1, mut n2, mut n3) = (String::new(), String::new(), String::new());
        while let Some(r) = leaf_rows.next()? {
            let idx = r.get::<_, i64>(0)?;
            while let Some(k) = kept_row
                && k.get::<_, i64>(0)? < idx
            {
                kept_row = kept_rows.next()?;
            }
            let kept = match kept_row {
                Some(k) if k.get::<_, i64>(0)? == idx => slice(k.get_ref(1)?, &mut n2),
                _ => None,
            };
            let entry = LogEntry {
                idx: idx as u64,
                prev: int_at(r, 1)?,
                bytes: slice(r.get_ref(2)?, &mut n1).unwrap_or_default(),
                kept,
                hashes: slice(r.get_ref(3)?, &mut n3),
            };
            visit(entry)?;
        }
        Ok(())
    }

    fn tree_row(&self, idx: u64) -> Result<Option<Vec<Hash>>> {
        let blob = self
            .tx
            .prepare_cached("SELECT hashes FROM leaves WHERE idx = ?1")?
            .query_row([to_i64(idx)], |r| bytes_at(r, 0))
            .optional()?
            .flatten();
        blob.map(|b| split_hashes(&b)).transpose()
    }

    fn scan_tree(
        &self,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(u64, Vec<Hash>) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT idx, hashes FROM leaves WHERE idx >= ?1 AND idx < ?2 ORDER BY idx")?;
        let mut rows = stmt.query([to_i64(from), to_i64(to)])?;
        while let Some(r) = rows.next()? {
            let blob = bytes_at(r, 1)?.unwrap_or_default();
            visit(r.get::<_, i64>(0)? as u64, split_hashes(&blob)?)?;
        }
        Ok(())
    }

    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>> {
        let mut stmt = self.tx.prepare_cached("SELECT hashes FROM leaves WHERE idx = ?1")?;
        nodes
            .iter()
            .map(|node| {
                let blob = stmt
                    .query_row([to_i64(node.row())], |r| bytes_at(r, 0))
                    .optional()?
                    .flatten()
                    .ok_or_else(|| StoreError::NotFound(format!("tree row {}", node.row())))?;
                split_hashes(&blob)?.get(node.level as usize).copied().ok_or_else(|| {
                    StoreError::NotFound(format!("hash at level {} of tree row {}", node.level, node.row()))
                })
            })
            .collect()
    }

    fn kept(&self, idx: u64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .tx
            .prepare_cached("SELECT data FROM kept WHERE idx = ?1")?
            .query_row([to_i64(idx)], |r| bytes_at(r, 0))
            .optional()?
            .flatten())
    }

    fn scan_kept(&self, visit: &mut dyn FnMut(u64, Vec<u8>) -> Result<()>) -> Result<()> {
        let mut stmt = self.tx.prepare_cached("SELECT idx, data FROM kept ORDER BY idx")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            visit(r.get::<_, i64>(0)? as u64, bytes_at(r, 1)?.unwrap_or_default())?;
        }
        Ok(())
    }

    fn record(&self, id: &str) -> Result<Option<RecordRow>> {
        Ok(self
            .tx
            .prepare_cached("SELECT id, type, current, digest, retracted FROM records WHERE id = ?1")?
            .query_row([id], record_row)
            .optional()?)
    }

    fn scan_records(&self, visit: &mut dyn FnMut(RecordRow) -> Result<()>) -> Result<()> {
        let mut stmt =
            self.tx.prepare_cached("SELECT id, type, current, digest, retracted FROM records ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            visit(record_row(r)?)?;
        }
        Ok(())
    }

    fn scan_record_heads(&self, visit: &mut dyn FnMut(RecordHead<'_>) -> Result<()>) -> Result<()> {
        let mut stmt =
            self.tx.prepare_cached("SELECT id, type, current, retracted FROM records ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            // Text, as `scan_records` reads it; anything else (a tampered row) is an error.
            let text = |idx: usize| {
                r.get_ref(idx)?
                    .as_str()
                    .map_err(|e| StoreError::Backend(format!("records view, column {idx}: {e}")))
            };
            visit(RecordHead {
                id: text(0)?,
                record_type: text(1)?,
                current: int_at(r, 2)?.unwrap_or(u64::MAX),
                retracted: int_at(r, 3)?,
            })?;
        }
        Ok(())
    }

    fn mentions(&self, key: i64) -> Result<Vec<u64>> {
        // No ORDER BY: with one, SQLite recompiles the statement at every bind (the plan depends
        // on the bound key). The primary key (key, idx) returns them in order anyway; the sort
        // only makes that a promise.
        let mut stmt = self.tx.prepare_cached("SELECT idx FROM mentions WHERE key = ?1")?;
        let rows = stmt.query_map([key], |r| r.get::<_, i64>(0))?;
        let mut found = rows.map(|r| r.map(|i| i as u64)).collect::<rusqlite::Result<Vec<_>>>()?;
        found.sort_unstable();
        Ok(found)
    }

    fn first_import_after(&self, unix_seconds: i64) -> Result<Option<u64>> {
        Ok(self
            .tx
            .prepare_cached("SELECT min(idx) FROM imports WHERE at > ?1")?
            .query_row([unix_seconds], |r| r.get::<_, Option<i64>>(0))?
            .map(|i| i as u64))
    }

    fn scan_view(&self, view: &str, visit: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        let sql = match view {
            "records" => {
                "SELECT id || char(31) || type || char(31) || current || char(31) || hex(digest) || char(31) || ifnull(retracted, '') FROM records ORDER BY id"
            }
            "mentions" => "SELECT key || char(31) || idx FROM mentions ORDER BY key, idx",
            "imports" => "SELECT idx || char(31) || at FROM imports ORDER BY idx",
            other => return Err(StoreError::NotFound(format!("view {other}"))),
        };
        let mut stmt = self.tx.prepare_cached(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            visit(&bytes_at(r, 0)?.unwrap_or_default())?;
        }
        Ok(())
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointRow>> {
        let mut stmt = self.tx.prepare_cached("SELECT size, note FROM checkpoints ORDER BY size")?;
        let rows = stmt.query_map([], |r| {
            Ok(CheckpointRow {
                size: int_at(r, 0)?.unwrap_or(u64::MAX),
                note: String::from_utf8_lossy(&bytes_at(r, 1)?.unwrap_or_default()).into_owned(),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

impl LogWrite for SqliteTx<'_> {
    fn put_mention(&mut self, key: i64, idx: u64) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO mentions (key, idx) VALUES (?1, ?2)")?
            .execute(params![key, to_i64(idx)])?;
        Ok(())
    }

    fn put_import_time(&mut self, idx: u64, unix_seconds: i64) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO imports (idx, at) VALUES (?1, ?2)")?
            .execute(params![to_i64(idx), unix_seconds])?;
        Ok(())
    }

    fn clear_views(&mut self) -> Result<()> {
        self.tx.execute_batch(
            "DELETE FROM mentions; DELETE FROM imports; DELETE FROM meta WHERE key = 'views_to';",
        )?;
        Ok(())
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
            .execute([key, value])?;
        Ok(())
    }

    fn put_leaf(&mut self, leaf: &LeafRow, hashes: &[Hash]) -> Result<()> {
        let blob: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
        let sql = "INSERT INTO leaves (idx, prev, hashes, body) VALUES (?1, ?2, ?3, ?4)";
        prepared(&mut self.per_record.leaf, self.conn, sql)?.execute(params![
            to_i64(leaf.idx),
            leaf.prev.map(to_i64),
            blob,
            leaf.bytes
        ])?;
        Ok(())
    }

    fn update_tree_row(&mut self, idx: u64, hashes: &[Hash]) -> Result<()> {
        let blob: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
        let changed = self
            .tx
            .prepare_cached("UPDATE leaves SET hashes = ?1 WHERE idx = ?2")?
            .execute(params![blob, to_i64(idx)])?;
        if changed != 1 {
            return Err(StoreError::NotFound(format!("leaf {idx}")));
        }
        Ok(())
    }

    fn put_kept(&mut self, idx: u64, data: &[u8]) -> Result<()> {
        prepared(&mut self.per_record.kept, self.conn, "INSERT INTO kept (idx, data) VALUES (?1, ?2)")?
            .execute(params![to_i64(idx), data])?;
        Ok(())
    }

    fn delete_kept(&mut self, idx: u64) -> Result<()> {
        self.tx.prepare_cached("DELETE FROM kept WHERE idx = ?1")?.execute([to_i64(idx)])?;
        Ok(())
    }

    fn put_record(&mut self, row: &RecordRow) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT OR REPLACE INTO records (id, type, current, digest, retracted) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(record_params(row))?;
        Ok(())
    }

    fn insert_record_if_new(&mut self, row: &RecordRow) -> Result<bool> {
        let sql = "INSERT OR IGNORE INTO records (id, type, current, digest, retracted) VALUES (?1, ?2, ?3, ?4, ?5)";
        let inserted =
            prepared(&mut self.per_record.record_if_new, self.conn, sql)?.execute(record_params(row))?;
        Ok(inserted == 1)
    }

    fn put_checkpoint(&mut self, checkpoint: &CheckpointRow) -> Result<()> {
        self.tx
            .prepare_cached("INSERT INTO checkpoints (size, note) VALUES (?1, ?2)")?
            .execute(params![to_i64(checkpoint.size), checkpoint.note])?;
        Ok(())
    }

    fn mark(&mut self) -> Result<()> {
        self.tx.execute_batch("SAVEPOINT habeas_pass")?;
        Ok(())
    }

    fn rollback_to_mark(&mut self) -> Result<()> {
        self.tx.execute_batch("ROLLBACK TO habeas_pass")?;
        Ok(())
    }

    fn commit(self: Box<Self>) -> Result<()> {
        let SqliteTx { per_record, tx, .. } = *self;
        drop(per_record);
        tx.commit()?;
        Ok(())
    }
}
