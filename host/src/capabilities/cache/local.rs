//! The cache in this replica's memory: partitions per (tenant, plugin),
//! bounded in entries and bytes per partition and in bytes for the whole
//! host, so no guest can exhaust host memory. Expired entries are swept
//! whichever partition they are in, and a partition that empties is dropped,
//! so tenants and plugins that stop using the cache stop costing memory.

use super::{CacheLimits, CacheScope, checked};
use crate::runtime::bindings::berth::plugin::cache::CacheError;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Every tenant's cache in this replica, partitioned by [`CacheScope`].
#[derive(Debug, Default)]
pub struct LocalCache {
    limits: CacheLimits,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    partitions: HashMap<CacheScope, Partition>,
    /// Every entry by expiry, to sweep expired entries of any partition.
    expiry: BTreeMap<(Instant, u64), (CacheScope, Arc<str>)>,
    /// Keys plus values across every partition.
    bytes: usize,
    next_seq: u64,
}

#[derive(Debug, Default)]
struct Partition {
    entries: HashMap<Arc<str>, Entry>,
    /// Insertion order, for evicting the oldest entry first.
    order: BTreeMap<u64, Arc<str>>,
    bytes: usize,
}

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    expires: Instant,
    seq: u64,
}

impl LocalCache {
    /// An empty store enforcing `limits`.
    pub fn new(limits: CacheLimits) -> Self {
        Self { limits, inner: Mutex::default() }
    }

    /// The fresh value under `key` in `scope`.
    pub fn get(&self, scope: &CacheScope, key: &str) -> Option<Vec<u8>> {
        let mut inner = self.lock();
        inner.sweep(Instant::now());
        Some(inner.partitions.get(scope)?.entries.get(key)?.value.clone())
    }

    /// Stores `value` under `key` in `scope` for `ttl_seconds` (0 or anything
    /// above the maximum means the maximum).
    pub fn set(&self, scope: &CacheScope, key: String, value: Vec<u8>, ttl_seconds: u32) -> Result<(), CacheError> {
        let limits = self.limits;
        let ttl = checked(&limits, &key, &value, ttl_seconds)?;
        let now = Instant::now();
        let expires = now + Duration::from_secs(u64::from(ttl));
        let mut inner = self.lock();
        inner.sweep(now);
        inner.remove(scope, &key);
        inner.insert(scope, key.into(), value, expires);
        inner.evict(scope, &limits);
        Ok(())
    }

    /// Removes `key` from `scope`.
    pub fn delete(&self, scope: &CacheScope, key: &str) {
        self.lock().remove(scope, key);
    }

    /// Drops every entry of `scope`: when an event says the upstream
    /// changed under the plugin's cached answers for that tenant.
    pub fn clear(&self, scope: &CacheScope) {
        let mut inner = self.lock();
        let doomed: Vec<Arc<str>> = inner
            .partitions
            .get(scope)
            .map(|partition| partition.entries.keys().cloned().collect())
            .unwrap_or_default();
        for key in doomed {
            inner.remove(scope, &key);
        }
    }

    /// Drops every tenant's entries of `plugin`: when it is unloaded, or
    /// replaced by a version that may read its entries differently.
    pub fn forget(&self, plugin: &str) {
        let mut inner = self.lock();
        let doomed: Vec<(CacheScope, Arc<str>)> = inner
            .partitions
            .iter()
            .filter(|(scope, _)| &*scope.plugin == plugin)
            .flat_map(|(scope, partition)| partition.entries.keys().map(|key| (scope.clone(), key.clone())))
            .collect();
        for (scope, key) in doomed {
            inner.remove(&scope, &key);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Inner {
    fn insert(&mut self, scope: &CacheScope, key: Arc<str>, value: Vec<u8>, expires: Instant) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let size = key.len() + value.len();
        self.bytes += size;
        self.expiry.insert((expires, seq), (scope.clone(), key.clone()));
        let partition = self.partitions.entry(scope.clone()).or_default();
        partition.bytes += size;
        partition.order.insert(seq, key.clone());
        partition.entries.insert(key, Entry { value, expires, seq });
    }

    /// Removes `key` from `scope`, and the partition once it is empty.
    fn remove(&mut self, scope: &CacheScope, key: &str) {
        let Some(partition) = self.partitions.get_mut(scope) else {
            return;
        };
        let Some((key, entry)) = partition.entries.remove_entry(key) else {
            return;
        };
        let size = key.len() + entry.value.len();
        partition.bytes -= size;
        partition.order.remove(&entry.seq);
        if partition.entries.is_empty() {
            self.partitions.remove(scope);
        }
        self.bytes -= size;
        self.expiry.remove(&(entry.expires, entry.seq));
    }

    /// Drops every entry expired at `now`, in any partition.
    fn sweep(&mut self, now: Instant) {
        while let Some(entry) = self.expiry.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (scope, key) = entry.remove();
            self.remove(&scope, &key);
        }
    }

    /// Drops the oldest entries of `scope` until it is within its bounds,
    /// then the oldest of the largest partition until the whole cache is.
    fn evict(&mut self, scope: &CacheScope, limits: &CacheLimits) {
        while let Some(partition) = self.partitions.get(scope)
            && (partition.entries.len() > limits.max_entries || partition.bytes > limits.max_bytes)
        {
            self.remove_oldest(scope);
        }
        while self.bytes > limits.max_total_bytes {
            let Some(largest) =
                self.partitions.iter().max_by_key(|(_, partition)| partition.bytes).map(|(scope, _)| scope.clone())
            else {
                break;
            };
            self.remove_oldest(&largest);
        }
    }

    fn remove_oldest(&mut self, scope: &CacheScope) {
        let oldest = self.partitions.get(scope).and_then(|partition| partition.order.first_key_value());
        if let Some((_, key)) = oldest {
            let key = key.clone();
            self.remove(scope, &key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(tenant: &str) -> CacheScope {
        CacheScope::new(tenant.into(), "hello".into())
    }

    #[test]
    fn forgetting_a_plugin_drops_its_entries_for_every_tenant_and_no_one_elses() {
        let store = LocalCache::new(CacheLimits::default());
        let other = CacheScope::new("a".into(), "buyict".into());
        store.set(&scope("a"), "k".into(), b"1".to_vec(), 60).unwrap();
        store.set(&scope("b"), "k".into(), b"2".to_vec(), 60).unwrap();
        store.set(&other, "k".into(), b"3".to_vec(), 60).unwrap();
        store.forget("hello");
        assert_eq!((store.get(&scope("a"), "k"), store.get(&scope("b"), "k")), (None, None));
        assert_eq!(store.get(&other, "k").as_deref(), Some(&b"3"[..]));
        let inner = store.lock();
        assert_eq!((inner.partitions.len(), inner.expiry.len(), inner.bytes), (1, 1, 2));
    }

    impl LocalCache {
        /// Partitions held, and bytes across them.
        fn usage(&self) -> (usize, usize) {
            let inner = self.lock();
            (inner.partitions.len(), inner.bytes)
        }
    }

    #[test]
    fn past_the_total_the_largest_partition_gives_way_first() {
        let limits = CacheLimits { max_total_bytes: 20, ..CacheLimits::default() };
        let store = LocalCache::new(limits);
        for key in ["1", "2", "3"] {
            store.set(&scope("noisy"), key.into(), vec![0; 5], 60).unwrap();
        }
        store.set(&scope("quiet"), "q".into(), vec![0; 3], 60).unwrap();
        store.set(&scope("noisy"), "4".into(), vec![0; 5], 60).unwrap();
        assert!(store.get(&scope("quiet"), "q").is_some(), "the small partition keeps its entry");
        assert_eq!(store.get(&scope("noisy"), "1"), None);
        assert_eq!(store.get(&scope("noisy"), "2"), None);
        assert!(store.get(&scope("noisy"), "4").is_some());
        assert_eq!(store.usage(), (2, 16));
    }

    #[test]
    fn emptied_and_expired_partitions_are_dropped() {
        let store = LocalCache::new(CacheLimits { max_ttl_seconds: 1, ..CacheLimits::default() });
        store.set(&scope("a"), "k".into(), b"v".to_vec(), 0).unwrap();
        store.delete(&scope("a"), "k");
        assert_eq!(store.usage(), (0, 0), "deleting the last key drops the partition");
        for tenant in ["b", "c", "d"] {
            store.set(&scope(tenant), "k".into(), b"v".to_vec(), 1).unwrap();
        }
        std::thread::sleep(Duration::from_millis(1_100));
        store.set(&scope("e"), "k".into(), b"v".to_vec(), 1).unwrap();
        assert_eq!(store.usage(), (1, 2), "partitions nobody touches again are swept when they expire");
    }

    #[test]
    fn overwriting_a_key_keeps_the_byte_count_true() {
        let limits = CacheLimits { max_bytes: 12, ..CacheLimits::default() };
        let store = LocalCache::new(limits);
        for _ in 0..10 {
            store.set(&scope("a"), "k".into(), vec![0; 10], 60).unwrap();
        }
        assert!(store.get(&scope("a"), "k").is_some());
        assert_eq!(store.usage(), (1, 11));
    }
}
