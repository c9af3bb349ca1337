//! The jira adapter, end to end: the real `berth` binary serving the real
//! component over stdio to rmcp's client, against the fake Jira Cloud site
//! (with Service Management) over HTTPS, with the tenant's config and
//! credentials stored through the CLI the way an operator stores them:
//! Basic (e-mail and API token) on the site, and an OAuth bearer token
//! through the API gateway form `/ex/jira/{cloudId}`.

use crate::support::adapters::AdapterTenant;
use crate::support::{StdioHost, is_error, text};
use berth_fakes::jira::{self, FakeJira, Options};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A fake site, a data directory whose `default` tenant is configured for
/// it, and the settings that let the host reach it.
struct Setup {
    fake: FakeJira,
    tenant: AdapterTenant,
}

impl Setup {
    /// A fake site; the tenant's `site` points at it, with no credential
    /// yet.
    async fn start() -> Self {
        let fake = FakeJira::start(Options::default()).await.expect("start the fake site");
        let setup = Self { fake, tenant: AdapterTenant::new(&["jira"]) };
        setup.config("site", &setup.fake.host());
        setup
    }

    /// Started, with Basic auth as Mia (e-mail and API token).
    async fn with_basic_auth() -> Self {
        let setup = Self::start().await;
        setup.basic_auth(jira::API_TOKEN);
        setup
    }

    fn config(&self, key: &str, value: &str) {
        self.tenant.config("jira", key, value);
    }

    /// Stores the credential bound to the fake's origin (set before any
    /// host has served the plugin, so the binding is explicit).
    fn set_credential(&self, args: &[&str], secret: &str) {
        self.tenant.credential("jira", "jira", &self.fake.site_url(), args, secret);
    }

    fn basic_auth(&self, token: &str) {
        self.set_credential(&["--scheme", "basic", "--username", jira::EMAIL], token);
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls `jira_{tool}` and returns its JSON output, failing the test when
/// the call fails.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    host.call_json(&format!("jira_{tool}"), arguments).await
}

/// Calls `jira_{tool}`, expecting a tool error; returns its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    host.call_refused(&format!("jira_{tool}"), arguments).await
}

/// The keys of the issues in an answer.
fn keys(answer: &Value) -> Vec<String> {
    answer["issues"]
        .as_array()
        .unwrap_or_else(|| panic!("no issues in {answer}"))
        .iter()
        .map(|issue| issue["key"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn issues_are_searched_with_jql_and_paged_by_token() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;
    let mut tools = host.tool_names().await;
    tools.retain(|tool| tool.starts_with("jira_"));
    tools.sort();
    assert_eq!(
        tools,
        [
            "jira_add_comment",
            "jira_assign_issue",
            "jira_create_issue",
            "jira_create_request",
            "jira_get_issue",
            "jira_list_queues",
            "jira_list_request_types",
            "jira_list_service_desks",
            "jira_list_transitions",
            "jira_queue_issues",
            "jira_search_issues",
            "jira_transition_issue",
        ]
    );

    // Paging by token walks the project once, in the query's order.
    let mut paged = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut arguments = json!({"jql": "project = OPS ORDER BY key ASC", "limit": 3});
        if let Some(token) = &token {
            arguments["next_page_token"] = json!(token);
        }
        let page = call(&host, "search_issues", arguments).await;
        assert!(keys(&page).len() <= 3, "{page}");
        paged.extend(keys(&page));
        token = page["next_page_token"].as_str().map(str::to_owned);
        assert_eq!(page["is_last"], token.is_none(), "{page}");
        if token.is_none() {
            break;
        }
    }
    let expected: Vec<String> = (1..=8).map(|n| format!("OPS-{n}")).collect();
    assert_eq!(paged, expected);
    let searches: Vec<String> = setup.fake.hits().all().into_iter().filter(|hit| hit.contains("/search")).collect();
    assert!(searches.iter().all(|hit| hit == "POST /rest/api/3/search/jql"), "only the enhanced search: {searches:?}");

    // JQL with text, priorities and categories; issues come normalised.
    let vpn = call(
        &host,
        "search_issues",
        json!({"jql": "text ~ \"vpn\" AND priority in (High, Highest) AND statusCategory != Done ORDER BY key ASC", "fields": ["components"]}),
    )
    .await;
    assert_eq!(keys(&vpn), ["HELP-5", "HELP-7", "OPS-5", "OPS-7"], "{vpn}");
    let ops5 = vpn["issues"].as_array().unwrap().iter().find(|issue| issue["key"] == "OPS-5").unwrap();
    assert_eq!(ops5["status"], json!({"name": "In Progress", "category": "indeterminate"}));
    assert_eq!(ops5["priority"], "Highest");
    assert_eq!(ops5["assignee"]["display_name"], "Jonas Lindqvist");
    assert!(ops5["assignee"].get("email").is_none(), "Jonas hides his address: {ops5}");
    assert_eq!(ops5["url"], format!("https://{}/browse/OPS-5", setup.fake.host()));
    assert!(ops5["updated"].as_str().unwrap().ends_with('Z'), "{ops5}");
    assert_eq!(ops5["other_fields"]["components"], json!([]));
    assert!(ops5.get("description").is_none(), "search leaves descriptions out unless asked");

    // Jira's own words for a bad query, and for one without a restriction.
    let invalid = call_err(&host, "search_issues", json!({"jql": "project = OPS status = Done"})).await;
    assert!(invalid.contains("Error in the JQL Query") && invalid.contains("'OR' or 'AND'"), "{invalid}");
    let unbounded = call_err(&host, "search_issues", json!({"jql": "ORDER BY key DESC"})).await;
    assert!(unbounded.contains("Unbounded JQL queries are not allowed"), "{unbounded}");
    let fields = call_err(&host, "search_issues", json!({"jql": "project = OPS", "fields": ["*all"]})).await;
    assert!(fields.contains("not a Jira field id"), "{fields}");
}

#[tokio::test]
async fn an_issue_is_read_created_commented_moved_and_assigned() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;

    let read = call(&host, "get_issue", json!({"key": "ops-5"})).await;
    assert_eq!(read["issue"]["key"], "OPS-5");
    assert!(read["issue"]["description"].as_str().unwrap().len() > 20, "ADF read as text: {read}");
    let comments = read["comments"].as_array().unwrap();
    assert!(!comments.is_empty() && read["comment_count"].as_u64() == Some(comments.len() as u64), "{read}");
    let created: Vec<&str> = comments.iter().map(|comment| comment["created"].as_str().unwrap()).collect();
    let mut sorted = created.clone();
    sorted.sort();
    assert_eq!(created, sorted, "oldest first");
    let missing = call_err(&host, "get_issue", json!({"key": "OPS-999"})).await;
    assert!(missing.contains("issue `OPS-999`") && missing.contains("does not exist"), "{missing}");
    let refused = call_err(&host, "get_issue", json!({"key": "OPS-1/../../myself"})).await;
    assert!(refused.contains("not an issue key"), "{refused}");

    let created = call(
        &host,
        "create_issue",
        json!({
            "project": "OPS",
            "summary": "Badge reader at door 3 rejects every card",
            "description": "Since 07:00 the reader blinks red.\nEvery card.\n\nFacilities are aware.",
            "priority": "High",
            "labels": ["facilities", "access"],
            "assignee": "tomas.okafor@example.com",
        }),
    )
    .await;
    let key = created["key"].as_str().unwrap().to_owned();
    assert_eq!(key, "OPS-9", "{created}");
    assert_eq!((created["issue_type"].as_str(), created["priority"].as_str()), (Some("Task"), Some("High")));
    assert_eq!(created["assignee"]["email"], "tomas.okafor@example.com");
    assert_eq!(created["description"], "Since 07:00 the reader blinks red.\nEvery card.\n\nFacilities are aware.");
    let stored = setup.fake.issue(&key).unwrap();
    assert_eq!(stored["fields"]["description"]["type"], "doc", "written as ADF");
    assert_eq!(stored["fields"]["description"]["content"].as_array().unwrap().len(), 2, "two paragraphs");
    assert_eq!(stored["fields"]["labels"], json!(["facilities", "access"]));

    let comment = call(&host, "add_comment", json!({"key": key, "body": "A technician is on the way."})).await;
    assert_eq!(
        (comment["body"].as_str(), comment["public"].as_bool()),
        (Some("A technician is on the way."), Some(true))
    );
    assert_eq!(comment["author"]["display_name"], "Mia Krystof");
    let internal =
        call_err(&host, "add_comment", json!({"key": key, "body": "Firmware suspect.", "internal": true})).await;
    assert!(internal.contains("internal notes exist only in Jira Service Management projects"), "{internal}");
    assert_eq!(setup.fake.comments(&key).len(), 1, "the refused note was never sent");

    let transitions = call(&host, "list_transitions", json!({"key": key})).await;
    assert_eq!(transitions["status"]["name"], "To Do");
    let offered: Vec<(&str, &str)> = transitions["transitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|transition| (transition["id"].as_str().unwrap(), transition["to"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(offered, [("11", "In Progress"), ("41", "Done")], "{transitions}");

    let started = call(&host, "transition_issue", json!({"key": key, "transition": "in progress"})).await;
    assert_eq!(started["performed"]["id"], "11");
    assert_eq!(started["issue"]["status"]["name"], "In Progress");
    let again = call(&host, "transition_issue", json!({"key": key, "transition": "In Progress"})).await;
    assert!(again.get("performed").is_none(), "already there: {again}");
    let nowhere = call_err(&host, "transition_issue", json!({"key": key, "transition": "Closed"})).await;
    assert!(nowhere.contains("Jira offers") && nowhere.contains("21 `Request review` → In Review"), "{nowhere}");
    let done = call(
        &host,
        "transition_issue",
        json!({"key": key, "transition": "41", "comment": "Replaced the reader.", "resolution": "Done"}),
    )
    .await;
    assert_eq!(done["issue"]["status"], json!({"name": "Done", "category": "done"}));
    assert_eq!(done["issue"]["resolution"], "Done");
    let said: Vec<String> = setup
        .fake
        .comments(&key)
        .iter()
        .map(|comment| comment["body"]["content"][0]["content"][0]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(said, ["A technician is on the way.", "Replaced the reader."]);

    let assigned = call(&host, "assign_issue", json!({"key": key, "assignee": "mia.krystof@example.com"})).await;
    assert_eq!(assigned["assignee"]["account_id"], jira::ACCOUNT_ID);
    let unassigned = call(&host, "assign_issue", json!({"key": key, "assignee": null})).await;
    assert!(unassigned.get("assignee").is_none(), "{unassigned}");
    assert!(setup.fake.issue(&key).unwrap()["fields"]["assignee"].is_null());
    let nobody = call_err(&host, "assign_issue", json!({"key": key, "assignee": "nobody@example.com"})).await;
    assert!(nobody.contains("no Jira user matches `nobody@example.com`"), "{nobody}");
}

#[tokio::test]
async fn service_management_request_types_requests_notes_and_queues() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;

    let desks = call(&host, "list_service_desks", json!({})).await;
    assert_eq!(desks["service_desks"], json!([{"id": "1", "project_key": "HELP", "project_name": "IT Help Desk"}]));
    // No desk configured or given: the site's only one.
    let types = call(&host, "list_request_types", json!({})).await;
    assert_eq!(types["service_desk_id"], "1");
    let names: Vec<(&str, &str)> = types["request_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kind| (kind["id"].as_str().unwrap(), kind["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names, [("10", "Get IT help"), ("11", "Request new hardware"), ("12", "Report a system problem")]);

    let request = call(
        &host,
        "create_request",
        json!({
            "request_type_id": "11",
            "summary": "Second monitor for the finance team",
            "description": "Two 27\" monitors, please.",
            "on_behalf_of": "aroha.ngata@example.com",
        }),
    )
    .await;
    let key = request["key"].as_str().unwrap().to_owned();
    assert_eq!(key, "HELP-9", "{request}");
    assert_eq!(request["status"]["name"], "Waiting for support");
    assert_eq!(request["reporter"]["display_name"], "Aroha Ngata");
    assert!(request["portal_url"].as_str().unwrap().contains("/servicedesk/customer/portal/1/HELP-9"), "{request}");

    let note =
        call(&host, "add_comment", json!({"key": key, "body": "Ordered from the usual supplier.", "internal": true}))
            .await;
    assert_eq!(note["public"], false, "{note}");
    let reply = call(&host, "add_comment", json!({"key": key, "body": "They will arrive on Thursday."})).await;
    assert_eq!(reply["public"], true, "{reply}");
    let stored = setup.fake.comments(&key);
    assert_eq!(
        stored.iter().map(|comment| comment["jsdPublic"].as_bool().unwrap()).collect::<Vec<_>>(),
        [false, true],
        "{stored:?}"
    );
    let read = call(&host, "get_issue", json!({"key": key})).await;
    let visible: Vec<bool> =
        read["comments"].as_array().unwrap().iter().map(|comment| comment["public"].as_bool().unwrap()).collect();
    assert_eq!(visible, [false, true], "{read}");

    let queues = call(&host, "list_queues", json!({"service_desk_id": "HELP"})).await;
    let listed: Vec<&str> =
        queues["queues"].as_array().unwrap().iter().map(|queue| queue["name"].as_str().unwrap()).collect();
    assert_eq!(listed, ["All open", "Assigned to me", "Unassigned", "Waiting for customer"], "{queues}");
    assert!(queues["queues"][0]["issue_count"].as_u64().unwrap() >= 5, "{queues}");
    let waiting = call(&host, "queue_issues", json!({"queue_id": "4"})).await;
    assert_eq!(keys(&waiting), ["HELP-5"], "{waiting}");
    assert_eq!(waiting["issues"][0]["status"]["name"], "Waiting for customer");
    let mut open = Vec::new();
    let mut start: Option<u64> = Some(0);
    while let Some(at) = start {
        let page = call(&host, "queue_issues", json!({"queue_id": "1", "limit": 2, "start": at})).await;
        open.extend(keys(&page));
        start = page["next_start"].as_u64();
        assert!(open.len() <= 20, "paging ends");
    }
    assert!(open.contains(&key) && open.len() >= 5, "{open:?}");
}

#[tokio::test]
async fn an_oauth_token_goes_through_the_api_gateway() {
    let setup = Setup::start().await;
    setup.config("cloud_id", jira::CLOUD_ID);
    setup.config("api_gateway", &setup.fake.host());
    setup.set_credential(&["--scheme", "bearer"], jira::ACCESS_TOKEN);
    let host = setup.host().await;
    let read = call(&host, "get_issue", json!({"key": "HELP-7"})).await;
    assert_eq!(read["issue"]["summary"], "Cannot connect to the VPN from home since this morning");
    assert_eq!(read["issue"]["url"], format!("https://{}/browse/HELP-7", setup.fake.host()), "links go to the site");
    let queues = call(&host, "list_queues", json!({})).await;
    assert_eq!(queues["queues"].as_array().unwrap().len(), 4);
    let gateway = format!("/ex/jira/{}/rest/", jira::CLOUD_ID);
    let hits = setup.fake.hits().all();
    assert!(
        hits.iter().all(|hit| hit.split_once(' ').unwrap().1.starts_with(&gateway)),
        "every request went through the gateway: {hits:?}"
    );
    assert!(hits.iter().any(|hit| hit.contains("/rest/servicedeskapi/servicedesk/1/queue")), "{hits:?}");
    drop(host);

    // A cloud id the gateway does not know is named as the setting to fix.
    setup.config("cloud_id", "00000000-0000-0000-0000-000000000000");
    let host = setup.host().await;
    let unknown = call_err(&host, "get_issue", json!({"key": "HELP-7"})).await;
    assert!(unknown.contains("does not know this site") && unknown.contains("`cloud_id`"), "{unknown}");
}

#[tokio::test]
async fn basic_auth_also_works_through_the_gateway() {
    let setup = Setup::start().await;
    setup.config("cloud_id", jira::CLOUD_ID);
    setup.config("api_gateway", &setup.fake.host());
    setup.basic_auth(jira::API_TOKEN);
    let host = setup.host().await;
    let page = call(&host, "search_issues", json!({"jql": "assignee = currentUser() ORDER BY key ASC"})).await;
    assert_eq!(keys(&page), ["HELP-4", "OPS-6", "OPS-7"], "{page}");
    assert_eq!(setup.fake.hits().count(&format!("/ex/jira/{}/rest/api/3/search/jql", jira::CLOUD_ID)), 1);
}

#[tokio::test]
async fn wrong_credentials_get_a_clear_error() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let missing = call_err(&host, "get_issue", json!({"key": "OPS-1"})).await;
    assert!(missing.contains("credential could not be used") && missing.contains("berth credential set"), "{missing}");
    assert_eq!(setup.fake.hits().all().len(), 0, "nothing was sent without a credential");
    drop(host);

    setup.basic_auth("not-the-token");
    let host = setup.host().await;
    let rejected = call_err(&host, "search_issues", json!({"jql": "project = OPS"})).await;
    assert!(rejected.contains("Jira rejected the `jira` credential"), "{rejected}");
    assert!(rejected.contains("Client must be authenticated"), "Jira's reason is passed on: {rejected}");
    assert!(
        rejected.contains("--scheme basic --username <email>") && rejected.contains("--scheme bearer"),
        "and how to store a working one: {rejected}"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_by_the_host_and_a_long_one_says_when_to_retry() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;
    setup.fake.limit_requests(0, 1);
    let started = Instant::now();
    let read = call(&host, "get_issue", json!({"key": "OPS-3", "comments": 0})).await;
    assert_eq!(read["issue"]["summary"], "Nightly Postgres backup job exits 0 but writes an empty archive");
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After was waited out");
    let sent: Vec<String> =
        setup.fake.hits().all().into_iter().filter(|hit| hit.contains("/rest/api/3/issue/OPS-3")).collect();
    assert_eq!(sent.len(), 2, "the same request went out twice: {sent:?}");
    assert_eq!(sent[0], sent[1]);

    setup.fake.limit_requests(0, 120);
    let limited = call_err(&host, "search_issues", json!({"jql": "project = OPS"})).await;
    assert!(limited.contains("rate limiting") && limited.contains("120 s"), "{limited}");
}

/// The ticket ids of a desk answer.
fn ticket_ids(answer: &Value) -> Vec<String> {
    answer["tickets"].as_array().unwrap().iter().map(|ticket| ticket["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn the_desk_refines_categories_by_status_name_and_cuts_at_updated_since_exactly() {
    let setup = Setup::with_basic_auth().await;
    let host = setup.host().await;
    let desk = |arguments: Value| {
        let host = &host;
        async move {
            let result = host.call_ok("tickets_search", arguments.clone()).await;
            assert!(!is_error(&result), "{arguments}: {}", text(&result));
            result.structured_content.clone().unwrap()
        }
    };

    // "Waiting for customer" is In Progress to Jira and pending to the desk.
    let pending = desk(json!({"status": ["pending"]})).await;
    assert_eq!(ticket_ids(&pending), ["jira:HELP-5"], "{pending}");
    assert_eq!(pending["tickets"][0]["status"], json!({"category": "pending", "name": "Waiting for customer"}));
    let working = desk(json!({"status": ["in_progress"], "limit": 100})).await;
    let working_ids = ticket_ids(&working);
    assert!(working_ids.contains(&"jira:OPS-5".to_owned()) && !working_ids.contains(&"jira:HELP-5".to_owned()));
    let closed = desk(json!({"status": ["closed"]})).await;
    assert_eq!(ticket_ids(&closed), ["jira:HELP-2", "jira:HELP-1"], "Canceled and Closed, newest first: {closed}");

    // updated_since is written hours early (JQL reads the user's zone) and
    // then applied exactly: the four newest tickets, and no cursor.
    let all = desk(json!({"limit": 100})).await;
    let since = all["tickets"][3]["updated"].as_str().unwrap().to_owned();
    let recent = desk(json!({"updated_since": since})).await;
    assert_eq!(ticket_ids(&recent), ticket_ids(&all)[..4], "{recent}");
    assert!(recent.get("next_cursor").is_none(), "{recent}");

    // People by address; nobody matches nothing, without failing.
    let tomas = desk(json!({"assignee": "tomas.okafor@example.com", "limit": 100})).await;
    assert!(!ticket_ids(&tomas).is_empty());
    assert!(tomas["tickets"].as_array().unwrap().iter().all(|ticket| ticket["assignee"]["name"] == "Tomás Okafor"));
    let nobody = desk(json!({"assignee": "nobody@example.com"})).await;
    assert_eq!((ticket_ids(&nobody).len(), &nobody["failures"]), (0, &json!([])), "{nobody}");
}
