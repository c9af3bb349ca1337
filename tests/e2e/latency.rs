//! Latency regressions that show as whole delays, not as percentages.

use crate::support::http::{HttpHost, tenant};
use rmcp::model::CallToolRequestParams;
use serde_json::json;
use std::time::{Duration, Instant};

/// Without TCP_NODELAY on accepted sockets, the small writes of each
/// Streamable HTTP answer wait for the client's delayed ACK, about 40 ms a
/// call. Twenty calls then take 800 ms or more; with it, a few ms each.
#[tokio::test]
async fn http_answers_do_not_wait_for_delayed_acks() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), None, &[], None).await;
    let client = host.client(&key).await;
    let request: CallToolRequestParams =
        serde_json::from_value(json!({"name": "hello_greet", "arguments": {"name": "Ada"}})).unwrap();
    client.call_tool(request.clone()).await.unwrap();
    let started = Instant::now();
    for _ in 0..20 {
        client.call_tool(request.clone()).await.unwrap();
    }
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_millis(600), "20 sequential calls took {elapsed:?}");
}
