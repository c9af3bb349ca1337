//! Two `berth serve` replicas and one Redis, as an operator runs them
//! behind a load balancer, on each store: one shared data directory
//! (SQLite), and one PostgreSQL with a data directory per replica. What
//! must be shared at call speed (the plugins' cache, each tenant's rate
//! limit) is, through a real, private `redis-server`; what either replica
//! changes (plugins, tenants, keys) serves on the other within a second;
//! and the audit log holds both replicas' calls. Every test runs on both
//! stores (`on_sqlite`, `on_postgres`).

use crate::support::http::{HttpHost, SseReader, admin, audit_tail, cli, client, eventually_within};
use crate::support::upstream::FakeUpstream;
use crate::support::{PluginsDir, bundled, fixture, text};
use berth_test_servers::{PostgresServer, RedisServer};
use rmcp::RoleClient;
use rmcp::model::CallToolRequestParams;
use rmcp::model::ClientConfig;
use rmcp::service::RunningService;
use serde_json::{Value, json};
use std::time::Duration;

/// The replicas' admin token.
const ADMIN_TOKEN: &str = "admin-token-for-the-replica-tests-0123";

/// Where the replicas keep their state.
#[derive(Clone, Copy, Debug)]
enum Store {
    /// One data directory that both replicas open (SQLite).
    SharedDirectory,
    /// One PostgreSQL database; each replica has a data directory of its
    /// own, and the master key comes from one key file.
    Postgres,
}

/// One Redis, one store with tenants `acme` and `globex`, and two replicas
/// serving `hello` and `probe` from it.
struct Replicas {
    _redis: RedisServer,
    _postgres: Option<PostgresServer>,
    upstream: FakeUpstream,
    /// Replica A's data directory, where the CLI runs too.
    data: tempfile::TempDir,
    /// Replica B's (the same as A's on a shared directory).
    _data_b: Option<tempfile::TempDir>,
    /// What every `berth` command here takes: the store and the key.
    store: Vec<String>,
    _plugins: PluginsDir,
    a: HttpHost,
    b: HttpHost,
    acme: String,
    globex: String,
}

impl Replicas {
    /// Each tenant's outbound requests are limited to a burst of `burst`,
    /// refilled at `rate_per_second`.
    async fn start(store: Store, rate_per_second: f64, burst: u32) -> Self {
        let redis = RedisServer::start().expect("a private Redis");
        let upstream = FakeUpstream::start().await;
        let data = tempfile::tempdir().unwrap();
        let (postgres, data_b, store) = match store {
            Store::SharedDirectory => (None, None, Vec::new()),
            Store::Postgres => {
                let postgres = PostgresServer::start().expect("a private PostgreSQL");
                // The one master key every replica reads, as an operator
                // hands it to each (a test key, for this cluster only).
                let key = data.path().join("shared-master.key");
                std::fs::write(&key, "5e".repeat(32)).unwrap();
                let store = vec!["--database".to_owned(), postgres.url(), "--master-key-file".to_owned()];
                let store = [store, vec![key.display().to_string()]].concat();
                (Some(postgres), Some(tempfile::tempdir().unwrap()), store)
            }
        };
        let plugins = PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("probe"), "probe.wasm");
        let acme = cli_on(data.path(), &store, &["tenant", "add", "acme"]).trim().to_owned();
        let globex = cli_on(data.path(), &store, &["tenant", "add", "globex"]).trim().to_owned();
        for (name, plugins) in [("acme", &["hello", "probe", "versioned"][..]), ("globex", &["hello", "probe"][..])] {
            for plugin in plugins {
                cli_on(data.path(), &store, &["tenant", "enable", name, plugin]);
            }
            let upstream = upstream.addr.to_string();
            cli_on(data.path(), &store, &["config", "set", "--tenant", name, "probe", "upstream", &upstream]);
        }
        let settings = format!(
            "[admin]\ntoken = \"{ADMIN_TOKEN}\"\n\n[egress]\nallow_loopback = true\n\n[resilience]\nrate_per_second = {rate_per_second}\nburst = {burst}\n\n[redis]\nurl = \"{}\"\ntimeout_ms = 2000\n\n[audit]\ncommit_before_answer = true\n",
            redis.url()
        );
        let serve_args: Vec<&str> = store.iter().map(String::as_str).chain(["--no-watch"]).collect();
        let a = HttpHost::start(data.path(), Some(plugins.path()), &serve_args, Some(&settings)).await;
        let data_b_path = data_b.as_ref().map_or(data.path(), |dir| dir.path());
        let b = HttpHost::start(data_b_path, Some(plugins.path()), &serve_args, Some(&settings)).await;
        Self {
            _redis: redis,
            _postgres: postgres,
            upstream,
            data,
            _data_b: data_b,
            store,
            _plugins: plugins,
            a,
            b,
            acme,
            globex,
        }
    }

    /// `berth args` on this store; its stdout.
    fn cli(&self, args: &[&str]) -> String {
        cli_on(self.data.path(), &self.store, args)
    }

    /// `berth audit tail` on this store, once it shows `calls` calls.
    async fn audit_tail(&self, calls: usize, args: &[&str]) -> String {
        let store: Vec<&str> = self.store.iter().map(String::as_str).collect();
        audit_tail(self.data.path(), calls, &[args, &store[..]].concat()).await
    }
}

/// `berth args` with `data` and the `store` arguments; its stdout.
fn cli_on(data: &std::path::Path, store: &[String], args: &[&str]) -> String {
    let store: Vec<&str> = store.iter().map(String::as_str).collect();
    cli(data, &[&store[..], args].concat())
}

/// Runs each named scenario once per store, as `on_sqlite::name` and
/// `on_postgres::name`.
macro_rules! on_both_stores {
    ($($scenario:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Store::SharedDirectory).await;
            })*
        }
        mod on_postgres {
            $(#[tokio::test]
            async fn $scenario() {
                super::$scenario(super::Store::Postgres).await;
            })*
        }
    };
}

on_both_stores!(
    a_cache_entry_written_through_one_replica_is_read_through_the_other_for_that_tenant_only,
    a_tenants_rate_limit_holds_across_both_replicas_together,
    a_plugin_loaded_through_one_replica_serves_on_the_other_and_an_unload_there_reaches_back,
    tenants_and_keys_changed_beside_one_replica_hold_on_the_other,
    one_audit_tail_shows_the_calls_of_both_replicas,
    a_replica_killed_during_a_burst_loses_no_answered_call_and_the_other_serves_on,
    a_session_held_by_one_replica_is_a_prompt_404_on_the_other_so_the_client_starts_again,
);

/// Calls `tool` with `arguments`; its text, and whether it failed.
async fn call(client: &RunningService<RoleClient, ClientConfig>, tool: &str, arguments: Value) -> (String, bool) {
    let arguments = arguments.as_object().unwrap().clone();
    let result = client.call_tool(CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments)).await.unwrap();
    (text(&result), result.is_error == Some(true))
}

async fn a_cache_entry_written_through_one_replica_is_read_through_the_other_for_that_tenant_only(store: Store) {
    let replicas = Replicas::start(store, 20.0, 40).await;
    let (acme_a, acme_b) = (replicas.a.client(&replicas.acme).await, replicas.b.client(&replicas.acme).await);
    let globex_b = replicas.b.client(&replicas.globex).await;

    let (said, failed) = call(&acme_a, "hello_remember", json!({"key": "on-call", "value": "Ana until 18:00"})).await;
    assert!(!failed, "{said}");
    let (recalled, failed) = call(&acme_b, "hello_recall", json!({"key": "on-call"})).await;
    assert!(!failed && recalled.contains("Ana until 18:00"), "the other replica reads it: {recalled}");
    let (elsewhere, failed) = call(&globex_b, "hello_recall", json!({"key": "on-call"})).await;
    assert!(failed && elsewhere.contains("nothing remembered"), "never another tenant's: {elsewhere}");
}

async fn a_tenants_rate_limit_holds_across_both_replicas_together(store: Store) {
    // A burst of 4, then one request every 10 s: the burst is all a quick
    // run of calls can spend, whichever replica takes them.
    let replicas = Replicas::start(store, 0.1, 4).await;
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

async fn a_plugin_loaded_through_one_replica_serves_on_the_other_and_an_unload_there_reaches_back(store: Store) {
    let replicas = Replicas::start(store, 20.0, 40).await;
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

async fn tenants_and_keys_changed_beside_one_replica_hold_on_the_other(store: Store) {
    let replicas = Replicas::start(store, 20.0, 40).await;
    // A tenant added now (the CLI writes the shared store) authenticates on both.
    let initech = replicas.cli(&["tenant", "add", "initech"]).trim().to_owned();
    replicas.cli(&["tenant", "enable", "initech", "hello"]);
    let (answer, failed) = call(&replicas.b.client(&initech).await, "hello_greet", json!({"name": "Peter"})).await;
    assert!(!failed && answer.contains("Hello, Peter!"), "{answer}");

    // A rotated key is refused on both within a second.
    let rotated = replicas.cli(&["tenant", "rotate-key", "acme"]).trim().to_owned();
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

async fn one_audit_tail_shows_the_calls_of_both_replicas(store: Store) {
    let replicas = Replicas::start(store, 20.0, 40).await;
    let (on_a, on_b) = (replicas.a.client(&replicas.acme).await, replicas.b.client(&replicas.acme).await);
    assert!(!call(&on_a, "hello_greet", json!({"name": "from A"})).await.1);
    assert!(!call(&on_b, "hello_remember", json!({"key": "k", "value": "from B"})).await.1);
    let tail = replicas.audit_tail(2, &[]).await;
    assert!(tail.contains("\"greet\"") || tail.contains("hello_greet"), "{tail}");
    assert!(tail.contains("\"remember\"") || tail.contains("hello_remember"), "{tail}");
}

async fn a_replica_killed_during_a_burst_loses_no_answered_call_and_the_other_serves_on(store: Store) {
    let mut replicas = Replicas::start(store, 1000.0, 1000).await;
    let initech = replicas.cli(&["tenant", "add", "initech"]).trim().to_owned();
    replicas.cli(&["tenant", "enable", "initech", "hello"]);
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
    let tail = replicas.audit_tail(answered.len() + 1, &["--tenant", "initech"]).await;
    let logged: std::collections::HashSet<String> = tail
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter_map(|call| call["arguments"]["name"].as_str().map(str::to_owned))
        .collect();
    let missing: Vec<&String> = answered.iter().filter(|name| !logged.contains(*name)).collect();
    assert!(missing.is_empty(), "answered but not in the audit log: {missing:?}");
    assert!(logged.contains("after"), "and B's call");
}

async fn a_session_held_by_one_replica_is_a_prompt_404_on_the_other_so_the_client_starts_again(store: Store) {
    let replicas = Replicas::start(store, 20.0, 40).await;
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
