//! `berth db migrate --to postgres://…`: an embedded deployment moves into
//! a real, private PostgreSQL and serves from there, from a host with an
//! empty data directory of its own, with nothing lost: the tenant and its
//! key, its settings, its sealed credential (opened with the same master
//! key), the plugin registered through the CLI with its component, and
//! the audit log. A second run copies nothing.

use crate::support::http::{HttpHost, audit_tail, cli, cli_with_stdin, tenant};
use crate::support::upstream::{BEARER_TOKEN, FakeUpstream};
use crate::support::{PluginsDir, fixture, text};
use berth_test_servers::PostgresServer;
use rmcp::model::CallToolRequestParams;
use serde_json::{Value, json};

const ALLOW_LOOPBACK: &str = "[egress]\nallow_loopback = true\n";

/// Calls the probe's account endpoint with the tenant's bearer credential;
/// the status the upstream answered.
async fn account_status(host: &HttpHost, key: &str, upstream: &FakeUpstream) -> Value {
    let arguments = json!({"url": upstream.url("/api/account/bearer"), "credential": "bearer"});
    let call = CallToolRequestParams::new("probe_fetch").with_arguments(arguments.as_object().unwrap().clone());
    let result = host.client(key).await.call_tool(call).await.unwrap();
    let answer: Value = serde_json::from_str(&text(&result)).unwrap_or_else(|_| panic!("{}", text(&result)));
    answer["status"].clone()
}

#[tokio::test]
async fn an_embedded_deployment_migrated_twice_serves_from_postgresql_with_nothing_lost() {
    let upstream = FakeUpstream::start().await;
    let data = tempfile::tempdir().unwrap();
    let probe = fixture("probe");
    let registered = cli(data.path(), &["plugin", "load", probe.to_str().unwrap()]);
    assert!(registered.starts_with("registered probe@"), "{registered}");
    let key = tenant(data.path(), "acme", &["probe"]);
    cli(data.path(), &["config", "set", "--tenant", "acme", "probe", "upstream", &upstream.addr.to_string()]);
    let origin = upstream.url("");
    let set = ["credential", "set", "--tenant", "acme", "--plugin", "probe", "bearer", "--scheme", "bearer"];
    cli_with_stdin(data.path(), &[&set[..], &["--bind", &origin]].concat(), &format!("{BEARER_TOKEN}\n"));
    let no_directory_plugins = PluginsDir::new();
    let mut embedded = HttpHost::start(data.path(), Some(no_directory_plugins.path()), &[], Some(ALLOW_LOOPBACK)).await;
    assert_eq!(account_status(&embedded, &key, &upstream).await, 200, "the embedded deployment works");
    embedded.signal("TERM");
    assert_eq!(embedded.wait().await, Some(0));

    let postgres = PostgresServer::start().expect("a private PostgreSQL");
    let url = postgres.url();
    let first = cli(data.path(), &["db", "migrate", "--to", &url]);
    for expected in
        ["tenants\t1 read\t1 copied", "credentials\t1 read\t1 copied", "plugin components\t1 read\t1 copied"]
    {
        assert!(first.contains(expected), "{expected}:\n{first}");
    }
    assert!(first.contains("audit_calls\t1 read\t1 copied"), "{first}");
    let second = cli(data.path(), &["db", "migrate", "--to", &url]);
    assert!(second.lines().all(|line| line.ends_with("\t0 copied")), "a second run copies nothing:\n{second}");

    // Another host, sharing nothing with the first but the master key.
    let elsewhere = tempfile::tempdir().unwrap();
    let master_key = data.path().join("master.key");
    let store = ["--database", &url, "--master-key-file", master_key.to_str().unwrap()];
    let host = HttpHost::start(elsewhere.path(), Some(no_directory_plugins.path()), &store, Some(ALLOW_LOOPBACK)).await;
    assert_eq!(
        account_status(&host, &key, &upstream).await,
        200,
        "the key authenticates, the component loads from PostgreSQL and the sealed credential opens"
    );
    let tail = audit_tail(elsewhere.path(), 2, &store).await;
    assert_eq!(tail.lines().count(), 2, "the migrated call and the new one:\n{tail}");
    let listed = cli(elsewhere.path(), &[&store[..], &["plugin", "list"]].concat());
    assert!(listed.starts_with("probe\t"), "{listed}");
}
