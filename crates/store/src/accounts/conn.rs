//! The directory's connection, to either database: its few statements are written once, with
//! `$1, $2, ...` in the order they appear (SQLite numbers such parameters by first appearance,
//! PostgreSQL by their digits; in that order the two agree), and run through [`Conn`].

use std::cell::RefCell;

use rusqlite::Connection;

use crate::error::Result;

/// A value bound to a statement.
#[derive(Clone, Copy, Debug)]
pub(super) enum Param<'a> {
    Text(&'a str),
    Bytes(&'a [u8]),
    Int(i64),
}

/// An entry of the audit trail as stored: its number, its body and the chain's hash.
pub(super) struct AuditRow {
    pub seq: i64,
    pub body: String,
    pub hash: [u8; 32],
}

/// A value read back.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Cell {
    pub(super) fn text(self) -> String {
        match self {
            Cell::Text(text) => text,
            Cell::Bytes(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Cell::Int(i) => i.to_string(),
            Cell::Null => String::new(),
        }
    }

    pub(super) fn bytes(self) -> Vec<u8> {
        match self {
            Cell::Bytes(bytes) => bytes,
            other => other.text().into_bytes(),
        }
    }

    pub(super) fn int(&self) -> Option<i64> {
        match self {
            Cell::Int(i) => Some(*i),
            _ => None,
        }
    }
}

pub(super) enum Conn {
    Sqlite(Connection),
    /// In a `RefCell`: the client needs `&mut` to ask anything, the directory's readers take
    /// `&self`, and one directory is used by one thread at a time (the server keeps idle ones
    /// in a pool and lends each to one request).
    Postgres(Box<RefCell<postgres::Client>>, Prepared),
}

/// The statements prepared on a PostgreSQL connection, by their text
/// ([`crate::postgres::Prepared`]): a statement sent as text is prepared and then run, two round
/// trips; prepared once and kept, each later run is one. The directory's few statements are
/// asked on every request of the server (the caller's account and grants), so this halves the
/// round trips of each.
pub(super) use crate::postgres::Prepared;
use crate::postgres::prepared_once;

/// The advisory lock a directory transaction holds on PostgreSQL, so that two servers append to
/// the audit trail one after the other ("audit" in ASCII).
pub(super) const DIRECTORY_LOCK: i64 = 0x0061_7564_6974;

impl Conn {
    /// Whether the connection to the database server was lost for good (a file never is).
    pub(super) fn is_broken(&self) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(client, _) => client.try_borrow().is_ok_and(|client| client.is_closed()),
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub(super) fn execute(&self, sql: &'static str, params: &[Param<'_>]) -> Result<u64> {
        match self {
            Conn::Sqlite(conn) => {
                let changed = conn
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params.iter().map(sqlite_value)))?;
                Ok(changed as u64)
            }
            Conn::Postgres(client, prepared) => {
                let params = pg_params(params);
                let mut client = client.borrow_mut();
                let statement = prepared_once(&mut *client, prepared, sql)?;
                Ok(client.execute(&statement, &pg_refs(&params))?)
            }
        }
    }

    /// Runs a query; returns its rows, each as its cells in column order.
    pub(super) fn rows(&self, sql: &'static str, params: &[Param<'_>]) -> Result<Vec<Vec<Cell>>> {
        match self {
            Conn::Sqlite(conn) => {
                let mut statement = conn.prepare_cached(sql)?;
                let width = statement.column_count();
                let mut rows =
                    statement.query(rusqlite::params_from_iter(params.iter().map(sqlite_value)))?;
                let mut found = Vec::new();
                while let Some(row) = rows.next()? {
                    let mut cells = Vec::with_capacity(width);
                    for i in 0..width {
                        use rusqlite::types::ValueRef;
                        cells.push(match row.get_ref(i)? {
                            ValueRef::Null => Cell::Null,
                            ValueRef::Integer(n) => Cell::Int(n),
                            ValueRef::Real(f) => Cell::Text(f.to_string()),
                            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => Cell::Bytes(b.to_vec()),
                        });
                    }
                    found.push(cells);
                }
                Ok(found)
            }
            Conn::Postgres(client, prepared) => {
                let params = pg_params(params);
                let mut client = client.borrow_mut();
                let statement = prepared_once(&mut *client, prepared, sql)?;
                let rows = client.query(&statement, &pg_refs(&params))?;
                rows.iter().map(pg_cells).collect()
            }
        }
    }

    /// Runs `work` in one transaction that no other writer of the directory interleaves with:
    /// committed if it returns `Ok`, undone otherwise.
    pub(super) fn in_transaction<T>(&self, work: impl FnOnce(&Conn) -> Result<T>) -> Result<T> {
        match self {
            Conn::Sqlite(conn) => conn.execute_batch("BEGIN IMMEDIATE")?,
            Conn::Postgres(client, prepared) => {
                let mut client = client.borrow_mut();
                client.batch_execute("BEGIN")?;
                let lock = prepared_once(&mut *client, prepared, "SELECT pg_advisory_xact_lock($1)")?;
                client.execute(&lock, &[&DIRECTORY_LOCK])?;
            }
        }
        let result = work(self);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = match self {
            Conn::Sqlite(conn) => conn.execute_batch(end).map_err(Into::into),
            Conn::Postgres(client, _) => client.borrow_mut().batch_execute(end).map_err(Into::into),
        };
        let value = result?;
        ended.map(|()| value)
    }

    /// Inserts entries of the audit trail: on PostgreSQL in one statement (one round trip for
    /// the audit writer's whole batch, where a statement per entry had been one each, dozens a
    /// batch under load), on SQLite one row at a time (a row costs no round trip there).
    pub(super) fn insert_audit(&self, rows: &[AuditRow]) -> Result<()> {
        const ONE: &str = "INSERT INTO audit (seq, body, hash) VALUES ($1, $2, $3)";
        match self {
            Conn::Sqlite(_) => {
                for row in rows {
                    self.execute(
                        ONE,
                        &[Param::Int(row.seq), Param::Text(&row.body), Param::Bytes(&row.hash)],
                    )?;
                }
            }
            Conn::Postgres(client, prepared) => {
                let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                let bodies: Vec<&str> = rows.iter().map(|r| r.body.as_str()).collect();
                let hashes: Vec<&[u8]> = rows.iter().map(|r| &r.hash[..]).collect();
                let mut client = client.borrow_mut();
                let insert = prepared_once(
                    &mut *client,
                    prepared,
                    "INSERT INTO audit (seq, body, hash)
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[])",
                )?;
                client.execute(&insert, &[&seqs, &bodies, &hashes])?;
            }
        }
        Ok(())
    }

    /// Runs statements with no parameters and no rows (a test's changes behind the directory).
    #[cfg(test)]
    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => conn.execute_batch(sql)?,
            Conn::Postgres(client, _) => client.borrow_mut().batch_execute(sql)?,
        }
        Ok(())
    }
}

fn sqlite_value<'a>(param: &'a Param<'a>) -> rusqlite::types::ToSqlOutput<'a> {
    use rusqlite::types::{ToSqlOutput, ValueRef};
    match *param {
        Param::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
        Param::Bytes(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
        Param::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(i)),
    }
}

type PgParam<'a> = Box<dyn postgres::types::ToSql + Sync + 'a>;

fn pg_params<'a>(params: &[Param<'a>]) -> Vec<PgParam<'a>> {
    params
        .iter()
        .map(|p| -> PgParam<'a> {
            match *p {
                Param::Text(text) => Box::new(text),
                Param::Bytes(bytes) => Box::new(bytes),
                Param::Int(i) => Box::new(i),
            }
        })
        .collect()
}

fn pg_refs<'p>(params: &'p [PgParam<'_>]) -> Vec<&'p (dyn postgres::types::ToSql + Sync)> {
    params.iter().map(|p| &**p as &(dyn postgres::types::ToSql + Sync)).collect()
}

fn pg_cells(row: &postgres::Row) -> Result<Vec<Cell>> {
    use postgres::types::Type;
    (0..row.len())
        .map(|i| {
            let column = &row.columns()[i];
            Ok(match *column.type_() {
                Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map_or(Cell::Null, Cell::Int),
                Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map_or(Cell::Null, |n| Cell::Int(n.into())),
                Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map_or(Cell::Null, Cell::Bytes),
                _ => row.try_get::<_, Option<String>>(i)?.map_or(Cell::Null, Cell::Text),
            })
        })
        .collect()
}
