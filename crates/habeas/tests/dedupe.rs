//! `habeas dedupe`: pairs of person records that may be one person, with the evidence, and the
//! decisions people record about them (`same_as`, `distinct`) respected on the next run.

mod macros;

/// One man written three ways by three sources, a namesake born twenty-five years earlier, and
/// two people who share only a common name.
const PEOPLE: &str = r#"{"type":"source","id":"src-ice","kind":"foia","title":"ICE detention list"}
{"type":"source","id":"src-news","kind":"news","title":"Newspaper list of the deported"}
{"type":"person","id":"p-1","names":[{"full":"José Gregorio Urdaneta Briceño","given":"José Gregorio","family":["Urdaneta","Briceño"]}],"born":"1994-02-11","nationality":["VE"],"identifiers":[{"scheme":"a_number","value":"A201-555-017"}],"sources":["src-ice"]}
{"type":"person","id":"p-2","name":"URDANETA BRICEÑO, Pepe","born":"1994-02-11","nationality":["VE"],"sources":["src-news"]}
{"type":"person","id":"p-3","name":"Jose G. Urdaneta","identifiers":[{"scheme":"a_number","value":"201555017"}],"sources":["src-news"]}
{"type":"person","id":"p-4","name":"José Gregorio Urdaneta Briceño","born":"1969-08-30","nationality":["VE"],"sources":["src-news"]}
{"type":"person","id":"p-5","name":"Luis García","nationality":["VE"],"sources":["src-news"]}
{"type":"person","id":"p-6","name":"Luis García","nationality":["VE"],"sources":["src-ice"]}
"#;

/// Three hundred other persons with common names, so that how rare a name is means something:
/// on a ledger of a handful of persons every name is rare, and two "Luis García" are worth a look.
fn crowd() -> String {
    let given = ["José", "María", "Luis", "Ana", "Carlos", "Rosa", "Jorge", "Elena"];
    let family = ["García", "Pérez", "López", "Rodríguez", "Martínez", "Gómez", "Díaz", "Ruiz"];
    (0..300)
        .map(|i| {
            format!(
                r#"{{"type":"person","id":"c-{i}","name":"{} {} {}","born":"19{}-0{}-1{}","sources":["src-ice"]}}"#,
                given[i % 8],
                family[(i / 8) % 8],
                family[(i / 64) % 8],
                50 + i % 40,
                1 + i % 9,
                i % 10
            ) + "\n"
        })
        .collect()
}

fn pair_ids(out: &serde_json::Value) -> Vec<(String, String)> {
    out["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (a, b) = (p["a"].as_str().unwrap().to_string(), p["b"].as_str().unwrap().to_string());
            if a < b { (a, b) } else { (b, a) }
        })
        .collect()
}

fn has(pairs: &[(String, String)], a: &str, b: &str) -> bool {
    pairs.iter().any(|(x, y)| x == a && y == b)
}

habeas_test!(one_man_written_three_ways_is_suggested_with_the_evidence, |env| {
    let env = env.with_example();
    env.write("people.jsonl", &(PEOPLE.to_string() + &crowd()));
    assert_eq!(env.run(&["import", "people.jsonl"]).code, 0);

    let run = env.run(&["dedupe", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    let pairs = pair_ids(&out);
    assert!(has(&pairs, "p-1", "p-2"), "nickname, surnames first, same birth date: {out}");
    assert!(has(&pairs, "p-1", "p-3"), "the same A-number, written without its A: {out}");
    assert!(!has(&pairs, "p-5", "p-6"), "a common name alone proves nothing: {out}");
    assert!(!has(&pairs, "p-1", "p-4"), "the same name, born 25 years apart: a father and son? {out}");
    let first = &out["pairs"][0];
    let score = first["score"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&score), "{first}");
    let why: Vec<&str> = out["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["why"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()))
        .collect();
    assert!(why.iter().any(|w| w.contains("nickname")), "{why:?}");
    assert!(why.iter().any(|w| w.contains("same identifier A201555017")), "{why:?}");
    // Lower the bar and the namesake shows up, as a doubt.
    let low = env.run(&["dedupe", "--min-score", "0.0001", "--json"]).json();
    assert!(has(&pair_ids(&low), "p-1", "p-4"), "{low}");

    // Text, in both languages: names beside ids, the evidence, and what to do next.
    let text = env.run(&["dedupe"]);
    assert!(text.stdout.contains("p-1 (José Gregorio Urdaneta Briceño)"), "{}", text.stdout);
    assert!(text.stdout.contains("same_as"), "{}", text.stdout);
    let es = env.run(&["--lang", "es", "dedupe"]);
    assert!(es.stdout.contains("Confirme un par"), "{}", es.stdout);

    // Confirmed as one person: the pair is not suggested again, nor any pair within the group.
    env.write(
        "decided.jsonl",
        r#"{"type":"same_as","id":"sa-1","ids":["p-1","p-2","p-3"],"reason":"the family confirmed","sources":["src-news"]}
{"type":"distinct","id":"di-1","ids":["p-5","p-6"],"reason":"different fathers' names","sources":["src-ice"]}
"#,
    );
    assert_eq!(env.run(&["import", "decided.jsonl"]).code, 0);
    let after = pair_ids(&env.run(&["dedupe", "--min-score", "0.0001", "--json"]).json());
    for (a, b) in [("p-1", "p-2"), ("p-1", "p-3"), ("p-2", "p-3"), ("p-5", "p-6")] {
        assert!(!has(&after, a, b), "{a} {b} decided, still suggested: {after:?}");
    }
    assert!(has(&after, "p-1", "p-4"), "an undecided pair stays: {after:?}");

    // A later `distinct` undoes the `same_as` for the two it names: the pair comes back.
    env.write(
        "undo.jsonl",
        r#"{"type":"distinct","id":"di-2","ids":["p-1","p-3"],"reason":"the A-number was misread","sources":["src-ice"]}
"#,
    );
    assert_eq!(env.run(&["import", "undo.jsonl"]).code, 0);
    let undone = pair_ids(&env.run(&["dedupe", "--min-score", "0.0001", "--json"]).json());
    assert!(!has(&undone, "p-1", "p-3"), "now confirmed distinct: {undone:?}");
    assert!(has(&undone, "p-1", "p-2"), "no longer confirmed one: {undone:?}");

    let bad = env.run(&["dedupe", "--min-score", "2"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("--min-score"), "{}", bad.stderr);
});
