//! Reading records back out: one record as currently known, or all of them for `export`.
//!
//! A record is its leaf with its kept personal values put back. Where values were erased the
//! field keeps its commitment (`{"commit": "..."}`), so an export carries no erased data and still
//! re-imports as "unchanged" into the same ledger. The ledger's own records (`import`, `erasure`)
//! are not exported; retracted records are, with their retractions, so that an export imported
//! into an empty ledger gives the same current state.

use std::collections::HashMap;

use habeas_model::personal::{decode_kept, reveal};
use serde_json::{Map, Value};

use crate::backend::{LogRead, RecordRow};
use crate::error::{Result, StoreError};
use crate::ledger::Ledger;

/// A record as the ledger currently holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentRecord {
    pub id: String,
    pub record_type: String,
    /// Leaf index of the current version.
    pub index: u64,
    /// The record, personal values in clear unless erased.
    pub body: Map<String, Value>,
    /// Leaf index of the retraction in force, if retracted.
    pub retracted: Option<u64>,
    /// Personal fields whose values were erased (or withheld).
    pub erased: Vec<String>,
}

/// How many records [`current_each`] reads in one go: a few queries for each batch.
const BATCH: usize = 1024;

/// The current versions of the records of `rows`, in the order given: their leaves, then their
/// kept values, each read in one call (on a PostgreSQL ledger a call is a round trip).
fn current_each(tx: &dyn LogRead, rows: Vec<RecordRow>) -> Result<Vec<CurrentRecord>> {
    let idxs: Vec<u64> = rows.iter().map(|row| row.current).collect();
    let mut leaves: HashMap<u64, Vec<u8>> =
        tx.leaves_at(&idxs)?.into_iter().map(|leaf| (leaf.idx, leaf.bytes)).collect();
    let mut kept = tx.kept_at(&idxs)?;
    rows.into_iter()
        .map(|row| {
            let idx = row.current;
            let leaf = leaves.remove(&idx).ok_or_else(|| StoreError::NotFound(format!("leaf {idx}")))?;
            current(row, &leaf, kept.remove(&idx))
        })
        .collect()
}

fn current(row: RecordRow, leaf: &[u8], kept: Option<Vec<u8>>) -> Result<CurrentRecord> {
    let kept = match kept {
        Some(data) => decode_kept(&data)
            .map_err(|_| StoreError::Backend(format!("unreadable kept values at leaf {}", row.current)))?,
        None => Vec::new(),
    };
    let body = reveal(leaf, &kept).map_err(|e| {
        StoreError::Backend(format!(
            "leaf {} does not open with its kept values ({e:?}); run `habeas verify`",
            row.current
        ))
    })?;
    let erased = body
        .iter()
        .filter(|(_, v)| habeas_model::personal::as_commitment(v).is_some())
        .map(|(k, _)| k.clone())
        .collect();
    Ok(CurrentRecord {
        id: row.id,
        record_type: row.record_type,
        index: row.current,
        body,
        retracted: row.retracted,
        erased,
    })
}

impl Ledger {
    /// The current version of a record, or `None` if the ledger has no such id.
    pub fn record(&mut self, id: &str) -> Result<Option<CurrentRecord>> {
        Ok(self.records(&[id])?.pop().flatten())
    }

    /// The current versions of `ids`, in the order asked (`None` for an id the ledger does not
    /// have), read in a few calls for all of them.
    pub fn records(&mut self, ids: &[&str]) -> Result<Vec<Option<CurrentRecord>>> {
        let tx = self.backend().read()?;
        let mut found: HashMap<String, CurrentRecord> = HashMap::with_capacity(ids.len());
        let mut unique: Vec<&str> = ids.to_vec();
        unique.sort_unstable();
        unique.dedup();
        for batch in unique.chunks(BATCH) {
            let rows = tx.records_of(batch)?;
            found.extend(current_each(&*tx, rows)?.into_iter().map(|r| (r.id.clone(), r)));
        }
        Ok(ids.iter().map(|id| found.get(*id).cloned()).collect())
    }

    /// The ids of the current records of the types asked, not retracted, in log order (of their
    /// current versions): what a pass over every person or cohort starts from, without reading
    /// their leaves.
    pub fn current_ids(&mut self, types: &[&str]) -> Result<Vec<String>> {
        let tx = self.backend().read()?;
        let mut found: Vec<(u64, String)> = Vec::new();
        tx.scan_record_heads(&mut |head| {
            if head.retracted.is_none() && types.contains(&head.record_type) {
                found.push((head.current, head.id.to_string()));
            }
            Ok(())
        })?;
        found.sort_unstable();
        Ok(found.into_iter().map(|(_, id)| id).collect())
    }

    /// Calls `visit` with every current record except the ledger's own, in log order.
    pub fn export(&mut self, visit: &mut dyn FnMut(CurrentRecord) -> Result<()>) -> Result<()> {
        let tx = self.backend().read()?;
        let mut rows: Vec<RecordRow> = Vec::new();
        tx.scan_records(&mut |row| {
            if row.record_type != "import" && row.record_type != "erasure" {
                rows.push(row);
            }
            Ok(())
        })?;
        rows.sort_by_key(|r| r.current);
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            for record in current_each(&*tx, rows.by_ref().take(BATCH).collect())? {
                visit(record)?;
            }
        }
        Ok(())
    }
}
