//! Facility occupancy over time, beside the capacity in force then.
//!
//! Two kinds of evidence make the series, each kept apart and named by its `kind`:
//! - **`population` records** (a count someone published or obtained: `daily`, `midnight`,
//!   `peak`, or `unspecified` when the record does not say), each on the local day of its `at`
//!   (the earliest instant of it, in the place's zone);
//! - **`timelines`**: the subjects the ledger places in custody there at the end of each local
//!   day (its last instant). Every subject with a custody event at or to the place is
//!   followed through its timeline. A cohort counts as its size (the event's `count`, else the
//!   cohort's); a cohort inside another held there at that instant (137 within 238) is not
//!   counted again, nor is a person inside a cohort held there. Uncertain times give two numbers:
//!   `count`, the subjects certainly there, and `possible`, those that may be.
//!
//! A timeline count is a floor: the people the ledger records, never the whole population. The
//! capacity in force on each day comes from the place's `capacity` (a number, or steps with
//! `from` and `until`), so a day over capacity can be read off the series.
//!
//! `Moment` reads the ledger as [`Ledger::timeline`] does: `as_of` ends the series that day,
//! `known_at` reads the log as it stood.

use std::collections::{BTreeMap, HashMap, HashSet};

use habeas_model::Interval;
use habeas_model::time::{day_end, local_day, parse_zone};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use crate::error::{Result, StoreError};
use crate::ledger::Ledger;
use crate::timeline::{Known, Moment, State, Timeline, str_field, strings, timeline, times_of};
use crate::views::KnownAt;

/// A capacity in force over a period (open ends: always).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capacity {
    pub count: u64,
    pub from: Option<Interval>,
    pub until: Option<Interval>,
    pub sources: Vec<String>,
}

impl Capacity {
    /// Whether the capacity is in force at `at` (from its latest start to its earliest end).
    fn in_force(&self, at: Timestamp) -> bool {
        self.from.is_none_or(|f| f.latest <= at) && self.until.is_none_or(|u| at < u.earliest)
    }
}

/// One count on one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayCount {
    /// The local day in the place's zone.
    pub day: Date,
    pub count: u64,
    /// `timelines`, or the population record's `kind`.
    pub kind: String,
    /// For `timelines`: how many may have been there, when uncertain times make it more.
    pub possible: Option<u64>,
    /// The capacity in force at the end of that day.
    pub capacity: Option<u64>,
    /// The population record (none for `timelines`: [`Occupancy::subjects`] says who).
    pub records: Vec<String>,
}

/// Occupancy of one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occupancy {
    pub place: String,
    pub name: String,
    pub zone: String,
    pub capacity: Vec<Capacity>,
    pub series: Vec<DayCount>,
    /// The subjects counted on at least one day of the `timelines` series, sorted.
    pub subjects: Vec<String>,
}

/// A first or last day: a calendar day of the place, or the day an instant falls on there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    Day(Date),
    At(Timestamp),
}

impl Bound {
    fn day(self, zone: &TimeZone) -> Date {
        match self {
            Bound::Day(day) => day,
            Bound::At(at) => local_day(at, zone),
        }
    }
}

/// Which days to show, both ends included; by default from the first evidence to the last (or
/// to today while someone is still held).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Days {
    pub from: Option<Bound>,
    pub to: Option<Bound>,
}

/// The capacity steps of a place record, their times resolved in the place's zone.
fn capacity_of(place: &Map<String, Value>, world: &Known<'_, '_>, idx: u64) -> Result<Vec<Capacity>> {
    match place.get("capacity") {
        Some(Value::Number(n)) => Ok(n
            .as_u64()
            .map(|count| Capacity { count, from: None, until: None, sources: Vec::new() })
            .into_iter()
            .collect()),
        Some(Value::Array(steps)) => {
            let times = times_of(idx, place, world)?;
            let time = |path: String| times.iter().find(|t| t.path == path).map(|t| t.interval);
            Ok(steps
                .iter()
                .enumerate()
                .filter_map(|(i, step)| {
                    Some(Capacity {
                        count: step.get("count")?.as_u64()?,
                        from: time(format!("capacity[{i}].from")),
                        until: time(format!("capacity[{i}].until")),
                        sources: strings(step.get("sources")),
                    })
                })
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// A subject's stays at the place, and what it is counted as.
struct Stays {
    subject: String,
    /// Cohorts the subject is inside (for a person, those it is a member of and theirs).
    inside: Vec<String>,
    stays: Vec<(Interval, Option<Interval>, Option<u64>)>,
    size: u64,
}

impl Stays {
    /// How many the subject counts for at `at`: `(certain, possible)` presence.
    fn at(&self, at: Timestamp) -> (Option<u64>, Option<u64>) {
        let mut certain = None;
        let mut possible = None;
        for (from, until, count) in &self.stays {
            let n = count.unwrap_or(self.size);
            if from.latest <= at && until.is_none_or(|u| at < u.earliest) {
                certain = Some(n);
            }
            if from.earliest <= at && until.is_none_or(|u| at < u.latest) {
                possible = Some(n);
            }
        }
        (certain, possible)
    }
}

/// Counts the subjects present at an instant, each once: a subject inside a cohort that is
/// present too is left out (137 within 238, a member within its cohort).
struct Counter<'s> {
    all: &'s [Stays],
    /// Subjects that other subjects can be inside: only they need looking up.
    containers: Vec<usize>,
    certain: HashSet<&'s str>,
    possible: HashSet<&'s str>,
    /// Which subjects were counted (certainly) at some instant.
    counted: Vec<bool>,
}

impl<'s> Counter<'s> {
    fn new(all: &'s [Stays]) -> Counter<'s> {
        let inside: HashSet<&str> = all.iter().flat_map(|s| s.inside.iter().map(String::as_str)).collect();
        let containers = (0..all.len()).filter(|&i| inside.contains(all[i].subject.as_str())).collect();
        Counter {
            all,
            containers,
            certain: HashSet::new(),
            possible: HashSet::new(),
            counted: vec![false; all.len()],
        }
    }

    /// How many are certainly there at `at`, and how many may be.
    fn at(&mut self, at: Timestamp) -> (u64, u64) {
        self.certain.clear();
        self.possible.clear();
        for &i in &self.containers {
            let stays = &self.all[i];
            let (certain, possible) = stays.at(at);
            if certain.is_some() {
                self.certain.insert(&stays.subject);
            }
            if possible.is_some() {
                self.possible.insert(&stays.subject);
            }
        }
        let (mut count, mut upper) = (0, 0);
        for (i, stays) in self.all.iter().enumerate() {
            let (certain, possible) = stays.at(at);
            if let Some(n) = certain
                && !stays.inside.iter().any(|c| self.certain.contains(c.as_str()))
            {
                count += n;
                self.counted[i] = true;
            }
            if let Some(n) = possible
                && !stays.inside.iter().any(|c| self.possible.contains(c.as_str()))
            {
                upper += n;
            }
        }
        (count, upper)
    }

    /// The subjects counted at some instant, sorted.
    fn counted(&self) -> Vec<String> {
        let mut out: Vec<String> =
            self.all.iter().zip(&self.counted).filter(|(_, c)| **c).map(|(s, _)| s.subject.clone()).collect();
        out.sort();
        out
    }
}

impl Ledger {
    /// The occupancy of `place` over `days`, as the ledger knew it at `moment`; `None` if the
    /// ledger (then) has no such place.
    pub fn occupancy(&mut self, place: &str, days: Days, moment: Moment) -> Result<Option<Occupancy>> {
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        let world = Known(&known);
        let Some((place_idx, record)) = known.record(place)? else { return Ok(None) };
        if str_field(&record, "type") != Some("place") {
            return Err(StoreError::Conflict {
                constraint: format!(
                    "{place} is a {}, not a place",
                    str_field(&record, "type").unwrap_or("?")
                ),
            });
        }
        let zone_name = str_field(&record, "tz").unwrap_or("UTC").to_string();
        let zone = parse_zone(&zone_name).unwrap_or(TimeZone::UTC);
        let capacity = capacity_of(&record, &world, place_idx)?;

        // Population records, and the subjects of custody events there.
        let mut counts: Vec<DayCount> = Vec::new();
        let mut subjects: Vec<String> = Vec::new();
        let mut listed: HashSet<String> = HashSet::new();
        // Not through the cache: a busy facility is mentioned by every event there.
        for (idx, r) in known.find_mentioning(place)? {
            match str_field(&r, "type") {
                Some("population") if str_field(&r, "place") == Some(place) => {
                    let times = times_of(idx, &r, &world)?;
                    let (Some(at), Some(count)) = (
                        times.iter().find(|t| t.path == "at").map(|t| t.interval),
                        r.get("count").and_then(Value::as_u64),
                    ) else {
                        continue;
                    };
                    if moment.as_of.is_some_and(|as_of| at.earliest > as_of) {
                        continue;
                    }
                    counts.push(DayCount {
                        day: local_day(at.earliest, &zone),
                        count,
                        kind: str_field(&r, "kind").unwrap_or("unspecified").to_string(),
                        possible: None,
                        capacity: None,
                        records: strings(r.get("id")),
                    });
                }
                Some("custody") => {
                    for subject in strings(r.get("subject").or(r.get("subjects"))) {
                        if listed.insert(subject.clone()) {
                            subjects.push(subject);
                        }
                    }
                }
                _ => {}
            }
        }

        // Each subject's stays there, once per person however many ids `same_as` joins.
        let mut all_stays: Vec<Stays> = Vec::new();
        let mut done: HashSet<String> = HashSet::new();
        for subject in subjects {
            if done.contains(&subject) {
                continue;
            }
            let Some(t): Option<Timeline> = timeline(&known, &subject, moment.as_of, false)? else {
                continue;
            };
            done.extend(t.joined.iter().cloned());
            done.insert(subject.clone());
            let stays: Vec<_> = t
                .segments
                .iter()
                .filter(|s| s.state == State::InCustody && s.place.as_deref() == Some(place))
                .map(|s| (s.from, s.until, s.count))
                .collect();
            if stays.is_empty() {
                continue;
            }
            let size = if t.kind == "cohort" {
                known.record(&subject)?.and_then(|(_, c)| c.get("count").and_then(Value::as_u64)).unwrap_or(1)
            } else {
                1
            };
            all_stays.push(Stays { subject, inside: t.cohorts, stays, size });
        }

        // The days to show.
        let last_evidence = all_stays
            .iter()
            .flat_map(|s| &s.stays)
            .map(|(from, until, _)| match until {
                Some(u) => u.latest,
                None => moment.as_of.unwrap_or_else(Timestamp::now).max(from.latest),
            })
            .max();
        let first_evidence = all_stays.iter().flat_map(|s| &s.stays).map(|(from, _, _)| from.earliest).min();
        let first = match days.from {
            Some(bound) => Some(bound.day(&zone)),
            None => first_evidence
                .map(|t| local_day(t, &zone))
                .into_iter()
                .chain(counts.iter().map(|c| c.day))
                .min(),
        };
        let mut last = match days.to {
            Some(bound) => Some(bound.day(&zone)),
            None => last_evidence
                .map(|t| local_day(t, &zone))
                .into_iter()
                .chain(counts.iter().map(|c| c.day))
                .max(),
        };
        // Days that have not come yet have no count: the series ends today, or at `as_of`
        // (`--to 9999-12-31` had asked for three million days).
        let today = local_day(moment.as_of.unwrap_or_else(jiff::Timestamp::now), &zone);
        last = last.map(|l| l.min(today));
        counts.retain(|c| first.is_some_and(|f| c.day >= f) && last.is_some_and(|l| c.day <= l));

        let mut series = counts;
        let mut counter = Counter::new(&all_stays);
        if let (Some(first), Some(last), false) = (first, last, all_stays.is_empty()) {
            let mut day = first;
            while day <= last {
                let (count, upper) = counter.at(day_end(day, &zone));
                series.push(DayCount {
                    day,
                    count,
                    kind: "timelines".to_string(),
                    possible: (upper > count).then_some(upper),
                    capacity: None,
                    records: Vec::new(),
                });
                match day.tomorrow() {
                    Ok(next) => day = next,
                    Err(_) => break, // the last day there is
                }
            }
        }
        let kind_order: HashMap<&str, u8> =
            [("timelines", 0), ("midnight", 1), ("daily", 2), ("peak", 3)].into_iter().collect();
        series.sort_by(|a, b| {
            (a.day, kind_order.get(a.kind.as_str()).unwrap_or(&9), &a.records).cmp(&(
                b.day,
                kind_order.get(b.kind.as_str()).unwrap_or(&9),
                &b.records,
            ))
        });
        for entry in &mut series {
            let at = day_end(entry.day, &zone);
            entry.capacity = capacity.iter().find(|c| c.in_force(at)).map(|c| c.count);
        }
        let name = str_field(&record, "name").unwrap_or(place).to_string();
        let subjects = counter.counted();
        Ok(Some(Occupancy { place: place.to_string(), name, zone: zone_name, capacity, series, subjects }))
    }

    /// Places whose name, aliases, codes or surroundings match `text`, best first: the place's id,
    /// name and score. Surroundings are the names of the places it lies `within`, and its
    /// country code.
    pub fn find_places(
        &mut self,
        text: &str,
        moment: Moment,
        limit: usize,
    ) -> Result<Vec<(String, String, f64)>> {
        use habeas_names::places::{Place, PlaceIndex};
        let tx = self.backend().read()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        let mut ids = Vec::new();
        tx.scan_records(&mut |row| {
            if row.record_type == "place" {
                ids.push(row.id);
            }
            Ok(())
        })?;
        let mut index = PlaceIndex::new();
        let mut names: BTreeMap<u32, String> = BTreeMap::new();
        for id in ids {
            let Some((_, r)) = known.record(&id)? else { continue };
            let name = str_field(&r, "name").unwrap_or(&id).to_string();
            let mut place = Place::new(&id, &name);
            for alias in strings(r.get("aliases")) {
                place = place.alias(&alias);
            }
            if let Some(codes) = r.get("codes").and_then(Value::as_object) {
                for code in codes.values().filter_map(Value::as_str) {
                    place = place.code(code);
                }
            }
            place.codes.push(id.clone());
            place.within.extend(str_field(&r, "country").map(str::to_string));
            let mut within = str_field(&r, "within").map(str::to_string);
            for _ in 0..8 {
                let Some(parent) = within.take() else { break };
                let Some((_, p)) = known.record(&parent)? else { break };
                place.within.extend(str_field(&p, "name").map(str::to_string));
                within = str_field(&p, "within").map(str::to_string);
            }
            names.insert(index.add(place), name);
        }
        Ok(index
            .search(text, limit)
            .into_iter()
            .map(|m| (index.place(m.place).id.clone(), names[&m.place].clone(), m.score))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stays(subject: &str, inside: &[&str], from: &str, until: Option<&str>, size: u64) -> Stays {
        let t = |s: &str| {
            let at: Timestamp = s.parse().unwrap();
            Interval { earliest: at, latest: at }
        };
        Stays {
            subject: subject.to_string(),
            inside: inside.iter().map(|s| s.to_string()).collect(),
            stays: vec![(t(from), until.map(t), None)],
            size,
        }
    }

    #[test]
    fn nested_cohorts_and_their_members_count_once() {
        let big = stays("c-238", &["c-261"], "2025-03-16T00:00:00Z", None, 238);
        let part = stays("c-137", &["c-238", "c-261"], "2025-03-16T00:00:00Z", None, 137);
        let member = stays("p-1", &["c-137", "c-238", "c-261"], "2025-03-16T00:00:00Z", None, 1);
        let other = stays("p-2", &[], "2025-03-16T00:00:00Z", None, 1);
        let at: Timestamp = "2025-03-17T00:00:00Z".parse().unwrap();
        let all = [big, part, member, other];
        let mut counter = Counter::new(&all);
        assert_eq!(counter.at(at), (239, 239));
        assert_eq!(counter.counted(), ["c-238", "p-2"]);
        // Without the big cohort, the part counts, and still not its member.
        let mut counter = Counter::new(&all[1..]);
        assert_eq!(counter.at(at), (138, 138));
        // Before anyone arrived, nobody.
        assert_eq!(counter.at("2025-03-15T00:00:00Z".parse().unwrap()), (0, 0));
    }

    #[test]
    fn uncertain_arrivals_are_possible_before_they_are_certain() {
        let mut s = stays("p", &[], "2025-03-16T00:00:00Z", Some("2025-07-18T00:00:00Z"), 1);
        s.stays[0].0.latest = "2025-03-16T18:00:00Z".parse().unwrap();
        assert_eq!(s.at("2025-03-16T12:00:00Z".parse().unwrap()), (None, Some(1)));
        assert_eq!(s.at("2025-03-17T00:00:00Z".parse().unwrap()), (Some(1), Some(1)));
        assert_eq!(s.at("2025-07-18T00:00:00Z".parse().unwrap()), (None, None));
    }
}
