//! A hostile plugin and an evil upstream: whatever a plugin sends through
//! `http.send`, and whatever an upstream answers, the host refuses with a
//! typed error, keeps every secret in, audits the call, and goes on
//! answering other tenants promptly.

use crate::support::evil::EvilUpstream;
use crate::support::http::{HttpHost, cli, cli_with_stdin, client, tenant};
use crate::support::{PluginsDir, bundled, fixture, text};
use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, ClientConfig};
use rmcp::service::RunningService;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The evil tenant's bearer token: mixed case, so case variants differ.
const TOKEN: &str = "tok-Evil-1234567890abcdef";
/// The evil tenant's basic credential.
const USER: &str = "admin";
const PASSWORD: &str = "Pa55word-of-the-tenant";
const ADMIN_TOKEN: &str = "admin-token-for-the-hostile-tests-0123";

/// A host serving tenant `evil` (the hostile plugin, pointed at the evil
/// upstream, with credentials) and tenant `good` (`hello`).
struct Hostile {
    host: HttpHost,
    evil: EvilUpstream,
    data: tempfile::TempDir,
    hostile: RunningService<RoleClient, ClientConfig>,
    good: RunningService<RoleClient, ClientConfig>,
    _dir: PluginsDir,
}

impl Hostile {
    /// Starts one; `settings` (TOML) go after `allow_loopback` in `[egress]`.
    async fn start(egress: &str, rest: &str) -> Self {
        Self::start_at(egress, rest, |evil| evil.addr.to_string()).await
    }

    /// Like [`Self::start`], with the plugin's `upstream` setting made from
    /// the evil upstream by `authority`.
    async fn start_at(egress: &str, rest: &str, authority: impl FnOnce(&EvilUpstream) -> String) -> Self {
        let evil = EvilUpstream::start().await;
        let data = tempfile::tempdir().unwrap();
        let hostile_key = tenant(data.path(), "evil", &["hostile-egress"]);
        let good_key = tenant(data.path(), "good", &["hello"]);
        let path = data.path();
        cli(path, &["config", "set", "--tenant", "evil", "hostile-egress", "upstream", &authority(&evil)]);
        // Bound to the evil upstream: the tenant trusts it with these, so
        // redaction is what stands between its echoes and the plugin.
        let origin = evil.url("");
        let set = ["credential", "set", "--tenant", "evil", "--plugin", "hostile-egress", "--bind", origin.as_str()];
        cli_with_stdin(path, &[&set[..], &["bearer", "--scheme", "bearer"]].concat(), &format!("{TOKEN}\n"));
        let basic = [&set[..], &["basic", "--scheme", "basic", "--username", USER]].concat();
        cli_with_stdin(path, &basic, &format!("{PASSWORD}\n"));
        let dir = PluginsDir::new()
            .with(&fixture("hostile-egress"), "hostile-egress.wasm")
            .with(&bundled("hello"), "hello.wasm");
        let settings = format!("[admin]\ntoken = \"{ADMIN_TOKEN}\"\n\n[egress]\n{egress}\n{rest}");
        let host = HttpHost::start(path, Some(dir.path()), &[], Some(&settings)).await;
        let hostile = host.client(&hostile_key).await;
        let good = host.client(&good_key).await;
        Self { host, evil, data, hostile, good, _dir: dir }
    }

    /// Runs the hostile plugin's `send` with `arguments`; then checks that
    /// the other tenant is answered promptly and that the call is audited.
    async fn send(&self, arguments: Value) -> Value {
        let audited = self.audited_calls();
        let request =
            CallToolRequestParams::new("hostile-egress_send").with_arguments(arguments.as_object().unwrap().clone());
        let result = self.hostile.call_tool(request).await.unwrap_or_else(|error| panic!("{arguments}: {error}"));
        let report: Value = serde_json::from_str(&text(&result)).unwrap_or_else(|_| panic!("{}", text(&result)));
        self.another_tenant_is_answered_promptly().await;
        self.wait_until_audited(audited + 1).await;
        report
    }

    /// `send` once; the outcome.
    async fn send_once(&self, arguments: Value) -> Value {
        self.send(arguments).await["last"].clone()
    }

    async fn another_tenant_is_answered_promptly(&self) {
        let started = Instant::now();
        let greet = CallToolRequestParams::new("hello_greet")
            .with_arguments(json!({"name": "Ada"}).as_object().unwrap().clone());
        let result = tokio::time::timeout(Duration::from_secs(5), self.good.call_tool(greet))
            .await
            .expect("the other tenant waited more than 5 s")
            .unwrap();
        assert_eq!(text(&result), "Hello, Ada!");
        assert!(started.elapsed() < Duration::from_secs(3), "the other tenant waited {:?}", started.elapsed());
    }

    fn audit(&self) -> Vec<Value> {
        let tail = cli(self.data.path(), &["audit", "tail", "--tenant", "evil", "--json", "-n", "1000"]);
        tail.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    fn audited_calls(&self) -> usize {
        self.audit().iter().filter(|call| call["tool"] == "send").count()
    }

    async fn wait_until_audited(&self, calls: usize) {
        for _ in 0..100 {
            if self.audited_calls() >= calls {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the hostile call is not in the audit log: {:?}", self.audit());
    }

    /// The most recent audited call of the hostile plugin.
    fn last_call(&self) -> Value {
        self.audit().into_iter().rfind(|call| call["tool"] == "send").expect("an audited call")
    }
}

fn invalid(outcome: &Value, needle: &str) {
    assert_eq!(outcome["error"], "invalid-request", "{outcome}");
    assert!(outcome["detail"].as_str().unwrap().contains(needle), "{needle}: {outcome}");
}

#[tokio::test]
async fn malformed_requests_are_invalid_never_sent_and_never_open_the_circuit() {
    let setup = Hostile::start("allow_loopback = true", "[resilience]\nbreaker_threshold = 3\n").await;
    let url = setup.evil.url("/api/echo/upper");
    // The guest's Host would route the tenant's credential to another
    // virtual host behind a shared front end.
    let host = json!({"url": url, "credential": "bearer", "headers": [["Host", "other.example"]]});
    invalid(&setup.send_once(host).await, "`host`");
    for name in [
        "Connection",
        "keep-alive",
        "Transfer-Encoding",
        "TE",
        "Trailer",
        "Upgrade",
        "Content-Length",
        "Proxy-Authorization",
        "Accept-Encoding",
    ] {
        let outcome = setup.send_once(json!({"url": url, "headers": [[name, "x"]]})).await;
        invalid(&outcome, "sets header");
    }
    // 40,000 headers once panicked the host task (HeaderMap's MAX_SIZE).
    invalid(&setup.send_once(json!({"url": url, "header_flood": 40_000})).await, "max_request_headers");
    let long = "v".repeat(70 * 1024);
    invalid(&setup.send_once(json!({"url": url, "headers": [["x-long", long]]})).await, "max_request_header_kib");
    let body = json!({"url": url, "post": true, "body_bytes": 9 << 20});
    invalid(&setup.send_once(body).await, "max_request_body_kib");
    assert!(setup.evil.seen().is_empty(), "nothing malformed was sent: {:?}", setup.evil.seen().len());

    // Malformed requests, then absurd timeouts, more than the breaker's
    // threshold of each: none counts against the upstream.
    let crlf = json!({"url": url, "headers": [["x-a", "1\r\nx-b: 2"]], "repeat": 6});
    assert_eq!(setup.send(crlf).await["outcomes"], json!({"invalid-request": 6}));
    let absurd = json!({"url": url, "timeout_ms": 1, "repeat": 5});
    assert_eq!(setup.send(absurd).await["outcomes"], json!({"answered": 5}), "1 ms is raised to a real timeout");
    let answered = setup.send_once(json!({"url": url, "credential": "bearer"})).await;
    assert_eq!(answered["status"], 200, "the circuit is closed: {answered}");
    let (_, headers) = setup.evil.seen().last().unwrap().clone();
    assert_eq!(headers["host"], setup.evil.addr.to_string(), "the host sets Host");
    assert_eq!(headers["accept-encoding"], "gzip, deflate", "the host owns Accept-Encoding");

    // Denials are metered: a flood of them runs into the rate limit.
    let flood = setup.send(json!({"url": setup.evil.url("/admin"), "repeat": 100})).await;
    assert!(flood["outcomes"]["rate-limited"].as_u64().unwrap_or(0) > 0, "{flood}");
}

#[tokio::test]
async fn denials_are_capped_per_call_cost_one_metric_series_and_keep_queries_out() {
    let setup = Hostile::start(
        "allow_loopback = true\nmax_requests_per_call = 1000",
        "[resilience]\nburst = 100000\nrate_per_second = 100000.0\n",
    )
    .await;
    let denied = "http://made-up-origin.example/steal?token=sekrit-query";
    let report = setup.send(json!({"url": denied, "repeat": 1500})).await;
    assert_eq!(report["outcomes"], json!({"denied": 1500}), "{report}");
    let detail = report["last"]["detail"].as_str().unwrap();
    assert!(detail.contains("max_requests_per_call"), "{detail}");

    let call = setup.last_call();
    let requests = call["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 1001, "the cap's first refusal is recorded, its repeats are not");
    let audit = serde_json::to_string(&setup.audit()).unwrap();
    assert!(!audit.contains("sekrit-query"), "no query in the audit log");
    let stderr = setup.host.stderr().join("\n");
    assert!(!stderr.contains("sekrit-query"), "no query in the log");
    let denial_lines = setup.host.stderr().iter().filter(|line| line.contains("egress denied")).count();
    assert!(denial_lines < 1000, "the host's lines come out of the call's log budget: {denial_lines}");
    assert!(stderr.contains("log budget"), "and the budget's end is said once");

    let metrics =
        client().get(setup.host.url("/metrics")).bearer_auth(ADMIN_TOKEN).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"origin="(denied)""#), "{metrics}");
    assert!(!metrics.contains("made-up-origin"), "no series per made-up origin: {metrics}");
}

#[tokio::test]
async fn an_evil_upstream_gets_no_encoding_of_a_secret_through() {
    let setup = Hostile::start("allow_loopback = true", "").await;
    for form in ["upper", "lower", "base64", "hex", "unicode", "percent", "prefix", "gzip"] {
        for credential in ["bearer", "basic"] {
            let url = setup.evil.url(&format!("/api/echo/{form}"));
            let answer = setup.send_once(json!({"url": url, "credential": credential})).await;
            assert_eq!(answer["status"], 200, "{form}: {answer}");
            let body = answer["body"].as_str().unwrap();
            assert!(body.starts_with("{\"you_sent\":\"[REDACTED]"), "{form} {credential}: {body}");
            let length = answer["headers"].as_array().unwrap().iter().find(|pair| pair[0] == "content-length");
            assert_eq!(length.unwrap()[1], body.len().to_string(), "{form}: the length is the redacted body's");
            assert!(!answer["headers"].to_string().contains("gzip"), "{form}: the body is handed on decoded");
        }
    }
    let bomb = setup.send_once(json!({"url": setup.evil.url("/api/bomb")})).await;
    assert_eq!(bomb["error"], "too-large", "a decompression bomb stops at the response cap: {bomb}");
}

#[tokio::test]
async fn encoded_path_tricks_never_reach_another_path() {
    let setup = Hostile::start("allow_loopback = true", "").await;
    for path in [
        "/api/%2Fsecret",
        "/api/%2fsecret",
        "/api/%2e%2e%2Fsecret",
        "/api/..%2Fsecret",
        "/api/%2e%2e/secret",
        "/api/x%5C..%5C..%5Csecret",
    ] {
        let outcome = setup.send_once(json!({"url": setup.evil.url(path)})).await;
        assert_eq!(outcome["error"], "denied", "{path}: {outcome}");
    }
    assert!(setup.evil.seen().is_empty(), "no trick reached the upstream: {:?}", setup.evil.seen());
    let decoded = setup.send_once(json!({"url": setup.evil.url("/ap%69/echo/upper")})).await;
    assert!(decoded["status"].is_u64(), "`/ap%69/` is `/api/` once decoded, so it is sent: {decoded}");
    assert_eq!(setup.evil.seen().len(), 1);
}

#[tokio::test]
async fn ipv6_addresses_embedding_loopback_are_refused_as_loopback() {
    let setup = Hostile::start_at("", "", |evil| format!("[::127.0.0.1]:{}", evil.addr.port())).await;
    for literal in ["[::127.0.0.1]", "[64:ff9b::127.0.0.1]", "[::ffff:127.0.0.1]", "[2002:7f00:1::]"] {
        let upstream = format!("{literal}:{}", setup.evil.addr.port());
        cli(setup.data.path(), &["config", "set", "--tenant", "evil", "hostile-egress", "upstream", &upstream]);
        let outcome = setup.send_once(json!({"url": format!("http://{upstream}/api/echo/upper")})).await;
        assert_eq!(outcome["error"], "denied", "{literal}: {outcome}");
        assert!(outcome["detail"].as_str().unwrap().contains("loopback"), "{literal}: {outcome}");
    }
    assert!(setup.evil.seen().is_empty());
}
