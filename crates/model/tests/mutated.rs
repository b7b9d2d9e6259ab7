//! Records a user did not mean to write: every record of the example case, changed at random
//! (a member removed, a value swapped for one of another kind or for an awkward one, bytes of
//! the line cut or doubled), goes through the parser. Whatever comes in, nothing panics, and a
//! record that is accepted keeps the promises the ledger builds on:
//!
//! - its canonical bytes parse again to the same bytes and the same id (canonical form is a
//!   fixed point, so "unchanged" is decided the same way on every import);
//! - its leaf and kept values give back exactly the canonical bytes (an erasure can withhold a
//!   value, never change one);
//! - its times resolve to intervals whose earliest instant is not after their latest, in any
//!   zone or none, unless it says that the zone decides (`Parsed::zoned_windows`, checked by
//!   the ledger once it knows the zone).
//!
//! The random choices come from a fixed seed, so a failure names the line that caused it and
//! happens again on every run.

use std::panic::{AssertUnwindSafe, catch_unwind};

use habeas_model::personal::{decode_kept, leaf_and_kept, reveal, reveal_canonical};
use habeas_model::zone::{ZoneLookup, resolve_times};
use habeas_model::{canonical::to_canonical, parse_line};
use jiff::tz::TimeZone;
use mutate::{Dice, example_records, mangle_text, mutate};
use serde_json::Value;

mod mutate;

/// How many changed lines each run tries.
const ROUNDS: usize = 30_000;

fn rounds() -> usize {
    std::env::var("HABEAS_MUTATED_ROUNDS").ok().and_then(|n| n.parse().ok()).unwrap_or(ROUNDS)
}

/// Zones for every place and court, or for none: both paths of time resolution.
struct Zones(Option<TimeZone>);

impl ZoneLookup for Zones {
    fn place_zone(&self, _: &str) -> Option<TimeZone> {
        self.0.clone()
    }
    fn org_zone(&self, _: &str) -> Option<TimeZone> {
        self.0.clone()
    }
    fn court_of(&self, _: &str) -> Option<String> {
        self.0.as_ref().map(|_| "org-ddc".to_string())
    }
}

/// What an accepted line must satisfy; `Err` says which promise it broke.
fn promises(line: &str) -> Result<bool, String> {
    let Ok(parsed) = parse_line(line) else { return Ok(false) };
    let canonical = std::str::from_utf8(&parsed.canonical).map_err(|e| format!("canonical bytes: {e}"))?;
    let again = parse_line(canonical).map_err(|e| format!("canonical form refused: {e}\n  {canonical}"))?;
    if again.canonical != parsed.canonical || again.record.id() != parsed.record.id() {
        return Err(format!(
            "canonical form is not a fixed point:\n  {canonical}\n  {}",
            String::from_utf8_lossy(&again.canonical)
        ));
    }

    let mut counter = 0u8;
    let mut salt = || {
        counter = counter.wrapping_add(1);
        [counter; 32]
    };
    let (leaf, kept) =
        leaf_and_kept(parsed.record.body(), &parsed.personal, &mut salt, parsed.canonical.clone());
    if let Some(kept) = kept {
        if let Some(revealed) = reveal_canonical(&leaf, &kept)
            && revealed != parsed.canonical
        {
            return Err(format!("leaf and kept values give other bytes than {canonical}"));
        }
        let values = decode_kept(&kept).map_err(|e| format!("kept values unreadable: {e:?}"))?;
        let body = reveal(&leaf, &values).map_err(|e| format!("leaf does not open: {e:?}"))?;
        if to_canonical(&Value::Object(body)) != parsed.canonical {
            return Err(format!("revealed record differs from {canonical}"));
        }
    } else if leaf != parsed.canonical {
        return Err(format!("a record with nothing personal has a leaf other than {canonical}"));
    }

    // Unless the parser said the zone decides (the ledger then checks, once it knows the
    // zone), an accepted window is in order in every zone, and so is any other time.
    let zones = ["America/Chicago", "Pacific/Kiritimati", "Etc/GMT+12"];
    let mut lookups = vec![Zones(None)];
    for name in zones {
        lookups.push(Zones(Some(TimeZone::get(name).map_err(|e| e.to_string())?)));
    }
    for zones in &lookups {
        for time in resolve_times(&parsed.record, zones) {
            if time.interval.earliest > time.interval.latest && !parsed.zoned_windows {
                return Err(format!("{}: earliest after latest in {canonical}", time.path));
            }
        }
    }
    Ok(true)
}

#[test]
fn changed_records_never_panic_and_accepted_ones_keep_their_promises() {
    let seeds = example_records();
    let mut dice = Dice::seeded(0x0005_EEDC_EC07_2025);
    let (mut accepted, mut refused) = (0, 0);
    let mut broken = Vec::new();
    let rounds = rounds();
    for round in 0..rounds {
        let mut value = dice.pick(&seeds).clone();
        for _ in 0..=dice.below(2) {
            mutate(&mut value, &mut dice, 0);
        }
        let mut line = serde_json::to_string(&value).expect("a Value serialises");
        if dice.below(4) == 0 {
            line = mangle_text(&line, &mut dice);
        }
        match catch_unwind(AssertUnwindSafe(|| promises(&line))) {
            Ok(Ok(true)) => accepted += 1,
            Ok(Ok(false)) => refused += 1,
            Ok(Err(why)) => broken.push(format!("round {round}: {why}\n  line: {line}")),
            Err(_) => broken.push(format!("round {round}: panicked on\n  {line}")),
        }
        if broken.len() >= 5 {
            break;
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
    // Both paths were taken often enough to mean something.
    assert!(accepted > rounds / 10 && refused > rounds / 10, "accepted {accepted}, refused {refused}");
}

/// The example case itself, unchanged, keeps every promise: the test above starts from it.
#[test]
fn every_example_record_keeps_the_promises() {
    for value in example_records() {
        let line = serde_json::to_string(&value).expect("a Value serialises");
        assert_eq!(promises(&line), Ok(true), "{line}");
    }
}
