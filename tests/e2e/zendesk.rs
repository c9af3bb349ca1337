//! The zendesk adapter (JavaScript, built with jco), end to end: the real
//! `berth` binary serving the real component over stdio to rmcp's client,
//! against the fake Zendesk account over HTTPS, with the tenant's config and
//! credentials stored through the CLI the way an operator stores them: an
//! API token as Basic (`{email}/token`), and an OAuth access token as
//! Bearer.

use crate::support::adapters::AdapterTenant;
use crate::support::{StdioHost, is_error, text};
use berth_fakes::zendesk::{self, FakeZendesk, Options};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A fake account, a data directory whose `default` tenant is configured
/// for it, and the settings that let the host reach it.
struct Setup {
    fake: FakeZendesk,
    tenant: AdapterTenant,
}

impl Setup {
    /// A fake account; the tenant's `site` points at it, with no credential
    /// yet.
    async fn start() -> Self {
        let fake = FakeZendesk::start(Options::default()).await.expect("start the fake account");
        let tenant = AdapterTenant::new(&["zendesk"]);
        tenant.config("zendesk", "site", &fake.host());
        Self { fake, tenant }
    }

    /// Started, with Li Wei's API token.
    async fn with_api_token() -> Self {
        let setup = Self::start().await;
        setup.api_token(zendesk::API_TOKEN);
        setup
    }

    /// Stores the credential bound to the fake's origin (set before any
    /// host has served the plugin, so the binding is explicit).
    fn set_credential(&self, args: &[&str], secret: &str) {
        self.tenant.credential("zendesk", "zendesk", &self.fake.served.base_url(), args, secret);
    }

    /// An API token, as Zendesk takes it: Basic with `{email}/token`.
    fn api_token(&self, token: &str) {
        let username = format!("{}/token", zendesk::EMAIL);
        self.set_credential(&["--scheme", "basic", "--username", &username], token);
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls `zendesk_{tool}` and returns its structured answer, failing the
/// test when the call fails.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    let result = host.call_ok(&format!("zendesk_{tool}"), arguments.clone()).await;
    assert!(!is_error(&result), "{tool} {arguments} failed: {}", text(&result));
    result.structured_content.clone().expect("zendesk tools answer structured content")
}

/// Calls `zendesk_{tool}`, expecting a tool error; returns its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    let result = host.call_ok(&format!("zendesk_{tool}"), arguments.clone()).await;
    assert!(is_error(&result), "{tool} {arguments} should fail, got {}", text(&result));
    text(&result)
}

fn ticket_ids(answer: &Value) -> Vec<u64> {
    answer["tickets"].as_array().unwrap().iter().map(|ticket| ticket["id"].as_u64().unwrap()).collect()
}

fn updated(answer: &Value) -> Vec<String> {
    answer["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| ticket["updated_at"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tickets_are_listed_newest_first_in_cursor_pages() {
    let setup = Setup::with_api_token().await;
    let host = setup.host().await;
    let mut tools = host.tool_names().await;
    tools.sort();
    assert_eq!(
        tools,
        [
            "tickets_comment",
            "tickets_create",
            "tickets_get",
            "tickets_search",
            "tickets_update",
            "zendesk_add_comment",
            "zendesk_create_ticket",
            "zendesk_find_users",
            "zendesk_get_ticket",
            "zendesk_list_tickets",
            "zendesk_search_tickets",
            "zendesk_update_ticket",
        ]
    );

    let first = call(&host, "list_tickets", json!({"limit": 4})).await;
    assert_eq!(ticket_ids(&first).len(), 4, "{first}");
    assert_eq!(first["has_more"], true);

    let mut every = ticket_ids(&first);
    let mut times = updated(&first);
    let mut listed = first["tickets"].as_array().unwrap().clone();
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(after) = cursor {
        let page = call(&host, "list_tickets", json!({"limit": 4, "cursor": after})).await;
        every.extend(ticket_ids(&page));
        times.extend(updated(&page));
        listed.extend(page["tickets"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        assert_eq!(page["has_more"], cursor.is_some(), "{page}");
    }
    let vpn = listed.iter().find(|ticket| ticket["id"] == 101).expect("ticket 101 is listed");
    assert_eq!(vpn["requester"]["email"], "grace.oconnor@example.com", "people resolved: {vpn}");
    assert_eq!(vpn["assignee"]["name"], "Li Wei");
    assert_eq!((vpn["status"].as_str(), vpn["priority"].as_str()), (Some("open"), Some("urgent")));
    assert_eq!(vpn["group"], "IT Operations");
    assert_eq!(vpn["url"], format!("https://{}/agent/tickets/101", setup.fake.host()));
    assert_eq!(every.len(), 15, "every seeded ticket once: {every:?}");
    assert_eq!(every.iter().collect::<BTreeSet<_>>().len(), 15);
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first across pages");
    let hits = setup.fake.hits().all();
    assert!(hits.iter().any(|hit| hit.contains("page[size]=4") && hit.contains("sort=-updated_at")), "{hits:?}");
    assert!(hits.iter().any(|hit| hit.contains("page[after]=")), "{hits:?}");
}

#[tokio::test]
async fn tickets_are_found_with_zendesk_syntax_and_filters() {
    let setup = Setup::with_api_token().await;
    let host = setup.host().await;

    let urgent = call(&host, "search_tickets", json!({"query": "status<solved", "priority": ["urgent", "high"]})).await;
    assert!(!ticket_ids(&urgent).is_empty(), "{urgent}");
    assert_eq!(urgent["count"].as_u64(), Some(ticket_ids(&urgent).len() as u64));
    for ticket in urgent["tickets"].as_array().unwrap() {
        assert!(["urgent", "high"].contains(&ticket["priority"].as_str().unwrap()), "{ticket}");
        assert!(!["solved", "closed"].contains(&ticket["status"].as_str().unwrap()), "{ticket}");
    }
    let mut times = updated(&urgent);
    times.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated(&urgent), times, "newest first");

    let vpn = call(&host, "search_tickets", json!({"text": "VPN", "assignee": "li.wei@example.com"})).await;
    let found = ticket_ids(&vpn);
    assert!(found.contains(&101) && !found.contains(&102), "Li Wei has 101, Priya 102: {vpn}");
    for ticket in vpn["tickets"].as_array().unwrap() {
        assert_eq!(ticket["assignee"]["id"], zendesk::AGENT_ID.to_string(), "{ticket}");
    }

    // Text is words to find, never syntax.
    let literal = call(&host, "search_tickets", json!({"text": "status:closed"})).await;
    assert!(literal["query"].as_str().unwrap().ends_with("\"status:closed\""), "{literal}");
    assert!(literal["tickets"].as_array().unwrap().iter().all(|ticket| ticket["status"] != "closed"), "{literal}");

    let paged = call(&host, "search_tickets", json!({"status": ["open", "pending", "hold"], "limit": 2})).await;
    assert_eq!((paged["page"].as_u64(), paged["next_page"].as_u64()), (Some(1), Some(2)), "{paged}");
    let second =
        call(&host, "search_tickets", json!({"status": ["open", "pending", "hold"], "limit": 2, "page": 2})).await;
    assert!(ticket_ids(&paged).iter().all(|id| !ticket_ids(&second).contains(id)), "{paged} {second}");

    let bad = call_err(&host, "search_tickets", json!({"updated_since": "last tuesday"})).await;
    assert!(bad.contains("updated_since"), "{bad}");

    let users = call(&host, "find_users", json!({"query": "priya.natarajan@example.com"})).await;
    assert_eq!(users["users"][0]["id"], zendesk::ADMIN_ID.to_string(), "{users}");
    assert_eq!(users["users"][0]["role"], "admin");
    let agents = call(&host, "find_users", json!({"query": "Li", "role": "agent"})).await;
    assert_eq!(agents["users"][0]["name"], "Li Wei", "{agents}");
}

#[tokio::test]
async fn a_ticket_is_read_with_its_conversation_and_the_people_in_it() {
    let setup = Setup::with_api_token().await;
    let host = setup.host().await;
    let read = call(&host, "get_ticket", json!({"id": 101})).await;
    assert_eq!(read["ticket"]["subject"], "VPN disconnects every 10 minutes when working from home");
    assert_eq!(read["ticket"]["status"], "open");
    assert!(read["ticket"]["description"].as_str().unwrap().contains("VPN drops"), "{read}");
    let comments = read["comments"].as_array().unwrap();
    let public: Vec<bool> = comments.iter().map(|comment| comment["public"].as_bool().unwrap()).collect();
    assert_eq!(public, [true, true, false, true], "oldest first, the internal note marked: {read}");
    assert_eq!(comments[2]["author"]["name"], "Li Wei");
    assert!(comments[2]["body"].as_str().unwrap().contains("IKE rekey"));
    assert_eq!(read["comments_truncated"], false);
    let people: BTreeSet<&str> =
        read["users"].as_array().unwrap().iter().map(|user| user["name"].as_str().unwrap()).collect();
    assert_eq!(people, BTreeSet::from(["Grace O'Connor", "Li Wei"]));
    assert_eq!(read["ticket"]["requester"]["email"], "grace.oconnor@example.com");
    assert_eq!(call(&host, "get_ticket", json!({"id": "101"})).await["ticket"]["id"], 101, "a number as text");

    let missing = call_err(&host, "get_ticket", json!({"id": 99999})).await;
    assert!(missing.contains("ticket 99999 was not found") && missing.contains("RecordNotFound"), "{missing}");
}

#[tokio::test]
async fn a_ticket_is_filed_commented_on_and_updated() {
    let setup = Setup::with_api_token().await;
    let host = setup.host().await;
    let created = call(
        &host,
        "create_ticket",
        json!({
            "subject": "Badge reader at door 3 rejects every card",
            "description": "Since 07:00 the reader blinks red.",
            "priority": "high",
            "type": "incident",
            "requester": "marcus.bell@example.com",
            "group": "IT Operations",
            "tags": ["facilities", "door3"],
        }),
    )
    .await;
    let id = created["ticket"]["id"].as_u64().unwrap();
    assert_eq!(created["ticket"]["requester"]["email"], "marcus.bell@example.com", "{created}");
    let stored = setup.fake.ticket(id).expect("the ticket exists");
    assert_eq!(stored["group_id"], zendesk::IT_OPERATIONS_GROUP_ID);
    assert_eq!(stored["requester_id"], zendesk::MARCUS_ID);
    assert_eq!((stored["priority"].as_str(), stored["type"].as_str()), (Some("high"), Some("incident")));
    assert_eq!(stored["tags"], json!(["facilities", "door3"]));

    let reply =
        call(&host, "add_comment", json!({"id": id, "body": "A technician is on the way.", "public": true})).await;
    assert_eq!(reply["comment"]["public"], true, "{reply}");
    assert_eq!(reply["comment"]["author"]["id"], zendesk::AGENT_ID.to_string(), "the credential's user");
    let note = call(&host, "add_comment", json!({"id": id, "body": "Firmware 2.1 is suspect.", "public": false})).await;
    assert_eq!(note["comment"]["public"], false, "{note}");
    let said: Vec<(String, bool)> = setup
        .fake
        .comments(id)
        .iter()
        .map(|comment| (comment["body"].as_str().unwrap().to_owned(), comment["public"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        said,
        [
            ("Since 07:00 the reader blinks red.".to_owned(), true),
            ("A technician is on the way.".to_owned(), true),
            ("Firmware 2.1 is suspect.".to_owned(), false),
        ]
    );
    assert_eq!(note["comment"]["id"], setup.fake.comments(id)[2]["id"], "the stored comment's id");

    let updated = call(
        &host,
        "update_ticket",
        json!({"id": id, "status": "hold", "assignee": "priya.natarajan@example.com", "add_tags": ["vendor"]}),
    )
    .await;
    assert_eq!(updated["ticket"]["status"], "hold", "{updated}");
    assert_eq!(updated["ticket"]["assignee"]["email"], "priya.natarajan@example.com");
    let stored = setup.fake.ticket(id).unwrap();
    assert_eq!(stored["assignee_id"], zendesk::ADMIN_ID);
    assert_eq!(stored["tags"], json!(["facilities", "door3", "vendor"]));
    let unassigned = call(&host, "update_ticket", json!({"id": id, "assignee": null, "priority": "urgent"})).await;
    assert_eq!(unassigned["ticket"]["assignee"], Value::Null, "{unassigned}");
    assert_eq!(setup.fake.ticket(id).unwrap()["priority"], "urgent");

    let end_user = call_err(&host, "update_ticket", json!({"id": id, "assignee": "grace.oconnor@example.com"})).await;
    assert!(end_user.contains("end user"), "{end_user}");
    let nothing = call_err(&host, "update_ticket", json!({"id": id})).await;
    assert!(nothing.contains("nothing to update"), "{nothing}");

    call(&host, "update_ticket", json!({"id": id, "status": "closed"})).await;
    let closed = call_err(&host, "add_comment", json!({"id": id, "body": "Too late", "public": false})).await;
    assert!(closed.contains("closed prevents ticket update"), "Zendesk's details are quoted: {closed}");
}

#[tokio::test]
async fn an_oauth_access_token_is_sent_as_bearer() {
    let setup = Setup::start().await;
    setup.set_credential(&["--scheme", "bearer"], zendesk::ACCESS_TOKEN);
    let host = setup.host().await;
    let listed = call(&host, "list_tickets", json!({"limit": 2})).await;
    assert_eq!(ticket_ids(&listed).len(), 2, "{listed}");
    let note = call(&host, "add_comment", json!({"id": 105, "body": "Parts ordered.", "public": false})).await;
    assert_eq!(note["comment"]["author"]["email"], zendesk::EMAIL, "the token acts as its user: {note}");
}

#[tokio::test]
async fn a_missing_or_wrong_credential_gets_a_clear_error() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let missing = call_err(&host, "list_tickets", json!({})).await;
    assert!(missing.contains("could not be used") && missing.contains("berth credential set"), "{missing}");
    assert_eq!(setup.fake.hits().count("/api/v2/"), 0, "nothing was sent without it");
    drop(host);

    setup.api_token("not-the-token");
    let host = setup.host().await;
    let rejected = call_err(&host, "get_ticket", json!({"id": 101})).await;
    for said in
        ["Zendesk refused the `zendesk` credential", "Couldn't authenticate you", "/token", "--scheme bearer", "2027"]
    {
        assert!(rejected.contains(said), "{said}: {rejected}");
    }
    drop(host);

    setup.tenant.config("zendesk", "site", "https://acme.zendesk.com/");
    let host = setup.host().await;
    let misconfigured = call_err(&host, "list_tickets", json!({})).await;
    assert!(
        misconfigured.contains("is not a host name") && misconfigured.contains("berth config set"),
        "{misconfigured}"
    );
}

#[tokio::test]
async fn a_429_is_waited_out_by_the_host_or_reported_with_its_wait() {
    let setup = Setup::with_api_token().await;
    let host = setup.host().await;
    // Warm the group cache, so the call below makes one request of each kind.
    call(&host, "list_tickets", json!({"limit": 1})).await;
    setup.fake.limit_requests(0, 1);
    let started = Instant::now();
    let read = call(&host, "get_ticket", json!({"id": 104})).await;
    assert_eq!(read["ticket"]["subject"], "Invoice INV-20931 charged twice");
    assert!(started.elapsed() >= Duration::from_millis(900), "Retry-After was waited out");
    let sent: Vec<String> =
        setup.fake.hits().all().into_iter().filter(|hit| hit.starts_with("GET /api/v2/tickets/104")).collect();
    assert_eq!(sent.len(), 3, "the ticket twice (refused, then served), then its comments: {sent:?}");
    assert_eq!(sent[0], sent[1]);

    setup.fake.limit_requests(0, 120);
    let limited = call_err(&host, "add_comment", json!({"id": 104, "body": "Refund issued.", "public": true})).await;
    assert!(limited.contains("rate limiting") && limited.contains("120 s"), "{limited}");
}
