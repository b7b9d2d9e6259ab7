//! The ledger as the rules read it, and `habeas check`'s run.
//!
//! [`Ledger::case`] gathers every record known at the moment asked (its current version, each time
//! resolved to UTC in its zone) and the timeline of every subject that custody records name
//! directly, as of the valid time asked; [`Ledger::check`] hands that to `habeas_rules::check`.
//! Members of a cohort are not judged one by one: an act on a cohort is one finding on it.

use std::collections::BTreeSet;

use habeas_model::personal::decode_kept;
use habeas_rules::{Case, Policy, Record, Report, Stretch};
use jiff::Timestamp;

use crate::error::Result;
use crate::ledger::Ledger;
use crate::timeline::{Known, Moment, timeline, times_of};
use crate::views::KnownAt;

/// Record types the rules never read.
const NOT_READ: [&str; 3] = ["import", "erasure", "retraction"];

pub(crate) fn case_of(known: &KnownAt<'_>, as_of: Option<Timestamp>) -> Result<Case> {
    let world = Known(known);
    let mut rows = Vec::new();
    known.tx.scan_records(&mut |row| {
        if !NOT_READ.contains(&row.record_type.as_str()) {
            rows.push(row.id);
        }
        Ok(())
    })?;
    let mut case = Case::default();
    let mut subjects = BTreeSet::new();
    for id in rows {
        let Some((idx, leaf)) = known.lookup(&id)? else { continue };
        let times = times_of(idx, &leaf, &world)?;
        // Personal values (a birth date for an age, names for the register) in clear, where they
        // are still kept; rules cite ids, never these values.
        let mut body = (*leaf).clone();
        if let Some(kept) = known.tx.kept(idx)?.and_then(|data| decode_kept(&data).ok()) {
            for value in kept {
                body.insert(value.field, value.value);
            }
        }
        let record = Record {
            id: id.clone(),
            kind: body.get("type").and_then(|t| t.as_str()).unwrap_or("").to_string(),
            times: times.iter().map(|t| (t.path.clone(), t.interval)).collect(),
            unzoned: times.iter().filter(|t| t.flagged).map(|t| t.path.clone()).collect(),
            body,
        };
        if record.kind == "custody" {
            subjects.extend(record.subjects());
        }
        case.insert(record);
    }
    for subject in subjects {
        let Some(found) = timeline(known, &subject, as_of, false)? else { continue };
        let stretches = found
            .segments
            .into_iter()
            .map(|s| Stretch {
                from: s.from,
                until: s.until,
                state: s.state.name().to_string(),
                place: s.place,
                to: s.to,
                custodian: s.custodian,
                basis: s.basis,
                removed: s.removed,
                flight: s.flight,
                records: s.records,
            })
            .collect();
        case.timelines.insert(subject, stretches);
    }
    Ok(case)
}

impl Ledger {
    /// The records and timelines the rules read, as known at `moment`.
    pub fn case(&mut self, moment: Moment) -> Result<Case> {
        self.catch_up_views()?;
        let tx = self.backend().read()?;
        let known = KnownAt::then(&*tx, moment.known_at)?;
        case_of(&known, moment.as_of)
    }

    /// Runs the rules (all, or those in `only`) as of `moment.as_of` (default: now).
    pub fn check(&mut self, policy: &Policy, only: &[String], moment: Moment) -> Result<Report> {
        let as_of = moment.as_of.unwrap_or_else(Timestamp::now);
        let case = self.case(Moment { as_of: Some(as_of), ..moment })?;
        Ok(habeas_rules::check(&case, policy, only, as_of))
    }
}
