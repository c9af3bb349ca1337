//! The store: every piece of durable state (tenants and keys, settings,
//! sealed credentials, plugin history and artifacts, the audit log and
//! event history), behind one async handle whose backend the operator
//! picks with `[database] url` (`BERTH_DATABASE_URL`, `--database`):
//! - embedded SQLite in the data directory, the default ([`sqlite`]);
//! - PostgreSQL, shared by several replicas ([`postgres`]).
//!
//! The modules that own a table keep their SQL beside their logic and run
//! it through [`Database`], [`Conn`] and [`Transaction`], with [`Value`]
//! arguments and [`Row`] results; none of them names a driver. Each
//! statement is written once, in the SQL both backends share, with `?1`
//! placeholders. Each backend brings its own migrations.

pub mod migrate;
mod postgres;
mod sqlite;
mod value;

pub use sqlite::DB_FILE;
pub use value::{FromValue, Row, Value};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The data directory could not be created or opened.
    #[error("cannot use data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No pooled PostgreSQL connection could be had.
    #[error("PostgreSQL connection pool: {0}")]
    Pool(String),
    /// The database URL does not parse (it is never echoed: it may carry a
    /// password).
    #[error("the database URL is not a PostgreSQL URL; use postgres://user[:password]@host[:port]/database")]
    Url,
    /// The database was written by a newer Berth.
    #[error("the database schema is version {found}, newer than this berth understands ({known}); upgrade berth")]
    TooNew {
        /// Version in the database.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
    /// A column held another kind of value than its reader expected.
    #[error("database column {index} is not {wanted}")]
    Column {
        /// Its position in the row.
        index: usize,
        /// What the reader expected.
        wanted: &'static str,
    },
    /// A query that always returns a row returned none: the schema is not
    /// Berth's.
    #[error("the database returned no row for {0}")]
    NoRow(&'static str),
    /// A column has a type Berth's schema never uses.
    #[error("database column of unsupported type {0}")]
    ColumnType(String),
    /// The blocking thread running a SQLite statement panicked.
    #[error("the database worker thread failed")]
    Worker,
}

/// Where the store is (`[database]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://user[:password]@host[:port]/database`; unset (or
    /// `sqlite`), the embedded database in the data directory.
    /// `BERTH_DATABASE_URL` and `--database` override it, which keeps a
    /// password out of the settings file.
    pub url: Option<DatabaseUrl>,
}

/// A store's location, from its URL. Its `Debug` never shows a
/// PostgreSQL URL, which may carry a password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DatabaseUrl {
    /// `sqlite`: `berth.db` in the data directory.
    Embedded,
    /// `postgres://…` or `postgresql://…`.
    Postgres(String),
}

/// A database URL Berth cannot use; it never echoes the URL.
#[derive(Debug, thiserror::Error)]
#[error("the database URL must be `sqlite` or postgres://user[:password]@host[:port]/database")]
pub struct BadDatabaseUrl;

impl TryFrom<String> for DatabaseUrl {
    type Error = BadDatabaseUrl;

    fn try_from(url: String) -> Result<Self, Self::Error> {
        if url == "sqlite" {
            Ok(Self::Embedded)
        } else if (url.starts_with("postgres://") || url.starts_with("postgresql://"))
            && url.parse::<tokio_postgres::Config>().is_ok()
        {
            Ok(Self::Postgres(url))
        } else {
            Err(BadDatabaseUrl)
        }
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Embedded => f.write_str("Embedded"),
            Self::Postgres(_) => f.write_str("Postgres(…)"),
        }
    }
}

impl std::str::FromStr for DatabaseUrl {
    type Err = BadDatabaseUrl;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        url.to_owned().try_into()
    }
}

impl From<DatabaseUrl> for String {
    fn from(url: DatabaseUrl) -> Self {
        match url {
            DatabaseUrl::Embedded => "sqlite".to_owned(),
            DatabaseUrl::Postgres(url) => url,
        }
    }
}

/// A handle to the store; clones share it.
#[derive(Clone)]
pub struct Database {
    backend: Arc<Backend>,
}

enum Backend {
    Sqlite(sqlite::Sqlite),
    Postgres(Box<postgres::Postgres>),
}

impl Database {
    /// Opens the store `settings` name, the embedded one in `data_dir`
    /// when they name none, and brings its schema up to date.
    pub async fn open(settings: &DatabaseSettings, data_dir: &Path) -> Result<Self, DbError> {
        match &settings.url {
            Some(DatabaseUrl::Postgres(url)) => Self::open_postgres(url).await,
            None | Some(DatabaseUrl::Embedded) => Self::open_embedded(data_dir).await,
        }
    }

    /// Opens (creating if needed) the embedded database in `data_dir`,
    /// which is created readable by the owner only.
    pub async fn open_embedded(data_dir: &Path) -> Result<Self, DbError> {
        let data_dir = data_dir.to_owned();
        let sqlite = tokio::task::spawn_blocking(move || sqlite::Sqlite::open(&data_dir))
            .await
            .map_err(|_| DbError::Worker)??;
        Ok(Self { backend: Arc::new(Backend::Sqlite(sqlite)) })
    }

    /// Connects to PostgreSQL at `url`.
    pub async fn open_postgres(url: &str) -> Result<Self, DbError> {
        Ok(Self { backend: Arc::new(Backend::Postgres(Box::new(postgres::Postgres::open(url).await?))) })
    }

    /// Whether other hosts can share this store (PostgreSQL): then plugin
    /// artifacts live in it too, and changes are announced.
    pub fn is_shared(&self) -> bool {
        matches!(&*self.backend, Backend::Postgres(_))
    }

    /// A connection, held until dropped.
    pub async fn conn(&self) -> Result<Conn, DbError> {
        Ok(Conn(match &*self.backend {
            Backend::Sqlite(sqlite) => Held::Sqlite(sqlite.acquire().await?),
            Backend::Postgres(postgres) => Held::Postgres(Box::new(postgres.acquire().await?)),
        }))
    }

    /// Begins a write transaction. It waits for any other writer's to end
    /// (SQLite's `BEGIN IMMEDIATE`, an advisory lock in PostgreSQL), so a
    /// transaction that reads and then writes never fails for having read
    /// something another writer changed. Dropped without
    /// [`Transaction::commit`], it rolls back.
    pub async fn transaction(&self) -> Result<Transaction, DbError> {
        let mut conn = self.conn().await?;
        match &mut conn.0 {
            Held::Sqlite(sqlite) => sqlite.batch("BEGIN IMMEDIATE").await?,
            Held::Postgres(postgres) => postgres.begin().await?,
        }
        Ok(Transaction { conn })
    }

    /// Runs one statement; the number of rows it changed.
    pub async fn execute(&self, sql: &str, args: Vec<Value>) -> Result<u64, DbError> {
        self.conn().await?.execute(sql, args).await
    }

    /// Runs one query; every row.
    pub async fn query(&self, sql: &str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        self.conn().await?.query(sql, args).await
    }

    /// Runs one query; its first row, if any.
    pub async fn query_opt(&self, sql: &str, args: Vec<Value>) -> Result<Option<Row>, DbError> {
        self.conn().await?.query_opt(sql, args).await
    }

    /// The change counter: it moves with every committed change to tenants,
    /// keys, enabled plugins, settings or credentials, by any connection.
    pub async fn change_counter(&self) -> Result<i64, DbError> {
        if let Backend::Sqlite(sqlite) = &*self.backend
            && let Some(counter) = sqlite.change_counter_now()
        {
            return Ok(counter);
        }
        let row = self.query_opt("SELECT value FROM change_counter WHERE id = 1", vec![]).await?;
        row.ok_or(DbError::NoRow("the change counter"))?.get(0)
    }

    /// A signal raised whenever another connection announces a change
    /// (PostgreSQL's `NOTIFY`); `None` for SQLite, where polling is the
    /// only way. A replica wakes on it instead of waiting for its poll.
    pub fn announcements(&self) -> Option<Arc<tokio::sync::Notify>> {
        match &*self.backend {
            Backend::Sqlite(_) => None,
            Backend::Postgres(postgres) => Some(postgres::listen(postgres.config().clone())),
        }
    }

    /// The settings `tenant` has for `plugin`.
    pub async fn plugin_config(&self, tenant: &str, plugin: &str) -> Result<BTreeMap<String, String>, DbError> {
        let rows = self
            .query(
                "SELECT key, value FROM plugin_config WHERE tenant = ?1 AND plugin = ?2",
                crate::args![tenant, plugin],
            )
            .await?;
        rows.iter().map(|row| Ok((row.get(0)?, row.get(1)?))).collect()
    }

    /// Every setting of `tenant`, as (plugin, key, value), sorted.
    pub async fn tenant_config(&self, tenant: &str) -> Result<Vec<(String, String, String)>, DbError> {
        let rows = self
            .query(
                "SELECT plugin, key, value FROM plugin_config WHERE tenant = ?1 ORDER BY plugin, key",
                crate::args![tenant],
            )
            .await?;
        rows.iter().map(|row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).collect()
    }

    /// Sets `key` of `plugin` for `tenant` to `value`.
    pub async fn set_plugin_config(&self, tenant: &str, plugin: &str, key: &str, value: &str) -> Result<(), DbError> {
        self.execute(
            "INSERT INTO plugin_config (tenant, plugin, key, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant, plugin, key) DO UPDATE SET value = excluded.value",
            crate::args![tenant, plugin, key, value],
        )
        .await?;
        Ok(())
    }

    /// Removes `key` of `plugin` for `tenant`; returns whether it existed.
    pub async fn unset_plugin_config(&self, tenant: &str, plugin: &str, key: &str) -> Result<bool, DbError> {
        let removed = self
            .execute(
                "DELETE FROM plugin_config WHERE tenant = ?1 AND plugin = ?2 AND key = ?3",
                crate::args![tenant, plugin, key],
            )
            .await?;
        Ok(removed > 0)
    }
}

/// A connection taken from the store, held until dropped.
pub struct Conn(Held);

enum Held {
    Sqlite(sqlite::SqliteConn),
    Postgres(Box<postgres::PgConn>),
}

impl Conn {
    /// Runs one statement; the number of rows it changed.
    pub async fn execute(&mut self, sql: &str, args: Vec<Value>) -> Result<u64, DbError> {
        match &mut self.0 {
            Held::Sqlite(conn) => conn.execute(sql, args).await,
            Held::Postgres(conn) => conn.execute(sql, args).await,
        }
    }

    /// Runs one statement once per argument list (a batch of inserts),
    /// at the cost of about one statement; the rows changed in all.
    pub async fn execute_many(&mut self, sql: &str, many: Vec<Vec<Value>>) -> Result<u64, DbError> {
        match &mut self.0 {
            Held::Sqlite(conn) => conn.execute_many(sql, many).await,
            Held::Postgres(conn) => conn.execute_many(sql, many).await,
        }
    }

    /// Runs one query; every row.
    pub async fn query(&mut self, sql: &str, args: Vec<Value>) -> Result<Vec<Row>, DbError> {
        match &mut self.0 {
            Held::Sqlite(conn) => conn.query(sql, args).await,
            Held::Postgres(conn) => conn.query(sql, args).await,
        }
    }

    /// Runs one query; its first row, if any.
    pub async fn query_opt(&mut self, sql: &str, args: Vec<Value>) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, args).await?.into_iter().next())
    }
}

/// A write transaction (see [`Database::transaction`]); its statements are
/// [`Conn`]'s.
pub struct Transaction {
    conn: Conn,
}

impl Transaction {
    /// Makes the transaction's changes durable and visible.
    pub async fn commit(mut self) -> Result<(), DbError> {
        match &mut self.conn.0 {
            Held::Sqlite(sqlite) => sqlite.batch("COMMIT").await,
            Held::Postgres(postgres) => postgres.commit().await,
        }
    }
}

impl std::ops::Deref for Transaction {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl std::ops::DerefMut for Transaction {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

/// Creates `dir` and its parents, readable by the owner only: the data
/// directory holds keys, secrets and code.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::each_backend;

    #[tokio::test]
    async fn config_round_trips_and_is_scoped_by_tenant_and_plugin() {
        for store in each_backend().await {
            let db = &store.db;
            db.set_plugin_config("acme", "servicenow", "instance", "acme.service-now.com").await.unwrap();
            db.set_plugin_config("acme", "servicenow", "instance", "acme2.service-now.com").await.unwrap();
            db.set_plugin_config("globex", "servicenow", "instance", "globex.service-now.com").await.unwrap();
            let acme = db.plugin_config("acme", "servicenow").await.unwrap();
            assert_eq!(acme.get("instance").map(String::as_str), Some("acme2.service-now.com"));
            assert!(db.plugin_config("acme", "jira").await.unwrap().is_empty());
            assert!(db.unset_plugin_config("acme", "servicenow", "instance").await.unwrap());
            assert!(!db.unset_plugin_config("acme", "servicenow", "instance").await.unwrap());
            assert_eq!(db.tenant_config("globex").await.unwrap().len(), 1);
        }
    }

    #[tokio::test]
    async fn a_dropped_transaction_rolls_back_and_a_committed_one_counts_as_a_change() {
        for store in each_backend().await {
            let db = &store.db;
            let before = db.change_counter().await.unwrap();
            let mut tx = db.transaction().await.unwrap();
            tx.execute("INSERT INTO plugin_config (tenant, plugin, key, value) VALUES ('t', 'p', 'k', 'v')", vec![])
                .await
                .unwrap();
            drop(tx);
            assert!(db.plugin_config("t", "p").await.unwrap().is_empty(), "{}: rolled back", store.name);
            let mut tx = db.transaction().await.unwrap();
            tx.execute("INSERT INTO plugin_config (tenant, plugin, key, value) VALUES ('t', 'p', 'k', 'v')", vec![])
                .await
                .unwrap();
            tx.commit().await.unwrap();
            assert_eq!(db.plugin_config("t", "p").await.unwrap().len(), 1);
            assert!(db.change_counter().await.unwrap() > before);
        }
    }

    #[tokio::test]
    async fn postgresql_announces_a_change_made_through_another_connection() {
        let store = super::testing::postgres().await;
        let announced = store.db.announcements().expect("PostgreSQL announces");
        let wait = async || tokio::time::timeout(std::time::Duration::from_secs(5), announced.notified()).await;
        assert!(wait().await.is_ok(), "raised once on connecting, for what it could not hear before");
        let other = store.another_process().await;
        other.set_plugin_config("t", "p", "k", "v").await.unwrap();
        assert!(wait().await.is_ok(), "a setting changed elsewhere is announced");
        crate::lifecycle::History::new(&other).unload("p", &crate::lifecycle::Source::Registry).await.unwrap();
        assert!(wait().await.is_ok(), "so is a deployment");
        assert!(super::testing::sqlite().await.db.announcements().is_none(), "SQLite has no announcements");
    }

    #[tokio::test]
    async fn reopening_the_embedded_database_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        super::Database::open_embedded(dir.path()).await.unwrap().set_plugin_config("t", "p", "k", "v").await.unwrap();
        let db = super::Database::open_embedded(dir.path()).await.unwrap();
        assert_eq!(db.plugin_config("t", "p").await.unwrap().len(), 1);
    }

    #[test]
    fn urls_name_a_backend_and_are_never_echoed() {
        use super::DatabaseUrl;
        assert_eq!("sqlite".parse::<DatabaseUrl>().unwrap(), DatabaseUrl::Embedded);
        assert!(matches!("postgres://u:pw@db.internal:5432/berth".parse(), Ok(DatabaseUrl::Postgres(_))));
        let refused = "mysql://u:hunter2@db/berth".parse::<DatabaseUrl>().unwrap_err();
        assert!(!refused.to_string().contains("hunter2"));
    }
}
