//! The ledger fed records a user did not mean to write. On top of the example case, batches of
//! its records changed at random (`habeas-model`'s `tests/mutate`: members removed, values
//! swapped for awkward ones, lines cut) are imported with `--keep-going`, so new versions,
//! retractions of anything, references to what is rejected and windows in the wrong order all
//! meet the importer together. After every batch:
//!
//! - the import returns a report, never an error or a panic, and rejects only with a line and a
//!   field a user can find;
//! - `verify` passes;
//! - the export re-imports into the same ledger as unchanged.
//!
//! And at the end `check` (every rule), timelines, occupancy, `locate` and dedupe read what
//! landed; erasures leave a ledger that verifies and exports unchanged; and the export rebuilds
//! an empty ledger to the same current records.

mod common;
#[path = "../../model/tests/mutate/mod.rs"]
mod mutate;

use std::collections::BTreeMap;

use common::new_ledger;
use habeas_names::Query;
use habeas_names::dedupe::Options;
use habeas_rules::Policy;
use habeas_store::{Days, Moment};
use mutate::{Dice, example_records, mangle_text, mutate};
use serde_json::{Map, Value};

const BATCHES: usize = 12;

/// `HABEAS_MUTATED_BATCHES` runs more, to search further than the suite does.
fn batches() -> usize {
    std::env::var("HABEAS_MUTATED_BATCHES").ok().and_then(|n| n.parse().ok()).unwrap_or(BATCHES)
}
const LINES_PER_BATCH: usize = 150;

/// Each current record by id: its body, and whether it is retracted.
type State = BTreeMap<String, (Map<String, Value>, bool)>;

/// The ledger's export as JSON Lines, and the state it shows.
fn export(t: &mut common::TestLedger) -> (String, State) {
    let mut lines = Vec::new();
    let mut state = BTreeMap::new();
    t.ledger
        .export(&mut |r| {
            lines.push(serde_json::to_string(&Value::Object(r.body.clone())).expect("a record serialises"));
            state.insert(r.id, (r.body, r.retracted.is_some()));
            Ok(())
        })
        .expect("export");
    (lines.join("\n"), state)
}

/// Persons and their events, so that names, birth dates, identifiers and relations are changed,
/// indexed and erased too (the example case holds cohorts only).
const PERSONS: &[&str] = &[
    r#"{"type":"person","id":"p-mx1","name":"José Pérez","born":"1990-05","nationality":["VE"],"identifiers":[{"scheme":"a_number","value":"A123-456-789"}],"sources":["src-ohchr"]}"#,
    r#"{"type":"person","id":"p-mx2","names":[{"full":"Ana Gómez Ruiz","given":"Ana","family":["Gómez","Ruiz"]}],"born":"1988-02-29","sources":["src-ohchr"]}"#,
    r#"{"type":"relation","id":"rel-mx1","person":"p-mx1","relative":"p-mx2","kind":"parent","sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-mx1","event":"apprehended","at":"2025-03-12","place":"pl-hrl","basis":"ins-proc-10903","sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-mx1","event":"transferred","at":"2025-03-15T17:50-05:00","place":"pl-hrl","to":"pl-cecot","custodian":"org-ice","sources":["src-ohchr"]}"#,
    r#"{"type":"custody","subject":"p-mx2","event":"booked_in","at":{"earliest":"2025-03-16","latest":"2025-03-17"},"place":"pl-cecot","sources":["src-ohchr"]}"#,
];

#[test]
fn random_changes_to_the_example_never_break_the_ledger() {
    let mut seeds = example_records();
    seeds.extend(PERSONS.iter().map(|line| serde_json::from_str::<Value>(line).expect("a person line")));
    let case: Vec<String> =
        seeds.iter().map(|v| serde_json::to_string(v).expect("a record serialises")).collect();
    let mut t = new_ledger();
    let first = t.import(&case.join("\n"));
    assert!(first.committed, "{:?}", first.rejected);

    let mut dice = Dice::seeded(0xC0FF_EE15_2025);
    let (mut appended, mut rejected) = (0, 0);
    let batches = batches();
    for batch in 0..batches {
        let lines: Vec<String> = (0..LINES_PER_BATCH)
            .map(|_| {
                let mut value = dice.pick(&seeds).clone();
                for _ in 0..=dice.below(2) {
                    mutate(&mut value, &mut dice, 0);
                }
                let line = serde_json::to_string(&value).expect("a Value serialises");
                if dice.below(6) == 0 { mangle_text(&line, &mut dice) } else { line }
            })
            .collect();
        let text = lines.join("\n");
        let report = t.import_with(&text, true);
        for r in &report.rejected {
            assert!(r.line >= 1 && r.line as usize <= LINES_PER_BATCH, "batch {batch}: {r}");
            assert_eq!(r.file, "case.jsonl");
        }
        appended += report.appended;
        rejected += report.rejected.len();
        t.verify_ok();

        let (exported, _) = export(&mut t);
        let again = t.import(&exported);
        assert_eq!(again.appended, 0, "batch {batch}: the export is not unchanged: {:?}", again.rejected);
        assert!(again.rejected.is_empty(), "batch {batch}: {:?}", again.rejected);
    }
    // The changes were mild enough to land often and harsh enough to be refused often.
    let tried = (batches * LINES_PER_BATCH) as u64;
    assert!(
        appended > tried / 20 && rejected as u64 > tried / 20,
        "appended {appended}, rejected {rejected}"
    );

    let (exported, state) = export(&mut t);
    // What the ledger now holds is read by the checks and the timelines without a failure.
    let moment = Moment { as_of: Some("2026-01-01T00:00:00Z".parse().expect("a time")), known_at: None };
    let report = t.ledger.check(&Policy::default(), &[], moment).expect("check runs over any valid records");
    assert!(!report.findings.is_empty());
    for (id, (body, _)) in &state {
        match body.get("type").and_then(Value::as_str) {
            Some("person" | "cohort") => {
                t.ledger.timeline(id, moment).unwrap_or_else(|e| panic!("timeline of {id}: {e}"));
            }
            Some("place") => {
                t.ledger
                    .occupancy(id, Days::default(), moment)
                    .unwrap_or_else(|e| panic!("occupancy of {id}: {e}"));
            }
            _ => {}
        }
        for text in [id.as_str(), body.get("name").and_then(Value::as_str).unwrap_or("")] {
            let query = Query { text: text.to_string(), ..Query::default() };
            t.ledger.locate(&query, moment).unwrap_or_else(|e| panic!("locate {text:?}: {e}"));
        }
    }
    t.ledger.dedupe(Options::default(), moment).expect("dedupe runs over any valid records");
    // An erasure of whatever holds personal values leaves a ledger that verifies and exports
    // what re-imports unchanged.
    let signer = common::signer();
    let mut erased = 0;
    for id in state.keys() {
        if erased < 5
            && let Ok(report) = t.ledger.erase(id, "test", "tester", "2026-01-02T00:00:00Z", &signer)
        {
            assert!(!report.fields.is_empty(), "{id}");
            erased += 1;
        }
    }
    assert!(erased > 0, "nothing held personal values to erase");
    t.verify_ok();
    let (after_erasure, _) = export(&mut t);
    let again = t.import(&after_erasure);
    assert!(again.appended == 0 && again.rejected.is_empty(), "{:?}", again.rejected);

    let mut fresh = new_ledger();
    let rebuilt = fresh.import(&exported);
    assert!(rebuilt.committed, "{:?}", rebuilt.rejected);
    let (_, rebuilt_state) = export(&mut fresh);
    assert_eq!(rebuilt_state, state);
    fresh.verify_ok();
}
