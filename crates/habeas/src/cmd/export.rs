//! `habeas export`: current records as JSON Lines (re-importable), or one type as CSV.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use habeas_model::RecordType;

use crate::context::{CmdResult, Context, Failure, Outcome};

pub fn run(ctx: &Context, record_type: Option<String>, format: &str, out: Option<PathBuf>) -> CmdResult {
    if let Some(t) = &record_type
        && RecordType::parse(t).is_none_or(RecordType::is_internal)
    {
        return Err(Failure(format!(
            "--type {t}: {}",
            ctx.t("not an exportable record type", "no es un tipo de registro exportable")
        )));
    }
    if format == "csv" && record_type.is_none() {
        return Err(Failure(
            ctx.t(
                "--format csv needs --type: a CSV holds one record type",
                "--format csv necesita --type: un CSV contiene un solo tipo de registro",
            )
            .into(),
        ));
    }
    let mut ledger = ctx.open()?;
    let target = out.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "stdout".into());
    let io_fail = |e: std::io::Error| Failure(format!("{target}: {e}"));
    let mut writer: Box<dyn Write> = match &out {
        Some(path) => Box::new(BufWriter::new(File::create(path).map_err(io_fail)?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut rows = Vec::new();
    let mut write_error = None;
    ledger
        .export(&mut |record| {
            if record_type.as_ref().is_some_and(|t| *t != record.record_type) {
                return Ok(());
            }
            if format == "csv" {
                rows.push(record.body);
            } else if let Err(e) = habeas_io::export::write_jsonl(&mut writer, &record.body) {
                write_error.get_or_insert(e);
            }
            Ok(())
        })
        .map_err(|e| ctx.store_failure(e))?;
    if let Some(e) = write_error {
        return Err(io_fail(e));
    }
    if format == "csv" {
        habeas_io::export::write_csv(&mut writer, &rows).map_err(|e| Failure(format!("{target}: {e}")))?;
    }
    writer.flush().map_err(io_fail)?;
    Ok(Outcome::Clean)
}
