//! Proofs a ledger hands out: a record's leaf is in the tree a signed checkpoint commits to, and
//! an older checkpoint's tree is a prefix of the latest one.
//!
//! A proof is handed out as a document (`habeas proof --json`) that stands on its own: the leaf's
//! bytes, the audit path and the signed checkpoint. [`ProofDocument`] reads such a document back
//! and checks it with nothing but the ledger's public key, so that whoever receives an exhibit
//! (a court's expert, the other side) can check it without the database or trusting its sender.

use std::fmt;

use habeas_ledger::{
    Checkpoint, ConsistencyProof, Hash, InclusionProof, Verifier, leaf_hash, prove_consistency,
    prove_inclusion, verify_consistency, verify_inclusion,
};
use habeas_model::{Lang, Localized};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{Result, StoreError};
use crate::ledger::Ledger;
use crate::lookup::Hashes;

/// An inclusion proof with everything needed to check it offline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordProof {
    pub id: String,
    pub leaf_bytes: Vec<u8>,
    pub leaf_hash: Hash,
    pub proof: InclusionProof,
    /// The signed checkpoint note the proof leads to.
    pub checkpoint: String,
}

/// A consistency proof between an older size and the latest checkpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConsistencyOut {
    pub proof: ConsistencyProof,
    pub checkpoint: String,
}

#[derive(Deserialize)]
struct IdOnly {
    id: String,
}

/// The latest stored checkpoint: its parsed text and the whole signed note.
fn latest(tx: &dyn crate::backend::LogRead) -> Result<(Checkpoint, String)> {
    let latest = tx
        .checkpoints()?
        .pop()
        .ok_or_else(|| StoreError::NotFound("a signed checkpoint (the ledger is empty)".into()))?;
    let text = latest.note.split_once("\n\n").map(|(text, _)| format!("{text}\n")).unwrap_or_default();
    let checkpoint =
        Checkpoint::parse(&text).map_err(|e| StoreError::Backend(format!("stored checkpoint: {e}")))?;
    Ok((checkpoint, latest.note))
}

/// A proving error: out of range is "not found", a read failure is the store's.
fn prove_error(err: habeas_ledger::ProveError<StoreError>) -> StoreError {
    match err {
        habeas_ledger::ProveError::Read(err) => err,
        other => StoreError::NotFound(other.to_string()),
    }
}

impl Ledger {
    /// Proves the current version of record `id` against the latest checkpoint.
    pub fn prove_record(&mut self, id: &str) -> Result<RecordProof> {
        let index = {
            let tx = self.backend().read()?;
            tx.record(id)?.ok_or_else(|| StoreError::NotFound(format!("record {id}")))?.current
        };
        self.prove_index(index)
    }

    /// Proves leaf `index` (any version, retracted or not) against the latest checkpoint.
    pub fn prove_index(&mut self, index: u64) -> Result<RecordProof> {
        let tx = self.backend().read()?;
        let (checkpoint, note) = latest(&*tx)?;
        let leaf = tx.leaf(index)?.ok_or_else(|| StoreError::NotFound(format!("leaf {index}")))?;
        let id = serde_json::from_slice::<IdOnly>(&leaf.bytes).map(|h| h.id).unwrap_or_default();
        let proof = prove_inclusion(index, checkpoint.tree_size, &Hashes(&*tx)).map_err(prove_error)?;
        Ok(RecordProof {
            id,
            leaf_hash: leaf_hash(&leaf.bytes),
            leaf_bytes: leaf.bytes,
            proof,
            checkpoint: note,
        })
    }

    /// Proves that the tree of `old_size` leaves is a prefix of the latest checkpoint's tree.
    pub fn prove_consistency(&mut self, old_size: u64) -> Result<ConsistencyOut> {
        let tx = self.backend().read()?;
        let (checkpoint, note) = latest(&*tx)?;
        let proof = prove_consistency(old_size, checkpoint.tree_size, &Hashes(&*tx)).map_err(prove_error)?;
        Ok(ConsistencyOut { proof, checkpoint: note })
    }
}

/// A proof document as `habeas proof --json` writes it, read back so that anyone holding the
/// ledger's public key can check it without the database (`habeas proof --check`): a court's
/// expert, the other side, a journalist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofDocument {
    Inclusion(RecordProof),
    Consistency(ConsistencyOut),
}

/// A proof document that cannot be read: not JSON, or a member missing or not of the shape
/// `habeas proof --json` writes. Nothing about the proof itself is decided by then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentError {
    /// The member at fault (`proof[3]`), empty for the document as a whole.
    pub field: String,
    pub problem: DocumentProblem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocumentProblem {
    NotJson(String),
    /// Neither an inclusion proof (`leaf_bytes`) nor a consistency proof (`old_size`).
    NotAProof,
    Missing,
    NotANumber,
    NotText,
    /// Not the base64 of 32 bytes.
    NotAHash,
}

impl Localized for DocumentError {
    fn message(&self, lang: Lang) -> String {
        let what = match &self.problem {
            DocumentProblem::NotJson(why) => format!("{} ({why})", lang.pick("not JSON", "no es JSON")),
            DocumentProblem::NotAProof => lang
                .pick(
                    "not a proof written by `habeas proof --json` (no `leaf_bytes`, no `old_size`)",
                    "no es una prueba escrita por `habeas proof --json` (sin `leaf_bytes` ni `old_size`)",
                )
                .to_string(),
            DocumentProblem::Missing => lang.pick("missing", "falta").to_string(),
            DocumentProblem::NotANumber => {
                lang.pick("expected a whole number", "se esperaba un número entero").to_string()
            }
            DocumentProblem::NotText => lang.pick("expected text", "se esperaba texto").to_string(),
            DocumentProblem::NotAHash => lang
                .pick("expected a hash (base64 of 32 bytes)", "se esperaba un hash (base64 de 32 bytes)")
                .to_string(),
        };
        if self.field.is_empty() { what } else { format!("{}: {what}", self.field) }
    }
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for DocumentError {}

/// One reason a proof does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofProblem {
    /// The signed checkpoint does not open with the key given: signed by another key, altered
    /// after signing, or not a checkpoint.
    Checkpoint(String),
    /// The same, for the older checkpoint the reader trusts (a consistency proof).
    TrustedCheckpoint(String),
    /// The two checkpoints are of different logs.
    Origin { trusted: String, checkpoint: String },
    /// The document's tree size is not the signed checkpoint's.
    Size { document: u64, checkpoint: u64 },
    /// The document's older size is not the trusted checkpoint's.
    OldSize { document: u64, trusted: u64 },
    /// The leaf bytes do not hash to the leaf hash the document gives.
    LeafHash,
    /// The leaf bytes are another record than the one the document names.
    Id { document: String, leaf: String },
    /// The audit path does not lead from the leaf bytes to the signed root.
    Path,
    /// The consistency path does not join the trusted root to the signed one.
    Consistency,
}

impl ProofProblem {
    /// A stable name for `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            ProofProblem::Checkpoint(_) => "checkpoint_signature",
            ProofProblem::TrustedCheckpoint(_) => "trusted_checkpoint",
            ProofProblem::Origin { .. } => "origin",
            ProofProblem::Size { .. } => "size",
            ProofProblem::OldSize { .. } => "old_size",
            ProofProblem::LeafHash => "leaf_hash",
            ProofProblem::Id { .. } => "id",
            ProofProblem::Path => "audit_path",
            ProofProblem::Consistency => "consistency_path",
        }
    }
}

impl Localized for ProofProblem {
    fn message(&self, lang: Lang) -> String {
        match self {
            ProofProblem::Checkpoint(why) => format!(
                "{} ({why})",
                lang.pick(
                    "the signed checkpoint does not open with this key: signed by another key, or changed after signing",
                    "el punto de control firmado no se abre con esta clave: lo firmó otra clave, o cambió después de firmado"
                )
            ),
            ProofProblem::TrustedCheckpoint(why) => format!(
                "{} ({why})",
                lang.pick(
                    "the trusted checkpoint does not open with this key",
                    "el punto de control de confianza no se abre con esta clave"
                )
            ),
            ProofProblem::Origin { trusted, checkpoint } => format!(
                "{} {trusted:?}, {} {checkpoint:?}",
                lang.pick("the checkpoints are of different logs: trusted", "los puntos de control son de registros distintos: de confianza"),
                lang.pick("signed", "firmado")
            ),
            ProofProblem::Size { document, checkpoint } => format!(
                "{} {document}, {} {checkpoint}",
                lang.pick("the document's tree size is", "el tamaño del árbol del documento es"),
                lang.pick("the signed checkpoint's", "el del punto de control firmado")
            ),
            ProofProblem::OldSize { document, trusted } => format!(
                "{} {document}, {} {trusted}",
                lang.pick("the document's older size is", "el tamaño anterior del documento es"),
                lang.pick("the trusted checkpoint's", "el del punto de control de confianza")
            ),
            ProofProblem::LeafHash => lang
                .pick(
                    "the leaf bytes do not hash to the leaf hash given: the record was changed",
                    "los bytes de la hoja no dan el hash de hoja indicado: el registro fue cambiado"
                )
                .to_string(),
            ProofProblem::Id { document, leaf } => format!(
                "{} {document:?}, {} {leaf:?}",
                lang.pick("the document names record", "el documento nombra el registro"),
                lang.pick("but the leaf is record", "pero la hoja es el registro")
            ),
            ProofProblem::Path => lang
                .pick(
                    "the audit path does not lead from these leaf bytes to the signed root: the record, its place or the path was changed",
                    "la ruta de auditoría no lleva de estos bytes de hoja a la raíz firmada: el registro, su posición o la ruta fueron cambiados"
                )
                .to_string(),
            ProofProblem::Consistency => lang
                .pick(
                    "the consistency path does not join the trusted root to the signed one: the log was rewritten, not only added to",
                    "la ruta de consistencia no une la raíz de confianza con la firmada: el registro fue reescrito, no solo ampliado"
                )
                .to_string(),
        }
    }
}

/// What checking a proof document found: the signed checkpoint (when it opened) and every reason
/// the proof does not hold, none when it holds.
#[derive(Clone, Debug)]
pub struct ProofCheck {
    pub checkpoint: Option<Checkpoint>,
    pub problems: Vec<ProofProblem>,
}

impl ProofCheck {
    pub fn holds(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The member `name` of a document.
fn member<'v>(doc: &'v Value, name: &str) -> std::result::Result<&'v Value, DocumentError> {
    doc.get(name).ok_or_else(|| DocumentError { field: name.into(), problem: DocumentProblem::Missing })
}

fn number(doc: &Value, name: &str) -> std::result::Result<u64, DocumentError> {
    member(doc, name)?
        .as_u64()
        .ok_or_else(|| DocumentError { field: name.into(), problem: DocumentProblem::NotANumber })
}

fn text<'v>(doc: &'v Value, name: &str) -> std::result::Result<&'v str, DocumentError> {
    member(doc, name)?
        .as_str()
        .ok_or_else(|| DocumentError { field: name.into(), problem: DocumentProblem::NotText })
}

fn hash(value: &Value, field: String) -> std::result::Result<Hash, DocumentError> {
    value
        .as_str()
        .and_then(Hash::from_base64)
        .ok_or(DocumentError { field, problem: DocumentProblem::NotAHash })
}

fn hashes(doc: &Value) -> std::result::Result<Vec<Hash>, DocumentError> {
    let list = member(doc, "proof")?
        .as_array()
        .ok_or_else(|| DocumentError { field: "proof".into(), problem: DocumentProblem::NotAHash })?;
    list.iter().enumerate().map(|(i, h)| hash(h, format!("proof[{i}]"))).collect()
}

impl ProofDocument {
    /// Reads a document written by `habeas proof --json`, an inclusion or a consistency proof.
    pub fn parse(text_in: &str) -> std::result::Result<ProofDocument, DocumentError> {
        let doc: Value = serde_json::from_str(text_in).map_err(|e| DocumentError {
            field: String::new(),
            problem: DocumentProblem::NotJson(e.to_string()),
        })?;
        if doc.get("leaf_bytes").is_some() {
            let leaf_bytes = text(&doc, "leaf_bytes")?.as_bytes().to_vec();
            return Ok(ProofDocument::Inclusion(RecordProof {
                id: text(&doc, "id")?.to_string(),
                leaf_hash: hash(member(&doc, "leaf")?, "leaf".into())?,
                leaf_bytes,
                proof: InclusionProof {
                    leaf_index: number(&doc, "index")?,
                    tree_size: number(&doc, "size")?,
                    hashes: hashes(&doc)?,
                },
                checkpoint: text(&doc, "checkpoint")?.to_string(),
            }));
        }
        if doc.get("old_size").is_some() {
            return Ok(ProofDocument::Consistency(ConsistencyOut {
                proof: ConsistencyProof {
                    old_size: number(&doc, "old_size")?,
                    new_size: number(&doc, "size")?,
                    hashes: hashes(&doc)?,
                },
                checkpoint: text(&doc, "checkpoint")?.to_string(),
            }));
        }
        Err(DocumentError { field: String::new(), problem: DocumentProblem::NotAProof })
    }
}

/// Opens a signed checkpoint note with `verifier`, or says why it does not open.
fn opened(note: &str, verifier: &Verifier) -> std::result::Result<Checkpoint, String> {
    Checkpoint::open(note, std::slice::from_ref(verifier)).map_err(|e| e.to_string())
}

impl RecordProof {
    /// Checks the proof with nothing but the ledger's public key: the checkpoint's signature, the
    /// leaf bytes against their hash and the record named, and the audit path from those bytes
    /// to the signed root (RFC 9162 §2.1.3.2). Every problem found is listed.
    pub fn check(&self, verifier: &Verifier) -> ProofCheck {
        let mut problems = Vec::new();
        let checkpoint = opened(&self.checkpoint, verifier)
            .map_err(|why| problems.push(ProofProblem::Checkpoint(why)))
            .ok();
        // What is proved is the bytes shown, whatever hash the document claims for them.
        let from_bytes = leaf_hash(&self.leaf_bytes);
        if from_bytes != self.leaf_hash {
            problems.push(ProofProblem::LeafHash);
        }
        let leaf_id = serde_json::from_slice::<IdOnly>(&self.leaf_bytes).map(|h| h.id).unwrap_or_default();
        if leaf_id != self.id {
            problems.push(ProofProblem::Id { document: self.id.clone(), leaf: leaf_id });
        }
        if let Some(checkpoint) = &checkpoint {
            if self.proof.tree_size != checkpoint.tree_size {
                problems.push(ProofProblem::Size {
                    document: self.proof.tree_size,
                    checkpoint: checkpoint.tree_size,
                });
            } else if verify_inclusion(&self.proof, &from_bytes, &checkpoint.root).is_err() {
                problems.push(ProofProblem::Path);
            }
        }
        ProofCheck { checkpoint, problems }
    }
}

impl ConsistencyOut {
    /// Checks that the log an older checkpoint (`trusted_note`, kept by the reader) signed is a
    /// prefix of the one this document's checkpoint signs: both signatures with `verifier`, the
    /// same log, the sizes, and the consistency path between the two roots (RFC 9162 §2.1.4.2).
    pub fn check(&self, verifier: &Verifier, trusted_note: &str) -> ProofCheck {
        let mut problems = Vec::new();
        let checkpoint = opened(&self.checkpoint, verifier)
            .map_err(|why| problems.push(ProofProblem::Checkpoint(why)))
            .ok();
        let trusted = opened(trusted_note, verifier)
            .map_err(|why| problems.push(ProofProblem::TrustedCheckpoint(why)))
            .ok();
        if let (Some(new), Some(old)) = (&checkpoint, &trusted) {
            if new.origin != old.origin {
                problems.push(ProofProblem::Origin {
                    trusted: old.origin.clone(),
                    checkpoint: new.origin.clone(),
                });
            } else if self.proof.new_size != new.tree_size {
                problems
                    .push(ProofProblem::Size { document: self.proof.new_size, checkpoint: new.tree_size });
            } else if self.proof.old_size != old.tree_size {
                problems
                    .push(ProofProblem::OldSize { document: self.proof.old_size, trusted: old.tree_size });
            } else if verify_consistency(&self.proof, &old.root, &new.root).is_err() {
                problems.push(ProofProblem::Consistency);
            }
        }
        ProofCheck { checkpoint, problems }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_of(byte: u8) -> Hash {
        Hash([byte; 32])
    }

    #[test]
    fn documents_read_back_as_written() {
        let inclusion = RecordProof {
            id: "ord-1".into(),
            leaf_bytes: br#"{"id":"ord-1","type":"order"}"#.to_vec(),
            leaf_hash: hash_of(1),
            proof: InclusionProof { leaf_index: 3, tree_size: 9, hashes: vec![hash_of(2), hash_of(3)] },
            checkpoint: "habeas.local/x\n9\nAAAA\n\n— sig\n".into(),
        };
        let text = inclusion.to_json().to_string();
        assert_eq!(ProofDocument::parse(&text), Ok(ProofDocument::Inclusion(inclusion)));
        let consistency = ConsistencyOut {
            proof: ConsistencyProof { old_size: 4, new_size: 9, hashes: vec![hash_of(7)] },
            checkpoint: "note".into(),
        };
        let text = consistency.to_json().to_string();
        assert_eq!(ProofDocument::parse(&text), Ok(ProofDocument::Consistency(consistency)));
    }

    #[test]
    fn unreadable_documents_name_the_member_at_fault() {
        let problem = |text: &str| ProofDocument::parse(text).map(|_| ()).unwrap_err();
        assert_eq!(problem("{}").problem, DocumentProblem::NotAProof);
        assert!(matches!(problem("[1,").problem, DocumentProblem::NotJson(_)));
        let no_id = r#"{"leaf_bytes":"{}","leaf":"","index":0,"size":1,"proof":[],"checkpoint":""}"#;
        assert_eq!(problem(no_id), DocumentError { field: "id".into(), problem: DocumentProblem::Missing });
        let short_hash = r#"{"old_size":1,"size":2,"proof":["AAAA"],"checkpoint":"n"}"#;
        assert_eq!(
            problem(short_hash),
            DocumentError { field: "proof[0]".into(), problem: DocumentProblem::NotAHash }
        );
        let size_as_text = r#"{"old_size":1,"size":"2","proof":[],"checkpoint":"n"}"#;
        assert_eq!(problem(size_as_text).message(Lang::Es), "size: se esperaba un número entero");
    }
}
