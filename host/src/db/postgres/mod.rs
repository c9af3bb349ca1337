//! The shared backend: PostgreSQL, for several replicas on one database.
//!
//! The driver is tokio-postgres, pooled by deadpool-postgres. It is
//! async from the socket up, so no call holds a worker thread while the
//! server answers; it is the driver underneath most of the ecosystem's
//! PostgreSQL crates; and it leaves the SQL to us, which keeps one text
//! per statement for both backends. (sqlx would also have brought its
//! own SQLite driver, whose native library cannot be linked beside
//! rusqlite's.)
//!
//! Statements are written once, with SQLite's `?1` placeholders, and
//! turned into PostgreSQL's `$1` here; each is prepared once per pooled
//! connection. A write transaction takes one advisory lock first, so
//! writers queue exactly as SQLite's `BEGIN IMMEDIATE` makes them. A
//! transaction dropped before it committed takes its connection out of
//! the pool, and the server rolls it back when the connection closes.

mod listen;
pub(super) mod migrations;

pub(super) use listen::listen;

use super::DbError;
use super::value::{Row, Value};
use bytes::BytesMut;
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

/// The advisory lock every write transaction takes: "berth" in ASCII.
const WRITE_LOCK: i64 = 0x0062_6572_7468;

/// Most connections one host opens.
const POOL_SIZE: usize = 16;

/// Longest wait to connect, and for an unacknowledged write to the server.
const CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The server-side bounds of every session: a statement, a wait for a
/// lock, and a transaction left idle are each cut off, so no connection
/// holds the write lock for long.
const SESSION_OPTIONS: &str =
    "-c statement_timeout=30000 -c lock_timeout=15000 -c idle_in_transaction_session_timeout=60000";

/// Longest wait for a pooled connection when all are in use.
const POOL_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A pool of connections to one database.
pub(super) struct Postgres {
    pool: Pool,
    config: tokio_postgres::Config,
}

impl Postgres {
    /// Connects to `url` and migrates the database.
    pub(super) async fn open(url: &str) -> Result<Self, DbError> {
        let mut config: tokio_postgres::Config = url.parse().map_err(|_| DbError::Url)?;
        // A server that vanished from the network fails a call within
        // seconds instead of leaving it waiting on TCP's own timeouts.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.tcp_user_timeout(CONNECT_TIMEOUT).keepalives_idle(CONNECT_TIMEOUT);
        // A writer stuck mid-transaction (a replica paused, a partition)
        // must not hold the write lock, and so every other writer, for long.
        if config.get_options().is_none() {
            config.options(SESSION_OPTIONS);
        }
        let manager = Manager::from_config(
            config.clone(),
            tokio_postgres::NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(POOL_WAIT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|error| DbError::Pool(error.to_string()))?;
        let postgres = Self { pool, config };
        migrations::apply(&mut postgres.acquire().await?).await?;
        Ok(postgres)
    }

    /// A pooled connection.
    pub(super) async fn acquire(&self) -> Result<PgConn, DbError> {
        let client = self.pool.get().await.map_err(|error| DbError::Pool(error.to_string()))?;
        Ok(PgConn { client: Some(client), in_transaction: false })
    }

    /// The settings a dedicated connection (a listener) connects with.
    pub(super) fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }
}

/// A pooled connection, held.
pub(super) struct PgConn {
    /// Always `Some` but in `drop`.
    client: Option<Object>,
    in_transaction: bool,
}

impl PgConn {
    fn client(&self) -> &Object {
        self.client.as_ref().expect("the client is only taken on drop")
    }

    /// Runs one statement; the number of rows it changed.
    pub(super) async fn execute(&mut self, sql: &str, args: Vec<Value>) -> Result<u64, DbError> {
        let client = self.client();
        let statement = client.prepare_cached(&placeholders(sql)).await?;
        Ok(client.execute(&statement, &references(&args)).await?)
    }

    /// Runs one statement once per argument list, pipelined; the rows
    /// changed in all.
    pub(super) async fn execute_many(&mut self, sql: &str, many: Vec<Vec<Value>>) -> Result<u64, DbError> {
        let client = self.client();
        let statement = client.prepare_cached(&placeholders(sql)).await?;
        let many: Vec<Vec<&(dyn ToSql + Sync)>> = many.iter().map(|args| references(args)).collect();
        let runs = many.iter().map(|args| client.execute(&statement, args));
        Ok(futures::future::try_join_all(runs).await?.into_iter().sum())
    }

    /// Runs one query; every row.
    pub(super) async fn query(&mut self, sql: &str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        let client = self.client();
        let statement = client.prepare_cached(&placeholders(sql)).await?;
        let rows = client.query(&statement, &references(&args)).await?;
        rows.iter().map(row).collect()
    }

    /// Runs statements that take no arguments (migrations).
    pub(super) async fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.client().batch_execute(sql).await?)
    }

    /// Begins a write transaction, queued behind any other writer's.
    pub(super) async fn begin(&mut self) -> Result<(), DbError> {
        self.in_transaction = true;
        self.batch(&format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})")).await
    }

    /// Commits the transaction `begin` opened.
    pub(super) async fn commit(&mut self) -> Result<(), DbError> {
        self.batch("COMMIT").await?;
        self.in_transaction = false;
        Ok(())
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        if self.in_transaction
            && let Some(client) = self.client.take()
        {
            // Never back into the pool mid-transaction: closing it rolls
            // the transaction back.
            drop(Object::take(client));
        }
    }
}

/// `sql` with SQLite's `?N` placeholders as PostgreSQL's `$N`. Quoted
/// text is left alone.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quoted = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => quoted = !quoted,
            '?' if !quoted && chars.peek().is_some_and(char::is_ascii_digit) => {
                out.push('$');
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

fn references(args: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|arg| arg as &(dyn ToSql + Sync)).collect()
}

/// One result row as [`Value`]s.
fn row(row: &tokio_postgres::Row) -> Result<Row, DbError> {
    let values = row
        .columns()
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let ty = column.type_();
            Ok(match *ty {
                Type::INT8 => row.try_get::<_, Option<i64>>(index)?.map(Value::Int),
                Type::INT4 => row.try_get::<_, Option<i32>>(index)?.map(|int| Value::Int(int.into())),
                Type::INT2 => row.try_get::<_, Option<i16>>(index)?.map(|int| Value::Int(int.into())),
                Type::BOOL => row.try_get::<_, Option<bool>>(index)?.map(|flag| Value::Int(flag.into())),
                Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Blob),
                Type::TEXT | Type::VARCHAR | Type::NAME | Type::BPCHAR => {
                    row.try_get::<_, Option<String>>(index)?.map(Value::Text)
                }
                _ => return Err(DbError::ColumnType(ty.name().to_owned())),
            }
            .unwrap_or(Value::Null))
        })
        .collect::<Result<_, DbError>>()?;
    Ok(Row(values))
}

impl ToSql for Value {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Self::Null => Ok(IsNull::Yes),
            Self::Int(int) => match *ty {
                Type::INT4 => i32::try_from(*int)?.to_sql_checked(ty, out),
                Type::INT2 => i16::try_from(*int)?.to_sql_checked(ty, out),
                Type::BOOL => (*int != 0).to_sql_checked(ty, out),
                _ => int.to_sql_checked(ty, out),
            },
            Self::Text(text) => text.to_sql_checked(ty, out),
            Self::Blob(bytes) => bytes.to_sql_checked(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        // Each kind checks the column's type itself, in `to_sql`.
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_become_numbered_parameters_outside_quotes() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND (?3 IS NULL OR d = ?3)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND ($3 IS NULL OR d = $3)"
        );
    }
}
