//! The github adapter, end to end: the real `berth` binary serving the
//! real component over stdio to rmcp's client, against the fake GitHub
//! over HTTPS, with the tenant's config and token stored through the CLI
//! the way an operator stores them.

use crate::support::adapters::AdapterTenant;
use crate::support::{StdioHost, is_error, text};
use berth_fakes::github::{self, FakeGitHub, Options};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// A fake GitHub and a tenant configured for it.
struct Setup {
    fake: FakeGitHub,
    tenant: AdapterTenant,
}

impl Setup {
    /// A fake GitHub; the tenant's `api_url` points at it and its default
    /// repository is `acme/ops-portal`, with no token yet.
    async fn start() -> Self {
        let fake = FakeGitHub::start(Options::default()).await.expect("start the fake GitHub");
        let setup = Self { fake, tenant: AdapterTenant::new(&["github"]) };
        setup.tenant.config("github", "api_url", &setup.fake.host());
        setup.tenant.config("github", "default_repo", github::PRIVATE_REPO);
        setup
    }

    /// Started, with Mia's token.
    async fn with_token() -> Self {
        let setup = Self::start().await;
        setup.token(github::TOKEN);
        setup
    }

    /// Stores `token` as the `github` credential, bound to the fake's
    /// origin.
    fn token(&self, token: &str) {
        self.tenant.credential("github", "github", &self.fake.served.base_url(), &["--scheme", "bearer"], token);
    }

    async fn host(&self) -> StdioHost {
        self.tenant.host().await
    }
}

/// Calls `github_{tool}` and returns its JSON output, failing the test
/// when the call fails.
async fn call(host: &StdioHost, tool: &str, arguments: Value) -> Value {
    host.call_json(&format!("github_{tool}"), arguments).await
}

/// Calls `github_{tool}`, expecting a tool error; returns its message.
async fn call_err(host: &StdioHost, tool: &str, arguments: Value) -> String {
    host.call_refused(&format!("github_{tool}"), arguments).await
}

/// The numbers of the entries of `list` in an answer.
fn numbers(answer: &Value, list: &str) -> Vec<u64> {
    answer[list]
        .as_array()
        .unwrap_or_else(|| panic!("no {list} in {answer}"))
        .iter()
        .map(|entry| entry["number"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn issues_are_searched_and_paged_by_the_link_header() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;
    let mut tools = host.tool_names().await;
    tools.retain(|tool| tool.starts_with("github_"));
    tools.sort();
    assert_eq!(
        tools,
        [
            "github_add_comment",
            "github_close_issue",
            "github_create_issue",
            "github_get_file_contents",
            "github_get_issue",
            "github_get_pull_request",
            "github_get_workflow_run",
            "github_list_pull_request_files",
            "github_list_pull_request_reviews",
            "github_list_pull_requests",
            "github_list_workflow_runs",
            "github_rerun_workflow_run",
            "github_search_issues",
        ]
    );

    // The default repository is the scope; `next_cursor` is GitHub's own
    // `next` link, followed as it is.
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut arguments = json!({"query": "is:issue", "sort": "created", "order": "asc", "limit": 4});
        if let Some(cursor) = &cursor {
            arguments["cursor"] = json!(cursor);
        }
        let page = call(&host, "search_issues", arguments).await;
        assert_eq!(page["total_count"], 9, "{page}");
        assert!(numbers(&page, "issues").len() <= 4, "{page}");
        paged.extend(numbers(&page, "issues"));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if let Some(next) = &cursor {
            assert!(next.starts_with(&format!("https://{}/search/issues?", setup.fake.host())), "{next}");
        } else {
            break;
        }
    }
    // Oldest first, each issue once (the seed's numbers are not in
    // creation order).
    paged.sort();
    assert_eq!(paged, [1, 2, 3, 4, 6, 8, 9, 10, 11], "every issue exactly once");
    let searches: Vec<String> =
        setup.fake.hits().all().into_iter().filter(|hit| hit.contains("/search/issues")).collect();
    assert_eq!(searches.len(), 3, "{searches:?}");
    assert!(searches[0].contains("repo%3Aacme%2Fops-portal"), "scoped to the default repository: {searches:?}");

    // Search syntax passes through; another repository by argument.
    let vpn = call(&host, "search_issues", json!({"query": "vpn is:open", "sort": "created", "order": "asc"})).await;
    assert_eq!(numbers(&vpn, "issues"), [3, 5, 11], "{vpn}");
    let pull = &vpn["issues"][1];
    assert_eq!((pull["pull_request"].as_bool(), pull["key"].as_str()), (Some(true), Some("acme/ops-portal#5")));
    let infra = call(
        &host,
        "search_issues",
        json!({"query": "is:open", "repo": "acme/infra", "sort": "created", "order": "asc"}),
    )
    .await;
    assert_eq!(numbers(&infra, "issues"), [3, 1], "oldest first: {infra}");
    assert_eq!(infra["issues"][1]["labels"], json!(["priority: high"]), "{infra}");

    // GitHub's own words for a scope the token cannot see, and forged
    // cursors are refused before anything is sent.
    let hidden = call_err(&host, "search_issues", json!({"query": "repo:someone/private-thing bug"})).await;
    assert!(hidden.contains("Validation Failed"), "{hidden}");
    let forged = call_err(&host, "search_issues", json!({"query": "x", "cursor": "https://evil.example/steal"})).await;
    assert!(forged.contains("`cursor` is not one this tool returned"), "{forged}");
}

#[tokio::test]
async fn an_issue_is_read_created_commented_and_closed() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;

    let read = call(&host, "get_issue", json!({"number": 3})).await;
    assert_eq!(read["issue"]["title"], "VPN drops every 20 minutes from home");
    assert_eq!(read["issue"]["labels"], json!(["bug", "network", "priority: high"]));
    assert_eq!(
        (read["issue"]["assignees"].clone(), read["issue"]["author"].clone()),
        (json!(["mia-krystof"]), json!("tomas-okafor"))
    );
    let comments = read["comments"].as_array().unwrap();
    assert_eq!(comments.len(), 3, "{read}");
    let created: Vec<&str> = comments.iter().map(|comment| comment["created"].as_str().unwrap()).collect();
    let mut sorted = created.clone();
    sorted.sort();
    assert_eq!(created, sorted, "oldest first");
    // The same, as the resource webhooks report changes to.
    let templates = host.client.list_resource_templates(None).await.expect("templates");
    let mut templates: Vec<&str> =
        templates.resource_templates.iter().map(|template| template.uri_template.as_str()).collect();
    templates.sort();
    assert_eq!(
        templates,
        [
            "github://repos/{owner}/{repo}/actions/runs/{run_id}",
            "github://repos/{owner}/{repo}/issues/{number}",
            "github://repos/{owner}/{repo}/pulls/{number}",
        ]
    );
    let resource = host
        .client
        .read_resource(rmcp::model::ReadResourceRequestParams::new("github://repos/acme/ops-portal/issues/3"))
        .await
        .expect("read an issue");
    let rmcp::model::ResourceContents::TextResourceContents { text: body, .. } = &resource.contents[0] else {
        panic!("{resource:?}")
    };
    assert_eq!(serde_json::from_str::<Value>(body).unwrap(), read);
    let newest = call(&host, "get_issue", json!({"number": 3, "comments": 1})).await;
    assert_eq!(newest["comments"], json!([comments[2]]), "the newest one");
    let infra = call(&host, "get_issue", json!({"repo": "acme/infra", "number": 1})).await;
    assert_eq!(infra["issue"]["key"], "acme/infra#1");
    let missing = call_err(&host, "get_issue", json!({"number": 999})).await;
    assert!(missing.contains("issue acme/ops-portal#999 was not found"), "{missing}");
    let refused = call_err(&host, "get_issue", json!({"repo": "acme/../../user", "number": 1})).await;
    assert!(refused.contains("is not a repository"), "{refused}");

    let created = call(
        &host,
        "create_issue",
        json!({
            "title": "Badge reader at door 3 rejects every card",
            "body": "Since 07:00 the reader blinks red.",
            "labels": ["facilities", "priority: high"],
            "assignees": ["tomas.okafor@example.com"],
        }),
    )
    .await;
    assert_eq!(
        (created["key"].as_str(), created["number"].as_u64()),
        (Some("acme/ops-portal#13"), Some(13)),
        "{created}"
    );
    assert_eq!(created["assignees"], json!(["tomas-okafor"]), "the address was looked up: {created}");
    let stored = setup.fake.issue(github::PRIVATE_REPO, 13).unwrap();
    assert_eq!(stored["body"], "Since 07:00 the reader blinks red.");
    let invalid = call_err(&host, "create_issue", json!({"title": "x", "assignees": ["nobody@example.com"]})).await;
    assert!(invalid.contains("no GitHub user has the public e-mail address `nobody@example.com`"), "{invalid}");

    let comment = call(&host, "add_comment", json!({"number": 13, "body": "A technician is on the way."})).await;
    assert_eq!(
        (comment["body"].as_str(), comment["author"].as_str()),
        (Some("A technician is on the way."), Some("mia-krystof"))
    );
    let closed = call(
        &host,
        "close_issue",
        json!({"number": 13, "reason": "not_planned", "comment": "Replaced by the new access system."}),
    )
    .await;
    assert_eq!((closed["state"].as_str(), closed["state_reason"].as_str()), (Some("closed"), Some("not_planned")));
    let said: Vec<String> = setup
        .fake
        .comments(github::PRIVATE_REPO, 13)
        .iter()
        .map(|comment| comment["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(said, ["A technician is on the way.", "Replaced by the new access system."]);
    assert_eq!(setup.fake.issue(github::PRIVATE_REPO, 13).unwrap()["state"], "closed");
}

#[tokio::test]
async fn pull_requests_their_files_and_reviews() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;
    let open = call(&host, "list_pull_requests", json!({})).await;
    let mut listed = numbers(&open, "pull_requests");
    listed.sort();
    assert_eq!(listed, [5, 12], "{open}");
    let merged = call(&host, "list_pull_requests", json!({"state": "closed"})).await;
    assert_eq!(
        (numbers(&merged, "pull_requests"), merged["pull_requests"][0]["merged"].as_bool()),
        (vec![7], Some(true))
    );

    let pull = call(&host, "get_pull_request", json!({"number": 5})).await;
    assert_eq!(pull["title"], "Send VPN keepalive every 5 minutes");
    assert_eq!(
        (pull["head"].as_str(), pull["base"].as_str(), pull["draft"].as_bool()),
        (Some("fix/vpn-keepalive"), Some("main"), Some(false))
    );
    assert_eq!(pull["size"]["changed_files"], 3, "{pull}");
    let draft = call(&host, "get_pull_request", json!({"number": 12})).await;
    assert_eq!(draft["draft"], true);

    let mut files = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut arguments = json!({"number": 5, "limit": 2});
        if let Some(cursor) = &cursor {
            arguments["cursor"] = json!(cursor);
        }
        let page = call(&host, "list_pull_request_files", arguments).await;
        files.extend(page["files"].as_array().unwrap().iter().cloned());
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(files.len(), 3, "two pages: {files:?}");
    assert!(files.iter().all(|file| file["patch"].as_str().is_some_and(|patch| patch.starts_with("@@"))), "{files:?}");
    let renamed = call(&host, "list_pull_request_files", json!({"number": 12})).await;
    assert_eq!(renamed["files"][0]["status"], "renamed");
    assert!(renamed["files"][0]["previous_filename"].is_string(), "{renamed}");

    let reviews = call(&host, "list_pull_request_reviews", json!({"number": 5})).await;
    let states: Vec<&str> =
        reviews["reviews"].as_array().unwrap().iter().map(|review| review["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["COMMENTED", "CHANGES_REQUESTED", "APPROVED"]);
    let missing = call_err(&host, "get_pull_request", json!({"number": 3})).await;
    assert!(missing.contains("pull request acme/ops-portal#3 was not found"), "an issue is no pull request: {missing}");
}

#[tokio::test]
async fn workflow_runs_are_listed_read_and_rerun() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;
    let runs = call(&host, "list_workflow_runs", json!({})).await;
    let ids: Vec<u64> = runs["runs"].as_array().unwrap().iter().map(|run| run["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [9100000043, 9100000042, 9100000017, 9100000041], "newest first: {runs}");
    assert_eq!(runs["total_count"], 4);
    let failed = call(&host, "list_workflow_runs", json!({"status": "failure"})).await;
    assert_eq!(failed["runs"][0]["id"], 9100000042_u64, "{failed}");
    assert_eq!(failed["runs"][0]["pull_requests"], json!([5]));

    let run = call(&host, "get_workflow_run", json!({"run_id": 9100000042_u64})).await;
    assert_eq!(
        (run["status"].as_str(), run["conclusion"].as_str(), run["attempt"].as_u64()),
        (Some("completed"), Some("failure"), Some(1))
    );
    let rerun = call(&host, "rerun_workflow_run", json!({"run_id": 9100000042_u64})).await;
    assert_eq!((rerun["status"].as_str(), rerun["attempt"].as_u64()), (Some("queued"), Some(2)), "{rerun}");
    assert!(rerun.get("conclusion").is_none(), "{rerun}");
    let running = call_err(&host, "rerun_workflow_run", json!({"run_id": 9100000043_u64})).await;
    assert!(running.contains("This workflow is already running"), "{running}");
    let infra = call(&host, "get_workflow_run", json!({"repo": "acme/infra", "run_id": 9100000007_u64})).await;
    assert_eq!(infra["name"], "Terraform plan");
}

#[tokio::test]
async fn files_are_decoded_and_directories_listed() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;
    let readme = call(&host, "get_file_contents", json!({"path": "README.md"})).await;
    assert_eq!((readme["type"].as_str(), readme["truncated"].as_bool()), (Some("file"), Some(false)));
    assert!(readme["text"].as_str().unwrap().len() > 10, "{readme}");
    let main = call(&host, "get_file_contents", json!({"path": "config/vpn.yaml"})).await;
    let branch = call(&host, "get_file_contents", json!({"path": "config/vpn.yaml", "ref": "fix/vpn-keepalive"})).await;
    assert_ne!(main["text"], branch["text"], "the branch changes it");
    let workflows = call(&host, "get_file_contents", json!({"path": ".github/workflows"})).await;
    let names: Vec<&str> =
        workflows["entries"].as_array().unwrap().iter().map(|entry| entry["name"].as_str().unwrap()).collect();
    assert_eq!((workflows["type"].as_str(), names), (Some("dir"), vec!["ci.yml", "deploy.yml"]));
    let missing = call_err(&host, "get_file_contents", json!({"path": "nope.txt"})).await;
    assert!(missing.contains("`nope.txt` in acme/ops-portal was not found"), "{missing}");
    let unknown_ref = call_err(&host, "get_file_contents", json!({"path": "README.md", "ref": "no-such-branch"})).await;
    assert!(unknown_ref.contains("No commit found for the ref"), "{unknown_ref}");
    let escape = call_err(&host, "get_file_contents", json!({"path": "../../../user"})).await;
    assert!(escape.contains("is not a path in a repository"), "{escape}");
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_a_clear_error() {
    let setup = Setup::start().await;
    let host = setup.host().await;
    let missing = call_err(&host, "get_issue", json!({"number": 1})).await;
    assert!(missing.contains("credential could not be used") && missing.contains("berth credential set"), "{missing}");
    assert_eq!(setup.fake.hits().all().len(), 0, "nothing was sent without a credential");
    drop(host);

    setup.token("ghp_notTheRightToken000000000000000000000");
    let host = setup.host().await;
    let rejected = call_err(&host, "search_issues", json!({"query": "vpn"})).await;
    assert!(rejected.contains("GitHub refused the credential `github` (Bad credentials)"), "{rejected}");
    assert!(rejected.contains("--scheme bearer") && rejected.contains("App installation tokens"), "{rejected}");
}

#[tokio::test]
async fn a_short_secondary_limit_is_waited_out_and_a_long_one_says_when_to_retry() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;
    setup.fake.limit_requests(0, 1);
    let started = Instant::now();
    let read = call(&host, "get_issue", json!({"number": 4, "comments": 0})).await;
    assert_eq!(read["issue"]["title"], "Password reset emails arrive after the link expires");
    assert!(started.elapsed() >= Duration::from_millis(900), "retry-after was waited out");
    let sent: Vec<String> =
        setup.fake.hits().all().into_iter().filter(|hit| hit.ends_with("/repos/acme/ops-portal/issues/4")).collect();
    assert_eq!(sent.len(), 2, "the same request went out twice: {sent:?}");

    setup.fake.limit_requests(0, 120);
    let limited = call_err(&host, "list_workflow_runs", json!({})).await;
    assert!(limited.contains("secondary rate limit") && limited.contains("try again in 120 s (after "), "{limited}");
}

#[tokio::test]
async fn a_spent_hourly_limit_says_when_it_resets() {
    let fake = FakeGitHub::start(Options { core_limit: 2, ..Options::default() }).await.expect("start the fake GitHub");
    let setup = Setup { fake, tenant: AdapterTenant::new(&["github"]) };
    setup.tenant.config("github", "api_url", &setup.fake.host());
    setup.token(github::TOKEN);
    let host = setup.host().await;
    for _ in 0..2 {
        call(&host, "get_workflow_run", json!({"repo": "acme/infra", "run_id": 9100000007_u64})).await;
    }
    let started = Instant::now();
    let spent = call_err(&host, "get_workflow_run", json!({"repo": "acme/infra", "run_id": 9100000007_u64})).await;
    assert!(spent.contains("rate limit for this token is spent") && spent.contains("UTC)"), "{spent}");
    assert!(started.elapsed() < Duration::from_secs(5), "an hour is not waited out");
}

/// The ticket ids of a desk answer.
fn ticket_ids(answer: &Value) -> Vec<String> {
    answer["tickets"].as_array().unwrap().iter().map(|ticket| ticket["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn issues_are_tickets_of_the_desk() {
    let setup = Setup::with_token().await;
    let host = setup.host().await;
    let desk = |tool: &'static str, arguments: Value| {
        let host = &host;
        async move {
            let result = host.call_ok(tool, arguments.clone()).await;
            assert!(!is_error(&result), "{tool} {arguments}: {}", text(&result));
            result.structured_content.clone().unwrap()
        }
    };
    let refused = |tool: &'static str, arguments: Value| {
        let host = &host;
        async move {
            let result = host.call_ok(tool, arguments.clone()).await;
            assert!(is_error(&result), "{tool} {arguments} should fail: {}", text(&result));
            text(&result)
        }
    };

    let high = desk("tickets_search", json!({"systems": ["github"], "status": ["open"], "priority": ["high"]})).await;
    assert_eq!(ticket_ids(&high), ["github:acme/ops-portal#3"], "{high}");
    assert_eq!(high["tickets"][0]["priority"], json!({"level": "high", "name": "priority: high"}), "{high}");
    let medium =
        desk("tickets_search", json!({"systems": ["github"], "status": ["open"], "priority": ["medium"]})).await;
    let mut medium_ids = ticket_ids(&medium);
    medium_ids.sort();
    assert_eq!(
        medium_ids,
        ["github:acme/ops-portal#10", "github:acme/ops-portal#11", "github:acme/ops-portal#2"],
        "no label is medium: {medium}"
    );
    let resolved = desk("tickets_search", json!({"systems": ["github"], "status": ["resolved"]})).await;
    let mut resolved_ids = ticket_ids(&resolved);
    resolved_ids.sort();
    assert_eq!(resolved_ids, ["github:acme/ops-portal#1", "github:acme/ops-portal#9"], "{resolved}");
    let not_planned = desk("tickets_search", json!({"systems": ["github"], "status": ["closed"]})).await;
    assert_eq!(ticket_ids(&not_planned), ["github:acme/ops-portal#6"], "{not_planned}");
    let tomas = desk(
        "tickets_search",
        json!({"systems": ["github"], "assignee": "tomas.okafor@example.com", "status": ["open"]}),
    )
    .await;
    assert_eq!(ticket_ids(&tomas).into_iter().collect::<std::collections::BTreeSet<_>>().len(), 2, "4 and 11: {tomas}");
    let working = desk("tickets_search", json!({"systems": ["github"], "status": ["in_progress"]})).await;
    assert_eq!(ticket_ids(&working).len(), 0, "GitHub has no such state: {working}");

    let ticket = desk("tickets_get", json!({"id": "github:acme/ops-portal#4"})).await;
    assert_eq!(ticket["status"], json!({"category": "open", "name": "open"}), "{ticket}");
    assert_eq!(ticket["comments"].as_array().unwrap().len(), 1, "{ticket}");

    let internal =
        refused("tickets_comment", json!({"id": "github:acme/ops-portal#4", "body": "Looking into it."})).await;
    assert!(internal.contains("no internal comments"), "{internal}");
    assert_eq!(setup.fake.comments(github::PRIVATE_REPO, 4).len(), 1, "nothing was posted");
    let public =
        desk("tickets_comment", json!({"id": "github:acme/ops-portal#4", "body": "Looking into it.", "public": true}))
            .await;
    assert_eq!(public["comment"]["public"], true, "{public}");

    let updated = desk(
        "tickets_update",
        json!({"id": "github:acme/ops-portal#4", "status": "resolved", "note": "Mail queue drained.", "priority": "low", "assignee": "priya-natarajan"}),
    )
    .await;
    let stored = setup.fake.issue(github::PRIVATE_REPO, 4).unwrap();
    assert_eq!(
        (stored["state"].as_str(), stored["state_reason"].as_str()),
        (Some("closed"), Some("completed")),
        "{updated}"
    );
    let labels: Vec<&str> =
        stored["labels"].as_array().unwrap().iter().map(|label| label["name"].as_str().unwrap()).collect();
    assert_eq!(labels, ["bug", "priority: low"], "the priority label was swapped");
    assert_eq!(stored["assignees"][0]["login"], "priya-natarajan");
    assert_eq!(setup.fake.comments(github::PRIVATE_REPO, 4).last().unwrap()["body"], "Mail queue drained.");
    let reopen_note =
        refused("tickets_update", json!({"id": "github:acme/ops-portal#4", "status": "open", "note": "Back again."}))
            .await;
    assert!(reopen_note.contains("no internal comments"), "{reopen_note}");

    let filed = desk(
        "tickets_create",
        json!({"system": "github", "title": "Wi-Fi in meeting room 2 drops", "description": "Since Monday.", "priority": "critical", "labels": ["network"]}),
    )
    .await;
    assert_eq!(filed["id"], "github:acme/ops-portal#13", "{filed}");
    let stored = setup.fake.issue(github::PRIVATE_REPO, 13).unwrap();
    let labels: Vec<&str> =
        stored["labels"].as_array().unwrap().iter().map(|label| label["name"].as_str().unwrap()).collect();
    assert_eq!(labels, ["network", "priority: critical"]);
}
