//! Import: records in, leaves out, all of it in one transaction or none of it.
//!
//! An import streams its input once (twice or more only with `--keep-going`, below). For each
//! record, in input order, it decides against the records view what records.md says:
//!
//! - a new id is **appended**; an id whose current version has the same canonical form is
//!   **unchanged**; different content of the same type is a **new version**; another type is
//!   rejected;
//! - every referenced id must be in the ledger or in this import (forward references are checked
//!   when the input ends), with a type the field allows;
//! - the same id twice with different content, or an identical event without id twice, is
//!   rejected naming both lines.
//!
//! The import's own leaf (`{"type":"import", ..., "records": N}`) comes **first** in the log, yet N
//! is known only at the end. So the importer reserves index `base` for it, appends the records
//! after it, and computes the tree rows for the whole import at the end, from leaf hashes spilled
//! to a temporary file: memory stays flat however large the input.
//!
//! Without `--keep-going` any rejection rolls the whole transaction back; every error is still
//! listed. With it, a record rejected only after it was appended (a forward reference that never
//! came, a conflicting later copy) cannot be cut out of the middle of the tree, so the importer
//! rolls back to the start of the pass and replays the input without the rejected lines; records
//! that refer to them are then rejected in turn. A few passes reach the fixpoint.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

use habeas_ledger::{Checkpoint, Frontier, Hash, Signer, leaf_hash};
use habeas_model::error::Warning;
use habeas_model::personal::encode_kept;
use habeas_model::zone::resolve_times;
use habeas_model::{FieldError, FieldWarning, Parsed, RecordType, parse_ledger_record};
use rand::Rng as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::backend::{CheckpointRow, LeafRow, LogWrite, RecordRow};
use crate::error::{Result, StoreError};
use crate::lookup::TxZones;
use crate::report::{ImportReport, LocatedWarning, MAX_WARNINGS, RejectReason, Rejection};

/// One record of the input, parsed or not, with where it came from.
pub struct InputItem {
    /// Index into [`InputSource::file_names`].
    pub file: u32,
    /// 1-based line (or row) number.
    pub line: u64,
    pub parsed: Result<Parsed, FieldError>,
}

/// The input of an import. It may be read more than once (a `--keep-going` replay).
pub trait InputSource {
    /// Reads the input from its start.
    fn open(&mut self) -> Result<Box<dyn Iterator<Item = Result<InputItem>> + '_>>;
    /// The names of the files, as the import leaf and error messages give them.
    fn file_names(&self) -> Vec<String>;
    /// After a complete read: each file's name and the hex SHA-256 of its bytes.
    fn file_digests(&self) -> Vec<(String, String)>;
}

/// Who imports, when, and how strictly.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    pub keep_going: bool,
    /// Who ran the import (the `by` of its leaf).
    pub by: String,
    /// When, as an RFC 3339 instant (the `at` of its leaf).
    pub at: String,
}

type Loc = (u32, u64);

/// Lines and ids left out of a replay, with the reasons found for them.
#[derive(Default)]
struct Exclusions {
    lines: HashMap<Loc, Rejection>,
    /// Ids of excluded records that were not in the ledger before this import.
    ids: HashSet<String>,
    /// Ids that appear with different content in this import, with the lines.
    conflicted: HashMap<String, Vec<String>>,
}

/// Leaf hashes and input locations of the appended records, in order, in a temporary file.
struct Spill {
    writer: BufWriter<File>,
    count: u64,
}

const SPILL_ENTRY: u64 = 44; // 32-byte hash, u32 file, u64 line

impl Spill {
    fn new() -> Result<Spill> {
        Ok(Spill { writer: BufWriter::with_capacity(1 << 20, tempfile::tempfile()?), count: 0 })
    }

    fn push(&mut self, hash: &Hash, (file, line): Loc) -> Result<()> {
        self.writer.write_all(&hash.0)?;
        self.writer.write_all(&file.to_le_bytes())?;
        self.writer.write_all(&line.to_le_bytes())?;
        self.count += 1;
        Ok(())
    }

    fn loc(&mut self, nth: u64) -> Result<Loc> {
        self.writer.flush()?;
        let mut entry = [0u8; SPILL_ENTRY as usize];
        self.writer.get_ref().read_exact_at(&mut entry, nth * SPILL_ENTRY)?;
        Ok((
            u32::from_le_bytes(entry[32..36].try_into().unwrap_or_default()),
            u64::from_le_bytes(entry[36..44].try_into().unwrap_or_default()),
        ))
    }

    fn into_hashes(mut self) -> Result<impl Iterator<Item = Result<Hash>>> {
        self.writer.flush()?;
        let mut file = self.writer.into_inner().map_err(|e| StoreError::Io(e.into_error()))?;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        Ok((0..self.count).map(move |_| {
            let mut entry = [0u8; SPILL_ENTRY as usize];
            reader.read_exact(&mut entry)?;
            Ok(Hash::from_slice(&entry[..32]).unwrap_or_default())
        }))
    }
}

/// A reference to check once the whole input is in.
struct PendingRef {
    loc: Loc,
    /// The id of the referring record.
    id: String,
    field: String,
    target: String,
    types: &'static [RecordType],
}

/// Types of ids already looked up, so that sources and places cited a million times cost one read.
struct TypeCache(HashMap<String, RecordType>);

impl TypeCache {
    const LIMIT: usize = 500_000;

    fn get(&mut self, tx: &dyn LogWrite, id: &str) -> Result<Option<RecordType>> {
        if let Some(t) = self.0.get(id) {
            return Ok(Some(*t));
        }
        let found = tx.record(id)?.and_then(|row| RecordType::parse(&row.record_type));
        if let Some(t) = found {
            self.insert(id, t);
        }
        Ok(found)
    }

    fn insert(&mut self, id: &str, t: RecordType) {
        if self.0.len() >= Self::LIMIT {
            self.0.clear();
        }
        self.0.insert(id.to_string(), t);
    }
}

/// The work of one pass over the input.
struct Pass<'t, 'x> {
    tx: &'t mut dyn LogWrite,
    names: &'x [String],
    excluded: &'x Exclusions,
    base: u64,
    next: u64,
    spill: Spill,
    types: TypeCache,
    pending: Vec<PendingRef>,
    /// Records identical to a retracted current version: reinstated at the end unless this
    /// import also retracts them.
    deferred: Vec<(Loc, Parsed)>,
    retracted_here: HashSet<String>,
    rejected_ids: HashSet<String>,
    rejected: Vec<Rejection>,
    /// Rejections of records already appended in this pass (a replay must leave them out),
    /// with their ids.
    late: Vec<(Loc, Rejection, Option<String>)>,
    new_conflicts: HashMap<String, Vec<String>>,
    zone_checks: Vec<(Loc, u64)>,
    warnings: Vec<LocatedWarning>,
    warnings_total: u64,
    appended: u64,
    unchanged: u64,
    salts: rand::rngs::ThreadRng,
}

impl Pass<'_, '_> {
    fn where_(&self, (file, line): Loc) -> String {
        format!("{}:{line}", self.names.get(file as usize).map_or("?", String::as_str))
    }

    fn rejection(&self, loc: Loc, field: &str, reason: RejectReason) -> Rejection {
        let file = self.names.get(loc.0 as usize).cloned().unwrap_or_default();
        Rejection { file, line: loc.1, field: field.to_string(), reason }
    }

    fn reject(&mut self, loc: Loc, field: &str, reason: RejectReason) {
        let rejection = self.rejection(loc, field, reason);
        self.rejected.push(rejection);
    }

    /// Rejects a record that was already appended in this pass.
    fn reject_late(&mut self, loc: Loc, field: &str, reason: RejectReason, id: Option<String>) {
        let rejection = self.rejection(loc, field, reason);
        self.rejected.push(rejection.clone());
        self.late.push((loc, rejection, id));
    }

    fn warn(&mut self, loc: Loc, warning: FieldWarning) {
        self.warnings_total += 1;
        if self.warnings.len() < MAX_WARNINGS {
            let file = self.names.get(loc.0 as usize).cloned().unwrap_or_default();
            self.warnings.push(LocatedWarning { file, line: loc.1, warning });
        }
    }

    fn item(&mut self, item: InputItem) -> Result<()> {
        let loc = (item.file, item.line);
        if let Some(rejection) = self.excluded.lines.get(&loc) {
            self.rejected.push(rejection.clone());
            return Ok(());
        }
        let parsed = match item.parsed {
            Ok(parsed) => parsed,
            Err(err) => {
                let field = err.field.clone();
                self.reject(loc, &field, RejectReason::Invalid(err));
                return Ok(());
            }
        };
        let id = parsed.record.id().to_string();
        let record_type = parsed.record.record_type();
        if let Some(lines) = self.excluded.conflicted.get(&id) {
            let other_lines = lines.iter().filter(|l| **l != self.where_(loc)).cloned().collect();
            self.reject(loc, "id", RejectReason::ConflictingVersions { other_lines });
            return Ok(());
        }

        // References: known now, rejected, or to be checked at the end.
        let mut pending = Vec::new();
        for reference in &parsed.references {
            if reference.target == id {
                continue;
            }
            match self.types.get(&*self.tx, &reference.target)? {
                Some(found) => {
                    if !reference.types.is_empty() && !reference.types.contains(&found) {
                        let reason = RejectReason::WrongType {
                            target: reference.target.clone(),
                            found: found.name().to_string(),
                            allowed: reference.types.to_vec(),
                        };
                        self.reject(loc, &reference.field, reason);
                        self.rejected_ids.insert(id);
                        return Ok(());
                    }
                    if record_type == RecordType::Retraction && found.is_internal() {
                        self.reject(
                            loc,
                            &reference.field,
                            RejectReason::RetractsLedgerRecord { target: reference.target.clone() },
                        );
                        return Ok(());
                    }
                }
                None if self.rejected_ids.contains(&reference.target)
                    || self.excluded.ids.contains(&reference.target) =>
                {
                    self.reject(
                        loc,
                        &reference.field,
                        RejectReason::ReferencesRejected { target: reference.target.clone() },
                    );
                    self.rejected_ids.insert(id);
                    return Ok(());
                }
                None => pending.push(PendingRef {
                    loc,
                    id: id.clone(),
                    field: reference.field.clone(),
                    target: reference.target.clone(),
                    types: reference.types,
                }),
            }
        }

        let digest: [u8; 32] = Sha256::digest(&parsed.canonical).into();
        match self.tx.record(&id)? {
            None => self.append(loc, &parsed, digest, None, pending)?,
            Some(row) if row.record_type != record_type.name() => {
                self.reject(loc, "type", RejectReason::TypeChange { existing: row.record_type });
            }
            Some(row) if row.current > self.base => {
                // Appended earlier in this same import.
                let first = self.spill.loc(row.current - self.base - 1)?;
                if row.digest == Some(digest) && !parsed.derived_id {
                    self.unchanged += 1; // the same record twice: harmless
                } else if row.digest == Some(digest) {
                    self.reject(loc, "", RejectReason::DuplicateEvent { other_line: self.where_(first) });
                } else {
                    let (first_at, this_at) = (self.where_(first), self.where_(loc));
                    self.reject(
                        loc,
                        "id",
                        RejectReason::ConflictingVersions { other_lines: vec![first_at.clone()] },
                    );
                    let reason = RejectReason::ConflictingVersions { other_lines: vec![this_at.clone()] };
                    self.reject_late(first, "id", reason, Some(id.clone()));
                    self.new_conflicts.entry(id).or_default().extend([first_at, this_at]);
                }
            }
            Some(row) => {
                let same = match row.digest {
                    Some(stored) => stored == digest,
                    // Erased: the record can only match as its leaf, commitments and all.
                    None => self.tx.leaf(row.current)?.is_some_and(|leaf| leaf.bytes == parsed.canonical),
                };
                if record_type == RecordType::Retraction
                    && let Some(target) = parsed.record.get("target").and_then(Value::as_str)
                {
                    self.retracted_here.insert(target.to_string());
                }
                if !same {
                    self.append(loc, &parsed, digest, Some(row.current), pending)?;
                } else if row.retracted.is_some() {
                    self.deferred.push((loc, parsed));
                } else {
                    self.unchanged += 1;
                }
            }
        }
        Ok(())
    }

    fn append(
        &mut self,
        loc: Loc,
        parsed: &Parsed,
        digest: [u8; 32],
        prev: Option<u64>,
        pending: Vec<PendingRef>,
    ) -> Result<()> {
        let idx = self.next;
        self.next += 1;
        let record = &parsed.record;
        let salts = &mut self.salts;
        let leaf = record.leaf(&mut || {
            let mut salt = [0u8; 32];
            salts.fill_bytes(&mut salt);
            salt
        });
        self.tx.put_leaf(&LeafRow { idx, prev, bytes: leaf.bytes.clone() })?;
        if !leaf.kept.is_empty() {
            self.tx.put_kept(idx, &encode_kept(&leaf.kept))?;
        }
        let record_type = record.record_type();
        self.tx.put_record(&RecordRow {
            id: record.id().to_string(),
            record_type: record_type.name().to_string(),
            current: idx,
            digest: Some(digest),
            retracted: None,
        })?;
        self.types.insert(record.id(), record_type);
        self.spill.push(&leaf_hash(&leaf.bytes), loc)?;
        if record_type == RecordType::Retraction
            && let Some(target) = record.get("target").and_then(Value::as_str)
        {
            self.retracted_here.insert(target.to_string());
            if let Some(mut row) = self.tx.record(target)? {
                row.retracted = Some(idx);
                self.tx.put_record(&row)?;
            }
        }
        self.pending.extend(pending);
        for warning in &parsed.warnings {
            self.warn(loc, warning.clone());
        }
        if habeas_model::zone::time_fields(record).iter().any(|f| f.spec.needs_zone() && !f.exempt) {
            self.zone_checks.push((loc, idx));
        }
        self.appended += 1;
        Ok(())
    }

    /// Checks what had to wait for the whole input: forward references, reinstatements, zones.
    fn finish(&mut self) -> Result<()> {
        for p in std::mem::take(&mut self.pending) {
            let reason = match self.types.get(&*self.tx, &p.target)? {
                None => RejectReason::UnknownReference { target: p.target.clone() },
                Some(found) if !p.types.is_empty() && !p.types.contains(&found) => RejectReason::WrongType {
                    target: p.target.clone(),
                    found: found.name().to_string(),
                    allowed: p.types.to_vec(),
                },
                Some(_) => continue,
            };
            self.reject_late(p.loc, &p.field, reason, Some(p.id));
        }
        for (loc, parsed) in std::mem::take(&mut self.deferred) {
            if self.retracted_here.contains(parsed.record.id()) {
                self.unchanged += 1;
            } else if let Some(row) = self.tx.record(parsed.record.id())? {
                let digest = Sha256::digest(&parsed.canonical).into();
                self.append(loc, &parsed, digest, Some(row.current), Vec::new())?;
            }
        }
        for (loc, idx) in std::mem::take(&mut self.zone_checks) {
            let Some(leaf) = self.tx.leaf(idx)? else { continue };
            let Ok(value) = serde_json::from_slice::<Value>(&leaf.bytes) else { continue };
            let Ok(parsed) = parse_ledger_record(value) else { continue };
            let flagged: Vec<String> = resolve_times(&parsed.record, &TxZones::new(&*self.tx))
                .into_iter()
                .filter(|t| t.flagged)
                .map(|t| t.path)
                .collect();
            for field in flagged {
                self.warn(loc, FieldWarning { field, warning: Warning::DateInUtc });
            }
        }
        Ok(())
    }
}

/// Runs an import in `tx` and commits it, or leaves `tx` uncommitted and says why.
pub(crate) fn import(
    mut tx: Box<dyn LogWrite + '_>,
    source: &mut dyn InputSource,
    options: &ImportOptions,
    origin: &str,
    signer: &Signer,
) -> Result<ImportReport> {
    let base = tx.tree_size()?;
    let names = source.file_names();
    let mut excluded = Exclusions::default();
    tx.mark()?;
    let (spill, appended, unchanged, rejected, warnings, warnings_total) = loop {
        let mut pass = Pass {
            tx: &mut *tx,
            names: &names,
            excluded: &excluded,
            base,
            next: base + 1,
            spill: Spill::new()?,
            types: TypeCache(HashMap::new()),
            pending: Vec::new(),
            deferred: Vec::new(),
            retracted_here: HashSet::new(),
            rejected_ids: HashSet::new(),
            rejected: Vec::new(),
            late: Vec::new(),
            new_conflicts: HashMap::new(),
            zone_checks: Vec::new(),
            warnings: Vec::new(),
            warnings_total: 0,
            appended: 0,
            unchanged: 0,
            salts: rand::rng(),
        };
        for item in source.open()? {
            pass.item(item?)?;
        }
        pass.finish()?;
        if !options.keep_going || (pass.late.is_empty() && pass.new_conflicts.is_empty()) {
            let Pass { spill, appended, unchanged, rejected, warnings, warnings_total, .. } = pass;
            break (spill, appended, unchanged, rejected, warnings, warnings_total);
        }
        // Leave out what was rejected after being appended, and replay.
        let late = std::mem::take(&mut pass.late);
        let conflicts = std::mem::take(&mut pass.new_conflicts);
        drop(pass);
        tx.rollback_to_mark()?;
        for (loc, rejection, id) in late {
            excluded.lines.insert(loc, rejection);
            if let Some(id) = id
                && tx.record(&id)?.is_none()
            {
                excluded.ids.insert(id);
            }
        }
        for (id, lines) in conflicts {
            excluded.conflicted.entry(id).or_default().extend(lines);
        }
    };

    let mut rejected = rejected;
    rejected.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    rejected.dedup();
    let unwritten = |appended, unchanged, rejected, tx: Box<dyn LogWrite + '_>| -> Result<ImportReport> {
        let root = habeas_ledger::tree_root(base, &crate::lookup::Hashes(&*tx))?;
        Ok(ImportReport {
            appended,
            unchanged,
            rejected,
            warnings: warnings.clone(),
            warnings_total,
            committed: false,
            size: base,
            root,
        })
    };
    if (!rejected.is_empty() && !options.keep_going) || appended == 0 {
        // Nothing lands: the transaction is dropped, not committed.
        return unwritten(0, unchanged, rejected, tx);
    }

    // The import's own leaf, now that its record count is known.
    let files: Vec<Value> = source
        .file_digests()
        .into_iter()
        .map(|(name, sha256)| json!({"name": name, "sha256": sha256}))
        .collect();
    let import =
        json!({"type": "import", "at": options.at, "by": options.by, "files": files, "records": appended});
    let parsed = parse_ledger_record(import).map_err(|e| StoreError::Input(format!("import record: {e}")))?;
    let import_leaf = parsed.record.leaf(&mut || [0; 32]).bytes;
    tx.put_leaf(&LeafRow { idx: base, prev: None, bytes: import_leaf.clone() })?;
    tx.put_record(&RecordRow {
        id: parsed.record.id().to_string(),
        record_type: "import".into(),
        current: base,
        digest: Some(Sha256::digest(&parsed.canonical).into()),
        retracted: None,
    })?;

    let mut frontier = Frontier::load(base, &crate::lookup::Hashes(&*tx))?;
    tx.put_tree_row(base, &frontier.push(leaf_hash(&import_leaf)))?;
    for (idx, hash) in (base + 1..).zip(spill.into_hashes()?) {
        tx.put_tree_row(idx, &frontier.push(hash?))?;
    }
    let size = frontier.tree_size();
    let root = frontier.root();
    sign_checkpoint(&mut *tx, origin, signer, size, root)?;
    tx.commit()?;
    Ok(ImportReport { appended, unchanged, rejected, warnings, warnings_total, committed: true, size, root })
}

/// Signs the checkpoint of the tree as it now stands and stores it.
pub(crate) fn sign_checkpoint(
    tx: &mut dyn LogWrite,
    origin: &str,
    signer: &Signer,
    size: u64,
    root: Hash,
) -> Result<()> {
    if signer.name() != origin {
        return Err(StoreError::Key(format!(
            "the key signs for {:?}, but this ledger is {origin:?}; use the key made by `habeas init` for it",
            signer.name()
        )));
    }
    let checkpoint = Checkpoint { origin: origin.to_string(), tree_size: size, root, extensions: vec![] };
    let note = checkpoint.sign(signer).map_err(|e| StoreError::Key(e.to_string()))?;
    tx.put_checkpoint(&CheckpointRow { size, note })
}
