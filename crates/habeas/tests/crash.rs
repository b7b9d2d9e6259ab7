//! Crashes: an import killed with SIGKILL at seeded random moments leaves a file that opens,
//! verifies, and holds the import either wholly or not at all. SQLite's write-ahead log with
//! `synchronous=FULL` and one transaction per import is what makes this so; this test is how we
//! know it stays so.

mod macros;

use std::process::Stdio;
use std::time::Instant;

use macros::{Env, copy_ledger};
use rand::{RngExt, SeedableRng, rngs::StdRng};

/// A synthetic import large enough to take a while: persons with personal values and custody events.
fn big_file(records: usize) -> String {
    let mut out =
        String::from("{\"type\":\"source\",\"id\":\"s\",\"kind\":\"foia\",\"title\":\"synthetic\"}\n");
    out.push_str("{\"type\":\"place\",\"id\":\"pl\",\"name\":\"Facility\",\"kind\":\"facility\",\"country\":\"US\",\"tz\":\"America/Chicago\"}\n");
    for i in 0..records / 2 {
        out.push_str(&format!(
            "{{\"type\":\"person\",\"id\":\"p{i}\",\"name\":\"Persona Número {i} García\",\"born\":\"1990-01-01\",\"sources\":[\"s\"]}}\n"
        ));
        out.push_str(&format!(
            "{{\"type\":\"custody\",\"id\":\"c{i}\",\"subject\":\"p{i}\",\"event\":\"booked_in\",\"at\":\"2025-03-16T08:{:02}:00-05:00\",\"place\":\"pl\",\"sources\":[\"s\"]}}\n",
            i % 60
        ));
    }
    out
}

#[test]
fn an_import_killed_at_any_moment_is_wholly_there_or_wholly_absent() {
    let env = Env::new();
    assert_eq!(env.run(&["init"]).code, 0);
    env.write("base.jsonl", "{\"type\":\"org\",\"id\":\"o\",\"name\":\"n\",\"kind\":\"agency\"}\n");
    assert_eq!(env.run(&["import", "base.jsonl"]).code, 0);
    let base_size = 2;
    let records = 12_000;
    env.write("big.jsonl", &big_file(records));
    let full_size = base_size + records as i64 + 2 + 1; // + source, place, import leaf
    let pristine = env.path("pristine.db");
    copy_ledger(&env.db(), &pristine);

    // How long a whole import takes here, so that kill moments spread over all of it.
    let start = Instant::now();
    let run = env.run(&["import", "big.jsonl", "--no-progress"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let whole = start.elapsed();
    assert_eq!(env.query_i64("SELECT count(*) FROM leaves"), full_size);

    let mut rng = StdRng::seed_from_u64(20250315);
    let (mut absent, mut present) = (0, 0);
    for round in 0..24 {
        std::fs::copy(&pristine, env.db()).unwrap();
        let _ = std::fs::remove_file(format!("{}-wal", env.db().display()));
        let _ = std::fs::remove_file(format!("{}-shm", env.db().display()));
        let mut child = env
            .command()
            .args(["import", "big.jsonl", "--no-progress"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let moment = whole.mul_f64(rng.random_range(0.0..1.1));
        std::thread::sleep(moment);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let verify = env.run(&["verify", "--json"]);
        assert_eq!(
            verify.code, 0,
            "round {round}, killed after {moment:?}: {}{}",
            verify.stdout, verify.stderr
        );
        let size = verify.json()["size"].as_i64().unwrap();
        match size {
            s if s == base_size => absent += 1,
            s if s == full_size => present += 1,
            other => panic!(
                "round {round}: a partial import of size {other} (expected {base_size} or {full_size})"
            ),
        }
        assert_eq!(
            env.query_i64("SELECT count(*) FROM records"),
            size,
            "one id per leaf, and the view in step with the log"
        );
    }
    // The moments spread over the import: some rounds must have caught it before its commit.
    assert!(absent > 0, "no kill landed before the commit (present {present}); the import took {whole:?}");
    eprintln!("killed imports: {absent} absent, {present} present (a whole import takes {whole:?})");
}
