//! Two `berth serve` replicas behind one data directory and one Redis, as
//! an operator runs them behind a load balancer: what must be shared at
//! call speed (the plugins' cache, each tenant's rate limit) is, through
//! a real, private `redis-server`; what either replica changes (plugins,
//! tenants, keys) serves on the other within a second; and the audit log
//! holds both replicas' calls.

use crate::support::http::{HttpHost, SseReader, admin, audit_tail, cli, client, eventually_within, tenant};
use crate::support::upstream::FakeUpstream;
use crate::support::{PluginsDir, bundled, fixture, text};
use berth_test_servers::RedisServer;
use rmcp::RoleClient;
use rmcp::model::CallToolRequestParams;
use rmcp::model::ClientConfig;
use rmcp::service::RunningService;
use serde_json::{Value, json};
use std::time::Duration;

/// The replicas' admin token.
const ADMIN_TOKEN: &str = "admin-token-for-the-replica-tests-0123";

/// One Redis, one data directory with tenants `acme` and `globex`, and two
/// replicas serving `hello` and `probe` from it.
struct Replicas {
    _redis: RedisServer,
    upstream: FakeUpstream,
    data: tempfile::TempDir,
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
        let acme = tenant(data.path(), "acme", &["hello", "probe", "versioned"]);
        let globex = tenant(data.path(), "globex", &["hello", "probe"]);
        for name in ["acme", "globex"] {
            cli(data.path(), &["config", "set", "--tenant", name, "probe", "upstream", &upstream.addr.to_string()]);
        }
        let settings = format!(
            "[admin]\ntoken = \"{ADMIN_TOKEN}\"\n\n[egress]\nallow_loopback = true\n\n[resilience]\nrate_per_second = {rate_per_second}\nburst = {burst}\n\n[redis]\nurl = \"{}\"\ntimeout_ms = 2000\n\n[audit]\ncommit_before_answer = true\n",
            redis.url()
        );
        let a = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], Some(&settings)).await;
        let b = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], Some(&settings)).await;
        Self { _redis: redis, upstream, data, _plugins: plugins, a, b, acme, globex }
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

/// The names of the tools `client` lists.
async fn tools(client: &RunningService<RoleClient, ClientConfig>) -> Vec<String> {
    let tools = client.list_all_tools().await.expect("the replica answers tools/list");
    tools.into_iter().map(|tool| tool.name.to_string()).collect()
}

/// Where a change through one replica must show on the other.
const AGREE: Duration = Duration::from_secs(1);

#[tokio::test]
async fn a_plugin_loaded_through_one_replica_serves_on_the_other_and_an_unload_there_reaches_back() {
    let replicas = Replicas::start(20.0, 40).await;
    let (on_a, on_b) = (replicas.a.client(&replicas.acme).await, replicas.b.client(&replicas.acme).await);
    assert!(!tools(&on_b).await.contains(&"versioned_which_build".to_owned()));

    let component = std::fs::read(fixture("versioned")).unwrap();
    let (status, body) =
        admin(reqwest::Method::POST, replicas.a.url("/admin/plugins"), Some(ADMIN_TOKEN), Some(component)).await;
    assert_eq!(status, 201, "{body}");
    let loaded = async || tools(&on_b).await.contains(&"versioned_which_build".to_owned());
    eventually_within(AGREE, "B serves what A loaded", loaded).await;
    let (marker, failed) = call(&on_b, "versioned_which_build", json!({})).await;
    assert!(!failed && marker.contains("version-marker-000"), "{marker}");

    let (status, body) =
        admin(reqwest::Method::DELETE, replicas.b.url("/admin/plugins/versioned"), Some(ADMIN_TOKEN), None).await;
    assert!(status < 300, "{status} {body}");
    let gone = async || !tools(&on_a).await.contains(&"versioned_which_build".to_owned());
    eventually_within(AGREE, "A stops serving what B unloaded", gone).await;
}

#[tokio::test]
async fn tenants_and_keys_changed_beside_one_replica_hold_on_the_other() {
    let replicas = Replicas::start(20.0, 40).await;
    // A tenant added now (the CLI writes the shared store) authenticates on both.
    let initech = tenant(replicas.data.path(), "initech", &["hello"]);
    let (answer, failed) = call(&replicas.b.client(&initech).await, "hello_greet", json!({"name": "Peter"})).await;
    assert!(!failed && answer.contains("Hello, Peter!"), "{answer}");

    // A rotated key is refused on both within a second.
    let rotated = cli(replicas.data.path(), &["tenant", "rotate-key", "acme"]).trim().to_owned();
    eventually_within(AGREE, "the old key is refused on both replicas", async || {
        let status = |base: &str| {
            let base = base.to_owned();
            let key = replicas.acme.clone();
            async move {
                let response = crate::support::http::client()
                    .post(format!("{base}/mcp"))
                    .bearer_auth(key)
                    .header("content-type", "application/json")
                    .header("accept", "application/json, text/event-stream")
                    .body(r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#)
                    .send()
                    .await
                    .unwrap();
                response.status().as_u16()
            }
        };
        status(&replicas.a.base).await == 401 && status(&replicas.b.base).await == 401
    })
    .await;
    let (answer, failed) = call(&replicas.b.client(&rotated).await, "hello_greet", json!({"name": "Ana"})).await;
    assert!(!failed, "the new key works: {answer}");
}

#[tokio::test]
async fn one_audit_tail_shows_the_calls_of_both_replicas() {
    let replicas = Replicas::start(20.0, 40).await;
    let (on_a, on_b) = (replicas.a.client(&replicas.acme).await, replicas.b.client(&replicas.acme).await);
    assert!(!call(&on_a, "hello_greet", json!({"name": "from A"})).await.1);
    assert!(!call(&on_b, "hello_remember", json!({"key": "k", "value": "from B"})).await.1);
    let tail = audit_tail(replicas.data.path(), 2, &[]).await;
    assert!(tail.contains("\"greet\"") || tail.contains("hello_greet"), "{tail}");
    assert!(tail.contains("\"remember\"") || tail.contains("hello_remember"), "{tail}");
}

#[tokio::test]
async fn a_replica_killed_during_a_burst_loses_no_answered_call_and_the_other_serves_on() {
    let mut replicas = Replicas::start(1000.0, 1000).await;
    let initech = tenant(replicas.data.path(), "initech", &["hello"]);
    let answered = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut burst = Vec::new();
    for worker in 0..4 {
        let client = replicas.a.client(&initech).await;
        let answered = answered.clone();
        burst.push(tokio::spawn(async move {
            for call_number in 0.. {
                let name = format!("worker {worker} call {call_number}");
                let arguments = json!({"name": name}).as_object().unwrap().clone();
                // A call cut off by the kill may never hear back: not answered.
                let call = client.call_tool(CallToolRequestParams::new("hello_greet").with_arguments(arguments));
                match tokio::time::timeout(Duration::from_secs(5), call).await {
                    Ok(Ok(result)) if result.is_error != Some(true) => answered.lock().unwrap().push(name),
                    _ => return,
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    replicas.a.signal("KILL");
    for worker in burst {
        worker.await.unwrap();
    }
    let answered = std::mem::take(&mut *answered.lock().unwrap());
    assert!(answered.len() > 4, "the burst ran before the kill: {} calls", answered.len());
    assert!(replicas.a.wait().await.is_none_or(|code| code != 0), "A was killed");

    // B serves on.
    let (answer, failed) = call(&replicas.b.client(&initech).await, "hello_greet", json!({"name": "after"})).await;
    assert!(!failed, "{answer}");
    // Every call A answered is in the log, by its arguments.
    let tail = audit_tail(replicas.data.path(), answered.len() + 1, &["--tenant", "initech"]).await;
    let logged: std::collections::HashSet<String> = tail
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|call| call["arguments"]["name"].as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = answered.iter().filter(|name| !logged.contains(*name)).collect();
    assert!(missing.is_empty(), "answered but not in the audit log: {missing:?}");
    assert!(logged.contains("after"), "and B's call");
}

#[tokio::test]
async fn a_session_held_by_one_replica_is_a_prompt_404_on_the_other_so_the_client_starts_again() {
    let replicas = Replicas::start(20.0, 40).await;
    let http = client();
    let key = &replicas.acme;

    // A Streamable HTTP session opened on A.
    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}});
    let opened = http
        .post(replicas.a.url("/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 200);
    let session = opened.headers()["mcp-session-id"].to_str().unwrap().to_owned();
    let list = json!({"jsonrpc":"2.0","id":2,"method":"tools/list"});
    let elsewhere = http
        .post(replicas.b.url("/mcp"))
        .bearer_auth(key)
        .header("accept", "application/json, text/event-stream")
        .header("mcp-session-id", &session)
        .header("mcp-protocol-version", "2025-06-18")
        .json(&list)
        .send();
    let elsewhere = tokio::time::timeout(Duration::from_secs(5), elsewhere).await.expect("answered, not hung").unwrap();
    assert_eq!(elsewhere.status(), 404, "the spec's answer to a session the server does not have");

    // A legacy SSE session on A: its message endpoint on B is the same 404.
    let stream = http.get(replicas.a.url("/sse")).bearer_auth(key).header("accept", "text/event-stream").send();
    let mut events = SseReader::new(stream.await.unwrap());
    let endpoint = events.next().await.expect("the endpoint event").data;
    assert!(endpoint.starts_with("/messages?session_id="), "{endpoint}");
    let message = http.post(replicas.b.url(&endpoint)).bearer_auth(key).json(&list).send();
    let message = tokio::time::timeout(Duration::from_secs(5), message).await.expect("answered, not hung").unwrap();
    assert_eq!(message.status(), 404);
    let home = http.post(replicas.a.url(&endpoint)).bearer_auth(key).json(&list).send().await.unwrap();
    assert_eq!(home.status(), 202, "on its own replica it is taken");
}
