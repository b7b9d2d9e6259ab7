//! Proofs a ledger hands out: a record's leaf is in the tree a signed checkpoint commits to, and
//! an older checkpoint's tree is a prefix of the latest one.

use habeas_ledger::{
    Checkpoint, ConsistencyProof, Hash, InclusionProof, leaf_hash, prove_consistency, prove_inclusion,
};
use serde::Deserialize;

use crate::error::{Result, StoreError};
use crate::ledger::Ledger;
use crate::lookup::Hashes;

/// An inclusion proof with everything needed to check it offline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordProof {
    pub id: String,
    pub leaf_bytes: Vec<u8>,
    pub leaf_hash: Hash,
    pub proof: InclusionProof,
    /// The signed checkpoint note the proof leads to.
    pub checkpoint: String,
}

/// A consistency proof between an older size and the latest checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyOut {
    pub proof: ConsistencyProof,
    pub checkpoint: String,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

/// The latest stored checkpoint: its parsed text and the whole signed note.
fn latest(tx: &dyn crate::backend::LogRead) -> Result<(Checkpoint, String)> {
    let latest = tx
        .checkpoints()?
        .pop()
        .ok_or_else(|| StoreError::NotFound("a signed checkpoint (the ledger is empty)".into()))?;
    let text = latest.note.split_once("\n\n").map(|(text, _)| format!("{text}\n")).unwrap_or_default();
    let checkpoint =
        Checkpoint::parse(&text).map_err(|e| StoreError::Backend(format!("stored checkpoint: {e}")))?;
    Ok((checkpoint, latest.note))
}

/// A proving error: out of range is "not found", a read failure is the store's.
fn prove_error(err: habeas_ledger::ProveError<StoreError>) -> StoreError {
    match err {
        habeas_ledger::ProveError::Read(err) => err,
        other => StoreError::NotFound(other.to_string()),
    }
}

impl Ledger {
    /// Proves the current version of record `id` against the latest checkpoint.
    pub fn prove_record(&mut self, id: &str) -> Result<RecordProof> {
        let index = {
            let tx = self.backend().read()?;
            tx.record(id)?.ok_or_else(|| StoreError::NotFound(format!("record {id}")))?.current
        };
        self.prove_index(index)
    }

    /// Proves leaf `index` (any version, retracted or not) against the latest checkpoint.
    pub fn prove_index(&mut self, index: u64) -> Result<RecordProof> {
        let tx = self.backend().read()?;
        let (checkpoint, note) = latest(&*tx)?;
        let leaf = tx.leaf(index)?.ok_or_else(|| StoreError::NotFound(format!("leaf {index}")))?;
        let id = serde_json::from_slice::<IdOnly>(&leaf.bytes).map(|h| h.id).unwrap_or_default();
        let proof = prove_inclusion(index, checkpoint.tree_size, &Hashes(&*tx)).map_err(prove_error)?;
        Ok(RecordProof {
            id,
            leaf_hash: leaf_hash(&leaf.bytes),
            leaf_bytes: leaf.bytes,
            proof,
            checkpoint: note,
        })
    }

    /// Proves that the tree of `old_size` leaves is a prefix of the latest checkpoint's tree.
    pub fn prove_consistency(&mut self, old_size: u64) -> Result<ConsistencyOut> {
        let tx = self.backend().read()?;
        let (checkpoint, note) = latest(&*tx)?;
        let proof = prove_consistency(old_size, checkpoint.tree_size, &Hashes(&*tx)).map_err(prove_error)?;
        Ok(ConsistencyOut { proof, checkpoint: note })
    }
}
