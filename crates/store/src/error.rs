//! Errors of the store, as types: what the caller can act on, and the backend's own words for
//! the rest.

use std::fmt;
use std::path::PathBuf;

use habeas_model::{Lang, Localized};

#[derive(Debug)]
#[non_exhaustive]
pub enum StoreError {
    /// No record with this id, or no leaf with this index.
    NotFound(String),
    /// A write would break a rule of the ledger (`constraint` says which).
    Conflict {
        constraint: String,
    },
    /// `init` refuses to overwrite an existing file.
    Exists(PathBuf),
    /// The file is not a habeas ledger, or one of a format this version does not read.
    NotALedger(String),
    /// Something this build cannot do (a copy of a PostgreSQL ledger, a table format it reads
    /// without).
    Unsupported(String),
    /// The database server could not be reached, or its connection was lost: nothing about the
    /// ledger's content, which a [`StoreError::Backend`] error may be.
    Unreachable(String),
    /// Reading the input of an import failed (not a bad record: the file itself).
    Input(String),
    /// Signing failed: a bad key, or a key for another log.
    Key(String),
    /// SQLite found the disk (or the space for temporary files) full. Each write is one
    /// transaction, undone whole, so the ledger is as it was before it. (A full disk met while
    /// writing another file, a `--rejects` list say, is an [`StoreError::Io`] error: the ledger
    /// may have been written by then.)
    Full,
    /// A fault in habeas itself (a thread that stopped on a bug): what it was writing is undone
    /// whole, never committed as if the work were complete.
    Internal(String),
    /// The database said no; its own message.
    Backend(String),
    Io(std::io::Error),
}

impl Localized for StoreError {
    fn message(&self, lang: Lang) -> String {
        match self {
            StoreError::NotFound(what) => format!("{} {what}", lang.pick("not found:", "no encontrado:")),
            StoreError::Conflict { constraint } => {
                format!("{} {constraint}", lang.pick("refused:", "rechazado:"))
            }
            StoreError::Exists(path) => format!(
                "{} {}",
                path.display(),
                lang.pick(
                    "already exists; habeas never overwrites a ledger or a key",
                    "ya existe; habeas nunca sobrescribe un registro ni una clave"
                )
            ),
            StoreError::NotALedger(why) => {
                format!("{} {why}", lang.pick("not a habeas ledger:", "no es un registro de habeas:"))
            }
            StoreError::Unsupported(what) => format!(
                "{} {what}",
                lang.pick("not available in this build:", "no disponible en esta versión:")
            ),
            StoreError::Input(why) => format!("{} {why}", lang.pick("reading input:", "leyendo la entrada:")),
            StoreError::Key(why) => format!("{} {why}", lang.pick("signing key:", "clave de firma:")),
            StoreError::Full => lang
                .pick(
                    "the disk is full (or the space for temporary files): what needed the space was \
                     not written, and the ledger is as it was, nothing half-written. Free some space \
                     and run the command again.",
                    "el disco está lleno (o el espacio para archivos temporales): lo que necesitaba el \
                     espacio no se escribió, y el registro sigue como estaba, sin nada escrito a \
                     medias. Libere espacio y vuelva a ejecutar la orden.",
                )
                .to_string(),
            StoreError::Internal(why) => format!(
                "{} ({why}). {}",
                lang.pick("a fault in habeas stopped this command", "un fallo de habeas detuvo esta orden"),
                lang.pick(
                    "What it was writing was undone whole; the ledger is as it was. Please report it.",
                    "Lo que estaba escribiendo se deshizo entero; el registro sigue como estaba. Por favor, \
                     avísenos.",
                )
            ),
            StoreError::Backend(why) => format!("{} {why}", lang.pick("database:", "base de datos:")),
            StoreError::Unreachable(why) => format!(
                "{} {why}",
                lang.pick(
                    "the database server cannot be reached:",
                    "no se puede llegar al servidor de la base de datos:"
                )
            ),
            StoreError::Io(err) => format!("{} {err}", lang.pick("file system:", "sistema de archivos:")),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full,
            _ => StoreError::Backend(err.to_string()),
        }
    }
}

impl From<postgres::Error> for StoreError {
    fn from(err: postgres::Error) -> Self {
        use postgres::error::SqlState;
        match err.code() {
            Some(code) if *code == SqlState::DISK_FULL => StoreError::Full,
            // A lost connection is not a finding about the ledger (verify reports `Backend`
            // errors as damage): say it as the failure to reach the database it is.
            _ if err.is_closed() => StoreError::Unreachable(format!("the connection closed: {err}")),
            // The server ending the session (a restart, an administrator's `pg_terminate_backend`,
            // a shutdown: class 57P) or the connection failing (class 08) says so with an error
            // of its own on the next call, before the connection is seen closed.
            Some(code) if code.code().starts_with("57P") || code.code().starts_with("08") => {
                StoreError::Unreachable(match err.as_db_error() {
                    Some(db) => format!("PostgreSQL: {}", db.message()),
                    None => err.to_string(),
                })
            }
            _ => StoreError::Backend(match err.as_db_error() {
                Some(db) => format!("PostgreSQL: {}", db.message()),
                None => err.to_string(),
            }),
        }
    }
}

impl From<std::io::Error> for StoreError {
    fn from(err: std::io::Error) -> Self {
        StoreError::Io(err)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
