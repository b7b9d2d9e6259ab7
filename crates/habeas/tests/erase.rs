//! Erasure: after `habeas erase`, the personal values are gone from the file (searched byte by
//! byte, write-ahead log included), `verify` passes, proofs made before still verify, and the
//! record reads as erased.

mod macros;

use macros::contains;
use serde_json::Value;

const PEOPLE: &str = concat!(
    "{\"type\":\"source\",\"id\":\"src-family\",\"kind\":\"testimony\",\"title\":\"Statement of the family\"}\n",
    "{\"type\":\"person\",\"id\":\"p-1\",\"name\":\"Wilmer Antonio Rojas Pérez\",\"born\":\"1998-07-02\",\"identifiers\":[{\"scheme\":\"passport\",\"value\":\"VX4471923\",\"issuer\":\"VE\"}],\"sources\":[\"src-family\"]}\n",
    "{\"type\":\"person\",\"id\":\"p-2\",\"name\":\"Ana Lucía Quintero\",\"sources\":[\"src-family\"]}\n",
    "{\"type\":\"relation\",\"id\":\"rel-1\",\"person\":\"p-2\",\"relative\":\"p-1\",\"kind\":\"sibling\",\"sources\":[\"src-family\"]}\n",
);

/// A second version of p-1, so that erasure must reach older versions too.
const P1_V2: &str = "{\"type\":\"person\",\"id\":\"p-1\",\"names\":[{\"full\":\"Wilmer Antonio Rojas Pérez\"},{\"full\":\"Wilmer Rojas\",\"kind\":\"alias\"}],\"born\":\"1998-07-02\",\"identifiers\":[{\"scheme\":\"passport\",\"value\":\"VX4471923\",\"issuer\":\"VE\"}],\"sources\":[\"src-family\"]}\n";

const SECRETS: [&str; 4] = ["Wilmer", "Rojas Pérez", "1998-07-02", "VX4471923"];

fn hashes(proof: &Value) -> Vec<habeas_ledger::Hash> {
    proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| habeas_ledger::Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect()
}

habeas_test!(erased_values_leave_the_file_and_everything_else_stays_valid, |env| {
    let env = env.with_example();
    env.write("people.jsonl", PEOPLE);
    env.write("p1-v2.jsonl", P1_V2);
    assert_eq!(env.run(&["import", "people.jsonl"]).code, 0);
    let old_v1 = env.run(&["proof", "p-1", "--json"]).json();
    assert_eq!(env.run(&["import", "p1-v2.jsonl"]).code, 0);
    let before = env.run(&["proof", "p-1", "--json"]).json();
    let bytes = env.file_bytes();
    for secret in SECRETS {
        assert!(contains(&bytes, secret), "{secret} should be in the file before erasure");
    }
    for leaf in [&old_v1, &before] {
        for secret in SECRETS {
            assert!(
                !leaf["leaf_bytes"].as_str().unwrap().contains(secret),
                "leaves never hold personal values"
            );
        }
    }

    let run = env.run(&["erase", "p-1", "--reason", "the family asked", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let erased = run.json();
    assert_eq!(erased["fields"], serde_json::json!(["born", "identifiers", "names"]));
    assert!(erased["erasure"].as_str().unwrap().starts_with("r-"));

    let bytes = env.file_bytes();
    for secret in SECRETS {
        assert!(!contains(&bytes, secret), "{secret} is still in the file after erasure");
    }
    assert!(contains(&bytes, "Ana Lucía Quintero"), "other people's values stay");

    let verify = env.run(&["verify", "--json"]);
    assert_eq!(verify.code, 0, "{}", verify.stdout);
    assert_eq!(verify.json()["erased"], 1);

    // Proofs made before the erasure still verify against the checkpoint they came with...
    let verifier =
        habeas_ledger::Verifier::parse(std::fs::read_to_string(env.path("habeas.db.pub")).unwrap().trim())
            .unwrap();
    for proof in [&old_v1, &before] {
        let checkpoint = habeas_ledger::Checkpoint::open(
            proof["checkpoint"].as_str().unwrap(),
            std::slice::from_ref(&verifier),
        )
        .unwrap();
        let inclusion = habeas_ledger::InclusionProof {
            leaf_index: proof["index"].as_u64().unwrap(),
            tree_size: proof["size"].as_u64().unwrap(),
            hashes: hashes(proof),
        };
        let leaf = habeas_ledger::leaf_hash(proof["leaf_bytes"].as_str().unwrap().as_bytes());
        habeas_ledger::verify_inclusion(&inclusion, &leaf, &checkpoint.root).unwrap();
    }
    // ...the same leaf is proved after it, unchanged, and the old tree is a prefix of the new.
    let after = env.run(&["proof", "--index", &before["index"].to_string(), "--json"]).json();
    assert_eq!(after["leaf"], before["leaf"]);
    assert_eq!(after["leaf_bytes"], before["leaf_bytes"]);
    let old_size = before["size"].as_u64().unwrap();
    let consistency = env.run(&["proof", "--consistency", &old_size.to_string(), "--json"]).json();
    let old_cp = habeas_ledger::Checkpoint::open(
        before["checkpoint"].as_str().unwrap(),
        std::slice::from_ref(&verifier),
    )
    .unwrap();
    let new_cp = habeas_ledger::Checkpoint::open(
        consistency["checkpoint"].as_str().unwrap(),
        std::slice::from_ref(&verifier),
    )
    .unwrap();
    let proof = habeas_ledger::ConsistencyProof {
        old_size,
        new_size: new_cp.tree_size,
        hashes: hashes(&consistency),
    };
    habeas_ledger::verify_consistency(&proof, &old_cp.root, &new_cp.root).unwrap();

    // The record reads as erased: its fields keep only their commitments.
    let export = env.run(&["export", "--type", "person"]).stdout;
    let p1: Value =
        export.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()).find(|r| r["id"] == "p-1").unwrap();
    assert!(p1["names"]["commit"].is_string(), "{p1}");
    assert!(p1["born"]["commit"].is_string(), "{p1}");
    assert_eq!(p1["sources"], serde_json::json!(["src-family"]));
    // The erasure itself is in the log, saying who, when, why and what.
    let leaf: Value = serde_json::from_str(
        env.run(&["proof", erased["erasure"].as_str().unwrap(), "--json"]).json()["leaf_bytes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        (leaf["type"].as_str(), leaf["target"].as_str(), leaf["by"].as_str()),
        (Some("erasure"), Some("p-1"), Some("tester"))
    );
    assert_eq!(leaf["reason"], "the family asked");

    // Exporting and re-importing an erased record changes nothing, and brings back no values.
    env.run(&["export", "--out", "all.jsonl"]);
    let again = env.run(&["import", "all.jsonl", "--json"]).json();
    assert_eq!(again["appended"], 0, "{again}");

    let twice = env.run(&["erase", "p-1", "--reason", "again"]);
    assert_eq!(twice.code, 2);
    assert!(twice.stderr.contains("no personal values"), "{}", twice.stderr);
});

habeas_test!(erasing_a_relation_removes_who_is_related_to_whom, |env| {
    env.run(&["init"]);
    env.write("people.jsonl", PEOPLE);
    env.run(&["import", "people.jsonl"]);
    let run = env.run(&["erase", "rel-1", "--reason", "protect the sister", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["fields"], serde_json::json!(["kind", "person", "relative"]));
    assert_eq!(env.run(&["verify"]).code, 0);
    assert_eq!(
        env.run(&["erase", "src-family", "--reason", "x"]).code,
        2,
        "a source holds no personal values"
    );
    assert_eq!(env.run(&["erase", "nobody", "--reason", "x"]).code, 2);
});
