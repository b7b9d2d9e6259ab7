//! Place names against the 400 labelled spellings of `../shared/data/facility-name-crosswalk.csv`
//! (a hand-made map from the names ICE facilities go by in different datasets to one canonical
//! facility, from the CarwilB/ice-detention repository).
//!
//! The index holds each canonical facility once, by its canonical name and its city and state;
//! each spelling is searched as a person would type it, "name, city state". At least 0.97 of them
//! must find their facility first, and every spelling whose name is the canonical one must.
//!
//! Without `../shared/data` the test says so and checks nothing.

use std::collections::BTreeMap;
use std::path::Path;

use habeas_names::places::{Place, PlaceIndex};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data");

#[test]
fn labelled_facility_spellings_find_their_facility() {
    let path = Path::new(DATA).join("facility-name-crosswalk.csv");
    if !path.exists() {
        eprintln!("SKIPPED: {} is absent; the place-name test needs it", path.display());
        return;
    }
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 400);

    // canonical_id → (name, city, state)
    let mut canonical: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    for row in &rows {
        canonical.entry(row[1].to_string()).or_insert((row[2].into(), row[3].into(), row[4].into()));
    }
    let mut index = PlaceIndex::new();
    for (id, (name, city, state)) in &canonical {
        index.add(Place::new(id, name).within([city.as_str(), state.as_str()]));
    }

    let mut first = 0;
    let mut in_three = 0;
    let mut misses = Vec::new();
    for row in &rows {
        let query = format!("{}, {} {}", &row[5], &row[6], &row[7]);
        let found = index.search(&query, 3);
        let ids: Vec<&str> = found.iter().map(|f| index.place(f.place).id.as_str()).collect();
        if ids.first() == Some(&&row[1]) {
            first += 1;
        } else {
            assert_ne!(&row[5], &row[2], "the canonical name itself must come first: {query}");
            misses.push(format!("{query} → {:?} (want {} {})", ids, &row[1], &row[2]));
        }
        if ids.contains(&&row[1]) {
            in_three += 1;
        }
    }
    let at1 = first as f64 / rows.len() as f64;
    let at3 = in_three as f64 / rows.len() as f64;
    eprintln!("place names: accuracy@1 {at1:.3}, @3 {at3:.3} on {} spellings", rows.len());
    for miss in &misses {
        eprintln!("  missed: {miss}");
    }
    assert!(at1 >= 0.97, "accuracy@1 {at1:.3}");
}
