/*!
The habeas record format (version 1): the vocabulary every other crate speaks.

A **record** is one JSON object: a fact (a person, a place, a court order, a custody event...)
with an `id`, a `type` and, ideally, the `sources` that support it. This crate reads records,
checks them against `../shared/spec/records.md`, and produces the bytes the log hashes:

- [`parse_line`] validates one line and returns a [`Parsed`] record, or the first
  [`FieldError`] naming the field, what was expected and what was found (in English or Spanish,
  see [`Lang`]);
- a [`Record`]'s canonical form is RFC 8785 JSON ([`canonical`]); its **leaf** replaces personal
  values by salted commitments ([`personal`]), so names never enter the log in clear;
- [`time`] reads instants, dates and uncertain windows and resolves them to UTC [`Interval`]s in
  the zone [`zone`] picks for each field (the place's, the court's, the record's `tz`).

```
use habeas_model::{parse_line, RecordType};

let parsed = parse_line(r#"{"type":"custody","subject":"p1","event":"departed",
    "at":"2025-03-15T17:26:00-05:00","place":"pl-hrl","sources":["src-1"]}"#).unwrap();
assert_eq!(parsed.record.record_type(), RecordType::Custody);
assert!(parsed.record.id().starts_with("r-"));          // an event without id gets one
assert_eq!(parsed.references.len(), 3);                 // p1, pl-hrl and src-1 must exist

let err = parse_line(r#"{"type":"custody","subject":"p1","event":"departed",
    "at":"2025-03-15T17:26:00"}"#).unwrap_err();
assert_eq!(err.field, "at");                            // a local time without offset
```

This crate knows nothing of storage or HTTP.
*/

pub mod canonical;
pub mod error;
pub mod id;
pub mod lang;
pub mod personal;
pub mod record;
pub mod record_type;
pub mod schema;
pub mod time;
pub mod validate;
pub mod walk;
pub mod zone;

pub use error::{Expected, FieldError, FieldWarning, Problem, Warning};
pub use lang::{Lang, Localized};
pub use personal::{KeptValue, Leaf};
pub use record::{MAX_LEAF_BYTES, Parsed, Record, from_log, parse_ledger_record, parse_line, parse_value};
pub use record_type::RecordType;
pub use time::{Interval, TimeSpec};
pub use validate::Reference;
