//! `habeas check`'s rules on small ledgers, each with a case where the rule fires, one where it does
//! not, and its edges: an order at 18:45 EDT against a departure at 17:50 CDT the same evening (the
//! zones differ; the instant decides), an uncertain time straddling the order's start, spoken and
//! written orders read side by side, a stay an hour before the act and one an hour after, a
//! vacatur weeks later, a person-specific order against a cohort, and a class scope decided by each
//! subject's basis.

mod common;

use common::{TestLedger, new_ledger};
use habeas_rules::{Finding, Holds, Outcome, Policy};
use habeas_store::Moment;
use habeas_store::check::Sources;

/// The world the stories happen in: two states, their organs, a court in New York's zone, airports
/// in three zones, a prison with no visits, and the two legal authorities.
const WORLD: &str = r#"
{"type":"source","id":"s","kind":"court_record","title":"Docket"}
{"type":"org","id":"us","name":"United States","kind":"government","country":"US"}
{"type":"org","id":"ice","name":"ICE","kind":"agency","parent":"us"}
{"type":"org","id":"court","name":"District court","kind":"court","parent":"us","country":"US","tz":"America/New_York"}
{"type":"org","id":"sv","name":"El Salvador","kind":"government","country":"SV"}
{"type":"org","id":"prisons","name":"Centros Penales","kind":"agency","parent":"sv"}
{"type":"place","id":"hrl","name":"Harlingen airport","kind":"airport","country":"US","tz":"America/Chicago"}
{"type":"place","id":"hn","name":"Palmerola","kind":"airport","country":"HN","tz":"America/Tegucigalpa"}
{"type":"place","id":"sal","name":"San Salvador airport","kind":"airport","country":"SV","tz":"America/El_Salvador"}
{"type":"place","id":"cecot","name":"CECOT","kind":"facility","country":"SV","tz":"America/El_Salvador","visits":"denied"}
{"type":"place","id":"dilley","name":"Dilley","kind":"facility","country":"US","tz":"America/Chicago"}
{"type":"instrument","id":"aea","kind":"proclamation","title":"Alien Enemies proclamation","country":"US","sources":["s"]}
{"type":"instrument","id":"t8","kind":"statute","title":"Title 8","country":"US","sources":["s"]}
"#;

/// A person held at Harlingen under `basis` (or none), then flown out on `flight`.
fn flown(person: &str, basis: Option<&str>, flight: &str) -> String {
    let basis = basis.map(|b| format!(r#","basis":["{b}"]"#)).unwrap_or_default();
    format!(
        r#"{{"type":"person","id":"{person}","name":"Persona {person}","sources":["s"]}}
{{"type":"custody","id":"in-{person}","subject":"{person}","event":"booked_in","at":"2025-03-10T09:00:00-05:00","place":"hrl","custodian":"ice"{basis},"sources":["s"]}}
{{"type":"custody","id":"out-{person}","subject":"{person}","event":"departed","flight":"{flight}","place":"hrl","to":"sal","custodian":"ice"{basis},"sources":["s"]}}
"#
    )
}

/// A two-leg flight from Harlingen through Honduras, leaving at `departed`.
fn flight(id: &str, departed: &str) -> String {
    format!(
        r#"{{"type":"flight","id":"{id}","legs":[{{"from":"hrl","to":"hn","departed":{departed},"arrived":"2025-03-15T19:40:00-06:00"}},{{"from":"hn","to":"sal","departed":"2025-03-15T23:30:00-06:00","arrived":"2025-03-16T00:30:00-06:00"}}],"sources":["s"]}}
"#
    )
}

/// A class-wide order spoken at 18:45 EDT barring all three removal acts.
const ORAL_CLASS_ORDER: &str = r#"{"type":"order","id":"tro","court":"court","kind":"tro","issued":"2025-03-15T18:45:00-04:00","oral":{"at":"2025-03-15T18:45:00-04:00","prohibits":["depart_territory","transfer_custody_foreign","continue_in_flight"]},"until":"2025-03-29","scope":{"class":{"basis":"aea","custodian":"us","in_country":"US"}},"prohibits":["remove"],"sources":["s"]}
"#;

fn ledger(parts: &[&str]) -> TestLedger {
    let mut t = new_ledger();
    t.import_at(&(WORLD.to_string() + &parts.concat()), "2025-12-01T00:00:00Z");
    t
}

fn run(t: &mut TestLedger, rule: &str, as_of: &str) -> Vec<Finding> {
    run_with(t, rule, as_of, &Policy::default())
}

fn run_with(t: &mut TestLedger, rule: &str, as_of: &str, policy: &Policy) -> Vec<Finding> {
    let moment = Moment { as_of: Some(as_of.parse().unwrap()), known_at: None };
    t.ledger.check(policy, &[rule.to_string()], moment).unwrap().findings.into_iter().map(|f| *f).collect()
}

/// The finding on `subject` about the custody event `act` itself (not one of its flight's legs).
fn about<'f>(findings: &'f [Finding], subject: &str, act: &str) -> Option<&'f Finding> {
    findings.iter().find(|f| {
        f.subjects.first().map(|s| s.as_str()) == Some(subject)
            && f.act.as_deref() == Some(act)
            && f.leg.is_none()
    })
}

const AFTER: &str = "2025-12-31T00:00:00Z";

#[test]
fn the_instant_decides_across_zones() {
    // 17:50 CDT is 18:50 EDT: five minutes after the order, though the clock on the ramp read
    // earlier than the judge's. 17:40 CDT is 18:40 EDT: five minutes before.
    let mut t = ledger(&[
        ORAL_CLASS_ORDER,
        &flight("late", r#""2025-03-15T17:50:00-05:00""#),
        &flight("early", r#""2025-03-15T17:40:00-05:00""#),
        &flown("p-late", Some("aea"), "late"),
        &flown("p-early", Some("aea"), "early"),
    ]);
    let found = run(&mut t, "order-conflict", AFTER);
    let late = about(&found, "p-late", "out-p-late").expect("departure after the order");
    assert_eq!(late.outcome, Outcome::Violation, "{late:?}");
    assert_eq!(late.about.as_deref(), Some("tro"));
    assert!(
        late.message[0].contains("2025-03-15 17:50 -05:00"),
        "shown in the place's zone: {}",
        late.message[0]
    );
    assert!(
        late.readings
            .iter()
            .any(|r| r.holds == Holds::Yes && r.keys.contains(&("act", "depart_territory".into())))
    );
    assert!(late.records.iter().any(|r| r == "late") && late.records.iter().any(|r| r == "tro"));

    let early: Vec<_> =
        found.iter().filter(|f| f.act.as_deref() == Some("out-p-early") && f.leg.is_none()).collect();
    assert!(early.is_empty(), "the early departure preceded the order: {early:?}");
    // Its second leg, from Honduras at 23:30, flew on while the order was in force.
    let leg =
        found.iter().find(|f| f.act.as_deref() == Some("out-p-early") && f.leg == Some(2)).expect("leg 2");
    assert_eq!(leg.outcome, Outcome::Violation);

    // --explain shows the early departure was checked and cleared, and why.
    let moment = Moment { as_of: Some(AFTER.parse().unwrap()), known_at: None };
    let report = t.ledger.check(&Policy::default(), &["order-conflict".into()], moment).unwrap();
    let cleared = report.cleared.iter().find(|c| c.act.as_deref() == Some("out-p-early")).expect("cleared");
    assert!(cleared.reason[0].contains("before the order took effect"), "{:?}", cleared.reason);
    // And the mid-operation rule sees that the early flight could still have turned back.
    let mid = run(&mut t, "mid-operation-order", AFTER);
    assert!(about(&mid, "p-early", "out-p-early").is_some_and(|f| f.outcome == Outcome::Warning), "{mid:?}");
    assert!(
        about(&mid, "p-late", "out-p-late").is_none(),
        "the late flight left after the order: not mid-operation"
    );
}

#[test]
fn an_uncertain_time_straddling_the_start_is_possible() {
    let mut t = ledger(&[
        ORAL_CLASS_ORDER,
        &flight("f", r#"{"earliest":"2025-03-15T17:40:00-05:00","latest":"2025-03-15T17:50:00-05:00"}"#),
        &flown("p", Some("aea"), "f"),
    ]);
    let found = run(&mut t, "order-conflict", AFTER);
    let f = about(&found, "p", "out-p").expect("finding");
    assert_eq!(f.outcome, Outcome::PossibleViolation);
    assert!(f.readings.iter().any(|r| r.holds == Holds::Possibly), "{:?}", f.readings);
}

#[test]
fn class_scope_is_decided_by_each_subjects_basis() {
    let mut t = ledger(&[
        ORAL_CLASS_ORDER,
        &flight("f", r#""2025-03-15T19:36:00-05:00""#),
        &flown("p-aea", Some("aea"), "f"),
        &flown("p-t8", Some("t8"), "f"),
        &flown("p-none", None, "f"),
    ]);
    let found = run(&mut t, "order-conflict", AFTER);
    assert_eq!(about(&found, "p-aea", "out-p-aea").map(|f| f.outcome), Some(Outcome::Violation));
    assert!(about(&found, "p-t8", "out-p-t8").is_none(), "held under Title 8: outside the class");
    // A Salvadoran with no basis recorded: the proclamation reaches only Venezuelans.
    let mut t_sv = ledger(&[
        ORAL_CLASS_ORDER,
        r#"{"type":"instrument","id":"aea-ve","kind":"proclamation","title":"AEA","country":"US","applies_to":{"nationality":["VE"]},"sources":["s"]}
"#,
        &ORAL_CLASS_ORDER
            .replace(r#""id":"tro""#, r#""id":"tro-ve""#)
            .replace(r#""basis":"aea""#, r#""basis":"aea-ve""#),
        &flight("f", r#""2025-03-15T19:36:00-05:00""#),
        &flown("p-sv", None, "f")
            .replace(r#""name":"Persona p-sv""#, r#""name":"Persona p-sv","nationality":["SV"]"#),
        &flown("p-ve", None, "f")
            .replace(r#""name":"Persona p-ve""#, r#""name":"Persona p-ve","nationality":["VE"]"#),
    ]);
    let by_ve_order = run(&mut t_sv, "order-conflict", AFTER);
    let under = |subject: &str| {
        by_ve_order.iter().any(|f| f.about.as_deref() == Some("tro-ve") && f.subjects[0] == subject)
    };
    assert!(!under("p-sv") && under("p-ve"), "{by_ve_order:?}");

    let unknown = about(&found, "p-none", "out-p-none").expect("no basis recorded: a possible member");
    assert_eq!(unknown.outcome, Outcome::PossibleViolation);
    assert!(unknown.readings.iter().all(|r| r.keys.contains(&("membership", "unknown".into()))));
}

#[test]
fn spoken_and_written_orders_are_read_side_by_side() {
    // Spoken at 18:45 EDT barring the three acts; written at 19:26 EDT barring "remove".
    let order = r#"{"type":"order","id":"tro","court":"court","kind":"tro","issued":"2025-03-15T18:45:00-04:00","oral":{"at":"2025-03-15T18:45:00-04:00","prohibits":["depart_territory","transfer_custody_foreign","continue_in_flight"]},"written":{"at":"2025-03-15T19:26:00-04:00","prohibits":["remove"]},"scope":{"persons":["p"]},"sources":["s"]}
"#;
    let handover = r#"{"type":"custody","id":"hand-p","subject":"p","event":"handed_over","at":"2025-03-16T00:45:00-06:00","place":"sal","to":"cecot","custodian":"prisons","sources":["s"]}
"#;
    let mut t = ledger(&[
        order,
        &flight("f", r#""2025-03-15T18:00:00-05:00""#),
        &flown("p", Some("aea"), "f"),
        handover,
    ]);
    let found = run(&mut t, "order-conflict", AFTER);

    // Left at 19:00 EDT: after the spoken order, before the written one.
    let departure = about(&found, "p", "out-p").expect("departure");
    assert_eq!(departure.outcome, Outcome::PossibleViolation);
    let row = |f: &Finding, form: &str, act: &str| {
        f.readings
            .iter()
            .find(|r| r.keys == vec![("effective", form.to_string()), ("act", act.to_string())])
            .map(|r| r.holds)
    };
    assert_eq!(row(departure, "oral", "depart_territory"), Some(Holds::Yes));
    assert_eq!(row(departure, "written", "depart_territory"), Some(Holds::No));

    // Handed to Salvadoran custody after both: barred by the spoken order and by the broad
    // reading of "remove", not the narrow one.
    let hand = about(&found, "p", "hand-p").expect("hand-over");
    assert_eq!(hand.outcome, Outcome::PossibleViolation);
    assert_eq!(hand.readings.len(), 6, "two forms × three acts: {:?}", hand.readings);
    assert_eq!(row(hand, "oral", "transfer_custody_foreign"), Some(Holds::Yes));
    assert_eq!(row(hand, "written", "transfer_custody_foreign"), Some(Holds::Yes));
    assert_eq!(row(hand, "written", "depart_territory"), Some(Holds::No));
    // The same finding keeps its id from one run to the next.
    let again = run(&mut t, "order-conflict", AFTER);
    assert_eq!(about(&again, "p", "hand-p").unwrap().id(), hand.id());
}

/// An order naming one person, issued on the 1st, barring removal.
const PERSON_ORDER: &str = r#"{"type":"order","id":"stay-p","court":"court","kind":"tro","issued":"2025-03-01T10:00:00-05:00","scope":{"persons":["p"]},"prohibits":["remove"],"sources":["s"]}
"#;

fn ruling(effect: &str, at: &str) -> String {
    format!(
        r#"{{"type":"ruling","id":"r-{effect}","order":"stay-p","at":"{at}","effect":"{effect}","court":"court","sources":["s"]}}
"#
    )
}

#[test]
fn a_stay_an_hour_before_the_act_clears_it_and_one_an_hour_after_does_not() {
    // The flight leaves at 18:00 CDT = 19:00 EDT.
    let base =
        [PERSON_ORDER.to_string(), flight("f", r#""2025-03-15T18:00:00-05:00""#), flown("p", None, "f")];
    let departure = |found: &[Finding]| {
        found.iter().find(|f| f.act.as_deref() == Some("out-p") && f.leg.is_none()).cloned()
    };

    let mut before = ledger(&[&base.concat(), &ruling("stayed", "2025-03-15T18:00:00-04:00")]);
    assert!(departure(&run(&mut before, "order-conflict", AFTER)).is_none(), "stayed an hour before");

    let mut after = ledger(&[&base.concat(), &ruling("stayed", "2025-03-15T20:00:00-04:00")]);
    let found = departure(&run(&mut after, "order-conflict", AFTER)).expect("stayed an hour after");
    // Named in the order: no class reading; "remove" read narrowly and broadly both bar departing.
    assert_eq!(found.outcome, Outcome::Violation, "{found:?}");

    // Vacated weeks later: the violation stands.
    let mut vacated = ledger(&[&base.concat(), &ruling("vacated", "2025-04-07T12:00:00-04:00")]);
    assert_eq!(
        departure(&run(&mut vacated, "order-conflict", AFTER)).map(|f| f.outcome),
        Some(Outcome::Violation)
    );
}

#[test]
fn a_person_specific_order_reaches_the_cohort_he_was_moved_with() {
    let cohort = r#"{"type":"cohort","id":"c","description":"the men on the flight","count":90,"members":["p"],"sources":["s"]}
{"type":"person","id":"p","name":"Persona p","sources":["s"]}
{"type":"custody","id":"out-c","subject":"c","event":"departed","flight":"f","place":"hrl","to":"sal","custodian":"ice","sources":["s"]}
"#;
    let mut t = ledger(&[PERSON_ORDER, &flight("f", r#""2025-03-15T18:00:00-05:00""#), cohort]);
    let found = run(&mut t, "order-conflict", AFTER);
    let f = about(&found, "c", "out-c").expect("the act on the cohort moved him");
    assert_eq!(f.outcome, Outcome::Violation);
    assert_eq!(f.subjects, vec!["c", "p"], "the cohort, then its known members");
    assert_eq!(f.count, Some(90));
}

#[test]
fn removal_to_a_protected_country() {
    let withholding = r#"{"type":"order","id":"wh","court":"court","kind":"withholding_of_removal","issued":"2019-10","scope":{"persons":["p","q"]},"countries":["SV"],"sources":["s"]}
{"type":"person","id":"p","name":"Persona p","sources":["s"]}
{"type":"person","id":"q","name":"Persona q","sources":["s"]}
{"type":"custody","id":"out-p","subject":"p","event":"departed","at":"2025-03-15","place":"hrl","to":"sal","custodian":"ice","sources":["s"]}
{"type":"custody","id":"out-q","subject":"q","event":"departed","at":"2025-03-15","place":"hrl","to":"hn","custodian":"ice","sources":["s"]}
"#;
    let mut t = ledger(&[withholding]);
    let found = run(&mut t, "protected-country", AFTER);
    assert_eq!(about(&found, "p", "out-p").map(|f| f.outcome), Some(Outcome::Violation));
    assert!(about(&found, "q", "out-q").is_none(), "Honduras is not the country he is protected from");
}

#[test]
fn remedies_due_are_done_stayed_or_missed() {
    let orders = r#"{"type":"person","id":"p","name":"Persona p","sources":["s"]}
{"type":"order","id":"ret-1","court":"court","kind":"return","issued":"2025-04-04","scope":{"persons":["p"]},"requires":[{"act":"facilitate_return","by":"2025-04-07T23:59:00-04:00"}],"sources":["s"]}
{"type":"order","id":"ret-2","court":"court","kind":"return","issued":"2025-04-04","scope":{"persons":["p"]},"requires":[{"act":"report","by":"2025-04-07T23:59:00-04:00"}],"sources":["s"]}
{"type":"order","id":"ret-3","court":"court","kind":"return","issued":"2025-04-04","scope":{"persons":["p"]},"requires":[{"act":"report","by":"2025-04-07T23:59:00-04:00"}],"sources":["s"]}
{"type":"ruling","id":"stay-1","order":"ret-1","at":"2025-04-07T16:00:00-04:00","effect":"stayed","court":"court","sources":["s"]}
{"type":"compliance","id":"done-3","order":"ret-3","act":"report","at":"2025-04-07T12:00:00-04:00","sources":["s"]}
"#;
    let mut t = ledger(&[orders]);
    let found = run(&mut t, "remedy-deadline", AFTER);
    let of = |order: &str| found.iter().find(|f| f.about.as_deref() == Some(order)).map(|f| f.outcome);
    assert_eq!(of("ret-1"), Some(Outcome::Info), "stayed before the deadline: not due");
    assert_eq!(of("ret-2"), Some(Outcome::Violation), "nothing done by the deadline");
    assert_eq!(of("ret-3"), None, "complied in time");
    // The act required is named in words of each language, not as the format's keyword.
    let missed = found.iter().find(|f| f.about.as_deref() == Some("ret-2")).unwrap();
    assert!(
        missed.message[0].starts_with("The report was due, at 2025-04-07 23:59 -04:00, under ret-2"),
        "{:?}",
        missed.message
    );
    assert!(missed.message[1].starts_with("El informe debía cumplirse"), "{:?}", missed.message);
    let stayed = found.iter().find(|f| f.about.as_deref() == Some("ret-1")).unwrap();
    assert!(stayed.message[1].starts_with("Facilitar el retorno debía cumplirse"), "{:?}", stayed.message);
    assert!(run(&mut t, "remedy-deadline", "2025-04-07T12:00:00Z").is_empty(), "not yet due on the day");
}

#[test]
fn held_cut_off_out_of_sight_or_without_authority() {
    let story = r#"{"type":"person","id":"p","name":"Persona p","sources":["s"]}
{"type":"custody","id":"p-in","subject":"p","event":"booked_in","at":"2025-03-01T09:00:00-06:00","place":"dilley","custodian":"ice","basis":["t8"],"sources":["s"]}
{"type":"person","id":"q","name":"Persona q","sources":["s"]}
{"type":"custody","id":"q-in","subject":"q","event":"booked_in","at":"2025-03-01T09:00:00-06:00","place":"dilley","custodian":"ice","sources":["s"]}
{"type":"contact","id":"q-lawyer","subject":"q","kind":"counsel","at":"2025-03-02T10:00:00-06:00","outcome":"granted","sources":["s"]}
{"type":"person","id":"r","name":"Persona r","sources":["s"]}
{"type":"custody","id":"r-in","subject":"r","event":"booked_in","at":"2025-03-01T09:00:00-06:00","place":"dilley","custodian":"ice","basis":["t8"],"sources":["s"]}
{"type":"custody","id":"r-moved","subject":"r","event":"transferred","at":"2025-03-05T09:00:00-06:00","place":"dilley","to":"hrl","custodian":"ice","basis":["t8"],"sources":["s"]}
{"type":"person","id":"v","name":"Persona v","sources":["s"]}
{"type":"custody","id":"v-in","subject":"v","event":"booked_in","at":"2025-03-10T09:00:00-06:00","place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"court_finding","id":"cf","subject":"v","court":"court","at":"2025-04-06","fact":"no_legal_basis","sources":["s"]}
{"type":"agreement","id":"agr","kind":"detention","parties":["us","sv"],"paid_by":"us","places":["cecot"],"sources":["s"]}
"#;
    let mut t = ledger(&[story]);
    let as_of = "2025-03-11T16:00:00Z";

    let cut_off = run(&mut t, "incommunicado", as_of);
    let p = cut_off.iter().find(|f| f.subjects == ["p"]).expect("ten days without a lawyer or family");
    assert_eq!((p.details["days"].as_f64(), p.details["escalated"].as_bool()), (Some(10.0), Some(false)));
    assert!(cut_off.iter().all(|f| f.subjects != ["q"]), "q saw a lawyer");
    let v = cut_off.iter().find(|f| f.subjects == ["v"]).expect("one day, but at a place with no visits");
    assert!(v.records.iter().any(|r| r == "cecot"));
    let later = run(&mut t, "incommunicado", "2025-05-01T00:00:00Z");
    assert_eq!(later.iter().find(|f| f.subjects == ["p"]).unwrap().details["escalated"], true);
    let patient = Policy::from_toml("[incommunicado]\ndays = 15\n").unwrap();
    let with_policy = run_with(&mut t, "incommunicado", as_of, &patient);
    assert!(with_policy.iter().all(|f| f.subjects != ["p"]), "under a 15-day policy, not yet");
    assert_eq!(with_policy.iter().find(|f| f.subjects == ["v"]).unwrap().parameters["days"], 15.0);

    let unseen = run(&mut t, "whereabouts-unknown", as_of);
    assert_eq!(unseen.iter().map(|f| f.subjects.clone()).collect::<Vec<_>>(), vec![vec!["r".to_string()]]);
    assert!(
        run(&mut t, "whereabouts-unknown", "2025-03-07T12:00:00Z").is_empty(),
        "two days: within the policy's three"
    );

    let basis = run(&mut t, "no-legal-basis", as_of);
    let gap = |s: &str| basis.iter().find(|f| f.subjects == [s] && f.outcome == Outcome::DataGap);
    assert!(gap("q").is_some() && gap("v").is_some() && gap("p").is_none(), "{basis:?}");
    assert!(
        basis.iter().any(|f| f.subjects == ["v"]
            && f.outcome == Outcome::Violation
            && f.about.as_deref() == Some("cf"))
    );

    // Held on a detention order vacated on the 5th, and still held on the 11th.
    let mut held_on_order = ledger(&[r#"{"type":"person","id":"w","name":"Persona w","sources":["s"]}
{"type":"order","id":"det","court":"court","kind":"other","issued":"2025-03-01","scope":{"persons":["w"]},"sources":["s"]}
{"type":"ruling","id":"vac","order":"det","at":"2025-03-05T10:00:00-05:00","effect":"vacated","court":"court","sources":["s"]}
{"type":"custody","id":"w-in","subject":"w","event":"booked_in","at":"2025-03-02T09:00:00-06:00","place":"dilley","custodian":"ice","basis":["det"],"sources":["s"]}
"#]);
    let ended = run(&mut held_on_order, "no-legal-basis", as_of);
    let w = ended.iter().find(|f| f.subjects == ["w"]).expect("its basis was vacated");
    assert_eq!((w.outcome, w.about.as_deref()), (Outcome::Violation, Some("det")));
    assert!(w.records.iter().any(|r| r == "vac"));
    assert!(run(&mut held_on_order, "no-legal-basis", "2025-03-04T00:00:00Z").is_empty(), "not yet vacated");

    let shared = run(&mut t, "shared-responsibility", as_of);
    let v =
        shared.iter().find(|f| f.subjects == ["v"]).expect("held by El Salvador under a US-paid agreement");
    assert_eq!(v.details["states"], serde_json::json!(["SV", "US"]));
    assert!(shared.iter().all(|f| f.subjects != ["p"]), "held by its own state alone");
}

#[test]
fn what_the_ledger_knew_then_is_what_is_checked() {
    let mut t = new_ledger();
    t.import_at(
        &(WORLD.to_string() + &flight("f", r#""2025-03-15T19:36:00-05:00""#) + &flown("p", Some("aea"), "f")),
        "2025-03-16T00:00:00Z",
    );
    t.import_at(ORAL_CLASS_ORDER, "2025-03-20T00:00:00Z");
    let check = |t: &mut TestLedger, known_at: &str| {
        let moment =
            Moment { as_of: Some(AFTER.parse().unwrap()), known_at: Some(known_at.parse().unwrap()) };
        t.ledger.check(&Policy::default(), &["order-conflict".into()], moment).unwrap().findings.len()
    };
    assert_eq!(check(&mut t, "2025-03-17T00:00:00Z"), 0, "the order was not yet recorded");
    assert!(check(&mut t, "2025-03-21T00:00:00Z") > 0);
}

/// A person held at Dilley, then flown from Harlingen to San Salvador on 15 March at 18:00 CDT.
const REMOVED: &str = r#"{"type":"person","id":"p","name":"Persona p","born":"2012-06-01","nationality":["VE"],"languages":["es"],"sources":["s"]}
{"type":"custody","id":"p-in","subject":"p","event":"booked_in","at":"2025-03-01T09:00:00-06:00","place":"dilley","custodian":"ice","basis":["aea"],"sources":["s"]}
{"type":"custody","id":"p-out","subject":"p","event":"departed","at":"2025-03-15T18:00:00-05:00","place":"hrl","to":"sal","custodian":"ice","basis":["aea"],"sources":["s"]}
"#;

fn notice(served: &str, language: &str, content: &str) -> String {
    format!(
        r#"{{"type":"notice","id":"n","subject":"p","served":"{served}","language":"{language}","content":[{content}],"sources":["s"]}}
"#
    )
}

#[test]
fn notice_in_time_in_their_language_saying_how_to_contest() {
    let full = r#""right_to_contest","how_to_contest","deadline""#;
    let outcome = |extra: &str| {
        let mut t = ledger(&[REMOVED, extra]);
        run(&mut t, "notice", AFTER)
            .iter()
            .find(|f| f.subjects == ["p"])
            .map(|f| (f.outcome, f.message[0].clone()))
    };
    assert_eq!(outcome("").map(|o| o.0), Some(Outcome::DataGap), "no notice recorded");
    // Twelve hours before, in English, without saying how to contest: three ways wrong.
    let (o, message) = outcome(&notice("2025-03-15T06:00:00-05:00", "en", r#""right_to_contest""#)).unwrap();
    assert_eq!(o, Outcome::Violation);
    assert!(
        message.contains("24 h or less") && message.contains("how to contest") && message.contains("in en"),
        "{message}"
    );
    // Three days ahead, in Spanish, complete: under the week the policy asks for, a warning.
    assert_eq!(
        outcome(&notice("2025-03-12T18:00:00-05:00", "es", full)).map(|o| o.0),
        Some(Outcome::Warning)
    );
    // Ten days ahead: nothing to say.
    assert_eq!(outcome(&notice("2025-03-05T18:00:00-05:00", "es", full)), None);
    let court = r#"{"type":"court_finding","id":"cf","subject":"p","court":"court","at":"2025-12-22","fact":"no_notice","sources":["s"]}
"#;
    assert_eq!(outcome(court).map(|o| o.0), Some(Outcome::Violation), "a court found there was none");
}

#[test]
fn an_authority_applied_outside_its_own_terms() {
    // The proclamation reaches Venezuelans of 14 or more who are not permanent residents.
    let terms = r#"{"type":"instrument","id":"aea-terms","kind":"proclamation","title":"Alien Enemies proclamation","country":"US","applies_to":{"nationality":["VE"],"min_age":14,"excludes":["citizen","permanent_resident"]},"sources":["s"]}
"#;
    let child = REMOVED.replace(r#"["aea"]"#, r#"["aea-terms"]"#);
    let mut t = ledger(&[terms, &child]);
    let found = run(&mut t, "ineligible-basis", AFTER);
    let f = found.iter().find(|f| f.subjects == ["p"]).expect("twelve years old in March 2025");
    assert_eq!(f.outcome, Outcome::Violation);
    assert!(f.details["unmet"][0].as_str().unwrap().contains("age 12"), "{:?}", f.details);
    let adult = child.replace("2012-06-01", "1990-06-01");
    let mut t = ledger(&[terms, &adult]);
    assert!(run(&mut t, "ineligible-basis", AFTER).is_empty(), "an adult Venezuelan meets its terms");
}

#[test]
fn moved_while_a_court_was_deciding_about_them() {
    let petition = r#"{"type":"petition","id":"pet","kind":"habeas","court":"court","filed":"2025-03-14T10:00:00-04:00","beneficiaries":{"persons":["p"]},"sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, petition]);
    let found = run(&mut t, "transfer-pending-matter", AFTER);
    assert!(found.iter().any(|f| f.subjects == ["p"] && f.act.as_deref() == Some("p-out")), "{found:?}");
    let decided = r#"{"type":"decision","id":"d","petition":"pet","at":"2025-03-15T09:00:00-04:00","outcome":"denied","sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, petition, decided]);
    assert!(run(&mut t, "transfer-pending-matter", AFTER).is_empty(), "decided before the move");
}

#[test]
fn a_facility_over_its_capacity_and_one_with_no_count() {
    let places = r#"{"type":"place","id":"small","name":"Small jail","kind":"facility","country":"US","tz":"America/Chicago","capacity":100}
{"type":"place","id":"unknown","name":"Unknown jail","kind":"facility","country":"US","tz":"America/Chicago","capacity":50}
{"type":"population","id":"pop-1","place":"small","at":"2025-03-01","count":90,"kind":"midnight","sources":["s"]}
{"type":"population","id":"pop-2","place":"small","at":"2025-03-02","count":130,"kind":"midnight","sources":["s"]}
{"type":"population","id":"pop-3","place":"small","at":"2025-03-03","count":150,"kind":"midnight","sources":["s"]}
{"type":"population","id":"pop-4","place":"small","at":"2025-03-04","count":80,"kind":"midnight","sources":["s"]}
"#;
    let mut t = ledger(&[places]);
    let found = run(&mut t, "over-capacity", "2025-03-05T12:00:00Z");
    let small = found.iter().find(|f| f.about.as_deref() == Some("small")).expect("over on the 2nd and 3rd");
    assert_eq!(small.outcome, Outcome::Warning);
    assert_eq!(
        (small.details["peak"].as_u64(), small.details["from"].as_str(), small.details["until"].as_str()),
        (Some(150), Some("2025-03-02"), Some("2025-03-03"))
    );
    assert!(small.records.iter().any(|r| r == "pop-3"));
    let unknown = found.iter().find(|f| f.about.as_deref() == Some("unknown")).expect("a capacity, no count");
    assert_eq!(unknown.outcome, Outcome::DataGap);
}

#[test]
fn allegations_resting_on_appearance_alone() {
    let allegation = |kinds: &[&str]| {
        let evidence: Vec<String> = kinds.iter().map(|k| format!(r#"{{"kind":"{k}"}}"#)).collect();
        format!(
            r#"{{"type":"allegation","id":"al","subject":"p","claim":"membership","by":"us","at":"2025-03-10","tz":"America/Chicago","evidence":[{}],"sources":["s"]}}
"#,
            evidence.join(",")
        )
    };
    let mut t = ledger(&[REMOVED, &allegation(&["tattoo", "clothing"])]);
    assert_eq!(run(&mut t, "appearance-only-evidence", AFTER).len(), 1);
    let mut t = ledger(&[REMOVED, &allegation(&["tattoo", "police_report"])]);
    assert!(
        run(&mut t, "appearance-only-evidence", AFTER).is_empty(),
        "a police report is more than appearance"
    );
}

#[test]
fn sent_where_grave_risks_were_documented_without_an_assessment() {
    let risky = r#"{"type":"source","id":"report","kind":"ngo","title":"Deaths in custody","published":"2024-07-01"}
{"type":"place","id":"prison","name":"Prison","kind":"facility","country":"SV","tz":"America/El_Salvador","risks":[{"kind":"torture","sources":["report"]}]}
{"type":"custody","id":"p-hand","subject":"p","event":"handed_over","at":"2025-03-15T23:00:00-06:00","place":"sal","to":"prison","custodian":"prisons","sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, risky]);
    let found = run(&mut t, "refoulement-risk", AFTER);
    assert!(
        found.iter().any(|f| f.act.as_deref() == Some("p-hand") && f.details["risks"][0] == "torture"),
        "{found:?}"
    );
    let assessed = r#"{"type":"assessment","id":"a","subject":"p","kind":"risk","at":"2025-03-10T10:00:00-05:00","outcome":"no_risk_found","sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, risky, assessed]);
    assert!(run(&mut t, "refoulement-risk", AFTER).iter().all(|f| f.act.as_deref() != Some("p-hand")));
}

#[test]
fn the_elements_of_an_enforced_disappearance_side_by_side() {
    let held = r#"{"type":"custody","id":"p-cecot","subject":"p","event":"booked_in","at":"2025-03-16T08:00:00-06:00","place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"agreement","id":"agr","kind":"detention","parties":["us","sv"],"paid_by":"us","places":["cecot"],"sources":["s"]}
{"type":"acknowledgment","id":"ack","subject":"p","by":"sv","at":"2025-04-01","tz":"America/El_Salvador","status":"no_information","sources":["s"]}
{"type":"contact","id":"no-lawyer","subject":"p","kind":"counsel","at":"2025-04-02","tz":"America/El_Salvador","outcome":"denied","place":"cecot","sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, held]);
    let found = run(&mut t, "enforced-disappearance", "2025-06-01T00:00:00Z");
    let f = found.iter().find(|f| f.subjects == ["p"]).expect("all four elements");
    assert_eq!(f.outcome, Outcome::PossibleViolation);
    let elements = f.details["elements"].as_object().unwrap();
    assert_eq!(elements.len(), 4, "{elements:?}");
    assert!(elements["state_involvement"]["records"].as_array().unwrap().contains(&"agr".into()));
    // A list published: no concealment, so not all elements appear.
    let published = r#"{"type":"acknowledgment","id":"list","subject":"p","by":"sv","at":"2025-04-10","tz":"America/El_Salvador","status":"list_published","sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, held, published]);
    assert!(run(&mut t, "enforced-disappearance", "2025-06-01T00:00:00Z").is_empty());

    // Concealment from either alone: a contact denied, with no acknowledgment recorded at all;
    // an acknowledgment denied, with no contact recorded (a pending habeas petition puts them
    // outside the protection of the law).
    let (held_alone, _) = held.split_once("{\"type\":\"acknowledgment\"").unwrap();
    let contact = held.lines().last().unwrap().to_string() + "\n";
    let mut t = ledger(&[REMOVED, held_alone, &contact]);
    let found = run(&mut t, "enforced-disappearance", "2025-06-01T00:00:00Z");
    let f = found.iter().find(|f| f.subjects == ["p"]).expect("concealed by the denied contact");
    assert_eq!(f.details["elements"]["non_acknowledgment"]["records"], serde_json::json!(["no-lawyer"]));
    let acknowledgment = held.lines().nth(2).unwrap().to_string() + "\n";
    let petition = r#"{"type":"petition","id":"pet","kind":"habeas","court":"court","filed":"2025-04-05T10:00:00-06:00","beneficiaries":{"persons":["p"]},"sources":["s"]}
"#;
    let mut t = ledger(&[REMOVED, held_alone, &acknowledgment, petition]);
    let found = run(&mut t, "enforced-disappearance", "2025-06-01T00:00:00Z");
    let f = found.iter().find(|f| f.subjects == ["p"]).expect("concealed by the acknowledgment denied");
    assert_eq!(f.details["elements"]["non_acknowledgment"]["records"], serde_json::json!(["ack"]));
    assert_eq!(
        f.details["elements"]["outside_the_protection_of_the_law"]["records"],
        serde_json::json!(["pet"])
    );
}

#[test]
fn the_register_and_the_times_themselves_are_checked() {
    let mut t = ledger(&[REMOVED]);
    assert!(
        run(&mut t, "register-gap", AFTER).iter().all(|f| f.subjects != ["p"]),
        "booked in at a time and place, under a basis, moved with destination and custodian: complete"
    );
    let loose = r#"{"type":"person","id":"z","name":"Persona z","sources":["s"]}
{"type":"custody","id":"z-in","subject":"z","event":"booked_in","at":"2025-03-01","custodian":"ice","basis":["t8"],"sources":["s"]}
{"type":"custody","id":"z-out","subject":"z","event":"released","at":{"earliest":"2025-03-05T10:00:00-06:00","latest":"2025-03-05T12:00:00-06:00"},"place":"dilley","sources":["s"]}
"#;
    let mut t = ledger(&[loose]);
    let register = run(&mut t, "register-gap", AFTER);
    let gap = register.iter().find(|f| f.subjects == ["z"]).expect("booked in on a day, nowhere");
    let missing: Vec<&str> =
        gap.details["missing"].as_array().unwrap().iter().filter_map(|m| m.as_str()).collect();
    assert_eq!(missing, ["date_time_and_place_of_deprivation", "place_of_detention_with_admission_time"]);
    let mut t = ledger(&[loose]);
    let times = run(&mut t, "time-integrity", AFTER);
    assert!(
        times.iter().any(|f| f.outcome == Outcome::DataGap && f.about.as_deref() == Some("z-in")),
        "a date with no zone: {times:?}"
    );
    let window = times
        .iter()
        .find(|f| f.outcome == Outcome::Info && f.about.as_deref() == Some("z-out"))
        .expect("window");
    assert_eq!(window.details["window"]["earliest"], "2025-03-05T16:00:00Z");
}

#[test]
fn timelines_read_for_checks_are_the_stored_ones() {
    // Plain persons take a quicker path than cohorts and their members: both must agree with
    // `habeas timeline`, at any valid time.
    let cohort = r#"{"type":"cohort","id":"c","description":"on the flight","count":3,"members":["m"],"sources":["s"]}
{"type":"person","id":"m","name":"Persona m","sources":["s"]}
{"type":"custody","id":"c-out","subject":"c","event":"departed","flight":"f","place":"hrl","to":"sal","custodian":"ice","sources":["s"]}
{"type":"custody","id":"c-hand","subject":"c","event":"handed_over","at":"2025-03-16T00:45:00-06:00","place":"sal","to":"cecot","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"p-moved","subject":"p","event":"transferred","at":"2025-03-10T09:00:00-05:00","place":"dilley","to":"hrl","custodian":"ice","sources":["s"]}
"#;
    let mut t = ledger(&[ORAL_CLASS_ORDER, &flight("f", r#""2025-03-15T19:36:00-05:00""#), REMOVED, cohort]);
    for as_of in ["2025-03-12T00:00:00Z", "2025-03-16T01:00:00Z", AFTER] {
        let moment = Moment { as_of: Some(as_of.parse().unwrap()), known_at: None };
        let case = t.ledger.case(moment, Sources::Held).unwrap();
        assert!(case.timelines.contains_key("p") && case.timelines.contains_key("c"));
        for (subject, stretches) in &case.timelines {
            let stored = t.ledger.timeline(subject, moment).unwrap().unwrap().segments;
            let seen: Vec<_> = stretches
                .iter()
                .map(|s| {
                    (
                        s.from,
                        s.until,
                        s.state,
                        s.place.as_deref().map(String::from),
                        s.custodian.as_deref().map(String::from),
                        s.basis.iter().map(String::from).collect::<Vec<_>>(),
                        // Cited by position in the case: the same records, in the same order.
                        case.ids_at(&s.records).iter().map(String::from).collect::<Vec<_>>(),
                    )
                })
                .collect();
            let want: Vec<_> = stored
                .iter()
                .map(|s| {
                    (
                        s.from,
                        s.until,
                        s.state.name(),
                        s.place.as_deref().map(String::from),
                        s.custodian.as_deref().map(String::from),
                        s.basis.iter().map(String::from).collect::<Vec<_>>(),
                        s.records.iter().map(String::from).collect::<Vec<_>>(),
                    )
                })
                .collect();
            assert_eq!(seen, want, "{subject} as of {as_of}");
        }
    }
}

#[test]
fn records_read_for_checks_are_the_versions_known_then() {
    // Most records are read in one pass over the log; a record changed or retracted since takes
    // the long way. Both must give the version known at the moment asked, with its times read in
    // the zone its place had then, and the kept personal values a rule reads (a birth date) in
    // clear; the others (names) stay committed.
    let first = r#"{"type":"place","id":"camp","name":"Camp","kind":"facility","country":"US","tz":"America/Chicago"}
{"type":"person","id":"p","name":"Persona p","born":"2012-06-01","sources":["s"]}
{"type":"custody","id":"in-p","subject":"p","event":"booked_in","at":"2025-03-10","place":"camp","custodian":"ice","sources":["s"]}
{"type":"custody","id":"gone","subject":"p","event":"transferred","at":"2025-03-11","place":"camp","to":"dilley","custodian":"ice","sources":["s"]}
{"type":"custody","id":"back","subject":"p","event":"transferred","at":"2025-03-12","place":"dilley","to":"camp","custodian":"ice","sources":["s"]}
"#;
    let second = r#"{"type":"place","id":"camp","name":"Camp","kind":"facility","country":"US","tz":"America/New_York"}
{"type":"retraction","target":"gone","reason":"another person's"}
{"type":"retraction","target":"back","reason":"wrong date"}
"#;
    let third = r#"{"type":"custody","id":"back","subject":"p","event":"transferred","at":"2025-03-13","place":"dilley","to":"camp","custodian":"ice","sources":["s"]}
"#;
    let mut t = new_ledger();
    t.import_at(&(WORLD.to_string() + first), "2025-12-01T00:00:00Z");
    t.import_at(second, "2025-12-05T00:00:00Z");
    t.import_at(third, "2025-12-09T00:00:00Z");
    let at = |case: &habeas_rules::Case, id: &str| {
        case.record(id).and_then(|r| r.time("at")).map(|t| t.earliest.to_string())
    };
    let born = |case: &habeas_rules::Case| case.record("p").and_then(|r| r.str("born").map(str::to_string));
    // Present (a rule asks whether a person has names), but not in clear: the case holds no
    // more than that a commitment is there.
    let names_committed = |case: &habeas_rules::Case| {
        case.record("p").and_then(|r| r.body.get("names")).is_some_and(|n| n.as_array().is_none())
    };
    let case_then = |t: &mut TestLedger, known_at: Option<&str>| {
        let moment =
            Moment { as_of: Some(AFTER.parse().unwrap()), known_at: known_at.map(|k| k.parse().unwrap()) };
        t.ledger.case(moment, Sources::Held).unwrap()
    };

    let now = case_then(&mut t, None);
    // The place now reads in New York's zone (EDT since 9 March), and so does the event there.
    assert_eq!(now.record("camp").and_then(|r| r.str("tz")), Some("America/New_York"));
    assert_eq!(at(&now, "in-p").as_deref(), Some("2025-03-10T04:00:00Z"));
    assert!(now.record("gone").is_none(), "retracted");
    assert_eq!(at(&now, "back").as_deref(), Some("2025-03-13T05:00:00Z"), "reinstated as its new version");
    assert_eq!(born(&now).as_deref(), Some("2012-06-01"), "a birth date in clear");
    assert!(names_committed(&now), "names, which no rule reads, stay committed");

    let before_retractions = case_then(&mut t, Some("2025-12-02T00:00:00Z"));
    assert_eq!(before_retractions.record("camp").and_then(|r| r.str("tz")), Some("America/Chicago"));
    assert_eq!(at(&before_retractions, "in-p").as_deref(), Some("2025-03-10T05:00:00Z"));
    assert_eq!(at(&before_retractions, "gone").as_deref(), Some("2025-03-11T05:00:00Z"));
    assert_eq!(at(&before_retractions, "back").as_deref(), Some("2025-03-12T05:00:00Z"));
    assert_eq!(born(&before_retractions).as_deref(), Some("2012-06-01"));
    assert!(names_committed(&before_retractions));

    let between = case_then(&mut t, Some("2025-12-06T00:00:00Z"));
    assert!(between.record("gone").is_none() && between.record("back").is_none(), "both retracted then");
    assert_eq!(at(&between, "in-p").as_deref(), Some("2025-03-10T04:00:00Z"));
}

/// The example case as of 1 January 2026, with that moment.
fn example_case() -> (habeas_rules::Case, jiff::Timestamp) {
    let mut t = new_ledger();
    t.import(include_str!("../../../examples/cecot-2025.jsonl"));
    let as_of: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    (t.ledger.case(Moment { as_of: Some(as_of), known_at: None }, Sources::Held).unwrap(), as_of)
}

#[test]
fn a_run_that_renders_as_it_finds_writes_what_a_run_holding_findings_writes() {
    let (case, as_of) = example_case();
    let policy = Policy::default();
    let written = |report: &habeas_rules::Report, explain: bool, es: bool| {
        let mut out = Vec::new();
        report.write_json(&mut out, explain, es).unwrap();
        String::from_utf8(out).unwrap()
    };
    for (es, messages) in [(false, habeas_rules::Messages::English), (true, habeas_rules::Messages::Spanish)]
    {
        let held = habeas_rules::check_keeping(&case, &policy, &[], as_of, messages);
        let rendered = habeas_rules::check_json(&case, &policy, &[], as_of, es);
        assert!(held.findings.len() > 10 && held.rendered.is_empty());
        assert!(rendered.findings.is_empty(), "a rendering run holds no findings as found");
        assert_eq!(rendered.rendered.len(), held.findings.len());
        for explain in [false, true] {
            assert_eq!(
                written(&rendered, explain, es),
                written(&held, explain, es),
                "es {es}, explain {explain}"
            );
        }
        assert!(rendered.outcomes().eq(held.findings.iter().map(|f| f.outcome)));
        assert!(rendered.outcomes().any(|o| o == Outcome::Violation));
    }
    // One rule, and none found: an empty list either way.
    let only = ["over-capacity".to_string()];
    let held = habeas_rules::check_keeping(&case, &policy, &only, as_of, habeas_rules::Messages::English);
    let rendered = habeas_rules::check_json(&case, &policy, &only, as_of, false);
    assert!(held.findings.is_empty() && rendered.rendered.is_empty());
    assert_eq!(written(&rendered, false, false), written(&held, false, false));
}

#[test]
fn a_run_that_keeps_one_language_differs_only_by_the_message_it_leaves_out() {
    let (case, as_of) = example_case();
    let both = habeas_rules::check(&case, &Policy::default(), &[], as_of);
    assert!(both.findings.len() > 10, "the example case has findings: {}", both.findings.len());
    for (messages, kept) in [(habeas_rules::Messages::English, 0), (habeas_rules::Messages::Spanish, 1)] {
        let one = habeas_rules::check_keeping(&case, &Policy::default(), &[], as_of, messages);
        assert_eq!(one.findings.len(), both.findings.len());
        for (a, b) in one.findings.iter().zip(&both.findings) {
            assert_eq!(a.message[kept], b.message[kept]);
            assert!(!a.message[kept].is_empty() && a.message[1 - kept].is_empty(), "{:?}", a.message);
            let mut a = a.clone();
            a.message = b.message.clone();
            assert_eq!(*a, **b);
        }
    }
}
