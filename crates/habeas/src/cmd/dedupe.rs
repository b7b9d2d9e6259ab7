//! `habeas dedupe`: person records that may be one person, with the evidence for each pair.
//!
//! A suggestion, never a decision: the people who know the case confirm a pair with a `same_as`
//! record or set it aside with a `distinct`, and both are respected on the next run.

use habeas_names::dedupe::Options;
use habeas_store::Moment;
use serde_json::json;

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

pub fn run(ctx: &Context, min_score: f64) -> CmdResult {
    if !(0.0..=1.0).contains(&min_score) {
        return Err(Failure(format!(
            "--min-score {min_score}: {}",
            ctx.t("expected a number from 0 to 1", "se esperaba un número entre 0 y 1")
        )));
    }
    let mut ledger = ctx.open()?;
    let options = Options { min_score, ..Options::default() };
    let pairs = ledger.dedupe(options, Moment::default()).map_err(|e| ctx.store_failure(e))?;
    if ctx.json {
        let pairs: Vec<_> = pairs
            .iter()
            .map(|p| json!({"a": p.a, "b": p.b, "score": (p.score * 1000.0).round() / 1000.0, "why": p.why}))
            .collect();
        print_json(&json!({"pairs": pairs}));
        return Ok(Outcome::Clean);
    }
    if pairs.is_empty() {
        println!(
            "{}",
            ctx.t(
                "No pairs of person records look like one person.",
                "Ningún par de registros de personas parece ser la misma persona."
            )
        );
        return Ok(Outcome::Clean);
    }
    for p in &pairs {
        println!("{:.2}  {} ({})  ~  {} ({})", p.score, p.a, p.a_name, p.b, p.b_name);
        println!("      {}", p.why.join("; "));
    }
    println!(
        "{}",
        ctx.t(
            "Confirm a pair with a same_as record, or set it aside with a distinct record.",
            "Confirme un par con un registro same_as, o descártelo con un registro distinct."
        )
    );
    Ok(Outcome::Clean)
}
