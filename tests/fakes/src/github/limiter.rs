//! GitHub's rate limits. Every response reports the bucket its request
//! counted against as `x-ratelimit-limit`, `-remaining`, `-used`, `-reset`
//! (Unix seconds) and `-resource`:
//!
//! - **core**: 5,000 requests an hour with a token, 60 anonymously;
//! - **search**: 30 requests a minute with a token, 10 anonymously.
//!
//! Tokens and anonymous callers have their own buckets. A bucket that is
//! used up answers 403 with `x-ratelimit-remaining: 0` and "API rate limit
//! exceeded…" until its reset. `GET /rate_limit` counts against nothing.
//!
//! On top, a test can arm the **secondary** limit ([`Limiter::arm`], the
//! crate's [`ArmedLimit`]): a budget of requests passes, then every request
//! is refused with 403 "You have exceeded a secondary rate limit…" and
//! `retry-after` until the window lifts. As on GitHub, the primary
//! `remaining` need not be 0 then.

use super::clock::{self, HOUR, MINUTE};
use super::error::ApiError;
use crate::armed_limit::ArmedLimit;
use axum::http::{HeaderMap, HeaderValue};
use std::time::{Duration, Instant};

/// Which bucket a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// Everything but search.
    Core,
    /// `/search/*`.
    Search,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Self::Core => "core",
            Self::Search => "search",
        }
    }
}

/// What a response reports about its bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests per window.
    pub limit: u32,
    /// Requests used in this window.
    pub used: u32,
    /// When the window resets, in Unix seconds.
    pub reset: i64,
    /// The bucket.
    pub resource: Resource,
}

impl Quota {
    /// Requests left in this window.
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Adds the `x-ratelimit-*` headers.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert("x-ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(self.remaining()));
        headers.insert("x-ratelimit-used", HeaderValue::from(self.used));
        headers.insert("x-ratelimit-reset", HeaderValue::from(self.reset));
        headers.insert("x-ratelimit-resource", HeaderValue::from_static(self.resource.name()));
    }
}

/// One primary bucket.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    limit: u32,
    window: i64,
    used: u32,
    reset: i64,
}

impl Bucket {
    fn new(limit: u32, window: i64) -> Self {
        Self { limit, window, used: 0, reset: 0 }
    }

    /// Starts a new window if the last one is over.
    fn roll(&mut self, now: i64) {
        if now >= self.reset {
            self.used = 0;
            self.reset = now + self.window;
        }
    }

    fn quota(&self, resource: Resource) -> Quota {
        Quota { limit: self.limit, used: self.used, reset: self.reset, resource }
    }
}

/// The primary limits of a token, or of anonymous callers.
#[derive(Debug, Clone, Copy)]
struct Buckets {
    core: Bucket,
    search: Bucket,
}

impl Buckets {
    fn get(&mut self, resource: Resource) -> &mut Bucket {
        match resource {
            Resource::Core => &mut self.core,
            Resource::Search => &mut self.search,
        }
    }
}

/// Who a request counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// A token of the user with this id.
    User(u64),
    /// No token.
    Anonymous,
}

/// The fake's limits.
#[derive(Debug)]
pub struct Limiter {
    token: Buckets,
    anonymous: Buckets,
    secondary: ArmedLimit,
}

impl Limiter {
    /// Limits with `core` requests an hour and `search` a minute for a
    /// token (GitHub's are 5,000 and 30), and GitHub's 60 and 10 for
    /// anonymous callers.
    pub fn new(core: u32, search: u32) -> Self {
        Self {
            token: Buckets { core: Bucket::new(core, HOUR), search: Bucket::new(search, MINUTE) },
            anonymous: Buckets { core: Bucket::new(60, HOUR), search: Bucket::new(10, MINUTE) },
            secondary: ArmedLimit::Off,
        }
    }

    /// Arms the secondary limit: `budget` more requests pass, then requests
    /// are refused for `window`.
    pub fn arm(&mut self, budget: u32, window: Duration) {
        self.secondary.arm(budget, window);
    }

    fn buckets(&mut self, caller: Caller) -> &mut Buckets {
        match caller {
            Caller::User(_) => &mut self.token,
            Caller::Anonymous => &mut self.anonymous,
        }
    }

    /// What a response that does not count reports (a refused sign-in,
    /// `GET /rate_limit`).
    pub fn peek(&mut self, caller: Caller, resource: Resource) -> Quota {
        let bucket = self.buckets(caller).get(resource);
        bucket.roll(clock::now());
        bucket.quota(resource)
    }

    /// Admits or refuses one request; a refusal carries the quota too.
    pub fn admit(&mut self, caller: Caller, resource: Resource) -> Result<Quota, (ApiError, Quota)> {
        let now = clock::now();
        let quota = self.peek(caller, resource);
        if let Some(refusal) = self.secondary.refusal(Instant::now()) {
            return Err((ApiError::SecondaryRateLimited { retry_after: refusal.retry_after.max(1) }, quota));
        }
        let bucket = self.buckets(caller).get(resource);
        bucket.roll(now);
        if bucket.used >= bucket.limit {
            let message = match caller {
                Caller::User(id) => format!("API rate limit exceeded for user ID {id}."),
                Caller::Anonymous => "API rate limit exceeded for 127.0.0.1. (But here's the good news: \
                    Authenticated requests get a higher rate limit. Check out the documentation for more details.)"
                    .to_owned(),
            };
            return Err((ApiError::RateLimited(message), bucket.quota(resource)));
        }
        bucket.used += 1;
        let quota = bucket.quota(resource);
        self.secondary.count();
        Ok(quota)
    }

    /// Every bucket of `caller`, for `GET /rate_limit`.
    pub fn snapshot(&mut self, caller: Caller) -> [Quota; 2] {
        [self.peek(caller, Resource::Core), self.peek(caller, Resource::Search)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_buckets_count_down_and_refuse_at_zero() {
        let mut limiter = Limiter::new(2, 30);
        let mia = Caller::User(7);
        let first = limiter.admit(mia, Resource::Core).unwrap();
        assert_eq!((first.limit, first.used, first.remaining()), (2, 1, 1));
        assert!(first.reset > clock::now() + HOUR - 5);
        assert_eq!(limiter.admit(mia, Resource::Search).unwrap().used, 1, "search has its own bucket");
        assert_eq!(limiter.admit(mia, Resource::Core).unwrap().remaining(), 0);
        let (refusal, quota) = limiter.admit(mia, Resource::Core).unwrap_err();
        assert_eq!(refusal, ApiError::RateLimited("API rate limit exceeded for user ID 7.".to_owned()));
        assert_eq!(quota.remaining(), 0);
        assert_eq!(limiter.admit(Caller::Anonymous, Resource::Core).unwrap().limit, 60, "anonymous is apart");
    }

    #[test]
    fn the_secondary_limit_refuses_with_retry_after_then_lifts() {
        let mut limiter = Limiter::new(5000, 30);
        limiter.arm(1, Duration::from_millis(40));
        assert!(limiter.admit(Caller::User(7), Resource::Core).is_ok());
        let (refusal, quota) = limiter.admit(Caller::User(7), Resource::Core).unwrap_err();
        assert_eq!(refusal, ApiError::SecondaryRateLimited { retry_after: 1 });
        assert_eq!(quota.remaining(), 4999, "the primary limit is not what refused");
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(limiter.admit(Caller::User(7), Resource::Core).unwrap().used, 2);
    }
}
