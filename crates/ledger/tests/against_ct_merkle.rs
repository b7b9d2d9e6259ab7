//! The tree, checked against an independent implementation (the `ct-merkle` crate) and against
//! itself: every root, every inclusion proof and every consistency proof for every tree size
//! 1..=300, some random larger trees, and a single flipped bit in any proof hash must fail.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use habeas_ledger::{
    ConsistencyProof, Frontier, Hash, HashReader, InclusionProof, Node, leaf_hash, prove_consistency,
    prove_inclusion, verify_consistency, verify_inclusion,
};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use sha2::Sha256;

/// Rows of stored hashes, as the store keeps them: row n holds what leaf n completed.
#[derive(Default)]
struct Rows(Vec<Vec<Hash>>);

impl HashReader for Rows {
    type Error = String;
    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, String> {
        nodes
            .iter()
            .map(|n| {
                self.0
                    .get(n.row() as usize)
                    .and_then(|row| row.get(n.level as usize))
                    .copied()
                    .ok_or_else(|| format!("no stored hash for {n:?}"))
            })
            .collect()
    }
}

fn leaf_bytes(i: u64) -> Vec<u8> {
    format!("leaf {i}").into_bytes()
}

fn to_bytes(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

fn flip(hashes: &[Hash], which: usize, bit: usize) -> Vec<Hash> {
    let mut out = hashes.to_vec();
    out[which].0[bit / 8] ^= 1 << (bit % 8);
    out
}

#[test]
fn every_size_to_300_matches_ct_merkle_and_rejects_flipped_bits() {
    let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
    let mut frontier = Frontier::new();
    let mut rows = Rows::default();
    let mut roots = vec![Hash::empty()];
    for size in 1..=300u64 {
        theirs.push(leaf_bytes(size - 1));
        rows.0.push(frontier.push(leaf_hash(&leaf_bytes(size - 1))));
        let root = frontier.root();
        assert_eq!(root.0.as_slice(), theirs.root().as_bytes().as_slice(), "root at size {size}");
        assert_eq!(habeas_ledger::tree_root(size, &rows).unwrap(), root);
        roots.push(root);

        for leaf in 0..size {
            let proof = prove_inclusion(leaf, size, &rows).unwrap();
            let expected = theirs.prove_inclusion(leaf as usize);
            assert_eq!(to_bytes(&proof.hashes), expected.as_bytes(), "inclusion {leaf} in {size}");
            let lh = leaf_hash(&leaf_bytes(leaf));
            verify_inclusion(&proof, &lh, &root).unwrap();
            for which in 0..proof.hashes.len() {
                let bad = InclusionProof {
                    hashes: flip(&proof.hashes, which, (leaf as usize * 7) % 256),
                    ..proof.clone()
                };
                assert!(verify_inclusion(&bad, &lh, &root).is_err());
            }
            // The wrong leaf, index or size never verifies.
            assert!(verify_inclusion(&proof, &leaf_hash(b"other"), &root).is_err());
            if size > 1 {
                let moved = InclusionProof { leaf_index: (leaf + 1) % size, ..proof.clone() };
                assert!(verify_inclusion(&moved, &lh, &root).is_err());
            }
        }

        for old in 1..=size {
            let proof = prove_consistency(old, size, &rows).unwrap();
            if old < size {
                let expected = theirs.prove_consistency((size - old) as usize);
                assert_eq!(to_bytes(&proof.hashes), expected.as_bytes(), "consistency {old} -> {size}");
            } else {
                assert!(proof.hashes.is_empty());
            }
            let old_root = roots[old as usize];
            verify_consistency(&proof, &old_root, &root).unwrap();
            for which in 0..proof.hashes.len() {
                let bad = ConsistencyProof {
                    hashes: flip(&proof.hashes, which, (old as usize * 13) % 256),
                    ..proof.clone()
                };
                assert!(
                    verify_consistency(&bad, &old_root, &root).is_err(),
                    "flipped {which} of {old}->{size}"
                );
            }
            if old > 1 {
                assert!(verify_consistency(&proof, &roots[old as usize - 1], &root).is_err());
            }
        }
    }
}

#[test]
fn random_larger_trees() {
    let mut rng = StdRng::seed_from_u64(6962);
    for _ in 0..4 {
        let size: u64 = rng.random_range(1_000..20_000);
        let mut theirs = MemoryBackedTree::<Sha256, Vec<u8>>::new();
        let mut frontier = Frontier::new();
        let mut rows = Rows::default();
        for i in 0..size {
            theirs.push(leaf_bytes(i));
            rows.0.push(frontier.push(leaf_hash(&leaf_bytes(i))));
        }
        let root = frontier.root();
        assert_eq!(root.0.as_slice(), theirs.root().as_bytes().as_slice());
        for _ in 0..50 {
            let leaf = rng.random_range(0..size);
            let proof = prove_inclusion(leaf, size, &rows).unwrap();
            assert_eq!(to_bytes(&proof.hashes), theirs.prove_inclusion(leaf as usize).as_bytes());
            verify_inclusion(&proof, &leaf_hash(&leaf_bytes(leaf)), &root).unwrap();

            let old = rng.random_range(1..size);
            let old_root = habeas_ledger::tree_root(old, &rows).unwrap();
            let proof = prove_consistency(old, size, &rows).unwrap();
            assert_eq!(to_bytes(&proof.hashes), theirs.prove_consistency((size - old) as usize).as_bytes());
            verify_consistency(&proof, &old_root, &root).unwrap();
        }
    }
}

#[test]
fn out_of_range_requests_are_errors_not_panics() {
    let mut frontier = Frontier::new();
    let mut rows = Rows::default();
    for i in 0..5 {
        rows.0.push(frontier.push(leaf_hash(&leaf_bytes(i))));
    }
    assert!(prove_inclusion(5, 5, &rows).is_err());
    assert!(prove_consistency(0, 5, &rows).is_err());
    assert!(prove_consistency(6, 5, &rows).is_err());
    // A reader that lacks rows reports it instead of inventing hashes.
    assert!(prove_inclusion(0, 9, &rows).is_err());
}
