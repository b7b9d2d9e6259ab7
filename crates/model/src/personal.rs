//! Personal data in the log: salted commitments in the leaf, values kept beside it.
//!
//! Names, birth dates, identifiers and relations can endanger the people they describe, and a log
//! is forever. So the **leaf** of a record (what the Merkle tree hashes) is its canonical form with
//! each personal value `v` replaced by
//!
//! ```text
//! {"commit": base64(SHA-256(salt || JCS(v)))}      salt: 32 random bytes, one per field
//! ```
//!
//! and the value with its salt is a [`KeptValue`] stored beside the log. Anyone holding both can
//! check one against the other; erasing the kept value leaves the leaf, and therefore the tree,
//! every checkpoint and every proof, unchanged. The salt stops anyone from confirming a guess
//! ("is this leaf about José Pérez?") by hashing candidate names.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canonical::{to_canonical, write_canonical, write_object, write_object_replacing, write_string};

/// A personal value removed from a leaf, with the salt of its commitment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptValue {
    pub field: String,
    pub salt: [u8; 32],
    pub value: Value,
}

/// A record's leaf bytes and the personal values taken out of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub bytes: Vec<u8>,
    pub kept: Vec<KeptValue>,
}

/// `base64(SHA-256(salt || JCS(value)))`.
pub fn commitment(salt: &[u8; 32], value: &Value) -> String {
    commitment_of_canonical(salt, &to_canonical(value))
}

/// [`commitment`] of a value given as its canonical bytes.
fn commitment_of_canonical(salt: &[u8], canonical: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(canonical);
    BASE64.encode(hasher.finalize())
}

/// The commitment string if `value` is `{"commit": "<44 base64 characters>"}`.
pub fn as_commitment(value: &Value) -> Option<&str> {
    let map = value.as_object()?;
    if map.len() != 1 {
        return None;
    }
    let text = map.get("commit")?.as_str()?;
    (text.len() == 44 && BASE64.decode(text).is_ok_and(|b| b.len() == 32)).then_some(text)
}

/// Length in bytes of `{"commit":"<44 characters>"}`.
pub const COMMITMENT_LEN: usize = 57;

/// Builds the leaf of a canonical record body. `personal` are the fields to commit; `next_salt`
/// supplies fresh random salts. A field already holding a commitment stays as it is. (The
/// importer uses [`leaf_and_kept`], which writes the same bytes in one pass.)
pub fn build_leaf(
    body: &Map<String, Value>,
    personal: &[String],
    next_salt: &mut dyn FnMut() -> [u8; 32],
) -> Leaf {
    let mut kept = Vec::new();
    let mut replaced = Map::new();
    for field in personal {
        let Some(value) = body.get(field) else { continue };
        if as_commitment(value).is_some() {
            continue;
        }
        let salt = next_salt();
        let mut commit = Map::new();
        commit.insert("commit".into(), Value::String(commitment(&salt, value)));
        replaced.insert(field.clone(), Value::Object(commit));
        kept.push(KeptValue { field: field.clone(), salt, value: value.clone() });
    }
    let mut bytes = Vec::with_capacity(256);
    if replaced.is_empty() {
        write_object(&mut bytes, body, |_| false);
    } else {
        let mut leaf_body = body.clone();
        leaf_body.extend(replaced);
        write_canonical(&mut bytes, &Value::Object(leaf_body));
    }
    Leaf { bytes, kept }
}

/// Why kept values do not match a leaf.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeptError {
    /// The leaf is not a JSON object.
    BadLeaf,
    /// The leaf has no commitment at this field.
    NoCommitment(String),
    /// The kept value (or its salt) does not hash to the leaf's commitment.
    Mismatch(String),
    /// The stored bytes of kept values cannot be read.
    BadEncoding,
}

/// Checks kept values against the commitments in a parsed leaf.
pub fn check_kept(leaf: &Map<String, Value>, kept: &[KeptValue]) -> Result<(), KeptError> {
    for k in kept {
        let committed = leaf
            .get(&k.field)
            .and_then(as_commitment)
            .ok_or_else(|| KeptError::NoCommitment(k.field.clone()))?;
        if commitment(&k.salt, &k.value) != committed {
            return Err(KeptError::Mismatch(k.field.clone()));
        }
    }
    Ok(())
}

/// The record as known: the leaf with the kept values put back. Fields whose values were erased
/// keep their commitment object, so the record still says something was there.
pub fn reveal(leaf: &[u8], kept: &[KeptValue]) -> Result<Map<String, Value>, KeptError> {
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(leaf) else {
        return Err(KeptError::BadLeaf);
    };
    check_kept(&map, kept)?;
    for k in kept {
        map.insert(k.field.clone(), k.value.clone());
    }
    Ok(map)
}

/// The canonical bytes of the record as known (what [`reveal`] gives, in canonical form), put
/// together from the bytes of a canonical leaf and of its kept values as [`encode_kept`] writes
/// them, without parsing either: each kept value's canonical bytes, found in the kept bytes,
/// replace the commitment they open in the leaf.
///
/// `None` unless every kept value opens its commitment byte for byte and both inputs are
/// canonical enough to walk ([`crate::walk`]); the caller then asks [`reveal`], which also says
/// what is wrong.
pub fn reveal_canonical(leaf: &[u8], kept: &[u8]) -> Option<Vec<u8>> {
    let mut values: Vec<(&[u8], [u8; 32], &[u8])> = Vec::new();
    let mut well_formed = true;
    crate::walk::each_member(kept, |field, span| {
        let entry = &kept[span];
        let (mut salt, mut value) = (None, None);
        let walked = crate::walk::each_member(entry, |name, at| match name {
            b"salt" => {
                salt = crate::walk::plain_string(entry, at)
                    .and_then(|text| BASE64.decode(text).ok())
                    .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
            }
            b"value" => value = Some(&entry[at]),
            _ => well_formed = false,
        });
        match (walked, salt, value) {
            (Some(()), Some(salt), Some(value)) => values.push((field, salt, value)),
            _ => well_formed = false,
        }
    })?;
    if !well_formed {
        return None;
    }
    let mut out = Vec::with_capacity(leaf.len() + values.iter().map(|v| v.2.len()).sum::<usize>());
    let mut copied = 0;
    let mut opened = 0;
    crate::walk::each_member(leaf, |name, span| {
        let Some((_, salt, value)) = values.iter().find(|(field, ..)| *field == name) else { return };
        let expected = commitment_of_canonical(salt, value);
        // A commitment is written `{"commit":"<44 characters>"}`.
        let committed = &leaf[span.clone()];
        if committed.len() == COMMITMENT_LEN
            && committed.starts_with(br#"{"commit":""#)
            && committed.ends_with(br#""}"#)
            && committed[11..55] == *expected.as_bytes()
        {
            out.extend_from_slice(&leaf[copied..span.start]);
            out.extend_from_slice(value);
            copied = span.end;
            opened += 1;
        }
    })?;
    if opened != values.len() {
        return None;
    }
    out.extend_from_slice(&leaf[copied..]);
    Some(out)
}

/// A record's leaf and its kept values as [`encode_kept`] stores them (`None` when nothing is
/// committed), written in one pass: what [`build_leaf`] and [`encode_kept`] give together,
/// byte for byte, without copying the record and each value into new JSON objects first (done
/// that way, persons' leaves and kept values had taken a tenth of an import's processor time).
/// `canonical` is the body's canonical bytes, the leaf itself when nothing is committed.
pub fn leaf_and_kept(
    body: &Map<String, Value>,
    personal: &[String],
    next_salt: &mut dyn FnMut() -> [u8; 32],
    canonical: Vec<u8>,
) -> (Vec<u8>, Option<Vec<u8>>) {
    let mut committed: Vec<Committed> = Vec::new();
    for field in personal {
        let Some(value) = body.get(field) else { continue };
        if as_commitment(value).is_some() {
            continue;
        }
        let salt = next_salt();
        let value = to_canonical(value);
        let mut written = Vec::with_capacity(COMMITMENT_LEN);
        written.extend_from_slice(br#"{"commit":""#);
        written.extend_from_slice(commitment_of_canonical(&salt, &value).as_bytes());
        written.extend_from_slice(br#""}"#);
        committed.push(Committed { field, salt, value, written });
    }
    if committed.is_empty() {
        return (canonical, None);
    }
    let mut leaf = Vec::with_capacity(canonical.len() + committed.len() * COMMITMENT_LEN);
    let replace = |key: &str| committed.iter().find(|c| c.field == key).map(|c| c.written.as_slice());
    write_object_replacing(&mut leaf, body, |_| false, replace);

    // `{"<field>":{"salt":"<base64>","value":<JSON>},...}`, the fields in canonical order.
    committed.sort_by(|a, b| crate::canonical::utf16_order(a.field, b.field));
    let mut kept = Vec::with_capacity(committed.iter().map(|c| c.field.len() + c.value.len() + 80).sum());
    kept.push(b'{');
    for (i, Committed { field, salt, value, .. }) in committed.iter().enumerate() {
        if i > 0 {
            kept.push(b',');
        }
        write_string(&mut kept, field);
        kept.extend_from_slice(br#":{"salt":""#);
        kept.extend_from_slice(BASE64.encode(salt).as_bytes());
        kept.extend_from_slice(br#"","value":"#);
        kept.extend_from_slice(value);
        kept.push(b'}');
    }
    kept.push(b'}');
    (leaf, Some(kept))
}

/// A personal value as [`leaf_and_kept`] commits it: its field, its salt, its canonical bytes,
/// and the commitment as the leaf writes it.
struct Committed<'b> {
    field: &'b str,
    salt: [u8; 32],
    value: Vec<u8>,
    written: Vec<u8>,
}

/// Stores kept values as `{"<field>": {"salt": "<base64>", "value": <JSON>}, ...}`.
pub fn encode_kept(kept: &[KeptValue]) -> Vec<u8> {
    let mut map = Map::new();
    for k in kept {
        let mut entry = Map::new();
        entry.insert("salt".into(), Value::String(BASE64.encode(k.salt)));
        entry.insert("value".into(), k.value.clone());
        map.insert(k.field.clone(), Value::Object(entry));
    }
    to_canonical(&Value::Object(map))
}

/// Reads what [`encode_kept`] wrote.
pub fn decode_kept(bytes: &[u8]) -> Result<Vec<KeptValue>, KeptError> {
    let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(bytes) else {
        return Err(KeptError::BadEncoding);
    };
    map.into_iter()
        .map(|(field, entry)| {
            let salt = entry
                .get("salt")
                .and_then(Value::as_str)
                .and_then(|s| BASE64.decode(s).ok())
                .and_then(|b| <[u8; 32]>::try_from(b).ok())
                .ok_or(KeptError::BadEncoding)?;
            let value = entry.get("value").cloned().ok_or(KeptError::BadEncoding)?;
            Ok(KeptValue { field, salt, value })
        })
        .collect()
}

/// Each kept value's field and the JSON text of its value, found by walking the bytes
/// [`encode_kept`] wrote (canonical), without decoding the salts: what a reader of the values
/// needs, not a verifier. `None` where the bytes are not as [`encode_kept`] writes them; the
/// caller then asks [`decode_kept`], which names what is wrong.
pub fn kept_value_texts(bytes: &[u8]) -> Option<Vec<(&str, &[u8])>> {
    let mut found = Vec::new();
    let mut whole = true;
    crate::walk::each_member(bytes, |field, span| {
        let entry = &bytes[span];
        let mut value = None;
        let walked = crate::walk::each_member(entry, |name, span| {
            if name == b"value" {
                value = Some(&entry[span]);
            }
        });
        match (std::str::from_utf8(field), walked, value) {
            (Ok(field), Some(()), Some(value)) => found.push((field, value)),
            _ => whole = false,
        }
    })?;
    whole.then_some(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body() -> Map<String, Value> {
        json!({"id": "p1", "type": "person", "names": [{"full": "José Pérez"}], "sex": "male"})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn leaf_and_kept_in_one_pass_are_what_build_leaf_and_encode_kept_write() {
        let records = [
            json!({"id": "p1", "type": "person", "names": [{"full": "José Pérez", "given": "José"}],
                   "born": "1990-05-01", "identifiers": [{"scheme": "passport", "value": "A123"}],
                   "sex": "male", "sources": ["s1"]}),
            // A value already committed stays; fields named outside ASCII are ordered as
            // canonical JSON orders them, by UTF-16 code units (U+1F600 before U+FF01, which
            // UTF-8's bytes would put the other way round).
            json!({"id": "p2", "type": "person", "names": {"commit": BASE64.encode([1u8; 32])},
                   "born": "1990", "note\u{ff01}": "ñ \"quoted\"", "note\u{1F600}": 1, "zeta": [1, 2]}),
            // Nothing committed: the canonical bytes are the leaf.
            json!({"id": "c1", "type": "custody", "subject": "p1", "at": "2025-03-15T17:00:00-05:00"}),
        ];
        let personal: Vec<String> =
            ["names", "born", "identifiers", "note\u{1F600}", "note\u{ff01}", "zeta", "absent"]
                .map(String::from)
                .into();
        for record in records {
            let body = record.as_object().unwrap();
            let salts = || {
                let mut n = 0u8;
                move || {
                    n += 1;
                    [n; 32]
                }
            };
            let expected = build_leaf(body, &personal, &mut salts());
            let canonical = to_canonical(&record);
            let (leaf, kept) = leaf_and_kept(body, &personal, &mut salts(), canonical.clone());
            assert_eq!(String::from_utf8(leaf).unwrap(), String::from_utf8(expected.bytes).unwrap());
            match kept {
                Some(kept) => assert_eq!(
                    String::from_utf8(kept).unwrap(),
                    String::from_utf8(encode_kept(&expected.kept)).unwrap()
                ),
                None => assert!(expected.kept.is_empty()),
            }
        }
    }

    #[test]
    fn the_record_put_together_from_bytes_is_the_record_revealed() {
        let bodies = [
            json!({"id": "p1", "type": "person", "names": [{"full": "José Pérez"}], "sex": "male"}),
            json!({"aliases": ["\"El Flaco\"", "line\nbreak"], "born": "1998-07-02", "id": "p2",
                   "identifiers": [{"kind": "passport", "value": "VE-1"}], "names": [{"full": "Ana \\ Rojas"}],
                   "type": "person", "zz": {"nested": [1, {"a": "}"}]}}),
            json!({"id": "rel-1", "kind": "sibling", "person": "p-2", "relative": "p-1", "type": "relation"}),
        ];
        let personal: Vec<String> =
            ["aliases", "born", "identifiers", "names", "person", "relative"].map(String::from).into();
        let mut n = 0u8;
        for body in bodies {
            let body = body.as_object().unwrap().clone();
            let leaf = build_leaf(&body, &personal, &mut || {
                n = n.wrapping_add(7);
                [n; 32]
            });
            let kept = encode_kept(&leaf.kept);
            let slow = to_canonical(&Value::Object(reveal(&leaf.bytes, &leaf.kept).unwrap()));
            assert_eq!(reveal_canonical(&leaf.bytes, &kept), Some(slow.clone()), "{body:?}");
            assert_eq!(slow, to_canonical(&Value::Object(body.clone())));

            // An erased field keeps its commitment in both.
            let some: Vec<KeptValue> = leaf.kept[1..].to_vec();
            let slow = to_canonical(&Value::Object(reveal(&leaf.bytes, &some).unwrap()));
            assert_eq!(reveal_canonical(&leaf.bytes, &encode_kept(&some)), Some(slow));

            // A changed value or salt opens nothing: the bytes decline, reveal says why.
            let mut changed = leaf.kept.clone();
            changed[0].salt[0] ^= 1;
            assert_eq!(reveal_canonical(&leaf.bytes, &encode_kept(&changed)), None);
            assert!(reveal(&leaf.bytes, &changed).is_err());
        }
        // Kept bytes not as `encode_kept` writes them are left to the parser.
        let leaf = build_leaf(&body(), &["names".into()], &mut || [1; 32]);
        let spaced = String::from_utf8(encode_kept(&leaf.kept)).unwrap().replacen(':', ": ", 1);
        assert_eq!(reveal_canonical(&leaf.bytes, spaced.as_bytes()), None);
        assert_eq!(decode_kept(spaced.as_bytes()).unwrap(), leaf.kept);
    }

    #[test]
    fn kept_values_walked_are_the_values_decoded() {
        let body = json!({"aliases": ["\"El Flaco\"", "line\nbreak"], "born": "1998-07-02", "id": "p2",
               "identifiers": [{"kind": "passport", "value": "VE-1"}], "names": [{"full": "Ana \\ Rojas"}],
               "type": "person", "zz": {"value": [1, {"a": "}"}], "n": -2.5}});
        let personal: Vec<String> =
            ["aliases", "born", "identifiers", "names", "zz"].map(String::from).into();
        let leaf = build_leaf(body.as_object().unwrap(), &personal, &mut || [3; 32]);
        let kept = encode_kept(&leaf.kept);
        let walked: Vec<(String, Value)> = kept_value_texts(&kept)
            .unwrap()
            .into_iter()
            .map(|(field, text)| (field.to_string(), serde_json::from_slice(text).unwrap()))
            .collect();
        let decoded: Vec<(String, Value)> =
            decode_kept(&kept).unwrap().into_iter().map(|k| (k.field, k.value)).collect();
        assert_eq!(walked.len(), 5);
        assert_eq!(walked, decoded);
        // Bytes not as `encode_kept` writes them are left to `decode_kept`.
        let spaced = String::from_utf8(kept).unwrap().replacen(':', ": ", 1);
        assert_eq!(kept_value_texts(spaced.as_bytes()), None);
        assert_eq!(kept_value_texts(br#"{"born":{"salt":"AA=="}}"#), None, "no value");
    }

    #[test]
    fn leaf_hides_values_and_reveal_restores_them() {
        let mut n = 0u8;
        let leaf = build_leaf(&body(), &["names".into(), "born".into()], &mut || {
            n += 1;
            [n; 32]
        });
        let text = String::from_utf8(leaf.bytes.clone()).unwrap();
        assert!(!text.contains("José"), "{text}");
        assert!(text.starts_with(r#"{"id":"p1","names":{"commit":""#), "{text}");
        assert_eq!(leaf.kept.len(), 1, "born is absent, so only names is kept");
        assert_eq!(reveal(&leaf.bytes, &leaf.kept).unwrap(), body());
        let stored = decode_kept(&encode_kept(&leaf.kept)).unwrap();
        assert_eq!(stored, leaf.kept);
    }

    #[test]
    fn a_changed_value_or_salt_does_not_match() {
        let leaf = build_leaf(&body(), &["names".into()], &mut || [7; 32]);
        let mut changed = leaf.kept.clone();
        changed[0].value = json!([{"full": "Jose Perez"}]);
        assert_eq!(reveal(&leaf.bytes, &changed), Err(KeptError::Mismatch("names".into())));
        let mut salted = leaf.kept.clone();
        salted[0].salt[0] ^= 1;
        assert!(reveal(&leaf.bytes, &salted).is_err());
    }

    #[test]
    fn erased_values_leave_the_commitment() {
        let leaf = build_leaf(&body(), &["names".into()], &mut || [9; 32]);
        let revealed = reveal(&leaf.bytes, &[]).unwrap();
        assert!(as_commitment(&revealed["names"]).is_some());
        // Rebuilding a leaf from a record that carries the commitment gives the same bytes.
        let again = build_leaf(&revealed, &["names".into()], &mut || [1; 32]);
        assert_eq!(again.bytes, leaf.bytes);
        assert!(again.kept.is_empty());
    }

    #[test]
    fn commitment_shape() {
        assert!(as_commitment(&json!({"commit": commitment(&[0; 32], &json!("x"))})).is_some());
        assert!(as_commitment(&json!({"commit": "short"})).is_none());
        assert!(as_commitment(&json!({"commit": commitment(&[0; 32], &json!("x")), "x": 1})).is_none());
        assert_eq!(format!(r#"{{"commit":"{}"}}"#, commitment(&[0; 32], &json!(1))).len(), COMMITMENT_LEN);
    }
}
