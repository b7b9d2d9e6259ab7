//! Helpers shared by the store's tests: a ledger in a temporary folder and an in-memory input.

#![allow(dead_code)]

use habeas_ledger::Signer;
use habeas_model::parse_line;
use habeas_store::{ImportOptions, ImportReport, InputItem, InputSource, Ledger, Location, Prepared, Result};
use sha2::{Digest, Sha256};

pub use habeas_store::postgres::testing as postgres;

pub struct TestLedger {
    pub dir: tempfile::TempDir,
    pub ledger: Ledger,
    pub signer: Signer,
    /// Where the ledger is: a file in `dir`, or a database of its own on the test server.
    pub location: Location,
    /// The test database, dropped with the ledger (declared after it, so dropped after it).
    pub database: Option<postgres::TestDatabase>,
}

pub const ORIGIN: &str = "habeas.local/test.db";

pub fn signer() -> Signer {
    Signer::from_seed(ORIGIN, [42; 32]).unwrap()
}

/// A new, empty ledger on the backend the tests run against: the embedded store, or with
/// `HABEAS_TEST_BACKEND=postgres` a new database on the server of `HABEAS_TEST_POSTGRES`
/// (`scripts/test` runs the store's tests both ways).
pub fn new_ledger() -> TestLedger {
    match std::env::var("HABEAS_TEST_BACKEND").as_deref() {
        Ok("postgres") => new_postgres_ledger(),
        Ok("sqlite") | Err(_) => new_sqlite_ledger(),
        Ok(other) => panic!("HABEAS_TEST_BACKEND={other}: use sqlite or postgres"),
    }
}

/// A new, empty ledger in a file of a temporary folder.
pub fn new_sqlite_ledger() -> TestLedger {
    let dir = tempfile::tempdir().unwrap();
    let signer = signer();
    let location = Location::Sqlite(dir.path().join("test.db"));
    let ledger = Ledger::create(&location, &signer.verifier()).unwrap();
    TestLedger { dir, ledger, signer, location, database: None }
}

/// A new, empty ledger in a new database on the test server.
pub fn new_postgres_ledger() -> TestLedger {
    let dir = tempfile::tempdir().unwrap();
    let signer = signer();
    let database = postgres::TestDatabase::create();
    let location = Location::Postgres(database.url.clone());
    let ledger = Ledger::create(&location, &signer.verifier()).unwrap();
    TestLedger { dir, ledger, signer, location, database: Some(database) }
}

/// Files held in memory, parsed line by line as the JSON Lines reader does.
pub struct Lines(pub Vec<(String, String)>);

impl Lines {
    pub fn one(text: &str) -> Lines {
        Lines(vec![("case.jsonl".into(), text.to_string())])
    }
}

impl InputSource for Lines {
    fn open(&mut self) -> Result<Box<dyn Iterator<Item = Result<InputItem>> + '_>> {
        Ok(Box::new(self.0.iter().enumerate().flat_map(|(file, (_, text))| {
            text.lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with("//"))
                .map(move |(i, l)| {
                    Ok(InputItem {
                        file: file as u32,
                        line: i as u64 + 1,
                        parsed: parse_line(l).map(Prepared::new),
                    })
                })
        })))
    }

    fn file_names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }

    fn file_digests(&self) -> Vec<(String, String)> {
        self.0.iter().map(|(n, t)| (n.clone(), hex::encode(Sha256::digest(t.as_bytes())))).collect()
    }
}

impl TestLedger {
    pub fn import_with(&mut self, text: &str, keep_going: bool) -> ImportReport {
        let options = ImportOptions { keep_going, by: "tester".into(), at: "2025-03-20T12:00:00Z".into() };
        self.ledger.import(&mut Lines::one(text), &options, &self.signer).unwrap()
    }

    pub fn import(&mut self, text: &str) -> ImportReport {
        self.import_with(text, false)
    }

    /// Imports at a given time (the `at` of the import leaf), for "known at" questions.
    pub fn import_at(&mut self, text: &str, at: &str) -> ImportReport {
        let options = ImportOptions { keep_going: false, by: "tester".into(), at: at.into() };
        let report = self.ledger.import(&mut Lines::one(text), &options, &self.signer).unwrap();
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        report
    }

    pub fn verify_ok(&mut self) {
        let report = self.ledger.verify(&self.signer.verifier(), None).unwrap();
        assert!(report.ok, "{:#?}", report.problems);
    }

    /// The ledger's file (embedded store only).
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("test.db")
    }

    /// The same ledger opened again, as another command would.
    pub fn reopen(&self) -> Ledger {
        Ledger::open(&self.location).unwrap()
    }
}

/// A small case: sources, an org, places, a person, a flight and events.
pub const CASE: &str = r#"
{"type":"source","id":"src-1","kind":"news","title":"Flights to El Salvador"}
{"type":"org","id":"org-ice","name":"ICE","kind":"agency","country":"US"}
{"type":"place","id":"pl-hrl","name":"Harlingen","kind":"airport","country":"US","tz":"America/Chicago"}
{"type":"place","id":"pl-sal","name":"San Salvador","kind":"airport","country":"SV","tz":"America/El_Salvador"}
{"type":"person","id":"p-1","name":"José Pérez García","born":"1990-05-01","sources":["src-1"]}
{"type":"flight","id":"flt-1","legs":[{"from":"pl-hrl","to":"pl-sal","departed":"2025-03-15T17:26-04:00"}],"sources":["src-1"]}
{"type":"custody","subject":"p-1","event":"departed","flight":"flt-1","place":"pl-hrl","custodian":"org-ice","sources":["src-1"]}
"#;
