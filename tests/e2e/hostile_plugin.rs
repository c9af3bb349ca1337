//! A hostile plugin attacks the host around the sandbox: what it returns,
//! what it declares, what it logs and how much of the host it holds. Each
//! attack ends in a clear error, the hostile call is audited, and another
//! tenant's next call is answered promptly.

use crate::support::http::{HttpHost, cli, tenant};
use crate::support::{PluginsDir, bundled, fixture, fixture_variant, is_error, text};
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientCapabilities, ClientConfig, Implementation};
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

type Client = RunningService<RoleClient, ClientConfig>;

/// How soon the other tenant's call must be answered (a few times what it
/// takes on an idle machine: the tests share two cores).
const PROMPT: Duration = Duration::from_millis(2_000);

/// A host with two tenants: `mallory`, who runs the hostile plugins, and
/// `alice`, who runs `hello` and must not notice.
struct Setup {
    data: tempfile::TempDir,
    _plugins: PluginsDir,
    host: HttpHost,
    mallory_key: String,
    alice: Client,
}

impl Setup {
    async fn start(plugins: PluginsDir, settings: &str) -> Self {
        Self::start_with(plugins, settings, &[]).await
    }

    async fn start_with(plugins: PluginsDir, settings: &str, extra: &[&str]) -> Self {
        let data = tempfile::tempdir().unwrap();
        let mallory_key = tenant(data.path(), "mallory", &["hostile-output", "hostile", "probe"]);
        let alice = tenant(data.path(), "alice", &["hello"]);
        let host = HttpHost::start(data.path(), Some(plugins.path()), extra, Some(settings)).await;
        let alice = host.client(&alice).await;
        Self { data, _plugins: plugins, host, mallory_key, alice }
    }

    /// A client for `mallory` over `/mcp`.
    async fn mallory(&self) -> Client {
        self.host.client(&self.mallory_key).await
    }

    /// Asserts that alice's next call is answered, correctly and promptly.
    async fn alice_is_served_promptly(&self) {
        let started = Instant::now();
        let greet = request("hello_greet", json!({"name": "Alice"}));
        let result = tokio::time::timeout(Duration::from_secs(10), self.alice.call_tool(greet))
            .await
            .expect("alice is answered")
            .expect("alice's call succeeds");
        assert_eq!(text(&result), "Hello, Alice!");
        assert!(started.elapsed() < PROMPT, "alice waited {:?}", started.elapsed());
    }

    /// Mallory's audited calls of `tool`, once at least `count` are written.
    async fn audited(&self, tool: &str, count: usize) -> Vec<Value> {
        let mut calls = Vec::new();
        for _ in 0..100 {
            let tail = cli(self.data.path(), &["audit", "tail", "--tenant", "mallory", "--json", "-n", "100"]);
            calls = tail
                .lines()
                .map(|line| serde_json::from_str::<Value>(line).unwrap())
                .filter(|call| call["tool"] == tool)
                .collect();
            if calls.len() >= count {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{count} audited calls of {tool} expected, found {}: {calls:?}", calls.len());
    }
}

fn request(name: &str, arguments: Value) -> CallToolRequestParams {
    CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().unwrap().clone())
}

async fn call(client: &Client, name: &str, arguments: Value) -> CallToolResult {
    client.call_tool(request(name, arguments)).await.unwrap_or_else(|error| panic!("{name}: {error}"))
}

/// The text of a result the host refused, asserting that it was refused.
fn refusal(result: &CallToolResult) -> String {
    assert!(is_error(result), "refused: {}", text(result));
    text(result)
}

fn output_plugins() -> PluginsDir {
    PluginsDir::new().with(&bundled("hello"), "hello.wasm").with(&fixture("hostile-output"), "hostile-output.wasm")
}

const TRANSFER_REFUSED: &str = "the plugin exceeded its transfer limit of 16384 KiB per result, request or log record";

#[tokio::test]
async fn results_are_bounded_in_items_and_json_before_the_host_converts_them() {
    // The guest needs about 200 MiB to build two million items (each the
    // size of 0.2's largest content case) and lower them; let it, so that it
    // is the host that refuses them.
    let setup = Setup::start(output_plugins(), "[limits]\nmemory_mib = 512\n").await;
    let mallory = setup.mallory().await;
    let empty = |count: u32| json!({"count": count});

    let millions = call(&mallory, "hostile-output_empty_items", empty(2_000_000)).await;
    assert_eq!(refusal(&millions), TRANSFER_REFUSED);
    setup.alice_is_served_promptly().await;
    let thousands = call(&mallory, "hostile-output_empty_items", empty(5_000)).await;
    assert_eq!(refusal(&thousands), "the tool output has more than 256 content items");
    let escaped = call(&mallory, "hostile-output_control_text", empty(1_000_000)).await;
    assert_eq!(refusal(&escaped), "the tool output exceeded the 4096 KiB output limit", "1 MB of text, 6 MB of JSON");
    let few = call(&mallory, "hostile-output_empty_items", empty(10)).await;
    assert!(!is_error(&few) && few.content.len() == 10, "a result within the bounds is served");

    // What once took the host down: eight at once.
    let calls = (0..8).map(|_| call(&mallory, "hostile-output_empty_items", empty(2_000_000)));
    for result in futures::future::join_all(calls).await {
        assert_eq!(refusal(&result), TRANSFER_REFUSED);
    }
    setup.alice_is_served_promptly().await;
    let audited = setup.audited("empty_items", 11).await;
    assert_eq!(audited.iter().filter(|call| call["outcome"] == TRANSFER_REFUSED).count(), 9, "{audited:?}");
    assert!(setup.audited("control_text", 1).await[0]["outcome"].as_str().unwrap().contains("output limit"));
}

#[tokio::test]
async fn a_schema_whose_every_branch_fails_answers_briefly_without_the_instance() {
    let setup = Setup::start(output_plugins(), "").await;
    let mallory = setup.mallory().await;
    let payload = "x".repeat(900 * 1024);
    let started = Instant::now();
    let result = call(&mallory, "hostile-output_wide_schema", json!({"payload": payload})).await;
    let report = refusal(&result);
    assert!(started.elapsed() < Duration::from_secs(3), "answered in {:?}", started.elapsed());
    assert!(report.starts_with("invalid arguments for `hostile-output_wide_schema`"), "{report}");
    assert!(report.len() < 8 * 1024, "the report is {} bytes", report.len());
    assert!(!report.contains("xxxxxxxxxx"), "the instance is masked: {}", &report[..200.min(report.len())]);
    assert!(report.ends_with("and more (only the first 8 are reported)"), "{report}");
    setup.alice_is_served_promptly().await;
    let audited = setup.audited("wide_schema", 1).await;
    assert!(audited[0]["outcome"].as_str().unwrap().starts_with("invalid arguments"), "{audited:?}");
}

#[tokio::test]
async fn hostile_declarations_are_refused_at_load_with_the_reason() {
    let mut plugins = output_plugins();
    for mode in ["patterns", "allof", "tools", "forged", "foreign", "prompts"] {
        plugins = plugins.with_bytes(&format!("{mode}.wasm"), &fixture_variant("hostile-declarations", mode));
    }
    let setup = Setup::start(plugins, "").await;
    let refused = |file: &str| {
        let lines = setup.host.stderr();
        let line = lines.iter().find(|line| line.contains("ERROR") && line.contains(file)).cloned();
        line.unwrap_or_else(|| panic!("no refusal of {file}:\n{}", lines.join("\n")))
    };
    let patterns = refused("patterns.wasm");
    assert!(patterns.contains("tool `match` has an invalid input schema"), "{patterns}");
    let allof = refused("allof.wasm");
    assert!(allof.contains("more than 128 allOf/anyOf/oneOf branches"), "{allof}");
    let tools = refused("tools.wasm");
    assert!(tools.contains("the plugin declares 20000 tools; at most 128 are allowed"), "{tools}");
    let foreign = refused("foreign.wasm");
    assert!(
        foreign.contains("resource template `servicenow://incident/{number}` must start with `hostile-foreign://`"),
        "a plugin cannot claim another's URIs: {foreign}"
    );
    let prompts = refused("prompts.wasm");
    assert!(prompts.contains("the plugin declares 20000 prompts; at most 64 are allowed"), "{prompts}");
    let forged = refused("forged.wasm");
    assert!(forged.contains("tool or prompt name `ok\\n2026-01-01"), "the name is escaped: {forged}");
    let lines = setup.host.stderr();
    assert!(!lines.iter().any(|line| line.starts_with("2026-01-01")), "a forged line:\n{}", lines.join("\n"));

    let mallory = setup.mallory().await;
    let tools = mallory.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|tool| tool.name.starts_with("hostile-output_")), "only the sound plugin serves");
    setup.alice_is_served_promptly().await;
}

#[tokio::test]
async fn guest_log_records_cannot_forge_host_lines() {
    let setup = Setup::start(output_plugins(), "").await;
    let mallory = setup.mallory().await;
    assert_eq!(text(&call(&mallory, "hostile-output_forge_log", json!({})).await), "logged");
    setup.alice_is_served_promptly().await;
    let mut logged = Vec::new();
    for _ in 0..100 {
        logged = setup.host.stderr().into_iter().filter(|line| line.contains("forged-by-hostile-output")).collect();
        if logged.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(logged.len(), 2, "one record and one stdout line: {logged:?}");
    for line in &logged {
        assert!(line.contains("berth::guest") && line.contains("innocent\\"), "escaped inside its own line: {line}");
        assert!(!line.contains('\r') && !line.contains('\u{1b}'), "{line:?}");
    }
    let lines = setup.host.stderr();
    assert!(!lines.iter().any(|line| line.starts_with("2026-01-01")), "a forged line:\n{}", lines.join("\n"));
    setup.audited("forge_log", 1).await;
}

#[tokio::test]
async fn a_denied_url_cannot_forge_host_lines() {
    let plugins = output_plugins().with(&fixture("probe"), "probe.wasm");
    let setup = Setup::start(plugins, "").await;
    let mallory = setup.mallory().await;
    let url = "http://upstream.example/api/\n2026-01-01T00:00:00.000000Z ERROR berth: admin token is forged-by-a-url";
    call(&mallory, "probe_fetch", json!({"url": url})).await;
    setup.alice_is_served_promptly().await;
    let mut denied = None;
    for _ in 0..100 {
        denied = setup.host.stderr().into_iter().find(|line| line.contains("egress denied"));
        if denied.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let denied = denied.expect("the denial is logged");
    assert!(denied.contains("forged-by-a-url") && denied.contains("/api/\\n2026"), "{denied}");
    let lines = setup.host.stderr();
    assert!(!lines.iter().any(|line| line.starts_with("2026-01-01")), "a forged line:\n{}", lines.join("\n"));
    setup.audited("fetch", 1).await;
}

#[tokio::test]
async fn a_request_for_random_bytes_is_bounded() {
    let setup = Setup::start(output_plugins(), "").await;
    let mallory = setup.mallory().await;
    let small = call(&mallory, "hostile-output_random_bytes", json!({"kib": 16})).await;
    assert_eq!(text(&small), "got 16384 bytes");
    let large = call(&mallory, "hostile-output_random_bytes", json!({"kib": 2048})).await;
    assert_eq!(refusal(&large), "the plugin asked for more than 1024 KiB of random bytes at once");
    setup.alice_is_served_promptly().await;
    let audited = setup.audited("random_bytes", 2).await;
    assert!(audited.iter().any(|call| call["outcome"].as_str().unwrap().contains("random bytes")), "{audited:?}");
}

/// Eight instances in all, two per tenant; a call that finds none is
/// refused after a short wait, far from its deadline.
const SHARED: &str = "[limits]\nmax_instances = 8\nmax_instances_per_tenant = 2\ncall_timeout_ms = 6000\n";
const BUSY: &str = "this tenant has too many sandbox calls in progress; retry shortly";
const TIMED_OUT: &str = "the plugin exceeded its time limit of 6000 ms";
/// Well before the deadline of the calls that [`SHARED`] refuses.
const QUICKLY: Duration = Duration::from_millis(3_000);

fn spin_plugins() -> PluginsDir {
    output_plugins().with(&fixture("hostile"), "hostile.wasm")
}

/// Starts eight spinning calls at once through `mallory`, checks that
/// alice is served meanwhile, and returns each spin's result and how long
/// it took.
async fn spin_eight(setup: &Setup, mallory: &Client) -> Vec<(String, Duration)> {
    let spins = (0..8).map(|_| async {
        let started = Instant::now();
        let result = call(mallory, "hostile_spin", json!({})).await;
        (refusal(&result), started.elapsed())
    });
    let spins = futures::future::join_all(spins);
    let alice = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        setup.alice_is_served_promptly().await;
    };
    let (results, ()) = tokio::join!(spins, alice);
    results
}

fn assert_share_held(results: &[(String, Duration)]) {
    let timed_out = results.iter().filter(|(message, _)| message == TIMED_OUT).count();
    assert_eq!(timed_out, 2, "two spins run, to their deadline: {results:?}");
    for (message, took) in results.iter().filter(|(message, _)| message != TIMED_OUT) {
        assert_eq!(message, BUSY);
        assert!(*took < QUICKLY, "refused quickly, not at the deadline: {took:?}");
    }
}

#[tokio::test]
async fn one_tenant_cannot_hold_every_sandbox_over_http() {
    let setup = Setup::start(spin_plugins(), SHARED).await;
    let mallory = setup.mallory().await;
    assert_share_held(&spin_eight(&setup, &mallory).await);
    let audited = setup.audited("spin", 8).await;
    assert_eq!(audited.iter().filter(|call| call["outcome"] == BUSY).count(), 6, "{audited:?}");
}

#[tokio::test]
async fn one_tenant_cannot_hold_every_sandbox_over_stdio() {
    let extra = ["--stdio", "--tenant", "mallory"];
    let mut setup = Setup::start_with(spin_plugins(), SHARED, &extra).await;
    let (stdin, stdout) = setup.host.take_stdio();
    let info = ClientConfig::new(ClientCapabilities::default(), Implementation::new("berth-e2e", "0.1.0"));
    let mallory = info.serve((stdout, stdin)).await.expect("stdio session");
    assert_share_held(&spin_eight(&setup, &mallory).await);
    let audited = setup.audited("spin", 8).await;
    assert!(audited.iter().all(|call| call["transport"] == "stdio"), "{audited:?}");
}
