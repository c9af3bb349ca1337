//! Schema migrations, applied in order and recorded in `PRAGMA user_version`.
//! Append new steps; never edit a released one.

use crate::db::DbError;
use rusqlite::Connection;

const STEPS: &[&str] = &[
    // 1: per-tenant, per-plugin non-secret settings.
    "CREATE TABLE plugin_config (
        tenant TEXT NOT NULL,
        plugin TEXT NOT NULL,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (tenant, plugin, key)
    ) STRICT;",
    // 2: tenants, their API keys (hashed) and the plugins enabled for them.
    "CREATE TABLE tenants (
        name        TEXT PRIMARY KEY,
        key_id      TEXT NOT NULL UNIQUE,
        key_hash    BLOB NOT NULL,
        created_at  INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE tenant_plugins (
        tenant TEXT NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
        plugin TEXT NOT NULL,
        PRIMARY KEY (tenant, plugin)
    ) STRICT;",
    // 3: the vault: credentials with encrypted secrets, and the master key's
    // check value (never the key).
    "CREATE TABLE credentials (
        tenant     TEXT NOT NULL,
        plugin     TEXT NOT NULL,
        name       TEXT NOT NULL,
        params     TEXT NOT NULL,
        bound      TEXT NOT NULL,
        secret     BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, plugin, name)
    ) STRICT;
    CREATE TABLE vault_meta (
        key   TEXT PRIMARY KEY,
        value BLOB NOT NULL
    ) STRICT;",
    // 4: the audit log: tool calls and the upstream requests each caused.
    "CREATE TABLE audit_calls (
        call_id     TEXT PRIMARY KEY,
        at_ms       INTEGER NOT NULL,
        tenant      TEXT NOT NULL,
        transport   TEXT NOT NULL,
        plugin      TEXT NOT NULL,
        version     TEXT NOT NULL,
        tool        TEXT NOT NULL,
        arguments   TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        duration_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX audit_calls_by_tenant ON audit_calls (tenant, at_ms);
    CREATE TABLE audit_requests (
        id          INTEGER PRIMARY KEY,
        call_id     TEXT NOT NULL,
        at_ms       INTEGER NOT NULL,
        tenant      TEXT NOT NULL,
        plugin      TEXT NOT NULL,
        method      TEXT NOT NULL,
        origin      TEXT NOT NULL,
        path        TEXT NOT NULL,
        status      INTEGER,
        duration_ms INTEGER NOT NULL,
        retries     INTEGER NOT NULL,
        outcome     TEXT NOT NULL
    ) STRICT;
    CREATE INDEX audit_requests_by_call ON audit_requests (call_id);",
    // 5: plugin versions by content digest, and the history of which one
    // served: a NULL digest is an unload; rolled-back entries stay as record.
    "CREATE TABLE plugin_versions (
        digest   TEXT PRIMARY KEY,
        name     TEXT NOT NULL,
        version  TEXT NOT NULL,
        tools    TEXT NOT NULL,
        bytes    INTEGER NOT NULL,
        added_ms INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE plugin_deployments (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        digest      TEXT REFERENCES plugin_versions (digest),
        source      TEXT NOT NULL,
        path        TEXT,
        at_ms       INTEGER NOT NULL,
        rolled_back INTEGER NOT NULL DEFAULT 0
    ) STRICT;
    CREATE INDEX plugin_deployments_by_name ON plugin_deployments (name, seq);",
    // 6: each version's egress rules and config defaults (JSON), so that a
    // credential set from the CLI is bound to where the plugin's rules lead
    // for its tenant without loading the component. NULL for versions
    // recorded before; filled when such a version next serves.
    "ALTER TABLE plugin_versions ADD COLUMN grants TEXT;",
    // 7: one counter that every change to what a call reads (tenants, keys,
    // enabled plugins, settings, credentials, the vault's key) bumps in the
    // same transaction, whoever writes; the host's in-memory snapshot reads
    // it on every call (see `crate::snapshot`).
    "CREATE TABLE change_counter (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        value INTEGER NOT NULL
    ) STRICT;
    INSERT INTO change_counter (id, value) VALUES (1, 0);
    CREATE TRIGGER tenants_insert_counts AFTER INSERT ON tenants BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenants_update_counts AFTER UPDATE ON tenants BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenants_delete_counts AFTER DELETE ON tenants BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenant_plugins_insert_counts AFTER INSERT ON tenant_plugins BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenant_plugins_update_counts AFTER UPDATE ON tenant_plugins BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenant_plugins_delete_counts AFTER DELETE ON tenant_plugins BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER plugin_config_insert_counts AFTER INSERT ON plugin_config BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER plugin_config_update_counts AFTER UPDATE ON plugin_config BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER plugin_config_delete_counts AFTER DELETE ON plugin_config BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER credentials_insert_counts AFTER INSERT ON credentials BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER credentials_update_counts AFTER UPDATE ON credentials BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER credentials_delete_counts AFTER DELETE ON credentials BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER vault_meta_insert_counts AFTER INSERT ON vault_meta BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER vault_meta_update_counts AFTER UPDATE ON vault_meta BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER vault_meta_delete_counts AFTER DELETE ON vault_meta BEGIN UPDATE change_counter SET value = value + 1; END;",
    // 8: whether hidden text (invisible and bidirectional characters, HTML
    // comments) is stripped from what the tenant's plugins return: `strip`
    // unless the operator chose `keep`.
    "ALTER TABLE tenants ADD COLUMN hidden_text TEXT NOT NULL DEFAULT 'strip' CHECK (hidden_text IN ('strip', 'keep'));",
    // 9: the event history: every webhook delivery, what became of it, and
    // (through the partial unique index) each delivery id taken in once per
    // tenant and plugin, so retries are de-duplicated atomically.
    "CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        tenant TEXT NOT NULL,
        plugin TEXT NOT NULL,
        delivery TEXT,
        kind TEXT,
        outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'handled', 'failed', 'duplicate', 'refused', 'busy')),
        detail TEXT NOT NULL DEFAULT ''
    ) STRICT;
    CREATE UNIQUE INDEX events_delivery ON events (tenant, plugin, delivery)
        WHERE delivery IS NOT NULL AND outcome IN ('accepted', 'handled', 'failed');
    CREATE INDEX events_at ON events (at_ms);",
    // 10: who may do what: the identity providers whose tokens are taken,
    // the roles operators define beside the built-in ones, each tenant's
    // policy (all JSON documents; see `auth`), and the principal and roles
    // of each audited call. What calls read moves the change counter.
    "CREATE TABLE auth_issuers (
        issuer TEXT PRIMARY KEY,
        config TEXT NOT NULL
    ) STRICT;
    CREATE TABLE roles (
        name   TEXT PRIMARY KEY,
        grants TEXT NOT NULL
    ) STRICT;
    CREATE TABLE tenant_policies (
        tenant TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
        policy TEXT NOT NULL
    ) STRICT;
    CREATE TRIGGER auth_issuers_insert_counts AFTER INSERT ON auth_issuers BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER auth_issuers_update_counts AFTER UPDATE ON auth_issuers BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER auth_issuers_delete_counts AFTER DELETE ON auth_issuers BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER roles_insert_counts AFTER INSERT ON roles BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER roles_update_counts AFTER UPDATE ON roles BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER roles_delete_counts AFTER DELETE ON roles BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenant_policies_insert_counts AFTER INSERT ON tenant_policies BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenant_policies_update_counts AFTER UPDATE ON tenant_policies BEGIN UPDATE change_counter SET value = value + 1; END;
    CREATE TRIGGER tenant_policies_delete_counts AFTER DELETE ON tenant_policies BEGIN UPDATE change_counter SET value = value + 1; END;
    ALTER TABLE audit_calls ADD COLUMN principal TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit_calls ADD COLUMN roles TEXT NOT NULL DEFAULT '';",
    // 11: per-user credentials: each person's sealed tokens (see
    // `vault::user_tokens`), the authorization flows under way (see
    // `vault::connect`), and whose credential each upstream request
    // carried.
    "CREATE TABLE user_credentials (
        tenant     TEXT NOT NULL,
        plugin     TEXT NOT NULL,
        name       TEXT NOT NULL,
        principal  TEXT NOT NULL,
        secret     BLOB NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (tenant, plugin, name, principal)
    ) STRICT;
    CREATE TABLE oauth_flows (
        state_key     TEXT PRIMARY KEY,
        owner_key     TEXT NOT NULL UNIQUE,
        sealed        BLOB NOT NULL,
        expires_at_ms INTEGER NOT NULL
    ) STRICT;
    ALTER TABLE audit_requests ADD COLUMN acting_as TEXT NOT NULL DEFAULT '';",
];

/// The schema version this build writes.
pub fn latest() -> i64 {
    STEPS.len() as i64
}

/// Brings `conn` up to [`latest`], each step in its own transaction. The
/// version is read inside the transaction that applies the step, so two
/// processes opening one data directory at once never apply a step twice.
pub fn apply(conn: &Connection) -> Result<(), DbError> {
    let version = |conn: &Connection| conn.query_row("PRAGMA user_version", [], |row| row.get::<_, i64>(0));
    if version(conn)? == latest() {
        // Up to date: no need to wait for the write lock.
        return Ok(());
    }
    loop {
        // IMMEDIATE: take the write lock before reading the version, so a
        // second process waits its turn instead of failing.
        let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
        let current = version(&tx)?;
        if current > latest() {
            return Err(DbError::TooNew { found: current, known: latest() });
        }
        let Some(step) = STEPS.get(current as usize) else { return Ok(()) };
        tx.execute_batch(step)?;
        tx.pragma_update(None, "user_version", current + 1)?;
        tx.commit()?;
    }
}
