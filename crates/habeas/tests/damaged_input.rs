//! Damaged input, as a user's files will have it: the example case with a quarter of its facts
//! (custody events, orders, rulings, flights, cohorts...) damaged at random (a value swapped for
//! one of the wrong kind, an impossible date, a huge number, a field dropped or added, a byte of
//! the file broken), imported with `--keep-going` and then read by every command.
//!
//! What must hold, every time: no command panics or exits with a code the spec does not name;
//! every input line is accounted for (appended, unchanged or rejected, once, with its line and
//! field); the ledger verifies, before and after an erasure; and what `export` prints goes back
//! into the same ledger as unchanged and into an empty one without a rejection.
//!
//! The rounds are seeded, so a failure names a round that reproduces it.

mod macros;

use macros::{EXAMPLE, Env, Run};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};

const ROUNDS: u64 = 64;

/// Persons and their events, so that names, birth dates, relations and a person's timeline are
/// damaged and read too (the example case holds cohorts only).
const PERSONS: &[&str] = &[
    r#"{"type":"person","id":"p-fz1","name":"José Pérez","born":"1990-05","nationality":["VE"],"identifiers":[{"scheme":"a_number","value":"A123-456-789"}],"sources":["src-ohchr"]}"#,
    r#"{"type":"person","id":"p-fz2","names":[{"given":["Ana"],"family":["Gómez"]}],"born":"1988-02-29","sources":["src-ohchr"]}"#,
    r#"{"type":"relation","id":"rel-fz1","person":"p-fz1","relative":"p-fz2","kind":"parent","sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-fz1","event":"apprehended","at":"2025-03-12","place":"pl-hrl","basis":"ins-proc-10903","sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-fz1","event":"transferred","at":"2025-03-15T17:50-05:00","place":"pl-hrl","to":"pl-cecot","custodian":"org-ice","basis":["ins-proc-10903"],"sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-fz1","event":"booked_in","at":{"earliest":"2025-03-16","latest":"2025-03-17"},"place":"pl-cecot","sources":["src-ohchr"]}"#,
    r#"{"type":"contact","subject":"p-fz1","kind":"family","at":"2025-04","outcome":"denied","sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-fz2","event":"released","at":"2025-07-18T10:00-06:00","place":"pl-cecot","sources":["src-ohchr"]}"#,
];

/// Types left whole: nearly every record refers to them, so damaging one mostly rejects the
/// records that refer to it, which tests less than damaging the records themselves.
const LEFT_WHOLE: &[&str] = &["source", "org", "place", "instrument", "case"];

/// Text that has broken parsers of dates, zones, ids and names elsewhere.
const ODD_TEXT: &[&str] = &[
    "",
    " ",
    "2025-13-01",
    "2025-02-30",
    "0000-01-01",
    "-0001-01-01",
    "9999-12-31T23:59:59+14:00",
    "+275760-09-13",
    "2025-03-15T25:00-04:00",
    "2025-03-15T18:45",
    "2025-03-15T18:45Z",
    "2025-03-15T18:45:00.123456789-04:00",
    "2025",
    "2025-03",
    "2025-W11",
    "1970-01-01T00:00:00+00:00",
    "America/Nowhere",
    "Etc/GMT+12",
    "UTC",
    "\u{0}",
    "\u{202e}",
    "ñ",
    "../x",
    "NaN",
    "1e309",
    "-",
];

fn pick<'a, T>(rng: &mut StdRng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// A value of any kind, often the wrong one for where it lands; `depth` bounds the nesting.
fn odd_value(rng: &mut StdRng, ids: &[String], depth: u32) -> Value {
    match rng.random_range(0..if depth == 0 { 6 } else { 9 }) {
        0 | 1 => Value::from(*pick(rng, ODD_TEXT)),
        2 => Value::from(pick(rng, ids).as_str()),
        3 => pick(rng, &[json!(0), json!(-1), json!(u64::MAX), json!(i64::MIN), json!(1.5), json!(1e308)])
            .clone(),
        4 => pick(rng, &[Value::Null, json!(true), json!("x".repeat(3000))]).clone(),
        5 => json!({"earliest": *pick(rng, ODD_TEXT), "latest": *pick(rng, ODD_TEXT)}),
        6 => Value::Array((0..rng.random_range(0..3)).map(|_| odd_value(rng, ids, depth - 1)).collect()),
        7 => {
            let keys = ["earliest", "latest", "at", "from", "to", "kind", "count", "x"];
            let mut object = serde_json::Map::new();
            for _ in 0..rng.random_range(0..3) {
                object.insert(pick(rng, &keys).to_string(), odd_value(rng, ids, depth - 1));
            }
            Value::Object(object)
        }
        _ => json!([[[[{"a": {"b": []}}]]]]),
    }
}

/// JSON pointers to every value inside `value` but the whole.
fn pointers(value: &Value, here: String, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (format!("{here}/{k}"), v)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, v)| (format!("{here}/{i}"), v)).collect(),
        _ => Vec::new(),
    };
    for (pointer, child) in children {
        out.push(pointer.clone());
        pointers(child, pointer, out);
    }
}

/// One to three damages: a value replaced (a text, as a time, an id or a name, more often than
/// not), a member or item dropped, or a member added.
fn damage(record: &mut Value, rng: &mut StdRng, ids: &[String]) {
    for _ in 0..rng.random_range(1..=3) {
        let mut all = Vec::new();
        pointers(record, String::new(), &mut all);
        let texts: Vec<String> =
            all.iter().filter(|p| record.pointer(p).is_some_and(Value::is_string)).cloned().collect();
        if all.is_empty() {
            return;
        }
        let pointer =
            if !texts.is_empty() && rng.random_bool(0.6) { pick(rng, &texts) } else { pick(rng, &all) }
                .clone();
        let (parent, last) = pointer.rsplit_once('/').unwrap_or(("", &pointer));
        let roll = rng.random_range(0..10);
        let new = odd_value(rng, ids, 2);
        let Some(parent) = record.pointer_mut(parent) else { continue };
        match (roll, parent) {
            (0..6, parent) => {
                if let Some(target) = parent.pointer_mut(&format!("/{last}")) {
                    *target = new;
                }
            }
            (6..8, Value::Object(map)) => {
                map.remove(last);
            }
            (6..8, Value::Array(items)) => {
                if let Ok(i) = last.parse::<usize>() {
                    items.remove(i);
                }
            }
            (_, Value::Object(map)) => {
                let names =
                    ["tz", "place", "at", "until", "to", "subject", "count", "flight", "legs", "personal"];
                map.insert(pick(rng, &names).to_string(), new);
            }
            _ => {}
        }
    }
}

/// The example case and the persons, each record as a line, a quarter of them damaged.
fn damaged_case(rng: &mut StdRng) -> Vec<String> {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let records: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("//"))
        .chain(PERSONS.iter().copied())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<String> = records.iter().filter_map(|r| r["id"].as_str().map(str::to_string)).collect();
    let mut lines: Vec<String> = records
        .into_iter()
        .map(|mut record| {
            let kind = record["type"].as_str().unwrap_or_default();
            if !LEFT_WHOLE.contains(&kind) && rng.random_bool(0.25) {
                damage(&mut record, rng, &ids);
            }
            record.to_string()
        })
        .collect();
    if rng.random_bool(0.2) {
        // A byte of the file broken: the line is no longer JSON, or no longer the same JSON.
        let line = rng.random_range(0..lines.len());
        let at =
            lines[line].char_indices().map(|(i, _)| i).nth(rng.random_range(0..lines[line].chars().count()));
        let broken = *pick(rng, &["\"", "}", "\\", "\\u00", ",", "{"]);
        if let Some(at) = at {
            lines[line].insert_str(at, broken);
        }
    }
    lines
}

/// The run ended as the spec says a run may end (0, 1 or 2), and not on a fault.
fn ended_well(run: &Run, round: u64, what: &str) {
    assert!(
        matches!(run.code, 0..=2)
            && !run.stderr.contains("panicked")
            && !run.stderr.contains("a fault in habeas"),
        "round {round}, {what}: exit {}\n{}",
        run.code,
        run.stderr
    );
}

#[test]
fn damaged_records_are_rejected_by_line_and_field_and_no_command_fails_on_what_was_kept() {
    for round in 0..ROUNDS {
        let env = Env::new();
        let mut rng = StdRng::seed_from_u64(round);
        let lines = damaged_case(&mut rng);
        env.write("case.jsonl", &(lines.join("\n") + "\n"));
        assert_eq!(env.run(&["init"]).code, 0);

        let import = env.run(&["import", "case.jsonl", "--keep-going", "--json"]);
        ended_well(&import, round, "import");
        let out = import.json();
        let rejected = out["rejected"].as_array().unwrap();
        let counted = out["appended"].as_u64().unwrap() + out["unchanged"].as_u64().unwrap();
        assert_eq!(
            counted + rejected.len() as u64,
            lines.len() as u64,
            "round {round}: every line accounted for"
        );
        let mut rejected_lines: Vec<u64> = rejected.iter().map(|r| r["line"].as_u64().unwrap()).collect();
        for r in rejected {
            assert_eq!(r["file"], "case.jsonl", "round {round}: {r}");
            assert!((1..=lines.len() as u64).contains(&r["line"].as_u64().unwrap()), "round {round}: {r}");
            assert!(!r["error"].as_str().unwrap().is_empty(), "round {round}: {r}");
        }
        rejected_lines.dedup();
        assert_eq!(rejected_lines.len(), rejected.len(), "round {round}: a line rejected once");
        assert_eq!(import.code, if rejected.is_empty() { 0 } else { 1 }, "round {round}");

        let verify = env.run(&["verify"]);
        assert_eq!(verify.code, 0, "round {round}: {}{}", verify.stdout, verify.stderr);

        let check = env.run(&["check", "--json"]);
        ended_well(&check, round, "check --json");
        assert_eq!(check.code, 0, "round {round}: {}", check.stderr);
        assert!(check.json()["findings"].is_array(), "round {round}");
        for args in [
            &["check", "--explain", "--lang", "es"][..],
            &["check", "--as-of", "2025-03-16T00:00-04:00"],
            &["timeline", "p-fz1"],
            &["timeline", "p-fz2", "--lang", "es"],
            &["timeline", "coh-ve-238"],
            &["occupancy", "pl-cecot"],
            &["locate", "Jose Peres"],
            &["dedupe"],
            &["rebuild"],
        ] {
            ended_well(&env.run(args), round, &args.join(" "));
        }

        let export = env.run(&["export"]);
        assert_eq!(export.code, 0, "round {round}: {}", export.stderr);
        env.write("export.jsonl", &export.stdout);
        let again = env.run(&["import", "export.jsonl", "--json"]).json();
        assert_eq!(
            (again["appended"].as_u64(), again["rejected"].as_array().map(Vec::len)),
            (Some(0), Some(0)),
            "round {round}: the export goes back in unchanged: {again}"
        );
        let fresh = Env::new();
        assert_eq!(fresh.run(&["init"]).code, 0);
        std::fs::write(fresh.path("export.jsonl"), &export.stdout).unwrap();
        let into_empty = fresh.run(&["import", "export.jsonl", "--json"]);
        assert_eq!(into_empty.code, 0, "round {round}: {}{}", into_empty.stdout, into_empty.stderr);

        ended_well(&env.run(&["erase", "p-fz1", "--reason", "test"]), round, "erase");
        let verify = env.run(&["verify"]);
        assert_eq!(verify.code, 0, "round {round}, after erasure: {}{}", verify.stdout, verify.stderr);
    }
}
