//! `erase`: delete a record's personal values for good, keeping the log and every proof valid.
//!
//! The values of every version of the record are deleted from the kept table (the backend makes
//! sure their bytes are overwritten, [`crate::backend::Backend::scrub`]), the content digest of
//! the record is cleared (it was computed over the values), and an `erasure` record saying who,
//! when, why and which fields is appended and signed like any write. The leaves hold only salted
//! commitments, so the tree, its checkpoints and its proofs do not change.

use std::collections::BTreeSet;

use habeas_ledger::{Frontier, Hash, Signer, leaf_hash};
use habeas_model::parse_ledger_record;
use habeas_model::personal::decode_kept;
use serde_json::json;

use crate::backend::{LeafRow, RecordRow};
use crate::error::{Result, StoreError};
use crate::ingest::{ledger_record_row, sign_checkpoint};
use crate::ledger::Ledger;
use crate::lookup::Hashes;

/// What was erased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EraseReport {
    pub id: String,
    pub fields: Vec<String>,
    /// The id of the `erasure` record appended.
    pub erasure: String,
    pub versions: usize,
    pub size: u64,
    pub root: Hash,
}

impl Ledger {
    /// Erases the personal values of every version of `id`. `at` is an RFC 3339 instant.
    pub fn erase(
        &mut self,
        id: &str,
        reason: &str,
        by: &str,
        at: &str,
        signer: &Signer,
    ) -> Result<EraseReport> {
        let origin = self.origin()?;
        let mut tx = self.backend().write()?;
        let row = tx.record(id)?.ok_or_else(|| StoreError::NotFound(format!("record {id}")))?;
        let mut fields = BTreeSet::new();
        let mut versions = 0;
        let mut version = Some(row.current);
        while let Some(idx) = version {
            if let Some(data) = tx.kept(idx)? {
                let kept = decode_kept(&data)
                    .map_err(|_| StoreError::Backend(format!("unreadable kept values at leaf {idx}")))?;
                fields.extend(kept.into_iter().map(|k| k.field));
                tx.delete_kept(idx)?;
                versions += 1;
            }
            version = tx.leaf(idx)?.and_then(|leaf| leaf.prev);
        }
        if fields.is_empty() {
            return Err(StoreError::Conflict {
                constraint: format!(
                    "{id} holds no personal values to erase (none recorded, or already erased)"
                ),
            });
        }
        let fields: Vec<String> = fields.into_iter().collect();
        let erasure =
            json!({"type": "erasure", "target": id, "at": at, "by": by, "reason": reason, "fields": fields});
        let parsed =
            parse_ledger_record(erasure).map_err(|e| StoreError::Conflict { constraint: e.to_string() })?;
        let leaf = parsed.record.leaf(&mut || [0; 32]).bytes;
        let size = tx.tree_size()?;
        let mut frontier = Frontier::load(size, &Hashes(&*tx))?;
        let tree_row = frontier.push(leaf_hash(&leaf));
        tx.put_leaf(&LeafRow { idx: size, prev: None, bytes: leaf }, &tree_row)?;
        tx.put_record(&ledger_record_row(&parsed, size))?;
        tx.put_record(&RecordRow { digest: None, ..row })?;
        let root = frontier.root();
        sign_checkpoint(&mut *tx, &origin, signer, size + 1, root)?;
        tx.commit()?;
        self.backend().scrub()?;
        Ok(EraseReport {
            id: id.to_string(),
            fields,
            erasure: parsed.record.id().to_string(),
            versions,
            size: size + 1,
            root,
        })
    }
}
