//! `habeas backup FILE`: the whole ledger copied, as it is at one moment, to a new file, and the
//! copy verified with the verifier key.
//!
//! The copy is made under a read transaction, so a server (or an import) may go on writing while
//! it runs; it holds everything the database holds (the log, its checkpoints, the kept personal
//! values, the views, the server's accounts and audit trail) and nothing else: the signing key
//! lives outside the database and must be backed up apart. A copy restored later keeps every proof
//! already handed out valid, which an export re-imported does not (new leaves, new salts).

use std::path::Path;

use habeas_model::Localized;
use habeas_store::{Ledger, Location};
use serde_json::json;

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

pub fn run(ctx: &Context, dest: &Path) -> CmdResult {
    if dest.is_dir() {
        return Err(Failure(format!(
            "{}: {}",
            dest.display(),
            ctx.t(
                "is a folder: name the new file in it (habeas-2026-12-02.db, say)",
                "es una carpeta: indique el archivo nuevo dentro de ella (habeas-2026-12-02.db, por ejemplo)"
            )
        )));
    }
    if let Some(folder) = dest.parent().filter(|p| !p.as_os_str().is_empty() && !p.is_dir()) {
        return Err(Failure(format!(
            "{}: {}",
            folder.display(),
            ctx.t("no such folder", "no existe esa carpeta")
        )));
    }
    let mut ledger = ctx.open()?;
    let verifier = ctx.verifier()?;
    ledger.copy_to(dest).map_err(|e| ctx.store_failure(e))?;
    drop(ledger);
    let bytes = std::fs::metadata(dest).map(|m| m.len()).unwrap_or(0);

    // The key the copy is checked with, beside it, so that `habeas --db FILE verify` works on it
    // as it is (a FILE.pub already there is left alone).
    let public_copy = format!("{}.pub", dest.display());
    let public_copied = !Path::new(&public_copy).exists();
    if public_copied {
        std::fs::write(&public_copy, format!("{}\n", verifier.to_key_string()))
            .map_err(|e| Failure(format!("{public_copy}: {e}")))?;
    }

    let mut copy = Ledger::open(&Location::Sqlite(dest.to_path_buf())).map_err(|e| ctx.store_failure(e))?;
    let report = copy.verify(&verifier, None).map_err(|e| ctx.store_failure(e))?;
    if ctx.json {
        let problems = crate::cmd::verify::problems_json(&report, ctx);
        print_json(&json!({
            "backup": dest.display().to_string(),
            "bytes": bytes,
            "ok": report.ok,
            "size": report.size,
            "root": report.root.to_base64(),
            "problems": problems,
        }));
    } else if report.ok {
        println!(
            "{} {} ({:.1} MB): {} {}, {} {}.",
            ctx.t("Copied to", "Copiado en"),
            dest.display(),
            bytes as f64 / 1e6,
            report.size,
            ctx.t("leaves", "hojas"),
            ctx.t("root", "raíz"),
            report.root
        );
        println!(
            "{} {}.",
            ctx.t(
                "The copy verifies: every hash recomputed and every checkpoint signature checked with the key",
                "La copia se verifica: cada hash recalculado y cada firma de punto de control comprobada con la clave"
            ),
            verifier.name()
        );
        println!(
            "{}",
            ctx.t(
                "It holds the log, the personal values, the accounts and the audit trail. It does not hold the signing key: back that up apart, somewhere safe.",
                "Contiene el registro, los valores personales, las cuentas y la bitácora de auditoría. No contiene la clave de firma: respáldela aparte, en un lugar seguro."
            )
        );
        if public_copied {
            println!("{} {public_copy}", ctx.t("Verifier key written to", "Clave pública escrita en"));
        }
    } else {
        println!(
            "{} {} {}",
            ctx.t("FAILED:", "FALLÓ:"),
            dest.display(),
            ctx.t(
                "is a faithful copy of a ledger that does not verify; it is kept for examination:",
                "es una copia fiel de un registro que no se verifica; se conserva para examinarla:"
            )
        );
        for p in &report.problems {
            println!("  - {}", p.problem.message(ctx.lang));
        }
    }
    Ok(if report.ok { Outcome::Clean } else { Outcome::Found })
}
