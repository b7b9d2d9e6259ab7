//! A record: one fact with its id and type, parsed, validated and in canonical form.
//!
//! [`parse_line`] takes one line of a JSON Lines file and returns a [`Parsed`] record or the
//! first [`FieldError`]. On the way it applies what records.md says the canonical form is:
//! strings in NFC, the `name` shorthand expanded to `names`, defaults *not* filled in, times kept
//! exactly as written, numbers only as integers, and an id derived for events that have none.

use serde_json::{Map, Value};

use crate::canonical::{check_numbers, normalize_strings, to_canonical, write_object};
use crate::error::{FieldError, FieldWarning, Problem, show_found};
use crate::id::{derived_id, is_valid_id};
use crate::personal::{COMMITMENT_LEN, Leaf, build_leaf};
use crate::record_type::RecordType;
use crate::schema::personal_fields;
use crate::validate::{Reference, check_record};

/// The most bytes a leaf may have, so that a log entry fits a C2SP tile entry.
pub const MAX_LEAF_BYTES: usize = 65_535;

/// A valid record in canonical form (personal values in clear).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    id: String,
    record_type: RecordType,
    body: Map<String, Value>, // includes "id" and "type"
}

/// What parsing a line yields besides the record.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub record: Record,
    /// The canonical bytes, with personal values in clear: what "unchanged" is decided on.
    pub canonical: Vec<u8>,
    /// Ids this record refers to, to be checked against the ledger.
    pub references: Vec<Reference>,
    pub warnings: Vec<FieldWarning>,
    /// Whether the id was derived from the content (an event written without one).
    pub derived_id: bool,
    /// Whether some time field is a date that may find no zone (one read in a court's zone, or
    /// with nothing to give it one): the ledger checks these after the import and warns.
    pub zone_dates: bool,
    /// Whether some `{"earliest", "latest"}` mixes a date and an instant that the date's zone
    /// may put in the wrong order ([`crate::TimeSpec::order_needs_zone`]): the ledger checks
    /// its order once the zone is known, and refuses the record if `earliest` comes last.
    pub zoned_windows: bool,
    /// The personal fields the record has ([`Record::personal_fields`]), found once here for
    /// the leaf to commit.
    pub personal: Vec<String>,
}

impl Record {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn record_type(&self) -> RecordType {
        self.record_type
    }

    pub fn body(&self) -> &Map<String, Value> {
        &self.body
    }

    pub fn get(&self, field: &str) -> Option<&Value> {
        self.body.get(field)
    }

    pub fn into_body(self) -> Map<String, Value> {
        self.body
    }

    /// The canonical bytes: JCS of the body, personal values in clear.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        to_canonical(&Value::Object(self.body.clone()))
    }

    /// The fields of this record whose values are personal and present: those of its type and
    /// those it lists in `personal`.
    pub fn personal_fields(&self) -> Vec<String> {
        personal_names(self.record_type, &self.body)
            .into_iter()
            .filter(|f| self.body.contains_key(f))
            .collect()
    }

    /// The leaf: canonical form with personal values replaced by salted commitments.
    pub fn leaf(&self, next_salt: &mut dyn FnMut() -> [u8; 32]) -> Leaf {
        build_leaf(&self.body, &self.personal_fields(), next_salt)
    }

    /// Whether a personal field of this record is known only by its commitment (erased or withheld).
    pub fn withheld_fields(&self) -> Vec<String> {
        self.personal_fields()
            .into_iter()
            .filter(|f| self.body.get(f).and_then(crate::personal::as_commitment).is_some())
            .collect()
    }
}

fn personal_names(t: RecordType, body: &Map<String, Value>) -> Vec<String> {
    let mut names: Vec<String> = personal_fields(t).iter().map(|s| s.to_string()).collect();
    if let Some(Value::Array(listed)) = body.get("personal") {
        for name in listed.iter().filter_map(Value::as_str) {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
    }
    names
}

/// Parses one line of JSON Lines into a record.
pub fn parse_line(line: &str) -> Result<Parsed, FieldError> {
    let value: Value =
        serde_json::from_str(line).map_err(|e| FieldError::new("", Problem::NotJson(e.to_string())))?;
    // Every string of a line in ASCII without escapes is ASCII, which is in NFC as it is: the
    // walk that normalises strings (a twentieth of parsing) has nothing to do.
    let in_nfc = line.is_ascii() && !line.contains('\\');
    parse(value, false, in_nfc)
}

/// Parses a JSON value into a record; `import` and `erasure` are refused.
pub fn parse_value(value: Value) -> Result<Parsed, FieldError> {
    parse(value, false, false)
}

/// A record read back from the log, which validated it on its way in: wrapped as it is, with
/// no second validation and no canonical form (readers that only look at fields, such as time
/// resolution, need neither). `None` if it has no id or a type this version does not know.
pub fn from_log(body: Map<String, Value>) -> Option<Record> {
    let record_type = RecordType::parse(body.get("type")?.as_str()?)?;
    let id = body.get("id")?.as_str()?.to_string();
    Some(Record { id, record_type, body })
}

/// Parses a record the ledger writes itself (`import`, `erasure`), or any other.
pub fn parse_ledger_record(value: Value) -> Result<Parsed, FieldError> {
    parse(value, true, false)
}

/// `in_nfc`: every string in `value` is known to be in NFC already.
fn parse(mut value: Value, allow_internal: bool, in_nfc: bool) -> Result<Parsed, FieldError> {
    check_numbers(&value, &mut String::new()).map_err(|e| {
        let field = match &e {
            crate::canonical::CanonicalError::Fraction { path, .. }
            | crate::canonical::CanonicalError::TooLarge { path, .. } => path.clone(),
        };
        FieldError::new(field, Problem::Number(e))
    })?;
    if !in_nfc {
        normalize_strings(&mut value);
    }
    let Value::Object(mut body) = value else {
        return Err(FieldError::new("", Problem::NotAnObject));
    };
    let record_type = match body.get("type") {
        None => return Err(FieldError::new("type", Problem::Missing)),
        Some(Value::String(name)) => match RecordType::parse(name) {
            Some(t) if t.is_internal() && !allow_internal => {
                return Err(FieldError::new("type", Problem::InternalType(name.clone())));
            }
            Some(t) => t,
            None => return Err(FieldError::new("type", Problem::UnknownType(name.clone()))),
        },
        Some(other) => return Err(FieldError::new("type", Problem::UnknownType(show_found(other)))),
    };
    let personal = personal_names(record_type, &body);
    let personal_refs: Vec<&str> = personal.iter().map(String::as_str).collect();
    let found = check_record(record_type, &body, &personal_refs).map_err(|e| e.in_record(&body))?;

    // The person shorthand "name": "..." is "names": [{"full": "..."}]; other types' `name` is theirs.
    if record_type == RecordType::Person
        && let Some(Value::String(name)) = body.remove("name")
    {
        let mut entry = Map::new();
        entry.insert("full".into(), Value::String(name));
        body.insert("names".into(), Value::Array(vec![Value::Object(entry)]));
    }

    let (id, derived) = match body.get("id") {
        Some(Value::String(id)) if is_valid_id(id) => (id.clone(), false),
        Some(other) => {
            return Err(FieldError::new(
                "id",
                Problem::BadId(other.as_str().map_or_else(|| show_found(other), str::to_string)),
            ));
        }
        None if record_type.is_event() => {
            let mut without_id = Vec::with_capacity(256);
            write_object(&mut without_id, &body, |_| false);
            (derived_id(&without_id), true)
        }
        None => return Err(FieldError::new("id", Problem::IdRequired(record_type.name()))),
    };
    if derived {
        body.insert("id".into(), Value::String(id.clone()));
    }

    let mut canonical = Vec::with_capacity(256);
    write_object(&mut canonical, &body, |_| false);
    let personal: Vec<String> = personal.into_iter().filter(|f| body.contains_key(f)).collect();
    let record = Record { id, record_type, body };
    if let Some(bytes) = leaf_too_large(&record, &personal, canonical.len()) {
        return Err(FieldError::new("", Problem::TooLarge { bytes }));
    }
    let zone_dates = found.zone_dates && dates_may_lack_a_zone(&record);
    Ok(Parsed {
        record,
        canonical,
        references: found.references,
        warnings: found.warnings,
        derived_id: derived,
        zone_dates,
        zoned_windows: found.zoned_windows,
        personal,
    })
}

/// Whether some date of the record might find no zone: not when the record has its own `tz`,
/// nor for a date read in the zone of a place (a place always has one, and the reference must
/// be to a place). Only the others (a court's zone, which a court org may lack) need the
/// ledger to look, after the import, and perhaps warn.
fn dates_may_lack_a_zone(record: &Record) -> bool {
    if record.get("tz").is_some() {
        return false;
    }
    crate::zone::time_fields(record).iter().any(|field| {
        field.spec.needs_zone()
            && !field.exempt
            && !field.hints.iter().any(|hint| matches!(hint, crate::zone::ZoneHint::Place(_)))
    })
}

/// The leaf's exact length, without building the leaf, if it is over [`MAX_LEAF_BYTES`]: each
/// value of `personal` becomes a commitment of 57 bytes.
fn leaf_too_large(record: &Record, personal: &[String], canonical_len: usize) -> Option<usize> {
    // Each commitment takes the place of a value of at least one byte, so the leaf is shorter
    // than this: only a record near the limit needs its values written out to be measured.
    if canonical_len + personal.len() * COMMITMENT_LEN <= MAX_LEAF_BYTES {
        return None;
    }
    let len = personal.iter().fold(canonical_len, |len, field| {
        let value_len = record.body.get(field).map_or(0, |v| to_canonical(v).len());
        len - value_len + COMMITMENT_LEN
    });
    (len > MAX_LEAF_BYTES).then_some(len)
}
