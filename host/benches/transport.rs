//! Berth against a native rmcp server, under one load client, in one run.
//!
//! The native server is this same binary started with `--serve-native`: an
//! rmcp server whose one tool, `greet`, does what the `hello` plugin's does
//! (parse the name, answer `Hello, {name}!`). Berth serves the bundled
//! `hello` plugin with its default settings (audit log on, logging at
//! `info`). For each transport (stdio, Streamable HTTP) and each server, the
//! same rmcp client measures sequential latency (p50, p99), throughput with
//! 8 calls in flight (one session on stdio, 8 sessions on HTTP) and the
//! server's peak RSS. It also times a start: from spawning the server to
//! its first `tools/list` answer over stdio, Berth serving 13 plugins (the
//! bundled ones and three test fixtures, Python and JavaScript among them)
//! from a warm compile cache. Rounds interleave the servers and the medians
//! are printed with Berth/native ratios.
//!
//! `cargo bench -p berth --bench transport` runs the full benchmark.
//! `cargo test` runs it once in a quick mode that proves it works and
//! asserts no timing.

use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, ListToolsResult, PaginatedRequestParams,
    ServerCapabilities, ServerConfig, Tool,
};
use rmcp::service::{RequestContext, RoleServer};
use rmcp::transport::TokioChildProcess;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, ServiceExt};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod load;

use load::{Load, Row, Sample, drive, free_port, greet_request, http_client, median, peak_rss_mib, wait_listening};

const BERTH: &str = env!("CARGO_BIN_EXE_berth");
const BUNDLED: &str = env!("BERTH_BUNDLED_PLUGINS");
const FIXTURES: &str = env!("BERTH_TEST_FIXTURES");
/// The well-behaved test fixtures added to the bundled plugins for the start.
const START_FIXTURES: [&str; 3] = ["fixture-probe", "fixture-versioned", "fixture-hostile-egress"];

const FULL: Load = Load { rounds: 3, warmup: 300, sequential: 3000, concurrent_per_worker: 1500 };
const QUICK: Load = Load { rounds: 1, warmup: 2, sequential: 10, concurrent_per_worker: 5 };
/// Starts timed per round, in the full and the quick mode.
const FULL_STARTS: usize = 5;
const QUICK_STARTS: usize = 1;
const IN_FLIGHT: usize = 8;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    if let Some(position) = args.iter().position(|arg| arg == "--serve-native") {
        let transport = args.get(position + 1).map(String::as_str).unwrap_or("stdio");
        runtime.block_on(serve_native(transport));
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test` does not.
    let (load, starts) =
        if args.iter().any(|arg| arg == "--bench") { (FULL, FULL_STARTS) } else { (QUICK, QUICK_STARTS) };
    runtime.block_on(run(load, starts));
}

#[derive(Clone, Copy, PartialEq)]
enum Server {
    Native,
    Berth,
}

#[derive(Clone, Copy, PartialEq)]
enum Transport {
    Stdio,
    Http,
}

async fn run(load: Load, starts_per_round: usize) {
    let fixture = BerthFixture::new();
    let mut samples: Vec<(Transport, Server, Sample)> = Vec::new();
    let mut starts: Vec<(Server, f64)> = Vec::new();
    // A restart finds its plugin files as they were: settled (changed
    // longer ago than the host trusts a file's timestamps, 2 s), compiled in
    // the cache, their digests remembered. One unmeasured start gets there.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    start(&fixture, Server::Berth).await;
    for round in 0..load.rounds {
        for _ in 0..starts_per_round {
            for server in [Server::Native, Server::Berth] {
                let (millis, tools) = start(&fixture, server).await;
                eprintln!(
                    "round {} start {}: first tools/list ({tools} tools) after {millis:.1} ms",
                    round + 1,
                    server.name()
                );
                starts.push((server, millis));
            }
        }
        for transport in [Transport::Stdio, Transport::Http] {
            for server in [Server::Native, Server::Berth] {
                let sample = measure(&fixture, server, transport, load).await;
                eprintln!(
                    "round {} {} {}: p50 {:.0} µs, p99 {:.0} µs, {:.0} calls/s, peak RSS {:.1} MiB",
                    round + 1,
                    transport.name(),
                    server.name(),
                    sample.p50_us,
                    sample.p99_us,
                    sample.calls_per_sec,
                    sample.rss_mib
                );
                samples.push((transport, server, sample));
            }
        }
    }
    println!("| | native rmcp | Berth | ratio |");
    println!("|---|---|---|---|");
    for transport in [Transport::Stdio, Transport::Http] {
        let median = |server: Server, pick: fn(&Sample) -> f64| {
            median(
                samples
                    .iter()
                    .filter(|(t, s, _)| *t == transport && *s == server)
                    .map(|(_, _, sample)| pick(sample))
                    .collect(),
            )
        };
        let name = transport.name();
        let rows: [Row; 4] = [
            ("sequential p50", |sample| sample.p50_us, "µs"),
            ("sequential p99", |sample| sample.p99_us, "µs"),
            ("8 in flight", |sample| sample.calls_per_sec, "calls/s"),
            ("peak RSS", |sample| sample.rss_mib, "MiB"),
        ];
        for (label, pick, unit) in rows {
            let (native, berth) = (median(Server::Native, pick), median(Server::Berth, pick));
            let precision = if unit == "MiB" { 1 } else { 0 };
            println!(
                "| {name}, {label} | {native:.precision$} {unit} | {berth:.precision$} {unit} | {:.2}× |",
                berth / native
            );
        }
    }
    let median =
        |server: Server| median(starts.iter().filter(|(s, _)| *s == server).map(|(_, millis)| *millis).collect());
    let (native, berth) = (median(Server::Native), median(Server::Berth));
    println!(
        "| stdio, start to first `tools/list` (Berth: 13 plugins, warm cache) | {native:.1} ms | {berth:.1} ms | {:.2}× |",
        berth / native
    );
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Self::Native => "native",
            Self::Berth => "berth",
        }
    }

    fn tool(self) -> &'static str {
        match self {
            Self::Native => "greet",
            Self::Berth => "hello_greet",
        }
    }
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Self::Stdio => "stdio",
            Self::Http => "HTTP",
        }
    }
}

/// Berth's data: a data directory with tenant `bench` (hello enabled), a
/// plugins directory holding only `hello`, and a warm compile cache; for
/// the start, a second data directory and 13 plugins.
struct BerthFixture {
    data: tempfile::TempDir,
    plugins: tempfile::TempDir,
    key: String,
    start_data: tempfile::TempDir,
    start_plugins: tempfile::TempDir,
}

impl BerthFixture {
    fn new() -> Self {
        let data = tempfile::tempdir().expect("tempdir");
        let plugins = tempfile::tempdir().expect("tempdir");
        std::fs::copy(Path::new(BUNDLED).join("hello.wasm"), plugins.path().join("hello.wasm")).expect("copy hello");
        let key = cli(data.path(), &["tenant", "add", "bench"]).trim().to_owned();
        cli(data.path(), &["tenant", "enable", "bench", "hello"]);
        let (start_data, start_plugins) =
            (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
        let bundled = std::fs::read_dir(BUNDLED).expect("bundled plugins").map(|entry| entry.expect("entry").path());
        let fixtures = START_FIXTURES.iter().map(|name| Path::new(FIXTURES).join(format!("{name}.wasm")));
        for path in bundled.chain(fixtures) {
            std::fs::copy(&path, start_plugins.path().join(path.file_name().expect("name"))).expect("copy a plugin");
        }
        cli(start_data.path(), &["tenant", "add", "bench"]);
        let files = std::fs::read_dir(start_plugins.path()).expect("plugins").map(|entry| entry.expect("entry").path());
        let names: Vec<String> = files
            .map(|path| path.file_stem().expect("stem").to_string_lossy().trim_start_matches("fixture-").to_owned())
            .collect();
        assert_eq!(names.len(), 13, "the start is timed with 13 plugins");
        for name in &names {
            cli(start_data.path(), &["tenant", "enable", "bench", name]);
        }
        Self { data, plugins, key, start_data, start_plugins }
    }

    /// Berth serving the 13 plugins over stdio.
    fn serve_start(&self) -> std::process::Command {
        let mut command = berth();
        command.args(["serve", "--stdio", "--tenant", "bench", "--no-watch", "--data"]);
        command.arg(self.start_data.path()).arg("--plugins").arg(self.start_plugins.path());
        command
    }

    fn serve(&self, transport: &[&str]) -> std::process::Command {
        let mut command = berth();
        command
            .arg("serve")
            .args(transport)
            .arg("--data")
            .arg(self.data.path())
            .arg("--plugins")
            .arg(self.plugins.path());
        command
    }
}

/// Runs the `berth` CLI on the data directory `data`; its output.
fn cli(data: &Path, args: &[&str]) -> String {
    let output = berth().args(args).arg("--data").arg(data).output().expect("run berth");
    assert!(output.status.success(), "berth {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

fn berth() -> std::process::Command {
    let mut command = std::process::Command::new(BERTH);
    command.env("BERTH_COMPILE_CACHE", compile_cache());
    command
}

fn compile_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("transport-bench-compile-cache")
}

/// The native server on `transport` (`stdio` or an address).
fn native(transport: &str) -> std::process::Command {
    let mut command = std::process::Command::new(std::env::current_exe().expect("own path"));
    command.args(["--serve-native", transport]);
    command
}

/// Milliseconds from spawning `server` to its first `tools/list` answer over
/// stdio, and how many tools it listed.
async fn start(fixture: &BerthFixture, server: Server) -> (f64, usize) {
    let command = match server {
        Server::Native => native("stdio"),
        Server::Berth => fixture.serve_start(),
    };
    let started = Instant::now();
    let (process, stderr) = TokioChildProcess::builder(tokio::process::Command::from(command))
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the server");
    drop(stderr);
    let client = ().serve(process).await.expect("initialize over stdio");
    let tools = client.peer().list_all_tools().await.expect("tools/list");
    let millis = started.elapsed().as_secs_f64() * 1e3;
    assert!(!tools.is_empty(), "{} listed no tools", server.name());
    let _ = client.cancel().await;
    (millis, tools.len())
}

async fn measure(fixture: &BerthFixture, server: Server, transport: Transport, load: Load) -> Sample {
    match transport {
        Transport::Stdio => {
            let command = match server {
                Server::Native => native("stdio"),
                Server::Berth => fixture.serve(&["--stdio", "--tenant", "bench", "--no-watch"]),
            };
            let (process, stderr) = TokioChildProcess::builder(tokio::process::Command::from(command))
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn the server");
            drop(stderr);
            let pid = process.id().expect("pid");
            let client = ().serve(process).await.expect("initialize over stdio");
            let clients: Vec<_> = (0..IN_FLIGHT).map(|_| client.peer().clone()).collect();
            let mut sample = drive(&client, &clients, &greet_request(server.tool()), load).await;
            sample.rss_mib = peak_rss_mib(pid);
            let _ = client.cancel().await;
            sample
        }
        Transport::Http => {
            let port = free_port();
            let address = format!("127.0.0.1:{port}");
            let mut command = match server {
                Server::Native => native(&address),
                Server::Berth => fixture.serve(&["--http", &address, "--no-watch"]),
            };
            let mut child =
                command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("spawn");
            wait_listening(&address).await;
            let base = format!("http://{address}/mcp");
            let key = match server {
                Server::Native => None,
                Server::Berth => Some(fixture.key.as_str()),
            };
            let mut sessions = Vec::new();
            for _ in 0..IN_FLIGHT {
                sessions.push(http_client(&base, key).await);
            }
            let peers: Vec<_> = sessions.iter().map(|session| session.peer().clone()).collect();
            let mut sample = drive(&sessions[0], &peers, &greet_request(server.tool()), load).await;
            sample.rss_mib = peak_rss_mib(child.id());
            for session in sessions {
                let _ = session.cancel().await;
            }
            let _ = child.kill();
            let _ = child.wait();
            sample
        }
    }
}

/// The native server: one tool doing what `hello_greet` does.
#[derive(Clone)]
struct Native;

impl ServerHandler for Native {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let schema: Map<String, Value> = serde_json::from_value(
            json!({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}),
        )
        .expect("schema");
        Ok(ListToolsResult::with_all_items(vec![Tool::new("greet", "Greets someone by name.", Arc::new(schema))]))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        #[derive(serde::Deserialize)]
        struct Args {
            name: String,
        }
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let args: Args =
            serde_json::from_value(arguments).map_err(|error| ErrorData::invalid_params(error.to_string(), None))?;
        Ok(CallToolResult::success(vec![ContentBlock::text(format!("Hello, {}!", args.name))]).into())
    }
}

async fn serve_native(transport: &str) {
    if transport == "stdio" {
        // The same non-blocking pipes Berth uses: the fastest stdio rmcp has.
        let service = Native.serve(rmcp::transport::stdio_pipes()).await.expect("serve stdio");
        let _ = service.waiting().await;
        return;
    }
    let config = StreamableHttpServerConfig::default().disable_allowed_hosts();
    let service = StreamableHttpService::new(|| Ok(Native), Arc::new(LocalSessionManager::default()), config);
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(transport).await.expect("bind");
    // As Berth does: no delayed-ACK stall on the small writes of an answer.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router).await.expect("serve HTTP");
}
