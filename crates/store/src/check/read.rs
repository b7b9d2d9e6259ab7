//! Every record the rules read, in one ordered pass over the log.
//!
//! Reading a million records one id at a time (a keyed lookup in the records view, then one in the
//! log) had been a third of `habeas check`'s time. Here the records view is read once, in id
//! order, and for each record whose known version is its current one (nearly all of them) the
//! leaf is taken as the log is read in index order: in two halves, each on its own connection and
//! thread, parsed as it is read, straight from the leaf's text into compact fields
//! ([`Fields::read_setting_aside`]). Personal values are put back on worker threads.
//!
//! A record retracted now, or changed since the moment asked (`--known-at`), takes the long way
//! ([`KnownAt::lookup`]), which walks its versions and retractions.
//!
//! A time's zone can come from another record (a custody event is read in its place's zone, a
//! ruling in its court's), so the few records that lend zones (places, orgs, orders and
//! petitions: the only types a zone hint can name, references being typed) are read first, by
//! id, into [`Zones`], which answers as [`crate::timeline::Known`] does, from the same versions.
//! Then each record of the pass is parsed and its times resolved on the thread that read it; its
//! time fields are found in a small record of the members that hold or place them
//! ([`members_read`]), not in the whole record as serde_json would hold it. (Gathering every record
//! first and resolving its times once all zones were known had held a million sets of unresolved
//! times and copied the records twice more.)

use habeas_model::RecordType;
use habeas_model::personal::decode_kept;
use habeas_model::time::parse_zone;
use habeas_model::zone::{TimeField, ZoneLookup, members_read, resolve_fields, time_fields};
use habeas_rules::{Field, Fields, Record};
use jiff::tz::TimeZone;
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use crate::backend::{Backend, LogRead};
use crate::error::{Result, StoreError};
use crate::views::KnownAt;

/// Record types the rules never read.
const NOT_READ: [&str; 3] = ["import", "erasure", "retraction"];

/// A row of the records view, as far as this pass reads it.
struct Row {
    id: String,
    current: u64,
    retracted: bool,
}

/// The record types whose records lend other records a zone ([`ZoneHint`](habeas_model::zone::ZoneHint)):
/// places and orgs their `tz`, orders and petitions their `court`.
const LEND_ZONES: [&str; 4] = ["place", "org", "order", "petition"];

/// A record read, its times not yet resolved.
struct Unresolved {
    id: String,
    kind: &'static str,
    body: Fields,
    times: Vec<TimeField>,
    /// Its own `tz`.
    zone: Option<TimeZone>,
}

impl Unresolved {
    /// A leaf's record, read from its bytes straight into compact fields.
    fn of_leaf(idx: u64, bytes: &[u8]) -> Result<Unresolved> {
        match Fields::read_setting_aside(bytes, ["id", "type"]) {
            Ok(([id, kind], body)) => Unresolved::of(idx, id, kind, body),
            Err(_) => Err(not_a_record(idx)),
        }
    }

    /// A record already parsed (a version found by [`KnownAt::lookup`]).
    fn of_map(idx: u64, mut body: Map<String, Value>) -> Result<Unresolved> {
        let (id, kind) = (body.remove("id").map(Field::from), body.remove("type").map(Field::from));
        Unresolved::of(idx, id, kind, Fields::from(body))
    }

    /// A record's fields as read from its leaf, its `id` and `type` set apart. Its time fields
    /// are gathered from a record of the few members that hold or place them ([`members_read`]).
    fn of(idx: u64, id: Option<Field>, kind: Option<Field>, body: Fields) -> Result<Unresolved> {
        let (Some(id), Some(t)) = (
            id.as_ref().and_then(Field::as_str),
            kind.as_ref().and_then(Field::as_str).and_then(RecordType::parse),
        ) else {
            return Err(not_a_record(idx));
        };
        let mut read = Map::new();
        for name in members_read(t) {
            if let Some(field) = body.get(name) {
                read.insert(name.to_string(), field.to_json());
            }
        }
        let times = if read.is_empty() {
            Vec::new()
        } else {
            read.insert("id".into(), id.into());
            read.insert("type".into(), t.name().into());
            habeas_model::from_log(read).map(|r| time_fields(&r)).unwrap_or_default()
        };
        let zone = body.get("tz").and_then(Field::as_str).and_then(parse_zone);
        Ok(Unresolved { id: id.to_string(), kind: t.name(), body, times, zone })
    }
}

fn not_a_record(idx: u64) -> StoreError {
    StoreError::Backend(format!("leaf {idx} is not a record; run `habeas verify`"))
}

/// The records known at `known`'s boundary that the rules read, each with the index of its
/// version, in id order; times in UTC; personal values in clear where they are still kept.
/// `beside`, another connection to the ledger, reads half of the log on a second thread.
pub(crate) fn read_records(
    known: &KnownAt<'_>,
    beside: Option<Box<dyn Backend>>,
) -> Result<Vec<(u64, Record)>> {
    // Only what this pass needs of each row: a million digests and type names would be a few
    // hundred megabytes held for nothing.
    let mut rows: Vec<Row> = Vec::new();
    let mut lenders: Vec<String> = Vec::new();
    known.tx.scan_records(&mut |row| {
        if LEND_ZONES.contains(&row.record_type.as_str()) {
            lenders.push(row.id.clone());
        }
        if !NOT_READ.contains(&row.record_type.as_str()) {
            rows.push(Row { id: row.id, current: row.current, retracted: row.retracted.is_some() });
        }
        Ok(())
    })?;
    let zones = Zones::read(known, &lenders)?;
    drop(lenders);
    // A record's known version is its current one when that was appended before the boundary
    // and no retraction is in force: a retraction stays on the row until a later version
    // reinstates the record, so none can have withdrawn it before the boundary either.
    let mut wanted: Vec<(u64, usize)> = Vec::new();
    let mut slots: Vec<Option<(u64, Record)>> = Vec::with_capacity(rows.len());
    for (position, row) in rows.iter().enumerate() {
        if !row.retracted && row.current < known.boundary {
            wanted.push((row.current, position));
        }
        slots.push(None);
    }
    wanted.sort_unstable();
    for (position, idx, record) in parse_in_pass(known, beside, &wanted, &zones)? {
        slots[position] = Some((idx, record));
    }
    for (slot, row) in slots.iter_mut().zip(&rows) {
        if slot.is_none()
            && let Some((idx, body)) = known.lookup(&row.id)?
        {
            *slot = Some((idx, Unresolved::of_map(idx, (*body).clone())?.resolved(&zones)));
        }
    }
    drop(rows);
    let mut records: Vec<(u64, Record)> = slots.into_iter().flatten().collect();
    // Personal values (a birth date for an age, names for the register) in clear, where they are
    // still kept; rules cite ids, never these values. Only records that can hold them have any,
    // and the kept values are read in one ordered pass too.
    let mut holding: Vec<(u64, usize)> = (records.iter().enumerate())
        .filter(|(_, (_, record))| {
            matches!(record.kind, "person" | "relation") || record.body.contains_key("personal")
        })
        .map(|(position, (idx, _))| (*idx, position))
        .collect();
    holding.sort_unstable();
    if !holding.is_empty() {
        let mut kept: Vec<Option<Vec<u8>>> = vec![None; records.len()];
        known.tx.scan_kept(&mut |idx, data| {
            if let Ok(found) = holding.binary_search_by_key(&idx, |&(i, _)| i) {
                kept[holding[found].1] = Some(data);
            }
            Ok(())
        })?;
        put_back_kept(&mut records, kept);
    }
    Ok(records)
}

/// Puts kept personal values back into their records, on worker threads, in place.
fn put_back_kept(records: &mut [(u64, Record)], kept: Vec<Option<Vec<u8>>>) {
    let part = records.len().div_ceil(workers()).max(1);
    std::thread::scope(|scope| {
        for (records, kept) in records.chunks_mut(part).zip(kept.chunks(part)) {
            scope.spawn(move || {
                for ((_, record), kept) in records.iter_mut().zip(kept) {
                    let Some(values) = kept.as_deref().and_then(|data| decode_kept(data).ok()) else {
                        continue;
                    };
                    for value in values {
                        record.body.insert(value.field, Field::from(value.value));
                    }
                }
            });
        }
    });
}

/// Reads and parses the wanted leaves (sorted by index, each with its position). With a second
/// connection (`beside`), the log is read in two halves, one on each connection, each on its own
/// thread: one thread reading the log for workers that parsed had left a core idle half the time
/// at 7.8M records. Leaves below the boundary never change, so the second connection's snapshot,
/// taken a moment later, holds the same ones.
fn parse_in_pass(
    known: &KnownAt<'_>,
    beside: Option<Box<dyn Backend>>,
    wanted: &[(u64, usize)],
    zones: &Zones,
) -> Result<Vec<(usize, u64, Record)>> {
    let Some(mut beside) = beside else { return parse_range(known.tx, wanted, zones) };
    let (mine, theirs) = wanted.split_at(wanted.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(move || -> Result<Vec<(usize, u64, Record)>> {
            let tx = beside.read()?;
            parse_range(&*tx, theirs, zones)
        });
        let mut parsed = parse_range(known.tx, mine, zones);
        let others = other.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        if let Ok(parsed) = &mut parsed {
            parsed.extend(others?);
        }
        parsed
    })
}

/// Reads the log from the first wanted leaf to the last and parses the wanted ones.
fn parse_range(
    tx: &dyn LogRead,
    wanted: &[(u64, usize)],
    zones: &Zones,
) -> Result<Vec<(usize, u64, Record)>> {
    let (Some(&(first, _)), Some(&(last, _))) = (wanted.first(), wanted.last()) else {
        return Ok(Vec::new());
    };
    let mut parsed = Vec::with_capacity(wanted.len());
    let mut next = wanted.iter().peekable();
    tx.scan_leaves(first, last + 1, &mut |leaf| {
        if let Some(&&(idx, position)) = next.peek()
            && idx == leaf.idx
        {
            next.next();
            parsed.push((position, idx, Unresolved::of_leaf(idx, &leaf.bytes)?.resolved(zones)));
        }
        Ok(())
    })?;
    Ok(parsed)
}

/// Worker threads: one per core, at most four.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}

/// Maps `items` on worker threads, a contiguous part each, keeping their order.
pub(super) fn in_parts<T: Send, R: Send>(mut items: Vec<T>, work: &(dyn Fn(T) -> R + Sync)) -> Vec<R> {
    let workers = workers();
    let total = items.len();
    let part = total.div_ceil(workers).max(1);
    let mut parts = Vec::new();
    while items.len() > part {
        parts.push(items.split_off(items.len() - part));
    }
    parts.push(items);
    parts.reverse();
    std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| scope.spawn(move || part.into_iter().map(work).collect::<Vec<R>>()))
            .collect();
        // Gathered into one vector made to size: collecting a flattening iterator, which cannot
        // tell its length, grew a vector of a million records by doubling, copying it each time.
        let mut out = Vec::with_capacity(total);
        for handle in handles {
            out.extend(handle.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
        out
    })
}

impl Unresolved {
    /// The record as the rules read it, its times resolved (its kept personal values are put
    /// back later, [`put_back_kept`]).
    fn resolved(self, zones: &Zones) -> Record {
        let Unresolved { id, kind, body, times, zone } = self;
        let times = resolve_fields(times, zone.as_ref(), zones);
        Record {
            id,
            kind,
            unzoned: times.iter().filter(|t| t.flagged).map(|t| t.path.clone()).collect(),
            times: times.into_iter().map(|t| (t.path, t.interval)).collect(),
            body,
        }
    }
}

/// The zones and courts other records' times are read in, gathered from the records themselves.
struct Zones {
    /// Each record's own `tz`, where it names a known zone.
    tz: FxHashMap<String, TimeZone>,
    /// Each record's `court`.
    court: FxHashMap<String, String>,
}

impl Zones {
    /// The zones and courts of these records (of the types in [`LEND_ZONES`]) as known.
    fn read(known: &KnownAt<'_>, lenders: &[String]) -> Result<Zones> {
        let mut zones = Zones { tz: FxHashMap::default(), court: FxHashMap::default() };
        for id in lenders {
            let Some((_, body)) = known.lookup(id)? else { continue };
            if let Some(zone) = body.get("tz").and_then(Value::as_str).and_then(parse_zone) {
                zones.tz.insert(id.clone(), zone);
            }
            if let Some(court) = body.get("court").and_then(Value::as_str) {
                zones.court.insert(id.clone(), court.to_string());
            }
        }
        Ok(zones)
    }
}

impl ZoneLookup for Zones {
    fn place_zone(&self, place: &str) -> Option<TimeZone> {
        self.tz.get(place).cloned()
    }
    fn org_zone(&self, org: &str) -> Option<TimeZone> {
        self.tz.get(org).cloned()
    }
    fn court_of(&self, id: &str) -> Option<String> {
        self.court.get(id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::ImportOptions;
    use crate::ingest::in_memory::Text;
    use crate::ledger::{Ledger, Location};
    use habeas_ledger::Signer;

    #[test]
    fn one_connection_reads_what_two_read() {
        // A backend with no second connection reads the whole log on one thread; the records,
        // their leaf indexes and their order must be the same as when two read it in halves.
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::from_seed("habeas.local/read.db", [7; 32]).unwrap();
        let location = Location::Sqlite(dir.path().join("read.db"));
        let mut ledger = Ledger::create(&location, &signer.verifier()).unwrap();
        let options =
            ImportOptions { keep_going: false, by: "tester".into(), at: "2025-12-01T00:00:00Z".into() };
        let example = include_str!("../../../../examples/cecot-2025.jsonl");
        let report = ledger.import(&mut Text(example), &options, &signer).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);

        let beside = ledger.backend().another();
        assert!(beside.is_some(), "SQLite gives a second connection");
        let tx = ledger.backend().read().unwrap();
        let known = KnownAt::then(&*tx, None).unwrap();
        let shown = |records: Vec<(u64, Record)>| -> Vec<String> {
            records.iter().map(|(idx, record)| format!("{idx} {record:?}")).collect()
        };
        let alone = shown(read_records(&known, None).unwrap());
        let in_halves = shown(read_records(&known, beside).unwrap());
        assert!(alone.len() > 100, "the example case has its records: {}", alone.len());
        assert_eq!(alone, in_halves);
    }

    #[test]
    fn a_date_is_read_in_its_place_zone_as_known_then() {
        // The place's zone changes in a second import: a check as known before it reads the
        // custody date in the first zone, one after it in the second, and a retracted place
        // lends no zone at all (the date is read in UTC and flagged).
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::from_seed("habeas.local/zones.db", [7; 32]).unwrap();
        let location = Location::Sqlite(dir.path().join("zones.db"));
        let mut ledger = Ledger::create(&location, &signer.verifier()).unwrap();
        fn import(ledger: &mut Ledger, signer: &Signer, at: &str, text: &'static str) {
            let options = ImportOptions { keep_going: false, by: "tester".into(), at: at.into() };
            let report = ledger.import(&mut Text(text), &options, signer).unwrap();
            assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        }
        import(
            &mut ledger,
            &signer,
            "2025-12-01T00:00:00Z",
            r#"{"type":"place","id":"pl","name":"Holding","kind":"facility","country":"US","tz":"America/Chicago"}
{"type":"person","id":"p","name":"P"}
{"type":"custody","id":"e","subject":"p","event":"booked_in","at":"2025-03-16","place":"pl"}"#,
        );
        import(
            &mut ledger,
            &signer,
            "2025-12-02T00:00:00Z",
            r#"{"type":"place","id":"pl","name":"Holding","kind":"facility","country":"US","tz":"America/New_York"}"#,
        );
        let starts = |ledger: &mut Ledger, known_at: Option<&str>| -> (String, Vec<String>) {
            ledger.catch_up_views().unwrap();
            let tx = ledger.backend().read().unwrap();
            let known = KnownAt::then(&*tx, known_at.map(|t| t.parse().unwrap())).unwrap();
            let records = read_records(&known, None).unwrap();
            let event = records.iter().map(|(_, r)| r).find(|r| r.id == "e").unwrap();
            (event.time("at").unwrap().earliest.to_string(), event.unzoned.clone())
        };
        let before = starts(&mut ledger, Some("2025-12-01T12:00:00Z"));
        assert_eq!(before, ("2025-03-16T05:00:00Z".to_string(), vec![]), "Chicago, as known then");
        assert_eq!(starts(&mut ledger, None), ("2025-03-16T04:00:00Z".to_string(), vec![]), "New York");
        import(
            &mut ledger,
            &signer,
            "2025-12-03T00:00:00Z",
            r#"{"type":"retraction","id":"r","target":"pl","reason":"wrong"}"#,
        );
        assert_eq!(starts(&mut ledger, None), ("2025-03-16T00:00:00Z".to_string(), vec!["at".to_string()]));
    }

    #[test]
    fn parts_mapped_on_workers_come_back_in_order() {
        for n in [0usize, 1, 2, 3, 7, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let mapped = in_parts(items, &|i| i * 10);
            assert_eq!(mapped, (0..n).map(|i| i * 10).collect::<Vec<_>>(), "{n} items");
        }
    }
}
