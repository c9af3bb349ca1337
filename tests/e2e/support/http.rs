//! HTTP side of the harness: a `berth serve --http` child process, the
//! `berth` CLI for setting up tenants, rmcp's Streamable HTTP client, and a
//! small SSE reader for the legacy transport.

use super::berth;
use rmcp::model::{
    ClientCapabilities, ClientConfig, Implementation, ProtocolVersion, ResourceUpdatedNotificationParam,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, NotificationContext, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::{ClientHandler, ServiceExt};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};

/// An HTTP client for the tests. reqwest is built with rustls but no bundled
/// crypto provider (the host installs ring the same way).
///
/// Idle pooled connections are dropped after 5 s, before the host's
/// `header_read_timeout_ms` closes a kept-alive connection that sends no
/// next request: otherwise a request written on a connection the host is
/// closing at that instant fails to send (the usual keep-alive race, which
/// every client pooling longer than the server's idle timeout can meet).
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(5)).build().expect("the test client builds")
}

/// Runs `berth` with `args` against data dir `data` and returns its stdout.
pub fn cli(data: &Path, args: &[&str]) -> String {
    let output = berth().args(args).arg("--data").arg(data).output().expect("run berth");
    assert!(output.status.success(), "berth {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8 stdout")
}

/// Polls until `check` holds, failing after 30 s with `what`.
pub async fn eventually<F: AsyncFnMut() -> bool>(what: &str, check: F) {
    eventually_within(Duration::from_secs(30), what, check).await;
}

/// Polls until `check` holds, failing after `limit` with `what`: for a
/// promise of "within `limit`".
pub async fn eventually_within<F: AsyncFnMut() -> bool>(limit: Duration, what: &str, mut check: F) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Sends `method url` with `token` as the bearer and `body`; the status and
/// the JSON answer (`Null` if none): how the admin API is driven.
pub async fn admin(
    method: reqwest::Method,
    url: String,
    token: Option<&str>,
    body: Option<Vec<u8>>,
) -> (u16, serde_json::Value) {
    let mut request = client().request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(serde_json::Value::Null))
}

/// `berth audit tail --json` with `args`, once it shows at least `calls`
/// calls: a host commits audit rows in groups, within its flush interval
/// after the answer, so a row may land just after the client sees the reply.
pub async fn audit_tail(data: &Path, calls: usize, args: &[&str]) -> String {
    let args = [&["audit", "tail", "--json", "-n", "10000"], args].concat();
    let started = std::time::Instant::now();
    loop {
        let tail = cli(data, &args);
        if tail.lines().count() >= calls || started.elapsed() > Duration::from_secs(10) {
            return tail;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs `berth` with `args` against `data`, writing `stdin` to it (how
/// secrets reach the CLI); returns its stdout.
pub fn cli_with_stdin(data: &Path, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = berth()
        .args(args)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run berth");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    let output = child.wait_with_output().expect("wait for berth");
    assert!(output.status.success(), "berth {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8 stdout")
}

/// Registers `tenant`, enables `plugins` for it and returns its API key.
pub fn tenant(data: &Path, tenant: &str, plugins: &[&str]) -> String {
    let key = cli(data, &["tenant", "add", tenant]).trim().to_owned();
    for plugin in plugins {
        cli(data, &["tenant", "enable", tenant, plugin]);
    }
    key
}

/// A running `berth serve --http 127.0.0.1:0`. Its stdin stays open (and
/// its stdout is a pipe) until [`HttpHost::take_stdio`], so `--stdio` in the
/// extra arguments serves a session that only ends when the test says so.
pub struct HttpHost {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl HttpHost {
    /// Starts the host on `data` with `extra` arguments and, optionally, a
    /// settings file's text; waits until it listens.
    pub async fn start(data: &Path, plugins: Option<&Path>, extra: &[&str], settings: Option<&str>) -> Self {
        let mut command = tokio::process::Command::from(berth());
        command.args(["serve", "--http", "127.0.0.1:0", "--log", "info"]).arg("--data").arg(data).args(extra);
        if let Some(plugins) = plugins {
            command.arg("--plugins").arg(plugins);
        }
        if let Some(settings) = settings {
            let path = data.join("berth-test.toml");
            std::fs::write(&path, settings).expect("write settings");
            command.arg("--config").arg(path);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn berth");
        let stdin = child.stdin.take();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = tokio::sync::oneshot::channel();
        let reader = BufReader::new(child.stderr.take().expect("stderr"));
        tokio::spawn({
            let lines = lines.clone();
            async move {
                let mut reader = reader.lines();
                let mut address_tx = Some(address_tx);
                while let Ok(Some(line)) = reader.next_line().await {
                    if let Some(rest) = line.split("serving MCP on http://").nth(1) {
                        let address = rest.split('/').next().unwrap_or_default().to_owned();
                        if let Some(tx) = address_tx.take() {
                            let _ = tx.send(address);
                        }
                    }
                    lines.lock().unwrap().push(line);
                }
            }
        });
        let address = tokio::time::timeout(Duration::from_secs(60), address_rx)
            .await
            .unwrap_or_else(|_| panic!("berth did not start listening; stderr:\n{}", lines.lock().unwrap().join("\n")))
            .unwrap_or_else(|_| panic!("berth exited before listening; stderr:\n{}", lines.lock().unwrap().join("\n")));
        Self { child, stdin, base: format!("http://{address}"), stderr: lines }
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// rmcp's Streamable HTTP client, initialized at `/mcp` with `key`.
    pub async fn client(&self, key: &str) -> RunningService<RoleClient, ClientConfig> {
        HttpHostRef { base: self.base.clone() }.client(key).await
    }

    /// Like [`Self::client`], speaking `version`.
    pub async fn client_on(&self, key: &str, version: ProtocolVersion) -> RunningService<RoleClient, ClientConfig> {
        HttpHostRef { base: self.base.clone() }.client_on(key, version).await
    }

    /// The host's stdin and stdout, for a `--stdio` session.
    pub fn take_stdio(&mut self) -> (tokio::process::ChildStdin, tokio::process::ChildStdout) {
        (self.stdin.take().expect("stdin not taken yet"), self.child.stdout.take().expect("stdout not taken yet"))
    }

    /// Sends `signal` (`TERM`, `INT`) to the host.
    pub fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill").arg(format!("-{signal}")).arg(self.pid().to_string()).status();
        assert!(status.expect("run kill").success(), "kill -{signal}");
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Waits for the process to exit and returns its exit code.
    pub async fn wait(&mut self) -> Option<i32> {
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("berth exits")
            .expect("wait")
            .code()
    }

    /// Everything the host has logged so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }
}

/// The address of a running host, cheap to move into tasks.
pub struct HttpHostRef {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl HttpHostRef {
    /// rmcp's Streamable HTTP client, initialized at `/mcp` with `key`.
    pub async fn client(&self, key: &str) -> RunningService<RoleClient, ClientConfig> {
        self.client_on(key, ProtocolVersion::LATEST_WITH_INITIALIZE).await
    }

    /// Like [`Self::client`], speaking `version`.
    pub async fn client_on(&self, key: &str, version: ProtocolVersion) -> RunningService<RoleClient, ClientConfig> {
        let info = ClientConfig::new(ClientCapabilities::default(), Implementation::new("berth-e2e", "0.1.0"))
            .with_protocol_version(version);
        self.connect(key, info).await
    }

    /// rmcp's Streamable HTTP client with `handler` receiving what the
    /// server sends, initialized at `/mcp` with `key`.
    pub async fn connect<H: ClientHandler>(&self, key: &str, handler: H) -> RunningService<RoleClient, H> {
        handler.serve(self.transport(key)).await.unwrap_or_else(|error| panic!("initialize over /mcp failed: {error}"))
    }

    /// rmcp's client for MCP 2026-07-28 at `/mcp` with `key`: no session,
    /// `server/discover` first and the client's context in every request's
    /// `_meta`.
    pub async fn connect_sessionless<H: ClientHandler>(&self, key: &str, handler: H) -> RunningService<RoleClient, H> {
        let lifecycle = ClientLifecycleMode::Discover { preferred_versions: vec![ProtocolVersion::LATEST] };
        handler
            .serve_with_lifecycle(self.transport(key), lifecycle)
            .await
            .unwrap_or_else(|error| panic!("server/discover over /mcp failed: {error}"))
    }

    fn transport(&self, key: &str) -> StreamableHttpClientTransport<reqwest::Client> {
        let config = StreamableHttpClientTransportConfig::with_uri(format!("{}/mcp", self.base)).auth_header(key);
        StreamableHttpClientTransport::with_client(client(), config)
    }
}

/// A client that records the resource updates it hears.
#[derive(Clone, Default)]
pub struct Subscriber {
    updated: Arc<Mutex<Vec<String>>>,
}

impl ClientHandler for Subscriber {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(ClientCapabilities::default(), Implementation::new("berth-e2e", "0.1.0"))
    }

    async fn on_resource_updated(&self, params: ResourceUpdatedNotificationParam, _: NotificationContext<RoleClient>) {
        self.updated.lock().unwrap().push(params.uri);
    }
}

impl Subscriber {
    /// What it has heard, once it has heard `count` updates (or after 10 s).
    pub async fn heard(&self, count: usize) -> Vec<String> {
        for _ in 0..200 {
            if self.updated.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.updated.lock().unwrap().clone()
    }
}

/// A client handler that hears `notifications/{tools,prompts,resources}/list_changed`.
#[derive(Clone)]
pub struct ListChanged {
    changes: tokio::sync::mpsc::UnboundedSender<&'static str>,
}

impl ListChanged {
    /// A handler, and the receiver that gets the list's name (`tools`,
    /// `prompts`, `resources`) per notification.
    pub fn new() -> (Self, tokio::sync::mpsc::UnboundedReceiver<&'static str>) {
        let (changes, received) = tokio::sync::mpsc::unbounded_channel();
        (Self { changes }, received)
    }
}

impl ClientHandler for ListChanged {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(ClientCapabilities::default(), Implementation::new("berth-e2e", "0.1.0"))
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.changes.send("tools");
    }

    async fn on_prompt_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.changes.send("prompts");
    }

    async fn on_resource_list_changed(&self, _context: NotificationContext<RoleClient>) {
        let _ = self.changes.send("resources");
    }
}

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// `event:` field (`message` when absent).
    pub event: String,
    /// `data:` lines joined with `\n`.
    pub data: String,
}

/// What an SSE stream carries: an event, or a block of comment lines only
/// (a keep-alive), with the comments' text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseBlock {
    /// An event with data.
    Event(SseEvent),
    /// Only comment lines.
    Comment(String),
}

/// Reads events from an SSE response body, per the WHATWG parsing rules
/// that matter here: fields per line, blank line ends an event, comment
/// lines (`:`) are skipped, or returned by [`SseReader::next_block`].
pub struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    /// Reads from `response`.
    pub fn new(response: reqwest::Response) -> Self {
        Self { response, buffer: String::new() }
    }

    /// The next event, or `None` when the stream ends; fails the test after 20 s.
    pub async fn next(&mut self) -> Option<SseEvent> {
        loop {
            match self.next_block().await? {
                SseBlock::Event(event) => return Some(event),
                SseBlock::Comment(_) => continue,
            }
        }
    }

    /// The next event or comment block, or `None` when the stream ends;
    /// fails the test after 20 s.
    pub async fn next_block(&mut self) -> Option<SseBlock> {
        tokio::time::timeout(Duration::from_secs(20), self.next_inner()).await.expect("an SSE event within 20 s")
    }

    async fn next_inner(&mut self) -> Option<SseBlock> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = Vec::new();
                let mut comments = Vec::new();
                for line in block.lines() {
                    if let Some(comment) = line.strip_prefix(':') {
                        comments.push(comment.to_owned());
                        continue;
                    }
                    if line.is_empty() {
                        continue;
                    }
                    let (field, value) = line.split_once(':').unwrap_or((line, ""));
                    let value = value.strip_prefix(' ').unwrap_or(value);
                    match field {
                        "event" => event = value.to_owned(),
                        "data" => data.push(value.to_owned()),
                        _ => {}
                    }
                }
                if !data.is_empty() {
                    return Some(SseBlock::Event(SseEvent { event, data: data.join("\n") }));
                }
                if !comments.is_empty() {
                    return Some(SseBlock::Comment(comments.join("\n")));
                }
                continue;
            }
            let chunk = self.response.chunk().await.ok()??;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
        }
    }
}
