//! Custody timelines: where a person or cohort was, when, held by whom, on what authority, as the
//! ledger knew it at any moment.
//!
//! [`Ledger::timeline`] gathers what concerns a subject, reading every record as known at the
//! requested moment ([`KnownAt`]):
//! - for a person, the persons joined to it by `same_as` (and not separated again by a later
//!   `distinct` on two of the same ids) share one timeline;
//! - events on a cohort reach its members, and events on a cohort it is `part_of` reach it (137
//!   within 238 within 261), unless they carry a `count` smaller than that cohort's: those concern
//!   only some of it, so for a member or a smaller cohort they are listed as `possible`, not placed;
//! - each event's time is resolved in its place's zone (a flight leg's in its airports'), and a
//!   custody event naming a flight without a time takes it from the flight.
//!
//! `derive.rs` turns the events into segments. `--as-of` (valid time) keeps the events up to that
//! instant and leaves the last segment open; `--known-at` (system time) reads the log as it stood.

pub mod derive;

use std::collections::{BTreeSet, HashSet};
use std::rc::Rc;

use habeas_model::Interval;
use habeas_model::time::parse_zone;
use habeas_model::zone::{ZoneLookup, resolve_times};
use habeas_rules::Id;
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

pub use derive::{Event, Leg, Segment, State, World};

use crate::error::{Result, StoreError};
use crate::ledger::Ledger;
use crate::views::{KnownAt, catch_up};

/// A subject's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timeline {
    pub subject: String,
    /// `person` or `cohort`.
    pub kind: String,
    pub segments: Vec<Segment>,
    /// Events that could not be placed: no time of their own, none from a flight.
    pub undated: Vec<String>,
    /// Events on a cohort that concern only some of it (`count`): they may concern the subject.
    pub possible: Vec<String>,
    /// Other person ids joined to the subject by `same_as`.
    pub joined: Vec<String>,
    /// Cohorts whose events reached the subject.
    pub cohorts: Vec<String>,
    /// For display: the name of each place, org and flight, and the title of each source, that
    /// the segments mention (as known at the moment).
    pub names: std::collections::BTreeMap<String, String>,
    /// The time zone of each place the segments mention.
    pub zones: std::collections::BTreeMap<String, String>,
    /// The sources of each record the segments rest on.
    pub sources: std::collections::BTreeMap<String, Vec<String>>,
}

/// When to read the ledger and the world.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Moment {
    /// Valid time: the timeline as it stood then (events after it left out).
    pub as_of: Option<Timestamp>,
    /// System time: what the ledger held then.
    pub known_at: Option<Timestamp>,
}

/// A string field of a record.
pub(crate) fn str_field<'m>(record: &'m Map<String, Value>, field: &str) -> Option<&'m str> {
    record.get(field).and_then(Value::as_str)
}

/// A field holding one id or a list of them, as a list.
pub(crate) fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// As [`strings`], as ids.
fn ids(value: Option<&Value>) -> Vec<Id> {
    strings(value).into_iter().map(Id::from).collect()
}

fn record_type(record: &Map<String, Value>) -> &str {
    str_field(record, "type").unwrap_or("")
}

/// Zones and states of places and orgs, as known at the moment.
pub(crate) struct Known<'k, 'a>(pub(crate) &'k KnownAt<'a>);

impl Known<'_, '_> {
    fn field(&self, id: &str, field: &str) -> Option<String> {
        self.0.record(id).ok().flatten().and_then(|(_, r)| str_field(&r, field).map(str::to_string))
    }
}

impl ZoneLookup for Known<'_, '_> {
    fn place_zone(&self, place: &str) -> Option<TimeZone> {
        self.field(place, "tz").and_then(|z| parse_zone(&z))
    }
    fn org_zone(&self, org: &str) -> Option<TimeZone> {
        self.field(org, "tz").and_then(|z| parse_zone(&z))
    }
    fn court_of(&self, id: &str) -> Option<String> {
        self.field(id, "court")
    }
}

impl World for Known<'_, '_> {
    fn place_country(&self, place: &str) -> Option<Id> {
        self.field(place, "country").map(Id::from)
    }

    fn org_state(&self, org: &str) -> Option<Id> {
        let mut current = org.to_string();
        for _ in 0..16 {
            let (_, record) = self.0.record(&current).ok().flatten()?;
            let kind = str_field(&record, "kind").unwrap_or("");
            if matches!(kind, "government" | "agency" | "court")
                && let Some(country) = str_field(&record, "country")
            {
                return Some(Id::from(country));
            }
            current = str_field(&record, "parent")?.to_string();
        }
        None
    }
}

/// The time at `path` among a record's resolved times.
fn time_at(times: &[habeas_model::zone::ResolvedTime], path: &str) -> Option<Interval> {
    times.iter().find(|t| t.path == path).map(|t| t.interval)
}

impl Ledger {
    /// Brings the derived views up to date with the log, if a write has left them behind.
    pub fn catch_up_views(&mut self) -> Result<()> {
        let behind = !crate::views::current(&*self.backend().read()?)?;
        if behind {
            let mut tx = self.backend().write()?;
            catch_up(&mut *tx)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// The digest of each derived view, brought up to date first.
    pub fn view_digests(&mut self) -> Result<std::collections::BTreeMap<String, String>> {
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        crate::views::VIEWS.iter().map(|v| Ok((v.to_string(), crate::views::digest(&*tx, v)?))).collect()
    }

    /// Empties and recomputes every derived view from the log; returns the new digests.
    pub fn rebuild_views(&mut self) -> Result<std::collections::BTreeMap<String, String>> {
        let mut tx = self.backend().write()?;
        crate::views::rebuild(&mut *tx)?;
        tx.commit()?;
        self.view_digests()
    }

    /// The timeline of a person or cohort, or `None` if the ledger (then) has no such subject.
    ///
    /// The views are checked in the read that derives it: when they are up to date (as on a
    /// server between imports) that is one transaction, not two (on PostgreSQL, two round trips
    /// fewer for each person's page).
    pub fn timeline(&mut self, subject: &str, moment: Moment) -> Result<Option<Timeline>> {
        let mut caught_up = false;
        loop {
            let tx = self.backend().read()?;
            if caught_up || crate::views::current(&*tx)? {
                let known = KnownAt::then(&*tx, moment.known_at)?;
                known.read_ahead_for(&[subject])?;
                return timeline(&known, subject, moment.as_of, true);
            }
            drop(tx);
            self.catch_up_views()?;
            caught_up = true;
        }
    }
}

/// The timeline of `subject` as `known`; with `details`, the names, zones and sources a reader
/// needs to show it (left empty for callers that only count).
pub(crate) fn timeline(
    known: &KnownAt<'_>,
    subject: &str,
    as_of: Option<Timestamp>,
    details: bool,
) -> Result<Option<Timeline>> {
    let Some((_, record)) = known.record(subject)? else { return Ok(None) };
    let kind = record_type(&record).to_string();
    if kind != "person" && kind != "cohort" {
        return Err(StoreError::Conflict {
            constraint: format!("{subject} is a {kind}, not a person or cohort"),
        });
    }
    let identity = if kind == "person" { joined(known, subject)? } else { vec![subject.to_string()] };

    // Cohorts reaching the subject: those it is a member of (or itself), and their ancestors.
    let mut cohorts: Vec<String> = Vec::new();
    if kind == "cohort" {
        cohorts.push(subject.to_string());
    } else {
        for id in &identity {
            for (_, r) in known.mentioning(id)?.iter() {
                if record_type(r) == "cohort" && strings(r.get("members")).contains(id) {
                    cohorts.extend(str_field(r, "id").map(str::to_string));
                }
            }
        }
    }
    let mut i = 0;
    while i < cohorts.len() {
        if let Some((_, r)) = known.record(&cohorts[i])? {
            for parent in strings(r.get("part_of")) {
                if !cohorts.contains(&parent) {
                    cohorts.push(parent);
                }
            }
        }
        i += 1;
    }

    // Custody events on any of them.
    let world = Known(known);
    let mut events: Vec<Event> = Vec::new();
    let mut possible = Vec::new();
    let mut seen = HashSet::new();
    let reaching: Vec<(String, bool)> = identity
        .iter()
        .map(|id| (id.clone(), false))
        .chain(cohorts.iter().map(|c| (c.clone(), true)))
        .collect();
    for (id, is_cohort) in &reaching {
        for (idx, r) in known.mentioning(id)?.iter() {
            if record_type(r) != "custody" || !strings(r.get("subject").or(r.get("subjects"))).contains(id) {
                continue;
            }
            let Some(record_id) = str_field(r, "id").map(str::to_string) else { continue };
            if !seen.insert(record_id.clone()) {
                continue;
            }
            let count = r.get("count").and_then(Value::as_u64);
            if *is_cohort && id != subject {
                let cohort_count =
                    known.record(id)?.and_then(|(_, c)| c.get("count").and_then(Value::as_u64));
                if matches!((count, cohort_count), (Some(n), Some(total)) if n < total) {
                    possible.push(record_id);
                    continue;
                }
            }
            events.push(event_of(
                known,
                &world,
                *idx,
                r,
                is_cohort.then(|| id.clone()).filter(|c| c != subject),
            )?);
        }
    }
    if let Some(as_of) = as_of {
        events.retain(|e| e.time().is_none_or(|t| t.earliest <= as_of));
    }
    let (mut segments, undated) = derive::derive(&events, &world);
    if let Some(as_of) = as_of
        && let Some(last) = segments.last_mut()
        && last.until.is_some_and(|u| u.earliest > as_of)
    {
        last.until = None;
    }
    let joined = identity.into_iter().filter(|id| id != subject).collect();
    cohorts.retain(|c| c != subject);
    let mut names = std::collections::BTreeMap::new();
    let mut zones = std::collections::BTreeMap::new();
    let mut sources = std::collections::BTreeMap::new();
    if details {
        // What the details name, read ahead in a few calls rather than one lookup each.
        let named: Vec<&str> = segments
            .iter()
            .flat_map(|s| s.place.iter().chain(&s.to).chain(&s.custodian).chain(&s.flight).chain(&s.records))
            .map(|id| id.as_str())
            .collect();
        known.gather_records(&named)?;
        let mut cited = Vec::new();
        for record in segments.iter().flat_map(|s| &s.records) {
            if let Some((_, r)) = known.record(record)? {
                cited.extend(strings(r.get("sources")));
            }
        }
        known.gather_records(&cited.iter().map(String::as_str).collect::<Vec<_>>())?;
    }
    for segment in segments.iter().filter(|_| details) {
        for id in segment.place.iter().chain(&segment.to).chain(&segment.custodian).chain(&segment.flight) {
            if let Some((_, r)) = known.record(id)? {
                let name =
                    str_field(&r, "name").or(str_field(&r, "number")).or(str_field(&r, "tail")).unwrap_or(id);
                names.insert(id.to_string(), name.to_string());
                if let Some(tz) = str_field(&r, "tz") {
                    zones.insert(id.to_string(), tz.to_string());
                }
            }
        }
        for record in &segment.records {
            if let Some((_, r)) = known.record(record)? {
                let cited = strings(r.get("sources"));
                for source in &cited {
                    if let Some((_, s)) = known.record(source)? {
                        names.insert(source.clone(), str_field(&s, "title").unwrap_or(source).to_string());
                    }
                }
                sources.insert(record.to_string(), cited);
            }
        }
    }
    Ok(Some(Timeline {
        subject: subject.to_string(),
        kind,
        segments,
        undated: undated.iter().map(Id::to_string).collect(),
        possible,
        joined,
        cohorts,
        names,
        zones,
        sources,
    }))
}

/// The times of a record from the log, each resolved in its zone.
pub(crate) fn times_of(
    idx: u64,
    body: &Map<String, Value>,
    world: &Known<'_, '_>,
) -> Result<Vec<habeas_model::zone::ResolvedTime>> {
    Ok(resolve_times(&record_of(idx, body.clone())?, world))
}

/// A leaf's JSON object as a record of the format (validated when it was imported).
pub(crate) fn record_of(idx: u64, body: Map<String, Value>) -> Result<habeas_model::Record> {
    habeas_model::from_log(body)
        .ok_or_else(|| StoreError::Backend(format!("leaf {idx} is not a record; run `habeas verify`")))
}

/// A custody record as a derivation [`Event`], its times resolved in their zones.
fn event_of(
    known: &KnownAt<'_>,
    world: &Known<'_, '_>,
    idx: u64,
    r: &Rc<Map<String, Value>>,
    via: Option<String>,
) -> Result<Event> {
    let times = times_of(idx, r, world)?;
    let flight = match str_field(r, "flight") {
        None => None,
        Some(flight_id) => {
            let legs = match known.record(flight_id)? {
                None => Vec::new(),
                Some((fidx, f)) => {
                    let times = times_of(fidx, &f, world)?;
                    f.get("legs")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, leg)| Leg {
                            from: leg.get("from").and_then(Value::as_str).unwrap_or("").into(),
                            to: leg.get("to").and_then(Value::as_str).unwrap_or("").into(),
                            departed: time_at(&times, &format!("legs[{i}].departed")),
                            arrived: time_at(&times, &format!("legs[{i}].arrived")),
                        })
                        .collect()
                }
            };
            Some((Id::from(flight_id), legs))
        }
    };
    Ok(Event {
        id: str_field(r, "id").unwrap_or("").into(),
        idx,
        event: str_field(r, "event").unwrap_or("").into(),
        at: time_at(&times, "at"),
        place: str_field(r, "place").map(Id::from),
        to: str_field(r, "to").map(Id::from),
        custodian: str_field(r, "custodian").map(Id::from),
        basis: ids(r.get("basis")),
        flight,
        count: r.get("count").and_then(Value::as_u64),
        via: via.map(Id::from),
    })
}

/// The person ids joined to `subject` by `same_as`, itself first. A later `distinct` that names
/// two of a `same_as`'s ids undoes that `same_as`.
fn joined(known: &KnownAt<'_>, subject: &str) -> Result<Vec<String>> {
    let mut links: Vec<(u64, String, Vec<String>)> = Vec::new();
    let mut seen_records = HashSet::new();
    let mut queue = vec![subject.to_string()];
    let mut visited: BTreeSet<String> = BTreeSet::new();
    while let Some(id) = queue.pop() {
        if !visited.insert(id.clone()) {
            continue;
        }
        for (idx, r) in known.mentioning(&id)?.iter() {
            let t = record_type(r);
            if t != "same_as" && t != "distinct" {
                continue;
            }
            let record_id = str_field(r, "id").unwrap_or("").to_string();
            if seen_records.insert(record_id) {
                let ids = strings(r.get("ids"));
                if t == "same_as" {
                    queue.extend(ids.iter().cloned());
                }
                links.push((*idx, t.to_string(), ids));
            }
        }
    }
    links.sort_by_key(|(idx, _, _)| *idx);
    let mut active: Vec<Vec<String>> = Vec::new();
    for (_, kind, ids) in links {
        if kind == "same_as" {
            active.push(ids);
        } else {
            active.retain(|same| same.iter().filter(|id| ids.contains(id)).count() < 2);
        }
    }
    let mut group = vec![subject.to_string()];
    let mut i = 0;
    while i < group.len() {
        for same in &active {
            if same.contains(&group[i]) {
                for id in same {
                    if !group.contains(id) {
                        group.push(id.clone());
                    }
                }
            }
        }
        i += 1;
    }
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ingest::ImportOptions;
    use crate::ingest::in_memory::Text;
    use crate::ledger::{Ledger, Location};
    use habeas_ledger::Signer;

    /// A timeline with its names, zones and sources is the same whether what it reads was read
    /// ahead ([`KnownAt::read_ahead_for`], for the subject alone or for every subject at once)
    /// or looked up one record at a time: on the example case, with its cohorts, flights and
    /// sources, and the illustrative people of the server, at several moments.
    #[test]
    fn timelines_read_ahead_are_those_looked_up_one_record_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::from_seed("habeas.local/timeline.db", [7; 32]).unwrap();
        let location = Location::Sqlite(dir.path().join("timeline.db"));
        let mut ledger = Ledger::create(&location, &signer.verifier()).unwrap();
        for (at, text) in [
            ("2025-03-20T00:00:00Z", include_str!("../../../../examples/cecot-2025.jsonl")),
            ("2025-08-01T00:00:00Z", include_str!("../../../../examples/server/people.jsonl")),
        ] {
            let options = ImportOptions { keep_going: false, by: "tester".into(), at: at.into() };
            let report = ledger.import(&mut Text(text), &options, &signer).unwrap();
            assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        }
        ledger.catch_up_views().unwrap();
        let tx = ledger.backend().read().unwrap();
        let mut subjects = Vec::new();
        tx.scan_records(&mut |row| {
            if row.record_type == "person" || row.record_type == "cohort" {
                subjects.push(row.id);
            }
            Ok(())
        })
        .unwrap();
        let subjects: Vec<&str> = subjects.iter().map(String::as_str).collect();
        let mut compared = 0;
        for known_at in [None, Some("2025-05-01T00:00:00Z".parse().unwrap())] {
            for as_of in [None, Some("2025-03-16T00:00:00Z".parse().unwrap())] {
                let everyone = KnownAt::then(&*tx, known_at).unwrap();
                everyone.read_ahead_for(&subjects).unwrap();
                for subject in &subjects {
                    let looked_up =
                        timeline(&KnownAt::then(&*tx, known_at).unwrap(), subject, as_of, true).unwrap();
                    let alone = KnownAt::then(&*tx, known_at).unwrap();
                    alone.read_ahead_for(&[subject]).unwrap();
                    assert_eq!(timeline(&alone, subject, as_of, true).unwrap(), looked_up, "{subject}");
                    assert_eq!(timeline(&everyone, subject, as_of, true).unwrap(), looked_up, "{subject}");
                    compared +=
                        looked_up.is_some_and(|t| !t.sources.is_empty() && !t.names.is_empty()) as usize;
                }
            }
        }
        assert!(compared > 20, "too few timelines with names and sources: {compared}");
    }
}
