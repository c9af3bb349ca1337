//! The vault: tenants' credentials, with every secret part encrypted with
//! AES-256-GCM under a per-tenant key derived from the master key.
//!
//! The master key comes from `BERTH_MASTER_KEY` or `--master-key-file`; with
//! neither, a key file is created in the data directory (mode 0600) with a
//! warning. The database holds only a check value that recognises the key.
//!
//! Each secret is sealed with associated data covering its whole row: the
//! tenant, plugin and name, and also the scheme parameters (username, token
//! URL, header templates) and bound origins. Whoever can write the database
//! but lacks the key cannot rebind a credential or send it elsewhere: the
//! secret stops opening. Vaults from before that coverage are re-sealed
//! once, when a host or the CLI first opens them with the key.
//!
//! `berth vault rotate` may run while a host serves: the host notices the
//! new check value the first time a secret no longer opens, re-reads its key
//! file and carries on with the new key.

pub mod connect;
pub mod credentials;
mod crypto;
pub mod oauth;
pub mod redact;
pub mod token_store;
pub mod user_tokens;

pub use credentials::{Credential, Scheme};
pub use crypto::{CryptoError, MasterKey};

use crate::args;
use crate::db::{Conn, Database, DbError, Transaction};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// Name of the generated key file in the data directory.
pub const KEY_FILE: &str = "master.key";

/// Why a vault operation failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Encryption or decryption failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The key file could not be read or written.
    #[error("master key file {path}: {source}")]
    KeyFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The key does not belong to this database.
    #[error("the master key does not match this database's vault; use the key it was created with")]
    WrongKey,
    /// The vault was rotated while this process ran with a key from the
    /// environment, which a running process cannot re-read.
    #[error("the vault was rotated under a new master key; restart the host with the new BERTH_MASTER_KEY")]
    Rotated,
    /// A stored row does not decode.
    #[error("credential `{0}` is corrupt")]
    Corrupt(String),
    /// A re-seal found a credential, or the vault's key, changed by another
    /// process or replica since it read them; nothing was changed.
    #[error("`{0}` changed while the vault was being re-sealed; nothing was changed, run it again")]
    ChangedMeanwhile(String),
    /// A signing key too short to resist an offline search from one MAC.
    #[error(
        "a signing key must be at least {min} bytes (a random value, e.g. `openssl rand -hex 32`); this one has {len}"
    )]
    WeakSigningKey {
        /// The minimum ([`VaultSettings::min_signing_key_bytes`]).
        min: usize,
        /// The key's length.
        len: usize,
    },
    /// No such credential.
    #[error("no credential `{name}` for plugin `{plugin}` on tenant `{tenant}`")]
    Unknown {
        /// Tenant.
        tenant: String,
        /// Plugin.
        plugin: String,
        /// Name.
        name: String,
    },
}

/// Where the master key came from, which decides how rotation stores the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `BERTH_MASTER_KEY`.
    Environment,
    /// A key file.
    File(PathBuf),
}

/// Loads the master key: from `env_key` if set, else from `key_file`, else
/// from (or newly into) `data_dir/master.key`.
pub fn load_master_key(
    data_dir: &Path,
    env_key: Option<&str>,
    key_file: Option<&Path>,
) -> Result<(MasterKey, KeySource), VaultError> {
    if let Some(hex) = env_key {
        return Ok((MasterKey::from_hex(hex)?, KeySource::Environment));
    }
    let path = key_file.map_or_else(|| data_dir.join(KEY_FILE), Path::to_path_buf);
    let io = |source| VaultError::KeyFile { path: path.clone(), source };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok((MasterKey::from_hex(&text)?, KeySource::File(path))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && key_file.is_none() => {
            let key = MasterKey::generate();
            write_key_file(&path, &key).map_err(io)?;
            tracing::warn!(
                file = %path.display(),
                "created a new vault master key file; back it up, or set BERTH_MASTER_KEY / --master-key-file in production"
            );
            Ok((key, KeySource::File(path)))
        }
        Err(error) => Err(io(error)),
    }
}

/// Writes `key` to `path`, readable by the owner only.
pub fn write_key_file(path: &Path, key: &MasterKey) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    std::io::Write::write_all(&mut file, key.to_hex().as_bytes())?;
    file.sync_all()
}

/// `[vault]` settings.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VaultSettings {
    /// Shortest signing key `credential set` accepts, in bytes. A plugin can
    /// ask the host for HMACs under a signing key, and one HMAC of a known
    /// message lets anyone test guesses offline; 32 bytes (256 bits, the
    /// strength of HMAC-SHA256 itself) of random data puts that search out
    /// of reach, while a password-sized key falls to a dictionary.
    pub min_signing_key_bytes: usize,
}

impl Default for VaultSettings {
    fn default() -> Self {
        Self { min_signing_key_bytes: 32 }
    }
}

impl VaultSettings {
    /// Refuses a signing key shorter than [`Self::min_signing_key_bytes`].
    pub fn check_signing_key(&self, key: &str) -> Result<(), VaultError> {
        if key.len() < self.min_signing_key_bytes {
            return Err(VaultError::WeakSigningKey { min: self.min_signing_key_bytes, len: key.len() });
        }
        Ok(())
    }
}

/// One credential as listed for an operator: never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSummary {
    /// Tenant.
    pub tenant: String,
    /// Plugin.
    pub plugin: String,
    /// Name.
    pub name: String,
    /// Scheme name.
    pub scheme: String,
    /// The origins its headers may be sent to, fixed when it was set or
    /// re-bound; empty means nowhere.
    pub bound: Vec<String>,
}

/// Vault operations over the database with a verified master key. Opened
/// once (the host keeps it for its lifetime), so calls pay no key check;
/// the key is checked again only when a secret fails to open.
pub struct Vault {
    db: Arc<Database>,
    key: RwLock<MasterKey>,
    source: KeySource,
}

impl Vault {
    /// Opens the vault with `key`, read from `source`, recording the key's
    /// check value on first use and refusing a key that does not match it.
    pub async fn open(db: Arc<Database>, key: MasterKey, source: KeySource) -> Result<Self, VaultError> {
        let stored = check_value(&db).await?;
        match stored {
            Some(stored) if stored == key.check_value() => {}
            Some(stored) if stored == key.legacy_check_value() => reseal_legacy(&db, &key).await?,
            Some(_) => return Err(VaultError::WrongKey),
            None => {
                // Two hosts opening one new store at once record the same
                // key's check value; a different key is refused next open.
                db.execute(
                    "INSERT INTO vault_meta (key, value) VALUES ('check', ?1) ON CONFLICT DO NOTHING",
                    args![key.check_value()],
                )
                .await?;
            }
        }
        Ok(Self { db, key: RwLock::new(key), source })
    }

    /// The master key in use.
    fn key(&self) -> MasterKey {
        self.key.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// A key for `purpose` derived from the master key in use (see
    /// [`MasterKey::derive`]).
    pub fn derive(&self, purpose: &[u8]) -> zeroize::Zeroizing<[u8; 32]> {
        self.key().derive(purpose)
    }

    /// Follows a `berth vault rotate` run by another process: when the
    /// database's check value no longer matches the key in use, loads the
    /// new key from the key file. Returns whether the key changed; `false`
    /// means the failure that led here was not a rotation.
    async fn follow_rotation(&self) -> Result<bool, VaultError> {
        let Some(stored) = check_value(&self.db).await? else { return Ok(false) };
        if stored == self.key().check_value() {
            return Ok(false);
        }
        let KeySource::File(path) = &self.source else { return Err(VaultError::Rotated) };
        let text =
            std::fs::read_to_string(path).map_err(|source| VaultError::KeyFile { path: path.clone(), source })?;
        let key = MasterKey::from_hex(&text)?;
        if key.check_value() != stored {
            // The rotation has committed but not yet moved its key file into place.
            return Err(VaultError::WrongKey);
        }
        *self.key.write().unwrap_or_else(std::sync::PoisonError::into_inner) = key;
        tracing::info!(file = %path.display(), "the vault was rotated; now using the new master key");
        Ok(true)
    }

    /// Stores (or replaces) credential `name` of `plugin` for `tenant`. A
    /// replacement with other scheme parameters (another client, token or
    /// authorize URL) ends every person's connection to it.
    pub async fn set(
        &self,
        tenant: &str,
        plugin: &str,
        name: &str,
        scheme: &Scheme,
        bound: &[String],
        secrets: &BTreeMap<String, Zeroizing<String>>,
    ) -> Result<(), VaultError> {
        let plain: BTreeMap<&str, &str> = secrets.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
        let plaintext = Zeroizing::new(serde_json::to_vec(&plain).expect("a map of strings serializes"));
        let params = serde_json::to_string(scheme).expect("schemes serialize");
        let bound = serde_json::to_string(bound).expect("strings serialize");
        let row = Row { tenant, plugin, name, params: &params, bound: &bound };
        let (mut tx, key) = self.sealing().await?;
        let sealed = key.seal(tenant, &row.context(), &plaintext);
        let before = tx
            .query_opt(
                "SELECT params FROM credentials WHERE tenant = ?1 AND plugin = ?2 AND name = ?3",
                args![tenant, plugin, name],
            )
            .await?;
        if before.map(|row| row.get::<String>(0)).transpose()?.is_some_and(|before| before != params) {
            // Another client or server: people's tokens from the old one stay behind.
            user_tokens::forget_connections(&mut tx, tenant, plugin, name).await?;
        }
        tx.execute(
            "INSERT INTO credentials (tenant, plugin, name, params, bound, secret, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (tenant, plugin, name) DO UPDATE SET
               params = excluded.params, bound = excluded.bound, secret = excluded.secret, updated_at = excluded.updated_at",
            args![tenant, plugin, name, params, bound, sealed, crate::audit::now_ms() / 1000],
        )
        .await?;
        Ok(tx.commit().await?)
    }

    /// A write transaction and the key to seal with in it, known to be the
    /// vault's current one: its check value is read inside the transaction,
    /// which waits for a rotation in progress. A rotation another process
    /// committed since this one loaded its key is followed first (or
    /// reported), so nothing is ever sealed under a retired key.
    async fn sealing(&self) -> Result<(Transaction, MasterKey), VaultError> {
        for _ in 0..2 {
            let mut tx = self.db.transaction().await?;
            let stored = tx.query_opt("SELECT value FROM vault_meta WHERE key = 'check'", args![]).await?;
            let stored: Option<Vec<u8>> = stored.map(|row| row.get(0)).transpose()?;
            let key = self.key();
            if stored.is_none_or(|stored| stored == key.check_value()) {
                return Ok((tx, key));
            }
            drop(tx);
            if !self.follow_rotation().await? {
                return Err(VaultError::WrongKey);
            }
        }
        Err(VaultError::ChangedMeanwhile("the vault's key".to_owned()))
    }

    /// Binds credential `name` of `plugin` for `tenant` to exactly `bound`,
    /// re-sealing its secret (the binding is part of what the seal covers).
    pub async fn rebind(&self, tenant: &str, plugin: &str, name: &str, bound: &[String]) -> Result<(), VaultError> {
        let unknown = || VaultError::Unknown { tenant: tenant.into(), plugin: plugin.into(), name: name.into() };
        let credential = self.credentials(tenant, plugin).await?.into_iter().find(|found| found.name == name);
        let credential = credential.ok_or_else(unknown)?;
        self.set(tenant, plugin, name, &credential.scheme, bound, &credential.secrets).await
    }

    /// Deletes a credential, and every person's connection to it.
    pub async fn delete(&self, tenant: &str, plugin: &str, name: &str) -> Result<(), VaultError> {
        let mut tx = self.db.transaction().await?;
        let removed = tx
            .execute(
                "DELETE FROM credentials WHERE tenant = ?1 AND plugin = ?2 AND name = ?3",
                args![tenant, plugin, name],
            )
            .await?;
        if removed == 0 {
            return Err(VaultError::Unknown { tenant: tenant.into(), plugin: plugin.into(), name: name.into() });
        }
        user_tokens::forget_connections(&mut tx, tenant, plugin, name).await?;
        Ok(tx.commit().await?)
    }

    /// `tenant`'s credentials, without secrets.
    pub async fn list(&self, tenant: &str) -> Result<Vec<CredentialSummary>, VaultError> {
        self.summaries("tenant = ?1", tenant).await
    }

    /// Every tenant's credentials for `plugin`, without secrets: what an
    /// upgrade of the plugin checks its new egress against.
    pub async fn for_plugin(&self, plugin: &str) -> Result<Vec<CredentialSummary>, VaultError> {
        self.summaries("plugin = ?1", plugin).await
    }

    /// The credentials whose `filter` (one parameter) matches `value`.
    async fn summaries(&self, filter: &str, value: &str) -> Result<Vec<CredentialSummary>, VaultError> {
        let sql = format!(
            "SELECT tenant, plugin, name, params, bound FROM credentials WHERE {filter} ORDER BY tenant, plugin, name"
        );
        let rows = self.db.query(&sql, args![value]).await?;
        rows.iter()
            .map(|row| Ok::<[String; 5], DbError>([row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?]))
            .map(|row| {
                let [tenant, plugin, name, params, bound] = row?;
                let scheme: Scheme = serde_json::from_str(&params).map_err(|_| VaultError::Corrupt(name.clone()))?;
                let bound = serde_json::from_str(&bound).map_err(|_| VaultError::Corrupt(name.clone()))?;
                Ok(CredentialSummary { tenant, plugin, name, scheme: scheme.name().to_owned(), bound })
            })
            .collect()
    }

    /// `tenant`'s credentials for `plugin`, decrypted. A credential is sent
    /// only to its bound origins; an empty list means nowhere.
    pub async fn credentials(&self, tenant: &str, plugin: &str) -> Result<Vec<Credential>, VaultError> {
        match self.decrypt(tenant, plugin).await {
            Err(VaultError::Crypto(_)) if self.follow_rotation().await? => self.decrypt(tenant, plugin).await,
            outcome => outcome,
        }
    }

    /// [`Self::credentials`] with the key in use.
    async fn decrypt(&self, tenant: &str, plugin: &str) -> Result<Vec<Credential>, VaultError> {
        let key = self.key();
        let rows = self
            .db
            .query(
                "SELECT name, params, bound, secret FROM credentials WHERE tenant = ?1 AND plugin = ?2",
                args![tenant, plugin],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let (name, params, bound, sealed): (String, String, String, Vec<u8>) =
                    (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
                let corrupt = || VaultError::Corrupt(name.clone());
                let scheme: Scheme = serde_json::from_str(&params).map_err(|_| corrupt())?;
                let bound_origins: Vec<String> = serde_json::from_str(&bound).map_err(|_| corrupt())?;
                let row = Row { tenant, plugin, name: &name, params: &params, bound: &bound };
                let plaintext = key.open(tenant, &row.context(), &sealed)?;
                let parts: BTreeMap<String, String> = serde_json::from_slice(&plaintext).map_err(|_| corrupt())?;
                let secrets = parts.into_iter().map(|(key, value)| (key, Zeroizing::new(value))).collect();
                Ok(Credential { name, scheme, bound_origins, secrets, user: None })
            })
            .collect()
    }

    /// Re-encrypts every secret under `new` in one transaction and records
    /// its check value; returns how many credentials (people's tokens
    /// included) were re-encrypted.
    pub async fn rotate(&self, new: &MasterKey) -> Result<usize, VaultError> {
        let old = self.key();
        let mut tx = self.db.transaction().await?;
        let rows = stored_rows(&mut tx).await?;
        let mut resealed = Vec::with_capacity(rows.len());
        for stored in &rows {
            let context = stored.row().context();
            let plaintext = old
                .open(&stored.tenant, &context, &stored.secret)
                .map_err(|_| VaultError::Corrupt(stored.name.clone()))?;
            resealed.push((stored, new.seal(&stored.tenant, &context, &plaintext)));
        }
        for (stored, sealed) in &resealed {
            stored.update(&mut tx, sealed).await?;
        }
        let people = user_tokens::reseal(&mut tx, &old, new).await?;
        let moved = tx
            .execute(
                "UPDATE vault_meta SET value = ?1 WHERE key = 'check' AND value = ?2",
                args![new.check_value(), old.check_value()],
            )
            .await?;
        if moved == 0 {
            return Err(VaultError::ChangedMeanwhile("the master key".to_owned()));
        }
        tx.commit().await?;
        Ok(resealed.len() + people)
    }
}

/// A credential row as the seal covers it.
struct Row<'a> {
    tenant: &'a str,
    plugin: &'a str,
    name: &'a str,
    /// The scheme parameters, as stored (JSON).
    params: &'a str,
    /// The bound origins, as stored (JSON).
    bound: &'a str,
}

impl Row<'_> {
    /// Associated data binding a ciphertext to every non-secret part of its
    /// row. Each part is length-prefixed, so no two rows share one.
    fn context(&self) -> Vec<u8> {
        let mut context = b"berth-credential-v2".to_vec();
        for part in [self.tenant, self.plugin, self.name, self.params, self.bound] {
            context.extend_from_slice(&(part.len() as u64).to_be_bytes());
            context.extend_from_slice(part.as_bytes());
        }
        context
    }

    /// The associated data of vaults from before [`Self::context`]: the
    /// row's identity only.
    fn legacy_context(&self) -> Vec<u8> {
        [self.tenant.as_bytes(), b"\0", self.plugin.as_bytes(), b"\0", self.name.as_bytes()].concat()
    }
}

/// A whole credential row, read for re-sealing.
struct StoredRow {
    tenant: String,
    plugin: String,
    name: String,
    params: String,
    bound: String,
    secret: Vec<u8>,
}

impl StoredRow {
    fn row(&self) -> Row<'_> {
        Row { tenant: &self.tenant, plugin: &self.plugin, name: &self.name, params: &self.params, bound: &self.bound }
    }

    /// Replaces the row's secret with `sealed`.
    /// Replaces the row's secret with `sealed`, if the row is still as it
    /// was read: a credential set or rebound since (by another process or
    /// replica, whose write need not wait for this transaction's lock on
    /// PostgreSQL) fails the re-seal rather than be overwritten.
    async fn update(&self, conn: &mut Conn, sealed: &[u8]) -> Result<(), VaultError> {
        let changed = conn
            .execute(
                "UPDATE credentials SET secret = ?4
                 WHERE tenant = ?1 AND plugin = ?2 AND name = ?3 AND params = ?5 AND bound = ?6 AND secret = ?7",
                args![
                    &self.tenant,
                    &self.plugin,
                    &self.name,
                    sealed,
                    &self.params,
                    &self.bound,
                    self.secret.as_slice()
                ],
            )
            .await?;
        if changed == 0 {
            return Err(VaultError::ChangedMeanwhile(self.name.clone()));
        }
        Ok(())
    }
}

/// Every credential row.
async fn stored_rows(conn: &mut Conn) -> Result<Vec<StoredRow>, DbError> {
    let rows = conn.query("SELECT tenant, plugin, name, params, bound, secret FROM credentials", args![]).await?;
    rows.iter()
        .map(|row| {
            Ok(StoredRow {
                tenant: row.get(0)?,
                plugin: row.get(1)?,
                name: row.get(2)?,
                params: row.get(3)?,
                bound: row.get(4)?,
                secret: row.get(5)?,
            })
        })
        .collect()
}

/// Migrates a vault sealed with the legacy associated data (the row's
/// identity only): re-seals every secret so that its scheme parameters and
/// bound origins are covered too, and records the new check value, in one
/// transaction. It runs only while the database holds the legacy check
/// value, which only the key can produce, so a database writer cannot make
/// a migrated vault accept re-sealing again. A row that does not open is
/// left as it is (it stays unusable) and logged.
async fn reseal_legacy(db: &Database, key: &MasterKey) -> Result<(), VaultError> {
    let mut tx = db.transaction().await?;
    let mut resealed = 0usize;
    for stored in stored_rows(&mut tx).await? {
        let row = stored.row();
        match key.open(&stored.tenant, &row.legacy_context(), &stored.secret) {
            Ok(plaintext) => {
                stored.update(&mut tx, &key.seal(&stored.tenant, &row.context(), &plaintext)).await?;
                resealed += 1;
            }
            Err(_) => tracing::error!(
                tenant = %stored.tenant, plugin = %stored.plugin, credential = %stored.name,
                "credential does not open and was not re-sealed; set it again"
            ),
        }
    }
    // Only while the legacy check value is still there: another process may
    // have migrated the vault since this one read it.
    let moved = tx
        .execute(
            "UPDATE vault_meta SET value = ?1 WHERE key = 'check' AND value = ?2",
            args![key.check_value(), key.legacy_check_value()],
        )
        .await?;
    if moved == 0 {
        return Err(VaultError::ChangedMeanwhile("the vault's key".to_owned()));
    }
    tx.commit().await?;
    tracing::info!(credentials = resealed, "vault re-sealed: scheme parameters and bound origins are now covered");
    Ok(())
}

/// The check value of the key the vault is encrypted under, once recorded.
async fn check_value(db: &Database) -> Result<Option<Vec<u8>>, VaultError> {
    let row = db.query_opt("SELECT value FROM vault_meta WHERE key = 'check'", args![]).await?;
    Ok(row.map(|row| row.get(0)).transpose()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;

    fn secrets(pairs: &[(&str, &str)]) -> BTreeMap<String, Zeroizing<String>> {
        pairs.iter().map(|(key, value)| (key.to_string(), Zeroizing::new(value.to_string()))).collect()
    }

    #[tokio::test]
    async fn credentials_round_trip_and_never_touch_disk_in_clear() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open_embedded(dir.path()).await.unwrap());
        let key = MasterKey::generate();
        let vault = Vault::open(db.clone(), key.clone(), KeySource::Environment).await.unwrap();
        let scheme = Scheme::Basic { username: "admin".into() };
        vault
            .set("acme", "servicenow", "servicenow", &scheme, &[], &secrets(&[("password", "correct-horse-battery")]))
            .await
            .unwrap();
        let found = vault.credentials("acme", "servicenow").await.unwrap();
        assert_eq!(found[0].secrets["password"].as_str(), "correct-horse-battery");
        assert!(vault.credentials("globex", "servicenow").await.unwrap().is_empty(), "another tenant sees nothing");
        drop((vault, db));
        let mut raw = Vec::new();
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            raw.extend(std::fs::read(entry.unwrap().path()).unwrap());
        }
        assert!(!raw.windows(b"correct-horse-battery".len()).any(|window| window == b"correct-horse-battery"));
        assert!(!raw.windows(64).any(|window| window == key.to_hex().as_bytes()), "the master key is not stored");
    }

    #[tokio::test]
    async fn rotation_keeps_every_secret_and_retires_the_old_key() {
        for store in each_backend().await {
            let db = Arc::new(store.db.clone());
            let old = MasterKey::generate();
            let vault = Vault::open(db.clone(), old.clone(), KeySource::Environment).await.unwrap();
            vault.set("a", "p", "one", &Scheme::Bearer, &[], &secrets(&[("token", "token-one")])).await.unwrap();
            vault.set("b", "p", "two", &Scheme::Bearer, &[], &secrets(&[("token", "token-two")])).await.unwrap();
            let new = MasterKey::generate();
            assert_eq!(vault.rotate(&new).await.unwrap(), 2);
            assert!(matches!(Vault::open(db.clone(), old, KeySource::Environment).await, Err(VaultError::WrongKey)));
            let vault = Vault::open(db, new, KeySource::Environment).await.unwrap();
            assert_eq!(vault.credentials("a", "p").await.unwrap()[0].secrets["token"].as_str(), "token-one");
            assert_eq!(vault.credentials("b", "p").await.unwrap()[0].secrets["token"].as_str(), "token-two");
        }
    }

    #[tokio::test]
    async fn a_running_vault_follows_a_rotation_through_its_key_file_and_asks_for_a_restart_otherwise() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open_embedded(dir.path()).await.unwrap());
        let path = dir.path().join(KEY_FILE);
        let old = MasterKey::generate();
        write_key_file(&path, &old).unwrap();
        let running = Vault::open(db.clone(), old.clone(), KeySource::File(path.clone())).await.unwrap();
        running.set("a", "p", "one", &Scheme::Bearer, &[], &secrets(&[("token", "token-one")])).await.unwrap();

        // `berth vault rotate`, in another process.
        let new = MasterKey::generate();
        Vault::open(db.clone(), old, KeySource::File(path.clone())).await.unwrap().rotate(&new).await.unwrap();
        write_key_file(&path, &new).unwrap();
        assert_eq!(running.credentials("a", "p").await.unwrap()[0].secrets["token"].as_str(), "token-one");

        // A key from the environment cannot be re-read.
        let from_env = Vault::open(db.clone(), new.clone(), KeySource::Environment).await.unwrap();
        Vault::open(db, new, KeySource::Environment).await.unwrap().rotate(&MasterKey::generate()).await.unwrap();
        assert!(matches!(from_env.credentials("a", "p").await, Err(VaultError::Rotated)));
    }

    #[tokio::test]
    async fn a_secret_set_after_another_process_rotated_is_sealed_under_the_new_key() {
        for store in each_backend().await {
            let dir = tempfile::tempdir().unwrap();
            let db = Arc::new(store.db.clone());
            let path = dir.path().join(KEY_FILE);
            let old = MasterKey::generate();
            write_key_file(&path, &old).unwrap();
            let running = Vault::open(db.clone(), old.clone(), KeySource::File(path.clone())).await.unwrap();
            let from_env = Vault::open(db.clone(), old.clone(), KeySource::Environment).await.unwrap();

            // `berth vault rotate`, in another process, before either writes.
            let new = MasterKey::generate();
            Vault::open(db.clone(), old, KeySource::Environment).await.unwrap().rotate(&new).await.unwrap();
            write_key_file(&path, &new).unwrap();

            let token = secrets(&[("token", "set-after-the-rotation")]);
            running.set("a", "p", "c", &Scheme::Bearer, &[], &token).await.unwrap();
            let fresh = Vault::open(db.clone(), new, KeySource::Environment).await.unwrap();
            let opened = fresh.credentials("a", "p").await.unwrap();
            assert_eq!(opened[0].secrets["token"].as_str(), "set-after-the-rotation", "{}", store.name);
            // A key from the environment cannot follow: refused, nothing written.
            let refused = from_env.set("a", "p", "d", &Scheme::Bearer, &[], &token).await;
            assert!(matches!(refused, Err(VaultError::Rotated)), "{}: {refused:?}", store.name);
            assert_eq!(fresh.credentials("a", "p").await.unwrap().len(), 1);
        }
    }

    #[tokio::test]
    async fn a_database_writer_cannot_rebind_or_reconfigure_a_credential() {
        for store in each_backend().await {
            let db = Arc::new(store.db.clone());
            let vault = Vault::open(db.clone(), MasterKey::generate(), KeySource::Environment).await.unwrap();
            let bound = ["https://api.example:443".to_owned()];
            vault.set("a", "p", "c", &Scheme::Bearer, &bound, &secrets(&[("token", "token-one")])).await.unwrap();
            vault
                .set(
                    "a",
                    "p",
                    "u",
                    &Scheme::Basic { username: "admin".into() },
                    &bound,
                    &secrets(&[("password", "pw-1")]),
                )
                .await
                .unwrap();
            assert_eq!(vault.credentials("a", "p").await.unwrap().len(), 2);
            for (sql, restore) in [
                (r#"UPDATE credentials SET bound = '["https://evil.example:443"]' WHERE name = 'c'"#, false),
                (r#"UPDATE credentials SET bound = '[]' WHERE name = 'c'"#, true),
                (r#"UPDATE credentials SET params = '{"scheme":"basic","username":"root"}' WHERE name = 'u'"#, false),
            ] {
                db.execute(sql, vec![]).await.unwrap();
                let outcome = vault.credentials("a", "p").await;
                assert!(matches!(outcome, Err(VaultError::Crypto(_))), "{}: {sql}: {outcome:?}", store.name);
                if restore {
                    db.execute(r#"UPDATE credentials SET bound = '["https://api.example:443"]'"#, vec![])
                        .await
                        .unwrap();
                    assert_eq!(vault.credentials("a", "p").await.unwrap().len(), 2, "the original row opens again");
                }
            }
        }
    }

    #[tokio::test]
    async fn a_legacy_vault_is_resealed_once_and_then_covers_its_bindings() {
        for store in each_backend().await {
            let db = Arc::new(store.db.clone());
            let key = MasterKey::generate();
            let legacy = Row { tenant: "a", plugin: "p", name: "c", params: r#"{"scheme":"bearer"}"#, bound: "[]" };
            let sealed = key.seal("a", &legacy.legacy_context(), br#"{"token":"token-one"}"#);
            db.execute("INSERT INTO vault_meta (key, value) VALUES ('check', ?1)", args![key.legacy_check_value()])
                .await
                .unwrap();
            db.execute(
                "INSERT INTO credentials (tenant, plugin, name, params, bound, secret, updated_at)
             VALUES ('a', 'p', 'c', ?1, ?2, ?3, 0)",
                args![legacy.params, legacy.bound, sealed],
            )
            .await
            .unwrap();
            let vault = Vault::open(db.clone(), key.clone(), KeySource::Environment).await.unwrap();
            assert_eq!(vault.credentials("a", "p").await.unwrap()[0].secrets["token"].as_str(), "token-one");
            assert_eq!(check_value(&db).await.unwrap(), Some(key.check_value()), "migrated: the check value moved on");
            db.execute(r#"UPDATE credentials SET bound = '["https://evil.example:443"]'"#, vec![]).await.unwrap();
            let reopened = Vault::open(db, key, KeySource::Environment).await.unwrap();
            assert!(matches!(reopened.credentials("a", "p").await, Err(VaultError::Crypto(_))), "no second re-seal");
        }
    }

    #[tokio::test]
    async fn rebinding_reseals_under_the_new_origins() {
        for store in each_backend().await {
            let db = Arc::new(store.db.clone());
            let vault = Vault::open(db, MasterKey::generate(), KeySource::Environment).await.unwrap();
            vault.set("a", "p", "c", &Scheme::Bearer, &[], &secrets(&[("token", "token-one")])).await.unwrap();
            vault.rebind("a", "p", "c", &["https://api.example:443".to_owned()]).await.unwrap();
            let found = vault.credentials("a", "p").await.unwrap();
            assert_eq!(found[0].bound_origins, ["https://api.example:443"]);
            assert_eq!(found[0].secrets["token"].as_str(), "token-one");
            assert_eq!(vault.for_plugin("p").await.unwrap()[0].bound, ["https://api.example:443"]);
            assert!(matches!(vault.rebind("a", "p", "nope", &[]).await, Err(VaultError::Unknown { .. })));
        }
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn part() -> impl Strategy<Value = String> {
            // Includes the separators a naive encoding would confuse.
            proptest::string::string_regex("[a-z0-9\\x00:/\"\\[\\],{}]{0,12}").unwrap()
        }

        fn row() -> impl Strategy<Value = [String; 5]> {
            [part(), part(), part(), part(), part()]
        }

        fn context(parts: &[String; 5]) -> Vec<u8> {
            let [tenant, plugin, name, params, bound] = parts;
            Row { tenant, plugin, name, params, bound }.context()
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            #[test]
            fn sealed_secrets_open_only_in_their_own_row(
                parts in row(),
                other in row(),
                plaintext in proptest::collection::vec(any::<u8>(), 0..64),
                flip in any::<proptest::sample::Index>(),
            ) {
                let key = MasterKey::generate();
                let sealed = key.seal(&parts[0], &context(&parts), &plaintext);
                let opened = key.open(&parts[0], &context(&parts), &sealed).unwrap();
                prop_assert_eq!(opened.as_slice(), plaintext.as_slice());
                if other != parts {
                    prop_assert_ne!(context(&other), context(&parts));
                    prop_assert!(key.open(&other[0], &context(&other), &sealed).is_err());
                }
                let mut tampered = sealed.clone();
                let at = flip.index(tampered.len());
                tampered[at] ^= 1;
                prop_assert!(key.open(&parts[0], &context(&parts), &tampered).is_err());
                prop_assert!(MasterKey::generate().open(&parts[0], &context(&parts), &sealed).is_err());
            }

            #[test]
            fn opening_garbage_never_panics(tenant in part(), sealed in proptest::collection::vec(any::<u8>(), 0..80)) {
                prop_assert!(MasterKey::generate().open(&tenant, b"ctx", &sealed).is_err());
            }
        }
    }

    #[test]
    fn a_generated_key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let (key, source) = load_master_key(dir.path(), None, None).unwrap();
        assert_eq!(source, KeySource::File(dir.path().join(KEY_FILE)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let (again, _) = load_master_key(dir.path(), None, None).unwrap();
        assert_eq!(key.check_value(), again.check_value());
    }
}
