//! Records changed at random, for the tests that feed them to the parser (`mutated.rs`) and to
//! the ledger (`habeas-store`'s `mutated_imports.rs`, which includes this file by path): a seeded
//! generator, awkward values, and changes to a record's members or to a line's bytes.

#![allow(dead_code)]

use serde_json::{Value, json};

pub use dice::Dice;

mod dice;

/// Strings that have broken parsers before: edges of dates, times and zones, Unicode that
/// normalises, escapes, ids that are nearly valid.
const AWKWARD_TEXT: &[&str] = &[
    "",
    " ",
    "2025-03-15",
    "2025-02-29",
    "2024-02-29",
    "2025-13-01",
    "2025-03",
    "2025",
    "0000-01-01",
    "9999-12-31",
    "-0001-01-01",
    "2025-03-15T18:45-04:00",
    "2025-03-15T18:45:00.123456789+14:00",
    "2025-03-15T18:45:60Z",
    "2025-03-15T24:00-04:00",
    "9999-12-31T23:59:59-23:59",
    "9999-12-31T23:59:59+23:59",
    "0001-01-01T00:00:00+23:59",
    "2025-03-09T02:30-05:00",
    "2025-03-15T18:45",
    "2025-03-15T18:45+99:99",
    "2025-03-15 18:45Z",
    "America/New_York",
    "America/El_Salvador",
    "Not/AZone",
    "UTC",
    "e\u{301}",
    "\u{0}",
    "\u{1F600}",
    "\u{FEFF}p-1",
    "p-1",
    "p-1 ",
    "P-1",
    "coh-1",
    "org-ddc",
    "src-1",
    "a\"b",
    "a\\b",
    "\u{2028}",
    "ord-1",
    "remove",
    "tro",
    "departed",
    "transferred",
    "released",
    "6000000.00",
    "-1",
];

/// Member names to add: every name the format has, a few it has not.
const NAMES: &[&str] = &[
    "at",
    "from",
    "until",
    "issued",
    "written",
    "oral",
    "served",
    "filed",
    "born",
    "published",
    "tz",
    "place",
    "subject",
    "subjects",
    "basis",
    "flight",
    "legs",
    "scope",
    "prohibits",
    "requires",
    "count",
    "names",
    "name",
    "identifiers",
    "personal",
    "sources",
    "id",
    "type",
    "earliest",
    "latest",
    "court",
    "order",
    "target",
    "ids",
    "kind",
    "event",
    "custodian",
    "to",
    "capacity",
    "amount",
    "nationality",
    "family",
    "given",
    "full",
    "é",
    "\u{10FFFF}",
    "x",
];

fn awkward_value(dice: &mut Dice) -> Value {
    match dice.below(14) {
        0 => Value::Null,
        1 => Value::Bool(dice.below(2) == 0),
        2 => json!(*dice.pick(&[0i64, -1, 1, 14, 40_000, i64::MAX, i64::MIN, 9_007_199_254_740_993])),
        3 => json!(*dice.pick(&[1.5f64, -0.0, 1e300, 1e-7, 2.0])),
        4 => json!(u64::MAX),
        5 => json!([]),
        6 => json!({}),
        7 => json!({"earliest": *dice.pick(AWKWARD_TEXT), "latest": *dice.pick(AWKWARD_TEXT)}),
        8 => json!([*dice.pick(AWKWARD_TEXT)]),
        9 => Value::String("x".repeat(70_000)),
        10 => json!({"commit": *dice.pick(&["", "sha256:00", "x"])}),
        _ => Value::String(dice.pick(AWKWARD_TEXT).to_string()),
    }
}

/// Changes one node somewhere in `value`: removes it, replaces it, or adds a member or item.
pub fn mutate(value: &mut Value, dice: &mut Dice, depth: usize) {
    let descend = depth < 4 && dice.below(3) != 0;
    match value {
        Value::Object(map) if !map.is_empty() && descend => {
            let key = map.keys().nth(dice.below(map.len())).cloned().unwrap_or_default();
            if let Some(inner) = map.get_mut(&key) {
                mutate(inner, dice, depth + 1);
            }
        }
        Value::Array(items) if !items.is_empty() && descend => {
            let at = dice.below(items.len());
            mutate(&mut items[at], dice, depth + 1);
        }
        Value::Object(map) => match dice.below(3) {
            0 if !map.is_empty() => {
                let key = map.keys().nth(dice.below(map.len())).cloned().unwrap_or_default();
                map.remove(&key);
            }
            1 => {
                map.insert(dice.pick(NAMES).to_string(), awkward_value(dice));
            }
            _ => *value = awkward_value(dice),
        },
        Value::Array(items) => match dice.below(3) {
            0 if !items.is_empty() => {
                let at = dice.below(items.len());
                let copy = items[at].clone();
                items.push(copy);
            }
            1 => items.push(awkward_value(dice)),
            _ => *value = awkward_value(dice),
        },
        // A string mostly stays a string: the awkward ones are where parsers go wrong.
        Value::String(text) if dice.below(4) != 0 => *text = dice.pick(AWKWARD_TEXT).to_string(),
        _ => *value = awkward_value(dice),
    }
}

/// Cuts, doubles or inserts a few bytes of the line's text (kept valid UTF-8, as a line read
/// from a file is before it reaches the parser).
pub fn mangle_text(line: &str, dice: &mut Dice) -> String {
    let mut bytes = line.as_bytes().to_vec();
    for _ in 0..=dice.below(3) {
        if bytes.is_empty() {
            break;
        }
        let at = dice.below(bytes.len());
        match dice.below(4) {
            0 => {
                bytes.remove(at);
            }
            1 => bytes.insert(at, *dice.pick(b"\"{}[],:\\0-9eE.+ ")),
            2 => {
                let end = (at + dice.below(16)).min(bytes.len());
                let piece = bytes[at..end].to_vec();
                bytes.splice(at..at, piece);
            }
            _ => bytes.truncate(at),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The records of the example case, each as a JSON value.
pub fn example_records() -> Vec<Value> {
    let text = include_str!("../../../../examples/cecot-2025.jsonl");
    // Comment lines (`//`) and blank lines are the format's, not records.
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
        .map(|l| serde_json::from_str(l).expect("example line"))
        .collect()
}
