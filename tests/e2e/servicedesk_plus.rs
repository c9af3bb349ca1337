//! The servicedesk-plus adapter, end to end: the real `berth` binary
//! serving the real component over stdio to rmcp's client, against the
//! fake ServiceDesk Plus Cloud portal and Zoho accounts server over HTTPS,
//! with the tenant's config and its `oauth2-refresh-token` credential
//! stored through the CLI the way an operator stores them.

// `resources/subscribe` is how pre-2026-07-28 sessions subscribe, which
// these clients speak.
#![allow(deprecated)]

use crate::support::adapters::AdapterTenant;
use crate::support::http::{HttpHost, HttpHostRef, Subscriber, cli, cli_with_stdin, client, tenant};
use crate::support::{PluginsDir, StdioHost, bundled, fakes_settings};
use berth_fakes::servicedesk_plus::{self, CHARLES_EMAIL, FakeServiceDeskPlus, HEATHER_EMAIL, Options, VPN_SUBJECT};
use rmcp::model::{CallToolRequestParams, ReadResourceRequestParams, ResourceContents, SubscribeRequestParams};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The plugin's name, and its credential's.
const PLUGIN: &str = "servicedesk-plus";

/// A fake portal and a data directory whose `default` tenant is
/// configured for it.
struct Setup {
    fake: FakeServiceDeskPlus,
    tenant: AdapterTenant,
}

impl Setup {
    /// A fake portal; the tenant's `domain`, `portal` and
    /// `accounts_server` point at it, with a working credential.
    async fn start() -> Self {
        let fake = FakeServiceDeskPlus::start(Options::default()).await.expect("start the fake portal");
        let setup = Self { fake, tenant: AdapterTenant::new(&[PLUGIN]) };
        let host = setup.fake.host();
        setup.tenant.config(PLUGIN, "domain", &host);
        setup.tenant.config(PLUGIN, "portal", servicedesk_plus::PORTAL);
        setup.tenant.config(PLUGIN, "accounts_server", &host);
        setup.credential(servicedesk_plus::REFRESH_TOKEN);
        setup
    }

    /// Stores the Zoho refresh-token credential, as the README says to.
    fn credential(&self, refresh_token: &str) {
        let token_url = format!("https://{}/oauth/v2/token", self.fake.host());
        let args = [
            "--scheme",
            "oauth2-refresh-token",
            "--token-url",
            &token_url,
            "--client-id",
            servicedesk_plus::CLIENT_ID,
            "--header-format",
            "Zoho-oauthtoken {token}",
        ];
        let secret = format!("refresh_token={refresh_token}\nclient_secret={}\n", servicedesk_plus::CLIENT_SECRET);
        self.tenant.credential(PLUGIN, PLUGIN, &self.fake.served.base_url(), &args, &secret);
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls `servicedesk-plus_{tool}` and returns its JSON output, failing
/// the test when the call fails.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    host.call_json(&format!("{PLUGIN}_{tool}"), arguments).await
}

/// Calls `servicedesk-plus_{tool}`, expecting a tool error; its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    host.call_refused(&format!("{PLUGIN}_{tool}"), arguments).await
}

/// The ids of the requests in an answer.
fn ids(answer: &Value) -> Vec<String> {
    answer["requests"]
        .as_array()
        .unwrap_or_else(|| panic!("no requests in {answer}"))
        .iter()
        .map(|request| request["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The seeded VPN request's id, found through the adapter by its subject.
async fn vpn_request(host: &StdioHost) -> String {
    let found = call(host, "list_requests", json!({"text": "VPN connection drops"})).await;
    let request = found["requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|request| request["subject"] == VPN_SUBJECT)
        .unwrap_or_else(|| panic!("the seed has the VPN request: {found}"));
    request["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn requests_are_listed_by_criteria_and_paged_by_cursor() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let mut tools = host.tool_names().await;
    tools.retain(|tool| tool.starts_with("servicedesk-plus_"));
    tools.sort();
    assert_eq!(
        tools,
        [
            "servicedesk-plus_add_note",
            "servicedesk-plus_assign_request",
            "servicedesk-plus_close_request",
            "servicedesk-plus_create_request",
            "servicedesk-plus_get_request",
            "servicedesk-plus_list_requests",
            "servicedesk-plus_list_technicians",
            "servicedesk-plus_update_request",
        ]
    );

    // One page of everything, newest update first; pages of 3 walk it once.
    let all = call(&host, "list_requests", json!({"limit": 100})).await;
    let every = ids(&all);
    assert!(every.len() >= 8, "{all}");
    assert!(all.get("next_cursor").is_none(), "{all}");
    let updated: Vec<&str> =
        all["requests"].as_array().unwrap().iter().map(|r| r["updated"].as_str().unwrap()).collect();
    assert!(updated.windows(2).all(|pair| pair[0] >= pair[1]), "newest first: {updated:?}");
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut arguments = json!({"limit": 3});
        if let Some(cursor) = &cursor {
            arguments["cursor"] = json!(cursor);
        }
        let page = call(&host, "list_requests", arguments).await;
        assert!(ids(&page).len() <= 3, "{page}");
        paged.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(paged, every, "pages of 3 hold what one page of 100 does");
    let lists: Vec<String> = setup.fake.hits().all().into_iter().filter(|hit| hit.contains("/requests")).collect();
    let prefix = format!("GET /app/{}/api/v3/requests", servicedesk_plus::PORTAL);
    assert!(lists.iter().all(|hit| hit.starts_with(&prefix)), "{lists:?}");

    // Criteria: text, statuses, priorities and technician hold on each.
    let vpn = call(&host, "list_requests", json!({"text": "vpn"})).await;
    assert!(vpn["requests"].as_array().unwrap().iter().any(|r| r["subject"] == VPN_SUBJECT), "{vpn}");
    let urgent = call(&host, "list_requests", json!({"status": ["Open"], "priority": ["High", "Urgent"]})).await;
    assert!(!ids(&urgent).is_empty(), "{urgent}");
    for request in urgent["requests"].as_array().unwrap() {
        assert_eq!(request["status"], "Open", "{request}");
        assert!(["High", "Urgent"].contains(&request["priority"].as_str().unwrap()), "{request}");
        assert!(request["url"].as_str().unwrap().contains("/ui/requests/"), "{request}");
    }
    let heather = call(&host, "list_requests", json!({"technician": HEATHER_EMAIL})).await;
    assert!(!ids(&heather).is_empty(), "{heather}");
    assert!(
        heather["requests"].as_array().unwrap().iter().all(|r| r["technician"]["email"] == HEATHER_EMAIL),
        "{heather}"
    );
    let bad = call_err(&host, "list_requests", json!({"cursor": "abc"})).await;
    assert!(bad.contains("not a cursor"), "{bad}");

    let technicians = call(&host, "list_technicians", json!({})).await;
    let emails: Vec<&str> =
        technicians["technicians"].as_array().unwrap().iter().filter_map(|t| t["email"].as_str()).collect();
    assert!(emails.contains(&HEATHER_EMAIL) && emails.contains(&CHARLES_EMAIL), "{technicians}");
}

#[tokio::test]
async fn a_request_is_read_created_updated_noted_and_closed() {
    let setup = Setup::start().await;
    let host = setup.host().await;

    let id = vpn_request(&host).await;
    assert_eq!(setup.fake.request_id(VPN_SUBJECT).as_deref(), Some(id.as_str()), "the id the API addresses");
    let read = call(&host, "get_request", json!({"id": id})).await;
    assert_eq!(read["request"]["subject"], VPN_SUBJECT);
    assert!(!read["request"]["description"].as_str().unwrap().contains('<'), "HTML read as text: {read}");
    let notes = read["notes"].as_array().unwrap();
    assert!(notes.len() >= 2, "{read}");
    let created: Vec<&str> = notes.iter().map(|note| note["created"].as_str().unwrap()).collect();
    assert!(created.windows(2).all(|pair| pair[0] <= pair[1]), "oldest first: {created:?}");
    let missing = call_err(&host, "get_request", json!({"id": "1"})).await;
    assert!(missing.contains("request `1`") && missing.contains("not found"), "{missing}");
    let refused = call_err(&host, "get_request", json!({"id": "1/../../technicians"})).await;
    assert!(refused.contains("not a ServiceDesk Plus request id"), "{refused}");

    // A portal's mandatory fields are named.
    let incomplete = call_err(&host, "create_request", json!({"subject": "No requester"})).await;
    assert!(incomplete.contains("mandatory") && incomplete.contains("`requester`"), "{incomplete}");
    let created = call(
        &host,
        "create_request",
        json!({
            "subject": "Badge reader at door 3 rejects every card",
            "description": "Since 07:00 the reader blinks red.\nEvery card.",
            "requester": CHARLES_EMAIL,
            "priority": "High",
        }),
    )
    .await;
    let new_id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((created["status"].as_str(), created["priority"].as_str()), (Some("Open"), Some("High")), "{created}");
    assert_eq!(created["description"], "Since 07:00 the reader blinks red.\nEvery card.");

    let updated = call(
        &host,
        "update_request",
        json!({"id": new_id, "status": "In Progress", "priority": "Urgent", "technician": HEATHER_EMAIL}),
    )
    .await;
    assert_eq!((updated["status"].as_str(), updated["priority"].as_str()), (Some("In Progress"), Some("Urgent")));
    assert_eq!(updated["technician"]["email"], HEATHER_EMAIL);
    let unknown = call_err(&host, "update_request", json!({"id": new_id, "status": "Teleported"})).await;
    assert!(unknown.contains("ServiceDesk Plus rejected") && unknown.contains("status"), "{unknown}");
    let unassigned = call(&host, "assign_request", json!({"id": new_id, "technician": null})).await;
    assert!(unassigned.get("technician").is_none(), "{unassigned}");
    let assigned = call(&host, "assign_request", json!({"id": new_id, "technician": CHARLES_EMAIL})).await;
    assert_eq!(assigned["technician"]["email"], CHARLES_EMAIL);

    let private = call(&host, "add_note", json!({"id": new_id, "text": "Reader firmware 2.1 is suspect."})).await;
    assert_eq!(private["public"], false, "{private}");
    let public = call(
        &host,
        "add_note",
        json!({"id": new_id, "text": "A technician is on the way.", "show_to_requester": true}),
    )
    .await;
    assert_eq!(public["public"], true, "{public}");
    let read = call(&host, "get_request", json!({"id": new_id})).await;
    let said: Vec<(&str, bool)> = read["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|note| (note["text"].as_str().unwrap(), note["public"].as_bool().unwrap()))
        .collect();
    assert_eq!(said, [("Reader firmware 2.1 is suspect.", false), ("A technician is on the way.", true)]);
    let stored: Vec<bool> =
        setup.fake.notes(&new_id).iter().map(|note| note["show_to_requester"].as_bool().unwrap()).collect();
    assert_eq!(stored, [false, true], "sent as show_to_requester");

    let closed = call(
        &host,
        "close_request",
        json!({"id": new_id, "closure_comments": "Replaced the reader.", "closure_code": "Success"}),
    )
    .await;
    assert_eq!(closed["status"], "Closed", "{closed}");
    let after = call_err(&host, "update_request", json!({"id": new_id, "priority": "Low"})).await;
    assert!(after.contains("ServiceDesk Plus refused") && after.contains("cannot be edited"), "{after}");
    assert_eq!(setup.fake.request(&new_id).unwrap()["priority"]["name"], "Urgent", "nothing changed");
}

#[tokio::test]
async fn the_access_token_is_refreshed_by_the_host_and_a_wrong_refresh_token_is_named() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let id = vpn_request(&host).await;
    call(&host, "get_request", json!({"id": id, "notes": false})).await;
    assert_eq!(setup.fake.tokens_issued(), 1, "one token serves many calls");
    let sent = setup.fake.hits().all();
    assert!(sent.iter().any(|hit| hit.starts_with("POST /oauth/v2/token")), "{sent:?}");

    // The portal refuses the expired token (4022); the host refreshes once
    // and retries.
    setup.fake.expire_tokens();
    let read = call(&host, "get_request", json!({"id": id, "notes": false})).await;
    assert_eq!(read["request"]["subject"], VPN_SUBJECT);
    assert_eq!(setup.fake.tokens_issued(), 2);
    drop(host);

    setup.credential("1000.not-the-refresh-token");
    let host = setup.host().await;
    let refused = call_err(&host, "list_requests", json!({})).await;
    assert!(refused.contains("`servicedesk-plus` credential could not be used"), "{refused}");
    assert!(refused.contains("--scheme oauth2-refresh-token") && refused.contains("Zoho-oauthtoken"), "{refused}");
}

#[tokio::test]
async fn a_429_is_waited_out_by_the_host_and_a_long_one_says_when_to_retry() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let id = vpn_request(&host).await;
    setup.fake.limit_requests(0, 1);
    let started = Instant::now();
    let read = call(&host, "get_request", json!({"id": id, "notes": false})).await;
    assert_eq!(read["request"]["subject"], VPN_SUBJECT);
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After was waited out");

    setup.fake.limit_requests(0, 120);
    let limited = call_err(&host, "list_requests", json!({})).await;
    assert!(limited.contains("rate limiting") && limited.contains("120 s"), "{limited}");
}

/// The webhook secret of tenant `acme` (32 bytes or more, as the vault
/// demands of a secret never sent anywhere).
const WEBHOOK_SECRET: &str = "acme-sdp-webhook-token-0123456789abcdef";

#[tokio::test]
async fn the_portals_webhook_tells_subscribers_which_request_changed() {
    let fake = FakeServiceDeskPlus::start(Options::default()).await.expect("start the fake portal");
    let data = tempfile::tempdir().unwrap();
    let plugins = PluginsDir::new().with(&bundled(PLUGIN), &format!("{PLUGIN}.wasm"));
    let key = tenant(data.path(), "acme", &[PLUGIN]);
    let host = fake.host();
    for (name, value) in [("domain", host.as_str()), ("portal", servicedesk_plus::PORTAL), ("accounts_server", &host)] {
        cli(data.path(), &["config", "set", "--tenant", "acme", PLUGIN, name, value]);
    }
    let token_url = format!("https://{host}/oauth/v2/token");
    let origin = fake.served.base_url();
    let stored = [
        "credential",
        "set",
        "--tenant",
        "acme",
        "--plugin",
        PLUGIN,
        PLUGIN,
        "--bind",
        &origin,
        "--scheme",
        "oauth2-refresh-token",
        "--token-url",
        &token_url,
        "--client-id",
        servicedesk_plus::CLIENT_ID,
        "--header-format",
        "Zoho-oauthtoken {token}",
    ];
    let secrets = format!(
        "refresh_token={}\nclient_secret={}\n",
        servicedesk_plus::REFRESH_TOKEN,
        servicedesk_plus::CLIENT_SECRET
    );
    cli_with_stdin(data.path(), &stored, &secrets);
    let webhook =
        ["credential", "set", "--tenant", "acme", "--plugin", PLUGIN, "webhook", "--scheme", "webhook-secret"];
    cli_with_stdin(data.path(), &webhook, &format!("{WEBHOOK_SECRET}\n"));
    let settings = fakes_settings(data.path());
    let berth = HttpHost::start(data.path(), Some(plugins.path()), &[], Some(&settings)).await;
    let hook_url = berth.url(&format!("/hooks/acme/{PLUGIN}"));

    // The operator's webhook sends the secret in the header the adapter names.
    fake.add_webhook(&hook_url, "X-SDP-Webhook-Token", WEBHOOK_SECRET);
    let id = fake.request_id(VPN_SUBJECT).unwrap();
    let uri = format!("servicedesk-plus://requests/{id}");
    let subscriber = Subscriber::default();
    let session = HttpHostRef { base: berth.base.clone() }.connect(&key, subscriber.clone()).await;
    session.subscribe(SubscribeRequestParams::new(&uri)).await.expect("resources/subscribe");

    // A note added through the adapter makes the portal call the hook;
    // the subscriber hears which request changed and reads it.
    let arguments = json!({"id": id, "text": "Firewall rule updated."}).as_object().unwrap().clone();
    let added = session
        .call_tool(CallToolRequestParams::new(format!("{PLUGIN}_add_note")).with_arguments(arguments))
        .await
        .expect("tools/call");
    assert_ne!(added.is_error, Some(true), "{added:?}");
    fake.deliveries_settled().await;
    assert_eq!(fake.deliveries().last().unwrap().answer, Ok(202), "accepted");
    assert_eq!(subscriber.heard(1).await, std::slice::from_ref(&uri));
    let read = session.read_resource(ReadResourceRequestParams::new(&uri)).await.expect("resources/read");
    let ResourceContents::TextResourceContents { text, .. } = &read.contents[0] else { panic!("{read:?}") };
    let details: Value = serde_json::from_str(text).unwrap();
    assert_eq!(details["request"]["subject"], VPN_SUBJECT);
    assert!(details["notes"].as_array().unwrap().iter().any(|note| note["text"] == "Firewall rule updated."));

    // Without the secret, a delivery is refused and nobody hears of it.
    let forged = client()
        .post(&hook_url)
        .header("x-sdp-webhook-token", "guessed")
        .body(serde_json::to_vec(&json!({"event": "request_updated", "request": {"id": id}})).unwrap())
        .send()
        .await
        .expect("deliver");
    assert_eq!(forged.status().as_u16(), 401);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(subscriber.heard(1).await.len(), 1, "the forged delivery reached nobody");
}
