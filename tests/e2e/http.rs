//! The `berth` binary over HTTP: Streamable HTTP at `/mcp` with rmcp's
//! client, the legacy SSE transport from raw HTTP, tenant keys and plugin
//! access, hardening (Host/Origin, body cap, admission) and graceful
//! shutdown.

use crate::support::http::{HttpHost, SseBlock, SseReader, cli, tenant};
use crate::support::{PluginsDir, bundled, fixture, is_error, text};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use serde_json::{Value, json};

fn plugins() -> PluginsDir {
    PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("hostile"), "hostile.wasm")
}

fn greet(name: &str) -> CallToolRequestParams {
    CallToolRequestParams::new("hello_greet").with_arguments(json!({ "name": name }).as_object().unwrap().clone())
}

/// A raw `initialize` request speaking `version`.
fn initialize(version: &str) -> Value {
    json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":version,"capabilities":{},"clientInfo":{"name":"raw","version":"1"}}})
}

/// A raw `tools/call` of `hello_greet`.
fn raw_greet(id: i64, name: &str) -> Value {
    json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":"hello_greet","arguments":{"name":name}}})
}

/// Streamable HTTP at `/mcp` from raw HTTP, as one tenant.
struct RawMcp<'a> {
    http: reqwest::Client,
    host: &'a HttpHost,
    key: String,
}

impl<'a> RawMcp<'a> {
    fn new(host: &'a HttpHost, key: &str) -> Self {
        Self { http: crate::support::http::client(), host, key: key.to_owned() }
    }

    /// `method` on `/mcp` with this tenant's key, in `session` if given.
    fn request(&self, method: reqwest::Method, session: Option<&str>) -> reqwest::RequestBuilder {
        let request = self.http.request(method, self.host.url("/mcp")).bearer_auth(&self.key);
        match session {
            Some(session) => request.header("mcp-session-id", session).header("mcp-protocol-version", "2025-06-18"),
            None => request,
        }
    }

    /// POSTs `body`, accepting `accept`.
    async fn post(&self, session: Option<&str>, accept: &str, body: Value) -> reqwest::Response {
        self.request(reqwest::Method::POST, session).header("accept", accept).json(&body).send().await.unwrap()
    }

    /// Opens a session (initialize, then initialized) and returns its id.
    async fn open(&self, accept: &str) -> String {
        let opened = self.post(None, accept, initialize("2025-06-18")).await;
        assert_eq!(opened.status(), 200, "initialize accepting {accept}");
        let session = opened.headers()["mcp-session-id"].to_str().unwrap().to_owned();
        let (_, reply) = reply(opened).await;
        assert_eq!(reply["result"]["protocolVersion"], "2025-06-18", "{reply}");
        let initialized = json!({"jsonrpc":"2.0","method":"notifications/initialized"});
        assert_eq!(self.post(Some(&session), accept, initialized).await.status(), 202);
        session
    }
}

/// The Content-Type of a `/mcp` answer and the JSON-RPC response it carries,
/// read from a JSON body or from the SSE stream.
async fn reply(response: reqwest::Response) -> (String, Value) {
    let kind = response.headers()["content-type"].to_str().unwrap().to_owned();
    if kind.starts_with("application/json") {
        return (kind, response.json().await.unwrap());
    }
    assert!(kind.starts_with("text/event-stream"), "{kind}");
    let mut events = SseReader::new(response);
    loop {
        let event = events.next().await.expect("a response before the stream ends");
        if !event.data.is_empty() {
            return (kind, serde_json::from_str(&event.data).unwrap());
        }
    }
}

/// Asserts `response` is a JSON error with `status` that says `says`.
async fn assert_refused(response: reqwest::Response, status: u16, says: &str) {
    assert_eq!(response.status(), status);
    let error: Value = response.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().contains(says), "{error}");
}

#[tokio::test]
async fn streamable_http_serves_every_protocol_version() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let versions = [
        ProtocolVersion::V_2025_03_26,
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::LATEST,
    ];
    for version in versions {
        let client = host.client_on(&key, version.clone()).await;
        if version.has_initialize() {
            assert_eq!(client.peer_info().unwrap().protocol_version, version);
        }
        let tools = client.list_all_tools().await.unwrap();
        assert!(tools.iter().any(|tool| tool.name == "hello_greet"), "{version}: {tools:?}");
        let result = client.call_tool(greet("Ada")).await.unwrap();
        assert_eq!(text(&result), "Hello, Ada!");
        client.cancel().await.unwrap();
    }
    let health = crate::support::http::client().get(host.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap(), json!({"status": "ok"}));
    let ready = crate::support::http::client().get(host.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let bundled = std::fs::read_dir(env!("BERTH_BUNDLED_PLUGINS")).unwrap().count();
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "ready", "plugins": bundled, "database": "ok"}),
        "every bundled plugin loaded"
    );
}

#[tokio::test]
async fn readyz_is_503_with_the_reason_while_no_plugin_is_loaded() {
    let data = tempfile::tempdir().unwrap();
    let empty = PluginsDir::new();
    let host = HttpHost::start(data.path(), Some(empty.path()), &[], None).await;
    let http = crate::support::http::client();
    assert_eq!(http.get(host.url("/healthz")).send().await.unwrap().status(), 200, "alive all the same");
    let ready = http.get(host.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.json::<Value>().await.unwrap(),
        json!({"status": "not ready", "plugins": 0, "database": "ok", "reason": "no plugins loaded"})
    );
}

#[tokio::test]
async fn mcp_answers_json_or_sse_as_the_client_asks() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let mcp = RawMcp::new(&host, &key);
    for (accept, answered_as) in [
        ("application/json", "application/json"),
        ("text/event-stream", "text/event-stream"),
        ("application/json, text/event-stream", "text/event-stream"),
    ] {
        let session = mcp.open(accept).await;
        let called = mcp.post(Some(&session), accept, raw_greet(2, "Ada")).await;
        assert_eq!(called.status(), 200, "{accept}");
        let (kind, body) = reply(called).await;
        assert!(kind.starts_with(answered_as), "accepting {accept}: answered as {kind}");
        assert_eq!(body["id"], 2);
        assert_eq!(body["result"]["content"][0]["text"], "Hello, Ada!", "{body}");
    }
}

#[tokio::test]
async fn mcp_sessions_serve_only_their_tenant_and_end_on_delete() {
    let data = tempfile::tempdir().unwrap();
    let alpha = tenant(data.path(), "alpha", &["hello"]);
    let beta = tenant(data.path(), "beta", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let (owner, other) = (RawMcp::new(&host, &alpha), RawMcp::new(&host, &beta));
    let both = "application/json, text/event-stream";
    let session = owner.open(both).await;

    // Another tenant's valid key does not reach the session: not its stream,
    // not its end, not its tools; the answer is that of an unknown session.
    let stream = other.request(reqwest::Method::GET, Some(&session)).header("accept", "text/event-stream");
    assert_refused(stream.send().await.unwrap(), 404, "unknown or expired session").await;
    assert_refused(other.request(reqwest::Method::DELETE, Some(&session)).send().await.unwrap(), 404, "unknown").await;
    assert_refused(other.post(Some(&session), both, raw_greet(2, "Eve")).await, 404, "unknown").await;
    assert_refused(owner.post(Some("no-such-session"), both, raw_greet(2, "Ada")).await, 404, "unknown").await;
    let (_, body) = reply(owner.post(Some(&session), both, raw_greet(3, "Ada")).await).await;
    assert_eq!(body["result"]["content"][0]["text"], "Hello, Ada!", "the owner's session lives on: {body}");

    let ended = owner.request(reqwest::Method::DELETE, Some(&session)).send().await.unwrap();
    assert!(ended.status().is_success(), "{}", ended.status());
    assert_refused(owner.post(Some(&session), both, raw_greet(4, "Ada")).await, 404, "unknown").await;
}

#[tokio::test]
async fn legacy_sse_round_trip_from_raw_http() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let http = crate::support::http::client();
    let stream =
        http.get(host.url("/sse")).bearer_auth(&key).header("accept", "text/event-stream").send().await.unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut events = SseReader::new(stream);
    let endpoint = events.next().await.expect("endpoint event");
    assert_eq!(endpoint.event, "endpoint");
    assert!(endpoint.data.starts_with("/messages?session_id="), "{}", endpoint.data);
    let post = |body: Value| {
        let request = http.post(host.url(&endpoint.data)).bearer_auth(&key).json(&body);
        async move { request.send().await.unwrap().status() }
    };

    assert_eq!(post(initialize("2024-11-05")).await, 202);
    let reply = events.next().await.unwrap();
    assert_eq!(reply.event, "message");
    let reply: Value = serde_json::from_str(&reply.data).unwrap();
    assert_eq!(reply["id"], 1);
    assert_eq!(reply["result"]["protocolVersion"], "2024-11-05");

    assert_eq!(post(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await, 202);
    assert_eq!(post(json!({"jsonrpc":"2.0","id":2,"method":"tools/list"})).await, 202);
    let listed: Value = serde_json::from_str(&events.next().await.unwrap().data).unwrap();
    assert_eq!(listed["id"], 2);
    assert!(listed["result"]["tools"].as_array().unwrap().iter().any(|tool| tool["name"] == "hello_greet"));

    assert_eq!(post(raw_greet(3, "Ada")).await, 202);
    let called: Value = serde_json::from_str(&events.next().await.unwrap().data).unwrap();
    assert_eq!(called["id"], 3);
    assert_eq!(called["result"]["content"][0]["text"], "Hello, Ada!");

    // The same errors as on every other transport.
    let unknown = json!({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"nope_x","arguments":{}}});
    assert_eq!(post(unknown).await, 202);
    let error: Value = serde_json::from_str(&events.next().await.unwrap().data).unwrap();
    assert_eq!(error["id"], 4);
    assert_eq!(error["error"]["code"], -32602);

    // Closing the stream ends the session: its endpoint is gone.
    drop(events);
    let mut gone = 0;
    for _ in 0..50 {
        gone = http
            .post(host.url(&endpoint.data))
            .bearer_auth(&key)
            .json(&json!({"jsonrpc":"2.0","id":9,"method":"tools/list"}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if gone == 404 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(gone, 404);
}

#[tokio::test]
async fn missing_wrong_and_rotated_keys_get_401() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let http = crate::support::http::client();
    let body = json!({"jsonrpc":"2.0","id":1,"method":"tools/list"});
    // Change the last character to a different one, so the key is wrong for sure.
    let last = if key.ends_with('0') { '1' } else { '0' };
    let wrong = format!("{}{last}", &key[..key.len() - 1]);
    for (path, auth) in
        [("/mcp", None), ("/mcp", Some(wrong.as_str())), ("/sse", None), ("/messages?session_id=x", Some("nonsense"))]
    {
        let mut request = if path == "/sse" { http.get(host.url(path)) } else { http.post(host.url(path)).json(&body) };
        if let Some(auth) = auth {
            request = request.bearer_auth(auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{path} {auth:?}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        match auth {
            // RFC 6750 §3.1: no credentials, no error code.
            None => assert_eq!(challenge, "Bearer realm=\"berth\""),
            Some(_) => assert!(challenge.starts_with("Bearer realm=\"berth\", error=\"invalid_token\""), "{challenge}"),
        }
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].as_str().unwrap().contains("API key"), "{error}");
    }
    let rotated = cli(data.path(), &["tenant", "rotate-key", "acme"]).trim().to_owned();
    let old = http.get(host.url("/sse")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(old.status(), 401, "the old key stops working");
    let client = host.client(&rotated).await;
    assert_eq!(text(&client.call_tool(greet("Rot")).await.unwrap()), "Hello, Rot!");
}

#[tokio::test]
async fn tenants_see_and_call_only_their_plugins_and_their_own_cache() {
    let data = tempfile::tempdir().unwrap();
    let alpha = tenant(data.path(), "alpha", &["hello"]);
    let beta = tenant(data.path(), "beta", &["hostile", "hello"]);
    let dir = plugins();
    let host = HttpHost::start(data.path(), Some(dir.path()), &[], None).await;
    let a = host.client(&alpha).await;
    let b = host.client(&beta).await;
    let names = |tools: Vec<rmcp::model::Tool>| tools.into_iter().map(|tool| tool.name.to_string()).collect::<Vec<_>>();
    let a_tools = names(a.list_all_tools().await.unwrap());
    assert!(a_tools.iter().all(|name| name.starts_with("hello_")), "{a_tools:?}");
    assert!(names(b.list_all_tools().await.unwrap()).contains(&"hostile_chatter".to_owned()));
    let error = a.call_tool(CallToolRequestParams::new("hostile_chatter")).await.expect_err("not enabled for alpha");
    assert!(error.to_string().contains("unknown tool"), "{error}");

    let remember = json!({"key": "plan", "value": "alpha's secret plan"});
    a.call_tool(CallToolRequestParams::new("hello_remember").with_arguments(remember.as_object().unwrap().clone()))
        .await
        .unwrap();
    let recall =
        CallToolRequestParams::new("hello_recall").with_arguments(json!({"key": "plan"}).as_object().unwrap().clone());
    assert_eq!(text(&a.call_tool(recall.clone()).await.unwrap()), "alpha's secret plan");
    let other = b.call_tool(recall).await.unwrap();
    assert!(is_error(&other));
    assert_eq!(text(&other), "not found: nothing remembered under `plan`");

    // Disabling takes effect on the next request.
    cli(data.path(), &["tenant", "disable", "beta", "hostile"]);
    assert!(names(b.list_all_tools().await.unwrap()).iter().all(|name| !name.starts_with("hostile_")));
}

#[tokio::test]
async fn thirty_two_sessions_of_fifty_calls_are_all_answered_correctly() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "load", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let sessions = (0..32).map(|session| {
        let (key, url) = (key.clone(), host.base.clone());
        tokio::spawn(async move {
            let host = crate::support::http::HttpHostRef { base: url };
            let client = host.client(&key).await;
            for call in 0..50 {
                let name = format!("s{session}c{call}");
                let result = client.call_tool(greet(&name)).await.unwrap();
                assert!(!is_error(&result));
                assert_eq!(text(&result), format!("Hello, {name}!"));
            }
            client.cancel().await.unwrap();
        })
    });
    for session in sessions.collect::<Vec<_>>() {
        session.await.unwrap();
    }
}

#[tokio::test]
async fn unknown_sessions_forbidden_origins_and_oversized_bodies_are_refused() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], Some("[http]\nbody_limit_kib = 64\n")).await;
    let http = crate::support::http::client();
    let message = json!({"jsonrpc":"2.0","id":1,"method":"tools/list"});

    let unknown = http.post(host.url("/messages?session_id=0123456789abcdef")).bearer_auth(&key).json(&message);
    assert_refused(unknown.send().await.unwrap(), 404, "unknown or expired session").await;

    for (header, value) in [("origin", "https://evil.example"), ("host", "evil.example")] {
        let forbidden = http.get(host.url("/sse")).bearer_auth(&key).header(header, value);
        assert_refused(forbidden.send().await.unwrap(), 403, "evil.example").await;
    }
    let local_origin = http.get(host.url("/healthz")).header("origin", "http://localhost:3000").send().await.unwrap();
    assert_eq!(local_origin.status(), 200);

    // Above the cap on either transport, even to a live session.
    let mut events = SseReader::new(http.get(host.url("/sse")).bearer_auth(&key).send().await.unwrap());
    let endpoint = events.next().await.unwrap().data;
    for path in ["/mcp", endpoint.as_str()] {
        let huge = "x".repeat(100 * 1024);
        // A fresh connection each: the host closes one whose body it refused to read.
        let big = crate::support::http::client().post(host.url(path)).bearer_auth(&key);
        let big = big.header("content-type", "application/json").body(huge);
        assert_eq!(big.send().await.unwrap().status(), 413, "{path}");
    }
}

#[tokio::test]
async fn session_limits_refuse_at_once_per_tenant_429_and_in_total_503() {
    let data = tempfile::tempdir().unwrap();
    let keys: Vec<String> = ["a", "b", "c"].iter().map(|name| tenant(data.path(), name, &["hello"])).collect();
    let settings = "[admission]\nmax_sessions = 2\nmax_sessions_per_tenant = 1\n";
    let host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let http = crate::support::http::client();
    let open_sse = |key: &str| http.get(host.url("/sse")).bearer_auth(key).send();
    let refused_at_once = async |response: reqwest::Response, started: std::time::Instant, status: u16| {
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused at once, not after a wait");
        assert_eq!(response.headers()["retry-after"], "1");
        assert_refused(response, status, "too many sessions").await;
    };

    let first = open_sse(&keys[0]).await.unwrap();
    assert_eq!(first.status(), 200);
    let started = std::time::Instant::now();
    refused_at_once(open_sse(&keys[0]).await.unwrap(), started, 429).await;
    let started = std::time::Instant::now();
    let over_mcp = RawMcp::new(&host, &keys[0]).post(None, "application/json", initialize("2025-06-18")).await;
    refused_at_once(over_mcp, started, 429).await;

    RawMcp::new(&host, &keys[1]).open("application/json").await;
    let started = std::time::Instant::now();
    refused_at_once(open_sse(&keys[2]).await.unwrap(), started, 503).await;
    drop(first);
}

#[tokio::test]
async fn legacy_sse_streams_carry_keep_alive_comments() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], Some("[http]\nsse_keep_alive_secs = 1\n")).await;
    let stream = crate::support::http::client().get(host.url("/sse")).bearer_auth(&key).send().await.unwrap();
    let mut blocks = SseReader::new(stream);
    assert!(matches!(blocks.next_block().await, Some(SseBlock::Event(event)) if event.event == "endpoint"));
    let comment = tokio::time::timeout(std::time::Duration::from_secs(5), blocks.next_block()).await;
    assert!(matches!(comment, Ok(Some(SseBlock::Comment(_)))), "a keep-alive comment within 5 s: {comment:?}");
}

#[tokio::test]
async fn tenant_list_shows_each_tenant_with_its_key_id_plugins_and_hidden_text_choice() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello", "hostile"]);
    tenant(data.path(), "idle", &[]);
    let listed = cli(data.path(), &["tenant", "list"]);
    let key_id = key.split('_').nth(1).unwrap();
    let lines: Vec<&str> = listed.lines().collect();
    let acme = format!("acme\tkey berth_{key_id}_…\tplugins: hello,hostile\thidden text: strip");
    assert!(lines.contains(&acme.as_str()), "{listed}");
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("idle\tkey berth_") && line.ends_with("\tplugins: -\thidden text: strip")),
        "{listed}"
    );
    assert_eq!(lines.len(), 2, "{listed}");
    cli(data.path(), &["tenant", "hidden-text", "idle", "keep"]);
    let listed = cli(data.path(), &["tenant", "list"]);
    assert!(listed.lines().any(|line| line.starts_with("idle\t") && line.ends_with("\thidden text: keep")), "{listed}");
}

#[tokio::test]
async fn a_tenant_over_its_call_limit_gets_429_at_once() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "busy", &["hostile"]);
    let dir = plugins();
    let settings = "[admission]\nmax_calls_per_tenant = 1\n";
    let host = HttpHost::start(data.path(), Some(dir.path()), &[], Some(settings)).await;
    let http = crate::support::http::client();
    let stream = http.get(host.url("/sse")).bearer_auth(&key).send().await.unwrap();
    let mut events = SseReader::new(stream);
    let endpoint = events.next().await.unwrap().data;
    let post = |body: Value| http.post(host.url(&endpoint)).bearer_auth(&key).json(&body).send();
    post(initialize("2024-11-05")).await.unwrap();
    events.next().await.unwrap();
    post(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await.unwrap();
    let slow =
        json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"hostile_sleep","arguments":{"ms":1500}}});
    assert_eq!(post(slow).await.unwrap().status(), 202);
    let started = std::time::Instant::now();
    let refused = post(json!({"jsonrpc":"2.0","id":3,"method":"tools/list"})).await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused at once, not after a wait");
    assert_eq!(refused.headers()["retry-after"], "1");
    let done: Value = serde_json::from_str(&events.next().await.unwrap().data).unwrap();
    assert_eq!(done["result"]["content"][0]["text"], "slept 1500 ms");
    assert_eq!(
        post(json!({"jsonrpc":"2.0","id":4,"method":"tools/list"})).await.unwrap().status(),
        202,
        "the slot is free again"
    );
}

#[tokio::test]
async fn anonymous_tenant_is_loopback_only_and_keys_are_still_checked() {
    let data = tempfile::tempdir().unwrap();
    let refused = crate::support::berth()
        .args(["serve", "--http", "0.0.0.0:0", "--anonymous-tenant", "dev"])
        .arg("--data")
        .arg(data.path())
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing --anonymous-tenant on 0.0.0.0:0"));

    let host = HttpHost::start(data.path(), None, &["--anonymous-tenant", "dev"], None).await;
    assert!(host.stderr().iter().any(|line| line.contains("WARN") && line.contains("--anonymous-tenant")));
    let http = crate::support::http::client();
    let open = http.get(host.url("/sse")).send().await.unwrap();
    assert_eq!(open.status(), 200, "no key runs as the anonymous tenant");
    let wrong = http.get(host.url("/sse")).bearer_auth("berth_000000000000_bad").send().await.unwrap();
    assert_eq!(wrong.status(), 401, "a key that is present is still checked");
}

#[tokio::test]
async fn sigterm_lets_an_in_flight_call_finish_then_exits_zero() {
    shutdown_lets_in_flight_calls_finish("TERM", false).await;
}

#[tokio::test]
async fn sigint_lets_an_in_flight_call_finish_then_exits_zero() {
    shutdown_lets_in_flight_calls_finish("INT", false).await;
}

#[tokio::test]
async fn sigterm_ends_stdio_and_http_together_while_stdin_stays_open() {
    shutdown_lets_in_flight_calls_finish("TERM", true).await;
}

#[tokio::test]
async fn sigterm_ends_a_stdio_only_host_after_its_in_flight_call() {
    let data = tempfile::tempdir().unwrap();
    let dir = plugins();
    let mut child = tokio::process::Command::from(crate::support::berth())
        .args(["serve", "--stdio", "--tenant", "acme"])
        .arg("--plugins")
        .arg(dir.path())
        .arg("--data")
        .arg(data.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let (stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let (started, in_flight) = tokio::sync::oneshot::channel();
    let sleep = json!({"name": "hostile_sleep", "arguments": {"ms": 2000}});
    let call = tokio::spawn(stdio_call(stdin, stdout, sleep, started));
    in_flight.await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let (answer, _stdin) = call.await.unwrap();
    assert_eq!(answer["result"]["content"][0]["text"], "slept 2000 ms", "{answer}");
    let status = tokio::time::timeout(std::time::Duration::from_secs(15), child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0), "exits 0 with stdin still open");
}

/// Starts a host (serving stdio too if `stdio`, with stdin held open), has
/// a 2 s call in flight on every transport when `signal` arrives, and checks
/// that each call completes and the host exits 0 soon after.
async fn shutdown_lets_in_flight_calls_finish(signal: &str, stdio: bool) {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hostile"]);
    let dir = plugins();
    let extra: &[&str] = if stdio { &["--stdio", "--tenant", "acme"] } else { &[] };
    let mut host = HttpHost::start(data.path(), Some(dir.path()), extra, None).await;
    let sleep = json!({"name": "hostile_sleep", "arguments": {"ms": 2000}});
    let stdio_call = stdio.then(|| {
        let (stdin, stdout) = host.take_stdio();
        let (started, in_flight) = tokio::sync::oneshot::channel();
        (tokio::spawn(stdio_call(stdin, stdout, sleep.clone(), started)), in_flight)
    });
    let client = host.client(&key).await;
    let http_call = tokio::spawn(async move {
        let request = serde_json::from_value::<CallToolRequestParams>(sleep).unwrap();
        let result = client.call_tool(request).await;
        (result, client)
    });
    let stdio_call = match stdio_call {
        Some((call, in_flight)) => {
            in_flight.await.unwrap();
            Some(call)
        }
        None => None,
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let signalled = std::time::Instant::now();
    host.signal(signal);
    let (result, _client) = http_call.await.unwrap();
    assert_eq!(text(&result.expect("the in-flight call completes")), "slept 2000 ms");
    // stdin stays open until the host has exited.
    let _stdin = match stdio_call {
        Some(call) => {
            let (answer, stdin) = call.await.unwrap();
            assert_eq!(answer["result"]["content"][0]["text"], "slept 2000 ms", "{answer}");
            Some(stdin)
        }
        None => None,
    };
    assert_eq!(host.wait().await, Some(0));
    assert!(
        signalled.elapsed() < std::time::Duration::from_secs(15),
        "exited {:?} after the signal",
        signalled.elapsed()
    );
    assert!(host.stderr().iter().any(|line| line.contains(&format!("SIG{signal} received"))));
}

/// Over a host's stdio: initializes, starts `tools/call` with `params`,
/// reports through `started` that the call is in flight, and returns its
/// answer with stdin, still open.
async fn stdio_call(
    mut stdin: tokio::process::ChildStdin,
    stdout: tokio::process::ChildStdout,
    params: Value,
    started: tokio::sync::oneshot::Sender<()>,
) -> (Value, tokio::process::ChildStdin) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut send = async |message: Value| stdin.write_all(format!("{message}\n").as_bytes()).await.unwrap();
    send(initialize("2025-06-18")).await;
    let initialized: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(initialized["id"], 1, "{initialized}");
    send(json!({"jsonrpc":"2.0","method":"notifications/initialized"})).await;
    send(json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":params})).await;
    started.send(()).unwrap();
    loop {
        let line = lines.next_line().await.unwrap().expect("the answer before stdout closes");
        let message: Value = serde_json::from_str(&line).unwrap();
        if message["id"] == 2 {
            return (message, stdin);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_list_pages_by_name_with_cursors_at_the_configured_size() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "pager", &["hello", "servicenow", "buyict"]);
    let host = HttpHost::start(data.path(), None, &["--no-watch"], Some("[mcp]\npage_size = 2\n")).await;
    let client = host.client(&key).await;
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let request = rmcp::model::PaginatedRequestParams::default().with_cursor(cursor.clone());
        let page = client.list_tools(Some(request)).await.expect("tools/list");
        pages.push(page.tools.iter().map(|tool| tool.name.to_string()).collect::<Vec<_>>());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert!(pages.len() > 3, "three plugins' tools take more than three pages of two: {pages:?}");
    assert!(pages.iter().all(|page| !page.is_empty() && page.len() <= 2), "{pages:?}");
    let listed: Vec<String> = pages.concat();
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(listed, sorted, "every tool once, by name");
    assert!(listed.contains(&"hello_greet".to_owned()) && listed.contains(&"servicenow_list_incidents".to_owned()));
    let forged = rmcp::model::PaginatedRequestParams::default().with_cursor(Some("not a cursor!".to_owned()));
    let refused = client.list_tools(Some(forged)).await.expect_err("a forged cursor is refused");
    assert!(refused.to_string().contains("invalid cursor"), "{refused}");
}
