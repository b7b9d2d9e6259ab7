//! Which time zone reads each date of a record (records.md, "Time").
//!
//! A date means a whole local day, so it needs a zone. The zone comes from, in order:
//! - the record's **place** (`custody`, `contact`, `condition`, `population`); for a flight leg,
//!   `departed` is read in the `from` place's zone and `arrived` in the `to` place's;
//! - its **court** (`order`, `case`, `petition`, `court_finding`, and a `ruling` or `decision`
//!   through its own `court` or that of the order or petition it is about), from the court org's `tz`;
//! - the record's own `tz` (a `place` record's `tz` is its zone);
//! - else UTC, which is flagged: a date read in UTC may decide a comparison wrongly. A source's
//!   `published` and `retrieved` dates never raise the flag.
//!
//! Instants carry their own offset and need no zone to compare; the same zone is still the one
//! they are *shown* in.

use std::borrow::Borrow;

use jiff::tz::TimeZone;
use serde_json::Value;

use crate::record::Record;
use crate::record_type::RecordType;
use crate::schema::{self, Field, Kind};
use crate::time::{Interval, TimeSpec, parse_zone};

/// Where a field's zone is to be found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneHint {
    /// The `tz` of this place record.
    Place(String),
    /// The `tz` of this court org.
    Court(String),
    /// The `tz` of the court of this order or petition.
    CourtOf(String),
}

/// Where the zone that was used came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneOrigin {
    Place,
    Court,
    Record,
    /// No zone was found: dates were read in UTC.
    Utc,
}

/// A time field of a record, with where to look for its zone.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeField {
    pub path: String,
    pub spec: TimeSpec,
    pub hints: Vec<ZoneHint>,
    /// `source.published` / `retrieved`: read in UTC without a flag.
    pub exempt: bool,
}

/// A time field resolved to UTC.
#[derive(Clone, Debug, PartialEq)]
pub struct ResolvedTime {
    pub path: String,
    pub interval: Interval,
    pub zone: TimeZone,
    pub origin: ZoneOrigin,
    /// A date was read in UTC for want of a zone (and the field is not exempt).
    pub flagged: bool,
}

/// Looks up the zones of places and courts, and the court of an order or petition.
pub trait ZoneLookup {
    fn place_zone(&self, place: &str) -> Option<TimeZone>;
    fn org_zone(&self, org: &str) -> Option<TimeZone>;
    fn court_of(&self, order_or_petition: &str) -> Option<String>;
}

/// A member that gives a record's times their zone, and the kind of hint its id makes.
type HintMember = (&'static str, fn(String) -> ZoneHint);

/// The members of a record of type `t` that give all of its times their zone.
fn hint_members(t: RecordType) -> &'static [HintMember] {
    use RecordType::*;
    match t {
        Custody | Contact | Condition | Population => &[("place", ZoneHint::Place)],
        Order | Case | Petition | CourtFinding => &[("court", ZoneHint::Court)],
        Ruling => &[("court", ZoneHint::Court), ("order", ZoneHint::CourtOf)],
        Decision => &[("petition", ZoneHint::CourtOf)],
        _ => &[],
    }
}

/// The members [`time_fields_of`] asks for of a record of type `t`: those that can hold a time,
/// and those that give its times their zone (what the tests hold it to).
#[cfg(test)]
fn members_read(t: RecordType) -> impl Iterator<Item = &'static str> {
    let times = time_bearing(t).iter().map(|field| field.name);
    times.chain(hint_members(t).iter().map(|(name, _)| *name))
}

/// Whether a value of this kind can hold a time somewhere inside it.
fn holds_time(kind: &Kind) -> bool {
    match kind {
        Kind::Time | Kind::Pronouncement => true,
        Kind::List(item) => holds_time(item),
        Kind::Object(fields) => fields.iter().any(|f| holds_time(&f.kind)),
        Kind::OneOf(kinds) => kinds.iter().any(holds_time),
        _ => false,
    }
}

/// The fields of a record type (its own, then the common ones) that can hold a time, in the
/// schema's order. A custody event has one (`at`) among a score: asking the record for each of
/// the score had been a tenth of `habeas check`'s processor time.
fn time_bearing(t: RecordType) -> &'static [&'static Field] {
    static TABLE: std::sync::OnceLock<Vec<Vec<&'static Field>>> = std::sync::OnceLock::new();
    let table = TABLE.get_or_init(|| {
        RecordType::ALL
            .iter()
            .map(|&t| {
                schema::fields(t).iter().chain(schema::COMMON).filter(|f| holds_time(&f.kind)).collect()
            })
            .collect()
    });
    // `ALL` lists the variants in the order they are declared, so a variant's number is its place.
    table.get(t as usize).map_or(&[], Vec::as_slice)
}

/// Every time field of a record, in the order the schema lists them.
pub fn time_fields(record: &Record) -> Vec<TimeField> {
    time_fields_of(record.record_type(), |name| record.get(name))
}

/// As [`time_fields`], for a record of type `t` held in another form: `member` gives the value
/// of a member by name, and is asked only for the members that can hold a time or give a zone (a
/// custody event: `at` and `place`), so a reader need not build the whole record.
fn time_fields_of<V: Borrow<Value>>(t: RecordType, member: impl Fn(&str) -> Option<V>) -> Vec<TimeField> {
    gather(t, &member, true)
}

/// A record's time fields; `hinted`: with the hints its zone members give (without, only a flight
/// leg's own place hints at its zone).
fn gather<V: Borrow<Value>>(
    t: RecordType,
    member: &impl Fn(&str) -> Option<V>,
    hinted: bool,
) -> Vec<TimeField> {
    let mut found =
        time_bearing(t).iter().filter_map(|field| member(field.name).map(|v| (field, v))).peekable();
    if found.peek().is_none() {
        return Vec::new();
    }
    // The hints that apply to the record as a whole.
    let hints = if hinted { hint_members(t) } else { &[] };
    let base: Vec<ZoneHint> = (hints.iter())
        .filter_map(|(name, hint)| member(name)?.borrow().as_str().map(|id| hint(id.to_string())))
        .collect();
    let mut out = Vec::new();
    for (field, value) in found {
        let exempt = t == RecordType::Source && matches!(field.name, "published" | "retrieved");
        collect(&field.kind, value.borrow(), field.name, &base, exempt, &mut out);
    }
    out
}

fn collect(
    kind: &Kind,
    value: &Value,
    path: &str,
    hints: &[ZoneHint],
    exempt: bool,
    out: &mut Vec<TimeField>,
) {
    match kind {
        Kind::Time => {
            if let Ok(spec) = TimeSpec::from_json(value) {
                out.push(TimeField { path: path.to_string(), spec, hints: hints.to_vec(), exempt });
            }
        }
        Kind::Pronouncement => match value.get("at") {
            Some(at) if value.is_object() => {
                collect(&Kind::Time, at, &format!("{path}.at"), hints, exempt, out)
            }
            _ => collect(&Kind::Time, value, path, hints, exempt, out),
        },
        Kind::List(item) => {
            for (i, v) in value.as_array().into_iter().flatten().enumerate() {
                collect(item, v, &format!("{path}[{i}]"), hints, exempt, out);
            }
        }
        Kind::Object(fields) => collect_object(fields, value, path, hints, exempt, out),
        Kind::OneOf(kinds) => {
            for k in kinds.iter() {
                collect(k, value, path, hints, exempt, out);
            }
        }
        _ => {}
    }
}

fn collect_object(
    fields: &[Field],
    value: &Value,
    path: &str,
    hints: &[ZoneHint],
    exempt: bool,
    out: &mut Vec<TimeField>,
) {
    let Some(map) = value.as_object() else { return };
    for field in fields {
        let Some(v) = map.get(field.name) else { continue };
        // A flight leg's departure is local to where it left, its arrival to where it landed.
        let leg_place = match field.name {
            "departed" => map.get("from"),
            "arrived" => map.get("to"),
            _ => None,
        };
        let mut local = hints.to_vec();
        if let Some(place) = leg_place.and_then(Value::as_str) {
            local.insert(0, ZoneHint::Place(place.to_string()));
        }
        collect(&field.kind, v, &format!("{path}.{}", field.name), &local, exempt, out);
    }
}

/// A time field in UTC, for a reader that compares instants and does not show them.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeInUtc {
    pub path: String,
    pub interval: Interval,
    /// A date was read in UTC for want of a zone (and the field is not exempt).
    pub flagged: bool,
}

/// Every time field of a record of type `t` in UTC, as [`resolve_fields`] resolves the fields of
/// `time_fields`, without the zone each would be shown in. An instant carries its offset and
/// needs no zone, so the members that give one (`place`, `court`, `tz`) and the zones themselves
/// are looked up only for a record with a date: for millions of custody events timed to the
/// minute, each hint had been a string copied and each zone a lookup, for nothing.
pub fn times_in_utc<V: Borrow<Value>>(
    t: RecordType,
    member: impl Fn(&str) -> Option<V>,
    lookup: &dyn ZoneLookup,
) -> Vec<TimeInUtc> {
    let bare = gather(t, &member, false);
    if bare.iter().all(|field| !field.spec.needs_zone()) {
        let in_utc = |field: TimeField| TimeInUtc {
            interval: field.spec.resolve(&TimeZone::UTC),
            path: field.path,
            flagged: false,
        };
        return bare.into_iter().map(in_utc).collect();
    }
    let own_tz = member("tz").and_then(|tz| tz.borrow().as_str().and_then(parse_zone));
    let resolved = resolve_fields(gather(t, &member, true), own_tz.as_ref(), lookup);
    resolved
        .into_iter()
        .map(|r| TimeInUtc { path: r.path, interval: r.interval, flagged: r.flagged })
        .collect()
}

/// The time of a record of type `t` whose only time is its `at`, written as an instant with its
/// offset (`at_text`), in UTC: what [`times_in_utc`] answers for it, one `at` path, without the
/// work it does for any time (the member's value copied into JSON, the lists of fields, a path
/// and the answer allocated). `present` says whether the record has a member. `None` when the
/// type holds no plain `at` time, another time member is present, or `at_text` is not an
/// instant with its offset: ask [`times_in_utc`] then. At the largest check benchmark, 6 million
/// custody events take this way.
pub fn instant_at_alone(t: RecordType, at_text: &str, present: impl Fn(&str) -> bool) -> Option<Interval> {
    let mut at_fields = 0;
    for field in time_bearing(t) {
        if field.name == "at" {
            if !matches!(field.kind, Kind::Time | Kind::Pronouncement) {
                return None;
            }
            at_fields += 1;
        } else if present(field.name) {
            return None;
        }
    }
    match (at_fields, crate::time::parse_point(at_text)) {
        (1, Ok(crate::time::TimePoint::Instant(instant))) => Some(Interval::at(instant)),
        _ => None,
    }
}

/// Resolves every time field of a record to UTC.
pub fn resolve_times(record: &Record, lookup: &dyn ZoneLookup) -> Vec<ResolvedTime> {
    let own_tz = record.get("tz").and_then(Value::as_str).and_then(parse_zone);
    resolve_fields(time_fields(record), own_tz.as_ref(), lookup)
}

/// Resolves time fields gathered earlier ([`time_fields`]) to UTC, `own_tz` being their record's
/// own `tz`: for a reader that lets go of the record before every zone is known.
pub fn resolve_fields(
    fields: Vec<TimeField>,
    own_tz: Option<&TimeZone>,
    lookup: &dyn ZoneLookup,
) -> Vec<ResolvedTime> {
    fields
        .into_iter()
        .map(|field| {
            let found = field.hints.iter().find_map(|hint| match hint {
                ZoneHint::Place(id) => lookup.place_zone(id).map(|z| (z, ZoneOrigin::Place)),
                ZoneHint::Court(id) => lookup.org_zone(id).map(|z| (z, ZoneOrigin::Court)),
                ZoneHint::CourtOf(id) => lookup
                    .court_of(id)
                    .and_then(|court| lookup.org_zone(&court))
                    .map(|z| (z, ZoneOrigin::Court)),
            });
            let (zone, origin) = found
                .or_else(|| own_tz.map(|z| (z.clone(), ZoneOrigin::Record)))
                .unwrap_or((TimeZone::UTC, ZoneOrigin::Utc));
            let flagged = origin == ZoneOrigin::Utc && field.spec.needs_zone() && !field.exempt;
            ResolvedTime { interval: field.spec.resolve(&zone), path: field.path, zone, origin, flagged }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_line;
    use std::collections::HashMap;

    struct Zones(HashMap<&'static str, &'static str>, HashMap<&'static str, &'static str>);

    impl ZoneLookup for Zones {
        fn place_zone(&self, place: &str) -> Option<TimeZone> {
            self.0.get(place).and_then(|z| parse_zone(z))
        }
        fn org_zone(&self, org: &str) -> Option<TimeZone> {
            self.0.get(org).and_then(|z| parse_zone(z))
        }
        fn court_of(&self, id: &str) -> Option<String> {
            self.1.get(id).map(|s| s.to_string())
        }
    }

    fn zones() -> Zones {
        Zones(
            HashMap::from([
                ("pl-hrl", "America/Chicago"),
                ("pl-sal", "America/El_Salvador"),
                ("org-ddc", "America/New_York"),
            ]),
            HashMap::from([("ord-1", "org-ddc")]),
        )
    }

    fn utc(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn each_type_looks_only_at_the_fields_that_can_hold_a_time() {
        for &t in RecordType::ALL {
            let expected: Vec<&str> = (schema::fields(t).iter().chain(schema::COMMON))
                .filter(|f| holds_time(&f.kind))
                .map(|f| f.name)
                .collect();
            let names: Vec<&str> = time_bearing(t).iter().map(|f| f.name).collect();
            assert_eq!(names, expected, "{}", t.name());
        }
        let names = |t| time_bearing(t).iter().map(|f| f.name).collect::<Vec<_>>();
        assert!(names(RecordType::Custody).contains(&"at"));
        assert!(!names(RecordType::Custody).contains(&"place"));
        assert!(names(RecordType::Flight).contains(&"legs"), "a leg's departure is a time");
        assert!(names(RecordType::Order).contains(&"oral"), "a pronouncement holds a time");
    }

    #[test]
    fn a_record_of_the_members_read_alone_has_the_same_time_fields() {
        let example = include_str!("../../../examples/cecot-2025.jsonl");
        let mut with_times = 0;
        for line in example.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("//")) {
            let record = parse_line(line).unwrap().record;
            let t = record.record_type();
            let mut alone = serde_json::Map::new();
            for name in ["id", "type"].into_iter().chain(members_read(t)) {
                if let Some(value) = record.get(name) {
                    alone.insert(name.to_string(), value.clone());
                }
            }
            let alone = crate::record::from_log(alone).unwrap();
            assert_eq!(time_fields(&alone), time_fields(&record), "{line}");
            // A reader asked member by member is asked for those alone, and reads the same.
            let asked = std::cell::RefCell::new(Vec::new());
            let read = time_fields_of(t, |name| {
                asked.borrow_mut().push(name.to_string());
                record.get(name).cloned()
            });
            assert_eq!(read, time_fields(&record), "{line}");
            assert!(asked.borrow().iter().all(|name| members_read(t).any(|m| m == name)), "{asked:?}");
            with_times += usize::from(!time_fields(&record).is_empty());
        }
        assert!(with_times > 50, "the example has times: {with_times}");
    }

    #[test]
    fn times_in_utc_are_the_resolved_times_without_their_zones() {
        // Every record of the example case, and dates and instants with and without a place
        // that lends a zone: the same paths, intervals and flags as resolve_times.
        let example = include_str!("../../../examples/cecot-2025.jsonl");
        let extra = [
            r#"{"type":"custody","subject":"p","event":"booked_in","at":"2025-03-16","place":"pl-sal"}"#,
            r#"{"type":"custody","subject":"p","event":"booked_in","at":"2025-03-16T10:00:00-05:00","place":"pl-sal"}"#,
            r#"{"type":"custody","subject":"p","event":"booked_in","at":{"earliest":"2025-03-16T10:00:00Z","latest":"2025-03-17"},"place":"nowhere"}"#,
            r#"{"type":"ruling","order":"ord-1","effect":"stayed","at":"2025-03-16"}"#,
            r#"{"type":"source","id":"s","kind":"news","title":"t","published":"2025-03-16"}"#,
        ];
        let mut dated = 0;
        for line in example.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("//")).chain(extra) {
            let record = parse_line(line).unwrap().record;
            let expected: Vec<TimeInUtc> = resolve_times(&record, &zones())
                .into_iter()
                .map(|r| TimeInUtc { path: r.path, interval: r.interval, flagged: r.flagged })
                .collect();
            let read = times_in_utc(record.record_type(), |name| record.get(name), &zones());
            assert_eq!(read, expected, "{line}");
            dated += usize::from(time_fields(&record).iter().any(|f| f.spec.needs_zone()));
        }
        assert!(dated > 10, "dates, which take a zone, are among them: {dated}");
    }

    #[test]
    fn an_instant_at_alone_is_what_times_in_utc_reads_and_anything_else_is_left_to_it() {
        let example = include_str!("../../../examples/cecot-2025.jsonl");
        let extra = [
            r#"{"type":"custody","subject":"p","event":"booked_in","at":"2025-03-16T10:00:00-05:00","place":"pl-sal"}"#,
            r#"{"type":"custody","subject":"p","event":"booked_in","at":"2025-03-16","place":"pl-sal"}"#,
            r#"{"type":"custody","subject":"p","event":"booked_in","at":"2025-03","place":"pl-sal"}"#,
            r#"{"type":"ruling","order":"ord-1","effect":"stayed","at":"2025-03-16T10:00:00Z"}"#,
            r#"{"type":"contact","subject":"p","kind":"counsel","outcome":"denied","at":"2025-03-16T10:00:00Z"}"#,
        ];
        let (mut alone, mut not) = (0, 0);
        for line in example.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("//")).chain(extra) {
            let record = parse_line(line).unwrap().record;
            let t = record.record_type();
            let Some(at) = record.get("at").and_then(Value::as_str) else { continue };
            let read = times_in_utc(t, |name| record.get(name), &zones());
            match instant_at_alone(t, at, |name| record.get(name).is_some()) {
                Some(interval) => {
                    let path = "at".to_string();
                    assert_eq!(read, [TimeInUtc { path, interval, flagged: false }], "{line}");
                    alone += 1;
                }
                None => {
                    let only_an_instant = read.len() == 1 && read[0].path == "at" && at.contains('T');
                    assert!(!only_an_instant, "an instant at alone, left to times_in_utc: {line}");
                    not += 1;
                }
            }
        }
        assert!(alone >= 4 && not > 20, "both ways are taken: {alone} and {not}");
        // Another time present: the whole record must be read.
        let at = "2025-03-16T10:00:00Z";
        assert!(instant_at_alone(RecordType::Custody, at, |_| false).is_some());
        assert!(instant_at_alone(RecordType::Custody, at, |name| name != "at").is_none());
        assert!(instant_at_alone(RecordType::Custody, "2025-03-16", |_| false).is_none());
        assert!(instant_at_alone(RecordType::Custody, "2025-03-16T10:00:00", |_| false).is_none());
        assert!(instant_at_alone(RecordType::Person, at, |_| false).is_none(), "a person has no time at");
    }

    #[test]
    fn custody_dates_use_the_place_and_flag_nothing() {
        let r = parse_line(
            r#"{"type":"custody","subject":"p","event":"booked_in","at":"2025-03-16","place":"pl-sal"}"#,
        )
        .unwrap()
        .record;
        let times = resolve_times(&r, &zones());
        assert_eq!(times.len(), 1);
        assert_eq!(times[0].origin, ZoneOrigin::Place);
        assert_eq!(times[0].interval.earliest, utc("2025-03-16T06:00:00Z"));
        assert!(!times[0].flagged);
    }

    #[test]
    fn flight_legs_read_departure_and_arrival_in_their_own_airports() {
        let r = parse_line(
            r#"{"type":"flight","id":"f1","legs":[{"from":"pl-hrl","to":"pl-sal","departed":"2025-03-09","arrived":"2025-03-09"}]}"#,
        )
        .unwrap()
        .record;
        let times = resolve_times(&r, &zones());
        assert_eq!(times[0].path, "legs[0].departed");
        assert_eq!(times[0].interval.earliest, utc("2025-03-09T06:00:00Z")); // CST
        assert_eq!(times[0].interval.latest, utc("2025-03-10T04:59:59.999999999Z")); // CDT
        assert_eq!(times[1].path, "legs[0].arrived");
        assert_eq!(times[1].interval.latest, utc("2025-03-10T05:59:59.999999999Z"));
    }

    #[test]
    fn rulings_take_the_zone_of_their_orders_court() {
        let r = parse_line(r#"{"type":"ruling","order":"ord-1","at":"2025-04-07","effect":"vacated"}"#)
            .unwrap()
            .record;
        let times = resolve_times(&r, &zones());
        assert_eq!(
            (times[0].origin, times[0].interval.earliest),
            (ZoneOrigin::Court, utc("2025-04-07T04:00:00Z"))
        );
    }

    #[test]
    fn dates_without_any_zone_are_flagged_but_source_dates_are_not() {
        let r = parse_line(r#"{"type":"payment","payer":"a","payee":"b","amount":"6000000.00","currency":"USD","at":"2025-03-15"}"#)
            .unwrap()
            .record;
        assert!(resolve_times(&r, &zones())[0].flagged);
        let with_tz = parse_line(
            r#"{"type":"payment","payer":"a","payee":"b","amount":"1","currency":"USD","at":"2025-03-15","tz":"America/El_Salvador"}"#,
        )
        .unwrap()
        .record;
        assert_eq!(resolve_times(&with_tz, &zones())[0].origin, ZoneOrigin::Record);
        let source =
            parse_line(r#"{"type":"source","id":"s","kind":"news","title":"t","published":"2025-03-16"}"#)
                .unwrap()
                .record;
        assert!(!resolve_times(&source, &zones())[0].flagged);
    }

    #[test]
    fn order_pronouncements_are_found() {
        let r = parse_line(
            r#"{"type":"order","id":"o","court":"org-ddc","kind":"tro","issued":"2025-03-15T18:46-04:00","scope":{"persons":["p"]},
               "oral":{"at":{"earliest":"2025-03-15T18:45-04:00","latest":"2025-03-15T18:48-04:00"},"prohibits":["remove"]},
               "written":"2025-03-15T19:26-04:00"}"#,
        )
        .unwrap()
        .record;
        let paths: Vec<String> = time_fields(&r).into_iter().map(|f| f.path).collect();
        assert_eq!(paths, vec!["issued", "oral.at", "written"]);
    }
}
