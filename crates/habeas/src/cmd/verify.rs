//! `habeas verify`: recompute everything, trust only the verifier key; exit 1 on any difference.

use std::path::PathBuf;

use habeas_model::Localized;
use habeas_store::VerifyReport;
use serde_json::{Value, json};

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

/// What `verify` found, as `--json` lists it (`backup` lists the same for its copy).
pub fn problems_json(report: &VerifyReport, ctx: &Context) -> Vec<Value> {
    report
        .problems
        .iter()
        .map(|p| json!({"kind": p.problem.kind(), "index": p.index, "detail": p.problem.message(ctx.lang)}))
        .collect()
}

pub fn run(ctx: &Context, trusted: Option<PathBuf>) -> CmdResult {
    // The ledger first: a wrong --db is the likelier mistake than a missing key beside it.
    let mut ledger = ctx.open()?;
    let verifier = ctx.verifier()?;
    let trusted_note = trusted
        .as_ref()
        .map(|path| std::fs::read_to_string(path).map_err(|e| Failure(format!("{}: {e}", path.display()))))
        .transpose()?;
    let report = ledger.verify(&verifier, trusted_note.as_deref()).map_err(|e| ctx.store_failure(e))?;
    if ctx.json {
        let problems = problems_json(&report, ctx);
        print_json(&json!({
            "ok": report.ok,
            "size": report.size,
            "root": report.root.to_base64(),
            "erased": report.erased,
            "checkpoints": report.checkpoints,
            "problems": problems,
        }));
    } else if report.ok {
        println!(
            "{} {} {}: {} {} {} {}.",
            ctx.t("OK:", "Correcto:"),
            report.size,
            ctx.t("leaves verified", "hojas verificadas"),
            ctx.t("every hash recomputed from the records, personal values match their commitments, the records view matches the log, and", "cada hash recalculado a partir de los registros, los valores personales coinciden con sus compromisos, la vista coincide con el registro, y"),
            report.checkpoints,
            ctx.t("checkpoints are signed by", "puntos de control están firmados por"),
            verifier.name()
        );
        if trusted_note.is_some() {
            println!("{}", ctx.t("The trusted checkpoint is consistent with the log: nothing was rolled back or rewritten.", "El punto de control de confianza concuerda con el registro: nada fue revertido ni reescrito."));
        }
        if report.erased > 0 {
            println!(
                "{} {}",
                report.erased,
                ctx.t(
                    "records had their personal values erased (by `habeas erase`).",
                    "registros tuvieron sus valores personales borrados (con `habeas erase`)."
                )
            );
        }
        println!("{} {}", ctx.t("Root:", "Raíz:"), report.root);
    } else {
        let found = match report.problems.len() {
            1 => ctx.t("problem found", "problema encontrado"),
            _ => ctx.t("problems found", "problemas encontrados"),
        };
        println!("{} {} {found}", ctx.t("FAILED:", "FALLÓ:"), report.problems.len());
        for p in &report.problems {
            match p.index {
                Some(i) => println!("  {} {i}: {}", ctx.t("leaf", "hoja"), p.problem.message(ctx.lang)),
                None => println!("  {}", p.problem.message(ctx.lang)),
            }
        }
    }
    Ok(if report.ok { Outcome::Clean } else { Outcome::Found })
}
