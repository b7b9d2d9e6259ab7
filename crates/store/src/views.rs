//! Views derived from the log, and the log read "as known at" a moment.
//!
//! Two small views make timelines cheap to compute:
//! - **mentions**: for each id, the leaves that mention it as a subject (`subject`, `subjects`), a
//!   cohort member (`members`), a joined or separated person (`ids` of `same_as`/`distinct`) or
//!   a place (`place`, `to`: a custody event there, a population count); and apart, under
//!   [`target_key`], the retractions and erasures that target it. Ids are keyed by the first 8 bytes of their
//!   SHA-256, a stable key; readers check the leaf itself, so a collision costs a read, never a
//!   wrong answer;
//! - **imports**: when each import happened, so that `--known-at T` finds the log as it stood.
//!
//! Both are derived from the leaves alone and kept in step with the log by [`catch_up`], which the
//! first read after a write runs (and which rebuilds them whole when this version of habeas
//! derives them differently from the one that wrote them, [`VIEWS_VERSION`]): an import stays as fast as the log allows, and the view is
//! current by the time anyone asks. `habeas rebuild` ([`rebuild`]) empties and recomputes every
//! view, and its digests show they come out identical.
//!
//! [`KnownAt`] reads records as the ledger knew them at a boundary (every leaf before it): the
//! latest version then, unless a retraction then withdrew it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::backend::{LogRead, LogWrite, RecordRow};
use crate::error::{Result, StoreError};

/// The stable key of an id in the mentions view.
pub fn key(id: &str) -> i64 {
    let digest = Sha256::digest(id.as_bytes());
    i64::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
    ])
}

/// The fields whose ids the mentions view records.
const MENTIONED: [&str; 6] = ["subject", "subjects", "members", "ids", "place", "to"];

/// The key under which the mentions view records the retractions and erasures of an id: apart
/// from its other mentions, so that asking whether a facility was retracted does not read the
/// million custody events there.
pub fn target_key(id: &str) -> i64 {
    key(&format!("target\u{0}{id}"))
}

/// The version of the derivation: a ledger whose views were derived by another is rebuilt on the
/// next read. Raise it whenever `MENTIONED` or what the views hold changes.
pub const VIEWS_VERSION: &str = "3";

/// Whether the views were derived by this version and cover the whole log.
pub fn current(tx: &dyn LogRead) -> Result<bool> {
    let done: u64 = tx.meta("views_to")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(tx.meta("views_version")?.as_deref() == Some(VIEWS_VERSION) && done >= tx.tree_size()?)
}

/// The ids a leaf mentions, as the mentions view records them.
fn mentioned(leaf: &Map<String, Value>) -> Vec<&str> {
    fn strings(value: Option<&Value>) -> Vec<&str> {
        match value {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
    MENTIONED.iter().flat_map(|field| strings(leaf.get(*field))).collect()
}

/// Brings the views up to date with the log: indexes every leaf not yet indexed.
pub fn catch_up(tx: &mut dyn LogWrite) -> Result<()> {
    if tx.meta("views_version")?.as_deref() != Some(VIEWS_VERSION) {
        tx.clear_views()?;
        tx.set_meta("views_version", VIEWS_VERSION)?;
    }
    let done: u64 = tx.meta("views_to")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    let size = tx.tree_size()?;
    if done >= size {
        return Ok(());
    }
    let mut found: Vec<(i64, u64)> = Vec::new();
    let mut imports: Vec<(u64, i64)> = Vec::new();
    tx.scan_leaves(done, size, &mut |leaf| {
        let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(leaf.bytes) else { return Ok(()) };
        for id in mentioned(&map) {
            found.push((key(id), leaf.idx));
        }
        if let Some(target) = map.get("target").and_then(Value::as_str) {
            found.push((target_key(target), leaf.idx));
        }
        if map.get("type").and_then(Value::as_str) == Some("import")
            && let Some(at) =
                map.get("at").and_then(Value::as_str).and_then(|t| t.parse::<jiff::Timestamp>().ok())
        {
            imports.push((leaf.idx, at.as_second()));
        }
        Ok(())
    })?;
    for (k, idx) in found {
        tx.put_mention(k, idx)?;
    }
    for (idx, at) in imports {
        tx.put_import_time(idx, at)?;
    }
    tx.set_meta("views_to", &size.to_string())
}

/// A view's digest: SHA-256 over its rows in a fixed order.
pub fn digest(tx: &dyn LogRead, view: &str) -> Result<String> {
    let mut hasher = Sha256::new();
    tx.scan_view(view, &mut |row| {
        hasher.update(row);
        hasher.update(b"\n");
        Ok(())
    })?;
    Ok(hex::encode(hasher.finalize()))
}

/// The views `rebuild` recomputes.
pub const VIEWS: [&str; 3] = ["records", "mentions", "imports"];

/// Empties and recomputes the derived views. The records view is not emptied (imports decide
/// against it); `verify` replays it from the log.
pub fn rebuild(tx: &mut dyn LogWrite) -> Result<()> {
    tx.clear_views()?;
    catch_up(tx)
}

/// A leaf's bytes as a JSON object.
pub(crate) fn parse_leaf(idx: u64, bytes: &[u8]) -> Result<Map<String, Value>> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(StoreError::Backend(format!("leaf {idx} is not a record; run `habeas verify`"))),
    }
}

/// A leaf's record with the fields it lists as personal (`"personal": ["place"]`) opened from
/// their kept values, where still kept: such a field is read as if it were not listed, as the
/// check reads it (docs/rules.md), so that a timeline, an occupancy count and a finding agree on
/// where a person was. A person's names, birth dates and identifiers, and a relation's fields,
/// stay committed unless the record lists them too; an erased field stays a commitment, which
/// every reader takes as absent.
pub(crate) fn open_listed(tx: &dyn LogRead, idx: u64, record: &mut Map<String, Value>) -> Result<()> {
    let Some(Value::Array(listed)) = record.get("personal") else { return Ok(()) };
    let listed: Vec<String> = listed.iter().filter_map(Value::as_str).map(str::to_string).collect();
    let Some(data) = tx.kept(idx)? else { return Ok(()) };
    let values = habeas_model::personal::decode_kept(&data).map_err(|_| {
        StoreError::Backend(format!("unreadable kept values at leaf {idx}; run `habeas verify`"))
    })?;
    for value in values.into_iter().filter(|v| listed.contains(&v.field)) {
        record.insert(value.field, value.value);
    }
    Ok(())
}

/// A record as known then: the leaf index of its version and its body (personal values as
/// commitments, except the fields it lists as personal: `open_listed`).
pub type KnownRecord = (u64, Rc<Map<String, Value>>);

/// Records as the ledger knew them with the leaves before `boundary`.
pub struct KnownAt<'a> {
    pub tx: &'a dyn LogRead,
    pub boundary: u64,
    cache: RefCell<HashMap<String, Option<KnownRecord>>>,
    mentioning: RefCell<HashMap<String, Rc<[KnownRecord]>>>,
}

impl<'a> KnownAt<'a> {
    pub fn new(tx: &'a dyn LogRead, boundary: u64) -> KnownAt<'a> {
        KnownAt {
            tx,
            boundary,
            cache: RefCell::new(HashMap::new()),
            mentioning: RefCell::new(HashMap::new()),
        }
    }

    /// The log size this view reads up to.
    pub fn boundary(&self) -> u64 {
        self.boundary
    }

    /// The whole log as it now stands.
    pub fn now(tx: &'a dyn LogRead) -> Result<KnownAt<'a>> {
        Ok(KnownAt::new(tx, tx.tree_size()?))
    }

    /// The log as it stood at a system time (`--known-at`), or as it now stands.
    pub fn then(tx: &'a dyn LogRead, at: Option<jiff::Timestamp>) -> Result<KnownAt<'a>> {
        match at {
            Some(at) => KnownAt::at(tx, at.as_second()),
            None => KnownAt::now(tx),
        }
    }

    /// The log as it stood at `unix_seconds`: up to the last import at or before then.
    pub fn at(tx: &'a dyn LogRead, unix_seconds: i64) -> Result<KnownAt<'a>> {
        let boundary = match tx.first_import_after(unix_seconds)? {
            Some(idx) => idx,
            None => tx.tree_size()?,
        };
        Ok(KnownAt::new(tx, boundary))
    }

    /// The leaf at `idx` as a JSON object (personal values as commitments, except the fields
    /// it lists as personal: `open_listed`).
    pub fn leaf(&self, idx: u64) -> Result<Option<Map<String, Value>>> {
        let Some(leaf) = self.tx.leaf(idx)? else { return Ok(None) };
        let mut record = parse_leaf(idx, &leaf.bytes)?;
        open_listed(self.tx, idx, &mut record)?;
        Ok(Some(record))
    }

    /// The version of `id` known then, with its leaf index; `None` if unknown then or retracted.
    pub fn record(&self, id: &str) -> Result<Option<KnownRecord>> {
        if let Some(found) = self.cache.borrow().get(id) {
            return Ok(found.clone());
        }
        let found = self.lookup(id)?;
        self.cache.borrow_mut().insert(id.to_string(), found.clone());
        Ok(found)
    }

    /// As [`KnownAt::record`], without keeping the answer: for a pass over every record, where a
    /// cache would only hold the whole ledger in memory.
    pub fn lookup(&self, id: &str) -> Result<Option<KnownRecord>> {
        let Some(row) = self.tx.record(id)? else { return Ok(None) };
        let mut idx = row.current;
        let mut leaf = self.tx.leaf(idx)?;
        // A retraction stays on the row until a later version reinstates the record, so a record
        // with one version and no retraction in force was never retracted: no need to search.
        let never_retracted = row.retracted.is_none() && leaf.as_ref().is_some_and(|l| l.prev.is_none());
        while idx >= self.boundary {
            match leaf.as_ref().and_then(|l| l.prev) {
                Some(prev) => {
                    idx = prev;
                    leaf = self.tx.leaf(idx)?;
                }
                None => return Ok(None),
            }
        }
        // Withdrawn by a retraction known then, after this version?
        if !never_retracted {
            for m in self.tx.mentions(target_key(id))? {
                if m > idx
                    && m < self.boundary
                    && let Some(leaf) = self.leaf(m)?
                    && leaf.get("type").and_then(Value::as_str) == Some("retraction")
                    && leaf.get("target").and_then(Value::as_str) == Some(id)
                {
                    return Ok(None);
                }
            }
        }
        let Some(leaf) = leaf else { return Ok(None) };
        let mut record = parse_leaf(idx, &leaf.bytes)?;
        open_listed(self.tx, idx, &mut record)?;
        Ok(Some((idx, Rc::new(record))))
    }

    /// The records known then that mention `id` (as `mentioned` reads a record), in their
    /// versions then, in log order.
    pub fn mentioning(&self, id: &str) -> Result<Rc<[KnownRecord]>> {
        if let Some(found) = self.mentioning.borrow().get(id) {
            return Ok(found.clone());
        }
        let found: Rc<[KnownRecord]> = self.find_mentioning(id)?.into();
        self.mentioning.borrow_mut().insert(id.to_string(), found.clone());
        Ok(found)
    }

    /// As [`KnownAt::mentioning`], read afresh and not kept.
    pub fn find_mentioning(&self, id: &str) -> Result<Vec<KnownRecord>> {
        Ok(self.find_mentioning_each(&[id])?.pop().unwrap_or_default())
    }

    /// Whether a records-view row's current version is, without a lookup, the version known
    /// then: it is before the boundary and no retraction is in force. Any other row (a version
    /// after the boundary, a retraction, since or then) takes the long way ([`KnownAt::record`]).
    fn current_was_known(&self, row: &RecordRow) -> bool {
        row.current < self.boundary && row.retracted.is_none()
    }

    /// [`KnownAt::find_mentioning`] of each of `ids`, in the order asked.
    ///
    /// The leaves that mention them, and the records view's rows of those leaves' records, are
    /// each read in one call ([`LogRead::mentions_of`], [`LogRead::leaves_at`],
    /// [`LogRead::records_of`]), and a leaf that mentions several of them is parsed once: on a
    /// PostgreSQL ledger a call is a round trip, and a server deriving every person's status reads
    /// a few leaves for each of a million persons.
    pub fn find_mentioning_each(&self, ids: &[&str]) -> Result<Vec<Vec<KnownRecord>>> {
        let keys: Vec<i64> = ids.iter().map(|id| key(id)).collect();
        let wanted: Vec<Vec<u64>> = self
            .tx
            .mentions_of(&keys)?
            .into_iter()
            .map(|leaves| leaves.into_iter().take_while(|&m| m < self.boundary).collect())
            .collect();
        let mut every: Vec<u64> = wanted.iter().flatten().copied().collect();
        every.sort_unstable();
        every.dedup();
        // Each leaf with its record's id, parsed once.
        let mut leaves: HashMap<u64, (String, Rc<Map<String, Value>>)> = HashMap::with_capacity(every.len());
        for leaf in self.tx.leaves_at(&every)? {
            let mut record = parse_leaf(leaf.idx, &leaf.bytes)?;
            open_listed(self.tx, leaf.idx, &mut record)?;
            if let Some(record_id) = record.get("id").and_then(Value::as_str).map(str::to_string) {
                leaves.insert(leaf.idx, (record_id, Rc::new(record)));
            }
        }
        let mut unknown: Vec<&str> = leaves
            .values()
            .map(|(record_id, _)| record_id.as_str())
            .filter(|record_id| !self.cache.borrow().contains_key(*record_id))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        let rows: HashMap<String, RecordRow> =
            self.tx.records_of(&unknown)?.into_iter().map(|row| (row.id.clone(), row)).collect();
        // Most often a leaf is its record's current version, known then (it is before the
        // boundary) and not retracted since (a retraction stays on the row until a later
        // version): it is the version known then, with no lookup.
        for (&m, (record_id, record)) in &leaves {
            if let Some(row) = rows.get(record_id)
                && row.current == m
                && self.current_was_known(row)
            {
                self.cache.borrow_mut().insert(record_id.clone(), Some((m, Rc::clone(record))));
            }
        }
        let mut out = Vec::with_capacity(ids.len());
        for (id, wanted) in ids.iter().zip(wanted) {
            let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
            let mut found = Vec::new();
            for m in wanted {
                let Some((record_id, _)) = leaves.get(&m) else { continue };
                // The version known then must still mention the id.
                if seen.insert(record_id.as_str())
                    && let Some((idx, record)) = self.record(record_id)?
                    && mentioned(&record).contains(id)
                {
                    found.push((idx, record));
                }
            }
            found.sort_by_key(|(idx, _)| *idx);
            out.push(found);
        }
        Ok(out)
    }

    /// Reads ahead what the timelines of `subjects` will ask for, a few calls for all of them
    /// instead of a few for each: the subjects' records, the records that mention the persons and
    /// cohorts among them, and the places, custodians and flights (and the flights' airports)
    /// their custody events name.
    /// Only what [`KnownAt::record`] and [`KnownAt::mentioning`] would read is kept, so a
    /// timeline reads the same with or without it.
    pub fn read_ahead_for(&self, subjects: &[&str]) -> Result<()> {
        self.gather_records(subjects)?;
        // Only persons and cohorts: a place is mentioned by every custody event there.
        let is_subject = |id: &str| {
            matches!(self.cache.borrow().get(id), Some(Some((_, r)))
                if matches!(r.get("type").and_then(Value::as_str), Some("person" | "cohort")))
        };
        let fresh: Vec<&str> = subjects
            .iter()
            .copied()
            .filter(|id| is_subject(id) && !self.mentioning.borrow().contains_key(*id))
            .collect();
        let found = self.find_mentioning_each(&fresh)?;
        let mut named: Vec<String> = Vec::new();
        for (id, records) in fresh.iter().zip(found) {
            for (_, record) in &records {
                if record.get("type").and_then(Value::as_str) == Some("custody") {
                    for field in ["place", "to", "custodian", "flight"] {
                        named.extend(record.get(field).and_then(Value::as_str).map(str::to_string));
                    }
                }
            }
            self.mentioning.borrow_mut().insert(id.to_string(), records.into());
        }
        self.gather_records(&named.iter().map(String::as_str).collect::<Vec<_>>())?;
        let mut airports: Vec<String> = Vec::new();
        for flight in &named {
            if let Some(Some((_, record))) = self.cache.borrow().get(flight.as_str())
                && record.get("type").and_then(Value::as_str) == Some("flight")
            {
                for leg in record.get("legs").and_then(Value::as_array).into_iter().flatten() {
                    for end in ["from", "to"] {
                        airports.extend(leg.get(end).and_then(Value::as_str).map(str::to_string));
                    }
                }
            }
        }
        self.gather_records(&airports.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// Reads the records of `ids` not yet read into the cache, in two calls: the records view's
    /// rows, then the current versions that are the ones known then. The rest (a version after
    /// the boundary, a retraction in force) are left to [`KnownAt::lookup`].
    pub(crate) fn gather_records(&self, ids: &[&str]) -> Result<()> {
        let mut unknown: Vec<&str> =
            ids.iter().copied().filter(|id| !self.cache.borrow().contains_key(*id)).collect();
        unknown.sort_unstable();
        unknown.dedup();
        if unknown.is_empty() {
            return Ok(());
        }
        let rows = self.tx.records_of(&unknown)?;
        let mut cache = self.cache.borrow_mut();
        let with_rows: std::collections::HashSet<&str> = rows.iter().map(|row| row.id.as_str()).collect();
        for id in unknown.iter().filter(|id| !with_rows.contains(*id)) {
            cache.insert(id.to_string(), None);
        }
        let current: HashMap<u64, String> = rows
            .into_iter()
            .filter(|row| self.current_was_known(row))
            .map(|row| (row.current, row.id))
            .collect();
        let mut wanted: Vec<u64> = current.keys().copied().collect();
        wanted.sort_unstable();
        for leaf in self.tx.leaves_at(&wanted)? {
            let mut record = parse_leaf(leaf.idx, &leaf.bytes)?;
            open_listed(self.tx, leaf.idx, &mut record)?;
            if let Some(id) = current.get(&leaf.idx) {
                cache.insert(id.clone(), Some((leaf.idx, Rc::new(record))));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable() {
        assert_eq!(key("p-1"), key("p-1"));
        assert_ne!(key("p-1"), key("p-2"));
        // The first 8 bytes of SHA-256("p-1"), big-endian: a stored key must never change.
        let digest = Sha256::digest(b"p-1");
        assert_eq!(key("p-1").to_be_bytes(), digest[..8]);
    }
}
