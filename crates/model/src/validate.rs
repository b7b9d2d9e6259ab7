//! Checks a record against the tables of `schema.rs` and the rules they cannot express.
//!
//! Validation walks the record once. It stops at the first problem (one error per bad line, as
//! records.md asks) and, on the way, collects every id the record refers to (checked against the
//! ledger by the importer) and warnings about unknown fields.

use std::collections::BTreeSet;

use ecow::EcoString;
use serde_json::{Map, Value};

use crate::error::{Expected, FieldError, FieldWarning, Problem, Warning, show_found};
use crate::id::is_valid_id;
use crate::personal::as_commitment;
use crate::record_type::RecordType;
use crate::schema::{self, Field, Kind, PRONOUNCEMENT};
use crate::time::{TimeSpec, parse_zone};

/// A reference from one record to another, to be checked against the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Where it is in the referring record (`legs[0].from`).
    pub field: EcoString,
    /// The id referred to.
    pub target: EcoString,
    /// The types the target may have; empty for any.
    pub types: &'static [RecordType],
}

#[derive(Default)]
pub(crate) struct Found {
    pub references: Vec<Reference>,
    pub warnings: Vec<FieldWarning>,
    /// Some time field holds a date, which needs a zone to become an interval.
    pub zone_dates: bool,
    /// Some uncertain time's order is decided by the zone its date is read in.
    pub zoned_windows: bool,
}

/// Where a value is in the record, as a chain on the stack: rendered to `legs[1].departed` only
/// when an error, a reference or a warning needs it, so valid records allocate no paths.
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
        let mut out = String::with_capacity(16);
        self.render_into(&mut out);
        out
    }

    /// Rendered inline when short (`sources[0]`, `subject`): a custody event refers to five or
    /// six records, and a path allocated for each was freed on the importer's database thread.
    fn render_inline(&self) -> EcoString {
        let mut out = EcoString::new();
        self.render_into(&mut out);
        out
    }

    fn render_into(&self, out: &mut impl std::fmt::Write) {
        // Writing to a string cannot fail.
        let _ = match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, name) => out.write_str(name),
            Path::Key(parent, name) => {
                parent.render_into(out);
                out.write_char('.').and_then(|()| out.write_str(name))
            }
            Path::Index(parent, i) => {
                parent.render_into(out);
                // Not through the formatting machinery, which had been a fifth of the time spent
                // naming a custody event's references (`sources[0]`).
                let mut digits = itoa::Buffer::new();
                let digits = digits.format(*i);
                out.write_char('[').and_then(|()| out.write_str(digits)).and_then(|()| out.write_char(']'))
            }
        };
    }
}

fn expected(path: &Path<'_>, expected: Expected, value: &Value) -> FieldError {
    FieldError::new(path.render(), Problem::Expected { expected, found: show_found(value) })
}

fn text<'v>(path: &Path<'_>, value: &'v Value) -> Result<&'v str, FieldError> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(expected(path, Expected::Text, value)),
    }
}

fn is_upper(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_uppercase())
}

fn is_decimal(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, frac) = match unsigned.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (unsigned, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    digits(whole) && frac.is_none_or(digits)
}

/// BCP 47 in its common shape: a 2–3 letter language, then subtags of 1–8 letters or digits.
fn is_language(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or("");
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether a value has the JSON shape a kind accepts, to choose among [`Kind::OneOf`].
fn shape_fits(kind: &Kind, value: &Value) -> bool {
    match kind {
        Kind::Count => value.is_number(),
        Kind::List(_) => value.is_array(),
        Kind::Object(_) => value.is_object(),
        Kind::Time | Kind::CalendarDate | Kind::Pronouncement => value.is_string() || value.is_object(),
        Kind::OneOf(kinds) => kinds.iter().any(|k| shape_fits(k, value)),
        _ => value.is_string(),
    }
}

fn describe(kind: &Kind) -> Expected {
    match kind {
        Kind::Text | Kind::Time | Kind::CalendarDate | Kind::Pronouncement => Expected::Text,
        Kind::Enum(options) => Expected::OneOf(options),
        Kind::Ref(_) => Expected::Id,
        Kind::Count => Expected::Count,
        Kind::Decimal => Expected::Decimal,
        Kind::Country => Expected::Country,
        Kind::Currency => Expected::Currency,
        Kind::Language => Expected::Language,
        Kind::Zone => Expected::Zone,
        Kind::Sha256 => Expected::Sha256,
        Kind::Url => Expected::Url,
        Kind::List(_) => Expected::List,
        Kind::Object(_) => Expected::Object,
        Kind::OneOf(kinds) => Expected::Shapes(kinds.iter().map(describe).collect()),
    }
}

fn check_value(kind: &Kind, value: &Value, path: &Path<'_>, found: &mut Found) -> Result<(), FieldError> {
    if value.is_null() {
        return Err(FieldError::new(path.render(), Problem::Null));
    }
    let string_check = |ok: bool, what: Expected| if ok { Ok(()) } else { Err(expected(path, what, value)) };
    match kind {
        Kind::Text => text(path, value).map(|_| ()),
        Kind::Enum(options) => {
            let s = value.as_str().unwrap_or("");
            string_check(options.contains(&s), Expected::OneOf(options))
        }
        Kind::Ref(types) => {
            let id = value
                .as_str()
                .filter(|s| is_valid_id(s))
                .ok_or_else(|| expected(path, Expected::Id, value))?;
            found.references.push(Reference { field: path.render_inline(), target: id.into(), types });
            Ok(())
        }
        Kind::Time => {
            let spec =
                TimeSpec::from_json(value).map_err(|e| FieldError::new(path.render(), Problem::Time(e)))?;
            found.zone_dates |= spec.needs_zone();
            found.zoned_windows |= spec.order_needs_zone();
            Ok(())
        }
        Kind::CalendarDate => TimeSpec::calendar_from_json(value)
            .map(|_| ())
            .map_err(|e| FieldError::new(path.render(), Problem::Time(e))),
        Kind::Count => string_check(value.as_u64().is_some(), Expected::Count),
        Kind::Decimal => string_check(value.as_str().is_some_and(is_decimal), Expected::Decimal),
        Kind::Country => string_check(value.as_str().is_some_and(|s| is_upper(s, 2)), Expected::Country),
        Kind::Currency => string_check(value.as_str().is_some_and(|s| is_upper(s, 3)), Expected::Currency),
        Kind::Language => string_check(value.as_str().is_some_and(is_language), Expected::Language),
        Kind::Zone => string_check(value.as_str().and_then(parse_zone).is_some(), Expected::Zone),
        Kind::Sha256 => string_check(
            value.as_str().is_some_and(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())),
            Expected::Sha256,
        ),
        Kind::Url => string_check(
            value.as_str().is_some_and(|s| {
                (s.starts_with("http://") || s.starts_with("https://"))
                    && s.len() > 8
                    && !s.contains(char::is_whitespace)
            }),
            Expected::Url,
        ),
        Kind::List(item) => match value {
            Value::Array(items) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    check_value(item, v, &Path::Index(path, i), found)?;
                }
                Ok(())
            }
            _ => Err(expected(path, Expected::List, value)),
        },
        Kind::Object(fields) => match value {
            Value::Object(map) => check_members(map, fields, &[], &[], path, found),
            _ => Err(expected(path, Expected::Object, value)),
        },
        Kind::OneOf(kinds) => match kinds.iter().find(|k| shape_fits(k, value)) {
            Some(k) => check_value(k, value, path, found),
            None => Err(expected(path, describe(kind), value)),
        },
        Kind::Pronouncement => match value {
            Value::Object(map) if map.contains_key("at") => {
                check_members(map, PRONOUNCEMENT, &[], &[], path, found)
            }
            _ => check_value(&Kind::Time, value, path, found),
        },
    }
}

/// Checks an object's members against its own fields and then `common` ones (which its own
/// override): required ones present, known ones valid, unknown ones warned about. `personal` names
/// members that may hold a commitment instead of a value (top level only).
fn check_members(
    map: &Map<String, Value>,
    own: &'static [Field],
    common: &'static [Field],
    personal: &[&str],
    path: &Path<'_>,
    found: &mut Found,
) -> Result<(), FieldError> {
    let fields = sorted_fields(own, common);
    // Members (sorted by serde_json's map) and fields (sorted here) are walked side by side.
    let mut next_field = 0;
    let mut missing = false;
    for (name, value) in map {
        while next_field < fields.len() && fields[next_field].name < name.as_str() {
            missing |= fields[next_field].required;
            next_field += 1;
        }
        let field = fields.get(next_field).filter(|f| f.name == name.as_str());
        if field.is_some() {
            next_field += 1;
        }
        let here = Path::Key(path, name);
        if personal.contains(&name.as_str()) && as_commitment(value).is_some() {
            continue; // a value withheld or erased, known only by its commitment
        }
        match field {
            Some(field) => check_value(&field.kind, value, &here, found)?,
            None => {
                found.warnings.push(FieldWarning { field: here.render(), warning: Warning::UnknownField })
            }
        }
    }
    missing |= fields[next_field..].iter().any(|f| f.required);
    if missing {
        // Name the first missing field in the order the spec lists them.
        if let Some(field) = own.iter().chain(common).find(|f| f.required && !map.contains_key(f.name)) {
            return Err(FieldError::new(Path::Key(path, field.name).render(), Problem::Missing));
        }
    }
    Ok(())
}

/// The fields of a table and its common table, own definitions first, sorted by name; built
/// once per table and kept.
fn sorted_fields(own: &'static [Field], common: &'static [Field]) -> &'static [&'static Field] {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    /// Sorted field lists by the addresses of the tables they come from.
    type Tables = HashMap<(usize, usize), &'static [&'static Field]>;
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    let key = (own.as_ptr() as usize, common.as_ptr() as usize);
    let tables = TABLES.get_or_init(|| Mutex::new(HashMap::new()));
    let mut tables = tables.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    tables.entry(key).or_insert_with(|| {
        let mut fields: Vec<&'static Field> = own.iter().collect();
        fields.extend(common.iter().filter(|c| !own.iter().any(|f| f.name == c.name)));
        fields.sort_by(|a, b| a.name.cmp(b.name));
        Vec::leak(fields)
    })
}

/// Validates a whole record of type `t`; `personal` are its committed field names.
pub(crate) fn check_record(
    t: RecordType,
    map: &Map<String, Value>,
    personal: &[&str],
) -> Result<Found, FieldError> {
    // A custody event refers to five or six records: room for them from the start, not grown
    // (and moved) twice on the way.
    let mut found = Found { references: Vec::with_capacity(8), ..Found::default() };
    check_members(map, schema::fields(t), schema::COMMON, personal, &Path::Root, &mut found)?;
    // A source's `published` and `retrieved` dates never need a zone (records.md, "Time").
    found.zone_dates &= t != RecordType::Source;
    check_rules(t, map)?;
    if t.needs_sources() && !map.contains_key("sources") {
        found.warnings.push(FieldWarning { field: "sources".into(), warning: Warning::NoSources });
    }
    Ok(found)
}

/// The rules of records.md that a field table cannot express.
fn check_rules(t: RecordType, map: &Map<String, Value>) -> Result<(), FieldError> {
    let has = |name: &str| map.contains_key(name);
    if t.has_subjects() {
        match (has("subject"), has("subjects")) {
            (false, false) => return Err(FieldError::new("", Problem::NeedOneOf(&["subject", "subjects"]))),
            (true, true) => {
                return Err(FieldError::new("subjects", Problem::Conflict("subject", "subjects")));
            }
            _ => {}
        }
    }
    match t {
        RecordType::Person => {
            if has("name") && has("names") {
                return Err(FieldError::new("name", Problem::Conflict("name", "names")));
            }
            if !has("name") && !has("names") && !has("label") {
                return Err(FieldError::new("", Problem::NeedOneOf(&["names", "name", "label"])));
            }
        }
        RecordType::Custody if !has("at") && !has("flight") => {
            return Err(FieldError::new("at", Problem::Missing));
        }
        RecordType::SameAs | RecordType::Distinct => {
            let ids: BTreeSet<&str> = map
                .get("ids")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            if ids.len() < 2 {
                return Err(FieldError::new("ids", Problem::TooFew { min: 2 }));
            }
        }
        _ => {}
    }
    if let Some(format) = map.get("format")
        && format.as_u64() != Some(1)
    {
        return Err(FieldError::new("format", Problem::Format(show_found(format))));
    }
    if let Some(Value::Array(names)) = map.get("personal") {
        for name in names.iter().filter_map(Value::as_str) {
            if matches!(name, "id" | "type" | "personal" | "format") {
                return Err(FieldError::new("personal", Problem::NotCommittable(name.to_string())));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_as_records_md_writes_them() {
        let legs = Path::Key(&Path::Root, "legs");
        for (i, text) in [
            (0, "legs[0].departed"),
            (7, "legs[7].departed"),
            (10, "legs[10].departed"),
            (305, "legs[305].departed"),
        ] {
            let leg = Path::Index(&legs, i);
            let departed = Path::Key(&leg, "departed");
            assert_eq!(departed.render(), text);
            assert_eq!(departed.render_inline().as_str(), text);
        }
        assert_eq!(Path::Index(&Path::Root, usize::MAX).render(), format!("[{}]", usize::MAX));
    }

    #[test]
    fn small_shapes() {
        assert!(is_decimal("6000000.00") && is_decimal("-1") && !is_decimal("1.") && !is_decimal("1e3"));
        assert!(is_language("es") && is_language("es-419") && is_language("zh-Hant-TW") && !is_language("e"));
        assert!(is_upper("SV", 2) && !is_upper("sv", 2) && !is_upper("SLV", 2));
    }
}
