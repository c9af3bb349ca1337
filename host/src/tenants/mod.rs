//! Tenants, their API keys and the plugins enabled for them.
//!
//! An API key looks like `berth_<key id>_<secret>`. The key id is public and
//! finds the tenant; only a SHA-256 hash of the secret is stored, and the
//! presented secret's hash is compared in constant time. Secrets are 256
//! random bits, so a fast hash is the right tool (there is nothing to
//! brute-force), and a stolen database yields no usable key.

mod keys;

pub use keys::ApiKey;

use crate::args;
use crate::db::{Database, DbError};
use std::collections::BTreeSet;
use std::sync::Arc;

/// A tenant's key as stored: the tenant, and the hash of its secret.
#[derive(Clone)]
pub struct StoredKey {
    tenant: Arc<str>,
    hash: Vec<u8>,
}

impl StoredKey {
    /// The tenant, if `secret` is this key's secret (compared in constant
    /// time).
    pub fn admits(&self, secret: &str) -> Option<&Arc<str>> {
        keys::secret_matches(secret, &self.hash).then_some(&self.tenant)
    }
}

/// Why a tenant operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No tenant has this name.
    #[error("no tenant named `{0}`")]
    Unknown(String),
    /// The name is taken.
    #[error("a tenant named `{0}` already exists")]
    Exists(String),
    /// The name breaks the naming rule.
    #[error(
        "tenant name `{0}` is invalid: use 1-64 characters from a-z, 0-9, `-` and `_`, starting with a letter or digit"
    )]
    InvalidName(String),
}

/// One tenant as listed for an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSummary {
    /// Name.
    pub name: String,
    /// Public id of its current key.
    pub key_id: String,
    /// Plugins enabled for it.
    pub plugins: BTreeSet<String>,
    /// What happens to hidden text in what its plugins return.
    pub hidden_text: HiddenText,
}

/// What happens to hidden text (see [`crate::policy::hidden_text`]) in what
/// a tenant's plugins return.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HiddenText {
    /// Removed before a model sees it: the default, for every tenant.
    #[default]
    Strip,
    /// Passed on as the upstream wrote it, for a tenant whose systems only
    /// trusted people write to.
    Keep,
}

impl HiddenText {
    /// As stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strip => "strip",
            Self::Keep => "keep",
        }
    }
}

/// Which plugins a tenant may see and call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PluginAccess {
    /// Only these (a registered tenant).
    Enabled(BTreeSet<String>),
    /// Every loaded plugin: a tenant that was never registered, which only a
    /// local operator can use (stdio, or `--anonymous-tenant` on loopback).
    Unregistered,
}

impl PluginAccess {
    /// Whether `plugin` is visible.
    pub fn allows(&self, plugin: &str) -> bool {
        match self {
            Self::Enabled(plugins) => plugins.contains(plugin),
            Self::Unregistered => true,
        }
    }
}

/// Tenant operations over the database.
pub struct Tenants<'a> {
    db: &'a Database,
}

/// A [`HiddenText`] that is neither `strip` nor `keep`.
#[derive(Debug, thiserror::Error)]
#[error("hidden text is either `strip` or `keep`")]
pub struct NoSuchHiddenText;

impl std::str::FromStr for HiddenText {
    type Err = NoSuchHiddenText;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "strip" => Ok(Self::Strip),
            "keep" => Ok(Self::Keep),
            _ => Err(NoSuchHiddenText),
        }
    }
}

/// A stored `hidden_text` (the schema allows only `strip` and `keep`).
fn stored(value: &str) -> HiddenText {
    value.parse().unwrap_or_default()
}

impl<'a> Tenants<'a> {
    /// Tenant operations on `db`.
    pub fn new(db: &'a Database) -> Self {
        Self { db }
    }

    /// Registers `name` and returns its first API key. The key is shown once;
    /// only its hash is kept.
    pub async fn add(&self, name: &str) -> Result<ApiKey, TenantError> {
        check_name(name)?;
        let key = ApiKey::generate();
        let inserted = self
            .db
            .execute(
                "INSERT INTO tenants (name, key_id, key_hash, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (name) DO NOTHING",
                args![name, key.id(), key.secret_hash().as_slice(), crate::audit::now_ms() / 1000],
            )
            .await?;
        if inserted == 0 {
            return Err(TenantError::Exists(name.to_owned()));
        }
        Ok(key)
    }

    /// Replaces `name`'s key; the old key stops working at once.
    pub async fn rotate_key(&self, name: &str) -> Result<ApiKey, TenantError> {
        let key = ApiKey::generate();
        let updated = self
            .db
            .execute(
                "UPDATE tenants SET key_id = ?2, key_hash = ?3 WHERE name = ?1",
                args![name, key.id(), key.secret_hash().as_slice()],
            )
            .await?;
        if updated == 0 {
            return Err(TenantError::Unknown(name.to_owned()));
        }
        Ok(key)
    }

    /// Every tenant, by name.
    pub async fn list(&self) -> Result<Vec<TenantSummary>, TenantError> {
        let rows = self.db.query("SELECT name, key_id, hidden_text FROM tenants ORDER BY name", args![]).await?;
        let mut tenants = Vec::with_capacity(rows.len());
        for row in rows {
            let name: String = row.get(0)?;
            let hidden_text: String = row.get(2)?;
            let plugins = self.enabled(&name).await?;
            tenants.push(TenantSummary { plugins, name, key_id: row.get(1)?, hidden_text: stored(&hidden_text) });
        }
        Ok(tenants)
    }

    /// Sets what happens to hidden text in what `name`'s plugins return.
    pub async fn set_hidden_text(&self, name: &str, hidden_text: HiddenText) -> Result<(), TenantError> {
        let updated = self
            .db
            .execute("UPDATE tenants SET hidden_text = ?2 WHERE name = ?1", args![name, hidden_text.as_str()])
            .await?;
        if updated == 0 {
            return Err(TenantError::Unknown(name.to_owned()));
        }
        Ok(())
    }

    /// What happens to hidden text in what `tenant`'s plugins return; a
    /// tenant that was never registered gets the default.
    pub async fn hidden_text(&self, tenant: &str) -> Result<HiddenText, TenantError> {
        let row = self.db.query_opt("SELECT hidden_text FROM tenants WHERE name = ?1", args![tenant]).await?;
        let stored_as: Option<String> = row.map(|row| row.get(0)).transpose()?;
        Ok(stored_as.as_deref().map(stored).unwrap_or_default())
    }

    /// The tenant that `presented` (a whole API key) belongs to, if any.
    pub async fn authenticate(&self, presented: &str) -> Result<Option<String>, TenantError> {
        let Some((key_id, secret)) = ApiKey::parse(presented) else {
            return Ok(None);
        };
        Ok(self.stored_key(key_id).await?.and_then(|key| key.admits(secret).map(|tenant| tenant.to_string())))
    }

    /// The key stored under `key_id`, if a tenant has one: what
    /// [`Tenants::authenticate`] checks a presented secret against, and what
    /// the in-memory snapshot keeps.
    pub async fn stored_key(&self, key_id: &str) -> Result<Option<StoredKey>, TenantError> {
        let row = self.db.query_opt("SELECT name, key_hash FROM tenants WHERE key_id = ?1", args![key_id]).await?;
        let key =
            row.map(|row| Ok::<_, DbError>(StoredKey { tenant: row.get::<String>(0)?.into(), hash: row.get(1)? }));
        Ok(key.transpose()?)
    }

    /// Enables `plugin` for `tenant`.
    pub async fn enable(&self, tenant: &str, plugin: &str) -> Result<(), TenantError> {
        self.require(tenant).await?;
        self.db
            .execute(
                "INSERT INTO tenant_plugins (tenant, plugin) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                args![tenant, plugin],
            )
            .await?;
        Ok(())
    }

    /// Disables `plugin` for `tenant`.
    pub async fn disable(&self, tenant: &str, plugin: &str) -> Result<(), TenantError> {
        self.require(tenant).await?;
        self.db.execute("DELETE FROM tenant_plugins WHERE tenant = ?1 AND plugin = ?2", args![tenant, plugin]).await?;
        Ok(())
    }

    /// Which plugins `tenant` may use.
    pub async fn access(&self, tenant: &str) -> Result<PluginAccess, TenantError> {
        if self.exists(tenant).await? {
            Ok(PluginAccess::Enabled(self.enabled(tenant).await?))
        } else {
            Ok(PluginAccess::Unregistered)
        }
    }

    async fn enabled(&self, tenant: &str) -> Result<BTreeSet<String>, TenantError> {
        let rows = self.db.query("SELECT plugin FROM tenant_plugins WHERE tenant = ?1", args![tenant]).await?;
        Ok(rows.iter().map(|row| row.get(0)).collect::<Result<_, _>>()?)
    }

    async fn exists(&self, tenant: &str) -> Result<bool, TenantError> {
        Ok(self.db.query_opt("SELECT 1 FROM tenants WHERE name = ?1", args![tenant]).await?.is_some())
    }

    async fn require(&self, tenant: &str) -> Result<(), TenantError> {
        if self.exists(tenant).await? { Ok(()) } else { Err(TenantError::Unknown(tenant.to_owned())) }
    }
}

fn check_name(name: &str) -> Result<(), TenantError> {
    let valid = (1..=64).contains(&name.len())
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_');
    if valid { Ok(()) } else { Err(TenantError::InvalidName(name.to_owned())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::db::testing::{each_backend, sqlite};

    #[tokio::test]
    async fn keys_authenticate_their_tenant_until_rotated() {
        for store in each_backend().await {
            let db = store.db;
            let tenants = Tenants::new(&db);
            let key = tenants.add("acme").await.unwrap();
            assert_eq!(tenants.authenticate(key.as_str()).await.unwrap().as_deref(), Some("acme"));
            let rotated = tenants.rotate_key("acme").await.unwrap();
            assert_eq!(tenants.authenticate(key.as_str()).await.unwrap(), None, "the old key stops working");
            assert_eq!(tenants.authenticate(rotated.as_str()).await.unwrap().as_deref(), Some("acme"));
        }
    }

    #[tokio::test]
    async fn wrong_and_malformed_keys_are_refused() {
        for store in each_backend().await {
            let db = store.db;
            let tenants = Tenants::new(&db);
            let key = tenants.add("acme").await.unwrap();
            let mut tampered = key.as_str().to_owned();
            let last = tampered.pop().unwrap();
            tampered.push(if last == 'A' { 'B' } else { 'A' });
            for presented in [tampered.as_str(), "", "berth_", "berth_x_y", "not-a-key", &key.as_str()[..20]] {
                assert_eq!(tenants.authenticate(presented).await.unwrap(), None, "{presented}");
            }
        }
    }

    #[tokio::test]
    async fn the_database_never_holds_the_key() {
        let store = sqlite().await;
        let (dir, db) = (store.dir, store.db);
        let key = Tenants::new(&db).add("acme").await.unwrap();
        drop(db);
        let mut raw = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            raw.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        let secret = key.as_str().rsplit('_').next().unwrap().as_bytes();
        assert!(!raw.windows(secret.len()).any(|window| window == secret));
    }

    #[tokio::test]
    async fn plugins_are_enabled_per_tenant() {
        for store in each_backend().await {
            let db = store.db;
            let tenants = Tenants::new(&db);
            tenants.add("a").await.unwrap();
            tenants.add("b").await.unwrap();
            tenants.enable("a", "hello").await.unwrap();
            assert!(tenants.access("a").await.unwrap().allows("hello"));
            assert!(!tenants.access("b").await.unwrap().allows("hello"));
            assert_eq!(tenants.access("never-added").await.unwrap(), PluginAccess::Unregistered);
            tenants.disable("a", "hello").await.unwrap();
            assert!(!tenants.access("a").await.unwrap().allows("hello"));
            assert!(matches!(tenants.enable("ghost", "hello").await, Err(TenantError::Unknown(_))));
        }
    }

    #[tokio::test]
    async fn names_are_unique_and_well_formed() {
        for store in each_backend().await {
            let db = store.db;
            let tenants = Tenants::new(&db);
            tenants.add("acme").await.unwrap();
            assert!(matches!(tenants.add("acme").await, Err(TenantError::Exists(_))));
            assert!(matches!(tenants.add("Bad Name").await, Err(TenantError::InvalidName(_))));
        }
    }
}
