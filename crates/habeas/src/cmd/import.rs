//! `habeas import`: JSON Lines files into the ledger, in one transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use habeas_io::JsonlSource;
use habeas_model::Localized;
use habeas_store::{ImportOptions, ImportReport};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::context::{CmdResult, Context, Failure, Outcome, now, print_json, who};

pub struct ImportArgs {
    pub files: Vec<String>,
    pub keep_going: bool,
    pub rejects: Option<PathBuf>,
    pub format: String,
    pub by: Option<String>,
    pub no_progress: bool,
}

fn progress_bar(total: u64, quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{spinner} {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {eta} left",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

pub fn run(ctx: &Context, args: ImportArgs) -> CmdResult {
    if args.format != "jsonl" {
        return Err(Failure(format!(
            "--format {}: {}",
            args.format,
            ctx.t("spreadsheet and Parquet imports with mapping files are not in this version yet; convert to JSON Lines", "las importaciones de hojas de cálculo y Parquet con archivos de mapeo aún no están en esta versión; convierta a JSON Lines")
        )));
    }
    let signer = ctx.signer()?;
    let mut ledger = ctx.open()?;
    let source = JsonlSource::open(&args.files).map_err(|e| ctx.store_failure(e))?;
    let bar = progress_bar(source.total_bytes(), args.no_progress);
    let mut source = match &bar {
        Some(bar) => {
            let bar = bar.clone();
            source.with_progress(Arc::new(move |n| bar.set_position(n)))
        }
        None => source,
    };
    let options = ImportOptions { keep_going: args.keep_going, by: who(&args.by), at: now()? };
    let report = ledger.import(&mut source, &options, &signer).map_err(|e| ctx.store_failure(e));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if let Some(path) = &args.rejects {
        write_rejects(ctx, path, &source, &report)?;
    }
    print_report(ctx, &report);
    Ok(if report.rejected.is_empty() { Outcome::Clean } else { Outcome::Found })
}

/// Each rejected record as `{"file", "line", "field", "error", "input"}`.
fn write_rejects(
    ctx: &Context,
    path: &PathBuf,
    source: &JsonlSource,
    report: &ImportReport,
) -> Result<(), Failure> {
    let names = habeas_store::InputSource::file_names(source);
    let mut wanted: BTreeMap<usize, BTreeSet<u64>> = BTreeMap::new();
    for r in &report.rejected {
        if let Some(file) = names.iter().position(|n| *n == r.file) {
            wanted.entry(file).or_default().insert(r.line);
        }
    }
    let mut texts = BTreeMap::new();
    for (file, lines) in &wanted {
        texts.insert(*file, source.lines(*file, lines).map_err(|e| ctx.store_failure(e))?);
    }
    let fail = |e: std::io::Error| Failure(format!("{}: {e}", path.display()));
    let mut out = BufWriter::new(File::create(path).map_err(fail)?);
    for r in &report.rejected {
        let input = names
            .iter()
            .position(|n| *n == r.file)
            .and_then(|f| texts.get(&f))
            .and_then(|t| t.get(&r.line))
            .cloned()
            .unwrap_or_default();
        let line = json!({"file": r.file, "line": r.line, "field": r.field, "error": r.reason.message(ctx.lang), "input": input});
        writeln!(out, "{line}").map_err(fail)?;
    }
    out.flush().map_err(fail)
}

fn print_report(ctx: &Context, report: &ImportReport) {
    if ctx.json {
        let rejected: Vec<Value> = report
            .rejected
            .iter()
            .map(|r| json!({"file": r.file, "line": r.line, "field": r.field, "error": r.reason.message(ctx.lang)}))
            .collect();
        let warnings: Vec<Value> = report
            .warnings
            .iter()
            .map(|w| json!({"file": w.file, "line": w.line, "field": w.warning.field, "warning": w.warning.warning.message(ctx.lang)}))
            .collect();
        print_json(&json!({
            "appended": report.appended,
            "unchanged": report.unchanged,
            "rejected": rejected,
            "warnings": warnings,
            "warnings_total": report.warnings_total,
            "committed": report.committed,
            "size": report.size,
            "root": report.root.to_base64(),
        }));
    } else {
        for w in report.warnings.iter().take(20) {
            eprintln!(
                "{}: {}:{}: {}: {}",
                ctx.t("warning", "aviso"),
                w.file,
                w.line,
                w.warning.field,
                w.warning.warning.message(ctx.lang)
            );
        }
        if report.warnings_total > 20 {
            eprintln!(
                "{} {} {}",
                ctx.t("… and", "… y"),
                report.warnings_total - 20,
                ctx.t("more warnings (see --json)", "avisos más (vea --json)")
            );
        }
        for r in &report.rejected {
            println!("{}: {}", ctx.t("rejected", "rechazado"), r.message(ctx.lang));
        }
        let summary = format!(
            "{} {}, {} {}, {} {}.",
            report.appended,
            ctx.t("appended", "añadidos"),
            report.unchanged,
            ctx.t("unchanged", "sin cambios"),
            report.rejected.len(),
            ctx.t("rejected", "rechazados")
        );
        if !report.committed && !report.rejected.is_empty() {
            println!("{summary} {}", ctx.t("Nothing was imported: fix the rejected records, or use --keep-going to land the rest.", "No se importó nada: corrija los registros rechazados, o use --keep-going para importar el resto."));
        } else {
            println!("{summary}");
        }
        println!(
            "{} {}, {} {}",
            ctx.t("Ledger size", "Tamaño del registro"),
            report.size,
            ctx.t("root", "raíz"),
            report.root
        );
    }
}
