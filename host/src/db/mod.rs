//! The embedded SQLite database in the data directory: tenants' plugin
//! settings now, and every other piece of durable state as it arrives.
//! Migrations run when the database opens.

mod migrations;

use rusqlite::{Connection, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "berth.db";

/// Why the database could not do what was asked.
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
    /// The database was written by a newer Berth.
    #[error("the database schema is version {found}, newer than this berth understands ({known}); upgrade berth")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Newest version this build knows.
        known: i64,
    },
}

/// A handle to the database. SQLite serialises writers anyway, and every
/// statement here is short, so one connection behind a mutex is enough.
pub struct Database {
    conn: Mutex<Connection>,
}

impl Database {
    /// Opens (creating if needed) the database in `data_dir`, which is created
    /// readable by the owner only, and brings its schema up to date.
    pub fn open(data_dir: &Path) -> Result<Self, DbError> {
        create_private_dir(data_dir).map_err(|source| DbError::DataDir { path: data_dir.to_owned(), source })?;
        let conn = Connection::open(data_dir.join(DB_FILE))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations::apply(&conn)?;
        Ok(Self { conn: Mutex::new(conn) })
    }

    /// The settings `tenant` has for `plugin`.
    pub fn plugin_config(&self, tenant: &str, plugin: &str) -> Result<BTreeMap<String, String>, DbError> {
        let conn = self.lock();
        let mut statement =
            conn.prepare_cached("SELECT key, value FROM plugin_config WHERE tenant = ?1 AND plugin = ?2")?;
        let rows = statement.query_map(params![tenant, plugin], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every setting of `tenant`, as (plugin, key, value), sorted.
    pub fn tenant_config(&self, tenant: &str) -> Result<Vec<(String, String, String)>, DbError> {
        let conn = self.lock();
        let mut statement =
            conn.prepare_cached("SELECT plugin, key, value FROM plugin_config WHERE tenant = ?1 ORDER BY plugin, key")?;
        let rows = statement.query_map(params![tenant], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Sets `key` of `plugin` for `tenant` to `value`.
    pub fn set_plugin_config(&self, tenant: &str, plugin: &str, key: &str, value: &str) -> Result<(), DbError> {
        self.lock().execute(
            "INSERT INTO plugin_config (tenant, plugin, key, value) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (tenant, plugin, key) DO UPDATE SET value = excluded.value",
            params![tenant, plugin, key, value],
        )?;
        Ok(())
    }

    /// Removes `key` of `plugin` for `tenant`; returns whether it existed.
    pub fn unset_plugin_config(&self, tenant: &str, plugin: &str, key: &str) -> Result<bool, DbError> {
        let removed = self.lock().execute(
            "DELETE FROM plugin_config WHERE tenant = ?1 AND plugin = ?2 AND key = ?3",
            params![tenant, plugin, key],
        )?;
        Ok(removed > 0)
    }

    /// Runs `work` on the connection. For modules that own a table (tenants,
    /// the vault) and keep their SQL next to their logic.
    pub fn with<T>(&self, work: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T, DbError> {
        Ok(work(&self.lock())?)
    }

    /// The change counter: it moves with every committed change to tenants,
    /// keys, enabled plugins, settings or credentials, by any connection.
    pub fn change_counter(&self) -> Result<i64, DbError> {
        let conn = self.lock();
        let mut statement = conn.prepare_cached("SELECT value FROM change_counter WHERE id = 1")?;
        Ok(statement.query_row([], |row| row.get(0))?)
    }

    /// The schema version in the file.
    pub fn schema_version(&self) -> Result<i64, DbError> {
        Ok(self.lock().query_row("PRAGMA user_version", [], |row| row.get(0)).optional()?.unwrap_or(0))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Begins a transaction that takes SQLite's write lock at once.
///
/// A deferred transaction that reads and then writes cannot wait for the
/// lock: when another connection (the audit writer, a `berth` command, a
/// second host) commits between its read and its first write, SQLite fails
/// it at once with "database is locked" rather than run the busy handler,
/// since waiting could not make its reads current. Taking the lock first
/// makes such a transaction wait its turn (up to the busy timeout) instead.
pub fn write_transaction(conn: &Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
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
mod tests {
    use super::*;

    #[test]
    fn config_round_trips_and_is_scoped_by_tenant_and_plugin() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        db.set_plugin_config("acme", "servicenow", "instance", "acme.service-now.com").unwrap();
        db.set_plugin_config("acme", "servicenow", "instance", "acme2.service-now.com").unwrap();
        db.set_plugin_config("globex", "servicenow", "instance", "globex.service-now.com").unwrap();
        let acme = db.plugin_config("acme", "servicenow").unwrap();
        assert_eq!(acme.get("instance").map(String::as_str), Some("acme2.service-now.com"));
        assert!(db.plugin_config("acme", "jira").unwrap().is_empty());
        assert!(db.unset_plugin_config("acme", "servicenow", "instance").unwrap());
        assert!(!db.unset_plugin_config("acme", "servicenow", "instance").unwrap());
        assert_eq!(db.tenant_config("globex").unwrap().len(), 1);
    }

    #[test]
    fn reopening_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        Database::open(dir.path()).unwrap().set_plugin_config("t", "p", "k", "v").unwrap();
        let db = Database::open(dir.path()).unwrap();
        assert_eq!(db.schema_version().unwrap(), migrations::latest());
        assert_eq!(db.plugin_config("t", "p").unwrap().len(), 1);
    }
}
