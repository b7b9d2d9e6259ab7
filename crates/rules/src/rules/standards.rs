//! The rules about minimum standards and the record itself: `notice`, `ineligible-basis`,
//! `enforced-disappearance`, `register-gap`, `transfer-pending-matter`, `over-capacity`,
//! `appearance-only-evidence`, `refoulement-risk`, `time-integrity`.

use std::collections::BTreeSet;
use std::sync::Arc;

use habeas_model::time::Interval;
use serde_json::{Map, Value, json};

use crate::acts::Act;
use crate::case::Id;
use crate::case::{Case, Record, Stretch};
use crate::field::{Field, Fields};
use crate::finding::{Finding, Outcome, interval_json};
use crate::holds::{days_between, hours_between};
use crate::policy::Policy;
use crate::rules::{Report, on_subject};
use crate::show;

/// Whether a record concerns `subject`: names it, or a cohort it belongs to.
fn concerns(case: &Case, ids: &[Id], subject: &str) -> bool {
    let reach = case.cohorts_of(subject);
    ids.iter().any(|id| id == subject || reach.contains(id))
}

fn finish(case: &Case, mut finding: Finding) -> Finding {
    finding.records.dedup();
    finding.confidence = case.lowest_confidence(&finding.records);
    finding
}

/// The instruments behind a subject's custody: the events' `basis`, else its cohorts'.
fn bases(case: &Case, subject: &str, event: &Record) -> Vec<Id> {
    let own = event.strings("basis");
    if !own.is_empty() {
        return own;
    }
    case.cohorts_of(subject).iter().filter_map(|c| case.record(c)).flat_map(|c| c.strings("basis")).collect()
}

/// The persons and cohorts a petition is for.
fn beneficiaries(petition: &Record) -> Vec<Id> {
    let beneficiaries = petition.body.get("beneficiaries");
    let named = |field: &str| crate::case::strings(beneficiaries.and_then(|b| b.get(field)));
    named("persons").into_iter().chain(named("cohorts")).collect()
}

/// `notice`: was notice served in time, in a language the subject speaks, saying how to contest?
pub fn notice(case: &Case, acts: &[(Act<'_>, Vec<Id>)], policy: &Policy, report: &mut Report) {
    let (floor, minimum) = (policy.notice.floor_hours, policy.notice.minimum_hours);
    let parameters = policy.parameters("notice");
    let mut found_no_notice = BTreeSet::new();
    for court_finding in case.of_type("court_finding").filter(|f| f.str("fact") == Some("no_notice")) {
        for subject in court_finding.subjects() {
            found_no_notice.insert(subject.clone());
            let mut finding = on_subject(case, "notice", Outcome::Violation, &subject);
            finding.about = Some(court_finding.id.clone());
            finding.at = court_finding.time("at");
            finding.zone = case.court_zone(court_finding).map(Id::from);
            finding.records = vec![court_finding.id.clone()];
            let court = case.name(court_finding.str("court"), false);
            finding.message = report.say(
                || format!("{court} found they were removed without notice"),
                || {
                    format!(
                        "{} determinó que fueron expulsados sin aviso",
                        case.name(court_finding.str("court"), true)
                    )
                },
            );
            finding.parameters = parameters.clone();
            report.push(finish(case, finding));
        }
    }
    for (act, subjects) in acts {
        if act.kind != "depart_territory" {
            continue;
        }
        for subject in subjects {
            if found_no_notice.contains(subject) {
                continue;
            }
            let notices: Vec<&Record> = case
                .about(subject, "notice")
                .into_iter()
                .filter(|n| n.time("served").is_some_and(|s| s.earliest <= act.at.latest))
                .collect();
            let required = bases(case, subject, act.event)
                .iter()
                .filter_map(|b| case.record(b))
                .filter_map(|b| b.body.get("notice_hours").and_then(Field::as_f64))
                .fold(0.0, f64::max);
            let mut finding = on_subject(case, "notice", Outcome::DataGap, subject);
            finding.act = Some(act.event.id.clone());
            finding.at = Some(act.at);
            finding.zone = act.place.as_deref().and_then(|p| case.place_zone(p)).map(Id::from);
            let mut with_required = (*parameters).clone();
            with_required.insert("required_hours".into(), json!(required));
            finding.parameters = Arc::new(with_required);
            finding.records = vec![act.event.id.clone()];
            let Some(last) = notices.iter().max_by_key(|n| n.time("served").map(|s| s.latest)) else {
                finding.message = report.say(
                    || "removed with no notice recorded".to_string(),
                    || "expulsado sin que conste aviso alguno".to_string(),
                );
                finding.details.insert("missing", json!("notice"));
                report.push(finish(case, finding));
                continue;
            };
            let served = last.time("served").unwrap_or(act.at);
            let hours = hours_between(&served, &act.at);
            let content = last.strings("content");
            let languages: Vec<Id> = std::iter::once(Id::from(subject))
                .chain(case.cohorts_of(subject))
                .filter_map(|s| case.record(&s))
                .flat_map(|r| r.strings("languages"))
                .collect();
            let language = last.str("language");
            let mut problems: Vec<[String; 2]> = Vec::new();
            if hours.0 <= floor {
                problems.push([
                    format!("{floor} h or less before departure"),
                    format!("{floor} h o menos antes de la salida"),
                ]);
            }
            if required > 0.0 && hours.0 < required {
                problems.push([
                    format!("less than the {required} h required"),
                    format!("menos de las {required} h exigidas"),
                ]);
            }
            if !content.iter().any(|c| c == "how_to_contest") {
                problems.push(["without saying how to contest".into(), "sin indicar cómo impugnar".into()]);
            }
            if let Some(language) = language
                && !languages.is_empty()
                && !languages.iter().any(|l| l == language || l.starts_with(&format!("{language}-")))
            {
                problems.push([
                    format!("in {language}, which they do not speak"),
                    format!("en {language}, que no hablan"),
                ]);
            }
            finding.about = Some(last.id.clone());
            finding.records.insert(0, last.id.clone());
            finding.details.insert("hours_before", json!([hours.0, hours.1]));
            let short = hours.0 < minimum;
            finding.outcome = if !problems.is_empty() {
                Outcome::Violation
            } else if short {
                Outcome::Warning
            } else {
                continue;
            };
            if problems.is_empty() {
                problems.push([
                    format!("under the {minimum} h minimum"),
                    format!("por debajo del mínimo de {minimum} h"),
                ]);
            }
            let said = |i: usize| problems.iter().map(|p| p[i].as_str()).collect::<Vec<_>>().join("; ");
            finding.message = report.say(
                || format!("notice {} h before departure: {}", hours.0.floor(), said(0)),
                || format!("aviso {} h antes de la salida: {}", hours.0.floor(), said(1)),
            );
            report.push(finish(case, finding));
        }
    }
}

/// The subject's age in whole years on a day, from a calendar birth date.
fn age_on(born: &str, day: jiff::civil::Date) -> Option<i16> {
    let born: jiff::civil::Date = born.parse().ok()?;
    let mut age = day.year() - born.year();
    if (day.month(), day.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    Some(age)
}

/// `ineligible-basis`: the subject does not meet the authority's own `applies_to` terms.
pub fn ineligible_basis(case: &Case, report: &mut Report) {
    // Only an instrument with terms (`applies_to`) can be ineligible: with none in the case,
    // there is no custody event to read (a million of them at 7.8M records, each basis looked up).
    if !case.of_type("instrument").any(|i| i.body.contains_key("applies_to")) {
        return;
    }
    let mut seen = BTreeSet::new();
    for event in case.of_type("custody") {
        let Some(at) = event.time("at") else { continue };
        for subject in event.subjects() {
            for basis in event.strings("basis") {
                let Some(instrument) = case.record(&basis).filter(|b| b.kind == "instrument") else {
                    continue;
                };
                let Some(terms) = instrument.body.get("applies_to") else { continue };
                if !seen.insert((subject.clone(), basis.clone())) {
                    continue;
                }
                let person = case.record(&subject);
                let nationality: Vec<Id> = std::iter::once(subject.clone())
                    .chain(case.cohorts_of(&subject))
                    .flat_map(|s| case.nationality(&s))
                    .collect();
                let mut unmet: Vec<String> = Vec::new();
                let wanted = crate::case::strings(terms.get("nationality"));
                if !wanted.is_empty()
                    && !nationality.is_empty()
                    && !nationality.iter().any(|n| wanted.contains(n))
                {
                    unmet.push(format!("nationality {} not {}", nationality.join("/"), wanted.join("/")));
                }
                let day = at.earliest.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
                if let (Some(min), Some(born)) =
                    (terms.get("min_age").and_then(Field::as_i64), person.and_then(|p| p.str("born")))
                    && let Some(age) = age_on(born, day)
                    && i64::from(age) < min
                {
                    unmet.push(format!("age {age}, under {min}"));
                }
                let excludes = crate::case::strings(terms.get("excludes"));
                let country = instrument.str("country");
                for status in
                    person.and_then(|p| p.body.get("status")).and_then(Field::as_array).into_iter().flatten()
                {
                    let kind = status.get("status").and_then(Field::as_str).unwrap_or("");
                    let here =
                        status.get("country").and_then(Field::as_str).is_none_or(|c| Some(c) == country);
                    if here && excludes.iter().any(|e| e == kind) {
                        unmet.push(format!("{kind}, which the authority excludes"));
                    }
                }
                if unmet.is_empty() {
                    continue;
                }
                let mut finding = on_subject(case, "ineligible-basis", Outcome::Violation, &subject);
                finding.about = Some(basis.clone());
                finding.act = Some(event.id.clone());
                finding.at = Some(at);
                finding.records = vec![basis.clone(), event.id.clone(), subject.clone()];
                finding.details.insert("unmet", json!(unmet));
                finding.message = report.say(
                    || format!("held under {basis}, whose terms they do not meet: {}", unmet.join("; ")),
                    || format!("detenido bajo {basis}, cuyos requisitos no cumple: {}", unmet.join("; ")),
                );
                report.push(finish(case, finding));
            }
        }
    }
}

/// The end of a stretch, or `as_of` while it lasts.
fn end_of(stretch: &Stretch, as_of: jiff::Timestamp) -> Interval {
    stretch.until.unwrap_or(Interval::at(as_of))
}

fn within(at: Option<Interval>, from: &Interval, to: &Interval) -> bool {
    at.is_some_and(|at| at.latest >= from.earliest && at.earliest <= to.latest)
}

/// `enforced-disappearance`: the elements of ICPPED art. 2 side by side, each with the records that
/// evidence it and since when; a `possible_violation` when all four appear, never a conclusion.
pub fn enforced_disappearance(case: &Case, policy: &Policy, report: &mut Report) {
    let limit = policy.enforced_disappearance.days;
    let parameters = policy.parameters("enforced-disappearance");
    // Concealment, one of the four elements, is read from acknowledgments and contacts: with
    // neither in the case, or none about a subject, there is nothing to find (and at 7.8M
    // records, gathering the other three for every stretch had taken 1.8 s).
    if !case.holds_any("acknowledgment") && !case.holds_any("contact") {
        return;
    }
    for (subject, stretches) in &case.timelines {
        let acknowledgments = case.about(subject, "acknowledgment");
        let contacts = case.about(subject, "contact");
        if acknowledgments.is_empty() && contacts.is_empty() {
            continue;
        }
        for stretch in stretches.iter().filter(|s| s.state == "in_custody") {
            let end = end_of(stretch, report.as_of);
            let about = |r: &&Record| concerns(case, &r.subjects(), subject);
            // In the stretch's time and, when the record says where, at its place: a denial of
            // visits at CECOT says nothing of custody somewhere else the day it ended.
            let during = |r: &&Record| {
                within(r.time("at"), &stretch.from, &end)
                    && r.str("place").is_none_or(|p| stretch.place.as_deref() == Some(p))
            };
            let mut elements = Map::new();
            let mut element = |name: &str, since: Option<Interval>, records: Vec<Id>| {
                if !records.is_empty() {
                    elements
                        .insert(name.into(), json!({"since": since.map(interval_json), "records": records}));
                }
            };
            let stretch_records = case.ids_at(&stretch.records);
            element("deprivation_of_liberty", Some(stretch.from), stretch_records.clone());
            let jailer = stretch.custodian.as_deref().and_then(|c| case.org_state(c));
            let mut state_records: Vec<Id> = Vec::new();
            if jailer.is_some() {
                state_records.extend(stretch_records.first().cloned());
            }
            state_records.extend(
                case.of_type("agreement")
                    .filter(|a| {
                        stretch.place.as_ref().is_some_and(|p| a.strings("places").contains(p)) || about(a)
                    })
                    .map(|a| a.id.clone()),
            );
            element("state_involvement", Some(stretch.from), state_records);
            let denials: Vec<&Record> = acknowledgments
                .iter()
                .copied()
                .filter(during)
                .filter(|a| matches!(a.str("status"), Some("denied" | "no_information")))
                .collect();
            let published = acknowledgments.iter().any(|a| a.str("status") == Some("list_published"));
            let cut_off: Vec<&Record> = contacts
                .iter()
                .copied()
                .filter(during)
                .filter(|c| {
                    matches!(c.str("kind"), Some("counsel" | "family")) && c.str("outcome") == Some("denied")
                })
                .collect();
            let concealment: Vec<&Record> =
                if published { Vec::new() } else { denials.iter().chain(&cut_off).copied().collect() };
            let since = concealment.iter().filter_map(|r| r.time("at")).min_by_key(|t| t.earliest);
            let long_enough = since.is_some_and(|s| days_between(&s, &end).1 > limit);
            if long_enough {
                element("non_acknowledgment", since, concealment.iter().map(|r| r.id.clone()).collect());
            }
            let counsel_granted = contacts
                .iter()
                .copied()
                .filter(during)
                .any(|c| c.str("kind") == Some("counsel") && c.str("outcome") == Some("granted"));
            let mut outside: Vec<Id> = Vec::new();
            if !counsel_granted {
                outside.extend(
                    cut_off.iter().filter(|c| c.str("kind") == Some("counsel")).map(|c| c.id.clone()),
                );
            }
            for petition in case.of_type("petition") {
                let named = beneficiaries(petition);
                let filed_during = within(petition.time("filed"), &stretch.from, &end);
                let decided = case.of_type("decision").any(|d| {
                    d.str("petition") == Some(&petition.id)
                        && d.time("at").is_some_and(|at| at.earliest <= end.latest)
                });
                if filed_during && !decided && concerns(case, &named, subject) {
                    outside.push(petition.id.clone());
                }
            }
            outside.extend(
                case.of_type("court_finding")
                    .filter(about)
                    .filter(|f| f.str("fact") == Some("incommunicado"))
                    .map(|f| f.id.clone()),
            );
            element("outside_the_protection_of_the_law", None, outside);
            if elements.len() < 4 {
                continue;
            }
            let mut finding = on_subject(case, "enforced-disappearance", Outcome::PossibleViolation, subject);
            finding.about = stretch.place.clone();
            finding.act = stretch.records.first().and_then(|&p| case.at(p)).map(|r| r.id.clone());
            finding.at = Some(stretch.from);
            finding.zone = stretch.place.as_deref().and_then(|p| case.place_zone(p)).map(Id::from);
            finding.records = elements
                .values()
                .flat_map(|e| e["records"].as_array().cloned().unwrap_or_default())
                .filter_map(|r| r.as_str().map(Id::from))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            finding.parameters = parameters.clone();
            let days = days_between(&stretch.from, &end);
            finding.details.insert("elements", Value::Object(elements));
            finding.message = report.say(|| format!(
                    "the four elements of an enforced disappearance appear together for {} in {}: custody, state involvement, concealment, outside the protection of the law",
                    show::days(days, false),
                    case.name(stretch.place.as_deref(), false)
                ), || format!(
                    "los cuatro elementos de una desaparición forzada aparecen juntos durante {} en {}: custodia, participación del Estado, ocultamiento, sustracción a la protección de la ley",
                    show::days(days, true),
                    case.name(stretch.place.as_deref(), true)
                ));
            report.push(finish(case, finding));
        }
    }
}

/// `register-gap`: what ICPPED art. 17(3) asks the custody record to hold, and what it lacks.
pub fn register_gap(case: &Case, report: &mut Report) {
    for (subject, stretches) in &case.timelines {
        let held: Vec<&Stretch> = stretches.iter().filter(|s| s.state == "in_custody").collect();
        if held.is_empty() {
            continue;
        }
        let events: Vec<&Record> =
            stretches.iter().flat_map(|s| &s.records).filter_map(|&at| case.at(at)).collect();
        let mut missing: Vec<&str> = Vec::new();
        let identity =
            case.record(subject).is_some_and(|r| r.kind == "person" && r.body.contains_key("names"));
        if !identity {
            missing.push("identity");
        }
        if !events.iter().any(|e| e.body.contains_key("authority") || e.body.contains_key("basis")) {
            missing.push("authority_and_grounds");
        }
        let first = held[0];
        let exact = first.from.earliest == first.from.latest;
        if !exact || first.place.is_none() {
            missing.push("date_time_and_place_of_deprivation");
        }
        if !events.iter().any(|e| {
            e.str("event") == Some("booked_in") && e.time("at").is_some_and(|t| t.earliest == t.latest)
        }) {
            missing.push("place_of_detention_with_admission_time");
        }
        let transfers_incomplete = events.iter().any(|e| {
            matches!(e.str("event"), Some("transferred" | "departed" | "handed_over"))
                && (!e.body.contains_key("to")
                    || !(e.body.contains_key("authority") || e.body.contains_key("custodian")))
        });
        if transfers_incomplete {
            missing.push("destination_and_authority_of_transfer");
        }
        if missing.is_empty() {
            continue;
        }
        let mut finding = on_subject(case, "register-gap", Outcome::DataGap, subject);
        finding.about = first.place.clone();
        finding.at = Some(first.from);
        finding.zone = first.place.as_deref().and_then(|p| case.place_zone(p)).map(Id::from);
        finding.records = events.iter().map(|e| e.id.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        finding.details.insert("missing", json!(missing));
        finding.message = report.say(
            || format!("the custody record lacks: {}", missing.join(", ").replace('_', " ")),
            || format!("al registro de custodia le falta: {}", missing.join(", ").replace('_', " ")),
        );
        report.push(finish(case, finding));
    }
}

/// `transfer-pending-matter`: moved while a petition about them was filed and undecided.
pub fn transfer_pending_matter(case: &Case, report: &mut Report) {
    // With no petition in the case, no transfer can be made while one is pending.
    if !case.holds_any("petition") {
        return;
    }
    for event in
        case.of_type("custody").filter(|e| matches!(e.str("event"), Some("transferred" | "departed")))
    {
        let at = event.time("at").or_else(|| {
            let flight = case.record(event.str("flight")?)?;
            flight.time("legs[0].departed")
        });
        let Some(at) = at else { continue };
        for subject in event.subjects() {
            for petition in case.of_type("petition") {
                let named = beneficiaries(petition);
                let covered = concerns(case, &named, &subject)
                    || case.of_type("cohort").any(|c| {
                        named.contains(&c.id)
                            && (c.id == subject || case.cohorts_of(&c.id).contains(&subject))
                    });
                let Some(filed) = petition.time("filed") else { continue };
                if !covered || filed.latest > at.earliest {
                    continue;
                }
                let decided = case.of_type("decision").any(|d| {
                    d.str("petition") == Some(&petition.id)
                        && d.time("at").is_some_and(|t| t.latest <= at.earliest)
                });
                if decided {
                    continue;
                }
                let mut finding = on_subject(case, "transfer-pending-matter", Outcome::Warning, &subject);
                finding.about = Some(petition.id.clone());
                finding.act = Some(event.id.clone());
                finding.at = Some(at);
                let place = event.str("place").or_else(|| {
                    case.record(event.str("flight")?)?.body.get("legs")?.item(0)?.get("from")?.as_str()
                });
                finding.zone = place.and_then(|p| case.place_zone(p)).map(Id::from);
                finding.records = vec![petition.id.clone(), event.id.clone()];
                let when = |es| show::time(&at, finding.zone.as_deref(), es);
                finding.message = report.say(
                    || format!("moved {} while {} about them was pending", when(false), petition.id),
                    || {
                        format!(
                            "trasladado {} mientras {} sobre su caso seguía pendiente",
                            when(true),
                            petition.id
                        )
                    },
                );
                report.push(finish(case, finding));
            }
        }
    }
}

/// `over-capacity`: a place holding more than its capacity, one finding per run of days over and
/// kind of count, with the peak; a capacity without any count is a `data_gap`.
pub fn over_capacity(case: &Case, report: &mut Report) {
    let held = crate::tally::held_at(case);
    let counted = crate::tally::counted_at(case);
    for place in case.of_type("place").filter(|p| crate::tally::has_capacity(p)) {
        let tallies = crate::tally::tallies(case, place, report.as_of, &held, &counted);
        let mut finding_base = Finding::new("over-capacity", Outcome::Warning);
        finding_base.about = Some(place.id.clone());
        finding_base.zone = place.str("tz").map(Id::from);
        if tallies.is_empty() {
            let mut finding = finding_base;
            finding.outcome = Outcome::DataGap;
            finding.records = vec![place.id.clone()];
            finding.message = report.say(
                || {
                    format!(
                        "{}: a capacity is recorded but no count of who is held",
                        case.name(Some(&place.id), false)
                    )
                },
                || {
                    format!(
                        "{}: consta su capacidad pero ningún recuento de detenidos",
                        case.name(Some(&place.id), true)
                    )
                },
            );
            report.push(finish(case, finding));
            continue;
        }
        let kinds: BTreeSet<&str> = tallies.iter().map(|t| t.kind.as_str()).collect();
        for kind in kinds {
            let mut run: Vec<&crate::case::DayTally> = Vec::new();
            let days: Vec<&crate::case::DayTally> = tallies.iter().filter(|t| t.kind == kind).collect();
            for (i, tally) in days.iter().enumerate() {
                let over = tally.capacity.is_some_and(|c| tally.count > c);
                let next_day = run.last().is_none_or(|last| last.day.tomorrow().ok() == Some(tally.day));
                if over && next_day {
                    run.push(tally);
                }
                let closes = !over || !next_day || i + 1 == days.len();
                if closes && !run.is_empty() {
                    let peak = run.iter().max_by_key(|t| t.count).copied();
                    let (Some(peak), Some(first), Some(last)) = (peak, run.first(), run.last()) else {
                        continue;
                    };
                    let mut finding = finding_base.clone();
                    finding.records = std::iter::once(place.id.clone())
                        .chain(run.iter().flat_map(|t| t.records.iter().cloned()))
                        .collect();
                    finding.details.insert("peak", json!(peak.count));
                    finding.details.insert("capacity", json!(peak.capacity));
                    finding.details.insert("from", json!(first.day.to_string()));
                    finding.details.insert("until", json!(last.day.to_string()));
                    finding.details.insert("kind", json!(kind));
                    finding.key = Some(format!("{kind}:{}", first.day).into());
                    let name = case.name(Some(&place.id), false);
                    let capacity = peak.capacity.unwrap_or_default();
                    finding.message = report.say(|| format!(
                            "{name} held up to {} ({kind}) against a capacity of {capacity}, {} to {}",
                            peak.count, first.day, last.day
                        ), || format!(
                            "{name} llegó a {} detenidos ({kind}) con capacidad para {capacity}, del {} al {}",
                            peak.count, first.day, last.day
                        ));
                    report.push(finish(case, finding));
                    run.clear();
                }
                if over && !next_day {
                    run.push(tally);
                }
            }
        }
    }
}

/// `appearance-only-evidence`: a membership allegation resting only on tattoos, clothing,
/// insignia, hand signs or where someone was, with no charge or conviction.
pub fn appearance_only_evidence(case: &Case, report: &mut Report) {
    const APPEARANCE: [&str; 5] = ["tattoo", "clothing", "insignia", "hand_signs", "location"];
    for allegation in case.of_type("allegation").filter(|a| a.str("claim") == Some("membership")) {
        let evidence = allegation.body.get("evidence").and_then(Field::as_array).unwrap_or_default();
        let kinds: Vec<&str> =
            evidence.iter().filter_map(|e| e.get("kind").and_then(Field::as_str)).collect();
        if kinds.is_empty() || !kinds.iter().all(|k| APPEARANCE.contains(k)) {
            continue;
        }
        for subject in allegation.subjects() {
            let charged = case
                .about(&subject, "custody")
                .iter()
                .any(|e| e.body.get("charges").and_then(Field::as_array).is_some_and(|c| !c.is_empty()));
            if charged {
                continue;
            }
            let mut finding = on_subject(case, "appearance-only-evidence", Outcome::Warning, &subject);
            finding.about = Some(allegation.id.clone());
            finding.at = allegation.time("at");
            finding.records = vec![allegation.id.clone()];
            finding.details.insert("evidence", json!(kinds));
            finding.message = report.say(
                || format!("the membership allegation rests only on appearance: {}", kinds.join(", ")),
                || format!("la acusación de pertenencia se basa solo en la apariencia: {}", kinds.join(", ")),
            );
            report.push(finish(case, finding));
        }
    }
}

/// `refoulement-risk`: removed to a place with documented grave risks, published before the act,
/// without an individual risk assessment before departure.
pub fn refoulement_risk(case: &Case, acts: &[(Act<'_>, Vec<Id>)], report: &mut Report) {
    for (act, subjects) in acts {
        if act.kind == "continue_in_flight" {
            continue;
        }
        let destination = act.event.str("to").map(Id::from);
        // The destination and the places it lies within.
        let mut places: Vec<Id> = Vec::new();
        let mut next = destination.clone();
        while let Some(place) = next.take() {
            if places.contains(&place) || places.len() > 8 {
                break;
            }
            next = case.record(&place).and_then(|p| p.str("within")).map(Id::from);
            places.push(place);
        }
        let mut risks: Vec<(Id, String)> = Vec::new();
        for place in &places {
            let Some(record) = case.record(place) else { continue };
            for risk in record.body.get("risks").and_then(Field::as_array).into_iter().flatten() {
                let published = crate::case::strings(risk.get("sources"))
                    .iter()
                    .filter_map(|s| case.record(s))
                    .filter_map(|s| s.time("published"))
                    .map(|t| t.earliest)
                    .min();
                if published.is_some_and(|p| p < act.at.earliest) {
                    let kind = risk.get("kind").and_then(Field::as_str).unwrap_or("other");
                    risks.push((place.clone(), kind.to_string()));
                }
            }
        }
        if risks.is_empty() {
            continue;
        }
        for subject in subjects {
            let assessed = case.about(subject, "assessment").iter().any(|a| {
                a.str("kind") == Some("risk") && a.time("at").is_some_and(|t| t.latest <= act.at.earliest)
            });
            if assessed {
                continue;
            }
            let mut finding = on_subject(case, "refoulement-risk", Outcome::Warning, subject);
            finding.about = destination.clone();
            finding.act = Some(act.event.id.clone());
            finding.at = Some(act.at);
            finding.zone = act.place.as_deref().and_then(|p| case.place_zone(p)).map(Id::from);
            finding.records = vec![act.event.id.clone()];
            finding.records.extend(risks.iter().map(|(p, _)| p.clone()));
            let kinds: Vec<&str> = risks.iter().map(|(_, k)| k.as_str()).collect();
            finding.details.insert("risks", json!(kinds));
            let to = |es| case.name(destination.as_deref(), es);
            finding.message = report.say(
                || {
                    format!(
                        "sent to {} despite documented risks ({}) and no individual risk assessment",
                        to(false),
                        kinds.join(", ")
                    )
                },
                || {
                    format!(
                        "enviado a {} pese a riesgos documentados ({}) y sin evaluación individual de riesgo",
                        to(true),
                        kinds.join(", ")
                    )
                },
            );
            report.push(finish(case, finding));
        }
    }
}

/// The value at a time field's path: `at`, `oral.at`, `legs[1].departed`, `requires[0].by`.
fn value_at<'v>(body: &'v Fields, path: &str) -> Option<&'v Field> {
    let mut current: Option<&Field> = None;
    for (i, part) in path.split('.').enumerate() {
        let (name, index) = match part.split_once('[') {
            Some((name, index)) => (name, Some(index.trim_end_matches(']').parse::<usize>().ok()?)),
            None => (part, None),
        };
        let field = if i == 0 { body.get(name) } else { current?.get(name) };
        current = match index {
            Some(k) => field?.item(k),
            None => field,
        };
    }
    current
}

/// `time-integrity`: dates read in UTC for want of any zone (`data_gap`), and times carried as a
/// window because sources disagree or only a window is known (`info`, naming the window).
pub fn time_integrity(case: &Case, report: &mut Report) {
    for record in case.all() {
        if matches!(record.kind, "source" | "person" | "place" | "org" | "instrument") {
            continue;
        }
        for path in &record.unzoned {
            let mut finding = Finding::new("time-integrity", Outcome::DataGap);
            finding.about = Some(record.id.clone());
            finding.at = record.time(path);
            finding.records = vec![record.id.clone()];
            finding.details.insert("field", json!(path));
            finding.key = Some(path.as_str().into());
            finding.message = report.say(
                || format!("{}.{path}: a date with no zone (no place, court or tz); read in UTC", record.id),
                || {
                    format!(
                        "{}.{path}: una fecha sin zona horaria (sin lugar, tribunal ni tz); leída en UTC",
                        record.id
                    )
                },
            );
            report.push(finish(case, finding));
        }
        for (path, window) in &record.times {
            let written = value_at(&record.body, path);
            let is_window = written.is_some_and(|w| w.get("earliest").is_some() && w.get("latest").is_some());
            if !is_window || record.unzoned.contains(path) {
                continue;
            }
            let mut finding = Finding::new("time-integrity", Outcome::Info);
            finding.about = Some(record.id.clone());
            finding.at = Some(*window);
            finding.records = vec![record.id.clone()];
            finding.details.insert("field", json!(path));
            finding.key = Some(path.as_str().into());
            finding.details.insert("window", interval_json(*window));
            finding.message = report.say(|| format!(
                    "{}.{path} is carried as a window: sources disagree or only a window is known",
                    record.id
                ), || format!(
                    "{}.{path} se conserva como intervalo: las fuentes difieren o solo se conoce un intervalo",
                    record.id
                ));
            report.push(finish(case, finding));
        }
    }
}
