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
//! And at the end `check` (every rule) and each subject's timeline read what landed, and the
//! export rebuilds an empty ledger to the same current records.

mod common;
#[path = "../../model/tests/mutate/mod.rs"]
mod mutate;

use std::collections::BTreeMap;

use common::new_ledger;
use habeas_rules::Policy;
use habeas_store::Moment;
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

#[test]
fn random_changes_to_the_example_never_break_the_ledger() {
    let seeds = example_records();
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
        if matches!(body.get("type").and_then(Value::as_str), Some("person" | "cohort")) {
            t.ledger.timeline(id, moment).unwrap_or_else(|e| panic!("timeline of {id}: {e}"));
        }
    }

    let mut fresh = new_ledger();
    let rebuilt = fresh.import(&exported);
    assert!(rebuilt.committed, "{:?}", rebuilt.rejected);
    let (_, rebuilt_state) = export(&mut fresh);
    assert_eq!(rebuilt_state, state);
    fresh.verify_ok();
}
