//! `habeas locate`: find a person however their name was typed, and say where they are.

use habeas_names::Query;
use habeas_store::{Moment, State};
use serde_json::json;

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

pub struct LocateArgs {
    pub query: String,
    pub born: Option<String>,
    pub nationality: Option<String>,
    pub limit: usize,
    pub as_of: Option<String>,
    pub known_at: Option<String>,
}

pub fn run(ctx: &Context, args: LocateArgs) -> CmdResult {
    let moment = Moment {
        as_of: args.as_of.as_deref().map(|t| ctx.parse_time("--as-of", t)).transpose()?,
        known_at: args.known_at.as_deref().map(|t| ctx.parse_time("--known-at", t)).transpose()?,
    };
    if let Some(born) = &args.born
        && habeas_model::TimeSpec::calendar_from_json(&serde_json::Value::from(born.as_str())).is_err()
    {
        return Err(Failure(format!(
            "--born {born}: {}",
            ctx.t(
                "expected a year, a month or a day (1990, 1990-05, 1990-05-01)",
                "se esperaba un año, un mes o un día (1990, 1990-05, 1990-05-01)"
            )
        )));
    }
    let query = Query {
        text: args.query.clone(),
        born: args.born.clone(),
        nationality: args.nationality.map(|n| n.to_uppercase()),
        limit: args.limit,
    };
    let mut ledger = ctx.open()?;
    let found = ledger.locate(&query, moment).map_err(|e| ctx.store_failure(e))?;
    if ctx.json {
        let candidates: Vec<_> = found.iter().map(habeas_store::Located::to_json).collect();
        print_json(&json!({"candidates": candidates}));
        return Ok(Outcome::Clean);
    }
    if found.is_empty() {
        println!(
            "{}",
            ctx.t(
                "No one with that name is recorded. Try another spelling, one surname, or an identifier.",
                "No encontramos a nadie con ese nombre. Pruebe otra forma de escribirlo, un solo apellido o un número de documento."
            )
        );
        return Ok(Outcome::Clean);
    }
    for (n, c) in found.iter().enumerate() {
        let place = c.place.as_deref().map(|p| {
            ledger
                .record(p)
                .ok()
                .flatten()
                .and_then(|r| r.body.get("name").and_then(|v| v.as_str()).map(str::to_string))
                .unwrap_or_else(|| p.to_string())
        });
        let zone = c
            .place
            .as_deref()
            .and_then(|p| ledger.record(p).ok().flatten())
            .and_then(|r| r.body.get("tz").and_then(|v| v.as_str()).map(str::to_string));
        let since = c.since.map(|s| ctx.show_interval(&s, zone.as_deref())).unwrap_or_default();
        let status = match (c.status, c.removed) {
            (Some(State::InCustody), true) => format!(
                "{} {} {} {since}",
                ctx.t("held by another state at", "bajo custodia de otro Estado en"),
                place.unwrap_or_default(),
                ctx.t("since", "desde")
            ),
            (Some(State::InCustody), false) => format!(
                "{} {} {} {since}",
                ctx.t("in custody at", "bajo custodia en"),
                place.unwrap_or_default(),
                ctx.t("since", "desde")
            ),
            (Some(State::InTransit), _) => {
                format!("{} {since}", ctx.t("in transit since", "en traslado desde"))
            }
            (Some(State::Released), _) => format!("{} {since}", ctx.t("released on", "liberado el")),
            (Some(State::Deceased), _) => {
                format!("{} {since}", ctx.t("recorded as deceased on", "registrado como fallecido el"))
            }
            (Some(State::Unknown), _) => {
                format!("{} {since}", ctx.t("whereabouts not recorded since", "paradero sin registro desde"))
            }
            (None, _) => ctx.t("no custody recorded", "sin custodia registrada").to_string(),
        };
        println!("{}. {} ({}) {:.2}: {status}", n + 1, c.name, c.id, c.score);
        println!("   {}", c.why.join("; "));
    }
    Ok(Outcome::Clean)
}
