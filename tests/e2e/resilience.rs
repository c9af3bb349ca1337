//! Upstream resilience, the same for every plugin: retries with backoff and
//! `Retry-After`, a circuit breaker per (tenant, origin), and a rate limit
//! per (tenant, plugin), each reported to the guest as a typed error.

use crate::support::http::audit_tail;
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
    let audit = audit_tail(setup.data.path(), 1, &[]).await;
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

#[tokio::test]
async fn requests_that_keep_failing_are_audited_with_their_retries() {
    // Nothing listens where the tenant's `upstream` points: every attempt is
    // a connection failure, retried like a 503.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let setup = ProbeHost::start_via(SETTINGS, |_| closed.to_string()).await;
    let answer = setup.fetch(json!({"url": format!("http://{closed}/api/down")})).await;
    assert_eq!(answer["error"], "connection", "{answer}");

    let audit = audit_tail(setup.data.path(), 1, &[]).await;
    let calls: Vec<Value> = audit.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    let request = &calls[0]["requests"][0];
    assert!(request["outcome"].as_str().unwrap().starts_with("could not reach the upstream"), "{request}");
    assert_eq!(request["retries"], 3, "{request}");
}

#[tokio::test]
async fn a_slow_upstream_times_out_before_the_call_deadline() {
    // The host's per-request timeout (30 s by default) is longer than the
    // call's 1.5 s: the call's deadline bounds every attempt and every wait.
    let setup = setup("[egress]\nallow_loopback = true\n\n[limits]\ncall_timeout_ms = 1500\n").await;
    let started = Instant::now();
    let slow = setup.fetch_path("GET", "/api/slow?ms=5000").await;
    assert_eq!(slow, json!({"error": "timeout", "detail": null}), "a typed timeout, not a time-limit error");
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());

    setup.upstream.script("later", &[(429, Some("2")), (200, None)]);
    let started = Instant::now();
    let limited = setup.fetch_path("GET", "/api/script/later").await;
    assert_eq!(limited, json!({"error": "rate-limited", "detail": 2000}), "a wait that cannot fit is not waited");
    assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
    assert_eq!(setup.upstream.script_hits("later"), 1);

    let audit = audit_tail(setup.data.path(), 2, &[]).await;
    let calls: Vec<Value> = audit.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(calls[0]["outcome"], "ok", "the guest answered in time: {audit}");
    let request = &calls[0]["requests"][0];
    assert_eq!(request["path"], "/api/slow");
    assert!(request["outcome"].as_str().unwrap().starts_with("no answer within"), "{request}");
}
