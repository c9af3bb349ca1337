//! The embedded backend: `berth.db` in the data directory, through
//! rusqlite, with the file layout and schema every earlier Berth wrote.
//!
//! One connection behind an async mutex serves the host: SQLite
//! serialises writers anyway and every statement is short. Each statement
//! runs on tokio's blocking pool, never on an async worker, holding the
//! connection for the whole of a transaction. A transaction dropped before
//! it committed is rolled back by the next user of the connection.

pub(super) mod migrations;

use super::value::{Row, Value};
use super::{DbError, create_private_dir};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ToSql};
use std::path::Path;
use std::sync::Arc;
use tokio::sync::{Mutex, OwnedMutexGuard};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "berth.db";

/// The open database file.
pub(super) struct Sqlite {
    conn: Arc<Mutex<Connection>>,
    /// A read-only connection for the one statement every call runs, the
    /// change counter (see [`Sqlite::change_counter_now`]).
    counter: std::sync::Mutex<Connection>,
}

impl Sqlite {
    /// Opens (creating if needed) `berth.db` in `data_dir`, which is
    /// created readable by the owner only, and migrates it.
    pub(super) fn open(data_dir: &Path) -> Result<Self, DbError> {
        create_private_dir(data_dir).map_err(|source| DbError::DataDir { path: data_dir.to_owned(), source })?;
        let conn = Connection::open(data_dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::apply(&conn)?;
        let counter = Connection::open_with_flags(
            data_dir.join(DB_FILE),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        counter.busy_timeout(std::time::Duration::ZERO)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)), counter: std::sync::Mutex::new(counter) })
    }

    /// The change counter, read here on the caller's thread, or `None`
    /// when that would wait (another call is reading it, or SQLite answers
    /// busy) and the caller should read it the usual way.
    ///
    /// This is the one statement that may run on an async worker, on
    /// purpose: every call reads the counter, and a trip to the blocking
    /// pool (two thread wake-ups) cost more than the read itself, a
    /// prepared one-row select from a WAL database, whose readers never
    /// wait for a writer. A busy timeout of zero keeps it from ever
    /// sleeping here.
    pub(super) fn change_counter_now(&self) -> Option<i64> {
        let conn = self.counter.try_lock().ok()?;
        let mut statement = conn.prepare_cached("SELECT value FROM change_counter WHERE id = 1").ok()?;
        statement.query_row([], |row| row.get(0)).ok()
    }

    /// The connection, once no one else holds it; rolled back first if
    /// its last holder left a transaction open.
    pub(super) async fn acquire(&self) -> Result<SqliteConn, DbError> {
        let guard = self.conn.clone().lock_owned().await;
        let mut conn = SqliteConn { guard: Some(guard) };
        if !conn.guard.as_ref().is_some_and(|guard| guard.is_autocommit()) {
            conn.run(|conn| conn.execute_batch("ROLLBACK")).await?;
        }
        Ok(conn)
    }
}

/// The connection, held.
pub(super) struct SqliteConn {
    /// `None` only while a statement runs on the blocking pool.
    guard: Option<OwnedMutexGuard<Connection>>,
}

impl SqliteConn {
    /// Runs `work` on the blocking pool with the connection.
    async fn run<T: Send + 'static>(
        &mut self,
        work: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, DbError> {
        let guard = self.guard.take().ok_or(DbError::Worker)?;
        let (guard, result) = tokio::task::spawn_blocking(move || {
            let result = work(&guard);
            (guard, result)
        })
        .await
        .map_err(|_| DbError::Worker)?;
        self.guard = Some(guard);
        Ok(result?)
    }

    /// Runs one statement; the number of rows it changed.
    pub(super) async fn execute(&mut self, sql: &str, args: Vec<Value>) -> Result<u64, DbError> {
        let sql = sql.to_owned();
        self.run(move |conn| conn.prepare_cached(&sql)?.execute(rusqlite::params_from_iter(args)))
            .await
            .map(|changed| changed as u64)
    }

    /// Runs one statement once per argument list, in one trip to the
    /// blocking pool; the rows changed in all.
    pub(super) async fn execute_many(&mut self, sql: &str, many: Vec<Vec<Value>>) -> Result<u64, DbError> {
        let sql = sql.to_owned();
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            many.into_iter()
                .try_fold(0, |changed, args| Ok(changed + statement.execute(rusqlite::params_from_iter(args))? as u64))
        })
        .await
    }

    /// Runs one query; every row.
    pub(super) async fn query(&mut self, sql: &str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        let sql = sql.to_owned();
        self.run(move |conn| {
            let mut statement = conn.prepare_cached(&sql)?;
            let columns = statement.column_count();
            let mut rows = statement.query(rusqlite::params_from_iter(args))?;
            let mut all = Vec::new();
            while let Some(row) = rows.next()? {
                let values = (0..columns).map(|index| row.get_ref(index).map(value)).collect::<Result<_, _>>()?;
                all.push(Row(values));
            }
            Ok(all)
        })
        .await
    }

    /// Runs statements that take no arguments (a transaction's edges).
    pub(super) async fn batch(&mut self, sql: &'static str) -> Result<(), DbError> {
        self.run(move |conn| conn.execute_batch(sql)).await
    }
}

/// A column read as a [`Value`]. Berth's schema has no floating-point
/// columns; one read anyway comes back as text rather than fail.
fn value(column: ValueRef<'_>) -> Value {
    match column {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(int) => Value::Int(int),
        ValueRef::Real(real) => Value::Text(real.to_string()),
        ValueRef::Text(text) => Value::Text(String::from_utf8_lossy(text).into_owned()),
        ValueRef::Blob(bytes) => Value::Blob(bytes.to_vec()),
    }
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Self::Int(int) => ToSqlOutput::Borrowed(ValueRef::Integer(*int)),
            Self::Text(text) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Self::Blob(bytes) => ToSqlOutput::Borrowed(ValueRef::Blob(bytes)),
        })
    }
}
