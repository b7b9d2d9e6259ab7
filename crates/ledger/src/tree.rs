//! The shape of the Merkle tree, where its hashes are stored, and how a root is computed.
//!
//! RFC 9162 §2.1.1 defines the tree hash `MTH` of `n` leaves recursively: split at `k`, the largest
//! power of two strictly below `n`, and hash the two halves together. Every range the RFC ever
//! splits off is a run of **complete** subtrees, each covering `2^level` leaves starting at a
//! multiple of `2^level`. A [`Node`] names one such subtree.
//!
//! **Storage layout** (the one Go's `tlog` uses): a node's hash is final the moment its rightmost
//! leaf is appended, so it is stored with that leaf. The row of leaf `n` holds its leaf hash
//! (level 0) and the hash of every node that `n` completes, levels `1..=trailing_ones(n)`: on
//! average two hashes a leaf. Any root, and any proof, then needs `O(log n)` node reads.
//!
//! A [`Frontier`] (transparency-dev calls it a compact range) is the list of complete subtrees
//! that make up the whole tree; it is all that appending needs, so an import reads nothing back.

use crate::hash::{Hash, node_hash};

/// The complete subtree of `2^level` leaves starting at leaf `index << level`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Node {
    pub level: u8, // 0 ≤ level ≤ 63
    pub index: u64,
}

impl Node {
    /// The leaf that completes this node, whose row holds its hash at position `level`.
    pub fn row(&self) -> u64 {
        ((self.index + 1) << self.level) - 1
    }

    /// The leaves it covers, as a half-open range `[first, end)`.
    pub fn leaves(&self) -> (u64, u64) {
        (self.index << self.level, (self.index + 1) << self.level)
    }
}

/// How many hashes the row of leaf `leaf_idx` holds: its own and one per node it completes.
pub fn row_len(leaf_idx: u64) -> usize {
    leaf_idx.trailing_ones() as usize + 1
}

/// Reads stored node hashes. Implemented by storage backends and by in-memory test trees.
pub trait HashReader {
    type Error;
    /// Returns the hashes of `nodes`, in the same order.
    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, Self::Error>;
}

/// The complete subtrees that make up the leaf range `[lo, hi)`, left to right.
///
/// For the ranges RFC 9162 produces (`lo` a multiple of the largest power of two not above
/// `hi - lo`), folding their hashes from the right gives `MTH(D[lo:hi])`.
pub fn range_nodes(lo: u64, hi: u64) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut start = lo;
    while start < hi {
        let remaining = hi - start;
        let mut level = 63 - remaining.leading_zeros(); // largest 2^level ≤ remaining
        while start & ((1u64 << level) - 1) != 0 {
            level -= 1; // keep the node aligned
        }
        nodes.push(Node { level: level as u8, index: start >> level });
        start += 1u64 << level;
    }
    nodes
}

/// Folds the hashes of [`range_nodes`] into the range's tree hash: `H(a, H(b, H(c, d)))`.
pub fn fold_range(hashes: &[Hash]) -> Hash {
    match hashes.split_last() {
        None => Hash::empty(),
        Some((last, rest)) => rest.iter().rev().fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

/// The tree hash of the first `tree_size` leaves, from stored hashes (`O(log n)` reads).
pub fn tree_root<R: HashReader>(tree_size: u64, reader: &R) -> Result<Hash, R::Error> {
    let nodes = range_nodes(0, tree_size);
    if nodes.is_empty() {
        return Ok(Hash::empty());
    }
    Ok(fold_range(&reader.read_hashes(&nodes)?))
}

/// The right edge of the tree: one hash per complete subtree, largest first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    tree_size: u64,
    hashes: Vec<Hash>, // hashes of range_nodes(0, tree_size), left to right
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The nodes whose hashes [`Frontier::from_hashes`] needs for a tree of `tree_size` leaves.
    pub fn nodes(tree_size: u64) -> Vec<Node> {
        range_nodes(0, tree_size)
    }

    /// Rebuilds the frontier from the hashes of [`Frontier::nodes`]; `None` if the count is wrong.
    pub fn from_hashes(tree_size: u64, hashes: Vec<Hash>) -> Option<Frontier> {
        (hashes.len() == tree_size.count_ones() as usize).then_some(Frontier { tree_size, hashes })
    }

    /// Reads the frontier of a stored tree.
    pub fn load<R: HashReader>(tree_size: u64, reader: &R) -> Result<Frontier, R::Error> {
        let hashes = reader.read_hashes(&Frontier::nodes(tree_size))?;
        Ok(Frontier { tree_size, hashes })
    }

    pub fn tree_size(&self) -> u64 {
        self.tree_size
    }

    /// Appends a leaf and returns its row: the leaf hash, then each node it completes, by level.
    pub fn push(&mut self, leaf: Hash) -> Vec<Hash> {
        let merges = self.tree_size.trailing_ones() as usize;
        let mut row = Vec::with_capacity(merges + 1);
        row.push(leaf);
        let mut current = leaf;
        for _ in 0..merges {
            // The frontier always ends with one node per trailing 1-bit of tree_size.
            let left = self.hashes.pop().unwrap_or_default();
            current = node_hash(&left, &current);
            row.push(current);
        }
        self.hashes.push(current);
        self.tree_size += 1;
        row
    }

    /// The tree hash of everything pushed so far.
    pub fn root(&self) -> Hash {
        fold_range(&self.hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    /// MTH exactly as RFC 9162 §2.1.1 writes it, recursively, for comparison.
    fn mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => Hash::empty(),
            1 => leaves[0],
            n => {
                let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
            }
        }
    }

    #[test]
    fn node_rows_and_ranges() {
        assert_eq!(Node { level: 0, index: 5 }.row(), 5);
        assert_eq!(Node { level: 2, index: 1 }.row(), 7);
        assert_eq!(Node { level: 2, index: 1 }.leaves(), (4, 8));
        assert_eq!(row_len(0), 1);
        assert_eq!(row_len(7), 4);
        assert_eq!(
            range_nodes(0, 13),
            vec![Node { level: 3, index: 0 }, Node { level: 2, index: 2 }, Node { level: 0, index: 12 }]
        );
        assert!(range_nodes(4, 4).is_empty());
    }

    #[test]
    fn frontier_root_matches_recursive_definition_for_every_size() {
        let leaves: Vec<Hash> = (0..300u32).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), Hash::empty());
        for (i, leaf) in leaves.iter().enumerate() {
            let row = frontier.push(*leaf);
            assert_eq!(row.len(), row_len(i as u64));
            assert_eq!(frontier.root(), mth(&leaves[..=i]), "size {}", i + 1);
        }
    }

    #[test]
    fn frontier_reloads_from_its_nodes() {
        let mut frontier = Frontier::new();
        for i in 0..77u32 {
            frontier.push(leaf_hash(&i.to_be_bytes()));
        }
        let copy = Frontier::from_hashes(77, frontier.hashes.clone()).expect("right count");
        assert_eq!(copy, frontier);
        assert!(Frontier::from_hashes(77, vec![]).is_none());
    }
}
