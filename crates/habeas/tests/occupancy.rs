//! `habeas occupancy` on the example case, as a user runs it: by id or by a name, JSON and text in
//! both languages, ambiguous names listed, bad flags refused.

mod macros;

habeas_test!(cecot_held_the_transferred_cohorts_until_the_exchange, |env| {
    let env = env.with_example();
    let run = env.run(&["occupancy", "pl-cecot", "--to", "2025-07-20", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(
        (out["place"].as_str(), out["zone"].as_str()),
        (Some("pl-cecot"), Some("America/El_Salvador"))
    );
    assert_eq!(out["capacity"][0]["count"], 40000);
    let series = out["series"].as_array().unwrap();
    let on = |day: &str| series.iter().find(|d| d["day"] == day && d["kind"] == "timelines").unwrap().clone();
    // The flights landed within a window that straddles local midnight of the 15th.
    assert_eq!(
        (on("2025-03-15")["count"].as_u64(), on("2025-03-15")["possible"].as_u64()),
        (Some(0), Some(261))
    );
    // The 238 Venezuelans and 23 Salvadorans, each cohort once (the 137 and 101 are inside the 238).
    assert_eq!(on("2025-03-16")["count"], 261);
    assert_eq!(on("2025-03-16")["capacity"], 40000);
    // 17 more from Guantánamo on the evening of 30 March, 10 more on 12 April.
    assert_eq!(on("2025-03-29")["count"], 261);
    assert_eq!(on("2025-03-30")["count"], 278);
    assert_eq!(on("2025-04-12")["count"], 288);
    // 18 July: the 252 Venezuelans exchanged; the Salvadorans stay, and so do the 27 of the later
    // transfers, for whom no release is recorded.
    assert_eq!(on("2025-07-17")["count"], 288);
    assert_eq!(on("2025-07-18")["count"], 50);
    assert_eq!(series.last().unwrap()["day"], "2025-07-20");
    let subjects = out["subjects"].as_array().unwrap();
    assert!(
        subjects.contains(&"coh-ve-238".into()) && !subjects.contains(&"coh-aea-137".into()),
        "{subjects:?}"
    );
});

habeas_test!(a_place_is_found_by_the_names_people_use, |env| {
    let env = env.with_example();
    let run = env.run(&["occupancy", "Centro de Confinamiento del Terrorismo", "--to", "2025-03-31"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("→ pl-cecot (CECOT)"), "says which place it took: {}", run.stderr);
    assert!(
        run.stdout.contains("2025-03-16 – 2025-03-29         261")
            && run.stdout.contains("2025-03-30 – 2025-03-31         278"),
        "a run of equal days is one line:\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("capacity 40,000 since 2023-01-31"), "{}", run.stdout);
    let es = env.run(&["--lang", "es", "occupancy", "cecot", "--from", "2025-07-01", "--to", "2025-07-31"]);
    assert!(es.stdout.contains("Detenidos allí, según las cronologías"), "{}", es.stdout);
    assert!(es.stdout.contains("2025-07-18 – 2025-07-31"), "{}", es.stdout);

    // "airport" could be three places: they are listed with their ids, and nothing is guessed.
    let vague = env.run(&["occupancy", "airport"]);
    assert_eq!(vague.code, 2);
    assert!(vague.stderr.contains("pl-hrl") && vague.stderr.contains("pl-sv-airport"), "{}", vague.stderr);
    assert!(vague.stdout.is_empty());
    assert_eq!(env.run(&["occupancy", "Krome"]).code, 2);
    assert_eq!(env.run(&["occupancy", "pl-cecot", "--from", "yesterday-ish"]).code, 2);
    let reversed = env.run(&["occupancy", "pl-cecot", "--from", "2025-04-01", "--to", "2025-03-01"]);
    assert_eq!(reversed.code, 2);
    assert!(reversed.stderr.contains("--from 2025-04-01 comes after --to 2025-03-01"), "{}", reversed.stderr);
});

habeas_test!(a_series_ends_today_however_far_it_is_asked_to_go, |env| {
    let env = env.with_example();
    let run = env.run(&["occupancy", "pl-cecot", "--to", "9999-12-31", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let series = run.json()["series"].as_array().unwrap().clone();
    let last = series.last().unwrap()["day"].as_str().unwrap().to_string();
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::get("America/El_Salvador").unwrap())
        .date();
    assert!(last.as_str() <= today.to_string().as_str() && last.as_str() >= "2025-12-01", "{last}");
});

habeas_test!(as_of_and_known_at_read_the_series_then, |env| {
    let env = env.with_example();
    let run = env.run(&["occupancy", "pl-cecot", "--as-of", "2025-04-01T00:00:00Z", "--json"]);
    let series = run.json()["series"].as_array().unwrap().clone();
    assert_eq!(series.last().unwrap()["day"], "2025-03-31", "the series ends at the moment asked");
    // Before the example was imported, the ledger knew of no one at CECOT.
    let before = env.run(&["occupancy", "pl-cecot", "--known-at", "2000-01-01T00:00:00Z"]);
    assert_eq!(before.code, 2, "the place itself was not yet recorded: {}", before.stderr);
});
