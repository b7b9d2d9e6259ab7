//! Every public dataset of `../shared/data`, imported whole with its shipped mapping, counted.
//!
//! These files are not part of the project (they are large, and not ours to copy); CI has them
//! beside the project. Where they are absent each test says so and checks nothing. The counts
//! were checked against the files themselves (row counts, identical rows, values read with
//! pyarrow), and every rejection is one the data earns: a redacted facility code, a date with no
//! year, a flight leg with no airport.

mod macros;

use std::path::PathBuf;

use macros::Env;
use serde_json::Value;

fn data(name: &str) -> Option<String> {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data")).join(name);
    if path.exists() {
        Some(path.display().to_string())
    } else {
        eprintln!("skipped: {} is not here (../shared/data sits beside the project in CI)", path.display());
        None
    }
}

/// Imports `file` with the shipped mapping `map`, with --keep-going; (appended, rejected).
fn import(env: &Env, map: &str, file: &str) -> (u64, usize, Value) {
    let map = format!("{}/../../examples/mappings/{map}.toml", env!("CARGO_MANIFEST_DIR"));
    let run = env.run(&["import", "--json", "--keep-going", "--no-progress", "--mapping", &map, file]);
    assert!(run.code == 0 || run.code == 1, "{}{}", run.stdout, run.stderr);
    let out = run.json();
    let rejected = out["rejected"].as_array().unwrap().len();
    (out["appended"].as_u64().unwrap(), rejected, out)
}

fn init(env: &Env) {
    assert_eq!(env.run(&["init"]).code, 0);
}

fn record(env: &Env, id: &str) -> Value {
    let run = env.run(&["export", "--type", "population"]);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id}"))
}

habeas_test!(facility_list_and_roster, |env| {
    let (Some(list), Some(roster)) = (data("ice-facilities-2017.csv.gz"), data("facility-roster.csv")) else {
        return;
    };
    init(&env);
    let (appended, rejected, out) = import(&env, "ice-facilities-2017", &list);
    // 1,685 rows: 207 with every identifying field "Redacted", 1,478 places, and the source.
    assert_eq!((appended, rejected), (1479, 207));
    assert_eq!(out["rejected"][0]["error"], "the column \"detloc\" the id is made from is empty or redacted");
    let (appended, rejected, out) = import(&env, "facility-roster", &roster);
    // 962 rows; the facilities the 2017 list has stay as it gave them; Guantanamo ("Cuba") and
    // a CBP area with state "NA" have no US zone.
    assert_eq!((appended, rejected), (369, 2));
    assert_eq!(out["rejected"][0]["field"], "tz");
});

habeas_test!(daily_population_parquet, |env| {
    let (Some(list), Some(file)) =
        (data("ice-facilities-2017.csv.gz"), data("ddp-facilities-daily-population.parquet"))
    else {
        return;
    };
    init(&env);
    import(&env, "ice-facilities-2017", &list);
    let (appended, rejected, _) = import(&env, "ddp-daily-population", &file);
    // 888,699 counts, the source, and 196 facilities the 2017 list does not have.
    assert_eq!((appended, rejected), (888_699 + 1 + 196, 0));
    let count = record(&env, "ddp:CSCNWWA:2025-03-14");
    assert_eq!((count["count"].as_u64(), count["kind"].as_str()), (Some(1309), Some("midnight")));
});

habeas_test!(daily_headcount_csv, |env| {
    let (Some(list), Some(file)) =
        (data("ice-facilities-2017.csv.gz"), data("ice-daily-headcount-fy12-24.csv.gz"))
    else {
        return;
    };
    init(&env);
    import(&env, "ice-facilities-2017", &list);
    let (appended, rejected, _) = import(&env, "ice-daily-headcount", &file);
    assert_eq!((appended, rejected), (928_231 + 1 + 260, 0));
    assert_eq!(record(&env, "uwchr-headcount:CSCNWWA:2019-06-03")["count"], 1319);
});

habeas_test!(arrests_removals_bookings, |env| {
    let (Some(arrests), Some(removals), Some(bookings)) = (
        data("i213-arrests-seattle-2022-2025.csv.gz"),
        data("seattle-expedited-removals-2012-2019.csv"),
        data("yakima-jail-bookings-2016-2017.csv"),
    ) else {
        return;
    };
    init(&env);
    // 10,962 arrests: a person and an arrest each, the source and ICE.
    assert_eq!(import(&env, "i213-arrests", &arrests).0, 10_962 * 2 + 2);
    // 6,529 removals, of which only 3,337 rows are distinct: every one lands.
    let (appended, rejected, _) = import(&env, "seattle-expedited-removals", &removals);
    assert_eq!((appended, rejected), (6_529 * 2 + 2, 0));
    // 1,104 bookings: 14 rows have a release date that cannot be read ("10/26", no year).
    let (appended, rejected, out) = import(&env, "yakima-jail-bookings", &bookings);
    assert_eq!((appended, rejected), (3239, 14));
    assert!(out["rejected"].as_array().unwrap().iter().all(|r| r["field"] == "at"));
});

fn count_of(env: &Env, record_type: &str) -> usize {
    let run = env.run(&["export", "--type", record_type]);
    run.stdout.lines().count()
}

habeas_test!(charter_legs_and_observed_flights, |env| {
    let (Some(legs), Some(msp)) =
        (data("radarbox-ice-charter-legs-2020.csv"), data("msp-observed-ice-flights-2025-2026.csv"))
    else {
        return;
    };
    init(&env);
    let (appended, rejected, _) = import(&env, "radarbox-charter-legs", &legs);
    // 5,885 legs grouped by date and flight number; flights with a leg missing an airport are
    // set aside, naming the leg.
    assert_eq!((appended, rejected), (5209, 303));
    let (flights, places) = (count_of(&env, "flight"), count_of(&env, "place"));
    assert_eq!(flights + places + 1, 5209);
    assert_eq!((flights, places), (4952, 256));
    let env = Env::new();
    init(&env);
    let (appended, rejected, out) = import(&env, "msp-observed-flights", &msp);
    // 161 calls at MSP; one names an origin "GRG" that no airport table knows: its place is
    // rejected, and so is the flight that refers to it, each with its own reason.
    assert_eq!((appended, rejected), (177, 2));
    assert_eq!(count_of(&env, "flight"), 160);
    let reasons: Vec<&str> =
        out["rejected"].as_array().unwrap().iter().map(|r| r["error"].as_str().unwrap()).collect();
    assert!(reasons[0].contains("\"GRG\" is not an airport code"), "{reasons:?}");
    assert!(reasons[1].contains("refers to unknown id \"iata:GRG\""), "{reasons:?}");
});

habeas_test!(cases_and_segregation_placements, |env| {
    let (Some(cases), Some(seg)) = (
        data("courtlistener-removal-detention-cases.csv"),
        data("ice-segregation-placements-2018-2023.xlsx"),
    ) else {
        return;
    };
    init(&env);
    let (appended, rejected, _) = import(&env, "courtlistener-cases", &cases);
    // 247 rows; two list the same case (court and docket) differently: both are set aside.
    assert_eq!((appended, rejected), (309, 2));
    assert_eq!(count_of(&env, "case"), 245);
    let (appended, rejected, out) = import(&env, "segregation-placements", &seg);
    // 17,283 rows, of which 2,949 are blank and 70 hold only a "Suicide Risk" mark: 14,264
    // placements, each with its person, at 126 facilities.
    assert_eq!((appended, rejected), (28_655, 210));
    assert_eq!(count_of(&env, "condition"), 14_264);
    assert!(
        out["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["error"] == "required field is missing" && r["field"] == "from")
    );
});
