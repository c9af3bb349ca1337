//! Capability-scoped outbound HTTP: a plugin reaches only what its manifest
//! declares, filled from the tenant's config, on addresses the operator
//! allows, within the host's caps.

use crate::support::http::{audit_tail, cli};
use crate::support::probe::ProbeHost;
use crate::support::upstream::FakeUpstream;
use crate::support::{PluginsDir, Start, StdioHost, fixture};
use serde_json::{Value, json};

const ALLOW_LOOPBACK: &str = "[egress]\nallow_loopback = true\ntimeout_ms = 2000\nmax_response_kib = 1024\n";

async fn setup(settings: &str) -> ProbeHost {
    ProbeHost::start(settings).await
}

async fn fetch(setup: &ProbeHost, request: Value) -> Value {
    setup.fetch(request).await
}

#[tokio::test]
async fn an_allowed_url_reaches_the_upstream() {
    let setup = setup(ALLOW_LOOPBACK).await;
    let url = setup.upstream.url("/api/echo?q=1");
    let answer =
        fetch(&setup, json!({"method": "POST", "url": url, "body": "hi", "headers": [["x-trace", "t1"]]})).await;
    assert_eq!(answer["status"], 200, "{answer}");
    let echoed: Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["query"], "q=1");
    assert_eq!(echoed["body"], "hi");
    assert_eq!(echoed["headers"]["x-trace"], "t1");
    assert_eq!(setup.upstream.hits(), 1);
}

#[tokio::test]
async fn another_host_port_path_or_scheme_is_denied_with_the_reason() {
    let setup = setup(ALLOW_LOOPBACK).await;
    let other = FakeUpstream::start().await;
    let port = setup.upstream.addr.port();
    let cases = [
        (format!("http://localhost:{port}/api/echo"), "host `localhost` is not `127.0.0.1`"),
        (other.url("/api/echo"), "port"),
        (setup.upstream.url("/admin"), "path `/admin` is not under `/api/`"),
        (format!("https://127.0.0.1:{port}/api/echo"), "scheme `https` is not `http`"),
    ];
    for (url, reason) in cases {
        let answer = fetch(&setup, json!({"url": url})).await;
        assert_eq!(answer["error"], "denied", "{url}: {answer}");
        assert!(answer["detail"].as_str().unwrap().contains(reason), "{url}: {answer}");
    }
    assert_eq!(setup.upstream.hits() + other.hits(), 0, "nothing denied was sent");
}

#[tokio::test]
async fn every_redirect_hop_is_checked() {
    let setup = setup(ALLOW_LOOPBACK).await;
    let other = FakeUpstream::start().await;
    let away = setup.upstream.url(&format!("/api/redirect?to={}", other.url("/api/echo")));
    let answer = fetch(&setup, json!({"url": away})).await;
    assert_eq!(answer["error"], "denied", "{answer}");
    assert_eq!(other.hits(), 0, "the disallowed origin was never contacted");

    let inside = setup.upstream.url("/api/redirect?to=/api/echo");
    let answer = fetch(&setup, json!({"url": inside})).await;
    assert_eq!(answer["status"], 200, "{answer}");
}

#[tokio::test]
async fn loopback_is_refused_unless_the_operator_allows_it() {
    let setup = setup("").await;
    let answer = fetch(&setup, json!({"url": setup.upstream.url("/api/echo")})).await;
    assert_eq!(answer["error"], "denied", "{answer}");
    assert!(answer["detail"].as_str().unwrap().contains("loopback"), "{answer}");
    assert_eq!(setup.upstream.hits(), 0);
}

#[tokio::test]
async fn a_host_name_resolving_to_loopback_is_refused_after_resolution() {
    let setup = ProbeHost::start_via("", |upstream| format!("localhost:{}", upstream.addr.port())).await;
    let url = format!("http://localhost:{}/api/echo", setup.upstream.addr.port());
    let answer = fetch(&setup, json!({"url": url})).await;
    assert_eq!(answer["error"], "denied", "refused as policy, not as a connection failure: {answer}");
    let detail = answer["detail"].as_str().unwrap();
    assert!(detail.contains("`localhost` resolves to") && detail.contains("loopback"), "{answer}");
    assert_eq!(setup.upstream.hits(), 0, "never contacted, and a denial is not retried");
    let audit = audit_tail(setup.data.path(), 1, &[]).await;
    assert!(audit.contains("\"retries\":0") && audit.contains("denied: "), "{audit}");
}

#[tokio::test]
async fn responses_are_capped_and_requests_time_out() {
    let setup = setup(ALLOW_LOOPBACK).await;
    let large = fetch(&setup, json!({"url": setup.upstream.url("/api/large")})).await;
    assert_eq!(large, json!({"error": "too-large", "detail": 1024 * 1024}));
    let slow = fetch(&setup, json!({"url": setup.upstream.url("/api/slow?ms=1500"), "timeout_ms": 200})).await;
    assert_eq!(slow["error"], "timeout", "the plugin may lower the timeout: {slow}");
    let capped = fetch(&setup, json!({"url": setup.upstream.url("/api/slow?ms=5000"), "timeout_ms": 60000})).await;
    assert_eq!(capped["error"], "timeout", "but not raise it past the host's: {capped}");
}

#[tokio::test]
async fn a_missing_config_key_denies_and_names_the_key() {
    let upstream = FakeUpstream::start().await;
    let dir = PluginsDir::new().with(&fixture("probe"), "probe.wasm");
    let host =
        StdioHost::start(Start { plugins: Some(dir.path()), settings: Some(ALLOW_LOOPBACK), ..Start::default() }).await;
    let result = host.call_ok("probe_fetch", json!({"url": upstream.url("/api/echo")})).await;
    let answer: Value = serde_json::from_str(&crate::support::text(&result)).unwrap();
    assert_eq!(answer["error"], "denied");
    assert!(answer["detail"].as_str().unwrap().contains("config key `upstream`"), "{answer}");
}

#[tokio::test]
async fn the_audit_log_ties_each_upstream_request_to_its_call() {
    let setup = setup(ALLOW_LOOPBACK).await;
    fetch(&setup, json!({"url": setup.upstream.url("/api/echo?token=sekrit-query")})).await;
    fetch(&setup, json!({"url": setup.upstream.url("/admin")})).await;
    let tail = audit_tail(setup.data.path(), 2, &["--tenant", "default"]).await;
    assert!(!tail.contains("sekrit-query"), "query strings are never written: {tail}");
    let calls: Vec<Value> = tail.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(calls.len(), 2, "{tail}");
    let allowed = &calls[0];
    assert_eq!(allowed["plugin"], "probe");
    assert_eq!(allowed["tool"], "fetch");
    assert_eq!(allowed["transport"], "stdio");
    assert_eq!(allowed["outcome"], "ok");
    let request = &allowed["requests"][0];
    assert_eq!(request["method"], "GET");
    assert_eq!(request["origin"], format!("http://127.0.0.1:{}", setup.upstream.addr.port()));
    assert_eq!(request["path"], "/api/echo");
    assert_eq!(request["status"], 200);
    let denied = &calls[1]["requests"][0];
    assert!(denied["outcome"].as_str().unwrap().starts_with("denied: "), "{denied}");
    assert_eq!(denied["status"], Value::Null);
    let text = cli(setup.data.path(), &["audit", "tail"]);
    assert!(text.contains("probe_fetch@0.1.0 ok") && text.contains("GET http://127.0.0.1"), "{text}");
}

#[tokio::test]
async fn a_call_the_client_cancels_is_still_audited() {
    use rmcp::model::{CallToolRequestParams, ClientRequest, Request};
    use rmcp::service::PeerRequestOptions;
    let setup = setup(ALLOW_LOOPBACK).await;
    let arguments = json!({"url": setup.upstream.url("/api/slow?ms=5000")}).as_object().unwrap().clone();
    let request = ClientRequest::CallToolRequest(Request::new(
        CallToolRequestParams::new("probe_fetch").with_arguments(arguments),
    ));
    let handle =
        setup.host.client.peer().send_cancellable_request(request, PeerRequestOptions::no_options()).await.unwrap();
    // Cancel once the upstream request is under way.
    for _ in 0..100 {
        if setup.upstream.hits() > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(setup.upstream.hits(), 1);
    handle.cancel(Some("changed my mind".to_owned())).await.unwrap();
    let tail = audit_tail(setup.data.path(), 1, &[]).await;
    let call: Value = serde_json::from_str(tail.lines().next().unwrap_or_else(|| panic!("no call audited"))).unwrap();
    assert_eq!(call["tool"], "fetch");
    assert_eq!(call["outcome"], "cancelled by the client", "{call}");
}
