//! The ledger as the rules read it, and `habeas check`'s run.
//!
//! [`Ledger::case`] gathers every record known at the moment asked (its current version, each time
//! resolved to UTC in its zone) and the timeline of every subject that custody records name
//! directly, as of the valid time asked; [`Ledger::check`] hands that to `habeas_rules::check`.
//! Members of a cohort are not judged one by one: an act on a cohort is one finding on it.

use std::collections::HashSet;

use habeas_rules::{Case, Field, Id, Policy, Report, Stretch};
use jiff::Timestamp;

use crate::backend::Backend;
use crate::error::Result;
use crate::ledger::Ledger;
use crate::timeline::derive::derive;
use crate::timeline::{Event, Leg, Moment, Segment, World, timeline};
use crate::views::KnownAt;

mod read;
use read::read_records;

/// Whether the case holds each record's top-level `sources`. No rule reads them (a place's
/// `risks[].sources` are read, and always held); only the text output of `habeas check`, which
/// shows the titles behind each finding's records, does. At 7.8 million records they are about
/// 60 bytes a record, half a gigabyte (docs/benchmarks.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sources {
    Held,
    Left,
}

pub(crate) fn case_of(
    known: &KnownAt<'_>,
    beside: Option<Box<dyn Backend>>,
    as_of: Option<Timestamp>,
    sources: Sources,
) -> Result<Case> {
    let read = read_records(known, beside, sources)?;
    // The leaf index of each record's version, by its position in the case (ids are unique in
    // the records view, so each record read takes a position of its own).
    let mut leaf_of: Vec<u64> = Vec::with_capacity(read.len());
    let mut records = Vec::with_capacity(read.len());
    read.into_each(|idx, record| {
        leaf_of.push(idx);
        records.push(record);
    });
    let mut case = Case::from_records(records);

    // Persons joined or separated by `same_as`/`distinct`: their timelines take the long way.
    let linked: HashSet<Id> =
        case.of_type("same_as").chain(case.of_type("distinct")).flat_map(|r| r.strings("ids")).collect();
    // Plain persons' timelines come from the records in memory, on worker threads; the others
    // (cohorts, their members, persons joined by `same_as`) are read from the store.
    // Each subject that custody records name, found among the records filed by subject (a set
    // of them gathered as the records were handed over had been a second or two at 7.8M
    // records, on one core).
    let mut subjects: Vec<Id> = case.custody_subjects().cloned().collect();
    subjects.sort_unstable();
    let (plain, others): (Vec<Id>, Vec<Id>) = subjects.into_iter().partition(|subject| {
        case.record(subject).is_some_and(|r| r.kind == "person")
            && !linked.contains(subject)
            && case.cohorts_of(subject).is_empty()
    });
    let derived = read::in_parts(plain, &|subject| {
        let (segments, events) = own_timeline(&case, &subject, &leaf_of, as_of);
        // A segment rests on the subject's own events (found among them, not looked up by id
        // among all records) and on the flights they name.
        let position = |id: &Id| match events.iter().find(|(event, _)| event == id) {
            Some(&(_, at)) => Some(at),
            None => case.position_of(id),
        };
        (subject, stretches(segments, position))
    });
    // In id order, as derived: built in bulk, not inserted one by one.
    case.timelines = derived.into_iter().collect();
    for subject in others {
        if let Some(found) = timeline(known, &subject, as_of, false)? {
            let found = stretches(found.segments, |id| case.position_of(id));
            case.timelines.insert(subject, found);
        }
    }
    Ok(case)
}

/// A timeline's segments as the rules read them, in a list of their own size: collected in place,
/// a million persons' stretches had each kept the larger list of segments they came from, with the
/// room it had grown into. The records behind each are cited by their positions in the case
/// (`position`); every one is there, since the case holds every record known then.
fn stretches(segments: Vec<Segment>, position: impl Fn(&Id) -> Option<u32>) -> Vec<Stretch> {
    let mut out = Vec::with_capacity(segments.len());
    out.extend(segments.into_iter().map(|s| Stretch {
        from: s.from,
        until: s.until,
        state: s.state.name(),
        place: s.place,
        to: s.to,
        custodian: s.custodian,
        basis: sized(s.basis),
        removed: s.removed,
        flight: s.flight,
        records: {
            let mut records = Vec::with_capacity(s.records.len());
            records.extend(s.records.iter().filter_map(&position));
            records
        },
    }));
    out
}

/// Ids in a list of their own size (not the larger one they were pushed into).
fn sized(mut ids: Vec<Id>) -> Vec<Id> {
    ids.shrink_to_fit();
    ids
}

/// Places' countries and orgs' states, read from the records already in memory.
struct CaseWorld<'c>(&'c Case);

impl World for CaseWorld<'_> {
    fn place_country(&self, place: &str) -> Option<Id> {
        self.0.place_country(place).map(Id::from)
    }

    fn org_state(&self, org: &str) -> Option<Id> {
        self.0.org_state(org).map(Id::from)
    }
}

/// The timeline of a person whose events are all their own (no cohort lists them, no `same_as`
/// joins them): derived from the records in memory, as [`timeline`] would from the store, without
/// a query per person.
fn own_timeline(
    case: &Case,
    subject: &str,
    leaf_of: &[u64],
    as_of: Option<Timestamp>,
) -> (Vec<Segment>, Vec<(Id, u32)>) {
    let mut positions: Vec<(Id, u32)> = Vec::new();
    let mut events: Vec<Event> = case
        .naming_at(subject, "custody")
        .map(|(at, r)| {
            let flight = r.str("flight").map(|id| {
                let legs = case
                    .record(id)
                    .map(|f| {
                        let legs = f.body.get("legs").and_then(|l| l.as_array()).unwrap_or_default();
                        legs.iter()
                            .enumerate()
                            .map(|(i, leg)| Leg {
                                from: leg.get("from").and_then(Field::to_id).unwrap_or_default(),
                                to: leg.get("to").and_then(Field::to_id).unwrap_or_default(),
                                departed: f.time(&format!("legs[{i}].departed")),
                                arrived: f.time(&format!("legs[{i}].arrived")),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (Id::from(id), legs)
            });
            positions.push((r.id.clone(), u32::try_from(at).unwrap_or(u32::MAX)));
            Event {
                id: r.id.clone(),
                idx: leaf_of.get(at).copied().unwrap_or(0),
                event: r.body.get("event").and_then(Field::to_id).unwrap_or_default(),
                at: r.time("at"),
                place: r.body.get("place").and_then(Field::to_id),
                to: r.body.get("to").and_then(Field::to_id),
                custodian: r.body.get("custodian").and_then(Field::to_id),
                basis: r.strings("basis"),
                flight,
                count: r.body.get("count").and_then(|c| c.as_u64()),
                via: None,
            }
        })
        .collect();
    if let Some(as_of) = as_of {
        events.retain(|e| e.time().is_none_or(|t| t.earliest <= as_of));
    }
    let (mut segments, _) = derive(&events, &CaseWorld(case));
    if let Some(as_of) = as_of
        && let Some(last) = segments.last_mut()
        && last.until.is_some_and(|u| u.earliest > as_of)
    {
        last.until = None;
    }
    (segments, positions)
}

impl Ledger {
    /// The records and timelines the rules read, as known at `moment`, with or without each
    /// record's `sources`.
    pub fn case(&mut self, moment: Moment, sources: Sources) -> Result<Case> {
        self.catch_up_views()?;
        // Every page is read once, so both connections read through a memory map, where the
        // operating system caches the file, instead of copying each page into a page cache
        // of their own (as `verify` does). A second connection reads half of the log on another
        // thread.
        self.backend().map_for_reading()?;
        self.backend().read_ahead();
        let beside = match self.backend().another() {
            Some(mut beside) => beside.map_for_reading().map(|()| Some(beside))?,
            None => None,
        };
        let tx = self.backend().read()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        case_of(&known, beside, moment.as_of, sources)
    }

    /// Runs the rules (all, or those in `only`) as of `moment.as_of` (default: now).
    pub fn check(&mut self, policy: &Policy, only: &[String], moment: Moment) -> Result<Report> {
        let as_of = moment.as_of.unwrap_or_else(Timestamp::now);
        let case = self.case(Moment { as_of: Some(as_of), ..moment }, Sources::Left)?;
        Ok(habeas_rules::check(&case, policy, only, as_of))
    }
}
