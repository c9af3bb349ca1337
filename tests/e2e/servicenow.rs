//! The servicenow adapter, end to end: the real `berth` binary serving the
//! real component over stdio to rmcp's client, against the fake ServiceNow
//! instance over HTTPS, with the tenant's config and credentials stored
//! through the CLI the way an operator stores them.

use crate::support::adapters::AdapterTenant;
use crate::support::{Answering, StdioHost, is_error, text};
use berth_fakes::servicenow::{self, FakeServiceNow, Options};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A fake instance, a data directory whose `default` tenant is configured
/// for it, and the settings that let the host reach it.
struct Setup {
    fake: FakeServiceNow,
    tenant: AdapterTenant,
}

impl Setup {
    /// A fake with default options; the tenant's `instance` points at it,
    /// with no credential yet.
    async fn start() -> Self {
        let fake = FakeServiceNow::start(Options::default()).await.expect("start the fake instance");
        let setup = Self { fake, tenant: AdapterTenant::new(&["servicenow"]) };
        setup.config("instance", &setup.fake.host());
        setup
    }

    /// Started, with Basic auth as `admin`.
    async fn with_basic_auth() -> Self {
        let setup = Self::start().await;
        setup.basic_auth(servicenow::PASSWORD);
        setup
    }

    fn config(&self, key: &str, value: &str) {
        self.tenant.config("servicenow", key, value);
    }

    /// Stores the credential bound to the fake instance's origin (set before
    /// any host has served the plugin, so the binding is explicit).
    fn set_credential(&self, args: &[&str], secret: &str) {
        let origin = format!("https://{}", self.fake.host());
        self.tenant.credential("servicenow", "servicenow", &origin, args, secret);
    }

    fn basic_auth(&self, password: &str) {
        self.set_credential(&["--scheme", "basic", "--username", servicenow::USERNAME], &format!("{password}\n"));
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls `servicenow_{tool}` and returns its JSON output, failing the test
/// when the call fails.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    host.call_json(&format!("servicenow_{tool}"), arguments).await
}

/// Calls `servicenow_{tool}`, expecting a tool error; returns its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    host.call_refused(&format!("servicenow_{tool}"), arguments).await
}

/// The incident numbers in a `list_incidents` answer, without their prefix.
fn numbers(listing: &Value) -> BTreeSet<u32> {
    listing["incidents"]
        .as_array()
        .unwrap_or_else(|| panic!("no incidents in {listing}"))
        .iter()
        .map(|incident| incident["number"].as_str().unwrap().trim_start_matches("INC").parse().unwrap())
        .collect()
}

#[tokio::test]
async fn incidents_are_listed_with_filters_and_paged_by_offset() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;
    let mut tools = host.tool_names().await;
    tools.sort();
    assert_eq!(
        tools,
        [
            "servicenow_add_comment",
            "servicenow_create_incident",
            "servicenow_get_incident",
            "servicenow_get_record",
            "servicenow_list_incidents",
            "servicenow_list_users",
            "servicenow_query_table",
            "servicenow_resolve_incident",
            "servicenow_update_incident",
            "tickets_comment",
            "tickets_create",
            "tickets_get",
            "tickets_search",
            "tickets_update",
        ]
    );

    let first = call(&host, "list_incidents", json!({"limit": 5})).await;
    assert_eq!((first["total"].as_u64(), first["returned"].as_u64()), (Some(12), Some(5)), "{first}");
    assert_eq!((first["has_more"].as_bool(), first["next_offset"].as_u64()), (Some(true), Some(5)));
    let newest = &first["incidents"][0];
    assert_eq!(newest["number"], "INC0010012", "most recently updated first: {first}");
    assert_eq!((newest["state"].as_str(), newest["priority"].as_str()), (Some("Canceled"), Some("3 - Moderate")));
    assert_eq!(newest["assignment_group"], "Hardware");

    let second = call(&host, "list_incidents", json!({"limit": 5, "offset": 5})).await;
    let last = call(&host, "list_incidents", json!({"limit": 5, "offset": 10})).await;
    assert_eq!((last["returned"].as_u64(), last["has_more"].as_bool()), (Some(2), Some(false)), "{last}");
    assert_eq!(last.get("next_offset"), None);
    let pages = [numbers(&first), numbers(&second), numbers(&last)];
    assert!(pages[0].is_disjoint(&pages[1]) && pages[1].is_disjoint(&pages[2]), "offsets move: {pages:?}");
    assert_eq!(pages.iter().map(BTreeSet::len).sum::<usize>(), 12);
    assert!(
        setup.fake.hits().all().iter().any(|hit| hit.contains("sysparm_offset=5") && hit.contains("sysparm_limit=5"))
    );

    for (filters, expected) in [
        (json!({"state": "in_progress"}), vec![10001, 10006, 10007]),
        (json!({"priority": "critical"}), vec![10001, 10010]),
        (json!({"assignment_group": "Network", "active": true}), vec![10002, 10003, 10008, 10010]),
        (json!({"assigned_to": "beth.anglin"}), vec![10008, 10010]),
        (json!({"assigned_to": "Fred Luddy", "state": "closed"}), vec![10009]),
        (json!({"query": "email"}), vec![10001, 10003]),
        (json!({"updated_since": "2025-03-25T00:00:00Z"}), vec![10011, 10012]),
    ] {
        let listing = call(&host, "list_incidents", filters.clone()).await;
        assert_eq!(numbers(&listing), expected.into_iter().collect(), "{filters}");
        assert_eq!(listing["total"].as_u64(), Some(listing["returned"].as_u64().unwrap()), "{filters}: one page");
    }
    let refused = call_err(&host, "list_incidents", json!({"state": "done"})).await;
    assert!(refused.contains("not a state"), "{refused}");
}

#[tokio::test]
async fn an_incident_is_created_commented_on_resolved_and_read_back() {
    let setup = Setup::with_basic_auth().await;
    setup.config("allowed_tables", "incident,sys_journal_field");
    let host = setup.host().await;

    let created = call(
        &host,
        "create_incident",
        json!({
            "short_description": "Projector in boardroom 2 shows no signal",
            "description": "HDMI and USB-C both fail since this morning.",
            "caller": "abel.tuter",
            "impact": "high",
            "urgency": "medium",
            "assignment_group": "Hardware",
        }),
    )
    .await;
    let incident = &created["incident"];
    assert_eq!(incident["number"], "INC0010013", "{created}");
    assert_eq!(incident["priority"], json!({"value": "2", "display": "2 - High"}), "impact × urgency");
    assert_eq!(incident["caller_id"]["name"], "Abel Tuter");
    assert_eq!(incident["assignment_group"]["name"], "Hardware");
    let sys_id = incident["sys_id"].as_str().unwrap().to_owned();

    let comment =
        call(&host, "add_comment", json!({"incident": "INC0010013", "text": "A technician is on the way."})).await;
    assert_eq!((comment["kind"].as_str(), comment["visible_to_caller"].as_bool()), (Some("comment"), Some(true)));
    let note =
        call(&host, "add_comment", json!({"incident": sys_id, "text": "Swapped the HDMI switch.", "work_note": true}))
            .await;
    assert_eq!((note["kind"].as_str(), note["visible_to_caller"].as_bool()), (Some("work_note"), Some(false)));
    assert_eq!(note["journal"].as_array().unwrap().len(), 2, "{note}");

    let resolved = call(
        &host,
        "resolve_incident",
        json!({"incident": "inc0010013", "close_code": "Workaround provided", "close_notes": "Bypassed the switch."}),
    )
    .await;
    assert_eq!(resolved["incident"]["state"]["display"], "Resolved", "{resolved}");

    let read = call(&host, "get_incident", json!({"incident": "INC0010013"})).await;
    let incident = &read["incident"];
    assert_eq!(incident["state"], json!({"value": "6", "display": "Resolved"}), "{read}");
    assert_eq!(incident["close_code"], "Workaround provided");
    assert_eq!(incident["close_notes"], "Bypassed the switch.");
    assert_eq!(incident["resolved_by"]["name"], "System Administrator");
    let journal: Vec<(&str, &str, &str)> = read["journal"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (entry["kind"].as_str().unwrap(), entry["author"].as_str().unwrap(), entry["text"].as_str().unwrap())
        })
        .collect();
    assert!(journal.contains(&("comment", "System Administrator", "A technician is on the way.")), "{read}");
    assert!(journal.contains(&("work_note", "System Administrator", "Swapped the HDMI switch.")), "{read}");

    let entries = call(
        &host,
        "query_table",
        json!({
            "table": "sys_journal_field",
            "query": format!("element_id={sys_id}^ORDERBYelement"),
            "fields": ["element", "value", "name"],
        }),
    )
    .await;
    assert_eq!(
        entries["records"],
        json!([
            {"element": "comments", "value": "A technician is on the way.", "name": "incident"},
            {"element": "work_notes", "value": "Swapped the HDMI switch.", "name": "incident"},
        ])
    );

    let stored = setup.fake.records("incident").into_iter().find(|row| row["sys_id"] == sys_id).unwrap();
    assert_eq!((stored["state"].as_str(), stored["close_code"].as_str()), ("6", "Workaround provided"));
    assert_eq!((stored["comments"].as_str(), stored["work_notes"].as_str()), ("", ""), "journals are not fields");

    let missing = call_err(&host, "get_incident", json!({"incident": "INC0099999"})).await;
    assert!(missing.contains("not found") && missing.contains("INC0099999"), "{missing}");
    let missing = call_err(&host, "get_incident", json!({"incident": "0123456789abcdef0123456789abcdef"})).await;
    assert!(missing.contains("0123456789abcdef0123456789abcdef") && missing.contains("No Record found"), "{missing}");
    let refused = call_err(&host, "update_incident", json!({"incident": "INC0010002", "state": "resolved"})).await;
    assert!(
        refused.contains("Resolution code") && refused.contains("mandatory"),
        "the data policy is relayed: {refused}"
    );
}

#[tokio::test]
async fn query_table_reads_allowed_tables_and_refuses_the_rest() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;

    let problems = call(
        &host,
        "query_table",
        json!({
            "table": "problem",
            "query": "stateIN101,103^ORDERBYnumber",
            "fields": ["number", "state", "assignment_group"],
        }),
    )
    .await;
    assert_eq!(problems["total"], 2);
    assert_eq!(
        problems["records"][0],
        json!({
            "number": "PRB0040001",
            "state": {"value": "103", "display": "Root Cause Analysis"},
            "assignment_group": {"sys_id": "287ebd7da9fe198100f92cc8d1d2154e", "name": "Network"},
        })
    );
    let group =
        call(&host, "get_record", json!({"table": "sys_user_group", "sys_id": "287ebd7da9fe198100f92cc8d1d2154e"}))
            .await;
    assert_eq!(group["record"]["name"], "Network");
    assert_eq!(group["record"]["manager"]["name"], "Beth Anglin");

    let users = call(&host, "list_users", json!({"query": "anglin"})).await;
    assert_eq!(users["users"][0]["user_name"], "beth.anglin", "{users}");
    assert_eq!(users["users"].as_array().unwrap().len(), 1);
    let everyone = call(&host, "list_users", json!({"active_only": false, "limit": 100})).await;
    assert_eq!(everyone["total"], 9);

    let before = setup.fake.hits().all().len();
    for table in ["sys_journal_field", "sys_properties"] {
        let refused = call_err(&host, "query_table", json!({"table": table})).await;
        assert!(refused.contains(&format!("table `{table}` is not one this tenant allows")), "{refused}");
    }
    let refused =
        call_err(&host, "get_record", json!({"table": "sys_user_role", "sys_id": "0123456789abcdef0123456789abcdef"}))
            .await;
    assert!(refused.starts_with("denied:"), "{refused}");
    let injected =
        call_err(&host, "query_table", json!({"table": "incident", "fields": ["number^ORactive=true"]})).await;
    assert!(injected.contains("not a field name"), "{injected}");
    assert_eq!(setup.fake.hits().all().len(), before, "refused before reaching the instance");
}

#[tokio::test]
async fn wrong_credentials_get_a_clear_error() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let missing = call_err(&host, "list_incidents", json!({})).await;
    assert!(missing.contains("credential could not be used") && missing.contains("berth credential set"), "{missing}");
    assert_eq!(setup.fake.hits().count("/api/now/"), 0);
    drop(host);

    setup.basic_auth("not-the-password");
    let host = setup.host().await;
    let rejected = call_err(&host, "get_incident", json!({"incident": "INC0010001"})).await;
    assert!(rejected.contains("ServiceNow rejected the `servicenow` credential"), "{rejected}");
    assert!(rejected.contains("User Not Authenticated"), "the instance's reason is passed on: {rejected}");
    assert!(rejected.contains("berth credential list"), "and what to check: {rejected}");
}

#[tokio::test]
async fn a_429_from_the_instance_is_retried_by_the_host_and_the_call_succeeds() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;
    setup.fake.limit_requests(0, 1);
    let started = Instant::now();
    let read = call(&host, "get_incident", json!({"incident": "INC0010007"})).await;
    assert_eq!(read["incident"]["short_description"], "Nightly database backup job failed");
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After was waited out");
    let sent: Vec<String> =
        setup.fake.hits().all().into_iter().filter(|hit| hit.contains("/api/now/table/incident")).collect();
    assert_eq!(sent.len(), 2, "the same request went out twice: {sent:?}");
    assert_eq!(sent[0], sent[1]);

    setup.fake.limit_requests(0, 120);
    let limited = call_err(&host, "list_incidents", json!({})).await;
    assert!(limited.contains("rate limiting") && limited.contains("120 s"), "{limited}");
}

#[tokio::test]
async fn an_oauth_refresh_token_is_exchanged_at_the_instance_and_used() {
    let setup = Setup::start().await;
    let token_url = format!("https://{}/oauth_token.do", setup.fake.host());
    setup.set_credential(
        &["--scheme", "oauth2-refresh-token", "--token-url", &token_url, "--client-id", servicenow::CLIENT_ID],
        &format!("refresh_token={}\nclient_secret={}\n", servicenow::REFRESH_TOKEN, servicenow::CLIENT_SECRET),
    );
    let host = setup.host().await;
    let listing = call(&host, "list_incidents", json!({"priority": "critical"})).await;
    assert_eq!(listing["total"], 2, "{listing}");
    let created = call(&host, "create_incident", json!({"short_description": "Created over OAuth"})).await;
    assert_eq!(created["incident"]["sys_created_by"], servicenow::USERNAME);
    assert_eq!(setup.fake.tokens_issued(), 1, "one token, reused");
    assert_eq!(setup.fake.hits().count("/oauth_token.do"), 1);
}

fn resolve_p1() -> rmcp::model::CallToolRequestParams {
    let arguments = json!({"incident": "INC0010001", "close_notes": "Failed over to the standby."});
    rmcp::model::CallToolRequestParams::new("servicenow_resolve_incident")
        .with_arguments(arguments.as_object().unwrap().clone())
}

#[tokio::test]
async fn resolving_a_p1_asks_the_human_when_the_client_can_ask() {
    let setup = Setup::with_basic_auth().await;
    let asked: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::default();
    let start = || setup.tenant.start();

    let refusing = StdioHost::start_with(start(), Answering::with(json!({"confirm": false}), &asked)).await;
    let refused = refusing.client.call_tool(resolve_p1()).await.expect("call");
    assert!(is_error(&refused) && text(&refused).contains("INC0010001 was not resolved"), "{}", text(&refused));
    assert_eq!(asked.lock().unwrap().as_slice(), ["INC0010001 is a priority 1 (critical) incident. Resolve it?"]);
    let read = call(&StdioHost::start(start()).await, "get_incident", json!({"incident": "INC0010001"})).await;
    assert_ne!(read["incident"]["state"]["display"], "Resolved", "a no leaves it open");

    let confirming = StdioHost::start_with(start(), Answering::with(json!({"confirm": true}), &asked)).await;
    let resolved = confirming.client.call_tool(resolve_p1()).await.expect("call");
    assert!(!is_error(&resolved), "{}", text(&resolved));
    assert_eq!(asked.lock().unwrap().len(), 2);
    let p2 = json!({"incident": "INC0010002", "close_notes": "Restarted."});
    let host = StdioHost::start(start()).await;
    call(&host, "resolve_incident", p2).await;
    assert_eq!(asked.lock().unwrap().len(), 2, "only a P1 asks, and a client without elicitation resolves as before");
}

#[tokio::test]
async fn incidents_are_resources_with_a_triage_prompt_that_completes_their_numbers() {
    use rmcp::model::{
        ArgumentInfo, CompleteRequestParams, GetPromptRequestParams, ReadResourceRequestParams, Reference,
        ResourceContents,
    };
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;
    let templates = host.client.list_resource_templates(None).await.expect("templates");
    assert_eq!(templates.resource_templates[0].uri_template, "servicenow://incident/{number}");
    let read = host
        .client
        .read_resource(ReadResourceRequestParams::new("servicenow://incident/INC0010001"))
        .await
        .expect("read an incident");
    let ResourceContents::TextResourceContents { text: body, mime_type, .. } = &read.contents[0] else {
        panic!("{read:?}")
    };
    assert_eq!(mime_type.as_deref(), Some("application/json"));
    let incident: Value = serde_json::from_str(body).unwrap();
    assert_eq!(incident["incident"]["number"], "INC0010001", "{incident}");
    let missing = host.client.read_resource(ReadResourceRequestParams::new("servicenow://incident/INC0099999")).await;
    assert!(format!("{:?}", missing.unwrap_err()).contains("servicenow://incident/INC0099999"));

    let arguments = json!({"number": "inc0010003"}).as_object().unwrap().clone();
    let prompt = host
        .client
        .get_prompt(GetPromptRequestParams::new("servicenow_triage").with_arguments(arguments))
        .await
        .expect("prompts/get");
    let messages = serde_json::to_value(&prompt.messages).unwrap();
    assert!(messages[0]["content"]["text"].as_str().unwrap().contains("Triage ServiceNow incident INC0010003"));
    assert_eq!(messages[1]["content"]["uri"], "servicenow://incident/INC0010003", "{messages}");

    let typed = |value: &str| {
        CompleteRequestParams::new(Reference::for_prompt("servicenow_triage"), ArgumentInfo::new("number", value))
    };
    let completed = host.client.complete(typed("INC001000")).await.expect("complete");
    let mut values = completed.completion.values.clone();
    values.sort();
    assert_eq!(values.first().map(String::as_str), Some("INC0010001"), "{values:?}");
    assert!(values.iter().all(|value| value.starts_with("INC001000")), "{values:?}");
    let template = Reference::for_resource("servicenow://incident/{number}");
    let completed = host
        .client
        .complete(CompleteRequestParams::new(template, ArgumentInfo::new("number", "INC0010012")))
        .await
        .expect("complete");
    assert_eq!(completed.completion.values, ["INC0010012"]);
}
