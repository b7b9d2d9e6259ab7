//! A record's members as the rules hold them: JSON values, kept compact.
//!
//! A case holds every record known, so the form a record takes in memory decides how large a
//! ledger `habeas check` can read. serde_json's object is a B-tree: a node of about 630 bytes
//! and a heap string per member name, for a record of ten members. Here an object is one boxed
//! slice of members sorted by name, a name the record format defines is held as its place among
//! the schema's names ([`habeas_model::schema::known_names`], two bytes), lists are boxed slices
//! with no spare capacity, and a string of up to 15 bytes (an id, an event, a place: most of a record's values)
//! is held inline in its 16 bytes ([`EcoString`]), without an allocation of its own. At a million
//! records the case took 1.9 GB with boxed strings, against 2.6 GB as serde_json maps.
//!
//! The methods are named as serde_json's (`get`, `as_str`, `as_array`, `as_u64`), so a rule
//! reads a [`Field`] as it would read a JSON value.
//!
//! A record is read from its JSON text directly ([`Fields::read_setting_aside`], by the reader of
//! [`field_of_text`]), without a `serde_json::Value` in between: building a B-tree and a string per member
//! name, only to take them apart again, had been a fifth of the time `habeas check` spent reading
//! the log, and a kept personal value put back is read the same way.

use ecow::EcoString;

use serde_json::{Map, Number, Value};

mod text;
pub use text::{TextError, field_of_text};

/// A JSON value held by a record in the case.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    /// Up to 15 bytes held inline, without an allocation: most of a record's values are ids.
    String(EcoString),
    Array(Box<[Field]>),
    Object(Fields),
}

/// A JSON object: its members sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields(Box<[Member]>);

/// A member: its name's place among the names the record format defines
/// ([`known_names`](habeas_model::schema::known_names)), and its value. A member whose name the
/// format does not define (rare: the format's objects are closed but for a few) has [`OTHER`]
/// for a place and `[name, value]` for a value. A place takes 2 bytes where a name had taken 24
/// (the schema's `&'static str` or a copy, told apart): a custody event's eight members fit in
/// 256 bytes instead of 384.
type Member = (u16, Field);

/// The place of a name the record format does not define.
const OTHER: u16 = u16::MAX;

/// A member called `name` holding `value`.
fn member(name: &str, value: Field) -> Member {
    Name::of(name).holding(value)
}

/// A member's name.
fn name_of(member: &Member) -> &str {
    match member {
        (OTHER, Field::Array(pair)) => pair.first().and_then(Field::as_str).unwrap_or(""),
        (place, _) => {
            habeas_model::schema::known_names().names.get(usize::from(*place)).copied().unwrap_or("")
        }
    }
}

/// A member's value.
fn value_of(member: &Member) -> &Field {
    match member {
        (OTHER, Field::Array(pair)) => pair.get(1).unwrap_or(Field::NULL),
        (_, value) => value,
    }
}

/// Members in name order: known names' places follow their names' order.
fn by_name(a: &Member, b: &Member) -> std::cmp::Ordering {
    if a.0 != OTHER && b.0 != OTHER { a.0.cmp(&b.0) } else { name_of(a).cmp(name_of(b)) }
}

impl Field {
    /// A null to lend where a member is missing.
    pub const NULL: &'static Field = &Field::Null;

    /// A member of an object; `None` for anything else.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.as_object().and_then(|fields| fields.get(name))
    }

    /// An item of a list; `None` for anything else.
    pub fn item(&self, index: usize) -> Option<&Field> {
        self.as_array().and_then(|items| items.get(index))
    }

    /// A string as an id that shares its text with the field (an id of up to 15 bytes is
    /// copied inline; a longer one is shared, not copied).
    pub fn to_id(&self) -> Option<EcoString> {
        match self {
            Field::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Field::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Field]> {
        match self {
            Field::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Fields> {
        match self {
            Field::Object(fields) => Some(fields),
            _ => None,
        }
    }

    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Field::Number(n) => n.as_u64(),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Field::Number(n) => n.as_i64(),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Field::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    /// The value as serde_json's, for output.
    pub fn to_json(&self) -> Value {
        match self {
            Field::Null => Value::Null,
            Field::Bool(b) => Value::Bool(*b),
            Field::Number(n) => Value::Number(n.clone()),
            Field::String(s) => Value::String(s.to_string()),
            Field::Array(items) => Value::Array(items.iter().map(Field::to_json).collect()),
            Field::Object(fields) => Value::Object(fields.to_json()),
        }
    }
}

impl From<Value> for Field {
    fn from(value: Value) -> Field {
        match value {
            Value::Null => Field::Null,
            Value::Bool(b) => Field::Bool(b),
            Value::Number(n) => Field::Number(n),
            Value::String(s) => Field::String(s.into()),
            Value::Array(items) => Field::Array(items.into_iter().map(Field::from).collect()),
            Value::Object(map) => Field::Object(Fields::from(map)),
        }
    }
}

impl Fields {
    /// The member called `name`. A record has a dozen members or so: a scan of their names'
    /// places, after one lookup of the place asked for. (Comparing the members' names with
    /// `name` instead, in a binary search or a scan, was 7 to 10% slower over `habeas check`.)
    pub fn get(&self, name: &str) -> Option<&Field> {
        match habeas_model::schema::known_names().place(name) {
            Some(place) => self.0.iter().find(|(p, _)| *p == place).map(|(_, field)| field),
            None => self.0.iter().find(|m| m.0 == OTHER && name_of(m) == name).map(value_of),
        }
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Each member's value, to change in place (names and order stay).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Field> {
        self.0.iter_mut().map(|(_, field)| field)
    }

    /// Members in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Field)> {
        self.0.iter().map(|m| (name_of(m), value_of(m)))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds or replaces a member, keeping the order.
    pub fn insert(&mut self, name: String, field: Field) {
        let added = member(&name, field);
        match self.0.binary_search_by(|m| by_name(m, &added)) {
            Ok(found) => self.0[found] = added,
            Err(at) => {
                let mut members = std::mem::take(&mut self.0).into_vec();
                members.insert(at, added);
                self.0 = members.into_boxed_slice();
            }
        }
    }

    /// The object as serde_json's, for output.
    pub fn to_json(&self) -> Map<String, Value> {
        self.iter().map(|(name, field)| (name.to_string(), field.to_json())).collect()
    }
}

impl From<Map<String, Value>> for Fields {
    fn from(map: Map<String, Value>) -> Fields {
        // serde_json's map iterates in name order (it is a B-tree without `preserve_order`); the
        // sort is a check of that, and costs one pass when it holds.
        let mut members: Vec<Member> =
            map.into_iter().map(|(name, value)| member(&name, Field::from(value))).collect();
        if !members.is_sorted_by(|a, b| by_name(a, b).is_le()) {
            members.sort_by(by_name);
        }
        Fields(members.into_boxed_slice())
    }
}

impl Fields {
    /// Members as read, put in name order; of a name given twice the last is kept, as
    /// serde_json keeps it.
    fn of_members(mut members: Vec<Member>) -> Fields {
        if !members.is_sorted_by(|a, b| by_name(a, b).is_lt()) {
            // Stable: of equal names, the last read stays last, and is the one kept.
            members.sort_by(by_name);
            let mut kept: Vec<Member> = Vec::with_capacity(members.len());
            for member in members {
                match kept.last_mut() {
                    Some(last) if by_name(last, &member).is_eq() => *last = member,
                    _ => kept.push(member),
                }
            }
            members = kept;
        }
        Fields(exact(members))
    }
}

/// The items in an allocation of their own size. A vector grown while reading and then shrunk
/// may keep its larger block (the allocator shrinks in place when the new size is at least half
/// the old), which had made records read this way a tenth larger.
fn exact<T>(mut items: Vec<T>) -> Box<[T]> {
    if items.len() == items.capacity() {
        return items.into_boxed_slice();
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    exact.into_boxed_slice()
}

impl Fields {
    /// Reads a JSON object from its text, setting the members called `aside` apart (each `None`
    /// where missing; of a name given twice, the last): a record's `id` and `type`, held beside
    /// its other members, are thus never among them, and the members land in one allocation of
    /// their own size. Read in one pass over the bytes, as [`field_of_text`] reads, not through
    /// serde_json.
    pub fn read_setting_aside<const N: usize>(
        text: &[u8],
        aside: [&str; N],
    ) -> Result<([Option<Field>; N], Fields), TextError> {
        let mut reader = text::Reader::new(text)?;
        let start = reader.object(0)?;
        reader.end()?;
        let places = aside.map(|n| habeas_model::schema::known_names().place(n));
        let which = |member: &Member| match member.0 {
            OTHER => aside.iter().position(|n| *n == name_of(member)),
            place => places.iter().position(|p| *p == Some(place)),
        };
        let mut set_aside = [const { None }; N];
        let members = reader.members_from(start);
        let kept = members.as_slice().iter().filter(|m| which(m).is_none()).count();
        let mut others = Vec::with_capacity(kept);
        for member in members {
            match which(&member) {
                Some(i) => set_aside[i] = Some(into_value(member)),
                None => others.push(member),
            }
        }
        Ok((set_aside, Fields::of_members(others)))
    }
}

/// A member's value, moved out of it.
fn into_value(member: Member) -> Field {
    match member {
        (OTHER, Field::Array(pair)) => pair.into_vec().pop().unwrap_or_default(),
        (_, value) => value,
    }
}

/// A member's name as read: its place among the names the format defines, or a copy.
enum Name {
    Known(u16),
    Other(EcoString),
}

impl Name {
    /// The name's place among the format's names, or a copy where it has none.
    fn of(name: &str) -> Name {
        match habeas_model::schema::known_names().place(name) {
            Some(place) => Name::Known(place),
            None => Name::Other(name.into()),
        }
    }

    /// The member of this name holding `value`.
    fn holding(self, value: Field) -> Member {
        match self {
            Name::Known(place) => (place, value),
            Name::Other(name) => (OTHER, Field::Array(Box::new([Field::String(name), value]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_read_as_the_json_they_came_from() {
        let value = json!({
            "type": "custody",
            "subject": "p-1",
            "basis": ["aea-2025", "ins-title8"],
            "count": 137,
            "legs": [{"from": "pl-harlingen", "to": "pl-cecot"}],
            "an_unknown_member": {"nested": true, "n": -2.5},
            "note": null
        });
        let field = Field::from(value.clone());
        assert_eq!(field.to_json(), value);
        assert_eq!(field.get("subject").and_then(Field::as_str), Some("p-1"));
        assert_eq!(field.get("count").and_then(Field::as_u64), Some(137));
        assert_eq!(field.get("basis").and_then(Field::as_array).map(<[Field]>::len), Some(2));
        assert_eq!(
            field.get("legs").and_then(|l| l.item(0)).and_then(|l| l.get("to")).and_then(Field::as_str),
            Some("pl-cecot")
        );
        assert_eq!(
            field.get("an_unknown_member").and_then(|m| m.get("n")).and_then(Field::as_f64),
            Some(-2.5)
        );
        assert_eq!(field.get("note"), Some(&Field::Null));
        assert_eq!(field.get("missing"), None);
        assert_eq!(field.get("subject").and_then(|s| s.get("x")), None);
    }

    #[test]
    fn read_from_text_it_is_what_serde_json_value_gives() {
        let texts = [
            r#"{"type":"custody","subject":"p-1","basis":["aea-2025","ins-title8"],"count":137}"#,
            r#"{"z":1,"a":{"nested":true,"n":-2.5,"big":18446744073709551615,"neg":-9},"m":null,"e":[]}"#,
            r#"{"esc\u00e9":"caf\u00e9 \"q\"","names":{"commit":"abc="},"legs":[{"to":"x","from":"y"}]}"#,
            r#"[1,"two",{"three":3}]"#,
            r#"{"twice":1,"a":0,"twice":2}"#,
        ];
        for text in texts {
            let direct = field_of_text(text.as_bytes()).unwrap();
            let through_value = Field::from(serde_json::from_str::<Value>(text).unwrap());
            assert_eq!(direct, through_value, "{text}");
        }
        assert!(field_of_text(br#"{"a":"#).is_err());
    }

    #[test]
    fn members_set_aside_are_not_among_the_others() {
        let text = br#"{"z":2,"id":"x","a":{"id":"inner"},"type":"custody"}"#;
        let ([id, kind, missing], fields) = Fields::read_setting_aside(text, ["id", "type", "no"]).unwrap();
        assert_eq!(
            (id, kind, missing),
            (Some(Field::String("x".into())), Some(Field::String("custody".into())), None)
        );
        assert_eq!(fields.iter().map(|(name, _)| name).collect::<Vec<_>>(), ["a", "z"]);
        assert_eq!(
            fields.get("a").and_then(|a| a.get("id")).and_then(Field::as_str),
            Some("inner"),
            "only at the top"
        );
        assert!(Fields::read_setting_aside(b"[1]", ["id"]).is_err());
        assert!(Fields::read_setting_aside(br#"{"id":"x"} trailing"#, ["id"]).is_err());
    }

    #[test]
    fn names_the_format_defines_and_others_sort_and_are_found_together() {
        // `at`, `place` and `subject` are the format's (held as their places), the others not.
        let text =
            r#"{"zzz":1,"subject":"p-1","aaa":2,"at":"2025-03-15","pm":3,"subject":"p-2","place":"x"}"#;
        let known = |name| habeas_model::schema::known_name(name).is_some();
        assert!(known("at") && known("place") && known("subject") && known("basis"));
        assert!(!known("aaa") && !known("pm") && !known("pl") && !known("zzz"));
        let field = field_of_text(text.as_bytes()).unwrap();
        let Some(fields) = field.as_object() else { panic!("an object") };
        let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["aaa", "at", "place", "pm", "subject", "zzz"]);
        assert_eq!(fields.get("subject").and_then(Field::as_str), Some("p-2"), "the last given is kept");
        assert_eq!(fields.get("pm").and_then(Field::as_u64), Some(3));
        assert_eq!(fields.get("zzz").and_then(Field::as_u64), Some(1));
        assert_eq!(fields.get("sources"), None, "a name of the format, absent");
        let mut fields = fields.clone();
        fields.insert("pl".into(), Field::Bool(true));
        fields.insert("basis".into(), Field::Null);
        fields.insert("aaa".into(), Field::String("replaced".into()));
        let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["aaa", "at", "basis", "pl", "place", "pm", "subject", "zzz"]);
        assert_eq!(fields.get("aaa").and_then(Field::as_str), Some("replaced"));
        assert_eq!(
            Value::Object(fields.to_json()),
            json!({"aaa": "replaced", "at": "2025-03-15", "basis": null, "pl": true, "place": "x",
                   "pm": 3, "subject": "p-2", "zzz": 1})
        );
    }

    #[test]
    fn every_member_of_the_example_case_is_found_by_its_name() {
        // `get` searches by name in the members' order: each member of each record (and of the
        // objects inside it) must be found, and a name no member has must not.
        fn each_object(field: &Field, visit: &mut dyn FnMut(&Fields)) {
            match field {
                Field::Object(fields) => {
                    visit(fields);
                    fields.iter().for_each(|(_, f)| each_object(f, visit));
                }
                Field::Array(items) => items.iter().for_each(|f| each_object(f, visit)),
                _ => {}
            }
        }
        let example = include_str!("../../../../examples/cecot-2025.jsonl");
        let mut found = 0;
        for line in example.lines().filter(|l| l.starts_with('{')) {
            let field = field_of_text(line.as_bytes()).unwrap();
            each_object(&field, &mut |fields| {
                for (name, value) in fields.iter() {
                    assert_eq!(fields.get(name), Some(value), "{name} in {line}");
                    found += 1;
                }
                for absent in ["", "a", "zzzz", "subjectx", "placeholder"] {
                    assert!(
                        fields.iter().all(|(n, _)| n != absent) && fields.get(absent).is_none(),
                        "{absent}"
                    );
                }
            });
        }
        assert!(found > 1000, "the example case's members: {found}");
    }

    #[test]
    fn members_stay_sorted_as_they_are_added() {
        let Field::Object(mut fields) = Field::from(json!({"b": 1, "d": 2})) else { panic!("an object") };
        fields.insert("c".into(), Field::Bool(true));
        fields.insert("a".into(), Field::Null);
        fields.insert("d".into(), Field::String("replaced".into()));
        let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["a", "b", "c", "d"]);
        assert_eq!(fields.get("d").and_then(Field::as_str), Some("replaced"));
        assert_eq!(fields.get("c"), Some(&Field::Bool(true)));
        assert_eq!(fields.len(), 4);
    }
}
