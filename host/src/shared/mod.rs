//! State that several Berth replicas share at call speed, in Redis
//! (`[redis] url`, or `BERTH_REDIS_URL`): the plugins' `cache` and the
//! per-(tenant, plugin) rate limits of outbound requests. Without Redis
//! each replica keeps both in its own memory, which is right for one
//! replica and means per-replica limits for several.
//!
//! The connection is a `redis` [`ConnectionManager`]: one multiplexed
//! connection that reconnects by itself, with a timeout on every command,
//! so a slow or absent Redis costs a call at most [`RedisSettings::
//! timeout_ms`] and never hangs it. What each user does when Redis fails
//! is its own choice, said where it is made: the cache misses, the rate
//! limit falls back to the replica's own bucket.

pub mod rate_limit;

use crate::settings::{InvalidSetting, in_range};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Where Redis is and how long a command may take (`[redis]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]`; unset, nothing is shared.
    /// TLS (`rediss://`) is not built in yet: reach a TLS-only Redis
    /// through a local tunnel. `BERTH_REDIS_URL` overrides it, which
    /// keeps a password out of the settings file.
    pub url: Option<String>,
    /// Longest wait for one command, in ms: a call that uses the cache or
    /// the rate limit waits at most this for Redis.
    pub timeout_ms: u64,
    /// What every key starts with, so several deployments can share one
    /// Redis without seeing each other's entries.
    pub key_prefix: String,
}

impl Default for RedisSettings {
    fn default() -> Self {
        Self { url: None, timeout_ms: 250, key_prefix: "berth".to_owned() }
    }
}

impl RedisSettings {
    /// Refuses a URL Redis's client cannot use, and bounds the timeout.
    /// The URL is never echoed: it may carry a password.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("redis", "timeout_ms", self.timeout_ms, 10..=60_000)?;
        if self.key_prefix.is_empty()
            || !self.key_prefix.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            let fix = "must be letters, digits, `-`, `_` or `.`, such as `berth`";
            return Err(InvalidSetting::new("redis", "key_prefix", &self.key_prefix, fix));
        }
        if let Some(url) = &self.url {
            if url.starts_with("rediss://") {
                let fix =
                    "asks for TLS, which this build does not speak to Redis; use redis:// through a local TLS tunnel";
                return Err(InvalidSetting::new("redis", "url", "(not shown)", fix));
            }
            if let Err(error) = redis::Client::open(url.as_str()) {
                let fix =
                    format!("is not a Redis URL ({:?}); use redis://[user:password@]host:port[/db]", error.kind());
                return Err(InvalidSetting::new("redis", "url", "(not shown)", fix));
            }
        }
        Ok(())
    }
}

/// Why Redis could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SharedError {
    /// The URL does not parse (checked by [`RedisSettings::validate`]).
    #[error("the Redis URL is not usable: {0}")]
    Url(String),
    /// Redis failed or answered something unexpected.
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    /// Redis did not answer within `[redis] timeout_ms`.
    #[error("Redis did not answer within {0} ms")]
    Timeout(u64),
}

/// A connection to the shared Redis, cheap to clone.
#[derive(Clone)]
pub struct Redis {
    manager: ConnectionManager,
    prefix: String,
    /// The most any one operation may take, reconnecting included.
    timeout: Duration,
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.debug_struct("Redis").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl Redis {
    /// A connection to the Redis `settings` name, made on first use;
    /// `None` when no URL is set.
    pub fn connect(settings: &RedisSettings) -> Result<Option<Self>, SharedError> {
        let Some(url) = &settings.url else { return Ok(None) };
        let client =
            redis::Client::open(url.as_str()).map_err(|error| SharedError::Url(format!("{:?}", error.kind())))?;
        let timeout = Duration::from_millis(settings.timeout_ms);
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(timeout))
            .set_connection_timeout(Some(timeout))
            .set_number_of_retries(0);
        let manager = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Some(Self { manager, prefix: settings.key_prefix.clone(), timeout }))
    }

    /// Checks that Redis answers: at start, so a wrong URL is an error then
    /// rather than a degraded host.
    pub async fn ping(&self) -> Result<(), SharedError> {
        let _: String = self.query(&redis::cmd("PING")).await?;
        Ok(())
    }

    /// `{prefix}:{kind}:{name}`: every key Berth writes.
    pub fn key(&self, kind: &str, name: &str) -> String {
        format!("{}:{kind}:{name}", self.prefix)
    }

    /// Runs `script` with `keys` and `args`.
    pub async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        keys: &[&str],
        args: &[&[u8]],
    ) -> Result<T, SharedError> {
        let mut invocation = script.prepare_invoke();
        for key in keys {
            invocation.key(*key);
        }
        for arg in args {
            invocation.arg(*arg);
        }
        let mut connection = self.manager.clone();
        self.bounded(invocation.invoke_async(&mut connection)).await
    }

    /// Runs one command.
    pub async fn query<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, SharedError> {
        self.bounded(command.query_async(&mut self.manager.clone())).await
    }

    /// `operation`, given at most the timeout, a reconnection included.
    async fn bounded<T>(&self, operation: impl Future<Output = redis::RedisResult<T>>) -> Result<T, SharedError> {
        match tokio::time::timeout(self.timeout, operation).await {
            Ok(answer) => Ok(answer?),
            Err(_) => Err(SharedError::Timeout(self.timeout.as_millis() as u64)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_url(url: &str) -> RedisSettings {
        RedisSettings { url: Some(url.to_owned()), ..RedisSettings::default() }
    }

    #[test]
    fn a_bad_url_is_refused_without_showing_it() {
        assert!(with_url("redis://:pw@127.0.0.1:6379/0").validate().is_ok());
        for url in ["http://:s3cret@example.com", "rediss://:s3cret@example.com:6380"] {
            let refused = with_url(url).validate().unwrap_err().to_string();
            assert!(refused.contains("[redis] url") && !refused.contains("s3cret"), "{refused}");
        }
        let prefix = RedisSettings { key_prefix: "a b".to_owned(), ..RedisSettings::default() };
        assert!(prefix.validate().is_err());
    }
}
