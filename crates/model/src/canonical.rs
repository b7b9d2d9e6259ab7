//! Canonical bytes: RFC 8785, the JSON Canonicalization Scheme (JCS), for habeas's JSON subset.
//!
//! The canonical form is what the log hashes, so two people who write the same fact must get the
//! same bytes. JCS fixes everything JSON leaves open: no whitespace, object members sorted by the
//! UTF-16 code units of their names, strings escaped minimally (only `"`, `\` and control
//! characters), numbers in their shortest form. habeas admits only integers of magnitude up to
//! 2^53 − 1, which JCS writes as plain decimals; decimals travel as strings (`"6000000.00"`), so no
//! floating-point formatting is ever involved. Strings are NFC-normalised before this step
//! ([`normalize_strings`]), so `é` typed as one code point or as `e` + accent is the same fact.

use std::cmp::Ordering;
use std::fmt::Write as _;

use serde_json::{Map, Value};
use unicode_normalization::{UnicodeNormalization, is_nfc_quick};

/// The largest integer magnitude JCS (IEEE 754 doubles) represents exactly: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Why a JSON value has no canonical form in habeas.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CanonicalError {
    /// A number with a fraction or exponent; decimals must be strings.
    Fraction { path: String, found: String },
    /// An integer beyond ±(2^53 − 1).
    TooLarge { path: String, found: String },
}

/// Checks that every number is an integer JCS can write exactly; names the first that is not.
/// `path` is where `value` is (empty at the top); it is extended only to name a bad number.
pub fn check_numbers(value: &Value, path: &mut String) -> Result<(), CanonicalError> {
    if numbers_are_safe(value) {
        return Ok(());
    }
    // Slow path, only for a bad record: find and name the first bad number.
    match value {
        Value::Number(n) => {
            let found = n.to_string();
            if n.as_f64().is_some() && n.as_u64().is_none() && n.as_i64().is_none() {
                Err(CanonicalError::Fraction { path: path.clone(), found })
            } else {
                Err(CanonicalError::TooLarge { path: path.clone(), found })
            }
        }
        Value::Array(items) => {
            let len = path.len();
            for (i, item) in items.iter().enumerate() {
                let _ = write!(path, "[{i}]");
                check_numbers(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            let len = path.len();
            for (key, item) in map {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                check_numbers(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether every number in `value` is an integer of magnitude at most 2^53 − 1.
fn numbers_are_safe(value: &Value) -> bool {
    match value {
        Value::Number(n) => n
            .as_u64()
            .map(|v| v <= MAX_SAFE_INTEGER)
            .or_else(|| n.as_i64().map(|v| v.unsigned_abs() <= MAX_SAFE_INTEGER))
            .unwrap_or(false),
        Value::Array(items) => items.iter().all(numbers_are_safe),
        Value::Object(map) => map.values().all(numbers_are_safe),
        _ => true,
    }
}

fn nfc(text: &str) -> Option<String> {
    if text.is_ascii() {
        return None; // ASCII is always NFC
    }
    match is_nfc_quick(text.chars()) {
        unicode_normalization::IsNormalized::Yes => None,
        _ => {
            let normalized: String = text.nfc().collect();
            (normalized != text).then_some(normalized)
        }
    }
}

/// Rewrites every string and member name in NFC, in place.
pub fn normalize_strings(value: &mut Value) {
    match value {
        Value::String(text) => {
            if let Some(normalized) = nfc(text) {
                *text = normalized;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize_strings),
        Value::Object(map) => {
            if map.keys().any(|k| nfc(k).is_some()) {
                let old = std::mem::take(map);
                for (key, mut item) in old {
                    normalize_strings(&mut item);
                    map.insert(nfc(&key).unwrap_or(key), item);
                }
            } else {
                map.values_mut().for_each(normalize_strings);
            }
        }
        _ => {}
    }
}

/// JCS orders member names by their UTF-16 code units (RFC 8785 §3.2.3).
pub(crate) fn utf16_order(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Whether a byte must be escaped in a JSON string: `"`, `\` and control characters.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Appends a JSON string literal, escaped as JCS (ECMAScript `JSON.stringify`) does.
pub fn write_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    // Nearly every string needs no escape: a branch-free pass the compiler vectorises, then
    // one copy.
    if !bytes.iter().fold(false, |found, &b| found | needs_escape(b)) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: Option<&[u8]> = match b {
            b'"' => Some(b"\\\""),
            b'\\' => Some(b"\\\\"),
            0x08 => Some(b"\\b"),
            0x09 => Some(b"\\t"),
            0x0a => Some(b"\\n"),
            0x0c => Some(b"\\f"),
            0x0d => Some(b"\\r"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        match escape {
            Some(e) => out.extend_from_slice(e),
            None => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// Appends the canonical bytes of `value`. Numbers must have passed [`check_numbers`].
pub fn write_canonical(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            use std::io::Write as _;
            let _ = write!(out, "{n}");
        }
        Value::String(text) => write_string(out, text),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_canonical(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(out, map, |_| false),
    }
}

/// Appends a canonical object, leaving out the members for which `skip` is true.
pub fn write_object(out: &mut Vec<u8>, map: &Map<String, Value>, skip: impl Fn(&str) -> bool) {
    write_object_replacing(out, map, skip, |_| None);
}

/// As [`write_object`], writing for each member that `replace` names the canonical bytes it
/// gives instead of the member's own value (a commitment in place of a personal value).
pub fn write_object_replacing<'r>(
    out: &mut Vec<u8>,
    map: &Map<String, Value>,
    skip: impl Fn(&str) -> bool,
    replace: impl Fn(&str) -> Option<&'r [u8]>,
) {
    out.push(b'{');
    let mut first = true;
    let mut member = |key: &str, item: &Value, out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
        write_string(out, key);
        out.push(b':');
        match replace(key) {
            Some(bytes) => out.extend_from_slice(bytes),
            None => write_canonical(out, item),
        }
    };
    // serde_json's map is ordered by bytes, which equals UTF-16 order for ASCII names: the
    // common case needs no sorting and no allocation.
    if map.keys().all(|k| k.is_ascii()) {
        for (key, item) in map.iter().filter(|(k, _)| !skip(k)) {
            member(key, item, out);
        }
    } else {
        let mut entries: Vec<(&String, &Value)> = map.iter().filter(|(k, _)| !skip(k)).collect();
        entries.sort_by(|a, b| utf16_order(a.0, b.0));
        for (key, item) in entries {
            member(key, item, out);
        }
    }
    out.push(b'}');
}

/// The canonical bytes of `value`.
pub fn to_canonical(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_canonical(&mut out, value);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn canon(v: Value) -> String {
        String::from_utf8(to_canonical(&v)).unwrap()
    }

    #[test]
    fn sorts_members_and_drops_whitespace() {
        assert_eq!(
            canon(json!({"b": [1, 2], "a": {"d": true, "c": null}})),
            r#"{"a":{"c":null,"d":true},"b":[1,2]}"#
        );
    }

    #[test]
    fn rfc8785_string_escapes() {
        // RFC 8785 §3.2.2.2: only these are escaped; U+2028, DEL and non-ASCII stay literal.
        let v = json!("\u{0}\u{8}\t\n\u{c}\r\u{1f}\"\\/\u{7f}\u{2028}é€😀");
        assert_eq!(canon(v), "\"\\u0000\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u{7f}\u{2028}é€😀\"");
    }

    #[test]
    fn rfc8785_member_order_is_utf16() {
        // The example of RFC 8785 §3.2.3: U+FB33 sorts after the emoji in UTF-16 (the emoji is
        // the surrogate pair D83D DE00) although its UTF-8 bytes sort before the emoji's.
        let v = json!({"\u{20ac}": "Euro", "\r": "CR", "\u{fb33}": "Hebrew", "1": "One",
                        "\u{1f600}": "Smiley", "\u{80}": "Control", "\u{f6}": "ö"});
        assert_eq!(
            canon(v),
            "{\"\\r\":\"CR\",\"1\":\"One\",\"\u{80}\":\"Control\",\"\u{f6}\":\"ö\",\"\u{20ac}\":\"Euro\",\"\u{1f600}\":\"Smiley\",\"\u{fb33}\":\"Hebrew\"}"
        );
    }

    #[test]
    fn numbers_must_be_safe_integers() {
        let mut path = String::new();
        assert!(check_numbers(&json!({"a": [1, -2, 9007199254740991i64]}), &mut path).is_ok());
        let err = check_numbers(&json!({"amount": {"x": 1.5}}), &mut String::new()).unwrap_err();
        assert_eq!(err, CanonicalError::Fraction { path: "amount.x".into(), found: "1.5".into() });
        assert!(matches!(
            check_numbers(&json!([9007199254740992u64]), &mut String::new()),
            Err(CanonicalError::TooLarge { .. })
        ));
        let v: Value = serde_json::from_str("[1e3]").unwrap();
        assert!(check_numbers(&v, &mut String::new()).is_err());
    }

    #[test]
    fn nfc_normalises_values_and_names() {
        let mut v = json!({"Jose\u{301}": "Mari\u{301}a"});
        normalize_strings(&mut v);
        assert_eq!(canon(v), "{\"José\":\"María\"}");
    }
}
