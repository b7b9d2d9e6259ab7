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
    /// `&self`, and one directory is used by one thread at a time (the server holds it in a
    /// mutex).
    Postgres(RefCell<postgres::Client>),
}

/// The advisory lock a directory transaction holds on PostgreSQL, so that two servers append to
/// the audit trail one after the other ("audit" in ASCII).
pub(super) const DIRECTORY_LOCK: i64 = 0x0061_7564_6974;

impl Conn {
    /// Whether the connection to the database server was lost for good (a file never is).
    pub(super) fn is_broken(&self) -> bool {
        match self {
            Conn::Sqlite(_) => false,
            Conn::Postgres(client) => client.try_borrow().is_ok_and(|client| client.is_closed()),
        }
    }

    /// Runs a statement; returns the rows it changed.
    pub(super) fn execute(&self, sql: &str, params: &[Param<'_>]) -> Result<u64> {
        match self {
            Conn::Sqlite(conn) => {
                let changed = conn
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params.iter().map(sqlite_value)))?;
                Ok(changed as u64)
            }
            Conn::Postgres(client) => {
                let params = pg_params(params);
                Ok(client.borrow_mut().execute(sql, &pg_refs(&params))?)
            }
        }
    }

    /// Runs a query; returns its rows, each as its cells in column order.
    pub(super) fn rows(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Vec<Cell>>> {
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
            Conn::Postgres(client) => {
                let params = pg_params(params);
                let rows = client.borrow_mut().query(sql, &pg_refs(&params))?;
                rows.iter().map(pg_cells).collect()
            }
        }
    }

    /// Runs `work` in one transaction that no other writer of the directory interleaves with:
    /// committed if it returns `Ok`, undone otherwise.
    pub(super) fn in_transaction<T>(&self, work: impl FnOnce(&Conn) -> Result<T>) -> Result<T> {
        match self {
            Conn::Sqlite(conn) => conn.execute_batch("BEGIN IMMEDIATE")?,
            Conn::Postgres(client) => {
                let mut client = client.borrow_mut();
                client.batch_execute("BEGIN")?;
                client.execute("SELECT pg_advisory_xact_lock($1)", &[&DIRECTORY_LOCK])?;
            }
        }
        let result = work(self);
        let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
        let ended = match self {
            Conn::Sqlite(conn) => conn.execute_batch(end).map_err(Into::into),
            Conn::Postgres(client) => client.borrow_mut().batch_execute(end).map_err(Into::into),
        };
        let value = result?;
        ended.map(|()| value)
    }

    /// Runs statements with no parameters and no rows (a test's changes behind the directory).
    #[cfg(test)]
    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        match self {
            Conn::Sqlite(conn) => conn.execute_batch(sql)?,
            Conn::Postgres(client) => client.borrow_mut().batch_execute(sql)?,
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
