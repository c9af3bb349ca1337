//! The same behavioural checks against the hello plugin written in each
//! language the project supports: Rust (`hello`, the reference), Python
//! (`hellopy`, componentize-py) and JavaScript (`hellojs`, jco on QuickJS).
//!
//! Every language runs [`keeps_the_hello_contract`] in its own host, next to
//! the Rust `hello` whose tool listing is the reference, so a plugin that
//! drifts from the original in its listing or its behaviour fails.

use crate::support::http::{HttpHost, tenant};
use crate::support::{PluginsDir, bundled, is_error, text};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, Tool};
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

/// The reference implementation.
const REFERENCE: &str = "hello";

type Client = RunningService<RoleClient, ClientConfig>;

#[tokio::test]
async fn rust_keeps_the_hello_contract() {
    keeps_the_hello_contract("hello").await;
}

#[tokio::test]
async fn python_keeps_the_hello_contract() {
    keeps_the_hello_contract("hellopy").await;
}

#[tokio::test]
async fn javascript_keeps_the_hello_contract() {
    keeps_the_hello_contract("hellojs").await;
}

/// One host serving `plugin` and the reference to two tenants, each with
/// its own API key and so its own cache.
struct Setup {
    host: HttpHost,
    alpha: Client,
    beta: Client,
    _data: tempfile::TempDir,
    _plugins: PluginsDir,
}

impl Setup {
    async fn start(plugin: &str) -> Self {
        let data = tempfile::tempdir().expect("tempdir");
        let plugins = [REFERENCE, plugin];
        let dir = plugins.iter().fold(PluginsDir::new(), |dir, name| dir.with(&bundled(name), &format!("{name}.wasm")));
        let alpha_key = tenant(data.path(), "alpha", &plugins);
        let beta_key = tenant(data.path(), "beta", &plugins);
        let host = HttpHost::start(data.path(), Some(dir.path()), &[], None).await;
        let alpha = host.client(&alpha_key).await;
        let beta = host.client(&beta_key).await;
        Self { host, alpha, beta, _data: data, _plugins: dir }
    }
}

/// Everything the Rust `hello` promises, checked against `plugin`.
async fn keeps_the_hello_contract(plugin: &str) {
    let setup = Setup::start(plugin).await;
    lists_the_same_tools_as_the_reference(&setup.alpha, plugin).await;
    greets_by_name(&setup.alpha, plugin).await;
    remembers_per_tenant_and_logs_it(&setup, plugin).await;
    reports_a_cache_refusal_as_invalid_arguments(&setup.alpha, plugin).await;
    reports_a_denied_request_as_a_typed_error(&setup.alpha, plugin).await;
    bad_arguments_name_the_field(&setup.alpha, plugin).await;
    serves_its_greeting_and_prompt(&setup.alpha, plugin).await;
}

/// The resource `{plugin}://greeting` and the prompt
/// `{plugin}_greet_someone`, as the reference serves them.
async fn serves_its_greeting_and_prompt(client: &Client, plugin: &str) {
    use rmcp::model::{GetPromptRequestParams, ReadResourceRequestParams, ResourceContents};
    let uri = format!("{plugin}://greeting");
    let resources = client.list_resources(None).await.expect("resources/list");
    assert!(resources.resources.iter().any(|resource| resource.uri == uri), "{resources:?}");
    let read = client.read_resource(ReadResourceRequestParams::new(uri.clone())).await.expect("resources/read");
    let ResourceContents::TextResourceContents { text, mime_type, .. } = &read.contents[0] else { panic!("{read:?}") };
    assert_eq!((text.as_str(), mime_type.as_deref()), ("Hello, world!", Some("text/plain")), "{plugin}");
    let unknown = client.read_resource(ReadResourceRequestParams::new(format!("{plugin}://nothing"))).await;
    assert!(unknown.is_err(), "{plugin}: an unknown resource is an error");

    let name = format!("{plugin}_greet_someone");
    let prompts = client.list_prompts(None).await.expect("prompts/list");
    let prompt = prompts.prompts.iter().find(|prompt| prompt.name == name).unwrap_or_else(|| panic!("{prompts:?}"));
    let arguments = prompt.arguments.as_deref().unwrap_or_default();
    assert_eq!((arguments[0].name.as_str(), arguments[0].required), ("name", Some(true)), "{plugin}");
    let arguments = json!({"name": "Ada"}).as_object().unwrap().clone();
    let built = client.get_prompt(GetPromptRequestParams::new(name).with_arguments(arguments)).await.expect("get");
    let messages = serde_json::to_value(&built.messages).unwrap();
    assert_eq!(messages.as_array().map(Vec::len), Some(1), "{plugin}: {messages}");
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[0]["content"]["text"], "Please greet Ada warmly.", "{plugin}");
    let unknown = client.get_prompt(GetPromptRequestParams::new(format!("{plugin}_nothing"))).await;
    assert!(unknown.is_err(), "{plugin}: an unknown prompt is an error");
}

/// Same tool names, titles, descriptions, input schemas and annotations as
/// the reference, once the plugin prefix is taken off.
async fn lists_the_same_tools_as_the_reference(client: &Client, plugin: &str) {
    let tools = client.list_all_tools().await.expect("tools/list");
    let reference = tools_of(&tools, REFERENCE);
    let names: Vec<&str> = reference.keys().map(String::as_str).collect();
    assert_eq!(names, ["fetch", "greet", "recall", "remember"], "the reference lists hello's tools");
    let listed = tools_of(&tools, plugin);
    for (name, expected) in &reference {
        let actual = listed.get(name).unwrap_or_else(|| panic!("{plugin} does not list `{name}`"));
        assert_eq!(actual, expected, "{plugin}_{name} differs from {REFERENCE}_{name}");
    }
    assert_eq!(listed.len(), reference.len(), "{plugin} lists other tools: {:?}", listed.keys());
}

/// `plugin`'s tools as JSON, keyed by their unprefixed names, without what
/// only names the implementation: the schema's `title` is the Rust struct's
/// name (`GreetArgs`), which a hand-written schema has no reason to repeat.
fn tools_of(tools: &[Tool], plugin: &str) -> BTreeMap<String, Value> {
    let prefix = format!("{plugin}_");
    tools
        .iter()
        .filter_map(|tool| {
            let name = tool.name.strip_prefix(&prefix)?.to_owned();
            let mut json = serde_json::to_value(tool).expect("a tool serializes");
            json["name"] = Value::String(name.clone());
            json["inputSchema"].as_object_mut().expect("an object schema").remove("title");
            Some((name, json))
        })
        .collect()
}

async fn greets_by_name(client: &Client, plugin: &str) {
    let result = call(client, plugin, "greet", json!({"name": "Ada"})).await;
    assert!(!is_error(&result), "{plugin}: {result:?}");
    assert_eq!(text(&result), "Hello, Ada!", "{plugin}");
    // Non-ASCII text survives each language's string conversions.
    let result = call(client, plugin, "greet", json!({"name": "Zoë 🚢"})).await;
    assert_eq!(text(&result), "Hello, Zoë 🚢!", "{plugin}");
}

/// What one tenant remembers, another never sees; `remember` logs through
/// the host.
async fn remembers_per_tenant_and_logs_it(setup: &Setup, plugin: &str) {
    let remembered = call(&setup.alpha, plugin, "remember", json!({"key": "plan", "value": "alpha's plan ✓"})).await;
    assert!(!is_error(&remembered), "{plugin}: {remembered:?}");
    assert_eq!(text(&remembered), "Remembered `plan`.", "{plugin}");

    let elsewhere = call(&setup.beta, plugin, "recall", json!({"key": "plan"})).await;
    assert!(is_error(&elsewhere), "{plugin}: beta must not see alpha's value: {elsewhere:?}");
    assert_eq!(text(&elsewhere), "not found: nothing remembered under `plan`", "{plugin}");

    let recalled = call(&setup.alpha, plugin, "recall", json!({"key": "plan"})).await;
    assert!(!is_error(&recalled), "{plugin}: {recalled:?}");
    assert_eq!(text(&recalled), "alpha's plan ✓", "{plugin}");

    let plugin_field = format!("plugin=\"{plugin}\"");
    let needles = ["berth::guest: remembered `plan`", "tenant=\"alpha\"", &plugin_field, "tool=\"remember\""];
    wait_for_log(&setup.host, &needles).await;
}

/// The host refuses a key over its 1024-byte limit; the plugin turns the
/// cache's error into the same tool error as the Rust SDK.
async fn reports_a_cache_refusal_as_invalid_arguments(client: &Client, plugin: &str) {
    let key = "k".repeat(1025);
    let result = call(client, plugin, "remember", json!({"key": key, "value": "v"})).await;
    assert!(is_error(&result), "{plugin}");
    // The message quotes the key; shorten it so a failure stays readable.
    let message = text(&result).replace(&key, "k…k");
    assert_eq!(message, "invalid arguments: cannot remember `k…k`: CacheError::TooLarge(1024)", "{plugin}");
}

/// None of the hello plugins declares egress, so the host denies `fetch` and
/// the plugin passes the denial on as a `denied` tool error.
async fn reports_a_denied_request_as_a_typed_error(client: &Client, plugin: &str) {
    let result = call(client, plugin, "fetch", json!({"url": "https://example.com/"})).await;
    assert!(is_error(&result), "{plugin}: {result:?}");
    assert_eq!(
        text(&result),
        format!("denied: plugin `{plugin}` declares no egress, so `https://example.com/` is not allowed")
    );
}

/// The host validates arguments against each plugin's schema before the
/// plugin runs, so the schemas must agree on types, required fields and
/// extra fields.
async fn bad_arguments_name_the_field(client: &Client, plugin: &str) {
    let wrong_type = call(client, plugin, "greet", json!({"name": 42})).await;
    assert!(is_error(&wrong_type), "{plugin}: {wrong_type:?}");
    assert!(text(&wrong_type).contains("`name`"), "{plugin}: {}", text(&wrong_type));

    let missing = call(client, plugin, "remember", json!({"key": "plan"})).await;
    assert!(is_error(&missing), "{plugin}: {missing:?}");
    assert!(text(&missing).contains("\"value\" is a required property"), "{plugin}: {}", text(&missing));

    let extra = call(client, plugin, "recall", json!({"key": "plan", "shout": true})).await;
    assert!(is_error(&extra), "{plugin}: {extra:?}");
    assert!(text(&extra).contains("shout"), "{plugin}: {}", text(&extra));
}

/// Calls `{plugin}_{tool}`, failing the test on a protocol error.
async fn call(client: &Client, plugin: &str, tool: &str, arguments: Value) -> CallToolResult {
    let Value::Object(arguments) = arguments else { panic!("arguments must be an object") };
    let request = CallToolRequestParams::new(format!("{plugin}_{tool}")).with_arguments(arguments);
    client.call_tool(request).await.unwrap_or_else(|error| panic!("{plugin}_{tool}: {error}"))
}

/// Waits (up to 10 s) for a host log line containing every one of `needles`.
async fn wait_for_log(host: &HttpHost, needles: &[&str]) {
    for _ in 0..200 {
        if host.stderr().iter().any(|line| needles.iter().all(|needle| line.contains(needle))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no log line contains {needles:?}; stderr:\n{}", host.stderr().join("\n"));
}

/// The JavaScript SDK's and the Zendesk adapter's own unit tests (mapping
/// tables, query building, errors, the SDK's value conventions), run by
/// Node's test runner against the SDK's fake host.
#[test]
fn javascript_unit_tests_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
    let output = std::process::Command::new("node")
        .arg("--test")
        .args(["sdk/js/tests/", "plugins/zendesk/tests/"])
        .current_dir(root)
        .output()
        .expect("run node --test (Node.js is a build requirement)");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "node --test failed:\n{report}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(report.contains("# fail 0") && !report.contains("# pass 0"), "{report}");
}

/// The Python SDK's and the OpsRamp adapter's own unit tests (typed tools,
/// the capabilities over the fake host, the mapping tables, query building,
/// errors), run by `python3 -m unittest` against the SDK's fake host.
#[test]
fn python_unit_tests_pass() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
    for dir in ["sdk/python", "plugins/opsramp"] {
        let output = std::process::Command::new("python3")
            .args(["-m", "unittest", "discover", "-s", "tests", "-t", "."])
            .current_dir(root.join(dir))
            // Keep the source tree free of `__pycache__`.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .output()
            .expect("run python3 -m unittest (Python 3 is a build requirement)");
        let report = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{dir}: python3 -m unittest failed:\n{report}");
        assert!(report.contains("\nOK") && !report.contains("Ran 0 tests"), "{dir}: {report}");
    }
}
