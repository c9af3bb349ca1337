//! PostgreSQL's schema: the same tables, columns and rules as the SQLite
//! steps in `../sqlite/migrations.rs`, so one statement text serves both,
//! written in PostgreSQL's types (`BIGINT` for every integer, `BYTEA` for
//! bytes). The version is the row count of `berth_schema`. Append new
//! steps; never edit a released one.
//!
//! Differences that statements rely on:
//! - `audit_calls.rowid` is a real column here (`BIGSERIAL`); in SQLite it
//!   is the implicit row id. Both order rows by insertion the same way.
//! - Every change that a call reads bumps `change_counter` through
//!   triggers, as in SQLite, and also sends `NOTIFY berth_changes`; a
//!   deployment sends `NOTIFY berth_catalog`. Replicas listen to both.

use super::PgConn;
use crate::db::DbError;

const STEPS: &[&str] = &[
    // 1: everything SQLite's steps 1 to 9 built, at once.
    "CREATE TABLE plugin_config (
        tenant TEXT NOT NULL,
        plugin TEXT NOT NULL,
        key    TEXT NOT NULL,
        value  TEXT NOT NULL,
        PRIMARY KEY (tenant, plugin, key)
    );
    CREATE TABLE tenants (
        name        TEXT PRIMARY KEY,
        key_id      TEXT NOT NULL UNIQUE,
        key_hash    BYTEA NOT NULL,
        created_at  BIGINT NOT NULL,
        hidden_text TEXT NOT NULL DEFAULT 'strip' CHECK (hidden_text IN ('strip', 'keep'))
    );
    CREATE TABLE tenant_plugins (
        tenant TEXT NOT NULL REFERENCES tenants (name) ON DELETE CASCADE,
        plugin TEXT NOT NULL,
        PRIMARY KEY (tenant, plugin)
    );
    CREATE TABLE credentials (
        tenant     TEXT NOT NULL,
        plugin     TEXT NOT NULL,
        name       TEXT NOT NULL,
        params     TEXT NOT NULL,
        bound      TEXT NOT NULL,
        secret     BYTEA NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (tenant, plugin, name)
    );
    CREATE TABLE vault_meta (
        key   TEXT PRIMARY KEY,
        value BYTEA NOT NULL
    );
    CREATE TABLE audit_calls (
        rowid       BIGSERIAL NOT NULL UNIQUE,
        call_id     TEXT PRIMARY KEY,
        at_ms       BIGINT NOT NULL,
        tenant      TEXT NOT NULL,
        transport   TEXT NOT NULL,
        plugin      TEXT NOT NULL,
        version     TEXT NOT NULL,
        tool        TEXT NOT NULL,
        arguments   TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        duration_ms BIGINT NOT NULL
    );
    CREATE INDEX audit_calls_by_tenant ON audit_calls (tenant, at_ms);
    CREATE INDEX audit_calls_by_time ON audit_calls (at_ms, rowid);
    CREATE TABLE audit_requests (
        id          BIGSERIAL PRIMARY KEY,
        call_id     TEXT NOT NULL,
        at_ms       BIGINT NOT NULL,
        tenant      TEXT NOT NULL,
        plugin      TEXT NOT NULL,
        method      TEXT NOT NULL,
        origin      TEXT NOT NULL,
        path        TEXT NOT NULL,
        status      BIGINT,
        duration_ms BIGINT NOT NULL,
        retries     BIGINT NOT NULL,
        outcome     TEXT NOT NULL
    );
    CREATE INDEX audit_requests_by_call ON audit_requests (call_id);
    CREATE TABLE plugin_versions (
        digest   TEXT PRIMARY KEY,
        name     TEXT NOT NULL,
        version  TEXT NOT NULL,
        tools    TEXT NOT NULL,
        bytes    BIGINT NOT NULL,
        added_ms BIGINT NOT NULL,
        grants   TEXT
    );
    CREATE TABLE plugin_deployments (
        seq         BIGSERIAL PRIMARY KEY,
        name        TEXT NOT NULL,
        digest      TEXT REFERENCES plugin_versions (digest),
        source      TEXT NOT NULL,
        path        TEXT,
        at_ms       BIGINT NOT NULL,
        rolled_back BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX plugin_deployments_by_name ON plugin_deployments (name, seq);
    CREATE TABLE events (
        id       BIGSERIAL PRIMARY KEY,
        at_ms    BIGINT NOT NULL,
        tenant   TEXT NOT NULL,
        plugin   TEXT NOT NULL,
        delivery TEXT,
        kind     TEXT,
        outcome  TEXT NOT NULL CHECK (outcome IN ('accepted', 'handled', 'failed', 'duplicate', 'refused', 'busy')),
        detail   TEXT NOT NULL DEFAULT ''
    );
    CREATE UNIQUE INDEX events_delivery ON events (tenant, plugin, delivery)
        WHERE delivery IS NOT NULL AND outcome IN ('accepted', 'handled', 'failed');
    CREATE INDEX events_at ON events (at_ms);
    CREATE TABLE change_counter (
        id    BIGINT PRIMARY KEY CHECK (id = 1),
        value BIGINT NOT NULL
    );
    INSERT INTO change_counter (id, value) VALUES (1, 0);
    CREATE FUNCTION berth_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE change_counter SET value = value + 1;
        PERFORM pg_notify('berth_changes', '');
        RETURN NULL;
    END $$;
    CREATE TRIGGER tenants_count AFTER INSERT OR UPDATE OR DELETE ON tenants
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE TRIGGER tenant_plugins_count AFTER INSERT OR UPDATE OR DELETE ON tenant_plugins
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE TRIGGER plugin_config_count AFTER INSERT OR UPDATE OR DELETE ON plugin_config
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE TRIGGER credentials_count AFTER INSERT OR UPDATE OR DELETE ON credentials
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE TRIGGER vault_meta_count AFTER INSERT OR UPDATE OR DELETE ON vault_meta
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE FUNCTION berth_catalog_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('berth_catalog', '');
        RETURN NULL;
    END $$;
    CREATE TRIGGER plugin_deployments_notify AFTER INSERT OR UPDATE OR DELETE ON plugin_deployments
        FOR EACH STATEMENT EXECUTE FUNCTION berth_catalog_change();",
    // 2: plugin components themselves, by digest, so every replica can
    // load what any one deployed (SQLite keeps them as files beside the
    // database instead).
    "CREATE TABLE plugin_artifacts (
        digest TEXT PRIMARY KEY,
        wasm   BYTEA NOT NULL
    );",
    // 3: OAuth2 access tokens, sealed, shared by the replicas (see
    // `vault::token_store`).
    "CREATE TABLE oauth_tokens (
        key         TEXT PRIMARY KEY,
        sealed      BYTEA NOT NULL,
        renew_at_ms BIGINT NOT NULL
    );",
    // 4: who may do what, as SQLite's step 10.
    "CREATE TABLE auth_issuers (
        issuer TEXT PRIMARY KEY,
        config TEXT NOT NULL
    );
    CREATE TABLE roles (
        name   TEXT PRIMARY KEY,
        grants TEXT NOT NULL
    );
    CREATE TABLE tenant_policies (
        tenant TEXT PRIMARY KEY REFERENCES tenants (name) ON DELETE CASCADE,
        policy TEXT NOT NULL
    );
    CREATE TRIGGER auth_issuers_count AFTER INSERT OR UPDATE OR DELETE ON auth_issuers
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE TRIGGER roles_count AFTER INSERT OR UPDATE OR DELETE ON roles
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    CREATE TRIGGER tenant_policies_count AFTER INSERT OR UPDATE OR DELETE ON tenant_policies
        FOR EACH STATEMENT EXECUTE FUNCTION berth_count_change();
    ALTER TABLE audit_calls ADD COLUMN principal TEXT NOT NULL DEFAULT '';
    ALTER TABLE audit_calls ADD COLUMN roles TEXT NOT NULL DEFAULT '';",
    // 5: per-user credentials, as SQLite's step 11.
    "CREATE TABLE user_credentials (
        tenant     TEXT NOT NULL,
        plugin     TEXT NOT NULL,
        name       TEXT NOT NULL,
        principal  TEXT NOT NULL,
        secret     BYTEA NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (tenant, plugin, name, principal)
    );
    CREATE TABLE oauth_flows (
        state_key     TEXT PRIMARY KEY,
        owner_key     TEXT NOT NULL UNIQUE,
        sealed        BYTEA NOT NULL,
        expires_at_ms BIGINT NOT NULL
    );
    ALTER TABLE audit_requests ADD COLUMN acting_as TEXT NOT NULL DEFAULT '';",
];

/// The advisory lock migrations take, so that replicas starting together
/// apply each step once: "berth-m" in ASCII.
const MIGRATION_LOCK: i64 = 0x62_6572_7468_2d6d;

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    STEPS.len() as i64
}

/// Brings the database up to [`latest`], each step in its own transaction
/// under the migration lock.
pub(super) async fn apply(conn: &mut PgConn) -> Result<(), DbError> {
    conn.batch("CREATE TABLE IF NOT EXISTS berth_schema (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)")
        .await
        .or_else(|error| match error {
            // Two replicas created it at once; one of them won.
            DbError::Postgres(ref inner) if inner.code().is_some_and(|code| code.code() == "23505") => Ok(()),
            other => Err(other),
        })?;
    loop {
        conn.batch(&format!("BEGIN; SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")).await?;
        conn.in_transaction = true;
        let current: i64 = conn.query("SELECT count(*) FROM berth_schema", vec![]).await?[0].get(0)?;
        if current > latest() {
            conn.batch("ROLLBACK").await?;
            conn.in_transaction = false;
            return Err(DbError::TooNew { found: current, known: latest() });
        }
        let Some(step) = STEPS.get(current as usize) else {
            conn.commit().await?;
            return Ok(());
        };
        conn.batch(step).await?;
        conn.execute(
            "INSERT INTO berth_schema (version, applied_ms) VALUES (?1, ?2)",
            crate::args![current + 1, crate::audit::now_ms()],
        )
        .await?;
        conn.commit().await?;
    }
}
