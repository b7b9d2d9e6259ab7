//! From custody events to a timeline: where a subject was, when, held by whom, on what authority.
//!
//! The input is every event that concerns the subject (its own, and those of the cohorts it
//! belongs to), each with its time as a UTC interval. The output is a list of [`Segment`]s in time
//! order. The rules, in the words of records.md:
//!
//! - `apprehended`, `booked_in`, `arrived`, `returned` open **in custody** at the event's place;
//!   `handed_over` opens in custody at its `to` place, held by the new custodian;
//! - `departed` opens **in transit**, leg by leg when it names a flight (a stopover between legs is
//!   in transit too, at the stopover airport); `transferred` is in transit to its `to` place;
//! - `released` opens **released**, `died` **deceased**, `escaped` **unknown**;
//! - a segment lasts until the next event. When the next event puts the subject somewhere the
//!   segment does not lead (a place other than where it was held or headed), the move was not
//!   recorded: the segment ends where its evidence ends and an **unknown** gap fills the time up
//!   to the next event. Gaps are shown, never papered over;
//! - custody by an organ of another state than the one that first held the subject, after a
//!   departure across a border or a hand-over, is marked **removed**: still in custody, by another
//!   state;
//! - a custody event that names a flight and has no time takes it from the flight: `departed` the
//!   first leg's departure, `arrived` and `handed_over` the last leg's arrival.
//!
//! Uncertain times stay intervals: a segment runs from an interval to an interval.

use habeas_model::Interval;
use habeas_rules::Id;
use serde::Serialize;

/// What a segment says about the subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    InCustody,
    InTransit,
    Released,
    Deceased,
    Unknown,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::InCustody => "in_custody",
            State::InTransit => "in_transit",
            State::Released => "released",
            State::Deceased => "deceased",
            State::Unknown => "unknown",
        }
    }
}

/// A flight leg as the derivation needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leg {
    pub from: Id,
    pub to: Id,
    pub departed: Option<Interval>,
    pub arrived: Option<Interval>,
}

/// A custody event concerning the subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub id: Id,
    /// Leaf index of the version used (orders ties).
    pub idx: u64,
    pub event: Id,
    /// The event's own time, if it has one.
    pub at: Option<Interval>,
    pub place: Option<Id>,
    pub to: Option<Id>,
    pub custodian: Option<Id>,
    pub basis: Vec<Id>,
    pub flight: Option<(Id, Vec<Leg>)>,
    /// How many of a cohort the event concerns, when it says.
    pub count: Option<u64>,
    /// The cohort through which the event reaches the subject, if not the subject's own.
    pub via: Option<Id>,
}

/// A stretch of time in one state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub from: Interval,
    /// `None`: still open (at the end of the timeline).
    pub until: Option<Interval>,
    pub state: State,
    /// Where: the facility, or the airport a leg left from or stopped at.
    pub place: Option<Id>,
    /// Where to, while in transit.
    pub to: Option<Id>,
    pub custodian: Option<Id>,
    pub basis: Vec<Id>,
    /// Held by another state after a removal.
    pub removed: bool,
    pub flight: Option<Id>,
    pub count: Option<u64>,
    /// The records the segment rests on.
    pub records: Vec<Id>,
    /// Why the segment is `unknown`.
    pub reason: Option<String>,
}

/// What the derivation needs to know about places and orgs.
pub trait World {
    /// The country of a place (ISO code).
    fn place_country(&self, place: &str) -> Option<Id>;
    /// The state an org is an organ of: the country of the first government, agency or court up
    /// its `parent` chain.
    fn org_state(&self, org: &str) -> Option<Id>;
}

impl Event {
    /// The event's time: its own, or taken from its flight.
    pub fn time(&self) -> Option<Interval> {
        if self.at.is_some() {
            return self.at;
        }
        let (_, legs) = self.flight.as_ref()?;
        match self.event.as_str() {
            "departed" => legs.first()?.departed,
            "arrived" | "handed_over" => legs.last()?.arrived,
            _ => None,
        }
    }
}

fn segment(state: State, from: Interval, event: &Event) -> Segment {
    Segment {
        from,
        until: None,
        state,
        place: event.place.clone(),
        to: None,
        custodian: event.custodian.clone(),
        basis: event.basis.clone(),
        removed: false,
        flight: None,
        count: event.count,
        records: vec![event.id.clone()],
        reason: None,
    }
}

/// Derives the segments of a subject from its events (any order). Events without any time are
/// returned apart: they cannot be placed on the timeline.
pub fn derive(events: &[Event], world: &dyn World) -> (Vec<Segment>, Vec<Id>) {
    let mut dated: Vec<(&Event, Interval)> = Vec::new();
    let mut undated = Vec::new();
    for event in events {
        match event.time() {
            Some(at) => dated.push((event, at)),
            None => undated.push(event.id.clone()),
        }
    }
    dated.sort_by_key(|(event, at)| (at.earliest, at.latest, event.idx));

    let mut out: Vec<Segment> = Vec::new();
    // The state that first held the subject: custody by another state is a removal.
    let mut home: Option<Id> = None;
    // Segments of the latest departure group still open, and where that group left from: a
    // cohort that leaves on two flights from one airport travels on both at once.
    let mut departure_from: Option<Option<Id>> = None;
    for (event, at) in dated {
        let custodian = event.custodian.clone().or_else(|| out.last().and_then(|s| s.custodian.clone()));
        if home.is_none() {
            home = custodian.as_deref().and_then(|c| world.org_state(c));
        }
        let concurrent = event.event == "departed" && departure_from.as_ref() == Some(&event.place);
        if !concurrent {
            close_open(&mut out, event, at);
        }
        departure_from = None;
        let removed_by = |custodian: &Option<Id>| -> bool {
            match (custodian.as_deref().and_then(|c| world.org_state(c)), &home) {
                (Some(state), Some(home)) => state != *home,
                _ => false,
            }
        };
        let previous_removed =
            out.iter().rev().find(|s| s.state == State::InCustody).is_some_and(|s| s.removed);
        match event.event.as_str() {
            "apprehended" | "booked_in" | "arrived" | "returned" | "handed_over" => {
                let mut s = segment(State::InCustody, at, event);
                s.custodian = custodian.clone();
                if event.event == "handed_over" {
                    s.place = event.to.clone().or_else(|| event.place.clone());
                    s.removed = removed_by(&custodian);
                    // The basis an event claims is for the hand-over; custody by the receiving
                    // state has no recorded authority until an event of its own gives one.
                    if s.removed {
                        s.basis = Vec::new();
                    } else if s.basis.is_empty() {
                        s.basis = out
                            .iter()
                            .rev()
                            .find(|s| !s.basis.is_empty())
                            .map(|s| s.basis.clone())
                            .unwrap_or_default();
                    }
                } else {
                    if s.place.is_none() && event.event == "arrived" {
                        s.place = out.last().and_then(|l| l.to.clone());
                    }
                    s.removed = event.event != "returned"
                        && (removed_by(&custodian) || (previous_removed && event.custodian.is_none()));
                    // Authority carries on only on the same side of a removal: the receiving
                    // state does not hold anyone under the removing state's authority.
                    if s.basis.is_empty() {
                        s.basis = out
                            .iter()
                            .rev()
                            .filter(|p| p.state == State::InCustody || p.state == State::InTransit)
                            .take_while(|p| p.removed == s.removed)
                            .find(|p| !p.basis.is_empty())
                            .map(|p| p.basis.clone())
                            .unwrap_or_default();
                    }
                }
                // An event that confirms the custody under way extends it.
                match out.last_mut() {
                    Some(last)
                        if last.state == State::InCustody
                            && last.until == Some(at)
                            && last.place == s.place
                            && last.custodian == s.custodian =>
                    {
                        last.until = None;
                        last.records.extend(s.records);
                        if !s.basis.is_empty() {
                            last.basis = s.basis;
                        }
                    }
                    _ => out.push(s),
                }
            }
            "transferred" => {
                let mut s = segment(State::InTransit, at, event);
                s.to = event.to.clone();
                s.custodian = custodian.clone();
                out.push(s);
            }
            "departed" => {
                push_departure(&mut out, event, at, custodian.clone(), world, home.as_deref());
                departure_from = Some(event.place.clone());
            }
            "released" => out.push(segment(State::Released, at, event)),
            "died" => out.push(segment(State::Deceased, at, event)),
            _ => {
                let mut s = segment(State::Unknown, at, event);
                s.reason = Some(format!("{} (whereabouts not known)", event.event));
                out.push(s);
            }
        }
    }
    (out, undated)
}

/// Closes every open segment at the time of `event`. When the event puts the subject somewhere no
/// open segment led, the move was not recorded: the last segment ends where its evidence ends and
/// an unknown gap runs to the event.
fn close_open(out: &mut Vec<Segment>, event: &Event, at: Interval) {
    let open: Vec<usize> = (0..out.len()).filter(|&i| out[i].until.is_none()).collect();
    let Some(&last_open) = open.last() else { return };
    let leads_there = |s: &Segment| {
        let expected = match s.state {
            State::InTransit => s.to.clone().or_else(|| s.place.clone()),
            _ => s.place.clone(),
        };
        match (&event.place, expected) {
            (Some(p), Some(e)) => *p == e,
            _ => true,
        }
    };
    let held = matches!(out[last_open].state, State::InCustody | State::InTransit);
    if held && !open.iter().any(|&i| leads_there(&out[i])) {
        let from = out[last_open].from;
        for &i in &open {
            out[i].until = Some(out[i].from);
        }
        let expected = out[last_open].to.clone().or_else(|| out[last_open].place.clone());
        let mut gap = segment(State::Unknown, from, event);
        gap.place = None;
        gap.custodian = None;
        gap.basis = Vec::new();
        gap.records = Vec::new();
        gap.count = None;
        gap.reason = Some(format!(
            "next recorded at {} without a recorded move from {}",
            event.place.as_deref().unwrap_or("?"),
            expected.as_deref().unwrap_or("?")
        ));
        gap.until = Some(at);
        out.push(gap);
    } else {
        for &i in &open {
            out[i].until = Some(at);
        }
    }
}

/// A departure: in transit, leg by leg when the event names a flight with legs.
fn push_departure(
    out: &mut Vec<Segment>,
    event: &Event,
    at: Interval,
    custodian: Option<Id>,
    world: &dyn World,
    home: Option<&str>,
) {
    let Some((flight, legs)) = event.flight.as_ref().filter(|(_, legs)| !legs.is_empty()) else {
        let mut s = segment(State::InTransit, at, event);
        s.to = event.to.clone();
        s.custodian = custodian;
        out.push(s);
        return;
    };
    let mut from = at;
    for (i, leg) in legs.iter().enumerate() {
        let mut s = segment(State::InTransit, leg.departed.unwrap_or(from), event);
        if i == 0 {
            s.from = at;
        }
        s.place = Some(leg.from.clone());
        s.to = Some(leg.to.clone());
        s.custodian = custodian.clone();
        s.flight = Some(flight.clone());
        s.records.push(flight.clone());
        let Some(arrived) = leg.arrived else {
            // Landing not reported: the leg stays open until the next event says more.
            out.push(s);
            return;
        };
        s.until = Some(arrived);
        out.push(s);
        match legs.get(i + 1) {
            Some(next) => {
                // On the ground between legs, still in transit.
                let mut stop = segment(State::InTransit, arrived, event);
                stop.place = Some(leg.to.clone());
                stop.to = Some(next.to.clone());
                stop.custodian = custodian.clone();
                stop.flight = Some(flight.clone());
                stop.records.push(flight.clone());
                stop.until = next.departed;
                from = next.departed.unwrap_or(arrived);
                out.push(stop);
            }
            None => {
                // Landed at the last airport, still held by the same custodian.
                let mut held = segment(State::InCustody, arrived, event);
                held.place = Some(leg.to.clone());
                held.custodian = custodian.clone();
                held.flight = Some(flight.clone());
                held.records.push(flight.clone());
                let abroad = world.place_country(&leg.to);
                held.removed = matches!((abroad.as_deref(), home), (Some(a), Some(h)) if a != h);
                out.push(held);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Map(HashMap<&'static str, &'static str>);
    impl World for Map {
        fn place_country(&self, place: &str) -> Option<Id> {
            self.0.get(place).map(|c| Id::from(*c))
        }
        fn org_state(&self, org: &str) -> Option<Id> {
            self.0.get(org).map(|c| Id::from(*c))
        }
    }

    fn world() -> Map {
        Map(HashMap::from([
            ("hrl", "US"),
            ("pal", "HN"),
            ("sal", "SV"),
            ("cecot", "SV"),
            ("ice", "US"),
            ("prisons", "SV"),
            ("valle", "US"),
        ]))
    }

    fn t(text: &str) -> Interval {
        Interval::at(text.parse().unwrap())
    }

    fn window(a: &str, b: &str) -> Interval {
        Interval { earliest: a.parse().unwrap(), latest: b.parse().unwrap() }
    }

    fn ev(id: &str, event: &str, at: Option<Interval>, place: Option<&str>) -> Event {
        Event {
            id: id.into(),
            idx: 0,
            event: event.into(),
            at,
            place: place.map(Id::from),
            to: None,
            custodian: Some("ice".into()),
            basis: vec!["ins-aea".into()],
            flight: None,
            count: None,
            via: None,
        }
    }

    fn states(segments: &[Segment]) -> Vec<(&'static str, Option<&str>, bool)> {
        segments.iter().map(|s| (s.state.name(), s.place.as_deref(), s.removed)).collect()
    }

    #[test]
    fn flight_legs_stopover_hand_over_and_removal() {
        let legs = vec![
            Leg {
                from: "hrl".into(),
                to: "pal".into(),
                departed: Some(t("2025-03-15T21:26:00Z")),
                arrived: Some(t("2025-03-15T23:37:00Z")),
            },
            Leg {
                from: "pal".into(),
                to: "sal".into(),
                departed: Some(window("2025-03-16T03:30:00Z", "2025-03-16T05:00:00Z")),
                arrived: None,
            },
        ];
        let booked = ev("c1", "booked_in", Some(t("2025-03-14T12:00:00Z")), Some("valle"));
        let mut dep = ev("c2", "departed", None, Some("hrl"));
        dep.flight = Some(("flt-1".into(), legs));
        let mut hand = ev(
            "c3",
            "handed_over",
            Some(window("2025-03-16T03:30:00Z", "2025-03-16T16:00:00Z")),
            Some("sal"),
        );
        hand.to = Some("cecot".into());
        hand.custodian = Some("prisons".into());
        let (segments, undated) = derive(&[hand, dep, booked], &world());
        assert!(undated.is_empty());
        assert_eq!(
            states(&segments),
            vec![
                ("in_custody", Some("valle"), false),
                ("unknown", None, false), // valle → Harlingen airport: the move is not recorded
                ("in_transit", Some("hrl"), false),
                ("in_transit", Some("pal"), false), // on the ground in Honduras
                ("in_transit", Some("pal"), false), // second leg, landing not reported
                ("in_custody", Some("cecot"), true),
            ]
        );
        assert_eq!(segments[2].from, t("2025-03-15T21:26:00Z"), "the departure takes the first leg's time");
        assert_eq!(
            segments[4].until,
            Some(window("2025-03-16T03:30:00Z", "2025-03-16T16:00:00Z")),
            "uncertain times stay intervals"
        );
        assert_eq!(segments[5].custodian.as_deref(), Some("prisons"));
        assert!(segments[5].basis.is_empty(), "a hand-over to another state does not carry the old basis");
        assert_eq!(segments[5].until, None);
    }

    #[test]
    fn a_cohort_on_two_flights_travels_on_both_and_meets_at_the_hand_over() {
        let leg = |from: &str, to: &str, dep: &str, arr: Option<&str>| Leg {
            from: from.into(),
            to: to.into(),
            departed: Some(t(dep)),
            arrived: arr.map(t),
        };
        let mut one = ev("d1", "departed", None, Some("hrl"));
        one.flight = Some((
            "f1".into(),
            vec![
                leg("hrl", "pal", "2025-03-15T21:26:00Z", Some("2025-03-15T23:37:00Z")),
                leg("pal", "sal", "2025-03-16T04:00:00Z", None),
            ],
        ));
        let mut two = ev("d2", "departed", None, Some("hrl"));
        two.flight = Some((
            "f2".into(),
            vec![
                leg("hrl", "pal", "2025-03-15T21:44:00Z", Some("2025-03-16T00:10:00Z")),
                leg("pal", "sal", "2025-03-16T04:10:00Z", None),
            ],
        ));
        let mut hand = ev("h", "handed_over", Some(t("2025-03-16T08:00:00Z")), Some("sal"));
        hand.to = Some("cecot".into());
        hand.custodian = Some("prisons".into());
        let mut booked = ev("b", "booked_in", Some(t("2025-03-16T08:00:00Z")), Some("cecot"));
        booked.custodian = Some("prisons".into());
        booked.basis = Vec::new();
        let (segments, _) = derive(&[one, two, hand, booked], &world());
        let flights: Vec<Option<&str>> = segments.iter().map(|s| s.flight.as_deref()).collect();
        assert_eq!(
            flights,
            vec![Some("f1"), Some("f1"), Some("f1"), Some("f2"), Some("f2"), Some("f2"), None]
        );
        assert!(segments.iter().all(|s| s.state != State::Unknown), "no gap between parallel flights");
        assert_eq!(segments[2].until, Some(t("2025-03-16T08:00:00Z")), "both last legs end at the hand-over");
        assert_eq!(segments[5].until, Some(t("2025-03-16T08:00:00Z")));
        let last = segments.last().unwrap();
        assert_eq!(
            (last.place.as_deref(), last.removed, last.records.len()),
            (Some("cecot"), true, 2),
            "booking in confirms the hand-over"
        );
        assert!(
            last.basis.is_empty(),
            "the removing state's authority does not carry over: {:?}",
            last.basis
        );
    }

    #[test]
    fn release_death_and_escape() {
        let (segments, _) = derive(
            &[
                ev("a", "apprehended", Some(t("2025-01-01T00:00:00Z")), Some("valle")),
                ev("b", "released", Some(t("2025-02-01T00:00:00Z")), Some("valle")),
                ev("c", "apprehended", Some(t("2025-03-01T00:00:00Z")), Some("valle")),
                ev("d", "escaped", Some(t("2025-04-01T00:00:00Z")), Some("valle")),
                ev("e", "died", Some(t("2025-05-01T00:00:00Z")), None),
            ],
            &world(),
        );
        let names: Vec<&str> = segments.iter().map(|s| s.state.name()).collect();
        assert_eq!(names, vec!["in_custody", "released", "in_custody", "unknown", "deceased"]);
        assert_eq!(segments[0].until, Some(t("2025-02-01T00:00:00Z")));
    }

    #[test]
    fn events_without_any_time_are_set_apart() {
        let mut dep = ev("x", "departed", None, Some("hrl"));
        dep.flight = Some(("f".into(), vec![]));
        let (segments, undated) = derive(&[dep], &world());
        assert!(segments.is_empty());
        assert_eq!(undated, vec!["x".to_string()]);
    }
}
