//! `habeas check`: which custody acts conflicted with which orders, who is held with no recorded
//! authority, cut off or out of sight; each finding with its readings and the records behind it.
//!
//! Text groups findings by subject, most serious first, with times in the place's zone and the
//! titles of the sources behind each; `--json` prints rules.md's output. Exit 0 whatever is found,
//! unless `--fail-on` names an outcome and a finding that serious or worse exists.

use std::collections::BTreeMap;
use std::path::PathBuf;

use habeas_model::Lang;
use habeas_rules::{Case, Finding, Outcome as FindingOutcome, Policy, RULES, Report};
use habeas_store::Moment;
use habeas_store::check::Sources;

use crate::context::{CmdResult, Context, Failure, Outcome};

pub struct CheckArgs {
    pub rules: Vec<String>,
    pub as_of: Option<String>,
    pub known_at: Option<String>,
    pub explain: bool,
    pub fail_on: Option<String>,
    pub policy: Option<PathBuf>,
}

fn policy(path: &Option<PathBuf>) -> Result<Policy, Failure> {
    let Some(path) = path else { return Ok(Policy::default()) };
    let text = std::fs::read_to_string(path).map_err(|e| Failure(format!("{}: {e}", path.display())))?;
    Policy::from_toml(&text).map_err(|e| Failure(format!("{}: {e}", path.display())))
}

pub fn run(ctx: &Context, args: CheckArgs) -> CmdResult {
    for rule in &args.rules {
        if !RULES.contains(&rule.as_str()) {
            return Err(Failure(format!(
                "--rule {rule}: {} {}",
                ctx.t(
                    "not a rule this version checks; rules:",
                    "no es una regla que esta versión revise; reglas:"
                ),
                RULES.join(", ")
            )));
        }
    }
    let fail_on = match &args.fail_on {
        None => None,
        Some(text) => Some(FindingOutcome::parse(text).ok_or_else(|| {
            Failure(format!(
                "--fail-on {text}: {} violation, possible_violation, warning, data_gap, info",
                ctx.t("expected one of", "se esperaba una de")
            ))
        })?),
    };
    let policy = policy(&args.policy)?;
    let moment = Moment {
        as_of: args.as_of.as_deref().map(|t| ctx.parse_time("--as-of", t)).transpose()?,
        known_at: args.known_at.as_deref().map(|t| ctx.parse_time("--known-at", t)).transpose()?,
    };
    let as_of = moment.as_of.unwrap_or_else(jiff::Timestamp::now);
    let mut ledger = ctx.open()?;
    // Only the text output shows the titles of the sources behind a finding.
    let sources = if ctx.json { Sources::Left } else { Sources::Held };
    let case =
        ledger.case(Moment { as_of: Some(as_of), ..moment }, sources).map_err(|e| ctx.store_failure(e))?;
    let es = ctx.lang == Lang::Es;
    let report = if ctx.json {
        // Each finding held as the text it is written as, from the moment it is found.
        let report = habeas_rules::check_json(&case, &policy, &args.rules, as_of, es);
        let stdout = std::io::stdout();
        // A megabyte at a time: at 7.8M records the output is a gigabyte.
        let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
        report.write_json(&mut out, args.explain, es).map_err(|e| Failure(format!("stdout: {e}")))?;
        report
    } else {
        let messages = if es { habeas_rules::Messages::Spanish } else { habeas_rules::Messages::English };
        let report = habeas_rules::check_keeping(&case, &policy, &args.rules, as_of, messages);
        print_text(ctx, &case, &report, args.explain);
        report
    };
    let failed = fail_on.is_some_and(|worst| report.outcomes().any(|outcome| outcome <= worst));
    // The process ends now: freeing a large case object by object would only delay the exit
    // (at a million records, seconds; the operating system takes the memory back at once).
    std::mem::forget(case);
    std::mem::forget(report);
    Ok(if failed { Outcome::Found } else { Outcome::Clean })
}

fn outcome_words(ctx: &Context, outcome: FindingOutcome) -> &'static str {
    match outcome {
        FindingOutcome::Violation => ctx.t("VIOLATION", "VIOLACIÓN"),
        FindingOutcome::PossibleViolation => ctx.t("POSSIBLE VIOLATION", "POSIBLE VIOLACIÓN"),
        FindingOutcome::Warning => ctx.t("warning", "advertencia"),
        FindingOutcome::DataGap => ctx.t("data gap", "falta de datos"),
        FindingOutcome::Info => ctx.t("info", "contexto"),
    }
}

/// The titles of the sources the finding's records cite.
fn source_titles(case: &Case, finding: &Finding) -> Vec<String> {
    let mut titles: Vec<String> = Vec::new();
    for id in &finding.records {
        let Some(record) = case.record(id) else { continue };
        for source in record.strings("sources") {
            let title = case.record(&source).and_then(|s| s.str("title")).unwrap_or(&source).to_string();
            if !titles.contains(&title) {
                titles.push(title);
            }
        }
    }
    titles
}

fn print_text(ctx: &Context, case: &Case, report: &Report, explain: bool) {
    let es = ctx.lang == Lang::Es;
    if report.findings.is_empty() {
        println!("{}", ctx.t("No findings.", "Sin hallazgos."));
    }
    let mut by_subject: BTreeMap<habeas_rules::Id, Vec<&Finding>> = BTreeMap::new();
    for finding in &report.findings {
        let key =
            finding.subjects.first().cloned().unwrap_or_else(|| finding.about.clone().unwrap_or_default());
        by_subject.entry(key).or_default().push(finding);
    }
    let mut groups: Vec<(habeas_rules::Id, Vec<&Finding>)> = by_subject.into_iter().collect();
    groups.sort_by_key(|(_, findings)| findings.iter().map(|f| f.outcome).min());
    for (subject, findings) in groups {
        println!("{subject}");
        for f in findings {
            let at =
                f.at.map(|t| format!(" {}", ctx.show_interval(&t, f.zone.as_deref()))).unwrap_or_default();
            println!("  {} [{}]{at}", outcome_words(ctx, f.outcome), f.rule);
            println!("    {}", f.message[usize::from(es)]);
            if f.readings.len() > 1 {
                for r in &f.readings {
                    let keys: Vec<&str> = r.keys.iter().map(|(_, v)| v.as_str()).collect();
                    println!("      {:<56} {}", keys.join(" / "), r.holds.to_json());
                }
            }
            println!("    {}: {}", ctx.t("records", "registros"), f.records.join(", "));
            let titles = source_titles(case, f);
            if !titles.is_empty() {
                println!("    {}: {}", ctx.t("sources", "fuentes"), titles.join("; "));
            }
            println!("    id {}", f.id());
        }
    }
    if explain && !report.cleared.is_empty() {
        println!("{}", ctx.t("Evaluated and cleared:", "Evaluado y descartado:"));
        for c in &report.cleared {
            println!("  [{}] {} {}: {}", c.rule, c.subjects.join(", "), c.about, c.reason[usize::from(es)]);
        }
    }
}
