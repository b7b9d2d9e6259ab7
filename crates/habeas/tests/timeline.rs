//! `habeas timeline` and `habeas rebuild` on the example case, as a user runs them.

mod macros;

use macros::EXAMPLE_SIZE;

habeas_test!(the_137_are_followed_leg_by_leg_to_cecot, |env| {
    let env = env.with_example();
    let run = env.run(&["timeline", "coh-aea-137", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["subject"], "coh-aea-137");
    let segments = out["segments"].as_array().unwrap();
    // Two flights, each: Harlingen → Palmerola, on the ground, Palmerola → El Salvador.
    let flights: Vec<&str> = segments.iter().filter_map(|s| s["flight"].as_str()).collect();
    assert_eq!(flights, vec!["flt-1", "flt-1", "flt-1", "flt-2", "flt-2", "flt-2"]);
    assert_eq!(segments[0]["from"]["earliest"], "2025-03-15T21:26:00Z");
    assert_eq!(segments[3]["from"]["earliest"], "2025-03-15T21:44:00Z", "17:44-17:45 EDT stays a window");
    assert_eq!(segments[3]["from"]["latest"], "2025-03-15T21:45:00Z");
    let cecot = &segments[6];
    assert_eq!(
        (cecot["state"].as_str(), cecot["place"].as_str(), cecot["removed"].as_bool()),
        (Some("in_custody"), Some("pl-cecot"), Some(true))
    );
    assert_eq!(cecot["custodian"], "org-sv-prisons");
    assert_eq!(cecot["basis"], serde_json::json!([]), "no Salvadoran authority is recorded");

    let text = env.run(&["timeline", "coh-aea-137"]).stdout;
    assert!(text.contains("2025-03-15 16:26 -05:00"), "Harlingen local time with its offset:\n{text}");
    assert!(text.contains("in custody of another state (removed) at CECOT"), "{text}");
    assert!(text.contains("Reuters timeline from court filings"), "source titles are shown:\n{text}");
    let es = env.run(&["--lang", "es", "timeline", "coh-aea-137"]).stdout;
    assert!(es.contains("bajo custodia de otro Estado (expulsado) en CECOT"), "{es}");
});

habeas_test!(as_of_a_date_shows_where_they_were_then, |env| {
    let env = env.with_example();
    // The end of 14 March in New York: before the (whole-day) departure of the 15th began.
    let run =
        env.run(&["--tz", "America/New_York", "timeline", "coh-ag-1", "--as-of", "2025-03-14", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let segments = run.json()["segments"].as_array().unwrap().clone();
    assert_eq!(segments.len(), 1);
    assert_eq!((segments[0]["place"].as_str(), segments[0]["until"].is_null()), (Some("pl-maryland"), true));
    // Read in El Salvador, the end of the 14th falls inside that day: the departure may have begun.
    let later =
        env.run(&["--tz", "America/El_Salvador", "timeline", "coh-ag-1", "--as-of", "2025-03-14", "--json"]);
    assert_eq!(later.json()["segments"].as_array().unwrap().len(), 2);
    assert_eq!(env.run(&["timeline", "nobody"]).code, 2);
    assert_eq!(env.run(&["timeline", "pl-cecot"]).code, 2, "a place has no custody timeline");
    assert_eq!(env.run(&["timeline", "coh-ag-1", "--as-of", "soon"]).code, 2);
});

habeas_test!(rebuild_reports_identical_views, |env| {
    let env = env.with_example();
    let run = env.run(&["rebuild", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["size"], EXAMPLE_SIZE);
    assert_eq!(out["changed"], serde_json::json!([]));
    assert_eq!(out["views"].as_object().unwrap().len(), 3);
    // A view changed behind the log's back comes out different, and rebuild repairs it.
    env.sql("DELETE FROM mentions WHERE (key, idx) IN (SELECT key, idx FROM mentions LIMIT 3)");
    let repaired = env.run(&["rebuild", "--json"]);
    assert_eq!(repaired.code, 1);
    assert_eq!(repaired.json()["changed"], serde_json::json!(["mentions"]));
    assert_eq!(env.run(&["rebuild"]).code, 0);
});
