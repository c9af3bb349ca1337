//! Components built against `berth:plugin@0.1.0` keep working on a host
//! that links 0.2: the `legacy` fixture, built with wit-bindgen on the
//! frozen 0.1 contract, uses every 0.1 capability (config with a default,
//! log, cache, HTTP with a bearer credential, a signing key) and 0.1's
//! content (a bare-URI link, JSON with structured output), through rmcp's
//! client over stdio; and the sandbox contains its misbehaviour with the
//! same typed errors as a 0.2 component's.

use crate::support::http::{cli, cli_with_stdin};
use crate::support::upstream::{BEARER_TOKEN, FakeUpstream};
use crate::support::{PluginsDir, Start, StdioHost, fixture, is_error, text};
use hmac::{Hmac, Mac};
use serde_json::json;

const SIGNING_KEY: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9";

#[tokio::test]
async fn a_0_1_component_serves_every_capability_as_before() {
    let upstream = FakeUpstream::start().await;
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("legacy"), "legacy.wasm");
    cli(data.path(), &["config", "set", "--tenant", "default", "legacy", "upstream", &upstream.addr.to_string()]);
    let origin = upstream.url("");
    let set = |name: &str, scheme: &[&str], secret: &str| {
        let mut command = vec!["credential", "set", "--tenant", "default", "--plugin", "legacy", name];
        command.extend_from_slice(scheme);
        cli_with_stdin(data.path(), &command, &format!("{secret}\n"));
    };
    set("token", &["--bind", &origin, "--scheme", "bearer"], BEARER_TOKEN);
    set("legacy-signing-key", &["--scheme", "signing-key"], SIGNING_KEY);
    let host = StdioHost::start(Start::new(plugins.path(), data.path(), "[egress]\nallow_loopback = true\n")).await;

    let names = host.tool_names().await;
    assert_eq!(
        names,
        [
            "legacy_crash",
            "legacy_fetch",
            "legacy_flood",
            "legacy_greet",
            "legacy_hog",
            "legacy_link",
            "legacy_recall",
            "legacy_remember",
            "legacy_sign",
            "legacy_spin"
        ]
    );
    assert_eq!(text(&host.call_ok("legacy_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
    host.call_ok("legacy_remember", json!({"key": "k", "value": "kept"})).await;
    assert_eq!(text(&host.call_ok("legacy_recall", json!({"key": "k"})).await), "kept");
    let fetched = text(&host.call_ok("legacy_fetch", json!({"path": "api/account/bearer"})).await);
    assert!(fetched.starts_with("200 ") && fetched.contains("\"scheme\":\"bearer\""), "{fetched}");
    let signed = text(&host.call_ok("legacy_sign", json!({"data": "payload"})).await);
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SIGNING_KEY.as_bytes()).unwrap();
    mac.update(b"payload");
    assert_eq!(signed, hex::encode(mac.finalize().into_bytes()));
    let link = host.call_ok("legacy_link", json!({})).await;
    let link_block = link.content[0].as_resource_link().expect("a resource link");
    assert_eq!((link_block.uri.as_str(), link_block.name.as_str()), ("legacy://thing/1", "legacy://thing/1"));
    assert_eq!(link.structured_content, Some(json!({"a": 1})));

    let resources = host.client.list_resources(None).await.expect("resources/list");
    assert!(resources.resources.is_empty(), "a 0.1 component offers no resources");
    let prompts = host.client.list_prompts(None).await.expect("prompts/list");
    assert!(prompts.prompts.is_empty(), "nor prompts");
}

/// A loop, a memory bomb, a flood of output and a panic in a 0.1 component
/// end as they do in a 0.2 one (`tests/e2e/sandbox.rs`): each call is a
/// tool error naming the limit or the crash, and the host goes on serving.
#[tokio::test]
async fn a_0_1_component_is_contained_as_before() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("legacy"), "legacy.wasm");
    let settings = "[limits]\ncall_timeout_ms = 1500\n";
    let host = StdioHost::start(Start::new(plugins.path(), data.path(), settings)).await;
    for (tool, said) in [
        ("legacy_spin", "the plugin exceeded its time limit of 1500 ms"),
        ("legacy_hog", "the plugin exceeded its memory limit of 64 MiB"),
        ("legacy_flood", "the tool output exceeded the 4096 KiB output limit"),
    ] {
        let result = host.call_ok(tool, json!({})).await;
        assert!(is_error(&result), "{tool}");
        assert_eq!(text(&result), said);
    }
    let crashed = host.call_ok("legacy_crash", json!({})).await;
    assert!(is_error(&crashed));
    assert!(text(&crashed).starts_with("the plugin crashed:") && text(&crashed).contains("panicked on purpose"));
    assert_eq!(text(&host.call_ok("legacy_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
}
