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

use crate::canonical::{to_canonical, write_canonical, write_object};

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
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(to_canonical(value));
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
/// supplies fresh random salts. A field already holding a commitment stays as it is.
pub fn build_leaf(
    body: &Map<String, Value>,
    personal: &[String],
    next_salt: &mut dyn FnMut() -> [u8; 32],
) -> Leaf {
    build_leaf_with(body, personal, next_salt, None)
}

/// As [`build_leaf`]; when nothing is committed, `canonical` (the body's canonical bytes, if the
/// caller has them) is the leaf and is reused instead of written again.
pub fn build_leaf_with(
    body: &Map<String, Value>,
    personal: &[String],
    next_salt: &mut dyn FnMut() -> [u8; 32],
    canonical: Option<Vec<u8>>,
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
        if let Some(canonical) = canonical {
            return Leaf { bytes: canonical, kept };
        }
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
