//! How many a place held, day by day, for `over-capacity`: from its `population` records (each
//! kind apart) and from the timelines already in the [`Case`], beside the capacity in force.
//!
//! A subject counts on a local day when it is certainly held there at the day's last instant (the
//! moment a `midnight` count describes), as `habeas occupancy` counts. A cohort counts as its
//! event's `count`, else its own; nested subjects count once: a cohort inside another held at the
//! same place, or a person listed in such a cohort, is left out. (`habeas occupancy` decides the
//! nesting instant by instant; here it is decided per place, which can only count fewer.)

use std::collections::BTreeMap;

use habeas_model::time::{Interval, day_end, local_day, parse_zone};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::case::Id;
use crate::case::{Case, DayTally, Record, Stretch};
use crate::field::Field;

/// A capacity step: how many, and when it applied.
struct Step {
    count: u64,
    from: Option<Interval>,
    until: Option<Interval>,
}

fn steps(place: &Record) -> Vec<Step> {
    match place.body.get("capacity") {
        Some(Field::Number(n)) => {
            n.as_u64().map(|count| Step { count, from: None, until: None }).into_iter().collect()
        }
        Some(Field::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                Some(Step {
                    count: item.get("count")?.as_u64()?,
                    from: place.time(&format!("capacity[{i}].from")),
                    until: place.time(&format!("capacity[{i}].until")),
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn capacity_at(steps: &[Step], at: Timestamp) -> Option<u64> {
    steps
        .iter()
        .rev()
        .find(|s| s.from.is_none_or(|f| f.latest <= at) && s.until.is_none_or(|u| at < u.earliest))
        .map(|s| s.count)
}

/// At most this many days of a place are counted (a stretch with a date decades off is an error
/// in the data, not a reason to count for ever).
const MAX_DAYS: i64 = 20 * 366;

/// Whether a place has a capacity worth checking.
pub fn has_capacity(place: &Record) -> bool {
    !steps(place).is_empty()
}

/// Custody stretches by place: `place → [(subject, stretch)]`, built once for every place.
/// (FxHash here and below: a million subjects' ids are hashed, where SipHash had shown.)
pub fn held_at(case: &Case) -> FxHashMap<&str, Vec<(&str, &Stretch)>> {
    let mut out: FxHashMap<&str, Vec<(&str, &Stretch)>> = FxHashMap::default();
    for (subject, stretches) in &case.timelines {
        for stretch in stretches.iter().filter(|s| s.state == "in_custody") {
            if let Some(place) = stretch.place.as_deref() {
                out.entry(place).or_default().push((subject.as_str(), stretch));
            }
        }
    }
    out
}

/// Population records by place: `place → [population]`, built once for every place (a file of
/// daily counts holds a million of them).
pub fn counted_at(case: &Case) -> FxHashMap<&str, Vec<&Record>> {
    let mut out: FxHashMap<&str, Vec<&Record>> = FxHashMap::default();
    for population in case.of_type("population") {
        if let Some(place) = population.str("place") {
            out.entry(place).or_default().push(population);
        }
    }
    out
}

/// The day counts of one place, up to `as_of`; `held` from [`held_at`], `counted` from
/// [`counted_at`].
pub fn tallies(
    case: &Case,
    place: &Record,
    as_of: Timestamp,
    held: &FxHashMap<&str, Vec<(&str, &Stretch)>>,
    counted: &FxHashMap<&str, Vec<&Record>>,
) -> Vec<DayTally> {
    let zone = place.str("tz").and_then(parse_zone).unwrap_or(TimeZone::UTC);
    let steps = steps(place);
    let capacity_on = |day: Date| capacity_at(&steps, day_end(day, &zone));
    let mut out = Vec::new();
    for population in counted.get(place.id.as_str()).map(Vec::as_slice).unwrap_or_default() {
        let (Some(at), Some(count)) =
            (population.time("at"), population.body.get("count").and_then(Field::as_u64))
        else {
            continue;
        };
        let day = local_day(at.earliest, &zone);
        out.push(DayTally {
            day,
            count,
            kind: population.str("kind").unwrap_or("unspecified").to_string(),
            capacity: capacity_on(day),
            records: vec![population.id.clone()],
        });
    }

    // Who was held here at some point, to count nested subjects once.
    let here = held.get(place.id.as_str()).map(Vec::as_slice).unwrap_or_default();
    let held_here: FxHashSet<&str> = here.iter().map(|(subject, _)| *subject).collect();
    let nested = |subject: &str| {
        let within: Vec<Id> = case.cohorts_of(subject).into_iter().filter(|c| c != subject).collect();
        within.iter().any(|c| held_here.contains(c.as_str()))
    };
    let mut changes: BTreeMap<Date, i64> = BTreeMap::new();
    let last_day = local_day(as_of, &zone);
    let counted: FxHashSet<&str> = held_here.iter().copied().filter(|s| !nested(s)).collect();
    for (subject, stretch) in here.iter().filter(|(s, _)| counted.contains(s)) {
        let own_count = case.cohort(subject).and_then(|r| r.body.get("count")).and_then(Field::as_u64);
        {
            let weight =
                stretch.records.iter().find_map(|&at| case.count_at(at)).or(own_count).unwrap_or(1) as i64;
            // Certainly there at a day's end: arrived by then, and not gone by then.
            let first = local_day(stretch.from.latest, &zone);
            let until = stretch.until.map(|u| u.earliest);
            let mut last = until.map_or(last_day, |u| local_day(u, &zone));
            if until.is_some_and(|u| day_end(last, &zone) >= u) {
                last = last.yesterday().unwrap_or(last);
            }
            if last > last_day {
                last = last_day;
            }
            if first > last {
                continue;
            }
            *changes.entry(first).or_default() += weight;
            if let Ok(after) = last.tomorrow() {
                *changes.entry(after).or_default() -= weight;
            }
        }
    }
    let (Some(&start), Some(&end)) = (changes.keys().next(), changes.keys().next_back()) else { return out };
    let mut count = 0i64;
    let mut day = start;
    let mut days = 0;
    while day < end && days < MAX_DAYS {
        count += changes.get(&day).copied().unwrap_or(0);
        if count > 0 {
            out.push(DayTally {
                day,
                count: count as u64,
                kind: "timelines".into(),
                capacity: capacity_on(day),
                records: Vec::new(),
            });
        }
        day = match day.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
        days += 1;
    }
    out
}
