//! The ticket desk, end to end: the host's `tickets_*` tools over the real
//! ticket adapters, each against its fake upstream, through rmcp's client.
//!
//! [`conformance`] is one test of the normalised model that every adapter
//! passes, parameterised by [`System`]: search and its filters, paging with
//! the merged cursor, get with comments, create, comment, transition,
//! assign, an auth failure and a 429. The cross-system tests show one
//! search merging every system, and naming the one that is down.

use crate::support::adapters::AdapterTenant;
use crate::support::http::{audit_tail, cli};
use crate::support::{Answering, StdioHost, is_error, text};
use berth_fakes::Served;
use berth_fakes::jira::{self, FakeJira};
use berth_fakes::opsramp::{self, FakeOpsRamp};
use berth_fakes::servicedesk_plus::{self, FakeServiceDeskPlus};
use berth_fakes::servicenow::{self, FakeServiceNow};
use berth_fakes::zendesk::{self, FakeZendesk};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// A ticket system the desk serves, with what its fake is seeded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    ServiceNow,
    Jira,
    Zendesk,
    ServiceDeskPlus,
    OpsRamp,
}

/// A running fake of one system.
enum Fake {
    ServiceNow(FakeServiceNow),
    Jira(FakeJira),
    Zendesk(FakeZendesk),
    ServiceDeskPlus(FakeServiceDeskPlus),
    OpsRamp(FakeOpsRamp),
}

impl Fake {
    fn served(&self) -> &Served {
        match self {
            Self::ServiceNow(fake) => &fake.served,
            Self::Jira(fake) => &fake.served,
            Self::Zendesk(fake) => &fake.served,
            Self::ServiceDeskPlus(fake) => &fake.served,
            Self::OpsRamp(fake) => &fake.served,
        }
    }

    fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        match self {
            Self::ServiceNow(fake) => fake.limit_requests(budget, retry_after_secs),
            Self::Jira(fake) => fake.limit_requests(budget, retry_after_secs),
            Self::Zendesk(fake) => fake.limit_requests(budget, retry_after_secs),
            Self::ServiceDeskPlus(fake) => fake.limit_requests(budget, retry_after_secs),
            Self::OpsRamp(fake) => fake.limit_requests(budget, retry_after_secs),
        }
    }
}

impl System {
    fn name(self) -> &'static str {
        match self {
            Self::ServiceNow => "servicenow",
            Self::Jira => "jira",
            Self::Zendesk => "zendesk",
            Self::ServiceDeskPlus => "servicedesk-plus",
            Self::OpsRamp => "opsramp",
        }
    }

    /// A user of the fake to assign tickets to, by e-mail.
    fn assignee(self) -> &'static str {
        match self {
            Self::ServiceNow => "beth.anglin@example.com",
            Self::Jira => "tomas.okafor@example.com",
            Self::Zendesk => "priya.natarajan@example.com",
            Self::ServiceDeskPlus => servicedesk_plus::HEATHER_EMAIL,
            Self::OpsRamp => opsramp::ANA_EMAIL,
        }
    }

    /// A well-formed key no ticket has.
    fn missing(self) -> &'static str {
        match self {
            Self::ServiceNow => "INC9999999",
            Self::Jira => "HELP-9999",
            Self::Zendesk => "99999",
            Self::ServiceDeskPlus => "7564000000999999",
            Self::OpsRamp => "INC9999999999",
        }
    }

    /// A seeded ticket with comments, and a phrase in its title.
    fn commented(self) -> (&'static str, &'static str) {
        match self {
            Self::ServiceNow => ("INC0010001", "Email server"),
            Self::Jira => ("HELP-7", "VPN from home"),
            Self::Zendesk => ("101", "VPN disconnects"),
            // The seed's first request (`display_id` 1), addressed by its id.
            Self::ServiceDeskPlus => ("7564000000307001", "VPN connection drops"),
            Self::OpsRamp => (opsramp::VPN_INCIDENT, "VPN gateway"),
        }
    }

    async fn start(self) -> Fake {
        match self {
            Self::ServiceNow => Fake::ServiceNow(FakeServiceNow::start(Default::default()).await.unwrap()),
            Self::Jira => Fake::Jira(FakeJira::start(Default::default()).await.unwrap()),
            Self::Zendesk => Fake::Zendesk(FakeZendesk::start(Default::default()).await.unwrap()),
            Self::ServiceDeskPlus => {
                Fake::ServiceDeskPlus(FakeServiceDeskPlus::start(Default::default()).await.unwrap())
            }
            Self::OpsRamp => Fake::OpsRamp(FakeOpsRamp::start(Default::default()).await.unwrap()),
        }
    }

    /// Points tenant `default`'s adapter at `fake` with a working
    /// credential.
    fn configure(self, tenant: &AdapterTenant, fake: &Fake) {
        let host = fake.served().host();
        match self {
            Self::ServiceNow => {
                tenant.config(self.name(), "instance", &host);
                self.credential(
                    tenant,
                    fake,
                    &["--scheme", "basic", "--username", servicenow::USERNAME],
                    servicenow::PASSWORD,
                );
            }
            Self::Jira => {
                tenant.config(self.name(), "site", &host);
                // Tickets filed without a queue go to the service project.
                tenant.config(self.name(), "default_project", "HELP");
                self.credential(tenant, fake, &["--scheme", "basic", "--username", jira::EMAIL], jira::API_TOKEN);
            }
            Self::Zendesk => {
                tenant.config(self.name(), "site", &host);
                // An API token: Basic as `{email}/token`.
                let username = format!("{}/token", zendesk::EMAIL);
                self.credential(tenant, fake, &["--scheme", "basic", "--username", &username], zendesk::API_TOKEN);
            }
            Self::ServiceDeskPlus => {
                // One fake plays the portal and the Zoho accounts server.
                tenant.config(self.name(), "domain", &host);
                tenant.config(self.name(), "portal", servicedesk_plus::PORTAL);
                tenant.config(self.name(), "accounts_server", &host);
                // Tickets filed without a requester are Bruce's.
                tenant.config(self.name(), "default_requester", servicedesk_plus::BRUCE_EMAIL);
                self.zoho_credential(tenant, fake, servicedesk_plus::REFRESH_TOKEN);
            }
            Self::OpsRamp => {
                tenant.config(self.name(), "api_host", &host);
                tenant.config(self.name(), "tenant_id", opsramp::TENANT_ID);
                self.opsramp_credential(tenant, fake, opsramp::CLIENT_SECRET);
            }
        }
    }

    /// Replaces the credential with one the fake refuses.
    fn break_credential(self, tenant: &AdapterTenant, fake: &Fake) {
        match self {
            Self::ServiceNow => self.credential(
                tenant,
                fake,
                &["--scheme", "basic", "--username", servicenow::USERNAME],
                "wrong-password",
            ),
            Self::Jira => {
                self.credential(tenant, fake, &["--scheme", "basic", "--username", jira::EMAIL], "wrong-token")
            }
            Self::Zendesk => {
                let username = format!("{}/token", zendesk::EMAIL);
                self.credential(tenant, fake, &["--scheme", "basic", "--username", &username], "wrong-token")
            }
            Self::ServiceDeskPlus => self.zoho_credential(tenant, fake, "1000.not-the-refresh-token"),
            Self::OpsRamp => self.opsramp_credential(tenant, fake, "not-the-secret"),
        }
    }

    /// An OpsRamp API integration's key and `secret`, exchanged by the host
    /// at the fake's token endpoint.
    fn opsramp_credential(self, tenant: &AdapterTenant, fake: &Fake, secret: &str) {
        let token_url = format!("{}/auth/oauth/token", fake.served().base_url());
        let scheme =
            ["--scheme", "oauth2-client-credentials", "--token-url", &token_url, "--client-id", opsramp::CLIENT_ID];
        self.credential(tenant, fake, &scheme, secret);
    }

    /// A Zoho refresh-token credential against the fake's token endpoint.
    fn zoho_credential(self, tenant: &AdapterTenant, fake: &Fake, refresh_token: &str) {
        let token_url = format!("{}/oauth/v2/token", fake.served().base_url());
        let scheme = [
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
        self.credential(tenant, fake, &scheme, &secret);
    }

    fn credential(self, tenant: &AdapterTenant, fake: &Fake, scheme: &[&str], secret: &str) {
        tenant.credential(self.name(), self.name(), &fake.served().base_url(), scheme, secret);
    }
}

/// Systems with their fakes, a data directory configured for all of them,
/// and a host serving them over stdio.
struct Desk {
    fakes: Vec<(System, Fake)>,
    tenant: AdapterTenant,
}

impl Desk {
    async fn start(systems: &[System]) -> Self {
        let names: Vec<&str> = systems.iter().map(|system| system.name()).collect();
        let tenant = AdapterTenant::new(&names);
        let mut fakes = Vec::new();
        for system in systems {
            let fake = system.start().await;
            system.configure(&tenant, &fake);
            fakes.push((*system, fake));
        }
        Self { fakes, tenant }
    }

    fn fake(&self, system: System) -> &Fake {
        &self.fakes.iter().find(|(known, _)| *known == system).expect("the desk has this system").1
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls a desk tool, which must succeed; its structured answer.
async fn desk(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    let result = host.call_ok(tool, arguments.clone()).await;
    assert!(!is_error(&result), "{tool} {arguments}: {}", text(&result));
    result.structured_content.clone().expect("desk tools answer structured content")
}

/// Calls a desk tool, which must fail; what it says.
async fn refused(host: &StdioHost, tool: &str, arguments: Value) -> String {
    let result = host.call_ok(tool, arguments.clone()).await;
    assert!(is_error(&result), "{tool} {arguments} should fail: {}", text(&result));
    text(&result)
}

fn ids(answer: &Value) -> Vec<String> {
    answer["tickets"].as_array().unwrap().iter().map(|ticket| ticket["id"].as_str().unwrap().to_owned()).collect()
}

/// Every ticket id `tickets_search` with `search` returns, page after page.
async fn walk(host: &StdioHost, search: Value) -> Vec<String> {
    let mut paged = Vec::new();
    let mut arguments = search;
    for _ in 0..50 {
        let page = desk(host, "tickets_search", arguments.clone()).await;
        paged.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => arguments["cursor"] = json!(cursor),
            None => return paged,
        }
    }
    panic!("50 pages and no end: {paged:?}");
}

fn assert_newest_first(answer: &Value) {
    let updated: Vec<time::OffsetDateTime> = answer["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| {
            let text = ticket["updated"].as_str().unwrap();
            time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                .unwrap_or_else(|_| panic!("`updated` is RFC 3339: {text}"))
        })
        .collect();
    assert!(updated.windows(2).all(|pair| pair[0] >= pair[1]), "newest first: {answer}");
}

/// The normalised model over one system, from search to assignment.
async fn conformance(system: System) {
    let setup = Desk::start(&[system]).await;
    let host = setup.host().await;
    let name = system.name();
    let tools: BTreeSet<String> = host.tool_names().await.into_iter().collect();
    for tool in ["tickets_search", "tickets_get", "tickets_create", "tickets_comment", "tickets_update"] {
        assert!(tools.contains(tool), "{tool} is listed: {tools:?}");
    }

    // Search: every ticket normalised, newest first.
    let all = desk(&host, "tickets_search", json!({"limit": 100})).await;
    let every = ids(&all);
    assert!(every.len() >= 5, "{all}");
    assert!(every.iter().all(|id| id.starts_with(&format!("{name}:"))), "{every:?}");
    assert_eq!(all["failures"], json!([]));
    assert!(all.get("next_cursor").is_none(), "one page holds everything: {all}");
    assert_newest_first(&all);
    for ticket in all["tickets"].as_array().unwrap() {
        let category = ticket["status"]["category"].as_str().unwrap();
        assert!(["new", "open", "pending", "in_progress", "resolved", "closed"].contains(&category), "{ticket}");
        assert!(!ticket["status"]["name"].as_str().unwrap().is_empty(), "{ticket}");
        assert!(ticket["title"].as_str().is_some_and(|title| !title.is_empty()), "{ticket}");
    }

    // Filters hold on every result.
    let urgent =
        desk(&host, "tickets_search", json!({"status": ["unresolved"], "priority": ["critical", "high"]})).await;
    assert!(!ids(&urgent).is_empty(), "the seed has urgent open tickets: {urgent}");
    for ticket in urgent["tickets"].as_array().unwrap() {
        assert!(["critical", "high"].contains(&ticket["priority"]["level"].as_str().unwrap()), "{ticket}");
        assert!(!["resolved", "closed"].contains(&ticket["status"]["category"].as_str().unwrap()), "{ticket}");
    }
    let (key, phrase) = system.commented();
    let found = desk(&host, "tickets_search", json!({"text": phrase})).await;
    assert!(ids(&found).contains(&format!("{name}:{key}")), "{found}");

    // Paging walks everything once, in the same order.
    let paged = walk(&host, json!({"limit": 3})).await;
    assert_eq!(paged, every, "pages of 3 hold what one page of 100 does");
    let stale = desk(&host, "tickets_search", json!({"limit": 3})).await;
    let other = refused(
        &host,
        "tickets_search",
        json!({"limit": 3, "text": "printer", "cursor": stale["next_cursor"].as_str().unwrap()}),
    )
    .await;
    assert!(other.contains("other filters"), "{other}");

    // Get, with the conversation.
    let ticket = desk(&host, "tickets_get", json!({"id": format!("{name}:{key}")})).await;
    assert_eq!(ticket["key"], key);
    assert!(ticket["title"].as_str().unwrap().contains(phrase), "{ticket}");
    let comments = ticket["comments"].as_array().unwrap();
    assert!(!comments.is_empty(), "{ticket}");
    assert!(comments.iter().any(|comment| !comment["body"].as_str().unwrap().is_empty()));
    let missing = refused(&host, "tickets_get", json!({"id": format!("{name}:{}", system.missing())})).await;
    assert!(missing.contains(name) && missing.contains("not found"), "named, and said: {missing}");

    // Create, then find it.
    let created = desk(
        &host,
        "tickets_create",
        json!({"system": name, "title": "Badge reader at door 3 rejects every card", "description": "Since 07:00 the reader blinks red.", "priority": "high"}),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with(&format!("{name}:")), "{created}");
    assert_eq!(created["priority"]["level"], "high", "{created}");
    let read = desk(&host, "tickets_get", json!({"id": id})).await;
    assert!(read["description"].as_str().unwrap().contains("blinks red"), "{read}");

    // Comment: public and internal.
    let public =
        desk(&host, "tickets_comment", json!({"id": id, "body": "We are sending a technician.", "public": true})).await;
    assert_eq!(public["comment"]["public"], true, "{public}");
    let internal = desk(&host, "tickets_comment", json!({"id": id, "body": "Reader firmware 2.1 is suspect."})).await;
    assert_eq!(internal["comment"]["public"], false, "{internal}");
    let read = desk(&host, "tickets_get", json!({"id": id})).await;
    let said: Vec<(String, bool)> = read["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|comment| (comment["body"].as_str().unwrap().to_owned(), comment["public"].as_bool().unwrap()))
        .collect();
    assert!(said.contains(&("We are sending a technician.".to_owned(), true)), "{said:?}");
    assert!(said.contains(&("Reader firmware 2.1 is suspect.".to_owned(), false)), "{said:?}");

    // Transition and assignment.
    let working =
        desk(&host, "tickets_update", json!({"id": id, "status": "in_progress", "assignee": system.assignee()})).await;
    assert_eq!(working["status"]["category"], "in_progress", "{working}");
    assert_eq!(working["assignee"]["email"], system.assignee(), "{working}");
    let unassigned = desk(&host, "tickets_update", json!({"id": id, "assignee": null})).await;
    assert!(unassigned.get("assignee").is_none(), "{unassigned}");
    let resolved =
        desk(&host, "tickets_update", json!({"id": id, "status": "resolved", "note": "Replaced the reader."})).await;
    assert_eq!(resolved["status"]["category"], "resolved", "{resolved}");
    let nothing = refused(&host, "tickets_update", json!({"id": id})).await;
    assert!(nothing.contains("nothing to update"), "{nothing}");

    // A 429 with Retry-After is waited out.
    let fake = setup.fake(system);
    fake.limit_requests(0, 1);
    let started = std::time::Instant::now();
    let again = desk(&host, "tickets_get", json!({"id": format!("{name}:{key}")})).await;
    assert_eq!(again["key"], key);
    assert!(started.elapsed() >= std::time::Duration::from_millis(900), "the answer waited out Retry-After: 1");
    drop(host);

    // A refused credential is named, with what to do.
    system.break_credential(&setup.tenant, fake);
    let host = setup.host().await;
    let denied = refused(&host, "tickets_search", json!({})).await;
    assert!(denied.contains(name) && denied.contains("credential"), "{denied}");
}

#[tokio::test]
async fn servicenow_serves_the_normalised_desk() {
    conformance(System::ServiceNow).await;
}

#[tokio::test]
async fn jira_serves_the_normalised_desk() {
    conformance(System::Jira).await;
}

#[tokio::test]
async fn zendesk_serves_the_normalised_desk() {
    conformance(System::Zendesk).await;
}

#[tokio::test]
async fn servicedesk_plus_serves_the_normalised_desk() {
    conformance(System::ServiceDeskPlus).await;
}

#[tokio::test]
async fn opsramp_in_python_serves_the_normalised_desk() {
    conformance(System::OpsRamp).await;
}

/// The systems of the tickets in a search answer.
fn systems(answer: &Value) -> BTreeSet<String> {
    answer["tickets"].as_array().unwrap().iter().map(|ticket| ticket["system"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn one_search_merges_every_system_and_names_the_one_that_is_down() {
    let every = [System::ServiceNow, System::Jira, System::Zendesk, System::ServiceDeskPlus, System::OpsRamp];
    let setup = Desk::start(&every).await;
    let host = setup.host().await;
    let vpn = json!({"text": "VPN", "status": ["unresolved"], "limit": 50});

    let merged = desk(&host, "tickets_search", vpn.clone()).await;
    assert_eq!(systems(&merged), every.iter().map(|system| system.name().to_owned()).collect(), "{merged}");
    assert_eq!(merged["failures"], json!([]));
    assert_newest_first(&merged);
    for ticket in merged["tickets"].as_array().unwrap() {
        let text = format!("{} {}", ticket["title"], ticket["description"]).to_lowercase();
        assert!(text.contains("vpn"), "{ticket}");
        assert!(!["resolved", "closed"].contains(&ticket["status"]["category"].as_str().unwrap()), "{ticket}");
    }

    // Pages of 3 across the five systems hold what one page of 50 does.
    let paged = walk(&host, json!({"text": "VPN", "status": ["unresolved"], "limit": 3})).await;
    assert_eq!(paged, ids(&merged), "merged paging loses and repeats nothing");

    // Zendesk goes down: the others still answer, and it is named.
    setup.fake(System::Zendesk).served().set_down(true);
    let partial = desk(&host, "tickets_search", vpn.clone()).await;
    let others = ["jira", "opsramp", "servicedesk-plus", "servicenow"].map(str::to_owned).into();
    assert_eq!(systems(&partial), others, "{partial}");
    let failures = partial["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{partial}");
    assert_eq!(failures[0]["system"], "zendesk");
    assert!(failures[0]["error"].as_str().unwrap().contains("503"), "{partial}");
    let expected: Vec<String> = ids(&merged).into_iter().filter(|id| !id.starts_with("zendesk:")).collect();
    assert_eq!(ids(&partial), expected, "the others' results are the same, in the same order");

    // `systems` narrows the search to the ones named.
    let narrowed = desk(&host, "tickets_search", json!({"text": "VPN", "systems": ["servicenow", "jira"]})).await;
    assert_eq!(systems(&narrowed), ["jira".to_owned(), "servicenow".to_owned()].into(), "{narrowed}");
    assert_eq!(narrowed["failures"], json!([]), "a system not asked is not named");
    let unknown = refused(&host, "tickets_search", json!({"systems": ["remedy"]})).await;
    assert!(unknown.contains("remedy") && unknown.contains("servicenow"), "{unknown}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_desk_update_the_policy_names_runs_only_once_a_person_approves_it() {
    let setup = Desk::start(&[System::Jira]).await;
    let data = setup.tenant.path();
    cli(data, &["tenant", "add", "default"]);
    cli(data, &["tenant", "enable", "default", "jira"]);
    cli(data, &["tenant", "policy", "set", "default", "--confirm-tools", "tickets_update"]);
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let person = |approve: bool| Answering::with(json!({"approve": approve}), &asked);

    let declining = StdioHost::start_with(setup.tenant.start(), person(false)).await;
    let found = declining.call_json("tickets_search", json!({"status": ["unresolved"], "limit": 1})).await;
    let id = found["tickets"][0]["id"].as_str().expect("a ticket").to_owned();
    let status = |ticket: &Value| ticket["status"]["category"].as_str().unwrap_or_default().to_owned();
    let before = status(&declining.call_json("tickets_get", json!({"id": id})).await);
    assert_ne!(before, "resolved");
    let update = json!({"id": id, "status": "resolved", "note": "Reseated the cable."});
    let declined = declining.call_refused("tickets_update", update.clone()).await;
    assert!(declined.contains("did not run") && declined.contains("declined"), "{declined}");
    assert_eq!(status(&declining.call_json("tickets_get", json!({"id": id})).await), before, "nothing changed");
    drop(declining);

    let approving = StdioHost::start_with(setup.tenant.start(), person(true)).await;
    let updated = approving.call_json("tickets_update", update).await;
    assert_eq!(status(&updated), "resolved", "{updated}");
    let asked = asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "only the updates asked: {asked:?}");
    assert!(asked.iter().all(|question| question.contains("tickets_update") && question.contains(&id)), "{asked:?}");

    let tail = audit_tail(data, 6, &[]).await;
    let updates: Vec<Value> = tail
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .filter(|call| call["tool"] == "tickets_update" && call["plugin"] == "tickets")
        .collect();
    assert_eq!(updates.len(), 2, "the desk's own records: {tail}");
    assert!(updates[0]["outcome"].as_str().unwrap().contains("declined"), "{tail}");
    assert!(updates[1]["outcome"].as_str().unwrap().contains("(approved by stdio)"), "{tail}");
}
