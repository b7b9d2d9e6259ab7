//! `habeas occupancy`: how many a facility held, day by day, against the capacity in force.
//!
//! PLACE is a place id, or a name as people write it ("Centro de Confinamiento", "Otay Mesa
//! Detention Center, San Diego"): a name that clearly points at one place is taken (and said so on
//! stderr); one that could be several lists them, with their ids, and stops.

use habeas_store::occupancy::Bound;
use habeas_store::{DayCount, Days, Moment, Occupancy};
use serde_json::{Value, json};

use crate::context::{CmdResult, Context, Failure, Outcome, print_json};

pub struct OccupancyArgs {
    pub place: String,
    pub from: Option<String>,
    pub to: Option<String>,
    pub as_of: Option<String>,
    pub known_at: Option<String>,
}

/// A day typed as a date is the place's own calendar day; an instant is the day it falls on there.
fn bound(ctx: &Context, flag: &str, text: &str) -> Result<Bound, Failure> {
    match text.parse::<jiff::civil::Date>() {
        Ok(day) => Ok(Bound::Day(day)),
        Err(_) => ctx.parse_time(flag, text).map(Bound::At),
    }
}

/// A name is taken for a place when it scores this well and clearly better than the next.
const CLEAR: f64 = 0.85;
const MARGIN: f64 = 0.15;

pub fn run(ctx: &Context, args: OccupancyArgs) -> CmdResult {
    let moment = Moment {
        as_of: args.as_of.as_deref().map(|t| ctx.parse_time("--as-of", t)).transpose()?,
        known_at: args.known_at.as_deref().map(|t| ctx.parse_time("--known-at", t)).transpose()?,
    };
    let days = Days {
        from: args.from.as_deref().map(|t| bound(ctx, "--from", t)).transpose()?,
        to: args.to.as_deref().map(|t| bound(ctx, "--to", t)).transpose()?,
    };
    let reversed = match (days.from, days.to) {
        (Some(Bound::Day(from)), Some(Bound::Day(to))) => from > to,
        (Some(Bound::At(from)), Some(Bound::At(to))) => from > to,
        _ => false,
    };
    if reversed {
        return Err(Failure(format!(
            "--from {} {} --to {}",
            args.from.as_deref().unwrap_or(""),
            ctx.t("comes after", "es posterior a"),
            args.to.as_deref().unwrap_or("")
        )));
    }
    let mut ledger = ctx.open()?;
    let mut found = ledger.occupancy(&args.place, days, moment).map_err(|e| ctx.store_failure(e))?;
    if found.is_none() {
        let places = ledger.find_places(&args.place, moment, 5).map_err(|e| ctx.store_failure(e))?;
        let clear = match places.as_slice() {
            [] => None,
            [only] => (only.2 >= CLEAR).then_some(only),
            [first, second, ..] => (first.2 >= CLEAR && first.2 - second.2 >= MARGIN).then_some(first),
        };
        match clear {
            Some((id, name, _)) => {
                eprintln!("{} → {id} ({name})", args.place);
                found = ledger.occupancy(id, days, moment).map_err(|e| ctx.store_failure(e))?;
            }
            None if places.is_empty() => {
                return Err(Failure(format!(
                    "{}: {}",
                    args.place,
                    ctx.t(
                        "no place with this id or a name like it",
                        "ningún lugar con este id o un nombre parecido"
                    )
                )));
            }
            None => {
                let list: Vec<String> =
                    places.iter().map(|(id, name, score)| format!("  {id}  {name}  ({score:.2})")).collect();
                return Err(Failure(format!(
                    "{}: {}\n{}",
                    args.place,
                    ctx.t(
                        "could be several places; name one by its id:",
                        "puede ser más de un lugar; indique uno por su id:"
                    ),
                    list.join("\n")
                )));
            }
        }
    }
    let Some(occupancy) = found else {
        return Err(Failure(format!(
            "{}: {}",
            args.place,
            ctx.t("no such place (then)", "no existe ese lugar (entonces)")
        )));
    };
    if ctx.json {
        print_json(&to_json(&occupancy, moment));
    } else {
        print_text(ctx, &occupancy);
    }
    Ok(Outcome::Clean)
}

fn interval(i: &Option<habeas_model::Interval>) -> Value {
    i.map_or(Value::Null, |i| json!({"earliest": i.earliest.to_string(), "latest": i.latest.to_string()}))
}

fn to_json(o: &Occupancy, moment: Moment) -> Value {
    let capacity: Vec<Value> = o
        .capacity
        .iter()
        .map(|c| json!({"count": c.count, "from": interval(&c.from), "until": interval(&c.until), "sources": c.sources}))
        .collect();
    let series: Vec<Value> = o
        .series
        .iter()
        .map(|d| {
            let mut entry =
                json!({"day": d.day.to_string(), "count": d.count, "kind": d.kind, "capacity": d.capacity});
            if let Some(possible) = d.possible {
                entry["possible"] = json!(possible);
            }
            if !d.records.is_empty() {
                entry["records"] = json!(d.records);
            }
            entry
        })
        .collect();
    json!({
        "place": o.place,
        "name": o.name,
        "zone": o.zone,
        "as_of": moment.as_of.map(|t| t.to_string()),
        "known_at": moment.known_at.map(|t| t.to_string()),
        "capacity": capacity,
        "series": series,
        "subjects": o.subjects,
    })
}

/// Thousands separated, as people read counts.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn print_text(ctx: &Context, o: &Occupancy) {
    println!(
        "{} {} ({}), {} {}",
        ctx.t("Occupancy of", "Ocupación de"),
        o.name,
        o.place,
        ctx.t("days in", "días en"),
        o.zone
    );
    for c in &o.capacity {
        let from = c.from.map(|f| ctx.show_interval(&f, Some(&o.zone)));
        let until = c.until.map(|u| ctx.show_interval(&u, Some(&o.zone)));
        let period = match (from, until) {
            (None, None) => String::new(),
            (Some(from), None) => format!(" {} {from}", ctx.t("since", "desde")),
            (None, Some(until)) => format!(" {} {until}", ctx.t("until", "hasta")),
            (Some(from), Some(until)) => {
                format!(" {} {from} {} {until}", ctx.t("from", "del"), ctx.t("to", "al"))
            }
        };
        println!("  {} {}{period}", ctx.t("capacity", "capacidad"), grouped(c.count));
    }
    if o.series.is_empty() {
        println!(
            "  {}",
            ctx.t(
                "no one recorded there, and no population counts",
                "nadie registrado allí, y ningún recuento de población"
            )
        );
        return;
    }
    let over = |d: &DayCount| match d.capacity {
        Some(capacity) if d.count > capacity => {
            format!("  {} {}", ctx.t("OVER CAPACITY", "SOBRE LA CAPACIDAD"), grouped(capacity))
        }
        _ => String::new(),
    };
    // Timelines: runs of days with the same reading, one line each.
    let held: Vec<&DayCount> = o.series.iter().filter(|d| d.kind == "timelines").collect();
    if !held.is_empty() {
        println!(
            "  {}",
            ctx.t("Held there, as the timelines record:", "Detenidos allí, según las cronologías:")
        );
    }
    for run in held.chunk_by(|a, b| (a.count, a.possible, a.capacity) == (b.count, b.possible, b.capacity)) {
        let (first, last) = (run[0], run[run.len() - 1]);
        let days =
            if run.len() > 1 { format!("{} – {}", first.day, last.day) } else { first.day.to_string() };
        let possible = first
            .possible
            .map(|p| format!(" ({} {})", ctx.t("possibly", "posiblemente"), grouped(p)))
            .unwrap_or_default();
        println!("    {days:<25} {:>9}{possible}{}", grouped(first.count), over(first));
    }
    let reported: Vec<&DayCount> = o.series.iter().filter(|d| d.kind != "timelines").collect();
    if !reported.is_empty() {
        println!("  {}", ctx.t("Reported counts:", "Recuentos publicados:"));
    }
    for d in reported {
        let kind = match d.kind.as_str() {
            "midnight" => ctx.t("at midnight", "a medianoche"),
            "daily" => ctx.t("during the day", "durante el día"),
            "peak" => ctx.t("at the peak", "en el máximo"),
            _ => ctx.t("unspecified", "sin precisar"),
        };
        println!(
            "    {:<25} {:>9} {kind} ({}){}",
            d.day.to_string(),
            grouped(d.count),
            d.records.join(", "),
            over(d)
        );
    }
}
