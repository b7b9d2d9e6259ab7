//! What is wrong with a record, said so that a person can fix it: which field, what was
//! expected, what was found, in English or Spanish.
//!
//! A [`FieldError`] names the field by its path in the record (`legs[1].departed`); the importer
//! adds the file and line. Each bad line gets one error: the first problem found.

use std::fmt;

use crate::canonical::CanonicalError;
use crate::lang::{Lang, Localized};
use crate::time::TimeError;

/// What a field should have held.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    Text,
    OneOf(&'static [&'static str]),
    Id,
    Count,
    Decimal,
    Country,
    Currency,
    Language,
    Zone,
    Sha256,
    Url,
    List,
    Object,
    /// Several shapes are accepted; their descriptions, in English.
    Shapes(Vec<Expected>),
}

impl Expected {
    fn describe(&self, lang: Lang) -> String {
        match self {
            Expected::Text => lang.pick("non-empty text", "un texto no vacío").into(),
            Expected::OneOf(options) => format!("{} {}", lang.pick("one of", "uno de"), options.join(", ")),
            Expected::Id => lang.pick("a record id", "un id de registro").into(),
            Expected::Count => lang.pick("a whole number, 0 or more", "un número entero, 0 o más").into(),
            Expected::Decimal => lang
                .pick(
                    "a decimal written as a string, like \"6000000.00\"",
                    "un decimal escrito como texto, como \"6000000.00\"",
                )
                .into(),
            Expected::Country => lang
                .pick(
                    "a two-letter country code (ISO 3166-1), like \"SV\"",
                    "un código de país de dos letras (ISO 3166-1), como \"SV\"",
                )
                .into(),
            Expected::Currency => lang
                .pick(
                    "a three-letter currency code (ISO 4217), like \"USD\"",
                    "un código de moneda de tres letras (ISO 4217), como \"USD\"",
                )
                .into(),
            Expected::Language => lang
                .pick("a language tag (BCP 47), like \"es\"", "una etiqueta de idioma (BCP 47), como \"es\"")
                .into(),
            Expected::Zone => lang
                .pick(
                    "an IANA time zone, like \"America/El_Salvador\"",
                    "una zona horaria IANA, como \"America/El_Salvador\"",
                )
                .into(),
            Expected::Sha256 => {
                lang.pick("64 hexadecimal digits (SHA-256)", "64 dígitos hexadecimales (SHA-256)").into()
            }
            Expected::Url => {
                lang.pick("an http:// or https:// address", "una dirección http:// o https://").into()
            }
            Expected::List => lang.pick("a non-empty list", "una lista no vacía").into(),
            Expected::Object => lang.pick("an object", "un objeto").into(),
            Expected::Shapes(shapes) => {
                shapes.iter().map(|s| s.describe(lang)).collect::<Vec<_>>().join(lang.pick(" or ", " o "))
            }
        }
    }
}

/// The problem with a record or one of its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// The line is not JSON; serde's description of where.
    NotJson(String),
    /// The line is JSON but not an object.
    NotAnObject,
    /// A required field is absent.
    Missing,
    /// `null` where a value was expected; leave the field out instead.
    Null,
    /// A value of the wrong kind.
    Expected { expected: Expected, found: String },
    /// A time that cannot be read.
    Time(TimeError),
    /// A `type` that records.md does not define.
    UnknownType(String),
    /// `import` and `erasure` records are written by the ledger, never imported.
    InternalType(String),
    /// An id that does not match `[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}`.
    BadId(String),
    /// An entity (not an event) without an `id`.
    IdRequired(&'static str),
    /// A number that is not a safe integer.
    Number(CanonicalError),
    /// The record's leaf would exceed 65,535 bytes.
    TooLarge { bytes: usize },
    /// One of these fields is required.
    NeedOneOf(&'static [&'static str]),
    /// These two fields exclude each other.
    Conflict(&'static str, &'static str),
    /// A list needs at least this many distinct items.
    TooFew { min: usize },
    /// A `format` other than 1.
    Format(String),
    /// `personal` names a field that cannot be committed.
    NotCommittable(String),
    /// A cell or row of a mapped input (CSV, spreadsheet, Parquet) that could not be read, said
    /// in both languages by the reader that found it.
    Input { en: String, es: String },
}

/// A [`Problem`] at a field (`""` for the record as a whole).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
    /// The id of the record that failed, when it gave a valid one: an import can then tell a
    /// later record that refers to it that it was rejected, rather than unknown.
    pub record: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> FieldError {
        FieldError { field: field.into(), problem, record: None }
    }

    /// This error, naming the record it was found in by the `id` of its members (if valid).
    pub fn in_record(mut self, body: &serde_json::Map<String, serde_json::Value>) -> FieldError {
        self.record = body
            .get("id")
            .and_then(serde_json::Value::as_str)
            .filter(|id| crate::id::is_valid_id(id))
            .map(str::to_string);
        self
    }
}

impl Localized for Problem {
    fn message(&self, lang: Lang) -> String {
        match self {
            Problem::NotJson(why) => format!("{}: {why}", lang.pick("not valid JSON", "no es JSON válido")),
            Problem::NotAnObject => lang
                .pick(
                    "expected a JSON object {...} on this line",
                    "se esperaba un objeto JSON {...} en esta línea",
                )
                .into(),
            Problem::Missing => lang.pick("required field is missing", "falta un campo obligatorio").into(),
            Problem::Null => lang
                .pick(
                    "null is not a value here; leave the field out instead",
                    "null no es un valor aquí; omita el campo",
                )
                .into(),
            Problem::Expected { expected, found } => format!(
                "{} {}, {} {}",
                lang.pick("expected", "se esperaba"),
                expected.describe(lang),
                lang.pick("found", "se encontró"),
                found_in(found, lang)
            ),
            Problem::Time(err) => err.message(lang),
            Problem::UnknownType(t) => format!(
                "{} {t:?}; {}",
                lang.pick("unknown record type", "tipo de registro desconocido"),
                lang.pick(
                    "see the record format for the types",
                    "consulte el formato de registros para ver los tipos"
                )
            ),
            Problem::InternalType(t) => format!(
                "{t:?} {}",
                lang.pick(
                    "records are written by the ledger itself and cannot be imported",
                    "es un tipo que escribe el propio registro y no se puede importar"
                )
            ),
            Problem::BadId(id) => format!(
                "{} {}: {}",
                lang.pick("invalid id", "id no válido"),
                quote_brief(id),
                lang.pick(
                    "use letters, digits and . _ : / - (up to 128, starting with a letter or digit)",
                    "use letras, dígitos y . _ : / - (hasta 128, empezando por letra o dígito)"
                )
            ),
            Problem::IdRequired(t) => format!(
                "{} {t} {}",
                lang.pick("a", "un registro"),
                lang.pick("record needs an id", "necesita un id")
            ),
            Problem::Number(CanonicalError::Fraction { found, .. }) => format!(
                "{} {found}; {}",
                lang.pick("numbers must be whole: found", "los números deben ser enteros: se encontró"),
                lang.pick(
                    "write decimals as strings, like \"6000000.00\"",
                    "escriba los decimales como texto, como \"6000000.00\""
                )
            ),
            Problem::Number(CanonicalError::TooLarge { found, .. }) => format!(
                "{} {found}",
                lang.pick(
                    "number too large to keep exactly (over 2^53-1):",
                    "número demasiado grande para conservarlo exacto (más de 2^53-1):"
                )
            ),
            Problem::TooLarge { bytes } => format!(
                "{} ({bytes} bytes > 65535); {}",
                lang.pick("record too large", "registro demasiado grande"),
                lang.pick(
                    "reference large documents by their sha256 instead of embedding them",
                    "haga referencia a los documentos grandes por su sha256 en vez de incluirlos"
                )
            ),
            Problem::NeedOneOf(fields) => {
                format!("{} {}", lang.pick("give one of", "indique uno de"), fields.join(", "))
            }
            Problem::Conflict(a, b) => format!(
                "{} {a} {} {b}, {}",
                lang.pick("give", "indique"),
                lang.pick("or", "o"),
                lang.pick("not both", "no ambos")
            ),
            Problem::TooFew { min } => format!(
                "{} {min} {}",
                lang.pick("needs at least", "necesita al menos"),
                lang.pick("distinct items", "elementos distintos")
            ),
            Problem::Format(found) => format!(
                "{} {found}",
                lang.pick(
                    "this version of habeas reads record format 1, found",
                    "esta versión de habeas lee el formato de registros 1, se encontró"
                )
            ),
            Problem::NotCommittable(field) => format!(
                "{field:?} {}",
                lang.pick(
                    "cannot be personal: id, type, personal and format stay in clear",
                    "no puede ser personal: id, type, personal y format quedan en claro"
                )
            ),
            Problem::Input { en, es } => lang.pick(en, es).to_string(),
        }
    }
}

impl Localized for FieldError {
    fn message(&self, lang: Lang) -> String {
        if self.field.is_empty() {
            self.problem.message(lang)
        } else {
            format!("{}: {}", self.field, self.problem.message(lang))
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for FieldError {}

/// Something worth a look that does not stop a record from landing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A field the format does not define: kept and hashed, but perhaps a typo.
    UnknownField,
    /// A record that should cite a source cites none.
    NoSources,
    /// A date with no place, court or `tz` to give it a zone: read in UTC.
    DateInUtc,
}

impl Localized for Warning {
    fn message(&self, lang: Lang) -> String {
        match self {
            Warning::UnknownField => lang.pick(
                "unknown field, kept as written (a typo?)",
                "campo desconocido, conservado tal cual (¿una errata?)",
            ),
            Warning::NoSources => lang.pick("no sources cited", "no cita fuentes"),
            Warning::DateInUtc => lang.pick(
                "a date with no place, court or tz to give its zone: read in UTC",
                "una fecha sin lugar, tribunal ni tz que dé su zona: se lee en UTC",
            ),
        }
        .to_string()
    }
}

/// A [`Warning`] at a field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldWarning {
    pub field: String,
    pub warning: Warning,
}

/// What [`show_found`] wrote, in `lang`: a value is shown as written (JSON, so a string is in
/// quotes), and only the words it uses for a list or an object are translated.
fn found_in(found: &str, lang: Lang) -> String {
    if lang != Lang::Es {
        return found.to_string();
    }
    match found {
        "an empty list" => "una lista vacía".to_string(),
        "a list of 1 item" => "una lista de 1 elemento".to_string(),
        "an object" => "un objeto".to_string(),
        _ => match found.strip_prefix("a list of ").and_then(|rest| rest.strip_suffix(" items")) {
            Some(n) => format!("una lista de {n} elementos"),
            None => found.to_string(),
        },
    }
}

/// A text from the input, quoted as `{:?}` quotes it and cut to 60 characters: a cell or an id
/// can be thousands of characters long, and a message names it rather than repeats it.
pub fn quote_brief(text: &str) -> String {
    if text.chars().count() <= 60 {
        return format!("{text:?}");
    }
    let mut cut: String = text.chars().take(59).collect();
    cut.push('…');
    format!("{cut:?}")
}

/// Shows a found JSON value briefly: at most 60 characters.
pub fn show_found(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::Array(items) if items.is_empty() => "an empty list".to_string(),
        serde_json::Value::Array(items) if items.len() == 1 => "a list of 1 item".to_string(),
        serde_json::Value::Array(items) => format!("a list of {} items", items.len()),
        serde_json::Value::Object(_) => "an object".to_string(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 { format!("{}…", text.chars().take(59).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_text_is_named_not_repeated() {
        assert_eq!(quote_brief("p-1"), "\"p-1\"");
        let long = quote_brief(&"x".repeat(5_000));
        assert_eq!(long.chars().count(), 62, "59 characters, an ellipsis and two quotes");
        assert!(long.ends_with("x…\""));
        let id = Problem::BadId("court:".to_string() + &"x".repeat(5_000));
        assert!(id.message(Lang::En).len() < 200, "{}", id.message(Lang::En));
    }

    #[test]
    fn what_was_found_is_said_in_each_language() {
        let said = |value: serde_json::Value| {
            let found = show_found(&value);
            (found_in(&found, Lang::En), found_in(&found, Lang::Es))
        };
        assert_eq!(said(json!([])), ("an empty list".into(), "una lista vacía".into()));
        assert_eq!(said(json!(["a"])), ("a list of 1 item".into(), "una lista de 1 elemento".into()));
        assert_eq!(said(json!([1, 2, 3])), ("a list of 3 items".into(), "una lista de 3 elementos".into()));
        assert_eq!(said(json!({"a": 1})), ("an object".into(), "un objeto".into()));
        // A string is shown as written, in quotes, whatever it says.
        assert_eq!(said(json!("an object")), ("\"an object\"".into(), "\"an object\"".into()));
        assert_eq!(said(json!(12)), ("12".into(), "12".into()));
    }

    #[test]
    fn an_invalid_record_names_its_id_when_it_gives_a_valid_one() {
        let err = crate::parse_line(r#"{"type":"cohort","id":"coh-1","description":"d","members":[]}"#)
            .err()
            .map(|e| (e.field, e.record));
        assert_eq!(err, Some(("members".to_string(), Some("coh-1".to_string()))));
        let err = crate::parse_line(r#"{"type":"cohort","id":"bad id","description":"d","members":[]}"#)
            .err()
            .map(|e| e.record);
        assert_eq!(err, Some(None), "an id that is not valid is not named");
    }
}
