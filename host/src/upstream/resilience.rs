//! Resilience every plugin gets for free: retries with jittered exponential
//! backoff (honouring `Retry-After`), a circuit breaker per (tenant,
//! upstream origin), and a token bucket per (tenant, plugin).

use crate::metrics::CircuitState;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

/// `[resilience]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResilienceSettings {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff, in ms; doubles per retry, with full jitter.
    pub base_backoff_ms: u64,
    /// Longest backoff, in ms.
    pub max_backoff_ms: u64,
    /// Longest `Retry-After` the host waits out, in ms; a longer one becomes
    /// a `rate-limited` error carrying the wait.
    pub max_retry_after_ms: u64,
    /// Consecutive failures that open a circuit.
    pub breaker_threshold: u32,
    /// How long an open circuit fails fast before letting a probe through, in ms.
    pub breaker_cooldown_ms: u64,
    /// Sustained requests per second per (tenant, plugin).
    pub rate_per_second: f64,
    /// Burst size per (tenant, plugin).
    pub burst: u32,
}

impl Default for ResilienceSettings {
    fn default() -> Self {
        Self {
            max_retries: 3,
            base_backoff_ms: 100,
            max_backoff_ms: 2_000,
            max_retry_after_ms: 10_000,
            breaker_threshold: 5,
            breaker_cooldown_ms: 30_000,
            rate_per_second: 20.0,
            burst: 40,
        }
    }
}

impl ResilienceSettings {
    /// The wait before retry number `retry` (0-based): full jitter over an
    /// exponentially growing, capped window.
    pub fn backoff(&self, retry: u32) -> Duration {
        let window = self.base_backoff_ms.saturating_mul(1 << retry.min(16)).min(self.max_backoff_ms);
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).expect("the operating system's random source failed");
        Duration::from_millis(u64::from_le_bytes(random) % (window + 1))
    }
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
pub fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(SystemTime::now()).unwrap_or_default())
}

#[derive(Debug, Clone, Copy)]
enum Circuit {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen,
}

/// Circuit breakers keyed by (tenant, origin).
#[derive(Debug, Default)]
pub struct Breakers {
    circuits: Mutex<HashMap<(String, String), Circuit>>,
}

impl Breakers {
    /// Whether a request to `origin` for `tenant` may go out now; when not,
    /// how long until a probe is allowed.
    pub fn admit(&self, settings: &ResilienceSettings, tenant: &str, origin: &str) -> Result<(), Duration> {
        let mut circuits = self.lock();
        let circuit = circuits.entry((tenant.to_owned(), origin.to_owned())).or_insert(Circuit::Closed { failures: 0 });
        match *circuit {
            Circuit::Closed { .. } => Ok(()),
            Circuit::Open { until } if Instant::now() >= until => {
                *circuit = Circuit::HalfOpen;
                Ok(())
            }
            Circuit::Open { until } => Err(until - Instant::now()),
            // One probe is in flight; everyone else waits for its verdict.
            Circuit::HalfOpen => Err(Duration::from_millis(settings.breaker_cooldown_ms)),
        }
    }

    /// Records the outcome of a request that was admitted.
    pub fn record(&self, settings: &ResilienceSettings, tenant: &str, origin: &str, success: bool) {
        let mut circuits = self.lock();
        let circuit = circuits.entry((tenant.to_owned(), origin.to_owned())).or_insert(Circuit::Closed { failures: 0 });
        *circuit = match (*circuit, success) {
            (_, true) => Circuit::Closed { failures: 0 },
            (Circuit::Closed { failures }, false) if failures + 1 < settings.breaker_threshold => {
                Circuit::Closed { failures: failures + 1 }
            }
            (_, false) => {
                tracing::warn!(tenant, origin, "circuit opened after repeated upstream failures");
                Circuit::Open { until: Instant::now() + Duration::from_millis(settings.breaker_cooldown_ms) }
            }
        };
    }

    /// Every circuit's state, as (tenant, origin, state). An open circuit
    /// whose cooldown has passed still reads open until a request probes it.
    pub fn states(&self) -> Vec<(String, String, CircuitState)> {
        let circuits = self.lock();
        let mut states: Vec<_> = circuits
            .iter()
            .map(|((tenant, origin), circuit)| {
                let state = match circuit {
                    Circuit::Closed { .. } => CircuitState::Closed,
                    Circuit::Open { .. } => CircuitState::Open,
                    Circuit::HalfOpen => CircuitState::HalfOpen,
                };
                (tenant.clone(), origin.clone(), state)
            })
            .collect();
        states.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
        states
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Circuit>> {
        self.circuits.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled: Instant,
}

/// Token buckets keyed by (tenant, plugin).
#[derive(Debug, Default)]
pub struct RateLimits {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl RateLimits {
    /// Takes a token, or says how long until one is available.
    pub fn take(&self, settings: &ResilienceSettings, tenant: &str, plugin: &str) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let now = Instant::now();
        let burst = f64::from(settings.burst.max(1));
        let bucket =
            buckets.entry((tenant.to_owned(), plugin.to_owned())).or_insert(Bucket { tokens: burst, refilled: now });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.refilled).as_secs_f64() * settings.rate_per_second).min(burst);
        bucket.refilled = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            let rate = settings.rate_per_second.max(f64::MIN_POSITIVE);
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ResilienceSettings {
        ResilienceSettings {
            breaker_threshold: 2,
            breaker_cooldown_ms: 50,
            rate_per_second: 10.0,
            burst: 2,
            ..Default::default()
        }
    }

    #[test]
    fn the_breaker_opens_fails_fast_then_probes_and_closes() {
        let (settings, breakers) = (settings(), Breakers::default());
        let origin = "https://a.example:443";
        breakers.record(&settings, "t", origin, false);
        assert!(breakers.admit(&settings, "t", origin).is_ok(), "one failure is below the threshold");
        breakers.record(&settings, "t", origin, false);
        assert!(breakers.admit(&settings, "t", origin).is_err(), "open: fail fast");
        assert!(breakers.admit(&settings, "other-tenant", origin).is_ok(), "per tenant");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breakers.admit(&settings, "t", origin).is_ok(), "half-open lets one probe through");
        assert!(breakers.admit(&settings, "t", origin).is_err(), "only one");
        breakers.record(&settings, "t", origin, true);
        assert!(breakers.admit(&settings, "t", origin).is_ok(), "a successful probe closes it");
    }

    #[test]
    fn the_bucket_allows_a_burst_then_refills() {
        let (settings, limits) = (settings(), RateLimits::default());
        assert!(limits.take(&settings, "t", "p").is_ok());
        assert!(limits.take(&settings, "t", "p").is_ok());
        let wait = limits.take(&settings, "t", "p").unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(limits.take(&settings, "t", "other").is_ok(), "per plugin");
        std::thread::sleep(Duration::from_millis(110));
        assert!(limits.take(&settings, "t", "p").is_ok());
    }

    #[test]
    fn retry_after_reads_seconds_and_dates_and_backoff_is_bounded() {
        assert_eq!(retry_after("2"), Some(Duration::from_secs(2)));
        let soon = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        assert!(retry_after(&soon).unwrap() > Duration::from_secs(25));
        assert_eq!(retry_after("soon"), None);
        let settings = ResilienceSettings::default();
        for retry in 0..20 {
            assert!(settings.backoff(retry) <= Duration::from_millis(settings.max_backoff_ms));
        }
    }
}
