//! `habeas rebuild`: recompute every view from the log and show that it comes out identical.

use std::collections::BTreeMap;

use serde_json::json;

use crate::context::{CmdResult, Context, Outcome, print_json};

pub fn run(ctx: &Context) -> CmdResult {
    let mut ledger = ctx.open()?;
    let before = ledger.view_digests().map_err(|e| ctx.store_failure(e))?;
    let after = ledger.rebuild_views().map_err(|e| ctx.store_failure(e))?;
    let size = ledger.size().map_err(|e| ctx.store_failure(e))?;
    let differs: Vec<&String> = after.keys().filter(|view| before.get(*view) != after.get(*view)).collect();
    if ctx.json {
        let views: BTreeMap<&String, &String> = after.iter().collect();
        print_json(&json!({"size": size, "views": views, "changed": differs}));
    } else {
        println!(
            "{} {size} {}",
            ctx.t("Rebuilt every view from the", "Se reconstruyeron todas las vistas a partir de las"),
            ctx.t("leaves of the log:", "hojas del registro:")
        );
        for (view, digest) in &after {
            let mark = if differs.contains(&view) {
                ctx.t("CHANGED", "CAMBIÓ")
            } else {
                ctx.t("identical", "idéntica")
            };
            println!("  {view:<9} {digest}  {mark}");
        }
    }
    Ok(if differs.is_empty() { Outcome::Clean } else { Outcome::Found })
}
