//! `habeas erase`: remove a record's personal values for good; the log and its proofs stay valid.

use serde_json::json;

use crate::context::{CmdResult, Context, Outcome, now, print_json, who};

pub fn run(ctx: &Context, id: &str, reason: &str, by: &Option<String>) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open()?;
    let report = ledger.erase(id, reason, &who(by), &now()?, &signer).map_err(|e| ctx.store_failure(e))?;
    if ctx.json {
        print_json(
            &json!({"id": report.id, "fields": report.fields, "erasure": report.erasure, "size": report.size, "root": report.root.to_base64()}),
        );
    } else {
        println!(
            "{} {} {} {} ({} {}). {} {}; {}",
            ctx.t("Erased", "Borrados"),
            report.fields.join(", "),
            ctx.t("of", "de"),
            report.id,
            report.versions,
            ctx.t("versions", "versiones"),
            ctx.t("Appended erasure record", "Se añadió el registro de borrado"),
            report.erasure,
            ctx.t(
                "the log, its checkpoints and every proof stay valid.",
                "el registro, sus puntos de control y cada prueba siguen siendo válidos."
            )
        );
    }
    Ok(Outcome::Clean)
}
