//! `berth:plugin/cache`: a small TTL cache private to one (tenant, plugin)
//! pair, bounded in entries and bytes per pair, so no guest can exhaust
//! the host's memory or crowd out another tenant.
//!
//! Where the entries live is the operator's choice: in this replica's
//! memory ([`local`], the default, also bounded in total), or in Redis
//! ([`shared`], with `[redis] url`), where every replica reads what any
//! wrote, with the same per-partition bounds and TTLs enforced there. The
//! checks on what a guest may store are made here, once, for both.

mod local;
mod shared;

use super::{Call, Capability};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::cache::{CacheError, Host, add_to_linker as link};
use crate::settings::{InvalidSetting, in_range};
use crate::shared::Redis;
use local::LocalCache;
use serde::{Deserialize, Serialize};
use shared::SharedCache;
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker};

/// Bounds on the cache, per (tenant, plugin) partition and in total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CacheLimits {
    /// Entries per partition; the oldest go first beyond this.
    pub max_entries: usize,
    /// Bytes (keys plus values) per partition; the oldest go first beyond this.
    pub max_bytes: usize,
    /// Bytes (keys plus values) across every partition. Past it, the
    /// largest partition gives up its oldest entry first, so a tenant that
    /// fills the cache evicts its own entries before anyone else's. 256 MiB
    /// holds sixteen full partitions; most hold a few pages of JSON.
    pub max_total_bytes: usize,
    /// Largest single value. Keeps one entry from evicting everything else.
    pub max_value_bytes: usize,
    /// Longest key.
    pub max_key_bytes: usize,
    /// Longest TTL, in seconds; also the TTL used when a guest passes 0.
    pub max_ttl_seconds: u32,
}

impl Default for CacheLimits {
    fn default() -> Self {
        Self {
            max_entries: 4_096,
            max_bytes: 16 * 1024 * 1024,
            max_total_bytes: 256 * 1024 * 1024,
            max_value_bytes: 1024 * 1024,
            max_key_bytes: 1024,
            max_ttl_seconds: 24 * 3600,
        }
    }
}

impl CacheLimits {
    /// Refuses bounds that would make the cache useless or unbounded.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("cache", "max_entries", self.max_entries, 1..=10_000_000)?;
        in_range("cache", "max_bytes", self.max_bytes, 1024..=1 << 34)?;
        in_range("cache", "max_value_bytes", self.max_value_bytes, 1..=self.max_bytes)?;
        in_range("cache", "max_key_bytes", self.max_key_bytes, 1..=65_536)?;
        in_range("cache", "max_ttl_seconds", self.max_ttl_seconds, 1..=31_536_000)
    }
}

/// Which tenant's and plugin's entries a call sees.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheScope {
    tenant: Arc<str>,
    plugin: Arc<str>,
}

impl CacheScope {
    /// The partition of `plugin` for `tenant`.
    pub fn new(tenant: Arc<str>, plugin: Arc<str>) -> Self {
        Self { tenant, plugin }
    }
}

/// The TTL `ttl_seconds` stands for (0 or anything above the maximum is
/// the maximum), if `key` and `value` are within the bounds.
fn checked(limits: &CacheLimits, key: &str, value: &[u8], ttl_seconds: u32) -> Result<u32, CacheError> {
    if key.len() > limits.max_key_bytes {
        return Err(CacheError::TooLarge(limits.max_key_bytes as u64));
    }
    if value.len() > limits.max_value_bytes {
        return Err(CacheError::TooLarge(limits.max_value_bytes as u64));
    }
    Ok(match ttl_seconds {
        0 => limits.max_ttl_seconds,
        ttl => ttl.min(limits.max_ttl_seconds),
    })
}

/// Every tenant's cache, in this replica or shared. Shared by all calls.
#[derive(Debug)]
pub enum CacheStore {
    /// In this replica's memory.
    Local(LocalCache),
    /// In Redis, for every replica.
    Shared(SharedCache),
}

impl CacheStore {
    /// An empty store in memory, enforcing `limits`.
    pub fn new(limits: CacheLimits) -> Self {
        Self::Local(LocalCache::new(limits))
    }

    /// A store in `redis`, enforcing `limits` per partition.
    pub fn shared(limits: CacheLimits, redis: Redis) -> Self {
        Self::Shared(SharedCache::new(limits, redis))
    }

    /// The fresh value under `key` in `scope`.
    pub async fn get(&self, scope: &CacheScope, key: &str) -> Option<Vec<u8>> {
        match self {
            Self::Local(store) => store.get(scope, key),
            Self::Shared(store) => store.get(scope, key).await,
        }
    }

    /// Stores `value` under `key` in `scope` for `ttl_seconds` (0 or
    /// anything above the maximum means the maximum).
    pub async fn set(
        &self,
        scope: &CacheScope,
        key: String,
        value: Vec<u8>,
        ttl_seconds: u32,
    ) -> Result<(), CacheError> {
        match self {
            Self::Local(store) => store.set(scope, key, value, ttl_seconds),
            Self::Shared(store) => store.set(scope, &key, &value, ttl_seconds).await,
        }
    }

    /// Removes `key` from `scope`.
    pub async fn delete(&self, scope: &CacheScope, key: &str) {
        match self {
            Self::Local(store) => store.delete(scope, key),
            Self::Shared(store) => store.delete(scope, key).await,
        }
    }

    /// Drops every entry of `scope`: when an event says the upstream
    /// changed under the plugin's cached answers for that tenant.
    pub async fn clear(&self, scope: &CacheScope) {
        match self {
            Self::Local(store) => store.clear(scope),
            Self::Shared(store) => store.clear(scope).await,
        }
    }

    /// Drops every tenant's entries of `plugin`: when it is unloaded, or
    /// replaced by a version that may read its entries differently.
    pub async fn forget(&self, plugin: &str) {
        match self {
            Self::Local(store) => store.forget(plugin),
            Self::Shared(store) => store.forget(plugin).await,
        }
    }
}

/// What one call may touch: its tenant's partition for its plugin, or
/// nothing at all while a plugin is being validated.
#[derive(Debug, Clone)]
pub struct CacheCtx {
    store: Arc<CacheStore>,
    scope: Option<CacheScope>,
}

impl Capability for CacheCtx {
    /// The partition of the calling tenant and plugin; a plugin describing
    /// itself at load (no tenant) gets no cache: reads miss, writes are
    /// dropped.
    fn prepare(call: &mut Call<'_>) -> Self {
        let scope = call.scope.tenant.clone().map(|tenant| CacheScope::new(tenant, call.plugin.name.clone()));
        Self { store: call.services.cache.clone(), scope }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<CacheCtx>>(linker, |state| &mut state.contexts.cache)
    }
}

impl Host for CacheCtx {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<Vec<u8>>> {
        Ok(match &self.scope {
            Some(scope) => self.store.get(scope, &key).await,
            None => None,
        })
    }

    async fn set(&mut self, key: String, value: Vec<u8>, ttl_seconds: u32) -> wasmtime::Result<Result<(), CacheError>> {
        Ok(match &self.scope {
            Some(scope) => self.store.set(scope, key, value, ttl_seconds).await,
            None => Ok(()),
        })
    }

    async fn delete(&mut self, key: String) -> wasmtime::Result<()> {
        if let Some(scope) = &self.scope {
            self.store.delete(scope, &key).await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shared::RedisSettings;
    use berth_test_servers::RedisServer;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn scope(tenant: &str, plugin: &str) -> CacheScope {
        CacheScope::new(tenant.into(), plugin.into())
    }

    /// What every cache does, in memory or in Redis: `store` makes an empty
    /// one with the given limits.
    async fn behaves_as_a_bounded_tenant_cache(store: impl Fn(CacheLimits) -> CacheStore) {
        let (a, b) = (scope("acme", "hello"), scope("globex", "hello"));

        // Tenants never see each other's entries; clearing one leaves the other.
        let cache = store(CacheLimits::default());
        cache.set(&a, "k".into(), b"secret-a".to_vec(), 60).await.unwrap();
        assert_eq!(cache.get(&a, "k").await.as_deref(), Some(&b"secret-a"[..]));
        assert_eq!(cache.get(&b, "k").await, None);
        cache.set(&b, "k".into(), b"b".to_vec(), 60).await.unwrap();
        cache.clear(&a).await;
        assert_eq!((cache.get(&a, "k").await, cache.get(&b, "k").await.as_deref()), (None, Some(&b"b"[..])));
        cache.delete(&b, "k").await;
        assert_eq!(cache.get(&b, "k").await, None);

        // Forgetting a plugin drops it for every tenant, and nothing else.
        let other = scope("acme", "buyict");
        for (scope, value) in [(&a, "1"), (&b, "2"), (&other, "3")] {
            cache.set(scope, "k".into(), value.as_bytes().to_vec(), 60).await.unwrap();
        }
        cache.forget("hello").await;
        assert_eq!((cache.get(&a, "k").await, cache.get(&b, "k").await), (None, None));
        assert_eq!(cache.get(&other, "k").await.as_deref(), Some(&b"3"[..]));

        // Full: the oldest entries go first.
        let cache = store(CacheLimits { max_entries: 2, ..CacheLimits::default() });
        for key in ["one", "two", "three"] {
            cache.set(&a, key.into(), key.as_bytes().to_vec(), 60).await.unwrap();
        }
        assert_eq!(cache.get(&a, "one").await, None);
        assert!(cache.get(&a, "two").await.is_some() && cache.get(&a, "three").await.is_some());

        // The byte budget holds, and an oversized value is refused.
        let cache = store(CacheLimits { max_bytes: 10, max_value_bytes: 8, ..CacheLimits::default() });
        let oversized = cache.set(&a, "k".into(), vec![0; 9], 60).await;
        assert!(matches!(oversized, Err(CacheError::TooLarge(8))), "{oversized:?}");
        cache.set(&a, "a".into(), vec![0; 5], 60).await.unwrap();
        cache.set(&a, "b".into(), vec![0; 5], 60).await.unwrap();
        assert_eq!(cache.get(&a, "a").await, None, "the older entry made room");
        assert!(cache.get(&a, "b").await.is_some());
        for _ in 0..5 {
            cache.set(&a, "b".into(), vec![0; 5], 60).await.unwrap();
        }
        cache.set(&a, "c".into(), vec![0; 3], 60).await.unwrap();
        assert!(cache.get(&a, "b").await.is_some(), "overwriting counts a key once");

        // Entries expire after their TTL, which the operator caps.
        let cache = store(CacheLimits { max_ttl_seconds: 1, ..CacheLimits::default() });
        cache.set(&a, "forever".into(), b"0".to_vec(), 0).await.unwrap();
        cache.set(&a, "an-hour".into(), b"1".to_vec(), 3600).await.unwrap();
        assert!(cache.get(&a, "forever").await.is_some() && cache.get(&a, "an-hour").await.is_some());
        tokio::time::sleep(Duration::from_millis(1_100)).await;
        assert_eq!(cache.get(&a, "forever").await, None, "no TTL means the operator's maximum");
        assert_eq!(cache.get(&a, "an-hour").await, None, "a longer TTL is capped at the maximum");
    }

    #[tokio::test]
    async fn the_memory_cache_is_a_bounded_tenant_cache() {
        behaves_as_a_bounded_tenant_cache(CacheStore::new).await;
    }

    #[tokio::test]
    async fn the_redis_cache_is_a_bounded_tenant_cache() {
        let server = RedisServer::start().expect("a private Redis");
        // Each cache a fresh prefix: the same Redis holds them all.
        let made = AtomicUsize::new(0);
        behaves_as_a_bounded_tenant_cache(|limits| {
            let prefix = format!("test{}", made.fetch_add(1, Ordering::SeqCst));
            let settings = RedisSettings { url: Some(server.url()), key_prefix: prefix, ..RedisSettings::default() };
            CacheStore::shared(limits, Redis::connect(&settings).unwrap().expect("a URL is set"))
        })
        .await;
    }

    #[tokio::test]
    async fn a_partition_redis_partly_evicted_never_stalls_a_write() {
        let server = RedisServer::start().expect("a private Redis");
        let settings = RedisSettings { url: Some(server.url()), ..RedisSettings::default() };
        let redis = Redis::connect(&settings).unwrap().expect("a URL is set");
        let cache = CacheStore::shared(CacheLimits { max_entries: 2, ..CacheLimits::default() }, redis.clone());
        let a = scope("acme", "hello");
        for key in ["one", "two"] {
            cache.set(&a, key.into(), b"v".to_vec(), 60).await.unwrap();
        }
        // Under `maxmemory`, Redis may evict any key: here, the sizes.
        let _: i64 = redis.query(redis::cmd("DEL").arg("berth:cache:{acme/hello}:s")).await.unwrap();
        let write = cache.set(&a, "three".into(), b"v".to_vec(), 60);
        tokio::time::timeout(Duration::from_secs(5), write).await.expect("the write ends").unwrap();
        assert_eq!(cache.get(&a, "three").await.as_deref(), Some(&b"v"[..]));
        assert_eq!(cache.get(&a, "one").await, None, "the oldest still made room");
    }

    #[tokio::test]
    async fn without_redis_the_cache_misses_and_the_call_goes_on() {
        // Nothing listens on port 1.
        let settings = RedisSettings { url: Some("redis://127.0.0.1:1".to_owned()), ..RedisSettings::default() };
        let cache = CacheStore::shared(CacheLimits::default(), Redis::connect(&settings).unwrap().unwrap());
        let a = scope("acme", "hello");
        let started = std::time::Instant::now();
        assert!(cache.set(&a, "k".into(), b"v".to_vec(), 60).await.is_ok(), "a write is dropped, not failed");
        assert_eq!(cache.get(&a, "k").await, None);
        assert!(started.elapsed() < Duration::from_secs(5), "bounded by the timeout: {:?}", started.elapsed());
        let oversized = cache.set(&a, "k".into(), vec![0; 2 << 20], 60).await;
        assert!(matches!(oversized, Err(CacheError::TooLarge(_))), "bounds are checked before Redis");
    }
}
