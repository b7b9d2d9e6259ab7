//! Every record the rules read, in one ordered pass over the log.
//!
//! Reading a million records one id at a time (a keyed lookup in the records view, then one in the
//! log) had been a third of `habeas check`'s time. Here the records view is read once, in id
//! order, and for each record whose known version is its current one (nearly all of them) the
//! leaf is taken as the log is read in index order: a slice of leaves at a time, by two threads
//! on two connections, parsed as it is read, straight from the leaf's text into compact fields
//! ([`Fields::read_setting_aside`]). The second thread starts on the log while the first reads
//! the records view ([`read_records`]). The personal values a rule reads are put back on worker
//! threads; the others stay committed.
//!
//! A record retracted now, or changed since the moment asked (`--known-at`), takes the long way
//! ([`KnownAt::lookup`]), which walks its versions and retractions.
//!
//! A time's zone can come from another record (a custody event is read in its place's zone, a
//! ruling in its court's), so the few records that lend zones (places, orgs, orders and
//! petitions: the only types a zone hint can name, references being typed) are read first, by
//! id, into [`Zones`], which answers as [`crate::timeline::Known`] does, from the same versions.
//! Then each record of the pass is parsed and its times resolved on the thread that read it, from
//! the few members that hold them or give them a zone, looked for only where a date needs one
//! ([`times_in_utc`]), not from the whole record as serde_json would hold it. (Gathering every record
//! first and resolving its times once all zones were known had held a million sets of unresolved
//! times and copied the records twice more.) A record parsed before the zones are read, whose
//! times need one, waits for them ([`LateZones`]); one timed by instants needs none.

use habeas_model::RecordType;
use habeas_model::personal::{decode_kept, kept_value_texts};
use habeas_model::time::{Interval, parse_zone};
use habeas_model::zone::{ZoneLookup, instant_at_alone, times_in_utc};
use habeas_rules::field::field_of_text;
use habeas_rules::{Field, Fields, Id, Record};
use jiff::tz::TimeZone;
use rustc_hash::FxHashMap;
use serde_json::{Map, Value};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use super::Sources;
use crate::backend::{Backend, LogRead};
use crate::error::{Result, StoreError};
use crate::views::KnownAt;

/// Record types the rules never read.
const NOT_READ: [&str; 3] = ["import", "erasure", "retraction"];

/// The record types whose records lend other records a zone ([`ZoneHint`](habeas_model::zone::ZoneHint)):
/// places and orgs their `tz`, orders and petitions their `court`.
const LEND_ZONES: [&str; 4] = ["place", "org", "order", "petition"];

/// A leaf's record, read from its bytes straight into compact fields, its times in UTC; its
/// `sources` set aside and let go unless `Held`.
fn record_of_leaf(idx: u64, bytes: &[u8], zones: &dyn ZoneLookup, sources: Sources) -> Result<Record> {
    let read = match sources {
        Sources::Held => Fields::read_setting_aside(bytes, ["id", "type", "at"]),
        Sources::Left => Fields::read_setting_aside(bytes, ["id", "type", "at", "sources"])
            .map(|([id, kind, at, _], body)| ([id, kind, at], body)),
    };
    match read {
        Ok(([id, kind, at], body)) => record_of(idx, id, kind, at, body, zones),
        Err(_) => Err(not_a_record(idx)),
    }
}

/// A record already parsed (a version found by [`KnownAt::lookup`]), its times in UTC.
fn record_of_map(
    idx: u64,
    mut body: Map<String, Value>,
    zones: &dyn ZoneLookup,
    sources: Sources,
) -> Result<Record> {
    if sources == Sources::Left {
        body.remove("sources");
    }
    let (id, kind) = (body.remove("id").map(Field::from), body.remove("type").map(Field::from));
    record_of(idx, id, kind, None, Fields::from(body), zones)
}

/// A record as the rules read it, from its fields with its `id` and `type` set apart, its times
/// in UTC ([`times_in`]); its kept personal values are put back later ([`put_back_kept`]).
///
/// `at`, when set apart as well, goes back among the fields unless it was written as an instant
/// or a date and is now held as a time: rules read a time from [`Record::time`], never from its
/// text, and the text (25 bytes and a heap string for an instant with its offset) is most of a
/// custody event's members; at 7.8M records, 6M events' `at` had been about half a gigabyte,
/// and on this machine memory held is time (docs/benchmarks.md). A window (`{earliest,
/// latest}`) stays, for `time-integrity` to read; so does every `at` of a record that lists
/// fields as personal, whose times are read again once its values are back ([`put_back_kept`]).
fn record_of(
    idx: u64,
    id: Option<Field>,
    kind: Option<Field>,
    at: Option<Field>,
    mut body: Fields,
    zones: &dyn ZoneLookup,
) -> Result<Record> {
    let (Some(Field::String(id)), Some(t)) =
        (id, kind.as_ref().and_then(Field::as_str).and_then(RecordType::parse))
    else {
        return Err(not_a_record(idx));
    };
    // A commitment is read by no rule: its value, if still kept and read, is put back over it
    // ([`put_back_kept`]); else the field is absent for the rules (as_str, as_array: none), as
    // an empty object is. A person's committed names and identifiers had been about two hundred
    // bytes a person, held for nothing.
    for value in body.values_mut() {
        if is_commitment(value) {
            *value = Field::Object(Fields::default());
        }
    }
    let (times, unzoned) = times_in(t, &body, at.as_ref(), zones);
    if let Some(at) = at {
        let held = matches!(at, Field::String(_)) && times.iter().any(|(path, _)| path == "at");
        if !held || body.contains_key("personal") {
            body.insert("at".to_string(), at);
        }
    }
    Ok(Record { id, kind: t.name(), body, times, unzoned })
}

/// Whether a member holds a commitment (`{"commit": "..."}`) in place of a personal value.
fn is_commitment(value: &Field) -> bool {
    value.as_object().is_some_and(|o| o.len() == 1 && o.get("commit").and_then(Field::as_str).is_some())
}

/// A record's times by path in UTC, and the paths of those read in UTC for want of a zone
/// ([`Record::times`], [`Record::unzoned`]).
type InUtc = (Box<[(Id, Interval)]>, Box<[Id]>);

/// The times of a record of type `t` in UTC, read from the few members that hold them or give
/// them a zone, each taken as JSON alone ([`times_in_utc`]; a custody event timed to the minute:
/// `at` alone).
fn times_in(t: RecordType, body: &Fields, at: Option<&Field>, zones: &dyn ZoneLookup) -> InUtc {
    // Most records read are custody events timed by an instant with its offset: read it alone.
    if let Some(text) = at.and_then(Field::as_str)
        && let Some(interval) = instant_at_alone(t, text, |name| body.contains_key(name))
    {
        return (Box::new([(Id::from("at"), interval)]), Box::default());
    }
    let member = |name: &str| if name == "at" { at.or_else(|| body.get(name)) } else { body.get(name) };
    let times = times_in_utc(t, |name| member(name).map(Field::to_json), zones);
    let unzoned = times.iter().filter(|t| t.flagged).map(|t| Id::from(t.path.as_str())).collect();
    (times.into_iter().map(|t| (Id::from(t.path), t.interval)).collect(), unzoned)
}

fn not_a_record(idx: u64) -> StoreError {
    StoreError::Backend(format!("leaf {idx} is not a record; run `habeas verify`"))
}

/// A record read: its position in id order, the index of its version, the record.
type Placed = (usize, u64, Record);

/// The records read, in the lists their readers made (each half of the log, and the records that
/// took the long way), and where each record of the id order lies in them. Records are moved
/// from here to where they are kept ([`Read::into_each`]), not gathered into one list first: at
/// 7.8M records every such list is a gigabyte of fresh pages for the kernel to clear.
pub(crate) struct Read {
    lists: Vec<Vec<Placed>>,
    /// `(list, offset)` of each record, in id order.
    order: Vec<(u32, u32)>,
}

impl Read {
    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Hands over every record with the index of its version, in id order.
    pub(crate) fn into_each(mut self, mut visit: impl FnMut(u64, Record)) {
        for (list, at) in std::mem::take(&mut self.order) {
            let (_, idx, record) = std::mem::replace(&mut self.lists[list as usize][at as usize], taken());
            visit(idx, record);
        }
    }
}

/// What is left where a record was moved out: nothing allocated.
fn taken() -> Placed {
    let record = Record {
        id: Default::default(),
        kind: "",
        body: Fields::default(),
        times: Box::default(),
        unzoned: Box::default(),
    };
    (0, 0, record)
}

/// The records known at `known`'s boundary that the rules read, each with the index of its
/// version, in id order; times in UTC; the personal values a rule reads in clear where they are
/// still kept ([`put_back_kept`]).
///
/// `beside`, another connection to the ledger, reads the log on a second thread from the start,
/// while this one reads the records view: that view says which versions are wanted and which
/// records lend zones, and had kept the second core idle for its 2 to 4 seconds at 7.8M records.
/// Until it is read, the second thread parses every leaf it reaches (a version not wanted is let
/// go once the view says so), and a record whose times need a zone waits for the zones
/// ([`LateZones`]); both threads then take the rest of the log a slice at a time ([`Slices`]),
/// parsing only the versions wanted.
pub(crate) fn read_records(
    known: &KnownAt<'_>,
    beside: Option<Box<dyn Backend>>,
    sources: Sources,
) -> Result<Read> {
    let ready: OnceLock<Ready> = OnceLock::new();
    let slices = Slices::new(known.boundary);
    let (view, parsed) = std::thread::scope(|scope| -> Result<(View, Vec<Parsed>)> {
        let other = beside.map(|mut beside| {
            let (ready, slices) = (&ready, &slices);
            scope.spawn(move || -> Result<Parsed> {
                let tx = beside.read()?;
                parse_slices(&*tx, slices, ready, sources)
            })
        });
        let view = {
            // Whatever happens here, the other thread is let go (a record waiting for zones
            // would otherwise wait for ever).
            let _release = Release(&ready);
            match read_view(known) {
                Ok((view, wanted, zones)) => {
                    let _ = ready.set(Ready { wanted, zones });
                    view
                }
                Err(e) => {
                    slices.stop();
                    return Err(e);
                }
            }
        };
        let mine = parse_slices(known.tx, &slices, &ready, sources);
        if mine.is_err() {
            // The run fails: the other thread need not read on.
            slices.stop();
        }
        let theirs = other.map(|other| other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        Ok((view, [Some(mine), theirs].into_iter().flatten().collect::<Result<Vec<Parsed>>>()?))
    })?;
    let Some(Ready { wanted, zones }) = ready.into_inner() else {
        return Err(StoreError::Backend("the records view was not read".into()));
    };
    let mut lists: Vec<Vec<Placed>> = Vec::new();
    for parsed in parsed {
        // A leaf that is not a record fails the check only if its version is wanted (a leaf
        // parsed before the view was read may be any leaf).
        if let Some(&idx) = parsed.failed.iter().find(|&&idx| wanted.position(idx).is_some()) {
            return Err(not_a_record(idx));
        }
        lists.extend(parsed.lists);
    }
    const NOWHERE: (u32, u32) = (u32::MAX, u32::MAX);
    let mut order: Vec<(u32, u32)> = vec![NOWHERE; view.rows];
    for (list, placed) in lists.iter_mut().enumerate() {
        for (at, (position, idx, _)) in placed.iter_mut().enumerate() {
            if let Some(wanted_at) = wanted.position(*idx) {
                *position = wanted_at;
                order[wanted_at] = (list as u32, at as u32);
            }
        }
    }
    drop(wanted);
    let mut long_way: Vec<Placed> = Vec::new();
    for (position, id) in view.long_way_ids {
        if let Some((idx, body)) = known.lookup(&id)? {
            order[position] = (lists.len() as u32, long_way.len() as u32);
            long_way.push((position, idx, record_of_map(idx, (*body).clone(), &zones, sources)?));
        }
    }
    lists.push(long_way);
    order.retain(|&place| place != NOWHERE);
    put_back_kept(known, &mut lists, &zones)?;
    Ok(Read { lists, order })
}

/// What the records view says, beside the versions wanted and the zones: how many records it
/// lists that the rules read, and those that take the long way, by their position in id order.
struct View {
    rows: usize,
    long_way_ids: Vec<(usize, String)>,
}

/// Reads the records view, then the zones of the records that lend them.
fn read_view(known: &KnownAt<'_>) -> Result<(View, Wanted, Zones)> {
    // Only what this pass needs of each row: the version wanted, or the id of a record that
    // takes the long way. A record's known version is its current one when that was appended
    // before the boundary and no retraction is in force: a retraction stays on the row until a
    // later version reinstates the record, so none can have withdrawn it before the boundary
    // either. (Each row's id, type and digest copied had been a tenth of the pass.)
    //
    // Each wanted version is noted by its leaf's index, with the record's position in id order
    // ([`Wanted`]): filled in the records view's order, read in the log's, with no sort between
    // (a list of (leaf, position) pairs, grown by doubling and sorted by leaf, had been about
    // 0.3 s at 7.8M records, on one core).
    let mut rows = 0;
    let mut wanted = Wanted { position_of: vec![UNWANTED; to_usize(known.boundary)] };
    let mut long_way_ids: Vec<(usize, String)> = Vec::new();
    let mut lenders: Vec<String> = Vec::new();
    known.tx.scan_record_heads(&mut |row| {
        if LEND_ZONES.contains(&row.record_type) {
            lenders.push(row.id.to_string());
        }
        if !NOT_READ.contains(&row.record_type) {
            if row.retracted.is_none() && row.current < known.boundary {
                let position = u32::try_from(rows)
                    .ok()
                    .filter(|&position| position != UNWANTED)
                    .ok_or_else(|| StoreError::Backend("more than 4 billion records to read".into()))?;
                if let Some(slot) = wanted.position_of.get_mut(to_usize(row.current)) {
                    *slot = position;
                }
            } else {
                long_way_ids.push((rows, row.id.to_string()));
            }
            rows += 1;
        }
        Ok(())
    })?;
    let zones = Zones::read(known, &lenders)?;
    Ok((View { rows, long_way_ids }, wanted, zones))
}

/// What the records view gives the threads reading the log: the versions wanted, and the zones.
struct Ready {
    wanted: Wanted,
    zones: Zones,
}

/// Sets an empty [`Ready`] when dropped before the view was read (an error or a panic there), so
/// that no thread waits for it.
struct Release<'r>(&'r OnceLock<Ready>);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let nothing = || Ready {
            wanted: Wanted { position_of: Vec::new() },
            zones: Zones { tz: FxHashMap::default(), court: FxHashMap::default() },
        };
        let _ = self.0.set(nothing());
    }
}

/// The zones, once the records view is read: a record whose times need a zone waits for them.
/// A record timed by instants asks for none, and is read at once.
struct LateZones<'r>(&'r OnceLock<Ready>);

impl ZoneLookup for LateZones<'_> {
    fn place_zone(&self, place: &str) -> Option<TimeZone> {
        self.0.wait().zones.place_zone(place)
    }
    fn org_zone(&self, org: &str) -> Option<TimeZone> {
        self.0.wait().zones.org_zone(org)
    }
    fn court_of(&self, id: &str) -> Option<String> {
        self.0.wait().zones.court_of(id)
    }
}

/// The log below the boundary, handed out a slice of leaves at a time to whichever thread asks.
struct Slices {
    next: AtomicU64,
    end: u64,
}

/// Leaves in a slice: enough that a slice's statement costs nothing, few enough that the two
/// threads end together.
const SLICE: u64 = 1 << 16;

impl Slices {
    fn new(end: u64) -> Slices {
        Slices { next: AtomicU64::new(0), end }
    }

    fn next(&self) -> Option<std::ops::Range<u64>> {
        let start = self.next.fetch_add(SLICE, Ordering::Relaxed);
        (start < self.end).then(|| start..(start + SLICE).min(self.end))
    }

    /// Hands out nothing more.
    fn stop(&self) {
        self.next.store(self.end, Ordering::Relaxed);
    }
}

/// What one thread parsed: a list per slice, each record with the index of its version (its
/// position in id order set once the view is read), and the leaves that were not records.
#[derive(Default)]
struct Parsed {
    lists: Vec<Vec<Placed>>,
    failed: Vec<u64>,
}

/// Reads and parses slices of the log until none is left: every leaf until the records view is
/// read, then only the versions wanted.
fn parse_slices(
    tx: &dyn LogRead,
    slices: &Slices,
    ready: &OnceLock<Ready>,
    sources: Sources,
) -> Result<Parsed> {
    let zones = LateZones(ready);
    let mut parsed = Parsed::default();
    while let Some(leaves) = slices.next() {
        let mut list = Vec::with_capacity(to_usize(leaves.end - leaves.start));
        tx.scan_leaves(leaves.start, leaves.end, &mut |leaf| {
            if let Some(ready) = ready.get()
                && ready.wanted.position(leaf.idx).is_none()
            {
                return Ok(());
            }
            match record_of_leaf(leaf.idx, leaf.bytes, &zones, sources) {
                Ok(record) => list.push((usize::MAX, leaf.idx, record)),
                Err(_) => parsed.failed.push(leaf.idx),
            }
            Ok(())
        })?;
        parsed.lists.push(list);
    }
    Ok(parsed)
}

/// The personal values of a person that a rule reads: a birth date, for an age. Its names and
/// identifiers stay committed: a rule asks only whether a person has names, never what they are,
/// and a finding cites ids (a million persons' names had been a tenth of the case, held for
/// nothing). Relations are read by no rule.
const PERSON_VALUES_READ: [&str; 1] = ["born"];

/// Puts the kept personal values the rules read back into their records, where they are still
/// kept: a person's birth date ([`PERSON_VALUES_READ`]), and every field a record lists as
/// personal (`"personal": [...]`), which may be any field a rule reads, and then reads that
/// record's times again. The kept values are read in one ordered pass, and put back by a thread
/// per core, each over a share of the lists of records.
fn put_back_kept(
    known: &KnownAt<'_>,
    lists: &mut [Vec<Placed>],
    zones: &(dyn ZoneLookup + Sync),
) -> Result<()> {
    // (leaf index, list, offset) of each record that may have kept values.
    let mut holding: Vec<(u64, usize, usize)> = Vec::new();
    for (list, placed) in lists.iter().enumerate() {
        for (at, (position, idx, record)) in placed.iter().enumerate() {
            // A version parsed before the records view was read, and not wanted, has no position.
            if *position != usize::MAX && (record.kind == "person" || record.body.contains_key("personal")) {
                holding.push((*idx, list, at));
            }
        }
    }
    if holding.is_empty() {
        return Ok(());
    }
    holding.sort_unstable();
    let mut kept: Vec<Vec<(usize, Vec<u8>)>> = vec![Vec::new(); lists.len()];
    known.tx.scan_kept(&mut |idx, data| {
        if let Ok(found) = holding.binary_search_by_key(&idx, |&(i, _, _)| i) {
            let (_, list, at) = holding[found];
            kept[list].push((at, data));
        }
        Ok(())
    })?;
    let per_thread = lists.len().div_ceil(workers()).max(1);
    let mut kept = kept.into_iter();
    std::thread::scope(|scope| {
        for group in lists.chunks_mut(per_thread) {
            let kept: Vec<_> = kept.by_ref().take(group.len()).collect();
            scope.spawn(move || {
                for (placed, kept) in group.iter_mut().zip(kept) {
                    for (at, data) in kept {
                        let record = &mut placed[at].2;
                        let all = record.body.contains_key("personal");
                        for (field, value) in values_read(&data, all) {
                            record.body.insert(field, value);
                        }
                        if all {
                            read_times_again(record, zones);
                        }
                    }
                }
            });
        }
    });
    Ok(())
}

/// The kept values a rule reads (`all`, or those of [`PERSON_VALUES_READ`]), each parsed alone
/// from its text: a person's names and identifiers are neither parsed nor their salts decoded.
/// Kept bytes that cannot be read put nothing back (`verify` names what is wrong with them).
fn values_read(data: &[u8], all: bool) -> Vec<(String, Field)> {
    let read = |field: &str| all || PERSON_VALUES_READ.contains(&field);
    match kept_value_texts(data) {
        Some(texts) => texts
            .into_iter()
            .filter(|(field, _)| read(field))
            .filter_map(|(field, text)| Some((field.to_string(), field_of_text(text).ok()?)))
            .collect(),
        None => decode_kept(data)
            .unwrap_or_default()
            .into_iter()
            .filter(|value| read(&value.field))
            .map(|value| (value.field, Field::from(value.value)))
            .collect(),
    }
}

/// The versions a pass reads: for each leaf below the boundary, by its index, the position in id
/// order of the record whose known version it holds, or [`UNWANTED`].
struct Wanted {
    position_of: Vec<u32>,
}

/// A leaf no record's known version lies in.
const UNWANTED: u32 = u32::MAX;

/// A leaf index as an index into memory (a ledger larger than memory could not be read anyway).
fn to_usize(idx: u64) -> usize {
    usize::try_from(idx).unwrap_or(usize::MAX)
}

impl Wanted {
    /// The position in id order of the record whose known version leaf `idx` holds.
    fn position(&self, idx: u64) -> Option<usize> {
        match self.position_of.get(to_usize(idx)) {
            Some(&position) if position != UNWANTED => Some(position as usize),
            _ => None,
        }
    }
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

/// Reads a record's times again, once the personal values it lists are back in clear: a field it
/// lists (`"personal": ["at"]`, or the `place` whose zone its dates are read in) had been read as
/// a commitment.
fn read_times_again(record: &mut Record, zones: &dyn ZoneLookup) {
    let Some(t) = RecordType::parse(record.kind) else { return };
    (record.times, record.unzoned) = times_in(t, &record.body, None, zones);
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
            // A `tz` or `court` the record lists as personal comes opened from its kept value
            // ([`crate::views::open_listed`]).
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

    /// A new ledger in `dir`, and the key that signs its imports.
    fn new_ledger(dir: &std::path::Path) -> (Ledger, Signer) {
        let signer = Signer::from_seed("habeas.local/read.db", [7; 32]).unwrap();
        let location = Location::Sqlite(dir.join("read.db"));
        (Ledger::create(&location, &signer.verifier()).unwrap(), signer)
    }

    /// Imports `text` as run at `at`, every record accepted.
    fn import(ledger: &mut Ledger, signer: &Signer, at: &str, text: &'static str) {
        let options = ImportOptions { keep_going: false, by: "tester".into(), at: at.into() };
        let report = ledger.import(&mut Text(text), &options, signer).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
    }

    /// Every record the rules read, as known at `known_at` (now if `None`), on one connection,
    /// with their sources.
    fn records_read(ledger: &mut Ledger, known_at: Option<&str>) -> Vec<Record> {
        records_read_with(ledger, known_at, Sources::Held)
    }

    fn records_read_with(ledger: &mut Ledger, known_at: Option<&str>, sources: Sources) -> Vec<Record> {
        ledger.catch_up_views().unwrap();
        let tx = ledger.backend().read().unwrap();
        let known = KnownAt::then(&*tx, known_at.map(|t| t.parse().unwrap())).unwrap();
        let mut records = Vec::new();
        read_records(&known, None, sources).unwrap().into_each(|_, record| records.push(record));
        records
    }

    #[test]
    fn records_read_without_their_sources_are_those_read_with_them_less_their_sources() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ledger, signer) = new_ledger(dir.path());
        let example = include_str!("../../../../examples/cecot-2025.jsonl");
        import(&mut ledger, &signer, "2025-12-01T00:00:00Z", example);
        // A record retracted now takes the long way (its versions walked), as does every record
        // changed since the moment asked: both ways must leave the sources out alike.
        import(
            &mut ledger,
            &signer,
            "2025-12-02T00:00:00Z",
            r#"{"type":"retraction","id":"r-gone","target":"src-nyt-flights","reason":"wrong"}
{"type":"place","id":"pl-cecot","name":"CECOT","kind":"facility","country":"SV","tz":"America/El_Salvador","capacity":40000,"sources":["src-ohchr"]}"#,
        );
        for known_at in [None, Some("2025-12-01T12:00:00Z")] {
            let held = records_read_with(&mut ledger, known_at, Sources::Held);
            let left = records_read_with(&mut ledger, known_at, Sources::Left);
            assert_eq!(held.len(), left.len());
            let mut citing = 0;
            for (held, left) in held.into_iter().zip(left) {
                assert!(left.body.get("sources").is_none(), "{}: {:?}", left.id, left.body);
                let mut held_body = held.body.to_json();
                citing += usize::from(held_body.remove("sources").is_some());
                assert_eq!(held_body, left.body.to_json(), "{}", held.id);
                let rest = |r: &Record| format!("{} {} {:?} {:?}", r.id, r.kind, r.times, r.unzoned);
                assert_eq!(rest(&held), rest(&left));
            }
            assert!(citing > 50, "the example's records cite their sources: {citing}");
        }
    }

    /// The example case, then a day later a retraction, a new version of a place that lends its
    /// zone, and a custody event dated in that place's zone.
    fn example_changed_later(dir: &std::path::Path) -> Ledger {
        let (mut ledger, signer) = new_ledger(dir);
        let example = include_str!("../../../../examples/cecot-2025.jsonl");
        import(&mut ledger, &signer, "2025-12-01T00:00:00Z", example);
        import(
            &mut ledger,
            &signer,
            "2025-12-02T00:00:00Z",
            r#"{"type":"retraction","id":"r-gone","target":"src-nyt-flights","reason":"wrong"}
{"type":"place","id":"pl-cecot","name":"CECOT","kind":"facility","country":"SV","tz":"America/El_Salvador","capacity":40000,"sources":["src-ohchr"]}
{"type":"custody","id":"c-late","subject":"coh-sv-23","event":"transferred","at":"2025-06-01","place":"pl-cecot","sources":["src-ohchr"]}"#,
        );
        ledger
    }

    #[test]
    fn one_connection_reads_what_two_read() {
        // A backend with no second connection reads the view, then the whole log, on one thread;
        // with a second, that one starts on the log at once, parsing versions that may turn out
        // not to be wanted and waiting for zones where a date needs one. The records, their leaf
        // indexes and their order must be the same either way, whichever thread reads what
        // (hence a few rounds), as known now and before the later import.
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = example_changed_later(dir.path());
        ledger.catch_up_views().unwrap();
        let shown = |read: Read| -> Vec<String> {
            let mut shown = Vec::new();
            read.into_each(|idx, record| shown.push(format!("{idx} {record:?}")));
            shown
        };
        for known_at in [None, Some("2025-12-01T12:00:00Z")] {
            let moment = known_at.map(|t| t.parse().unwrap());
            for _ in 0..8 {
                let beside = ledger.backend().another();
                assert!(beside.is_some(), "SQLite gives a second connection");
                let tx = ledger.backend().read().unwrap();
                let known = KnownAt::then(&*tx, moment).unwrap();
                let alone = shown(read_records(&known, None, Sources::Held).unwrap());
                let two = shown(read_records(&known, beside, Sources::Held).unwrap());
                assert!(alone.len() > 100, "the example case has its records: {}", alone.len());
                assert_eq!(alone, two, "known at {known_at:?}");
                let late = alone.iter().any(|r| r.contains("c-late"));
                assert_eq!(late, known_at.is_none(), "the later import is read only when known");
            }
        }
    }

    #[test]
    fn a_thread_ahead_of_the_records_view_parses_every_leaf_and_waits_for_zones_where_a_date_needs_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = example_changed_later(dir.path());
        ledger.catch_up_views().unwrap();
        let mut beside = ledger.backend().another().unwrap();
        let tx = ledger.backend().read().unwrap();
        let known = KnownAt::then(&*tx, None).unwrap();
        let (view, wanted, zones) = read_view(&known).unwrap();
        let ready: OnceLock<Ready> = OnceLock::new();
        let slices = Slices::new(known.boundary);
        std::thread::scope(|scope| {
            let (slices, ready_ahead) = (&slices, &ready);
            let ahead = scope.spawn(move || {
                let tx = beside.read().unwrap();
                parse_slices(&*tx, slices, ready_ahead, Sources::Held).unwrap()
            });
            // The example's dated records need the zones, so the thread cannot finish without
            // them; it is let go once they are set.
            std::thread::sleep(std::time::Duration::from_millis(50));
            assert!(!ahead.is_finished(), "a date waits for its zone");
            let _ = ready.set(Ready { wanted, zones });
            let parsed = ahead.join().unwrap();
            let ready = ready.get().unwrap();
            let placed: Vec<&Placed> = parsed.lists.iter().flatten().collect();
            let wanted_read =
                placed.iter().filter(|(_, idx, _)| ready.wanted.position(*idx).is_some()).count();
            assert_eq!(wanted_read + view.long_way_ids.len(), view.rows, "every record is read once");
            // Parsed ahead of the view: the place's first version, which is no longer wanted.
            let cecot: Vec<u64> =
                placed.iter().filter(|(_, _, r)| r.id == "pl-cecot").map(|(_, idx, _)| *idx).collect();
            assert_eq!(cecot.len(), 2, "both versions of pl-cecot: {cecot:?}");
            assert_eq!(cecot.iter().filter(|&&idx| ready.wanted.position(idx).is_some()).count(), 1);
            // An import's leaf is not a record the rules read; parsed or not, it is never wanted.
            assert!(parsed.failed.iter().all(|&idx| ready.wanted.position(idx).is_none()));
            // The dated event waited for its place's zone: 2025-06-01 in El Salvador (UTC-6).
            let late = placed.iter().find(|(_, _, r)| r.id == "c-late").map(|(_, _, r)| r.time("at"));
            let expected = Interval {
                earliest: "2025-06-01T06:00:00Z".parse().unwrap(),
                latest: "2025-06-02T05:59:59.999999999Z".parse().unwrap(),
            };
            assert_eq!(late, Some(Some(expected)));
        });
    }

    #[test]
    fn record_heads_are_the_records_view_rows_without_their_digests() {
        let dir = tempfile::tempdir().unwrap();
        let (mut ledger, signer) = new_ledger(dir.path());
        import(
            &mut ledger,
            &signer,
            "2025-12-01T00:00:00Z",
            include_str!("../../../../examples/cecot-2025.jsonl"),
        );
        import(
            &mut ledger,
            &signer,
            "2025-12-02T00:00:00Z",
            r#"{"type":"retraction","id":"r-heads","target":"src-nyt-flights","reason":"wrong"}"#,
        );
        ledger.catch_up_views().unwrap();
        let tx = ledger.backend().read().unwrap();
        let (mut rows, mut heads) = (Vec::new(), Vec::new());
        tx.scan_records(&mut |r| {
            rows.push((r.id, r.record_type, r.current, r.retracted));
            Ok(())
        })
        .unwrap();
        tx.scan_record_heads(&mut |h| {
            heads.push((h.id.to_string(), h.record_type.to_string(), h.current, h.retracted));
            Ok(())
        })
        .unwrap();
        assert!(rows.len() > 100 && rows.iter().any(|r| r.3.is_some()), "a retracted record among them");
        assert_eq!(heads, rows);
    }

    #[test]
    fn a_date_is_read_in_its_place_zone_as_known_then() {
        // The place's zone changes in a second import: a check as known before it reads the
        // custody date in the first zone, one after it in the second, and a retracted place
        // lends no zone at all (the date is read in UTC and flagged).
        let dir = tempfile::tempdir().unwrap();
        let (mut ledger, signer) = new_ledger(dir.path());
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
            let records = records_read(ledger, known_at);
            let event = records.iter().find(|r| r.id == "e").unwrap();
            (event.time("at").unwrap().earliest.to_string(), event.unzoned.iter().map(String::from).collect())
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
    fn a_field_listed_as_personal_is_put_back_before_its_times_are_read() {
        // The custody event keeps its place beside the log; the rules read the place, and the
        // event's date is read in the place's zone, as for an event that does not hide it.
        let dir = tempfile::tempdir().unwrap();
        let (mut ledger, signer) = new_ledger(dir.path());
        import(
            &mut ledger,
            &signer,
            "2025-12-01T00:00:00Z",
            r#"{"type":"place","id":"pl","name":"Holding","kind":"facility","country":"US","tz":"America/Chicago"}
{"type":"person","id":"p","name":"P","born":"1990-05-01"}
{"type":"custody","id":"e","subject":"p","event":"booked_in","at":"2025-03-16","place":"pl","personal":["place"]}
{"type":"custody","id":"f","subject":"p","event":"transferred","at":{"earliest":"2025-03-18","latest":"2025-03-19"},"place":"pl","to":"pl","personal":["at","to"]}
{"type":"place","id":"hidden","name":"Safe house","kind":"facility","country":"US","tz":"America/New_York","personal":["tz"]}
{"type":"custody","id":"g","subject":"p","event":"booked_in","at":"2025-03-21","place":"hidden"}"#,
        );
        let records = records_read(&mut ledger, None);
        let record = |id: &str| records.iter().find(|r| r.id == id).unwrap();
        let (e, f) = (record("e"), record("f"));
        assert_eq!(e.str("place"), Some("pl"));
        assert_eq!(e.time("at").map(|t| t.earliest.to_string()), Some("2025-03-16T05:00:00Z".into()));
        assert!(e.unzoned.is_empty(), "the date is read in the place's zone: {:?}", e.unzoned);
        assert_eq!(f.str("to"), Some("pl"));
        let at = f.time("at").unwrap();
        assert_eq!(
            (at.earliest.to_string(), at.latest.to_string()),
            ("2025-03-18T05:00:00Z".to_string(), "2025-03-20T04:59:59.999999999Z".to_string())
        );
        let g = record("g");
        assert_eq!(g.time("at").map(|t| t.earliest.to_string()), Some("2025-03-21T04:00:00Z".into()));
        assert!(g.unzoned.is_empty(), "read in the zone the place keeps beside the log");
        assert_eq!(record("p").str("born"), Some("1990-05-01"), "a person's birth date");
        // Names stay committed, and only their presence is held: not the commitment's text.
        assert_eq!(record("p").body.get("names"), Some(&Field::Object(Fields::default())));

        // Erased, the values are absent for the rules: no place, and no time at all for `f`.
        for id in ["e", "f"] {
            ledger.erase(id, "asked by the family", "tester", "2025-12-02T00:00:00Z", &signer).unwrap();
        }
        let records = records_read(&mut ledger, None);
        let record = |id: &str| records.iter().find(|r| r.id == id).unwrap();
        assert_eq!((record("e").str("place"), record("f").str("to")), (None, None));
        assert!(record("f").time("at").is_none(), "{:?}", record("f").times);
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
