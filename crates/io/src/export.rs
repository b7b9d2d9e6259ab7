//! Writing records out: JSON Lines that re-import as they were, and CSV of one type for
//! spreadsheets.
//!
//! Each JSON line is the record's canonical form (RFC 8785), so two exports of the same ledger
//! are byte-identical and diff cleanly. CSV has one column per top-level field found in the
//! records of that type (`id` and `type` first, then alphabetical); nested values (lists,
//! objects) are written as their JSON.

use std::collections::BTreeSet;
use std::io::Write;

use habeas_model::canonical::to_canonical;
use serde_json::{Map, Value};

/// Writes one record as one canonical JSON line.
pub fn write_jsonl(out: &mut dyn Write, record: &Map<String, Value>) -> std::io::Result<()> {
    let mut bytes = to_canonical(&Value::Object(record.clone()));
    bytes.push(b'\n');
    out.write_all(&bytes)
}

/// Writes records of one type as CSV with a header.
pub fn write_csv(out: &mut dyn Write, records: &[Map<String, Value>]) -> Result<(), csv::Error> {
    let mut fields: BTreeSet<&str> = BTreeSet::new();
    for record in records {
        fields.extend(record.keys().map(String::as_str).filter(|k| *k != "id" && *k != "type"));
    }
    let header: Vec<&str> = ["id", "type"].into_iter().chain(fields).collect();
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(&header)?;
    for record in records {
        let row = header.iter().map(|field| match record.get(*field) {
            None => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => String::from_utf8(to_canonical(other)).unwrap_or_default(),
        });
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn jsonl_is_canonical() {
        let mut out = Vec::new();
        let record = json!({"type": "org", "id": "o", "name": "ICE"});
        write_jsonl(&mut out, record.as_object().unwrap()).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"id\":\"o\",\"name\":\"ICE\",\"type\":\"org\"}\n");
    }

    #[test]
    fn csv_has_a_column_per_field() {
        let a =
            json!({"type": "place", "id": "p1", "name": "CECOT", "capacity": 40000, "aliases": ["Centro"]});
        let b = json!({"type": "place", "id": "p2", "name": "El Valle, TX"});
        let mut out = Vec::new();
        write_csv(&mut out, &[a.as_object().unwrap().clone(), b.as_object().unwrap().clone()]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "id,type,aliases,capacity,name\np1,place,\"[\"\"Centro\"\"]\",40000,CECOT\np2,place,,,\"El Valle, TX\"\n"
        );
    }
}
