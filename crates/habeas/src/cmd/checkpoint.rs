//! `habeas checkpoint`: the latest signed checkpoint, checked with the verifier key when one is at hand.

use serde_json::json;

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

pub fn run(ctx: &Context) -> CmdResult {
    let mut ledger = ctx.open()?;
    let Some(row) = ledger.latest_checkpoint().map_err(|e| ctx.store_failure(e))? else {
        return Err(Failure(
            ctx.t(
                "the ledger is empty: no checkpoint yet",
                "el registro está vacío: aún no hay punto de control",
            )
            .into(),
        ));
    };
    // A checkpoint that does not verify must not be handed on as if it did.
    if let Ok(verifier) = ctx.verifier()
        && let Err(e) = habeas_ledger::Checkpoint::open(&row.note, std::slice::from_ref(&verifier))
    {
        eprintln!(
            "{}: {e}; {}",
            ctx.t("the latest checkpoint does not verify", "el último punto de control no es válido"),
            ctx.t("run `habeas verify`", "ejecute `habeas verify`")
        );
        return Ok(Outcome::Found);
    }
    let root = row.note.lines().nth(2).unwrap_or_default().to_string();
    if ctx.json {
        print_json(&json!({"size": row.size, "root": root, "note": row.note}));
    } else {
        print!("{}", row.note);
    }
    Ok(Outcome::Clean)
}
