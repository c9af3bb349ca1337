//! MCP logging: a plugin's log records during a call reach the client that
//! asked for them with `logging/setLevel`, at that level and above, over
//! stdio and Streamable HTTP; a client that never asked gets none.

// MCP logging is deprecated after 2025-11-25, which still requires it.
#![allow(deprecated)]

use crate::support::http::{HttpHost, HttpHostRef, tenant};
use crate::support::{PluginsDir, Start, StdioHost, fixture, text};
use rmcp::ClientHandler;
use rmcp::model::{
    CallToolRequestParams, ClientCapabilities, ClientConfig, Implementation, LoggingLevel,
    LoggingMessageNotificationParam, SetLevelRequestParams,
};
use rmcp::service::{NotificationContext, RoleClient, RunningService};
use serde_json::json;
use std::sync::{Arc, Mutex};

/// A client that keeps every `notifications/message` it receives.
#[derive(Clone, Default)]
struct Heard(Arc<Mutex<Vec<LoggingMessageNotificationParam>>>);

impl Heard {
    fn take(&self) -> Vec<(LoggingLevel, String, Option<String>)> {
        let heard = std::mem::take(&mut *self.0.lock().unwrap());
        heard.into_iter().map(|message| (message.level, message.data.to_string(), message.logger)).collect()
    }
}

impl ClientHandler for Heard {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(ClientCapabilities::default(), Implementation::new("berth-e2e", "0.1.0"))
    }

    async fn on_logging_message(&self, params: LoggingMessageNotificationParam, _: NotificationContext<RoleClient>) {
        self.0.lock().unwrap().push(params);
    }
}

/// Calls the fixture's logging tool (three `info` records) as the client
/// stands, and returns what it heard: once `expected` records arrived, or
/// whatever it has a moment after the result. rmcp's client hands each
/// notification to its handler on a task of its own, so they may reach
/// the handler after the result and in any order; the order on the wire is
/// `stdio::log_records_come_before_their_result`'s to check.
async fn call(
    client: &RunningService<RoleClient, Heard>,
    expected: usize,
) -> Vec<(LoggingLevel, String, Option<String>)> {
    let result = client.call_tool(CallToolRequestParams::new("test_tool_with_logging")).await.expect("call");
    assert_eq!(text(&result), "Tool with logging executed successfully");
    let waited = std::time::Instant::now();
    while client.service().0.lock().unwrap().len() < expected.max(1)
        && waited.elapsed() < std::time::Duration::from_millis(if expected == 0 { 200 } else { 10_000 })
    {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut heard = client.service().take();
    heard.sort_by(|a, b| a.1.cmp(&b.1));
    heard
}

/// The whole exchange on one session: nothing before `setLevel`, nothing
/// below the level, then the three records.
async fn records_follow_the_level(client: RunningService<RoleClient, Heard>) {
    assert_eq!(call(&client, 0).await, [], "no records before the client asks");
    client.set_level(SetLevelRequestParams::new(LoggingLevel::Warning)).await.expect("setLevel warning");
    assert_eq!(call(&client, 0).await, [], "info records are below warning");
    client.set_level(SetLevelRequestParams::new(LoggingLevel::Info)).await.expect("setLevel info");
    let expected = ["Tool execution completed", "Tool execution started", "Tool processing data"]
        .map(|message| (LoggingLevel::Info, json!(message).to_string(), Some("test".to_owned())));
    assert_eq!(call(&client, 3).await, expected);
    client.cancel().await.expect("close");
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_log_records_reach_the_client_at_the_level_it_chose_over_http() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    let key = tenant(data.path(), "listener", &["test"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &["--no-watch"], None).await;
    let client = HttpHostRef { base: host.base.clone() }.connect(&key, Heard::default()).await;
    records_follow_the_level(client).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn plugin_log_records_reach_the_client_at_the_level_it_chose_over_stdio() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    tenant(data.path(), "listener", &["test"]);
    let start = Start { tenant: "listener", ..Start::new(plugins.path(), data.path(), "") };
    let client = StdioHost::start_with(start, Heard::default()).await.client;
    records_follow_the_level(client).await;
}
