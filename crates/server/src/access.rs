//! Who may see which record: the one place the server decides it.
//!
//! records.md gives every record a `sensitivity`: `normal`, `restricted` (hidden from family and
//! public roles) or `sealed` (only admins and editors); an event is at least as sensitive as the
//! most sensitive of its subjects. On top of that a family account sees only the persons granted
//! to it, and the public sees no record at all (only [`crate::public`]'s counts).
//!
//! A record a caller may not see is answered exactly as a record that does not exist
//! ([`Refusal::not_found`]), so that probing ids tells nothing.

use habeas_store::{CurrentRecord, Ledger, Role};
use serde_json::{Map, Value};

use crate::auth::Caller;
use crate::error::Refusal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sensitivity {
    Normal,
    Restricted,
    Sealed,
}

impl Sensitivity {
    pub fn of(body: &Map<String, Value>) -> Sensitivity {
        Sensitivity::named(body.get("sensitivity").and_then(Value::as_str))
    }

    /// The sensitivity a record's `sensitivity` field names (none: normal).
    pub fn named(name: Option<&str>) -> Sensitivity {
        match name {
            Some("sealed") => Sensitivity::Sealed,
            Some("restricted") => Sensitivity::Restricted,
            _ => Sensitivity::Normal,
        }
    }
}

/// Whether `role` may see records of this sensitivity at all.
pub fn role_sees(role: Role, sensitivity: Sensitivity) -> bool {
    match sensitivity {
        Sensitivity::Normal => true,
        Sensitivity::Restricted => role != Role::Family,
        Sensitivity::Sealed => matches!(role, Role::Admin | Role::Editor),
    }
}

/// The ids a record is about: its `subject`, `subjects`, `person` and `relative`.
pub fn subjects_of(body: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for field in ["subject", "subjects", "person", "relative"] {
        match body.get(field) {
            Some(Value::String(id)) => out.push(id.clone()),
            Some(Value::Array(ids)) => out.extend(ids.iter().filter_map(Value::as_str).map(str::to_string)),
            _ => {}
        }
    }
    out
}

/// A record's own sensitivity raised to that of its subjects.
pub fn effective_sensitivity(ledger: &mut Ledger, record: &CurrentRecord) -> Result<Sensitivity, Refusal> {
    let mut level = Sensitivity::of(&record.body);
    for subject in subjects_of(&record.body) {
        if subject == record.id {
            continue;
        }
        if let Some(other) = ledger.record(&subject)? {
            level = level.max(Sensitivity::of(&other.body));
        }
    }
    Ok(level)
}

/// The current record `id` if `caller` may read it whole (admin, editor, viewer).
pub fn readable_record(ledger: &mut Ledger, caller: &Caller, id: &str) -> Result<CurrentRecord, Refusal> {
    let role = caller.require(&[Role::Admin, Role::Editor, Role::Viewer])?;
    let record = ledger.record(id)?.ok_or_else(|| Refusal::not_found(id))?;
    if !role_sees(role, effective_sensitivity(ledger, &record)?) {
        return Err(Refusal::not_found(id));
    }
    let mut record = record;
    hide_members(ledger, role, &mut record.body)?;
    Ok(record)
}

/// The person `id` if `caller` may see them: any non-public role within its sensitivity, and a
/// family account only for the persons granted to it.
pub fn visible_person(ledger: &mut Ledger, caller: &Caller, id: &str) -> Result<CurrentRecord, Refusal> {
    let role = caller.signed_in()?;
    if role == Role::Family && !caller.granted.iter().any(|g| g == id) {
        return Err(Refusal::not_found(id));
    }
    let record = ledger.record(id)?.ok_or_else(|| Refusal::not_found(id))?;
    if record.record_type != "person"
        || record.retracted.is_some()
        || !role_sees(role, Sensitivity::of(&record.body))
    {
        return Err(Refusal::not_found(id));
    }
    Ok(record)
}

/// Leaves out of a record's lists of persons (`members`) those `role` may not see, so that a
/// cohort does not tell a viewer that a sealed person belongs to it.
pub fn hide_members(ledger: &mut Ledger, role: Role, body: &mut Map<String, Value>) -> Result<(), Refusal> {
    if role == Role::Admin || role == Role::Editor {
        return Ok(());
    }
    let Some(Value::Array(members)) = body.get("members") else { return Ok(()) };
    let mut kept = Vec::with_capacity(members.len());
    for member in members.clone() {
        let visible = match member.as_str() {
            Some(id) => match ledger.record(id)? {
                Some(record) => role_sees(role, Sensitivity::of(&record.body)),
                None => true,
            },
            None => true,
        };
        if visible {
            kept.push(member);
        }
    }
    body.insert("members".into(), Value::Array(kept));
    Ok(())
}

/// Whether a source may be shown to `role`: a family sees only sources whose `visibility` is
/// `public` (the default); `restricted` sources could expose who gave them.
pub fn source_visible(role: Role, source: &Map<String, Value>) -> bool {
    role != Role::Family || source.get("visibility").and_then(Value::as_str).unwrap_or("public") == "public"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitivity_decides_by_role() {
        use Sensitivity::*;
        let table = [
            (Role::Admin, [true, true, true]),
            (Role::Editor, [true, true, true]),
            (Role::Viewer, [true, true, false]),
            (Role::Family, [true, false, false]),
        ];
        for (role, expected) in table {
            assert_eq!([Normal, Restricted, Sealed].map(|s| role_sees(role, s)), expected, "{role:?}");
        }
    }

    #[test]
    fn subjects_come_from_every_field_that_names_one() {
        let body = serde_json::json!({"subject": "p-1", "subjects": ["p-2", "p-3"], "relative": "p-4"});
        assert_eq!(subjects_of(body.as_object().unwrap()), ["p-1", "p-2", "p-3", "p-4"]);
    }
}
