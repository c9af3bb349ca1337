//! The cache in Redis, for every replica: each (tenant, plugin) partition
//! is a handful of keys under one hash tag, `{prefix}:cache:{tenant/plugin}`
//! (so a cluster keeps a partition on one node):
//!
//! - `…:v:{key}`: the value, with its TTL as Redis's own expiry;
//! - `…:i`: the keys by insertion order (a sorted set), to evict the oldest;
//! - `…:s`: each key's size (key plus value), and `…:b` their sum;
//! - `…:q`: the insertion counter.
//!
//! Writes run as one script, so the partition's bounds hold however many
//! replicas write at once. Redis may evict any of these keys under
//! `maxmemory`; the scripts never assume the others are still there (each
//! step removes what it can, and eviction ends when the index is empty),
//! so a partially evicted partition costs entries, never a stuck script. An expired value leaves its place in the index
//! until a write sweeps it (the sixteen oldest are checked on every write)
//! or it is evicted as the oldest: a partition may briefly count an
//! expired entry, never exceed its bounds. The index keys expire with the
//! longest TTL, so an abandoned partition leaves nothing behind. The bound
//! on all partitions together is Redis's own `maxmemory`.
//!
//! Redis failing costs a call nothing but the cache: a read misses, a
//! write is dropped, each logged.

use super::{CacheLimits, CacheScope, checked};
use crate::runtime::bindings::berth::plugin::cache::CacheError;
use crate::shared::{Redis, SharedError};
use std::sync::LazyLock;

/// Drops `key` from a partition: the helper every script starts with.
const DROP: &str = r"
local p = KEYS[1]
local function drop(k)
  local size = redis.call('HGET', p .. ':s', k)
  if size then
    redis.call('DECRBY', p .. ':b', size)
  end
  redis.call('HDEL', p .. ':s', k)
  redis.call('ZREM', p .. ':i', k)
  redis.call('DEL', p .. ':v:' .. k)
end
";

/// `ARGV`: key, value, TTL in ms, most entries, most bytes, the longest
/// TTL in ms (how long the index outlives the last write).
const SET: &str = r"
local key, value = ARGV[1], ARGV[2]
local ttl, max_entries, max_bytes, keep = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
for _, k in ipairs(redis.call('ZRANGE', p .. ':i', 0, 15)) do
  if redis.call('EXISTS', p .. ':v:' .. k) == 0 then drop(k) end
end
drop(key)
local size = #key + #value
redis.call('SET', p .. ':v:' .. key, value, 'PX', ttl)
redis.call('ZADD', p .. ':i', redis.call('INCR', p .. ':q'), key)
redis.call('HSET', p .. ':s', key, size)
local bytes = redis.call('INCRBY', p .. ':b', size)
while redis.call('ZCARD', p .. ':i') > max_entries or bytes > max_bytes do
  local oldest = redis.call('ZRANGE', p .. ':i', 0, 0)[1]
  if not oldest then
    -- The count lost its entries (Redis evicted part of the partition):
    -- nothing is left to drop, so nothing is stored either.
    redis.call('SET', p .. ':b', 0)
    break
  end
  drop(oldest)
  bytes = tonumber(redis.call('GET', p .. ':b')) or 0
end
for _, suffix in ipairs({':i', ':s', ':b', ':q'}) do
  redis.call('PEXPIRE', p .. suffix, keep)
end
return 0
";

/// `ARGV`: the key.
const DELETE: &str = "drop(ARGV[1]) return 0";

/// Drops the whole partition.
const CLEAR: &str = r"
for _, k in ipairs(redis.call('ZRANGE', p .. ':i', 0, -1)) do
  redis.call('DEL', p .. ':v:' .. k)
end
redis.call('DEL', p .. ':i', p .. ':s', p .. ':b', p .. ':q')
return 0
";

static SET_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(&format!("{DROP}{SET}")));
static DELETE_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(&format!("{DROP}{DELETE}")));
static CLEAR_SCRIPT: LazyLock<redis::Script> = LazyLock::new(|| redis::Script::new(&format!("{DROP}{CLEAR}")));

/// Every tenant's cache in Redis.
#[derive(Debug)]
pub struct SharedCache {
    limits: CacheLimits,
    redis: Redis,
}

impl SharedCache {
    /// A cache in `redis`, enforcing `limits` per partition.
    pub fn new(limits: CacheLimits, redis: Redis) -> Self {
        Self { limits, redis }
    }

    /// `{prefix}:cache:{tenant/plugin}`.
    fn partition(&self, scope: &CacheScope) -> String {
        self.partition_of(&scope.tenant, &scope.plugin)
    }

    fn partition_of(&self, tenant: &str, plugin: &str) -> String {
        self.redis.key("cache", &format!("{{{tenant}/{plugin}}}"))
    }

    /// The fresh value under `key` in `scope`; a miss when Redis fails.
    pub async fn get(&self, scope: &CacheScope, key: &str) -> Option<Vec<u8>> {
        let value = format!("{}:v:{key}", self.partition(scope));
        self.redis.query(redis::cmd("GET").arg(value)).await.unwrap_or_else(|error| {
            failed(scope, "read", &error);
            None
        })
    }

    /// Stores `value` under `key` in `scope`; dropped when Redis fails.
    pub async fn set(&self, scope: &CacheScope, key: &str, value: &[u8], ttl_seconds: u32) -> Result<(), CacheError> {
        let limits = self.limits;
        let ttl_ms = u64::from(checked(&limits, key, value, ttl_seconds)?) * 1000;
        let keep_ms = u64::from(limits.max_ttl_seconds) * 1000;
        let numbers = [ttl_ms, limits.max_entries as u64, limits.max_bytes as u64, keep_ms].map(|n| n.to_string());
        let args = [
            key.as_bytes(),
            value,
            numbers[0].as_bytes(),
            numbers[1].as_bytes(),
            numbers[2].as_bytes(),
            numbers[3].as_bytes(),
        ];
        let done: Result<i64, _> = self.redis.run(&SET_SCRIPT, &[&self.partition(scope)], &args).await;
        if let Err(error) = done {
            failed(scope, "write", &error);
        }
        Ok(())
    }

    /// Removes `key` from `scope`.
    pub async fn delete(&self, scope: &CacheScope, key: &str) {
        let done: Result<i64, _> = self.redis.run(&DELETE_SCRIPT, &[&self.partition(scope)], &[key.as_bytes()]).await;
        if let Err(error) = done {
            failed(scope, "delete", &error);
        }
    }

    /// Drops every entry of `scope`.
    pub async fn clear(&self, scope: &CacheScope) {
        if let Err(error) = self.clear_partition(&self.partition(scope)).await {
            failed(scope, "clear", &error);
        }
    }

    /// Drops every tenant's partition of `plugin`, found by scanning for
    /// their indexes.
    pub async fn forget(&self, plugin: &str) {
        let pattern = format!("{}:i", self.partition_of("*", plugin));
        let mut cursor = 0u64;
        loop {
            let command = redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(500).clone();
            let (next, indexes): (u64, Vec<String>) = match self.redis.query(&command).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%plugin, "cannot drop the plugin's shared cache entries (they expire by their TTL): {error}");
                    return;
                }
            };
            for index in indexes {
                let partition = index.trim_end_matches(":i");
                if let Err(error) = self.clear_partition(partition).await {
                    tracing::error!(%plugin, "cannot drop a shared cache partition (it expires by its TTL): {error}");
                }
            }
            if next == 0 {
                return;
            }
            cursor = next;
        }
    }

    async fn clear_partition(&self, partition: &str) -> Result<(), SharedError> {
        let _: i64 = self.redis.run(&CLEAR_SCRIPT, &[partition], &[]).await?;
        Ok(())
    }
}

/// Logs a failed cache operation: the call goes on without the cache.
fn failed(scope: &CacheScope, what: &str, error: &SharedError) {
    tracing::warn!(tenant = %scope.tenant, plugin = %scope.plugin, "shared cache {what} failed; going on without it: {error}");
}
