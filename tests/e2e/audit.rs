//! The audit log under stress: rows committed in groups off the request
//! path, none lost on SIGTERM, a stated window on kill -9, and retention.

use crate::support::http::{HttpHost, HttpHostRef, cli, tenant};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Eight clients calling `hello_greet` as fast as they can, each call with a
/// unique name, until the host stops answering. Returns the names of the
/// calls that were answered and when each answer arrived.
struct Burst {
    acknowledged: Arc<Mutex<Vec<(String, Instant)>>>,
    clients: Vec<tokio::task::JoinHandle<()>>,
}

impl Burst {
    async fn start(host: &HttpHost, key: &str) -> Self {
        let acknowledged = Arc::new(Mutex::new(Vec::new()));
        let mut clients = Vec::new();
        for client_index in 0..8 {
            let client = HttpHostRef { base: host.base.clone() }.client(key).await;
            let acknowledged = acknowledged.clone();
            clients.push(tokio::spawn(async move {
                for call in 0.. {
                    let name = format!("c{client_index}-{call}");
                    let request: CallToolRequestParams =
                        serde_json::from_value(json!({"name": "hello_greet", "arguments": {"name": name}})).unwrap();
                    match client.call_tool(request).await {
                        Ok(result) if result.is_error != Some(true) => {
                            acknowledged.lock().unwrap().push((name, Instant::now()));
                        }
                        _ => return,
                    }
                }
            }));
        }
        Self { acknowledged, clients }
    }

    /// Waits until at least `calls` calls were answered.
    async fn until(&self, calls: usize) {
        let started = Instant::now();
        while self.acknowledged.lock().unwrap().len() < calls {
            assert!(started.elapsed() < Duration::from_secs(60), "the burst is too slow");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Every answered call, once the clients have stopped.
    async fn finish(self) -> Vec<(String, Instant)> {
        for client in self.clients {
            let _ = tokio::time::timeout(Duration::from_secs(30), client).await;
        }
        self.acknowledged.lock().unwrap().clone()
    }
}

/// The `name` argument of every call in the audit log.
fn audited_names(data: &Path) -> HashSet<String> {
    cli(data, &["audit", "tail", "--json", "-n", "1000000"])
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter_map(|call| call["arguments"]["name"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn sigterm_during_a_burst_leaves_every_answered_call_audited() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    // A flush interval far longer than the test: only the flush at shutdown
    // can have committed the last rows.
    let settings = "[audit]\nflush_interval_ms = 60000\nbatch_rows = 100000\n";
    let mut host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let burst = Burst::start(&host, &key).await;
    burst.until(200).await;
    host.signal("TERM");
    let acknowledged = burst.finish().await;
    assert_eq!(host.wait().await, Some(0));
    let audited = audited_names(data.path());
    let missing: Vec<_> = acknowledged.iter().filter(|(name, _)| !audited.contains(name)).collect();
    assert!(missing.is_empty(), "{} of {} answered calls not audited: {missing:?}", missing.len(), acknowledged.len());
}

/// The durability window, as README states it: a call answered more than
/// `flush_interval_ms` plus one commit before a `kill -9` is in the audit
/// log. One commit is allowed a generous second here, for a loaded machine.
#[tokio::test]
async fn kill_9_loses_only_calls_answered_within_the_durability_window() {
    const FLUSH_INTERVAL_MS: u64 = 50;
    const COMMIT_ALLOWANCE: Duration = Duration::from_secs(1);
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let settings = format!("[audit]\nflush_interval_ms = {FLUSH_INTERVAL_MS}\n");
    let mut host = HttpHost::start(data.path(), None, &[], Some(&settings)).await;
    let burst = Burst::start(&host, &key).await;
    burst.until(100).await;
    tokio::time::sleep(COMMIT_ALLOWANCE + Duration::from_millis(FLUSH_INTERVAL_MS)).await;
    let killed = Instant::now();
    host.signal("KILL");
    let acknowledged = burst.finish().await;
    assert_eq!(host.wait().await, None, "killed by the signal");
    let audited = audited_names(data.path());
    let window = Duration::from_millis(FLUSH_INTERVAL_MS) + COMMIT_ALLOWANCE;
    let durable: Vec<_> =
        acknowledged.iter().filter(|(_, answered)| killed.saturating_duration_since(*answered) > window).collect();
    assert!(durable.len() >= 100, "the burst answered calls before the window: {}", durable.len());
    let missing: Vec<_> = durable.iter().filter(|(name, _)| !audited.contains(name)).collect();
    assert!(missing.is_empty(), "{} calls answered before the window are not audited: {missing:?}", missing.len());
}

#[tokio::test]
async fn the_host_enforces_retention_in_the_background_and_the_cli_prunes_on_demand() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let settings = "[audit]\nmax_calls = 3\nprune_interval_secs = 1\n";
    let host = HttpHost::start(data.path(), None, &[], Some(settings)).await;
    let client = host.client(&key).await;
    for call in 0..6 {
        let request: CallToolRequestParams =
            serde_json::from_value(json!({"name": "hello_greet", "arguments": {"name": format!("n{call}")}})).unwrap();
        client.call_tool(request).await.unwrap();
    }
    // The answers came back before their rows were committed (the writer
    // group-commits), so wait for the last call's row as well as the bound.
    let started = Instant::now();
    let mut kept = audited_names(data.path());
    while kept.len() != 3 || !kept.contains("n5") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "retention did not come to keep the newest three: {kept:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        kept = audited_names(data.path());
    }
    assert_eq!(kept, HashSet::from(["n3".to_owned(), "n4".to_owned(), "n5".to_owned()]), "the newest are kept");
    drop(client);
    drop(host);

    let pruned = cli(data.path(), &["audit", "prune", "--max-calls", "1"]);
    assert_eq!(pruned.trim(), "deleted 2 calls and 0 upstream requests");
    assert_eq!(audited_names(data.path()), HashSet::from(["n5".to_owned()]));
}
