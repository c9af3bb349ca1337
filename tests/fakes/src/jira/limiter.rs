//! Jira's burst rate limiting, as one bucket a test can drain.
//!
//! Jira Cloud answers API traffic that exceeds its per-endpoint burst
//! budget with `429 Too Many Requests`, `Retry-After: <seconds>`,
//! `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`, `X-RateLimit-Reset`
//! (an ISO-8601 UTC instant) and `RateLimit-Reason: jira-burst-based`;
//! admitted responses carry `X-RateLimit-Limit` and
//! `X-RateLimit-Remaining`, plus `X-RateLimit-NearLimit: true` once less
//! than a fifth of the budget is left. Normally the fake's bucket never
//! drains; [`Limiter::arm`] gives it a budget of requests, after which
//! every request is refused for a window, and then the limit lifts (the
//! crate's [`ArmedLimit`]).

use super::clock;
use crate::armed_limit::ArmedLimit;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use std::time::{Duration, Instant};

/// The burst limit the fake reports (`X-RateLimit-Limit`).
pub const BURST_LIMIT: u32 = 350;
/// Why requests are refused (`RateLimit-Reason`).
pub const REASON: &str = "jira-burst-based";

/// What an admitted response tells the client about its budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Requests left in the window.
    pub remaining: u32,
}

impl Budget {
    /// Adds `X-RateLimit-Limit`, `X-RateLimit-Remaining` and, when little is
    /// left, `X-RateLimit-NearLimit`.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(BURST_LIMIT));
        headers.insert(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from(self.remaining));
        if self.remaining < BURST_LIMIT / 5 {
            headers.insert(HeaderName::from_static("x-ratelimit-nearlimit"), HeaderValue::from_static("true"));
        }
    }
}

/// A refused request: when to come back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Whole seconds until the window lifts (`Retry-After`).
    pub retry_after: u64,
    /// When the window lifts, as `X-RateLimit-Reset` writes it.
    pub reset: String,
}

impl Refusal {
    /// Adds the 429 headers.
    pub fn apply(&self, headers: &mut HeaderMap) {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(self.retry_after));
        headers.insert(HeaderName::from_static("x-ratelimit-limit"), HeaderValue::from(BURST_LIMIT));
        headers.insert(HeaderName::from_static("x-ratelimit-remaining"), HeaderValue::from_static("0"));
        if let Ok(reset) = HeaderValue::try_from(self.reset.as_str()) {
            headers.insert(HeaderName::from_static("x-ratelimit-reset"), reset);
        }
        headers.insert(HeaderName::from_static("ratelimit-reason"), HeaderValue::from_static(REASON));
    }
}

/// The bucket: it never drains until a test arms it.
#[derive(Debug, Default)]
pub struct Limiter(ArmedLimit);

impl Limiter {
    /// Lets `budget` more requests through, then refuses for `window`.
    pub fn arm(&mut self, budget: u32, window: Duration) {
        self.0.arm(budget, window);
    }

    /// Admits or refuses one request.
    pub fn admit(&mut self) -> Result<Budget, Refusal> {
        match self.0.admit(Instant::now()) {
            Ok(remaining) => Ok(Budget { remaining: remaining.unwrap_or(BURST_LIMIT).min(BURST_LIMIT - 1) }),
            Err(refusal) => Err(Refusal {
                retry_after: refusal.retry_after.max(1),
                reset: clock::iso8601_utc(refusal.lifts_at_millis),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_then_a_window_then_lifted() {
        let mut limiter = Limiter::default();
        assert_eq!(limiter.admit(), Ok(Budget { remaining: BURST_LIMIT - 1 }));
        limiter.arm(2, Duration::from_millis(50));
        assert_eq!(limiter.admit(), Ok(Budget { remaining: 1 }));
        assert_eq!(limiter.admit(), Ok(Budget { remaining: 0 }));
        let refusal = limiter.admit().unwrap_err();
        assert_eq!(refusal.retry_after, 1, "rounded up to whole seconds");
        assert!(refusal.reset.ends_with('Z') && refusal.reset.len() == 20, "{}", refusal.reset);
        assert!(limiter.admit().is_err());
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(limiter.admit(), Ok(Budget { remaining: BURST_LIMIT - 1 }));
    }

    #[test]
    fn headers() {
        let mut headers = HeaderMap::new();
        Budget { remaining: 3 }.apply(&mut headers);
        assert_eq!(headers["x-ratelimit-remaining"], "3");
        assert_eq!(headers["x-ratelimit-nearlimit"], "true");
        let mut headers = HeaderMap::new();
        Refusal { retry_after: 2, reset: "2026-01-01T01:01:01Z".to_owned() }.apply(&mut headers);
        assert_eq!(headers["retry-after"], "2");
        assert_eq!(headers["x-ratelimit-reset"], "2026-01-01T01:01:01Z");
        assert_eq!(headers["ratelimit-reason"], "jira-burst-based");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
    }
}
