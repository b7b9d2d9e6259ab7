/*!
The tamper-evident log under habeas: an RFC 6962 Merkle tree over opaque leaves, with inclusion
and consistency proofs and checkpoints signed in the C2SP signed-note format.

This crate knows nothing of what a leaf means. Given leaf bytes it computes
[`leaf_hash`]; given stored node hashes (through a [`HashReader`]) it computes
roots and proofs; given a [`Signer`] it signs [`Checkpoint`]s. Because it follows the RFC and the
C2SP formats exactly, a habeas log can be checked by any transparency-log tool: Go's
`golang.org/x/mod/sumdb/tlog`, transparency-dev's `merkle`, or a witness.

A short tour:

```
use habeas_ledger::{Checkpoint, Frontier, Signer, leaf_hash, verify_inclusion, prove_inclusion};
use habeas_ledger::{Hash, HashReader, Node};

// An in-memory store of rows, as a database would keep them.
struct Rows(Vec<Vec<Hash>>);
impl HashReader for Rows {
    type Error = ();
    fn read_hashes(&self, nodes: &[Node]) -> Result<Vec<Hash>, ()> {
        nodes.iter().map(|n| self.0.get(n.row() as usize)
            .and_then(|row| row.get(n.level as usize)).copied().ok_or(())).collect()
    }
}

let mut frontier = Frontier::new();
let mut rows = Rows(vec![]);
for leaf in ["a", "b", "c"] {
    rows.0.push(frontier.push(leaf_hash(leaf.as_bytes())));
}
let proof = prove_inclusion(1, 3, &rows).unwrap();
assert!(verify_inclusion(&proof, &leaf_hash(b"b"), &frontier.root()).is_ok());

let signer = Signer::from_seed("example.org/log", [7; 32]).unwrap();
let checkpoint = Checkpoint { origin: "example.org/log".into(), tree_size: 3,
                              root: frontier.root(), extensions: vec![] };
let note = checkpoint.sign(&signer).unwrap();
assert_eq!(Checkpoint::open(&note, &[signer.verifier()]).unwrap(), checkpoint);
```
*/

pub mod checkpoint;
pub mod hash;
pub mod note;
pub mod proof;
pub mod tree;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use hash::{Hash, leaf_hash, node_hash};
pub use note::{NoteError, OpenedNote, Signer, Verifier, open_note};
pub use proof::{
    ConsistencyProof, InclusionProof, ProofError, ProveError, prove_consistency, prove_inclusion,
    verify_consistency, verify_inclusion,
};
pub use tree::{Frontier, HashReader, Node, fold_range, range_nodes, row_len, tree_root};
