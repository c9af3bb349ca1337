//! `berth db migrate`: copies an embedded deployment into a shared store,
//! so that an operator who outgrows one machine moves without losing
//! anything: tenants and keys, settings, sealed credentials and the vault's
//! check value (no re-encryption: the master key stays the same), roles,
//! tenant policies and trusted issuers, plugin history with every stored
//! component, the audit log and event history.
//!
//! Every row keeps its key, and one that is already there is left as it
//! is, so running it again copies nothing more and an interrupted run can
//! simply be repeated. Rows are read in pages and written a page per
//! transaction; the statements are the shared SQL of `db`, so any pair of
//! backends would do, although the command offers only SQLite to
//! PostgreSQL.

use super::{Database, DbError, Value};
use crate::lifecycle::{ArtifactError, Artifacts};
use std::path::Path;

/// Rows read and written at a time.
const PAGE_ROWS: i64 = 2_000;

/// One table to copy: its columns in the order a foreign key needs them.
struct Table {
    name: &'static str,
    /// Its columns, the key's first.
    columns: &'static str,
    /// How many of the first columns identify a row.
    key: usize,
    /// Its generated key, whose sequence the target moves past the copied
    /// rows (PostgreSQL only).
    serial: Option<&'static str>,
}

/// Parents before children.
const TABLES: &[Table] = &[
    Table { name: "tenants", key: 1, columns: "name, key_id, key_hash, created_at, hidden_text", serial: None },
    Table { name: "tenant_plugins", key: 2, columns: "tenant, plugin", serial: None },
    Table { name: "plugin_config", key: 3, columns: "tenant, plugin, key, value", serial: None },
    Table { name: "vault_meta", key: 1, columns: "key, value", serial: None },
    Table {
        name: "credentials",
        key: 3,
        columns: "tenant, plugin, name, params, bound, secret, updated_at",
        serial: None,
    },
    Table {
        name: "user_credentials",
        key: 4,
        columns: "tenant, plugin, name, principal, secret, updated_at",
        serial: None,
    },
    Table { name: "auth_issuers", key: 1, columns: "issuer, config", serial: None },
    Table { name: "roles", key: 1, columns: "name, grants", serial: None },
    Table { name: "tenant_policies", key: 1, columns: "tenant, policy", serial: None },
    Table {
        name: "plugin_versions",
        key: 1,
        columns: "digest, name, version, tools, bytes, added_ms, grants",
        serial: None,
    },
    Table {
        name: "plugin_deployments",
        key: 1,
        columns: "seq, name, digest, source, path, at_ms, rolled_back",
        serial: Some("seq"),
    },
    Table {
        name: "audit_calls",
        key: 1,
        columns: "rowid, call_id, at_ms, tenant, transport, plugin, version, tool, arguments, outcome, duration_ms, principal, roles",
        serial: Some("rowid"),
    },
    Table {
        name: "audit_requests",
        key: 1,
        columns: "id, call_id, at_ms, tenant, plugin, method, origin, path, status, duration_ms, retries, outcome, acting_as",
        serial: Some("id"),
    },
    Table {
        name: "events",
        key: 1,
        columns: "id, at_ms, tenant, plugin, delivery, kind, outcome, detail",
        serial: Some("id"),
    },
];

/// Why a migration stopped. What it copied before stays copied; running
/// it again carries on.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// Either store failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A stored component could not be read or copied.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// The source is not the embedded store.
    #[error(
        "the source must be the embedded database in the data directory; unset [database] url (or --database) for this command"
    )]
    SourceNotEmbedded,
    /// The target is not a shared store.
    #[error("the target must be a PostgreSQL URL")]
    TargetNotShared,
    /// The target holds a row under the key of one being copied, with other
    /// contents: it is not this deployment's, or was changed since.
    #[error(
        "the target's {table} already has a different row {key}; migrate into an empty database, or one only this data directory filled"
    )]
    Conflict {
        /// The table.
        table: &'static str,
        /// The row's key, as the source has it.
        key: String,
    },
    /// The target's credentials are sealed under another master key, so
    /// the copied ones could never be opened beside them.
    #[error(
        "the target's vault was created with another master key; migrate into an empty database or one this deployment filled"
    )]
    OtherVault,
}

/// What one table's copy did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The table, or `plugin components`.
    pub table: &'static str,
    /// Rows read from the source.
    pub read: u64,
    /// Rows the target did not have yet.
    pub written: u64,
}

/// Copies everything in `from` (the embedded store of `data_dir`) into
/// `to`, with the components stored in `data_dir`.
pub async fn migrate(from: &Database, to: &Database, data_dir: &Path) -> Result<Vec<Copied>, MigrateError> {
    if from.is_shared() {
        return Err(MigrateError::SourceNotEmbedded);
    }
    if !to.is_shared() {
        return Err(MigrateError::TargetNotShared);
    }
    let check = "SELECT value FROM vault_meta WHERE key = 'check'";
    if let (Some(source), Some(target)) = (from.query_opt(check, vec![]).await?, to.query_opt(check, vec![]).await?)
        && source.get::<Vec<u8>>(0)? != target.get::<Vec<u8>>(0)?
    {
        return Err(MigrateError::OtherVault);
    }
    let mut report = Vec::with_capacity(TABLES.len() + 1);
    for table in TABLES {
        report.push(copy_table(from, to, table).await?);
    }
    report.push(copy_components(from, to, data_dir).await?);
    Ok(report)
}

/// Copies `table` a page at a time, in SQLite's row order.
async fn copy_table(from: &Database, to: &Database, table: &Table) -> Result<Copied, MigrateError> {
    let (name, columns) = (table.name, table.columns);
    let select = format!("SELECT rowid, {columns} FROM {name} WHERE rowid > ?1 ORDER BY rowid LIMIT ?2");
    let width = columns.split(',').count();
    let placeholders: Vec<String> = (1..=width).map(|index| format!("?{index}")).collect();
    let insert = format!("INSERT INTO {name} ({columns}) VALUES ({}) ON CONFLICT DO NOTHING", placeholders.join(", "));
    let mut copied = Copied { table: name, read: 0, written: 0 };
    let mut after = i64::MIN;
    loop {
        let rows = from.query(&select, crate::args![after, PAGE_ROWS]).await?;
        let Some(last) = rows.last() else { break };
        after = last.get(0)?;
        copied.read += rows.len() as u64;
        let values: Vec<Vec<Value>> = rows.into_iter().map(|row| row.0.into_iter().skip(1).collect()).collect();
        let mut tx = to.transaction().await?;
        let written = tx.execute_many(&insert, values.clone()).await?;
        if written < values.len() as u64 {
            // Some were there: each must be the very row being copied.
            check_present(&mut tx, table, &values).await?;
        }
        tx.commit().await?;
        copied.written += written;
    }
    if let Some(serial) = table.serial {
        // Rows copied with their keys leave the sequence behind them.
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{name}', '{serial}'), GREATEST((SELECT MAX({serial}) FROM {name}), 1))"
        );
        to.query(&sql, vec![]).await?;
    }
    Ok(copied)
}

/// Checks that every row of `values` is in `table` on `conn` exactly as
/// given (a row the insert skipped was already there).
async fn check_present(conn: &mut super::Conn, table: &Table, values: &[Vec<Value>]) -> Result<(), MigrateError> {
    let names: Vec<&str> = table.columns.split(',').map(str::trim).collect();
    let condition: Vec<String> =
        names[..table.key].iter().enumerate().map(|(index, column)| format!("{column} = ?{}", index + 1)).collect();
    let select = format!("SELECT {} FROM {} WHERE {}", table.columns, table.name, condition.join(" AND "));
    for row in values {
        let key = row[..table.key].to_vec();
        let present = conn.query_opt(&select, key.clone()).await?;
        if present.map(|present| present.0) != Some(row.clone()) {
            let key = key.iter().map(|value| format!("{value:?}")).collect::<Vec<_>>().join(", ");
            return Err(MigrateError::Conflict { table: table.name, key: format!("({key})") });
        }
    }
    Ok(())
}

/// Copies every stored component the history names into the shared store.
async fn copy_components(from: &Database, to: &Database, data_dir: &Path) -> Result<Copied, MigrateError> {
    let (files, shared) = (Artifacts::open(data_dir, from)?, Artifacts::open(data_dir, to)?);
    let mut copied = Copied { table: "plugin components", read: 0, written: 0 };
    for row in from.query("SELECT digest FROM plugin_versions ORDER BY digest", vec![]).await? {
        let digest: String = row.get(0)?;
        copied.read += 1;
        if shared.put(&files.get(&digest).await?).await? {
            copied.written += 1;
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{postgres, sqlite};

    #[tokio::test]
    async fn a_second_run_copies_nothing_and_keys_keep_their_order() {
        let (source, target) = (sqlite().await, postgres().await);
        for tenant in ["a", "b"] {
            crate::tenants::Tenants::new(&source.db).add(tenant).await.unwrap();
        }
        source.db.set_plugin_config("a", "p", "k", "v").await.unwrap();
        let first = migrate(&source.db, &target.db, source.dir.path()).await.unwrap();
        let tenants = first.iter().find(|copied| copied.table == "tenants").unwrap();
        assert_eq!((tenants.read, tenants.written), (2, 2));
        let again = migrate(&source.db, &target.db, source.dir.path()).await.unwrap();
        assert!(again.iter().all(|copied| copied.written == 0), "{again:?}");
        assert_eq!(target.db.plugin_config("a", "p").await.unwrap()["k"], "v");
        let other = sqlite().await;
        crate::vault::Vault::open(
            std::sync::Arc::new(other.db.clone()),
            crate::vault::MasterKey::generate(),
            crate::vault::KeySource::Environment,
        )
        .await
        .unwrap();
        crate::vault::Vault::open(
            std::sync::Arc::new(target.db.clone()),
            crate::vault::MasterKey::generate(),
            crate::vault::KeySource::Environment,
        )
        .await
        .unwrap();
        assert!(matches!(migrate(&other.db, &target.db, other.dir.path()).await, Err(MigrateError::OtherVault)));
        assert!(matches!(
            migrate(&target.db, &source.db, source.dir.path()).await,
            Err(MigrateError::SourceNotEmbedded)
        ));

        // A target that has a row of its own under a key being copied is
        // not silently skipped over.
        let elsewhere = postgres().await;
        crate::tenants::Tenants::new(&elsewhere.db).add("a").await.unwrap();
        let refused = migrate(&source.db, &elsewhere.db, source.dir.path()).await;
        assert!(matches!(refused, Err(MigrateError::Conflict { table: "tenants", .. })), "{refused:?}");
    }
}
