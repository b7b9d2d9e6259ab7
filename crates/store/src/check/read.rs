//! Every record the rules read, in one ordered pass over the log.
//!
//! Reading a million records one id at a time (a keyed lookup in the records view, then one in the
//! log) had been a third of `habeas check`'s time. Here the records view is read once, in id
//! order, and for each record whose known version is its current one (nearly all of them) the
//! leaf is taken as the log is read in index order: in two halves, each on its own connection and
//! thread, parsed as it is read. Zone resolution and personal values happen on worker threads.
//!
//! A record retracted now, or changed since the moment asked (`--known-at`), takes the long way
//! ([`KnownAt::lookup`]), which walks its versions and retractions.
//!
//! Times are resolved in two steps because a time's zone can come from another record (a custody
//! event is read in its place's zone, a ruling in its court's): first every record is parsed,
//! its time fields gathered and its members made compact ([`Unresolved`]), then the zones of
//! places, orgs and courts are gathered from them ([`Zones`]), then each record's times are
//! resolved. [`Zones`] answers as [`crate::timeline::Known`] does, from the same versions, without
//! a query. A parsed record (serde_json's map) lives only until the thread that parsed it has
//! made it compact: holding a million of them until the zones were known had set the check's peak
//! memory.

use habeas_model::Record as Parsed;
use habeas_model::personal::decode_kept;
use habeas_model::time::parse_zone;
use habeas_model::zone::{TimeField, ZoneLookup, resolve_fields, time_fields};
use habeas_rules::{Field, Fields, Record};
use jiff::tz::TimeZone;
use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::backend::{Backend, LogRead};
use crate::error::Result;
use crate::timeline::record_of;
use crate::views::{KnownAt, parse_leaf};

/// Record types the rules never read.
const NOT_READ: [&str; 3] = ["import", "erasure", "retraction"];

/// A row of the records view, as far as this pass reads it.
struct Row {
    id: String,
    current: u64,
    retracted: bool,
}

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
    fn of(parsed: Parsed) -> Unresolved {
        let times = time_fields(&parsed);
        let zone = parsed.get("tz").and_then(Value::as_str).and_then(parse_zone);
        let id = parsed.id().to_string();
        let kind = parsed.record_type().name();
        let mut body = parsed.into_body();
        // Held as the record's `id` and `kind`, not twice.
        body.remove("id");
        body.remove("type");
        Unresolved { id, kind, body: body.into(), times, zone }
    }
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
    known.tx.scan_records(&mut |row| {
        if !NOT_READ.contains(&row.record_type.as_str()) {
            rows.push(Row { id: row.id, current: row.current, retracted: row.retracted.is_some() });
        }
        Ok(())
    })?;
    // A record's known version is its current one when that was appended before the boundary
    // and no retraction is in force: a retraction stays on the row until a later version
    // reinstates the record, so none can have withdrawn it before the boundary either.
    let mut wanted: Vec<(u64, usize)> = Vec::new();
    let mut slots: Vec<Option<(u64, Unresolved)>> = Vec::with_capacity(rows.len());
    for (position, row) in rows.iter().enumerate() {
        if !row.retracted && row.current < known.boundary {
            wanted.push((row.current, position));
        }
        slots.push(None);
    }
    wanted.sort_unstable();
    for (position, idx, parsed) in parse_in_pass(known, beside, &wanted)? {
        slots[position] = Some((idx, parsed));
    }
    for (slot, row) in slots.iter_mut().zip(&rows) {
        if slot.is_none()
            && let Some((idx, body)) = known.lookup(&row.id)?
        {
            *slot = Some((idx, Unresolved::of(record_of(idx, (*body).clone())?)));
        }
    }
    drop(rows);
    let parsed: Vec<(u64, Unresolved)> = slots.into_iter().flatten().collect();
    let zones = Zones::of(&parsed);
    // Personal values (a birth date for an age, names for the register) in clear, where they are
    // still kept; rules cite ids, never these values. Only records that can hold them have any,
    // and the kept values are read in one ordered pass too.
    let mut holding: Vec<(u64, usize)> = (parsed.iter().enumerate())
        .filter(|(_, (_, record))| {
            matches!(record.kind, "person" | "relation") || record.body.contains_key("personal")
        })
        .map(|(position, (idx, _))| (*idx, position))
        .collect();
    holding.sort_unstable();
    let mut kept: Vec<Option<Vec<u8>>> = vec![None; parsed.len()];
    if !holding.is_empty() {
        known.tx.scan_kept(&mut |idx, data| {
            if let Ok(found) = holding.binary_search_by_key(&idx, |&(i, _)| i) {
                kept[holding[found].1] = Some(data);
            }
            Ok(())
        })?;
    }
    Ok(in_parts(parsed.into_iter().zip(kept).collect(), &|((idx, parsed), kept)| {
        (idx, for_rules(parsed, kept, &zones))
    }))
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
) -> Result<Vec<(usize, u64, Unresolved)>> {
    let Some(mut beside) = beside else { return parse_range(known.tx, wanted) };
    let (mine, theirs) = wanted.split_at(wanted.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(move || -> Result<Vec<(usize, u64, Unresolved)>> {
            let tx = beside.read()?;
            parse_range(&*tx, theirs)
        });
        let mut parsed = parse_range(known.tx, mine);
        let others = other.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        if let Ok(parsed) = &mut parsed {
            parsed.extend(others?);
        }
        parsed
    })
}

/// Reads the log from the first wanted leaf to the last and parses the wanted ones.
fn parse_range(tx: &dyn LogRead, wanted: &[(u64, usize)]) -> Result<Vec<(usize, u64, Unresolved)>> {
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
            let record = record_of(idx, parse_leaf(idx, &leaf.bytes)?)?;
            parsed.push((position, idx, Unresolved::of(record)));
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

/// A record as the rules read it: times resolved, kept personal values put back.
fn for_rules(record: Unresolved, kept: Option<Vec<u8>>, zones: &Zones) -> Record {
    let Unresolved { id, kind, mut body, times, zone } = record;
    let times = resolve_fields(times, zone.as_ref(), zones);
    if let Some(values) = kept.and_then(|data| decode_kept(&data).ok()) {
        for value in values {
            body.insert(value.field, Field::from(value.value));
        }
    }
    Record {
        id,
        kind,
        unzoned: times.iter().filter(|t| t.flagged).map(|t| t.path.clone()).collect(),
        times: times.into_iter().map(|t| (t.path, t.interval)).collect(),
        body,
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
    fn of(records: &[(u64, Unresolved)]) -> Zones {
        let mut zones = Zones { tz: FxHashMap::default(), court: FxHashMap::default() };
        for (_, record) in records {
            if let Some(zone) = &record.zone {
                zones.tz.insert(record.id.clone(), zone.clone());
            }
            if let Some(court) = record.body.get("court").and_then(Field::as_str) {
                zones.court.insert(record.id.clone(), court.to_string());
            }
        }
        zones
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
    fn parts_mapped_on_workers_come_back_in_order() {
        for n in [0usize, 1, 2, 3, 7, 1000] {
            let items: Vec<usize> = (0..n).collect();
            let mapped = in_parts(items, &|i| i * 10);
            assert_eq!(mapped, (0..n).map(|i| i * 10).collect::<Vec<_>>(), "{n} items");
        }
    }
}
