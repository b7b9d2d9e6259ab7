//! What an import reports: how many records were appended or unchanged, and each rejected
//! record with its file, line, field and reason, in English or Spanish.

use std::fmt;

use habeas_ledger::Hash;
use habeas_model::{FieldError, FieldWarning, Lang, Localized, RecordType};

/// Why a record was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The record itself is invalid.
    Invalid(FieldError),
    /// It refers to an id the ledger does not hold (nor does this import).
    UnknownReference { target: String },
    /// It refers to a record of a type the field does not allow.
    WrongType { target: String, found: String, allowed: Vec<RecordType> },
    /// It refers to a record of this import that was itself rejected, at `at` (`file:line`).
    ReferencesRejected { target: String, at: String },
    /// Its id is already used by a record of another type.
    TypeChange { existing: String },
    /// The same id appears with different content elsewhere in this import.
    ConflictingVersions { other_lines: Vec<String> },
    /// An identical event without id appears elsewhere in this import.
    DuplicateEvent { other_line: String },
    /// A retraction of a record the ledger wrote itself.
    RetractsLedgerRecord { target: String },
}

impl Localized for RejectReason {
    fn message(&self, lang: Lang) -> String {
        match self {
            RejectReason::Invalid(err) => err.problem.message(lang),
            RejectReason::UnknownReference { target } => format!(
                "{} {target:?}; {}",
                lang.pick("refers to unknown id", "hace referencia a un id desconocido"),
                lang.pick(
                    "import the record it refers to first, or in the same import",
                    "importe antes el registro al que se refiere, o en la misma importación"
                )
            ),
            RejectReason::WrongType { target, found, allowed } => format!(
                "{target:?} {} {found}, {} {}",
                lang.pick("is a", "es un registro"),
                lang.pick("expected", "se esperaba"),
                allowed.iter().map(|t| t.name()).collect::<Vec<_>>().join(lang.pick(" or ", " o "))
            ),
            RejectReason::ReferencesRejected { target, at } => format!(
                "{} {target:?}, {} ({at})",
                lang.pick("refers to", "hace referencia a"),
                lang.pick("which was rejected in this import", "que fue rechazado en esta importación")
            ),
            RejectReason::TypeChange { existing } => format!(
                "{} {existing}; {}",
                lang.pick("this id is already a", "este id ya es un registro"),
                lang.pick(
                    "a record cannot change type (use a new id)",
                    "un registro no puede cambiar de tipo (use un id nuevo)"
                )
            ),
            RejectReason::ConflictingVersions { other_lines } => format!(
                "{} {}; {}",
                lang.pick("the same id with different content at", "el mismo id con otro contenido en"),
                other_lines.join(", "),
                lang.pick("neither was imported: keep one", "no se importó ninguno: conserve uno")
            ),
            RejectReason::DuplicateEvent { other_line } => format!(
                "{} {other_line}; {}",
                lang.pick("identical event without id also at", "evento idéntico sin id también en"),
                lang.pick(
                    "if they are two events, give each an id",
                    "si son dos eventos, dé un id a cada uno"
                )
            ),
            RejectReason::RetractsLedgerRecord { target } => format!(
                "{target:?} {}",
                lang.pick(
                    "was written by the ledger and cannot be retracted",
                    "fue escrito por el propio registro y no se puede retirar"
                )
            ),
        }
    }
}

/// A rejected record: where it is and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub file: String,
    /// Which of the import's files, by its place among them: two files of the same name (from
    /// two folders) have the same `file`.
    pub file_index: u32,
    pub line: u64,
    /// The field at fault, by its path in the record; empty for the record as a whole.
    pub field: String,
    pub reason: RejectReason,
}

impl Rejection {
    pub fn message(&self, lang: Lang) -> String {
        let field = if self.field.is_empty() { String::new() } else { format!(" {}", self.field) };
        format!("{}:{}:{field}: {}", self.file, self.line, self.reason.message(lang))
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// A warning with its place in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocatedWarning {
    pub file: String,
    pub line: u64,
    pub warning: FieldWarning,
}

/// The outcome of an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportReport {
    /// Records appended (the import's own leaf not counted).
    pub appended: u64,
    pub unchanged: u64,
    pub rejected: Vec<Rejection>,
    /// The first warnings (at most [`MAX_WARNINGS`]); `warnings_total` counts them all.
    pub warnings: Vec<LocatedWarning>,
    pub warnings_total: u64,
    /// Whether anything was written (false when rejected without `--keep-going`, or nothing new).
    pub committed: bool,
    pub size: u64,
    pub root: Hash,
}

/// How many warnings an import report lists one by one.
pub const MAX_WARNINGS: usize = 1000;
