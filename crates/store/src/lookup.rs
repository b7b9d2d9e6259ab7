//! Small adaptors that let the model and the tree code read through a transaction.

use std::cell::RefCell;
use std::collections::HashMap;

use habeas_ledger::{Hash, HashReader, Node};
use habeas_model::time::parse_zone;
use habeas_model::zone::ZoneLookup;
use jiff::tz::TimeZone;
use serde_json::Value;

use crate::backend::LogRead;
use crate::error::{Result, StoreError};

/// Stored tree hashes, for `habeas_ledger`'s proofs and roots.
pub struct Hashes<'a>(pub &'a dyn LogRead);

impl HashReader for Hashes<'_> {
    type Error = StoreError;
    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>> {
        self.0.read_hashes(nodes)
    }
}

/// Reads a field of the current version of a record (from its leaf: never a personal value).
pub fn current_field(tx: &dyn LogRead, id: &str, field: &str) -> Result<Option<Value>> {
    let Some(row) = tx.record(id)? else { return Ok(None) };
    let Some(leaf) = tx.leaf(row.current)? else { return Ok(None) };
    let value: Value = serde_json::from_slice(&leaf.bytes)
        .map_err(|e| StoreError::Backend(format!("leaf {}: {e}", row.current)))?;
    Ok(value.get(field).cloned())
}

/// Zones of places and courts as the ledger currently records them, looked up once each.
pub struct TxZones<'a> {
    tx: &'a dyn LogRead,
    zones: RefCell<HashMap<String, Option<TimeZone>>>,
}

impl<'a> TxZones<'a> {
    pub fn new(tx: &'a dyn LogRead) -> TxZones<'a> {
        TxZones { tx, zones: RefCell::new(HashMap::new()) }
    }

    fn zone_of(&self, id: &str) -> Option<TimeZone> {
        if let Some(zone) = self.zones.borrow().get(id) {
            return zone.clone();
        }
        let zone =
            current_field(self.tx, id, "tz").ok().flatten().and_then(|v| v.as_str().and_then(parse_zone));
        self.zones.borrow_mut().insert(id.to_string(), zone.clone());
        zone
    }
}

impl ZoneLookup for TxZones<'_> {
    fn place_zone(&self, place: &str) -> Option<TimeZone> {
        self.zone_of(place)
    }

    fn org_zone(&self, org: &str) -> Option<TimeZone> {
        self.zone_of(org)
    }

    fn court_of(&self, order_or_petition: &str) -> Option<String> {
        current_field(self.tx, order_or_petition, "court")
            .ok()
            .flatten()
            .and_then(|v| v.as_str().map(str::to_string))
    }
}
