//! The ticket desk, end to end: the host's `tickets_*` tools over the real
//! ticket adapters, each against its fake upstream, through rmcp's client.
//!
//! [`conformance`] is one test of the normalised model that every adapter
//! passes, parameterised by [`System`]: search and its filters, paging with
//! the merged cursor, get with comments, create, comment, transition,
//! assign, an auth failure and a 429. The cross-system tests show one
//! search merging every system, and naming the one that is down.

use crate::support::http::{cli, cli_with_stdin};
use crate::support::{PluginsDir, Start, StdioHost, bundled, is_error, text};
use berth_fakes::Served;
use berth_fakes::servicenow::{self, FakeServiceNow};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// A ticket system the desk serves, with what its fake is seeded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    ServiceNow,
}

/// A running fake of one system.
enum Fake {
    ServiceNow(FakeServiceNow),
}

impl Fake {
    fn served(&self) -> &Served {
        match self {
            Self::ServiceNow(fake) => &fake.served,
        }
    }

    fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        match self {
            Self::ServiceNow(fake) => fake.limit_requests(budget, retry_after_secs),
        }
    }
}

impl System {
    fn name(self) -> &'static str {
        match self {
            Self::ServiceNow => "servicenow",
        }
    }

    /// A user of the fake to assign tickets to, by e-mail.
    fn assignee(self) -> &'static str {
        match self {
            Self::ServiceNow => "beth.anglin@example.com",
        }
    }

    /// A seeded ticket with comments, and a phrase in its title.
    fn commented(self) -> (&'static str, &'static str) {
        match self {
            Self::ServiceNow => ("INC0010001", "Email server"),
        }
    }

    async fn start(self) -> Fake {
        match self {
            Self::ServiceNow => Fake::ServiceNow(FakeServiceNow::start(Default::default()).await.unwrap()),
        }
    }

    /// Points tenant `default`'s adapter at `fake` with a working
    /// credential.
    fn configure(self, data: &Path, fake: &Fake) {
        let host = fake.served().host();
        match self {
            Self::ServiceNow => {
                config(data, self, "instance", &host);
                self.credential(
                    data,
                    fake,
                    &["--scheme", "basic", "--username", servicenow::USERNAME],
                    servicenow::PASSWORD,
                );
            }
        }
    }

    /// Replaces the credential with one the fake refuses.
    fn break_credential(self, data: &Path, fake: &Fake) {
        match self {
            Self::ServiceNow => self.credential(
                data,
                fake,
                &["--scheme", "basic", "--username", servicenow::USERNAME],
                "wrong-password",
            ),
        }
    }

    fn credential(self, data: &Path, fake: &Fake, scheme: &[&str], secret: &str) {
        let origin = fake.served().base_url();
        let name = self.name();
        let mut command = vec!["credential", "set", "--tenant", "default", "--plugin", name, name, "--bind", &origin];
        command.extend_from_slice(scheme);
        cli_with_stdin(data, &command, &format!("{secret}\n"));
    }
}

fn config(data: &Path, system: System, key: &str, value: &str) {
    cli(data, &["config", "set", "--tenant", "default", system.name(), key, value]);
}

/// Systems with their fakes, a data directory configured for all of them,
/// and a host serving them over stdio.
struct Desk {
    fakes: Vec<(System, Fake)>,
    data: tempfile::TempDir,
    plugins: PluginsDir,
    settings: String,
    _ca: tempfile::TempDir,
}

impl Desk {
    async fn start(systems: &[System]) -> Self {
        let ca = tempfile::tempdir().unwrap();
        let data = tempfile::tempdir().unwrap();
        let mut plugins = PluginsDir::new();
        let mut fakes = Vec::new();
        for system in systems {
            let fake = system.start().await;
            system.configure(data.path(), &fake);
            plugins = plugins.with(&bundled(system.name()), &format!("{}.wasm", system.name()));
            fakes.push((*system, fake));
        }
        Self { fakes, data, plugins, settings: crate::support::fakes_settings(ca.path()), _ca: ca }
    }

    fn fake(&self, system: System) -> &Fake {
        &self.fakes.iter().find(|(known, _)| *known == system).expect("the desk has this system").1
    }

    async fn host(&self) -> StdioHost {
        StdioHost::start(Start::new(self.plugins.path(), self.data.path(), &self.settings)).await
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

fn assert_newest_first(answer: &Value) {
    let updated: Vec<&str> =
        answer["tickets"].as_array().unwrap().iter().map(|ticket| ticket["updated"].as_str().unwrap()).collect();
    let mut sorted = updated.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(updated, sorted, "newest first (all in UTC, so text order is time order)");
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
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..50 {
        let mut arguments = json!({"limit": 3});
        if let Some(cursor) = &cursor {
            arguments["cursor"] = json!(cursor);
        }
        let page = desk(&host, "tickets_search", arguments).await;
        paged.extend(ids(&page));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
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
    let missing = refused(&host, "tickets_get", json!({"id": format!("{name}:NOPE-999999")})).await;
    assert!(missing.contains(name), "the failure names the system: {missing}");

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
    let before = fake.served().hits.all().len();
    fake.limit_requests(0, 1);
    let again = desk(&host, "tickets_get", json!({"id": format!("{name}:{key}")})).await;
    assert_eq!(again["key"], key);
    assert!(fake.served().hits.all().len() >= before + 2, "the refused request was retried");
    drop(host);

    // A refused credential is named, with what to do.
    system.break_credential(setup.data.path(), fake);
    let host = setup.host().await;
    let denied = refused(&host, "tickets_search", json!({})).await;
    assert!(denied.contains(name) && denied.contains("credential"), "{denied}");
}

#[tokio::test]
async fn servicenow_serves_the_normalised_desk() {
    conformance(System::ServiceNow).await;
}
