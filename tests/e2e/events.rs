//! Webhooks become MCP notifications: signed deliveries at
//! `/hooks/{tenant}/{plugin}` on a real `berth serve --http`, the bundled
//! adapters handling them, and rmcp's Streamable HTTP clients subscribed
//! as two tenants. What is refused (a bad signature, a replay, an unknown
//! plugin) is answered with the right status, recorded in the event
//! history and the audit log, and never reaches a plugin: no subscriber
//! hears of it.

// `resources/subscribe` is how pre-2026-07-28 sessions subscribe, which
// these clients speak.
#![allow(deprecated)]

use crate::support::http::{HttpHost, Subscriber, cli, cli_with_stdin, client, tenant};
use crate::support::{PluginsDir, bundled};
use berth_fakes::webhook::zendesk_signature;
use rmcp::model::SubscribeRequestParams;
use rmcp::service::{RoleClient, RunningService};
use serde_json::{Value, json};
use std::time::Duration;

/// The webhook secrets of the two tenants (32 bytes or more, as the vault
/// demands of a secret never sent anywhere).
const ACME_SECRET: &str = "acme-zendesk-signing-secret-0123456789";
const GLOBEX_SECRET: &str = "globex-zendesk-signing-secret-9876543210";
const METRICS_TOKEN: &str = "events-metrics-token-0123456789";
/// `[events] max_body_kib` of the test hosts.
const MAX_BODY_KIB: usize = 8;

/// Two registered tenants with `plugins` enabled, each with its own
/// webhook secret for them, behind a host serving HTTP.
struct Hooks {
    data: tempfile::TempDir,
    _plugins: PluginsDir,
    host: HttpHost,
    keys: [String; 2],
}

impl Hooks {
    async fn start(plugins: &[&str], configure: impl Fn(&std::path::Path, &str)) -> Self {
        let data = tempfile::tempdir().unwrap();
        let dir = plugins.iter().fold(PluginsDir::new(), |dir, name| dir.with(&bundled(name), &format!("{name}.wasm")));
        let mut keys = Vec::new();
        for (name, secret) in [("acme", ACME_SECRET), ("globex", GLOBEX_SECRET)] {
            keys.push(tenant(data.path(), name, plugins));
            for plugin in plugins {
                let args = [
                    "credential",
                    "set",
                    "--tenant",
                    name,
                    "--plugin",
                    plugin,
                    "webhook",
                    "--scheme",
                    "webhook-secret",
                ];
                cli_with_stdin(data.path(), &args, &format!("{secret}\n"));
                configure(data.path(), name);
            }
        }
        // The adapters may reach the fakes on loopback, trusting their CA.
        let fakes = crate::support::fakes_settings(data.path());
        // A small body cap, so an oversized delivery fits in the socket's
        // buffers and its 413 is read rather than cut off mid-upload.
        let settings =
            format!("{fakes}[admin]\nmetrics_token = \"{METRICS_TOKEN}\"\n[events]\nmax_body_kib = {MAX_BODY_KIB}\n");
        let host = HttpHost::start(data.path(), Some(dir.path()), &[], Some(&settings)).await;
        Self { data, _plugins: dir, host, keys: keys.try_into().unwrap() }
    }

    /// A client of tenant `index` (0: acme, 1: globex) subscribed to `uri`.
    async fn subscriber(&self, index: usize, uri: &str) -> (Subscriber, RunningService<RoleClient, Subscriber>) {
        let subscriber = Subscriber::default();
        let base = crate::support::http::HttpHostRef { base: self.host.base.clone() };
        let running = base.connect(&self.keys[index], subscriber.clone()).await;
        running.subscribe(SubscribeRequestParams::new(uri)).await.expect("resources/subscribe");
        (subscriber, running)
    }

    /// POSTs `body` with `headers` to `/hooks/{path}`; the status and body.
    async fn post(&self, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, Value) {
        let request =
            headers.iter().fold(client().post(self.host.url(&format!("/hooks/{path}"))), |request, (name, value)| {
                request.header(*name, value)
            });
        let response = request.body(body.to_vec()).send().await.expect("deliver");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `berth events tail --json` for `tenant`.
    fn history(&self, tenant: &str) -> Vec<Value> {
        let out = cli(self.data.path(), &["events", "tail", "--tenant", tenant, "--json", "-n", "50"]);
        out.lines().map(|line| serde_json::from_str(line).unwrap()).collect()
    }

    /// `berth audit tail --json` for `tenant`: its webhook records.
    fn audited(&self, tenant: &str) -> Vec<Value> {
        let out = cli(self.data.path(), &["audit", "tail", "--tenant", tenant, "--json", "-n", "50"]);
        out.lines()
            .map(|line| serde_json::from_str::<Value>(line).unwrap())
            .filter(|call| call["transport"] == "webhook")
            .collect()
    }
}

/// Zendesk's headers for `body`, signed with `secret` at `timestamp`.
fn zendesk_headers(secret: &str, timestamp: &str, body: &[u8], invocation: &str) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/json".to_owned()),
        ("x-zendesk-account-id", "123456".to_owned()),
        ("x-zendesk-webhook-id", "01F1KRFQ6BG29CNWFR60NK5FNY".to_owned()),
        ("x-zendesk-webhook-invocation-id", invocation.to_owned()),
        ("x-zendesk-webhook-signature-timestamp", timestamp.to_owned()),
        ("x-zendesk-webhook-signature", zendesk_signature(secret, timestamp, body)),
    ]
}

fn rfc3339(at: time::OffsetDateTime) -> String {
    at.replace_nanosecond(0).unwrap().format(&time::format_description::well_known::Rfc3339).unwrap()
}

/// Outcomes in a tenant's history, oldest first.
fn outcomes(history: &[Value]) -> Vec<String> {
    history.iter().map(|event| event["outcome"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn zendesk_deliveries_are_verified_deduplicated_and_reach_only_their_tenant() {
    let hooks = Hooks::start(&["zendesk"], |data, tenant| {
        cli(data, &["config", "set", "--tenant", tenant, "zendesk", "site", "acme.zendesk.example"]);
    })
    .await;
    let ticket = "zendesk://tickets/101";
    let (acme, _acme_session) = hooks.subscriber(0, ticket).await;
    let (globex, _globex_session) = hooks.subscriber(1, ticket).await;

    // A signed, fresh delivery for acme: accepted at once, then acme's
    // subscriber (and only acme's) hears of the ticket.
    let body = serde_json::to_vec(&json!({
        "type": "zen:event-type:ticket.status_changed",
        "subject": "zen:ticket:101",
        "detail": {"id": "101", "status": "OPEN"},
        "zendesk_event_version": "2022-11-06"
    }))
    .unwrap();
    let now = rfc3339(time::OffsetDateTime::now_utc());
    let signed = zendesk_headers(ACME_SECRET, &now, &body, "8350205582");
    let (status, answer) = hooks.post("acme/zendesk", &signed, &body).await;
    assert_eq!((status, answer["status"].as_str()), (202, Some("accepted")), "{answer}");
    assert_eq!(acme.heard(1).await, [ticket]);

    // Zendesk retries the same invocation: taken in once.
    let (status, answer) = hooks.post("acme/zendesk", &signed, &body).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("duplicate")), "{answer}");

    // Refused: signed with globex's secret, a replay of an hour ago, a
    // tampered body, an unknown plugin, an unknown tenant, and a body over
    // the cap.
    let foreign = zendesk_headers(GLOBEX_SECRET, &now, &body, "8350205583");
    assert_eq!(hooks.post("acme/zendesk", &foreign, &body).await.0, 401);
    let hour_ago = rfc3339(time::OffsetDateTime::now_utc() - Duration::from_secs(3600));
    let replayed = zendesk_headers(ACME_SECRET, &hour_ago, &body, "8350205584");
    let (status, answer) = hooks.post("acme/zendesk", &replayed, &body).await;
    assert_eq!(status, 401);
    assert!(answer["error"].as_str().unwrap().contains("replay window"), "{answer}");
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    assert_eq!(hooks.post("acme/zendesk", &signed, &tampered).await.0, 401);
    assert_eq!(hooks.post("acme/jira", &signed, &body).await.0, 404, "a plugin the host does not have");
    assert_eq!(hooks.post("initech/zendesk", &signed, &body).await.0, 404, "a tenant that does not exist");
    let huge = vec![b' '; MAX_BODY_KIB * 1024 + 1];
    assert_eq!(hooks.post("acme/zendesk", &signed, &huge).await.0, 413);

    // None of them reached the plugin: nobody heard anything more.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(acme.heard(1).await, [ticket], "one update for acme, from the one verified delivery");
    assert!(globex.heard(0).await.is_empty(), "another tenant's subscriber hears nothing");

    // Globex's own delivery reaches globex alone.
    let body = serde_json::to_vec(&json!({"ticket_id": "101", "event": "ticket.updated"})).unwrap();
    let globex_signed = zendesk_headers(GLOBEX_SECRET, &now, &body, "8350205582");
    assert_eq!(hooks.post("globex/zendesk", &globex_signed, &body).await.0, 202, "delivery ids are per tenant");
    assert_eq!(globex.heard(1).await, [ticket]);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(acme.heard(1).await.len(), 1, "acme does not hear globex's ticket");

    // The history says what became of each, with no body in it.
    let history = hooks.history("acme");
    assert_eq!(outcomes(&history), ["handled", "duplicate", "refused", "refused", "refused", "refused"], "{history:?}");
    assert_eq!(history[0]["delivery"], "8350205582");
    assert_eq!(history[0]["kind"], "ticket.status_changed");
    assert!(history[0]["detail"].as_str().unwrap().contains("1 resource(s) updated"), "{history:?}");
    assert!(history[2]["detail"].as_str().unwrap().contains("does not match"), "{history:?}");
    assert!(history[3]["detail"].as_str().unwrap().contains("replay window"), "{history:?}");
    assert!(history[5]["detail"].as_str().unwrap().contains("`jira`"), "{history:?}");
    let text = serde_json::to_string(&history).unwrap();
    assert!(!text.contains("zen:ticket") && !text.contains(ACME_SECRET), "neither body nor secret: {text}");

    // The audit log has every refusal and the one handled event.
    let audited = hooks.audited("acme");
    let refused = audited.iter().filter(|call| call["outcome"].as_str().unwrap().starts_with("refused")).count();
    assert_eq!(refused, 4, "{audited:?}");
    let handled: Vec<&Value> = audited.iter().filter(|call| call["outcome"] == "ok").collect();
    assert_eq!(handled.len(), 1, "{audited:?}");
    assert_eq!(handled[0]["tool"], "event ticket.status_changed");

    // The metrics count them by outcome.
    let metrics =
        client().get(hooks.host.url("/metrics")).bearer_auth(METRICS_TOKEN).send().await.unwrap().text().await.unwrap();
    for (outcome, count) in [("accepted", 2), ("handled", 2), ("duplicate", 1), ("refused", 5)] {
        let line = format!("berth_webhook_events_total{{outcome=\"{outcome}\"}} {count}");
        assert!(metrics.contains(&line), "{line} in:\n{metrics}");
    }
}

#[tokio::test]
async fn a_signed_jira_webhook_names_an_issue_the_subscriber_can_read() {
    let jira = berth_fakes::jira::FakeJira::start(Default::default()).await.unwrap();
    let origin = jira.served.base_url();
    let hooks = Hooks::start(&["jira"], |data, tenant| {
        cli(data, &["config", "set", "--tenant", tenant, "jira", "site", &jira.served.host()]);
        let args = ["credential", "set", "--tenant", tenant, "--plugin", "jira", "jira", "--bind", &origin];
        let scheme = ["--scheme", "basic", "--username", berth_fakes::jira::EMAIL];
        let command: Vec<&str> = args.iter().chain(scheme.iter()).copied().collect();
        cli_with_stdin(data, &command, &format!("{}\n", berth_fakes::jira::API_TOKEN));
    })
    .await;
    let issue = "jira://issues/HELP-7";
    let (acme, session) = hooks.subscriber(0, issue).await;

    let body = serde_json::to_vec(&json!({
        "timestamp": 1_764_300_000_000_u64,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "issue": {"id": "10007", "key": "HELP-7", "fields": {}}
    }))
    .unwrap();
    let signed = vec![
        ("content-type", "application/json".to_owned()),
        ("x-atlassian-webhook-identifier", "2d5f1c6e-3f0a-4b57-9c1d-7e2a9b3c4d5e".to_owned()),
        ("x-hub-signature", berth_fakes::webhook::hub_signature(ACME_SECRET, &body)),
    ];
    assert_eq!(hooks.post("acme/jira", &signed, &body).await.0, 202);
    assert_eq!(acme.heard(1).await, [issue]);

    // The subscriber reads what changed, through the adapter, from Jira.
    let read = session.read_resource(rmcp::model::ReadResourceRequestParams::new(issue)).await.expect("resources/read");
    let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("{read:?}")
    };
    let details: Value = serde_json::from_str(text).unwrap();
    assert!(details["issue"]["summary"].as_str().unwrap().contains("VPN from home"), "{details}");

    // GitHub's header is not Jira's: the same body signed the GitHub way is
    // refused, and so is a retry of the first delivery.
    let github_style = vec![("x-hub-signature-256", berth_fakes::webhook::hub_signature(ACME_SECRET, &body))];
    assert_eq!(hooks.post("acme/jira", &github_style, &body).await.0, 401);
    assert_eq!(hooks.post("acme/jira", &signed, &body).await.0, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(acme.heard(1).await.len(), 1);
}

#[tokio::test]
async fn servicenow_sends_a_shared_secret_and_a_delivery_id_per_record_version() {
    let hooks = Hooks::start(&["servicenow"], |data, tenant| {
        cli(data, &["config", "set", "--tenant", tenant, "servicenow", "instance", "acme.service-now.example"]);
    })
    .await;
    let incident = "servicenow://incident/INC0010001";
    let (acme, _session) = hooks.subscriber(0, incident).await;
    // A 2026-07-28 client has no session: it listens on a stream instead.
    let base = crate::support::http::HttpHostRef { base: hooks.host.base.clone() };
    let sessionless = base.connect_sessionless(&hooks.keys[0], Subscriber::default()).await;
    let filter = rmcp::model::SubscriptionFilter::builder().resource_subscription(incident).build();
    let mut stream = sessionless.listen(filter).await.expect("subscriptions/listen");
    let body = br#"{"table": "incident", "number": "INC0010001", "operation": "update"}"#;
    let delivery = |secret: &str, version: &str| {
        vec![
            ("authorization", format!("Bearer {secret}")),
            ("x-servicenow-delivery", format!("46d44a5d2f1b3410a8d2f1b0bdfd1a31:{version}")),
        ]
    };

    assert_eq!(hooks.post("acme/servicenow", &delivery(GLOBEX_SECRET, "4"), body).await.0, 401);
    assert_eq!(hooks.post("acme/servicenow", &delivery(ACME_SECRET, "4"), body).await.0, 202);
    assert_eq!(hooks.post("acme/servicenow", &delivery(ACME_SECRET, "4"), body).await.0, 200, "the same version");
    assert_eq!(hooks.post("acme/servicenow", &delivery(ACME_SECRET, "5"), body).await.0, 202, "the next version");
    assert_eq!(acme.heard(2).await, [incident, incident]);
    let heard = tokio::time::timeout(Duration::from_secs(10), stream.next()).await.expect("a notice").unwrap();
    let Some(rmcp::model::ServerNotification::ResourceUpdatedNotification(notice)) = heard else { panic!("{heard:?}") };
    assert_eq!(notice.params.uri, incident, "the listening stream hears it too");
    let history = hooks.history("acme");
    assert_eq!(outcomes(&history), ["refused", "handled", "duplicate", "handled"], "{history:?}");
    assert_eq!(history[1]["kind"], "incident.update");
}

#[tokio::test]
async fn a_github_issues_webhook_notifies_that_tenants_subscribers_once() {
    let github = berth_fakes::github::FakeGitHub::start(Default::default()).await.unwrap();
    let origin = github.served.base_url();
    let hooks = Hooks::start(&["github"], |data, tenant| {
        cli(data, &["config", "set", "--tenant", tenant, "github", "api_url", &github.host()]);
        cli(data, &["config", "set", "--tenant", tenant, "github", "default_repo", berth_fakes::github::PRIVATE_REPO]);
        let args = ["credential", "set", "--tenant", tenant, "--plugin", "github", "github", "--bind", &origin];
        let command: Vec<&str> = args.iter().chain(["--scheme", "bearer"].iter()).copied().collect();
        cli_with_stdin(data, &command, &format!("{}\n", berth_fakes::github::TOKEN));
    })
    .await;
    // GitHub posts acme's repository's events to acme's URL, signed with
    // acme's secret, as an organisation webhook does.
    github.add_webhook(&hooks.host.url("/hooks/acme/github"), ACME_SECRET);
    let issue = "github://repos/acme/ops-portal/issues/3";
    let (acme, acme_session) = hooks.subscriber(0, issue).await;
    let (globex, _globex_session) = hooks.subscriber(1, issue).await;

    let payload = json!({
        "action": "labeled",
        "issue": {"number": 3, "title": "VPN drops every 20 minutes from home", "state": "open"},
        "label": {"name": "priority: critical"},
        "repository": {"full_name": "acme/ops-portal", "name": "ops-portal", "private": true},
        "sender": {"login": "mia-krystof"}
    });
    github.send_event("issues", payload);
    github.deliveries_settled().await;
    let sent = github.deliveries();
    assert_eq!(sent[0].answer, Ok(202), "accepted at once");
    assert_eq!(acme.heard(1).await, [issue], "acme's subscribed session hears of the issue");

    // The subscriber reads what changed, through the adapter, from GitHub.
    let read = acme_session.read_resource(rmcp::model::ReadResourceRequestParams::new(issue)).await.expect("read");
    let rmcp::model::ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else {
        panic!("{read:?}")
    };
    assert!(text.contains("VPN drops every 20 minutes"), "{text}");

    // GitHub's redelivery of the same delivery is processed once.
    assert!(github.redeliver(0));
    github.deliveries_settled().await;
    assert_eq!(github.deliveries()[1].answer, Ok(200));
    // The same body signed with another tenant's secret, or unsigned: refused.
    let body = sent[0].body.clone();
    let forged = github_headers(GLOBEX_SECRET, "issues", "8f0c1a3e-cc78-11e3-81ab-4c9367dc0958", &body);
    assert_eq!(hooks.post("acme/github", &forged, &body).await.0, 401);
    let unsigned: Vec<(&str, String)> =
        forged.iter().filter(|(name, _)| *name != "x-hub-signature-256").cloned().collect();
    assert_eq!(hooks.post("acme/github", &unsigned, &body).await.0, 401);
    // And a plugin this host does not have: refused too.
    assert_eq!(hooks.post("acme/gitlab", &forged, &body).await.0, 404);

    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(acme.heard(1).await.len(), 1, "the duplicate and the forgeries reached no plugin");
    assert!(globex.heard(0).await.is_empty(), "no other tenant's session hears acme's event");
    let history = hooks.history("acme");
    assert_eq!(outcomes(&history), ["handled", "duplicate", "refused", "refused", "refused"], "{history:?}");
    assert_eq!(history[0]["kind"], "issues.labeled");
    assert_eq!(history[0]["delivery"].as_str(), sent[0].header("x-github-delivery"));
    let audited = hooks.audited("acme");
    let refused = audited.iter().filter(|call| call["outcome"].as_str().unwrap().starts_with("refused")).count();
    assert_eq!(refused, 3, "every refusal is audited: {audited:?}");
}

/// GitHub's headers for a delivery of `event` with id `delivery`, signed
/// with `secret`.
fn github_headers(secret: &str, event: &str, delivery: &str, body: &[u8]) -> Vec<(&'static str, String)> {
    vec![
        ("content-type", "application/json".to_owned()),
        ("user-agent", "GitHub-Hookshot/5b3a1d2".to_owned()),
        ("x-github-event", event.to_owned()),
        ("x-github-delivery", delivery.to_owned()),
        ("x-github-hook-id", "481516234".to_owned()),
        ("x-hub-signature-256", berth_fakes::webhook::hub_signature(secret, body)),
    ]
}
