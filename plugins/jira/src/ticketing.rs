//! Issues as normalised tickets, for the host's `tickets_*` tools.
//!
//! **Statuses.** Jira groups every status, whatever a workflow calls it,
//! into one of three categories (`statusCategory.key`). The category
//! decides, refined by the status's name where one Jira category holds two
//! of ours (names compare without case):
//!
//! | `statusCategory` (JQL id) | status name | category |
//! |---|---|---|
//! | `new` (2) | Backlog, New | `new` |
//! | `new` (2) | Waiting for customer, Waiting for approval, Pending, On hold | `pending` |
//! | `new` (2) | any other: To Do, Open, Waiting for support, Reopened… | `open` |
//! | `indeterminate` (4) | Waiting for customer, Waiting for approval, Pending, On hold | `pending` |
//! | `indeterminate` (4) | any other: In Progress, In Review, Escalated… | `in_progress` |
//! | `done` (3) | Closed, Canceled, Cancelled, Won't Do, Declined, Rejected | `closed` |
//! | `done` (3) | any other: Done, Resolved… | `resolved` |
//! | anything else | any | `open` |
//!
//! A search for categories asks Jira for the `statusCategory` ids that can
//! hold them (status names are per site, and JQL refuses one the site does
//! not have) and keeps the issues whose status maps to a wanted category,
//! so a page may hold fewer tickets than asked for. An update to a
//! category takes the first transition Jira offers whose target status
//! maps to it, and says which there are when none does.
//!
//! **Priorities.** Read by name, written as the first name in the row that
//! the site's priority scheme has (`GET /rest/api/3/priority`, cached for
//! [`PRIORITY_CACHE`]):
//!
//! | priority | Jira names (first: the default scheme's) |
//! |---|---|
//! | `critical` | Highest, Blocker, Critical |
//! | `high` | High, Major |
//! | `medium` | Medium, Normal |
//! | `low` | Low, Minor |
//! | `planning` | Lowest, Trivial |
//!
//! **The rest.** A ticket's key is the issue key and its URL
//! `https://{site}/browse/{key}`; the assignee and requester are the
//! `assignee` and `reporter` (account id, display name, and e-mail where
//! the profile shares it); the group is the project key, which is also what
//! `create` takes as the queue (the configured `default_project` when
//! none is given); labels are labels. Descriptions and comments are ADF,
//! read and written as plain text ([`crate::adf`]). Search is JQL built
//! from quoted values ([`crate::jql`]), ordered `updated DESC, key DESC`;
//! its cursor is Jira's `nextPageToken`. `updated-since` is written moved
//! back by the westmost time zone's offset (JQL reads dates in the
//! credential user's zone) and applied exactly to what comes back.
//! Internal comments carry the `sd.public.comment` property (Service
//! Management's internal notes); other projects have no internal
//! comments, so an internal comment there is refused rather than shown to
//! everyone. Resolving or closing sets resolution `Done` when the
//! transition's screen asks for one, and adds the note as a public comment
//! in the same request; a note on any other change is an internal comment
//! (checked before anything changes).

use crate::client::{Jira, text};
use crate::issues::{self, CommentView, PersonView};
use crate::{adf, jql, people, time};
use berth_sdk::ticketing::{
    Assignment, Comment, NewComment, NewTicket, Person, Priority, SearchQuery, StatusCategory, Ticket, TicketDetails,
    TicketPage, TicketUpdate,
};
use berth_sdk::{ToolError, cache};
use serde_json::{Map, Value, json};
use std::time::Duration;

/// Status names that refine a Jira category: (category key, names, ours).
const STATUS_NAMES: &[(&str, &[&str], StatusCategory)] = &[
    ("new", &["backlog", "new"], StatusCategory::New),
    ("new", PENDING_NAMES, StatusCategory::Pending),
    ("indeterminate", PENDING_NAMES, StatusCategory::Pending),
    ("done", &["closed", "canceled", "cancelled", "won't do", "declined", "rejected"], StatusCategory::Closed),
];

/// Names of statuses that wait on someone outside the team.
const PENDING_NAMES: &[&str] = &["waiting for customer", "waiting for approval", "pending", "on hold"];

/// Each Jira category: its JQL id, and ours for any status not named above.
const JIRA_CATEGORIES: &[(&str, u32, StatusCategory)] = &[
    ("new", 2, StatusCategory::Open),
    ("indeterminate", 4, StatusCategory::InProgress),
    ("done", 3, StatusCategory::Resolved),
];

/// Our priorities and the Jira names that mean them, the default scheme's
/// first.
const PRIORITIES: &[(Priority, &[&str])] = &[
    (Priority::Critical, &["Highest", "Blocker", "Critical"]),
    (Priority::High, &["High", "Major"]),
    (Priority::Medium, &["Medium", "Normal"]),
    (Priority::Low, &["Low", "Minor"]),
    (Priority::Planning, &["Lowest", "Trivial"]),
];

/// How long the site's priority names are remembered: they change when an
/// administrator edits the scheme, which is rare.
pub const PRIORITY_CACHE: Duration = Duration::from_secs(600);

/// The cache key of the site's priority names.
const PRIORITY_CACHE_KEY: &str = "jira:priorities";

/// The resolution set when a transition's screen asks for one.
const RESOLUTION: &str = "Done";

/// The most transitions read for one issue: workflows offer a handful.
const MAX_TRANSITIONS: usize = 50;

/// Our category for a status named `name` in Jira category `key`.
pub fn category_of(key: &str, name: &str) -> StatusCategory {
    let name = name.trim().to_lowercase();
    STATUS_NAMES
        .iter()
        .find(|(jira, names, _)| *jira == key && names.contains(&name.as_str()))
        .map(|(_, _, category)| *category)
        .or_else(|| JIRA_CATEGORIES.iter().find(|(jira, ..)| *jira == key).map(|(_, _, category)| *category))
        .unwrap_or(StatusCategory::Open)
}

/// The JQL ids of the Jira categories whose statuses can map to one of
/// `wanted`.
fn jira_categories_for(wanted: &[StatusCategory]) -> Vec<u32> {
    JIRA_CATEGORIES
        .iter()
        .filter(|(key, _, default)| {
            wanted.contains(default)
                || STATUS_NAMES.iter().any(|(jira, _, category)| jira == key && wanted.contains(category))
        })
        .map(|(_, id, _)| *id)
        .collect()
}

/// Our priority for Jira priority `name`.
pub fn priority_of(name: &str) -> Option<Priority> {
    PRIORITIES
        .iter()
        .find(|(_, names)| names.iter().any(|known| known.eq_ignore_ascii_case(name.trim())))
        .map(|(priority, _)| *priority)
}

/// The Jira names that mean `priority`.
fn names_of(priority: Priority) -> &'static [&'static str] {
    PRIORITIES.iter().find(|(known, _)| *known == priority).map_or(&[], |(_, names)| names)
}

/// The name to write for `priority` on a site whose scheme has `site`
/// (none known: the default scheme's).
fn priority_name(priority: Priority, site: &[String]) -> String {
    let names = names_of(priority);
    names
        .iter()
        .find_map(|name| site.iter().find(|held| held.eq_ignore_ascii_case(name)))
        .cloned()
        .unwrap_or_else(|| names[0].to_owned())
}

/// The site's priority names, from the cache or Jira.
fn site_priorities(jira: &Jira) -> Result<Vec<String>, ToolError> {
    if let Some(names) = cache::get_json::<Vec<String>>(PRIORITY_CACHE_KEY) {
        return Ok(names);
    }
    let listed = jira.get("/priority", &[], "the priority scheme")?;
    let names: Vec<String> = listed
        .as_array()
        .map(|priorities| priorities.iter().filter_map(|p| text(p, "/name")).map(str::to_owned).take(100).collect())
        .unwrap_or_default();
    // A cache that refuses only costs the next call a request.
    let _ = cache::set_json(PRIORITY_CACHE_KEY, &names, PRIORITY_CACHE);
    Ok(names)
}

fn person(view: Option<PersonView>) -> Option<Person> {
    view.map(|person| Person { id: person.account_id, name: person.display_name, email: person.email })
}

/// An `IssueBean` as a ticket.
fn ticket(issue: &Value, browse: &dyn Fn(&str) -> String) -> Ticket {
    let view = issues::view(issue, browse, &[]);
    Ticket {
        status: category_of(&view.status.category, &view.status.name),
        status_name: view.status.name,
        priority: view.priority.as_deref().and_then(priority_of),
        priority_name: view.priority,
        assignee: person(view.assignee),
        requester: person(view.reporter),
        group: view.project,
        created: view.created,
        updated: view.updated,
        labels: view.labels,
        url: Some(view.url),
        key: view.key,
        title: view.summary,
        description: view.description.unwrap_or_default(),
    }
}

fn comment(view: CommentView) -> Comment {
    Comment { id: view.id, author: person(view.author), body: view.body, public: view.public, created: view.created }
}

/// What a search asks Jira, and what it checks of the answer.
#[derive(Debug, PartialEq, Eq)]
struct Plan {
    /// The JQL.
    jql: String,
    /// Only issues in these categories are kept (empty: all).
    categories: Vec<StatusCategory>,
    /// Only issues updated at or after this instant are kept.
    since: Option<i64>,
}

/// People and priorities as Jira knows them, for [`plan`]; `None` where a
/// filter can match nothing on this site.
struct Resolved {
    /// The wanted priorities' names on this site.
    priorities: Option<Vec<String>>,
    /// The assignee's account id.
    assignee: Option<Option<String>>,
    /// The requester's account id.
    requester: Option<Option<String>>,
}

/// The JQL for `query`, or `None` when it can match nothing here.
fn plan(query: &SearchQuery, resolved: &Resolved) -> Result<Option<Plan>, ToolError> {
    let mut clauses = Vec::new();
    if let Some(text) = &query.text {
        let words = jql::words(text);
        if !words.is_empty() {
            clauses.push(format!("text ~ {}", jql::string(&words)));
        }
    }
    if !query.statuses.is_empty() {
        let ids: Vec<String> = jira_categories_for(&query.statuses).iter().map(u32::to_string).collect();
        if ids.is_empty() {
            return Ok(None);
        }
        clauses.push(format!("statusCategory in ({})", ids.join(", ")));
    }
    if let Some(names) = &resolved.priorities {
        match jql::any_of("priority", names) {
            Some(clause) => clauses.push(clause),
            None => return Ok(None),
        }
    }
    for (field, who) in [("assignee", &resolved.assignee), ("reporter", &resolved.requester)] {
        match who {
            Some(Some(account_id)) => clauses.push(format!("{field} = {}", jql::string(account_id))),
            Some(None) => return Ok(None),
            None => {}
        }
    }
    let since = match &query.updated_since {
        Some(given) => {
            let since = time::parse(given)
                .ok_or_else(|| ToolError::invalid(format!("`{given}` is not an RFC 3339 instant")))?;
            clauses.push(format!("updated >= {}", jql::string(&time::jql_lower_bound(since))));
            Some(since)
        }
        None => None,
    };
    if clauses.is_empty() {
        // Jira refuses a search without a restriction; this one holds for
        // every issue.
        clauses.push("created <= now()".to_owned());
    }
    let jql = format!("{} ORDER BY updated DESC, key DESC", clauses.join(" AND "));
    Ok(Some(Plan { jql, categories: query.statuses.clone(), since }))
}

/// `search`: JQL over every project the credential sees.
pub fn search(query: SearchQuery) -> Result<TicketPage, ToolError> {
    let jira = Jira::new()?;
    let limit = query.limit.clamp(1, 100);
    let priorities = if query.priorities.is_empty() {
        None
    } else {
        let site = site_priorities(&jira)?;
        let names = query
            .priorities
            .iter()
            .flat_map(|priority| names_of(*priority))
            .filter_map(|name| site.iter().find(|held| held.eq_ignore_ascii_case(name)).cloned())
            .collect();
        Some(names)
    };
    let who = |given: &Option<String>| -> Result<Option<Option<String>>, ToolError> {
        match given.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
            Some(who) => Ok(Some(people::find(&jira, who)?)),
            None => Ok(None),
        }
    };
    let resolved = Resolved { priorities, assignee: who(&query.assignee)?, requester: who(&query.requester)? };
    let Some(plan) = plan(&query, &resolved)? else {
        return Ok(TicketPage { tickets: Vec::new(), cursor: None });
    };
    let mut body = json!({"jql": plan.jql, "fields": issues::FIELDS, "maxResults": limit});
    if let Some(cursor) = &query.cursor {
        body["nextPageToken"] = json!(cursor);
    }
    let answer = jira.post("/search/jql", &body, "the ticket search")?;
    let browse = |key: &str| jira.settings.browse(key);
    let mut tickets = Vec::new();
    let mut older_reached = false;
    for issue in answer.get("issues").and_then(Value::as_array).into_iter().flatten().take(limit as usize) {
        let ticket = ticket(issue, &browse);
        if let Some(since) = plan.since
            && time::parse(&ticket.updated).is_some_and(|updated| updated < since)
        {
            // Newest first: everything after this is older still.
            older_reached = true;
            break;
        }
        if plan.categories.is_empty() || plan.categories.contains(&ticket.status) {
            tickets.push(ticket);
        }
    }
    let last = answer.get("isLast").and_then(Value::as_bool).unwrap_or(false);
    let cursor = text(&answer, "/nextPageToken").filter(|_| !last && !older_reached).map(str::to_owned);
    Ok(TicketPage { tickets, cursor })
}

/// `get`: the issue with its newest comments.
pub fn get(key: &str) -> Result<TicketDetails, ToolError> {
    let jira = Jira::new()?;
    let key = issues::key(key)?;
    let issue = issues::read(&jira, &key, issues::FIELDS)?;
    let (comments, _) = issues::comments(&jira, &key, issues::MAX_COMMENTS)?;
    Ok(TicketDetails {
        ticket: ticket(&issue, &|key| jira.settings.browse(key)),
        comments: comments.into_iter().map(comment).collect(),
    })
}

/// Reads issue `key` back as a ticket.
fn reread(jira: &Jira, key: &str) -> Result<Ticket, ToolError> {
    let issue = issues::read(jira, key, issues::FIELDS)?;
    Ok(ticket(&issue, &|key| jira.settings.browse(key)))
}

/// `create`: an issue in the queue's project (or the default one).
pub fn create(new: NewTicket) -> Result<Ticket, ToolError> {
    let jira = Jira::new()?;
    let project = match new.queue.as_deref().map(str::trim).filter(|queue| !queue.is_empty()) {
        Some(queue) => queue.to_ascii_uppercase(),
        None => jira.settings.default_project.clone().ok_or_else(|| {
            ToolError::invalid(
                "say which Jira project to file it in (`queue`, a project key such as OPS), or ask the operator \
                 to set config `default_project`",
            )
        })?,
    };
    if !jql::is_project_key(&project) {
        return Err(ToolError::invalid(format!("`{project}` is not a Jira project key such as OPS")));
    }
    let mut fields = Map::new();
    fields.insert("project".to_owned(), json!({"key": project}));
    fields.insert("issuetype".to_owned(), json!({"id": crate::tools::create::default_issue_type(&jira, &project)?}));
    fields.insert("summary".to_owned(), json!(new.title.trim()));
    if !new.description.trim().is_empty() {
        fields.insert("description".to_owned(), adf::from_text(&new.description));
    }
    if let Some(priority) = new.priority {
        fields.insert("priority".to_owned(), json!({"name": priority_name(priority, &site_priorities(&jira)?)}));
    }
    if !new.labels.is_empty() {
        fields.insert("labels".to_owned(), json!(crate::tools::create::labels(&new.labels)?));
    }
    for (field, who) in [("assignee", &new.assignee), ("reporter", &new.requester)] {
        if let Some(who) = who.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
            fields.insert(field.to_owned(), json!({"id": people::account_id(&jira, who)?}));
        }
    }
    let created = jira.post("/issue", &json!({"fields": fields}), &format!("a new issue in project `{project}`"))?;
    let key = text(&created, "/key").ok_or_else(|| crate::client::unexpected("no key for the new issue"))?;
    reread(&jira, key)
}

/// `add-comment`: a public comment or an internal note.
pub fn add_comment(key: &str, new: NewComment) -> Result<Comment, ToolError> {
    let jira = Jira::new()?;
    let key = issues::key(key)?;
    let written = crate::tools::comments::post(&jira, &key, &new.body, !new.public)?;
    Ok(comment(written))
}

/// A transition Jira offers, with where it leads.
#[derive(Debug, Clone)]
pub struct Offered {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The target status's name.
    pub to: String,
    /// The target status's Jira category key.
    pub to_category: String,
    /// Whether its screen has a resolution field, and the resolutions it
    /// allows (empty: any).
    pub resolution: Option<Vec<String>>,
    /// The fields its screen requires.
    pub required: Vec<String>,
}

impl Offered {
    /// Our category for where it leads.
    pub fn category(&self) -> StatusCategory {
        category_of(&self.to_category, &self.to)
    }
}

/// The transitions Jira offers for issue `key` now.
pub fn offered(jira: &Jira, key: &str) -> Result<Vec<Offered>, ToolError> {
    let answer = jira.get(
        &format!("/issue/{key}/transitions"),
        &[("expand", "transitions.fields".to_owned())],
        &format!("issue `{key}`"),
    )?;
    let listed = answer.get("transitions").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    Ok(listed
        .iter()
        .take(MAX_TRANSITIONS)
        .filter(|transition| transition.get("isAvailable").and_then(Value::as_bool) != Some(false))
        .map(|transition| {
            let fields = transition.get("fields").and_then(Value::as_object);
            let resolution = fields.and_then(|fields| fields.get("resolution")).map(|field| {
                field
                    .get("allowedValues")
                    .and_then(Value::as_array)
                    .map(|values| values.iter().filter_map(|value| text(value, "/name")).map(str::to_owned).collect())
                    .unwrap_or_default()
            });
            let required = fields
                .map(|fields| {
                    fields
                        .iter()
                        .filter(|(_, field)| field.get("required").and_then(Value::as_bool) == Some(true))
                        .map(|(name, _)| name.clone())
                        .collect()
                })
                .unwrap_or_default();
            Offered {
                id: text(transition, "/id").unwrap_or_default().to_owned(),
                name: text(transition, "/name").unwrap_or_default().to_owned(),
                to: text(transition, "/to/name").unwrap_or_default().to_owned(),
                to_category: text(transition, "/to/statusCategory/key").unwrap_or_default().to_owned(),
                resolution,
                required,
            }
        })
        .collect())
}

/// The resolution to send for `transition`: the one asked for, else, when
/// its screen has the field, `Done` (or the first it allows).
pub fn resolution_for(transition: &Offered, asked: Option<&str>) -> Option<String> {
    if let Some(asked) = asked.map(str::trim).filter(|asked| !asked.is_empty()) {
        return Some(asked.to_owned());
    }
    let allowed = transition.resolution.as_ref()?;
    if allowed.is_empty() || allowed.iter().any(|name| name.eq_ignore_ascii_case(RESOLUTION)) {
        return Some(RESOLUTION.to_owned());
    }
    allowed.first().cloned()
}

/// Performs `transition` on `key`, with its resolution and a public
/// comment in the same request (Jira adds it only if the transition
/// succeeds). Internal notes are comments of their own: a transition's
/// comment is always public.
pub fn perform(
    jira: &Jira,
    key: &str,
    transition: &Offered,
    resolution: Option<String>,
    public_comment: Option<&str>,
) -> Result<(), ToolError> {
    let mut body = json!({"transition": {"id": transition.id}});
    if let Some(resolution) = resolution {
        body["fields"] = json!({"resolution": {"name": resolution}});
    }
    if let Some(text) = public_comment {
        body["update"] = json!({"comment": [{"add": {"body": adf::from_text(text)}}]});
    }
    jira.post(&format!("/issue/{key}/transitions"), &body, &format!("issue `{key}`"))?;
    Ok(())
}

/// The names of our categories, as the desk spells them.
fn category_name(category: StatusCategory) -> &'static str {
    match category {
        StatusCategory::New => "new",
        StatusCategory::Open => "open",
        StatusCategory::Pending => "pending",
        StatusCategory::InProgress => "in_progress",
        StatusCategory::Resolved => "resolved",
        StatusCategory::Closed => "closed",
    }
}

/// The first of `offered` leading to `wanted`, or a refusal listing them.
fn transition_to<'a>(key: &str, offered: &'a [Offered], wanted: StatusCategory) -> Result<&'a Offered, ToolError> {
    offered.iter().find(|transition| transition.category() == wanted).ok_or_else(|| {
        let listed: Vec<String> =
            offered.iter().map(|t| format!("`{}` → {} ({})", t.name, t.to, category_name(t.category()))).collect();
        let listed = if listed.is_empty() { "none".to_owned() } else { listed.join(", ") };
        ToolError::invalid(format!(
            "no transition of {key} leads to a {} status from where it is now; Jira offers: {listed}",
            category_name(wanted)
        ))
    })
}

/// `update`: priority and assignee, then the transition (with resolution
/// and note), then a note as an internal comment.
pub fn update(key: &str, update: TicketUpdate) -> Result<Ticket, ToolError> {
    let jira = Jira::new()?;
    let key = issues::key(key)?;
    let note = update.note.as_deref().map(str::trim).filter(|note| !note.is_empty());
    if update.status.is_none() && note.is_none() && update.assignee.is_none() && update.priority.is_none() {
        return Err(ToolError::invalid("nothing to update: give a status, note, assignee or priority"));
    }
    let current = issues::read(&jira, &key, &["status", "project"])?;
    let finishing = matches!(update.status, Some(StatusCategory::Resolved | StatusCategory::Closed));
    if note.is_some() && !finishing {
        // Checked before anything changes, so a refusal changes nothing.
        issues::check_internal_allowed(&current, &key)?;
    }
    // The transition is found before anything is written, so a status no
    // transition reaches changes nothing.
    let transition = match update.status {
        Some(wanted) => {
            let status = issues::status(current.get("fields").unwrap_or(&Value::Null));
            if category_of(&status.category, &status.name) == wanted {
                None
            } else {
                let offered = offered(&jira, &key)?;
                Some(transition_to(&key, &offered, wanted)?.clone())
            }
        }
        None => None,
    };
    let account_id = match &update.assignee {
        Some(Assignment::To(who)) => Some(people::account_id(&jira, who)?),
        _ => None,
    };
    if let Some(priority) = update.priority {
        let name = priority_name(priority, &site_priorities(&jira)?);
        jira.put(
            &format!("/issue/{key}"),
            &json!({"fields": {"priority": {"name": name}}}),
            &format!("issue `{key}`"),
        )?;
    }
    match &update.assignee {
        Some(Assignment::Unassigned) => crate::tools::assign::assign(&jira, &key, None)?,
        Some(Assignment::To(_)) => crate::tools::assign::assign(&jira, &key, account_id.as_deref())?,
        None => {}
    }
    let mut note_written = false;
    if let Some(transition) = &transition {
        let resolution = resolution_for(transition, None);
        let comment = note.filter(|_| finishing);
        note_written = comment.is_some();
        perform(&jira, &key, transition, resolution, comment)?;
    }
    if let Some(note) = note.filter(|_| !note_written) {
        // The resolution note of an issue already resolved is public like
        // any; another note is internal.
        crate::tools::comments::write(&jira, &key, note, !finishing)?;
    }
    reread(&jira, &key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_sdk::ticketing::STATUS_CATEGORIES;

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

    fn nothing_resolved() -> Resolved {
        Resolved { priorities: None, assignee: None, requester: None }
    }

    #[test]
    fn statuses_map_by_category_refined_by_name() {
        for (key, name, expected) in [
            ("new", "To Do", StatusCategory::Open),
            ("new", "Open", StatusCategory::Open),
            ("new", "Waiting for support", StatusCategory::Open),
            ("new", "Backlog", StatusCategory::New),
            ("new", "NEW", StatusCategory::New),
            ("new", "Waiting for approval", StatusCategory::Pending),
            ("indeterminate", "In Progress", StatusCategory::InProgress),
            ("indeterminate", "In Review", StatusCategory::InProgress),
            ("indeterminate", "Waiting for customer", StatusCategory::Pending),
            ("indeterminate", " pending ", StatusCategory::Pending),
            ("done", "Done", StatusCategory::Resolved),
            ("done", "Resolved", StatusCategory::Resolved),
            ("done", "Closed", StatusCategory::Closed),
            ("done", "Canceled", StatusCategory::Closed),
            ("done", "Won't Do", StatusCategory::Closed),
            ("undefined", "Whatever", StatusCategory::Open),
            ("indeterminate", "Backlog", StatusCategory::InProgress),
        ] {
            assert_eq!(category_of(key, name), expected, "{key} / {name}");
        }
    }

    #[test]
    fn every_category_is_reachable_and_searched_where_it_can_be() {
        for category in STATUS_CATEGORIES {
            let ids = jira_categories_for(&[category]);
            assert!(!ids.is_empty(), "{category:?} is held by some Jira category");
            // Every status that maps to the category lies in a searched
            // Jira category.
            for (key, id, default) in JIRA_CATEGORIES {
                let named = STATUS_NAMES.iter().any(|(jira, _, c)| jira == key && *c == category);
                if *default == category || named {
                    assert!(ids.contains(id), "{category:?} needs {key}");
                }
            }
        }
        assert_eq!(jira_categories_for(&[StatusCategory::Resolved, StatusCategory::Closed]), [3]);
        assert_eq!(jira_categories_for(&[StatusCategory::Pending]), [2, 4]);
        assert_eq!(
            jira_categories_for(&[
                StatusCategory::New,
                StatusCategory::Open,
                StatusCategory::Pending,
                StatusCategory::InProgress
            ]),
            [2, 4],
            "unresolved is To Do and In Progress"
        );
    }

    #[test]
    fn priorities_map_both_ways() {
        for (priority, names) in PRIORITIES {
            for name in *names {
                assert_eq!(priority_of(name), Some(*priority), "{name}");
                assert_eq!(priority_of(&name.to_uppercase()), Some(*priority), "{name}");
            }
            assert_eq!(priority_of(&priority_name(*priority, &[])), Some(*priority));
        }
        assert_eq!(priority_of("P1"), None);
        let default_scheme: Vec<String> = ["Highest", "High", "Medium", "Low", "Lowest"].map(String::from).to_vec();
        assert_eq!(priority_name(Priority::Critical, &default_scheme), "Highest");
        assert_eq!(priority_name(Priority::Planning, &default_scheme), "Lowest");
        let classic: Vec<String> = ["Blocker", "Critical", "Major", "Minor", "Trivial"].map(String::from).to_vec();
        assert_eq!(priority_name(Priority::Critical, &classic), "Blocker");
        assert_eq!(priority_name(Priority::High, &classic), "Major");
        assert_eq!(priority_name(Priority::Planning, &classic), "Trivial");
    }

    #[test]
    fn an_empty_search_is_still_bounded_and_ordered() {
        let plan = plan(&query(), &nothing_resolved()).unwrap().unwrap();
        assert_eq!(plan.jql, "created <= now() ORDER BY updated DESC, key DESC");
        assert_eq!((plan.categories, plan.since), (vec![], None));
    }

    #[test]
    fn filters_become_quoted_jql() {
        let query = SearchQuery {
            text: Some(r#"VPN "down" OR project = SECRET"#.into()),
            statuses: vec![StatusCategory::Open, StatusCategory::InProgress],
            updated_since: Some("2026-11-27T10:15:00Z".into()),
            ..query()
        };
        let resolved = Resolved {
            priorities: Some(vec!["Highest".into(), "High".into()]),
            assignee: Some(Some("5b10a2844c20165700ede21g".into())),
            requester: Some(Some(r#"x" OR 1=1"#.into())),
        };
        let plan = plan(&query, &resolved).unwrap().unwrap();
        assert_eq!(
            plan.jql,
            r#"text ~ "VPN down or project = SECRET" AND statusCategory in (2, 4) AND priority in ("Highest", "High") AND assignee = "5b10a2844c20165700ede21g" AND reporter = "x\" OR 1=1" AND updated >= "2026-11-26 22:15" ORDER BY updated DESC, key DESC"#
        );
        assert_eq!(plan.since, time::parse("2026-11-27T10:15:00Z"));
        assert_eq!(plan.categories, [StatusCategory::Open, StatusCategory::InProgress]);
    }

    #[test]
    fn filters_nothing_can_match_skip_the_search() {
        let nobody = Resolved { assignee: Some(None), ..nothing_resolved() };
        assert_eq!(plan(&query(), &nobody).unwrap(), None);
        let no_such_priority = Resolved { priorities: Some(vec![]), ..nothing_resolved() };
        assert_eq!(plan(&query(), &no_such_priority).unwrap(), None);
        let text_of_syntax_only = SearchQuery { text: Some("-- !!".into()), ..query() };
        assert!(plan(&text_of_syntax_only, &nothing_resolved()).unwrap().unwrap().jql.starts_with("created <="));
        let bad_since = SearchQuery { updated_since: Some("last week".into()), ..query() };
        assert!(matches!(plan(&bad_since, &nothing_resolved()), Err(ToolError::InvalidArguments(_))));
    }

    #[test]
    fn an_issue_bean_reads_as_a_ticket() {
        let issue = json!({
            "key": "HELP-3",
            "fields": {
                "summary": "Laptop will not boot",
                "status": {"name": "Waiting for customer", "statusCategory": {"key": "indeterminate"}},
                "priority": {"name": "Highest"},
                "assignee": {"accountId": "a1", "displayName": "Priya Raman", "emailAddress": "priya.raman@example.com"},
                "reporter": {"accountId": "qm:1:2", "displayName": "Aroha Ngata"},
                "project": {"key": "HELP"},
                "labels": ["hardware"],
                "created": "2026-11-20T09:00:00.000+0000",
                "updated": "2026-11-27T10:15:00.000+0000",
                "description": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Black screen."}]}]},
            }
        });
        let ticket = ticket(&issue, &|key| format!("https://acme.atlassian.net/browse/{key}"));
        assert_eq!((ticket.key.as_str(), ticket.title.as_str()), ("HELP-3", "Laptop will not boot"));
        assert_eq!((ticket.status, ticket.status_name.as_str()), (StatusCategory::Pending, "Waiting for customer"));
        assert_eq!((ticket.priority, ticket.priority_name.as_deref()), (Some(Priority::Critical), Some("Highest")));
        let assignee = ticket.assignee.unwrap();
        assert_eq!((assignee.id.as_str(), assignee.email.as_deref()), ("a1", Some("priya.raman@example.com")));
        assert_eq!(ticket.requester.unwrap().name.as_deref(), Some("Aroha Ngata"));
        assert_eq!(ticket.group.as_deref(), Some("HELP"));
        assert_eq!(
            (ticket.description.as_str(), ticket.updated.as_str()),
            ("Black screen.", "2026-11-27T10:15:00.000Z")
        );
        assert_eq!(ticket.url.as_deref(), Some("https://acme.atlassian.net/browse/HELP-3"));
    }

    fn offer(name: &str, to: &str, category: &str) -> Offered {
        Offered {
            id: name.len().to_string(),
            name: name.into(),
            to: to.into(),
            to_category: category.into(),
            resolution: None,
            required: vec![],
        }
    }

    #[test]
    fn an_update_takes_the_first_transition_to_the_category_or_lists_them() {
        let offered = [
            offer("Start work", "In progress", "indeterminate"),
            offer("Respond to customer", "Waiting for customer", "indeterminate"),
            offer("Resolve this issue", "Resolved", "done"),
            offer("Cancel request", "Canceled", "done"),
        ];
        assert_eq!(transition_to("HELP-1", &offered, StatusCategory::Pending).unwrap().name, "Respond to customer");
        assert_eq!(transition_to("HELP-1", &offered, StatusCategory::Closed).unwrap().name, "Cancel request");
        let Err(ToolError::InvalidArguments(message)) = transition_to("HELP-1", &offered, StatusCategory::New) else {
            panic!()
        };
        assert!(message.contains("no transition of HELP-1 leads to a new status"), "{message}");
        assert!(message.contains("`Respond to customer` → Waiting for customer (pending)"), "{message}");
    }

    #[test]
    fn a_resolution_is_sent_only_where_the_screen_asks() {
        let mut resolve = offer("Resolve", "Resolved", "done");
        assert_eq!(resolution_for(&resolve, None), None);
        assert_eq!(resolution_for(&resolve, Some("Fixed")).as_deref(), Some("Fixed"));
        resolve.resolution = Some(vec![]);
        assert_eq!(resolution_for(&resolve, None).as_deref(), Some("Done"));
        resolve.resolution = Some(vec!["Fixed".into(), "Won't Fix".into()]);
        assert_eq!(resolution_for(&resolve, None).as_deref(), Some("Fixed"));
        resolve.resolution = Some(vec!["Fixed".into(), "done".into()]);
        assert_eq!(resolution_for(&resolve, None).as_deref(), Some("Done"));
    }
}
