//! The command line's flags, as `../shared/spec/cli.md` lists them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "habeas",
    version,
    about = "A custody and due-process ledger: facts with sources, in a tamper-evident log."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after the command.
#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The ledger: a file path for the embedded store, or a postgres:// URL (TLS as psql reads it: ?sslmode=verify-full&sslrootcert=CA.pem) [default: $HABEAS_DB, else ./habeas.db]
    #[arg(long, global = true, value_name = "LOCATION")]
    pub db: Option<String>,
    /// The log's private signing key, kept outside the database [default: $HABEAS_KEY, else LOCATION.key; required with a postgres:// URL]
    #[arg(long, global = true, value_name = "PATH")]
    pub key: Option<PathBuf>,
    /// The public key verify trusts, as a file or a key string [default: LOCATION.pub; with a postgres:// URL, KEY with .pub for its extension]
    #[arg(long = "verifier-key", global = true, value_name = "FILE|STRING")]
    pub verifier_key: Option<String>,
    /// Language of messages: en or es [default: from the locale]
    #[arg(long, global = true, value_name = "en|es")]
    pub lang: Option<String>,
    /// Time zone for times typed on the command line and shown in output [default: each place's own]
    #[arg(long, global = true, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Print one JSON document on stdout and nothing else there
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty ledger, its signing key and LOCATION.pub (never overwrites)
    Init {
        /// The log's name, carried by every checkpoint [default: habeas.local/<file name>]
        // The line above is `--help` text, where `<file name>` is a placeholder, not HTML.
        #[allow(rustdoc::invalid_html_tags)]
        #[arg(long)]
        origin: Option<String>,
    },
    /// Build a ledger from the shipped example case in a scratch folder and walk through it
    Demo {
        /// Folder to build it in [default: a new folder under the system's temporary folder]
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Append the records of JSON Lines files (- for stdin), or of CSV, XLSX and Parquet files
    /// through a mapping, in one transaction
    Import {
        /// Files to import
        #[arg(required = true)]
        files: Vec<String>,
        /// Land the good records and leave out the rejected ones and those that refer to them
        #[arg(long)]
        keep_going: bool,
        /// Write each rejected record, with its file, line, field and error, as JSON Lines
        #[arg(long, value_name = "FILE")]
        rejects: Option<PathBuf>,
        /// Input format [default: jsonl; with --mapping, the mapping's format or the files' extension]
        #[arg(long, value_parser = ["jsonl", "csv", "xlsx", "parquet"])]
        format: Option<String>,
        /// Mapping file for csv, xlsx and parquet (docs/importing.md; examples/mappings/)
        #[arg(long, value_name = "MAP.toml")]
        mapping: Option<PathBuf>,
        /// Who is importing [default: $HABEAS_USER, else $USER]
        #[arg(long)]
        by: Option<String>,
        /// No progress bar, even on a terminal
        #[arg(long)]
        no_progress: bool,
    },
    /// Recompute every hash, check every signature and personal value; exit 1 on any difference
    Verify {
        /// A checkpoint kept elsewhere (saved or published): catches a log rolled back
        #[arg(long, value_name = "FILE")]
        trusted: Option<PathBuf>,
    },
    /// Print the latest signed checkpoint (C2SP signed note)
    Checkpoint,
    /// Inclusion proof of a record's current version, or of any leaf, or a consistency proof
    Proof {
        /// The record's id
        #[arg(required_unless_present_any = ["index", "consistency", "check"])]
        id: Option<String>,
        /// Prove leaf N instead (an older version, a retracted record)
        #[arg(long, value_name = "N", conflicts_with = "id")]
        index: Option<u64>,
        /// Prove that the tree of OLD_SIZE leaves is a prefix of the latest checkpoint's
        #[arg(long, value_name = "OLD_SIZE", conflicts_with_all = ["id", "index"])]
        consistency: Option<u64>,
        /// Check a proof someone handed you (the output of `proof --json`, - for stdin) with the
        /// verifier key alone; no ledger needed
        #[arg(long, value_name = "FILE", conflicts_with_all = ["id", "index", "consistency"])]
        check: Option<PathBuf>,
        /// With --check of a consistency proof: the older checkpoint you kept
        #[arg(long, value_name = "FILE", requires = "check")]
        trusted: Option<PathBuf>,
    },
    /// Delete the personal values of a record for good; the log and every proof stay valid
    Erase {
        id: String,
        /// Why (kept in the log)
        #[arg(long, required = true)]
        reason: String,
        /// Who is erasing [default: $HABEAS_USER, else $USER]
        #[arg(long)]
        by: Option<String>,
    },
    /// The custody timeline of a person or cohort, with gaps shown
    Timeline {
        id: String,
        /// Valid time: the timeline as it stood at this instant (RFC 3339, or a date read in --tz)
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        /// System time: what the ledger held at this instant
        #[arg(long, value_name = "TIME")]
        known_at: Option<String>,
    },
    /// Find persons by name (accents, order, particles, typos and nicknames forgiven) or identifier
    Locate {
        query: String,
        /// Birth date (1990, 1990-05 or 1990-05-01): a year more than one off is left out
        #[arg(long)]
        born: Option<String>,
        /// Nationality (ISO code): others are left out
        #[arg(long)]
        nationality: Option<String>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Valid time: each candidate's status as it stood then
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        /// System time: what the ledger held then
        #[arg(long, value_name = "TIME")]
        known_at: Option<String>,
    },
    /// Population of a place over time against its capacity, from timelines and population records
    Occupancy {
        /// A place id, or its name as written anywhere (aliases, codes and town forgiven)
        place: String,
        /// First day (a date is the place's own day; default: the first evidence)
        #[arg(long, value_name = "DAY")]
        from: Option<String>,
        /// Last day (default: the last evidence, or today while someone is held there)
        #[arg(long, value_name = "DAY")]
        to: Option<String>,
        /// Valid time: the timelines as they stood then; the series ends that day
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        /// System time: what the ledger held then
        #[arg(long, value_name = "TIME")]
        known_at: Option<String>,
    },
    /// Check custody against court orders, the law and minimum standards: findings with their readings
    Check {
        /// Only this rule (repeatable); see docs/rules.md for the list
        #[arg(long = "rule", value_name = "RULE")]
        rules: Vec<String>,
        /// Valid time: spans still open end here (default: now)
        #[arg(long, value_name = "TIME")]
        as_of: Option<String>,
        /// System time: what the ledger held at this instant
        #[arg(long, value_name = "TIME")]
        known_at: Option<String>,
        /// Also list what each rule evaluated and cleared, with the reason
        #[arg(long)]
        explain: bool,
        /// Exit 1 when a finding of this outcome or a more serious one exists
        #[arg(long, value_name = "OUTCOME")]
        fail_on: Option<String>,
        /// A TOML file of rule parameters (defaults in docs/rules.md)
        #[arg(long, value_name = "FILE")]
        policy: Option<std::path::PathBuf>,
    },
    /// Suggest pairs of person records that may be one person, with the evidence for each
    Dedupe {
        /// Leave out pairs scoring below this (0 to 1)
        #[arg(long, default_value_t = 0.5)]
        min_score: f64,
    },
    /// Rebuild every view from the log and show that they come out identical
    Rebuild,
    /// Print the current records as JSON Lines (re-importable), or one type as CSV
    Export {
        /// Only records of this type
        #[arg(long = "type", value_name = "TYPE")]
        record_type: Option<String>,
        /// jsonl, or csv for a spreadsheet (a cell it would run as a formula gets a ' before it)
        #[arg(long, default_value = "jsonl", value_parser = ["jsonl", "csv"])]
        format: String,
        /// Write to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Copy the whole ledger (log, checkpoints, personal values, accounts, audit trail) to a new
    /// file, safely while a server writes, and verify the copy; the signing key is not copied
    Backup {
        /// The new file (refused if it exists); the verifier key is written beside it as FILE.pub
        #[arg(value_name = "FILE")]
        dest: PathBuf,
    },
    /// Serve the HTTP API and the web pages (Spanish and English) for the accounts of `habeas user`
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// Public counts below this are shown as "fewer than N"
        #[arg(long, default_value_t = 5, value_name = "N")]
        public_min_count: u64,
        /// Clients reach the server through HTTPS (a proxy in front): mark cookies Secure and send HSTS
        #[arg(long)]
        behind_tls: bool,
        /// Serve without the signing key: nothing can be imported through the server
        #[arg(long)]
        read_only: bool,
        /// Do not run the checks in the background (no findings shown): for ledgers too large to check in memory
        #[arg(long)]
        no_check: bool,
        /// The largest import a request may upload, in megabytes (written to a temporary file as it arrives)
        #[arg(long, default_value_t = 1024, value_name = "MB")]
        max_upload_mb: u64,
    },
    /// Accounts of the server: add, grant a person to a family account, revoke, make an API token, list
    #[command(subcommand)]
    User(UserCommand),
    /// List the server's audit trail (who read or wrote which records, when) and check its hash chain
    Audit {
        /// Only entries at or after this time
        #[arg(long, value_name = "TIME")]
        since: Option<String>,
        /// Only this account's entries
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// Only entries that read or wrote this record
        #[arg(long, value_name = "ID")]
        record: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account; the password is read from standard input (one line) or $HABEAS_PASSWORD
    Add {
        name: String,
        /// admin (accounts, keys), editor (writes records), viewer (reads all but sealed), family (only granted persons)
        #[arg(long, value_parser = ["admin", "editor", "viewer", "family"])]
        role: String,
    },
    /// Let a family account see a person
    Grant {
        name: String,
        #[arg(long, value_name = "ID")]
        person: String,
    },
    /// Take one person back from an account, or (without --person) remove the account, its grants and tokens
    Revoke {
        name: String,
        #[arg(long, value_name = "ID")]
        person: Option<String>,
    },
    /// Make an API token for an account (shown once; scripts send it as `Authorization: Bearer`)
    Token {
        name: String,
        /// What the token is for
        #[arg(long, default_value = "script")]
        label: String,
    },
    /// List the accounts, their roles and grants
    List,
}
