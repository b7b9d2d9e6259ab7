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
//! is known only at the end. So the importer reserves index `base` for it and appends the records
//! after it, computing each leaf's tree row as it goes with a placeholder hash for leaf `base`.
//! Only the nodes above `base` (one per level) depend on it; once the import leaf is written they
//! are recomputed (`fix_up_above`). Memory stays flat however large the input: what the importer
//! keeps per record (its input line, for messages) goes to a temporary file.
//!
//! The reading thread does all it can before a record reaches the database: a [`Prepared`]
//! record carries its content digest, its leaf (salted commitments built) and the leaf's hash,
//! so the database thread only decides and writes.
//!
//! Without `--keep-going` any rejection rolls the whole transaction back; every error is still
//! listed. With it, a record rejected only after it was appended (a forward reference that never
//! came, a conflicting later copy) cannot be cut out of the middle of the tree, so the importer
//! rolls back to the start of the pass and replays the input without the rejected lines; records
//! that refer to them are then rejected in turn. A few passes reach the fixpoint.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

use habeas_ledger::{Checkpoint, Frontier, Hash, Node, Signer, leaf_hash, node_hash};
use habeas_model::error::Warning;
use habeas_model::personal::{decode_kept, leaf_and_kept, reveal};
use habeas_model::time::TimeError;
use habeas_model::zone::resolve_times;
use habeas_model::{
    FieldError, FieldWarning, Parsed, Problem, Record, RecordType, Reference, from_log, parse_ledger_record,
};
use rand::Rng as _;
use rustc_hash::FxHashMap;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::backend::{CheckpointRow, LeafRow, LogWrite, RecordRow};
use crate::error::{Result, StoreError};
use crate::lookup::{Hashes, TxZones};
use crate::report::{ImportReport, LocatedWarning, MAX_WARNINGS, RejectReason, Rejection};

/// One record of the input, parsed or not, with where it came from.
pub struct InputItem {
    /// Index into [`InputSource::file_names`].
    pub file: u32,
    /// 1-based line (or row) number.
    pub line: u64,
    pub parsed: Result<Prepared, FieldError>,
}

/// A record ready for the database: everything that needs no database is done (content digest,
/// leaf with salted commitments, leaf hash), and the parsed JSON is already dropped. Built on the
/// reading thread ([`Prepared::new`]), so that the database thread only decides and writes and
/// never frees what another thread allocated. If the record turns out unchanged, the leaf is
/// dropped unused.
pub struct Prepared {
    pub id: String,
    pub record_type: RecordType,
    /// A retraction's target.
    pub target: Option<String>,
    pub derived_id: bool,
    pub zone_dates: bool,
    /// Some uncertain time's order depends on its zone ([`Parsed::zoned_windows`]).
    pub zoned_windows: bool,
    pub references: Vec<Reference>,
    pub warnings: Vec<FieldWarning>,
    /// SHA-256 of the canonical form with personal values in clear: decides "unchanged".
    pub digest: [u8; 32],
    /// The leaf bytes, with fresh salts for personal values.
    pub leaf: Vec<u8>,
    /// The kept personal values, encoded for storage.
    pub kept: Option<Vec<u8>>,
    pub leaf_hash: Hash,
}

impl Prepared {
    pub fn new(parsed: Parsed) -> Prepared {
        let mut rng = rand::rng();
        let Parsed {
            record,
            canonical,
            references,
            warnings,
            derived_id,
            zone_dates,
            zoned_windows,
            personal,
        } = parsed;
        let digest = Sha256::digest(&canonical).into();
        let (bytes, kept) = leaf_and_kept(
            record.body(),
            &personal,
            &mut || {
                let mut salt = [0u8; 32];
                rng.fill_bytes(&mut salt);
                salt
            },
            canonical,
        );
        let target = match record.record_type() {
            RecordType::Retraction => record.get("target").and_then(Value::as_str).map(str::to_string),
            _ => None,
        };
        Prepared {
            id: record.id().to_string(),
            record_type: record.record_type(),
            target,
            derived_id,
            zone_dates,
            zoned_windows,
            references,
            warnings,
            digest,
            leaf_hash: leaf_hash(&bytes),
            leaf: bytes,
            kept,
        }
    }
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

/// Records and ids left out of a replay, with the reasons found for them.
#[derive(Default)]
struct Exclusions {
    /// By input location and id: a mapped row yields several records at one location, and
    /// only the one rejected is left out (with its own reason).
    records: HashMap<(Loc, String), Rejection>,
    /// Ids of excluded records that were not in the ledger before this import, with where each was.
    ids: HashMap<String, Loc>,
    /// Ids that appear with different content in this import, with the lines.
    conflicted: HashMap<String, Vec<String>>,
}

/// Input locations of the appended records, in order, in a temporary file: read back only to
/// name both lines of a conflict.
struct Spill {
    writer: BufWriter<File>,
}

const SPILL_ENTRY: u64 = 12; // u32 file, u64 line

impl Spill {
    fn new() -> Result<Spill> {
        Ok(Spill { writer: BufWriter::with_capacity(1 << 16, tempfile::tempfile()?) })
    }

    fn push(&mut self, (file, line): Loc) -> Result<()> {
        self.writer.write_all(&file.to_le_bytes())?;
        self.writer.write_all(&line.to_le_bytes())?;
        Ok(())
    }

    fn loc(&mut self, nth: u64) -> Result<Loc> {
        self.writer.flush()?;
        let mut entry = [0u8; SPILL_ENTRY as usize];
        self.writer.get_ref().read_exact_at(&mut entry, nth * SPILL_ENTRY)?;
        let (file, line) = entry.split_at(4);
        let file = u32::from_le_bytes([file[0], file[1], file[2], file[3]]);
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(line);
        Ok((file, u64::from_le_bytes(bytes)))
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
/// Besides ids that something refers to, only entities appended in this import are kept (persons,
/// places, orders: what events refer to); caching every record appended (a string and an entry
/// each, most of them events nothing refers to) had cost more than the lookups it saved, while
/// leaving out the entities cost a lookup in the records view for each person's first event.
struct TypeCache(FxHashMap<String, RecordType>);

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
        if !self.0.contains_key(id) {
            self.0.insert(id.to_string(), t);
        }
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
    /// The tree as appended, with a placeholder for leaf `base` until the import leaf is known.
    frontier: Frontier,
    types: TypeCache,
    pending: Vec<PendingRef>,
    /// Records identical to a retracted current version: reinstated at the end unless this
    /// import also retracts them.
    deferred: Vec<(Loc, Prepared)>,
    retracted_here: HashSet<String>,
    /// Ids of records rejected for what they refer to, with where each was.
    rejected_ids: HashMap<String, Loc>,
    /// Ids of records rejected as invalid, with where each was: a reference to one waits for the
    /// end of the input, as a forward reference does, since a later line may still make it.
    invalid_ids: HashMap<String, Loc>,
    rejected: Vec<Rejection>,
    /// Rejections of records already appended in this pass (a replay must leave them out),
    /// with their ids.
    late: Vec<(Loc, Rejection, Option<String>)>,
    new_conflicts: HashMap<String, Vec<String>>,
    /// Records whose times are looked at again once the whole input is in, when every zone
    /// is known.
    zone_checks: Vec<ZoneCheck>,
    warnings: Vec<LocatedWarning>,
    warnings_total: u64,
    appended: u64,
    unchanged: u64,
}

impl Pass<'_, '_> {
    fn where_(&self, (file, line): Loc) -> String {
        format!("{}:{line}", self.names.get(file as usize).map_or("?", String::as_str))
    }

    fn rejection(&self, loc: Loc, field: &str, reason: RejectReason) -> Rejection {
        let file = self.names.get(loc.0 as usize).cloned().unwrap_or_default();
        Rejection { file, file_index: loc.0, line: loc.1, field: field.to_string(), reason }
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

    /// Checks references: all known and of an allowed type (`Ok(pending)` with those still to
    /// come), or the rejection.
    fn check_references(
        &mut self,
        loc: Loc,
        prepared: &Prepared,
    ) -> Result<Result<Vec<PendingRef>, (String, RejectReason)>> {
        let id = prepared.id.as_str();
        let mut pending = Vec::new();
        for reference in &prepared.references {
            if reference.target == id {
                continue;
            }
            match self.types.get(&*self.tx, &reference.target)? {
                Some(found) if !reference.types.is_empty() && !reference.types.contains(&found) => {
                    let reason = RejectReason::WrongType {
                        target: reference.target.to_string(),
                        found: found.name().to_string(),
                        allowed: reference.types.to_vec(),
                    };
                    return Ok(Err((reference.field.to_string(), reason)));
                }
                Some(found) if prepared.record_type == RecordType::Retraction && found.is_internal() => {
                    let reason = RejectReason::RetractsLedgerRecord { target: reference.target.to_string() };
                    return Ok(Err((reference.field.to_string(), reason)));
                }
                Some(_) => {}
                None if let Some(&at) = self
                    .rejected_ids
                    .get(reference.target.as_str())
                    .or_else(|| self.excluded.ids.get(reference.target.as_str())) =>
                {
                    let reason = RejectReason::ReferencesRejected {
                        target: reference.target.to_string(),
                        at: self.where_(at),
                    };
                    return Ok(Err((reference.field.to_string(), reason)));
                }
                None => pending.push(PendingRef {
                    loc,
                    id: id.to_string(),
                    field: reference.field.to_string(),
                    target: reference.target.to_string(),
                    types: reference.types,
                }),
            }
        }
        Ok(Ok(pending))
    }

    fn item(&mut self, item: InputItem) -> Result<()> {
        let loc = (item.file, item.line);
        let prepared = match item.parsed {
            Ok(prepared) => prepared,
            Err(err) => {
                // Records that refer to it are told it was rejected, not that it is unknown,
                // unless a later line makes it after all (a mapped import's `if_missing` place).
                if let Some(id) = &err.record {
                    self.invalid_ids.entry(id.clone()).or_insert(loc);
                }
                let field = err.field.clone();
                self.reject(loc, &field, RejectReason::Invalid(err));
                return Ok(());
            }
        };
        if let Some(rejection) = self.excluded.records.get(&(loc, prepared.id.clone())) {
            self.rejected.push(rejection.clone());
            return Ok(());
        }
        let id = prepared.id.clone();
        let record_type = prepared.record_type;
        if let Some(lines) = self.excluded.conflicted.get(&id) {
            let here = self.where_(loc);
            let other_lines = lines.iter().filter(|l| **l != here).cloned().collect();
            self.reject(loc, "id", RejectReason::ConflictingVersions { other_lines });
            return Ok(());
        }
        let pending = match self.check_references(loc, &prepared)? {
            Ok(pending) => pending,
            Err((field, reason)) => {
                self.reject(loc, &field, reason);
                self.rejected_ids.entry(id).or_insert(loc);
                return Ok(());
            }
        };

        // The common case, a new id, costs one write: the row goes in only if the id is new.
        let digest = prepared.digest;
        let new_row = RecordRow {
            id: id.clone(),
            record_type: record_type.name().to_string(),
            current: self.next,
            digest: Some(digest),
            retracted: None,
        };
        if self.tx.insert_record_if_new(&new_row)? {
            return self.append(loc, prepared, None, pending, false);
        }
        let row = self
            .tx
            .record(&id)?
            .ok_or_else(|| StoreError::Backend(format!("{id}: neither new nor found")))?;
        if row.record_type != record_type.name() {
            self.reject(loc, "type", RejectReason::TypeChange { existing: row.record_type });
        } else if row.current > self.base {
            // Appended earlier in this same import.
            let first = self.spill.loc(row.current - self.base - 1)?;
            if row.digest == Some(digest) && !prepared.derived_id {
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
        } else {
            let same = match row.digest {
                Some(stored) => stored == digest,
                // Erased: the record can only match as its leaf, commitments and all (a record
                // with values in clear gets fresh salts, so its leaf differs: a new version).
                None => self.tx.leaf(row.current)?.is_some_and(|leaf| leaf.bytes == prepared.leaf),
            };
            if let Some(target) = &prepared.target {
                self.retracted_here.insert(target.clone());
            }
            if !same {
                self.append(loc, prepared, Some(row.current), pending, true)?;
            } else if row.retracted.is_some() {
                self.deferred.push((loc, prepared));
            } else {
                self.unchanged += 1;
            }
        }
        Ok(())
    }

    /// Appends a prepared record at the next index. `write_row` unless its records-view row was
    /// already inserted (a new id).
    fn append(
        &mut self,
        loc: Loc,
        prepared: Prepared,
        prev: Option<u64>,
        pending: Vec<PendingRef>,
        write_row: bool,
    ) -> Result<()> {
        let idx = self.next;
        self.next += 1;
        let Prepared {
            id,
            record_type,
            target,
            zone_dates,
            zoned_windows,
            warnings,
            digest,
            leaf,
            kept,
            leaf_hash,
            ..
        } = prepared;
        if zone_dates || zoned_windows {
            let id = zoned_windows.then(|| id.clone());
            self.zone_checks.push(ZoneCheck { loc, idx, warn_utc: zone_dates, order_of: id });
        }
        let tree_row = self.frontier.push(leaf_hash);
        self.tx.put_leaf(&LeafRow { idx, prev, bytes: leaf }, &tree_row)?;
        if let Some(kept) = kept {
            self.tx.put_kept(idx, &kept)?;
        }
        if write_row {
            let row = RecordRow {
                id: id.clone(),
                record_type: record_type.name().to_string(),
                current: idx,
                digest: Some(digest),
                retracted: None,
            };
            self.tx.put_record(&row)?;
        }
        self.spill.push(loc)?;
        if !record_type.is_event() {
            self.types.insert(&id, record_type);
        }
        if let Some(target) = target {
            if let Some(mut row) = self.tx.record(&target)? {
                row.retracted = Some(idx);
                self.tx.put_record(&row)?;
            }
            self.retracted_here.insert(target);
        }
        self.pending.extend(pending);
        for warning in warnings {
            self.warn(loc, warning);
        }
        self.appended += 1;
        Ok(())
    }

    /// The record at `idx` as appended in this pass, its personal values put back (a record may
    /// list a time as personal); `None` if it does not read back, which `verify` would report.
    fn record_in_clear(&self, idx: u64) -> Result<Option<Record>> {
        let Some(leaf) = self.tx.leaf(idx)? else { return Ok(None) };
        let kept = match self.tx.kept(idx)? {
            Some(data) => match decode_kept(&data) {
                Ok(kept) => kept,
                Err(_) => return Ok(None),
            },
            None => Vec::new(),
        };
        Ok(reveal(&leaf.bytes, &kept).ok().and_then(from_log))
    }

    /// Checks what had to wait for the whole input: forward references, reinstatements, zones.
    fn finish(&mut self) -> Result<()> {
        for p in std::mem::take(&mut self.pending) {
            let reason = match self.types.get(&*self.tx, &p.target)? {
                None if let Some(&at) =
                    self.rejected_ids.get(&p.target).or_else(|| self.invalid_ids.get(&p.target)) =>
                {
                    RejectReason::ReferencesRejected { target: p.target.clone(), at: self.where_(at) }
                }
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
        for (loc, prepared) in std::mem::take(&mut self.deferred) {
            if self.retracted_here.contains(&prepared.id) {
                self.unchanged += 1;
            } else if let Some(row) = self.tx.record(&prepared.id)? {
                self.append(loc, prepared, Some(row.current), Vec::new(), true)?;
            }
        }
        for check in std::mem::take(&mut self.zone_checks) {
            let Some(record) = self.record_in_clear(check.idx)? else { continue };
            for time in resolve_times(&record, &TxZones::new(&*self.tx)) {
                if let Some(id) = &check.order_of
                    && time.interval.earliest > time.interval.latest
                {
                    let read_in = time.zone.iana_name().unwrap_or("UTC").to_string();
                    let error = FieldError::new(
                        time.path.clone(),
                        Problem::Time(TimeError::Reversed { read_in: Some(read_in) }),
                    );
                    self.reject_late(check.loc, &time.path, RejectReason::Invalid(error), Some(id.clone()));
                }
                if check.warn_utc && time.flagged {
                    self.warn(check.loc, FieldWarning { field: time.path, warning: Warning::DateInUtc });
                }
            }
        }
        Ok(())
    }
}

/// A record appended in this pass whose times are looked at once every zone is known.
struct ZoneCheck {
    loc: Loc,
    idx: u64,
    /// Warn of each date read in UTC for want of a zone.
    warn_utc: bool,
    /// Refuse the record (its id) if an uncertain time's `earliest` comes after its `latest`.
    order_of: Option<String>,
}

/// What one complete pass produced.
struct Outcome {
    appended: u64,
    unchanged: u64,
    rejected: Vec<Rejection>,
    warnings: Vec<LocatedWarning>,
    warnings_total: u64,
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
    let before = Frontier::load(base, &Hashes(&*tx))?;
    let mut excluded = Exclusions::default();
    tx.mark()?;
    let outcome = loop {
        let mut frontier = before.clone();
        frontier.push(Hash::default()); // the import leaf's placeholder
        let mut pass = Pass {
            tx: &mut *tx,
            names: &names,
            excluded: &excluded,
            base,
            next: base + 1,
            spill: Spill::new()?,
            frontier,
            types: TypeCache(FxHashMap::default()),
            pending: Vec::new(),
            deferred: Vec::new(),
            retracted_here: HashSet::new(),
            rejected_ids: HashMap::new(),
            invalid_ids: HashMap::new(),
            rejected: Vec::new(),
            late: Vec::new(),
            new_conflicts: HashMap::new(),
            zone_checks: Vec::new(),
            warnings: Vec::new(),
            warnings_total: 0,
            appended: 0,
            unchanged: 0,
        };
        for item in source.open()? {
            pass.item(item?)?;
        }
        pass.finish()?;
        if !options.keep_going || (pass.late.is_empty() && pass.new_conflicts.is_empty()) {
            let Pass { appended, unchanged, rejected, warnings, warnings_total, .. } = pass;
            break Outcome { appended, unchanged, rejected, warnings, warnings_total };
        }
        // Leave out what was rejected after being appended, and replay.
        let late = std::mem::take(&mut pass.late);
        let conflicts = std::mem::take(&mut pass.new_conflicts);
        drop(pass);
        tx.rollback_to_mark()?;
        for (loc, rejection, id) in late {
            if let Some(id) = &id {
                excluded.records.insert((loc, id.clone()), rejection);
            }
            if let Some(id) = id
                && tx.record(&id)?.is_none()
            {
                excluded.ids.entry(id).or_insert(loc);
            }
        }
        for (id, lines) in conflicts {
            excluded.conflicted.entry(id).or_default().extend(lines);
        }
    };

    let Outcome { appended, unchanged, mut rejected, warnings, warnings_total } = outcome;
    rejected.sort_by_key(|r| (r.file_index, r.line));
    rejected.dedup();
    if (!rejected.is_empty() && !options.keep_going) || appended == 0 {
        // Nothing lands: the transaction is dropped, not committed.
        let root = habeas_ledger::tree_root(base, &Hashes(&*tx))?;
        return Ok(ImportReport {
            appended: 0,
            unchanged,
            rejected,
            warnings,
            warnings_total,
            committed: false,
            size: base,
            root,
        });
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
    let mut at_base = before;
    let base_row = at_base.push(leaf_hash(&import_leaf));
    tx.put_leaf(&LeafRow { idx: base, prev: None, bytes: import_leaf }, &base_row)?;
    tx.put_record(&ledger_record_row(&parsed, base))?;
    let size = base + 1 + appended;
    fix_up_above(&mut *tx, base, size, &base_row)?;
    let root = habeas_ledger::tree_root(size, &Hashes(&*tx))?;
    sign_checkpoint(&mut *tx, origin, signer, size, root)?;
    tx.commit()?;
    Ok(ImportReport { appended, unchanged, rejected, warnings, warnings_total, committed: true, size, root })
}

/// Recomputes the nodes above leaf `base`, written with a placeholder hash while the import
/// streamed, now that its row `base_row` is known. There is one such node per level: the hash of
/// the corrected child and of its stored sibling, which does not contain `base` and so is right.
fn fix_up_above(tx: &mut dyn LogWrite, base: u64, size: u64, base_row: &[Hash]) -> Result<()> {
    let mut current = base_row[0];
    for level in 1..64u8 {
        let node = Node { level, index: base >> level };
        let row = node.row();
        if row >= size {
            break;
        }
        if row == base {
            // Nodes that end at `base` itself were computed with the real leaf, in `base_row`.
            current = base_row[level as usize];
            continue;
        }
        let child = Node { level: level - 1, index: base >> (level - 1) };
        let sibling = Node { level: level - 1, index: child.index ^ 1 };
        let sibling_hash = tx.read_hashes(&[sibling])?[0];
        current = if child.index & 1 == 0 {
            node_hash(&current, &sibling_hash)
        } else {
            node_hash(&sibling_hash, &current)
        };
        let mut stored = tx.tree_row(row)?.ok_or_else(|| StoreError::NotFound(format!("tree row {row}")))?;
        if let Some(slot) = stored.get_mut(level as usize) {
            *slot = current;
        }
        tx.update_tree_row(row, &stored)?;
    }
    Ok(())
}

/// The records-view row of a record the ledger writes itself (`import`, `erasure`) at `idx`.
pub(crate) fn ledger_record_row(parsed: &Parsed, idx: u64) -> RecordRow {
    RecordRow {
        id: parsed.record.id().to_string(),
        record_type: parsed.record.record_type().name().to_string(),
        current: idx,
        digest: Some(Sha256::digest(&parsed.canonical).into()),
        retracted: None,
    }
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

/// Input held in memory for the crate's unit tests.
#[cfg(test)]
pub(crate) mod in_memory {
    use super::{InputItem, InputSource, Prepared};
    use crate::error::Result;

    /// One file of JSON Lines; blank lines and `//` comments are skipped, as the JSON Lines
    /// reader skips them.
    pub(crate) struct Text(pub &'static str);

    impl InputSource for Text {
        fn open(&mut self) -> Result<Box<dyn Iterator<Item = Result<InputItem>> + '_>> {
            let lines = self.0.lines().enumerate();
            Ok(Box::new(lines.filter(|(_, l)| !l.trim().is_empty() && !l.starts_with("//")).map(
                |(i, line)| {
                    let parsed = habeas_model::parse_line(line).map(Prepared::new);
                    Ok(InputItem { file: 0, line: i as u64 + 1, parsed })
                },
            )))
        }

        fn file_names(&self) -> Vec<String> {
            vec!["case.jsonl".into()]
        }

        fn file_digests(&self) -> Vec<(String, String)> {
            vec![("case.jsonl".into(), "00".repeat(32))]
        }
    }
}
