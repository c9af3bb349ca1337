//! Two `berth serve` replicas behind one data directory and one Redis, as
//! an operator runs them behind a load balancer: what must be shared at
//! call speed (the plugins' cache, each tenant's rate limit) is, through
//! a real, private `redis-server`.

use crate::support::http::{HttpHost, cli, tenant};
use crate::support::upstream::FakeUpstream;
use crate::support::{PluginsDir, bundled, fixture, text};
use berth_test_servers::RedisServer;
use rmcp::RoleClient;
use rmcp::model::CallToolRequestParams;
use rmcp::model::ClientConfig;
use rmcp::service::RunningService;
use serde_json::{Value, json};

/// One Redis, one data directory with tenants `acme` and `globex`, and two
/// replicas serving `hello` and `probe` from it.
struct Replicas {
    _redis: RedisServer,
    upstream: FakeUpstream,
    _data: tempfile::TempDir,
    _plugins: PluginsDir,
    a: HttpHost,
    b: HttpHost,
    acme: String,
    globex: String,
}

impl Replicas {
    /// Each tenant's outbound requests are limited to a burst of `burst`,
    /// refilled at `rate_per_second`.
    async fn start(rate_per_second: f64, burst: u32) -> Self {
        let redis = RedisServer::start().expect("a private Redis");
        let upstream = FakeUpstream::start().await;
        let data = tempfile::tempdir().unwrap();
        let plugins = PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("probe"), "probe.wasm");
        let acme = tenant(data.path(), "acme", &["hello", "probe"]);
        let globex = tenant(data.path(), "globex", &["hello", "probe"]);
        for name in ["acme", "globex"] {
            cli(data.path(), &["config", "set", "--tenant", name, "probe", "upstream", &upstream.addr.to_string()]);
        }
        let settings = format!(
            "[egress]\nallow_loopback = true\n\n[resilience]\nrate_per_second = {rate_per_second}\nburst = {burst}\n\n[redis]\nurl = \"{}\"\n",
            redis.url()
        );
        let a = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], Some(&settings)).await;
        let b = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], Some(&settings)).await;
        Self { _redis: redis, upstream, _data: data, _plugins: plugins, a, b, acme, globex }
    }
}

/// Calls `tool` with `arguments`; its text, and whether it failed.
async fn call(client: &RunningService<RoleClient, ClientConfig>, tool: &str, arguments: Value) -> (String, bool) {
    let arguments = arguments.as_object().unwrap().clone();
    let result = client.call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)).await.unwrap();
    (text(&result), result.is_error == Some(true))
}

#[tokio::test]
async fn a_cache_entry_written_through_one_replica_is_read_through_the_other_for_that_tenant_only() {
    let replicas = Replicas::start(20.0, 40).await;
    let (acme_a, acme_b) = (replicas.a.client(&replicas.acme).await, replicas.b.client(&replicas.acme).await);
    let globex_b = replicas.b.client(&replicas.globex).await;

    let (said, failed) = call(&acme_a, "hello_remember", json!({"key": "on-call", "value": "Ana until 18:00"})).await;
    assert!(!failed, "{said}");
    let (recalled, failed) = call(&acme_b, "hello_recall", json!({"key": "on-call"})).await;
    assert!(!failed && recalled.contains("Ana until 18:00"), "the other replica reads it: {recalled}");
    let (elsewhere, failed) = call(&globex_b, "hello_recall", json!({"key": "on-call"})).await;
    assert!(failed && elsewhere.contains("nothing remembered"), "never another tenant's: {elsewhere}");
}

#[tokio::test]
async fn a_tenants_rate_limit_holds_across_both_replicas_together() {
    // A burst of 4, then one request every 10 s: the burst is all a quick
    // run of calls can spend, whichever replica takes them.
    let replicas = Replicas::start(0.1, 4).await;
    replicas.upstream.script("ok", &[(200, None)]);
    let url = replicas.upstream.url("/api/script/ok");
    let (acme_a, acme_b) = (replicas.a.client(&replicas.acme).await, replicas.b.client(&replicas.acme).await);
    let mut outcomes = Vec::new();
    for round in 0..5 {
        for client in [&acme_a, &acme_b] {
            let (answer, _) = call(client, "probe_fetch", json!({"method": "GET", "url": url})).await;
            let answer: Value = serde_json::from_str(&answer).unwrap_or_else(|_| panic!("round {round}: {answer}"));
            outcomes.push(if answer["status"] == 200 { "ok".to_owned() } else { answer["error"].to_string() });
        }
    }
    let passed = outcomes.iter().filter(|outcome| *outcome == "ok").count();
    assert_eq!(passed, 4, "ten calls over two replicas, one burst of four: {outcomes:?}");
    assert!(outcomes[4..].iter().all(|outcome| outcome.contains("rate-limited")), "{outcomes:?}");
    assert_eq!(replicas.upstream.script_hits("ok"), 4, "only those reached the upstream");

    // Another tenant has its own bucket.
    let globex = replicas.b.client(&replicas.globex).await;
    let (answer, _) = call(&globex, "probe_fetch", json!({"method": "GET", "url": url})).await;
    assert!(answer.contains("\"status\":200"), "{answer}");
}
