//! Every connection that can write runs with the durability settings of design.md: SQLite's
//! write-ahead log with `synchronous=FULL`, so that a write is acknowledged only once durable.

mod common;

use habeas_store::{Ledger, Location};

#[test]
fn every_writing_connection_is_wal_with_synchronous_full() {
    let mut t = common::new_sqlite_ledger();
    // The connection that created the ledger, and wrote into it.
    t.import(common::CASE);
    let created = t.ledger.backend().durability().unwrap();
    assert_eq!((created.journal_mode.as_str(), created.synchronous.as_str()), ("wal", "FULL"));
    // A connection that opens an existing ledger (as every command does).
    let mut opened = Ledger::open(&Location::Sqlite(t.path())).unwrap();
    let settings = opened.backend().durability().unwrap();
    assert_eq!((settings.journal_mode.as_str(), settings.synchronous.as_str()), ("wal", "FULL"));
    // And after a write through it.
    let options =
        habeas_store::ImportOptions { keep_going: false, by: "t".into(), at: "2025-03-21T00:00:00Z".into() };
    let report = opened
        .import(
            &mut common::Lines::one(r#"{"type":"org","id":"o2","name":"n","kind":"agency"}"#),
            &options,
            &t.signer,
        )
        .unwrap();
    assert!(report.committed);
    assert_eq!(opened.backend().durability().unwrap().synchronous, "FULL");
    // The file itself is in WAL mode, so any later connection starts in it.
    let raw = rusqlite::Connection::open(t.path()).unwrap();
    let mode: String = raw.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "wal");
}
