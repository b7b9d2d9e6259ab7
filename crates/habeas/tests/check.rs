//! `habeas check` on the example case, as a lawyer runs it: the findings the case calls for, the
//! departures that preceded the order shown as cleared, text in both languages with local times
//! and sources, and the flags refusing what they cannot use.

mod macros;

habeas_test!(the_cecot_case_shows_its_conflicts_with_every_reading, |env| {
    let env = env.with_example();
    let run = env.run(&["check", "--as-of", "2025-12-31T00:00:00Z", "--explain", "--json"]);
    assert_eq!(run.code, 0, "findings are not a failure: {}", run.stderr);
    let out = run.json();
    assert_eq!(out["as_of"], "2025-12-31T00:00:00Z");
    let findings = out["findings"].as_array().unwrap();
    let find = |rule: &str, subject: &str, act: &str| {
        findings
            .iter()
            .find(|f| {
                f["rule"] == rule && f["subjects"][0] == subject && f["act"] == act && f.get("leg").is_none()
            })
            .cloned()
    };

    // Abrego Garcia, sent to the country a 2019 order protected him from.
    let ag = find("protected-country", "coh-ag-1", "cus-ag-removal").expect("protected-country");
    assert_eq!(ag["outcome"], "violation");
    assert_eq!(ag["about"], "ord-ag-withholding-2019");

    // The 137 handed to Salvadoran custody: inside the spoken order, and the written one read broadly.
    let hand = find("order-conflict", "coh-aea-137", "cus-aea137-handover").expect("hand-over");
    assert_eq!(hand["outcome"], "possible_violation");
    assert_eq!(hand["count"], 137);
    assert_eq!(hand["readings"].as_array().unwrap().len(), 6, "{hand}");
    assert!(
        hand["readings"].as_array().unwrap().iter().any(|r| r["effective"] == "oral"
            && r["act"] == "transfer_custody_foreign"
            && r["holds"] == true)
    );
    assert!(hand["id"].as_str().unwrap().starts_with("f-"));
    assert!(hand["records"].as_array().unwrap().contains(&"ord-jgg-tro2".into()));

    // Flight 3 left after both forms of the order, with no basis recorded for the 101: possible.
    let flight3 = find("order-conflict", "coh-t8-101", "cus-t8-flt3").expect("flight 3");
    assert_eq!(flight3["outcome"], "possible_violation");
    assert!(flight3["readings"][0]["membership"] == "unknown", "{flight3}");

    // Flights 1 and 2 left Texas before the order: checked and cleared, not silently skipped.
    let cleared = out["cleared"].as_array().unwrap();
    for act in ["cus-aea137-flt1", "cus-aea137-flt2"] {
        let c =
            cleared.iter().find(|c| c["act"] == act).unwrap_or_else(|| panic!("{act} cleared: {cleared:?}"));
        assert!(c["reason"].as_str().unwrap().contains("before the order took effect"), "{c}");
    }
    // But they could have turned back: the order came mid-operation.
    assert!(
        find("mid-operation-order", "coh-aea-137", "cus-aea137-flt1")
            .is_some_and(|f| f["outcome"] == "warning")
    );
    // The return deadline of 7 April was stayed that afternoon: not due.
    assert!(
        findings.iter().any(|f| f["rule"] == "remedy-deadline"
            && f["about"] == "ord-ag-return"
            && f["outcome"] == "info")
    );
    // Four months at CECOT with no visits.
    let cut_off = findings
        .iter()
        .find(|f| {
            f["rule"] == "incommunicado" && f["subjects"][0] == "coh-aea-137" && f["about"] == "pl-cecot"
        })
        .expect("incommunicado at CECOT");
    assert!(cut_off["details"]["escalated"] == true && cut_off["parameters"]["days"] == 3.0, "{cut_off}");
    // Most serious first.
    let order = ["violation", "possible_violation", "warning", "data_gap", "info"];
    let ranks: Vec<usize> =
        findings.iter().map(|f| order.iter().position(|o| *o == f["outcome"]).unwrap()).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");

    // One rule only, and --fail-on turning findings into exit 1.
    let only = env
        .run(&["check", "--as-of", "2025-12-31T00:00:00Z", "--rule", "protected-country", "--json"])
        .json();
    assert!(only["findings"].as_array().unwrap().iter().all(|f| f["rule"] == "protected-country"));
    assert_eq!(env.run(&["check", "--as-of", "2025-12-31T00:00:00Z", "--fail-on", "violation"]).code, 1);
    let before = env.run(&[
        "check",
        "--as-of",
        "2025-03-01T00:00:00Z",
        "--rule",
        "order-conflict",
        "--fail-on",
        "violation",
    ]);
    assert_eq!(before.code, 0, "nothing had happened yet on 1 March: {}", before.stdout);
    // The same with --json, whose findings are held as their text (`check_json`).
    let as_json = ["check", "--as-of", "2025-12-31T00:00:00Z", "--fail-on", "violation", "--json"];
    assert_eq!(env.run(&as_json).code, 1);
    let before_json = ["check", "--as-of", "2025-03-01T00:00:00Z", "--rule", "order-conflict"];
    assert_eq!(env.run(&[&before_json[..], &["--fail-on", "violation", "--json"]].concat()).code, 0);
});

habeas_test!(text_is_grouped_by_subject_in_local_time_with_sources, |env| {
    let env = env.with_example();
    let text = env.run(&["check", "--as-of", "2025-12-31T00:00:00Z", "--rule", "order-conflict"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("coh-aea-137\n"), "{}", text.stdout);
    assert!(text.stdout.contains("POSSIBLE VIOLATION [order-conflict]"), "{}", text.stdout);
    // The hand-over window in El Salvador's zone, with its offset.
    assert!(text.stdout.contains("-06:00"), "{}", text.stdout);
    assert!(text.stdout.contains("sources: "), "{}", text.stdout);
    let es =
        env.run(&["--lang", "es", "check", "--as-of", "2025-12-31T00:00:00Z", "--rule", "protected-country"]);
    assert!(es.stdout.contains("VIOLACIÓN [protected-country]"), "{}", es.stdout);
    assert!(es.stdout.contains("expulsado a SV"), "{}", es.stdout);
});

habeas_test!(flags_refuse_what_they_cannot_use, |env| {
    let env = env.with_example();
    let bad_rule = env.run(&["check", "--rule", "order-conflicts"]);
    assert_eq!(bad_rule.code, 2);
    assert!(bad_rule.stderr.contains("order-conflict"), "lists the rules: {}", bad_rule.stderr);
    assert_eq!(env.run(&["check", "--fail-on", "serious"]).code, 2);
    env.write("policy.toml", "[incommunicado]\ndays = \"three\"\n");
    let bad_policy = env.run(&["check", "--policy", "policy.toml"]);
    assert_eq!(bad_policy.code, 2);
    assert!(bad_policy.stderr.contains("policy.toml"), "{}", bad_policy.stderr);
    env.write("policy.toml", "[incommunicado]\ndays = 365\n");
    let patient = env
        .run(&[
            "check",
            "--policy",
            "policy.toml",
            "--as-of",
            "2025-12-31T00:00:00Z",
            "--rule",
            "incommunicado",
            "--json",
        ])
        .json();
    // Only the place with no visits is left under a 365-day policy.
    assert!(patient["findings"].as_array().unwrap().iter().all(|f| f["about"] == "pl-cecot"), "{patient}");
});

habeas_test!(the_expected_findings_file_is_met_exactly, |env| {
    let env = env.with_example();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/cecot-2025.expected.json");
    let expected: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let as_of = expected["as_of"].as_str().unwrap();
    let out = env.run(&["check", "--as-of", as_of, "--explain", "--json"]).json();
    let findings = out["findings"].as_array().unwrap();
    let same = |e: &serde_json::Value, f: &serde_json::Value| {
        f["rule"] == e["rule"]
            && (e["subject"].is_null() || f["subjects"][0] == e["subject"])
            && f["about"] == e["about"]
            && f["act"] == e["act"]
            && f.get("leg") == e.get("leg")
            && (e["details"].get("field").is_none() || f["details"]["field"] == e["details"]["field"])
    };
    for e in expected["findings"].as_array().unwrap() {
        let f = findings.iter().find(|f| same(e, f)).unwrap_or_else(|| panic!("expected {e}"));
        assert_eq!(f["outcome"], e["outcome"], "{} {}", e["ref"], e["why"]);
        if let Some(readings) = e.get("readings") {
            assert_eq!(&f["readings"], readings, "{} {}", e["ref"], e["why"]);
        }
        for (key, value) in e.get("details").and_then(|d| d.as_object()).into_iter().flatten() {
            assert_eq!(&f["details"][key], value, "{} {}: details.{key}", e["ref"], e["why"]);
        }
    }
    let cleared = out["cleared"].as_array().unwrap();
    for e in expected["cleared"].as_array().unwrap() {
        assert!(
            cleared
                .iter()
                .any(|c| c["rule"] == e["rule"] && c["subjects"][0] == e["subject"] && c["act"] == e["act"]),
            "expected cleared: {e}"
        );
    }
    // No violation that the file does not list.
    for f in findings.iter().filter(|f| f["outcome"] == "violation") {
        assert!(
            expected["findings"].as_array().unwrap().iter().any(|e| same(e, f)),
            "a violation the expected file does not call for: {f}"
        );
    }
});

/// The example's coverage table against the reference it covers: every fact of
/// `../shared/reference/case-cecot-2025.json` (its events aside, which are the times of the facts)
/// has a row, no row is left "not yet", and every record id a row names is in the example.
#[test]
fn the_coverage_table_names_every_reference_fact_and_only_records_the_example_holds() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let reference = format!("{root}/../shared/reference/case-cecot-2025.json");
    let reference: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&reference)
            .unwrap_or_else(|e| panic!("{reference}: {e} (../shared sits beside the project, in CI too)")),
    )
    .unwrap();
    let table = std::fs::read_to_string(format!("{root}/examples/cecot-2025.md")).unwrap();
    let example = std::fs::read_to_string(format!("{root}/examples/cecot-2025.jsonl")).unwrap();

    // A reference id counts as named when it stands alone (not inside a longer id).
    let is_id_char = |c: char| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-';
    let names = |id: &str| {
        table.match_indices(id).any(|(at, _)| {
            !table[..at].ends_with(is_id_char) && !table[at + id.len()..].starts_with(is_id_char)
        })
    };
    let sections = [
        "authorities",
        "facilities",
        "legal_instruments",
        "cases",
        "cohorts",
        "orders",
        "flights",
        "custody_periods",
        "petitions",
        "notices",
        "payments",
        "exchanges",
        "statistics",
    ];
    let mut facts = 0;
    for section in sections {
        for fact in reference[section].as_array().unwrap_or_else(|| panic!("reference has no {section}")) {
            let id = fact["id"].as_str().unwrap();
            facts += 1;
            assert!(names(id), "{section} {id} has no row in examples/cecot-2025.md");
        }
    }
    assert!(facts > 80, "only {facts} facts read from the reference");
    assert!(!table.contains("not yet"), "a row of examples/cecot-2025.md is still 'not yet'");

    let held: std::collections::BTreeSet<String> = example
        .lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().map(str::to_string)
        })
        .collect();
    let prefixes =
        ["org-", "pl-", "ins-", "coh-", "case-", "pet-", "ord-", "flt-", "cus-", "agr-", "al-", "src-"];
    let named: Vec<&str> =
        table.split('`').skip(1).step_by(2).filter(|t| prefixes.iter().any(|p| t.starts_with(p))).collect();
    assert!(named.len() > 80, "only {} record ids named in the table", named.len());
    for id in named {
        assert!(held.contains(id), "examples/cecot-2025.md names `{id}`, which the example does not hold");
    }
}

habeas_test!(every_finding_has_its_own_id, |env| {
    let env = env.with_example();
    let out = env.run(&["check", "--as-of", "2025-12-31T00:00:00Z", "--json"]).json();
    let ids: Vec<&str> =
        out["findings"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "two findings share an id");
});

habeas_test!(leaves_that_are_not_records_stop_the_check_with_an_index, |env| {
    // The log is read in two halves on two threads: a bad leaf in either stops the check with the
    // leaf named, and bad leaves in both do not leave one thread waiting for the other.
    let mut text = String::from(
        r#"{"type":"source","id":"s","kind":"court_record","title":"Docket"}
{"type":"place","id":"camp","name":"Camp","kind":"facility","country":"US","tz":"America/Chicago"}
"#,
    );
    for i in 0..8000 {
        text.push_str(&format!(r#"{{"type":"person","id":"p-{i}","name":"Persona {i}","sources":["s"]}}"#));
        text.push('\n');
    }
    let input = env.write("many.jsonl", &text);
    assert_eq!(env.run(&["init"]).code, 0);
    assert_eq!(env.run(&["import", input.to_str().unwrap()]).code, 0);
    let named = |stderr: &str| -> Option<i64> {
        stderr.split("leaf ").nth(1).and_then(|rest| rest.split(' ').next()).and_then(|n| n.parse().ok())
    };
    // One bad leaf near the end of the log: in the half the second connection reads.
    let last = env.query_i64("SELECT max(idx) FROM leaves");
    env.sql(&format!("UPDATE leaves SET body = CAST('not json' AS BLOB) WHERE idx = {}", last - 1));
    let run = env.run(&["check", "--as-of", "2025-12-31T00:00:00Z"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert_eq!(named(&run.stderr), Some(last - 1), "the bad leaf named: {}", run.stderr);
    assert!(run.stderr.contains("is not a record") && run.stderr.contains("habeas verify"), "{}", run.stderr);
    // Bad leaves all along the log, in both halves.
    env.sql("UPDATE leaves SET body = CAST('not json' AS BLOB) WHERE idx % 100 = 3");
    let run = env.run(&["check", "--as-of", "2025-12-31T00:00:00Z"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(named(&run.stderr).is_some_and(|idx| idx % 100 == 3), "a bad leaf named: {}", run.stderr);
});
