//! `habeas proof`: inclusion proofs of records (or any leaf) and consistency proofs, against the
//! latest signed checkpoint; `--check` checks such a proof, handed over as a document, with the
//! verifier key alone.

use std::io::Read;
use std::path::{Path, PathBuf};

use habeas_model::Localized;
use habeas_store::{ProofCheck, ProofDocument};
use serde_json::{Value, json};

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

/// Reads a file, or standard input for `-`.
fn read_text(path: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    let read = if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text))
    };
    read.map(|_| text).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

/// `habeas proof --check FILE [--trusted OLD_CHECKPOINT]`: exit 0 when the proof holds, 1 when it
/// does not (each reason said), 2 when the document or a key cannot be read.
pub fn check(ctx: &Context, document: &Path, trusted: Option<PathBuf>) -> CmdResult {
    let verifier = ctx.verifier()?;
    let text = read_text(document)?;
    let parsed = ProofDocument::parse(&text)
        .map_err(|e| Failure(format!("{}: {}", document.display(), e.message(ctx.lang))))?;
    let (kind, checked, about) = match &parsed {
        ProofDocument::Inclusion(_) if trusted.is_some() => {
            return Err(Failure(format!(
                "--trusted: {}",
                ctx.t(
                    "an inclusion proof is checked against the signed checkpoint it carries; --trusted is for a consistency proof",
                    "una prueba de inclusión se comprueba contra el punto de control firmado que lleva; --trusted es para una prueba de consistencia"
                )
            )));
        }
        ProofDocument::Inclusion(proof) => {
            let about =
                json!({"id": proof.id, "index": proof.proof.leaf_index, "size": proof.proof.tree_size});
            ("inclusion", proof.check(&verifier), about)
        }
        ProofDocument::Consistency(proof) => {
            let Some(trusted) = trusted else {
                return Err(Failure(format!(
                    "{}: {}",
                    document.display(),
                    ctx.t(
                        "a consistency proof is checked against an older checkpoint you kept: pass --trusted FILE",
                        "una prueba de consistencia se comprueba contra un punto de control anterior que usted guardó: indique --trusted ARCHIVO"
                    )
                )));
            };
            let note = read_text(&trusted)?;
            let about = json!({"old_size": proof.proof.old_size, "size": proof.proof.new_size});
            ("consistency", proof.check(&verifier, &note), about)
        }
    };
    let ProofCheck { checkpoint, problems } = &checked;
    if ctx.json {
        let mut out = json!({
            "ok": checked.holds(),
            "kind": kind,
            "origin": checkpoint.as_ref().map(|c| c.origin.clone()),
            "root": checkpoint.as_ref().map(|c| c.root.to_base64()),
            "problems": problems
                .iter()
                .map(|p| json!({"kind": p.kind(), "detail": p.message(ctx.lang)}))
                .collect::<Vec<_>>(),
        });
        if let (Some(out), Value::Object(about)) = (out.as_object_mut(), about) {
            out.extend(about);
        }
        print_json(&out);
    } else if checked.holds() {
        let origin = checkpoint.as_ref().map_or("", |c| c.origin.as_str());
        match &parsed {
            ProofDocument::Inclusion(proof) => {
                println!(
                    "{} {} {} {} {} {} {} {origin} {} {}.",
                    ctx.t("The proof holds: record", "La prueba es válida: el registro"),
                    proof.id,
                    ctx.t("is leaf", "es la hoja"),
                    proof.proof.leaf_index,
                    ctx.t("of the tree of", "del árbol de"),
                    proof.proof.tree_size,
                    ctx.t("leaves that the log", "hojas que el registro"),
                    ctx.t("signed with the key", "firmó con la clave"),
                    verifier.name()
                );
                println!(
                    "{}\n{}",
                    ctx.t(
                        "The record as logged (personal values appear as their commitments):",
                        "El registro tal como consta (los valores personales aparecen como sus compromisos):"
                    ),
                    String::from_utf8_lossy(&proof.leaf_bytes)
                );
            }
            ProofDocument::Consistency(proof) => println!(
                "{} {} {} {} {} {origin}.",
                ctx.t("The proof holds: the log of", "La prueba es válida: el registro de"),
                proof.proof.old_size,
                ctx.t(
                    "leaves you kept is the beginning of the log of",
                    "hojas que usted guardó es el comienzo del registro de"
                ),
                proof.proof.new_size,
                ctx.t("leaves, signed by", "hojas, firmado por"),
            ),
        }
        if let Some(checkpoint) = checkpoint {
            println!("{} {}", ctx.t("Root:", "Raíz:"), checkpoint.root);
        }
    } else {
        println!("{}", ctx.t("FAILED: the proof does not hold.", "FALLÓ: la prueba no es válida."));
        for problem in problems {
            println!("  - {}", problem.message(ctx.lang));
        }
    }
    Ok(if checked.holds() { Outcome::Clean } else { Outcome::Found })
}

pub fn run(ctx: &Context, id: Option<String>, index: Option<u64>, consistency: Option<u64>) -> CmdResult {
    let mut ledger = ctx.open()?;
    if let Some(old_size) = consistency {
        let out = ledger.prove_consistency(old_size).map_err(|e| ctx.store_failure(e))?;
        let hashes: Vec<String> = out.proof.hashes.iter().map(|h| h.to_base64()).collect();
        if ctx.json {
            print_json(&out.to_json());
        } else {
            println!(
                "{} {} → {}",
                ctx.t("Consistency proof", "Prueba de consistencia"),
                out.proof.old_size,
                out.proof.new_size
            );
            for h in &hashes {
                println!("  {h}");
            }
            print!("{}:\n{}", ctx.t("Checkpoint", "Punto de control"), out.checkpoint);
        }
        return Ok(Outcome::Clean);
    }
    // How this proof was asked for, to say how to ask for it as a document.
    let asked = match (&id, index) {
        (_, Some(index)) => format!("--index {index}"),
        (Some(id), None) => id.clone(),
        (None, None) => String::new(),
    };
    let proof = match (id, index) {
        (_, Some(index)) => ledger.prove_index(index),
        (Some(id), None) => ledger.prove_record(&id),
        (None, None) => unreachable!("clap requires an id, --index or --consistency"),
    }
    .map_err(|e| ctx.store_failure(e))?;
    let hashes: Vec<String> = proof.proof.hashes.iter().map(|h| h.to_base64()).collect();
    let leaf_text = String::from_utf8_lossy(&proof.leaf_bytes).into_owned();
    if ctx.json {
        print_json(&proof.to_json());
    } else {
        println!(
            "{} {} {} {} {} {}",
            ctx.t("Record", "Registro"),
            proof.id,
            ctx.t("is leaf", "es la hoja"),
            proof.proof.leaf_index,
            ctx.t("of the tree of", "del árbol de"),
            proof.proof.tree_size
        );
        println!("{} {leaf_text}", ctx.t("Leaf bytes:", "Bytes de la hoja:"));
        println!(
            "{} {}",
            ctx.t("Leaf hash (SHA-256 of 0x00 || bytes):", "Hash de la hoja (SHA-256 de 0x00 || bytes):"),
            proof.leaf_hash
        );
        println!(
            "{} ({} {}):",
            ctx.t("Audit path", "Ruta de auditoría"),
            hashes.len(),
            ctx.t("hashes, RFC 9162 §2.1.3", "hashes, RFC 9162 §2.1.3")
        );
        for h in &hashes {
            println!("  {h}");
        }
        print!("{}:\n{}", ctx.t("Signed checkpoint", "Punto de control firmado"), proof.checkpoint);
        // On stderr: the proof on stdout stays the proof, if it is saved.
        eprintln!(
            "{} habeas --db {db} proof {asked} --json > exhibit.json; {} habeas --verifier-key {db}.pub proof --check exhibit.json",
            ctx.t("To hand it over:", "Para entregarla:"),
            ctx.t("whoever receives it checks it with", "quien la reciba la comprueba con"),
            db = ctx.db
        );
    }
    Ok(Outcome::Clean)
}
