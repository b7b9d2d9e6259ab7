//! A signed checkpoint changed anywhere, by someone without the key: a character flipped,
//! removed, doubled or inserted, lines swapped, the signature line cut or moved. Whatever the
//! change, opening the note with the verifier key either fails (without a panic) or gives back
//! exactly the checkpoint that was signed: no change to the note can make it say something
//! else and still verify. Seeded, so a failure happens again on every run.

use habeas_ledger::{Checkpoint, Hash, Signer};
use rand::{RngExt, SeedableRng, rngs::StdRng};

const ROUNDS: usize = 20_000;

/// Characters a forger might insert: digits (a tree size), base64, the note's separators.
const INSERTS: &[char] = &['0', '1', '9', 'A', 'z', '+', '/', '=', '\n', ' ', '—', 'é', '\u{0}'];

fn changed(note: &str, rng: &mut StdRng) -> String {
    let mut chars: Vec<char> = note.chars().collect();
    for _ in 0..rng.random_range(1..=3) {
        if chars.is_empty() {
            break;
        }
        let at = rng.random_range(0..chars.len());
        match rng.random_range(0..5) {
            0 => {
                chars.remove(at);
            }
            1 => chars.insert(at, INSERTS[rng.random_range(0..INSERTS.len())]),
            2 => {
                let c = chars[at];
                chars.insert(at, c);
            }
            3 => chars[at] = INSERTS[rng.random_range(0..INSERTS.len())],
            _ => {
                // Two lines swapped.
                let text: String = chars.iter().collect();
                let mut lines: Vec<&str> = text.split('\n').collect();
                let (a, b) = (rng.random_range(0..lines.len()), rng.random_range(0..lines.len()));
                lines.swap(a, b);
                chars = lines.join("\n").chars().collect();
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn no_change_to_a_signed_checkpoint_verifies_as_another() {
    let signer = Signer::from_seed("habeas.local/tamper", [9; 32]).expect("a key");
    let other = Signer::from_seed("habeas.local/tamper", [8; 32]).expect("another key of the same name");
    let verifiers = [signer.verifier()];
    let mut rng = StdRng::seed_from_u64(0x0C4E_C4B0_1A7E);
    let checkpoints = [
        Checkpoint {
            origin: "habeas.local/tamper".into(),
            tree_size: 1,
            root: Hash([7; 32]),
            extensions: vec![],
        },
        Checkpoint {
            origin: "habeas.local/tamper".into(),
            tree_size: 1_000_002,
            root: Hash([0xAB; 32]),
            extensions: vec!["an extension line".into()],
        },
    ];
    let (mut opened_same, mut refused) = (0, 0);
    for round in 0..ROUNDS {
        let checkpoint = &checkpoints[round % checkpoints.len()];
        let mut note = checkpoint.sign(&signer).expect("signed");
        if round % 7 == 0 {
            // A second signature, by a key the reader does not trust, before the change.
            let by_other = checkpoint.sign(&other).expect("signed");
            note.push_str(by_other.rsplit("\n\n").next().expect("its signature line"));
        }
        let forged = changed(&note, &mut rng);
        match Checkpoint::open(&forged, &verifiers) {
            Ok(opened) => {
                assert_eq!(&opened, checkpoint, "round {round}: a changed note opened as another:\n{forged}");
                opened_same += 1;
            }
            Err(_) => refused += 1,
        }
    }
    // Nearly every change is refused; the few that open change only what the signature does
    // not cover (a signature line of an untrusted key).
    assert!(refused > ROUNDS * 9 / 10, "refused {refused}, opened unchanged {opened_same}");
}
