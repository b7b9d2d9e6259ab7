//! Occupancy of a facility over time: cohorts counted once however they nest, persons joined by
//! `same_as` counted once, uncertain arrivals as `possible` before they are certain, population
//! records beside the timelines, the capacity in force each day, and the two times.

mod common;

use common::new_ledger;
use habeas_store::occupancy::Bound;
use habeas_store::{DayCount, Days, Moment};
use jiff::civil::date;

const CASE: &str = r#"
{"type":"source","id":"s","kind":"news","title":"Reports"}
{"type":"org","id":"us","name":"United States","kind":"government","country":"US"}
{"type":"org","id":"sv","name":"El Salvador","kind":"government","country":"SV"}
{"type":"org","id":"prisons","name":"Centros Penales","kind":"agency","parent":"sv"}
{"type":"place","id":"tecoluca","name":"Tecoluca","kind":"city","country":"SV","tz":"America/El_Salvador"}
{"type":"place","id":"cecot","name":"CECOT","kind":"facility","country":"SV","tz":"America/El_Salvador","within":"tecoluca","aliases":["Centro de Confinamiento del Terrorismo"],"capacity":[{"count":20000,"from":"2023-01-31","until":"2025-05-01","sources":["s"]},{"count":40000,"from":"2025-05-01","sources":["s"]}]}
{"type":"place","id":"caracas","name":"Maiquetía airport","kind":"airport","country":"VE","tz":"America/Caracas"}
{"type":"cohort","id":"c-261","description":"all","count":261,"sources":["s"]}
{"type":"cohort","id":"c-252","description":"Venezuelans at CECOT","count":252,"sources":["s"]}
{"type":"cohort","id":"c-238","description":"Venezuelans of 16 March","count":238,"part_of":["c-261","c-252"],"sources":["s"]}
{"type":"cohort","id":"c-137","description":"AEA","count":137,"part_of":["c-238"],"members":["p-1"],"sources":["s"]}
{"type":"cohort","id":"c-23","description":"Salvadorans","count":23,"part_of":["c-261"],"sources":["s"]}
{"type":"person","id":"p-1","name":"Uno","sources":["s"]}
{"type":"person","id":"p-9","name":"Nueve","sources":["s"]}
{"type":"person","id":"p-10","name":"Diez","sources":["s"]}
{"type":"custody","id":"e-137","subject":"c-137","event":"handed_over","at":{"earliest":"2025-03-15T23:30:00-04:00","latest":"2025-03-16T12:00:00-04:00"},"to":"cecot","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"e-238","subject":"c-238","event":"booked_in","at":{"earliest":"2025-03-15T23:30:00-04:00","latest":"2025-03-16T12:00:00-04:00"},"place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"e-23","subject":"c-23","event":"booked_in","at":{"earliest":"2025-03-15T23:30:00-04:00","latest":"2025-03-16T12:00:00-04:00"},"place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"e-p1","subject":"p-1","event":"booked_in","at":"2025-03-16T10:00:00-06:00","place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"e-p9","subject":"p-9","event":"booked_in","at":"2025-03-20T09:00:00-06:00","place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"e-p10","subject":"p-10","event":"booked_in","at":"2025-03-20T09:00:00-06:00","place":"cecot","custodian":"prisons","sources":["s"]}
{"type":"population","id":"pop-1","place":"cecot","at":"2025-04-01","count":12000,"kind":"midnight","sources":["s"]}
"#;

const LATER: &str = r#"
{"type":"same_as","ids":["p-9","p-10"],"reason":"one man, two spellings","sources":["s"]}
{"type":"custody","id":"e-252","subject":"c-252","event":"handed_over","at":"2025-07-18","place":"cecot","to":"caracas","custodian":"us","count":252,"sources":["s"]}
"#;

fn on(series: &[DayCount], day: jiff::civil::Date, kind: &str) -> Option<(u64, Option<u64>, Option<u64>)> {
    series.iter().find(|c| c.day == day && c.kind == kind).map(|c| (c.count, c.possible, c.capacity))
}

fn utc(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[test]
fn cohorts_nest_persons_join_and_uncertain_arrivals_are_possible() {
    let mut t = new_ledger();
    t.import_at(CASE, "2025-04-02T00:00:00Z");
    t.import_at(LATER, "2025-07-20T00:00:00Z");
    let days = Days { from: None, to: Some(Bound::Day(date(2025, 7, 20))) };
    let o = t.ledger.occupancy("cecot", days, Moment::default()).unwrap().unwrap();
    assert_eq!((o.name.as_str(), o.zone.as_str(), o.capacity.len()), ("CECOT", "America/El_Salvador", 2));
    let s = &o.series;
    assert_eq!(s.first().unwrap().day, date(2025, 3, 15), "from the earliest arrival");
    assert_eq!(s.last().unwrap().day, date(2025, 7, 20));

    // 15 March, local: the flights may have landed before midnight, or not.
    assert_eq!(on(s, date(2025, 3, 15), "timelines"), Some((0, Some(261), Some(20000))));
    // 16 March: 238 and 23 (137 and its member inside 238 are not counted again).
    assert_eq!(on(s, date(2025, 3, 16), "timelines"), Some((261, None, Some(20000))));
    // Counted on some day: the two cohorts and the man (by the earlier-recorded of his ids).
    assert_eq!(o.subjects, ["c-23", "c-238", "p-9"]);
    // 20 March: one more man, recorded twice under two ids joined by same_as.
    assert_eq!(on(s, date(2025, 3, 20), "timelines"), Some((262, None, Some(20000))));
    // A published count, beside the timelines, against the capacity then.
    assert_eq!(on(s, date(2025, 4, 1), "midnight"), Some((12000, None, Some(20000))));
    assert_eq!(on(s, date(2025, 5, 1), "timelines"), Some((262, None, Some(40000))));
    // 18 July: the 252 (and with them the 238) handed over to Venezuela.
    assert_eq!(on(s, date(2025, 7, 17), "timelines"), Some((262, None, Some(40000))));
    assert_eq!(on(s, date(2025, 7, 18), "timelines"), Some((24, None, Some(40000))));
}

#[test]
fn as_of_ends_the_series_and_known_at_reads_the_ledger_then() {
    let mut t = new_ledger();
    t.import_at(CASE, "2025-04-02T00:00:00Z");
    t.import_at(LATER, "2025-07-20T00:00:00Z");
    let days =
        Days { from: Some(Bound::At(utc("2025-07-10T12:00:00Z"))), to: Some(Bound::Day(date(2025, 7, 20))) };

    let as_of = Moment { as_of: Some(utc("2025-03-21T12:00:00Z")), ..Moment::default() };
    let then = t.ledger.occupancy("cecot", Days::default(), as_of).unwrap().unwrap();
    assert_eq!(then.series.last().unwrap().day, date(2025, 3, 21));
    assert!(then.series.iter().all(|c| c.kind == "timelines"), "the April count is after the moment");

    // What the ledger held in May: the two ids were two men, and nobody had left.
    let known = Moment { known_at: Some(utc("2025-05-01T00:00:00Z")), ..Moment::default() };
    let before = t.ledger.occupancy("cecot", days, known).unwrap().unwrap();
    assert_eq!(on(&before.series, date(2025, 7, 18), "timelines"), Some((263, None, Some(40000))));
    let now = t.ledger.occupancy("cecot", days, Moment::default()).unwrap().unwrap();
    assert_eq!(on(&now.series, date(2025, 7, 18), "timelines"), Some((24, None, Some(40000))));
}

#[test]
fn unknown_places_and_other_records_are_told_apart() {
    let mut t = new_ledger();
    t.import_at(CASE, "2025-04-02T00:00:00Z");
    assert_eq!(t.ledger.occupancy("nowhere", Days::default(), Moment::default()).unwrap(), None);
    let err = t.ledger.occupancy("p-1", Days::default(), Moment::default()).unwrap_err();
    assert!(err.to_string().contains("not a place"), "{err}");
    let empty = t.ledger.occupancy("caracas", Days::default(), Moment::default()).unwrap().unwrap();
    assert!(empty.series.is_empty());
}

#[test]
fn places_are_found_by_name_alias_surroundings_and_id() {
    let mut t = new_ledger();
    t.import_at(CASE, "2025-04-02T00:00:00Z");
    let found = t.ledger.find_places("centro de confinamiento", Moment::default(), 5).unwrap();
    assert_eq!(found[0].0, "cecot");
    let found = t.ledger.find_places("CECOT, Tecoluca", Moment::default(), 5).unwrap();
    assert_eq!(found[0].0, "cecot", "{found:?}");
    // The town itself is a place too, and the better match for its name alone.
    let found = t.ledger.find_places("the prison in Tecoluca", Moment::default(), 5).unwrap();
    let ids: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(ids, ["tecoluca", "cecot"]);
    assert_eq!(t.ledger.find_places("cecot", Moment::default(), 5).unwrap()[0].2, 1.0, "by id, exactly");
    let found = t.ledger.find_places("Maiquetia", Moment::default(), 5).unwrap();
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("caracas", "Maiquetía airport"));
}
