//! The command line as a user meets it: every command, its `--json`, its exit codes and its
//! messages in English and Spanish.

mod macros;

use macros::{EXAMPLE, EXAMPLE_RECORDS, EXAMPLE_SIZE, Env};
use serde_json::Value;

habeas_test!(init_creates_ledger_key_and_public_key_and_never_overwrites, |env| {
    let run = env.run(&["init", "--json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = run.json();
    assert_eq!(out["origin"], "habeas.local/habeas.db");
    assert!(out["verifier_key"].as_str().unwrap().starts_with("habeas.local/habeas.db+"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.path("habeas.db.key")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the private key is readable by its owner only");
    let mode = std::fs::metadata(env.path("habeas.db")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the ledger holds personal values: its owner's only");
    let key = std::fs::read_to_string(env.path("habeas.db.key")).unwrap();
    assert!(key.starts_with("PRIVATE+KEY+habeas.local/habeas.db+"));
    assert_eq!(std::fs::read_to_string(env.path("habeas.db.pub")).unwrap().trim(), out["verifier_key"]);
    // The key is not in the database.
    // PRIVATE+KEY+<name>+<hash>+<base64>: the base64 may itself hold '+', so split from the left.
    let secret = key.trim().splitn(5, '+').nth(4).unwrap();
    assert!(secret.len() > 40, "{secret}");
    assert!(!macros::contains(&env.file_bytes(), secret));

    let again = env.run(&["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read_to_string(env.path("habeas.db.key")).unwrap(), key, "the key is untouched");
});

habeas_test!(init_takes_an_origin_and_db_from_the_environment, |env| {
    let run = env
        .command()
        .args(["init", "--origin", "example.org/cases", "--json"])
        .env("HABEAS_DB", "cases.db")
        .output()
        .unwrap();
    let out: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(out["db"], "cases.db");
    assert_eq!(out["origin"], "example.org/cases");
    assert!(
        env.path("cases.db").exists()
            && env.path("cases.db.key").exists()
            && env.path("cases.db.pub").exists()
    );
});

habeas_test!(import_prints_counts_and_json_and_twice_appends_nothing, |env| {
    env.run(&["init"]);
    let first = env.run(&["import", EXAMPLE, "--json"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let out = first.json();
    assert_eq!(out["appended"], EXAMPLE_RECORDS);
    assert_eq!(out["size"], EXAMPLE_SIZE);
    assert_eq!(out["rejected"], Value::Array(vec![]));
    let second = env.run(&["import", EXAMPLE, "--json"]).json();
    assert_eq!((second["appended"].as_u64(), second["unchanged"].as_u64()), (Some(0), Some(EXAMPLE_RECORDS)));
    assert_eq!(second["size"], EXAMPLE_SIZE);
    let text = env.run(&["import", EXAMPLE]);
    assert!(
        text.stdout.contains(&format!("0 appended, {EXAMPLE_RECORDS} unchanged, 0 rejected.")),
        "{}",
        text.stdout
    );
});

habeas_test!(rejected_records_exit_1_name_file_line_and_field_and_go_to_the_rejects_file, |env| {
    env.run(&["init"]);
    let bad = env.write(
        "bad.jsonl",
        concat!(
            "{\"type\":\"source\",\"id\":\"s1\",\"kind\":\"news\",\"title\":\"t\"}\n",
            "{\"type\":\"custody\",\"subject\":\"p-9\",\"event\":\"departed\",\"at\":\"2025-03-15T17:26:00\",\"sources\":[\"s1\"]}\n",
            "{\"type\":\"org\",\"id\":\"o1\",\"name\":\"n\",\"kind\":\"agency\"}\n"
        ),
    );
    let bad = bad.display().to_string();
    let run = env.run(&["import", &bad, "--json", "--rejects", "rejects.jsonl"]);
    assert_eq!(run.code, 1);
    let out = run.json();
    assert_eq!(out["appended"], 0, "without --keep-going nothing lands");
    assert_eq!(out["committed"], false);
    let rejected = &out["rejected"][0];
    assert_eq!(
        (rejected["file"].as_str(), rejected["line"].as_u64(), rejected["field"].as_str()),
        (Some("bad.jsonl"), Some(2), Some("at"))
    );
    assert!(rejected["error"].as_str().unwrap().contains("without an offset"));
    let rejects = std::fs::read_to_string(env.path("rejects.jsonl")).unwrap();
    let line: Value = serde_json::from_str(rejects.lines().next().unwrap()).unwrap();
    assert_eq!(line["line"], 2);
    assert!(line["input"].as_str().unwrap().contains("\"p-9\""));
    // Two files, rejections in each: every rejects line carries the text of its own file's line.
    let other = env.write("other.jsonl", "{\"type\":\"org\",\"id\":\"o2\",\"kind\":\"agency\"}\n");
    let both = env.run(&["import", &bad, &other.display().to_string(), "--rejects", "both.jsonl"]);
    assert_eq!(both.code, 1);
    let lines: Vec<Value> = std::fs::read_to_string(env.path("both.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shown: Vec<(&str, u64, bool)> = lines
        .iter()
        .map(|l| {
            let input = l["input"].as_str().unwrap();
            (
                l["file"].as_str().unwrap(),
                l["line"].as_u64().unwrap(),
                input.contains("p-9") || input.contains("o2"),
            )
        })
        .collect();
    assert_eq!(shown, [("bad.jsonl", 2, true), ("other.jsonl", 1, true)]);
    // Two files of one name from two folders: each rejection carries its own file's line, not
    // the line of the same number in the first file of that name.
    std::fs::create_dir(env.path("later")).unwrap();
    let twin = env.write("later/bad.jsonl", "{\"type\":\"org\",\"id\":\"o3\",\"kind\":\"agency\"}\n");
    let twins = env.run(&["import", &bad, &twin.display().to_string(), "--rejects", "twins.jsonl"]);
    assert_eq!(twins.code, 1);
    let inputs: Vec<String> = std::fs::read_to_string(env.path("twins.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["input"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    assert!(inputs[0].contains("p-9") && inputs[1].contains("o3"), "{inputs:?}");

    let kept = env.run(&["import", &bad, "--keep-going", "--json"]);
    assert_eq!(kept.code, 1, "a rejection is still reported");
    assert_eq!(kept.json()["appended"], 2);

    // In text: `file:line: field: reason`, and `file:line: reason` for a line that is no record.
    let text = env.run(&["import", &bad]);
    assert!(
        text.stdout.contains("rejected: bad.jsonl:2: at: \"2025-03-15T17:26:00\" is a local time"),
        "{}",
        text.stdout
    );
    let broken = env.write("broken.jsonl", "{\"type\":\"person\",\n");
    let broken = env.run(&["import", &broken.display().to_string()]);
    assert!(broken.stdout.contains("rejected: broken.jsonl:1: not valid JSON"), "{}", broken.stdout);

    let es = env.run(&["--lang", "es", "import", &bad]);
    assert!(es.stdout.contains("sin desfase horario"), "{}", es.stdout);
    assert!(es.stdout.contains("rechazado"), "{}", es.stdout);
});

habeas_test!(stdin_imports_and_names_itself, |env| {
    env.run(&["init"]);
    let run = env.run_with_stdin(
        &["import", "-", "--json"],
        "{\"type\":\"org\",\"id\":\"o1\",\"name\":\"n\",\"kind\":\"agency\"}\n",
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["appended"], 1);
    let proof = env.run(&["proof", "--index", "0", "--json"]).json();
    let import: Value = serde_json::from_str(proof["leaf_bytes"].as_str().unwrap()).unwrap();
    assert_eq!(import["files"][0]["name"], "<stdin>");
    assert_eq!(import["by"], "tester");
    assert_eq!(import["at"], "2025-03-20T12:00:00Z");
});

habeas_test!(environment_errors_exit_2, |env| {
    // No ledger: said before the key that would sit beside it, for verify and backup alike.
    for command in [&["verify"][..], &["backup", "copy.db"][..]] {
        let none = env.run(command);
        assert_eq!(none.code, 2, "no ledger");
        assert!(none.stderr.contains("no ledger here"), "{}", none.stderr);
    }
    env.run(&["init"]);
    let missing = env.run(&["import", "nope.jsonl"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("nope.jsonl"), "{}", missing.stderr);
    assert_eq!(env.run(&["--bogus"]).code, 2);
    assert_eq!(env.run(&["--lang", "fr", "verify"]).code, 2);
    let nokey = env.run(&["--key", "missing.key", "import", EXAMPLE]);
    assert_eq!(nokey.code, 2);
    assert!(nokey.stderr.contains("missing.key"), "{}", nokey.stderr);
    let json = env.run(&["--json", "import", "nope.jsonl"]);
    assert!(json.json()["error"].as_str().unwrap().contains("nope.jsonl"));
});

habeas_test!(verify_checkpoint_and_proof_agree, |env| {
    let env = env.with_example();
    let verify = env.run(&["verify", "--json"]);
    assert_eq!(verify.code, 0);
    let verified = verify.json();
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["size"], EXAMPLE_SIZE);
    let checkpoint = env.run(&["checkpoint", "--json"]).json();
    assert_eq!(checkpoint["root"], verified["root"]);
    assert_eq!(checkpoint["size"], EXAMPLE_SIZE);
    let text = env.run(&["checkpoint"]).stdout;
    assert!(text.starts_with(&format!("habeas.local/habeas.db\n{EXAMPLE_SIZE}\n")), "{text}");

    let proof = env.run(&["proof", "ord-jgg-tro2", "--json"]).json();
    assert_eq!(proof["id"], "ord-jgg-tro2");
    assert_eq!(proof["size"], EXAMPLE_SIZE);
    assert_eq!(proof["checkpoint"], checkpoint["note"]);
    // Check it as a stranger would: hash the leaf bytes, walk the path, compare with the signed root.
    let leaf = habeas_ledger::leaf_hash(proof["leaf_bytes"].as_str().unwrap().as_bytes());
    assert_eq!(leaf.to_base64(), proof["leaf"]);
    let hashes = proof["proof"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| habeas_ledger::Hash::from_base64(h.as_str().unwrap()).unwrap())
        .collect();
    let inclusion = habeas_ledger::InclusionProof {
        leaf_index: proof["index"].as_u64().unwrap(),
        tree_size: EXAMPLE_SIZE,
        hashes,
    };
    let verifier =
        habeas_ledger::Verifier::parse(std::fs::read_to_string(env.path("habeas.db.pub")).unwrap().trim())
            .unwrap();
    let signed = habeas_ledger::Checkpoint::open(proof["checkpoint"].as_str().unwrap(), &[verifier]).unwrap();
    habeas_ledger::verify_inclusion(&inclusion, &leaf, &signed.root).unwrap();

    let consistency = env.run(&["proof", "--consistency", "40", "--json"]).json();
    assert_eq!(
        (consistency["old_size"].as_u64(), consistency["size"].as_u64()),
        (Some(40), Some(EXAMPLE_SIZE))
    );
    assert_eq!(env.run(&["proof", "no-such-record"]).code, 2);
    assert_eq!(env.run(&["proof", "--consistency", "500"]).code, 2);
});

/// `habeas proof --check` on a document, with the ledger's public key only (`key.pub`, a copy
/// of it outside any ledger); `--db` names a file that does not exist.
fn check_proof(env: &Env, document: &Value, extra: &[&str]) -> macros::Run {
    env.write("doc.json", &document.to_string());
    let mut args = vec!["--db", "nowhere.db", "--verifier-key", "key.pub", "proof", "--check", "doc.json"];
    args.extend_from_slice(extra);
    env.run(&args)
}

/// The kinds of the problems `proof --check --json` reports, with its exit code.
fn proof_problems(env: &Env, document: &Value) -> (i32, Vec<String>) {
    let run = check_proof(env, document, &["--json"]);
    let kinds = run.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kind"].as_str().unwrap().to_string())
        .collect();
    (run.code, kinds)
}

habeas_test!(a_proof_handed_over_is_checked_with_the_public_key_alone, |env| {
    let env = env.with_example();
    std::fs::copy(env.path("habeas.db.pub"), env.path("key.pub")).unwrap();
    let proof = env.run(&["proof", "ord-jgg-tro2", "--json"]).json();
    let root = env.run(&["checkpoint", "--json"]).json()["root"].clone();

    let shown = env.run(&["proof", "ord-jgg-tro2"]);
    assert!(shown.stdout.starts_with("Record ord-jgg-tro2 is leaf "), "{}", shown.stdout);
    assert!(
        shown.stderr.contains("habeas --db habeas.db proof ord-jgg-tro2 --json > exhibit.json")
            && shown.stderr.contains("proof --check exhibit.json"),
        "the text output says how to hand the proof over: {}",
        shown.stderr
    );
    let run = check_proof(&env, &proof, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("The proof holds: record ord-jgg-tro2 is leaf "), "{}", run.stdout);
    assert!(run.stdout.contains(proof["leaf_bytes"].as_str().unwrap()), "the record as logged is shown");
    assert!(!env.path("nowhere.db").exists(), "no ledger is opened, nor created");
    let out = check_proof(&env, &proof, &["--json"]).json();
    assert_eq!(
        (&out["ok"], &out["kind"], &out["id"], &out["size"], &out["root"]),
        (
            &Value::Bool(true),
            &Value::from("inclusion"),
            &Value::from("ord-jgg-tro2"),
            &Value::from(EXAMPLE_SIZE),
            &root
        )
    );
    let spanish = env.run(&[
        "--lang",
        "es",
        "--db",
        "nowhere.db",
        "--verifier-key",
        "key.pub",
        "proof",
        "--check",
        "doc.json",
    ]);
    assert!(spanish.stdout.starts_with("La prueba es válida"), "{}", spanish.stdout);
    let with_trusted = check_proof(&env, &proof, &["--trusted", "key.pub"]);
    assert!(
        with_trusted.code == 2 && with_trusted.stderr.contains("--trusted is for a consistency proof"),
        "{}",
        with_trusted.stderr
    );
    let piped = env.run_with_stdin(
        &["--db", "nowhere.db", "--verifier-key", "key.pub", "proof", "--check", "-"],
        &proof.to_string(),
    );
    assert_eq!(piped.code, 0, "{}", piped.stderr);

    // Each way of changing the document is caught, and named.
    let changed = |change: &dyn Fn(&mut Value)| {
        let mut doc = proof.clone();
        change(&mut doc);
        proof_problems(&env, &doc)
    };
    let later = |doc: &mut Value| {
        let bytes = doc["leaf_bytes"].as_str().unwrap().replace("18:45:00", "18:55:00");
        assert_ne!(bytes, doc["leaf_bytes"].as_str().unwrap());
        doc["leaf_bytes"] = Value::from(bytes);
    };
    assert_eq!(changed(&later), (1, vec!["leaf_hash".to_string(), "audit_path".to_string()]));
    // A forger who rehashes the changed bytes still cannot reach the signed root.
    let rehashed = |doc: &mut Value| {
        later(doc);
        let hash = habeas_ledger::leaf_hash(doc["leaf_bytes"].as_str().unwrap().as_bytes());
        doc["leaf"] = Value::from(hash.to_base64());
    };
    assert_eq!(changed(&rehashed), (1, vec!["audit_path".to_string()]));
    assert_eq!(changed(&|doc| doc["id"] = Value::from("ord-jgg-tro1")), (1, vec!["id".to_string()]));
    let index = proof["index"].as_u64().unwrap();
    assert_eq!(changed(&|doc| doc["index"] = Value::from(index - 1)), (1, vec!["audit_path".to_string()]));
    assert_eq!(changed(&|doc| doc["size"] = Value::from(EXAMPLE_SIZE - 1)), (1, vec!["size".to_string()]));
    let swapped = |doc: &mut Value| {
        let path = doc["proof"].as_array_mut().unwrap();
        path.swap(0, 1);
    };
    assert_eq!(changed(&swapped), (1, vec!["audit_path".to_string()]));
    let other_root = |doc: &mut Value| {
        let note = doc["checkpoint"]
            .as_str()
            .unwrap()
            .replace(root.as_str().unwrap(), &habeas_ledger::leaf_hash(b"x").to_base64());
        doc["checkpoint"] = Value::from(note);
    };
    assert_eq!(changed(&other_root), (1, vec!["checkpoint_signature".to_string()]));

    // Another ledger's key does not open this ledger's checkpoint.
    let other = Env::new();
    assert_eq!(other.run(&["init"]).code, 0);
    std::fs::copy(other.path("habeas.db.pub"), env.path("key.pub")).unwrap();
    let run = check_proof(&env, &proof, &[]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("does not open with this key"), "{}", run.stdout);
    std::fs::copy(env.path("habeas.db.pub"), env.path("key.pub")).unwrap();

    // A document that cannot be read is a usage error that names the member at fault.
    let mut bad = proof.clone();
    bad["proof"][1] = Value::from("not base64!");
    let run = check_proof(&env, &bad, &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("doc.json: proof[1]: expected a hash"), "{}", run.stderr);
    let mut bad = proof.clone();
    bad.as_object_mut().unwrap().remove("checkpoint");
    let run = check_proof(&env, &bad, &[]);
    assert!(run.code == 2 && run.stderr.contains("checkpoint: missing"), "{}", run.stderr);
    env.write("doc.json", "{\"leaf_bytes\": ");
    let run = env.run(&["--db", "nowhere.db", "--verifier-key", "key.pub", "proof", "--check", "doc.json"]);
    assert!(run.code == 2 && run.stderr.contains("not JSON"), "{}", run.stderr);
});

habeas_test!(a_consistency_proof_is_checked_against_the_checkpoint_kept, |env| {
    let env = env.with_example();
    std::fs::copy(env.path("habeas.db.pub"), env.path("key.pub")).unwrap();
    env.write("kept.txt", &env.run(&["checkpoint"]).stdout);
    // Someone holding the key rewrites history from here: a copy of the ledger takes one record,
    // the ledger another.
    macros::copy_ledger(&env.db(), &env.path("alt.db"));
    let source =
        |id: &str| format!("{{\"type\":\"source\",\"id\":\"{id}\",\"kind\":\"news\",\"title\":\"{id}\"}}\n");
    env.write("a.jsonl", &source("src-added-a"));
    env.write("b.jsonl", &source("src-added-b"));
    let alt = ["--db", "alt.db", "--key", "habeas.db.key"];
    assert_eq!(env.run(&[&alt[..], &["import", "b.jsonl"]].concat()).code, 0);
    env.write("alt-kept.txt", &env.run(&[&alt[..], &["checkpoint"]].concat()).stdout);
    assert_eq!(env.run(&["import", "a.jsonl"]).code, 0);

    let consistency = env.run(&["proof", "--consistency", &EXAMPLE_SIZE.to_string(), "--json"]).json();
    assert_eq!(
        (consistency["old_size"].as_u64(), consistency["size"].as_u64()),
        (Some(EXAMPLE_SIZE), Some(EXAMPLE_SIZE + 2))
    );
    let run = check_proof(&env, &consistency, &["--trusted", "kept.txt"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "the log of {EXAMPLE_SIZE} leaves you kept is the beginning of the log of {}",
            EXAMPLE_SIZE + 2
        )),
        "{}",
        run.stdout
    );

    let run = check_proof(&env, &consistency, &[]);
    assert!(run.code == 2 && run.stderr.contains("--trusted"), "{}", run.stderr);

    // The copy's checkpoint of 132 leaves is signed with the same key, but this log's first 132
    // leaves are another history: the proof from them to a later size cannot join the two.
    env.write("ours-kept.txt", &env.run(&["checkpoint"]).stdout);
    env.write("c.jsonl", &source("src-added-c"));
    assert_eq!(env.run(&["import", "c.jsonl"]).code, 0);
    let later = env.run(&["proof", "--consistency", &(EXAMPLE_SIZE + 2).to_string(), "--json"]).json();
    assert_eq!(later["size"].as_u64(), Some(EXAMPLE_SIZE + 4));
    let kinds = |trusted: &str| {
        let run = check_proof(&env, &later, &["--trusted", trusted, "--json"]);
        let out = run.json();
        let kinds: Vec<String> = out["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap().to_string())
            .collect();
        (run.code, out["ok"].clone(), kinds)
    };
    assert_eq!(kinds("ours-kept.txt"), (0, Value::Bool(true), vec![]));
    assert_eq!(kinds("alt-kept.txt"), (1, Value::Bool(false), vec!["consistency_path".to_string()]));
    assert_eq!(kinds("kept.txt"), (1, Value::Bool(false), vec!["old_size".to_string()]));
});

habeas_test!(backup_copies_the_whole_ledger_and_the_copy_verifies, |env| {
    let env = env.with_example();
    let added = env.run_with_stdin(&["user", "add", "ana", "--role", "viewer"], "a-long-password\n");
    assert_eq!(added.code, 0, "{}", added.stderr);
    let run = env.run(&["backup", "copy.db"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("The copy verifies"), "{}", run.stdout);
    assert!(run.stdout.contains("does not hold the signing key"), "{}", run.stdout);

    // The same log, the same checkpoints, the same records; the account is in it too.
    let verify = env.run(&["--db", "copy.db", "verify", "--json"]);
    assert_eq!(verify.code, 0, "the public key was copied beside it: {}", verify.stderr);
    assert_eq!(verify.json()["root"], env.run(&["verify", "--json"]).json()["root"]);
    assert_eq!(env.run(&["--db", "copy.db", "checkpoint"]).stdout, env.run(&["checkpoint"]).stdout);
    assert_eq!(env.run(&["--db", "copy.db", "export"]).stdout, env.run(&["export"]).stdout);
    let copy = rusqlite::Connection::open(env.path("copy.db")).unwrap();
    let accounts: i64 =
        copy.query_row("SELECT count(*) FROM accounts WHERE name = 'ana'", [], |r| r.get(0)).unwrap();
    assert_eq!(accounts, 1);
    drop(copy);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.path("copy.db")).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the copy holds personal values: its owner's only");
    assert!(!env.path("copy.db.key").exists(), "the signing key is never copied");
    assert_eq!(
        std::fs::read_to_string(env.path("copy.db.pub")).unwrap(),
        std::fs::read_to_string(env.path("habeas.db.pub")).unwrap()
    );

    // A proof handed out before is checked against the copy's checkpoint, as against the ledger's.
    let proof = env.run(&["proof", "ord-jgg-tro2", "--json"]).json();
    let from_copy = env.run(&["--db", "copy.db", "proof", "ord-jgg-tro2", "--json"]).json();
    assert_eq!(proof, from_copy);

    // Never over an existing file; a missing folder is named.
    let before = std::fs::read(env.path("copy.db")).unwrap();
    let again = env.run(&["backup", "copy.db"]);
    assert!(again.code == 2 && again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(std::fs::read(env.path("copy.db")).unwrap(), before);
    std::fs::create_dir(env.path("copies")).unwrap();
    let folder = env.run(&["backup", "copies"]);
    assert!(folder.code == 2 && folder.stderr.contains("copies: is a folder"), "{}", folder.stderr);
    let nowhere = env.run(&["--lang", "es", "backup", "no/such/folder.db"]);
    assert!(
        nowhere.code == 2 && nowhere.stderr.contains("no/such: no existe esa carpeta"),
        "{}",
        nowhere.stderr
    );
    let left: Vec<_> = std::fs::read_dir(env.path("."))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".habeas-copy-"))
        .collect();
    assert!(left.is_empty(), "no partial copy is left behind: {left:?}");
});

habeas_test!(a_backup_of_a_damaged_ledger_is_kept_and_says_it_does_not_verify, |env| {
    let env = env.with_example();
    // The attacker's edit (tamper.rs): one byte of a stored leaf.
    env.sql(
        "UPDATE leaves SET body = CAST(replace(CAST(body AS TEXT), '18:45', '18:55') AS BLOB) WHERE idx = 85",
    );
    let run = env.run(&["backup", "copy.db", "--json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let out = run.json();
    assert_eq!(out["ok"], false);
    assert!(out["problems"].as_array().unwrap().iter().any(|p| p["index"] == 85), "{out}");
    assert!(env.path("copy.db").exists(), "a faithful copy of the damaged ledger is kept for examination");
    let text = env.run(&["backup", "copy2.db"]);
    assert!(
        text.code == 1 && text.stdout.starts_with("FAILED: copy2.db is a faithful copy"),
        "{}",
        text.stdout
    );
});

habeas_test!(a_restored_backup_verifies_and_a_later_checkpoint_calls_it_a_rollback, |env| {
    let env = env.with_example();
    assert_eq!(env.run(&["backup", "copy.db"]).code, 0);
    env.write(
        "more.jsonl",
        "{\"type\":\"source\",\"id\":\"src-more\",\"kind\":\"news\",\"title\":\"more\"}\n",
    );
    assert_eq!(env.run(&["import", "more.jsonl"]).code, 0);
    env.write("later.txt", &env.run(&["checkpoint"]).stdout);
    // Restored as docs/getting-started.md says: the ledger and its companions moved aside, the
    // copy put in its place.
    for suffix in ["", "-wal", "-shm"] {
        let from = env.path(&format!("habeas.db{suffix}"));
        if from.exists() {
            std::fs::rename(&from, env.path(&format!("aside.db{suffix}"))).unwrap();
        }
    }
    std::fs::copy(env.path("copy.db"), env.db()).unwrap();
    let verify = env.run(&["verify", "--json"]);
    assert_eq!((verify.code, verify.json()["size"].as_u64()), (0, Some(EXAMPLE_SIZE)));
    let rolled_back = env.run(&["verify", "--trusted", "later.txt"]);
    assert_eq!(rolled_back.code, 1);
    assert!(rolled_back.stdout.contains("rolled back"), "{}", rolled_back.stdout);
});

habeas_test!(backup_is_one_moment_of_the_ledger_while_another_connection_writes, |env| {
    let env = env.with_example();
    // A writer in the middle of a transaction (a server importing, say): the copy neither waits
    // for it nor takes what it has not committed.
    let writer = rusqlite::Connection::open(env.db()).unwrap();
    writer.execute_batch("PRAGMA journal_mode = WAL; BEGIN IMMEDIATE;").unwrap();
    writer
        .execute(
            "INSERT INTO leaves (idx, prev, hashes, body) VALUES (?1, NULL, x'00', x'7b7d')",
            [EXAMPLE_SIZE as i64],
        )
        .unwrap();
    let run = env.run(&["backup", "copy.db", "--json"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let out = run.json();
    assert_eq!((out["ok"].as_bool(), out["size"].as_u64()), (Some(true), Some(EXAMPLE_SIZE)));
    writer.execute_batch("ROLLBACK").unwrap();
    assert_eq!(env.run(&["--db", "copy.db", "verify"]).code, 0);
});

habeas_test!(verify_never_trusts_a_key_from_the_database, |env| {
    let env = env.with_example();
    std::fs::remove_file(env.path("habeas.db.pub")).unwrap();
    let run = env.run(&["verify"]);
    assert_eq!(run.code, 2, "no verifier key given, and the one in the database is not used");
    assert!(run.stderr.contains("--verifier-key"), "{}", run.stderr);
    let key = env.query_i64("SELECT count(*) FROM meta WHERE key = 'verifier'");
    assert_eq!(key, 1);
    // A key string works as well as a file.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let stored: String =
        conn.query_row("SELECT value FROM meta WHERE key='verifier'", [], |r| r.get(0)).unwrap();
    assert_eq!(env.run(&["verify", "--verifier-key", &stored]).code, 0);
    let other = habeas_ledger::Signer::from_seed("habeas.local/habeas.db", [9; 32])
        .unwrap()
        .verifier()
        .to_key_string();
    let wrong = env.run(&["verify", "--verifier-key", &other]);
    assert_eq!(wrong.code, 1, "checkpoints signed by another key do not verify");
});

habeas_test!(export_round_trips_and_exports_csv, |env| {
    let env = env.with_example();
    let export = env.run(&["export", "--out", "all.jsonl"]);
    assert_eq!(export.code, 0, "{}", export.stderr);
    let text = std::fs::read_to_string(env.path("all.jsonl")).unwrap();
    assert_eq!(text.lines().count() as u64, EXAMPLE_RECORDS);
    assert!(!text.contains("\"type\":\"import\""));
    let same = env.run(&["import", "all.jsonl", "--json"]).json();
    assert_eq!((same["appended"].as_u64(), same["unchanged"].as_u64()), (Some(0), Some(EXAMPLE_RECORDS)));

    let fresh = Env::new();
    fresh.run(&["init"]);
    std::fs::copy(env.path("all.jsonl"), fresh.path("all.jsonl")).unwrap();
    assert_eq!(fresh.run(&["import", "all.jsonl", "--json"]).json()["appended"], EXAMPLE_RECORDS);
    fresh.run(&["export", "--out", "again.jsonl"]);
    assert_eq!(std::fs::read_to_string(fresh.path("again.jsonl")).unwrap(), text, "the same current state");

    let csv = env.run(&["export", "--type", "place", "--format", "csv"]);
    assert_eq!(csv.code, 0);
    let mut lines = csv.stdout.lines();
    assert!(lines.next().unwrap().starts_with("id,type,aliases,capacity"));
    assert_eq!(lines.count(), 8);
    assert_eq!(env.run(&["export", "--format", "csv"]).code, 2);
    assert_eq!(env.run(&["export", "--type", "import"]).code, 2);
});

habeas_test!(demo_runs_and_catches_the_tampering_it_shows, |env| {
    let run = env.run(&["demo", "--dir", "demo"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains(&format!("{EXAMPLE_RECORDS} records appended")), "{}", run.stdout);
    assert!(run.stdout.contains("Caught"), "{}", run.stdout);
    // The published table, through its mapping: 27 counts, three facilities, their source.
    assert!(run.stdout.contains("31 records from 27 rows"), "{}", run.stdout);
    // The exhibit it writes holds, checked by the binary with the public key alone.
    assert!(run.stdout.contains("the proof holds"), "{}", run.stdout);
    let exhibit = ["--db", "nowhere.db", "--verifier-key", "demo/cecot.db.pub", "proof", "--check"];
    let checked = env.run(&[&exhibit[..], &["demo/exhibit-ord-ag-withholding-2019.json"]].concat());
    assert_eq!(checked.code, 0, "{}{}", checked.stdout, checked.stderr);
    assert!(checked.stdout.contains("record ord-ag-withholding-2019 is leaf"), "{}", checked.stdout);
    let db = env.path("demo/cecot.db");
    let counts = env.run(&["--db", db.to_str().unwrap(), "export", "--type", "population"]);
    assert_eq!(counts.stdout.lines().count(), 27);
    let es = env.run(&["--lang", "es", "demo", "--dir", "demo-es"]);
    assert!(es.stdout.contains("Detectado"), "{}", es.stdout);
    let json = env.run(&["demo", "--dir", "demo-json", "--json"]);
    assert_eq!(json.code, 0);
    let out = json.json();
    assert_eq!(
        (out["appended"].as_u64(), out["verified"].as_bool(), out["tampering_caught"].as_bool()),
        (Some(EXAMPLE_RECORDS), Some(true), Some(true))
    );
    assert!(json.stderr.contains("Caught"), "the narration goes to stderr under --json");
    assert_eq!(env.run(&["demo", "--dir", "demo"]).code, 2, "an existing demo folder is not overwritten");
    assert!(env.path("demo/cecot.db.key").exists());
});

habeas_test!(a_reader_that_stops_reading_ends_the_command_quietly, |env| {
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(env.run(&["init"]).code, 0);
    assert_eq!(env.run(&["import", EXAMPLE]).code, 0);
    // `habeas export | head -0`: the reading end is closed before habeas writes a byte. It ends
    // by SIGPIPE (13 on Linux), as `cat` would, saying nothing; not with a fault reported as a bug.
    for args in [&["export"][..], &["user", "list", "--json"]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = env.command().args(args).stdout(writer).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.signal(), Some(13), "{args:?}: {:?}: {stderr}", out.status);
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
});
