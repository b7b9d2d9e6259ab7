//! Times and acts in words, for messages: local time with its offset, in English and Spanish.

use habeas_model::time::{Interval, parse_zone, whole_day};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn zone(name: Option<&str>) -> TimeZone {
    name.and_then(parse_zone).unwrap_or(TimeZone::UTC)
}

fn instant(t: Timestamp, tz: &TimeZone) -> String {
    written(t, tz.to_offset(t), false)
        .unwrap_or_else(|| t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M %:z").to_string())
}

/// `t` in UTC as `2025-03-16T00:45:00Z`, as `strftime("%Y-%m-%dT%H:%M:%SZ")` writes it.
pub(crate) fn utc(t: Timestamp) -> String {
    written(t, jiff::tz::Offset::UTC, true).unwrap_or_else(|| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// `t` at `offset` written digit by digit: `2025-03-15 17:26 -04:00`, or `2025-03-15T17:26:00Z`
/// (`utc`), as `strftime` writes it. A check writes a time into each of millions of findings
/// and messages, where `strftime` reads its pattern anew each time. `None` (for `strftime` to
/// write) where the pattern writes something else: a year outside 0 to 9999, an offset with
/// seconds.
fn written(t: Timestamp, offset: jiff::tz::Offset, utc: bool) -> Option<String> {
    let at = offset.to_datetime(t);
    let year = u32::try_from(at.year()).ok().filter(|y| *y <= 9999)?;
    let offset_seconds = offset.seconds();
    if offset_seconds % 60 != 0 {
        return None;
    }
    // A part of a date or time: each is from 0 to 9999.
    let part = |n: i8| u32::from(n.unsigned_abs());
    let mut out = String::with_capacity(25);
    push_digits(&mut out, year, 4);
    out.push('-');
    push_digits(&mut out, part(at.month()), 2);
    out.push('-');
    push_digits(&mut out, part(at.day()), 2);
    out.push(if utc { 'T' } else { ' ' });
    push_digits(&mut out, part(at.hour()), 2);
    out.push(':');
    push_digits(&mut out, part(at.minute()), 2);
    if utc {
        out.push(':');
        push_digits(&mut out, part(at.second()), 2);
        out.push('Z');
    } else {
        out.push_str(if offset_seconds < 0 { " -" } else { " +" });
        let minutes = offset_seconds.unsigned_abs() / 60;
        push_digits(&mut out, minutes / 60, 2);
        out.push(':');
        push_digits(&mut out, minutes % 60, 2);
    }
    Some(out)
}

/// The last `width` decimal digits of `n`, with leading zeros.
fn push_digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = n / 10u32.pow(place) % 10;
        out.push(char::from(b'0' + digit as u8));
    }
}

/// `at 2025-03-15 17:26 -04:00`, or `between 2025-03-15 23:30 -04:00 and 2025-03-16 01:00
/// -04:00` (Spanish `el ...`, `entre ... y ...`), in the zone of the place where it happened.
pub fn time(at: &Interval, zone_name: Option<&str>, es: bool) -> String {
    let tz = zone(zone_name);
    // A whole local day, as a date given alone resolves: `on 2025-03-15 (-04:00)`.
    if let Some(day) = whole_day(at, &tz) {
        let offset = at.earliest.to_zoned_datetime(tz.clone()).strftime("%:z").to_string();
        return if es { format!("el {day} ({offset})") } else { format!("on {day} ({offset})") };
    }
    if at.earliest == at.latest {
        let t = instant(at.earliest, &tz);
        return if es { format!("el {t}") } else { format!("at {t}") };
    }
    let (a, b) = (instant(at.earliest, &tz), instant(at.latest, &tz));
    if es { format!("entre el {a} y el {b}") } else { format!("between {a} and {b}") }
}

/// Since when, for "held in ... since ...": `since 2025-03-15 17:26 -04:00`, `since 2025-03-15
/// (-04:00)`, `since some time between ... and ...` (Spanish `desde el ...`, `desde algún momento
/// entre el ... y el ...`). [`time`]'s words read "since at", "since on" after "since".
pub fn since(at: &Interval, zone_name: Option<&str>, es: bool) -> String {
    let tz = zone(zone_name);
    let when = if let Some(day) = whole_day(at, &tz) {
        let offset = at.earliest.to_zoned_datetime(tz.clone()).strftime("%:z").to_string();
        format!("{day} ({offset})")
    } else if at.earliest == at.latest {
        instant(at.earliest, &tz)
    } else {
        let (a, b) = (instant(at.earliest, &tz), instant(at.latest, &tz));
        return if es {
            format!("desde algún momento entre el {a} y el {b}")
        } else {
            format!("since some time between {a} and {b}")
        };
    };
    if es { format!("desde el {when}") } else { format!("since {when}") }
}

/// A duration range in hours or days, `4 h 42 min`, `3 to 5 days`.
pub fn days(range: (f64, f64), es: bool) -> String {
    let (a, b) = (range.0.max(0.0).floor() as i64, range.1.max(0.0).floor() as i64);
    let unit = if es { "días" } else { "days" };
    if a == b {
        format!("{a} {unit}")
    } else if es {
        format!("{a} a {b} {unit}")
    } else {
        format!("{a} to {b} {unit}")
    }
}

/// An act's name in words.
pub fn act(kind: &str, es: bool) -> &'static str {
    match (kind, es) {
        ("depart_territory", false) => "left the territory",
        ("depart_territory", true) => "salió del territorio",
        ("transfer_custody_foreign", false) => "handed to another state's custody",
        ("transfer_custody_foreign", true) => "entregado a la custodia de otro Estado",
        ("continue_in_flight", false) => "the flight flew on",
        ("continue_in_flight", true) => "el vuelo siguió su ruta",
        (_, false) => "custody act",
        (_, true) => "acto de custodia",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_strftime_writes_them() {
        let zones = [
            "UTC",
            "America/New_York",
            "America/Chicago",
            "America/El_Salvador",
            "Asia/Kolkata",
            "America/St_Johns",
            "Asia/Kathmandu",
            "Pacific/Chatham",
            "America/Caracas",
        ];
        // Every few hours and minutes across two centuries, and the edges of what is written
        // digit by digit (years 0 and 9999; local mean times with seconds in their offsets).
        let mut instants: Vec<Timestamp> = (0..20_000i64)
            .map(|i| Timestamp::from_second(-2_208_988_800 + i * 378_541 + i % 61).unwrap())
            .collect();
        instants.extend(
            [
                "0000-01-01T00:00:00Z",
                "9999-12-30T12:00:00Z",
                "-000001-06-01T12:00:00Z",
                "1883-11-18T16:59:59Z",
            ]
            .map(|t| t.parse::<Timestamp>().unwrap()),
        );
        for name in zones {
            let tz = parse_zone(name).unwrap();
            for &t in &instants {
                let zoned = t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M %:z").to_string();
                assert_eq!(instant(t, &tz), zoned, "{t} in {name}");
            }
        }
        for &t in &instants {
            assert_eq!(utc(t), t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(), "{t}");
        }
    }

    fn interval(earliest: &str, latest: &str) -> Interval {
        Interval { earliest: earliest.parse().unwrap(), latest: latest.parse().unwrap() }
    }

    #[test]
    fn since_reads_after_held_for_an_instant_a_day_and_a_window_in_the_places_zone() {
        let zone = Some("America/Chicago");
        let instant = Interval::at("2025-03-15T22:50:00Z".parse().unwrap());
        assert_eq!(since(&instant, zone, false), "since 2025-03-15 17:50 -05:00");
        assert_eq!(since(&instant, zone, true), "desde el 2025-03-15 17:50 -05:00");
        // A date given alone resolves to the whole local day.
        let day = interval("2025-03-15T05:00:00Z", "2025-03-16T04:59:59.999999999Z");
        assert_eq!(since(&day, zone, false), "since 2025-03-15 (-05:00)");
        assert_eq!(since(&day, zone, true), "desde el 2025-03-15 (-05:00)");
        let window = interval("2025-03-15T22:00:00Z", "2025-03-16T01:00:00Z");
        assert_eq!(
            since(&window, zone, false),
            "since some time between 2025-03-15 17:00 -05:00 and 2025-03-15 20:00 -05:00"
        );
        assert_eq!(
            since(&window, zone, true),
            "desde algún momento entre el 2025-03-15 17:00 -05:00 y el 2025-03-15 20:00 -05:00"
        );
        // No zone: UTC.
        assert_eq!(since(&instant, None, false), "since 2025-03-15 22:50 +00:00");
    }
}
