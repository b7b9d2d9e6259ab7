//! Record ids: `[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}`, unique across all record types.
//!
//! Entities (persons, places, orders...) carry the id their author chose. An event without one
//! gets a **derived id**: `r-` followed by the first 20 hex digits of the SHA-256 of its canonical
//! form without `id`. Identical events therefore get identical ids, which is what makes importing
//! the same file twice append nothing.

use sha2::{Digest, Sha256};

/// The longest id: one leading character and 127 more.
pub const MAX_ID_LEN: usize = 128;

/// Whether `id` has the shape records.md requires.
pub fn is_valid_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_ID_LEN
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'/' | b'-'))
}

/// `r-` + first 20 hex digits of `SHA-256(canonical form without id)`.
pub fn derived_id(canonical_without_id: &[u8]) -> String {
    let digest = Sha256::digest(canonical_without_id);
    format!("r-{}", &hex::encode(&digest[..10]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_shapes() {
        for good in ["p1", "ord-jgg-tro2", "src:nyt/2025.03.16", "A", &"a".repeat(128)] {
            assert!(is_valid_id(good), "{good}");
        }
        for bad in ["", "-p1", ".x", "p 1", "p#1", "persona-ñ", &"a".repeat(129)] {
            assert!(!is_valid_id(bad), "{bad}");
        }
    }

    #[test]
    fn derived_ids_are_stable() {
        let id = derived_id(br#"{"type":"retraction"}"#);
        assert_eq!(id.len(), 22);
        assert!(id.starts_with("r-"));
        assert_eq!(id, derived_id(br#"{"type":"retraction"}"#));
        assert_ne!(id, derived_id(br#"{"type":"retraction","reason":"x"}"#));
    }
}
