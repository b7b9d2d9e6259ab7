//! Reading records back out: one record as currently known, or all of them for `export`.
//!
//! A record is its leaf with its kept personal values put back. Where values were erased the
//! field keeps its commitment (`{"commit": "..."}`), so an export carries no erased data and still
//! re-imports as "unchanged" into the same ledger. The ledger's own records (`import`, `erasure`)
//! are not exported; retracted records are, with their retractions, so that an export imported
//! into an empty ledger gives the same current state.

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

fn current(tx: &dyn LogRead, row: RecordRow) -> Result<CurrentRecord> {
    let leaf = tx.leaf(row.current)?.ok_or_else(|| StoreError::NotFound(format!("leaf {}", row.current)))?;
    let kept = match tx.kept(row.current)? {
        Some(data) => decode_kept(&data)
            .map_err(|_| StoreError::Backend(format!("unreadable kept values at leaf {}", row.current)))?,
        None => Vec::new(),
    };
    let body = reveal(&leaf.bytes, &kept).map_err(|e| {
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
        let tx = self.backend().read()?;
        match tx.record(id)? {
            None => Ok(None),
            Some(row) => Ok(Some(current(&*tx, row)?)),
        }
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
        for row in rows {
            visit(current(&*tx, row)?)?;
        }
        Ok(())
    }
}
