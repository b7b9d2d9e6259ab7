//! `habeas locate`: a relative's spelling finds the person, with where they are now.

mod macros;

const PEOPLE: &str = r#"{"type":"source","id":"src-fam","kind":"testimony","title":"Family statement","visibility":"restricted"}
{"type":"person","id":"p-wr","names":[{"full":"Wilmer Antonio Rojas Pérez","given":"Wilmer Antonio","family":["Rojas","Pérez"]}],"born":"1998-07-02","nationality":["VE"],"identifiers":[{"scheme":"a_number","value":"A012-345-678"}],"sources":["src-fam"]}
{"type":"cohort","id":"coh-fam","description":"known members of the 137","count":1,"members":["p-wr"],"part_of":["coh-aea-137"],"sources":["src-fam"]}
{"type":"person","id":"p-jr","name":"Jesús Rodríguez Vásquez","nationality":["VE"],"born":"1990","sources":["src-fam"]}
{"type":"person","id":"p-jr2","name":"Jesús Rodríguez Vásquez","nationality":["SV"],"born":"1971","sources":["src-fam"]}
"#;

habeas_test!(a_misspelled_name_finds_the_person_and_their_status, |env| {
    let env = env.with_example();
    env.write("people.jsonl", PEOPLE);
    assert_eq!(env.run(&["import", "people.jsonl"]).code, 0);

    let run = env.run(&["locate", "WILMER ROJAS", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let first = &run.json()["candidates"][0];
    assert_eq!(first["id"], "p-wr");
    assert_eq!(first["name"], "Wilmer Antonio Rojas Pérez");
    // He was one of the 137: their timeline is his, to the hand-over in Venezuela.
    assert_eq!((first["status"].as_str(), first["removed"].as_bool()), (Some("in_custody"), Some(true)));
    assert_eq!(first["place"], "pl-maiquetia");

    // Where was he known to be on 20 March, as the ledger stood then? At CECOT.
    let then = env.run(&["locate", "wilmer rojas", "--as-of", "2025-03-20", "--json"]).json();
    assert_eq!(then["candidates"][0]["place"], "pl-cecot");

    let id = env.run(&["locate", "12345678", "--json"]).json();
    assert_eq!(
        (id["candidates"][0]["id"].as_str(), id["candidates"][0]["score"].as_f64()),
        (Some("p-wr"), Some(1.0))
    );

    let nickname = env.run(&["locate", "Chucho Rodrigues", "--json"]).json();
    let ids: Vec<&str> =
        nickname["candidates"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["p-jr", "p-jr2"]);
    let filtered = env.run(&["locate", "Chucho Rodrigues", "--nationality", "sv", "--json"]).json();
    assert_eq!(filtered["candidates"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["candidates"][0]["id"], "p-jr2");
    let born = env.run(&["locate", "Jesus Rodriguez", "--born", "1990", "--json"]).json();
    assert_eq!(born["candidates"].as_array().unwrap().len(), 1);
    // A birth date that is not one is refused, not taken as "no one was born then".
    let typo = env.run(&["--lang", "es", "locate", "Jesus Rodriguez", "--born", "19x0"]);
    assert_eq!(typo.code, 2);
    assert!(typo.stderr.contains("--born 19x0: se esperaba un año, un mes o un día"), "{}", typo.stderr);

    let none = env.run(&["--lang", "es", "locate", "Zoraida Quispe"]);
    assert_eq!(none.code, 0, "no match is not an error");
    assert!(none.stdout.contains("No encontramos a nadie"), "{}", none.stdout);

    // Erased: no longer found by name.
    assert_eq!(env.run(&["erase", "p-wr", "--reason", "family asked"]).code, 0);
    let gone = env.run(&["locate", "wilmer rojas", "--json"]).json();
    assert!(gone["candidates"].as_array().unwrap().iter().all(|c| c["id"] != "p-wr"), "{gone}");
});
