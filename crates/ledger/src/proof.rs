//! Inclusion and consistency proofs for the ledger's Merkle tree (RFC 9162 §2.1.3, §2.1.4).
//!
//! An [`InclusionProof`] shows that leaf `leaf_index` is in the tree of `tree_size` leaves (RFC
//! 6962 calls it a Merkle audit path); a [`ConsistencyProof`] shows that the tree of `old_size`
//! leaves is a prefix of the tree of `new_size` leaves. Leaves are hashes here: this module never
//! knows what a record means.
//!
//! Proving follows the RFC's recursive definitions to find which leaf ranges the proof needs,
//! then reads their complete subtrees in one batch through a [`HashReader`] (`O(log n)` reads).
//! Verifying follows the RFC's iterative algorithms step by step. A failed verification is one
//! opaque [`ProofError`]: a verifier learns only that the proof does not hold.

use std::fmt;

use crate::hash::{Hash, node_hash};
use crate::tree::{HashReader, Node, fold_range, range_nodes};

/// Leaf `leaf_index` is in the tree of `tree_size` leaves: the sibling hashes, bottom-up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub hashes: Vec<Hash>,
}

/// The tree of `old_size` leaves is a prefix of the tree of `new_size` leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyProof {
    pub old_size: u64,
    pub new_size: u64,
    pub hashes: Vec<Hash>,
}

/// A proof that does not verify. Deliberately says nothing more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofError;

impl fmt::Display for ProofError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the proof does not verify")
    }
}

impl std::error::Error for ProofError {}

/// Why a proof could not be produced.
#[derive(Debug)]
#[non_exhaustive]
pub enum ProveError<E> {
    /// The leaf or the sizes asked for are not in the tree: `0 ≤ leaf < size`, `0 < old ≤ new`.
    OutOfRange { asked: u64, tree_size: u64 },
    /// The stored hashes could not be read.
    Read(E),
}

impl<E: fmt::Display> fmt::Display for ProveError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProveError::OutOfRange { asked, tree_size } => {
                write!(f, "{asked} is out of range for a tree of {tree_size} leaves")
            }
            ProveError::Read(err) => write!(f, "reading stored hashes: {err}"),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for ProveError<E> {}

/// Largest power of two strictly below `n` (`n ≥ 2`).
fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, as the leaf ranges whose tree hashes form the proof.
fn inclusion_ranges(leaf: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if n <= 1 {
        return;
    }
    let k = split_point(n);
    if leaf < lo + k {
        inclusion_ranges(leaf, lo, lo + k, out);
        out.push((lo + k, hi));
    } else {
        inclusion_ranges(leaf, lo + k, hi, out);
        out.push((lo, lo + k));
    }
}

/// SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1, as leaf ranges.
fn consistency_ranges(m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push((lo, hi));
        }
        return;
    }
    let k = split_point(n);
    if m <= k {
        consistency_ranges(m, lo, lo + k, whole, out);
        out.push((lo + k, hi));
    } else {
        consistency_ranges(m - k, lo + k, hi, false, out);
        out.push((lo, lo + k));
    }
}

/// Reads every node of every range in one batch and folds each range into its hash.
fn hash_ranges<R: HashReader>(ranges: &[(u64, u64)], reader: &R) -> Result<Vec<Hash>, R::Error> {
    let per_range: Vec<Vec<Node>> = ranges.iter().map(|&(lo, hi)| range_nodes(lo, hi)).collect();
    let all: Vec<Node> = per_range.iter().flatten().copied().collect();
    let hashes = reader.read_hashes(&all)?;
    let mut at = 0;
    Ok(per_range
        .iter()
        .map(|nodes| {
            let range_hash = fold_range(&hashes[at..at + nodes.len()]);
            at += nodes.len();
            range_hash
        })
        .collect())
}

/// Proves that leaf `leaf_index` is in the tree of `tree_size` leaves.
pub fn prove_inclusion<R: HashReader>(
    leaf_index: u64,
    tree_size: u64,
    reader: &R,
) -> Result<InclusionProof, ProveError<R::Error>> {
    if leaf_index >= tree_size {
        return Err(ProveError::OutOfRange { asked: leaf_index, tree_size });
    }
    let mut ranges = Vec::new();
    inclusion_ranges(leaf_index, 0, tree_size, &mut ranges);
    let hashes = hash_ranges(&ranges, reader).map_err(ProveError::Read)?;
    Ok(InclusionProof { leaf_index, tree_size, hashes })
}

/// Proves that the tree of `old_size` leaves is a prefix of the tree of `new_size` leaves.
pub fn prove_consistency<R: HashReader>(
    old_size: u64,
    new_size: u64,
    reader: &R,
) -> Result<ConsistencyProof, ProveError<R::Error>> {
    if old_size == 0 || old_size > new_size {
        return Err(ProveError::OutOfRange { asked: old_size, tree_size: new_size });
    }
    let mut ranges = Vec::new();
    if old_size < new_size {
        consistency_ranges(old_size, 0, new_size, true, &mut ranges);
    }
    let hashes = hash_ranges(&ranges, reader).map_err(ProveError::Read)?;
    Ok(ConsistencyProof { old_size, new_size, hashes })
}

/// Checks an inclusion proof against a root, per RFC 9162 §2.1.3.2.
pub fn verify_inclusion(proof: &InclusionProof, leaf: &Hash, root: &Hash) -> Result<(), ProofError> {
    if proof.leaf_index >= proof.tree_size {
        return Err(ProofError);
    }
    let mut fnode = proof.leaf_index;
    let mut snode = proof.tree_size - 1;
    let mut r = *leaf;
    for p in &proof.hashes {
        if snode == 0 {
            return Err(ProofError);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == *root { Ok(()) } else { Err(ProofError) }
}

/// Checks a consistency proof between two roots, per RFC 9162 §2.1.4.2.
pub fn verify_consistency(
    proof: &ConsistencyProof,
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    let (old_size, new_size) = (proof.old_size, proof.new_size);
    if old_size == 0 || old_size > new_size {
        return Err(ProofError);
    }
    if old_size == new_size {
        return if proof.hashes.is_empty() && old_root == new_root { Ok(()) } else { Err(ProofError) };
    }
    if proof.hashes.is_empty() {
        return Err(ProofError);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.hashes.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(&proof.hashes);
    let mut fnode = old_size - 1;
    let mut snode = new_size - 1;
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if fr == *old_root && sr == *new_root && snode == 0 { Ok(()) } else { Err(ProofError) }
}
