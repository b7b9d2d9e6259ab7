//! `habeas timeline`: where a person or cohort was, when, held by whom, on what authority.

use habeas_rules::Id;
use habeas_store::{Moment, State, Timeline};

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

/// The state in a person's words, in both languages.
fn state_text(ctx: &Context, state: State, removed: bool) -> &'static str {
    match (state, removed) {
        (State::InCustody, true) => {
            ctx.t("in custody of another state (removed)", "bajo custodia de otro Estado (expulsado)")
        }
        (State::InCustody, false) => ctx.t("in custody", "bajo custodia"),
        (State::InTransit, _) => ctx.t("in transit", "en traslado"),
        (State::Released, _) => ctx.t("released", "liberado"),
        (State::Deceased, _) => ctx.t("deceased", "fallecido"),
        (State::Unknown, _) => ctx.t("unknown: not recorded", "desconocido: sin registro"),
    }
}

pub fn run(ctx: &Context, id: &str, as_of: Option<String>, known_at: Option<String>) -> CmdResult {
    let moment = Moment {
        as_of: as_of.as_deref().map(|t| ctx.parse_time("--as-of", t)).transpose()?,
        known_at: known_at.as_deref().map(|t| ctx.parse_time("--known-at", t)).transpose()?,
    };
    let mut ledger = ctx.open()?;
    let Some(timeline) = ledger.timeline(id, moment).map_err(|e| ctx.store_failure(e))? else {
        return Err(Failure(format!(
            "{id}: {}",
            ctx.t(
                "no person or cohort with this id (then)",
                "no hay persona ni grupo con este id (entonces)"
            )
        )));
    };
    if ctx.json {
        print_json(&timeline.to_json(moment));
    } else {
        print_text(ctx, &timeline);
    }
    Ok(Outcome::Clean)
}

fn print_text(ctx: &Context, timeline: &Timeline) {
    let name = |id: &Option<Id>| {
        id.as_deref().map(|i| timeline.names.get(i).cloned().unwrap_or_else(|| i.to_string()))
    };
    println!("{} {} ({})", ctx.t("Timeline of", "Cronología de"), timeline.subject, timeline.kind);
    if timeline.segments.is_empty() {
        println!("  {}", ctx.t("no dated custody events", "no hay eventos de custodia con fecha"));
    }
    for s in &timeline.segments {
        let zone = s.place.as_deref().and_then(|p| timeline.zones.get(p)).map(String::as_str);
        // A journey ends where it was headed: its end is shown in that place's zone.
        let end_zone = s.to.as_deref().and_then(|p| timeline.zones.get(p)).map(String::as_str).or(zone);
        let until = match &s.until {
            Some(u) => ctx.show_interval(u, end_zone),
            None => ctx.t("now", "ahora").to_string(),
        };
        let mut line = format!(
            "  {} → {}  {}",
            ctx.show_interval(&s.from, zone),
            until,
            state_text(ctx, s.state, s.removed)
        );
        if let Some(place) = name(&s.place) {
            line.push_str(&format!(" {} {place}", ctx.t("at", "en")));
        }
        if let Some(to) = name(&s.to) {
            line.push_str(&format!(" → {to}"));
        }
        if let Some(custodian) = name(&s.custodian) {
            line.push_str(&format!(", {} {custodian}", ctx.t("held by", "en poder de")));
        }
        if !s.basis.is_empty() {
            line.push_str(&format!(", {} {}", ctx.t("under", "con base en"), s.basis.join(", ")));
        }
        if let Some(count) = s.count {
            line.push_str(&format!(" ({count})"));
        }
        if let Some(reason) = &s.reason {
            line.push_str(&format!(" [{reason}]"));
        }
        println!("{line}");
        for record in &s.records {
            let titles: Vec<String> = timeline
                .sources
                .get(record.as_str())
                .into_iter()
                .flatten()
                .map(|src| timeline.names.get(src).cloned().unwrap_or_else(|| src.clone()))
                .collect();
            if titles.is_empty() {
                println!("      {record}");
            } else {
                println!("      {record}: {}", titles.join("; "));
            }
        }
    }
    if !timeline.possible.is_empty() {
        println!(
            "  {} {}",
            ctx.t(
                "Events on part of a cohort, which may concern this subject:",
                "Eventos sobre parte de un grupo, que pueden concernir a este sujeto:"
            ),
            timeline.possible.join(", ")
        );
    }
    if !timeline.undated.is_empty() {
        println!(
            "  {} {}",
            ctx.t("Events without a time:", "Eventos sin hora:"),
            timeline.undated.join(", ")
        );
    }
    if !timeline.joined.is_empty() {
        println!("  {} {}", ctx.t("Joined by same_as:", "Unido por same_as:"), timeline.joined.join(", "));
    }
}
