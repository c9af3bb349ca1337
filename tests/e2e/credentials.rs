//! Credentials by reference: the host attaches what the tenant stored, only
//! to bound origins, overrides the guest's headers, redacts echoed secrets,
//! keeps them encrypted at rest and loses none on rotation.

use crate::support::http::{cli, cli_with_stdin};
use crate::support::upstream::{
    API_KEY, BASIC_PASSWORD, BASIC_USER, BEARER_TOKEN, FakeUpstream, SESSION_ID, USER_TOKEN,
};
use crate::support::{PluginsDir, Start, StdioHost, fixture, text};
use serde_json::{Value, json};
use std::path::Path;

const ALLOW_LOOPBACK: &str = "[egress]\nallow_loopback = true\n";
/// The probe's signing key: 32 random-looking bytes, as `credential set` requires.
const SIGNING_KEY: &str = "f3a9c1d7e5b2048a6c9e1f3b5d7a9c2e";

/// Runs `berth credential set ...` with `secret` on stdin.
fn set_credential(data: &Path, tenant: &str, name: &str, args: &[&str], secret: &str) {
    let mut command = vec!["credential", "set", "--tenant", tenant, "--plugin", "probe", name];
    command.extend_from_slice(args);
    cli_with_stdin(data, &command, secret);
}

/// Like [`set_credential`], bound to `upstream`'s origin: these are set
/// before any host served the probe, so the binding is explicit.
fn set_bound(data: &Path, upstream: &FakeUpstream, tenant: &str, name: &str, args: &[&str], secret: &str) {
    let origin = upstream.url("");
    let mut bound = vec!["--bind", origin.as_str()];
    bound.extend_from_slice(args);
    set_credential(data, tenant, name, &bound, secret);
}

/// `secret` as one line of stdin.
fn line(secret: &str) -> String {
    format!("{secret}\n")
}

struct Setup {
    upstream: FakeUpstream,
    data: tempfile::TempDir,
    dir: PluginsDir,
}

async fn setup() -> Setup {
    let upstream = FakeUpstream::start().await;
    let data = tempfile::tempdir().unwrap();
    for tenant in ["default", "other"] {
        cli(data.path(), &["config", "set", "--tenant", tenant, "probe", "upstream", &upstream.addr.to_string()]);
    }
    let data_dir = data.path();
    let set = |name: &str, args: &[&str], secret: &str| set_bound(data_dir, &upstream, "default", name, args, secret);
    set("basic", &["--scheme", "basic", "--username", BASIC_USER], &line(BASIC_PASSWORD));
    set("bearer", &["--scheme", "bearer"], &line(BEARER_TOKEN));
    set("apikey", &["--scheme", "api-key", "--header", "X-Api-Key"], &line(API_KEY));
    set(
        "session",
        &["--scheme", "headers", "--header", "Cookie=JSESSIONID={session_id}", "--header", "X-UserToken={user_token}"],
        &format!("session_id={SESSION_ID}\nuser_token={USER_TOKEN}\n"),
    );
    set_credential(data_dir, "default", "webhook-signing-key", &["--scheme", "signing-key"], &line(SIGNING_KEY));
    Setup { upstream, data, dir: PluginsDir::new().with(&fixture("probe"), "probe.wasm") }
}

impl Setup {
    async fn host(&self, tenant: &str) -> StdioHost {
        StdioHost::start(Start { tenant, ..Start::new(self.dir.path(), self.data.path(), ALLOW_LOOPBACK) }).await
    }
}

/// Fetches the echo endpoint with `credential` and returns (what the
/// upstream received, the raw body the guest saw).
async fn echo(host: &StdioHost, url: &str, credential: &str, headers: Value) -> (Value, String) {
    let result = host.call_ok("probe_fetch", json!({"url": url, "credential": credential, "headers": headers})).await;
    let answer: Value = serde_json::from_str(&text(&result)).unwrap();
    let body = answer["body"].as_str().unwrap_or_else(|| panic!("{answer}")).to_owned();
    (serde_json::from_str(&body).unwrap_or(Value::Null), body)
}

#[tokio::test]
async fn each_scheme_reaches_the_upstream_and_the_guest_sees_no_secret() {
    let setup = setup().await;
    let host = setup.host("default").await;
    let url = setup.upstream.url("/api/echo");
    let cases =
        [("basic", "hunter2-pw"), ("bearer", "tok-1234567890"), ("apikey", "key-abcdef"), ("session", "sess-777")];
    for (credential, secret) in cases {
        let (_, body) = echo(&host, &url, credential, json!([])).await;
        // The fake echoes the headers it received; the host redacted them.
        assert!(!body.contains(secret), "{credential}: the secret reached the guest: {body}");
        assert!(body.contains("[REDACTED]"), "{credential}: {body}");
    }
    let received = setup.upstream.received();
    let find = |header: &str| received.iter().filter_map(|headers| headers.get(header).cloned()).collect::<Vec<_>>();
    assert!(find("authorization").contains(&"Basic YWRtaW46aHVudGVyMi1wdw==".to_owned()));
    assert!(find("authorization").contains(&"Bearer tok-1234567890".to_owned()));
    assert!(find("x-api-key").contains(&"key-abcdef".to_owned()));
    assert!(find("cookie").contains(&"JSESSIONID=sess-777".to_owned()));
    assert!(find("x-usertoken").contains(&"user-888".to_owned()));
}

#[tokio::test]
async fn an_upstream_that_requires_each_scheme_accepts_the_injected_credential_only() {
    let setup = setup().await;
    let (data, upstream) = (setup.data.path(), &setup.upstream);
    set_bound(data, upstream, "other", "bearer", &["--scheme", "bearer"], "tok-of-another-account\n");
    let fetch = async |host: &StdioHost, scheme: &str, credential: Option<&str>| -> Value {
        let url = setup.upstream.url(&format!("/api/account/{scheme}"));
        let result = host.call_ok("probe_fetch", json!({"url": url, "credential": credential})).await;
        serde_json::from_str(&text(&result)).unwrap()
    };
    let host = setup.host("default").await;
    for scheme in ["basic", "bearer", "apikey", "session"] {
        let with = fetch(&host, scheme, Some(scheme)).await;
        assert_eq!(with["status"], 200, "{scheme}: {with}");
        let without = fetch(&host, scheme, None).await;
        assert_eq!(without["status"], 401, "{scheme} without a credential: {without}");
    }
    let challenged = fetch(&host, "basic", None).await;
    assert!(
        challenged["headers"].to_string().contains("Basic realm"),
        "the fake challenges like a real API: {challenged}"
    );
    let other = setup.host("other").await;
    let wrong = fetch(&other, "bearer", Some("bearer")).await;
    assert_eq!(wrong["status"], 401, "another account's token is refused: {wrong}");
}

#[tokio::test]
async fn a_guest_authorization_header_is_overridden() {
    let setup = setup().await;
    let host = setup.host("default").await;
    echo(&host, &setup.upstream.url("/api/echo"), "bearer", json!([["Authorization", "Bearer forged-by-guest"]])).await;
    let received = setup.upstream.received();
    let sent = received.last().unwrap().get("authorization").cloned();
    assert_eq!(sent.as_deref(), Some("Bearer tok-1234567890"));
    host.wait_for_log(&["credential wins", "header=authorization"]).await;
}

#[tokio::test]
async fn credentials_are_not_sent_outside_their_bound_origins() {
    let setup = setup().await;
    let other = FakeUpstream::start().await;
    set_credential(
        setup.data.path(),
        "default",
        "bearer",
        &["--scheme", "bearer", "--bind", &other.url("")],
        "tok-bound\n",
    );
    let host = setup.host("default").await;
    // Outside the bound origins the guest's own header is kept: nothing is
    // overridden, so no override is logged.
    echo(&host, &setup.upstream.url("/api/echo"), "bearer", json!([["Authorization", "Bearer guest-own"]])).await;
    let sent = setup.upstream.received().last().unwrap().get("authorization").cloned();
    assert_eq!(sent.as_deref(), Some("Bearer guest-own"));
    host.wait_for_log(&["tool call", "is_error=false"]).await;
    let stderr = host.stderr();
    assert!(!stderr.iter().any(|line| line.contains("credential wins")), "{}", stderr.join("\n"));
}

#[tokio::test]
async fn another_tenants_credential_of_the_same_name_is_not_usable() {
    let setup = setup().await;
    let host = setup.host("other").await;
    let result =
        host.call_ok("probe_fetch", json!({"url": setup.upstream.url("/api/echo"), "credential": "bearer"})).await;
    let answer: Value = serde_json::from_str(&text(&result)).unwrap();
    assert_eq!(answer["error"], "credential-failed", "{answer}");
    assert_eq!(setup.upstream.hits(), 0);
    let undeclared =
        host.call_ok("probe_fetch", json!({"url": setup.upstream.url("/api/echo"), "credential": "nope"})).await;
    let answer: Value = serde_json::from_str(&text(&undeclared)).unwrap();
    assert_eq!(answer["error"], "invalid-request", "{answer}");
}

#[tokio::test]
async fn secret_handles_sign_without_revealing_the_secret() {
    use hmac::{Hmac, Mac};
    let setup = setup().await;
    let host = setup.host("default").await;
    let result = host.call_ok("probe_hmac", json!({"name": "webhook-signing-key", "data": "payload"})).await;
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(SIGNING_KEY.as_bytes()).unwrap();
    mac.update(b"payload");
    assert_eq!(text(&result), hex::encode(mac.finalize().into_bytes()));
}

#[tokio::test]
async fn the_database_holds_no_secret_and_rotation_loses_none() {
    let setup = setup().await;
    let listed = cli(setup.data.path(), &["credential", "list", "--tenant", "default"]);
    assert!(listed.contains("probe\tbasic\tbasic"), "{listed}");
    for secret in ["hunter2-pw", "tok-1234567890", "key-abcdef", "sess-777", "user-888"] {
        assert!(!listed.contains(secret));
        let raw = std::fs::read(setup.data.path().join("berth.db")).unwrap();
        let wal = std::fs::read(setup.data.path().join("berth.db-wal")).unwrap_or_default();
        for bytes in [raw, wal] {
            assert!(!bytes.windows(secret.len()).any(|window| window == secret.as_bytes()), "{secret} is on disk");
        }
    }
    // A host serving throughout: it follows the rotation without a restart.
    let host = setup.host("default").await;
    let sent_basic = async || {
        echo(&host, &setup.upstream.url("/api/echo"), "basic", json!([])).await;
        setup.upstream.received().last().unwrap().get("authorization").cloned()
    };
    let expected = Some("Basic YWRtaW46aHVudGVyMi1wdw==".to_owned());
    assert_eq!(sent_basic().await, expected);
    let before = std::fs::read_to_string(setup.data.path().join("master.key")).unwrap();
    let output = crate::support::berth().args(["vault", "rotate", "--data"]).arg(setup.data.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("re-encrypted 5 credentials"));
    assert_ne!(std::fs::read_to_string(setup.data.path().join("master.key")).unwrap(), before);
    assert_eq!(sent_basic().await, expected, "the running host follows the rotation");
    host.wait_for_log(&["the vault was rotated; now using the new master key"]).await;
    let restarted = setup.host("default").await;
    echo(&restarted, &setup.upstream.url("/api/echo"), "basic", json!([])).await;
    let sent = setup.upstream.received().last().unwrap().get("authorization").cloned();
    assert_eq!(sent, expected, "the secret survived rotation");
}
