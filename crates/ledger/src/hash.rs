//! Leaf and node hashes of RFC 6962 §2.1 (unchanged in RFC 9162 §2.1.1).
//!
//! A [`Hash`](struct@Hash) is 32 bytes of SHA-256. Leaves and interior nodes are hashed with
//! different one-byte prefixes so that a leaf can never be passed off as a node (a
//! second-preimage defence):
//!
//! ```text
//! leaf_hash(d)    = SHA-256(0x00 || d)
//! node_hash(l, r) = SHA-256(0x01 || l || r)
//! empty tree      = SHA-256("")
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256};

/// A SHA-256 digest: a leaf hash, a node hash or a tree root.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The hash of the empty tree: `SHA-256("")`.
    pub fn empty() -> Hash {
        Hash(Sha256::digest([]).into())
    }

    /// Standard base64 with padding, as checkpoints and proofs print hashes.
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Parses standard base64; `None` unless it decodes to exactly 32 bytes.
    pub fn from_base64(text: &str) -> Option<Hash> {
        let bytes = BASE64.decode(text.trim()).ok()?;
        Some(Hash(bytes.try_into().ok()?))
    }

    /// Takes a 32-byte slice; `None` for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Hash> {
        Some(Hash(bytes.try_into().ok()?))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", hex::encode(&self.0[..8]))
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}

/// `SHA-256(0x00 || leaf)`, RFC 6962 §2.1.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(leaf);
    Hash(hasher.finalize().into())
}

/// `SHA-256(0x01 || left || right)`, RFC 6962 §2.1.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut block = [0u8; 65];
    block[0] = 0x01;
    block[1..33].copy_from_slice(&left.0);
    block[33..].copy_from_slice(&right.0);
    Hash(Sha256::digest(block).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tree_is_sha256_of_nothing() {
        assert_eq!(
            hex::encode(Hash::empty().0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn leaf_and_node_use_distinct_prefixes() {
        // RFC 6962 test vector: the hash of the empty leaf.
        assert_eq!(
            hex::encode(leaf_hash(b"").0),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
        let a = leaf_hash(b"a");
        assert_ne!(node_hash(&a, &a), leaf_hash(&[a.0, a.0].concat()));
    }

    #[test]
    fn base64_round_trip_and_rejects_wrong_length() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_base64(&h.to_base64()), Some(h));
        assert_eq!(Hash::from_base64("AAAA"), None);
        assert_eq!(Hash::from_base64("not base64!"), None);
    }
}
