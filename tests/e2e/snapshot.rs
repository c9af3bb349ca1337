//! The host serves tenants' access, settings and credentials from memory;
//! a change, by the `berth` CLI in another process or by the admin API, is
//! seen by the very next call.

use crate::support::http::{HttpHost, cli, cli_with_stdin, client, tenant};
use crate::support::upstream::FakeUpstream;
use crate::support::{PluginsDir, fixture, text};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

const ADMIN_TOKEN: &str = "admin-token-for-the-snapshot-tests-42";

#[tokio::test]
async fn every_change_is_seen_by_the_very_next_call() {
    let upstream = FakeUpstream::start().await;
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["probe"]);
    cli(data.path(), &["config", "set", "--tenant", "acme", "probe", "upstream", &upstream.addr.to_string()]);
    let origin = upstream.url("");
    let set_token = |token: &str| {
        let set = ["credential", "set", "--tenant", "acme", "--plugin", "probe", "bearer", "--scheme", "bearer"];
        let args = [&set[..], &["--bind", origin.as_str()]].concat();
        cli_with_stdin(data.path(), &args, &format!("{token}\n"));
    };
    set_token("tok-first");
    let dir = PluginsDir::new().with(&fixture("probe"), "probe.wasm");
    let settings = format!("[egress]\nallow_loopback = true\n\n[admin]\ntoken = \"{ADMIN_TOKEN}\"\n");
    let host = HttpHost::start(data.path(), Some(dir.path()), &[], Some(&settings)).await;
    let session = host.client(&key).await;
    let url = upstream.url("/api/echo");
    let call = async || {
        let request: CallToolRequestParams =
            serde_json::from_value(json!({"name": "probe_fetch", "arguments": {"url": url, "credential": "bearer"}}))
                .unwrap();
        session.call_tool(request).await
    };
    let sent_token = || upstream.received().last().and_then(|headers| headers.get("authorization").cloned());

    call().await.unwrap();
    assert_eq!(sent_token().as_deref(), Some("Bearer tok-first"));

    // A credential changed by another process.
    set_token("tok-second");
    call().await.unwrap();
    assert_eq!(sent_token().as_deref(), Some("Bearer tok-second"), "the next call uses the new credential");

    // A setting removed by another process.
    cli(data.path(), &["config", "unset", "--tenant", "acme", "probe", "upstream"]);
    let answer: Value = serde_json::from_str(&text(&call().await.unwrap())).unwrap();
    assert_eq!(answer["error"], "denied", "the next call no longer has the setting: {answer}");

    // Access changed by the admin API of the host itself, then by the CLI.
    let admin = |method: reqwest::Method| {
        client().request(method, host.url("/admin/tenants/acme/plugins/probe")).bearer_auth(ADMIN_TOKEN).send()
    };
    assert_eq!(admin(reqwest::Method::DELETE).await.unwrap().status(), 204);
    let refused = call().await.expect_err("the next call finds no such tool");
    assert!(refused.to_string().contains("unknown tool"), "{refused}");
    cli(data.path(), &["tenant", "enable", "acme", "probe"]);
    call().await.expect("enabled again by the CLI: the next call runs");

    // A key rotated by another process: the old key stops at once.
    let new_key = cli(data.path(), &["tenant", "rotate-key", "acme"]).trim().to_owned();
    assert!(call().await.is_err(), "the old key is refused on the very next request");
    let fresh = host.client(&new_key).await;
    assert!(fresh.list_all_tools().await.unwrap().iter().any(|tool| tool.name == "probe_fetch"));
}
