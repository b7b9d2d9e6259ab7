//! `habeas import`: JSON Lines files, or CSV, XLSX and Parquet files through a mapping, into the
//! ledger, in one transaction.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;

use habeas_io::{Format, JsonlSource, MappedSource, Mapping};
use habeas_model::Localized;
use habeas_store::{ImportOptions, ImportReport, InputSource, Rejection, StoreError};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::context::{CmdResult, Context, Failure, Outcome, now, print_json, who};

pub struct ImportArgs {
    pub files: Vec<String>,
    pub keep_going: bool,
    pub rejects: Option<PathBuf>,
    pub format: Option<String>,
    pub mapping: Option<PathBuf>,
    pub by: Option<String>,
    pub no_progress: bool,
}

fn progress_bar(total: u64, quiet: bool, unit: &str) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = if unit == "bytes" {
        "{spinner} {bytes}/{total_bytes} [{bar:30}] {bytes_per_sec}, {eta} left"
    } else {
        "{spinner} {human_pos}/{human_len} rows [{bar:30}] {eta} left"
    };
    let style = ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// The input of an import: JSON Lines, or tables through a mapping.
enum Source {
    Jsonl(JsonlSource),
    Mapped(MappedSource),
}

impl Source {
    fn input(&mut self) -> &mut dyn InputSource {
        match self {
            Source::Jsonl(s) => s,
            Source::Mapped(s) => s,
        }
    }

    /// The text of the given lines (rows) of a file, for `--rejects`.
    fn texts(
        &self,
        file: usize,
        wanted: &BTreeSet<u64>,
    ) -> Result<std::collections::HashMap<u64, String>, StoreError> {
        match self {
            Source::Jsonl(s) => s.lines(file, wanted),
            Source::Mapped(s) => s.rows(file, wanted),
        }
    }

    /// Where a rejected record is: `{"line": N}`, or `{"sheet", "row"}` in a workbook, or
    /// `{"row": N}` in a Parquet file (which has neither lines nor sheets).
    fn location(&self, line: u64) -> Vec<(&'static str, Value)> {
        match self {
            Source::Mapped(s) if s.format() == Format::Xlsx => {
                vec![("sheet", json!(s.sheet())), ("row", json!(line))]
            }
            Source::Mapped(s) if s.format() == Format::Parquet => vec![("row", json!(line))],
            _ => vec![("line", json!(line))],
        }
    }

    fn message(&self, ctx: &Context, r: &Rejection) -> String {
        // `file:line: field: reason`, or `file:line: reason` for a line that is not a record at all.
        let field = if r.field.is_empty() { String::new() } else { format!(" {}:", r.field) };
        let at = match self {
            Source::Mapped(s) if s.format() == Format::Xlsx => format!(
                "{}, {} {}, {} {}",
                r.file,
                ctx.t("sheet", "hoja"),
                s.sheet().unwrap_or_default(),
                ctx.t("row", "fila"),
                r.line
            ),
            Source::Mapped(s) if s.format() == Format::Parquet => {
                format!("{}, {} {}", r.file, ctx.t("row", "fila"), r.line)
            }
            _ => format!("{}:{}", r.file, r.line),
        };
        format!("{at}:{field} {}", r.reason.message(ctx.lang))
    }
}

/// The format of the files: as given, else the mapping's, else the first file's extension.
fn format_of(args: &ImportArgs, mapping: Option<&Mapping>) -> Option<Format> {
    if let Some(f) = &args.format {
        return Format::parse(f);
    }
    if let Some(f) = mapping.and_then(|m| m.format) {
        return Some(f);
    }
    let first = args.files.first()?.to_ascii_lowercase();
    let first = first.strip_suffix(".gz").unwrap_or(&first);
    ["csv", "xlsx", "parquet"]
        .into_iter()
        .find(|ext| first.ends_with(&format!(".{ext}")))
        .and_then(Format::parse)
}

fn open_source(
    ctx: &Context,
    args: &ImportArgs,
    ledger: &mut habeas_store::Ledger,
) -> Result<Source, Failure> {
    let Some(mapping_path) = &args.mapping else {
        return match args.format.as_deref() {
            None | Some("jsonl") => {
                Ok(Source::Jsonl(JsonlSource::open(&args.files).map_err(|e| ctx.store_failure(e))?))
            }
            Some(other) => Err(Failure(format!(
                "--format {other}: {}",
                ctx.t(
                    "needs --mapping MAP.toml, saying which records each row becomes (see docs/importing.md and examples/mappings/)",
                    "necesita --mapping MAPA.toml, que diga qué registros produce cada fila (vea docs/importing.md y examples/mappings/)"
                )
            ))),
        };
    };
    if args.format.as_deref() == Some("jsonl") {
        return Err(Failure(format!(
            "--mapping: {}",
            ctx.t(
                "JSON Lines files are records already and take no mapping",
                "los archivos JSON Lines ya son registros y no llevan mapeo"
            )
        )));
    }
    let mapping = Mapping::load(mapping_path).map_err(|e| Failure(e.message(ctx.lang)))?;
    let Some(format) = format_of(args, Some(&mapping)) else {
        return Err(Failure(format!(
            "{}: {}",
            mapping_path.display(),
            ctx.t(
                "cannot tell the files' format: give --format csv, xlsx or parquet, or format = \"...\" in the mapping",
                "no se sabe el formato de los archivos: indique --format csv, xlsx o parquet, o format = \"...\" en el mapeo"
            )
        )));
    };
    let source =
        MappedSource::for_ledger(ledger, &args.files, format, mapping).map_err(|e| ctx.store_failure(e))?;
    source.check().map_err(|e| Failure(e.message(ctx.lang)))?;
    Ok(Source::Mapped(source))
}

pub fn run(ctx: &Context, args: ImportArgs) -> CmdResult {
    let signer = ctx.signer()?;
    let mut ledger = ctx.open()?;
    let source = open_source(ctx, &args, &mut ledger)?;
    let (source, bar) = match source {
        Source::Jsonl(source) => {
            let bar = progress_bar(source.total_bytes(), args.no_progress, "bytes");
            let source = match &bar {
                Some(bar) => {
                    let bar = bar.clone();
                    source.with_progress(Arc::new(move |n| bar.set_position(n)))
                }
                None => source,
            };
            (Source::Jsonl(source), bar)
        }
        Source::Mapped(source) => {
            let unit = if source.format() == Format::Csv { "bytes" } else { "rows" };
            let bar = progress_bar(0, args.no_progress, unit);
            let source = match &bar {
                Some(bar) => {
                    let bar = bar.clone();
                    source.with_progress(Arc::new(move |done, total| {
                        bar.set_length(total);
                        bar.set_position(done);
                    }))
                }
                None => source,
            };
            (Source::Mapped(source), bar)
        }
    };
    let mut source = source;
    let options = ImportOptions { keep_going: args.keep_going, by: who(&args.by), at: now()? };
    let report = ledger.import(source.input(), &options, &signer).map_err(|e| ctx.store_failure(e));
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let report = report?;
    if let Some(path) = &args.rejects {
        write_rejects(ctx, path, &source, &report)?;
    }
    print_report(ctx, &source, &report, args.keep_going);
    Ok(if report.rejected.is_empty() { Outcome::Clean } else { Outcome::Found })
}

/// Each rejected record as `{"file", "line" (or "sheet" and "row"), "field", "error", "input"}`.
/// The rejected lines are read back from their files a chunk at a time, so that a file whose
/// every line was rejected is not held in memory whole a second time.
fn write_rejects(
    ctx: &Context,
    path: &PathBuf,
    source: &Source,
    report: &ImportReport,
) -> Result<(), Failure> {
    /// Rejected lines whose text is read back at once.
    const CHUNK: usize = 200_000;
    let fail = |e: std::io::Error| Failure(format!("{}: {e}", path.display()));
    let mut out = BufWriter::new(File::create(path).map_err(fail)?);
    // The report lists rejections by file and line; a chunk holds lines of one file.
    let mut rest = report.rejected.as_slice();
    while let Some(first) = rest.first() {
        // By the file's place, not its name: two files of one name from two folders are two.
        let same_file = rest.iter().take(CHUNK).take_while(|r| r.file_index == first.file_index).count();
        let (chunk, after) = rest.split_at(same_file);
        let wanted: BTreeSet<u64> = chunk.iter().map(|r| r.line).collect();
        let texts = source.texts(first.file_index as usize, &wanted).map_err(|e| ctx.store_failure(e))?;
        for r in chunk {
            let input = texts.get(&r.line).cloned().unwrap_or_default();
            let line = rejection_json(ctx, source, r, Some(input));
            writeln!(out, "{line}").map_err(fail)?;
        }
        rest = after;
    }
    out.flush().map_err(fail)
}

fn rejection_json(ctx: &Context, source: &Source, r: &Rejection, input: Option<String>) -> Value {
    let mut object = serde_json::Map::new();
    object.insert("file".into(), json!(r.file));
    for (key, value) in source.location(r.line) {
        object.insert(key.into(), value);
    }
    object.insert("field".into(), json!(r.field));
    object.insert("error".into(), json!(r.reason.message(ctx.lang)));
    if let Some(input) = input {
        object.insert("input".into(), json!(input));
    }
    Value::Object(object)
}

fn print_report(ctx: &Context, source: &Source, report: &ImportReport, keep_going: bool) {
    if ctx.json {
        let rejected: Vec<Value> =
            report.rejected.iter().map(|r| rejection_json(ctx, source, r, None)).collect();
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
            println!("{}: {}", ctx.t("rejected", "rechazado"), source.message(ctx, r));
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
        if !keep_going && !report.committed && !report.rejected.is_empty() {
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
