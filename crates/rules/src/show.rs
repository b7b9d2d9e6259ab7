//! Times and acts in words, for messages: local time with its offset, in English and Spanish.

use habeas_model::time::{Interval, parse_zone, whole_day};
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn zone(name: Option<&str>) -> TimeZone {
    name.and_then(parse_zone).unwrap_or(TimeZone::UTC)
}

fn instant(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M %:z").to_string()
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
