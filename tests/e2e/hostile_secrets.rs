//! A hostile plugin after the tenant's secrets: a credential goes only where
//! it was bound when the operator set it (never to an origin a later
//! setting or an upgrade opens), and secret handles sign only with keys
//! made for signing, so a password can never become an offline oracle.

use crate::support::http::{audit_tail, cli, cli_with_stdin};
use crate::support::probe::ProbeHost;
use crate::support::upstream::FakeUpstream;
use crate::support::{berth, fixture, is_error, replace_atomically, rewrite, text};
use serde_json::{Value, json};
use std::path::Path;

const SETTINGS: &str = "[egress]\nallow_loopback = true\n";
const BEARER: &str = "tok-bound-only-upstream-123";

/// Runs `berth credential set` for the probe on tenant `default`; returns
/// (succeeded, stderr).
fn try_set(data: &Path, name: &str, args: &[&str], secret: &str) -> (bool, String) {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = berth()
        .args(["credential", "set", "--tenant", "default", "--plugin", "probe", name])
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(secret.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn set(data: &Path, name: &str, args: &[&str], secret: &str) {
    let (ok, stderr) = try_set(data, name, args, secret);
    assert!(ok, "credential set {name} failed: {stderr}");
}

fn config(data: &Path, key: &str, value: &str) {
    cli(data, &["config", "set", "--tenant", "default", "probe", key, value]);
}

/// The `authorization` headers `fake` received.
fn authorizations(fake: &FakeUpstream) -> Vec<String> {
    fake.received().into_iter().filter_map(|headers| headers.get("authorization").cloned()).collect()
}

#[tokio::test]
async fn a_credential_is_bound_when_set_and_a_later_origin_never_receives_it() {
    let setup = ProbeHost::start(SETTINGS).await;
    let data = setup.data.path();
    // The host has served the probe, so the CLI knows where its rules lead.
    set(data, "bearer", &["--scheme", "bearer"], &format!("{BEARER}\n"));
    set(data, "basic", &["--scheme", "basic", "--username", "admin"], "hunter2-basic-pw\n");
    let upstream_origin = setup.upstream.url("");
    let listed = cli(data, &["credential", "list", "--tenant", "default"]);
    assert!(listed.contains(&format!("probe\tbearer\tbearer\tbound: {upstream_origin}\n")), "{listed}");

    // Later, a setting opens the probe's second declared origin: a collector.
    let collector = FakeUpstream::start().await;
    config(data, "collector", &collector.addr.to_string());
    for credential in ["bearer", "basic"] {
        let direct = setup.fetch(json!({"url": collector.url("/api/echo"), "credential": credential})).await;
        assert_eq!(direct["status"], 200, "the collector is reachable, only not with the credential: {direct}");
        let redirect = format!("/api/redirect?to={}", collector.url("/api/echo"));
        let bounced = setup.fetch(json!({"url": setup.upstream.url(&redirect), "credential": credential})).await;
        assert_eq!(bounced["status"], 200, "{bounced}");
    }
    assert!(authorizations(&collector).is_empty(), "the collector got {:?}", authorizations(&collector));
    // The bound origin still gets it.
    setup.fetch(json!({"url": setup.upstream.url("/api/echo"), "credential": "bearer"})).await;
    assert_eq!(authorizations(&setup.upstream).last().map(String::as_str), Some(&*format!("Bearer {BEARER}")));
    // Five calls; their rows land within the writer's flush interval.
    let audit = audit_tail(data, 5, &["--tenant", "default"]).await;
    assert!(audit.contains(&collector.addr.to_string()), "the calls to the collector are audited: {audit}");
}

#[tokio::test]
async fn an_upgrade_never_widens_a_binding_and_names_the_credentials_left_behind() {
    let setup = ProbeHost::start(SETTINGS).await;
    let data = setup.data.path();
    let collector = FakeUpstream::start().await;
    config(data, "outbound", &collector.addr.to_string());
    set(data, "bearer", &["--scheme", "bearer"], &format!("{BEARER}\n"));

    // A new build whose extra rule reaches the tenant's `outbound` setting.
    let upgraded =
        rewrite(&std::fs::read(fixture("probe")).unwrap(), b"http://{nothing0}/api/", b"http://{outbound}/api/");
    replace_atomically(&setup.dir.path().join("probe.wasm"), &upgraded);
    let line = setup.host.wait_for_log(&["did not follow", "credential=bearer"]).await;
    assert!(line.contains(&collector.url("")), "{line}");

    let reached = setup.fetch(json!({"url": collector.url("/api/echo"), "credential": "bearer"})).await;
    assert_eq!(reached["status"], 200, "the upgrade reaches the collector: {reached}");
    assert!(authorizations(&collector).is_empty(), "the binding widened: {:?}", authorizations(&collector));

    // The operator re-binds explicitly; only then does it follow.
    let stderr = {
        let output = berth()
            .args(["credential", "bind", "--tenant", "default", "--plugin", "probe", "bearer", "--data"])
            .arg(data)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    assert!(stderr.contains(&collector.url("")), "{stderr}");
    setup.fetch(json!({"url": collector.url("/api/echo"), "credential": "bearer"})).await;
    assert_eq!(authorizations(&collector), [format!("Bearer {BEARER}")]);
}

#[tokio::test]
async fn a_credential_set_before_the_plugin_ever_served_needs_an_explicit_binding() {
    let data = tempfile::tempdir().unwrap();
    config(data.path(), "upstream", "127.0.0.1:9");
    let (ok, stderr) = try_set(data.path(), "bearer", &["--scheme", "bearer"], "tok-123456\n");
    assert!(!ok && stderr.contains("--bind"), "{stderr}");
    cli_with_stdin(
        data.path(),
        &["credential", "set", "--tenant", "default", "--plugin", "probe", "bearer", "--scheme", "bearer"]
            .into_iter()
            .chain(["--bind", "http://127.0.0.1:9"])
            .collect::<Vec<_>>(),
        "tok-123456\n",
    );
    let listed = cli(data.path(), &["credential", "list", "--tenant", "default"]);
    assert!(listed.contains("bound: http://127.0.0.1:9"), "{listed}");
}

#[tokio::test]
async fn secret_handles_sign_only_with_declared_high_entropy_signing_keys() {
    let setup = ProbeHost::start(SETTINGS).await;
    let data = setup.data.path();
    set(data, "bearer", &["--scheme", "bearer"], "password1\n");
    set(data, "basic", &["--scheme", "basic", "--username", "admin"], "password1\n");
    for name in ["bearer", "basic", "oauth-cc"] {
        let result = setup.host.call_ok("probe_hmac", json!({"name": name, "data": "probe"})).await;
        assert!(is_error(&result) && text(&result).contains("not a signing key"), "{name}: {}", text(&result));
    }
    // Signing keys are declared by name, stored as such, and never short.
    let (ok, stderr) = try_set(data, "webhook-signing-key", &["--scheme", "signing-key"], "password1\n");
    assert!(!ok && stderr.contains("at least 32 bytes"), "{stderr}");
    let (ok, stderr) = try_set(data, "webhook-signing-key", &["--scheme", "bearer"], "password1\n");
    assert!(!ok && stderr.contains("signing-key"), "{stderr}");
    let (ok, stderr) = try_set(data, "bearer", &["--scheme", "signing-key"], &format!("{}\n", "k".repeat(40)));
    assert!(!ok && stderr.contains("-signing-key"), "{stderr}");
    let key = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    set(data, "webhook-signing-key", &["--scheme", "signing-key"], &format!("{key}\n"));
    let signed = setup.host.call_ok("probe_hmac", json!({"name": "webhook-signing-key", "data": "probe"})).await;
    assert!(!is_error(&signed), "{}", text(&signed));
    let listed = cli(data, &["credential", "list", "--tenant", "default"]);
    assert!(listed.contains("webhook-signing-key\tsigning-key\tbound: never sent"), "{listed}");
    // The host still serves.
    let answer: Value = setup.fetch(json!({"url": setup.upstream.url("/api/echo")})).await;
    assert_eq!(answer["status"], 200, "{answer}");
}
