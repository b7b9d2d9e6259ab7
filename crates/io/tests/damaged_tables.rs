//! The shipped Parquet example, and a gzipped CSV one, damaged at random (cut short, bytes
//! changed, a stretch removed) and imported through their mappings with `--keep-going`. A
//! damaged file is refused when opened, or read up to the damage: never a panic, and never an
//! endless stream of the same error (the Parquet reader repeats a damaged page's error for every
//! row after it, for ever; the first one now ends the table, so there are at most as many
//! rejections as rows). Seeded, so a failure happens again on every run.

use std::panic::{AssertUnwindSafe, catch_unwind};

use habeas_io::mapped::MappedSource;
use habeas_io::mapping::Mapping;
use habeas_io::table::Format;
use habeas_ledger::Signer;
use habeas_store::{ImportOptions, Ledger, Location};

#[path = "../../model/tests/mutate/dice.rs"]
mod dice;

use dice::Dice;

const ROUNDS: usize = 300;

#[test]
fn a_damaged_parquet_file_is_refused_or_read_up_to_the_damage() {
    damaged("ddp-daily-population.parquet", "ddp-daily-population.toml", Format::Parquet, Some(27));
}

#[test]
fn a_damaged_gzipped_table_is_refused_or_read_up_to_the_damage() {
    // Damaged deflate data can decompress to more lines than there were, each making several
    // records: no bound on the rejections, only that the import ends and says what is wrong.
    damaged("i213-arrests.csv.gz", "i213-arrests.toml", Format::Csv, None);
}

#[test]
fn a_damaged_workbook_is_refused_or_read_up_to_the_damage() {
    // A workbook is a zip of XML parts: most damage makes it unreadable, some leaves a sheet
    // whose cells or dimensions no longer add up. The sheet is read whole before any row, so
    // each row makes at most one record (25 rows).
    damaged("segregation-placements.xlsx", "segregation-placements.toml", Format::Xlsx, Some(25));
}

/// Imports `fixture` damaged `ROUNDS` times through `mapping`; each row of it makes one record,
/// and there are `rows` of them, when that bounds the rejections.
fn damaged(fixture: &str, mapping: &str, format: Format, rows: Option<usize>) {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let original = std::fs::read(examples.join("fixtures").join(fixture)).expect("the fixture");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let signer = Signer::from_seed("habeas.local/damaged", [7; 32]).expect("a key");
    let mut dice = Dice::seeded(0x1234_5678_9ABC_DEF1);
    let (mut refused, mut read) = (0, 0);
    for round in 0..ROUNDS {
        let mut bytes = original.clone();
        match round % 3 {
            0 => bytes.truncate(dice.below(bytes.len())),
            1 => {
                for _ in 0..=dice.below(8) {
                    let at = dice.below(bytes.len());
                    bytes[at] = dice.next() as u8;
                }
            }
            _ => {
                let at = dice.below(bytes.len());
                let end = (at + dice.below(64)).min(bytes.len());
                bytes.drain(at..end);
            }
        }
        let path = dir.path().join(format!("{round}-{fixture}"));
        std::fs::write(&path, &bytes).expect("written");
        let location = Location::Sqlite(dir.path().join(format!("{round}.db")));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let mut ledger = Ledger::create(&location, &signer.verifier()).expect("a new ledger");
            let mapping = Mapping::load(&examples.join("mappings").join(mapping)).expect("the mapping");
            let paths = [path.display().to_string()];
            let Ok(mut source) = MappedSource::for_ledger(&mut ledger, &paths, format, mapping) else {
                return None;
            };
            if source.check().is_err() {
                return None;
            }
            let options =
                ImportOptions { keep_going: true, by: "tester".into(), at: "2025-12-01T00:00:00Z".into() };
            match ledger.import(&mut source, &options, &signer) {
                Ok(report) => Some(Ok(report)),
                // A panic on the reading thread comes back as an error that says so.
                Err(e) => Some(Err(e.to_string())),
            }
        }));
        match outcome {
            Err(_) => panic!("{fixture}, round {round}: a damaged file panicked"),
            Ok(Some(Err(e))) => {
                assert!(!e.contains("fault"), "{fixture}, round {round}: {e}");
                refused += 1;
            }
            Ok(None) => refused += 1,
            Ok(Some(Ok(report))) => {
                let rejected = report.rejected.len();
                assert!(
                    rows.is_none_or(|rows| rejected <= rows + 1),
                    "{fixture}, round {round}: {rejected} rejections"
                );
                read += 1;
            }
        }
    }
    assert!(refused > 0 && read > 0, "{fixture}: refused {refused}, read {read}");
}
