//! The `berth` binary over HTTP: Streamable HTTP at `/mcp` with rmcp's
//! client, the legacy SSE transport from raw HTTP, tenant keys and plugin
//! access, hardening (Host/Origin, body cap, admission) and graceful
//! shutdown.

use crate::support::http::{HttpHost, SseReader, cli, tenant};
use crate::support::{PluginsDir, bundled, fixture, is_error, text};
use rmcp::model::{CallToolRequestParams, ProtocolVersion};
use serde_json::{Value, json};

fn plugins() -> PluginsDir {
    PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("hostile"), "hostile.wasm")
}

fn greet(name: &str) -> CallToolRequestParams {
    CallToolRequestParams::new("hello_greet").with_arguments(json!({ "name": name }).as_object().unwrap().clone())
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
    let health: Value =
        crate::support::http::client().get(host.url("/healthz")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready = crate::support::http::client().get(host.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let bundled = std::fs::read_dir(env!("BERTH_BUNDLED_PLUGINS")).unwrap().count();
    assert_eq!(ready.json::<Value>().await.unwrap()["plugins"], bundled, "every bundled plugin loaded");
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

    let initialize = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}});
    assert_eq!(post(initialize).await, 202);
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

    let call = json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"hello_greet","arguments":{"name":"Ada"}}});
    assert_eq!(post(call).await, 202);
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
        assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"berth\"");
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

    let unknown = http
        .post(host.url("/messages?session_id=0123456789abcdef"))
        .bearer_auth(&key)
        .json(&message)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let error: Value = unknown.json().await.unwrap();
    assert!(error["error"].as_str().unwrap().contains("unknown or expired session"), "{error}");

    for (header, value) in [("origin", "https://evil.example"), ("host", "evil.example")] {
        let forbidden = http.get(host.url("/sse")).bearer_auth(&key).header(header, value).send().await.unwrap();
        assert_eq!(forbidden.status(), 403, "{header}: {value}");
        let error: Value = forbidden.json().await.unwrap();
        assert!(error["error"].as_str().unwrap().contains("evil.example"), "{error}");
    }
    let local_origin = http.get(host.url("/healthz")).header("origin", "http://localhost:3000").send().await.unwrap();
    assert_eq!(local_origin.status(), 200);

    let huge = "x".repeat(100 * 1024);
    let big = http
        .post(host.url("/mcp"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(big.status(), 413);
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
    post(json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}})).await.unwrap();
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
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hostile"]);
    let dir = plugins();
    let mut host = HttpHost::start(data.path(), Some(dir.path()), &[], None).await;
    let client = host.client(&key).await;
    let call = tokio::spawn(async move {
        let request = CallToolRequestParams::new("hostile_sleep")
            .with_arguments(json!({"ms": 2000}).as_object().unwrap().clone());
        let result = client.call_tool(request).await;
        (result, client)
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let status = std::process::Command::new("kill").args(["-TERM", &host.pid().to_string()]).status().unwrap();
    assert!(status.success());
    let (result, _client) = call.await.unwrap();
    let result = result.expect("the in-flight call completes");
    assert_eq!(text(&result), "slept 2000 ms");
    assert_eq!(host.wait().await, Some(0));
    assert!(host.stderr().iter().any(|line| line.contains("SIGTERM received")));
}
