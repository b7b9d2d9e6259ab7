//! Timelines from the ledger: every kind of segment, gaps, flights with legs, cohorts, `same_as`
//! and `distinct`, retractions, and the two times: `as_of` (where was she then) and `known_at`
//! (what did the ledger hold then) giving different answers on the same ledger.

mod common;

use common::new_ledger;
use habeas_store::{Moment, State, Timeline};

const WORLD: &str = r#"
{"type":"source","id":"s","kind":"testimony","title":"Statement of the family"}
{"type":"org","id":"us","name":"United States","kind":"government","country":"US"}
{"type":"org","id":"ice","name":"ICE","kind":"agency","country":"US","parent":"us"}
{"type":"org","id":"sv","name":"El Salvador","kind":"government","country":"SV"}
{"type":"org","id":"prisons","name":"Centros Penales","kind":"agency","parent":"sv"}
{"type":"instrument","id":"ins","kind":"statute","title":"Title 8","country":"US","sources":["s"]}
{"type":"place","id":"fac-a","name":"Facility A","kind":"facility","country":"US","tz":"America/Chicago"}
{"type":"place","id":"fac-b","name":"Facility B","kind":"facility","country":"US","tz":"America/Chicago"}
{"type":"place","id":"fac-c","name":"Facility C","kind":"facility","country":"US","tz":"America/Phoenix"}
{"type":"place","id":"apt-1","name":"Airport 1","kind":"airport","country":"US","tz":"America/Chicago"}
{"type":"place","id":"apt-2","name":"Airport 2","kind":"airport","country":"HN","tz":"America/Tegucigalpa"}
{"type":"place","id":"apt-3","name":"Airport 3","kind":"airport","country":"SV","tz":"America/El_Salvador"}
{"type":"place","id":"fac-sv","name":"Prison","kind":"facility","country":"SV","tz":"America/El_Salvador"}
{"type":"flight","id":"flt-1","legs":[{"from":"apt-1","to":"apt-2","departed":"2025-02-01T08:00-06:00","arrived":"2025-02-01T10:00-06:00"},{"from":"apt-2","to":"apt-3","departed":"2025-02-01T12:00-06:00","arrived":"2025-02-01T13:00-06:00"}],"sources":["s"]}
"#;

const MARIA: &str = r#"
{"type":"person","id":"p-1","name":"María","sources":["s"]}
{"type":"custody","id":"c1","subject":"p-1","event":"apprehended","at":"2025-01-01T10:00-06:00","place":"fac-a","custodian":"ice","basis":"ins","sources":["s"]}
{"type":"custody","id":"c2","subject":"p-1","event":"transferred","at":"2025-01-05","place":"fac-a","to":"fac-b","sources":["s"]}
{"type":"custody","id":"c3","subject":"p-1","event":"booked_in","at":"2025-01-06","place":"fac-b","sources":["s"]}
{"type":"custody","id":"c4","subject":"p-1","event":"transferred","at":"2025-02-01T05:00-06:00","place":"fac-b","to":"apt-1","sources":["s"]}
{"type":"custody","id":"c5","subject":"p-1","event":"departed","flight":"flt-1","place":"apt-1","sources":["s"]}
{"type":"custody","id":"c6","subject":"p-1","event":"handed_over","at":"2025-02-01T15:00-06:00","place":"apt-3","to":"fac-sv","custodian":"prisons","sources":["s"]}
{"type":"custody","id":"c7","subject":"p-1","event":"released","at":"2025-03-01","place":"fac-sv","sources":["s"]}
"#;

fn kinds(timeline: &Timeline) -> Vec<(&'static str, Option<&str>)> {
    timeline.segments.iter().map(|s| (s.state.name(), s.place.as_deref())).collect()
}

fn utc(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

#[test]
fn a_journey_through_every_segment_kind() {
    let mut t = new_ledger();
    t.import(&format!("{WORLD}{MARIA}"));
    let timeline = t.ledger.timeline("p-1", Moment::default()).unwrap().unwrap();
    assert_eq!(
        kinds(&timeline),
        vec![
            ("in_custody", Some("fac-a")),
            ("in_transit", Some("fac-a")),
            ("in_custody", Some("fac-b")),
            ("in_transit", Some("fac-b")),
            ("in_transit", Some("apt-1")),
            ("in_transit", Some("apt-2")), // on the ground in Honduras
            ("in_transit", Some("apt-2")),
            ("in_custody", Some("apt-3")), // landed, still held by ICE
            ("in_custody", Some("fac-sv")),
            ("released", Some("fac-sv")),
        ]
    );
    let s = &timeline.segments;
    // A date is the whole local day: 5 January in Chicago begins at 06:00 UTC.
    assert_eq!(s[1].from.earliest, utc("2025-01-05T06:00:00Z"));
    assert_eq!(s[1].from.latest, utc("2025-01-06T05:59:59.999999999Z"));
    // The departure without a time takes its flight's first leg.
    assert_eq!(s[4].from.earliest, utc("2025-02-01T14:00:00Z"));
    assert_eq!(s[4].flight.as_deref(), Some("flt-1"));
    // Landing abroad under the same custodian is a removal; so is the hand-over.
    assert!(s[7].removed && s[8].removed);
    assert_eq!(s[8].custodian.as_deref(), Some("prisons"));
    assert!(s[8].basis.is_empty(), "Salvadoran custody has no recorded authority");
    assert_eq!(s[2].basis, vec!["ins".to_string()], "authority carries on inside the same state");
    assert_eq!(s[9].until, None);
    assert_eq!(timeline.names["fac-sv"], "Prison");
    assert_eq!(timeline.zones["fac-b"], "America/Chicago");
    assert_eq!(timeline.sources["c1"], vec!["s".to_string()]);
}

#[test]
fn gaps_deaths_and_escapes_are_shown_not_papered_over() {
    let mut t = new_ledger();
    t.import(&format!(
        "{WORLD}{}",
        r#"{"type":"person","id":"p-2","name":"José","sources":["s"]}
{"type":"custody","id":"g1","subject":"p-2","event":"booked_in","at":"2025-01-01T00:00Z","place":"fac-a","custodian":"ice","sources":["s"]}
{"type":"custody","id":"g2","subject":"p-2","event":"booked_in","at":"2025-02-01T00:00Z","place":"fac-c","custodian":"ice","sources":["s"]}
{"type":"custody","id":"g3","subject":"p-2","event":"died","at":"2025-03-01T00:00Z","place":"fac-c","sources":["s"]}
{"type":"person","id":"p-3","name":"Luis","sources":["s"]}
{"type":"custody","id":"e1","subject":"p-3","event":"booked_in","at":"2025-01-01T00:00Z","place":"fac-a","custodian":"ice","sources":["s"]}
{"type":"custody","id":"e2","subject":"p-3","event":"escaped","at":"2025-01-10T00:00Z","place":"fac-a","sources":["s"]}"#
    ));
    let p2 = t.ledger.timeline("p-2", Moment::default()).unwrap().unwrap();
    let states: Vec<State> = p2.segments.iter().map(|s| s.state).collect();
    assert_eq!(states, vec![State::InCustody, State::Unknown, State::InCustody, State::Deceased]);
    let gap = &p2.segments[1];
    assert_eq!(
        (gap.from.earliest, gap.until.unwrap().earliest),
        (utc("2025-01-01T00:00:00Z"), utc("2025-02-01T00:00:00Z"))
    );
    assert!(gap.reason.as_deref().unwrap().contains("without a recorded move"));
    let p3 = t.ledger.timeline("p-3", Moment::default()).unwrap().unwrap();
    assert_eq!(p3.segments.last().unwrap().state, State::Unknown);
}

#[test]
fn cohort_events_reach_members_and_smaller_cohorts_unless_they_concern_only_some() {
    let mut t = new_ledger();
    t.import(&format!(
        "{WORLD}{}",
        r#"{"type":"person","id":"p-4","name":"Ana","sources":["s"]}
{"type":"cohort","id":"coh-all","description":"everyone","count":30,"sources":["s"]}
{"type":"cohort","id":"coh-some","description":"some","count":10,"members":["p-4"],"part_of":["coh-all"],"sources":["s"]}
{"type":"custody","id":"k1","subject":"coh-all","event":"booked_in","at":"2025-01-01T00:00Z","place":"fac-a","custodian":"ice","sources":["s"]}
{"type":"custody","id":"k2","subject":"coh-some","event":"transferred","at":"2025-01-02T00:00Z","place":"fac-a","to":"fac-b","count":3,"sources":["s"]}
{"type":"custody","id":"k3","subject":"coh-some","event":"booked_in","at":"2025-01-03T00:00Z","place":"fac-b","custodian":"ice","sources":["s"]}"#
    ));
    let member = t.ledger.timeline("p-4", Moment::default()).unwrap().unwrap();
    assert_eq!(member.cohorts, vec!["coh-some".to_string(), "coh-all".to_string()]);
    assert_eq!(member.possible, vec!["k2".to_string()], "3 of 10 moved: maybe her");
    assert_eq!(
        kinds(&member),
        vec![("in_custody", Some("fac-a")), ("unknown", None), ("in_custody", Some("fac-b"))]
    );
    let some = t.ledger.timeline("coh-some", Moment::default()).unwrap().unwrap();
    assert_eq!(some.segments[1].count, Some(3), "the cohort's own partial event carries its count");
    let all = t.ledger.timeline("coh-all", Moment::default()).unwrap().unwrap();
    assert_eq!(all.segments.len(), 1, "events on a part do not move the whole");
}

#[test]
fn same_as_joins_timelines_and_a_later_distinct_separates_them_as_known_then() {
    let mut t = new_ledger();
    t.import_at(
        &format!(
            "{WORLD}{}",
            r#"{"type":"person","id":"p-5","name":"Carlos Pérez","sources":["s"]}
{"type":"person","id":"p-6","name":"Carlos Peres","sources":["s"]}
{"type":"custody","id":"j1","subject":"p-5","event":"apprehended","at":"2025-01-01T00:00Z","place":"fac-a","custodian":"ice","sources":["s"]}
{"type":"custody","id":"j2","subject":"p-6","event":"booked_in","at":"2025-01-09T00:00Z","place":"fac-b","custodian":"ice","sources":["s"]}
{"type":"same_as","ids":["p-5","p-6"],"reason":"same A-number","sources":["s"]}"#
        ),
        "2025-02-01T00:00:00Z",
    );
    t.import_at(
        r#"{"type":"distinct","ids":["p-6","p-5"],"reason":"different birth dates","sources":["s"]}"#,
        "2025-03-01T00:00:00Z",
    );

    let now = t.ledger.timeline("p-5", Moment::default()).unwrap().unwrap();
    assert!(now.joined.is_empty());
    assert_eq!(now.segments.len(), 1);

    let then = Moment { known_at: Some(utc("2025-02-15T00:00:00Z")), ..Moment::default() };
    let joined = t.ledger.timeline("p-5", then).unwrap().unwrap();
    assert_eq!(joined.joined, vec!["p-6".to_string()]);
    assert_eq!(
        kinds(&joined),
        vec![("in_custody", Some("fac-a")), ("unknown", None), ("in_custody", Some("fac-b"))]
    );

    let before_anything = Moment { known_at: Some(utc("2025-01-15T00:00:00Z")), ..Moment::default() };
    assert!(t.ledger.timeline("p-5", before_anything).unwrap().is_none(), "nothing was known then");
}

#[test]
fn as_of_and_known_at_give_different_answers_on_the_same_ledger() {
    let mut t = new_ledger();
    // What was known on 20 January: she was held at fac-b.
    t.import_at(
        &format!("{WORLD}{}", MARIA.lines().take(5).collect::<Vec<_>>().join("\n")),
        "2025-01-20T00:00:00Z",
    );
    // Learned on 10 March: she was flown out on 1 February and released on 1 March.
    t.import_at(&MARIA.lines().skip(5).collect::<Vec<_>>().join("\n"), "2025-03-10T00:00:00Z");

    // Valid time: where was she on 1 February at 07:00 Chicago? Already on her way to the airport.
    let as_of = Moment { as_of: Some(utc("2025-02-01T13:00:00Z")), ..Moment::default() };
    let then = t.ledger.timeline("p-1", as_of).unwrap().unwrap();
    let last = then.segments.last().unwrap();
    assert_eq!((last.state, last.place.as_deref(), last.until), (State::InTransit, Some("fac-b"), None));

    // System time: what did the ledger say on 20 February? Held at fac-b, nothing more.
    let known = Moment { known_at: Some(utc("2025-02-20T00:00:00Z")), ..Moment::default() };
    let recorded = t.ledger.timeline("p-1", known).unwrap().unwrap();
    let last = recorded.segments.last().unwrap();
    assert_eq!((last.state, last.place.as_deref(), last.until), (State::InCustody, Some("fac-b"), None));

    // Today's ledger: released.
    let now = t.ledger.timeline("p-1", Moment::default()).unwrap().unwrap();
    assert_eq!(now.segments.last().unwrap().state, State::Released);
}

#[test]
fn retractions_withdraw_events_from_timelines_from_when_they_were_known() {
    let mut t = new_ledger();
    t.import_at(&format!("{WORLD}{MARIA}"), "2025-03-10T00:00:00Z");
    t.import_at(
        r#"{"type":"retraction","target":"c7","reason":"not released: a rumour"}"#,
        "2025-03-20T00:00:00Z",
    );
    let now = t.ledger.timeline("p-1", Moment::default()).unwrap().unwrap();
    assert_eq!(now.segments.last().unwrap().state, State::InCustody);
    let before = Moment { known_at: Some(utc("2025-03-15T00:00:00Z")), ..Moment::default() };
    assert_eq!(
        t.ledger.timeline("p-1", before).unwrap().unwrap().segments.last().unwrap().state,
        State::Released
    );
}

#[test]
fn rebuilt_views_come_out_identical() {
    let mut t = new_ledger();
    t.import_at(&format!("{WORLD}{MARIA}"), "2025-03-10T00:00:00Z");
    t.import_at(r#"{"type":"retraction","target":"c7","reason":"r"}"#, "2025-03-20T00:00:00Z");
    let before = t.ledger.view_digests().unwrap();
    let timeline = t.ledger.timeline("p-1", Moment::default()).unwrap();
    let after = t.ledger.rebuild_views().unwrap();
    assert_eq!(before, after);
    assert_eq!(t.ledger.timeline("p-1", Moment::default()).unwrap(), timeline);
    assert_eq!(before.len(), 3);
}

#[test]
fn fields_listed_as_personal_are_read_from_their_kept_values_until_erased() {
    // The transfer keeps where to and when beside the log; the cohort's event keeps its place. A
    // timeline reads them as the check does (docs/rules.md), and the date is read in the zone of
    // the place kept beside the log; once erased, they are absent.
    let mut t = new_ledger();
    t.import(&format!(
        "{WORLD}{}",
        r#"
{"type":"person","id":"p-9","name":"Ana","sources":["s"]}
{"type":"cohort","id":"coh-9","description":"a group","count":3,"sources":["s"]}
{"type":"custody","id":"k1","subject":"p-9","event":"apprehended","at":"2025-01-01T10:00-06:00","place":"fac-a","custodian":"ice","sources":["s"]}
{"type":"custody","id":"k2","subject":"p-9","event":"transferred","at":"2025-01-05","place":"fac-a","to":"fac-c","personal":["to","at"],"sources":["s"]}
{"type":"custody","id":"k3","subject":"coh-9","event":"booked_in","at":"2025-01-07","place":"fac-c","personal":["place"],"sources":["s"]}
"#
    ));
    let person = t.ledger.timeline("p-9", Moment::default()).unwrap().unwrap();
    assert_eq!(kinds(&person), vec![("in_custody", Some("fac-a")), ("in_transit", Some("fac-a"))]);
    let transfer = &person.segments[1];
    assert_eq!(transfer.to.as_deref(), Some("fac-c"));
    // 5 January in Chicago, the zone of the place the transfer left from.
    assert_eq!(transfer.from.earliest, utc("2025-01-05T06:00:00Z"));
    assert!(person.undated.is_empty(), "{:?}", person.undated);
    let cohort = t.ledger.timeline("coh-9", Moment::default()).unwrap().unwrap();
    assert_eq!(kinds(&cohort), vec![("in_custody", Some("fac-c"))]);
    // 7 January in Phoenix (no daylight saving: UTC-7), the zone of the place kept beside the log.
    assert_eq!(cohort.segments[0].from.earliest, utc("2025-01-07T07:00:00Z"));
    assert_eq!(cohort.names.get("fac-c").map(String::as_str), Some("Facility C"));

    for id in ["k2", "k3"] {
        t.ledger.erase(id, "asked by the family", "tester", "2025-12-02T00:00:00Z", &t.signer).unwrap();
    }
    let person = t.ledger.timeline("p-9", Moment::default()).unwrap().unwrap();
    assert_eq!(kinds(&person), vec![("in_custody", Some("fac-a"))], "a transfer with no time is undated");
    assert_eq!(person.undated, vec!["k2".to_string()]);
    let cohort = t.ledger.timeline("coh-9", Moment::default()).unwrap().unwrap();
    assert_eq!(cohort.segments.iter().map(|s| s.place.clone()).collect::<Vec<_>>(), vec![None]);
}

/// `statuses_each` reads a batch of subjects ahead in a few calls and shares one cache between
/// them; what it reads must be what one timeline each, read alone, gives: across versions,
/// retractions, `same_as` undone by `distinct`, cohorts and fields kept beside the log, at every
/// `known_at` between the imports and at two `as_of`.
#[test]
fn statuses_read_ahead_together_are_those_of_one_timeline_each() {
    let mut t = new_ledger();
    let maria: Vec<&str> = MARIA.lines().collect();
    t.import_at(
        &format!(
            "{WORLD}{}{}",
            maria[..5].join("\n"),
            r#"
{"type":"person","id":"p-5","name":"Carlos Pérez","nationality":["VE"],"sources":["s"]}
{"type":"person","id":"p-6","name":"Carlos Peres","sources":["s"]}
{"type":"person","id":"p-8","name":"Ana","sources":["s"]}
{"type":"cohort","id":"coh-1","description":"a group","count":2,"members":["p-8"],"sources":["s"]}
{"type":"custody","id":"j1","subject":"p-5","event":"apprehended","at":"2025-01-01T00:00Z","place":"fac-a","custodian":"ice","sources":["s"]}
{"type":"custody","id":"j2","subject":"p-6","event":"booked_in","at":"2025-01-09T00:00Z","place":"fac-b","custodian":"ice","sources":["s"]}
{"type":"same_as","ids":["p-5","p-6"],"reason":"same A-number","sources":["s"]}
{"type":"custody","id":"k1","subject":"coh-1","event":"booked_in","at":"2025-01-07","place":"fac-c","personal":["place"],"sources":["s"]}
"#
        ),
        "2025-01-20T00:00:00Z",
    );
    t.import_at(
        r#"{"type":"distinct","ids":["p-6","p-5"],"reason":"different birth dates","sources":["s"]}
{"type":"person","id":"p-5","name":"Carlos Pérez","nationality":["CO"],"sensitivity":"restricted","sources":["s"]}
{"type":"custody","id":"k2","subject":"p-8","event":"transferred","at":"2025-02-03","place":"fac-c","to":"fac-a","sources":["s"]}"#,
        "2025-02-20T00:00:00Z",
    );
    t.import_at(&maria[5..].join("\n"), "2025-03-10T00:00:00Z");
    t.import_at(
        r#"{"type":"retraction","target":"c7","reason":"not released: a rumour"}
{"type":"retraction","target":"p-6","reason":"a duplicate"}
{"type":"custody","id":"j1","subject":"p-5","event":"apprehended","at":"2025-01-02T00:00Z","place":"fac-b","custodian":"ice","sources":["s"]}"#,
        "2025-03-20T00:00:00Z",
    );
    let subjects = ["p-1", "p-5", "p-6", "p-8", "coh-1", "p-nobody", "p-1"];
    let mut moments = vec![Moment::default()];
    for known in ["2025-01-10", "2025-02-01", "2025-03-01", "2025-03-15", "2025-04-01"] {
        let known_at = Some(utc(&format!("{known}T00:00:00Z")));
        moments.push(Moment { known_at, ..Moment::default() });
        moments.push(Moment { known_at, as_of: Some(utc("2025-02-01T12:00:00Z")) });
    }
    let mut compared = 0;
    for moment in moments {
        let mut read = Vec::new();
        t.ledger
            .statuses_each(&subjects, moment, &mut |s| {
                read.push((s.id.to_string(), s.record.cloned(), s.status, s.place_name));
                Ok(())
            })
            .unwrap();
        assert_eq!(read.len(), subjects.len());
        for (id, record, status, place_name) in read {
            let alone = t.ledger.timeline(&id, moment).unwrap();
            assert_eq!(record.is_some(), alone.is_some(), "{id} at {moment:?}");
            assert_eq!(status, t.ledger.status(&id, moment).unwrap(), "{id} at {moment:?}");
            let named =
                status.place.as_ref().map(|place| alone.as_ref().unwrap().names[place.as_str()].clone());
            assert_eq!(place_name, named, "{id} at {moment:?}");
            if id == "p-5"
                && let Some(record) = record
            {
                let second = moment.known_at.is_none_or(|k| k > utc("2025-02-20T00:00:00Z"));
                let nationality = if second { "CO" } else { "VE" };
                assert_eq!(record["nationality"], serde_json::json!([nationality]), "{moment:?}");
            }
            compared += usize::from(status.state.is_some());
        }
    }
    assert!(compared > 30, "too few statuses with a state were compared: {compared}");
}
