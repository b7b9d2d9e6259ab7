//! The server's accounts, the persons granted to family accounts, API tokens, and the audit trail.
//!
//! They live beside the log and outside it, in the ledger's file (one file to back up) or its
//! PostgreSQL database, and nothing here can change what the log proves. [`Directory`] is their only door; it stores what
//! it is given (a password arrives already hashed with Argon2id by `habeas-server`, a token as its
//! SHA-256) and knows nothing of HTTP.
//!
//! The audit trail is append-only twice over: the database refuses an `UPDATE` or `DELETE` of
//! its rows (triggers), and each entry's hash covers the hash before it, so a row changed or
//! removed by someone who can write the file breaks the chain ([`Directory::audit_entries`]
//! reports where).

mod conn;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::error::{Result, StoreError};
use crate::ledger::Location;
use crate::postgres::PostgresBackend;
use crate::sqlite::SqliteBackend;
use conn::Param::{Bytes, Text};
use conn::{Cell, Conn};

/// What an account may do (docs/server.md has the whole matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Everything, and accounts and keys.
    Admin,
    /// Writes records; reads everything, sealed records included.
    Editor,
    /// Reads everything that is not sealed.
    Viewer,
    /// Sees only the persons granted to it, and of them only what is safe to show.
    Family,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Viewer, Role::Family];

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
            Role::Family => "family",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == text)
    }
}

/// An account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub role: Role,
    /// The Argon2id PHC string.
    pub password: String,
    pub created: String,
}

/// One entry of the audit trail.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub at: String,
    /// The account, or `-` for a request without one.
    pub account: String,
    pub role: String,
    /// What was done: `read`, `search`, `import`, `proof`, `login`, `login-refused`...
    pub action: String,
    /// The records read or written.
    pub records: Vec<String>,
    /// The request, as `GET /api/persons/p-1`.
    pub request: String,
}

impl AuditEntry {
    /// The stored body: JSON with keys in a fixed order, the bytes the chain hashes.
    fn body(&self) -> String {
        json!({
            "at": self.at,
            "account": self.account,
            "role": self.role,
            "action": self.action,
            "records": self.records,
            "request": self.request,
        })
        .to_string()
    }

    fn from_body(body: &str) -> Option<AuditEntry> {
        let v: Value = serde_json::from_str(body).ok()?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(AuditEntry {
            at: text("at")?,
            account: text("account")?,
            role: text("role")?,
            action: text("action")?,
            records: v
                .get("records")?
                .as_array()?
                .iter()
                .filter_map(|r| r.as_str().map(str::to_string))
                .collect(),
            request: text("request")?,
        })
    }
}

/// The audit trail as read back, and whether its chain holds.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditTrail {
    /// `(sequence number, entry)`, oldest first, those the filter kept.
    pub entries: Vec<(u64, AuditEntry)>,
    /// The first sequence number whose hash does not follow from the entries before it.
    pub broken_at: Option<u64>,
    /// How many entries the trail holds in all.
    pub total: u64,
}

/// Which audit entries to list.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// RFC 3339 instant: entries at or after it.
    pub since: Option<jiff::Timestamp>,
    pub account: Option<String>,
    /// Entries that read or wrote this record.
    pub record: Option<String>,
}

/// The accounts and the audit trail of one ledger.
pub struct Directory {
    conn: Conn,
}

/// The account of the first row of `name, role, password, created`, if any.
fn account_of(rows: Vec<Vec<Cell>>) -> Result<Option<Account>> {
    let Some(row) = rows.into_iter().next() else { return Ok(None) };
    let [name, role, password, created]: [Cell; 4] =
        row.try_into().map_err(|_| StoreError::Backend("accounts: not four columns".into()))?;
    let (name, role) = (name.text(), role.text());
    let role = Role::parse(&role)
        .ok_or_else(|| StoreError::Backend(format!("account {name}: unknown role {role}")))?;
    Ok(Some(Account { name, role, password: password.text(), created: created.text() }))
}

fn chain(prev: &[u8], body: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(prev);
    hasher.update(body.as_bytes());
    hasher.finalize().into()
}

impl Directory {
    /// Opens the directory of the ledger at `location`, creating its tables on first use.
    pub fn open(location: &Location) -> Result<Directory> {
        let conn = match location {
            Location::Sqlite(path) => {
                let conn = SqliteBackend::open(path)?.into_connection();
                conn.execute_batch(include_str!("../sqlite/accounts.sql"))?;
                Conn::Sqlite(conn)
            }
            Location::Postgres(url) => {
                let mut client = PostgresBackend::open(url)?.into_client();
                // Under the directory's lock: two servers starting at once would otherwise both
                // create the function and triggers, and one would fail.
                let mut tx = client.transaction()?;
                tx.execute("SELECT pg_advisory_xact_lock($1)", &[&conn::DIRECTORY_LOCK])?;
                tx.batch_execute(include_str!("../postgres/accounts.sql"))?;
                tx.commit()?;
                Conn::Postgres(Box::new(std::cell::RefCell::new(client)), conn::Prepared::default())
            }
        };
        Ok(Directory { conn })
    }

    /// Whether its connection to the database server was lost for good (the server restarted,
    /// or cut it): known once a call has failed on it. Open the directory again.
    pub fn is_broken(&self) -> bool {
        self.conn.is_broken()
    }

    /// Adds an account; refuses a name already taken.
    pub fn add_account(&mut self, name: &str, role: Role, password_hash: &str, now: &str) -> Result<()> {
        let added = self.conn.execute(
            "INSERT INTO accounts (name, role, password, created) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO NOTHING",
            &[Text(name), Text(role.name()), Text(password_hash), Text(now)],
        )?;
        if added == 0 {
            return Err(StoreError::Conflict { constraint: format!("an account named {name} exists") });
        }
        Ok(())
    }

    /// Replaces an account's password hash.
    pub fn set_password(&mut self, name: &str, password_hash: &str) -> Result<()> {
        let changed = self.conn.execute(
            "UPDATE accounts SET password = $1 WHERE name = $2",
            &[Text(password_hash), Text(name)],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("account {name}")));
        }
        Ok(())
    }

    pub fn account(&self, name: &str) -> Result<Option<Account>> {
        let rows = self
            .conn
            .rows("SELECT name, role, password, created FROM accounts WHERE name = $1", &[Text(name)])?;
        account_of(rows)
    }

    pub fn accounts(&self) -> Result<Vec<Account>> {
        let names = self.conn.rows("SELECT name FROM accounts ORDER BY name", &[])?;
        names.into_iter().filter_map(|row| self.account(&first(row).text()).transpose()).collect()
    }

    /// Lets a family account see a person.
    pub fn grant(&mut self, account: &str, person: &str, now: &str) -> Result<()> {
        self.require(account)?;
        self.conn.execute(
            "INSERT INTO grants (account, person, granted) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            &[Text(account), Text(person), Text(now)],
        )?;
        Ok(())
    }

    /// Takes back one person from an account, or (with `None`) the whole account: its grants,
    /// tokens and the account itself. Returns how many rows went.
    pub fn revoke(&mut self, account: &str, person: Option<&str>) -> Result<usize> {
        self.require(account)?;
        let removed = self.conn.in_transaction(|tx| match person {
            Some(person) => tx.execute(
                "DELETE FROM grants WHERE account = $1 AND person = $2",
                &[Text(account), Text(person)],
            ),
            None => Ok(tx.execute("DELETE FROM grants WHERE account = $1", &[Text(account)])?
                + tx.execute("DELETE FROM tokens WHERE account = $1", &[Text(account)])?
                + tx.execute("DELETE FROM accounts WHERE name = $1", &[Text(account)])?),
        })?;
        Ok(usize::try_from(removed).unwrap_or(usize::MAX))
    }

    /// The persons granted to an account.
    pub fn granted(&self, account: &str) -> Result<Vec<String>> {
        let rows = self
            .conn
            .rows("SELECT person FROM grants WHERE account = $1 ORDER BY person", &[Text(account)])?;
        Ok(rows.into_iter().map(|row| first(row).text()).collect())
    }

    /// Stores a token's digest for an account.
    pub fn add_token(&mut self, account: &str, digest: &[u8; 32], label: &str, now: &str) -> Result<()> {
        self.require(account)?;
        self.conn.execute(
            "INSERT INTO tokens (digest, account, label, created) VALUES ($1, $2, $3, $4)",
            &[Bytes(digest), Text(account), Text(label), Text(now)],
        )?;
        Ok(())
    }

    /// The account a token's digest belongs to: one query (on PostgreSQL, one round trip on
    /// every request that shows a token). Written with a subquery, not a join: SQLite prepares
    /// that join again each time it is given another digest (about 20 µs, measured; a fifth of
    /// a search's processor time on a ledger file).
    pub fn token_account(&self, digest: &[u8; 32]) -> Result<Option<Account>> {
        let rows = self.conn.rows(
            "SELECT name, role, password, created FROM accounts
             WHERE name = (SELECT account FROM tokens WHERE digest = $1)",
            &[Bytes(digest)],
        )?;
        account_of(rows)
    }

    fn require(&self, account: &str) -> Result<Account> {
        self.account(account)?.ok_or_else(|| StoreError::NotFound(format!("account {account}")))
    }

    /// Appends entries to the audit trail in one transaction: durable together when this returns.
    pub fn append_audit(&mut self, entries: &[AuditEntry]) -> Result<()> {
        self.conn.in_transaction(|tx| {
            let last = tx.rows("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?;
            let (mut seq, mut prev) = match last.into_iter().next() {
                Some(row) => {
                    let mut row = row.into_iter();
                    let seq = row.next().and_then(|c| c.int()).unwrap_or(0);
                    (seq, row.next().map(Cell::bytes).unwrap_or_default())
                }
                None => (0, Vec::new()),
            };
            let mut rows = Vec::with_capacity(entries.len());
            for entry in entries {
                let body = entry.body();
                let hash = chain(&prev, &body);
                seq += 1;
                prev = hash.to_vec();
                rows.push(conn::AuditRow { seq, body, hash });
            }
            tx.insert_audit(&rows)
        })
    }

    /// Reads the whole trail, checks its chain, and keeps the entries `filter` asks for.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<AuditTrail> {
        let rows = self.conn.rows("SELECT seq, body, hash FROM audit ORDER BY seq", &[])?;
        let mut prev: Vec<u8> = Vec::new();
        let mut expected_seq = 1u64;
        let mut trail = AuditTrail { entries: Vec::new(), broken_at: None, total: 0 };
        for row in rows {
            let mut row = row.into_iter();
            let seq = row.next().and_then(|c| c.int()).and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
            let body = row.next().map(Cell::text).unwrap_or_default();
            let hash = row.next().map(Cell::bytes).unwrap_or_default();
            trail.total += 1;
            if trail.broken_at.is_none() && (seq != expected_seq || chain(&prev, &body)[..] != hash[..]) {
                trail.broken_at = Some(seq);
            }
            expected_seq = seq + 1;
            prev = hash;
            let Some(entry) = AuditEntry::from_body(&body) else {
                trail.broken_at.get_or_insert(seq);
                continue;
            };
            if keeps(filter, &entry) {
                trail.entries.push((seq, entry));
            }
        }
        Ok(trail)
    }
}

/// The first cell of a row (a row of one column).
fn first(row: Vec<Cell>) -> Cell {
    row.into_iter().next().unwrap_or(Cell::Null)
}

fn keeps(filter: &AuditFilter, entry: &AuditEntry) -> bool {
    if let Some(since) = filter.since {
        match entry.at.parse::<jiff::Timestamp>() {
            Ok(at) if at >= since => {}
            _ => return false,
        }
    }
    if filter.account.as_ref().is_some_and(|a| a != &entry.account) {
        return false;
    }
    if filter.record.as_ref().is_some_and(|r| !entry.records.contains(r)) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What keeps a test's ledger: its folder, or its database on the test server.
    struct Keep {
        _folder: Option<tempfile::TempDir>,
        _database: Option<crate::postgres::testing::TestDatabase>,
    }

    /// The directory of a new ledger: in a file, and (`postgres`) in a database of its own on the
    /// server of `HABEAS_TEST_POSTGRES`.
    fn directory(postgres: bool) -> (Keep, Directory) {
        let verifier = habeas_ledger::Signer::from_seed("test.example/log", [7; 32]).unwrap().verifier();
        let (keep, location) = if postgres {
            let database = crate::postgres::testing::TestDatabase::create();
            let location = Location::Postgres(database.url.clone());
            (Keep { _folder: None, _database: Some(database) }, location)
        } else {
            let dir = tempfile::tempdir().unwrap();
            let location = Location::Sqlite(dir.path().join("l.db"));
            (Keep { _folder: Some(dir), _database: None }, location)
        };
        crate::Ledger::create(&location, &verifier).unwrap();
        let directory = Directory::open(&location).unwrap();
        // Opened twice, its tables are made once (and the second opening finds them).
        drop(Directory::open(&location).unwrap());
        (keep, directory)
    }

    fn entry(account: &str, record: &str) -> AuditEntry {
        AuditEntry {
            at: "2026-11-30T10:00:00Z".into(),
            account: account.into(),
            role: "viewer".into(),
            action: "read".into(),
            records: vec![record.into()],
            request: format!("GET /api/records/{record}"),
        }
    }

    #[test]
    fn accounts_grants_and_tokens() {
        accounts_grants_and_tokens_on(false);
    }

    #[test]
    fn accounts_grants_and_tokens_on_postgresql() {
        accounts_grants_and_tokens_on(true);
    }

    fn accounts_grants_and_tokens_on(postgres: bool) {
        let (_keep, mut d) = directory(postgres);
        d.add_account("ana", Role::Family, "$argon2id$x", "2026-11-30T10:00:00Z").unwrap();
        assert!(matches!(
            d.add_account("ana", Role::Admin, "$argon2id$y", "now"),
            Err(StoreError::Conflict { .. })
        ));
        assert_eq!(d.account("ana").unwrap().unwrap().role, Role::Family);
        d.grant("ana", "p-1", "now").unwrap();
        d.grant("ana", "p-2", "now").unwrap();
        d.grant("ana", "p-1", "now").unwrap();
        assert_eq!(d.granted("ana").unwrap(), ["p-1", "p-2"]);
        assert!(matches!(d.grant("nobody", "p-1", "now"), Err(StoreError::NotFound(_))));
        d.add_token("ana", &[9; 32], "script", "now").unwrap();
        assert_eq!(d.token_account(&[9; 32]).unwrap().unwrap().name, "ana");
        assert_eq!(d.token_account(&[8; 32]).unwrap(), None);
        assert_eq!(d.revoke("ana", Some("p-1")).unwrap(), 1);
        assert_eq!(d.granted("ana").unwrap(), ["p-2"]);
        assert_eq!(d.revoke("ana", None).unwrap(), 3);
        assert_eq!(d.account("ana").unwrap(), None);
        assert_eq!(d.token_account(&[9; 32]).unwrap(), None);
    }

    #[test]
    fn the_directory_prepares_each_statement_once_on_postgresql() {
        let (_keep, mut d) = directory(true);
        d.add_account("ana", Role::Viewer, "$argon2id$x", "now").unwrap();
        d.add_token("ana", &[9; 32], "script", "now").unwrap();
        for round in 1..=3 {
            assert_eq!(d.token_account(&[9; 32]).unwrap().unwrap().name, "ana");
            d.append_audit(&[entry("ana", "p-1"), entry("ana", "p-2")]).unwrap();
            assert_eq!(d.audit_entries(&AuditFilter::default()).unwrap().total, 2 * round);
        }
        // What the session holds prepared, as the server lists it: each statement once, however
        // often it ran, and none sent as text again.
        let held =
            d.conn.rows("SELECT statement FROM pg_prepared_statements ORDER BY statement", &[]).unwrap();
        let held: Vec<String> = held.into_iter().map(|row| first(row).text()).collect();
        let once = |part: &str| held.iter().filter(|s| s.contains(part)).count();
        assert_eq!(once("FROM tokens WHERE digest"), 1, "{held:?}");
        assert_eq!(once("unnest("), 1, "{held:?}");
        assert_eq!(once("pg_advisory_xact_lock"), 1, "{held:?}");
        assert_eq!(once("ORDER BY seq DESC LIMIT 1"), 1, "{held:?}");
    }

    #[test]
    fn the_audit_trail_chains_filters_and_refuses_changes() {
        the_audit_trail_chains_filters_and_refuses_changes_on(false);
    }

    #[test]
    fn the_audit_trail_chains_filters_and_refuses_changes_on_postgresql() {
        the_audit_trail_chains_filters_and_refuses_changes_on(true);
    }

    fn the_audit_trail_chains_filters_and_refuses_changes_on(postgres: bool) {
        let (_keep, mut d) = directory(postgres);
        d.append_audit(&[entry("ana", "p-1"), entry("bob", "p-2")]).unwrap();
        d.append_audit(&[entry("ana", "p-3")]).unwrap();
        let all = d.audit_entries(&AuditFilter::default()).unwrap();
        assert_eq!((all.total, all.broken_at), (3, None));
        let ana =
            d.audit_entries(&AuditFilter { account: Some("ana".into()), ..Default::default() }).unwrap();
        assert_eq!(ana.entries.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(), [1, 3]);
        let p2 = d.audit_entries(&AuditFilter { record: Some("p-2".into()), ..Default::default() }).unwrap();
        assert_eq!(p2.entries[0].1, entry("bob", "p-2"));

        // The database refuses to change or delete an entry.
        assert!(d.conn.execute("UPDATE audit SET body = '{}' WHERE seq = 2", &[]).is_err());
        assert!(d.conn.execute("DELETE FROM audit WHERE seq = 2", &[]).is_err());
        if postgres {
            assert!(d.conn.execute("TRUNCATE audit", &[]).is_err());
        }
        assert_eq!(d.audit_entries(&AuditFilter::default()).unwrap().total, 3);
        // Someone who drops the triggers and edits the table breaks the chain at that entry.
        let drop =
            if postgres { "DROP TRIGGER audit_no_update ON audit" } else { "DROP TRIGGER audit_no_update" };
        d.conn.batch(drop).unwrap();
        let forged = entry("mallory", "p-2").body();
        d.conn.execute("UPDATE audit SET body = $1 WHERE seq = 2", &[Text(&forged)]).unwrap();
        assert_eq!(d.audit_entries(&AuditFilter::default()).unwrap().broken_at, Some(2));
        // Appending goes on from the last entry.
        d.append_audit(&[entry("ana", "p-4")]).unwrap();
        assert_eq!(d.audit_entries(&AuditFilter::default()).unwrap().total, 4);
    }
}
