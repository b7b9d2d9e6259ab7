//! The shipped example tables with cells changed at random: dates half written or in another
//! form, numbers as words, cells emptied or redacted, accents, emoji, stray quotes, very long
//! text. Each is imported through its shipped mapping with `--keep-going`, and whatever the
//! cells hold:
//!
//! - the import ends with a report, never an error or a panic;
//! - every rejection names a line of the table, and names a long cell briefly;
//! - the ledger verifies.
//!
//! The changes come from a seeded generator, so a failure happens again on every run.

use habeas_io::mapped::MappedSource;
use habeas_io::mapping::Mapping;
use habeas_io::table::Format;
use habeas_ledger::Signer;
use habeas_store::{ImportOptions, Ledger, Location};

/// (fixture, mapping): the CSV examples read with the default delimiter and no preamble.
const TABLES: &[(&str, &str)] = &[
    ("courtlistener-cases.csv", "courtlistener-cases.toml"),
    ("facility-roster.csv", "facility-roster.toml"),
    ("msp-observed-flights.csv", "msp-observed-flights.toml"),
    ("radarbox-charter-legs.csv", "radarbox-charter-legs.toml"),
    ("yakima-jail-bookings.csv", "yakima-jail-bookings.toml"),
];

const AWKWARD: &[&str] = &[
    "",
    " ",
    "N/A",
    "(b)(6)",
    "unknown",
    "0",
    "-1",
    "99999999999999999999",
    "1.5",
    "3/4/25",
    "13/13/2013",
    "2/29/2023",
    "2024-02-29",
    "2025-13-01",
    "2025-03-15T18:45",
    "2025-03-15T18:45:00Z",
    "0000-00-00",
    "9999-12-31",
    "Mar 15 2025",
    "Wed Oct 1 2025",
    "25:61",
    "12:00 PM",
    "José Pérez",
    "Pen\u{303}a",
    "😀",
    "\u{200F}",
    "\"",
    "a,b",
    "\\",
    "\u{0}",
    "TX",
    "XX",
    "MX",
    "Mexico",
    "Venezuela",
    "yes",
    "No",
];

#[path = "../../model/tests/mutate/dice.rs"]
mod dice;

use dice::Dice;

/// A changed cell: very long, cut short, or awkward.
fn cell(dice: &mut Dice, was: &str) -> String {
    match dice.below(6) {
        0 => "x".repeat(5_000),
        1 if !was.is_empty() => {
            let chars: Vec<char> = was.chars().collect();
            chars[..dice.below(chars.len())].iter().collect()
        }
        _ => AWKWARD[dice.below(AWKWARD.len())].to_string(),
    }
}

fn examples() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

#[test]
fn changed_cells_never_break_a_mapped_import() {
    let mut dice = Dice::seeded(0x7AB1_E5C0_FFEE_2025);
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (fixture, mapping_name) in TABLES {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_path(examples().join("fixtures").join(fixture))
            .expect("the fixture opens");
        let mut rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.expect("a fixture row").iter().map(str::to_string).collect())
            .collect();
        for row in rows.iter_mut().skip(1) {
            for _ in 0..dice.below(4) {
                let at = dice.below(row.len());
                row[at] = cell(&mut dice, &row[at]);
            }
        }
        let changed = dir.path().join(fixture);
        let mut writer =
            csv::WriterBuilder::new().flexible(true).from_path(&changed).expect("a temporary file");
        for row in &rows {
            writer.write_record(row).expect("a row written");
        }
        writer.flush().expect("the file written");

        let signer = Signer::from_seed("habeas.local/mutated", [7; 32]).expect("a key");
        let location = Location::Sqlite(dir.path().join(format!("{fixture}.db")));
        let mut ledger = Ledger::create(&location, &signer.verifier()).expect("a new ledger");
        let mapping =
            Mapping::load(&examples().join("mappings").join(mapping_name)).expect("the shipped mapping");
        let paths = [changed.display().to_string()];
        let mut source =
            MappedSource::for_ledger(&mut ledger, &paths, Format::Csv, mapping).expect("the table opens");
        source.check().unwrap_or_else(|e| panic!("{fixture}: {e:?}"));
        let options =
            ImportOptions { keep_going: true, by: "tester".into(), at: "2025-12-01T00:00:00Z".into() };
        let report =
            ledger.import(&mut source, &options, &signer).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert!(report.appended > 0, "{fixture}: nothing landed: {:?}", report.rejected.first());
        for rejection in &report.rejected {
            assert!(rejection.line >= 1 && rejection.line <= rows.len() as u64, "{fixture}: {rejection}");
            // A cell thousands of characters long is named, not repeated.
            assert!(rejection.to_string().chars().count() < 400, "{fixture}: {rejection}");
        }
        let verified = ledger.verify(&signer.verifier(), None).expect("verify runs");
        assert!(verified.ok, "{fixture}: {:?}", verified.problems);
    }
}
