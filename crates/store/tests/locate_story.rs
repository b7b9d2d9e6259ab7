//! The name index read in one pass over the log (the ledger as it stands) holds exactly the
//! persons the lookups by id find (any earlier moment): new versions, retractions and erasures
//! included.

mod common;

use habeas_names::Query;
use habeas_store::Moment;

const PEOPLE: &str = r#"
{"type":"source","id":"src-1","kind":"testimony","title":"A relative"}
{"type":"person","id":"p-a","name":"Ana María Pérez","sources":["src-1"]}
{"type":"person","id":"p-b","name":"Bruno Antonio Pérez","sources":["src-1"]}
{"type":"person","id":"p-c","name":"Carla Pérez Soto","sources":["src-1"]}
{"type":"person","id":"p-d","name":"Diego Pérez Soto","sources":["src-1"]}
"#;

const CHANGES: &str = r#"
{"type":"person","id":"p-a","name":"Ana Maria Perez Ruiz","sources":["src-1"]}
{"type":"retraction","target":"p-b","reason":"entered twice"}
"#;

fn names(ledger: &mut habeas_store::Ledger, moment: Moment, text: &str) -> Vec<(String, String)> {
    let index = ledger.person_index(moment, None).unwrap();
    let query = Query { text: text.into(), limit: 10, ..Query::default() };
    habeas_store::locate::search(&index, &query).into_iter().map(|f| (f.id, f.name)).collect()
}

#[test]
fn one_pass_over_the_log_finds_what_lookups_by_id_find() {
    let mut t = common::new_ledger();
    t.import_at(PEOPLE, "2025-03-20T10:00:00Z");
    t.import_at(CHANGES, "2025-03-20T11:00:00Z");
    t.ledger.erase("p-c", "asked by the family", "tester", "2025-03-20T11:30:00Z", &t.signer).unwrap();
    // Something unrelated later, so that "known at 11:45" reads by lookups and "now" in one pass.
    t.import_at(r#"{"type":"source","id":"src-2","kind":"news","title":"Later"}"#, "2025-03-20T12:00:00Z");
    let then = Moment { as_of: None, known_at: Some("2025-03-20T11:45:00Z".parse().unwrap()) };
    for query in ["perez", "ana maria perez", "bruno perez", "carla perez soto", "diego soto"] {
        let now = names(&mut t.ledger, Moment::default(), query);
        assert_eq!(now, names(&mut t.ledger, then, query), "{query}");
    }
    let mut all = names(&mut t.ledger, Moment::default(), "perez");
    all.sort();
    assert_eq!(
        all,
        [
            ("p-a".to_string(), "Ana Maria Perez Ruiz".to_string()),
            ("p-d".to_string(), "Diego Pérez Soto".to_string())
        ],
        "the new version of p-a, not the retracted p-b, not the erased p-c"
    );
}

#[test]
fn statuses_read_together_are_the_statuses_read_one_by_one() {
    let mut t = common::new_ledger();
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for file in ["cecot-2025.jsonl", "server/people.jsonl"] {
        t.import(&std::fs::read_to_string(examples.join(file)).unwrap());
    }
    let index = t.ledger.person_index(Moment::default(), None).unwrap();
    // Every person, twice over and with an unknown id, so that the batches of the shared cache
    // (256 persons) are crossed.
    let mut ids: Vec<&str> = (0..index.len() as u32).map(|p| index.id(p)).collect();
    ids.extend(ids.clone());
    ids.extend(std::iter::repeat_n("p-nobody", 300));
    ids.extend((0..index.len() as u32).map(|p| index.id(p)));
    let then = Moment { as_of: Some("2025-03-20T12:00:00Z".parse().unwrap()), known_at: None };
    for moment in [Moment::default(), then] {
        let together = t.ledger.shown_statuses(&ids, moment).unwrap();
        assert_eq!(together.len(), ids.len());
        for (id, shown) in ids.iter().zip(&together) {
            let alone =
                if *id == "p-nobody" { Default::default() } else { t.ledger.status(id, moment).unwrap() };
            assert_eq!(shown.status, alone, "{id}");
            let place_name = shown.status.place.as_ref().map(|place| {
                t.ledger.record(place).unwrap().unwrap().body["name"].as_str().unwrap().to_string()
            });
            assert_eq!(shown.place_name, place_name, "{id}");
        }
    }
    let mut at = |id: &str| t.ledger.shown_statuses(&[id], then).unwrap().remove(0);
    let wilmer = at("p-demo-wilmer");
    assert_eq!(
        (wilmer.status.place.as_deref(), wilmer.place_name.as_deref()),
        (Some("pl-cecot"), Some("CECOT"))
    );
    assert_eq!((wilmer.sensitivity, at("p-demo-jose").sensitivity.as_deref()), (None, Some("restricted")));
}
