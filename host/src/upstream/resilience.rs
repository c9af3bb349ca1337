//! Resilience every plugin gets for free: retries with jittered exponential
//! backoff (honouring `Retry-After`), a circuit breaker per (tenant,
//! upstream origin), and a token bucket per (tenant, plugin).

use crate::metrics::CircuitState;
use crate::settings::{InvalidSetting, in_range};
use crate::shared::{Redis, rate_limit};
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
    /// Refuses values that would stop every request or overflow a clock: a
    /// rate of zero, a negative one or NaN never refills its bucket, and a
    /// cooldown of centuries overflows the deadline it sets.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        const SECTION: &str = "resilience";
        in_range(SECTION, "max_retries", self.max_retries, 0..=10)?;
        in_range(SECTION, "base_backoff_ms", self.base_backoff_ms, 0..=60_000)?;
        in_range(SECTION, "max_backoff_ms", self.max_backoff_ms, 0..=600_000)?;
        in_range(SECTION, "max_retry_after_ms", self.max_retry_after_ms, 0..=3_600_000)?;
        in_range(SECTION, "breaker_threshold", self.breaker_threshold, 1..=10_000)?;
        in_range(SECTION, "breaker_cooldown_ms", self.breaker_cooldown_ms, 0..=86_400_000)?;
        in_range(SECTION, "rate_per_second", self.rate_per_second, 0.001..=1_000_000.0)?;
        in_range(SECTION, "burst", self.burst, 1..=1_000_000)
    }

    /// The wait before retry number `retry` (0-based): full jitter over an
    /// exponentially growing, capped window.
    pub fn backoff(&self, retry: u32) -> Duration {
        let window = self.base_backoff_ms.saturating_mul(1 << retry.min(16)).min(self.max_backoff_ms);
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).expect("the operating system's random source failed");
        Duration::from_millis(u64::from_le_bytes(random) % (window + 1))
    }
}

/// The wait an answer with `status` asks for: its `Retry-After`, else, on
/// a 429 only, its `X-RateLimit-Reset`, which OpsRamp and GitHub send
/// instead (the epoch second the limit lifts; GitHub sends it on every
/// answer, where it says nothing about a 502). `header` looks a header up
/// by lower-case name.
pub fn asked_wait<'a>(status: u16, header: impl Fn(&str) -> Option<&'a str>) -> Option<Duration> {
    let reset = || (status == 429).then(|| header("x-ratelimit-reset").and_then(rate_limit_reset)).flatten();
    header("retry-after").and_then(retry_after).or_else(reset)
}

/// Parses `X-RateLimit-Reset`. A value from the Unix epoch's scale (after
/// 2001) is the epoch second the limit lifts; a smaller one, as some APIs
/// send, is seconds from now.
fn rate_limit_reset(value: &str) -> Option<Duration> {
    const EPOCH_SCALE: u64 = 1_000_000_000;
    let seconds = value.trim().parse::<u64>().ok()?;
    if seconds < EPOCH_SCALE {
        return Some(Duration::from_secs(seconds));
    }
    let lifts = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))?;
    Some(lifts.duration_since(SystemTime::now()).unwrap_or_default())
}

/// Parses `Retry-After`: delta-seconds or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(SystemTime::now()).unwrap_or_default())
}

/// How a finished request bears on its upstream's health, as the circuit
/// breaker counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The upstream answered (any status below 500): it is alive, so a
    /// half-open circuit closes and a failure streak ends.
    Healthy,
    /// A 5xx, a connection failure or a timeout: one more towards opening.
    Failed,
    /// Says nothing about the upstream: the host refused the request, the
    /// request was malformed, the body exceeded the host's cap, or the
    /// request was abandoned. Counts for neither side; a probe that ends
    /// this way only gives back the probe slot.
    Neutral,
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

/// Leave for one request to go out, from [`Breakers::admit`]. Its outcome is
/// given back with [`Admission::record`]. Dropping it unrecorded (the call
/// was cancelled or ran out of time mid-request) counts as
/// [`Verdict::Neutral`], so a half-open circuit never waits forever for a
/// probe that will not report.
#[must_use = "an admission left unrecorded counts as neutral"]
#[derive(Debug)]
pub struct Admission<'a> {
    breakers: &'a Breakers,
    settings: &'a ResilienceSettings,
    key: (String, String),
    /// This request is the one probe of a half-open circuit.
    probe: bool,
    recorded: bool,
}

impl Admission<'_> {
    /// Records how the admitted request went.
    pub fn record(mut self, verdict: Verdict) {
        self.settle(verdict);
    }

    fn settle(&mut self, verdict: Verdict) {
        self.recorded = true;
        let (tenant, origin) = (&self.key.0, &self.key.1);
        let mut circuits = self.breakers.lock();
        let circuit = circuits.entry(self.key.clone()).or_insert(Circuit::Closed { failures: 0 });
        *circuit = match (*circuit, verdict) {
            (_, Verdict::Healthy) => Circuit::Closed { failures: 0 },
            // Give the slot back: the next request probes.
            (Circuit::HalfOpen, Verdict::Neutral) if self.probe => Circuit::Open { until: Instant::now() },
            (unchanged, Verdict::Neutral) => unchanged,
            (Circuit::Closed { failures }, Verdict::Failed) if failures + 1 < self.settings.breaker_threshold => {
                Circuit::Closed { failures: failures + 1 }
            }
            (_, Verdict::Failed) => {
                tracing::warn!(tenant, origin, "circuit opened after repeated upstream failures");
                Circuit::Open { until: Instant::now() + Duration::from_millis(self.settings.breaker_cooldown_ms) }
            }
        };
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if !self.recorded {
            self.settle(Verdict::Neutral);
        }
    }
}

impl Breakers {
    /// Leave for a request to `origin` for `tenant` to go out now; when
    /// refused, how long until a probe is allowed.
    pub fn admit<'a>(
        &'a self,
        settings: &'a ResilienceSettings,
        tenant: &str,
        origin: &str,
    ) -> Result<Admission<'a>, Duration> {
        let key = (tenant.to_owned(), origin.to_owned());
        let mut circuits = self.lock();
        let circuit = circuits.entry(key.clone()).or_insert(Circuit::Closed { failures: 0 });
        let probe = match *circuit {
            Circuit::Closed { .. } => false,
            Circuit::Open { until } if Instant::now() >= until => {
                *circuit = Circuit::HalfOpen;
                true
            }
            Circuit::Open { until } => return Err(until - Instant::now()),
            // One probe is in flight; everyone else waits for its verdict.
            Circuit::HalfOpen => return Err(Duration::from_millis(settings.breaker_cooldown_ms)),
        };
        Ok(Admission { breakers: self, settings, key, probe, recorded: false })
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

/// Token buckets keyed by (tenant, plugin): in this replica's memory, or
/// shared by every replica in Redis. When Redis cannot answer, the local
/// bucket stands in, so a Redis outage leaves each replica limited on its
/// own rather than unlimited or stopped.
#[derive(Debug, Default)]
pub struct RateLimits {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
    shared: Option<Redis>,
}

impl RateLimits {
    /// Buckets shared through `redis`.
    pub fn shared(redis: Redis) -> Self {
        Self { shared: Some(redis), ..Self::default() }
    }

    /// Takes a token, or says how long until one is available.
    pub async fn take(&self, settings: &ResilienceSettings, tenant: &str, plugin: &str) -> Result<(), Duration> {
        if let Some(redis) = &self.shared {
            match rate_limit::take(redis, settings.rate_per_second, settings.burst, tenant, plugin).await {
                Ok(verdict) => return verdict,
                Err(error) => {
                    tracing::warn!(%tenant, %plugin, "shared rate limit unavailable, using this replica's: {error}")
                }
            }
        }
        self.take_local(settings, tenant, plugin)
    }

    /// Takes a token from this replica's own bucket.
    fn take_local(&self, settings: &ResilienceSettings, tenant: &str, plugin: &str) -> Result<(), Duration> {
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

    const ORIGIN: &str = "https://a.example:443";

    /// Admits one request for tenant `t` and records `verdict` for it.
    fn finish(breakers: &Breakers, settings: &ResilienceSettings, verdict: Verdict) {
        breakers.admit(settings, "t", ORIGIN).expect("admitted").record(verdict);
    }

    /// Opens `t`'s circuit and waits out the cool-down, so the next request
    /// is the half-open probe.
    fn half_open(breakers: &Breakers, settings: &ResilienceSettings) {
        for _ in 0..settings.breaker_threshold {
            finish(breakers, settings, Verdict::Failed);
        }
        assert!(breakers.admit(settings, "t", ORIGIN).is_err(), "open");
        std::thread::sleep(Duration::from_millis(settings.breaker_cooldown_ms + 10));
    }

    #[test]
    fn the_breaker_opens_fails_fast_then_probes_and_closes() {
        let (settings, breakers) = (settings(), Breakers::default());
        finish(&breakers, &settings, Verdict::Failed);
        assert!(breakers.admit(&settings, "t", ORIGIN).is_ok(), "one failure is below the threshold");
        finish(&breakers, &settings, Verdict::Failed);
        assert!(breakers.admit(&settings, "t", ORIGIN).is_err(), "open: fail fast");
        assert!(breakers.admit(&settings, "other-tenant", ORIGIN).is_ok(), "per tenant");
        std::thread::sleep(Duration::from_millis(60));
        let probe = breakers.admit(&settings, "t", ORIGIN).expect("half-open lets one probe through");
        assert!(breakers.admit(&settings, "t", ORIGIN).is_err(), "only one");
        probe.record(Verdict::Healthy);
        assert!(breakers.admit(&settings, "t", ORIGIN).is_ok(), "a successful probe closes it");
    }

    #[test]
    fn an_abandoned_probe_lets_the_next_request_probe() {
        let (settings, breakers) = (settings(), Breakers::default());
        half_open(&breakers, &settings);
        let probe = breakers.admit(&settings, "t", ORIGIN).expect("the probe");
        assert!(breakers.admit(&settings, "t", ORIGIN).is_err(), "while it is in flight");
        drop(probe);
        let next = breakers.admit(&settings, "t", ORIGIN).expect("the next request probes");
        assert_eq!(breakers.states()[0].2, CircuitState::HalfOpen);
        next.record(Verdict::Failed);
        assert!(breakers.admit(&settings, "t", ORIGIN).is_err(), "a failed probe reopens the circuit");
    }

    #[test]
    fn neutral_outcomes_neither_close_a_circuit_nor_end_a_failure_streak() {
        let (settings, breakers) = (settings(), Breakers::default());
        finish(&breakers, &settings, Verdict::Failed);
        finish(&breakers, &settings, Verdict::Neutral);
        finish(&breakers, &settings, Verdict::Failed);
        assert!(breakers.admit(&settings, "t", ORIGIN).is_err(), "the streak survived the neutral outcome");

        std::thread::sleep(Duration::from_millis(settings.breaker_cooldown_ms + 10));
        breakers.admit(&settings, "t", ORIGIN).expect("the probe").record(Verdict::Neutral);
        assert_eq!(breakers.states()[0].2, CircuitState::Open, "a neutral probe does not close the circuit");
        let next = breakers.admit(&settings, "t", ORIGIN).expect("but gives the probe slot back");
        assert!(breakers.admit(&settings, "t", ORIGIN).is_err(), "still one probe at a time");
        next.record(Verdict::Healthy);
        assert_eq!(breakers.states()[0].2, CircuitState::Closed);
    }

    /// What every bucket does, local or shared: a burst, then a wait,
    /// per (tenant, plugin), then a refill.
    async fn a_bucket_allows_a_burst_then_refills(limits: RateLimits) {
        let settings = settings();
        assert!(limits.take(&settings, "t", "p").await.is_ok());
        assert!(limits.take(&settings, "t", "p").await.is_ok());
        let wait = limits.take(&settings, "t", "p").await.unwrap_err();
        assert!(wait <= Duration::from_millis(100), "{wait:?}");
        assert!(limits.take(&settings, "t", "other").await.is_ok(), "per plugin");
        assert!(limits.take(&settings, "u", "p").await.is_ok(), "per tenant");
        tokio::time::sleep(Duration::from_millis(110)).await;
        assert!(limits.take(&settings, "t", "p").await.is_ok());
    }

    #[tokio::test]
    async fn the_local_bucket_allows_a_burst_then_refills() {
        a_bucket_allows_a_burst_then_refills(RateLimits::default()).await;
    }

    fn shared_on(url: &str, prefix: &str) -> RateLimits {
        let settings = crate::shared::RedisSettings {
            url: Some(url.to_owned()),
            key_prefix: prefix.to_owned(),
            ..Default::default()
        };
        RateLimits::shared(Redis::connect(&settings).unwrap().expect("a URL is set"))
    }

    #[tokio::test]
    async fn the_redis_bucket_allows_a_burst_then_refills_and_replicas_share_it() {
        let server = berth_test_servers::RedisServer::start().expect("a private Redis");
        a_bucket_allows_a_burst_then_refills(shared_on(&server.url(), "one")).await;

        // Two replicas, one bucket: the burst is spent once between them.
        let (a, b) = (shared_on(&server.url(), "two"), shared_on(&server.url(), "two"));
        let settings = ResilienceSettings { rate_per_second: 0.5, burst: 3, ..settings() };
        let mut taken = 0;
        for round in 0..4 {
            let replica = if round % 2 == 0 { &a } else { &b };
            taken += usize::from(replica.take(&settings, "t", "p").await.is_ok());
            taken += usize::from(replica.take(&settings, "t", "p").await.is_ok());
        }
        assert_eq!(taken, 3, "eight tries across two replicas, a burst of three");
    }

    #[tokio::test]
    async fn without_redis_each_replica_limits_on_its_own() {
        // Nothing listens on port 1: the local bucket stands in (slow to
        // refill, as each failed try at Redis takes a moment).
        let limits = shared_on("redis://127.0.0.1:1", "berth");
        let settings = ResilienceSettings { rate_per_second: 0.1, burst: 2, ..settings() };
        let started = Instant::now();
        assert!(limits.take(&settings, "t", "p").await.is_ok());
        assert!(limits.take(&settings, "t", "p").await.is_ok());
        assert!(limits.take(&settings, "t", "p").await.is_err(), "still limited, by this replica");
        assert!(started.elapsed() < Duration::from_secs(3), "each try bounded: {:?}", started.elapsed());
    }

    #[test]
    fn a_rate_limit_reset_is_waited_out_when_no_retry_after_is_given() {
        let in_three = (SystemTime::now() + Duration::from_secs(3)).duration_since(SystemTime::UNIX_EPOCH).unwrap();
        let reset = in_three.as_secs().to_string();
        let mut headers = std::collections::HashMap::from([("x-ratelimit-reset", reset.as_str())]);
        let wait = asked_wait(429, |name| headers.get(name).copied()).unwrap();
        assert!(wait > Duration::from_secs(1) && wait <= Duration::from_secs(3), "{wait:?}");
        assert_eq!(asked_wait(502, |name| headers.get(name).copied()), None, "a reset says nothing about a 502");
        headers.insert("retry-after", "1");
        assert_eq!(
            asked_wait(429, |name| headers.get(name).copied()),
            Some(Duration::from_secs(1)),
            "Retry-After first"
        );
        assert_eq!(rate_limit_reset("30"), Some(Duration::from_secs(30)), "a small value counts from now");
        assert_eq!(rate_limit_reset("1000000000"), Some(Duration::ZERO), "a reset in the past waits nothing");
        assert_eq!(rate_limit_reset("soon"), None);
        assert_eq!(rate_limit_reset("18446744073709551615"), None, "beyond the calendar: ignored, not a panic");
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
