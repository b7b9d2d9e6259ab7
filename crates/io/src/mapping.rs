//! Mapping files: how the rows of a table become records.
//!
//! A mapping is a TOML file (`docs/importing.md` teaches it; `examples/mappings/` has one per
//! public dataset). It says how to read the file (`[input]`: delimiter, preamble lines, sheet,
//! which cell values mean "missing") and which records each row yields (`[[record]]`, one or
//! more: a row can yield a place, a custody event and a population count). Each record has a
//! `type`, an `id` template and `[record.fields]`, where a value is:
//!
//! - a string: a **template**, `"detloc:{detention_facility_code}"`; `{column}` is the cell's
//!   text, `{#row}` the row's line (or row) number, `{#file}` the first 16 hex digits of the
//!   file's SHA-256, `{.key}` a key of the JSON object being mapped (`as = "json_list"`);
//! - a number or boolean: itself;
//! - an array or a table: the same, element by element (missing elements are left out);
//! - a table with `as`: a **conversion** of the template in `text`: `integer`, `decimal`,
//!   `date` (with `formats`), `local` (a local date-time with `formats` and a `zone`: a name, a
//!   template, or `{airport = "{code}"}` / `{us_state = "{state}"}`), `instant` (with an
//!   offset), `country` (a country's name to its ISO code), `airport_zone` and
//!   `airport_country` (from an IATA or ICAO code), `state_zone` (a US state's zone),
//!   `json`, `json_list` (each element mapped through `item`), `id` (a reference, made safe for
//!   an id as `id` templates are), `rows` (with `group_by`: each row
//!   of the group mapped through `item`). Any conversion may `map` values first, extract
//!   with a `pattern`, and fall back to a `default`.
//!
//! A template that names an empty or redacted cell is **missing**, and so is the field it feeds:
//! the field is left out, and if the record requires it the record is rejected saying which
//! column was empty. A conversion that cannot read its text rejects the row, naming the column,
//! what it found and what it expected.
//!
//! In `id` templates, and in fields written exactly like some record's `id` template (a
//! reference to it), each cell's text is made safe for an id: runs of other characters become
//! one `-`.
//!
//! Ids must be stable so that importing the same file again appends nothing: from key columns
//! where the data has them (`id = "ddp:{detention_facility_code}:{date}"`), else from the
//! file's hash and the row (`{#file}:{#row}`, the default), never from the content alone:
//! identical FOIA rows are different events whose distinguishing fields were redacted.
//!
//! This module parses and compiles mappings and maps rows; [`crate::mapped`] runs it over files.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use habeas_model::error::quote_brief;
use habeas_model::{FieldError, Lang, Localized, Problem};
use jiff::Timestamp;
use jiff::fmt::strtime::BrokenDownTime;
use jiff::tz::{AmbiguousOffset, Offset};
use regex::Regex;
use rustc_hash::FxHashMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::table::{Format, ReadOptions, Row};
use crate::tables;

/// A mapping file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    format: Option<String>,
    #[serde(default)]
    input: InputSpec,
    #[serde(rename = "record", default)]
    records: Vec<RecordSpec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct InputSpec {
    delimiter: Option<String>,
    #[serde(default)]
    skip_lines: usize,
    sheet: Option<String>,
    #[serde(default)]
    latin1: bool,
    /// Cell values (after trimming) that mean "no value": `NA`, `nan`, `N/A`.
    #[serde(default)]
    missing: Vec<String>,
    /// Markers that, anywhere in a cell, mean its value was redacted: `(b)(6)`.
    #[serde(default)]
    redacted: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordSpec {
    #[serde(rename = "type")]
    record_type: String,
    id: Option<String>,
    /// The record is made only for rows where these columns have a value.
    #[serde(default)]
    when_present: Vec<String>,
    /// `always` (default) or `if_missing`: made only when no record has this id yet.
    create: Option<String>,
    #[serde(default)]
    group_by: Vec<String>,
    #[serde(default)]
    fields: toml::Table,
}

/// A mapping, read and checked, not yet bound to a file's columns.
#[derive(Debug)]
pub struct Mapping {
    /// Where it was read from, for messages.
    pub path: String,
    pub format: Option<Format>,
    pub read: ReadOptions,
    missing: Vec<String>,
    redacted: Vec<String>,
    records: Vec<RecordSpec>,
}

/// What is wrong with a mapping file: where, and why, in English and Spanish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub en: String,
    pub es: String,
}

impl MappingError {
    pub fn new(en: String, es: String) -> MappingError {
        MappingError { en, es }
    }

    /// The same words in both languages (a parser's own message, a path).
    fn both(text: String) -> MappingError {
        MappingError { en: text.clone(), es: text }
    }
}

impl Localized for MappingError {
    fn message(&self, lang: Lang) -> String {
        lang.pick(&self.en, &self.es).to_string()
    }
}

impl std::fmt::Display for MappingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for MappingError {}

impl Mapping {
    pub fn load(path: &Path) -> Result<Mapping, MappingError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MappingError::both(format!("{name}: {e}")))?;
        Mapping::parse(&text, &name)
    }

    pub fn parse(text: &str, name: &str) -> Result<Mapping, MappingError> {
        let file: MappingFile =
            toml::from_str(text).map_err(|e| MappingError::both(format!("{name}: {e}")))?;
        let format = match &file.format {
            None => None,
            Some(f) => Some(Format::parse(f).ok_or_else(|| {
                MappingError::new(
                    format!("{name}: format = {f:?}: expected \"csv\", \"xlsx\" or \"parquet\""),
                    format!("{name}: format = {f:?}: se esperaba \"csv\", \"xlsx\" o \"parquet\""),
                )
            })?),
        };
        let delimiter = match file.input.delimiter.as_deref() {
            None => b',',
            Some("\\t" | "tab") => b'\t',
            Some(d) if d.len() == 1 => d.as_bytes()[0],
            Some(d) => {
                return Err(MappingError::new(
                    format!("{name}: [input] delimiter = {d:?}: expected one character"),
                    format!("{name}: [input] delimiter = {d:?}: se esperaba un solo carácter"),
                ));
            }
        };
        if file.records.is_empty() {
            return Err(MappingError::new(
                format!("{name}: no [[record]]: say which records each row becomes"),
                format!("{name}: no hay [[record]]: diga qué registros produce cada fila"),
            ));
        }
        for (n, record) in file.records.iter().enumerate() {
            let at = format!("{name}: record {} ({})", n + 1, record.record_type);
            let at_es = format!("{name}: registro {} ({})", n + 1, record.record_type);
            if habeas_model::RecordType::parse(&record.record_type).is_none() {
                return Err(MappingError::new(
                    format!("{at}: unknown record type"),
                    format!("{at_es}: tipo de registro desconocido"),
                ));
            }
            match record.create.as_deref() {
                None | Some("always" | "if_missing") => {}
                Some(other) => {
                    return Err(MappingError::new(
                        format!("{at}: create = {other:?}: expected \"always\" or \"if_missing\""),
                        format!("{at_es}: create = {other:?}: se esperaba \"always\" o \"if_missing\""),
                    ));
                }
            }
            if record.fields.contains_key("type") || record.fields.contains_key("id") {
                return Err(MappingError::new(
                    format!("{at}: give type and id beside fields, not in them"),
                    format!("{at_es}: indique type e id junto a fields, no dentro"),
                ));
            }
        }
        let mut missing = file.input.missing;
        missing.push(String::new());
        Ok(Mapping {
            path: name.to_string(),
            format,
            read: ReadOptions {
                delimiter,
                skip_lines: file.input.skip_lines,
                sheet: file.input.sheet,
                latin1: file.input.latin1,
            },
            missing,
            redacted: file.input.redacted,
            records: file.records,
        })
    }

    /// The record types this mapping creates only "if missing": the importer needs the ids of
    /// those already in the ledger.
    pub fn created_if_missing(&self) -> Vec<habeas_model::RecordType> {
        self.records
            .iter()
            .filter(|r| r.create.as_deref() == Some("if_missing"))
            .filter_map(|r| habeas_model::RecordType::parse(&r.record_type))
            .collect()
    }

    /// Binds the mapping to a file's columns: every column it names must exist.
    pub fn compile(&self, columns: &[String]) -> Result<Compiled, MappingError> {
        let index: HashMap<&str, usize> =
            columns.iter().enumerate().rev().map(|(i, c)| (c.as_str(), i)).collect();
        // A field written exactly as some record's id template refers to that record: its
        // values are made safe for an id the same way.
        let ids: HashSet<&str> = self.records.iter().filter_map(|r| r.id.as_deref()).collect();
        let mut records = Vec::new();
        for (n, spec) in self.records.iter().enumerate() {
            let at = format!("{}: record {} ({})", self.path, n + 1, spec.record_type);
            let binder = Binder { index: &index, columns, at: &at, ids: &ids };
            let columns_of = |names: &[String], key: &str| -> Result<Vec<usize>, MappingError> {
                names.iter().map(|c| binder.column(c, key)).collect()
            };
            let grouped = !spec.group_by.is_empty();
            let fields = spec
                .fields
                .iter()
                .map(|(name, value)| Ok((name.clone(), binder.spec(value, name, grouped)?)))
                .collect::<Result<Vec<_>, MappingError>>()?;
            records.push(CompiledRecord {
                record_type: spec.record_type.clone(),
                id: match &spec.id {
                    Some(id) => binder.template(id, "id")?,
                    None => binder.template(&format!("{{#file}}.{{#row}}.{}", n + 1), "id")?,
                },
                when_present: columns_of(&spec.when_present, "when_present")?,
                if_missing: spec.create.as_deref() == Some("if_missing"),
                group_by: columns_of(&spec.group_by, "group_by")?,
                fields,
            });
        }
        Ok(Compiled {
            records,
            columns: columns.to_vec(),
            missing: self.missing.clone(),
            redacted: self.redacted.clone(),
        })
    }
}

/// Resolves column names while compiling one record.
struct Binder<'a> {
    index: &'a HashMap<&'a str, usize>,
    columns: &'a [String],
    at: &'a str,
    ids: &'a HashSet<&'a str>,
}

impl Binder<'_> {
    fn error(&self, key: &str, en: impl std::fmt::Display, es: impl std::fmt::Display) -> MappingError {
        let at_es = self.at.replacen(": record ", ": registro ", 1);
        MappingError::new(format!("{}, {key}: {en}", self.at), format!("{at_es}, {key}: {es}"))
    }

    fn column(&self, name: &str, key: &str) -> Result<usize, MappingError> {
        self.index.get(name).copied().ok_or_else(|| {
            let mut known: Vec<&str> = self.columns.iter().map(String::as_str).collect();
            known.truncate(40);
            // One column holding separators: the file is delimited by another character.
            let (hint_en, hint_es) = match &known[..] {
                [one] if one.contains([',', ';', '|', '\t']) => (
                    " (the whole header is one column: is [input] delimiter right?)",
                    " (todo el encabezado es una columna: ¿es correcto [input] delimiter?)",
                ),
                _ => ("", ""),
            };
            self.error(
                key,
                format!("the file has no column {name:?}; its columns are {known:?}{hint_en}"),
                format!("el archivo no tiene la columna {name:?}; sus columnas son {known:?}{hint_es}"),
            )
        })
    }

    fn template(&self, text: &str, key: &str) -> Result<Template, MappingError> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| {
                self.error(
                    key,
                    format!("{text:?}: a {{ without its }}"),
                    format!("{text:?}: una {{ sin su }}"),
                )
            })? + open;
            let name = &rest[open + 1..close];
            parts.push(match name {
                "#row" => Part::Row,
                "#file" => Part::File,
                _ if name.starts_with('.') => Part::Item(name[1..].to_string()),
                _ => Part::Column(self.column(name, key)?),
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        Ok(Template { parts, is_id: key == "id" || self.ids.contains(text) })
    }

    fn spec(&self, value: &toml::Value, key: &str, grouped: bool) -> Result<Spec, MappingError> {
        Ok(match value {
            toml::Value::String(text) => Spec::Template(self.template(text, key)?),
            toml::Value::Integer(n) => Spec::Fixed(Value::from(*n)),
            toml::Value::Boolean(b) => Spec::Fixed(Value::from(*b)),
            toml::Value::Float(_) => {
                return Err(self.error(
                    key,
                    "a fraction: write decimals as strings, like \"6000000.00\"",
                    "una fracción: escriba los decimales como texto, como \"6000000.00\"",
                ));
            }
            toml::Value::Datetime(d) => Spec::Fixed(Value::from(d.to_string())),
            toml::Value::Array(items) => Spec::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.spec(v, &format!("{key}[{i}]"), grouped))
                    .collect::<Result<_, _>>()?,
            ),
            toml::Value::Table(table) if table.contains_key("as") => {
                Spec::Convert(Box::new(self.conversion(table, key, grouped)?))
            }
            toml::Value::Table(table) => Spec::Object(
                table
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), self.spec(v, &format!("{key}.{k}"), grouped)?)))
                    .collect::<Result<_, MappingError>>()?,
            ),
        })
    }

    fn conversion(&self, table: &toml::Table, key: &str, grouped: bool) -> Result<Conversion, MappingError> {
        const KEYS: &[&str] =
            &["as", "text", "formats", "zone", "map", "unmapped", "pattern", "default", "item", "sort_by"];
        if let Some(unknown) = table.keys().find(|k| !KEYS.contains(&k.as_str())) {
            return Err(self.error(
                key,
                format!("unknown key {unknown:?} in a conversion; the keys are {KEYS:?}"),
                format!("clave desconocida {unknown:?} en una conversión; las claves son {KEYS:?}"),
            ));
        }
        let string = |name: &str| -> Result<Option<&str>, MappingError> {
            match table.get(name) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
                Some(_) => Err(self.error(
                    key,
                    format!("{name}: expected a string"),
                    format!("{name}: se esperaba un texto"),
                )),
            }
        };
        let kind = match string("as")?.unwrap_or_default() {
            "text" => Kind::Text,
            "integer" => Kind::Integer,
            "decimal" => Kind::Decimal,
            "date" => Kind::Date,
            "local" => Kind::Local,
            "instant" => Kind::Instant,
            "country" => Kind::Country,
            "airport_zone" => Kind::AirportZone,
            "airport_country" => Kind::AirportCountry,
            "state_zone" => Kind::StateZone,
            "json" => Kind::Json,
            "json_list" => Kind::JsonList,
            "id" => Kind::Id,
            "rows" if grouped => Kind::Rows,
            "rows" => {
                return Err(self.error(
                    key,
                    "as = \"rows\" needs group_by on the record",
                    "as = \"rows\" necesita group_by en el registro",
                ));
            }
            other => {
                return Err(self.error(
                    key,
                    format!("as = {other:?}: not a conversion habeas knows"),
                    format!("as = {other:?}: no es una conversión que habeas conozca"),
                ));
            }
        };
        let text = match (string("text")?, kind) {
            (Some(text), Kind::Id) => Some(self.template(text, "id")?),
            (Some(text), _) => Some(self.template(text, key)?),
            (None, Kind::Rows) => None,
            (None, _) => {
                return Err(self.error(
                    key,
                    "a conversion needs text = \"{column}\"",
                    "una conversión necesita text = \"{columna}\"",
                ));
            }
        };
        let formats = match table.get("formats") {
            None => Vec::new(),
            Some(toml::Value::String(f)) => vec![f.clone()],
            Some(toml::Value::Array(fs)) => fs
                .iter()
                .map(|f| {
                    f.as_str().map(str::to_string).ok_or_else(|| {
                        self.error(key, "formats: expected strings", "formats: se esperaban textos")
                    })
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(self.error(
                    key,
                    "formats: expected a list of strings",
                    "formats: se esperaba una lista de textos",
                ));
            }
        };
        if matches!(kind, Kind::Local) && formats.is_empty() {
            return Err(self.error(
                key,
                "as = \"local\" needs formats, like [\"%Y-%m-%d %H:%M\"]",
                "as = \"local\" necesita formats, como [\"%Y-%m-%d %H:%M\"]",
            ));
        }
        let zone = match (table.get("zone"), kind) {
            (None, Kind::Local) => {
                return Err(self.error(
                    key,
                    "as = \"local\" needs a zone",
                    "as = \"local\" necesita una zona (zone)",
                ));
            }
            (None, _) => None,
            (Some(_), k) if !matches!(k, Kind::Local) => {
                return Err(self.error(
                    key,
                    "zone is for as = \"local\" only",
                    "zone es solo para as = \"local\"",
                ));
            }
            (Some(toml::Value::String(name)), _) => Some(ZoneSpec::Named(self.template(name, key)?)),
            (Some(toml::Value::Table(t)), _) => match (t.get("airport"), t.get("us_state")) {
                (Some(toml::Value::String(code)), None) => Some(ZoneSpec::Airport(self.template(code, key)?)),
                (None, Some(toml::Value::String(state))) => Some(ZoneSpec::State(self.template(state, key)?)),
                _ => {
                    return Err(self.error(
                        key,
                        "zone: expected a name, {airport = \"{column}\"} or {us_state = \"{column}\"}",
                        "zone: se esperaba un nombre, {airport = \"{columna}\"} o {us_state = \"{columna}\"}",
                    ));
                }
            },
            (Some(_), _) => {
                return Err(self.error(
                    key,
                    "zone: expected a name or a table",
                    "zone: se esperaba un nombre o una tabla",
                ));
            }
        };
        if let Some(ZoneSpec::Named(t)) = &zone
            && let Some(name) = t.fixed()
            && habeas_model::time::parse_zone(&name).is_none()
        {
            return Err(self.error(
                key,
                format!("zone {name:?} is not an IANA time zone"),
                format!("zone {name:?} no es una zona horaria IANA"),
            ));
        }
        let map = match table.get("map") {
            None => None,
            Some(toml::Value::Table(t)) => Some(
                t.iter()
                    .map(|(k, v)| {
                        v.as_str().map(|v| (k.clone(), v.to_string())).ok_or_else(|| {
                            self.error(
                                key,
                                format!("map.{k}: expected a string"),
                                format!("map.{k}: se esperaba un texto"),
                            )
                        })
                    })
                    .collect::<Result<FxHashMap<_, _>, _>>()?,
            ),
            Some(_) => {
                return Err(self.error(
                    key,
                    "map: expected a table of values",
                    "map: se esperaba una tabla de valores",
                ));
            }
        };
        let unmapped = match string("unmapped")? {
            None | Some("reject") => Unmapped::Reject,
            Some("drop") => Unmapped::Drop,
            Some("keep") => Unmapped::Keep,
            Some(other) => {
                return Err(self.error(
                    key,
                    format!("unmapped = {other:?}: expected reject, drop or keep"),
                    format!("unmapped = {other:?}: se esperaba reject, drop o keep"),
                ));
            }
        };
        let pattern = match string("pattern")? {
            None => None,
            Some(p) => Some(
                Regex::new(p)
                    .map_err(|e| self.error(key, format!("pattern: {e}"), format!("pattern: {e}")))?,
            ),
        };
        let default = match table.get("default") {
            None => None,
            Some(v) => Some(self.spec(v, key, grouped)?),
        };
        let item = match (table.get("item"), kind) {
            (Some(v), Kind::JsonList | Kind::Rows) => Some(self.spec(v, &format!("{key}[]"), grouped)?),
            (None, Kind::JsonList | Kind::Rows) => {
                return Err(self.error(
                    key,
                    "json_list and rows need item = {...}, what each becomes",
                    "json_list y rows necesitan item = {...}, lo que produce cada uno",
                ));
            }
            (Some(_), _) => {
                return Err(self.error(
                    key,
                    "item is for json_list and rows only",
                    "item es solo para json_list y rows",
                ));
            }
            (None, _) => None,
        };
        let sort_by = string("sort_by")?.map(str::to_string);
        Ok(Conversion { kind, text, formats, zone, map, unmapped, pattern, default, item, sort_by })
    }
}

/// A mapping bound to one file's columns.
pub struct Compiled {
    pub(crate) records: Vec<CompiledRecord>,
    columns: Vec<String>,
    missing: Vec<String>,
    redacted: Vec<String>,
}

pub(crate) struct CompiledRecord {
    record_type: String,
    id: Template,
    when_present: Vec<usize>,
    pub(crate) if_missing: bool,
    pub(crate) group_by: Vec<usize>,
    fields: Vec<(String, Spec)>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Column(usize),
    Item(String),
    Row,
    File,
}

#[derive(Debug)]
struct Template {
    parts: Vec<Part>,
    /// Values are made safe for an id (`[A-Za-z0-9._:/-]`).
    is_id: bool,
}

impl Template {
    /// The text, when it names no column.
    fn fixed(&self) -> Option<String> {
        self.parts
            .iter()
            .map(|p| if let Part::Text(t) = p { Some(t.as_str()) } else { None })
            .collect::<Option<String>>()
    }
}

#[derive(Debug)]
enum Spec {
    Fixed(Value),
    Template(Template),
    List(Vec<Spec>),
    Object(Vec<(String, Spec)>),
    Convert(Box<Conversion>),
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Integer,
    Decimal,
    Date,
    Local,
    Instant,
    Country,
    AirportZone,
    AirportCountry,
    StateZone,
    Json,
    JsonList,
    Id,
    Rows,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unmapped {
    Reject,
    Drop,
    Keep,
}

#[derive(Debug)]
enum ZoneSpec {
    Named(Template),
    Airport(Template),
    State(Template),
}

#[derive(Debug)]
struct Conversion {
    kind: Kind,
    text: Option<Template>,
    formats: Vec<String>,
    zone: Option<ZoneSpec>,
    map: Option<FxHashMap<String, String>>,
    unmapped: Unmapped,
    pattern: Option<Regex>,
    default: Option<Spec>,
    item: Option<Spec>,
    sort_by: Option<String>,
}

/// Where a row is being mapped: the row, its group, the file's tag, the JSON item in hand.
pub(crate) struct Scope<'a> {
    pub row: &'a Row,
    pub group: &'a [Row],
    pub file_tag: &'a str,
    pub item: Option<&'a Value>,
}

/// A field that could not be mapped: the field's path and the reason in both languages.
struct Bad {
    en: String,
    es: String,
}

type Mapped = Result<Option<Value>, Bad>;

impl Compiled {
    /// A cell's text, or `None` when it is empty, a missing marker or redacted.
    fn cell<'r>(&self, row: &'r Row, column: usize) -> Option<&'r str> {
        let text = row.cells.get(column)?.as_deref()?.trim();
        if self.missing.iter().any(|m| m == text) || self.redacted.iter().any(|r| text.contains(r.as_str())) {
            return None;
        }
        Some(text)
    }

    fn render(&self, template: &Template, scope: &Scope<'_>) -> Option<String> {
        let mut out = String::new();
        for part in &template.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Column(c) => push_value(&mut out, self.cell(scope.row, *c)?, template.is_id),
                Part::Item(key) => {
                    let value = if key.is_empty() { scope.item? } else { scope.item?.get(key)? };
                    let text = match value {
                        Value::String(s) => s.trim().to_string(),
                        Value::Null => return None,
                        other => other.to_string(),
                    };
                    if text.is_empty() || self.missing.contains(&text) {
                        return None;
                    }
                    push_value(&mut out, &text, template.is_id);
                }
                Part::Row => out.push_str(&scope.row.at.to_string()),
                Part::File => out.push_str(scope.file_tag),
            }
        }
        Some(out)
    }

    /// The records of a row (or of a group of rows, for records with `group_by`): the JSON
    /// value of each, or the error that rejects it. An "if missing" record whose id `exists`
    /// is not made.
    pub(crate) fn map_record(
        &self,
        record: &CompiledRecord,
        scope: &Scope<'_>,
        exists: &dyn Fn(&str) -> bool,
    ) -> Option<Result<Value, FieldError>> {
        if record.when_present.iter().any(|c| self.cell(scope.row, *c).is_none()) {
            return None;
        }
        let id = self.render(&record.id, scope);
        if let Some(id) = &id
            && record.if_missing
            && exists(id)
        {
            return None;
        }
        let mut body = Map::new();
        body.insert("type".into(), Value::from(record.record_type.clone()));
        match id {
            Some(id) => {
                body.insert("id".into(), Value::from(id));
            }
            None => {
                let column = record.id.parts.iter().find_map(|p| match p {
                    Part::Column(c) if self.cell(scope.row, *c).is_none() => self.columns.get(*c),
                    _ => None,
                });
                let column = column.map_or_else(String::new, |c| format!(" {c:?}"));
                return Some(Err(FieldError::new(
                    "id",
                    Problem::Input {
                        en: format!("the column{column} the id is made from is empty or redacted"),
                        es: format!("la columna{column} de la que se forma el id está vacía o tachada"),
                    },
                )));
            }
        }
        for (name, spec) in &record.fields {
            match self.eval(spec, scope) {
                Ok(Some(value)) => {
                    body.insert(name.clone(), value);
                }
                Ok(None) => {}
                Err(bad) => {
                    return Some(Err(FieldError::new(
                        name.clone(),
                        Problem::Input { en: bad.en, es: bad.es },
                    )));
                }
            }
        }
        Some(Ok(Value::Object(body)))
    }

    fn eval(&self, spec: &Spec, scope: &Scope<'_>) -> Mapped {
        match spec {
            Spec::Fixed(v) => Ok(Some(v.clone())),
            Spec::Template(t) => Ok(self.render(t, scope).map(Value::from)),
            Spec::List(items) => {
                let mut out = Vec::new();
                for item in items {
                    match self.eval(item, scope)? {
                        // A list from json_list or rows inside a list is spread into it.
                        Some(Value::Array(inner)) if is_spread(item) => out.extend(inner),
                        Some(v) => out.push(v),
                        None => {}
                    }
                }
                Ok((!out.is_empty()).then_some(Value::Array(out)))
            }
            Spec::Object(fields) => {
                let mut out = Map::new();
                for (name, spec) in fields {
                    if let Some(v) = self.eval(spec, scope)? {
                        out.insert(name.clone(), v);
                    }
                }
                Ok((!out.is_empty()).then_some(Value::Object(out)))
            }
            Spec::Convert(c) => {
                let converted = self.convert(c, scope)?;
                match (&converted, &c.default) {
                    (None, Some(default)) => self.eval(default, scope),
                    _ => Ok(converted),
                }
            }
        }
    }

    fn convert(&self, c: &Conversion, scope: &Scope<'_>) -> Mapped {
        if let Kind::Rows = c.kind {
            return self.rows(c, scope);
        }
        let Some(text) = c.text.as_ref().and_then(|t| self.render(t, scope)) else { return Ok(None) };
        let text = match &c.pattern {
            None => text,
            Some(pattern) => match extract(pattern, &text) {
                Some(found) => found,
                None if c.unmapped == Unmapped::Drop => return Ok(None),
                None => {
                    return Err(Bad {
                        en: format!("{} does not match the pattern {}", quote_brief(&text), pattern.as_str()),
                        es: format!("{} no coincide con el patrón {}", quote_brief(&text), pattern.as_str()),
                    });
                }
            },
        };
        let text = match &c.map {
            None => text,
            Some(map) => match map
                .get(&text)
                .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(&text)).map(|(_, v)| v))
            {
                Some(mapped) => mapped.clone(),
                None => match c.unmapped {
                    Unmapped::Keep => text,
                    Unmapped::Drop => return Ok(None),
                    Unmapped::Reject => {
                        let mut known: Vec<&String> = map.keys().collect();
                        known.sort();
                        return Err(Bad {
                            en: format!(
                                "{} is not one of the values the mapping knows: {known:?}",
                                quote_brief(&text)
                            ),
                            es: format!(
                                "{} no es uno de los valores que conoce el mapeo: {known:?}",
                                quote_brief(&text)
                            ),
                        });
                    }
                },
            },
        };
        match c.kind {
            Kind::Text | Kind::Id => Ok(Some(Value::from(text))),
            Kind::Integer => integer(&text).map(Some),
            Kind::Decimal => decimal(&text).map(Some),
            Kind::Date => date(&text, &c.formats).map(Some),
            Kind::Local => {
                let zone = self.zone(c.zone.as_ref(), scope)?;
                match zone {
                    Some(zone) => local(&text, &c.formats, &zone).map(Some),
                    None => Ok(None),
                }
            }
            Kind::Instant => instant(&text, &c.formats).map(Some),
            Kind::Country => match tables::country_code(&text) {
                Some(code) => Ok(Some(Value::from(code))),
                None if c.unmapped == Unmapped::Drop => Ok(None),
                None => Err(Bad {
                    en: format!(
                        "{} is not a country habeas knows; map it to a two-letter code",
                        quote_brief(&text)
                    ),
                    es: format!(
                        "{} no es un país que habeas conozca; asígnele un código de dos letras",
                        quote_brief(&text)
                    ),
                }),
            },
            Kind::AirportZone => zone_of_airport(&text).map(|z| Some(Value::from(z))),
            Kind::AirportCountry => airport(&text).map(|a| Some(Value::from(a.country))),
            Kind::StateZone => zone_of_state(&text).map(|z| Some(Value::from(z))),
            Kind::Json => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Bad { en: format!("not JSON: {e}"), es: format!("no es JSON: {e}") }),
            Kind::JsonList => {
                let list: Value = serde_json::from_str(&text).map_err(|e| Bad {
                    en: format!("not a JSON list: {e}"),
                    es: format!("no es una lista JSON: {e}"),
                })?;
                let Value::Array(elements) = list else {
                    return Err(Bad { en: "not a JSON list".into(), es: "no es una lista JSON".into() });
                };
                let Some(item) = &c.item else { return Ok(None) };
                let mut out = Vec::new();
                for element in &elements {
                    let inner = Scope { item: Some(element), ..*scope };
                    if let Some(v) = self.eval(item, &inner)? {
                        out.push(v);
                    }
                }
                Ok((!out.is_empty()).then_some(Value::Array(out)))
            }
            Kind::Rows => Ok(None),
        }
    }

    /// Each row of the group through `item`, sorted by the time in `sort_by` when given.
    fn rows(&self, c: &Conversion, scope: &Scope<'_>) -> Mapped {
        let Some(item) = &c.item else { return Ok(None) };
        let mut out = Vec::new();
        for row in scope.group {
            let inner = Scope { row, ..*scope };
            if let Some(v) = self.eval(item, &inner)? {
                out.push(v);
            }
        }
        if let Some(field) = &c.sort_by {
            // Items without the time keep their place after those with it.
            out.sort_by_key(|v| v.get(field).and_then(start_of).map_or((1, Timestamp::MIN), |t| (0, t)));
        }
        Ok((!out.is_empty()).then_some(Value::Array(out)))
    }

    fn zone(&self, spec: Option<&ZoneSpec>, scope: &Scope<'_>) -> Result<Option<jiff::tz::TimeZone>, Bad> {
        let (name, how) = match spec {
            None => return Ok(None),
            Some(ZoneSpec::Named(t)) => (self.render(t, scope), 0),
            Some(ZoneSpec::Airport(t)) => (self.render(t, scope), 1),
            Some(ZoneSpec::State(t)) => (self.render(t, scope), 2),
        };
        let Some(name) = name else { return Ok(None) };
        let name = match how {
            1 => zone_of_airport(&name)?.to_string(),
            2 => zone_of_state(&name)?.to_string(),
            _ => name,
        };
        habeas_model::time::parse_zone(&name).map(Some).ok_or_else(|| Bad {
            en: format!("{} is not an IANA time zone", quote_brief(&name)),
            es: format!("{} no es una zona horaria IANA", quote_brief(&name)),
        })
    }
}

/// `json_list` and `rows` results are spread into the list that holds them.
fn is_spread(spec: &Spec) -> bool {
    matches!(spec, Spec::Convert(c) if matches!(c.kind, Kind::JsonList | Kind::Rows))
}

/// Appends a cell's text; in an id, every run of characters an id cannot hold becomes one `-`
/// (`STEWART DETENTION CENTER (GA)` gives `STEWART-DETENTION-CENTER-GA`).
fn push_value(out: &mut String, value: &str, is_id: bool) {
    if !is_id {
        out.push_str(value);
        return;
    }
    let start = out.len();
    for c in value.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/') {
            out.push(c);
        } else if out.len() > start && !out.ends_with('-') {
            out.push('-');
        }
    }
    if out.len() > start && out.ends_with('-') {
        out.pop();
    }
}

/// The captured groups of `pattern` in `text`, joined by a space, or the whole match.
fn extract(pattern: &Regex, text: &str) -> Option<String> {
    let caps = pattern.captures(text)?;
    if caps.len() == 1 {
        return caps.get(0).map(|m| m.as_str().to_string());
    }
    let parts: Vec<&str> = caps.iter().skip(1).flatten().map(|m| m.as_str()).collect();
    Some(parts.join(" "))
}

/// The start of a time as written in a record (an instant, or `{earliest, ...}`).
fn start_of(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(s) => s.parse().ok(),
        Value::Object(o) => o.get("earliest").and_then(start_of),
        _ => None,
    }
}

fn integer(text: &str) -> Result<Value, Bad> {
    let clean: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    if let Ok(n) = clean.parse::<i64>() {
        return Ok(Value::from(n));
    }
    if let Ok(f) = clean.parse::<f64>()
        && f.fract() == 0.0
        && f.abs() < 9.0e15
    {
        return Ok(Value::from(f as i64));
    }
    Err(Bad {
        en: format!("expected a whole number, found {}", quote_brief(text)),
        es: format!("se esperaba un número entero, se encontró {}", quote_brief(text)),
    })
}

fn decimal(text: &str) -> Result<Value, Bad> {
    let clean: String = text.chars().filter(|c| !matches!(c, ',' | '$' | ' ')).collect();
    let digits = clean.strip_prefix('-').unwrap_or(&clean);
    let ok = match digits.split_once('.') {
        Some((whole, frac)) => {
            !whole.is_empty()
                && !frac.is_empty()
                && (whole.bytes().chain(frac.bytes())).all(|b| b.is_ascii_digit())
        }
        None => !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
    };
    if ok {
        Ok(Value::from(clean))
    } else {
        Err(Bad {
            en: format!("expected a decimal number, found {}", quote_brief(text)),
            es: format!("se esperaba un número decimal, se encontró {}", quote_brief(text)),
        })
    }
}

fn expected_formats(what_en: &str, what_es: &str, formats: &[String], text: &str) -> Bad {
    Bad {
        en: format!("expected {what_en} like {}, found {}", formats.join(" or "), quote_brief(text)),
        es: format!("se esperaba {what_es} como {}, se encontró {}", formats.join(" o "), quote_brief(text)),
    }
}

const ISO_DATE: &[&str] = &["%Y-%m-%d"];

/// `%Y` reads `16` as the year 16; in a column that mixes `10/5/2016` and `10/5/16` the short
/// form must fall through to a `%y` format instead.
fn short_full_year(format: &str, year: i16) -> bool {
    format.contains("%Y") && year < 1000
}

/// A calendar date in one of `formats` (default `%Y-%m-%d`), written as `YYYY-MM-DD`: the
/// ledger resolves it in the zone of the record's place.
fn date(text: &str, formats: &[String]) -> Result<Value, Bad> {
    let defaults: Vec<String>;
    let formats = if formats.is_empty() {
        defaults = ISO_DATE.iter().map(|s| s.to_string()).collect();
        &defaults
    } else {
        formats
    };
    for format in formats {
        if let Ok(tm) = BrokenDownTime::parse(format, text)
            && let Ok(date) = tm.to_date()
            && !short_full_year(format, date.year())
        {
            return Ok(Value::from(date.to_string()));
        }
    }
    Err(expected_formats("a date", "una fecha", formats, text))
}

/// A local date-time read in `zone`: an instant with the offset in force then; both readings
/// as `{earliest, latest}` when the clock went back and the hour happened twice; an error when
/// the clock went forward and the time never happened there.
fn local(text: &str, formats: &[String], zone: &jiff::tz::TimeZone) -> Result<Value, Bad> {
    let parsed = formats.iter().find_map(|f| {
        let tm = BrokenDownTime::parse(f, text).ok()?;
        let datetime = tm.to_datetime().ok()?;
        (!short_full_year(f, datetime.year())).then_some((datetime, tm.offset()))
    });
    let Some((datetime, offset)) = parsed else {
        return Err(expected_formats("a date and time", "una fecha y hora", formats, text));
    };
    let show = |offset: Offset| -> Result<String, Bad> {
        let ts = offset.to_timestamp(datetime).map_err(|e| Bad { en: e.to_string(), es: e.to_string() })?;
        Ok(ts.display_with_offset(offset).to_string())
    };
    if let Some(offset) = offset {
        return show(offset).map(Value::from);
    }
    let zone_name = zone.iana_name().unwrap_or("the zone").to_string();
    match zone.to_ambiguous_timestamp(datetime).offset() {
        AmbiguousOffset::Unambiguous { offset } => show(offset).map(Value::from),
        AmbiguousOffset::Fold { before, after } => {
            let mut both = Map::new();
            both.insert("earliest".into(), Value::from(show(before)?));
            both.insert("latest".into(), Value::from(show(after)?));
            Ok(Value::Object(both))
        }
        AmbiguousOffset::Gap { .. } => Err(Bad {
            en: format!(
                "{} never happened in {zone_name}: the clocks moved forward over it",
                quote_brief(text)
            ),
            es: format!(
                "{} no existió en {zone_name}: los relojes se adelantaron en esa hora",
                quote_brief(text)
            ),
        }),
    }
}

/// An instant that carries its offset (`2025-10-01T17:52:00.000Z`), in RFC 3339 or `formats`.
fn instant(text: &str, formats: &[String]) -> Result<Value, Bad> {
    if formats.is_empty() {
        if let Ok(ts) = text.parse::<Timestamp>() {
            return Ok(Value::from(ts.to_string()));
        }
        return Err(Bad {
            en: format!("expected an instant with an offset (RFC 3339), found {}", quote_brief(text)),
            es: format!("se esperaba un instante con desfase (RFC 3339), se encontró {}", quote_brief(text)),
        });
    }
    for format in formats {
        if let Ok(tm) = BrokenDownTime::parse(format, text)
            && let (Ok(ts), Some(offset)) = (tm.to_timestamp(), tm.offset())
        {
            return Ok(Value::from(ts.display_with_offset(offset).to_string()));
        }
    }
    Err(expected_formats("an instant with its offset", "un instante con su desfase", formats, text))
}

fn airport(code: &str) -> Result<tables::Airport, Bad> {
    tables::airport(code).ok_or_else(|| Bad {
        en: format!("{} is not an airport code in habeas's table (IATA or ICAO)", quote_brief(code)),
        es: format!(
            "{} no es un código de aeropuerto de la tabla de habeas (IATA u OACI)",
            quote_brief(code)
        ),
    })
}

fn zone_of_airport(code: &str) -> Result<&'static str, Bad> {
    airport(code).map(|a| a.zone)
}

fn zone_of_state(state: &str) -> Result<&'static str, Bad> {
    tables::us_state_zone(state).ok_or_else(|| Bad {
        en: format!("{} is not a US state or territory", quote_brief(state)),
        es: format!("{} no es un estado o territorio de EE. UU.", quote_brief(state)),
    })
}

/// Keys grouping rows into one record, in order of first appearance, with their rows.
#[derive(Default)]
pub(crate) struct Groups {
    order: Vec<(Vec<Option<String>>, Vec<Row>)>,
    index: FxHashMap<Vec<Option<String>>, usize>,
}

impl Groups {
    pub(crate) fn add(&mut self, key: Vec<Option<String>>, row: Row) {
        match self.index.get(&key) {
            Some(&i) => self.order[i].1.push(row),
            None => {
                self.index.insert(key.clone(), self.order.len());
                self.order.push((key, vec![row]));
            }
        }
    }

    pub(crate) fn into_rows(self) -> impl Iterator<Item = Vec<Row>> {
        self.order.into_iter().map(|(_, rows)| rows)
    }
}

impl Compiled {
    /// The key of `row` for a grouped record.
    pub(crate) fn group_key(&self, record: &CompiledRecord, row: &Row) -> Vec<Option<String>> {
        record.group_by.iter().map(|c| self.cell(row, *c).map(str::to_string)).collect()
    }
}

/// Ids already handed out by this import or present in the ledger, for "if missing" records.
pub(crate) struct Known<'a> {
    pub existing: &'a HashSet<String>,
    pub made: HashSet<String>,
}

impl Known<'_> {
    /// True when a record with `id` is in the ledger or was made by this import.
    pub(crate) fn exists(&self, id: &str) -> bool {
        self.existing.contains(id) || self.made.contains(id)
    }

    /// Remembers a record made from a row, if it is valid: when the first row naming a facility
    /// lacks what its place needs, a later row may still make it. (Checked here, on the reading
    /// thread, because the import must know before it reads on; such records are made once per
    /// id, so the second parse costs little.)
    pub(crate) fn made(&mut self, record: &Value) {
        if let Some(id) = record.get("id").and_then(Value::as_str)
            && habeas_model::parse_value(record.clone()).is_ok()
        {
            self.made.insert(id.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(cells: &[&str]) -> Row {
        Row { at: 7, cells: cells.iter().map(|c| Some(c.to_string())).collect() }
    }

    fn map_one(mapping: &str, columns: &[&str], cells: &[&str]) -> Result<Value, FieldError> {
        let mapping = Mapping::parse(mapping, "m.toml").unwrap();
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let compiled = mapping.compile(&columns).unwrap();
        let row = row(cells);
        let scope = Scope { row: &row, group: std::slice::from_ref(&row), file_tag: "f00d", item: None };
        compiled.map_record(&compiled.records[0], &scope, &|_| false).unwrap()
    }

    #[test]
    fn templates_conversions_and_redactions() {
        let mapping = r#"
            [input]
            missing = ["nan"]
            redacted = ["(b)(6)"]
            [[record]]
            type = "population"
            id = "pop:{code}:{date}"
            fields.place = "detloc:{code}"
            fields.at = { as = "date", text = "{date}", formats = ["%m/%d/%Y", "%m/%d/%y"] }
            fields.count = { as = "integer", text = "{n}" }
            fields.kind = "daily"
            fields.note = "{remark}"
        "#;
        let value = map_one(
            mapping,
            &["code", "date", "n", "remark"],
            &["AB CD", "10/5/16", "1,204", "(b)(6), (b)(7)(C)"],
        )
        .unwrap();
        assert_eq!(
            value,
            json!({"type": "population", "id": "pop:AB-CD:10/5/16", "place": "detloc:AB CD", "at": "2016-10-05", "count": 1204, "kind": "daily"})
        );
        let mut slug = String::from("seg:");
        push_value(&mut slug, "STEWART DETENTION CENTER (GA) ", true);
        assert_eq!(slug, "seg:STEWART-DETENTION-CENTER-GA");
        let err =
            map_one(mapping, &["code", "date", "n", "remark"], &["X", "13/45/2016", "1", ""]).unwrap_err();
        assert_eq!(err.field, "at");
        assert!(
            err.to_string().contains("expected a date like %m/%d/%Y or %m/%d/%y, found \"13/45/2016\""),
            "{err}"
        );
    }

    #[test]
    fn local_times_in_a_zone_across_dst() {
        let zone = habeas_model::time::parse_zone("America/Chicago").unwrap();
        let formats = vec!["%Y-%m-%d %H:%M".to_string()];
        assert_eq!(
            local("2020-04-27 08:10", &formats, &zone).ok().unwrap(),
            json!("2020-04-27T08:10:00-05:00")
        );
        // 1:30 happened twice on 2020-11-01 in Chicago: both readings.
        assert_eq!(
            local("2020-11-01 01:30", &formats, &zone).ok().unwrap(),
            json!({"earliest": "2020-11-01T01:30:00-05:00", "latest": "2020-11-01T01:30:00-06:00"})
        );
        // 2:30 never happened on 2020-03-08.
        let gap = local("2020-03-08 02:30", &formats, &zone).err().unwrap();
        assert!(gap.en.contains("never happened in America/Chicago"), "{}", gap.en);
    }

    #[test]
    fn zones_from_airports_and_lists_from_json() {
        let mapping = r#"
            [[record]]
            type = "custody"
            id = "arrest:{#file}:{#row}"
            fields.event = "apprehended"
            fields.subject = "p:{#row}"
            fields.at = { as = "local", text = "{day} {time}", formats = "%Y-%m-%d %H:%M", zone = { airport = "{icao}" } }
            fields.charges = [
                { as = "json_list", text = "{admin}", item = { code = "{.CODE}", description = "{.DESC}" } },
                { as = "json_list", text = "{criminal}", item = { code = "{.CODE}", description = "{.DESC}" } },
            ]
        "#;
        let value = map_one(
            mapping,
            &["day", "time", "icao", "admin", "criminal"],
            &["2025-03-15", "17:26", "KHRL", r#"[{"CODE":"212a6Ai","DESC":"PWA"}]"#, r#"[{"DESC":"DUI"}]"#],
        )
        .unwrap();
        assert_eq!(value["id"], json!("arrest:f00d:7"));
        assert_eq!(value["at"], json!("2025-03-15T17:26:00-05:00"));
        assert_eq!(
            value["charges"],
            json!([{"code": "212a6Ai", "description": "PWA"}, {"description": "DUI"}])
        );
        let err = map_one(
            mapping,
            &["day", "time", "icao", "admin", "criminal"],
            &["2025-03-15", "17:26", "QQQQ", "[]", "[]"],
        )
        .unwrap_err();
        assert!(err.to_string().contains("\"QQQQ\" is not an airport code"), "{err}");
    }

    #[test]
    fn a_zone_from_a_column_and_a_default_for_an_empty_cell() {
        let mapping = r#"
            [[record]]
            type = "source"
            id = "s:{#row}"
            fields.kind = "other"
            fields.title = "t"
            fields.published = { as = "local", text = "{when}", formats = "%d/%m/%Y %H.%M", zone = "{tz}" }
            fields.language = { as = "text", text = "{lang}", default = "es" }
        "#;
        let cols = ["when", "tz", "lang"];
        let value = map_one(mapping, &cols, &["15/03/2025 17.26", "America/El_Salvador", ""]).unwrap();
        assert_eq!(value["published"], json!("2025-03-15T17:26:00-06:00"));
        assert_eq!(value["language"], json!("es"));
        let err = map_one(mapping, &cols, &["15/03/2025 17.26", "Mars/Olympus", "en"]).unwrap_err();
        assert_eq!(err.field, "published");
        assert!(err.to_string().contains("\"Mars/Olympus\" is not an IANA time zone"), "{err}");
    }

    #[test]
    fn decimals_and_integers_as_people_write_them() {
        assert_eq!(decimal("$6,000,000.00").ok(), Some(json!("6000000.00")));
        assert_eq!(decimal("-12").ok(), Some(json!("-12")));
        assert!(decimal("6.").is_err() && decimal("about 6").is_err());
        assert_eq!(integer("27.0").ok(), Some(json!(27)));
        assert!(integer("27.5").is_err());
    }

    #[test]
    fn maps_patterns_and_countries() {
        let mapping = r#"
            [[record]]
            type = "person"
            id = "p:{#row}"
            fields.label = "removed person, row {#row}"
            fields.sex = { as = "text", text = "{Gender}", map = { Male = "male", Female = "female" } }
            fields.nationality = [{ as = "country", text = "{Citizenship}", unmapped = "drop" }]
            fields.note = { as = "text", text = "{Category}", pattern = "^\\[(\\w+)\\]" }
        "#;
        let cols = ["Gender", "Citizenship", "Category"];
        let value = map_one(mapping, &cols, &["Female", "EL SALVADOR", "[8G] Expedited Removal"]).unwrap();
        assert_eq!(value["sex"], json!("female"));
        assert_eq!(value["nationality"], json!(["SV"]));
        assert_eq!(value["note"], json!("8G"));
        let value = map_one(mapping, &cols, &["Male", "USSR", "[8F] x"]).unwrap();
        assert!(value.get("nationality").is_none());
        let err = map_one(mapping, &cols, &["Unknown", "FRANCE", "[8F] x"]).unwrap_err();
        assert!(err.to_string().contains("\"Unknown\" is not one of the values the mapping knows"), "{err}");
    }

    #[test]
    fn mapping_errors_name_the_place() {
        let bad_column = Mapping::parse("[[record]]\ntype = \"place\"\nid = \"x:{nope}\"\n", "m.toml")
            .unwrap()
            .compile(&["a".to_string()])
            .err()
            .unwrap();
        assert!(
            bad_column.en.contains("m.toml: record 1 (place), id: the file has no column \"nope\""),
            "{bad_column}"
        );
        let bad_type = Mapping::parse("[[record]]\ntype = \"plaice\"\n", "m.toml").unwrap_err();
        assert!(bad_type.en.contains("unknown record type"));
        assert_eq!(bad_type.message(Lang::Es), "m.toml: registro 1 (plaice): tipo de registro desconocido");
        let bad_key = Mapping::parse(
            "[[record]]\ntype = \"place\"\nfields.x = { as = \"date\", text = \"{a}\", fromat = \"%Y\" }\n",
            "m.toml",
        )
        .unwrap()
        .compile(&["a".to_string()])
        .err()
        .unwrap();
        assert!(bad_key.en.contains("unknown key \"fromat\""), "{bad_key}");
        let typo = Mapping::parse("[inptu]\n[[record]]\ntype = \"place\"\n", "m.toml").unwrap_err();
        assert!(typo.en.contains("unknown field `inptu`"), "{typo}");
    }
}
