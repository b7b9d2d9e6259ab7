//! `verify`: recompute everything from the leaf bytes and say exactly what differs.
//!
//! The attacker in mind can write the database but cannot read the signing key. So `verify`
//! trusts nothing stored except the leaf bytes and what a trusted key signed:
//!
//! 1. every leaf hash and every node hash is recomputed from the leaf bytes and compared with the
//!    stored tree rows, and leaves must run from 0 without gaps;
//! 2. every kept personal value must open its commitment in the leaf;
//! 3. every stored checkpoint must carry a valid signature by the verifier key (given by the user,
//!    never read from the database) and name the root recomputed at its size; the latest must cover
//!    the whole log;
//! 4. the records view (current version, retraction, digest of each id) must equal a replay of
//!    the log, so that nobody can change what users see without changing the log (see
//!    `Replay`; the view is read on a second connection while the log is read, and again on
//!    the first only to name what differs);
//! 5. with `--trusted`, a checkpoint kept elsewhere must be consistent with the log: the one check
//!    that catches a log rolled back or rewritten by someone who also holds the key.

use std::collections::{BTreeSet, HashMap};

use habeas_ledger::{Checkpoint, Hash, Verifier, leaf_hash};
use habeas_model::personal::{KeptError, decode_kept, reveal};
use habeas_model::{Lang, Localized};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::backend::{Backend, LogEntry, LogRead, RecordRow};
use crate::error::Result;
use crate::ledger::Ledger;

/// One thing `verify` found wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Leaves are missing between two indices.
    LeafMissing { from: u64, until: u64 },
    /// A leaf's bytes do not hash to its stored leaf hash: the leaf was changed.
    LeafHash,
    /// A stored node hash is not the hash of its stored children: the tree rows were changed.
    TreeHash { level: usize },
    /// A leaf has no tree row.
    TreeRowMissing,
    /// A leaf is not the JSON of a record.
    UnreadableLeaf,
    /// A kept personal value does not open its commitment.
    KeptValue { field: String },
    /// Kept values remain for a record whose values were erased.
    ErasedValueKept { id: String },
    /// A checkpoint's signature does not verify with the verifier key.
    CheckpointSignature { why: String },
    /// A checkpoint names a root other than the tree's at its size.
    CheckpointRoot,
    /// A checkpoint covers more leaves than the log holds: leaves were removed.
    Truncated { checkpoint_size: u64 },
    /// Leaves after the latest checkpoint: appended without a signature.
    UnsignedLeaves { signed: u64 },
    /// A checkpoint's origin is not this log's.
    CheckpointOrigin { origin: String },
    /// The records view disagrees with the log.
    RecordsView { id: String, what: String },
    /// The database cannot be read through: a damaged or altered file.
    Unreadable { why: String },
    /// The trusted checkpoint does not verify or does not match: rolled back or rewritten.
    Trusted { why: TrustedWhy },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustedWhy {
    Signature(String),
    Origin(String),
    /// The trusted checkpoint has more leaves than the log: the log was rolled back.
    RolledBack {
        trusted: u64,
        now: u64,
    },
    /// The log at the trusted size has another root: history was rewritten.
    Rewritten {
        size: u64,
    },
}

/// A [`Problem`] at a leaf (when there is one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub problem: Problem,
    pub index: Option<u64>,
}

impl Problem {
    /// Every [`Problem::kind`], for documentation checks.
    pub const KINDS: [&'static str; 15] = [
        "leaf-missing",
        "leaf-hash",
        "tree-hash",
        "tree-row-missing",
        "unreadable-leaf",
        "kept-value",
        "erased-value-kept",
        "checkpoint-signature",
        "checkpoint-root",
        "truncated",
        "unsigned-leaves",
        "checkpoint-origin",
        "records-view",
        "trusted-checkpoint",
        "unreadable-database",
    ];

    /// A stable short name, for `--json`.
    pub fn kind(&self) -> &'static str {
        match self {
            Problem::LeafMissing { .. } => "leaf-missing",
            Problem::LeafHash => "leaf-hash",
            Problem::TreeHash { .. } => "tree-hash",
            Problem::TreeRowMissing => "tree-row-missing",
            Problem::UnreadableLeaf => "unreadable-leaf",
            Problem::KeptValue { .. } => "kept-value",
            Problem::ErasedValueKept { .. } => "erased-value-kept",
            Problem::CheckpointSignature { .. } => "checkpoint-signature",
            Problem::CheckpointRoot => "checkpoint-root",
            Problem::Truncated { .. } => "truncated",
            Problem::UnsignedLeaves { .. } => "unsigned-leaves",
            Problem::CheckpointOrigin { .. } => "checkpoint-origin",
            Problem::RecordsView { .. } => "records-view",
            Problem::Trusted { .. } => "trusted-checkpoint",
            Problem::Unreadable { .. } => "unreadable-database",
        }
    }
}

impl Localized for Problem {
    fn message(&self, lang: Lang) -> String {
        match self {
            Problem::LeafMissing { from, until } => format!(
                "{} {from}..{until} {}",
                lang.pick("leaves", "las hojas"),
                lang.pick("are missing (deleted?)", "faltan (¿borradas?)")
            ),
            Problem::LeafHash => lang
                .pick("the leaf's bytes do not match its stored hash: the record was changed", "los bytes de la hoja no coinciden con su hash guardado: se modificó el registro")
                .into(),
            Problem::TreeHash { level } => format!(
                "{} {level} {}",
                lang.pick("the stored tree hash at level", "el hash del árbol guardado en el nivel"),
                lang.pick("is not the hash of its children: the tree was changed", "no es el hash de sus hijos: se modificó el árbol")
            ),
            Problem::TreeRowMissing => lang.pick("the stored tree hashes of this leaf are missing", "faltan los hashes del árbol de esta hoja").into(),
            Problem::UnreadableLeaf => lang.pick("the leaf is not a readable record", "la hoja no es un registro legible").into(),
            Problem::KeptValue { field } => format!(
                "{} {field:?} {}",
                lang.pick("the kept personal value of", "el valor personal guardado de"),
                lang.pick("does not match its commitment in the log: it was changed", "no coincide con su compromiso en el registro: fue modificado")
            ),
            Problem::ErasedValueKept { id } => format!(
                "{} {id} {}",
                lang.pick("personal values of", "hay valores personales de"),
                lang.pick("are present although they were erased", "aunque fueron borrados")
            ),
            Problem::CheckpointSignature { why } => format!("{} {why}", lang.pick("checkpoint signature does not verify:", "la firma del punto de control no es válida:")),
            Problem::CheckpointRoot => lang
                .pick("the checkpoint's root differs from the tree recomputed at its size: the log was changed", "la raíz del punto de control difiere del árbol recalculado a su tamaño: se modificó el registro")
                .into(),
            Problem::Truncated { checkpoint_size } => format!(
                "{} {checkpoint_size} {}",
                lang.pick("a signed checkpoint covers", "un punto de control firmado cubre"),
                lang.pick("leaves, more than the log now holds: leaves were removed", "hojas, más de las que tiene ahora el registro: se eliminaron hojas")
            ),
            Problem::UnsignedLeaves { signed } => format!(
                "{} {signed}: {}",
                lang.pick("no signed checkpoint covers the leaves from", "ningún punto de control firmado cubre las hojas desde"),
                lang.pick("they were added without the key", "se añadieron sin la clave")
            ),
            Problem::CheckpointOrigin { origin } => format!("{} {origin:?}", lang.pick("a checkpoint names another log:", "un punto de control nombra otro registro:")),
            Problem::RecordsView { id, what } => format!(
                "{} {id}: {what} {}",
                lang.pick("the records view disagrees with the log for", "la vista de registros no concuerda con el registro para"),
                lang.pick("(a view was changed)", "(se modificó una vista)")
            ),
            Problem::Unreadable { why } => format!("{} {why}", lang.pick("the database cannot be read through:", "la base de datos no se puede leer entera:")),
            Problem::Trusted { why } => match why {
                TrustedWhy::Signature(e) => format!("{} {e}", lang.pick("the trusted checkpoint does not verify with this key:", "el punto de control de confianza no es válido con esta clave:")),
                TrustedWhy::Origin(o) => format!("{} {o:?}", lang.pick("the trusted checkpoint is of another log:", "el punto de control de confianza es de otro registro:")),
                TrustedWhy::RolledBack { trusted, now } => format!(
                    "{} {trusted} {}, {} {now}: {}",
                    lang.pick("the trusted checkpoint has", "el punto de control de confianza tiene"),
                    lang.pick("leaves", "hojas"),
                    lang.pick("the log only", "el registro solo"),
                    lang.pick("the log was rolled back", "el registro fue revertido")
                ),
                TrustedWhy::Rewritten { size } => format!(
                    "{} {size} {}",
                    lang.pick("at size", "con tamaño"),
                    lang.pick("the log's root differs from the trusted checkpoint: its history was rewritten", "la raíz del registro difiere del punto de control de confianza: se reescribió su historia")
                ),
            },
        }
    }
}

/// What `verify` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyReport {
    pub ok: bool,
    pub size: u64,
    /// The root recomputed from the leaf bytes.
    pub root: Hash,
    /// How many records had personal values erased.
    pub erased: u64,
    pub checkpoints: usize,
    pub problems: Vec<Found>,
}

/// The few fields of a leaf that the records view depends on, borrowed from the leaf bytes.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    #[serde(rename = "type", borrow)]
    record_type: std::borrow::Cow<'a, str>,
    /// Any JSON: a record of another type than retraction and erasure may hold a `target` of
    /// its own (an unknown field, kept as written).
    target: Option<Value>,
}

/// Whether a record of this type names in `target` the record it retracts or erases.
fn targets(record_type: &str) -> bool {
    record_type == "retraction" || record_type == "erasure"
}

/// Log positions copied out of the database in one buffer, so that a batch costs two
/// allocations, not three per position.
#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    slots: Vec<Slot>,
}

type Span = std::ops::Range<usize>;

struct Slot {
    idx: u64,
    prev: Option<u64>,
    bytes: Span,
    kept: Option<Span>,
    hashes: Option<Span>,
}

impl Batch {
    fn push(&mut self, entry: LogEntry<'_>) {
        let mut span = |bytes: &[u8]| {
            let start = self.data.len();
            self.data.extend_from_slice(bytes);
            start..self.data.len()
        };
        let bytes = span(entry.bytes);
        let kept = entry.kept.map(&mut span);
        let hashes = entry.hashes.map(&mut span);
        self.slots.push(Slot { idx: entry.idx, prev: entry.prev, bytes, kept, hashes });
    }
}

/// What examining one log position found: everything that needs no other position, computed on
/// a worker thread.
struct Facts {
    leaf_hash: Hash,
    /// `(id key, type index, key of the retraction or erasure target)`, or `None` for an
    /// unreadable leaf. Ids travel as their [`IdKeys`] keys: the ids themselves are read again
    /// only for a message.
    head: Option<(u64, u8, Option<u64>)>,
    /// Digest of the canonical form (personal values in clear), when they could be opened.
    digest: Option<[u8; 32]>,
    /// A kept value that does not open its commitment: the field (empty if undecodable).
    kept_problem: Option<String>,
}

fn type_index(name: &str) -> u8 {
    habeas_model::RecordType::ALL.iter().position(|t| t.name() == name).map_or(u8::MAX, |i| i as u8)
}

fn type_name(index: u8) -> &'static str {
    habeas_model::RecordType::ALL.get(index as usize).map_or("?", |t| t.name())
}

/// The `id`, `type` and `target` of a canonical leaf, read without a JSON parser
/// ([`habeas_model::walk`]). `None` when anything is unusual (an escape, whitespace, a malformed
/// leaf): the caller then asks serde.
fn head_fast(b: &[u8]) -> Option<(&str, &str, Option<&str>)> {
    let (mut id, mut record_type, mut target) = (None, None, None);
    habeas_model::walk::each_member(b, |key, span| match key {
        b"id" => id = Some(habeas_model::walk::plain_string(b, span)),
        b"type" => record_type = Some(habeas_model::walk::plain_string(b, span)),
        b"target" => target = Some(habeas_model::walk::plain_string(b, span)),
        _ => {}
    })?;
    let (id, record_type) = (id??, record_type??);
    if !targets(record_type) {
        return Some((id, record_type, None));
    }
    Some((id, record_type, Some(target??)))
}

/// Everything about one position that can be checked alone.
fn examine(batch: &Batch, slot: &Slot, ids: &IdKeys) -> Facts {
    let bytes = &batch.data[slot.bytes.clone()];
    let head = match head_fast(bytes) {
        Some((id, record_type, target)) => {
            Some((ids.key(id), type_index(record_type), target.map(|t| ids.key(t))))
        }
        None => serde_json::from_slice::<Head<'_>>(bytes).ok().map(|h| {
            let target = h.target.as_ref().and_then(Value::as_str).filter(|_| targets(&h.record_type));
            (ids.key(&h.id), type_index(&h.record_type), target.map(|t| ids.key(t)))
        }),
    };
    let (digest, kept_problem) = match slot.kept.clone().map(|span| &batch.data[span]) {
        None => (Some(Sha256::digest(bytes).into()), None),
        Some(data) => match habeas_model::personal::reveal_canonical(bytes, data) {
            Some(clear) => (Some(Sha256::digest(clear).into()), None),
            None => revealed_slowly(bytes, data),
        },
    };
    Facts { leaf_hash: leaf_hash(bytes), head, digest, kept_problem }
}

/// The digest of the record as known and what is wrong with its kept values, through the JSON
/// parser: for kept values that the bytes alone could not open.
fn revealed_slowly(bytes: &[u8], data: &[u8]) -> (Option<[u8; 32]>, Option<String>) {
    match decode_kept(data).and_then(|kept| reveal(bytes, &kept)) {
        Ok(map) => {
            (Some(Sha256::digest(habeas_model::canonical::to_canonical(&Value::Object(map))).into()), None)
        }
        Err(KeptError::Mismatch(field) | KeptError::NoCommitment(field)) => (None, Some(field)),
        Err(KeptError::BadLeaf | KeptError::BadEncoding) => (None, Some(String::new())),
    }
}

/// What the records view must show, kept per leaf in log order (a few bytes each, filled in
/// order: no table of ids, whose random probes and fresh pages had been most of this thread's
/// own time).
///
/// The stored `prev` links and the view are checked together: every link must point back to an
/// earlier leaf of the same id, no leaf may be the previous version of two, and the leaves that
/// are nobody's previous version (the chains' heads) must be exactly the view's current versions.
/// Since the view holds each id once, each id then has one chain, so every link is to the version
/// just before and each current version is the last: the view is the replay of the log.
#[derive(Default)]
struct Replay {
    /// One entry per leaf, in log order. The view is read in the order of its ids, so each row
    /// lands on a random leaf: everything about the leaf sits in one entry, one cache line.
    leaves: Vec<Replayed>,
    /// The latest retraction of each id key that has one.
    retracted: rustc_hash::FxHashMap<u64, u64>,
}

/// What the view must show of one leaf.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Replayed {
    /// The id key ([`IdKeys`]).
    key: u64,
    /// The first 16 bytes of the content digest, zero when there is none: changing a stored
    /// digest undetected would take a 128-bit second preimage.
    digest: [u8; 16],
    /// The type index, [`UNREADABLE`] for a leaf that is not a record.
    record_type: u8,
    /// Whether a later leaf names this one as its previous version.
    superseded: bool,
    /// Whether a row of the view shows this leaf as its current version.
    shown: bool,
}

const UNREADABLE: u8 = u8::MAX;

/// No leaf: a row's retraction when it has none.
const NONE: u64 = u64::MAX;

impl Replay {
    fn with_capacity(leaves: u64) -> Replay {
        Replay { leaves: Vec::with_capacity(usize::try_from(leaves).unwrap_or(0)), ..Replay::default() }
    }

    fn len(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// Adds the next leaf; says what is wrong with its stored previous version, if anything.
    fn push(&mut self, key: u64, record_type: u8, digest: [u8; 16], prev: Option<u64>) -> Option<String> {
        let idx = self.len();
        let wrong = match prev.map(|prev| (prev, usize::try_from(prev).ok().filter(|_| prev < idx))) {
            None => None,
            Some((prev, None)) => Some(format!("its previous version {prev} is not an earlier leaf")),
            Some((prev, Some(at))) => {
                let earlier = &mut self.leaves[at];
                if earlier.key != key || earlier.record_type == UNREADABLE {
                    Some(format!("its previous version {prev} is a leaf of another record"))
                } else {
                    std::mem::replace(&mut earlier.superseded, true)
                        .then(|| format!("leaf {prev} is named as the previous version of two leaves"))
                }
            }
        };
        self.leaves.push(Replayed { key, digest, record_type, superseded: false, shown: false });
        wrong
    }

    /// The leaf at `current` if it is a readable leaf of the id with `key`.
    fn version_of(&mut self, key: u64, current: u64) -> Option<&mut Replayed> {
        let leaf = self.leaves.get_mut(usize::try_from(current).ok()?)?;
        (leaf.key == key && leaf.record_type != UNREADABLE).then_some(leaf)
    }
}

fn digest_prefix(digest: Option<[u8; 32]>) -> [u8; 16] {
    let mut prefix = [0u8; 16];
    if let Some(d) = digest {
        prefix.copy_from_slice(&d[..16]);
    }
    prefix
}

/// Ids are kept as 64-bit hashes under a key chosen at random for each run: nobody can choose
/// ids that collide, and a million ids take no more memory than a million numbers.
struct IdKeys(std::hash::RandomState);

impl IdKeys {
    fn key(&self, id: &str) -> u64 {
        std::hash::BuildHasher::hash_one(&self.0, id)
    }
}

/// The id in leaf `idx`, for a message (slow path).
fn id_at(tx: &dyn LogRead, idx: u64) -> String {
    tx.leaf(idx)
        .ok()
        .flatten()
        .and_then(|leaf| serde_json::from_slice::<Head<'_>>(&leaf.bytes).ok().map(|h| h.id.into_owned()))
        .unwrap_or_else(|| format!("(leaf {idx})"))
}

/// Reads the log in order on this thread (the connection's), examines positions on worker
/// threads, and hands them back to `consume` in log order. Consumed batches are cleared and
/// filled again: a fresh megabyte per batch would cost the kernel a page-zeroing fault per page,
/// which had been a sixth of this thread's time.
fn scan_in_order(
    tx: &dyn LogRead,
    ids: &IdKeys,
    consume: &mut dyn FnMut(&Batch, &Slot, Facts),
) -> Result<()> {
    use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
    const BATCH: usize = 1024;
    const DEPTH: usize = 4; // batches in flight per worker
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4));
    std::thread::scope(|scope| -> Result<()> {
        let mut to_workers: Vec<SyncSender<Batch>> = Vec::new();
        let mut from_workers: Vec<Receiver<(Batch, Vec<Facts>)>> = Vec::new();
        for _ in 0..workers {
            let (send_work, work) = sync_channel::<Batch>(DEPTH);
            let (send_facts, facts) = sync_channel::<(Batch, Vec<Facts>)>(DEPTH);
            scope.spawn(move || {
                for batch in work {
                    let facts = batch.slots.iter().map(|slot| examine(&batch, slot, ids)).collect();
                    if send_facts.send((batch, facts)).is_err() {
                        return;
                    }
                }
            });
            to_workers.push(send_work);
            from_workers.push(facts);
        }
        let (mut sent, mut received) = (0usize, 0usize);
        let mut spare: Vec<Batch> = Vec::new();
        let mut batch = Batch::default();
        // Consumes the oldest batch in flight and keeps it, emptied, for reuse.
        let mut receive_one = |received: &mut usize, spare: &mut Vec<Batch>| {
            if let Ok((mut batch, facts)) = from_workers[*received % workers].recv() {
                for (slot, facts) in batch.slots.iter().zip(facts) {
                    consume(&batch, slot, facts);
                }
                batch.data.clear();
                batch.slots.clear();
                spare.push(batch);
            }
            *received += 1;
        };
        tx.scan_log(&mut |entry| {
            batch.push(entry);
            if batch.slots.len() == BATCH {
                let _ = to_workers[sent % workers].send(std::mem::take(&mut batch));
                sent += 1;
                if sent - received >= DEPTH * workers {
                    receive_one(&mut received, &mut spare);
                }
                if let Some(reused) = spare.pop() {
                    batch = reused;
                }
            }
            Ok(())
        })?;
        if !batch.slots.is_empty() {
            let _ = to_workers[sent % workers].send(batch);
            sent += 1;
        }
        drop(to_workers);
        while received < sent {
            receive_one(&mut received, &mut spare);
        }
        Ok(())
    })
}

/// Checks a stored row (32-byte hashes, level 0 first) against the stored frontier and advances
/// it: level `k` must be the node hash of the stored left sibling and the row's level `k - 1`.
/// Levels the row lacks are computed. Returns the first bad level.
fn check_stored_row(stored_frontier: &mut Vec<Hash>, idx: u64, row: &[u8]) -> Option<usize> {
    let stored = |level: usize| row.get(level * 32..level * 32 + 32).and_then(Hash::from_slice);
    let expected_len = habeas_ledger::row_len(idx);
    let row_len = row.len() / 32;
    let mut bad = (row_len != expected_len).then_some(row_len.min(expected_len));
    let mut current = stored(0).unwrap_or_default();
    for level in 1..expected_len {
        let left = stored_frontier.pop().unwrap_or_default();
        let computed = habeas_ledger::node_hash(&left, &current);
        current = match stored(level) {
            Some(hash) if hash == computed => hash,
            Some(hash) => {
                bad.get_or_insert(level);
                hash
            }
            None => computed,
        };
    }
    stored_frontier.push(current);
    bad
}

/// What differs between a row of the records view and the replay of the log, marking the leaf
/// the row shows as its current version; `Err` when that leaf is not a version of the row's id.
fn compare_row(
    replay: &mut Replay,
    erased_at: &rustc_hash::FxHashMap<u64, u64>,
    key: u64,
    current: u64,
    record_type: &str,
    retracted: Option<u64>,
    digest: [u8; 16],
) -> std::result::Result<Vec<String>, String> {
    let expected_retraction = replay.retracted.get(&key).copied().filter(|&r| r > current);
    let erased = erased_at.get(&key).is_some_and(|&e| e > current);
    let Some(leaf) = replay.version_of(key, current) else {
        return Err(format!("current version {current} is not a leaf of this record"));
    };
    leaf.shown = true;
    let mut what = Vec::new();
    if leaf.superseded {
        what.push(format!("current version {current} has a later version in the log"));
    }
    let expected_type = type_name(leaf.record_type);
    if expected_type != record_type {
        what.push(format!("type {record_type} for {expected_type}"));
    }
    if expected_retraction != retracted {
        what.push(format!("retraction {retracted:?} for {expected_retraction:?}"));
    }
    let expected_digest = if erased { [0; 16] } else { leaf.digest };
    if expected_digest != digest {
        what.push("content digest".to_string());
    }
    Ok(what)
}

/// One row of the records view, as compact as [`Replayed`]: the id as its key.
struct ViewRow {
    key: u64,
    current: u64,
    /// [`NONE`] when not retracted.
    retracted: u64,
    digest: [u8; 16],
    record_type: u8,
}

/// The records view as read on its own connection, with the log size its snapshot holds.
struct ViewRead {
    size: u64,
    rows: Vec<ViewRow>,
}

/// Reads the records view on another connection (and thread) while the log is scanned: the
/// view is a tenth of the file, and reading it after the log had left a core idle for a
/// quarter of the run.
fn read_view(mut backend: Box<dyn Backend>, ids: &IdKeys) -> Result<ViewRead> {
    backend.map_for_reading()?;
    let tx = backend.read()?;
    let size = tx.tree_size()?;
    let mut rows = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    tx.scan_records(&mut |row| {
        rows.push(ViewRow {
            key: ids.key(&row.id),
            current: row.current,
            retracted: row.retracted.unwrap_or(NONE),
            digest: digest_prefix(row.digest),
            record_type: type_index(&row.record_type),
        });
        Ok(())
    })?;
    Ok(ViewRead { size, rows })
}

impl Ledger {
    /// Checks the whole ledger. `trusted` is a signed checkpoint note kept elsewhere.
    pub fn verify(&mut self, verifier: &Verifier, trusted: Option<&str>) -> Result<VerifyReport> {
        // Every page is read once: through the memory map they are read where the operating
        // system caches them, not copied into a page cache allocated for the purpose (a sixth of
        // the reading thread's time at a million records).
        self.backend().map_for_reading()?;
        let beside = self.backend().another();
        let tx = self.backend().read()?;
        match verify(&*tx, beside, verifier, trusted) {
            // A file that opens but cannot be read through was damaged or altered: that is a
            // finding of verify, not a failure to run it.
            Err(crate::error::StoreError::Backend(why)) => Ok(VerifyReport {
                ok: false,
                size: 0,
                root: Hash::empty(),
                erased: 0,
                checkpoints: 0,
                problems: vec![Found { problem: Problem::Unreadable { why }, index: None }],
            }),
            other => other,
        }
    }
}

/// `beside`, another connection to the same ledger if the backend has one, reads the records
/// view while `tx` reads the log.
fn verify(
    tx: &dyn LogRead,
    beside: Option<Box<dyn Backend>>,
    verifier: &Verifier,
    trusted: Option<&str>,
) -> Result<VerifyReport> {
    let mut problems: Vec<Found> = Vec::new();
    let mut report = |problem: Problem, index: Option<u64>| problems.push(Found { problem, index });
    let origin = tx.meta("origin")?.unwrap_or_default();
    let verifiers = std::slice::from_ref(verifier);

    // Checkpoints first: their sizes are where the scan must note the root.
    let stored = tx.checkpoints()?;
    let mut signed: Vec<Checkpoint> = Vec::new();
    for row in &stored {
        match Checkpoint::open(&row.note, verifiers) {
            Ok(cp) if cp.origin != origin => {
                report(Problem::CheckpointOrigin { origin: cp.origin }, Some(row.size))
            }
            Ok(cp) if cp.tree_size != row.size => report(
                Problem::CheckpointSignature { why: "stored under another size".into() },
                Some(row.size),
            ),
            Ok(cp) => signed.push(cp),
            Err(e) => report(Problem::CheckpointSignature { why: e.to_string() }, Some(row.size)),
        }
    }
    let trusted_cp = match trusted.map(|note| Checkpoint::open(note, verifiers)) {
        None => None,
        Some(Err(e)) => {
            report(Problem::Trusted { why: TrustedWhy::Signature(e.to_string()) }, None);
            None
        }
        Some(Ok(cp)) if cp.origin != origin => {
            report(Problem::Trusted { why: TrustedWhy::Origin(cp.origin) }, None);
            None
        }
        Some(Ok(cp)) => Some(cp),
    };
    let wanted: BTreeSet<u64> = signed.iter().chain(&trusted_cp).map(|cp| cp.tree_size).collect();
    let mut roots_at: HashMap<u64, Hash> = HashMap::new();
    if wanted.contains(&0) {
        roots_at.insert(0, Hash::empty());
    }

    // One pass over the log. Each stored leaf hash is checked against the leaf's bytes, and each
    // stored node against its stored children (`stored_frontier` follows the stored rows). When
    // both hold everywhere, the stored tree is the tree of the bytes and its roots are the roots
    // the checkpoints must sign; when one fails, that is reported where it is, once, instead of
    // once per ancestor. Positions are examined on worker threads and consumed here in log order.
    let mut stored_frontier: Vec<Hash> = Vec::new();
    let mut next_idx = 0u64;
    let ids = IdKeys(std::hash::RandomState::new());
    let leaves = tx.tree_size()?;
    let mut replay = Replay::with_capacity(leaves);
    let mut kept_at: Vec<(u64, u64)> = Vec::new();
    let mut erased_at: rustc_hash::FxHashMap<u64, u64> = rustc_hash::FxHashMap::default();
    // Versions whose stored previous version is not the one before them: (leaf, what differs).
    let mut misfiled: Vec<(u64, String)> = Vec::new();
    // After a gap nothing further can be compared: the tree is broken from there on.
    let mut gap = false;
    let mut consume =
        |batch: &Batch, slot: &Slot, facts: Facts, report: &mut dyn FnMut(Problem, Option<u64>)| {
            let idx = slot.idx;
            if gap {
                return;
            }
            if idx != next_idx {
                report(Problem::LeafMissing { from: next_idx, until: idx }, Some(next_idx));
                gap = true;
                return;
            }
            next_idx += 1;
            let stored = slot
                .hashes
                .clone()
                .map(|span| &batch.data[span])
                .filter(|row| !row.is_empty() && row.len() % 32 == 0);
            match stored {
                None => {
                    report(Problem::TreeRowMissing, Some(idx));
                    check_stored_row(&mut stored_frontier, idx, &facts.leaf_hash.0);
                }
                Some(row) => {
                    if row[..32] != facts.leaf_hash.0 {
                        report(Problem::LeafHash, Some(idx));
                    }
                    if let Some(level) = check_stored_row(&mut stored_frontier, idx, row) {
                        report(Problem::TreeHash { level }, Some(idx));
                    }
                }
            }
            if wanted.contains(&next_idx) {
                roots_at.insert(next_idx, habeas_ledger::fold_range(&stored_frontier));
            }
            let Some((key, record_type, target)) = facts.head else {
                report(Problem::UnreadableLeaf, Some(idx));
                replay.push(0, UNREADABLE, [0; 16], None);
                return;
            };
            if let Some(field) = facts.kept_problem {
                report(Problem::KeptValue { field }, Some(idx));
            }
            if slot.kept.is_some() {
                kept_at.push((key, idx));
            }
            match (type_name(record_type), target) {
                ("retraction", Some(target)) => {
                    replay.retracted.insert(target, idx);
                }
                ("erasure", Some(target)) => {
                    erased_at.insert(target, idx);
                }
                _ => {}
            }
            if let Some(what) = replay.push(key, record_type, digest_prefix(facts.digest), slot.prev) {
                misfiled.push((idx, what));
            }
        };
    let view = std::thread::scope(|scope| -> Result<Option<ViewRead>> {
        let reader = beside.map(|backend| scope.spawn(|| read_view(backend, &ids)));
        scan_in_order(tx, &ids, &mut |batch, slot, facts| consume(batch, slot, facts, &mut report))?;
        // The view read beside the log counts only if its snapshot holds the same log: every
        // write that changes the view appends leaves. Otherwise (or if it failed) it is read
        // again below, here.
        let view = reader.and_then(|thread| thread.join().ok()).and_then(Result::ok);
        Ok(view.filter(|view| view.size == leaves))
    })?;
    for (idx, what) in misfiled {
        report(Problem::RecordsView { id: id_at(tx, idx), what }, Some(idx));
    }
    let size = next_idx;
    let root = habeas_ledger::fold_range(&stored_frontier);

    for cp in &signed {
        match roots_at.get(&cp.tree_size) {
            None if cp.tree_size > size => {
                report(Problem::Truncated { checkpoint_size: cp.tree_size }, Some(size))
            }
            Some(root_then) if *root_then == cp.root => {}
            _ => report(Problem::CheckpointRoot, Some(cp.tree_size)),
        }
    }
    let signed_to = signed.iter().map(|cp| cp.tree_size).max().unwrap_or(0);
    if size > signed_to {
        report(Problem::UnsignedLeaves { signed: signed_to }, Some(signed_to));
    }
    if let Some(cp) = trusted_cp {
        match roots_at.get(&cp.tree_size) {
            None if cp.tree_size > size => report(
                Problem::Trusted { why: TrustedWhy::RolledBack { trusted: cp.tree_size, now: size } },
                None,
            ),
            Some(root_then) if *root_then == cp.root => {}
            _ => report(
                Problem::Trusted { why: TrustedWhy::Rewritten { size: cp.tree_size } },
                Some(cp.tree_size),
            ),
        }
    }

    // Erased values must be gone from every version erased.
    for (key, idx) in kept_at {
        if erased_at.get(&key).is_some_and(|erased| *erased > idx) {
            let id = id_at(tx, idx);
            report(Problem::ErasedValueKept { id }, Some(idx));
        }
    }

    // The records view must be the replay of the log (see [`Replay`]). The rows read beside the
    // log are compared first; only if one differs is the view read again, with its ids, to say
    // which and how.
    let agrees = view.is_some_and(|view| {
        view.rows.iter().all(|row| {
            let retracted = (row.retracted != NONE).then_some(row.retracted);
            let kind = type_name(row.record_type);
            compare_row(&mut replay, &erased_at, row.key, row.current, kind, retracted, row.digest)
                .is_ok_and(|what| what.is_empty())
        })
    });
    if !agrees {
        replay.leaves.iter_mut().for_each(|leaf| leaf.shown = false);
        tx.scan_records(&mut |row: RecordRow| {
            let key = ids.key(&row.id);
            let digest = digest_prefix(row.digest);
            match compare_row(
                &mut replay,
                &erased_at,
                key,
                row.current,
                &row.record_type,
                row.retracted,
                digest,
            ) {
                Err(what) => report(Problem::RecordsView { id: row.id, what }, None),
                Ok(what) if what.is_empty() => {}
                Ok(what) => {
                    report(Problem::RecordsView { id: row.id, what: what.join(", ") }, Some(row.current))
                }
            }
            Ok(())
        })?;
    }
    // Every head of a chain of versions must be some row's current version.
    for (idx, leaf) in replay.leaves.iter().enumerate() {
        if !leaf.superseded && !leaf.shown && leaf.record_type != UNREADABLE {
            let idx = idx as u64;
            report(
                Problem::RecordsView { id: id_at(tx, idx), what: "missing from the view".into() },
                Some(idx),
            );
        }
    }

    let erased = erased_at.len() as u64;
    problems.sort_by_key(|p| p.index.unwrap_or(u64::MAX));
    Ok(VerifyReport { ok: problems.is_empty(), size, root, erased, checkpoints: stored.len(), problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_head_agrees_with_serde_or_declines() {
        let leaves = [
            r#"{"id":"p-1","names":{"commit":"abc"},"type":"person"}"#,
            r#"{"basis":["a","b"],"count":137,"id":"coh-1","legs":[{"from":"x","to":"y"}],"note":"{\"id\":\"fake\"}","type":"cohort"}"#,
            r#"{"id":"r-1","reason":"wrong","target":"flt-1","type":"retraction"}"#,
            r#"{"fields":["names"],"id":"r-2","target":"p-1","type":"erasure"}"#,
            r#"{"at":{"earliest":"a","latest":"b"},"id":"c-1","ok":true,"n":null,"type":"custody"}"#,
            // Another type's `target` is an unknown field of its own, of any kind: not read.
            r#"{"id":"ack-1","target":{"earliest":"a"},"type":"acknowledgment"}"#,
            r#"{"id":"ack-2","target":"flt-1","type":"acknowledgment"}"#,
        ];
        for leaf in leaves {
            let fast = head_fast(leaf.as_bytes()).unwrap_or_else(|| panic!("declined {leaf}"));
            let serde: Head<'_> = serde_json::from_str(leaf).unwrap();
            let target =
                serde.target.as_ref().and_then(Value::as_str).filter(|_| targets(&serde.record_type));
            assert_eq!(fast, (&*serde.id, &*serde.record_type, target), "{leaf}");
            assert_eq!(fast.2.is_some(), fast.1 == "retraction" || fast.1 == "erasure", "{leaf}");
        }
        for odd in [
            r#"{"id":"p\u002d1","type":"person"}"#,
            r#"{ "id":"p-1","type":"person"}"#,
            r#"{"id":"p-1","type":"person""#,
            r#"{"id":1,"type":"person"}"#,
            r#"{"type":"person"}"#,
            r#"{"id":"p-1","type":"person"}x"#,
            r#"["id","p-1"]"#,
            "",
            "{",
            r#"{"id":"p-1","note":"unterminated}"#,
        ] {
            assert_eq!(head_fast(odd.as_bytes()), None, "{odd}");
        }
    }

    #[test]
    fn the_replay_accepts_only_links_to_the_version_just_before() {
        let (a, b) = (11, 22);
        let mut replay = Replay::with_capacity(8);
        assert_eq!(replay.push(a, 0, [1; 16], None), None);
        assert_eq!(replay.push(b, 0, [2; 16], None), None);
        assert_eq!(replay.push(a, 0, [3; 16], Some(0)), None, "a's second version");
        let twice = replay.push(a, 0, [4; 16], Some(0)).expect("leaf 0 superseded twice");
        assert!(twice.contains("two leaves"), "{twice}");
        let other = replay.push(b, 0, [5; 16], Some(2)).expect("b linked to a's leaf");
        assert!(other.contains("another record"), "{other}");
        let later = replay.push(b, 0, [6; 16], Some(9)).expect("a link forward");
        assert!(later.contains("not an earlier leaf"), "{later}");
        assert_eq!(replay.push(0, UNREADABLE, [0; 16], None), None);
        let unreadable = replay.push(0, 0, [0; 16], Some(6)).expect("linked to an unreadable leaf");
        assert!(unreadable.contains("another record"), "{unreadable}");
        let superseded: Vec<bool> = replay.leaves.iter().map(|l| l.superseded).collect();
        assert_eq!(superseded, [true, false, false, false, false, false, false, false]);
        assert_eq!(replay.len(), 8);
    }

    use crate::ingest::in_memory::Text;

    /// A copy of the ledger file as it is now (write-ahead log included), with `change` (SQL, or
    /// nothing) made to the copy, opened.
    fn copy_of(from: &std::path::Path, to: &std::path::Path, change: &str) -> Box<dyn Backend> {
        let conn = rusqlite::Connection::open(from).unwrap();
        conn.execute("VACUUM INTO ?1", [to.to_str().unwrap()]).unwrap();
        if !change.is_empty() {
            assert_eq!(rusqlite::Connection::open(to).unwrap().execute(change, []).unwrap(), 1, "{change}");
        }
        Box::new(crate::sqlite::SqliteBackend::open(to).unwrap())
    }

    #[test]
    fn a_view_read_beside_the_log_counts_only_when_it_agrees_at_the_same_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let signer = habeas_ledger::Signer::from_seed("habeas.local/l.db", [7; 32]).unwrap();
        let mut ledger = Ledger::create(&crate::Location::Sqlite(path.clone()), &signer.verifier()).unwrap();
        let options =
            crate::ImportOptions { keep_going: false, by: "t".into(), at: "2025-03-20T12:00:00Z".into() };
        let first = concat!(
            "{\"type\":\"source\",\"id\":\"src-1\",\"kind\":\"testimony\",\"title\":\"A filing\"}\n",
            "{\"type\":\"person\",\"id\":\"p-1\",\"name\":\"Ana Rojas\",\"sources\":[\"src-1\"]}",
        );
        assert!(ledger.import(&mut Text(first), &options, &signer).unwrap().rejected.is_empty());
        let older = copy_of(&path, &dir.path().join("older.db"), "");
        let second = "{\"type\":\"person\",\"id\":\"p-2\",\"name\":\"Luis Rojas\",\"sources\":[\"src-1\"]}";
        assert!(ledger.import(&mut Text(second), &options, &signer).unwrap().rejected.is_empty());
        let same_size = copy_of(&path, &dir.path().join("same.db"), "");
        let verifier = signer.verifier();
        let run = |ledger: &mut Ledger, beside: Option<Box<dyn Backend>>| {
            let tx = ledger.backend().read().unwrap();
            verify(&*tx, beside, &verifier, None).unwrap()
        };

        // Read beside at the same size, unchanged: it agrees.
        assert!(run(&mut ledger, Some(same_size)).ok);
        // Read beside at another size: not used, the view is read again on the log's connection.
        assert!(run(&mut ledger, Some(older)).ok);
        // Read beside at the same size but differing: read again, and what the ledger itself
        // holds decides.
        let change = "UPDATE records SET current = 0 WHERE id = 'p-2'";
        let differing = copy_of(&path, &dir.path().join("differing.db"), change);
        assert!(run(&mut ledger, Some(differing)).ok);
        // And a change to the ledger's own view is found, read beside or not.
        let changed = rusqlite::Connection::open(&path).unwrap().execute(change, []).unwrap();
        assert_eq!(changed, 1);
        let beside = ledger.backend().another();
        assert!(beside.is_some());
        let report = run(&mut ledger, beside);
        assert!(!report.ok, "{report:?}");
        assert!(
            report
                .problems
                .iter()
                .any(|p| matches!(&p.problem, Problem::RecordsView { id, .. } if id == "p-2"))
        );
        assert!(!run(&mut ledger, None).ok);
    }

    #[test]
    fn every_problem_has_a_listed_kind_and_a_message_in_both_languages() {
        let all = [
            Problem::LeafMissing { from: 1, until: 2 },
            Problem::LeafHash,
            Problem::TreeHash { level: 1 },
            Problem::TreeRowMissing,
            Problem::UnreadableLeaf,
            Problem::KeptValue { field: "names".into() },
            Problem::ErasedValueKept { id: "p".into() },
            Problem::CheckpointSignature { why: "x".into() },
            Problem::CheckpointRoot,
            Problem::Truncated { checkpoint_size: 3 },
            Problem::UnsignedLeaves { signed: 2 },
            Problem::CheckpointOrigin { origin: "o".into() },
            Problem::RecordsView { id: "p".into(), what: "x".into() },
            Problem::Trusted { why: TrustedWhy::RolledBack { trusted: 9, now: 3 } },
            Problem::Unreadable { why: "x".into() },
        ];
        let kinds: Vec<&str> = all.iter().map(Problem::kind).collect();
        assert_eq!(kinds, Problem::KINDS);
        for p in &all {
            assert_ne!(p.message(Lang::En), p.message(Lang::Es), "{}", p.kind());
        }
    }
}
