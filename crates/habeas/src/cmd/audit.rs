//! `habeas audit`: the server's audit trail, filtered, with a check of its hash chain (exit 1
//! when an entry was changed or removed behind the database's back).

use habeas_store::{AuditFilter, Directory};
use serde_json::json;

use crate::context::{CmdResult, Context, Outcome, print_json};

pub fn run(ctx: &Context, since: Option<String>, user: Option<String>, record: Option<String>) -> CmdResult {
    let since = since.as_deref().map(|t| ctx.parse_time("--since", t)).transpose()?;
    drop(ctx.open()?);
    let directory = Directory::open(&ctx.location()).map_err(|e| ctx.store_failure(e))?;
    let filter = AuditFilter { since, account: user, record };
    let trail = directory.audit_entries(&filter).map_err(|e| ctx.store_failure(e))?;
    if ctx.json {
        let entries: Vec<_> = trail
            .entries
            .iter()
            .map(|(seq, e)| json!({"seq": seq, "at": e.at, "account": e.account, "role": e.role, "action": e.action, "records": e.records, "request": e.request}))
            .collect();
        print_json(
            &json!({"entries": entries, "total": trail.total, "intact": trail.broken_at.is_none(), "broken_at": trail.broken_at}),
        );
    } else {
        for (seq, e) in &trail.entries {
            println!(
                "{seq:>6} {} {:<16} {:<7} {:<13} {} {}",
                e.at,
                e.account,
                e.role,
                e.action,
                e.request,
                e.records.join(" ")
            );
        }
        match trail.broken_at {
            None => eprintln!(
                "habeas: {} {} {}",
                trail.total,
                ctx.t("entries; the hash chain is intact", "entradas; la cadena de hashes está intacta"),
                if trail.entries.len() as u64 == trail.total {
                    String::new()
                } else {
                    format!("({} {})", trail.entries.len(), ctx.t("shown", "mostradas"))
                }
            ),
            Some(seq) => eprintln!(
                "habeas: {} {seq}: {}",
                ctx.t(
                    "the audit trail is broken at entry",
                    "el registro de auditoría está roto en la entrada"
                ),
                ctx.t(
                    "it was changed or an entry removed outside habeas",
                    "fue modificado o se quitó una entrada fuera de habeas"
                )
            ),
        }
    }
    Ok(if trail.broken_at.is_some() { Outcome::Found } else { Outcome::Clean })
}
