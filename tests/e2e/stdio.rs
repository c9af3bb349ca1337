//! The `berth` binary over stdio, driven by rmcp's client: listing, calling,
//! argument validation, protocol versions and what stdout may carry.

use crate::support::{Start, StdioHost, is_error, text};
use rmcp::model::ProtocolVersion;
use serde_json::json;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;

#[tokio::test]
async fn bundled_hello_greets_by_name() {
    let host = StdioHost::start(Start::default()).await;
    let tools = host.client.list_all_tools().await.unwrap();
    let greet = tools.iter().find(|tool| tool.name == "hello_greet").expect("hello_greet is listed");
    assert_eq!(greet.description.as_deref(), Some("Greets someone by name."));
    assert_eq!(greet.input_schema.get("type"), Some(&json!("object")));
    assert_eq!(greet.input_schema["required"], json!(["name"]));
    let annotations = greet.annotations.as_ref().expect("annotations pass through");
    assert_eq!(annotations.read_only_hint, Some(true));
    assert_eq!(annotations.destructive_hint, Some(false));
    let remember = tools.iter().find(|tool| tool.name == "hello_remember").unwrap();
    assert_eq!(remember.annotations.as_ref().unwrap().read_only_hint, Some(false));

    let result = host.call_ok("hello_greet", json!({"name": "Ada"})).await;
    assert!(!is_error(&result));
    assert_eq!(text(&result), "Hello, Ada!");
}

#[tokio::test]
async fn bad_arguments_name_the_field_before_the_guest_runs() {
    let host = StdioHost::start(Start::default()).await;
    let wrong_type = host.call_ok("hello_greet", json!({"name": 42})).await;
    assert!(is_error(&wrong_type));
    assert!(text(&wrong_type).contains("`name`"), "{}", text(&wrong_type));

    let missing = host.call_ok("hello_greet", json!({})).await;
    assert!(is_error(&missing));
    assert!(text(&missing).contains("\"name\" is a required property"), "{}", text(&missing));

    let extra = host.call_ok("hello_greet", json!({"name": "Ada", "shout": true})).await;
    assert!(is_error(&extra));
    assert!(text(&extra).contains("shout"), "{}", text(&extra));
    // The guest never ran: no tool-call log line names hello_greet as failed in the guest.
    assert!(host.stderr().iter().all(|line| !line.contains("plugin crashed")));
}

#[tokio::test]
async fn unknown_tools_are_json_rpc_errors() {
    let host = StdioHost::start(Start::default()).await;
    for name in ["nope_greet", "hello_nope", "hello", ""] {
        let error = host.call(name, json!({})).await.expect_err("unknown tool must be a protocol error");
        let message = error.to_string();
        assert!(message.contains("unknown tool"), "{name}: {message}");
        assert!(message.contains("-32602"), "invalid params code for {name}: {message}");
    }
    // The session survives and still serves.
    assert_eq!(text(&host.call_ok("hello_greet", json!({"name": "Bo"})).await), "Hello, Bo!");
}

#[tokio::test]
async fn guest_errors_become_tool_errors_with_the_guests_message() {
    let host = StdioHost::start(Start::default()).await;
    let result = host.call_ok("hello_recall", json!({"key": "never-set"})).await;
    assert!(is_error(&result));
    assert_eq!(text(&result), "not found: nothing remembered under `never-set`");
}

#[tokio::test]
async fn a_denied_request_is_a_typed_error_the_agent_can_read() {
    let host = StdioHost::start(Start::default()).await;
    let result = host.call_ok("hello_fetch", json!({"url": "https://example.com/"})).await;
    assert!(is_error(&result));
    assert_eq!(text(&result), "denied: plugin `hello` declares no egress, so `https://example.com/` is not allowed");
}

#[tokio::test]
async fn every_protocol_version_with_a_handshake_initializes() {
    let versions = [
        ProtocolVersion::V_2024_11_05,
        ProtocolVersion::V_2025_03_26,
        ProtocolVersion::V_2025_06_18,
        ProtocolVersion::V_2025_11_25,
        ProtocolVersion::LATEST_WITH_INITIALIZE,
    ];
    for version in versions {
        let host = StdioHost::start(Start { protocol: version.clone(), ..Start::default() }).await;
        let negotiated = host.client.peer_info().expect("server info").protocol_version.clone();
        assert_eq!(negotiated, version, "the server speaks the client's version");
        assert!(host.tool_names().await.contains(&"hello_greet".to_owned()));
    }
}

#[tokio::test]
async fn the_newest_protocol_without_a_handshake_is_served() {
    let host = StdioHost::start(Start { protocol: ProtocolVersion::LATEST, ..Start::default() }).await;
    assert!(host.tool_names().await.contains(&"hello_greet".to_owned()));
    assert_eq!(text(&host.call_ok("hello_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
}

/// Raw JSON-RPC over the child's pipes, for what a well-behaved client never sends.
struct RawSession {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    /// The child's stdout, line by line, read on a thread of its own so
    /// that a missing answer fails the test instead of hanging it.
    lines: std::sync::mpsc::Receiver<String>,
    _data: tempfile::TempDir,
}

/// How long a raw session waits for the host's next line.
const LINE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl RawSession {
    /// A host on the bundled plugins.
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// A host given `extra` arguments.
    fn start_with(extra: &[&std::ffi::OsStr]) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mut child = crate::support::berth()
            .args(["serve", "--stdio"])
            .arg("--data")
            .arg(data.path())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, stdin, lines, _data: data }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    /// Initializes the session.
    fn handshake(&mut self) {
        self.send(r#"{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#);
        assert_eq!(self.receive()["id"], json!("init"));
        self.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    }

    /// Calls `tool` with `arguments` (JSON text) as request `id` and returns the answer.
    fn call(&mut self, id: u32, tool: &str, arguments: &str) -> serde_json::Value {
        self.send(&format!(
            r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#
        ));
        let answer = self.receive();
        assert_eq!(answer["id"], json!(id), "{answer}");
        answer
    }

    /// The next line on stdout, which must be one JSON-RPC message and come
    /// within [`LINE_TIMEOUT`].
    fn receive(&mut self) -> serde_json::Value {
        let line = self.lines.recv_timeout(LINE_TIMEOUT).expect("the host answers in time, on an open stdout");
        serde_json::from_str(&line)
            .unwrap_or_else(|error| panic!("stdout carried a non-JSON-RPC line {line:?}: {error}"))
    }
}

impl Drop for RawSession {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_request_before_initialize_gets_an_error_not_silence() {
    let mut session = RawSession::start();
    session.send(r#"{"jsonrpc":"2.0","id":7,"method":"tools/list"}"#);
    let answer = session.receive();
    assert_eq!(answer["id"], json!(7));
    assert!(answer["error"]["code"].is_i64(), "{answer}");

    // Garbage is answered with a parse error, and a real handshake still
    // works afterwards.
    session.send("this is not json");
    let answer = session.receive();
    assert_eq!((&answer["error"]["code"], &answer["id"]), (&json!(-32700), &json!(null)), "{answer}");
    session.send(r#"{"jsonrpc":"2.0","id":8,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}"#);
    let answer = session.receive();
    assert_eq!(answer["id"], json!(8));
    assert_eq!(answer["result"]["protocolVersion"], json!("2025-06-18"));
    session.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    let answer = session.call(9, "hello_greet", r#"{"name":"Raw"}"#);
    assert_eq!(answer["result"]["content"][0]["text"], json!("Hello, Raw!"));
}

#[test]
fn a_notification_before_initialize_is_ignored_and_the_session_goes_on() {
    let mut session = RawSession::start();
    session.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    session.send(r#"{"jsonrpc":"2.0","id":"stray","result":{}}"#);
    session.handshake();
    let answer = session.call(1, "hello_greet", r#"{"name":"Early"}"#);
    assert_eq!(answer["result"]["content"][0]["text"], json!("Hello, Early!"));
}

#[test]
fn log_records_come_before_their_result() {
    let plugins = crate::support::PluginsDir::new().with(&crate::support::fixture("conformance"), "test.wasm");
    let mut session = RawSession::start_with(&["--plugins".as_ref(), plugins.path().as_os_str()]);
    session.handshake();
    let records_then_result = |session: &mut RawSession, id: u32| {
        for message in ["Tool execution started", "Tool processing data", "Tool execution completed"] {
            let notification = session.receive();
            assert_eq!(notification["method"], json!("notifications/message"), "{notification}");
            assert_eq!(notification["params"], json!({"level": "info", "logger": "test", "data": message}));
        }
        assert_eq!(session.receive()["id"], json!(id));
    };
    // A 2026-07-28 request asks for its own records in `_meta`; the next
    // one, asking for nothing, gets none.
    session.send(
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"test_tool_with_logging","_meta":{"io.modelcontextprotocol/logLevel":"info"}}}"#,
    );
    records_then_result(&mut session, 1);
    assert_eq!(session.call(2, "test_tool_with_logging", "{}")["result"]["isError"], json!(false));
    session.send(r#"{"jsonrpc":"2.0","id":"level","method":"logging/setLevel","params":{"level":"debug"}}"#);
    assert_eq!(session.receive(), json!({"jsonrpc": "2.0", "id": "level", "result": {}}));
    session.send(r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"test_tool_with_logging"}}"#);
    records_then_result(&mut session, 3);
}

#[test]
fn guest_output_never_reaches_stdout() {
    let plugins = crate::support::PluginsDir::new().with(&crate::support::fixture("hostile"), "hostile.wasm");
    let mut session = RawSession::start_with(&["--plugins".as_ref(), plugins.path().as_os_str()]);
    session.handshake();
    // The guest prints a line to its stdout; the next line on ours must
    // still be the JSON-RPC answer (`receive` fails on anything else).
    let answer = session.call(1, "hostile_chatter", "{}");
    assert_eq!(answer["result"]["content"][0]["text"], json!("chattered"));
    let answer = session.call(2, "hostile_chatter", "{}");
    assert_eq!(answer["result"]["content"][0]["text"], json!("chattered"));
}

#[tokio::test]
async fn relative_data_and_cache_directories_are_taken_from_the_working_directory() {
    use rmcp::ServiceExt;
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir(work.path().join("plugins")).unwrap();
    std::fs::copy(crate::support::bundled("hello"), work.path().join("plugins/hello.wasm")).unwrap();
    let mut command = tokio::process::Command::from(crate::support::berth());
    command
        .current_dir(work.path())
        .args(["serve", "--stdio", "--tenant", "dev", "--data", "state", "--compile-cache", "cache"])
        .args(["--plugins", "plugins"])
        .stderr(Stdio::null());
    let transport = rmcp::transport::TokioChildProcess::new(command).unwrap();
    let client = ().serve(transport).await.expect("initializes");
    let arguments = json!({"name": "Ada"}).as_object().unwrap().clone();
    let result = client
        .call_tool(rmcp::model::CallToolRequestParams::new("hello_greet").with_arguments(arguments))
        .await
        .unwrap();
    assert_eq!(text(&result), "Hello, Ada!");
    client.cancel().await.unwrap();
    assert!(work.path().join("state").is_dir(), "the data directory is made under the working directory");
    let cached = walk_files(&work.path().join("cache"));
    assert!(cached > 0, "the compiled component is cached under the working directory");
}

fn walk_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries.flatten().map(|entry| if entry.path().is_dir() { walk_files(&entry.path()) } else { 1 }).sum()
    })
}
