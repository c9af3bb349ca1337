//! Issues as normalised tickets, for the host's `tickets_*` tools.
//!
//! **Keys.** A ticket's key is `owner/repo#number` (`acme/ops-portal#3`,
//! so its desk id is `github:acme/ops-portal#3`); a bare `number` (or
//! `#number`) is read as an issue of the configured `default_repo`. The
//! queue is the repository: `create` files in the `queue` given as
//! `owner/repo`, else in `default_repo`, and `search` covers
//! `default_repo` (it is refused while that is unset). Search finds issues
//! only (`is:issue`), not pull requests.
//!
//! **Statuses.** GitHub issues are open or closed, with a reason:
//!
//! | GitHub `state` / `state_reason` | category | written by |
//! |---|---|---|
//! | `open` (any reason, `reopened` included) | `open` | `open`: reopen (`state_reason: reopened`) |
//! | `closed` / `completed` (or none) | `resolved` | `resolved`: close as `completed` |
//! | `closed` / `not_planned`, `duplicate` | `closed` | `closed`: close as `not_planned` |
//!
//! `new`, `pending` and `in_progress` have no GitHub state: asking for
//! them in an update is refused, and a search for only them finds nothing.
//! The status name is `open`, or `closed (reason)`.
//!
//! **Priorities** are labels (compared without case); an issue without one
//! is `medium`, and an update swaps the label:
//!
//! | priority | label |
//! |---|---|
//! | `critical` | `priority: critical` |
//! | `high` | `priority: high` |
//! | `medium` | `priority: medium` (or no priority label) |
//! | `low` | `priority: low` |
//! | `planning` | `priority: planning` |
//!
//! **People** are logins: the assignee is the first of `assignees`, the
//! requester the issue's author; a person given as an e-mail address is
//! looked up by public address ([`crate::people`]). `create` files as the
//! token's user, so a `requester` is refused.
//!
//! **Comments.** GitHub has no internal comments, so an internal comment,
//! and the note of an update that does not close the issue (which the desk
//! records as an internal note), are refused before anything changes.
//! Closing with a note posts the note as a public comment first.

use crate::client::{GitHub, items};
use crate::issues::{self, CommentView, IssueView};
use crate::repo::{IssueRef, Repo};
use crate::tools::issues::details;
use crate::{people, query, time};
use berth_sdk::ToolError;
use berth_sdk::ticketing::{
    Assignment, Comment, NewComment, NewTicket, Person, Priority, SearchQuery, StatusCategory, Ticket, TicketDetails,
    TicketPage, TicketUpdate,
};
use serde_json::{Value, json};

/// Each priority and the label that carries it.
const PRIORITY_LABELS: &[(Priority, &str)] = &[
    (Priority::Critical, "priority: critical"),
    (Priority::High, "priority: high"),
    (Priority::Medium, "priority: medium"),
    (Priority::Low, "priority: low"),
    (Priority::Planning, "priority: planning"),
];

/// The priority of an issue without a priority label.
const DEFAULT_PRIORITY: Priority = Priority::Medium;

/// Closing reasons that mean "finished for good" rather than "done".
const CLOSED_REASONS: &[&str] = &["not_planned", "duplicate"];

/// Why GitHub cannot hold an internal note.
const NO_INTERNAL: &str = "GitHub has no internal comments: everyone who can see an issue reads all its comments";

/// Our category for a GitHub state and reason.
pub fn category_of(state: &str, reason: Option<&str>) -> StatusCategory {
    match (state, reason) {
        ("closed", Some(reason)) if CLOSED_REASONS.contains(&reason) => StatusCategory::Closed,
        ("closed", _) => StatusCategory::Resolved,
        _ => StatusCategory::Open,
    }
}

/// The GitHub state and reason an update to `category` writes; `None` for
/// the categories GitHub cannot hold.
fn state_for(category: StatusCategory) -> Option<(&'static str, &'static str)> {
    match category {
        StatusCategory::Open => Some(("open", "reopened")),
        StatusCategory::Resolved => Some(("closed", "completed")),
        StatusCategory::Closed => Some(("closed", "not_planned")),
        StatusCategory::New | StatusCategory::Pending | StatusCategory::InProgress => None,
    }
}

/// The priority label `label` stands for.
fn priority_of_label(label: &str) -> Option<Priority> {
    PRIORITY_LABELS.iter().find(|(_, name)| name.eq_ignore_ascii_case(label.trim())).map(|(priority, _)| *priority)
}

/// The label of `priority`.
fn label_of(priority: Priority) -> &'static str {
    PRIORITY_LABELS.iter().find(|(known, _)| *known == priority).map_or("priority: medium", |(_, label)| label)
}

/// An issue's priority, and the label it came from.
fn priority(labels: &[String]) -> (Priority, Option<String>) {
    labels
        .iter()
        .find_map(|label| priority_of_label(label).map(|priority| (priority, Some(label.clone()))))
        .unwrap_or((DEFAULT_PRIORITY, None))
}

fn person(login: Option<&String>) -> Option<Person> {
    login.map(|login| Person { id: login.clone(), name: None, email: None })
}

/// An issue as a ticket.
fn ticket(view: IssueView) -> Ticket {
    let status = category_of(&view.state, view.state_reason.as_deref());
    let status_name = match (&*view.state, view.state_reason.as_deref()) {
        ("closed", Some(reason)) => format!("closed ({reason})"),
        (state, _) => state.to_owned(),
    };
    let (priority, priority_name) = priority(&view.labels);
    Ticket {
        key: view.key,
        title: view.title,
        description: view.body.unwrap_or_default(),
        status,
        status_name,
        priority: Some(priority),
        priority_name,
        assignee: person(view.assignees.first()),
        requester: person(view.author.as_ref()),
        group: Some(view.repo),
        created: view.created,
        updated: view.updated,
        labels: view.labels,
        url: Some(view.url),
    }
}

fn comment(view: CommentView) -> Comment {
    Comment {
        id: view.id.to_string(),
        author: person(view.author.as_ref()),
        body: view.body,
        public: true,
        created: view.created,
    }
}

/// Who a search's people filters name, as logins; `None` where a filter
/// can match nobody.
struct Resolved {
    /// The assignee's login.
    assignee: Option<Option<String>>,
    /// The requester's (author's) login.
    requester: Option<Option<String>>,
}

/// The search `q` for `query` in `repo`, or `None` when nothing can match.
fn plan(query: &SearchQuery, repo: &Repo, resolved: &Resolved) -> Result<Option<String>, ToolError> {
    let mut terms = vec![format!("repo:{}", repo.full()), "is:issue".to_owned()];
    if !query.statuses.is_empty() {
        let open = query.statuses.contains(&StatusCategory::Open);
        let closed = query.statuses.iter().any(|s| matches!(s, StatusCategory::Resolved | StatusCategory::Closed));
        match (open, closed) {
            (false, false) => return Ok(None),
            (true, false) => terms.push("is:open".to_owned()),
            (false, true) => terms.push("is:closed".to_owned()),
            (true, true) => {}
        }
    }
    if !query.priorities.is_empty() && !query.priorities.contains(&DEFAULT_PRIORITY) {
        let labels: Vec<String> =
            query.priorities.iter().map(|priority| format!("\"{}\"", label_of(*priority))).collect();
        terms.push(format!("label:{}", labels.join(",")));
    }
    for (qualifier, who) in [("assignee", &resolved.assignee), ("author", &resolved.requester)] {
        match who {
            Some(Some(login)) => terms.push(query::qualifier(qualifier, login)),
            Some(None) => return Ok(None),
            None => {}
        }
    }
    if let Some(given) = &query.updated_since {
        let since =
            time::parse(given).ok_or_else(|| ToolError::invalid(format!("`{given}` is not an RFC 3339 instant")))?;
        terms.push(format!("updated:>={}", time::format_utc(since)));
    }
    if let Some(text) = &query.text {
        let words = query::words(text);
        if !words.is_empty() {
            terms.push(words);
        }
    }
    Ok(Some(terms.join(" ")))
}

/// Whether `ticket` passes the filters search cannot express exactly.
fn wanted(ticket: &Ticket, query: &SearchQuery) -> bool {
    (query.statuses.is_empty() || query.statuses.contains(&ticket.status))
        && (query.priorities.is_empty() || ticket.priority.is_some_and(|priority| query.priorities.contains(&priority)))
}

/// The repository the desk searches: the configured default.
fn desk_repo(github: &GitHub) -> Result<Repo, ToolError> {
    github.settings.default_repo.clone().ok_or_else(|| {
        ToolError::invalid(
            "the GitHub desk searches the tenant's default repository, and none is set: ask the operator to set \
             config `default_repo` (owner/repo)",
        )
    })
}

/// `search`: issues of the default repository, newest change first.
pub fn search(query: SearchQuery) -> Result<TicketPage, ToolError> {
    let github = GitHub::new()?;
    let repo = desk_repo(&github)?;
    let who = |given: &Option<String>| -> Result<Option<Option<String>>, ToolError> {
        match given.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
            Some(who) => Ok(Some(people::find(&github, who)?)),
            None => Ok(None),
        }
    };
    let resolved = Resolved { assignee: who(&query.assignee)?, requester: who(&query.requester)? };
    let Some(q) = plan(&query, &repo, &resolved)? else {
        return Ok(TicketPage { tickets: Vec::new(), cursor: None });
    };
    let limit = query.limit.clamp(1, 100);
    let params =
        [("q", q), ("sort", "updated".to_owned()), ("order", "desc".to_owned()), ("per_page", limit.to_string())];
    let page = github.list("/search/issues", &params, query.cursor.as_deref(), "the ticket search")?;
    let since = query.updated_since.as_deref().and_then(time::parse);
    let mut tickets = Vec::new();
    let mut older_reached = false;
    for issue in items(&page.body, "/items").take(limit as usize) {
        let ticket = ticket(issues::view(issue, Some(&repo), true));
        if let Some(since) = since
            && time::parse(&ticket.updated).is_some_and(|updated| updated < since)
        {
            older_reached = true;
            break;
        }
        if wanted(&ticket, &query) {
            tickets.push(ticket);
        }
    }
    Ok(TicketPage { tickets, cursor: page.next.filter(|_| !older_reached) })
}

/// `get`: the issue with its newest comments.
pub fn get(key: &str) -> Result<TicketDetails, ToolError> {
    let github = GitHub::new()?;
    let issue = IssueRef::parse(key, github.settings.default_repo.as_ref())?;
    let read = details(&github, &issue, issues::MAX_COMMENTS)?;
    Ok(TicketDetails { ticket: ticket(read.issue), comments: read.comments.into_iter().map(comment).collect() })
}

/// `create`: an issue in the queue's repository (or the default one).
pub fn create(new: NewTicket) -> Result<Ticket, ToolError> {
    if new.requester.as_deref().is_some_and(|who| !who.trim().is_empty()) {
        return Err(ToolError::invalid(
            "GitHub files an issue as the token's user and cannot file it on someone else's behalf; leave \
             `requester` out (and name them in the description)",
        ));
    }
    let github = GitHub::new()?;
    let repo = github.settings.repo(new.queue.as_deref())?;
    let title = new.title.trim();
    if title.is_empty() {
        return Err(ToolError::invalid("the title is empty"));
    }
    let mut labels: Vec<String> =
        new.labels.iter().filter(|label| priority_of_label(label).is_none()).cloned().collect();
    if let Some(priority) = new.priority {
        labels.push(label_of(priority).to_owned());
    }
    let mut body = json!({"title": title, "body": new.description, "labels": labels});
    if let Some(who) = new.assignee.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        body["assignees"] = json!([people::login(&github, who)?]);
    }
    let created = github.post(&repo.path("/issues"), &body, &format!("a new issue in {}", repo.full()))?;
    Ok(ticket(issues::view(&created, Some(&repo), true)))
}

/// `add-comment`: a public comment; an internal one is refused.
pub fn add_comment(key: &str, new: NewComment) -> Result<Comment, ToolError> {
    if !new.public {
        return Err(ToolError::invalid(format!("{NO_INTERNAL}. Post it as a public comment if everyone may read it")));
    }
    let github = GitHub::new()?;
    let issue = IssueRef::parse(key, github.settings.default_repo.as_ref())?;
    Ok(comment(issues::add_comment(&github, &issue, &new.body)?))
}

/// `update`: state, assignee and priority label in one edit, after a
/// closing note.
pub fn update(key: &str, update: TicketUpdate) -> Result<Ticket, ToolError> {
    let note = update.note.as_deref().map(str::trim).filter(|note| !note.is_empty());
    if update.status.is_none() && note.is_none() && update.assignee.is_none() && update.priority.is_none() {
        return Err(ToolError::invalid("nothing to update: give a status, note, assignee or priority"));
    }
    // Everything that can be refused is refused before anything changes.
    let target = match update.status {
        Some(category) => Some(state_for(category).ok_or_else(|| {
            ToolError::invalid(
                "GitHub issues are only open or closed: move a ticket to open, resolved (closed as completed) or \
                 closed (closed as not planned)",
            )
        })?),
        None => None,
    };
    let closing = target.is_some_and(|(state, _)| state == "closed");
    if note.is_some() && !closing {
        return Err(ToolError::invalid(format!(
            "{NO_INTERNAL}, so a note is kept only as the public comment of closing an issue (status resolved or \
             closed); use tickets_comment for a public comment"
        )));
    }
    let github = GitHub::new()?;
    let issue = IssueRef::parse(key, github.settings.default_repo.as_ref())?;
    let current = issues::view(&issues::read(&github, &issue)?, Some(&issue.repo), false);
    let mut edit = serde_json::Map::new();
    match &update.assignee {
        Some(Assignment::To(who)) => {
            edit.insert("assignees".into(), json!([people::login(&github, who)?]));
        }
        Some(Assignment::Unassigned) => {
            edit.insert("assignees".into(), json!([]));
        }
        None => {}
    }
    if let Some(priority) = update.priority {
        let mut labels: Vec<String> =
            current.labels.iter().filter(|label| priority_of_label(label).is_none()).cloned().collect();
        labels.push(label_of(priority).to_owned());
        edit.insert("labels".into(), json!(labels));
    }
    if let (Some((state, reason)), Some(wanted)) = (target, update.status)
        && category_of(&current.state, current.state_reason.as_deref()) != wanted
    {
        edit.insert("state".into(), json!(state));
        edit.insert("state_reason".into(), json!(reason));
    }
    if let Some(note) = note {
        issues::add_comment(&github, &issue, note)?;
    }
    if edit.is_empty() {
        return Ok(ticket(issues::view(&issues::read(&github, &issue)?, Some(&issue.repo), true)));
    }
    let written = github.patch(
        &issue.repo.path(&format!("/issues/{}", issue.number)),
        &Value::Object(edit),
        &issues::target(&issue),
    )?;
    Ok(ticket(issues::view(&written, Some(&issue.repo), true)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_sdk::ticketing::{PRIORITIES, STATUS_CATEGORIES};

    fn query() -> SearchQuery {
        SearchQuery {
            text: None,
            statuses: vec![],
            priorities: vec![],
            assignee: None,
            requester: None,
            updated_since: None,
            limit: 20,
            cursor: None,
        }
    }

    fn nobody() -> Resolved {
        Resolved { assignee: None, requester: None }
    }

    fn repo() -> Repo {
        Repo::parse("acme/ops-portal").unwrap()
    }

    #[test]
    fn states_map_to_categories_and_back() {
        assert_eq!(category_of("open", None), StatusCategory::Open);
        assert_eq!(category_of("open", Some("reopened")), StatusCategory::Open);
        assert_eq!(category_of("closed", Some("completed")), StatusCategory::Resolved);
        assert_eq!(category_of("closed", None), StatusCategory::Resolved);
        assert_eq!(category_of("closed", Some("not_planned")), StatusCategory::Closed);
        assert_eq!(category_of("closed", Some("duplicate")), StatusCategory::Closed);
        for category in STATUS_CATEGORIES {
            if let Some((state, reason)) = state_for(category) {
                let read_back = category_of(state, Some(reason).filter(|_| state == "closed"));
                assert_eq!(read_back, category, "{category:?} round-trips");
            }
        }
        assert!(state_for(StatusCategory::InProgress).is_none() && state_for(StatusCategory::Pending).is_none());
    }

    #[test]
    fn priorities_are_labels_with_medium_by_default() {
        for priority in PRIORITIES {
            assert_eq!(priority_of_label(label_of(priority)), Some(priority));
        }
        assert_eq!(priority(&["bug".into(), "Priority: High".into()]), (Priority::High, Some("Priority: High".into())));
        assert_eq!(priority(&["bug".into()]), (Priority::Medium, None));
    }

    #[test]
    fn a_search_is_scoped_quoted_and_narrowed_where_github_can() {
        let all = plan(&query(), &repo(), &nobody()).unwrap().unwrap();
        assert_eq!(all, "repo:acme/ops-portal is:issue");
        let narrow = SearchQuery {
            text: Some("vpn repo:evil/x".into()),
            statuses: vec![StatusCategory::Open, StatusCategory::InProgress],
            priorities: vec![Priority::Critical, Priority::High],
            updated_since: Some("2026-11-27T21:15:00+11:00".into()),
            ..query()
        };
        let resolved =
            Resolved { assignee: Some(Some("mia-krystof".into())), requester: Some(Some("tomas-okafor".into())) };
        assert_eq!(
            plan(&narrow, &repo(), &resolved).unwrap().unwrap(),
            "repo:acme/ops-portal is:issue is:open label:\"priority: critical\",\"priority: high\" \
             assignee:\"mia-krystof\" author:\"tomas-okafor\" updated:>=2026-11-27T10:15:00Z vpn repo evil/x"
        );
        let medium =
            SearchQuery { priorities: vec![Priority::Medium], statuses: vec![StatusCategory::Resolved], ..query() };
        assert_eq!(plan(&medium, &repo(), &nobody()).unwrap().unwrap(), "repo:acme/ops-portal is:issue is:closed");
    }

    #[test]
    fn filters_nothing_can_match_skip_the_search() {
        let working = SearchQuery { statuses: vec![StatusCategory::InProgress, StatusCategory::Pending], ..query() };
        assert_eq!(plan(&working, &repo(), &nobody()).unwrap(), None);
        let unknown = Resolved { assignee: Some(None), requester: None };
        assert_eq!(plan(&query(), &repo(), &unknown).unwrap(), None);
        let bad = SearchQuery { updated_since: Some("last week".into()), ..query() };
        assert!(matches!(plan(&bad, &repo(), &nobody()), Err(ToolError::InvalidArguments(_))));
    }

    #[test]
    fn an_issue_reads_as_a_ticket() {
        let issue = json!({
            "repository_url": "https://api.github.com/repos/acme/ops-portal",
            "html_url": "https://github.com/acme/ops-portal/issues/6",
            "number": 6,
            "title": "Export request history as CSV",
            "user": {"login": "tomas-okafor"},
            "labels": [{"name": "enhancement"}],
            "state": "closed",
            "state_reason": "not_planned",
            "assignees": [],
            "created_at": "2026-11-01T09:00:00Z",
            "updated_at": "2026-11-20T09:00:00Z",
            "body": "Finance asked for it."
        });
        let ticket = ticket(issues::view(&issue, None, true));
        assert_eq!((ticket.key.as_str(), ticket.group.as_deref()), ("acme/ops-portal#6", Some("acme/ops-portal")));
        assert_eq!((ticket.status, ticket.status_name.as_str()), (StatusCategory::Closed, "closed (not_planned)"));
        assert_eq!((ticket.priority, ticket.priority_name.as_deref()), (Some(Priority::Medium), None));
        assert_eq!(ticket.requester.as_ref().map(|person| person.id.as_str()), Some("tomas-okafor"));
        assert!(ticket.assignee.is_none());
        assert_eq!(ticket.description, "Finance asked for it.");
        let mut filters = SearchQuery { statuses: vec![StatusCategory::Resolved], ..query() };
        let closed = ticket;
        assert!(!wanted(&closed, &filters), "not planned is not resolved");
        filters.statuses = vec![StatusCategory::Closed];
        filters.priorities = vec![Priority::Medium];
        assert!(wanted(&closed, &filters));
    }

    #[test]
    fn internal_notes_and_states_github_lacks_are_refused_up_front() {
        let note = TicketUpdate { status: None, note: Some("checked the logs".into()), assignee: None, priority: None };
        assert!(
            matches!(update("acme/ops-portal#3", note), Err(ToolError::InvalidArguments(m)) if m.contains("no internal comments"))
        );
        let working =
            TicketUpdate { status: Some(StatusCategory::InProgress), note: None, assignee: None, priority: None };
        assert!(
            matches!(update("acme/ops-portal#3", working), Err(ToolError::InvalidArguments(m)) if m.contains("only open or closed"))
        );
        let internal = NewComment { body: "x".into(), public: false };
        assert!(
            matches!(add_comment("acme/ops-portal#3", internal), Err(ToolError::InvalidArguments(m)) if m.contains("no internal comments"))
        );
    }
}
