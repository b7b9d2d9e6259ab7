//! `habeas proof`: inclusion proofs of records (or any leaf) and consistency proofs, against the
//! latest signed checkpoint.

use crate::context::{CmdResult, Context, Outcome, print_json};

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
    }
    Ok(Outcome::Clean)
}
