//! Signed notes (C2SP `signed-note`), the envelope of checkpoints, with Ed25519 keys.
//!
//! A note is UTF-8 text, each line ending in `\n`, then an empty line, then one or more signature
//! lines `— <key name> <base64(key id || signature)>`. The signature covers the text, and the key
//! id (first 4 bytes of `SHA-256(name || 0x0A || 0x01 || public key)`) tells a verifier which of
//! its keys to try. Keys are written as strings that Go's `golang.org/x/mod/sumdb/note` reads:
//!
//! ```text
//! verifier: <name>+<8 hex digits of key id>+<base64(0x01 || public key)>
//! signer:   PRIVATE+KEY+<name>+<8 hex digits of key id>+<base64(0x01 || seed)>
//! ```
//!
//! Opening a note follows the spec: signatures by unknown keys are ignored, a known key whose
//! signature fails rejects the note, and a note no known key verifies is rejected.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature-type byte of Ed25519 in signed notes.
const ED25519: u8 = 0x01;
/// Signature lines start with an em dash and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// What is wrong with a key, a note or its signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoteError {
    /// A key name is empty or holds a space or `+`.
    BadKeyName(String),
    /// A key string does not have the shape of a verifier or signer key.
    BadKey(String),
    /// The note text is empty, does not end in a newline, or holds a control character.
    BadText,
    /// The note has no blank line before its signatures, or a signature line is malformed.
    Malformed(String),
    /// A signature by a known key does not verify: the text was changed or forged.
    BadSignature { key: String },
    /// No signature by any known key.
    NoKnownSignature,
}

impl fmt::Display for NoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoteError::BadKeyName(name) => {
                write!(f, "key name {name:?} is not valid (it must be non-empty, without spaces or '+')")
            }
            NoteError::BadKey(why) => write!(f, "not a valid key: {why}"),
            NoteError::BadText => f.write_str("note text must be non-empty lines each ending in a newline"),
            NoteError::Malformed(why) => write!(f, "malformed signed note: {why}"),
            NoteError::BadSignature { key } => write!(f, "the signature by {key} does not verify"),
            NoteError::NoKnownSignature => f.write_str("no signature by a trusted key"),
        }
    }
}

impl std::error::Error for NoteError {}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadKeyName(name.to_string()));
    }
    Ok(())
}

/// First 4 bytes of `SHA-256(name || 0x0A || 0x01 || public key)`, big-endian.
fn key_id(name: &str, public: &[u8; 32]) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ED25519]);
    hasher.update(public);
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// Splits `<name>+<hex id>+<base64 key data>` and checks the id against the key.
fn parse_key_parts(text: &str) -> Result<(String, u32, [u8; 32]), NoteError> {
    let bad = |why: &str| NoteError::BadKey(why.to_string());
    let mut parts = text.trim().splitn(3, '+');
    let (Some(name), Some(id_hex), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("expected <name>+<key id>+<key data>"));
    };
    check_name(name)?;
    if id_hex.len() != 8 {
        return Err(bad("the key id must be 8 hex digits"));
    }
    let id = u32::from_str_radix(id_hex, 16).map_err(|_| bad("the key id is not hex"))?;
    let bytes = BASE64.decode(data).map_err(|_| bad("the key data is not base64"))?;
    if bytes.len() != 33 || bytes[0] != ED25519 {
        return Err(bad("only Ed25519 keys (type 0x01, 32 bytes) are supported"));
    }
    let mut key = [0u8; 32];
    key.copy_from_slice(&bytes[1..]);
    Ok((name.to_string(), id, key))
}

/// A public key that checks signatures on notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier {
    /// Reads a verifier key string `<name>+<hex id>+<base64(0x01 || public key)>`.
    pub fn parse(text: &str) -> Result<Verifier, NoteError> {
        let (name, id, public) = parse_key_parts(text)?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|_| NoteError::BadKey("not an Ed25519 public key".into()))?;
        if key_id(&name, &public) != id {
            return Err(NoteError::BadKey("the key id does not match the key".into()));
        }
        Ok(Verifier { name, id, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key string, to publish or give to whoever checks the log.
    pub fn to_key_string(&self) -> String {
        let mut data = vec![ED25519];
        data.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, BASE64.encode(data))
    }
}

/// A private key that signs notes. Its string form is a secret: keep it outside the database.
pub struct Signer {
    name: String,
    id: u32,
    key: SigningKey,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signer({}+{:08x})", self.name, self.id)
    }
}

impl Signer {
    /// A signer from a 32-byte Ed25519 seed; the caller supplies the randomness.
    pub fn from_seed(name: &str, seed: [u8; 32]) -> Result<Signer, NoteError> {
        check_name(name)?;
        let key = SigningKey::from_bytes(&seed);
        let id = key_id(name, key.verifying_key().as_bytes());
        Ok(Signer { name: name.to_string(), id, key })
    }

    /// Reads a signer key string `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`.
    pub fn parse(text: &str) -> Result<Signer, NoteError> {
        let rest = text
            .trim()
            .strip_prefix("PRIVATE+KEY+")
            .ok_or_else(|| NoteError::BadKey("a signer key starts with PRIVATE+KEY+".into()))?;
        let (name, id, seed) = parse_key_parts(rest)?;
        let signer = Signer::from_seed(&name, seed)?;
        if signer.id != id {
            return Err(NoteError::BadKey("the key id does not match the key".into()));
        }
        Ok(signer)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn to_key_string(&self) -> String {
        let mut data = vec![ED25519];
        data.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.id, BASE64.encode(data))
    }

    pub fn verifier(&self) -> Verifier {
        Verifier { name: self.name.clone(), id: self.id, key: self.key.verifying_key() }
    }

    /// Signs `text` (lines each ending in `\n`) and returns the whole note.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        let signature = self.key.sign(text.as_bytes());
        let mut blob = self.id.to_be_bytes().to_vec();
        blob.extend_from_slice(&signature.to_bytes());
        Ok(format!("{text}\n{SIG_PREFIX}{} {}\n", self.name, BASE64.encode(blob)))
    }
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(NoteError::BadText);
    }
    Ok(())
}

/// A note whose signatures were checked: its text and the names of the keys that verified it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    pub text: String,
    pub verified_by: Vec<String>,
}

/// Checks a signed note against trusted keys and returns its text.
pub fn open_note(note: &str, verifiers: &[Verifier]) -> Result<OpenedNote, NoteError> {
    let split = note
        .rfind("\n\n")
        .ok_or_else(|| NoteError::Malformed("no blank line before the signatures".into()))?;
    let text = &note[..=split];
    check_text(text)?;
    let sig_block = &note[split + 2..];
    if sig_block.is_empty() || !sig_block.ends_with('\n') {
        return Err(NoteError::Malformed("no signature lines".into()));
    }
    let mut verified_by = Vec::new();
    for line in sig_block.lines() {
        let rest = line
            .strip_prefix(SIG_PREFIX)
            .ok_or_else(|| NoteError::Malformed(format!("signature line {line:?} must start with '— '")))?;
        let (name, b64) = rest
            .split_once(' ')
            .ok_or_else(|| NoteError::Malformed(format!("signature line {line:?} lacks a signature")))?;
        let blob = BASE64
            .decode(b64)
            .map_err(|_| NoteError::Malformed(format!("the signature of {name} is not base64")))?;
        if blob.len() < 4 {
            return Err(NoteError::Malformed(format!("the signature of {name} is too short")));
        }
        let id = u32::from_be_bytes([blob[0], blob[1], blob[2], blob[3]]);
        let Some(verifier) = verifiers.iter().find(|v| v.name == name && v.id == id) else {
            continue; // unknown keys are ignored
        };
        let bytes: [u8; 64] =
            blob[4..].try_into().map_err(|_| NoteError::BadSignature { key: name.to_string() })?;
        verifier
            .key
            .verify_strict(text.as_bytes(), &Signature::from_bytes(&bytes))
            .map_err(|_| NoteError::BadSignature { key: name.to_string() })?;
        verified_by.push(name.to_string());
    }
    if verified_by.is_empty() {
        return Err(NoteError::NoKnownSignature);
    }
    Ok(OpenedNote { text: text.to_string(), verified_by })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(name: &str, fill: u8) -> Signer {
        Signer::from_seed(name, [fill; 32]).expect("valid name")
    }

    #[test]
    fn key_strings_round_trip() {
        let s = signer("example.org/habeas", 7);
        let parsed = Signer::parse(&s.to_key_string()).expect("parses");
        assert_eq!(parsed.to_key_string(), s.to_key_string());
        let v = Verifier::parse(&s.verifier().to_key_string()).expect("parses");
        assert_eq!(v, s.verifier());
        assert!(v.to_key_string().starts_with("example.org/habeas+"));
    }

    #[test]
    fn bad_names_and_keys_are_rejected() {
        assert!(Signer::from_seed("", [1; 32]).is_err());
        assert!(Signer::from_seed("a b", [1; 32]).is_err());
        assert!(Signer::from_seed("a+b", [1; 32]).is_err());
        let good = signer("log", 1).verifier().to_key_string();
        let mut bad_id = good.clone();
        let at = bad_id.find('+').unwrap() + 1;
        let digit = if &bad_id[at..at + 1] == "0" { "1" } else { "0" };
        bad_id.replace_range(at..at + 1, digit);
        assert!(matches!(Verifier::parse(&bad_id), Err(NoteError::BadKey(_))));
        assert!(Verifier::parse("log+zz+AAAA").is_err());
    }

    #[test]
    fn sign_then_open() {
        let s = signer("log", 2);
        let note = s.sign("hello\nworld\n").expect("signs");
        assert!(note.starts_with("hello\nworld\n\n\u{2014} log "));
        let opened = open_note(&note, &[s.verifier()]).expect("verifies");
        assert_eq!(opened.text, "hello\nworld\n");
        assert_eq!(opened.verified_by, vec!["log".to_string()]);
    }

    #[test]
    fn changed_text_or_signature_fails() {
        let s = signer("log", 3);
        let note = s.sign("size 10\n").expect("signs");
        let changed = note.replace("size 10", "size 11");
        assert_eq!(open_note(&changed, &[s.verifier()]), Err(NoteError::BadSignature { key: "log".into() }));
        // Flip one character of the base64 signature (not the key id part).
        let sig_at = note.rfind(' ').unwrap() + 20;
        let mut forged = note.clone();
        let c = if &note[sig_at..sig_at + 1] == "A" { "B" } else { "A" };
        forged.replace_range(sig_at..sig_at + 1, c);
        assert!(open_note(&forged, &[s.verifier()]).is_err());
    }

    #[test]
    fn unknown_keys_are_ignored_but_one_known_key_is_needed() {
        let ours = signer("log", 4);
        let theirs = signer("witness", 5);
        let note = ours.sign("text\n").expect("signs");
        assert_eq!(open_note(&note, &[theirs.verifier()]), Err(NoteError::NoKnownSignature));
        // A second, unknown signature line does not stop our key from verifying.
        let cosigned = format!("{note}{}", theirs.sign("text\n").unwrap().split_once("\n\n").unwrap().1);
        assert!(open_note(&cosigned, &[ours.verifier()]).is_ok());
        // A different key under our name is not trusted.
        let impostor = signer("log", 6);
        assert!(open_note(&impostor.sign("text\n").unwrap(), &[ours.verifier()]).is_err());
    }

    #[test]
    fn malformed_notes() {
        let s = signer("log", 8);
        assert_eq!(s.sign("no newline"), Err(NoteError::BadText));
        assert!(matches!(open_note("text\n", &[s.verifier()]), Err(NoteError::Malformed(_))));
        assert!(matches!(open_note("text\n\n- log AAAA\n", &[s.verifier()]), Err(NoteError::Malformed(_))));
    }
}
