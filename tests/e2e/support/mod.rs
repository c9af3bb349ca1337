//! Shared harness for the end-to-end tests: starts the real `berth` binary
//! as a child process and connects rmcp's real client to it over stdio.

use rmcp::model::{
    CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation, ProtocolVersion,
};
use rmcp::service::{RoleClient, RunningService, ServiceError};
use rmcp::transport::TokioChildProcess;
use rmcp::{ClientHandler, ServiceExt};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

/// The `berth` binary cargo built for these tests.
pub const BERTH: &str = env!("CARGO_BIN_EXE_berth");

/// The compile cache every host in this test run shares, so each component
/// is compiled once per run however many hosts load it (tests about the
/// cache itself pass their own `--compile-cache`).
pub const COMPILE_CACHE: &str = concat!(env!("CARGO_TARGET_TMPDIR"), "/compile-cache");

/// Settings that let a host reach the fake upstreams: loopback allowed, and
/// their certificate authority (written into `dir`) trusted.
pub fn fakes_settings(dir: &Path) -> String {
    let ca = dir.join("fakes-ca.pem");
    std::fs::write(&ca, berth_fakes::TestCa::get().pem()).expect("write the fakes' CA");
    format!("[egress]\nallow_loopback = true\ntrusted_ca_files = [{:?}]\n", ca.display().to_string())
}

/// A command running `berth`, sharing the run's compile cache.
pub fn berth() -> std::process::Command {
    static WARM: std::sync::Once = std::sync::Once::new();
    WARM.call_once(warm_compile_cache);
    let mut command = std::process::Command::new(BERTH);
    command.env("BERTH_COMPILE_CACHE", COMPILE_CACHE);
    command
}

/// Compiles every bundled and fixture component into the shared cache, one
/// at a time, before the first host starts. wasmtime's cache does not lock
/// across processes, so hosts started in parallel on a cold cache would
/// each compile the same component (seconds apiece for Python) at once.
fn warm_compile_cache() {
    let dirs = [env!("BERTH_BUNDLED_PLUGINS"), env!("BERTH_TEST_FIXTURES")];
    let components = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{dir}: {error}")))
        .map(|entry| entry.expect("list components").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wasm"));
    let data = tempfile::tempdir().expect("tempdir");
    for component in components {
        // Fixtures that are refused at load fail here too; their refusal is
        // what other tests check, so only the compiling matters.
        let _ = std::process::Command::new(BERTH)
            .env("BERTH_COMPILE_CACHE", COMPILE_CACHE)
            .args(["plugin", "inspect"])
            .arg(&component)
            .arg("--data")
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A component the build produced from `plugins/`.
pub fn bundled(name: &str) -> PathBuf {
    Path::new(env!("BERTH_BUNDLED_PLUGINS")).join(format!("{name}.wasm"))
}

/// A fixture component the build produced from `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("BERTH_TEST_FIXTURES")).join(format!("fixture-{name}.wasm"))
}

/// `bytes` with `from`, which must occur exactly once, replaced by `to` of
/// the same length: a new build of a fixture, still a valid component.
pub fn rewrite(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let at: Vec<usize> = bytes.windows(from.len()).enumerate().filter(|(_, w)| *w == from).map(|(i, _)| i).collect();
    assert_eq!(at.len(), 1, "{} must occur exactly once", String::from_utf8_lossy(from));
    let mut out = bytes.to_vec();
    out[at[0]..at[0] + to.len()].copy_from_slice(to);
    out
}

/// Replaces `path` the way a deploy tool does: write beside it, then rename.
pub fn replace_atomically(path: &Path, bytes: &[u8]) {
    let staged = path.with_extension("partial");
    std::fs::write(&staged, bytes).unwrap();
    std::fs::rename(&staged, path).unwrap();
}

/// The bytes of fixture `name` making the declaration `mode`: the fixture
/// reads its mode from a marker in its data segment
/// (`tests/fixtures/hostile-declarations`), which this rewrites.
pub fn fixture_variant(name: &str, mode: &str) -> Vec<u8> {
    const MARKER: &[u8] = b"berth-fixture-mode:";
    const MODE_BYTES: usize = 13;
    assert!(mode.len() <= MODE_BYTES, "mode `{mode}` is longer than {MODE_BYTES} bytes");
    let mut bytes = std::fs::read(fixture(name)).unwrap_or_else(|error| panic!("fixture {name}: {error}"));
    let at = bytes
        .windows(MARKER.len())
        .position(|window| window == MARKER)
        .unwrap_or_else(|| panic!("fixture {name} has no mode marker"))
        + MARKER.len();
    bytes[at..at + MODE_BYTES].copy_from_slice(format!("{mode:<MODE_BYTES$}").as_bytes());
    bytes
}

/// A plugins directory assembled for one test.
pub struct PluginsDir {
    dir: tempfile::TempDir,
}

impl PluginsDir {
    /// An empty directory.
    pub fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("tempdir") }
    }

    /// Copies `component` in as `file_name`.
    pub fn with(self, component: &Path, file_name: &str) -> Self {
        std::fs::copy(component, self.dir.path().join(file_name))
            .unwrap_or_else(|error| panic!("copy {}: {error}", component.display()));
        self
    }

    /// Writes raw `bytes` as `file_name`.
    pub fn with_bytes(self, file_name: &str, bytes: &[u8]) -> Self {
        std::fs::write(self.dir.path().join(file_name), bytes).expect("write plugin file");
        self
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// How to start a host.
pub struct Start<'a> {
    pub plugins: Option<&'a Path>,
    pub tenant: &'a str,
    pub data: Option<&'a Path>,
    pub settings: Option<&'a str>,
    pub protocol: ProtocolVersion,
}

impl<'a> Start<'a> {
    /// A host on the plugins in `plugins`, keeping its state in `data`, with
    /// `settings` (TOML); the rest as [`Start::default`].
    pub fn new(plugins: &'a Path, data: &'a Path, settings: &'a str) -> Self {
        Self { plugins: Some(plugins), data: Some(data), settings: Some(settings), ..Self::default() }
    }
}

impl Default for Start<'_> {
    fn default() -> Self {
        Self {
            plugins: None,
            tenant: "default",
            data: None,
            settings: None,
            protocol: ProtocolVersion::LATEST_WITH_INITIALIZE,
        }
    }
}

/// A running `berth serve --stdio` with a connected client.
pub struct StdioHost<H: ClientHandler = ClientConfig> {
    pub client: RunningService<RoleClient, H>,
    stderr: Arc<Mutex<Vec<String>>>,
    _dirs: Vec<tempfile::TempDir>,
}

impl StdioHost {
    /// Starts the host as described and completes the MCP handshake as a
    /// client that declares no capabilities.
    pub async fn start(options: Start<'_>) -> Self {
        let info = ClientConfig::new(ClientCapabilities::default(), Implementation::new("berth-e2e", "0.1.0"))
            .with_protocol_version(options.protocol.clone());
        Self::start_with(options, info).await
    }
}

impl<H: ClientHandler> StdioHost<H> {
    /// Starts the host as described and completes the MCP handshake with
    /// `client` as the client.
    pub async fn start_with(options: Start<'_>, client: H) -> Self {
        let mut dirs = Vec::new();
        let data = match options.data {
            Some(data) => data.to_owned(),
            None => {
                let dir = tempfile::tempdir().expect("tempdir");
                let path = dir.path().to_owned();
                dirs.push(dir);
                path
            }
        };
        let mut command = Command::from(berth());
        command.args(["serve", "--stdio", "--tenant", options.tenant, "--log", "info"]).arg("--data").arg(&data);
        if let Some(plugins) = options.plugins {
            command.arg("--plugins").arg(plugins);
        }
        if let Some(settings) = options.settings {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("berth.toml");
            std::fs::write(&path, settings).expect("write settings");
            command.arg("--config").arg(path);
            dirs.push(dir);
        }
        let (transport, stderr) =
            TokioChildProcess::builder(command).stderr(Stdio::piped()).spawn().expect("spawn berth");
        let lines = Arc::new(Mutex::new(Vec::new()));
        if let Some(stderr) = stderr {
            let lines = lines.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(stderr).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    lines.lock().unwrap().push(line);
                }
            });
        }
        let client = client
            .serve(transport)
            .await
            .unwrap_or_else(|error| panic!("initialize failed: {error}; stderr: {:?}", lines.lock().unwrap()));
        Self { client, stderr: lines, _dirs: dirs }
    }

    /// Calls `name` with `arguments` (a JSON object).
    pub async fn call(&self, name: &str, arguments: Value) -> Result<CallToolResult, ServiceError> {
        let arguments = match arguments {
            Value::Object(map) => map,
            other => panic!("arguments must be an object, got {other}"),
        };
        self.client.call_tool(CallToolRequestParams::new(name.to_owned()).with_arguments(arguments)).await
    }

    /// Calls `name` and returns the result, failing the test on a protocol error.
    pub async fn call_ok(&self, name: &str, arguments: Value) -> CallToolResult {
        self.call(name, arguments).await.unwrap_or_else(|error| panic!("{name}: {error}"))
    }

    /// Calls `name`, which must succeed; its JSON output: the structured
    /// content, else the text read as JSON.
    pub async fn call_json(&self, name: &str, arguments: Value) -> Value {
        let result = self.call_ok(name, arguments.clone()).await;
        assert!(!is_error(&result), "{name} {arguments} failed: {}", text(&result));
        result.structured_content.clone().unwrap_or_else(|| serde_json::from_str(&text(&result)).expect("JSON output"))
    }

    /// Calls `name`, which must fail with a tool error; its message.
    pub async fn call_refused(&self, name: &str, arguments: Value) -> String {
        let result = self.call_ok(name, arguments.clone()).await;
        assert!(is_error(&result), "{name} {arguments} should fail, got {}", text(&result));
        text(&result)
    }

    /// Names of the tools the host lists.
    pub async fn tool_names(&self) -> Vec<String> {
        self.client.list_all_tools().await.expect("tools/list").into_iter().map(|tool| tool.name.to_string()).collect()
    }

    /// Everything the host has written to stderr so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (up to 10 s) for a stderr line containing every part of `needles`.
    pub async fn wait_for_log(&self, needles: &[&str]) -> String {
        for _ in 0..200 {
            if let Some(line) =
                self.stderr().into_iter().find(|line| needles.iter().all(|needle| line.contains(needle)))
            {
                return line;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no log line contains {needles:?}; stderr:\n{}", self.stderr().join("\n"));
    }
}

/// The text of a result's content, joined.
pub fn text(result: &CallToolResult) -> String {
    result
        .content
        .iter()
        .filter_map(|content| content.as_text().map(|text| text.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a result is flagged as an error.
pub fn is_error(result: &CallToolResult) -> bool {
    result.is_error.unwrap_or(false)
}
pub mod adapters;
pub mod evil;
pub mod http;
pub mod probe;
pub mod upstream;

/// A client whose person answers every form elicitation by accepting it
/// with `content`, recording each question asked.
#[derive(Clone)]
pub struct Answering {
    /// What the person fills in.
    pub content: serde_json::Value,
    /// The questions asked, in order.
    pub asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Answering {
    /// A person who answers `content` to everything, recording into `asked`.
    pub fn with(content: serde_json::Value, asked: &std::sync::Arc<std::sync::Mutex<Vec<String>>>) -> Self {
        Self { content, asked: asked.clone() }
    }
}

impl rmcp::ClientHandler for Answering {
    fn get_info(&self) -> rmcp::model::ClientConfig {
        let capabilities = rmcp::model::ClientCapabilities::builder().enable_elicitation().build();
        rmcp::model::ClientConfig::new(capabilities, rmcp::model::Implementation::new("berth-e2e", "0.1.0"))
    }

    async fn create_elicitation(
        &self,
        request: rmcp::model::ElicitRequestParams,
        _: rmcp::service::RequestContext<rmcp::service::RoleClient>,
    ) -> Result<rmcp::model::ElicitResult, rmcp::ErrorData> {
        if let rmcp::model::ElicitRequestParams::FormElicitationParams { message, .. } = request {
            self.asked.lock().unwrap().push(message);
        }
        let mut answer = rmcp::model::ElicitResult::new(rmcp::model::ElicitationAction::Accept);
        answer.content = Some(self.content.clone());
        Ok(answer)
    }
}
