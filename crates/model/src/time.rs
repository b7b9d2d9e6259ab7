//! Times as people record them, and as habeas compares them: intervals in UTC.
//!
//! A record writes a time in one of three forms ([`TimeSpec`]):
//!
//! - an **instant** with its offset, RFC 3339: `"2025-03-15T17:26:00-05:00"`, `"2025-03-15T22:26Z"`
//!   (seconds optional). A local time without an offset is refused: the offset is part of the fact,
//!   and guessing it is how a departure lands on the wrong side of a court order;
//! - a **date**, whole or partial: `"2025-03-15"`, `"2025-03"`, `"2025"`, meaning the whole local day
//!   (month, year) in some zone, decided by the record's place, court or `tz` (see `zone.rs`);
//! - an **uncertain** time `{"earliest": T, "latest": T}`, when sources disagree or only a window is
//!   known. A date as `earliest` means the start of that day, as `latest` its end.
//!
//! [`TimeSpec::resolve`] turns any of them into an [`Interval`] `[earliest, latest]` of UTC instants
//! (an exact instant has both ends equal). The end of a day is the last nanosecond before the next
//! day starts in that zone, so a day with a daylight-saving change is 23 or 25 hours long.

use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde_json::Value;

/// A calendar date to the precision it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartialDate {
    Year(i16),
    Month(i16, i8),
    Day(Date),
}

impl PartialDate {
    /// The first calendar day it covers.
    pub fn first_day(self) -> Date {
        match self {
            PartialDate::Year(y) => Date::new(y, 1, 1).unwrap_or_default(),
            PartialDate::Month(y, m) => Date::new(y, m, 1).unwrap_or_default(),
            PartialDate::Day(d) => d,
        }
    }

    /// The last calendar day it covers.
    pub fn last_day(self) -> Date {
        match self {
            PartialDate::Year(y) => Date::new(y, 12, 31).unwrap_or_default(),
            PartialDate::Month(..) => self.first_day().last_of_month(),
            PartialDate::Day(d) => d,
        }
    }
}

/// A single point as written: an instant with offset, or a (partial) date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimePoint {
    Instant(Timestamp),
    Date(PartialDate),
}

/// A time as a record writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeSpec {
    Point(TimePoint),
    Uncertain { earliest: TimePoint, latest: TimePoint },
}

/// A closed interval of UTC instants; `earliest == latest` for an exact instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    pub earliest: Timestamp,
    pub latest: Timestamp,
}

/// Why a value is not a time.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeError {
    /// A date and time of day without an offset or `Z`.
    LocalWithoutOffset(String),
    /// Not any of the accepted forms.
    NotATime(String),
    /// An instant where only a calendar date is allowed (`person.born`).
    NotADate(String),
    /// `{"earliest", "latest"}` with a missing or unknown member.
    BadWindow(String),
    /// `{"earliest", "latest"}` with `earliest` after `latest`: in every zone (`read_in` is
    /// `None`), or when its date is read in the zone named (known only once the record's place
    /// or court is).
    Reversed { read_in: Option<String> },
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::Localized::message(self, crate::Lang::En))
    }
}

impl crate::Localized for TimeError {
    fn message(&self, lang: crate::Lang) -> String {
        use crate::Lang::*;
        match (self, lang) {
            (TimeError::LocalWithoutOffset(t), En) => format!(
                "{t:?} is a local time without an offset; write the offset that applied where it happened, e.g. \"{t}-05:00\", or \"Z\" for UTC"
            ),
            (TimeError::LocalWithoutOffset(t), Es) => format!(
                "{t:?} es una hora local sin desfase horario; escriba el desfase del lugar donde ocurrió, p. ej. \"{t}-05:00\", o \"Z\" para UTC"
            ),
            (TimeError::NotATime(t), En) => format!(
                "{t} is not a time: expected an instant with offset (2025-03-15T17:26:00-05:00), a date (2025-03-15, 2025-03, 2025) or {{\"earliest\": ..., \"latest\": ...}}"
            ),
            (TimeError::NotATime(t), Es) => format!(
                "{t} no es una fecha u hora: se esperaba un instante con desfase (2025-03-15T17:26:00-05:00), una fecha (2025-03-15, 2025-03, 2025) o {{\"earliest\": ..., \"latest\": ...}}"
            ),
            (TimeError::NotADate(t), En) => {
                format!("{t} is not a calendar date: expected 1990-05-01, 1990-05 or 1990")
            }
            (TimeError::NotADate(t), Es) => {
                format!("{t} no es una fecha de calendario: se esperaba 1990-05-01, 1990-05 o 1990")
            }
            (TimeError::BadWindow(why), En) => format!("uncertain time: {why}"),
            (TimeError::BadWindow(why), Es) => format!("hora incierta: {why}"),
            (TimeError::Reversed { read_in: None }, En) => "uncertain time: earliest is after latest".into(),
            (TimeError::Reversed { read_in: None }, Es) => {
                "hora incierta: earliest es posterior a latest".into()
            }
            (TimeError::Reversed { read_in: Some(zone) }, En) => format!(
                "uncertain time: earliest is after latest when its date is read in {zone}, the zone it takes; check the date, or write both ends as instants with offsets"
            ),
            (TimeError::Reversed { read_in: Some(zone) }, Es) => format!(
                "hora incierta: earliest es posterior a latest al leer su fecha en {zone}, la zona que le corresponde; revise la fecha, o escriba ambos extremos como instantes con desfase"
            ),
        }
    }
}

fn digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Reads `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn parse_date(text: &str) -> Option<PartialDate> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i32> {
        let part = b.get(range)?;
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + i32::from(d - b'0')))
    };
    let year = i16::try_from(num(0..4)?).ok()?;
    match b.len() {
        4 => Some(PartialDate::Year(year)),
        7 if b[4] == b'-' => {
            let month = i8::try_from(num(5..7)?).ok()?;
            Date::new(year, month, 1).ok()?;
            Some(PartialDate::Month(year, month))
        }
        10 if b[4] == b'-' && b[7] == b'-' => {
            let (month, day) = (i8::try_from(num(5..7)?).ok()?, i8::try_from(num(8..10)?).ok()?);
            Some(PartialDate::Day(Date::new(year, month, day).ok()?))
        }
        _ => None,
    }
}

/// Whether `text` after its date is `HH:MM[:SS[.fff]]` followed by an offset; `Some(false)` when
/// the clock is there but the offset is not.
fn has_offset(clock: &str) -> Option<bool> {
    let (time, offset) = match clock.find(['Z', 'z', '+', '-']) {
        Some(at) => (&clock[..at], Some(&clock[at..])),
        None => (clock, None),
    };
    let mut fields = time.split(':');
    let (hh, mm) = (fields.next()?, fields.next()?);
    if hh.len() != 2 || mm.len() != 2 || !digits(hh) || !digits(mm) {
        return None;
    }
    if let Some(ss) = fields.next() {
        let (whole, frac) = ss.split_once('.').unwrap_or((ss, "0"));
        if whole.len() != 2 || !digits(whole) || !digits(frac) {
            return None;
        }
    }
    if fields.next().is_some() {
        return None;
    }
    match offset {
        None => Some(false),
        Some("Z" | "z") => Some(true),
        Some(off) => {
            let (h, m) = off[1..].split_once(':')?;
            (h.len() == 2 && m.len() == 2 && digits(h) && digits(m)).then_some(true)
        }
    }
}

/// Reads one point: an RFC 3339 instant with offset, or a partial date.
pub fn parse_point(text: &str) -> Result<TimePoint, TimeError> {
    if let Some(date) = parse_date(text) {
        return Ok(TimePoint::Date(date));
    }
    let not_a_time = || TimeError::NotATime(format!("{text:?}"));
    let split = text.find(['T', 't', ' ']).ok_or_else(not_a_time)?;
    if !matches!(parse_date(&text[..split]), Some(PartialDate::Day(_))) {
        return Err(not_a_time());
    }
    match has_offset(&text[split + 1..]) {
        Some(true) => text.parse::<Timestamp>().map(TimePoint::Instant).map_err(|_| not_a_time()),
        Some(false) => Err(TimeError::LocalWithoutOffset(text.to_string())),
        None => Err(not_a_time()),
    }
}

impl TimeSpec {
    /// Reads a time from its JSON form: a string, or `{"earliest": ..., "latest": ...}`.
    pub fn from_json(value: &Value) -> Result<TimeSpec, TimeError> {
        match value {
            Value::String(text) => Ok(TimeSpec::Point(parse_point(text)?)),
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|k| *k != "earliest" && *k != "latest") {
                    return Err(TimeError::BadWindow(format!("unknown member {key:?}")));
                }
                let point = |key: &str| match map.get(key) {
                    Some(Value::String(text)) => parse_point(text),
                    Some(other) => Err(TimeError::NotATime(other.to_string())),
                    None => Err(TimeError::BadWindow(format!("{key:?} is missing"))),
                };
                let (earliest, latest) = (point("earliest")?, point("latest")?);
                let spec = TimeSpec::Uncertain { earliest, latest };
                // Two instants, or two dates (both read in the same zone, whichever it is),
                // compare the same in every zone. A date against an instant is refused here only
                // if it is reversed in every zone; the exact check needs the record's zone
                // ([`TimeSpec::order_needs_zone`]), which the ledger makes once it knows it.
                let reversed_everywhere = if spec.mixes_date_and_instant() {
                    spec.reversed_in(&FARTHEST_EAST) && spec.reversed_in(&FARTHEST_WEST)
                } else {
                    spec.reversed_in(&TimeZone::UTC)
                };
                if reversed_everywhere {
                    return Err(TimeError::Reversed { read_in: None });
                }
                Ok(spec)
            }
            other => Err(TimeError::NotATime(other.to_string())),
        }
    }

    /// Reads a calendar date (`person.born`): a partial date, or a window of them.
    pub fn calendar_from_json(value: &Value) -> Result<TimeSpec, TimeError> {
        let spec = TimeSpec::from_json(value)?;
        if spec.has_instant() {
            return Err(TimeError::NotADate(value.to_string()));
        }
        Ok(spec)
    }

    fn points(&self) -> [TimePoint; 2] {
        match *self {
            TimeSpec::Point(p) => [p, p],
            TimeSpec::Uncertain { earliest, latest } => [earliest, latest],
        }
    }

    /// Whether `{"earliest", "latest"}` mixes a date and an instant in an order some zone
    /// reverses: only the zone its date is read in says whether `earliest` comes first.
    pub fn order_needs_zone(&self) -> bool {
        self.mixes_date_and_instant()
            && (self.reversed_in(&FARTHEST_EAST) || self.reversed_in(&FARTHEST_WEST))
    }

    /// Whether it is `{"earliest", "latest"}` with a date at one end and an instant at the other.
    fn mixes_date_and_instant(&self) -> bool {
        match *self {
            TimeSpec::Point(_) => false,
            TimeSpec::Uncertain { earliest, latest } => {
                matches!(earliest, TimePoint::Date(_)) != matches!(latest, TimePoint::Date(_))
            }
        }
    }

    /// Whether, its dates read in `zone`, `earliest` comes after `latest`.
    pub fn reversed_in(&self, zone: &TimeZone) -> bool {
        let interval = self.resolve(zone);
        interval.earliest > interval.latest
    }

    /// Whether resolving it needs a zone (some part of it is a date).
    pub fn needs_zone(&self) -> bool {
        self.points().iter().any(|p| matches!(p, TimePoint::Date(_)))
    }

    fn has_instant(&self) -> bool {
        self.points().iter().any(|p| matches!(p, TimePoint::Instant(_)))
    }

    /// The UTC interval this time covers, reading dates in `zone`.
    pub fn resolve(&self, zone: &TimeZone) -> Interval {
        let [first, last] = self.points();
        Interval { earliest: start_of(first, zone), latest: end_of(last, zone) }
    }
}

/// The first instant of a day in a zone (midnight, or the first instant after a gap). A day at
/// the edge of what an instant can be (the last day of 9999 in UTC) starts at the nearest
/// instant there is, so that the order of days holds there too.
pub fn day_start(day: Date, zone: &TimeZone) -> Timestamp {
    day.to_zoned_datetime(zone.clone()).map(|z| z.timestamp()).unwrap_or(if day.year() > 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    })
}

/// The last instant of a day in a zone, where a date's interval ends: what is there then was there
/// at the end of the day, and an event dated that day is over by then.
pub fn day_end(day: Date, zone: &TimeZone) -> Timestamp {
    match day.tomorrow() {
        Ok(next) => day_start(next, zone).checked_sub(Span::new().nanoseconds(1)).unwrap_or(Timestamp::MAX),
        Err(_) => Timestamp::MAX,
    }
}

/// The local day an instant falls on in a zone.
pub fn local_day(at: Timestamp, zone: &TimeZone) -> Date {
    at.to_zoned_datetime(zone.clone()).date()
}

/// The day an interval covers exactly, first instant to last, as a date given alone resolves:
/// such an interval is shown as the date.
pub fn whole_day(interval: &Interval, zone: &TimeZone) -> Option<Date> {
    let day = local_day(interval.earliest, zone);
    (interval.earliest == day_start(day, zone) && interval.latest == day_end(day, zone)).then_some(day)
}

/// A time typed by a person (a flag, a query parameter): an RFC 3339 instant; a date, meaning the
/// end of that day in `zone`; or a local date-time in `zone`.
pub fn parse_typed(text: &str, zone: &TimeZone) -> Option<Timestamp> {
    if let Ok(at) = text.parse::<Timestamp>() {
        return Some(at);
    }
    if let Ok(day) = text.parse::<Date>() {
        return Some(day_end(day, zone));
    }
    let local = text.parse::<jiff::civil::DateTime>().ok()?;
    local.to_zoned_datetime(zone.clone()).ok().map(|z| z.timestamp())
}

/// An interval as a person reads it in `zone`, with the offset: `2025-03-15 16:26 -05:00`, or
/// `2025-03-15 23:30 .. 2025-03-16 01:00 -04:00` for a window, or `2025-07-18 (-06:00)` for a
/// whole local day (a date given alone).
pub fn show(interval: &Interval, zone: &TimeZone) -> String {
    let show = |t: Timestamp| {
        let z = t.to_zoned_datetime(zone.clone());
        (z.strftime("%Y-%m-%d %H:%M").to_string(), z.strftime("%:z").to_string())
    };
    if let Some(day) = whole_day(interval, zone) {
        let offset = interval.earliest.to_zoned_datetime(zone.clone()).strftime("%:z").to_string();
        return format!("{day} ({offset})");
    }
    let (a, offset_a) = show(interval.earliest);
    if interval.is_exact() {
        return format!("{a} {offset_a}");
    }
    let (b, offset_b) = show(interval.latest);
    if offset_a == offset_b {
        format!("{a} .. {b} {offset_b}")
    } else {
        format!("{a} {offset_a} .. {b} {offset_b}")
    }
}

/// The zones farthest from UTC that a date could be read in (past the ±14 hours of today's
/// zones, and the local mean times of the 19th century), the bounds of what a zone can do to
/// the order of a date and an instant.
static FARTHEST_EAST: TimeZone = TimeZone::fixed(jiff::tz::Offset::constant(25));
static FARTHEST_WEST: TimeZone = TimeZone::fixed(jiff::tz::Offset::constant(-25));

fn start_of(point: TimePoint, zone: &TimeZone) -> Timestamp {
    match point {
        TimePoint::Instant(t) => t,
        TimePoint::Date(d) => day_start(d.first_day(), zone),
    }
}

fn end_of(point: TimePoint, zone: &TimeZone) -> Timestamp {
    match point {
        TimePoint::Instant(t) => t,
        TimePoint::Date(d) => day_end(d.last_day(), zone),
    }
}

impl Interval {
    /// An exact instant.
    pub fn at(t: Timestamp) -> Interval {
        Interval { earliest: t, latest: t }
    }

    pub fn is_exact(&self) -> bool {
        self.earliest == self.latest
    }
}

/// Checks an IANA zone name against the bundled time-zone database.
///
/// The last few zones a thread found are kept on that thread: a check writes a time in its
/// place's zone into each of millions of messages, and the database's own lookup (a lock, a
/// search, a name folded to compare) had been a few percent of a run. The database is built
/// into the binary, so a name always finds the same zone.
pub fn parse_zone(name: &str) -> Option<TimeZone> {
    /// How many zones a thread keeps: a ledger's places are in a handful of zones.
    const KEPT: usize = 8;
    thread_local! {
        static FOUND: std::cell::RefCell<Vec<(Box<str>, TimeZone)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let kept = FOUND.with_borrow(|found| found.iter().find(|(n, _)| **n == *name).map(|(_, tz)| tz.clone()));
    if kept.is_some() {
        return kept;
    }
    let zone = TimeZone::get(name).ok()?;
    FOUND.with_borrow_mut(|found| {
        if found.len() == KEPT {
            found.remove(0);
        }
        found.push((name.into(), zone.clone()));
    });
    Some(zone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn zone(name: &str) -> TimeZone {
        parse_zone(name).unwrap()
    }

    #[test]
    fn instants_need_offsets() {
        let spec = TimeSpec::from_json(&json!("2025-03-15T17:26:00-05:00")).unwrap();
        assert_eq!(spec.resolve(&TimeZone::UTC), Interval::at(ts("2025-03-15T22:26:00Z")));
        let short = TimeSpec::from_json(&json!("2025-03-15T22:26Z")).unwrap();
        assert_eq!(short.resolve(&TimeZone::UTC), Interval::at(ts("2025-03-15T22:26:00Z")));
        assert!(!spec.needs_zone());
        match TimeSpec::from_json(&json!("2025-03-15T17:26:00")) {
            Err(TimeError::LocalWithoutOffset(t)) => assert_eq!(t, "2025-03-15T17:26:00"),
            other => panic!("{other:?}"),
        }
        let message = TimeError::LocalWithoutOffset("2025-03-15T17:26".into()).to_string();
        assert!(message.contains("without an offset"), "{message}");
        for bad in
            ["2025-03-15T25:00Z", "2025-13-01", "2025-02-30", "15/03/2025", "2025-03-15T17:26+0500", "", "T"]
        {
            assert!(TimeSpec::from_json(&json!(bad)).is_err(), "{bad}");
        }
        assert!(TimeSpec::from_json(&json!(1742077560)).is_err());
    }

    #[test]
    fn dates_cover_whole_local_days_months_and_years() {
        let chicago = zone("America/Chicago");
        let day = TimeSpec::from_json(&json!("2025-03-15")).unwrap().resolve(&chicago);
        assert_eq!(day.earliest, ts("2025-03-15T05:00:00Z"));
        assert_eq!(day.latest, ts("2025-03-16T04:59:59.999999999Z"));
        let month = TimeSpec::from_json(&json!("2025-02")).unwrap().resolve(&TimeZone::UTC);
        assert_eq!(
            (month.earliest, month.latest),
            (ts("2025-02-01T00:00Z"), ts("2025-02-28T23:59:59.999999999Z"))
        );
        let year = TimeSpec::from_json(&json!("2024")).unwrap().resolve(&TimeZone::UTC);
        assert_eq!(year.latest, ts("2024-12-31T23:59:59.999999999Z"));
    }

    #[test]
    fn a_date_across_a_dst_change_is_23_or_25_hours() {
        let chicago = zone("America/Chicago");
        let spring = TimeSpec::from_json(&json!("2025-03-09")).unwrap().resolve(&chicago);
        assert_eq!(spring.earliest, ts("2025-03-09T06:00:00Z")); // CST, −06:00
        assert_eq!(spring.latest, ts("2025-03-10T04:59:59.999999999Z")); // CDT, −05:00
        let autumn = TimeSpec::from_json(&json!("2025-11-02")).unwrap().resolve(&chicago);
        assert_eq!(autumn.earliest, ts("2025-11-02T05:00:00Z"));
        assert_eq!(autumn.latest, ts("2025-11-03T05:59:59.999999999Z"));
        // El Salvador keeps −06:00 all year: the same calendar day is a different UTC interval.
        let salvador =
            TimeSpec::from_json(&json!("2025-03-09")).unwrap().resolve(&zone("America/El_Salvador"));
        assert_eq!(salvador.earliest, ts("2025-03-09T06:00:00Z"));
        assert_eq!(salvador.latest, ts("2025-03-10T05:59:59.999999999Z"));
    }

    #[test]
    fn uncertain_windows() {
        let w = TimeSpec::from_json(
            &json!({"earliest": "2025-03-15T17:44-04:00", "latest": "2025-03-15T17:45-04:00"}),
        )
        .unwrap()
        .resolve(&TimeZone::UTC);
        assert_eq!((w.earliest, w.latest), (ts("2025-03-15T21:44Z"), ts("2025-03-15T21:45Z")));
        let days = TimeSpec::from_json(&json!({"earliest": "2025-03-16", "latest": "2025-03-17"})).unwrap();
        let r = days.resolve(&zone("America/El_Salvador"));
        assert_eq!((r.earliest, r.latest), (ts("2025-03-16T06:00Z"), ts("2025-03-18T05:59:59.999999999Z")));
        assert!(days.needs_zone());
        for bad in [
            json!({"earliest": "2025-03-16"}),
            json!({"earliest": "2025-03-16", "latest": "2025-03-17", "why": "x"}),
        ] {
            assert!(matches!(TimeSpec::from_json(&bad), Err(TimeError::BadWindow(_))), "{bad}");
        }
    }

    #[test]
    fn a_window_in_the_wrong_order_is_refused_when_no_zone_can_right_it() {
        let reversed = Err(TimeError::Reversed { read_in: None });
        let read = |earliest: &str, latest: &str| {
            TimeSpec::from_json(&json!({"earliest": earliest, "latest": latest}))
        };
        // Two instants, or two dates (read in the same zone, whichever it is): the order is known.
        assert_eq!(read("2025-03-17T10:00Z", "2025-03-16T10:00Z"), reversed);
        assert_eq!(read("2025-03-17", "2025-03-16"), reversed, "the day after, in every zone");
        assert_eq!(read("2025-04", "2025-03"), reversed);
        assert!(read("2025-03-16", "2025-03-16").is_ok());
        // A date against an instant: the zone decides, unless no zone can.
        assert_eq!(read("2025-03-18", "2025-03-15T18:45-04:00"), reversed);
        assert_eq!(read("2025-03-15T18:45-04:00", "2025-03-13"), reversed);
        let by_zone = read("2025-03-16", "2025-03-15T23:30-05:00").unwrap();
        assert!(by_zone.order_needs_zone());
        assert!(by_zone.reversed_in(&zone("America/Chicago")), "16 March starts at 05:00 UTC there");
        assert!(!by_zone.reversed_in(&zone("Asia/Tokyo")));
        let by_zone = read("2025-03-15T18:45-04:00", "2025-03-15").unwrap();
        assert!(by_zone.order_needs_zone());
        assert!(by_zone.reversed_in(&zone("Asia/Tokyo")), "15 March ends at 14:59 UTC there");
        assert!(!by_zone.reversed_in(&zone("America/New_York")));
        // In order in every zone: nothing for the ledger to check.
        assert!(!read("2025-03-15", "2025-03-17T23:30-05:00").unwrap().order_needs_zone());
        assert!(!read("2025-03-14T23:30-05:00", "2025-03-16").unwrap().order_needs_zone());
        assert!(!read("2025-03-14", "2025-03-16").unwrap().order_needs_zone());
        // The last day there is starts after every other, in every zone.
        assert_eq!(read("9999-12-31", "2025-07-18"), reversed);
        assert!(read("2025-07-18", "9999-12-31").is_ok());
    }

    #[test]
    fn calendar_dates_refuse_instants() {
        assert!(TimeSpec::calendar_from_json(&json!("1990-05-01")).is_ok());
        assert!(TimeSpec::calendar_from_json(&json!({"earliest": "1988", "latest": "1990"})).is_ok());
        assert!(matches!(
            TimeSpec::calendar_from_json(&json!("1990-05-01T00:00Z")),
            Err(TimeError::NotADate(_))
        ));
    }

    #[test]
    fn zones() {
        assert!(parse_zone("America/El_Salvador").is_some());
        assert!(parse_zone("Mars/Olympus").is_none());
        assert!(parse_zone("").is_none());
    }

    #[test]
    fn a_zone_kept_by_the_thread_is_the_zone_the_database_gives() {
        // More zones than a thread keeps, asked in turn and again, unknown names among them.
        let names = [
            "America/New_York",
            "America/Chicago",
            "UTC",
            "Mars/Olympus",
            "America/El_Salvador",
            "America/Caracas",
            "Europe/Madrid",
            "America/Tegucigalpa",
            "Asia/Tokyo",
            "America/Bogota",
            "Africa/Nairobi",
            "Australia/Sydney",
            "America/Guatemala",
            "",
        ];
        for round in 0..3 {
            for name in names.iter().chain(names.iter().rev()) {
                let expected = TimeZone::get(name).ok().filter(|_| !name.is_empty());
                let found = parse_zone(name);
                assert_eq!(
                    found.as_ref().and_then(TimeZone::iana_name),
                    expected.as_ref().and_then(TimeZone::iana_name),
                    "{name}, round {round}"
                );
                let instant: Timestamp = "2025-03-15T22:26:00Z".parse().unwrap();
                assert_eq!(found.map(|z| z.to_offset(instant)), expected.map(|z| z.to_offset(instant)));
            }
        }
    }

    #[test]
    fn a_whole_local_day_is_recognised_even_when_it_starts_after_a_gap() {
        let ny = parse_zone("America/New_York").unwrap();
        let day = TimeSpec::from_json(&serde_json::json!("2025-03-15")).unwrap().resolve(&ny);
        assert_eq!(whole_day(&day, &ny), Some(jiff::civil::date(2025, 3, 15)));
        assert_eq!(whole_day(&Interval::at(day.earliest), &ny), None);
        // Santiago skipped from midnight to 01:00 on 7 September 2025: the day starts at 01:00.
        let santiago = parse_zone("America/Santiago").unwrap();
        let gap = TimeSpec::from_json(&serde_json::json!("2025-09-07")).unwrap().resolve(&santiago);
        assert_eq!(whole_day(&gap, &santiago), Some(jiff::civil::date(2025, 9, 7)));
        assert_eq!(
            local_day(day_end(jiff::civil::date(2025, 9, 6), &santiago), &santiago),
            jiff::civil::date(2025, 9, 6)
        );
    }
}
