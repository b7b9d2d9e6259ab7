//! Findings as rules.md writes them: outcome, subjects, the record judged, every reading
//! evaluated, the records behind it, and the parameters used.

use std::sync::Arc;

use habeas_model::time::Interval;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::case::Id;
use crate::holds::Holds;

/// How serious a finding is, the most serious first when sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Violation,
    PossibleViolation,
    Warning,
    DataGap,
    Info,
}

impl Outcome {
    pub const ALL: [Outcome; 5] =
        [Outcome::Violation, Outcome::PossibleViolation, Outcome::Warning, Outcome::DataGap, Outcome::Info];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Violation => "violation",
            Outcome::PossibleViolation => "possible_violation",
            Outcome::Warning => "warning",
            Outcome::DataGap => "data_gap",
            Outcome::Info => "info",
        }
    }

    pub fn parse(text: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name() == text)
    }
}

/// One combination of interpretations evaluated, and whether the finding holds under it.
#[derive(Clone, Debug, PartialEq)]
pub struct Reading {
    /// `(dimension, value)`: `("effective", "oral")`, `("act", "depart_territory")`,
    /// `("membership", "unknown")`.
    pub keys: Vec<(&'static str, String)>,
    pub holds: Holds,
}

impl Reading {
    /// `{"effective": "oral", "act": "...", "holds": true}`.
    pub fn to_json(&self) -> Value {
        let mut row: Map<String, Value> =
            self.keys.iter().map(|(k, v)| (k.to_string(), Value::from(v.clone()))).collect();
        row.insert("holds".into(), self.holds.to_json());
        Value::Object(row)
    }
}

/// A finding, or (with `cleared`) what a rule evaluated and found not to hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub rule: &'static str,
    pub outcome: Outcome,
    pub subjects: Vec<Id>,
    pub count: Option<u64>,
    pub about: Option<Id>,
    pub act: Option<Id>,
    /// For a flight leg judged, its number (1 is the first).
    pub leg: Option<usize>,
    /// What tells apart two findings of one rule on the same records (the field of a time, the
    /// first day of a run over capacity); part of the id, not of the output.
    pub key: Option<Id>,
    pub at: Option<Interval>,
    /// The zone to show `at` in: the place of the act.
    pub zone: Option<Id>,
    pub readings: Vec<Reading>,
    pub details: Details,
    pub records: Vec<Id>,
    pub confidence: Id,
    /// Shared by every finding of a rule (a few hundred thousand copies of one small map were a
    /// few hundred megabytes).
    pub parameters: Arc<Map<String, Value>>,
    /// English and Spanish.
    pub message: [String; 2],
}

impl Finding {
    /// Lets go of the room its lists and messages grew into as the rule built them. A run holds
    /// millions of findings until they are sorted and written: a detail list grown to four
    /// entries for two, or a message's spare capacity, is paid for millions of times (at 7.8M
    /// records, in fresh pages the kernel clears).
    pub fn shrink_to_fit(&mut self) {
        self.subjects.shrink_to_fit();
        self.readings.shrink_to_fit();
        self.details.shrink_to_fit();
        self.records.shrink_to_fit();
        for message in &mut self.message {
            message.shrink_to_fit();
        }
    }

    /// A finding of `rule` with nothing filled in but its outcome.
    pub fn new(rule: &'static str, outcome: Outcome) -> Finding {
        Finding {
            rule,
            outcome,
            subjects: Vec::new(),
            count: None,
            about: None,
            act: None,
            leg: None,
            key: None,
            at: None,
            zone: None,
            readings: Vec::new(),
            details: Details::default(),
            records: Vec::new(),
            confidence: "medium".into(),
            parameters: Arc::default(),
            message: [String::new(), String::new()],
        }
    }

    /// Stable across runs: a hash of rule, subjects, about, act and the reading keys (not whether
    /// they hold), so a finding can be followed from one run to the next.
    ///
    /// The hash reads, each followed by a zero byte: the rule, the subjects joined by commas,
    /// `about`, `act`, the leg's number; then `key`, and each reading's keys as `key=value;`
    /// (each reading followed by a zero byte). The parts are fed to the hash as they are, not
    /// first joined or formatted into strings of their own: at 7.8M records a run takes 2.4
    /// million ids.
    pub fn id(&self) -> String {
        let mut hash = Sha256::new();
        hash.update(self.rule.as_bytes());
        hash.update([0]);
        for (i, subject) in self.subjects.iter().enumerate() {
            if i > 0 {
                hash.update(b",");
            }
            hash.update(subject.as_bytes());
        }
        hash.update([0]);
        for part in [self.about.as_deref(), self.act.as_deref()] {
            hash.update(part.unwrap_or("").as_bytes());
            hash.update([0]);
        }
        if let Some(leg) = self.leg {
            hash.update(leg.to_string());
        }
        hash.update([0]);
        hash.update(self.key.as_deref().unwrap_or(""));
        for reading in &self.readings {
            for (key, value) in &reading.keys {
                for part in [key, "=", value, ";"] {
                    hash.update(part.as_bytes());
                }
            }
            hash.update([0]);
        }
        // The first ten bytes of the digest, in hex: twenty characters.
        let digest = hash.finalize();
        format!("f-{}", hex::encode(&digest[..10]))
    }

    /// The JSON of rules.md, "Output".
    pub fn to_json(&self, lang_es: bool) -> Value {
        serde_json::to_value(self.shown(lang_es)).unwrap_or(Value::Null)
    }

    /// The finding as [`Finding::to_json`] writes it, borrowing its parts: written out directly,
    /// a few hundred thousand findings are not first copied into JSON values.
    pub fn shown(&self, lang_es: bool) -> Shown<'_> {
        Shown {
            about: &self.about,
            act: &self.act,
            at: self.at.map(interval_json),
            confidence: &self.confidence,
            count: self.count,
            details: &self.details,
            id: self.id(),
            leg: self.leg,
            message: &self.message[usize::from(lang_es)],
            outcome: self.outcome.name(),
            parameters: &self.parameters,
            readings: self.readings.iter().map(Reading::to_json).collect(),
            records: &self.records,
            rule: self.rule,
            subjects: &self.subjects,
        }
    }
}

/// A finding's JSON, its members in the order of their names (as a JSON object of this crate
/// lists them).
#[derive(Serialize)]
pub struct Shown<'f> {
    about: &'f Option<Id>,
    act: &'f Option<Id>,
    at: Option<Value>,
    confidence: &'f str,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
    details: &'f Details,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    leg: Option<usize>,
    message: &'f str,
    outcome: &'static str,
    parameters: &'f Map<String, Value>,
    readings: Vec<Value>,
    records: &'f [Id],
    rule: &'static str,
    subjects: &'f [Id],
}

/// What a rule adds to its finding (`days`, `escalated`, the elements of a disappearance), written
/// as a JSON object with its members in name order. Most findings have two or three: a list
/// holds them in a tenth of the memory of a serde_json map (a B-tree node each).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Details(Vec<(&'static str, Value)>);

impl Details {
    /// Adds a member, or replaces the one of that name.
    pub fn insert(&mut self, name: &'static str, value: Value) {
        match self.0.iter_mut().find(|(n, _)| *n == name) {
            Some(member) => member.1 = value,
            None => self.0.push((name, value)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, value)| value)
    }

    /// Lets go of the room the list grew into.
    pub(crate) fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }
}

/// `details["days"]`, null when missing, as a JSON object reads.
impl std::ops::Index<&str> for Details {
    type Output = Value;

    fn index(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(name).unwrap_or(&NULL)
    }
}

impl Serialize for Details {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut members: Vec<&(&str, Value)> = self.0.iter().collect();
        members.sort_by_key(|(name, _)| *name);
        let mut map = serializer.serialize_map(Some(members.len()))?;
        for (name, value) in members {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// An instant as a string, or an uncertain time as `{"earliest", "latest"}`, in UTC.
pub fn interval_json(interval: Interval) -> Value {
    let text = crate::show::utc;
    if interval.earliest == interval.latest {
        text(interval.earliest).into()
    } else {
        json!({"earliest": text(interval.earliest), "latest": text(interval.latest)})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_written_with_its_members_in_name_order_as_its_json_value_holds_them() {
        let mut finding = Finding::new("order-conflict", Outcome::PossibleViolation);
        finding.subjects = vec!["coh-1".into()];
        finding.count = Some(137);
        finding.leg = Some(2);
        finding.act = Some("c-1".into());
        finding.at = Some(Interval::at("2025-03-16T00:45:00Z".parse().unwrap()));
        finding.details.insert("days", json!(3));
        finding.parameters = Arc::new([("days".to_string(), json!(7))].into_iter().collect());
        finding.readings = vec![Reading { keys: vec![("effective", "oral".into())], holds: Holds::Yes }];
        finding.message = ["in English".into(), "en español".into()];
        let written = serde_json::to_string(&finding.shown(true)).unwrap();
        // A JSON value keeps its members sorted by name: written directly, the order is the same.
        assert_eq!(written, serde_json::to_string(&finding.to_json(true)).unwrap());
        let value = finding.to_json(true);
        assert_eq!(value["message"], "en español");
        assert_eq!(value["count"], 137);
        assert_eq!(value["leg"], 2);
        assert_eq!(value["parameters"]["days"], 7);
        assert_eq!(value["at"], "2025-03-16T00:45:00Z");
        assert!(value["id"].as_str().is_some_and(|id| id.starts_with("f-")));
        let bare = Finding::new("time-integrity", Outcome::Info).to_json(false);
        assert!(bare.get("count").is_none() && bare.get("leg").is_none(), "{bare}");
    }

    /// A finding's id as it was first written: the parts joined and formatted, then hashed.
    fn id_as_first_written(f: &Finding) -> String {
        let mut hash = Sha256::new();
        for part in
            [f.rule, &f.subjects.join(","), f.about.as_deref().unwrap_or(""), f.act.as_deref().unwrap_or("")]
        {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        hash.update(f.leg.map(|l| l.to_string()).unwrap_or_default());
        hash.update([0]);
        hash.update(f.key.as_deref().unwrap_or(""));
        for reading in &f.readings {
            for (key, value) in &reading.keys {
                hash.update(format!("{key}={value};"));
            }
            hash.update([0]);
        }
        format!("f-{}", &hex::encode(hash.finalize())[..20])
    }

    #[test]
    fn a_findings_id_is_the_id_it_had_when_first_written() {
        let mut finding = Finding::new("order-conflict", Outcome::Violation);
        let mut ids = vec![finding.id()];
        assert_eq!(finding.id(), id_as_first_written(&finding), "nothing but the rule");
        finding.subjects = vec!["p-1".into()];
        finding.subjects.push("cohort-with-a-long-name".into());
        finding.about = Some("ord-1".into());
        finding.act = Some("c-1".into());
        finding.leg = Some(12);
        finding.key = Some("legs[0].departed".into());
        finding.readings = vec![
            Reading {
                keys: vec![("effective", "oral".into()), ("act", "depart_territory".into())],
                holds: Holds::Yes,
            },
            Reading { keys: vec![], holds: Holds::No },
            Reading { keys: vec![("membership", "unknown".into())], holds: Holds::Possibly },
        ];
        for step in 0..6 {
            assert_eq!(finding.id(), id_as_first_written(&finding), "step {step}");
            assert_eq!(finding.id().len(), 22);
            ids.push(finding.id());
            // Take one part away at a time: each changes the id.
            match step {
                0 => finding.readings.truncate(1),
                1 => finding.key = None,
                2 => finding.leg = None,
                3 => finding.subjects.truncate(1),
                4 => finding.act = None,
                _ => finding.about = None,
            }
        }
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 7, "each part changes the id");
    }

    #[test]
    fn details_are_written_in_name_order_whatever_order_they_were_added_in() {
        let mut details = Details::default();
        details.insert("escalated", json!(false));
        details.insert("days", json!(3));
        details.insert("elements", json!({"b": 1, "a": 2}));
        details.insert("escalated", json!(true));
        assert_eq!(
            serde_json::to_string(&details).unwrap(),
            r#"{"days":3,"elements":{"a":2,"b":1},"escalated":true}"#
        );
        assert_eq!(details.get("escalated"), Some(&json!(true)), "replaced, not added twice");
        assert_eq!(details.get("missing"), None);
        assert_eq!((&details["days"], &details["missing"]), (&json!(3), &Value::Null));
    }
}
