//! Custody events read as the acts an order can forbid.
//!
//! - a `departed` whose destination (`to`, or the flight's last leg) lies in another country than
//!   where it left from is `depart_territory`, at the event's time or its flight's first leg;
//! - each later leg of that flight, begun while the subject was already on the way, is
//!   `continue_in_flight`, judged at the leg's departure (`leg` 2, 3...);
//! - a `handed_over` to a custodian that is an organ of a state is `transfer_custody_foreign`
//!   towards that state; whether the state is foreign is for the rule to say (foreign to the
//!   court whose order is read).
//!
//! An act on a cohort is one act, whose subjects are the cohort and its known members.

use habeas_model::time::Interval;

use crate::case::Id;
use crate::case::{Case, Record};
use crate::field::Field;

/// One act, ready to be judged against orders.
#[derive(Clone, Debug)]
pub struct Act<'c> {
    pub event: &'c Record,
    /// `depart_territory`, `continue_in_flight` or `transfer_custody_foreign`.
    pub kind: &'static str,
    pub at: Interval,
    /// For `continue_in_flight`, the leg's number (the first is 1).
    pub leg: Option<usize>,
    /// Where it happened (the leg's departure for a leg).
    pub place: Option<Id>,
    /// The country it led to: the destination's, or the new custodian's state.
    pub to_country: Option<Id>,
}

fn legs_of<'c>(case: &'c Case, event: &Record) -> Option<(&'c Record, &'c [Field])> {
    let flight = case.record(event.str("flight")?)?;
    let legs = flight.body.get("legs")?.as_array()?;
    Some((flight, legs))
}

/// The removal acts of one custody event (none for most events).
pub fn acts_of<'c>(case: &'c Case, event: &'c Record) -> Vec<Act<'c>> {
    let mut out = Vec::new();
    match event.str("event") {
        Some("departed") => {
            let flight = legs_of(case, event);
            let leg_place = |i: usize, end: &str| {
                flight.as_ref().and_then(|(_, legs)| legs.get(i)?.get(end)?.as_str().map(Id::from))
            };
            let last = flight.as_ref().map_or(0, |(_, legs)| legs.len().saturating_sub(1));
            let from = event.str("place").map(Id::from).or_else(|| leg_place(0, "from"));
            let to = event.str("to").map(Id::from).or_else(|| leg_place(last, "to"));
            let from_country = from.as_deref().and_then(|p| case.place_country(p));
            let to_country = to.as_deref().and_then(|p| case.place_country(p));
            // A departure from an unknown place is taken as leaving the country: a removal
            // flight's destination abroad is what matters.
            let abroad = to_country.is_some() && from_country != to_country;
            if !abroad {
                return out;
            }
            let at =
                event.time("at").or_else(|| flight.as_ref().and_then(|(f, _)| f.time("legs[0].departed")));
            if let Some(at) = at {
                out.push(Act {
                    event,
                    kind: "depart_territory",
                    at,
                    leg: None,
                    place: from.clone(),
                    to_country: to_country.map(Id::from),
                });
            }
            if let Some((flight, legs)) = &flight {
                for i in 1..legs.len() {
                    if let Some(at) = flight.time(&format!("legs[{i}].departed")) {
                        out.push(Act {
                            event,
                            kind: "continue_in_flight",
                            at,
                            leg: Some(i + 1),
                            place: leg_place(i, "from"),
                            to_country: to_country.map(Id::from),
                        });
                    }
                }
            }
        }
        Some("handed_over") => {
            let state = event.str("custodian").and_then(|c| case.org_state(c));
            let at = event.time("at").or_else(|| {
                let (flight, legs) = legs_of(case, event)?;
                flight.time(&format!("legs[{}].arrived", legs.len().checked_sub(1)?))
            });
            if let (Some(state), Some(at)) = (state, at) {
                out.push(Act {
                    event,
                    kind: "transfer_custody_foreign",
                    at,
                    leg: None,
                    place: event.str("place").map(Id::from),
                    to_country: Some(state.into()),
                });
            }
        }
        _ => {}
    }
    out
}

/// Every removal act in the case, with the subjects each concerns (the event's subjects, then the
/// known members of its cohorts).
pub fn removal_acts(case: &Case) -> Vec<(Act<'_>, Vec<Id>)> {
    let mut out = Vec::new();
    for event in case.of_type("custody") {
        let subjects = event.subjects();
        for act in acts_of(case, event) {
            out.push((act, subjects.clone()));
        }
    }
    out
}

/// A cohort's known members, for listing beside it.
pub fn members(case: &Case, subject: &str) -> Vec<Id> {
    case.cohort(subject).map(|r| r.strings("members")).unwrap_or_default()
}
