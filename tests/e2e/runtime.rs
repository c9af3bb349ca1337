//! The runtime as a library, with real components: per-tenant isolation of
//! state, and the guarantees of a fresh store per call.

use berth::runtime::bindings::types::{Content, ToolError};
use berth::runtime::{CallScope, EngineOptions, HostServices, Limits, LoadedPlugin, Runtime};
use std::sync::Arc;

async fn hello(runtime: &Runtime) -> LoadedPlugin {
    let bytes = std::fs::read(crate::support::bundled("hello")).unwrap();
    runtime.load(&bytes).await.expect("hello loads")
}

fn runtime() -> Runtime {
    Runtime::new(Limits::default(), EngineOptions::default(), HostServices::embedded()).unwrap()
}

async fn call(
    runtime: &Runtime,
    plugin: &LoadedPlugin,
    tenant: &str,
    tool: &str,
    arguments: &str,
) -> Result<String, ToolError> {
    let outcome = runtime.call(plugin, CallScope::tenant(tenant), tool, arguments).await.expect("no host failure");
    outcome.map(|result| match &result.content[0] {
        Content::Text(text) => text.clone(),
        other => panic!("unexpected content {other:?}"),
    })
}

#[tokio::test]
async fn what_one_tenant_remembers_another_cannot_recall() {
    let runtime = runtime();
    let plugin = hello(&runtime).await;
    call(&runtime, &plugin, "tenant-a", "remember", r#"{"key":"launch-code","value":"0000"}"#).await.unwrap();
    assert_eq!(call(&runtime, &plugin, "tenant-a", "recall", r#"{"key":"launch-code"}"#).await.unwrap(), "0000");
    let other = call(&runtime, &plugin, "tenant-b", "recall", r#"{"key":"launch-code"}"#).await;
    assert!(
        matches!(&other, Err(ToolError::NotFound(message)) if message == "nothing remembered under `launch-code`"),
        "{other:?}"
    );
}

#[tokio::test]
async fn describe_runs_without_grants_and_the_manifest_comes_through() {
    let runtime = runtime();
    let plugin = hello(&runtime).await;
    assert_eq!(plugin.name(), "hello");
    assert!(plugin.manifest.egress.is_empty());
    let names: Vec<&str> = plugin.tools.iter().map(|tool| tool.name.as_str()).collect();
    assert_eq!(names, ["greet", "remember", "recall", "fetch"]);
    assert_eq!(plugin.digest.len(), 64);
}

#[tokio::test]
async fn concurrent_calls_each_get_their_own_store() {
    let runtime = Arc::new(runtime());
    let plugin = Arc::new(hello(&runtime).await);
    let calls = (0..32).map(|index| {
        let (runtime, plugin) = (runtime.clone(), plugin.clone());
        tokio::spawn(async move {
            let greeting =
                call(&runtime, &plugin, &format!("t{}", index % 4), "greet", &format!(r#"{{"name":"n{index}"}}"#))
                    .await
                    .unwrap();
            assert_eq!(greeting, format!("Hello, n{index}!"));
        })
    });
    for handle in calls.collect::<Vec<_>>() {
        handle.await.unwrap();
    }
}
