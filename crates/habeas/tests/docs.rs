//! The documentation is checked like code: `docs/cli.md` must be exactly what `habeas --help`
//! says for every command, and every problem `verify` can report and every rejection reason must
//! be documented. Regenerate the CLI reference with `HABEAS_UPDATE_DOCS=1 cargo test -p habeas --test docs`.

use std::process::Command;

const DOCS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs");

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_habeas"))
        .args(args)
        .arg("--help")
        .env("LANG", "C.UTF-8")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

fn cli_reference() -> String {
    let mut doc = String::from(
        "# Command-line reference\n\n<!-- Generated from `habeas --help` by crates/habeas/tests/docs.rs; do not edit by hand.\n     Regenerate: HABEAS_UPDATE_DOCS=1 cargo test -p habeas --test docs -->\n\nThe contract is `../shared/spec/cli.md`; this page is what this build's `--help` says.\n\n## habeas\n\n```text\n",
    );
    doc.push_str(&help(&[]));
    doc.push_str("```\n");
    for command in [
        "init",
        "demo",
        "import",
        "verify",
        "checkpoint",
        "proof",
        "erase",
        "export",
        "backup",
        "timeline",
        "locate",
        "occupancy",
        "dedupe",
        "check",
        "rebuild",
    ] {
        doc.push_str(&format!("\n## habeas {command}\n\n```text\n{}```\n", help(&[command])));
    }
    doc
}

#[test]
fn cli_reference_matches_help() {
    let path = format!("{DOCS}/cli.md");
    let expected = cli_reference();
    if std::env::var("HABEAS_UPDATE_DOCS").is_ok() {
        std::fs::write(&path, &expected).unwrap();
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/cli.md is out of date: run HABEAS_UPDATE_DOCS=1 cargo test -p habeas --test docs"
    );
}

#[test]
fn every_verify_problem_and_rejection_is_documented() {
    let ledger = std::fs::read_to_string(format!("{DOCS}/ledger.md")).unwrap();
    for kind in habeas_store::VerifyProblem::KINDS {
        assert!(
            ledger.contains(&format!("`{kind}`")),
            "docs/ledger.md does not explain the verify problem `{kind}`"
        );
    }
    let importing = std::fs::read_to_string(format!("{DOCS}/importing.md")).unwrap();
    for reason in [
        "refers to unknown id",
        "is a ... expected",
        "which was rejected in this import",
        "already a",
        "same id with different content",
        "identical event without id",
        "cannot be retracted",
    ] {
        assert!(importing.contains(reason), "docs/importing.md does not explain the rejection {reason:?}");
    }
}
