//! What an order forbade, to whom, and whether it was in force at the instant of an act.
//!
//! An order takes effect in one or more **forms**: spoken (`oral`) and entered (`written`), each
//! with its own time and, where the two differed, its own prohibited acts; an order with neither
//! takes effect when `issued`. Rules evaluate every form side by side, never choosing.
//!
//! Its end is read at the instant of the act, from the **rulings** known by then: `extended` and
//! `modified` move `until`, `stayed` suspends it (for the `acts` a partial stay names, or all),
//! `unstayed` lifts the stay, `vacated` ends it. A ruling after the act changes nothing about the
//! act: a violation stands when the order is vacated weeks later. A ruling whose uncertain time
//! straddles the act makes the answer "possibly".
//!
//! **Prohibitions** are read as rules.md says: `remove` narrowly as `depart_territory` and broadly
//! as `depart_territory`, `transfer_custody_foreign` and `continue_in_flight`.

use habeas_model::time::Interval;

use crate::case::Id;
use crate::case::{Case, Record, strings};
use crate::field::Field;
use crate::holds::{Holds, at_or_after, before_instant};

/// The three acts a removal is made of.
pub const REMOVAL_ACTS: [&str; 3] = ["depart_territory", "transfer_custody_foreign", "continue_in_flight"];

/// One form in which an order took effect.
#[derive(Clone, Debug, PartialEq)]
pub struct Form {
    /// `oral`, `written` or `issued`.
    pub name: &'static str,
    pub start: Interval,
    pub prohibits: Vec<Id>,
}

/// The forms of an order, spoken first.
pub fn forms(order: &Record) -> Vec<Form> {
    let own = order.strings("prohibits");
    let mut out = Vec::new();
    for name in ["oral", "written"] {
        let Some(value) = order.body.get(name) else { continue };
        let start = order.time(&format!("{name}.at")).or_else(|| order.time(name));
        let Some(start) = start else { continue };
        let prohibits = match value.get("prohibits") {
            Some(p) => strings(Some(p)),
            None => own.clone(),
        };
        out.push(Form { name, start, prohibits });
    }
    if out.is_empty()
        && let Some(start) = order.time("issued")
    {
        out.push(Form { name: "issued", start, prohibits: own });
    }
    out
}

/// The readings of a prohibition: `[("narrow", acts), ("broad", acts)]` when it says `remove`,
/// else one reading, the acts as written.
pub fn prohibition_readings(prohibits: &[Id]) -> Vec<(&'static str, Vec<Id>)> {
    if !prohibits.iter().any(|p| p == "remove") {
        return vec![("as_written", prohibits.to_vec())];
    }
    let others: Vec<Id> = prohibits.iter().filter(|p| *p != "remove").cloned().collect();
    let with = |acts: &[&str]| {
        let mut set = others.clone();
        for act in acts {
            if !set.iter().any(|a| a == act) {
                set.push(Id::from(*act));
            }
        }
        set
    };
    vec![("narrow", with(&["depart_territory"])), ("broad", with(&REMOVAL_ACTS))]
}

/// Every act any reading of a prohibition covers, in the order of [`REMOVAL_ACTS`] first.
pub fn acts_covered(prohibits: &[Id]) -> Vec<Id> {
    let mut out: Vec<Id> = Vec::new();
    for (_, acts) in prohibition_readings(prohibits) {
        for act in acts {
            if !out.contains(&act) {
                out.push(act);
            }
        }
    }
    out.sort_by_key(|a| REMOVAL_ACTS.iter().position(|r| r == a).unwrap_or(REMOVAL_ACTS.len()));
    out
}

/// The rulings on an order, by time.
pub fn rulings<'c>(case: &'c Case, order: &str) -> Vec<(&'c Record, Interval)> {
    let mut out: Vec<(&Record, Interval)> = case
        .of_type("ruling")
        .filter(|r| r.str("order") == Some(order))
        .filter_map(|r| r.time("at").map(|at| (r, at)))
        .collect();
    out.sort_by_key(|(_, at)| at.earliest);
    out
}

/// The order's state after a set of rulings: whether it still binds `act`, and until when.
fn state_after(order: &Record, rulings: &[&(&Record, Interval)], act: &str, at: &Interval) -> Holds {
    let mut until = order.time("until").map(|u| u.latest);
    let (mut stayed, mut vacated) = (false, false);
    for (ruling, _) in rulings {
        match ruling.str("effect") {
            Some("extended" | "modified") => {
                if let Some(new) = ruling.time("until") {
                    until = Some(new.latest);
                }
            }
            Some("stayed") => {
                let acts = ruling.strings("acts");
                if acts.is_empty()
                    || acts.iter().any(|a| a == act || (a == "remove" && REMOVAL_ACTS.contains(&act)))
                {
                    stayed = true;
                }
            }
            Some("unstayed") => stayed = false,
            Some("vacated") => vacated = true,
            _ => {}
        }
    }
    if stayed || vacated {
        return Holds::No;
    }
    match until {
        Some(until) => before_instant(at, until),
        None => Holds::Yes,
    }
}

/// Whether the order, in `form`, bound `act` at the time `at`.
pub fn in_force(case: &Case, order: &Record, form: &Form, act: &str, at: &Interval) -> Holds {
    let started = at_or_after(at, &form.start);
    let all = rulings(case, &order.id);
    let surely_before: Vec<_> = all.iter().filter(|(_, r)| r.latest <= at.earliest).collect();
    let maybe_before: Vec<_> = all.iter().filter(|(_, r)| r.earliest <= at.latest).collect();
    let (certain, possible) =
        (state_after(order, &surely_before, act, at), state_after(order, &maybe_before, act, at));
    let ended = if certain == possible { certain } else { certain.or(possible).and(Holds::Possibly) };
    started.and(ended)
}

/// The acts a form forbade at the time of the act: its own, unless a `modified` ruling known by
/// then changed them.
pub fn prohibits_at(case: &Case, order: &Record, form: &Form, at: &Interval) -> Vec<Id> {
    let mut prohibits = form.prohibits.clone();
    for (ruling, when) in rulings(case, &order.id) {
        if ruling.str("effect") == Some("modified")
            && when.latest <= at.earliest
            && ruling.body.contains_key("prohibits")
        {
            prohibits = ruling.strings("prohibits");
        }
    }
    prohibits
}

/// Whether a subject was within an order's scope for an act, and whether that rests on a basis
/// nobody recorded (`membership_unknown`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coverage {
    pub holds: Holds,
    pub membership_unknown: bool,
}

/// Whether `subject` is in the order's scope for an act at `at`, the order having taken effect at
/// `start`: named (directly, or through a named cohort), or meeting every condition of `class` at
/// some instant in between.
pub fn covered(case: &Case, order: &Record, subject: &str, start: &Interval, at: &Interval) -> Coverage {
    let scope = order.body.get("scope").unwrap_or(Field::NULL);
    let named = strings(scope.get("persons"));
    let named_cohorts = strings(scope.get("cohorts"));
    let cohorts = case.cohorts_of(subject);
    if named.iter().any(|p| p == subject) || named_cohorts.iter().any(|c| cohorts.contains(c)) {
        return Coverage { holds: Holds::Yes, membership_unknown: false };
    }
    // An act on a cohort moves every known member and every cohort within it: a person or cohort
    // the order names among them is covered, and so the act on the cohort is judged.
    if case.cohort(subject).is_some() {
        let named_inside = case.of_type("cohort").any(|c| {
            let within = c.id == subject || case.cohorts_of(&c.id).contains(subject);
            within
                && (named_cohorts.contains(&c.id) || c.strings("members").iter().any(|m| named.contains(m)))
        });
        if named_inside {
            return Coverage { holds: Holds::Yes, membership_unknown: false };
        }
    }
    let Some(class) = scope.get("class") else {
        return Coverage { holds: Holds::No, membership_unknown: false };
    };
    let want_basis = class.get("basis").and_then(Field::as_str);
    let want_custodian = class.get("custodian").and_then(Field::as_str);
    let want_country = class.get("in_country").and_then(Field::as_str);
    let want_nationality = strings(class.get("nationality"));
    // A cohort's recorded basis stands for its members' where their events give none.
    let cohort_basis: Vec<Id> =
        cohorts.iter().filter_map(|c| case.record(c)).flat_map(|c| c.strings("basis")).collect();
    let nationality: Vec<Id> = std::iter::once(Id::from(subject))
        .chain(cohorts.iter().cloned())
        .flat_map(|s| case.nationality(&s))
        .collect();
    let nationality_ok =
        want_nationality.is_empty() || nationality.iter().any(|n| want_nationality.contains(n));
    if !nationality_ok && !nationality.is_empty() {
        return Coverage { holds: Holds::No, membership_unknown: false };
    }
    let during = Interval { earliest: start.earliest, latest: at.latest };
    let mut best = Coverage { holds: Holds::No, membership_unknown: false };
    for stretch in case.stretches_during(subject, &during) {
        if !matches!(stretch.state, "in_custody" | "in_transit") {
            continue;
        }
        let country_ok = match want_country {
            None => true,
            Some(country) => stretch.place.as_deref().and_then(|p| case.place_country(p)) == Some(country),
        };
        let custodian_ok = match want_custodian {
            None => true,
            Some(custodian) => stretch.custodian.as_deref().is_some_and(|c| case.org_within(c, custodian)),
        };
        if !country_ok || !custodian_ok {
            continue;
        }
        let basis = if stretch.basis.is_empty() { &cohort_basis } else { &stretch.basis };
        let found = match want_basis {
            None => Coverage {
                holds: Holds::Yes,
                membership_unknown: nationality.is_empty() && !want_nationality.is_empty(),
            },
            // No basis recorded: a possible member, unless the class's authority cannot reach
            // them at all (its own terms exclude their nationality).
            Some(b) if basis.is_empty() => {
                let reachable = case
                    .record(b)
                    .and_then(|i| i.body.get("applies_to"))
                    .map(|terms| strings(terms.get("nationality")))
                    .is_none_or(|only| {
                        only.is_empty()
                            || nationality.is_empty()
                            || nationality.iter().any(|n| only.contains(n))
                    });
                if !reachable {
                    continue;
                }
                Coverage { holds: Holds::Possibly, membership_unknown: true }
            }
            Some(b) if basis.iter().any(|x| x == b) => Coverage {
                holds: Holds::Yes,
                membership_unknown: nationality.is_empty() && !want_nationality.is_empty(),
            },
            Some(_) => continue,
        };
        let found =
            if found.membership_unknown { Coverage { holds: Holds::Possibly, ..found } } else { found };
        if found.holds > best.holds {
            best = found;
        }
    }
    best
}
