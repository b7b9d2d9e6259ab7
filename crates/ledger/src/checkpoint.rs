//! Checkpoints (C2SP `tlog-checkpoint`): the signed statement "this log has this many leaves and
//! this root".
//!
//! The text of the signed note is three lines, then optional extension lines:
//!
//! ```text
//! <origin>          the log's name, normally the signing key's name
//! <tree size>       decimal, no leading zeros
//! <root hash>       standard base64 of the RFC 6962 root
//! ```
//!
//! A log must never sign two checkpoints that no consistency proof can join; whoever keeps an old
//! checkpoint can prove a later one extends it, which is what catches a log rolled back.

use std::fmt;

use crate::hash::Hash;
use crate::note::{NoteError, Signer, Verifier, open_note};

/// A log's size and root at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub tree_size: u64,
    pub root: Hash,
    /// Extension lines after the root; allowed by the spec, not written by habeas.
    pub extensions: Vec<String>,
}

/// Why a checkpoint could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// The note's signatures do not hold.
    Note(NoteError),
    /// The text is not origin, size and root hash.
    Malformed(String),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Note(err) => write!(f, "checkpoint signature: {err}"),
            CheckpointError::Malformed(why) => write!(f, "malformed checkpoint: {why}"),
        }
    }
}

impl std::error::Error for CheckpointError {}

impl From<NoteError> for CheckpointError {
    fn from(err: NoteError) -> Self {
        CheckpointError::Note(err)
    }
}

impl Checkpoint {
    /// The note text: origin, size and root, one per line, each ending in `\n`.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.tree_size, self.root.to_base64());
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Reads the text of a checkpoint note (without signatures).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let bad = |why: &str| CheckpointError::Malformed(why.to_string());
        if !text.ends_with('\n') {
            return Err(bad("the text must end in a newline"));
        }
        let mut lines = text[..text.len() - 1].split('\n');
        let origin = lines.next().filter(|l| !l.is_empty()).ok_or_else(|| bad("no origin line"))?;
        let size_line = lines.next().ok_or_else(|| bad("no tree size line"))?;
        if size_line.is_empty()
            || !size_line.bytes().all(|b| b.is_ascii_digit())
            || (size_line.len() > 1 && size_line.starts_with('0'))
        {
            return Err(bad("the tree size must be decimal without leading zeros"));
        }
        let tree_size = size_line.parse().map_err(|_| bad("the tree size is too large"))?;
        let root_line = lines.next().ok_or_else(|| bad("no root hash line"))?;
        let root = Hash::from_base64(root_line).ok_or_else(|| bad("the root is not 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_string).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(bad("empty extension line"));
        }
        Ok(Checkpoint { origin: origin.to_string(), tree_size, root, extensions })
    }

    /// Signs the checkpoint and returns the whole signed note.
    pub fn sign(&self, signer: &Signer) -> Result<String, CheckpointError> {
        Ok(signer.sign(&self.to_text())?)
    }

    /// Checks a signed checkpoint note against trusted keys and reads it.
    pub fn open(note: &str, verifiers: &[Verifier]) -> Result<Checkpoint, CheckpointError> {
        let opened = open_note(note, verifiers)?;
        Checkpoint::parse(&opened.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn sign_open_round_trip() {
        let signer = Signer::from_seed("habeas.local/test.db", [9; 32]).unwrap();
        let checkpoint = Checkpoint {
            origin: signer.name().into(),
            tree_size: 42,
            root: leaf_hash(b"x"),
            extensions: vec![],
        };
        let note = checkpoint.sign(&signer).unwrap();
        assert!(note.starts_with("habeas.local/test.db\n42\n"));
        assert_eq!(Checkpoint::open(&note, &[signer.verifier()]).unwrap(), checkpoint);
    }

    #[test]
    fn malformed_texts() {
        let root = leaf_hash(b"x").to_base64();
        for text in [
            format!("o\n042\n{root}\n"),
            format!("o\n-1\n{root}\n"),
            format!("o\n1\n{root}"),
            "o\n1\nAAAA\n".to_string(),
            format!("\n1\n{root}\n"),
            "o\n1\n".to_string(),
        ] {
            assert!(Checkpoint::parse(&text).is_err(), "{text:?}");
        }
        let with_ext = Checkpoint::parse(&format!("o\n0\n{root}\nextra\n")).unwrap();
        assert_eq!(with_ext.extensions, vec!["extra".to_string()]);
    }
}
