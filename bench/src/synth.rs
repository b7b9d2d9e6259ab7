//! Realistic synthetic records, seeded: the same seed gives the same file, byte for byte.
//!
//! The shape follows the example case and the public data: a few hundred places (facilities with
//! capacities, airports), agencies and courts, sources; then persons with Venezuelan and Central
//! American names, each followed by a custody chain of 3 to 8 events (apprehended, booked in,
//! transferred between facilities, departed on a charter flight, handed over or released), flights
//! with one to three legs, and now and then a court order protecting one person. Times carry
//! offsets, as records.md requires.

use std::io::Write;

use anyhow::Result;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use crate::names::NamePool;

const FACILITIES: usize = 150;
const AIRPORTS: usize = 30;
const SOURCES: usize = 100;

/// What a generator run writes; counts by type.
#[derive(Debug, Default)]
pub struct Written {
    pub records: u64,
    pub persons: u64,
    pub events: u64,
    pub bytes: u64,
}

struct Zone {
    name: &'static str,
    offset: &'static str,
    country: &'static str,
}

const ZONES: [Zone; 4] = [
    Zone { name: "America/Chicago", offset: "-05:00", country: "US" },
    Zone { name: "America/New_York", offset: "-04:00", country: "US" },
    Zone { name: "America/Phoenix", offset: "-07:00", country: "US" },
    Zone { name: "America/El_Salvador", offset: "-06:00", country: "SV" },
];

pub struct Generator<'a> {
    rng: StdRng,
    pools: &'a [(&'static str, NamePool)],
    flight: u64,
    order: u64,
}

impl<'a> Generator<'a> {
    pub fn new(seed: u64, pools: &'a [(&'static str, NamePool)]) -> Generator<'a> {
        Generator { rng: StdRng::seed_from_u64(seed), pools, flight: 0, order: 0 }
    }

    fn pick<'s>(&mut self, list: &'s [String]) -> &'s str {
        &list[self.rng.random_range(0..list.len())]
    }

    fn source(&mut self) -> String {
        format!("src-{}", self.rng.random_range(0..SOURCES))
    }

    /// A local instant on day `day` (days since 2024-01-01) at a random minute, in the place's offset.
    fn instant(&mut self, day: u32, zone: &Zone) -> String {
        let date = jiff_like_date(day);
        format!(
            "{date}T{:02}:{:02}:00{}",
            self.rng.random_range(0..24),
            self.rng.random_range(0..60),
            zone.offset
        )
    }

    /// The fixed part: orgs, places, sources, instruments.
    pub fn preamble(&mut self) -> Vec<Value> {
        let mut out = vec![
            json!({"type":"org","id":"org-us","name":"United States","kind":"government","country":"US"}),
            json!({"type":"org","id":"org-ice","name":"Immigration and Customs Enforcement","kind":"agency","country":"US","parent":"org-us"}),
            json!({"type":"org","id":"org-sv","name":"El Salvador","kind":"government","country":"SV"}),
            json!({"type":"org","id":"org-sv-prisons","name":"Centros Penales","kind":"agency","country":"SV","parent":"org-sv"}),
            json!({"type":"org","id":"org-court","name":"U.S. District Court","kind":"court","country":"US","tz":"America/New_York"}),
            json!({"type":"org","id":"org-carrier","name":"Charter carrier","kind":"company","country":"US"}),
        ];
        for i in 0..SOURCES {
            out.push(json!({"type":"source","id":format!("src-{i}"),"kind":"foia","title":format!("FOIA release {i}"),"published":"2025-01-15"}));
        }
        out.push(json!({"type":"instrument","id":"ins-title8","kind":"statute","title":"Immigration and Nationality Act","country":"US","sources":["src-0"]}));
        for i in 0..FACILITIES {
            let zone = &ZONES[i % 3];
            out.push(json!({"type":"place","id":format!("fac-{i}"),"name":format!("Detention Facility {i}"),"kind":"facility","country":zone.country,"tz":zone.name,"capacity":self.rng.random_range(50..3000),"operator":"org-ice"}));
        }
        out.push(json!({"type":"place","id":"fac-sv","name":"Centro Penal","kind":"facility","country":"SV","tz":"America/El_Salvador","capacity":40000,"operator":"org-sv-prisons","visits":"denied"}));
        for i in 0..AIRPORTS {
            let zone = &ZONES[i % 4];
            out.push(json!({"type":"place","id":format!("apt-{i}"),"name":format!("Airport {i}"),"kind":"airport","country":zone.country,"tz":zone.name}));
        }
        out
    }

    /// One person and their custody chain (and sometimes a flight or an order).
    pub fn person(&mut self, n: u64) -> Vec<Value> {
        let (country, pool) = &self.pools[self.rng.random_range(0..self.pools.len())];
        let female = self.rng.random_bool(0.2);
        let given_list = if female { &pool.female } else { &pool.male };
        let mut given = self.pick(given_list).to_string();
        if self.rng.random_bool(0.5) {
            given = format!("{given} {}", self.pick(given_list));
        }
        let family = [self.pick(&pool.surnames).to_string(), self.pick(&pool.surnames).to_string()];
        let full = format!("{given} {} {}", family[0], family[1]);
        let id = format!("p-{n:07}");
        let born = format!(
            "{}-{:02}-{:02}",
            self.rng.random_range(1960..2006),
            self.rng.random_range(1..13),
            self.rng.random_range(1..29)
        );
        let mut out = vec![json!({
            "type": "person", "id": id,
            "names": [{"full": full, "given": given, "family": family}],
            "born": born, "sex": if female { "female" } else { "male" }, "nationality": [country],
            "identifiers": [{"scheme": "a_number", "value": format!("A{:09}", self.rng.random_range(0..1_000_000_000u64))}],
            "sources": [self.source()]
        })];

        let events = self.rng.random_range(3..=8);
        let mut day = self.rng.random_range(0..600u32);
        let mut place = format!("fac-{}", self.rng.random_range(0..FACILITIES));
        let mut zone = &ZONES[self.rng.random_range(0..3)];
        for k in 0..events {
            let event = match k {
                0 => "apprehended",
                1 => "booked_in",
                _ if k == events - 1 => {
                    if self.rng.random_bool(0.6) {
                        "departed"
                    } else {
                        "released"
                    }
                }
                _ => "transferred",
            };
            let at = self.instant(day, zone);
            let mut record = json!({
                "type": "custody", "id": format!("c-{n:07}-{k}"), "subject": id, "event": event, "at": at,
                "place": place, "custodian": "org-ice", "basis": ["ins-title8"], "sources": [self.source()]
            });
            if event == "transferred" {
                let to = format!("fac-{}", self.rng.random_range(0..FACILITIES));
                record["to"] = json!(to);
                place = to;
                zone = &ZONES[self.rng.random_range(0..3)];
            }
            if event == "departed" {
                self.flight += 1;
                let flight = format!("flt-{:06}", self.flight);
                let legs = self.rng.random_range(1..=3);
                let mut leg_list = Vec::new();
                let mut from = format!("apt-{}", self.rng.random_range(0..AIRPORTS / 2));
                for l in 0..legs {
                    let to = if l == legs - 1 {
                        "apt-29".to_string()
                    } else {
                        format!("apt-{}", self.rng.random_range(0..AIRPORTS))
                    };
                    let dep = self.instant(day, zone);
                    leg_list.push(json!({"from": from, "to": to, "departed": dep}));
                    from = to;
                }
                out.push(json!({"type":"flight","id":flight,"carrier":"org-carrier","tail":format!("N{}GX", 100 + self.flight % 900),"legs":leg_list,"sources":[self.source()]}));
                record["flight"] = json!(flight);
                record["to"] = json!("fac-sv");
                record.as_object_mut().map(|m| m.remove("at"));
            }
            out.push(record);
            day += self.rng.random_range(1..30);
        }
        if self.rng.random_bool(0.02) {
            self.order += 1;
            out.push(json!({
                "type":"order","id":format!("ord-{:06}", self.order),"court":"org-court","kind":"stay_of_removal",
                "issued": self.instant(day, &ZONES[1]),"scope":{"persons":[id]},"prohibits":["remove"],"sources":[self.source()]
            }));
        }
        out
    }
}

/// `2024-01-01` plus `day` days, as `YYYY-MM-DD` (no zone arithmetic needed for a calendar date).
fn jiff_like_date(day: u32) -> String {
    let mut remaining = day;
    let mut year = 2024;
    loop {
        let len = if year % 4 == 0 { 366 } else { 365 };
        if remaining < len {
            break;
        }
        remaining -= len;
        year += 1;
    }
    let months = [31, if year % 4 == 0 { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut month = 0;
    while remaining >= months[month] {
        remaining -= months[month];
        month += 1;
    }
    format!("{year}-{:02}-{:02}", month + 1, remaining + 1)
}

/// Writes at least `records` records (whole persons) as JSON Lines.
pub fn write(
    out: &mut dyn Write,
    records: u64,
    seed: u64,
    pools: &[(&'static str, NamePool)],
) -> Result<Written> {
    let mut generator = Generator::new(seed, pools);
    let mut written = Written::default();
    let mut emit = |value: &Value, written: &mut Written| -> Result<()> {
        let line = serde_json::to_string(value)?;
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        written.records += 1;
        written.bytes += line.len() as u64 + 1;
        Ok(())
    };
    for value in generator.preamble() {
        emit(&value, &mut written)?;
    }
    let mut n = 0;
    while written.records < records {
        for value in generator.person(n) {
            if value["type"] == "person" {
                written.persons += 1;
            } else {
                written.events += 1;
            }
            emit(&value, &mut written)?;
        }
        n += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(jiff_like_date(0), "2024-01-01");
        assert_eq!(jiff_like_date(59), "2024-02-29");
        assert_eq!(jiff_like_date(366), "2025-01-01");
    }

    #[test]
    fn the_same_seed_gives_the_same_records_and_they_are_valid() {
        let pool = NamePool {
            female: vec!["Ana".into()],
            male: vec!["José".into(), "Luis".into()],
            surnames: vec!["García".into(), "Pérez".into()],
        };
        let pools = [("VE", pool)];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        write(&mut a, 500, 7, &pools).unwrap();
        write(&mut b, 500, 7, &pools).unwrap();
        assert_eq!(a, b);
        for line in String::from_utf8(a).unwrap().lines() {
            habeas_model::parse_line(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        }
    }
}
