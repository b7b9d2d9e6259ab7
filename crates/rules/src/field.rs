//! A record's members as the rules hold them: JSON values, kept compact.
//!
//! A case holds every record known, so the form a record takes in memory decides how large a
//! ledger `habeas check` can read. serde_json's object is a B-tree: a node of about 630 bytes
//! and a heap string per member name, for a record of ten members. Here an object is one boxed
//! slice of members sorted by name, a name the record format defines is the schema's own
//! `'static` string ([`habeas_model::schema::known_name`]), and strings and lists are boxed slices
//! with no spare capacity. At a million records the case took 1.9 GB this way, against 2.6 GB as
//! serde_json maps.
//!
//! The methods are named as serde_json's (`get`, `as_str`, `as_array`, `as_u64`), so a rule
//! reads a [`Field`] as it would read a JSON value.

use serde_json::{Map, Number, Value};

/// A JSON value held by a record in the case.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Field {
    #[default]
    Null,
    Bool(bool),
    Number(Number),
    String(Box<str>),
    Array(Box<[Field]>),
    Object(Fields),
}

/// A JSON object: its members sorted by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields(Box<[(Name, Field)]>);

/// A member's name: the schema's own string when the record format defines it, else a copy.
#[derive(Clone, Debug, PartialEq)]
enum Name {
    Known(&'static str),
    Other(Box<str>),
}

impl Name {
    fn new(name: String) -> Name {
        match habeas_model::schema::known_name(&name) {
            Some(known) => Name::Known(known),
            None => Name::Other(name.into_boxed_str()),
        }
    }

    fn text(&self) -> &str {
        match self {
            Name::Known(name) => name,
            Name::Other(name) => name,
        }
    }
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
            Value::String(s) => Field::String(s.into_boxed_str()),
            Value::Array(items) => Field::Array(items.into_iter().map(Field::from).collect()),
            Value::Object(map) => Field::Object(Fields::from(map)),
        }
    }
}

impl Fields {
    /// The member called `name`. A record has a dozen members or so: a scan, which rejects most
    /// on their length, beat a binary search in the rules' profile.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.0.iter().find(|(n, _)| n.text() == name).map(|(_, field)| field)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Members in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Field)> {
        self.0.iter().map(|(name, field)| (name.text(), field))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds or replaces a member, keeping the order.
    pub fn insert(&mut self, name: String, field: Field) {
        match self.0.binary_search_by(|(n, _)| n.text().cmp(&name)) {
            Ok(found) => self.0[found].1 = field,
            Err(at) => {
                let mut members = std::mem::take(&mut self.0).into_vec();
                members.insert(at, (Name::new(name), field));
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
        let mut members: Vec<(Name, Field)> =
            map.into_iter().map(|(name, value)| (Name::new(name), Field::from(value))).collect();
        if !members.is_sorted_by(|a, b| a.0.text() <= b.0.text()) {
            members.sort_by(|a, b| a.0.text().cmp(b.0.text()));
        }
        Fields(members.into_boxed_slice())
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
