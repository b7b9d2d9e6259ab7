//! `habeas import --mapping`: each shipped mapping on its fixture (a few dozen rows cut from the
//! public datasets, see examples/fixtures/README.md), checked field by field; bad rows rejected
//! with their line (or sheet and row) and reason; re-imports that append nothing.

mod macros;

use std::collections::HashMap;

use macros::{Env, Run};
use serde_json::{Value, json};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn mapping(name: &str) -> String {
    format!("{ROOT}/mappings/{name}.toml")
}

fn fixture(name: &str) -> String {
    format!("{ROOT}/fixtures/{name}")
}

fn import(env: &Env, map: &str, file: &str, more: &[&str]) -> Run {
    let (map, file) = (mapping(map), fixture(file));
    let mut args = vec!["import", "--json", "--mapping", &map, &file];
    args.extend_from_slice(more);
    env.run(&args)
}

/// Imports `file` with a mapping written by the test, with --json and --keep-going.
fn import_kept(env: &Env, map: &std::path::Path, file: &std::path::Path) -> Value {
    let (map, file) = (map.to_str().unwrap(), file.to_str().unwrap());
    let run = env.run(&["import", "--json", "--keep-going", "--mapping", map, file]);
    assert!(run.code == 0 || run.code == 1, "{}{}", run.stdout, run.stderr);
    run.json()
}

fn init(env: &Env) {
    assert_eq!(env.run(&["init"]).code, 0);
}

/// The current records, by id.
fn records(env: &Env) -> HashMap<String, Value> {
    let run = env.run(&["export"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .map(|v| (v["id"].as_str().unwrap().to_string(), v))
        .collect()
}

fn of_type<'a>(records: &'a HashMap<String, Value>, t: &str) -> Vec<&'a Value> {
    records.values().filter(|r| r["type"] == t).collect()
}

fn clean(run: &Run) -> Value {
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    run.json()
}

habeas_test!(facilities_then_population_then_headcount, |env| {
    init(&env);
    let out = clean(&import(&env, "ice-facilities-2017", "ice-facilities.csv.gz", &[]));
    assert_eq!(out["appended"], 12, "11 facilities and their source");
    let out = clean(&import(&env, "facility-roster", "facility-roster.csv", &[]));
    // The roster's 30 rows hold 3 facilities the 2017 list already has: those stay as they are.
    assert_eq!(out["appended"], 1 + 30 - 3);
    let out = clean(&import(&env, "ddp-daily-population", "ddp-daily-population.parquet", &[]));
    assert_eq!(out["appended"], 1 + 1 + 27, "source, the unknown facility, 27 counts");
    let out = clean(&import(&env, "ice-daily-headcount", "ice-daily-headcount.csv.gz", &[]));
    assert_eq!(out["appended"], 1 + 24);

    let all = records(&env);
    assert_eq!(
        all["detloc:KRNRCTX"],
        json!({"type": "place", "id": "detloc:KRNRCTX", "name": "KARNES COUNTY RESIDENTIAL CENTER",
               "kind": "facility", "country": "US", "tz": "America/Chicago", "capacity": 830,
               "codes": {"detloc": "KRNRCTX"},
               "note": "FM 1144 AT US HIGHWAY 181, KARNES CITY, TX; ICE type FAMILY; capacity as listed: 830",
               "sources": ["src-uwchr-ice-facilities-2017"]})
    );
    // "AS NEEDED" is no capacity: left out of the field, kept in the note.
    let aberdeen = &all["detloc:ABRDNWA"];
    assert!(aberdeen.get("capacity").is_none());
    assert_eq!(aberdeen["tz"], "America/Los_Angeles");
    assert!(aberdeen["note"].as_str().unwrap().ends_with("capacity as listed: AS NEEDED"));
    // Not in any list: created from the population row, its assumed zone said.
    let unknown = &all["detloc:ZZTESTX"];
    assert_eq!(unknown["name"], "TEST FACILITY NOT IN ANY LIST");
    assert!(unknown["note"].as_str().unwrap().contains("zone assumed"));
    assert_eq!(
        all["ddp:KRNRCTX:2025-03-07"],
        json!({"type": "population", "id": "ddp:KRNRCTX:2025-03-07", "place": "detloc:KRNRCTX",
               "at": "2025-03-07", "count": 31, "kind": "midnight", "sources": ["src-ddp-daily-population"]})
    );
    assert_eq!(all["uwchr-headcount:CSCNWWA:2019-06-03"]["count"], 1319);
    assert_eq!(all["uwchr-headcount:CSCNWWA:2019-06-03"]["kind"], "daily");
    assert_eq!(of_type(&all, "population").len(), 27 + 24);

    // The same files again append nothing.
    let again = clean(&import(&env, "ddp-daily-population", "ddp-daily-population.parquet", &[]));
    assert_eq!((again["appended"].as_u64(), again["unchanged"].as_u64()), (Some(0), Some(27)));
    let again = clean(&import(&env, "ice-daily-headcount", "ice-daily-headcount.csv.gz", &[]));
    assert_eq!(again["appended"], 0);

    // The counts reach occupancy, read in the facility's zone.
    let run =
        env.run(&["occupancy", "detloc:KRNRCTX", "--from", "2025-03-06", "--to", "2025-03-08", "--json"]);
    let out = clean(&run);
    let midnight: Vec<_> = out["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "midnight")
        .map(|d| (d["day"].as_str().unwrap().to_string(), d["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(midnight, [("2025-03-06".into(), 11), ("2025-03-07".into(), 31), ("2025-03-08".into(), 33)]);
});

habeas_test!(arrests_become_unnamed_persons_with_charges, |env| {
    init(&env);
    let out = clean(&import(&env, "i213-arrests", "i213-arrests.csv.gz", &[]));
    assert_eq!(out["appended"], 2 + 25 * 2, "source, ICE, and a person and an arrest per row");
    let all = records(&env);
    let arrests = of_type(&all, "custody");
    assert_eq!(arrests.len(), 25);
    // Line 4 of the file (the header is line 1) is the third arrest, from Eugene.
    let arrest = arrests.iter().find(|a| a["id"].as_str().unwrap().ends_with(":4:arrest")).unwrap();
    let person_id = arrest["subject"].as_str().unwrap();
    assert_eq!(arrest["event"], "apprehended");
    assert_eq!(arrest["at"], "2021-12-02");
    assert_eq!(arrest["tz"], "America/Los_Angeles");
    assert_eq!(arrest["custodian"], "org-ice");
    assert_eq!(
        arrest["charges"],
        json!([
            {"code": "8 USC 1182", "description": "ALIEN INADMISSIBILITY UNDER SECTION 212", "date": "2021-12-02"},
            {"code": "212a6Ai", "description": "ALIEN PRESENT WITHOUT ADMISSION OR PAROLE - (PWAs)", "date": "2021-11-10"}
        ])
    );
    let person = &all[person_id];
    assert_eq!((person["sex"].as_str(), &person["nationality"]), (Some("female"), &json!(["HN"])));
    assert!(person.get("names").is_none() && person["label"].as_str().unwrap().contains("I-213 row 4"));
});

habeas_test!(identical_removal_rows_all_land, |env| {
    init(&env);
    let out = clean(&import(&env, "seattle-expedited-removals", "seattle-expedited-removals.csv", &[]));
    // 33 rows after the 6 preamble lines and the header; several are identical to another.
    assert_eq!(out["appended"], 2 + 33 * 2);
    let all = records(&env);
    let departures = of_type(&all, "custody");
    assert_eq!(departures.len(), 33);
    let same_day: Vec<_> = departures.iter().filter(|d| d["at"] == "2012-02-15").collect();
    assert_eq!(same_day.len(), 4, "four identical rows of 2/15/2012, four removals");
    let d = departures.iter().find(|d| d["id"].as_str().unwrap().ends_with(":8:departed")).unwrap();
    assert_eq!(
        (d["event"].as_str(), d["at"].as_str(), &d["basis"], d["note"].as_str()),
        (Some("departed"), Some("2012-01-03"), &json!(["inst-ina-235b1"]), Some("[8F] Expedited Removal"))
    );
    let person = &all[d["subject"].as_str().unwrap()];
    assert_eq!((person["sex"].as_str(), &person["nationality"]), (Some("male"), &json!(["FR"])));
    // Redacted birth dates and event numbers are simply not there.
    assert!(person.get("born").is_none());
    let again = clean(&import(&env, "seattle-expedited-removals", "seattle-expedited-removals.csv", &[]));
    assert_eq!(again["appended"], 0);
});

habeas_test!(bookings_with_unreadable_dates_are_listed_and_the_rest_lands, |env| {
    init(&env);
    let run = import(&env, "yakima-jail-bookings", "yakima-jail-bookings.csv", &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let out = run.json();
    assert_eq!(out["appended"], 0, "without --keep-going nothing lands");
    let rejected = out["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3);
    assert_eq!(
        rejected[0],
        json!({"file": "yakima-jail-bookings.csv", "line": 6, "field": "at",
               "error": "expected a date like %m/%d/%Y or %m/%d/%y, found \"10/5\""})
    );
    let rejects = env.path("rejects.jsonl");
    let run = import(
        &env,
        "yakima-jail-bookings",
        "yakima-jail-bookings.csv",
        &["--keep-going", "--rejects", rejects.to_str().unwrap()],
    );
    assert_eq!(run.code, 1);
    // 30 rows: 27 land with a person and a booking each, and a release where one is given.
    let all = records(&env);
    assert_eq!(of_type(&all, "person").len(), 27);
    let bookings: Vec<_> =
        of_type(&all, "custody").into_iter().filter(|c| c["event"] == "booked_in").collect();
    assert_eq!(bookings.len(), 27);
    let first = bookings.iter().find(|b| b["id"].as_str().unwrap().ends_with(":2:booked")).unwrap();
    assert_eq!(
        (first["at"].as_str(), &first["charges"]),
        (Some("2016-10-01"), &json!([{"description": "DUI"}]))
    );
    let released = &all[&first["id"].as_str().unwrap().replace(":booked", ":released")];
    assert_eq!(released["at"], "2016-10-05");
    // "10/5/16": a two-digit year in the same column.
    let second = &all[&first["id"].as_str().unwrap().replace(":2:booked", ":3:released")];
    assert_eq!(second["at"], "2016-10-05");
    let lines: Vec<Value> =
        std::fs::read_to_string(rejects).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["line"], 6, "the file's line, as an editor shows it (CRLF line ends)");
    let input: Value = serde_json::from_str(lines[0]["input"].as_str().unwrap()).unwrap();
    assert_eq!(
        (input["Date of Booking"].as_str(), input["Date of Release"].as_str()),
        (Some("10/4/2016"), Some("10/5"))
    );
});

habeas_test!(charter_legs_grouped_into_flights_in_airport_zones, |env| {
    init(&env);
    let run = import(&env, "radarbox-charter-legs", "radarbox-charter-legs.csv", &["--keep-going"]);
    let out = run.json();
    let all = records(&env);
    // Four rows of WQ7512 on 15 March 2020, newest first in the file: one flight, legs in order.
    let flight = &all["radarbox:2020-03-15:WQ7512"];
    let legs = flight["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 4);
    // San Diego's Miramar field has no IATA code: the file gives its ICAO code, with a stray ")".
    assert_eq!(
        legs[0],
        json!({"from": "iata:OAK", "to": "iata:KNKX", "departed": "2020-03-15T08:00:00-07:00"})
    );
    assert_eq!(legs[1]["from"], "iata:KNKX");
    assert_eq!(legs[1]["departed"], "2020-03-15T13:30:00-07:00");
    // A leg with no scheduled time has no departure, and keeps its place after the timed ones.
    assert_eq!(legs[3], json!({"from": "iata:MFR", "to": "iata:PDX"}));
    assert_eq!(flight["tail"], "N804TJ");
    // Each departure is read in its airport's zone.
    let houston = &all["radarbox:2020-04-27:WQ3520"];
    assert_eq!(houston["number"], "WQ3520", "the file's leading space is not part of it");
    assert_eq!(houston["legs"][0]["to"], "iata:SAP");
    assert_eq!(houston["legs"][0]["departed"], "2020-04-27T08:10:00-05:00", "CDT at Houston");
    let from_honduras = &all["radarbox:2020-04-20:WQ3602"];
    assert_eq!(from_honduras["legs"][0]["departed"], "2020-04-20T11:00:00-06:00", "La Mesa keeps CST");
    let airport = &all["iata:SAP"];
    assert_eq!(
        (airport["country"].as_str(), airport["tz"].as_str()),
        (Some("HN"), Some("America/Tegucigalpa"))
    );
    // A flight one of whose legs has no departure airport is rejected, naming the leg.
    let rejected = out["rejected"].as_array().unwrap();
    assert!(
        rejected.iter().any(|r| r["line"] == 5
            && r["field"] == "legs[0].from"
            && r["error"] == "required field is missing"),
        "{rejected:?}"
    );
    assert!(!all.contains_key("radarbox:2020-04-21:WQ3602"));
});

habeas_test!(observed_flights_call_at_minneapolis, |env| {
    init(&env);
    let out = clean(&import(&env, "msp-observed-flights", "msp-observed-flights.csv", &[]));
    let all = records(&env);
    assert_eq!(of_type(&all, "flight").len(), 20);
    assert_eq!(out["appended"].as_u64().unwrap() as usize, all.len());
    let flight = &all["msp:2025-10-01:2"];
    assert_eq!(
        flight["legs"],
        json!([
            {"from": "iata:AEX", "to": "iata:MSP", "arrived": "2025-10-01T16:58:00Z"},
            {"from": "iata:MSP", "to": "iata:OMA", "departed": "2025-10-01T17:52:00Z"}
        ])
    );
    assert_eq!((flight["callsign"].as_str(), flight["tail"].as_str()), (Some("TYSON41"), Some("N289GX")));
    assert_eq!(all["iata:OMA"]["tz"], "America/Chicago");
});

habeas_test!(segregation_placements_from_a_named_sheet, |env| {
    init(&env);
    let out = clean(&import(&env, "segregation-placements", "segregation-placements.xlsx", &[]));
    let all = records(&env);
    let placements = of_type(&all, "condition");
    assert_eq!(placements.len(), 25);
    assert_eq!(out["appended"].as_u64().unwrap() as usize, all.len());
    // Row 2 of the sheet (under the header).
    let first = placements.iter().find(|c| c["id"].as_str().unwrap().ends_with(":2:solitary")).unwrap();
    assert_eq!(
        (first["kind"].as_str(), first["from"].as_str(), first["until"].as_str(), first["reason"].as_str()),
        (Some("solitary"), Some("2023-08-17"), Some("2023-09-13"), Some("Disciplinary"))
    );
    let place = &all[first["place"].as_str().unwrap()];
    assert_eq!(first["place"], "seg:FOLKSTON-ICE-PROCESSING-CENTER-D.-RAY-JAMES-GA");
    assert_eq!(
        (place["name"].as_str(), place["tz"].as_str()),
        (Some("FOLKSTON ICE PROCESSING CENTER (D. RAY JAMES) (GA)"), Some("America/New_York"))
    );
    // No state in the name: the zone the mapping falls back to.
    assert_eq!(all["seg:FOLKSTON-ANNEX-IPC"]["tz"], "America/Chicago");
    let person = &all[first["subject"].as_str().unwrap()];
    assert_eq!((person["sex"].as_str(), &person["nationality"]), (Some("male"), &json!(["JM"])));
});

habeas_test!(court_cases_and_their_courts, |env| {
    init(&env);
    let run = import(&env, "courtlistener-cases", "courtlistener-cases.csv", &[]);
    let out = clean(&run);
    let all = records(&env);
    assert_eq!(of_type(&all, "case").len(), 20);
    assert_eq!(out["appended"].as_u64().unwrap() as usize, all.len());
    let case = &all["case:District-Court-D.-Maryland:8:25-cv-00951"];
    assert_eq!(
        (case["caption"].as_str(), case["filed"].as_str(), case["court"].as_str()),
        (Some("Abrego Garcia v. Noem"), Some("2025-04-06"), Some("court:District-Court-D.-Maryland"))
    );
    assert_eq!(all["court:District-Court-D.-Maryland"]["name"], "District Court, D. Maryland");
    // Courts come with no zone, so their dates are read in UTC, and the import says so.
    assert!(out["warnings_total"].as_u64().unwrap() >= 20);
});

habeas_test!(an_unknown_facility_code_is_rejected_when_the_mapping_creates_no_place, |env| {
    init(&env);
    let map = env.write(
        "strict.toml",
        "format = \"parquet\"\n[[record]]\ntype = \"population\"\nid = \"ddp:{detention_facility_code}:{date}\"\n\
         fields.place = \"detloc:{detention_facility_code}\"\nfields.at = { as = \"date\", text = \"{date}\" }\n\
         fields.count = { as = \"integer\", text = \"{n_detained_at_midnight}\" }\nfields.kind = \"midnight\"\n",
    );
    clean(&import(&env, "ice-facilities-2017", "ice-facilities.csv.gz", &[]));
    let file = fixture("ddp-daily-population.parquet");
    let run = env.run(&["import", "--json", "--keep-going", "--mapping", map.to_str().unwrap(), &file]);
    assert_eq!(run.code, 1);
    let out = run.json();
    assert_eq!(out["appended"], 24, "the rows of the two known facilities land");
    let rejected = out["rejected"].as_array().unwrap();
    assert_eq!(rejected.len(), 3);
    assert_eq!(
        (&rejected[0]["row"], &rejected[0]["field"]),
        (&json!(25), &json!("place")),
        "a Parquet row is counted from 1, and there is no line: {rejected:?}"
    );
    assert!(rejected[0]["error"].as_str().unwrap().contains("detloc:ZZTESTX"), "{rejected:?}");
    assert!(rejected[0].get("line").is_none());
});

habeas_test!(redacted_keys_and_missing_sheets_and_bad_files_say_where, |env| {
    init(&env);
    // A redacted key column: the row cannot have a stable id.
    let csv = env.write("r.csv", "code|n|date\n(b)(6)|3|2020-01-01\nBTV|4|2020-01-01\n");
    let map = mapping("ice-daily-headcount");
    let run = env.run(&["import", "--json", "--mapping", &map, csv.to_str().unwrap()]);
    assert_eq!(run.code, 2, "the mapping names a column the file lacks: {}", run.stderr);
    assert!(run.stderr.contains("no column \"detention_facility_code\""), "{}", run.stderr);
    let csv = env.write(
        "r.csv",
        "detention_facility_code|n|date\n(b)(6)|3|2020-01-01\nBTV|4|2020-01-01\nBTV|x|2020-01-02\n",
    );
    let strict = env.write(
        "r.toml",
        "format = \"csv\"\n[input]\ndelimiter = \"|\"\nredacted = [\"(b)(\"]\n[[record]]\ntype = \"place\"\nid = \"detloc:{detention_facility_code}\"\n\
         create = \"if_missing\"\nfields.name = \"{detention_facility_code}\"\nfields.kind = \"facility\"\nfields.country = \"US\"\nfields.tz = \"America/New_York\"\n\
         [[record]]\ntype = \"population\"\nid = \"hc:{detention_facility_code}:{date}\"\nfields.place = \"detloc:{detention_facility_code}\"\n\
         fields.at = { as = \"date\", text = \"{date}\" }\nfields.count = { as = \"integer\", text = \"{n}\" }\n",
    );
    let out = import_kept(&env, &strict, &csv);
    assert_eq!(out["appended"], 2, "the place BTV and its good count");
    let errors: Vec<(u64, String, String)> = out["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap().into(),
                r["error"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (
                2,
                "id".into(),
                "the column \"detention_facility_code\" the id is made from is empty or redacted".into()
            ),
            (4, "count".into(), "expected a whole number, found \"x\"".into()),
        ]
    );

    // A sheet that is not there.
    let map = env.write("s.toml", "format = \"xlsx\"\n[input]\nsheet = \"2024\"\n[[record]]\ntype = \"org\"\nid = \"o:{#row}\"\nfields.name = \"x\"\nfields.kind = \"other\"\n");
    let xlsx = fixture("segregation-placements.xlsx");
    let run = env.run(&["import", "--mapping", map.to_str().unwrap(), &xlsx]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(
            "segregation-placements.xlsx: no sheet named \"2024\"; the sheets are [\"2017 - 2023\"]"
        ),
        "{}",
        run.stderr
    );

    // A file that is not Parquet at all.
    let bad = env.write("bad.parquet", "PAR1 not really PAR1");
    let run = env.run(&["import", "--mapping", &mapping("ddp-daily-population"), bad.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.parquet: not a readable Parquet file"), "{}", run.stderr);

    // --format without a mapping.
    let run = env.run(&["import", "--format", "csv", csv.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("needs --mapping"), "{}", run.stderr);
    assert_eq!(env.run(&["verify", "--json"]).json()["ok"], true);
});

habeas_test!(xlsx_rejects_name_the_sheet_and_row, |env| {
    init(&env);
    let map = env.write(
        "x.toml",
        "format = \"xlsx\"\n[input]\nsheet = \"2017 - 2023\"\n[[record]]\ntype = \"population\"\nid = \"x:{#row}\"\n\
         fields.place = \"nowhere\"\nfields.at = { as = \"date\", text = \"{Placement Date}\" }\nfields.count = { as = \"integer\", text = \"{Length of Stay}\" }\n",
    );
    let xlsx = fixture("segregation-placements.xlsx");
    let rejects = env.path("rej.jsonl");
    let run = env.run(&[
        "import",
        "--mapping",
        map.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
        &xlsx,
    ]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(
            "segregation-placements.xlsx, sheet 2017 - 2023, row 2: place: refers to unknown id \"nowhere\""
        ),
        "{}",
        run.stdout
    );
    let first: Value =
        serde_json::from_str(std::fs::read_to_string(rejects).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!((first["sheet"].as_str(), first["row"].as_u64()), (Some("2017 - 2023"), Some(2)));
    assert!(first.get("line").is_none());
    let input: Value = serde_json::from_str(first["input"].as_str().unwrap()).unwrap();
    assert_eq!(input["Placement Date"], "2023-08-17");
});

habeas_test!(local_times_at_a_dst_change, |env| {
    init(&env);
    let csv = env
        .write("t.csv", "id,when\nfall,2020-11-01 01:30\nspring,2020-03-08 02:30\nplain,2020-03-08 03:30\n");
    let map = env.write(
        "t.toml",
        "format = \"csv\"\n[[record]]\ntype = \"source\"\nid = \"s:{id}\"\nfields.kind = \"other\"\nfields.title = \"{id}\"\n\
         fields.published = { as = \"local\", text = \"{when}\", formats = \"%Y-%m-%d %H:%M\", zone = \"America/Chicago\" }\n",
    );
    let out = import_kept(&env, &map, &csv);
    let all = records(&env);
    assert_eq!(
        all["s:fall"]["published"],
        json!({"earliest": "2020-11-01T01:30:00-05:00", "latest": "2020-11-01T01:30:00-06:00"}),
        "01:30 happened twice: both readings"
    );
    assert_eq!(all["s:plain"]["published"], "2020-03-08T03:30:00-05:00");
    assert!(!all.contains_key("s:spring"));
    assert_eq!(out["rejected"][0]["line"], 3);
    assert_eq!(
        out["rejected"][0]["error"],
        "\"2020-03-08 02:30\" never happened in America/Chicago: the clocks moved forward over it"
    );
});

habeas_test!(spanish_messages_for_rows, |env| {
    init(&env);
    let run = env
        .command()
        .env("LANG", "es_VE.UTF-8")
        .args(["import", "--mapping", &mapping("yakima-jail-bookings"), &fixture("yakima-jail-bookings.csv")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.contains("yakima-jail-bookings.csv:6: at: se esperaba una fecha como %m/%d/%Y o %m/%d/%y, se encontró \"10/5\""),
        "{stdout}"
    );
});

habeas_test!(the_format_comes_from_the_mapping_or_the_extension, |env| {
    init(&env);
    // A mapping without `format`: the extension says CSV.
    let csv = env.write("orgs.csv", "code,name\nice,ICE\n");
    let map = env.write(
        "orgs.toml",
        "[[record]]\ntype = \"org\"\nid = \"org-{code}\"\nfields.name = \"{name}\"\nfields.kind = \"agency\"\n",
    );
    let out =
        clean(&env.run(&["import", "--json", "--mapping", map.to_str().unwrap(), csv.to_str().unwrap()]));
    assert_eq!(out["appended"], 1);
    // A mapping for Parquet given a CSV file: refused before anything is read.
    let run = env.run(&[
        "import",
        "--format",
        "csv",
        "--mapping",
        &mapping("ddp-daily-population"),
        csv.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("the mapping reads parquet files, not csv"), "{}", run.stderr);
    // JSON Lines take no mapping.
    let run =
        env.run(&["import", "--format", "jsonl", "--mapping", map.to_str().unwrap(), csv.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("take no mapping"), "{}", run.stderr);
    // A mapping with a misspelt key is refused, naming it.
    let typo = env.write("typo.toml", "[[record]]\ntype = \"org\"\nid = \"o\"\nfeilds.name = \"x\"\n");
    let run = env.run(&["import", "--mapping", typo.to_str().unwrap(), csv.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("typo.toml") && run.stderr.contains("feilds"), "{}", run.stderr);
});

habeas_test!(a_place_one_row_cannot_make_is_made_by_the_next, |env| {
    init(&env);
    let csv = env
        .write("p.csv", "code,state,n,date\nBTV,,5,2020-01-01\nBTV,NY,6,2020-01-02\nBTV,NY,7,2020-01-03\n");
    let map = env.write(
        "p.toml",
        "[[record]]\ntype = \"place\"\nid = \"detloc:{code}\"\ncreate = \"if_missing\"\nfields.name = \"{code}\"\n\
         fields.kind = \"facility\"\nfields.country = \"US\"\nfields.tz = { as = \"state_zone\", text = \"{state}\" }\n\
         [[record]]\ntype = \"population\"\nid = \"p:{code}:{date}\"\nfields.place = \"detloc:{code}\"\n\
         fields.at = { as = \"date\", text = \"{date}\" }\nfields.count = { as = \"integer\", text = \"{n}\" }\n",
    );
    let out = import_kept(&env, &map, &csv);
    // Row 2 has no state, so no zone for the place: that place is rejected. Row 3 makes it,
    // once, and row 2's count, which refers to it, lands with the others.
    assert_eq!(out["appended"], 4, "{out}");
    let rejected: Vec<(u64, &str)> = out["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["field"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected, [(2, "tz")]);
    assert_eq!(records(&env)["detloc:BTV"]["tz"], "America/New_York");
});
