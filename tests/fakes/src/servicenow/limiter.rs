//! ServiceNow's inbound REST rate limiting, as one rule a test switches on.
//!
//! On a real instance an administrator defines hourly rules
//! (`sys_rate_limit_rules`); every request a rule covers is answered with
//! `X-RateLimit-Limit` (requests per hour), `X-RateLimit-Reset` (Unix time)
//! and `X-RateLimit-Rule` (the rule's `sys_id`), and once the rule is
//! exhausted with 429, `Retry-After` and "Rate limit exceeded". The fake's
//! rule admits a budget of requests, then refuses everything for a window,
//! then lifts, which is what a client's retry logic has to survive (the
//! crate's [`ArmedLimit`]).

use super::clock::unix_now;
use super::error::ApiError;
use crate::armed_limit::ArmedLimit;
use axum::http::{HeaderMap, HeaderValue};
use std::time::{Duration, Instant};

/// The hourly limit the fake's rule reports (`X-RateLimit-Limit`).
pub const RATE_LIMIT_PER_HOUR: u32 = 100;
/// The `sys_id` of the fake's rate-limit rule (`X-RateLimit-Rule`).
pub const RATE_LIMIT_RULE: &str = "9b9c04c1db9b3300f5f0d3e4ce961911";

/// The headers a request covered by the rule is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleHeaders {
    /// Requests per hour.
    pub limit: u32,
    /// When the window resets, in Unix seconds.
    pub reset: u64,
}

impl RuleHeaders {
    /// Adds the `X-RateLimit-*` headers.
    pub fn apply(&self, headers: &mut HeaderMap) {
        apply_rule_headers(headers, self.limit, self.reset, RATE_LIMIT_RULE);
    }
}

/// Adds what every ServiceNow API answers a request a rate-limit rule
/// covers with: `X-RateLimit-Limit` (requests per hour), `X-RateLimit-Reset`
/// (Unix seconds) and `X-RateLimit-Rule` (the rule's `sys_id`).
pub fn apply_rule_headers(headers: &mut HeaderMap, limit: u32, reset: u64, rule: &'static str) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    headers.insert("x-ratelimit-rule", HeaderValue::from_static(rule));
}

/// The rule: off until a test arms it.
#[derive(Debug, Default)]
pub struct Limiter {
    limit: ArmedLimit,
    /// When the rule's hour resets (Unix seconds), reported while it counts.
    hour_reset: u64,
}

impl Limiter {
    /// Lets `budget` more requests through, then refuses for `window`.
    pub fn arm(&mut self, budget: u32, window: Duration) {
        self.limit.arm(budget, window);
        self.hour_reset = unix_now() + 3600;
    }

    /// Admits or refuses one request. An admitted request the rule covers
    /// gets its headers; a request after the window finds the rule lifted.
    pub fn admit(&mut self) -> Result<Option<RuleHeaders>, ApiError> {
        match self.limit.admit(Instant::now()) {
            Ok(None) => Ok(None),
            Ok(Some(_)) => Ok(Some(RuleHeaders { limit: RATE_LIMIT_PER_HOUR, reset: self.hour_reset })),
            Err(refusal) => {
                let reset = u64::try_from(refusal.lifts_at_millis.div_euclid(1000)).unwrap_or(0);
                let rule = RuleHeaders { limit: RATE_LIMIT_PER_HOUR, reset };
                Err(ApiError::RateLimited { rule, retry_after: refusal.retry_after })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_then_a_window_then_lifted() {
        let mut limiter = Limiter::default();
        assert_eq!(limiter.admit().unwrap(), None);
        limiter.arm(2, Duration::from_millis(50));
        assert!(limiter.admit().unwrap().is_some());
        assert!(limiter.admit().unwrap().is_some());
        let Err(ApiError::RateLimited { retry_after, .. }) = limiter.admit() else { panic!("refused") };
        assert_eq!(retry_after, 1, "rounded up to whole seconds");
        assert!(limiter.admit().is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(limiter.admit().unwrap(), None);
    }
}
