//! The rules about orders: `order-conflict`, `mid-operation-order`, `protected-country`,
//! `remedy-deadline`.

use habeas_model::time::Interval;
use serde_json::json;

use std::collections::{HashMap, HashSet};

use crate::acts::Act;
use crate::case::Id;
use crate::case::{Case, Record, strings};
use crate::field::Field;
use crate::finding::{Finding, Outcome, Reading};
use crate::holds::{Holds, at_or_after, before, hours_between};
use crate::order::{
    Form, acts_covered, covered, forms, in_force, prohibition_readings, prohibits_at, rulings,
};
use crate::rules::{Cleared, Report, on_subject};
use crate::show;

/// A finding about an act of a subject, with what every rule of this module fills the same way.
fn act_finding(
    case: &Case,
    rule: &'static str,
    outcome: Outcome,
    order: &Record,
    act: &Act<'_>,
    subject: &str,
) -> Finding {
    let mut finding = on_subject(case, rule, outcome, subject);
    if let Some(count) = act.event.body.get("count").and_then(|c| c.as_u64()) {
        finding.count = Some(count);
    }
    finding.about = Some(order.id.clone());
    finding.act = Some(act.event.id.clone());
    finding.leg = act.leg;
    finding.at = Some(act.at);
    finding.zone =
        act.place.as_deref().and_then(|p| case.place_zone(p)).or(act.event.str("tz")).map(Id::from);
    finding.records = vec![order.id.clone()];
    finding.records.extend(act.event.str("flight").map(Id::from));
    finding.records.push(act.event.id.clone());
    finding.confidence = case.lowest_confidence(&finding.records);
    finding
}

fn outcome_of(interpretations: &[Holds]) -> Option<Outcome> {
    if interpretations.is_empty() {
        None
    } else if interpretations.iter().all(|h| *h == Holds::Yes) {
        Some(Outcome::Violation)
    } else if interpretations.iter().any(|h| *h > Holds::No) {
        Some(Outcome::PossibleViolation)
    } else {
        None
    }
}

/// The subjects an order could reach: `None` for a class scope (anyone may meet it); else the
/// persons and cohorts it names, the cohorts they belong to (an act on one moves them), and the
/// members and cohorts within a named cohort.
fn reachable(case: &Case, order: &Record) -> Option<HashSet<Id>> {
    let scope = order.body.get("scope")?;
    if scope.get("class").is_some() {
        return None;
    }
    let named: Vec<Id> =
        strings(scope.get("persons")).into_iter().chain(strings(scope.get("cohorts"))).collect();
    let mut out: HashSet<Id> = HashSet::new();
    for id in &named {
        out.insert(id.clone());
        out.extend(case.cohorts_of(id));
        if let Some(cohort) = case.cohort(id) {
            out.extend(cohort.strings("members"));
        }
    }
    for cohort in case.of_type("cohort") {
        if named.iter().any(|n| case.cohorts_of(&cohort.id).contains(n)) {
            out.insert(cohort.id.clone());
            out.extend(cohort.strings("members"));
        }
    }
    Some(out)
}

/// Removal acts grouped by the subjects they concern, so each order reads only its own.
struct ActsBySubject<'a, 'c> {
    acts: &'a [(Act<'c>, Vec<Id>)],
    by_subject: HashMap<Id, Vec<usize>>,
}

impl<'a, 'c> ActsBySubject<'a, 'c> {
    fn new(acts: &'a [(Act<'c>, Vec<Id>)]) -> ActsBySubject<'a, 'c> {
        let mut by_subject: HashMap<Id, Vec<usize>> = HashMap::new();
        for (i, (_, subjects)) in acts.iter().enumerate() {
            for subject in subjects {
                by_subject.entry(subject.clone()).or_default().push(i);
            }
        }
        ActsBySubject { acts, by_subject }
    }

    /// `(act, subject)` pairs an order could reach.
    fn for_order(&self, reach: &Option<HashSet<Id>>) -> Vec<(&'a Act<'c>, &'a Id)> {
        let mut out = Vec::new();
        match reach {
            None => {
                for (act, subjects) in self.acts {
                    out.extend(subjects.iter().map(|s| (act, s)));
                }
            }
            Some(reach) => {
                let mut seen = HashSet::new();
                for subject in reach {
                    for &i in self.by_subject.get(subject).into_iter().flatten() {
                        let (act, subjects) = &self.acts[i];
                        for s in subjects.iter().filter(|s| reach.contains(*s)) {
                            if seen.insert((i, s.clone())) {
                                out.push((act, s));
                            }
                        }
                    }
                }
                out.sort_by_key(|(act, s)| (act.event.id.clone(), act.leg, (*s).clone()));
            }
        }
        out
    }
}

/// `order-conflict`: a removal act inside an order's effective interval, for a subject in its
/// scope, of a kind the order prohibits; every form × prohibition reading × membership evaluated.
pub fn order_conflict(case: &Case, acts: &[(Act<'_>, Vec<Id>)], report: &mut Report) {
    let acts = ActsBySubject::new(acts);
    for order in case.of_type("order") {
        let forms = forms(order);
        if forms.iter().all(|f| f.prohibits.is_empty()) {
            continue;
        }
        let court_state = order.str("court").and_then(|c| case.org_state(c));
        for (act, subject) in acts.for_order(&reachable(case, order)) {
            if act.kind == "transfer_custody_foreign" && act.to_country.as_deref() == court_state {
                continue;
            }
            judge(case, order, &forms, act, subject, report);
        }
    }
}

fn judge(case: &Case, order: &Record, forms: &[Form], act: &Act<'_>, subject: &str, report: &mut Report) {
    let (mut interpretations, mut rows) = (Vec::new(), Vec::new());
    let mut in_scope = false;
    let mut preceded = true;
    for form in forms {
        let prohibits = prohibits_at(case, order, form, &act.at);
        if prohibits.is_empty() {
            continue;
        }
        let coverage = covered(case, order, subject, &form.start, &act.at);
        in_scope |= coverage.holds > Holds::No;
        let force = in_force(case, order, form, act.kind, &act.at);
        preceded &= at_or_after(&act.at, &form.start) == Holds::No;
        for (_, set) in prohibition_readings(&prohibits) {
            interpretations
                .push(Holds::from_bool(set.iter().any(|a| a == act.kind)).and(force).and(coverage.holds));
        }
        for covered_act in acts_covered(&prohibits) {
            let mut keys = vec![("effective", form.name.to_string()), ("act", covered_act.to_string())];
            if coverage.membership_unknown {
                keys.push(("membership", "unknown".to_string()));
            }
            let holds = Holds::from_bool(covered_act == act.kind).and(force).and(coverage.holds);
            rows.push(Reading { keys, holds });
        }
    }
    if !in_scope {
        return;
    }
    let zone = act.place.as_deref().and_then(|p| case.place_zone(p)).or(act.event.str("tz"));
    let when = |es| show::time(&act.at, zone, es);
    let Some(outcome) = outcome_of(&interpretations) else {
        let reason = if preceded {
            [
                format!("{} {}, before the order took effect", show::act(act.kind, false), when(false)),
                format!(
                    "{} {}, antes de que la orden surtiera efecto",
                    show::act(act.kind, true),
                    when(true)
                ),
            ]
        } else {
            [
                format!("{} {}: the order did not forbid it then", show::act(act.kind, false), when(false)),
                format!("{} {}: la orden no lo prohibía entonces", show::act(act.kind, true), when(true)),
            ]
        };
        report.cleared.push(Cleared {
            rule: "order-conflict",
            subjects: vec![Id::from(subject)],
            about: order.id.clone(),
            act: Some(act.event.id.clone()),
            leg: act.leg,
            readings: rows,
            reason,
        });
        return;
    };
    let mut finding = act_finding(case, "order-conflict", outcome, order, act, subject);
    let start = forms.iter().map(|f| f.start).min_by_key(|s| s.earliest);
    let holding: Vec<String> = rows
        .iter()
        .filter(|r| r.holds > Holds::No)
        .map(|r| r.keys.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join("/"))
        .collect();
    let after = start.map(|s| hours_between(&s, &act.at));
    let after_text = |es: bool| match after {
        Some((a, b)) if a >= 0.0 => {
            let h = |x: f64| {
                format!("{} h {} min", (x * 60.0).round() as i64 / 60, (x * 60.0).round() as i64 % 60)
            };
            if (a - b).abs() < 1.0 / 120.0 {
                if es {
                    format!(", {} después de la orden", h(a))
                } else {
                    format!(", {} after the order", h(a))
                }
            } else if es {
                format!(", entre {} y {} después de la orden", h(a), h(b))
            } else {
                format!(", {} to {} after the order", h(a), h(b))
            }
        }
        _ => String::new(),
    };
    finding.message = report.say(
        || {
            format!(
                "{} {}{} while {} was in force; holds under {}",
                show::act(act.kind, false),
                when(false),
                after_text(false),
                order.id,
                holding.join(", ")
            )
        },
        || {
            format!(
                "{} {}{} mientras {} estaba en vigor; se cumple en la lectura {}",
                show::act(act.kind, true),
                when(true),
                after_text(true),
                order.id,
                holding.join(", ")
            )
        },
    );
    finding.readings = rows;
    report.push(finding);
}

/// `mid-operation-order`: the first leg left before the order took effect and later legs (or the
/// landing) came after, so returning or holding was still possible. One finding per flight
/// departure, readings by form.
pub fn mid_operation_order(case: &Case, report: &mut Report) {
    for order in case.of_type("order") {
        let forms = forms(order);
        if !forms.iter().any(|f| {
            acts_covered(&f.prohibits).iter().any(|a| a == "continue_in_flight" || a == "depart_territory")
        }) {
            continue;
        }
        let reach = reachable(case, order);
        let departures: Vec<&Record> = match &reach {
            None => case.of_type("custody").filter(|e| e.str("event") == Some("departed")).collect(),
            Some(reach) => {
                let mut found: Vec<&Record> = reach
                    .iter()
                    .flat_map(|s| case.naming(s, "custody"))
                    .filter(|e| e.str("event") == Some("departed"))
                    .collect();
                found.sort_by(|a, b| a.id.cmp(&b.id));
                found.dedup_by(|a, b| a.id == b.id);
                found
            }
        };
        for event in departures {
            let Some(flight) = event.str("flight").and_then(|f| case.record(f)) else { continue };
            let legs = flight.body.get("legs").and_then(|l| l.as_array()).map_or(0, <[Field]>::len);
            let Some(first) = flight.time("legs[0].departed") else { continue };
            let later: Vec<Interval> = (0..legs)
                .flat_map(|i| [format!("legs[{i}].arrived"), format!("legs[{i}].departed")])
                .filter(|p| p != "legs[0].departed")
                .filter_map(|p| flight.time(&p))
                .collect();
            let Some(last) = later.iter().max_by_key(|t| t.latest).copied() else { continue };
            for subject in event.subjects() {
                let mut rows = Vec::new();
                for form in &forms {
                    let coverage = covered(case, order, &subject, &form.start, &last);
                    let holds =
                        before(&first, &form.start).and(at_or_after(&last, &form.start)).and(coverage.holds);
                    let mut keys = vec![("effective", form.name.to_string())];
                    if coverage.membership_unknown {
                        keys.push(("membership", "unknown".to_string()));
                    }
                    rows.push(Reading { keys, holds });
                }
                if rows.iter().all(|r| r.holds == Holds::No) {
                    continue;
                }
                let act = Act {
                    event,
                    kind: "continue_in_flight",
                    at: first,
                    leg: None,
                    place: (flight.body.get("legs").and_then(|legs| legs.item(0)))
                        .and_then(|leg| leg.get("from"))
                        .and_then(Field::as_str)
                        .map(Id::from),
                    to_country: None,
                };
                let mut finding =
                    act_finding(case, "mid-operation-order", Outcome::Warning, order, &act, &subject);
                let forms_holding: Vec<String> =
                    rows.iter().filter(|r| r.holds > Holds::No).map(|r| r.keys[0].1.clone()).collect();
                let left = |es| show::time(&first, finding.zone.as_deref(), es);
                finding.message = report.say(|| format!(
                        "flight {} left {}, before the order; later legs came after it ({}): it could still have returned",
                        flight.id,
                        left(false),
                        forms_holding.join(", ")
                    ), || format!(
                        "el vuelo {} salió {}, antes de la orden; los tramos siguientes fueron posteriores ({}): aún podía regresar",
                        flight.id,
                        left(true),
                        forms_holding.join(", ")
                    ));
                finding.readings = rows;
                report.push(finding);
            }
        }
    }
}

/// `protected-country`: a removal to a country an order in force protects the subject from.
pub fn protected_country(case: &Case, acts: &[(Act<'_>, Vec<Id>)], report: &mut Report) {
    let acts = ActsBySubject::new(acts);
    for order in case.of_type("order") {
        let kind = order.str("kind").unwrap_or("");
        if !matches!(kind, "withholding_of_removal" | "cat_protection" | "stay_of_removal") {
            continue;
        }
        let countries = order.strings("countries");
        let Some(form) = forms(order).into_iter().next() else { continue };
        for (act, subject) in acts.for_order(&reachable(case, order)) {
            if act.kind == "continue_in_flight" {
                continue;
            }
            let Some(to) = act.to_country.as_deref() else { continue };
            if !countries.is_empty() && !countries.iter().any(|c| c == to) {
                continue;
            }
            // A hand-over inside the country already reached is the end of a removal that began
            // with the departure, judged on its own; one elsewhere (officials of that state taking
            // custody abroad) is the removal itself.
            if act.kind == "transfer_custody_foreign"
                && act.place.as_deref().and_then(|p| case.place_country(p)) == Some(to)
            {
                continue;
            }
            {
                let coverage = covered(case, order, subject, &form.start, &act.at);
                let holds = coverage.holds.and(in_force(case, order, &form, act.kind, &act.at));
                let outcome = match holds {
                    Holds::Yes => Outcome::Violation,
                    Holds::Possibly => Outcome::PossibleViolation,
                    Holds::No => continue,
                };
                let mut finding = act_finding(case, "protected-country", outcome, order, act, subject);
                let when = |es| show::time(&act.at, finding.zone.as_deref(), es);
                let (en, es) = if act.kind == "depart_territory" {
                    ("removed to", "expulsado a")
                } else {
                    ("handed to the custody of", "entregado a la custodia de")
                };
                finding.message = report.say(
                    || {
                        format!(
                            "{en} {to} {} while {} ({kind}) protected them from {to}",
                            when(false),
                            order.id
                        )
                    },
                    || format!("{es} {to} {} mientras {} ({kind}) lo protegía de {to}", when(true), order.id),
                );
                finding.readings = vec![Reading {
                    keys: vec![("effective", form.name.to_string()), ("act", act.kind.to_string())],
                    holds,
                }];
                report.push(finding);
            }
        }
    }
}

/// An act an order `requires`, in words that can open a sentence: "The return", "El retorno".
/// An act the format does not list is named as written.
fn required(act: &str, es: bool) -> String {
    let words = match (act, es) {
        ("return", false) => "The return",
        ("return", true) => "El retorno",
        ("facilitate_return", false) => "Facilitating the return",
        ("facilitate_return", true) => "Facilitar el retorno",
        ("release", false) => "The release",
        ("release", true) => "La liberación",
        ("notify", false) => "The notice",
        ("notify", true) => "La notificación",
        ("produce", false) => "Producing the person before the court",
        ("produce", true) => "La presentación ante el tribunal",
        ("report", false) => "The report",
        ("report", true) => "El informe",
        (other, false) => return format!("The act \"{other}\""),
        (other, true) => return format!("El acto \"{other}\""),
    };
    words.to_string()
}

/// `remedy-deadline`: an act an order `requires` `by` a time that passed with no compliance (or,
/// for a return or release, no such custody event); a stay in force at the deadline makes it
/// `info`, not due.
pub fn remedy_deadline(case: &Case, report: &mut Report) {
    for order in case.of_type("order") {
        let requires = order.body.get("requires").and_then(Field::as_array).unwrap_or_default();
        let scope = order.body.get("scope").unwrap_or(Field::NULL);
        let subjects: Vec<Id> =
            strings(scope.get("persons")).into_iter().chain(strings(scope.get("cohorts"))).collect();
        for (i, item) in requires.iter().enumerate() {
            let act = item.get("act").and_then(|a| a.as_str()).unwrap_or("");
            let Some(by) = order.time(&format!("requires[{i}].by")) else { continue };
            if by.latest > report.as_of {
                continue;
            }
            let complied = case.of_type("compliance").find(|c| {
                c.str("order") == Some(&order.id)
                    && c.str("act") == Some(act)
                    && c.time("at").is_some_and(|at| at.earliest <= by.latest)
            });
            let custody_done = matches!(act, "return" | "release").then(|| {
                let event = if act == "return" { "returned" } else { "released" };
                subjects.iter().flat_map(|s| case.naming(s, "custody")).find(|e| {
                    e.str("event") == Some(event) && e.time("at").is_some_and(|at| at.earliest <= by.latest)
                })
            });
            let mut records = vec![order.id.clone()];
            if let Some(done) = complied.or(custody_done.flatten()) {
                report.cleared.push(Cleared {
                    rule: "remedy-deadline",
                    subjects: subjects.clone(),
                    about: order.id.clone(),
                    act: Some(done.id.clone()),
                    leg: None,
                    readings: Vec::new(),
                    reason: [
                        format!("{} was done by the deadline ({})", required(act, false), done.id),
                        format!("{} se cumplió a tiempo ({})", required(act, true), done.id),
                    ],
                });
                continue;
            }
            // The last stay, unstay or vacatur before the deadline decides whether it was due.
            let mut stayed_by = None;
            for (ruling, at) in rulings(case, &order.id) {
                if at.earliest > by.latest {
                    break;
                }
                match ruling.str("effect") {
                    Some("stayed") => stayed_by = Some(ruling.id.clone()),
                    Some("unstayed" | "vacated") => stayed_by = None,
                    _ => {}
                }
            }
            let zone = case.court_zone(order).map(Id::from);
            let deadline = |es| show::time(&by, zone.as_deref(), es);
            let mut finding = Finding::new("remedy-deadline", Outcome::Violation);
            finding.message = report.say(
                || {
                    format!(
                        "{} was due, {}, under {}; no compliance is recorded",
                        required(act, false),
                        deadline(false),
                        order.id
                    )
                },
                || {
                    format!(
                        "{} debía cumplirse, {}, según {}; no consta cumplimiento",
                        required(act, true),
                        deadline(true),
                        order.id
                    )
                },
            );
            if let Some(stay) = stayed_by {
                finding.outcome = Outcome::Info;
                finding.message = report.say(
                    || {
                        format!(
                            "{} was due, {}, under {}, but a stay was in force then ({stay}): not due",
                            required(act, false),
                            deadline(false),
                            order.id
                        )
                    },
                    || {
                        format!(
                            "{} debía cumplirse, {}, según {}, pero estaba suspendido ({stay}): no exigible",
                            required(act, true),
                            deadline(true),
                            order.id
                        )
                    },
                );
                records.push(stay);
            }
            finding.subjects = subjects.clone();
            finding.about = Some(order.id.clone());
            finding.at = Some(by);
            finding.zone = zone;
            finding.details.insert("requires", json!(act));
            finding.records = records;
            finding.confidence = case.lowest_confidence(&finding.records);
            report.push(finding);
        }
    }
}
