//! An optional inbound rate-limit rule, as a ServiceNow administrator
//! configures one (`sys_rate_limit_rules`): so many requests per clock hour.
//! Requests matching a rule carry `X-RateLimit-Limit`, `X-RateLimit-Reset`
//! (UNIX seconds) and `X-RateLimit-Rule`; once the rule is exhausted the
//! answer is 429 with `Retry-After` until the hour ends.

use super::rejection::Rejection;
use std::sync::Mutex;

/// What an admitted request's response announces.
#[derive(Debug, Clone, Copy)]
pub struct Admitted {
    /// Requests per hour the rule allows.
    pub limit: u32,
    /// When the window resets, UNIX seconds.
    pub reset: u64,
}

/// A rule allowing `limit` requests per clock hour.
pub struct RateRule {
    limit: u32,
    /// (hour since the epoch, requests counted in it).
    window: Mutex<(u64, u32)>,
}

impl RateRule {
    /// A rule allowing `limit` requests per hour.
    pub fn new(limit: u32) -> Self {
        Self { limit, window: Mutex::new((0, 0)) }
    }

    /// Counts one request: admitted, or refused until the hour ends.
    pub fn admit(&self) -> Result<Admitted, Rejection> {
        let now = u64::try_from(crate::clock::unix_seconds_now()).unwrap_or(0);
        let (hour, reset) = (now / 3600, (now / 3600 + 1) * 3600);
        let mut window = crate::lock(&self.window);
        if window.0 != hour {
            *window = (hour, 0);
        }
        if window.1 >= self.limit {
            return Err(Rejection::RateLimited {
                limit: self.limit,
                reset,
                retry_after: reset.saturating_sub(now).max(1),
            });
        }
        window.1 += 1;
        Ok(Admitted { limit: self.limit, reset })
    }
}
