//! CSV, XLSX and Parquet files as the input of one import, through a mapping.
//!
//! A [`MappedSource`] opens each file as a [`table`], binds the
//! [`Mapping`] to its columns, and on a reading thread turns each row into records (JSON values)
//! that the parsing workers of `crate::pipeline` validate like any JSON Lines record. Records of
//! a mapping with `group_by` are gathered until the end of the file (the rows of one flight need
//! not be next to each other), so such mappings hold their grouped rows in memory; every other
//! record streams.
//!
//! The records a row yields land together or not at all: when one of them cannot be mapped or
//! is invalid, the row is rejected with that reason and none of its records lands (a booking
//! without its release would show a person still held). Records made "if missing" (a facility,
//! an airport) are shared by many rows and stand on their own. A reference the ledger cannot
//! resolve rejects the record that makes it, and the records that refer to that one in turn.
//!
//! Every file is hashed before it is read: the hash names the file in the import leaf and gives
//! row-based ids (`{#file}`) that stay the same however often the file is imported.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use habeas_model::{FieldError, Problem};
use habeas_store::{InputItem, InputSource, StoreError};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::mapping::{Compiled, Groups, Known, Mapping, MappingError, Scope};
use crate::pipeline::{self, Dealer, Raw};
use crate::table::{self, Format, Row, Table};

/// Called with (done, total): bytes for CSV, rows for XLSX and Parquet.
pub type MappedProgress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// The files of one mapped import.
pub struct MappedSource {
    files: Arc<Files>,
    progress: Option<MappedProgress>,
}

/// What the reading thread shares with the source: the files, checked and hashed, and how to
/// read them.
struct Files {
    paths: Vec<PathBuf>,
    names: Vec<String>,
    digests: Vec<String>,
    format: Format,
    mapping: Mapping,
    /// Ids already in the ledger of the types the mapping creates "if missing".
    existing: HashSet<String>,
}

impl MappedSource {
    /// Checks and hashes the files. `existing` holds the ids of records already in the ledger
    /// of the types the mapping creates "if missing" ([`Mapping::created_if_missing`]).
    pub fn open(
        paths: &[String],
        format: Format,
        mapping: Mapping,
        existing: HashSet<String>,
    ) -> Result<MappedSource, StoreError> {
        if let Some(declared) = mapping.format
            && declared != format
        {
            return Err(StoreError::Input(format!(
                "{}: the mapping reads {} files, not {}",
                mapping.path,
                declared.name(),
                format.name()
            )));
        }
        let mut digests = Vec::new();
        let mut names = Vec::new();
        for path in paths {
            if path == "-" {
                return Err(StoreError::Input(format!(
                    "standard input cannot be read as {}: give the file's path",
                    format.name()
                )));
            }
            let mut file = File::open(path).map_err(|e| StoreError::Input(format!("{path}: {e}")))?;
            let mut hasher = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = file.read(&mut buf).map_err(|e| StoreError::Input(format!("{path}: {e}")))?;
                if n == 0 {
                    break;
                }
                hasher.update(&buf[..n]);
            }
            digests.push(hex::encode(hasher.finalize()));
            names.push(
                Path::new(path)
                    .file_name()
                    .map_or_else(|| path.clone(), |n| n.to_string_lossy().into_owned()),
            );
        }
        let paths = paths.iter().map(PathBuf::from).collect();
        Ok(MappedSource {
            files: Arc::new(Files { paths, names, digests, format, mapping, existing }),
            progress: None,
        })
    }

    /// [`MappedSource::open`] for an import into `ledger`: reads there the ids of the records the
    /// mapping creates "if missing".
    pub fn for_ledger(
        ledger: &mut habeas_store::Ledger,
        paths: &[String],
        format: Format,
        mapping: Mapping,
    ) -> Result<MappedSource, StoreError> {
        let existing = ledger.ids_of_types(&mapping.created_if_missing())?;
        MappedSource::open(paths, format, mapping, existing)
    }

    pub fn with_progress(mut self, progress: MappedProgress) -> MappedSource {
        self.progress = Some(progress);
        self
    }

    /// The sheet rows are counted in, for messages (`sheet` + `row` rather than `line`).
    pub fn sheet(&self) -> Option<String> {
        if self.files.format != Format::Xlsx {
            return None;
        }
        match &self.files.mapping.read.sheet {
            Some(sheet) => Some(sheet.clone()),
            None => Some("1".to_string()),
        }
    }

    pub fn format(&self) -> Format {
        self.files.format
    }

    /// Opens every file now and checks the mapping against its columns, so that a wrong column
    /// name is reported before anything is read.
    pub fn check(&self) -> Result<(), MappingError> {
        let files = &self.files;
        for (path, name) in files.paths.iter().zip(&files.names) {
            let table = table::open(path, files.format, &files.mapping.read, None)
                .map_err(|e| MappingError::new(format!("{name}: {e}"), format!("{name}: {e}")))?;
            files.mapping.compile(&table.columns).map_err(|e| {
                MappingError::new(format!("{} (in {name})", e.en), format!("{} (en {name})", e.es))
            })?;
        }
        Ok(())
    }

    /// The given rows of file `file` as JSON objects of column to cell (for `--rejects`).
    pub fn rows(&self, file: usize, wanted: &BTreeSet<u64>) -> Result<HashMap<u64, String>, StoreError> {
        let mut found = HashMap::new();
        let files = &self.files;
        let (Some(path), Some(name)) = (files.paths.get(file), files.names.get(file)) else {
            return Ok(found);
        };
        let table = open_table(path, name, files.format, &files.mapping, None)?;
        let last = wanted.iter().next_back().copied().unwrap_or(0);
        for row in table.rows.flatten() {
            if row.at > last {
                break;
            }
            if wanted.contains(&row.at) {
                let object: Map<String, Value> = table
                    .columns
                    .iter()
                    .zip(&row.cells)
                    .filter_map(|(c, v)| v.as_ref().map(|v| (c.clone(), Value::from(v.clone()))))
                    .collect();
                found.insert(row.at, Value::Object(object).to_string());
            }
        }
        Ok(found)
    }
}

fn open_table(
    path: &Path,
    name: &str,
    format: Format,
    mapping: &Mapping,
    on_read: Option<table::OnRead>,
) -> Result<Table, StoreError> {
    table::open(path, format, &mapping.read, on_read).map_err(|e| StoreError::Input(format!("{name}: {e}")))
}

/// Everything the reading thread needs.
struct Job {
    files: Arc<Files>,
    progress: Option<MappedProgress>,
}

fn failed(file: u32, at: u64, field: &str, en: String, es: String) -> (u32, u64, Raw) {
    (file, at, Raw::Failed(FieldError::new(field, Problem::Input { en, es })))
}

impl Job {
    fn run(self, dealer: &mut Dealer) {
        let files = &*self.files;
        let total: u64 = match files.format {
            Format::Csv => {
                files.paths.iter().filter_map(|p| std::fs::metadata(p).ok()).map(|m| m.len()).sum()
            }
            _ => 0,
        };
        let mut done_before = 0u64;
        let mut known = Known { existing: &files.existing, made: HashSet::new() };
        for (file, path) in files.paths.iter().enumerate() {
            let on_read: Option<table::OnRead> = match (&self.progress, files.format) {
                (Some(progress), Format::Csv) => {
                    let progress = progress.clone();
                    Some(Box::new(move |n| progress(done_before + n, total)))
                }
                _ => None,
            };
            let table = match open_table(path, &files.names[file], files.format, &files.mapping, on_read) {
                Ok(table) => table,
                Err(e) => return dealer.fail(e),
            };
            let compiled = match files.mapping.compile(&table.columns) {
                Ok(c) => c,
                Err(e) => return dealer.fail(StoreError::Input(format!("{e} (in {})", files.names[file]))),
            };
            let tag = &files.digests[file][..16];
            if !self.map_file(file as u32, table, &compiled, tag, &mut known, dealer) {
                return;
            }
            done_before += std::fs::metadata(path).map_or(0, |m| m.len());
        }
    }

    /// Maps the rows of one file; false when the importer stopped listening.
    fn map_file(
        &self,
        file: u32,
        table: Table,
        compiled: &Compiled,
        tag: &str,
        known: &mut Known<'_>,
        dealer: &mut Dealer,
    ) -> bool {
        let grouped: Vec<usize> = compiled
            .records
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.group_by.is_empty())
            .map(|(i, _)| i)
            .collect();
        let mut groups: Vec<Groups> = grouped.iter().map(|_| Groups::default()).collect();
        let row_count = table.row_count.unwrap_or(0);
        for (n, row) in table.rows.enumerate() {
            if self.files.format != Format::Csv
                && n.is_multiple_of(4096)
                && let Some(progress) = &self.progress
            {
                progress(n as u64, row_count);
            }
            let row = match row {
                Ok(row) => row,
                Err(e) => {
                    let (f, at, raw) = failed(file, e.at, "", e.en, e.es);
                    if !dealer.push(f, at, raw) {
                        return false;
                    }
                    continue;
                }
            };
            // Records made "if missing" (a facility, an airport) are shared by many rows and
            // land on their own; the row's own records land together or not at all.
            let scope = Scope { row: &row, group: std::slice::from_ref(&row), file_tag: tag, item: None };
            let mut own = Vec::new();
            for record in compiled.records.iter().filter(|r| r.group_by.is_empty()) {
                let Some(result) = compiled.map_record(record, &scope, &|id| known.exists(id)) else {
                    continue;
                };
                if record.if_missing {
                    if let Ok(value) = &result {
                        known.made(value);
                    }
                    if !push(dealer, file, row.at, result) {
                        return false;
                    }
                } else {
                    own.push(result);
                }
            }
            if !own.is_empty() && !dealer.push(file, row.at, Raw::Row(own)) {
                return false;
            }
            for (g, &r) in grouped.iter().enumerate() {
                let record = &compiled.records[r];
                groups[g].add(compiled.group_key(record, &row), row.clone());
            }
        }
        for (g, &r) in grouped.iter().enumerate() {
            let record = &compiled.records[r];
            for rows in std::mem::take(&mut groups[g]).into_rows() {
                let first: &Row = &rows[0];
                let scope = Scope { row: first, group: &rows, file_tag: tag, item: None };
                let Some(result) = compiled.map_record(record, &scope, &|id| known.exists(id)) else {
                    continue;
                };
                if record.if_missing
                    && let Ok(value) = &result
                {
                    known.made(value);
                }
                if !push(dealer, file, first.at, result) {
                    return false;
                }
            }
        }
        if let Some(progress) = &self.progress
            && self.files.format != Format::Csv
        {
            progress(row_count, row_count);
        }
        true
    }
}

fn push(dealer: &mut Dealer, file: u32, at: u64, result: Result<Value, FieldError>) -> bool {
    match result {
        Ok(value) => dealer.push(file, at, Raw::Value(value)),
        Err(error) => dealer.push(file, at, Raw::Failed(error)),
    }
}

impl InputSource for MappedSource {
    fn open(&mut self) -> Result<Box<dyn Iterator<Item = Result<InputItem, StoreError>> + '_>, StoreError> {
        let job = Job { files: self.files.clone(), progress: self.progress.clone() };
        Ok(Box::new(pipeline::start(move |dealer| job.run(dealer))?))
    }

    fn file_names(&self) -> Vec<String> {
        self.files.names.clone()
    }

    fn file_digests(&self) -> Vec<(String, String)> {
        self.files.names.iter().cloned().zip(self.files.digests.iter().cloned()).collect()
    }
}
