//! Zendesk's rate limits: an account-wide budget of requests per minute
//! (700 on Enterprise), reported on every response as `X-Rate-Limit` and
//! `X-Rate-Limit-Remaining`, and on the ticket list endpoints also as
//! `ratelimit-limit`, `ratelimit-remaining` and `ratelimit-reset` (seconds
//! until the window resets) plus `zendesk-ratelimit-tickets-index`.
//!
//! A test exhausts it on purpose with [`Limiter::arm`]: a budget of requests
//! passes (the remaining count falling to 0), then every request is refused
//! with 429, `Retry-After` and a plain-text body until the window lifts
//! (the crate's [`ArmedLimit`]).

use super::error::{ApiError, RATE_LIMITED, TICKET_UPDATES_RATE_LIMITED};
use crate::armed_limit::ArmedLimit;
use axum::http::{HeaderMap, HeaderValue};
use std::time::{Duration, Instant};

/// Requests per minute the account allows (the Enterprise plan's limit).
pub const RATE_LIMIT: u32 = 700;
/// Requests per minute the list-tickets endpoint allows on its own.
pub const TICKETS_INDEX_LIMIT: u32 = 100;
const WINDOW: Duration = Duration::from_secs(60);

/// What a response reports about the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests per minute.
    pub limit: u32,
    /// Requests left in this minute.
    pub remaining: u32,
    /// Seconds until the minute resets.
    pub reset: u64,
}

impl Quota {
    /// Adds `X-Rate-Limit` and `X-Rate-Limit-Remaining`.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert("x-rate-limit", HeaderValue::from(self.limit));
        headers.insert("x-rate-limit-remaining", HeaderValue::from(self.remaining));
    }

    /// Adds the headers of the ticket list endpoints.
    pub fn apply_list(&self, headers: &mut HeaderMap) {
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(self.reset));
        let index = format!(
            "total={TICKETS_INDEX_LIMIT}; remaining={}; resets={}",
            self.remaining.min(TICKETS_INDEX_LIMIT - 1),
            self.reset
        );
        if let Ok(index) = HeaderValue::try_from(index) {
            headers.insert("zendesk-ratelimit-tickets-index", index);
        }
    }
}

/// The account's limiter.
#[derive(Debug)]
pub struct Limiter {
    window_start: Instant,
    used: u32,
    /// A limit armed by a test, over the per-minute budget.
    rule: ArmedLimit,
}

impl Default for Limiter {
    fn default() -> Self {
        Self { window_start: Instant::now(), used: 0, rule: ArmedLimit::Off }
    }
}

impl Limiter {
    /// Lets `budget` more requests through, then refuses for `window`.
    pub fn arm(&mut self, budget: u32, window: Duration) {
        self.rule.arm(budget, window);
    }

    fn roll(&mut self, now: Instant) {
        if now.duration_since(self.window_start) >= WINDOW {
            self.window_start = now;
            self.used = 0;
        }
    }

    fn quota(&self, now: Instant) -> Quota {
        let left_in_window = WINDOW.saturating_sub(now.duration_since(self.window_start));
        let remaining = RATE_LIMIT.saturating_sub(self.used).min(self.rule.remaining().unwrap_or(u32::MAX));
        Quota { limit: RATE_LIMIT, remaining, reset: left_in_window.as_secs().max(1) }
    }

    /// What a response that does not count (a refused sign-in) reports.
    pub fn peek(&mut self) -> Quota {
        let now = Instant::now();
        self.roll(now);
        self.rule.lift_if_over(now);
        self.quota(now)
    }

    /// Admits or refuses one request; `ticket_update` picks the 429 body
    /// of the Update Ticket endpoint. A refusal carries the quota too.
    pub fn admit(&mut self, ticket_update: bool) -> Result<Quota, (ApiError, Quota)> {
        let now = Instant::now();
        self.roll(now);
        if let Some(refusal) = self.rule.refusal(now) {
            let retry_after = refusal.retry_after.max(1);
            let body = if ticket_update { TICKET_UPDATES_RATE_LIMITED } else { RATE_LIMITED };
            return Err((ApiError::RateLimited { body, retry_after }, self.quota(now)));
        }
        if self.used >= RATE_LIMIT {
            let retry_after = (WINDOW.saturating_sub(now.duration_since(self.window_start))).as_secs().max(1);
            return Err((ApiError::RateLimited { body: RATE_LIMITED, retry_after }, self.quota(now)));
        }
        self.used += 1;
        self.rule.count();
        Ok(self.quota(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_then_lifts() {
        let mut limiter = Limiter::default();
        assert_eq!(limiter.admit(false).unwrap().remaining, RATE_LIMIT - 1);
        limiter.arm(2, Duration::from_millis(50));
        assert_eq!(limiter.admit(false).unwrap().remaining, 1);
        assert_eq!(limiter.admit(false).unwrap().remaining, 0);
        let Err((ApiError::RateLimited { body, retry_after }, quota)) = limiter.admit(true) else { panic!("refused") };
        assert_eq!((body, retry_after, quota.remaining), (TICKET_UPDATES_RATE_LIMITED, 1, 0));
        assert!(matches!(limiter.admit(false), Err((ApiError::RateLimited { body: RATE_LIMITED, .. }, _))));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(limiter.admit(false).unwrap().remaining, RATE_LIMIT - 4);
    }
}
