//! The rules about custody itself: `no-legal-basis`, `whereabouts-unknown`, `incommunicado`.
//! They read each subject's timeline, with spans still open ending at the run's `as_of`.

use habeas_model::time::Interval;
use serde_json::json;

use crate::case::Id;
use crate::case::{Case, Stretch};
use crate::finding::{Finding, Outcome};
use crate::holds::days_between;
use crate::policy::Policy;
use crate::rules::{Report, on_subject};
use crate::show;

fn subject_finding(
    case: &Case,
    rule: &'static str,
    outcome: Outcome,
    subject: &str,
    stretch: &Stretch,
) -> Finding {
    let mut finding = on_subject(case, rule, outcome, subject);
    finding.about = stretch.place.clone();
    finding.records = case.ids_at(&stretch.records);
    finding.act = finding.records.first().cloned();
    finding.at = Some(stretch.from);
    finding.zone = stretch.place.as_deref().and_then(|p| case.place_zone(p)).map(Id::from);
    finding.confidence = case.lowest_confidence_at(&stretch.records);
    finding
}

/// The end of a stretch, or `as_of` while it lasts.
fn end_of(stretch: &Stretch, as_of: jiff::Timestamp) -> Interval {
    stretch.until.unwrap_or(Interval::at(as_of))
}

/// `no-legal-basis`: a custody stretch whose events carry no `basis` (`data_gap`); a
/// `court_finding` of `no_legal_basis` (`violation`).
pub fn no_legal_basis(case: &Case, report: &mut Report) {
    for court_finding in case.of_type("court_finding").filter(|f| f.str("fact") == Some("no_legal_basis")) {
        let mut finding = Finding::new("no-legal-basis", Outcome::Violation);
        finding.subjects = court_finding.subjects();
        finding.about = Some(court_finding.id.clone());
        finding.at = court_finding.time("from").or(court_finding.time("at"));
        finding.zone = case.court_zone(court_finding).map(Id::from);
        finding.records = vec![court_finding.id.clone()];
        finding.confidence = case.lowest_confidence(&finding.records);
        let court = |es| case.name(court_finding.str("court"), es);
        finding.message = report.say(
            || format!("{} found that there was no legal basis for the detention", court(false)),
            || format!("{} determinó que la detención no tenía base legal", court(true)),
        );
        report.push(finding);
    }
    for (subject, stretches) in &case.timelines {
        for stretch in stretches.iter().filter(|s| s.state == "in_custody" && s.basis.is_empty()) {
            let mut finding = subject_finding(case, "no-legal-basis", Outcome::DataGap, subject, stretch);
            let place = |es| case.name(stretch.place.as_deref(), es);
            let since = |es| show::since(&stretch.from, finding.zone.as_deref(), es);
            finding.message = report.say(
                || format!("held in {} {}, with no recorded legal authority", place(false), since(false)),
                || format!("detenido en {} {}, sin autoridad legal registrada", place(true), since(true)),
            );
            finding.details.insert("missing", json!("basis"));
            report.push(finding);
        }
        // Held on an order that had ended: vacated, or lapsed at its `until`, while still held.
        for stretch in stretches.iter().filter(|s| s.state == "in_custody") {
            let end = stretch.until.unwrap_or(habeas_model::time::Interval::at(report.as_of));
            for order in stretch.basis.iter().filter_map(|b| case.record(b)).filter(|b| b.kind == "order") {
                let vacated = crate::order::rulings(case, &order.id)
                    .into_iter()
                    .find(|(r, at)| r.str("effect") == Some("vacated") && at.latest < end.earliest)
                    .map(|(r, at)| (r.id.clone(), at));
                let lapsed = order.time("until").filter(|u| u.latest < end.earliest);
                let Some((why, ended)) = vacated.or(lapsed.map(|u| (order.id.clone(), u))) else { continue };
                let mut finding =
                    subject_finding(case, "no-legal-basis", Outcome::Violation, subject, stretch);
                finding.about = Some(order.id.clone());
                finding.records.push(why);
                finding.records.dedup();
                let when = |es| show::time(&ended, finding.zone.as_deref(), es);
                finding.message = report.say(
                    || format!("held on {}, which ended {}, and still held after", order.id, when(false)),
                    || {
                        format!(
                            "detenido en virtud de {}, que terminó {}, y seguía detenido después",
                            order.id,
                            when(true)
                        )
                    },
                );
                report.push(finding);
            }
        }
    }
}

/// `whereabouts-unknown`: the timeline ends in a move (in transit, or a gap after one) with no
/// arrival, booking, release or granted contact for more than `days`.
pub fn whereabouts_unknown(case: &Case, policy: &Policy, report: &mut Report) {
    let limit = policy.whereabouts_unknown.days;
    let parameters = policy.parameters("whereabouts-unknown");
    for (subject, stretches) in &case.timelines {
        let Some(last) = stretches.last() else { continue };
        if last.until.is_some() || !matches!(last.state, "in_transit" | "unknown") {
            continue;
        }
        let seen_since = case.naming(subject, "contact").any(|c| {
            c.str("outcome") == Some("granted")
                && c.time("at").is_some_and(|at| at.earliest >= last.from.latest)
        });
        if seen_since {
            continue;
        }
        let days = days_between(&last.from, &Interval::at(report.as_of));
        if days.0 <= limit {
            continue;
        }
        let mut finding = subject_finding(case, "whereabouts-unknown", Outcome::Warning, subject, last);
        finding.details.insert("days", json!(days.0.floor()));
        finding.parameters = parameters.clone();
        let since = |es| show::time(&last.from, finding.zone.as_deref(), es);
        let to = |es| case.name(last.to.as_deref(), es);
        finding.message = report.say(
            || {
                format!(
                    "moved towards {} {}; not seen since: {}",
                    to(false),
                    since(false),
                    show::days(days, false)
                )
            },
            || {
                format!(
                    "trasladado hacia {} {}; sin noticias desde entonces: {}",
                    to(true),
                    since(true),
                    show::days(days, true)
                )
            },
        );
        report.push(finding);
    }
}

/// `incommunicado`: in custody more than `days` with no granted counsel or family contact, or at a
/// place with `visits: denied`; escalated past `escalate_days`.
pub fn incommunicado(case: &Case, policy: &Policy, report: &mut Report) {
    let (limit, escalate) = (policy.incommunicado.days, policy.incommunicado.escalate_days);
    let parameters = policy.parameters("incommunicado");
    for (subject, stretches) in &case.timelines {
        // The contacts concern the subject, not one stretch: read once.
        let contacts = case.about(subject, "contact");
        for stretch in stretches.iter().filter(|s| s.state == "in_custody") {
            let end = end_of(stretch, report.as_of);
            let granted = contacts.iter().any(|c| {
                matches!(c.str("kind"), Some("counsel" | "family"))
                    && c.str("outcome") == Some("granted")
                    && c.time("at")
                        .is_some_and(|at| at.latest >= stretch.from.earliest && at.earliest <= end.latest)
            });
            let denied_visits = stretch
                .place
                .as_deref()
                .and_then(|p| case.record(p))
                .is_some_and(|p| p.str("visits") == Some("denied"));
            let days = days_between(&stretch.from, &end);
            if granted || (days.0 <= limit && !denied_visits) {
                continue;
            }
            let mut finding = subject_finding(case, "incommunicado", Outcome::Warning, subject, stretch);
            let denials: Vec<Id> = contacts
                .iter()
                .filter(|c| c.str("outcome") == Some("denied"))
                .map(|c| c.id.clone())
                .collect();
            finding.records.extend(denials);
            if denied_visits && let Some(place) = &stretch.place {
                finding.records.push(place.clone());
            }
            finding.details.insert("days", json!(days.0.floor()));
            finding.details.insert("escalated", json!(days.0 > escalate));
            finding.parameters = parameters.clone();
            let place = |es| case.name(stretch.place.as_deref(), es);
            let since = |es| show::since(&stretch.from, finding.zone.as_deref(), es);
            let why = if denied_visits {
                ["the place allows no visits", "el lugar no admite visitas"]
            } else {
                ["no counsel or family contact granted", "sin contacto con abogados ni familia"]
            };
            finding.message = report.say(
                || {
                    format!(
                        "held in {} {}, for {}: {}",
                        place(false),
                        since(false),
                        show::days(days, false),
                        why[0]
                    )
                },
                || {
                    format!(
                        "detenido en {} {}, durante {}: {}",
                        place(true),
                        since(true),
                        show::days(days, true),
                        why[1]
                    )
                },
            );
            report.push(finding);
        }
    }
}

/// `shared-responsibility`: the custodian's state, and every other state that requested, paid
/// for or is party to an agreement about the detention, or that a court found kept constructive
/// custody. One `info` finding per subject and place.
pub fn shared_responsibility(case: &Case, report: &mut Report) {
    for (subject, stretches) in &case.timelines {
        let reach = case.cohorts_of(subject);
        let concerns_subject = |ids: Vec<Id>| ids.iter().any(|s| s == subject || reach.contains(s));
        let mut seen_places = std::collections::BTreeSet::new();
        for stretch in stretches.iter().filter(|s| s.state == "in_custody") {
            let (Some(place), Some(custodian)) = (&stretch.place, &stretch.custodian) else { continue };
            let Some(jailer) = case.org_state(custodian) else { continue };
            if !seen_places.insert(place.clone()) {
                continue;
            }
            let mut states = vec![jailer.to_string()];
            let mut records = case.ids_at(&stretch.records);
            for agreement in case.of_type("agreement") {
                let places = agreement.strings("places");
                let subjects = agreement.strings("subjects");
                let about_this = places.contains(place)
                    || concerns_subject(subjects.clone())
                    || (places.is_empty()
                        && subjects.is_empty()
                        && agreement.str("kind") == Some("detention")
                        && agreement.strings("parties").iter().any(|p| case.org_state(p) == Some(jailer)));
                if !about_this {
                    continue;
                }
                let mut orgs = agreement.strings("parties");
                orgs.extend(agreement.strings("requested_by"));
                orgs.extend(agreement.strings("paid_by"));
                for org in orgs {
                    if let Some(state) = case.org_state(&org)
                        && !states.iter().any(|s| s == state)
                    {
                        states.push(state.to_string());
                    }
                }
                records.push(agreement.id.clone());
            }
            for found in
                case.of_type("court_finding").filter(|f| f.str("fact") == Some("constructive_custody"))
            {
                if !concerns_subject(found.subjects()) {
                    continue;
                }
                if let Some(state) = found.str("court").and_then(|c| case.org_state(c))
                    && !states.iter().any(|s| s == state)
                {
                    states.push(state.to_string());
                }
                records.push(found.id.clone());
            }
            if states.len() < 2 {
                continue;
            }
            let mut finding = subject_finding(case, "shared-responsibility", Outcome::Info, subject, stretch);
            finding.about =
                records.iter().find(|r| case.record(r).is_some_and(|r| r.kind != "custody")).cloned();
            finding.records = records;
            finding.confidence = case.lowest_confidence(&finding.records);
            finding.details.insert("states", json!(states));
            let place = |es| case.name(Some(place), es);
            finding.message = report.say(
                || {
                    format!(
                        "held in {} by {jailer}; answerable too: {}",
                        place(false),
                        states[1..].join(", ")
                    )
                },
                || {
                    format!(
                        "detenido en {} por {jailer}; también responsables: {}",
                        place(true),
                        states[1..].join(", ")
                    )
                },
            );
            report.push(finding);
        }
    }
}
