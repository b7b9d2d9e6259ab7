//! The record format from the outside: for every record type a valid record and invalid ones,
//! each naming the field at fault; each time form; the canonical form and derived ids.

use habeas_model::{Lang, Localized, Problem, RecordType, Warning, parse_line};

/// A valid record of every importable type, as a user would write it.
const VALID: &[&str] = &[
    r#"{"type":"source","id":"src-1","kind":"news","title":"Flights left after the order","url":"https://example.org/a","published":"2025-03-16","language":"en"}"#,
    r#"{"type":"person","id":"p-1","name":"José Pérez","born":"1990-05","nationality":["VE"],"identifiers":[{"scheme":"a_number","value":"A123-456-789"}],"sources":["src-1"]}"#,
    r#"{"type":"person","id":"p-2","label":"unnamed person, FOIA row 12","sources":["src-1"]}"#,
    r#"{"type":"cohort","id":"coh-1","description":"Venezuelans removed under the AEA","count":137,"nationality":["VE"],"basis":"ins-aea","part_of":["coh-2"],"sources":["src-1"]}"#,
    r#"{"type":"relation","id":"rel-1","person":"p-1","relative":"p-2","kind":"parent","sources":["src-1"]}"#,
    r#"{"type":"org","id":"org-ice","name":"U.S. Immigration and Customs Enforcement","kind":"agency","country":"US","parent":"org-dhs"}"#,
    r#"{"type":"place","id":"pl-cecot","name":"CECOT","kind":"facility","country":"SV","tz":"America/El_Salvador","capacity":40000,"visits":"denied","risks":[{"kind":"torture","sources":["src-1"]}]}"#,
    r#"{"type":"place","id":"pl-x","name":"X","kind":"facility","country":"US","tz":"America/Chicago","capacity":[{"count":100,"from":"2020"},{"count":150,"from":"2023-01-01"}]}"#,
    r#"{"type":"instrument","id":"ins-aea","kind":"proclamation","title":"Proclamation 10903","country":"US","issued":"2025-03-14","applies_to":{"nationality":["VE"],"min_age":14,"excludes":["citizen","permanent_resident"]},"sources":["src-1"]}"#,
    r#"{"type":"case","id":"case-jgg","court":"org-ddc","docket":"1:25-cv-00766","filed":"2025-03-15T01:12-04:00","sources":["src-1"]}"#,
    r#"{"type":"order","id":"ord-1","court":"org-ddc","kind":"tro","issued":"2025-03-15T18:46-04:00","scope":{"class":{"basis":"ins-aea","in_country":"US"}},"prohibits":["remove"],"oral":{"at":{"earliest":"2025-03-15T18:45-04:00","latest":"2025-03-15T18:48-04:00"},"prohibits":["remove","continue_in_flight"]},"written":"2025-03-15T19:26-04:00","requires":[{"act":"return","by":"2025-04-07T23:59-04:00"}],"sources":["src-1"]}"#,
    r#"{"type":"petition","id":"pet-1","kind":"habeas","court":"org-csj","filed":"2025-03-24T11:44-06:00","petitioner_names":"Bufete Grupo Ortega","beneficiaries":{"cohorts":["coh-1"],"represented":30,"count":238},"relief":["release"],"sources":["src-1"]}"#,
    r#"{"type":"flight","id":"flt-1","carrier":"org-globalx","tail":"N278GX","legs":[{"from":"pl-hrl","to":"pl-pal","departed":"2025-03-15T17:26-04:00","arrived":"2025-03-15T19:37-04:00"},{"from":"pl-pal","to":"pl-sal","departed":{"earliest":"2025-03-15T23:30-04:00","latest":"2025-03-16T01:00-04:00"}}],"sources":["src-1"]}"#,
    r#"{"type":"agreement","id":"agr-1","kind":"detention","parties":["org-us","org-sv"],"paid_by":"org-us","amount":"6000000.00","currency":"USD","persons":300,"sources":["src-1"]}"#,
    r#"{"type":"custody","subject":"coh-1","event":"departed","flight":"flt-1","place":"pl-hrl","basis":["ins-aea"],"count":137,"sources":["src-1"]}"#,
    r#"{"type":"custody","subject":"p-1","event":"apprehended","at":"2025-03-12","place":"pl-hrl","basis":"ins-aea","charges":[{"description":"none recorded"}],"sources":["src-1"]}"#,
    r#"{"type":"contact","subject":"coh-1","kind":"family","at":"2025-04","outcome":"denied","sources":["src-1"]}"#,
    r#"{"type":"notice","subjects":["p-1"],"served":"2025-04-17","language":"en","content":["right_to_contest"],"sources":["src-1"]}"#,
    r#"{"type":"acknowledgment","subject":"coh-1","by":"org-sv","at":"2025-03-16","status":"no_information","sources":["src-1"]}"#,
    r#"{"type":"allegation","id":"al-1","subject":"p-1","claim":"membership","by":"org-dhs","group":"org-tda","evidence":[{"kind":"tattoo","detail":"crown"}],"sources":["src-1"]}"#,
    r#"{"type":"rebuttal","allegation":"al-1","by":"org-family","evidence":[{"kind":"testimony","detail":"tattoo honours autism awareness"}],"sources":["src-1"]}"#,
    r#"{"type":"assessment","subject":"p-1","kind":"risk","at":"2025-03-14","outcome":"not_done","sources":["src-1"]}"#,
    r#"{"type":"condition","subject":"coh-1","kind":"other","from":"2025-03-16","until":"2025-07-18","place":"pl-cecot","sources":["src-1"]}"#,
    r#"{"type":"court_finding","subject":"coh-1","court":"org-ddc","at":"2025-12-22","fact":"no_notice","terms":"virtually no notice","sources":["src-1"]}"#,
    r#"{"type":"ruling","order":"ord-1","at":"2025-04-07","effect":"vacated","court":"org-scotus","sources":["src-1"]}"#,
    r#"{"type":"decision","petition":"pet-1","at":"2025-05-01","outcome":"denied","sources":["src-1"]}"#,
    r#"{"type":"compliance","order":"ord-1","act":"report","at":"2025-03-18","sources":["src-1"]}"#,
    r#"{"type":"population","place":"pl-cecot","at":"2025-03-16","count":14532,"kind":"peak","sources":["src-1"],"confidence":"low"}"#,
    r#"{"type":"payment","payer":"org-us","payee":"org-sv","amount":"6000000.00","currency":"USD","at":"2025-03-15","agreement":"agr-1","sources":["src-1"]}"#,
    r#"{"type":"same_as","ids":["p-1","p-9"],"reason":"same A-number","sources":["src-1"]}"#,
    r#"{"type":"distinct","ids":["p-1","p-8"],"reason":"different birth dates","sources":["src-1"]}"#,
    r#"{"type":"retraction","target":"p-2","reason":"entered twice"}"#,
];

#[test]
fn every_type_has_a_valid_example_that_parses() {
    let mut seen = std::collections::BTreeSet::new();
    for line in VALID {
        let parsed = parse_line(line).unwrap_or_else(|e| panic!("{line}\n{e}"));
        seen.insert(parsed.record.record_type());
        assert!(
            !parsed.warnings.iter().any(|w| w.warning == Warning::UnknownField),
            "{line}: {:?}",
            parsed.warnings
        );
    }
    let importable: Vec<RecordType> = RecordType::ALL.iter().copied().filter(|t| !t.is_internal()).collect();
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), importable);
}

/// (line, field the error must name, a fragment of its English message)
const INVALID: &[(&str, &str, &str)] = &[
    (r#"{"type":"source","id":"s","kind":"blog","title":"t"}"#, "kind", "one of court_record"),
    (r#"{"type":"source","id":"s","kind":"news"}"#, "title", "missing"),
    (r#"{"type":"source","id":"s","kind":"news","title":"t","url":"example.org"}"#, "url", "http"),
    (r#"{"type":"person","id":"p","names":[{"given":"José"}]}"#, "names[0].full", "missing"),
    (r#"{"type":"person","id":"p","name":"José","names":[{"full":"José"}]}"#, "name", "not both"),
    (r#"{"type":"person","id":"p","sex":"male"}"#, "", "names, name, label"),
    (r#"{"type":"person","id":"p","name":"José","born":"1990-05-01T00:00Z"}"#, "born", "calendar date"),
    (r#"{"type":"person","id":"p","name":"José","nationality":["ven"]}"#, "nationality[0]", "country code"),
    (r#"{"type":"person","name":"José"}"#, "id", "needs an id"),
    (r#"{"type":"cohort","id":"c","description":"d","count":-3}"#, "count", "whole number"),
    (r#"{"type":"relation","id":"r","person":"p","relative":"q"}"#, "kind", "missing"),
    (r#"{"type":"org","id":"o","name":"n","kind":"agency","parent":"has space"}"#, "parent", "record id"),
    (r#"{"type":"place","id":"pl","name":"n","kind":"facility","country":"SV"}"#, "tz", "missing"),
    (
        r#"{"type":"place","id":"pl","name":"n","kind":"facility","country":"SV","tz":"Central Time"}"#,
        "tz",
        "IANA",
    ),
    (
        r#"{"type":"place","id":"pl","name":"n","kind":"facility","country":"SV","tz":"UTC","capacity":"40,000"}"#,
        "capacity",
        "whole number",
    ),
    (r#"{"type":"instrument","id":"i","kind":"law","title":"t"}"#, "kind", "one of statute"),
    (r#"{"type":"case","id":"c","court":"o"}"#, "docket", "missing"),
    (
        r#"{"type":"order","id":"o","court":"c","kind":"tro","issued":"2025-03-15T18:46-04:00"}"#,
        "scope",
        "missing",
    ),
    (
        r#"{"type":"order","id":"o","court":"c","kind":"tro","issued":"2025-03-15T18:46","scope":{}}"#,
        "issued",
        "without an offset",
    ),
    (
        r#"{"type":"order","id":"o","court":"c","kind":"tro","issued":"2025-03-15","scope":{},"oral":{"at":"2025-03-15T18:46-04:00","prohibits":["deport"]}}"#,
        "oral.prohibits[0]",
        "one of depart_territory",
    ),
    (r#"{"type":"petition","id":"p","kind":"habeas","court":"c"}"#, "filed", "missing"),
    (r#"{"type":"flight","id":"f","legs":[]}"#, "legs", "non-empty list"),
    (r#"{"type":"flight","id":"f","legs":[{"from":"a"}]}"#, "legs[0].to", "missing"),
    (
        r#"{"type":"agreement","id":"a","kind":"detention","parties":["x"],"amount":6000000.5}"#,
        "amount",
        "numbers must be whole",
    ),
    (
        r#"{"type":"agreement","id":"a","kind":"detention","parties":["x"],"amount":6000000}"#,
        "amount",
        "decimal written as a string",
    ),
    (
        r#"{"type":"custody","subject":"p","event":"deported","at":"2025-03-15T17:26Z"}"#,
        "event",
        "one of apprehended",
    ),
    (r#"{"type":"custody","subject":"p","event":"departed"}"#, "at", "missing"),
    (r#"{"type":"custody","event":"departed","at":"2025-03-15T17:26Z"}"#, "", "subject, subjects"),
    (
        r#"{"type":"custody","subject":"p","subjects":["q"],"event":"departed","at":"2025-03-15T17:26Z"}"#,
        "subjects",
        "not both",
    ),
    (
        r#"{"type":"custody","subject":"p","event":"departed","at":"2025-03-15T17:26Z","place":null}"#,
        "place",
        "null",
    ),
    (r#"{"type":"contact","subject":"p","kind":"family","at":"2025-04"}"#, "outcome", "missing"),
    (r#"{"type":"notice","subject":"p","served":"yesterday"}"#, "served", "not a time"),
    (
        r#"{"type":"acknowledgment","subject":"p","by":"o","at":"2025-03-16","status":"silent"}"#,
        "status",
        "one of acknowledged",
    ),
    (
        r#"{"type":"allegation","subject":"p","claim":"membership","by":"o","evidence":[{"detail":"x"}]}"#,
        "evidence[0].kind",
        "missing",
    ),
    (r#"{"type":"rebuttal","allegation":"a","by":"o"}"#, "evidence", "missing"),
    (
        r#"{"type":"assessment","subject":"p","kind":"risk","at":"2025-03-14","outcome":"fine"}"#,
        "outcome",
        "one of no_risk_found",
    ),
    (r#"{"type":"condition","subject":"p","kind":"solitary"}"#, "from", "missing"),
    (
        r#"{"type":"court_finding","subject":"p","court":"c","at":"2025-12-22","fact":"guilty"}"#,
        "fact",
        "one of no_notice",
    ),
    (r#"{"type":"ruling","order":"o","at":"2025-04-07","effect":"reversed"}"#, "effect", "one of extended"),
    (r#"{"type":"decision","petition":"p","at":"2025-05-01"}"#, "outcome", "missing"),
    (r#"{"type":"compliance","order":"o","act":"apologise","at":"2025-03-18"}"#, "act", "one of return"),
    (r#"{"type":"population","place":"pl","at":"2025-03-16","count":"many"}"#, "count", "whole number"),
    (
        r#"{"type":"payment","payer":"a","payee":"b","amount":"6M","currency":"USD","at":"2025-03-15"}"#,
        "amount",
        "decimal",
    ),
    (r#"{"type":"same_as","ids":["p","p"]}"#, "ids", "at least 2"),
    (r#"{"type":"distinct","ids":["p"]}"#, "ids", "at least 2"),
    (r#"{"type":"retraction","target":"p"}"#, "reason", "missing"),
    (
        r#"{"type":"import","at":"2025-03-15T00:00Z","by":"x","files":[],"records":0}"#,
        "type",
        "written by the ledger",
    ),
    (
        r#"{"type":"erasure","target":"p","at":"2025-03-15T00:00Z","by":"x","reason":"r","fields":["names"]}"#,
        "type",
        "written by the ledger",
    ),
    (r#"{"type":"detention"}"#, "type", "unknown record type"),
    (r#"{"id":"x"}"#, "type", "missing"),
    (r#"["type","source"]"#, "", "JSON object"),
    (r#"{"type":"source","id":"s","kind":"news","title":"t""#, "", "not valid JSON"),
    (r#"{"type":"source","id":"-s","kind":"news","title":"t"}"#, "id", "invalid id"),
    (r#"{"type":"source","id":"s","kind":"news","title":"t","format":2}"#, "format", "format 1"),
    (
        r#"{"type":"source","id":"s","kind":"news","title":"t","personal":["id"]}"#,
        "personal",
        "cannot be personal",
    ),
];

#[test]
fn every_type_has_invalid_examples_naming_the_field() {
    for (line, field, fragment) in INVALID {
        let err = match parse_line(line) {
            Ok(parsed) => panic!("accepted: {line} as {:?}", parsed.record),
            Err(err) => err,
        };
        assert_eq!(&err.field, field, "{line}: {err}");
        let message = err.to_string();
        assert!(message.contains(fragment), "{line}: {message:?} lacks {fragment:?}");
        assert!(!err.message(Lang::Es).is_empty());
    }
}

#[test]
fn spanish_messages_name_the_same_field() {
    let err = parse_line(r#"{"type":"custody","subject":"p","event":"departed","at":"2025-03-15T17:26:00"}"#)
        .unwrap_err();
    let es = err.message(Lang::Es);
    assert!(es.starts_with("at: "), "{es}");
    assert!(es.contains("sin desfase horario"), "{es}");
}

#[test]
fn each_time_form_is_accepted() {
    for at in [
        r#""2025-03-15T17:26:00-05:00""#,
        r#""2025-03-15T22:26Z""#,
        r#""2025-03-15T17:26:00.250-05:00""#,
        r#""2025-03-15""#,
        r#""2025-03""#,
        r#""2025""#,
        r#"{"earliest":"2025-03-15T23:30-04:00","latest":"2025-03-16T01:00-04:00"}"#,
        r#"{"earliest":"2025-03-16","latest":"2025-03-17"}"#,
    ] {
        let line =
            format!(r#"{{"type":"contact","subject":"p","kind":"counsel","outcome":"denied","at":{at}}}"#);
        let parsed = parse_line(&line).unwrap_or_else(|e| panic!("{at}: {e}"));
        // Times are kept exactly as written in the canonical form.
        let canonical = String::from_utf8(parsed.canonical).unwrap();
        assert!(canonical.contains(&at.replace(' ', "")), "{canonical}");
    }
}

#[test]
fn canonical_form_sorts_normalises_and_expands_shorthands() {
    let a = parse_line("{\"name\":\"Jose\u{301} Pe\u{301}rez\",\"type\":\"person\",\"id\":\"p-1\"}").unwrap();
    let b = parse_line(r#"{"id": "p-1", "type": "person", "names": [{"full": "José Pérez"}]}"#).unwrap();
    assert_eq!(a.canonical, b.canonical);
    assert_eq!(
        String::from_utf8(a.canonical).unwrap(),
        r#"{"id":"p-1","names":[{"full":"José Pérez"}],"type":"person"}"#
    );
}

#[test]
fn strings_written_with_escapes_are_normalised_too() {
    // A line in ASCII whose escapes spell letters and combining accents: its strings are not
    // ASCII once read, and are normalised as any other.
    let escaped = parse_line(
        r#"{"id":"p-1","type":"person","name":"Jose\u0301 Pe\u0301rez","note\u0301":"Mari\u0301a"}"#,
    );
    let plain = parse_line(r#"{"id":"p-1","type":"person","name":"José Pérez","noté":"María"}"#);
    assert_eq!(escaped.unwrap().canonical, plain.unwrap().canonical);
}

#[test]
fn only_persons_have_the_name_shorthand() {
    let org = parse_line(r#"{"type":"org","id":"o","name":"ICE","kind":"agency"}"#).unwrap();
    assert_eq!(
        String::from_utf8(org.canonical).unwrap(),
        r#"{"id":"o","kind":"agency","name":"ICE","type":"org"}"#
    );
}

#[test]
fn derived_ids_depend_on_content_only() {
    let a = parse_line(r#"{"type":"retraction","target":"p-2","reason":"entered twice"}"#).unwrap();
    let b = parse_line(r#"{"reason":"entered twice","target":"p-2","type":"retraction"}"#).unwrap();
    let c = parse_line(r#"{"type":"retraction","target":"p-2","reason":"entered three times"}"#).unwrap();
    assert!(a.derived_id);
    assert_eq!(a.record.id(), b.record.id());
    assert_ne!(a.record.id(), c.record.id());
    assert!(String::from_utf8(a.canonical).unwrap().contains(&format!(r#""id":"{}""#, a.record.id())));
    let given = parse_line(r#"{"type":"retraction","id":"ret-1","target":"p-2","reason":"x"}"#).unwrap();
    assert!(!given.derived_id);
    assert_eq!(given.record.id(), "ret-1");
}

#[test]
fn references_are_collected_with_their_allowed_types() {
    let parsed = parse_line(VALID[12]).unwrap(); // the flight
    let targets: Vec<(&str, &str)> =
        parsed.references.iter().map(|r| (r.field.as_str(), r.target.as_str())).collect();
    assert_eq!(
        targets,
        vec![
            ("carrier", "org-globalx"),
            ("legs[0].from", "pl-hrl"),
            ("legs[0].to", "pl-pal"),
            ("legs[1].from", "pl-pal"),
            ("legs[1].to", "pl-sal"),
            ("sources[0]", "src-1"),
        ]
    );
    assert_eq!(parsed.references[1].types, &[RecordType::Place]);
}

#[test]
fn unknown_fields_are_kept_and_warned_about() {
    let parsed =
        parse_line(r#"{"type":"source","id":"s","kind":"news","title":"t","tilte":"typo"}"#).unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    assert_eq!(parsed.warnings[0].field, "tilte");
    assert!(String::from_utf8(parsed.canonical).unwrap().contains(r#""tilte":"typo""#));
    let nosrc = parse_line(r#"{"type":"population","place":"pl","at":"2025-03-16","count":3}"#).unwrap();
    assert_eq!(nosrc.warnings[0].warning, Warning::NoSources);
}

#[test]
fn personal_values_never_reach_the_leaf() {
    let parsed = parse_line(VALID[1]).unwrap();
    let leaf = parsed.record.leaf(&mut || [3; 32]);
    let text = String::from_utf8(leaf.bytes).unwrap();
    for secret in ["José", "Pérez", "1990-05", "A123"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    assert_eq!(leaf.kept.len(), 3);
    let rel = parse_line(VALID[4]).unwrap().record.leaf(&mut || [4; 32]);
    let rel_text = String::from_utf8(rel.bytes).unwrap();
    assert!(!rel_text.contains("p-1") && !rel_text.contains("parent"), "{rel_text}");
    let listed = parse_line(r#"{"type":"source","id":"s","kind":"testimony","title":"t","note":"told by her sister Ana","personal":["note"]}"#)
        .unwrap()
        .record
        .leaf(&mut || [5; 32]);
    assert!(!String::from_utf8(listed.bytes).unwrap().contains("Ana"));
}

#[test]
fn oversized_records_are_refused() {
    let note = "x".repeat(70_000);
    let err =
        parse_line(&format!(r#"{{"type":"source","id":"s","kind":"news","title":"t","note":"{note}"}}"#))
            .unwrap_err();
    assert!(matches!(err.problem, Problem::TooLarge { .. }), "{err}");
}
