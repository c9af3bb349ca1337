//! The plugin lifecycle on a running host: hot swap under load through the
//! watched directory, the admin API and `berth plugin --server`, rollback,
//! unload, list_changed notifications, the compile cache and `/metrics`.

use crate::support::http::{HttpHost, HttpHostRef, ListChanged, admin, cli, client, eventually, tenant};
use crate::support::{
    PluginsDir, Start, StdioHost, berth, bundled, fixture, is_error, replace_atomically, rewrite, text,
};
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const ADMIN_TOKEN: &str = "admin-token-for-the-e2e-tests-0123456789";
const METRICS_TOKEN: &str = "metrics-token-for-the-e2e-tests-012345";

fn admin_settings() -> String {
    format!("[admin]\ntoken = \"{ADMIN_TOKEN}\"\nmetrics_token = \"{METRICS_TOKEN}\"\n")
}

/// The `versioned` fixture rebuilt as build `build`: its marker rewritten
/// in place, so it answers `version-marker-NNN` and has its own digest.
fn versioned(build: u32) -> Vec<u8> {
    rewrite(
        &std::fs::read(fixture("versioned")).unwrap(),
        b"version-marker-000",
        format!("version-marker-{build:03}").as_bytes(),
    )
}

async fn which(host: &HttpHostRef, key: &str) -> String {
    let client = host.client(key).await;
    let result = client.call_tool(CallToolRequestParams::new("versioned_which_build")).await.unwrap();
    assert!(!is_error(&result), "{result:?}");
    text(&result)
}

/// Runs `berth plugin ARGS --server URL` with the admin token; returns stdout.
fn plugin_cli(data: &Path, base: &str, args: &[&str]) -> String {
    let output = berth()
        .arg("plugin")
        .args(args)
        .args(["--server", base])
        .arg("--data")
        .arg(data)
        .env("BERTH_ADMIN_TOKEN", ADMIN_TOKEN)
        .output()
        .unwrap();
    assert!(output.status.success(), "berth plugin {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hot_swap_under_load_drops_no_call() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with_bytes("versioned.wasm", &versioned(0));
    let key = tenant(data.path(), "acme", &["versioned"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &[], None).await;
    let target = plugins.path().join("versioned.wasm");

    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for _ in 0..8 {
        let (stop, base, key) = (stop.clone(), host.base.clone(), key.clone());
        callers.push(tokio::spawn(async move {
            let client = HttpHostRef { base }.client(&key).await;
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                // A call the host lost would leave rmcp's client waiting
                // for ever: bound it, so that a loss fails here.
                let call = client.call_tool(CallToolRequestParams::new("versioned_which_build"));
                let result = tokio::time::timeout(Duration::from_secs(30), call).await;
                let result = result.expect("a call was answered within 30 s during a swap");
                let result = result.unwrap_or_else(|error| panic!("a call failed during a swap: {error:?}"));
                assert!(!is_error(&result), "a call failed during a swap: {result:?}");
                let build: u32 = text(&result).trim_start_matches("version-marker-").parse().unwrap();
                seen.push(build);
            }
            seen
        }));
    }
    let probe = HttpHostRef { base: host.base.clone() };
    for build in 1..=20 {
        // Half the swaps rename a finished file into place; half rewrite the
        // file in place, which the watcher sees as several writes.
        if build % 2 == 0 {
            replace_atomically(&target, &versioned(build));
        } else {
            std::fs::write(&target, versioned(build)).unwrap();
        }
        let expected = format!("version-marker-{build:03}");
        eventually(&format!("build {build} serves"), async || which(&probe, &key).await == expected).await;
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for caller in callers {
        let seen = caller.await.expect("no caller panicked");
        assert!(seen.windows(2).all(|pair| pair[0] <= pair[1]), "answers went back to an older build: {seen:?}");
        total += seen.len();
    }
    assert!(total >= 100, "the load was real: {total} calls");
    assert_eq!(which(&probe, &key).await, "version-marker-020");
}

#[tokio::test]
async fn broken_upgrades_are_refused_with_the_reason_and_the_old_version_keeps_serving() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with_bytes("versioned.wasm", &versioned(0));
    let key = tenant(data.path(), "acme", &["versioned"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&admin_settings())).await;
    let probe = HttpHostRef { base: host.base.clone() };
    let bad_tool_name = rewrite(&versioned(0), b"which_build", b"which-build");
    let cases: [(&str, Vec<u8>, &str); 4] = [
        ("garbage", b"not wasm at all".to_vec(), "not a WebAssembly component"),
        ("bad import", std::fs::read(fixture("bad-import")).unwrap(), "which Berth does not provide"),
        ("trapping describe", std::fs::read(fixture("describe-trap")).unwrap(), "describe() or list-tools() failed"),
        ("bad tool name", bad_tool_name.clone(), "which-build"),
    ];
    for (case, bytes, reason) in cases {
        let (status, body) =
            admin(reqwest::Method::POST, host.url("/admin/plugins"), Some(ADMIN_TOKEN), Some(bytes)).await;
        assert_eq!(status, 422, "{case}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(reason), "{case}: {error}");
        assert_eq!(which(&probe, &key).await, "version-marker-000", "{case}: the old version still serves");
    }

    // The same through the watched directory: the file is refused, the old
    // version keeps serving, and the next good file loads.
    std::fs::write(plugins.path().join("versioned.wasm"), &bad_tool_name).unwrap();
    eventually("the refusal is logged", async || {
        host.stderr().iter().any(|line| line.contains("plugin not loaded") && line.contains("which-build"))
    })
    .await;
    assert_eq!(which(&probe, &key).await, "version-marker-000");
    std::fs::write(plugins.path().join("versioned.wasm"), versioned(1)).unwrap();
    eventually("build 1 serves", async || which(&probe, &key).await == "version-marker-001").await;
}

/// The lists `changes` names, sorted, from the first (within 10 s) until
/// none follows for half a second.
async fn lists_changed(changes: &mut tokio::sync::mpsc::UnboundedReceiver<&'static str>) -> Vec<&'static str> {
    let first = tokio::time::timeout(Duration::from_secs(10), changes.recv()).await.expect("a list_changed arrives");
    let mut heard = vec![first.expect("the client is connected")];
    while let Ok(Some(list)) = tokio::time::timeout(Duration::from_millis(500), changes.recv()).await {
        heard.push(list);
    }
    heard.sort_unstable();
    heard
}

/// A client hears the lists a plugin change touches: `hello` brings tools,
/// a prompt and a resource, so loading or disabling it changes all three.
#[tokio::test]
async fn a_connected_client_hears_tools_list_changed_and_sees_the_new_tools() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with_bytes("versioned.wasm", &versioned(0));
    let key = tenant(data.path(), "acme", &["versioned", "hello"]);
    let other = tenant(data.path(), "globex", &["versioned"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&admin_settings())).await;
    let reference = HttpHostRef { base: host.base.clone() };
    let (handler, mut changes) = ListChanged::new();
    let session = reference.connect(&key, handler).await;
    let (bystander, mut bystander_changes) = ListChanged::new();
    let _bystander = reference.connect(&other, bystander).await;
    let names = async |session: &rmcp::service::RunningService<_, ListChanged>| -> Vec<String> {
        session.list_all_tools().await.unwrap().into_iter().map(|tool| tool.name.to_string()).collect()
    };
    assert_eq!(names(&session).await, ["versioned_which_build"]);

    let hello = std::fs::read(bundled("hello")).unwrap();
    let (status, body) = admin(reqwest::Method::POST, host.url("/admin/plugins"), Some(ADMIN_TOKEN), Some(hello)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["change"], "loaded");
    assert_eq!(lists_changed(&mut changes).await, ["prompts", "resources", "tools"]);
    assert!(names(&session).await.contains(&"hello_greet".to_owned()));
    // globex has not enabled hello: nothing changed for it.
    assert!(tokio::time::timeout(Duration::from_millis(500), bystander_changes.recv()).await.is_err());

    // Disabling a plugin for the tenant is a change to its list too.
    let url = host.url("/admin/tenants/acme/plugins/hello");
    assert_eq!(admin(reqwest::Method::DELETE, url, Some(ADMIN_TOKEN), None).await.0, 204);
    assert_eq!(lists_changed(&mut changes).await, ["prompts", "resources", "tools"]);
    assert_eq!(names(&session).await, ["versioned_which_build"]);
}

#[tokio::test]
async fn the_cli_loads_lists_rolls_back_and_unloads_on_a_running_host() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new();
    let key = tenant(data.path(), "acme", &["versioned"]);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&admin_settings())).await;
    let probe = HttpHostRef { base: host.base.clone() };
    let (v1, v2) = (data.path().join("v1.wasm"), data.path().join("v2.wasm"));
    std::fs::write(&v1, versioned(1)).unwrap();
    std::fs::write(&v2, versioned(2)).unwrap();

    let loaded = plugin_cli(data.path(), &host.base, &["load", v1.to_str().unwrap()]);
    assert!(loaded.starts_with("loaded versioned@1.0.0+001"), "{loaded}");
    assert_eq!(which(&probe, &key).await, "version-marker-001");
    let upgraded = plugin_cli(data.path(), &host.base, &["load", v2.to_str().unwrap()]);
    assert!(upgraded.starts_with("upgraded versioned@1.0.0+002"), "{upgraded}");
    assert_eq!(which(&probe, &key).await, "version-marker-002");

    let listed: Value = serde_json::from_str(&plugin_cli(data.path(), &host.base, &["list", "--json"])).unwrap();
    assert_eq!(listed[0]["name"], "versioned");
    assert_eq!(listed[0]["version"], "1.0.0+002");
    assert_eq!(listed[0]["tools"], json!(["which_build"]));
    assert_eq!(listed[0]["tenants"], json!(["acme"]));
    assert_eq!(listed[0]["digest"].as_str().unwrap().len(), 64);

    let rolled = plugin_cli(data.path(), &host.base, &["rollback", "versioned"]);
    assert!(rolled.contains("versioned@1.0.0+001"), "{rolled}");
    assert_eq!(which(&probe, &key).await, "version-marker-001");

    plugin_cli(data.path(), &host.base, &["unload", "versioned"]);
    let client = probe.client(&key).await;
    assert!(client.list_all_tools().await.unwrap().is_empty());
    let gone = client.call_tool(CallToolRequestParams::new("versioned_which_build")).await;
    assert!(gone.is_err(), "an unloaded plugin's tool is unknown");
    let (status, body) =
        admin(reqwest::Method::DELETE, host.url("/admin/plugins/versioned"), Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, 404, "{body}");

    // Rolling back an unload brings the last version back.
    plugin_cli(data.path(), &host.base, &["rollback", "versioned"]);
    assert_eq!(which(&probe, &key).await, "version-marker-001");
}

#[tokio::test]
async fn a_removed_file_unloads_its_plugin_and_the_choice_survives_a_restart() {
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with_bytes("versioned.wasm", &versioned(0)).with(&bundled("hello"), "hello.wasm");
    let key = tenant(data.path(), "acme", &["versioned", "hello"]);
    let settings = admin_settings();
    let mut host = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&settings)).await;
    let probe = HttpHostRef { base: host.base.clone() };
    std::fs::remove_file(plugins.path().join("hello.wasm")).unwrap();
    eventually("hello is unloaded", async || {
        probe.client(&key).await.list_all_tools().await.unwrap().iter().all(|tool| !tool.name.starts_with("hello_"))
    })
    .await;
    // A version loaded through the API outlives the restart, and is not
    // overridden by the older file still in the directory.
    let (status, _) =
        admin(reqwest::Method::POST, host.url("/admin/plugins"), Some(ADMIN_TOKEN), Some(versioned(5))).await;
    assert_eq!(status, 201);
    drop(host);

    host = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&settings)).await;
    let probe = HttpHostRef { base: host.base.clone() };
    assert_eq!(which(&probe, &key).await, "version-marker-005");
    let tools = probe.client(&key).await.list_all_tools().await.unwrap();
    assert!(tools.iter().all(|tool| !tool.name.starts_with("hello_")), "hello stays unloaded");
}

#[tokio::test]
async fn inspect_shows_the_manifest_without_registering_and_offline_load_serves_at_the_next_start() {
    let data = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = berth().arg("plugin").args(args).arg("--data").arg(data.path()).output().unwrap();
        assert!(output.status.success(), "berth plugin {args:?}: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8(output.stdout).unwrap()
    };
    let probe = fixture("probe");
    let inspected: Value = serde_json::from_str(&run(&["inspect", probe.to_str().unwrap(), "--json"])).unwrap();
    assert_eq!(inspected["name"], "probe");
    assert!(inspected["egress"].as_array().is_some_and(|rules| !rules.is_empty()), "{inspected}");
    assert!(inspected["config"].as_array().is_some_and(|keys| !keys.is_empty()), "{inspected}");
    assert!(inspected["tools"].as_array().is_some_and(|tools| !tools.is_empty()));
    let imports: Vec<&str> = inspected["imports"].as_array().unwrap().iter().map(|i| i.as_str().unwrap()).collect();
    assert!(imports.iter().any(|import| import.starts_with("berth:plugin/http")), "{imports:?}");
    let shown = run(&["inspect", probe.to_str().unwrap()]);
    assert!(shown.contains("egress:") && shown.contains("credentials:") && shown.contains("imports:"), "{shown}");
    assert_eq!(run(&["list"]), "", "inspect registers nothing");

    let hello = bundled("hello");
    let loaded = run(&["load", hello.to_str().unwrap()]);
    assert!(loaded.starts_with("registered hello@"), "{loaded}");
    assert!(run(&["list"]).starts_with("hello\t"));
    let key = tenant(data.path(), "acme", &["hello"]);
    let empty = PluginsDir::new();
    let host = HttpHost::start(data.path(), Some(empty.path()), &[], None).await;
    let result = host
        .client(&key)
        .await
        .call_tool(
            CallToolRequestParams::new("hello_greet")
                .with_arguments(json!({"name": "Ada"}).as_object().unwrap().clone()),
        )
        .await
        .unwrap();
    assert_eq!(text(&result), "Hello, Ada!");
}

#[test]
fn plugin_call_runs_a_tool_with_the_settings_given_on_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let servicenow = bundled("servicenow");
    // What a failed call says, on stderr; it must fail.
    let call = |extra: &[&str]| {
        let output = berth()
            .args(["plugin", "call", servicenow.to_str().unwrap(), "list_incidents"])
            .args(extra)
            .arg("--data")
            .arg(data.path())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{extra:?} must fail");
        String::from_utf8(output.stderr).unwrap()
    };
    let unset = call(&[]);
    assert!(unset.contains("config key `instance` is not set"), "{unset}");

    // A value the plugin rejects shows that `--set` reached its config.
    let set = call(&["--set", "instance=not/a-host", "--set", "page_size=5"]);
    assert!(set.contains("it is `not/a-host`"), "{set}");

    let malformed = call(&["--set", "instance"]);
    assert!(malformed.contains("--set must be KEY=VALUE"), "{malformed}");
}

/// The samples of a `/metrics` scrape, parsed by a Prometheus text parser.
async fn scrape(host: &HttpHost, token: &str) -> prometheus_parse::Scrape {
    let response = client().get(host.url("/metrics")).bearer_auth(token).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    for line in body.lines().filter(|line| !line.starts_with('#')) {
        let (_, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample line has a value: {line}"));
        value.parse::<f64>().unwrap_or_else(|_| panic!("a sample value is a number: {line}"));
    }
    prometheus_parse::Scrape::parse(body.lines().map(|line| Ok(line.to_owned()))).expect("parses as Prometheus text")
}

fn sample(scrape: &prometheus_parse::Scrape, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|sample| {
            sample.metric == name && labels.iter().all(|(key, value)| sample.labels.get(key) == Some(*value))
        })
        .map(|sample| match sample.value {
            prometheus_parse::Value::Counter(value)
            | prometheus_parse::Value::Gauge(value)
            | prometheus_parse::Value::Untyped(value) => value,
            _ => panic!("{name} is a plain sample"),
        })
}

#[tokio::test]
async fn metrics_count_calls_and_a_second_start_compiles_nothing() {
    let data = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&bundled("hello"), "hello.wasm").with_bytes("versioned.wasm", &versioned(0));
    let key = tenant(data.path(), "acme", &["hello", "versioned"]);
    let settings = admin_settings();
    let cache_arg = ["--compile-cache", cache.path().to_str().unwrap()];
    let host = HttpHost::start(data.path(), Some(plugins.path()), &cache_arg, Some(&settings)).await;

    let first = scrape(&host, METRICS_TOKEN).await;
    assert_eq!(sample(&first, "berth_compile_cache_misses_total", &[]), Some(2.0));
    assert_eq!(sample(&first, "berth_compile_cache_hits_total", &[]), Some(0.0));
    assert_eq!(sample(&first, "berth_plugins_loaded", &[]), Some(2.0));

    let session = host.client(&key).await;
    let greet = |name: &str| {
        CallToolRequestParams::new("hello_greet").with_arguments(json!({ "name": name }).as_object().unwrap().clone())
    };
    for name in ["Ada", "Grace", "Edsger"] {
        assert!(!is_error(&session.call_tool(greet(name)).await.unwrap()));
    }
    let bad = CallToolRequestParams::new("hello_greet").with_arguments(json!({"name": 7}).as_object().unwrap().clone());
    assert!(is_error(&session.call_tool(bad).await.unwrap()));
    let scraped = scrape(&host, ADMIN_TOKEN).await;
    let calls = |outcome| {
        sample(&scraped, "berth_tool_calls_total", &[("tenant", "acme"), ("tool", "greet"), ("outcome", outcome)])
    };
    assert_eq!(calls("ok"), Some(3.0));
    assert_eq!(calls("invalid_arguments"), Some(1.0));
    assert_eq!(sample(&scraped, "berth_tool_call_duration_seconds_count", &[("tool", "greet")]), Some(4.0));
    assert_eq!(sample(&scraped, "berth_plugin_info", &[("plugin", "versioned"), ("version", "1.0.0+000")]), Some(1.0));
    assert_eq!(sample(&scraped, "berth_instances_in_use", &[]), Some(0.0));
    assert_eq!(sample(&scraped, "berth_sessions", &[]), Some(1.0));
    drop(session);
    drop(host);

    let host = HttpHost::start(data.path(), Some(plugins.path()), &cache_arg, Some(&settings)).await;
    let second = scrape(&host, METRICS_TOKEN).await;
    assert_eq!(sample(&second, "berth_compile_cache_hits_total", &[]), Some(2.0), "every plugin came from the cache");
    assert_eq!(sample(&second, "berth_compile_cache_misses_total", &[]), Some(0.0));

    // A hot reload is counted too.
    std::fs::write(plugins.path().join("versioned.wasm"), versioned(1)).unwrap();
    eventually("the upgrade is counted", async || {
        let scraped = scrape(&host, METRICS_TOKEN).await;
        sample(&scraped, "berth_plugin_reloads_total", &[("plugin", "versioned"), ("event", "upgraded")]) == Some(1.0)
    })
    .await;
}

#[tokio::test]
async fn a_file_rewritten_in_place_while_the_host_was_down_serves_its_new_bytes() {
    let data = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with_bytes("versioned.wasm", &versioned(1));
    let key = tenant(data.path(), "acme", &["versioned"]);
    let cache_arg = ["--compile-cache", cache.path().to_str().unwrap()];
    // Settled: changed longer ago than the host trusts file times (2 s), so
    // this start remembers the file's digest instead of hashing it again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let host = HttpHost::start(data.path(), Some(plugins.path()), &cache_arg, None).await;
    assert_eq!(which(&HttpHostRef { base: host.base.clone() }, &key).await, "version-marker-001");
    let remembered = std::fs::read_dir(cache.path().join("files")).unwrap().count();
    assert_eq!(remembered, 1, "the start remembered the file's digest");
    drop(host);

    // The same size, inode and modification time (set back, as a copy
    // tool that keeps times would): only the bytes and the status-change
    // time differ.
    let path = plugins.path().join("versioned.wasm");
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    let mut file = std::fs::File::options().write(true).open(&path).unwrap();
    std::io::Write::write_all(&mut file, &versioned(2)).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), versioned(1).len() as u64);
    let host = HttpHost::start(data.path(), Some(plugins.path()), &cache_arg, None).await;
    assert_eq!(which(&HttpHostRef { base: host.base.clone() }, &key).await, "version-marker-002");
}

#[tokio::test]
async fn admin_routes_refuse_tenant_keys_and_wrong_tokens() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &[]);
    let plugins = PluginsDir::new();
    let host = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&admin_settings())).await;
    let get = async |path: &str, token: Option<&str>| admin(reqwest::Method::GET, host.url(path), token, None).await;

    let (status, body) = get("/admin/plugins", Some(&key)).await;
    assert_eq!(status, 403, "a tenant key is refused: {body}");
    assert!(body["error"].as_str().unwrap().contains("tenant API keys cannot use the admin API"));
    assert_eq!(get("/admin/plugins", None).await.0, 401);
    assert_eq!(get("/admin/plugins", Some("not-the-admin-token-at-all")).await.0, 401);
    assert_eq!(get("/admin/plugins", Some(METRICS_TOKEN)).await.0, 401, "the metrics token reads metrics only");
    assert_eq!(get("/metrics", Some(&key)).await.0, 403);
    assert_eq!(get("/metrics", None).await.0, 401);
    let (status, body) = get("/admin/plugins", Some(ADMIN_TOKEN)).await;
    assert_eq!((status, body), (200, json!([])));

    // A host without an admin token has the API switched off, and says so.
    let quiet_data = tempfile::tempdir().unwrap();
    let quiet = HttpHost::start(quiet_data.path(), Some(plugins.path()), &[], None).await;
    let (status, body) = admin(reqwest::Method::GET, quiet.url("/admin/plugins"), Some(ADMIN_TOKEN), None).await;
    assert_eq!(status, 403);
    assert!(body["error"].as_str().unwrap().contains("BERTH_ADMIN_TOKEN"), "{body}");
}

/// A stdio host on `dir` with its state in `data`, watching `dir`.
async fn stdio_host(dir: &Path, data: &Path) -> StdioHost {
    StdioHost::start(Start::new(dir, data, "")).await
}

#[tokio::test]
async fn an_impostor_file_never_takes_over_a_serving_plugin_name() {
    let dir = PluginsDir::new().with_bytes("versioned.wasm", &versioned(0));
    let data = tempfile::tempdir().unwrap();
    let host = stdio_host(dir.path(), data.path()).await;
    // Sorted first, and one version newer: the first in directory order.
    replace_atomically(&dir.path().join("a-impostor.wasm"), &versioned(1));
    let line = host.wait_for_log(&["a-impostor.wasm", "claimed by several files"]).await;
    assert!(line.contains("versioned.wasm"), "the conflict names both files: {line}");
    assert_eq!(text(&host.call_ok("versioned_which_build", json!({})).await), "version-marker-000");
    host.client.cancel().await.unwrap();

    // A restart with both files: the version that served keeps serving.
    let host = stdio_host(dir.path(), data.path()).await;
    assert_eq!(text(&host.call_ok("versioned_which_build", json!({})).await), "version-marker-000");
    host.wait_for_log(&["a-impostor.wasm", "claimed by several files"]).await;
    // Removing the impostor is all it takes; the other file stays as it is.
    std::fs::remove_file(dir.path().join("a-impostor.wasm")).unwrap();
    host.client.cancel().await.unwrap();
}

#[tokio::test]
async fn files_claiming_one_name_on_a_fresh_host_are_refused_together() {
    let dir = PluginsDir::new()
        .with_bytes("a.wasm", &versioned(1))
        .with_bytes("versioned.wasm", &versioned(0))
        .with(&bundled("hello"), "hello.wasm");
    let data = tempfile::tempdir().unwrap();
    let host = stdio_host(dir.path(), data.path()).await;
    let tools = host.tool_names().await;
    assert!(!tools.iter().any(|tool| tool.starts_with("versioned_")), "neither file serves: {tools:?}");
    assert!(tools.contains(&"hello_greet".to_owned()), "{tools:?}");
    let line = host.wait_for_log(&["claimed by several files"]).await;
    assert!(line.contains("a.wasm") && line.contains("versioned.wasm"), "{line}");
    // Once one file is gone, the other loads.
    std::fs::remove_file(dir.path().join("a.wasm")).unwrap();
    let mut served = false;
    for _ in 0..200 {
        served = host.tool_names().await.contains(&"versioned_which_build".to_owned());
        if served {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(served, "{}", host.stderr().join("\n"));
    assert_eq!(text(&host.call_ok("versioned_which_build", json!({})).await), "version-marker-000");
}

#[tokio::test]
async fn a_restart_with_another_plugins_directory_serves_it_and_says_what_no_longer_serves() {
    let data = tempfile::tempdir().unwrap();
    let first = PluginsDir::new().with_bytes("versioned.wasm", &versioned(0)).with(&bundled("hello"), "hello.wasm");
    let host = stdio_host(first.path(), data.path()).await;
    let tools = host.tool_names().await;
    assert!(tools.contains(&"versioned_which_build".to_owned()) && tools.contains(&"hello_greet".to_owned()));
    host.client.cancel().await.unwrap();

    // The first directory still exists, with its files.
    let second = PluginsDir::new().with(&bundled("hello"), "hello.wasm");
    let host = stdio_host(second.path(), data.path()).await;
    assert!(host.tool_names().await.contains(&"hello_greet".to_owned()), "the current directory wins");
    host.wait_for_log(&["hello", "the current one wins over the stored history"]).await;
    let line = host.wait_for_log(&["served before this restart and does not now"]).await;
    assert!(line.contains("versioned") && line.contains("not in the plugins directory"), "{line}");
}

/// What a plugin cached goes with it: unloaded and loaded again (or
/// upgraded, or rolled back), it starts with an empty cache, so a new
/// version never reads entries an old one wrote in another shape.
#[tokio::test]
async fn an_unloaded_plugin_leaves_nothing_in_the_cache() {
    let data = tempfile::tempdir().unwrap();
    let key = tenant(data.path(), "acme", &["hello"]);
    let host = HttpHost::start(data.path(), Some(PluginsDir::new().path()), &[], Some(&admin_settings())).await;
    let hello = std::fs::read(bundled("hello")).unwrap();
    let load = async || {
        let url = host.url("/admin/plugins");
        let (status, body) = admin(reqwest::Method::POST, url, Some(ADMIN_TOKEN), Some(hello.clone())).await;
        assert_eq!(status, 201, "{body}");
    };
    load().await;
    let client = HttpHostRef { base: host.base.clone() }.client(&key).await;
    let call = async |tool: &'static str, arguments: Value| {
        let request = CallToolRequestParams::new(tool).with_arguments(arguments.as_object().unwrap().clone());
        text(&client.call_tool(request).await.expect("call"))
    };
    call("hello_remember", json!({"key": "plan", "value": "kept"})).await;
    assert_eq!(call("hello_recall", json!({"key": "plan"})).await, "kept");
    let unloaded = admin(reqwest::Method::DELETE, host.url("/admin/plugins/hello"), Some(ADMIN_TOKEN), None).await;
    assert_eq!(unloaded.0, 200, "{}", unloaded.1);
    load().await;
    assert_eq!(call("hello_recall", json!({"key": "plan"})).await, "not found: nothing remembered under `plan`");
}

/// The hidden-text choice through the admin API: set for a tenant, shown by
/// `berth tenant list`; an unknown tenant is 404 and an unknown choice 400.
#[tokio::test]
async fn the_admin_api_sets_a_tenants_hidden_text_choice() {
    let data = tempfile::tempdir().unwrap();
    tenant(data.path(), "acme", &[]);
    let host = HttpHost::start(data.path(), Some(PluginsDir::new().path()), &[], Some(&admin_settings())).await;
    let put = async |path: &str| admin(reqwest::Method::PUT, host.url(path), Some(ADMIN_TOKEN), None).await;
    assert_eq!(put("/admin/tenants/acme/hidden-text/keep").await.0, 204);
    let listed = cli(data.path(), &["tenant", "list"]);
    assert!(listed.lines().any(|line| line.starts_with("acme\t") && line.ends_with("\thidden text: keep")), "{listed}");
    assert_eq!(put("/admin/tenants/nobody/hidden-text/keep").await.0, 404);
    let (status, body) = put("/admin/tenants/acme/hidden-text/maybe").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("`strip` or `keep`"), "{body}");
    assert_eq!(put("/admin/tenants/acme/hidden-text/strip").await.0, 204);
    assert!(cli(data.path(), &["tenant", "list"]).contains("\thidden text: strip"));
}
