//! `berth demo`: fakes on loopback, a provisioned `demo` tenant, and the
//! bundled adapters working against them through a real MCP client.

// `resources/subscribe` is how pre-2026-07-28 sessions subscribe, which
// this client speaks.
#![allow(deprecated)]

use crate::support::berth;
use crate::support::http::{HttpHostRef, Subscriber};
use rmcp::model::{CallToolRequestParams, SubscribeRequestParams};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A free loopback port (the demo prints the address it was given, so it
/// must be a real one).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn arguments(value: Value) -> serde_json::Map<String, Value> {
    value.as_object().unwrap().clone()
}

#[tokio::test]
async fn the_demo_serves_the_adapters_against_the_fakes_and_prints_how_to_connect() {
    let state = tempfile::tempdir().unwrap();
    let addr = format!("127.0.0.1:{}", free_port());
    let mut child = berth()
        .args(["demo", "--http", &addr, "--state"])
        .arg(state.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut printed = Vec::new();
    while !printed.iter().any(|line: &String| line.contains("serving MCP on http://")) {
        let line = lines_rx.recv_timeout(deadline.saturating_duration_since(Instant::now()));
        printed.push(line.unwrap_or_else(|_| panic!("the demo did not start:\n{}", printed.join("\n"))));
    }
    let text = printed.join("\n");
    let key = text
        .split("API key ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("the demo prints the API key:\n{text}"))
        .to_owned();
    assert!(key.starts_with("berth_"), "{text}");
    assert!(text.contains(&format!("http://{addr}/mcp")) && text.contains(&format!("http://{addr}/sse")), "{text}");
    assert!(text.contains("\"mcpServers\""), "client configuration is printed:\n{text}");

    let client = HttpHostRef { base: format!("http://{addr}") }.client(&key).await;
    let tools: Vec<String> =
        client.list_all_tools().await.unwrap().into_iter().map(|tool| tool.name.to_string()).collect();
    for expected in ["servicenow_list_incidents", "servicenow_resolve_incident", "buyict_search_opportunities"] {
        assert!(tools.contains(&expected.to_owned()), "{expected} in {tools:?}");
    }
    for desk in ["tickets_search", "tickets_get", "tickets_create", "tickets_comment", "tickets_update"] {
        assert!(tools.contains(&desk.to_owned()), "{desk} in {tools:?}");
        assert!(text.contains(desk), "the banner names {desk}:\n{text}");
    }
    // "Find open high-priority tickets across all systems."
    let urgent = client
        .call_tool(CallToolRequestParams::new("tickets_search").with_arguments(arguments(
            json!({"status": ["unresolved"], "priority": ["critical", "high"], "limit": 100}),
        )))
        .await
        .unwrap();
    assert_ne!(urgent.is_error, Some(true), "{urgent:?}");
    let urgent = urgent.structured_content.unwrap();
    assert_eq!(urgent["failures"], json!([]), "{urgent}");
    let systems: std::collections::BTreeSet<&str> =
        urgent["tickets"].as_array().unwrap().iter().map(|ticket| ticket["system"].as_str().unwrap()).collect();
    assert_eq!(systems, ["github", "jira", "opsramp", "servicedesk-plus", "servicenow", "zendesk"].into(), "{urgent}");
    let listed = client
        .call_tool(
            CallToolRequestParams::new("servicenow_list_incidents").with_arguments(arguments(json!({"limit": 5}))),
        )
        .await
        .unwrap();
    assert_ne!(listed.is_error, Some(true), "{listed:?}");
    let listed = crate::support::text(&listed);
    let number = listed
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|word| word.starts_with("INC"))
        .unwrap_or_else(|| panic!("an incident number in {listed}"))
        .to_owned();
    let resolved = client
        .call_tool(CallToolRequestParams::new("servicenow_resolve_incident").with_arguments(arguments(json!({
            "incident": number,
            "close_code": "Solution provided",
            "close_notes": "Restarted the mail relay.",
        }))))
        .await
        .unwrap();
    assert_ne!(resolved.is_error, Some(true), "{resolved:?}");
    let searched = client
        .call_tool(CallToolRequestParams::new("buyict_search_opportunities").with_arguments(arguments(json!({}))))
        .await
        .unwrap();
    assert_ne!(searched.is_error, Some(true), "{searched:?}");
    drop(client);

    // The demo prints each webhook URL, and Enter fires a signed sample
    // Zendesk webhook that a subscribed client hears of.
    assert!(text.contains(&format!("http://{addr}/hooks/demo/zendesk")), "{text}");
    let subscriber = Subscriber::default();
    let session = HttpHostRef { base: format!("http://{addr}") }.connect(&key, subscriber.clone()).await;
    session.subscribe(SubscribeRequestParams::new("zendesk://tickets/101")).await.unwrap();
    child.stdin.as_mut().unwrap().write_all(b"\n").unwrap();
    assert_eq!(subscriber.heard(1).await, ["zendesk://tickets/101"]);
    drop(session);
    let _ = child.kill();
    let _ = child.wait();
}
