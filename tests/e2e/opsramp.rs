//! The opsramp adapter (Python, on Berth's Python SDK), end to end: the
//! real `berth` binary serving the componentize-py component over stdio to
//! rmcp's client, against the fake OpsRamp tenant over HTTPS, with its
//! settings and `oauth2-client-credentials` credential stored through the
//! CLI as the README says. The desk (`tickets_*`) over OpsRamp is in
//! `tickets.rs`.

use crate::support::StdioHost;
use crate::support::adapters::AdapterTenant;
use berth_fakes::opsramp::{self, ANA_EMAIL, FakeOpsRamp, Options, VPN_INCIDENT, VPN_SUBJECT};
use serde_json::{Value, json};

/// The plugin's name, and its credential's.
const PLUGIN: &str = "opsramp";

/// A fake tenant and a data directory whose `default` tenant is configured
/// for it.
struct Setup {
    fake: FakeOpsRamp,
    tenant: AdapterTenant,
}

impl Setup {
    /// The fake; `api_host` and `tenant_id` point at it, with the API
    /// integration's key and secret.
    async fn start() -> Self {
        let fake = FakeOpsRamp::start(Options::default()).await.expect("start the fake OpsRamp");
        let setup = Self { fake, tenant: AdapterTenant::new(&[PLUGIN]) };
        setup.tenant.config(PLUGIN, "api_host", &setup.fake.host());
        setup.tenant.config(PLUGIN, "tenant_id", opsramp::TENANT_ID);
        setup.credential(opsramp::CLIENT_SECRET);
        setup
    }

    /// Stores the client-credentials credential with `secret`.
    fn credential(&self, secret: &str) {
        let token_url = format!("{}/auth/oauth/token", self.fake.served.base_url());
        let args =
            ["--scheme", "oauth2-client-credentials", "--token-url", &token_url, "--client-id", opsramp::CLIENT_ID];
        self.tenant.credential(PLUGIN, PLUGIN, &self.fake.served.base_url(), &args, secret);
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls `opsramp_{tool}`, which must succeed; its JSON output.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    host.call_json(&format!("{PLUGIN}_{tool}"), arguments).await
}

/// Calls `opsramp_{tool}`, which must fail; its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    host.call_refused(&format!("{PLUGIN}_{tool}"), arguments).await
}

/// The `id`s of the `key` list of an answer.
fn ids(answer: &Value, key: &str) -> Vec<String> {
    let list = answer[key].as_array().unwrap_or_else(|| panic!("no {key} in {answer}"));
    list.iter().map(|each| each["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn alerts_are_searched_read_and_acknowledged() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let mut tools = host.tool_names().await;
    tools.retain(|tool| tool.starts_with("opsramp_") && tool.contains("alert"));
    tools.sort();
    assert_eq!(
        tools,
        ["opsramp_acknowledge_alert", "opsramp_get_alert", "opsramp_search_alerts", "opsramp_suppress_alert"]
    );

    // Critical alerts nobody has acted on yet, or that became incidents.
    let critical = call(&host, "search_alerts", json!({"states": ["Critical"], "actions": ["OPEN", "TICKETED"]})).await;
    assert_eq!(ids(&critical, "alerts"), ["389543", "389541"], "newest raised first: {critical}");
    assert_eq!(critical["alerts"][1]["incident"], VPN_INCIDENT);
    assert_eq!(critical["alerts"][1]["resource"], "vpn-gw-01");
    assert!(critical["alerts"][1]["raised"].as_str().unwrap().ends_with('Z'), "RFC 3339: {critical}");
    let on_vpn = call(&host, "search_alerts", json!({"incident": VPN_INCIDENT})).await;
    assert_eq!(ids(&on_vpn, "alerts").len(), 2, "{on_vpn}");

    // Acknowledging is an action OpsRamp answers with an empty 200; the
    // tool reads the alert back.
    let acknowledged =
        call(&host, "acknowledge_alert", json!({"id": "389545", "note": "Looking at the optics."})).await;
    assert_eq!(acknowledged["acknowledged"], true, "{acknowledged}");
    let read = call(&host, "get_alert", json!({"id": "389545"})).await;
    assert_eq!((read["acknowledged"].clone(), read["status"].clone()), (json!(true), json!("Acknowledged")));
    let suppressed = call(&host, "suppress_alert", json!({"id": "389545"})).await;
    assert_eq!(suppressed["suppressed"], true, "{suppressed}");

    let missing = call_err(&host, "get_alert", json!({"id": "1"})).await;
    assert!(missing.contains("not found") && missing.contains("alert 1"), "{missing}");
    let malformed = call_err(&host, "get_alert", json!({"id": "INC0000001101"})).await;
    assert!(malformed.contains("not an OpsRamp alert id"), "{malformed}");
}

#[tokio::test]
async fn incidents_are_found_filed_moved_along_their_flow_and_answered() {
    let setup = Setup::start().await;
    let host = setup.host().await;

    // Search by status and assignee (named by e-mail: the adapter finds the user).
    let anas = call(&host, "search_incidents", json!({"statuses": ["Open", "Pending"], "assignee": ANA_EMAIL})).await;
    assert_eq!(ids(&anas, "incidents"), [VPN_INCIDENT, "INC0000001104"], "{anas}");
    assert_eq!(anas["incidents"][0]["assignee"]["email"], ANA_EMAIL);
    let paged = call(&host, "search_incidents", json!({"page_size": 3})).await;
    assert_eq!((paged["total"].clone(), paged["next_page"].clone()), (json!(7), json!(2)), "{paged}");

    // Read, with the flow and the conversation.
    let vpn = call(&host, "get_incident", json!({"id": VPN_INCIDENT})).await;
    assert_eq!(vpn["subject"], VPN_SUBJECT);
    assert_eq!(vpn["allowed_statuses"], json!(["Pending", "On Hold", "Resolved", "Closed"]));
    assert_eq!(vpn["responses"].as_array().unwrap().len(), 3, "{vpn}");
    assert_eq!(vpn["responses"][1]["internal"], true);
    assert_eq!(vpn["alerts"], json!(["389541", "389542"]));

    // File one, assigned by e-mail.
    let filed = call(
        &host,
        "create_incident",
        json!({"subject": "Firewall rule change request", "description": "Open 8443 to the new portal.", "priority": "Low", "assignee": ANA_EMAIL}),
    )
    .await;
    let id = filed["id"].as_str().unwrap().to_owned();
    assert_eq!((filed["status"].clone(), filed["assignee"]["email"].clone()), (json!("New"), json!(ANA_EMAIL)));

    // The flow: On Hold needs a reason (OpsRamp's refusal, passed on);
    // a status the incident does not allow is refused before anything is sent.
    let no_reason = call_err(&host, "update_incident", json!({"id": id, "status": "On Hold"})).await;
    assert!(no_reason.contains("A reason is mandatory for On Hold"), "{no_reason}");
    let held = call(
        &host,
        "update_incident",
        json!({"id": id, "status": "On Hold", "reason": "Waiting for the change board"}),
    )
    .await;
    assert_eq!(held["status"], "On Hold");
    let posts = setup.fake.hits().count(&format!("/api/v2/tenants/{}/incidents/{id}", opsramp::TENANT_ID));
    let backwards = call_err(&host, "update_incident", json!({"id": id, "status": "New"})).await;
    assert!(backwards.contains("cannot move from On Hold to New") && backwards.contains("Open"), "{backwards}");
    let after = setup.fake.hits().count(&format!("/api/v2/tenants/{}/incidents/{id}", opsramp::TENANT_ID));
    assert_eq!(after, posts + 1, "only the read of the allowed flow reached OpsRamp");
    assert_eq!(setup.fake.incident_status(&id).as_deref(), Some("On Hold"));

    // Answer it: a public reply and an internal note.
    let reply = call(&host, "add_incident_response", json!({"id": id, "text": "Approved at today's board."})).await;
    assert_eq!((reply["internal"].clone(), reply["text"].clone()), (json!(false), json!("Approved at today's board.")));
    call(
        &host,
        "add_incident_response",
        json!({"id": id, "text": "Ticket CHG-88 in the board's tool.", "internal": true}),
    )
    .await;
    let read = call(&host, "get_incident", json!({"id": id})).await;
    let said: Vec<(String, bool)> = read["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|each| (each["text"].as_str().unwrap().to_owned(), each["internal"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        said,
        [("Approved at today's board.".to_owned(), false), ("Ticket CHG-88 in the board's tool.".to_owned(), true)]
    );

    let closed =
        call(&host, "update_incident", json!({"id": id, "status": "Resolved", "notes": "Rule deployed."})).await;
    assert_eq!(closed["status"], "Resolved");
    let unknown = call_err(&host, "update_incident", json!({"id": id, "assignee": "nobody@example.com"})).await;
    assert!(unknown.contains("no user `nobody@example.com`"), "{unknown}");
}

#[tokio::test]
async fn one_token_serves_many_calls_and_is_renewed_when_it_expires() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    call(&host, "search_incidents", json!({})).await;
    call(&host, "get_incident", json!({"id": VPN_INCIDENT})).await;
    assert_eq!(setup.fake.tokens_issued(), 1, "the host caches the token");

    setup.fake.expire_tokens();
    let read = call(&host, "get_alert", json!({"id": "389541"})).await;
    assert_eq!(read["id"], "389541");
    assert_eq!(setup.fake.tokens_issued(), 2, "a 401 made the host fetch a new token once");
    drop(host);

    // A wrong secret: the token endpoint's `Bad API credentials`, and how to fix it.
    setup.credential("not-the-secret");
    let host = setup.host().await;
    let denied = call_err(&host, "search_incidents", json!({})).await;
    assert!(denied.contains("Bad API credentials") && denied.contains("berth credential set"), "{denied}");
    assert!(!denied.contains("not-the-secret"), "the secret is never quoted: {denied}");
}

#[tokio::test]
async fn throttling_is_waited_out_when_near_and_explained_when_not() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    call(&host, "search_incidents", json!({})).await;

    // OpsRamp names the epoch second the limit lifts (no Retry-After).
    setup.fake.limit_requests(0, 1);
    let started = std::time::Instant::now();
    call(&host, "get_incident", json!({"id": VPN_INCIDENT})).await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "waited for X-RateLimit-Reset");

    // Beyond the host's bound: said, with when to come back.
    setup.fake.limit_requests(0, 60);
    let throttled = call_err(&host, "get_incident", json!({"id": VPN_INCIDENT})).await;
    assert!(throttled.contains("OpsRamp is throttling") && throttled.contains("try again in"), "{throttled}");
}

#[tokio::test]
async fn the_settings_and_the_keys_tenant_are_checked() {
    let setup = Setup::start().await;
    setup.tenant.config(PLUGIN, "tenant_id", "acme");
    let host = setup.host().await;
    let malformed = call_err(&host, "search_incidents", json!({})).await;
    assert!(malformed.contains("`tenant_id`") && malformed.contains("client_<number>"), "{malformed}");
    drop(host);

    // Another client than the key's: OpsRamp's 403, explained.
    setup.tenant.config(PLUGIN, "tenant_id", "client_1");
    let host = setup.host().await;
    let elsewhere = call_err(&host, "search_incidents", json!({})).await;
    assert!(elsewhere.contains("refused access") && elsewhere.contains("`tenant_id`"), "{elsewhere}");
}
