//! [`Snapshot`]: what every call reads about its tenant (which plugins it
//! may use, what happens to hidden text, its settings and its decrypted
//! credentials for a plugin), kept in memory instead of read from the store
//! on every call.
//!
//! Every table it copies carries triggers that bump one change counter in
//! the same transaction as the change, whoever makes it: the admin API, the
//! `berth` CLI in another process, another host or replica. When the
//! counter moved, the whole copy is dropped and read afresh. How a host
//! learns that it moved depends on the store:
//! - **embedded (SQLite):** each call reads the counter (one row, a few
//!   microseconds), so nothing is served stale: a change that has returned
//!   has committed, and the very next call sees it;
//! - **shared (PostgreSQL):** a watcher keeps the counter in memory,
//!   reading it whenever the database announces a change (`NOTIFY`, within
//!   milliseconds of the commit) and every [`WATCH_POLL`] as the backstop,
//!   so a call reads memory, not the database, and a change holds on every
//!   replica within that backstop at worst.
//!
//! The copy is filled lazily, one tenant (and plugin) at a time, through the
//! same [`Tenants`] and [`Vault`] calls a call made before, so the rules for
//! access and credentials stay in those modules.

use crate::auth::issuers::{Issuer, IssuerError, Issuers};
use crate::auth::policy::{Policies, PolicyError, TenantPolicy};
use crate::auth::roles::{Permissions, Role};
use crate::db::{Database, DbError};
use crate::tenants::{ApiKey, HiddenText, PluginAccess, StoredKey, TenantError, Tenants};
use crate::vault::{Credential, Vault, VaultError};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

/// How often a shared store's counter is read when no announcement came.
pub const WATCH_POLL: Duration = Duration::from_millis(250);

/// Why the snapshot could not answer.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The change counter could not be read.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The tenant's access could not be read.
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// The tenant's credentials could not be read or opened.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// Roles or the tenant's policy could not be read.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The trusted issuers could not be read.
    #[error(transparent)]
    Issuer(#[from] IssuerError),
}

/// What a tenant grants one plugin.
pub struct PluginGrants {
    /// The tenant's settings for the plugin.
    pub config: BTreeMap<String, String>,
    /// Its credentials for the plugin, decrypted (zeroed when dropped).
    pub credentials: Vec<Credential>,
}

/// The in-memory copy, and the counter value it was read at.
pub struct Snapshot {
    db: Arc<Database>,
    current: Mutex<Arc<Generation>>,
    /// The counter as the watcher last read it, for a shared store; `None`
    /// for the embedded one, read on every call.
    watched: Option<Arc<AtomicI64>>,
}

/// The watched counter before the watcher's first read.
const UNREAD: i64 = i64::MIN;

/// (tenant, plugin).
type GrantsKey = (Arc<str>, String);

/// Everything read while the change counter had one value.
pub struct Generation {
    version: i64,
    keys: Mutex<HashMap<String, StoredKey>>,
    access: Mutex<HashMap<Arc<str>, Arc<PluginAccess>>>,
    hidden_text: Mutex<HashMap<Arc<str>, HiddenText>>,
    grants: Mutex<HashMap<GrantsKey, Arc<PluginGrants>>>,
    roles: Mutex<Option<Arc<HashMap<String, Role>>>>,
    policies: Mutex<HashMap<Arc<str>, Arc<TenantPolicy>>>,
    issuers: Mutex<Option<Arc<Vec<Issuer>>>>,
}

impl Snapshot {
    /// An empty snapshot of `db`; for a shared store, with its watcher,
    /// which runs until the snapshot is dropped.
    pub fn new(db: Arc<Database>) -> Self {
        let watched = db.announcements().map(|announced| {
            let watched = Arc::new(AtomicI64::new(UNREAD));
            tokio::spawn(watch(db.clone(), announced, Arc::downgrade(&watched)));
            watched
        });
        Self { db, current: Mutex::new(Arc::new(Generation::new(i64::MIN))), watched }
    }

    /// The copy as of now: reads the change counter and, if it moved, starts
    /// an empty copy. Call once per request and read everything through it.
    pub async fn current(&self) -> Result<Arc<Generation>, SnapshotError> {
        let watched = self.watched.as_ref().map(|watched| watched.load(Ordering::Acquire)).filter(|v| *v != UNREAD);
        let version = match watched {
            Some(version) => version,
            None => self.db.change_counter().await?,
        };
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        // A copy newer than `version` (another call read the counter later)
        // holds data read after `version` was current: fresh enough.
        if current.version < version {
            *current = Arc::new(Generation::new(version));
        }
        Ok(current.clone())
    }

    /// The tenant `presented` (a whole API key) belongs to, if any. Only
    /// keys that exist are kept: a client presenting made-up key ids cannot
    /// grow the copy.
    pub async fn authenticate(
        &self,
        generation: &Generation,
        presented: &str,
    ) -> Result<Option<Arc<str>>, SnapshotError> {
        let Some((key_id, secret)) = ApiKey::parse(presented) else { return Ok(None) };
        let cached = lock(&generation.keys).get(key_id).cloned();
        let key = match cached {
            Some(key) => key,
            None => {
                let Some(key) = Tenants::new(&self.db).stored_key(key_id).await? else { return Ok(None) };
                lock(&generation.keys).insert(key_id.to_owned(), key.clone());
                key
            }
        };
        Ok(key.admits(secret).cloned())
    }

    /// Which plugins `tenant` may use.
    pub async fn access(&self, generation: &Generation, tenant: &Arc<str>) -> Result<Arc<PluginAccess>, SnapshotError> {
        if let Some(access) = lock(&generation.access).get(tenant) {
            return Ok(access.clone());
        }
        let access = Arc::new(Tenants::new(&self.db).access(tenant).await?);
        lock(&generation.access).insert(tenant.clone(), access.clone());
        Ok(access)
    }

    /// What happens to hidden text in what `tenant`'s plugins return.
    pub async fn hidden_text(&self, generation: &Generation, tenant: &Arc<str>) -> Result<HiddenText, SnapshotError> {
        if let Some(hidden_text) = lock(&generation.hidden_text).get(tenant) {
            return Ok(*hidden_text);
        }
        let hidden_text = Tenants::new(&self.db).hidden_text(tenant).await?;
        lock(&generation.hidden_text).insert(tenant.clone(), hidden_text);
        Ok(hidden_text)
    }

    /// The permissions of the roles named `names`; names no role has grant
    /// nothing.
    pub async fn permissions(&self, generation: &Generation, names: &[String]) -> Result<Permissions, SnapshotError> {
        let roles = self.roles(generation).await?;
        let named: Vec<Role> = names.iter().filter_map(|name| roles.get(name).cloned()).collect();
        Ok(Permissions::of(&named))
    }

    /// Every role's name, sorted: the scopes a token may carry.
    pub async fn role_names(&self, generation: &Generation) -> Result<Vec<String>, SnapshotError> {
        let mut names: Vec<String> = self.roles(generation).await?.keys().cloned().collect();
        names.sort();
        Ok(names)
    }

    /// Every role, by name.
    async fn roles(&self, generation: &Generation) -> Result<Arc<HashMap<String, Role>>, SnapshotError> {
        if let Some(roles) = lock(&generation.roles).clone() {
            return Ok(roles);
        }
        let all = Policies::new(&self.db).roles().await?;
        let roles = Arc::new(all.into_iter().map(|role| (role.name.clone(), role)).collect::<HashMap<_, _>>());
        Ok(lock(&generation.roles).insert(roles).clone())
    }

    /// `tenant`'s policy.
    pub async fn policy(&self, generation: &Generation, tenant: &Arc<str>) -> Result<Arc<TenantPolicy>, SnapshotError> {
        if let Some(policy) = lock(&generation.policies).get(tenant) {
            return Ok(policy.clone());
        }
        let policy = Arc::new(Policies::new(&self.db).tenant_policy(tenant).await?);
        lock(&generation.policies).insert(tenant.clone(), policy.clone());
        Ok(policy)
    }

    /// The trusted issuers.
    pub async fn issuers(&self, generation: &Generation) -> Result<Arc<Vec<Issuer>>, SnapshotError> {
        if let Some(issuers) = lock(&generation.issuers).clone() {
            return Ok(issuers);
        }
        let issuers = Arc::new(Issuers::new(&self.db).list().await?);
        Ok(lock(&generation.issuers).insert(issuers).clone())
    }

    /// What `tenant` grants `plugin`: settings and credentials.
    pub async fn grants(
        &self,
        generation: &Generation,
        vault: &Vault,
        tenant: &Arc<str>,
        plugin: &str,
    ) -> Result<Arc<PluginGrants>, SnapshotError> {
        let key = (tenant.clone(), plugin.to_owned());
        if let Some(grants) = lock(&generation.grants).get(&key) {
            return Ok(grants.clone());
        }
        let grants = Arc::new(PluginGrants {
            config: self.db.plugin_config(tenant, plugin).await?,
            credentials: vault.credentials(tenant, plugin).await?,
        });
        lock(&generation.grants).insert(key, grants.clone());
        Ok(grants)
    }
}

/// Keeps `watched` at the shared store's change counter: read at once,
/// then on each announcement and at least every [`WATCH_POLL`]. A failed
/// read is logged and the last value kept; the next announcement or poll
/// tries again.
async fn watch(db: Arc<Database>, announced: Arc<tokio::sync::Notify>, watched: Weak<AtomicI64>) {
    loop {
        let Some(watched) = watched.upgrade() else { return };
        match db.change_counter().await {
            Ok(version) => {
                watched.fetch_max(version, Ordering::AcqRel);
            }
            Err(error) => tracing::warn!("cannot read the store's change counter; serving the last copy: {error}"),
        }
        drop(watched);
        let _ = tokio::time::timeout(WATCH_POLL, announced.notified()).await;
    }
}

impl Generation {
    fn new(version: i64) -> Self {
        Self {
            version,
            keys: Mutex::default(),
            access: Mutex::default(),
            hidden_text: Mutex::default(),
            grants: Mutex::default(),
            roles: Mutex::default(),
            policies: Mutex::default(),
            issuers: Mutex::default(),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::{Store, each_backend};
    use crate::vault::{KeySource, MasterKey};

    /// The copy once it has caught up with every committed change: on the
    /// first read for SQLite (nothing is served stale), within the
    /// watcher's announcement or poll for PostgreSQL.
    async fn caught_up(snapshot: &Snapshot, store: &Store) -> Arc<Generation> {
        let committed = store.db.change_counter().await.unwrap();
        let deadline = std::time::Instant::now() + 2 * WATCH_POLL;
        loop {
            let generation = snapshot.current().await.unwrap();
            if generation.version >= committed {
                return generation;
            }
            assert!(store.name != "sqlite", "SQLite served a stale copy");
            assert!(std::time::Instant::now() < deadline, "{} never caught up", store.name);
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn setup(store: &Store) -> (Arc<Database>, Vault, Snapshot) {
        let db = Arc::new(store.db.clone());
        let vault = Vault::open(db.clone(), MasterKey::generate(), KeySource::Environment).await.unwrap();
        let snapshot = Snapshot::new(db.clone());
        (db, vault, snapshot)
    }

    #[tokio::test]
    async fn a_change_through_another_connection_is_seen_by_the_next_read() {
        for store in each_backend().await {
            let (db, vault, snapshot) = setup(&store).await;
            let tenant: Arc<str> = "acme".into();
            db.set_plugin_config("acme", "p", "k", "1").await.unwrap();
            let first = caught_up(&snapshot, &store).await;
            assert_eq!(snapshot.grants(&first, &vault, &tenant, "p").await.unwrap().config["k"], "1");
            assert!(matches!(*snapshot.access(&first, &tenant).await.unwrap(), PluginAccess::Unregistered));
            let same = caught_up(&snapshot, &store).await;
            assert!(Arc::ptr_eq(&first, &same), "no change: the same copy");

            // Another process: its own connection to the same file.
            let other = store.another_process().await;
            other.set_plugin_config("acme", "p", "k", "2").await.unwrap();
            Tenants::new(&other).add("acme").await.unwrap();
            let next = caught_up(&snapshot, &store).await;
            assert_eq!(snapshot.grants(&next, &vault, &tenant, "p").await.unwrap().config["k"], "2");
            assert!(matches!(*snapshot.access(&next, &tenant).await.unwrap(), PluginAccess::Enabled(_)));

            Tenants::new(&other).enable("acme", "p").await.unwrap();
            assert!(snapshot.access(&*caught_up(&snapshot, &store).await, &tenant).await.unwrap().allows("p"));
            other.unset_plugin_config("acme", "p", "k").await.unwrap();
            assert!(
                snapshot
                    .grants(&*caught_up(&snapshot, &store).await, &vault, &tenant, "p")
                    .await
                    .unwrap()
                    .config
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn a_key_works_from_the_copy_until_another_connection_rotates_it() {
        for store in each_backend().await {
            let (db, _vault, snapshot) = setup(&store).await;
            let key = Tenants::new(&db).add("acme").await.unwrap();
            let generation = caught_up(&snapshot, &store).await;
            let admitted = snapshot.authenticate(&generation, key.as_str()).await.unwrap();
            assert_eq!(admitted.as_deref(), Some("acme"));
            let (rest, last) = key.as_str().split_at(key.as_str().len() - 1);
            let wrong_secret = format!("{rest}{}", if last == "0" { '1' } else { '0' });
            assert_eq!(snapshot.authenticate(&generation, &wrong_secret).await.unwrap(), None, "the secret is checked");
            assert_eq!(snapshot.authenticate(&generation, "berth_000000000000_00").await.unwrap(), None);

            let other = store.another_process().await;
            let rotated = Tenants::new(&other).rotate_key("acme").await.unwrap();
            let next = caught_up(&snapshot, &store).await;
            assert_eq!(snapshot.authenticate(&next, key.as_str()).await.unwrap(), None, "the old key stops at once");
            assert_eq!(snapshot.authenticate(&next, rotated.as_str()).await.unwrap().as_deref(), Some("acme"));
        }
    }

    #[tokio::test]
    async fn audit_rows_do_not_invalidate_the_copy() {
        for store in each_backend().await {
            let (db, _vault, snapshot) = setup(&store).await;
            let first = caught_up(&snapshot, &store).await;
            db.execute(
            "INSERT INTO audit_calls (call_id, at_ms, tenant, transport, plugin, version, tool, arguments, outcome, duration_ms)
             VALUES ('c', 0, 't', 'stdio', 'p', '1', 'x', '{}', 'ok', 0)",
            vec![],
        )
        .await
        .unwrap();
            assert!(Arc::ptr_eq(&first, &caught_up(&snapshot, &store).await));
        }
    }
}
