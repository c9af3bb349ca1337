//! Hostile and broken plugins are contained: each fails cleanly, names the
//! limit or the reason, and the host keeps serving everything else.

use crate::support::{PluginsDir, Start, StdioHost, bundled, fixture, is_error, text};
use serde_json::json;

/// A short deadline keeps the runaway-loop test quick; it is still 150 epoch ticks.
const SETTINGS: &str = "[limits]\ncall_timeout_ms = 1500\n";

fn plugins() -> PluginsDir {
    PluginsDir::new()
        .with(&bundled("hello"), "hello.wasm")
        .with(&fixture("hostile"), "hostile.wasm")
        .with(&fixture("bad-import"), "bad-import.wasm")
        .with(&fixture("describe-trap"), "describe-trap.wasm")
        .with_bytes("corrupt.wasm", b"\0asm\x0d\0\x01\0 this is not really a component")
        .with_bytes("notes.txt", b"operators leave notes in odd places")
}

async fn start(dir: &PluginsDir) -> StdioHost {
    StdioHost::start(Start { plugins: Some(dir.path()), settings: Some(SETTINGS), ..Start::default() }).await
}

#[tokio::test]
async fn bad_files_are_refused_one_clear_error_each_and_the_rest_serve() {
    let dir = plugins();
    let host = start(&dir).await;
    let tools = host.tool_names().await;
    assert!(tools.contains(&"hello_greet".to_owned()), "{tools:?}");
    assert!(tools.contains(&"hostile_spin".to_owned()), "{tools:?}");
    assert!(
        tools.iter().all(|tool| !tool.starts_with("bad-import") && !tool.starts_with("describe-trap")),
        "{tools:?}"
    );

    let import = host.wait_for_log(&["ERROR", "bad-import.wasm", "test:extra/telepathy"]).await;
    assert!(import.contains("which Berth does not provide"), "{import}");
    host.wait_for_log(&[
        "ERROR",
        "describe-trap.wasm",
        "describe() or list-tools() failed",
        "describe() fails on purpose",
    ])
    .await;
    host.wait_for_log(&["ERROR", "corrupt.wasm", "does not compile"]).await;
    host.wait_for_log(&["ERROR", "notes.txt", "not a .wasm file"]).await;
    let errors = host.stderr().into_iter().filter(|line| line.contains("ERROR")).count();
    assert_eq!(errors, 4, "one error per bad file:\n{}", host.stderr().join("\n"));
    assert_eq!(text(&host.call_ok("hello_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
}

#[tokio::test]
async fn a_runaway_loop_hits_the_deadline_and_the_next_call_succeeds() {
    let dir = plugins();
    let host = start(&dir).await;
    let result = host.call_ok("hostile_spin", json!({})).await;
    assert!(is_error(&result));
    assert_eq!(text(&result), "the plugin exceeded its time limit of 1500 ms");
    assert_eq!(text(&host.call_ok("hostile_chatter", json!({})).await), "chattered");
    assert_eq!(text(&host.call_ok("hello_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
}

#[tokio::test]
async fn a_memory_bomb_hits_the_memory_limit_and_the_host_stays_up() {
    let dir = plugins();
    let host = start(&dir).await;
    for _ in 0..3 {
        let result = host.call_ok("hostile_hog", json!({})).await;
        assert!(is_error(&result));
        assert_eq!(text(&result), "the plugin exceeded its memory limit of 64 MiB");
    }
    assert_eq!(text(&host.call_ok("hello_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
}

#[tokio::test]
async fn oversized_output_is_refused_by_the_output_limit() {
    let dir = plugins();
    let host = start(&dir).await;
    let result = host.call_ok("hostile_flood", json!({})).await;
    assert!(is_error(&result));
    assert_eq!(text(&result), "the tool output exceeded the 4096 KiB output limit");
}

#[tokio::test]
async fn a_panic_is_reported_with_the_guests_message() {
    let dir = plugins();
    let host = start(&dir).await;
    let result = host.call_ok("hostile_crash", json!({})).await;
    assert!(is_error(&result));
    let message = text(&result);
    assert!(message.starts_with("the plugin crashed:"), "{message}");
    assert!(message.contains("panicked on purpose"), "{message}");
    assert_eq!(text(&host.call_ok("hostile_chatter", json!({})).await), "chattered");
}

#[tokio::test]
async fn guest_stdout_and_stderr_go_to_the_host_log_not_to_the_protocol() {
    let dir = plugins();
    let host = start(&dir).await;
    // The guest's output is logged, tagged with its stream; that nothing of
    // it reaches the protocol's stdout is checked line by line in stdio.rs.
    assert_eq!(text(&host.call_ok("hostile_chatter", json!({})).await), "chattered");
    host.wait_for_log(&["hostile says hello on stdout", "plugin=hostile", "stream=\"stdout\""]).await;
    host.wait_for_log(&["hostile says hello on stderr", "stream=\"stderr\""]).await;
    assert_eq!(text(&host.call_ok("hello_greet", json!({"name": "Ada"})).await), "Hello, Ada!");
}

#[tokio::test]
async fn wasi_gives_clocks_and_random_and_no_way_out() {
    let dir = plugins();
    let host = start(&dir).await;
    // A real listener, so a refused connect is the sandbox, not an empty port.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let escape = |result: rmcp::model::CallToolResult| -> serde_json::Value {
        assert!(!is_error(&result), "{}", text(&result));
        serde_json::from_str(&text(&result)).unwrap()
    };
    let report = escape(host.call_ok("hostile_escape", json!({"port": port})).await);
    assert_eq!(report["env"], 0, "no environment: {report}");
    assert_eq!(report["args"], 0, "no arguments: {report}");
    for way_out in ["list_root", "read_file", "write_file", "tcp_connect", "tcp_listen", "udp_bind", "name_lookup"] {
        let said = report[way_out].as_str().unwrap();
        assert!(said.starts_with("refused"), "{way_out} must be refused: {report}");
    }
    assert!(listener.accept().is_err(), "nothing connected to the listener");
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    assert!(report["unix_seconds"].as_u64().unwrap().abs_diff(now) < 60, "the wall clock works: {report}");
    assert!(report["monotonic_ms"].as_u64().unwrap() >= 5, "the monotonic clock and sleep work: {report}");
    let again = escape(host.call_ok("hostile_escape", json!({"port": port})).await);
    assert_ne!(report["random"], again["random"], "each fresh instance is seeded from real randomness");
}

#[tokio::test]
async fn hoarding_resource_handles_hits_the_handle_limit_and_the_next_call_succeeds() {
    let data = tempfile::tempdir().unwrap();
    crate::support::http::cli(data.path(), &["config", "set", "--tenant", "default", "probe", "upstream", "x:1"]);
    crate::support::http::cli_with_stdin(
        data.path(),
        &[
            "credential",
            "set",
            "--tenant",
            "default",
            "--plugin",
            "probe",
            "webhook-signing-key",
            "--scheme",
            "signing-key",
        ],
        "6b1c0e2f9a8d7c6b5a4f3e2d1c0b9a8f\n",
    );
    let dir = PluginsDir::new().with(&fixture("probe"), "probe.wasm");
    let host = StdioHost::start(Start::new(dir.path(), data.path(), "[limits]\nresource_handles = 64\n")).await;
    let hoard = |count: u32| host.call_ok("probe_hoard", json!({"name": "webhook-signing-key", "count": count}));
    assert_eq!(text(&hoard(10).await), "holding 10");
    let result = hoard(1_000).await;
    assert!(is_error(&result));
    assert_eq!(text(&result), "the plugin exceeded its limit of 64 resource handles");
    assert_eq!(text(&hoard(10).await), "holding 10", "the next call has a fresh table");
}
