//! What every command needs to know: where the ledger and its keys are, who runs it, in which
//! language, what time it is, and how to report.

use std::fmt;
use std::path::PathBuf;

use habeas_ledger::{Signer, Verifier};
use habeas_model::{Lang, Localized};
use habeas_store::{Ledger, Location, StoreError};

/// A failure of the command itself (exit 2): usage, environment, unreadable files.
#[derive(Debug)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a command that ran ended: 0, or 1 when it found what it guards against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Clean,
    Found,
}

pub type CmdResult = Result<Outcome, Failure>;

pub struct Context {
    pub db: String,
    pub key: PathBuf,
    pub verifier_key: Option<String>,
    pub lang: Lang,
    pub json: bool,
    /// `--tz`: the zone of times typed on the command line and, when given, of times shown.
    pub tz: Option<jiff::tz::TimeZone>,
}

impl Context {
    pub fn new(global: &crate::flags::Global) -> Result<Context, Failure> {
        let lang = match &global.lang {
            Some(code) => Lang::parse(code).ok_or_else(|| Failure(format!("--lang {code}: use en or es")))?,
            None => Lang::from_env(),
        };
        let db = global
            .db
            .clone()
            .or_else(|| std::env::var("HABEAS_DB").ok().filter(|v| !v.is_empty()))
            .unwrap_or_else(|| "habeas.db".to_string());
        let key = global
            .key
            .clone()
            .or_else(|| std::env::var("HABEAS_KEY").ok().filter(|v| !v.is_empty()).map(PathBuf::from))
            .unwrap_or_else(|| match Location::parse(&db) {
                Location::Sqlite(_) => PathBuf::from(format!("{db}.key")),
                // No file beside a database server: the key must be named (see `signer`).
                Location::Postgres(_) => PathBuf::new(),
            });
        if let Some(zone) = &global.tz
            && habeas_model::time::parse_zone(zone).is_none()
        {
            return Err(Failure(format!(
                "--tz {zone}: {}",
                lang.pick(
                    "not an IANA time zone (e.g. America/El_Salvador)",
                    "no es una zona horaria IANA (p. ej. America/El_Salvador)"
                )
            )));
        }
        let tz = global.tz.as_deref().and_then(habeas_model::time::parse_zone);
        Ok(Context { db, key, verifier_key: global.verifier_key.clone(), lang, json: global.json, tz })
    }

    pub fn t<'a>(&self, en: &'a str, es: &'a str) -> &'a str {
        self.lang.pick(en, es)
    }

    pub fn store_failure(&self, err: StoreError) -> Failure {
        Failure(err.message(self.lang))
    }

    pub fn location(&self) -> Location {
        Location::parse(&self.db)
    }

    pub fn open(&self) -> Result<Ledger, Failure> {
        Ledger::open(&self.location()).map_err(|e| match e {
            StoreError::NotFound(_) => Failure(format!(
                "{}: {} {}",
                self.shown_db(),
                self.t("no ledger here;", "no hay un registro aquí;"),
                self.t(
                    "create one with `habeas init`, or pass --db",
                    "cree uno con `habeas init`, o indique --db"
                )
            )),
            other => self.store_failure(other),
        })
    }

    /// Where the ledger's public key is kept by default: `LOCATION.pub` beside a ledger file;
    /// for a PostgreSQL ledger, beside its signing key (`KEY` with `.pub` for its extension).
    pub fn pub_path(&self) -> String {
        match self.location() {
            Location::Sqlite(_) => format!("{}.pub", self.db),
            Location::Postgres(_) => self.key.with_extension("pub").display().to_string(),
        }
    }

    /// The ledger's location as messages show it: a PostgreSQL URL without its password.
    pub fn shown_db(&self) -> String {
        match self.location() {
            Location::Sqlite(_) => self.db.clone(),
            Location::Postgres(url) => habeas_store::postgres::without_password(&url),
        }
    }

    /// Refuses a PostgreSQL ledger with no signing key named: unlike a ledger file, a database
    /// has no place beside it for one.
    pub fn key_named(&self) -> Result<(), Failure> {
        if self.key.as_os_str().is_empty() {
            return Err(Failure(
                self.t(
                    "a PostgreSQL ledger needs its signing key named: pass --key or set HABEAS_KEY",
                    "un registro en PostgreSQL necesita que se indique su clave de firma: use --key o HABEAS_KEY",
                )
                .into(),
            ));
        }
        Ok(())
    }

    /// Reads the signing key (never stored in the database).
    pub fn signer(&self) -> Result<Signer, Failure> {
        self.key_named()?;
        let text = std::fs::read_to_string(&self.key).map_err(|e| {
            Failure(format!(
                "{}: {e}; {}",
                self.key.display(),
                self.t(
                    "the signing key is needed to write (pass --key or set HABEAS_KEY)",
                    "se necesita la clave de firma para escribir (indique --key o HABEAS_KEY)"
                )
            ))
        })?;
        Signer::parse(&text).map_err(|e| Failure(format!("{}: {e}", self.key.display())))
    }

    /// The public key verify trusts: --verifier-key, else LOCATION.pub. Never the database.
    pub fn verifier(&self) -> Result<Verifier, Failure> {
        let (source, text) = match &self.verifier_key {
            Some(value) if Verifier::parse(value).is_ok() => ("--verifier-key".to_string(), value.clone()),
            Some(path) => {
                (path.clone(), std::fs::read_to_string(path).map_err(|e| Failure(format!("{path}: {e}")))?)
            }
            None => {
                self.key_named()?;
                let path = self.pub_path();
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    Failure(format!(
                        "{path}: {e}; {}",
                        self.t(
                            "checking needs the ledger's public key from outside the database: pass --verifier-key (its .pub file or the key itself)",
                            "comprobar necesita la clave pública del registro desde fuera de la base de datos: indique --verifier-key (su archivo .pub o la clave misma)"
                        )
                    ))
                })?;
                (path, text)
            }
        };
        Verifier::parse(text.trim()).map_err(|e| Failure(format!("{source}: {e}")))
    }
}

impl Context {
    /// Reads a time typed on the command line: an RFC 3339 instant, or a date (the end of that
    /// day) or local date-time read in `--tz` (UTC if none).
    pub fn parse_time(&self, flag: &str, text: &str) -> Result<jiff::Timestamp, Failure> {
        let zone = self.tz.clone().unwrap_or(jiff::tz::TimeZone::UTC);
        if let Some(at) = habeas_model::time::parse_typed(text, &zone) {
            return Ok(at);
        }
        Err(Failure(format!(
            "{flag} {text}: {}",
            self.t(
                "expected an instant (2025-03-16T12:00:00-06:00), a date (2025-03-16) or a local time read in --tz",
                "se esperaba un instante (2025-03-16T12:00:00-06:00), una fecha (2025-03-16) o una hora local leída en --tz"
            )
        )))
    }

    /// An interval shown in `zone` (or `--tz`), with its offset: `2025-03-15 16:26 -05:00`, or
    /// `2025-03-15 23:30 .. 2025-03-16 01:00 -04:00` for a window, or `2025-07-18 (-06:00)` for a
    /// whole day.
    pub fn show_interval(&self, interval: &habeas_model::Interval, zone: Option<&str>) -> String {
        let zone = self
            .tz
            .clone()
            .or_else(|| zone.and_then(habeas_model::time::parse_zone))
            .unwrap_or(jiff::tz::TimeZone::UTC);
        habeas_model::time::show(interval, &zone)
    }
}

/// Now, as an RFC 3339 instant; `HABEAS_NOW` fixes it (tests, reproducible demos).
pub fn now() -> Result<String, Failure> {
    match std::env::var("HABEAS_NOW") {
        Ok(text) if !text.is_empty() => {
            let at: jiff::Timestamp = text.parse().map_err(|e| Failure(format!("HABEAS_NOW={text}: {e}")))?;
            Ok(at.to_string())
        }
        _ => Ok(jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string())),
    }
}

/// Who runs the command: `--by`, `$HABEAS_USER`, `$USER`, `$LOGNAME`.
pub fn who(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| {
            ["HABEAS_USER", "USER", "LOGNAME"]
                .iter()
                .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        })
        .unwrap_or_else(|| "unknown".to_string())
}

/// Prints a JSON document on stdout.
pub fn print_json(value: &serde_json::Value) {
    println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
}
