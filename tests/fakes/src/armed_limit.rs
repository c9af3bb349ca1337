//! The rate limit every fake lets a test arm (`limit_requests`): a budget
//! of requests passes, then every request is refused for a window, then the
//! limit lifts, which is what a client's retry logic has to survive. Each
//! fake wraps it in its own headers and bodies, and ServiceNow and Jira
//! report when the refusal ends ([`Refusal::lifts_at_millis`]).

use crate::clock;
use std::time::{Duration, Instant};

/// A limit a test arms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ArmedLimit {
    /// Not armed: nothing is refused.
    #[default]
    Off,
    /// `remaining` more requests pass; then requests are refused for
    /// `window`.
    Counting {
        /// Requests still admitted.
        remaining: u32,
        /// How long the refusal lasts.
        window: Duration,
    },
    /// Refusing until `until`.
    Refusing {
        /// When the refusal lifts.
        until: Instant,
        /// The same moment on the wall clock, in milliseconds since the
        /// Unix epoch.
        lifts_at_millis: i64,
    },
}

/// A refused request: when to come back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Whole seconds until the limit lifts, rounded up (`Retry-After`).
    pub retry_after: u64,
    /// When it lifts, in milliseconds since the Unix epoch.
    pub lifts_at_millis: i64,
}

impl ArmedLimit {
    /// Lets `budget` more requests through, then refuses for `window`.
    pub fn arm(&mut self, budget: u32, window: Duration) {
        *self = Self::Counting { remaining: budget, window };
    }

    /// Whether a request at `now` is refused. A spent budget starts the
    /// refusal; a refusal whose window is over lifts (the limit is off
    /// again).
    pub fn refusal(&mut self, now: Instant) -> Option<Refusal> {
        if let Self::Counting { remaining: 0, window } = *self {
            let window_millis = i64::try_from(window.as_millis()).unwrap_or(i64::MAX / 2);
            *self = Self::Refusing { until: now + window, lifts_at_millis: clock::unix_millis_now() + window_millis };
        }
        self.lift_if_over(now);
        let Self::Refusing { until, lifts_at_millis } = *self else { return None };
        let wait = until - now;
        Some(Refusal { retry_after: wait.as_secs() + u64::from(wait.subsec_nanos() > 0), lifts_at_millis })
    }

    /// Ends a refusal whose window is over at `now`.
    pub fn lift_if_over(&mut self, now: Instant) {
        if matches!(*self, Self::Refusing { until, .. } if now >= until) {
            *self = Self::Off;
        }
    }

    /// Counts an admitted request against the budget; how many more pass
    /// after it (`None` when the limit is off).
    pub fn count(&mut self) -> Option<u32> {
        match self {
            Self::Counting { remaining, .. } => {
                *remaining = remaining.saturating_sub(1);
                Some(*remaining)
            }
            Self::Off | Self::Refusing { .. } => None,
        }
    }

    /// Admits a request at `now` ([`Self::count`]) or refuses it
    /// ([`Self::refusal`]).
    pub fn admit(&mut self, now: Instant) -> Result<Option<u32>, Refusal> {
        match self.refusal(now) {
            Some(refusal) => Err(refusal),
            None => Ok(self.count()),
        }
    }

    /// How many more requests the limit admits: `None` when it is off, `0`
    /// while it refuses.
    pub fn remaining(&self) -> Option<u32> {
        match *self {
            Self::Off => None,
            Self::Counting { remaining, .. } => Some(remaining),
            Self::Refusing { .. } => Some(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_then_a_window_then_lifted() {
        let mut limit = ArmedLimit::default();
        let start = Instant::now();
        assert_eq!((limit.admit(start), limit.remaining()), (Ok(None), None));
        limit.arm(2, Duration::from_millis(1500));
        assert_eq!(limit.admit(start), Ok(Some(1)));
        assert_eq!(limit.admit(start), Ok(Some(0)));
        let refusal = limit.admit(start).unwrap_err();
        assert_eq!(refusal.retry_after, 2, "rounded up to whole seconds");
        assert!((refusal.lifts_at_millis - clock::unix_millis_now() - 1500).abs() < 1000);
        assert_eq!(limit.remaining(), Some(0));
        let later = start + Duration::from_millis(1000);
        assert_eq!(limit.admit(later).unwrap_err(), Refusal { retry_after: 1, ..refusal });
        limit.lift_if_over(start + Duration::from_millis(1500));
        assert_eq!((limit, limit.admit(start)), (ArmedLimit::Off, Ok(None)));
    }
}
