//! Upstream resilience, the same for every plugin: retries with backoff and
//! `Retry-After`, a circuit breaker per (tenant, origin), and a rate limit
//! per (tenant, plugin), each reported to the guest as a typed error.

use crate::support::http::cli;
use crate::support::probe::ProbeHost;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SETTINGS: &str = "[egress]\nallow_loopback = true\n\n[resilience]\nbase_backoff_ms = 20\nmax_retry_after_ms = 3000\nbreaker_threshold = 3\nbreaker_cooldown_ms = 600\nrate_per_second = 2.0\nburst = 40\n";

async fn setup(settings: &str) -> ProbeHost {
    ProbeHost::start(settings).await
}

trait Fetch {
    async fn fetch_path(&self, method: &str, path: &str) -> Value;
}

impl Fetch for ProbeHost {
    async fn fetch_path(&self, method: &str, path: &str) -> Value {
        self.fetch(json!({"method": method, "url": self.upstream.url(path)})).await
    }
}

#[tokio::test]
async fn transient_503s_are_retried_until_success() {
    let setup = setup(SETTINGS).await;
    setup.upstream.script("flaky", &[(503, None), (503, None), (200, None)]);
    let answer = setup.fetch_path("GET", "/api/script/flaky").await;
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(setup.upstream.script_hits("flaky"), 3);
    let audit = cli(setup.data.path(), &["audit", "tail", "--json"]);
    assert!(audit.contains("\"retries\":2"), "the audit log counts the retries: {audit}");

    setup.upstream.script("post", &[(503, None), (200, None)]);
    let answer = setup.fetch_path("POST", "/api/script/post").await;
    assert_eq!(answer["status"], 503, "a POST is not idempotent, so a 503 is not retried");
    assert_eq!(setup.upstream.script_hits("post"), 1);
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out_then_succeeds() {
    let setup = setup(SETTINGS).await;
    setup.upstream.script("limited", &[(429, Some("1")), (200, None)]);
    let started = Instant::now();
    let answer = setup.fetch_path("POST", "/api/script/limited").await;
    assert_eq!(answer["status"], 200, "429 is retried on any method: {answer}");
    assert!(started.elapsed() >= Duration::from_millis(950), "Retry-After was honoured");

    setup.upstream.script("too-long", &[(429, Some("120")), (200, None)]);
    let answer = setup.fetch_path("GET", "/api/script/too-long").await;
    assert_eq!(answer, json!({"error": "rate-limited", "detail": 120_000}), "a wait beyond the bound is reported");
    assert_eq!(setup.upstream.script_hits("too-long"), 1);
}

#[tokio::test]
async fn repeated_failures_open_the_breaker_which_fails_fast_then_closes() {
    let setup = setup("[egress]\nallow_loopback = true\n\n[resilience]\nmax_retries = 0\nbreaker_threshold = 3\nbreaker_cooldown_ms = 600\n").await;
    setup.upstream.script("down", &[(500, None)]);
    for _ in 0..3 {
        assert_eq!(setup.fetch_path("GET", "/api/script/down").await["status"], 500);
    }
    let open = setup.fetch_path("GET", "/api/script/down").await;
    assert_eq!(open["error"], "circuit-open", "{open}");
    assert_eq!(setup.upstream.script_hits("down"), 3, "failing fast: the upstream was not contacted");
    tokio::time::sleep(Duration::from_millis(700)).await;
    setup.upstream.script("down", &[(200, None)]);
    assert_eq!(setup.fetch_path("GET", "/api/script/down").await["status"], 200, "the half-open probe succeeds");
    assert_eq!(setup.fetch_path("GET", "/api/script/down").await["status"], 200, "and the circuit is closed again");
}

#[tokio::test]
async fn the_tenants_rate_limit_answers_rate_limited() {
    let setup = setup("[egress]\nallow_loopback = true\n\n[resilience]\nrate_per_second = 0.5\nburst = 2\n").await;
    setup.upstream.script("ok", &[(200, None)]);
    assert_eq!(setup.fetch_path("GET", "/api/script/ok").await["status"], 200);
    assert_eq!(setup.fetch_path("GET", "/api/script/ok").await["status"], 200);
    let limited = setup.fetch_path("GET", "/api/script/ok").await;
    assert_eq!(limited["error"], "rate-limited", "{limited}");
    assert!(limited["detail"].as_u64().unwrap() > 0);
    assert_eq!(setup.upstream.script_hits("ok"), 2);
}
