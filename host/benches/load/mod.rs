//! The load client the HTTP benchmarks share: rmcp's own client, the same
//! measurement (sequential latency, then throughput with one worker per
//! session) and the same process readings, so that the numbers of
//! different benchmarks compare.

use rmcp::ServiceExt;
use rmcp::model::CallToolRequestParams;
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use std::time::{Duration, Instant};

/// How much work each measurement does.
#[derive(Clone, Copy)]
pub struct Load {
    /// Rounds, interleaving what is compared.
    pub rounds: usize,
    /// Unmeasured calls first.
    pub warmup: usize,
    /// Calls one after another, for latency.
    pub sequential: usize,
    /// Calls per worker, all workers at once, for throughput.
    pub concurrent_per_worker: usize,
}

/// One measurement of one server.
#[derive(Clone, Copy, Default)]
pub struct Sample {
    pub p50_us: f64,
    pub p99_us: f64,
    pub calls_per_sec: f64,
    pub rss_mib: f64,
}

/// A row of a results table: its label, the value it shows, the unit.
pub type Row = (&'static str, fn(&Sample) -> f64, &'static str);

/// The median of `values`.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A Streamable HTTP session at `base` (`…/mcp`), with `key` as the bearer.
pub async fn http_client(base: &str, key: Option<&str>) -> RunningService<RoleClient, ()> {
    let mut config = StreamableHttpClientTransportConfig::with_uri(base.to_owned());
    if let Some(key) = key {
        config = config.auth_header(key.to_owned());
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let transport = StreamableHttpClientTransport::with_client(reqwest::Client::new(), config);
    ().serve(transport).await.expect("initialize over HTTP")
}

/// Sequential latency on `client`, then throughput with one worker per
/// peer, each calling `request`, which must answer `Hello, Ada!`.
pub async fn drive(
    client: &RunningService<RoleClient, ()>,
    peers: &[rmcp::Peer<RoleClient>],
    request: &CallToolRequestParams,
    load: Load,
) -> Sample {
    for _ in 0..load.warmup {
        call(client.peer(), request).await;
    }
    let mut latencies = Vec::with_capacity(load.sequential);
    for _ in 0..load.sequential {
        let started = Instant::now();
        call(client.peer(), request).await;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e6;
    let started = Instant::now();
    let workers: Vec<_> = peers
        .iter()
        .map(|peer| {
            let (peer, request) = (peer.clone(), request.clone());
            tokio::spawn(async move {
                for _ in 0..load.concurrent_per_worker {
                    call(&peer, &request).await;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.expect("worker");
    }
    let total = (peers.len() * load.concurrent_per_worker) as f64;
    Sample {
        p50_us: percentile(0.50),
        p99_us: percentile(0.99),
        calls_per_sec: total / started.elapsed().as_secs_f64(),
        rss_mib: 0.0,
    }
}

/// A `greet` call for Ada to the tool named `tool`.
pub fn greet_request(tool: &str) -> CallToolRequestParams {
    serde_json::from_value(serde_json::json!({"name": tool, "arguments": {"name": "Ada"}})).expect("request")
}

async fn call(peer: &rmcp::Peer<RoleClient>, request: &CallToolRequestParams) {
    let result = peer.call_tool(request.clone()).await.expect("the call succeeds");
    let text = result.content.first().and_then(|content| content.as_text()).map(|text| text.text.as_str());
    assert_eq!(text, Some("Hello, Ada!"), "{result:?}");
}

/// Peak resident set of `pid` (`VmHWM`), in MiB.
pub fn peak_rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("address").port()
}

/// Waits until something listens on `address`.
pub async fn wait_listening(address: &str) {
    let started = Instant::now();
    while tokio::net::TcpStream::connect(address).await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(120), "the server never listened on {address}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
