//! What anyone may see without an account: counts, never a name or an identifier.
//!
//! Persons are counted by where they are held now (facility), by nationality, by status, and by
//! the month their current status began; each count below the server's threshold (5 unless
//! `--public-min-count` says otherwise) is shown as "fewer than 5", never as its number, so that
//! a small count cannot single someone out. Persons marked `restricted` or `sealed` are left out
//! of every count. Cohorts (groups known by number, not by name) are listed with their
//! description, size and where they are.

use std::collections::BTreeMap;

use habeas_store::{Ledger, Location, Moment, State};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::access::Sensitivity;
use crate::error::Refusal;

/// A count as shown to the public.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Shown {
    /// The count itself.
    Count { count: u64 },
    /// A count under the threshold.
    FewerThan { fewer_than: u64 },
}

/// One row of a table of counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct CountRow {
    /// What is counted: a facility's name, a country code, a status, a month (`2025-03`).
    pub key: String,
    #[serde(flatten)]
    pub shown: Shown,
}

/// A cohort as the public sees it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct CohortRow {
    pub description: String,
    pub count: Option<u64>,
    pub status: String,
    /// The place's name.
    pub place: Option<String>,
}

/// The whole public page.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct PublicCounts {
    /// Counts below this are shown as `{"fewer_than": N}`.
    pub min_count: u64,
    /// How many persons were counted (also thresholded).
    pub persons: Shown,
    pub by_facility: Vec<CountRow>,
    pub by_nationality: Vec<CountRow>,
    pub by_status: Vec<CountRow>,
    pub by_month: Vec<CountRow>,
    pub cohorts: Vec<CohortRow>,
}

/// Raw counts, before the threshold.
#[derive(Default)]
struct Tally {
    persons: u64,
    by_facility: BTreeMap<String, u64>,
    by_nationality: BTreeMap<String, u64>,
    by_status: BTreeMap<String, u64>,
    by_month: BTreeMap<String, u64>,
}

/// Counts every person and lists every cohort as known now.
///
/// One pass over the persons and cohorts, in log order, with their statuses read in batches
/// ([`Ledger::statuses_each`]): before, a timeline of its own for each, which at a million
/// persons took minutes on a ledger file and hours on PostgreSQL (docs/benchmarks.md). The pass
/// is shared out between the processor's cores, each part on a connection of its own to the
/// ledger at `location` (the first on `ledger`), and the parts' counts added up in order.
pub fn count(
    ledger: &mut Ledger,
    location: &Location,
    now: jiff::Timestamp,
    min: u64,
) -> Result<PublicCounts, Refusal> {
    let moment = Moment { as_of: Some(now), known_at: None };
    let ids = ledger.current_ids(&["person", "cohort"])?;
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let parts = crate::app::in_parts(ledger, location, &ids, |ledger, ids| tally_of(ledger, ids, moment))?;
    let mut tally = Tally::default();
    let mut cohorts = Vec::new();
    for (more, more_cohorts) in parts {
        tally.add(more);
        cohorts.extend(more_cohorts);
    }
    Ok(threshold(tally, cohorts, min))
}

/// The counts of the persons among `ids`, and the rows of the cohorts among them, in order.
fn tally_of(ledger: &mut Ledger, ids: &[&str], moment: Moment) -> Result<(Tally, Vec<CohortRow>), Refusal> {
    let mut tally = Tally::default();
    let mut cohorts = Vec::new();
    ledger.statuses_each(ids, moment, &mut |read| {
        let Some(record) = read.record.filter(|r| Sensitivity::of(r) == Sensitivity::Normal) else {
            return Ok(());
        };
        let status = read.status;
        let state = status.state.unwrap_or(State::Unknown);
        let place = status.place.map(|place| read.place_name.unwrap_or(place));
        match record.get("type").and_then(Value::as_str) {
            Some("person") => {
                tally.persons += 1;
                for country in record.get("nationality").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(code) = country.as_str() {
                        *tally.by_nationality.entry(code.to_string()).or_default() += 1;
                    }
                }
                *tally.by_status.entry(state.name().to_string()).or_default() += 1;
                if state == State::InCustody
                    && let Some(place) = place
                {
                    *tally.by_facility.entry(place).or_default() += 1;
                }
                if let Some(since) = status.since {
                    *tally.by_month.entry(since.earliest.strftime("%Y-%m").to_string()).or_default() += 1;
                }
            }
            Some("cohort") => cohorts.push(CohortRow {
                description: record.get("description").and_then(Value::as_str).unwrap_or("").to_string(),
                count: record.get("count").and_then(Value::as_u64),
                status: state.name().to_string(),
                place,
            }),
            _ => {}
        }
        Ok(())
    })?;
    Ok((tally, cohorts))
}

impl Tally {
    /// Adds another part's counts to these.
    fn add(&mut self, other: Tally) {
        self.persons += other.persons;
        for (mine, theirs) in [
            (&mut self.by_facility, other.by_facility),
            (&mut self.by_nationality, other.by_nationality),
            (&mut self.by_status, other.by_status),
            (&mut self.by_month, other.by_month),
        ] {
            for (key, count) in theirs {
                *mine.entry(key).or_default() += count;
            }
        }
    }
}

fn shown(count: u64, min: u64) -> Shown {
    if count < min { Shown::FewerThan { fewer_than: min } } else { Shown::Count { count } }
}

fn rows(counts: BTreeMap<String, u64>, min: u64) -> Vec<CountRow> {
    let mut rows: Vec<(String, u64)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows.into_iter().map(|(key, count)| CountRow { key, shown: shown(count, min) }).collect()
}

fn threshold(tally: Tally, cohorts: Vec<CohortRow>, min: u64) -> PublicCounts {
    PublicCounts {
        min_count: min,
        persons: shown(tally.persons, min),
        by_facility: rows(tally.by_facility, min),
        by_nationality: rows(tally.by_nationality, min),
        by_status: rows(tally.by_status, min),
        by_month: rows(tally.by_month, min),
        cohorts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_counted_apart_add_up_key_by_key() {
        let mut first = Tally { persons: 3, ..Default::default() };
        first.by_facility.insert("CECOT".into(), 2);
        first.by_month.insert("2025-03".into(), 3);
        let mut second = Tally { persons: 4, ..Default::default() };
        second.by_facility.insert("CECOT".into(), 1);
        second.by_facility.insert("Otero".into(), 3);
        second.by_nationality.insert("VE".into(), 4);
        second.by_status.insert("in_custody".into(), 4);
        first.add(second);
        assert_eq!(first.persons, 7);
        assert_eq!(first.by_facility, BTreeMap::from([("CECOT".into(), 3), ("Otero".into(), 3)]));
        assert_eq!(first.by_month, BTreeMap::from([("2025-03".into(), 3)]));
        assert_eq!(first.by_nationality, BTreeMap::from([("VE".into(), 4)]));
        assert_eq!(first.by_status, BTreeMap::from([("in_custody".into(), 4)]));
    }

    #[test]
    fn small_counts_are_never_shown_as_numbers() {
        let mut tally = Tally { persons: 7, ..Default::default() };
        tally.by_facility.insert("CECOT".into(), 6);
        tally.by_facility.insert("Otero".into(), 4);
        tally.by_nationality.insert("VE".into(), 1);
        let counts = threshold(tally, Vec::new(), 5);
        assert_eq!(counts.persons, Shown::Count { count: 7 });
        assert_eq!(counts.by_facility[0], CountRow { key: "CECOT".into(), shown: Shown::Count { count: 6 } });
        assert_eq!(counts.by_facility[1].shown, Shown::FewerThan { fewer_than: 5 });
        assert_eq!(counts.by_nationality[0].shown, Shown::FewerThan { fewer_than: 5 });
        let json = serde_json::to_value(&counts).unwrap();
        assert_eq!(json["by_facility"][1], serde_json::json!({"key": "Otero", "fewer_than": 5}));
    }
}
