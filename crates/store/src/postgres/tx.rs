//! Reads and writes of one PostgreSQL transaction: the [`LogRead`] and [`LogWrite`] of the
//! backend.
//!
//! An import's leaves and kept values, and the mentions a first read derives, are not sent one
//! statement each: each would be a round trip to the server, and on a busy machine every round
//! trip waits to be scheduled (at 100k records, 39 s with a statement per row, nearly half of
//! habeas's processor time in task switches; docs/benchmarks.md). They are held ([`Pending`]) and
//! sent [`FLUSH_AT`] at a time as one multi-row `INSERT` per table, and before anything else is
//! asked of the transaction, so that nothing it reads, marks, undoes or commits can miss them.
//!
//! A large import asks "is this id new?" once per record, and a round trip each would set its
//! pace. After [`KNOW_IDS_AFTER`] such questions in one transaction, the ids of the records view
//! are read once into memory ([`Known`]) and the questions are answered there, the new rows held
//! and sent with the leaves. A small import (a form on the server) never reads them.
//!
//! A pass over a table (`scan_*`) reads it in batches of [`BATCH`] rows by key (each batch starts
//! after the last key of the one before), so memory does not grow with the ledger, and calls the
//! visitor between batches, so a visitor may itself read through the same transaction.

use std::cell::RefCell;
use std::collections::HashMap;

use habeas_ledger::{Hash, Node};
use postgres::types::ToSql;
use postgres::{Row, Statement, Transaction};

use crate::backend::{CheckpointRow, LeafRow, LeafSeen, LogEntry, LogRead, LogWrite, RecordHead, RecordRow};
use crate::error::{Result, StoreError};

/// Rows a pass reads at a time: about a megabyte of leaves.
const BATCH: i64 = 4096;

/// Rows held before they are sent in one statement.
const FLUSH_AT: usize = 512;

/// Questions "is this id new?" answered by the server before the ids are read into memory.
const KNOW_IDS_AFTER: usize = 2048;

/// The ids of the records view, as this transaction has written it: read once, then kept in
/// step with every row it inserts.
#[derive(Default)]
struct Known {
    asked: usize,
    ids: Option<std::collections::HashSet<String>>,
}

/// Statements prepared on a connection, by their text: a query sent as text is prepared and then
/// run, two round trips, where a prepared one is run in one. They outlive transactions (a
/// prepared statement belongs to the session), so the backend keeps them for its connection.
pub(crate) type Prepared = RefCell<HashMap<String, Statement>>;

/// `sql` prepared on the connection of `client` (a client or one of its transactions): once,
/// then taken from `prepared`, which must belong to that same connection.
pub(crate) fn prepared_once(
    client: &mut impl postgres::GenericClient,
    prepared: &Prepared,
    sql: &str,
) -> Result<Statement> {
    if let Some(statement) = prepared.borrow().get(sql) {
        return Ok(statement.clone());
    }
    let statement = client.prepare(sql)?;
    prepared.borrow_mut().insert(sql.to_string(), statement.clone());
    Ok(statement)
}

pub(super) struct PostgresTx<'c> {
    tx: RefCell<Transaction<'c>>,
    prepared: &'c Prepared,
    /// The statement an import runs once per record, prepared once for the transaction.
    record_if_new: Option<Statement>,
    pending: RefCell<Pending>,
    known: Known,
}

/// Rows written but not yet sent, as the values of a multi-row `INSERT`.
#[derive(Default)]
struct Pending {
    leaves: Vec<String>,
    kept: Vec<String>,
    mentions: Vec<String>,
    records: Vec<String>,
}

impl Pending {
    fn len(&self) -> usize {
        self.leaves.len() + self.kept.len() + self.mentions.len() + self.records.len()
    }
}

/// The log's size, from its last leaf's index (`None`: no leaf yet).
pub(super) fn size_after(max_idx: Option<i64>) -> u64 {
    max_idx.map_or(0, |m| u64::try_from(m).map_or(0, |m| m + 1))
}

/// Text as a literal of SQL: its UTF-8 in hex digits, whatever it holds.
fn text_literal(text: &str) -> String {
    format!("convert_from(decode('{}', 'hex'), 'UTF8')", hex::encode(text))
}

/// Bytes as a literal of SQL text: only hex digits inside the quotes, whatever the bytes.
fn bytea_literal(bytes: &[u8]) -> String {
    format!("decode('{}', 'hex')", hex::encode(bytes))
}

impl<'c> PostgresTx<'c> {
    pub(super) fn new(tx: Transaction<'c>, prepared: &'c Prepared) -> PostgresTx<'c> {
        PostgresTx {
            tx: RefCell::new(tx),
            prepared,
            record_if_new: None,
            pending: RefCell::default(),
            known: Known::default(),
        }
    }

    /// Sends the rows held, if any: one `INSERT` per table, in one round trip.
    fn flush(&self) -> Result<()> {
        let mut pending = self.pending.borrow_mut();
        if pending.len() == 0 {
            return Ok(());
        }
        let mut sql = String::new();
        if !pending.leaves.is_empty() {
            sql += "INSERT INTO leaves (idx, prev, hashes, body) VALUES ";
            sql += &pending.leaves.join(",");
            sql += ";";
        }
        if !pending.kept.is_empty() {
            sql += "INSERT INTO kept (idx, data) VALUES ";
            sql += &pending.kept.join(",");
            sql += ";";
        }
        if !pending.records.is_empty() {
            sql += "INSERT INTO records (id, type, current, digest, retracted) VALUES ";
            sql += &pending.records.join(",");
            sql += ";";
        }
        if !pending.mentions.is_empty() {
            sql += "INSERT INTO mentions (key, idx) VALUES ";
            sql += &pending.mentions.join(",");
            sql += " ON CONFLICT DO NOTHING;";
        }
        pending.leaves.clear();
        pending.kept.clear();
        pending.mentions.clear();
        pending.records.clear();
        self.tx.borrow_mut().batch_execute(&sql)?;
        Ok(())
    }

    /// Holds a row of values for the table `into` picks.
    fn hold(&mut self, into: fn(&mut Pending) -> &mut Vec<String>, row: String) -> Result<()> {
        let pending = self.pending.get_mut();
        into(pending).push(row);
        if pending.len() >= FLUSH_AT {
            self.flush()?;
        }
        Ok(())
    }

    fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        self.flush()?;
        let statement = self.statement(sql)?;
        Ok(self.tx.borrow_mut().query(&statement, params)?)
    }

    fn query_opt(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        self.flush()?;
        let statement = self.statement(sql)?;
        Ok(self.tx.borrow_mut().query_opt(&statement, params)?)
    }

    /// `sql` prepared on this connection: once, then taken from [`Prepared`].
    fn statement(&self, sql: &str) -> Result<Statement> {
        prepared_once(&mut *self.tx.borrow_mut(), self.prepared, sql)
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.flush()?;
        Ok(self.tx.get_mut().batch_execute(sql)?)
    }

    /// Runs `sql` batch after batch, calling `visit` with each. `sql` takes the key to start at
    /// as `$1`, [`BATCH`] as `$2` and `to` (if given) as `$3`; `next` gives the key the batch
    /// after the one ending with a row starts at.
    fn in_batches<K: ToSql + Sync>(
        &self,
        sql: &str,
        mut start: K,
        to: Option<i64>,
        next: impl Fn(&Row) -> Result<K>,
        mut visit: impl FnMut(&[Row]) -> Result<()>,
    ) -> Result<()> {
        loop {
            let rows = match &to {
                Some(to) => self.query(sql, &[&start, &BATCH, to])?,
                None => self.query(sql, &[&start, &BATCH])?,
            };
            let Some(last) = rows.last() else { return Ok(()) };
            start = next(last)?;
            visit(&rows)?;
        }
    }

    fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.flush()?;
        let statement = self.statement(sql)?;
        Ok(self.tx.get_mut().execute(&statement, params)?)
    }

    /// Inserts a records-view row unless its id is there, by the statement prepared once.
    fn insert_if_new(&mut self, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        self.flush()?;
        let tx = self.tx.get_mut();
        let statement = match &self.record_if_new {
            Some(statement) => statement.clone(),
            None => self
                .record_if_new
                .insert(tx.prepare(
                    "INSERT INTO records (id, type, current, digest, retracted) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (id) DO NOTHING",
                )?)
                .clone(),
        };
        Ok(tx.execute(&statement, params)?)
    }
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An index column: `None` for NULL; a negative number (a tampered row) reads as `u64::MAX`, an
/// index no log reaches, so the mismatch shows.
fn index_at(row: &Row, idx: usize) -> Result<Option<u64>> {
    let value: Option<i64> = row.try_get(idx)?;
    Ok(value.map(|i| u64::try_from(i).unwrap_or(u64::MAX)))
}

/// Where a pass by index goes on after `row`.
fn after_index(row: &Row) -> Result<i64> {
    Ok(row.try_get::<_, i64>(0)?.saturating_add(1))
}

/// Where a pass by id goes on after `row` (the query asks for ids after it). Every id is longer
/// than the empty text a pass starts after.
fn after_id(row: &Row) -> Result<String> {
    Ok(row.try_get(0)?)
}

fn bytes_at(row: &Row, idx: usize) -> Result<Option<Vec<u8>>> {
    Ok(row.try_get(idx)?)
}

fn record_row(row: &Row) -> Result<RecordRow> {
    Ok(RecordRow {
        id: row.try_get(0)?,
        record_type: row.try_get(1)?,
        current: index_at(row, 2)?.unwrap_or(u64::MAX),
        digest: bytes_at(row, 3)?.and_then(|d| d.try_into().ok()),
        retracted: index_at(row, 4)?,
    })
}

/// The parameters of a records-view row, in column order.
fn record_params(row: &RecordRow) -> [Box<dyn ToSql + Sync + '_>; 5] {
    [
        Box::new(&row.id),
        Box::new(&row.record_type),
        Box::new(to_i64(row.current)),
        Box::new(row.digest.as_ref().map(|d| d.as_slice())),
        Box::new(row.retracted.map(to_i64)),
    ]
}

impl LogRead for PostgresTx<'_> {
    fn meta(&self, key: &str) -> Result<Option<String>> {
        self.query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?
            .map(|r| Ok(r.try_get(0)?))
            .transpose()
    }

    fn tree_size(&self) -> Result<u64> {
        let max = self.query_opt("SELECT max(idx) FROM leaves", &[])?;
        let max: Option<i64> = match max {
            Some(row) => row.try_get(0)?,
            None => None,
        };
        Ok(size_after(max))
    }

    fn leaf(&self, idx: u64) -> Result<Option<LeafRow>> {
        self.query_opt("SELECT prev, body FROM leaves WHERE idx = $1", &[&to_i64(idx)])?
            .map(|r| Ok(LeafRow { idx, prev: index_at(&r, 0)?, bytes: bytes_at(&r, 1)?.unwrap_or_default() }))
            .transpose()
    }

    fn leaves_at(&self, idxs: &[u64]) -> Result<Vec<LeafRow>> {
        let wanted: Vec<i64> = idxs.iter().map(|&idx| to_i64(idx)).collect();
        let mut found: HashMap<u64, LeafRow> = HashMap::with_capacity(idxs.len());
        for r in self.query("SELECT idx, prev, body FROM leaves WHERE idx = ANY($1)", &[&wanted])? {
            let idx = index_at(&r, 0)?.unwrap_or(u64::MAX);
            found.insert(
                idx,
                LeafRow { idx, prev: index_at(&r, 1)?, bytes: bytes_at(&r, 2)?.unwrap_or_default() },
            );
        }
        Ok(idxs.iter().filter_map(|idx| found.remove(idx)).collect())
    }

    fn scan_leaves(
        &self,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(LeafSeen<'_>) -> Result<()>,
    ) -> Result<()> {
        let sql = "SELECT idx, prev, body FROM leaves WHERE idx >= $1 AND idx < $3 ORDER BY idx LIMIT $2";
        self.in_batches(sql, to_i64(from), Some(to_i64(to)), after_index, |rows| {
            rows.iter().try_for_each(|r| {
                visit(LeafSeen {
                    idx: index_at(r, 0)?.unwrap_or(u64::MAX),
                    prev: index_at(r, 1)?,
                    bytes: r.try_get::<_, Option<&[u8]>>(2)?.unwrap_or_default(),
                })
            })
        })
    }

    fn scan_log(&self, visit: &mut dyn FnMut(LogEntry<'_>) -> Result<()>) -> Result<()> {
        let sql = "SELECT idx, prev, body, hashes FROM leaves WHERE idx >= $1 ORDER BY idx LIMIT $2";
        self.in_batches(sql, 0i64, None, after_index, |leaves| {
            let (Some(first), Some(last)) = (leaves.first(), leaves.last()) else { return Ok(()) };
            let (from, last): (i64, i64) = (first.try_get(0)?, last.try_get(0)?);
            let kept_rows = self.query(
                "SELECT idx, data FROM kept WHERE idx >= $1 AND idx <= $2 ORDER BY idx",
                &[&from, &last],
            )?;
            let mut kept = Vec::with_capacity(kept_rows.len());
            for k in &kept_rows {
                kept.push((k.try_get::<_, i64>(0)?, k.try_get::<_, &[u8]>(1)?));
            }
            let mut kept = kept.into_iter().peekable();
            for r in leaves {
                let idx: i64 = r.try_get(0)?;
                while kept.next_if(|(k, _)| *k < idx).is_some() {}
                let kept = kept.next_if(|(k, _)| *k == idx).map(|(_, data)| data);
                visit(LogEntry {
                    idx: u64::try_from(idx).unwrap_or(u64::MAX),
                    prev: index_at(r, 1)?,
                    bytes: r.try_get::<_, Option<&[u8]>>(2)?.unwrap_or_default(),
                    kept,
                    hashes: r.try_get(3)?,
                })?;
            }
            Ok(())
        })
    }

    fn tree_row(&self, idx: u64) -> Result<Option<Vec<Hash>>> {
        let row = self.query_opt("SELECT hashes FROM leaves WHERE idx = $1", &[&to_i64(idx)])?;
        let blob = match row {
            Some(r) => bytes_at(&r, 0)?,
            None => None,
        };
        blob.map(|b| crate::backend::split_hashes(&b)).transpose()
    }

    fn scan_tree(
        &self,
        from: u64,
        to: u64,
        visit: &mut dyn FnMut(u64, Vec<Hash>) -> Result<()>,
    ) -> Result<()> {
        let sql = "SELECT idx, hashes FROM leaves WHERE idx >= $1 AND idx < $3 ORDER BY idx LIMIT $2";
        self.in_batches(sql, to_i64(from), Some(to_i64(to)), after_index, |rows| {
            rows.iter().try_for_each(|r| {
                let blob = bytes_at(r, 1)?.unwrap_or_default();
                visit(index_at(r, 0)?.unwrap_or(u64::MAX), crate::backend::split_hashes(&blob)?)
            })
        })
    }

    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>> {
        // One query for every row asked: a proof's twenty-odd nodes in one round trip.
        let wanted: Vec<i64> = nodes.iter().map(|n| to_i64(n.row())).collect();
        let mut rows = std::collections::HashMap::new();
        for r in self.query("SELECT idx, hashes FROM leaves WHERE idx = ANY($1)", &[&wanted])? {
            rows.insert(r.try_get::<_, i64>(0)?, bytes_at(&r, 1)?);
        }
        nodes
            .iter()
            .map(|node| {
                let blob = rows
                    .get(&to_i64(node.row()))
                    .cloned()
                    .flatten()
                    .ok_or_else(|| StoreError::NotFound(format!("tree row {}", node.row())))?;
                crate::backend::split_hashes(&blob)?.get(node.level as usize).copied().ok_or_else(|| {
                    StoreError::NotFound(format!("hash at level {} of tree row {}", node.level, node.row()))
                })
            })
            .collect()
    }

    fn kept(&self, idx: u64) -> Result<Option<Vec<u8>>> {
        match self.query_opt("SELECT data FROM kept WHERE idx = $1", &[&to_i64(idx)])? {
            Some(r) => bytes_at(&r, 0),
            None => Ok(None),
        }
    }

    fn kept_at(&self, idxs: &[u64]) -> Result<HashMap<u64, Vec<u8>>> {
        let wanted: Vec<i64> = idxs.iter().map(|&idx| to_i64(idx)).collect();
        let mut found = HashMap::with_capacity(idxs.len());
        for r in self.query("SELECT idx, data FROM kept WHERE idx = ANY($1)", &[&wanted])? {
            if let (Some(idx), Some(data)) = (index_at(&r, 0)?, bytes_at(&r, 1)?) {
                found.insert(idx, data);
            }
        }
        Ok(found)
    }

    fn scan_kept(&self, visit: &mut dyn FnMut(u64, Vec<u8>) -> Result<()>) -> Result<()> {
        let sql = "SELECT idx, data FROM kept WHERE idx >= $1 ORDER BY idx LIMIT $2";
        self.in_batches(sql, 0i64, None, after_index, |rows| {
            rows.iter().try_for_each(|r| {
                visit(index_at(r, 0)?.unwrap_or(u64::MAX), bytes_at(r, 1)?.unwrap_or_default())
            })
        })
    }

    fn record(&self, id: &str) -> Result<Option<RecordRow>> {
        self.query_opt("SELECT id, type, current, digest, retracted FROM records WHERE id = $1", &[&id])?
            .map(|r| record_row(&r))
            .transpose()
    }

    fn records_of(&self, ids: &[&str]) -> Result<Vec<RecordRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.query("SELECT id, type, current, digest, retracted FROM records WHERE id = ANY($1)", &[&ids])?
            .iter()
            .map(record_row)
            .collect()
    }

    fn scan_records(&self, visit: &mut dyn FnMut(RecordRow) -> Result<()>) -> Result<()> {
        let sql =
            "SELECT id, type, current, digest, retracted FROM records WHERE id > $1 ORDER BY id LIMIT $2";
        self.in_batches(sql, String::new(), None, after_id, |rows| {
            rows.iter().try_for_each(|r| visit(record_row(r)?))
        })
    }

    fn scan_record_heads(&self, visit: &mut dyn FnMut(RecordHead<'_>) -> Result<()>) -> Result<()> {
        let sql = "SELECT id, type, current, retracted FROM records WHERE id > $1 ORDER BY id LIMIT $2";
        self.in_batches(sql, String::new(), None, after_id, |rows| {
            rows.iter().try_for_each(|r| {
                visit(RecordHead {
                    id: r.try_get(0)?,
                    record_type: r.try_get(1)?,
                    current: index_at(r, 2)?.unwrap_or(u64::MAX),
                    retracted: index_at(r, 3)?,
                })
            })
        })
    }

    fn checkpoints(&self) -> Result<Vec<CheckpointRow>> {
        self.query("SELECT size, note FROM checkpoints ORDER BY size", &[])?
            .iter()
            .map(|r| Ok(CheckpointRow { size: index_at(r, 0)?.unwrap_or(u64::MAX), note: r.try_get(1)? }))
            .collect()
    }

    fn mentions(&self, key: i64) -> Result<Vec<u64>> {
        self.query("SELECT idx FROM mentions WHERE key = $1 ORDER BY idx", &[&key])?
            .iter()
            .map(|r| Ok(index_at(r, 0)?.unwrap_or(u64::MAX)))
            .collect()
    }

    fn mentions_of(&self, keys: &[i64]) -> Result<Vec<Vec<u64>>> {
        let mut found: HashMap<i64, Vec<u64>> = HashMap::with_capacity(keys.len());
        for r in
            self.query("SELECT key, idx FROM mentions WHERE key = ANY($1) ORDER BY key, idx", &[&keys])?
        {
            found.entry(r.try_get(0)?).or_default().push(index_at(&r, 1)?.unwrap_or(u64::MAX));
        }
        Ok(keys.iter().map(|key| found.get(key).cloned().unwrap_or_default()).collect())
    }

    fn first_import_after(&self, unix_seconds: i64) -> Result<Option<u64>> {
        match self.query_opt("SELECT min(idx) FROM imports WHERE at > $1", &[&unix_seconds])? {
            Some(r) => index_at(&r, 0),
            None => Ok(None),
        }
    }

    fn scan_view(&self, view: &str, visit: &mut dyn FnMut(&[u8]) -> Result<()>) -> Result<()> {
        // The rows as the embedded store writes them (fields joined by the unit separator), so a
        // view's digest reads the same on both backends.
        let sql = match view {
            "records" => {
                "SELECT id || chr(31) || type || chr(31) || current || chr(31) \
                 || coalesce(upper(encode(digest, 'hex')), '') || chr(31) || coalesce(retracted::text, '') \
                 FROM records ORDER BY id"
            }
            "mentions" => "SELECT key || chr(31) || idx FROM mentions ORDER BY key, idx",
            "imports" => "SELECT idx || chr(31) || at FROM imports ORDER BY idx",
            other => return Err(StoreError::NotFound(format!("view {other}"))),
        };
        for r in self.query(sql, &[])? {
            visit(r.try_get::<_, &str>(0)?.as_bytes())?;
        }
        Ok(())
    }
}

impl LogWrite for PostgresTx<'_> {
    fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn put_leaf(&mut self, leaf: &LeafRow, hashes: &[Hash]) -> Result<()> {
        let blob: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
        let prev = leaf.prev.map_or_else(|| "NULL".to_string(), |p| to_i64(p).to_string());
        let row =
            format!("({},{prev},{},{})", to_i64(leaf.idx), bytea_literal(&blob), bytea_literal(&leaf.bytes));
        self.hold(|p| &mut p.leaves, row)
    }

    fn update_tree_row(&mut self, idx: u64, hashes: &[Hash]) -> Result<()> {
        let blob: Vec<u8> = hashes.iter().flat_map(|h| h.0).collect();
        if self.execute("UPDATE leaves SET hashes = $1 WHERE idx = $2", &[&blob, &to_i64(idx)])? != 1 {
            return Err(StoreError::NotFound(format!("leaf {idx}")));
        }
        Ok(())
    }

    fn put_kept(&mut self, idx: u64, data: &[u8]) -> Result<()> {
        self.hold(|p| &mut p.kept, format!("({},{})", to_i64(idx), bytea_literal(data)))
    }

    fn delete_kept(&mut self, idx: u64) -> Result<()> {
        self.execute("DELETE FROM kept WHERE idx = $1", &[&to_i64(idx)])?;
        Ok(())
    }

    fn put_record(&mut self, row: &RecordRow) -> Result<()> {
        if let Some(ids) = &mut self.known.ids {
            ids.insert(row.id.clone());
        }
        let params = record_params(row);
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p as _).collect();
        self.execute(
            "INSERT INTO records (id, type, current, digest, retracted) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, current = EXCLUDED.current, \
             digest = EXCLUDED.digest, retracted = EXCLUDED.retracted",
            &params,
        )?;
        Ok(())
    }

    fn insert_record_if_new(&mut self, row: &RecordRow) -> Result<bool> {
        self.known.asked += 1;
        if self.known.ids.is_none() && self.known.asked > KNOW_IDS_AFTER {
            let mut ids = std::collections::HashSet::new();
            self.in_batches(
                "SELECT id FROM records WHERE id > $1 ORDER BY id LIMIT $2",
                String::new(),
                None,
                after_id,
                |rows| {
                    for r in rows {
                        ids.insert(r.try_get::<_, String>(0)?);
                    }
                    Ok(())
                },
            )?;
            self.known.ids = Some(ids);
        }
        if let Some(ids) = &mut self.known.ids {
            if !ids.insert(row.id.clone()) {
                return Ok(false);
            }
            let digest = row.digest.map_or_else(|| "NULL".to_string(), |d| bytea_literal(&d));
            let retracted = row.retracted.map_or_else(|| "NULL".to_string(), |r| to_i64(r).to_string());
            let values = format!(
                "({},{},{},{digest},{retracted})",
                text_literal(&row.id),
                text_literal(&row.record_type),
                to_i64(row.current)
            );
            self.hold(|p| &mut p.records, values)?;
            return Ok(true);
        }
        let params = record_params(row);
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| &**p as _).collect();
        let inserted = self.insert_if_new(&params)?;
        Ok(inserted == 1)
    }

    fn put_checkpoint(&mut self, checkpoint: &CheckpointRow) -> Result<()> {
        self.execute(
            "INSERT INTO checkpoints (size, note) VALUES ($1, $2)",
            &[&to_i64(checkpoint.size), &checkpoint.note],
        )?;
        Ok(())
    }

    fn put_mention(&mut self, key: i64, idx: u64) -> Result<()> {
        self.hold(|p| &mut p.mentions, format!("({key},{})", to_i64(idx)))
    }

    fn put_import_time(&mut self, idx: u64, unix_seconds: i64) -> Result<()> {
        self.execute(
            "INSERT INTO imports (idx, at) VALUES ($1, $2) ON CONFLICT (idx) DO UPDATE SET at = EXCLUDED.at",
            &[&to_i64(idx), &unix_seconds],
        )?;
        Ok(())
    }

    fn clear_views(&mut self) -> Result<()> {
        self.batch("DELETE FROM mentions; DELETE FROM imports; DELETE FROM meta WHERE key = 'views_to';")
    }

    fn mark(&mut self) -> Result<()> {
        self.batch("SAVEPOINT habeas_pass")
    }

    fn rollback_to_mark(&mut self) -> Result<()> {
        // Rows inserted since the mark are undone: their ids are read again when next needed.
        self.known = Known::default();
        self.batch("ROLLBACK TO SAVEPOINT habeas_pass")
    }

    fn commit(self: Box<Self>) -> Result<()> {
        self.flush()?;
        self.tx.into_inner().commit()?;
        Ok(())
    }
}
