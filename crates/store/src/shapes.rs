//! The JSON shapes of what the store answers, shared by `habeas --json` and the server's API, so
//! that a script reading one reads the other.

use habeas_model::Interval;
use serde_json::{Value, json};

use crate::locate::Located;
use crate::proofs::{ConsistencyOut, RecordProof};
use crate::timeline::{Moment, State, Timeline};

/// `{"earliest": T, "latest": T}` in UTC.
pub fn interval_json(interval: &Interval) -> Value {
    json!({"earliest": interval.earliest.to_string(), "latest": interval.latest.to_string()})
}

impl Timeline {
    pub fn to_json(&self, moment: Moment) -> Value {
        let segments: Vec<Value> = self
            .segments
            .iter()
            .map(|s| {
                json!({
                    "from": interval_json(&s.from),
                    "until": s.until.as_ref().map(interval_json),
                    "state": s.state.name(),
                    "place": s.place,
                    "to": s.to,
                    "custodian": s.custodian,
                    "basis": s.basis,
                    "removed": s.removed,
                    "flight": s.flight,
                    "count": s.count,
                    "reason": s.reason,
                    "records": s.records,
                })
            })
            .collect();
        json!({
            "subject": self.subject,
            "kind": self.kind,
            "as_of": moment.as_of.map(|t| t.to_string()),
            "known_at": moment.known_at.map(|t| t.to_string()),
            "segments": segments,
            "undated": self.undated,
            "possible": self.possible,
            "joined": self.joined,
            "cohorts": self.cohorts,
        })
    }
}

impl Located {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "score": (self.score * 1000.0).round() / 1000.0,
            "status": self.status.map_or("unknown", State::name),
            "removed": self.removed,
            "place": self.place,
            "custodian": self.custodian,
            "since": self.since.as_ref().map(interval_json),
            "why": self.why,
        })
    }
}

impl RecordProof {
    /// The proof as a self-contained document: the leaf bytes, their hash, the audit path and the
    /// signed checkpoint it leads to.
    pub fn to_json(&self) -> Value {
        let hashes: Vec<String> = self.proof.hashes.iter().map(|h| h.to_base64()).collect();
        json!({
            "id": self.id,
            "index": self.proof.leaf_index,
            "size": self.proof.tree_size,
            "leaf": self.leaf_hash.to_base64(),
            "leaf_bytes": String::from_utf8_lossy(&self.leaf_bytes),
            "proof": hashes,
            "checkpoint": self.checkpoint,
        })
    }
}

impl ConsistencyOut {
    /// The proof that the log of `old_size` leaves is a prefix of today's, with the signed
    /// checkpoint of today's.
    pub fn to_json(&self) -> Value {
        let hashes: Vec<String> = self.proof.hashes.iter().map(|h| h.to_base64()).collect();
        json!({"old_size": self.proof.old_size, "size": self.proof.new_size, "proof": hashes, "checkpoint": self.checkpoint})
    }
}
