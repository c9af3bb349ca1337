//! The platform API's JSON: issues (`IssueBean`, with the `fields` a
//! request selects), users, statuses, priorities, projects, comments and
//! transitions, shaped as the vendor's API description and Jira's real
//! answers shape them. Links point back at whichever base the request used
//! (the site, or the API gateway for its cloud id).

use super::adf;
use super::clock::{self, Millis};
use super::model::{Comment, Issue, IssueType, Priority, Project, Resolution, User};
use super::workflow::{Status, Transition};
use serde_json::{Map, Value, json};

/// Where links point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The site, `https://host:port`: browse and portal links, icons.
    pub site: String,
    /// The API base the request used: the site, or
    /// `https://host:port/ex/jira/{cloudId}`.
    pub api: String,
}

impl Links {
    /// `path` under the API base.
    pub fn api(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    /// `path` under the site.
    pub fn site(&self, path: &str) -> String {
        format!("{}{path}", self.site)
    }
}

/// The generated avatar of someone with `initials` (`MK-5`), at each size.
pub fn avatar_urls(initials: &str) -> Value {
    let url = |size: u32| {
        format!(
            "https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/{initials}.png?size={size}&s={size}"
        )
    };
    json!({"48x48": url(48), "24x24": url(24), "16x16": url(16), "32x32": url(32)})
}

/// A user as issues, comments and most lists show them (`UserDetails`).
pub fn user_details(user: &User, links: &Links) -> Value {
    let mut out = json!({
        "self": links.api(&format!("/rest/api/3/user?accountId={}", user.account_id)),
        "accountId": user.account_id,
        "avatarUrls": avatar_urls(user.avatar),
        "displayName": user.display_name,
        "active": user.active,
        "timeZone": user.time_zone,
        "accountType": user.account_type.key(),
    });
    if let Some(email) = user.email {
        out["emailAddress"] = json!(email);
    }
    out
}

/// A user as `/myself` and the user searches show them (`User`).
pub fn user(user: &User, links: &Links, expand: &str) -> Value {
    let mut out = user_details(user, links);
    out["locale"] = json!(user.locale);
    out["expand"] = json!("groups,applicationRoles");
    let expanded = |name: &str| expand.split(',').any(|part| part.trim() == name);
    let count = |size: u32| json!({"size": size, "items": []});
    out["groups"] = count(if user.account_type == super::model::AccountType::Customer { 0 } else { 3 });
    out["applicationRoles"] = count(1);
    if expanded("groups") {
        let groups = ["jira-software-users", "jira-servicemanagement-users", "site-admins"];
        let items: Vec<Value> = groups
            .iter()
            .map(|name| json!({"name": name, "self": links.api(&format!("/rest/api/3/group?groupname={name}"))}))
            .collect();
        out["groups"] = json!({"size": items.len(), "items": items});
    }
    out
}

/// A status (`StatusDetails`).
pub fn status(status: &Status, links: &Links) -> Value {
    let category = status.category;
    json!({
        "self": links.api(&format!("/rest/api/3/status/{}", status.id)),
        "description": status.description,
        "iconUrl": links.site(&format!("/images/icons/statuses/{}", status.icon)),
        "name": status.name,
        "id": status.id,
        "statusCategory": {
            "self": links.api(&format!("/rest/api/3/statuscategory/{}", category.id())),
            "id": category.id(),
            "key": category.key(),
            "colorName": category.color(),
            "name": category.name(),
        },
    })
}

/// A priority as an issue shows it.
pub fn priority(priority: &Priority, links: &Links) -> Value {
    json!({
        "self": links.api(&format!("/rest/api/3/priority/{}", priority.id)),
        "iconUrl": links.site(&format!("/images/icons/priorities/{}", priority.icon)),
        "name": priority.name,
        "id": priority.id,
    })
}

/// A priority as `GET /priority` lists it (`Priority`).
pub fn priority_listed(priority: &Priority, links: &Links) -> Value {
    let mut out = self::priority(priority, links);
    out["description"] = json!(priority.description);
    out["statusColor"] = json!(priority.color);
    out["isDefault"] = json!(priority.id == super::catalog::DEFAULT_PRIORITY);
    out
}

/// An issue type (`IssueTypeDetails`).
pub fn issue_type(kind: &IssueType, links: &Links) -> Value {
    json!({
        "self": links.api(&format!("/rest/api/3/issuetype/{}", kind.id)),
        "id": kind.id,
        "description": kind.description,
        "iconUrl": links.site(&format!("/rest/api/2/universal_avatar/view/type/issuetype/avatar/{}?size=medium", kind.avatar_id)),
        "name": kind.name,
        "subtask": false,
        "avatarId": kind.avatar_id,
        "hierarchyLevel": 0,
    })
}

fn project_avatars(project: &Project, links: &Links) -> Value {
    let url = |size: &str| {
        links.site(&format!("/rest/api/3/universal_avatar/view/type/project/avatar/{}?size={size}", project.avatar_id))
    };
    json!({"48x48": url("large"), "24x24": url("small"), "16x16": url("xsmall"), "32x32": url("medium")})
}

/// A project as an issue shows it.
pub fn project_summary(project: &Project, links: &Links) -> Value {
    json!({
        "self": links.api(&format!("/rest/api/3/project/{}", project.id)),
        "id": project.id,
        "key": project.key,
        "name": project.name,
        "projectTypeKey": project.kind.key(),
        "simplified": false,
        "avatarUrls": project_avatars(project, links),
    })
}

/// A project as the project search lists it (`Project`); `expand` may ask
/// for `description`, `lead`, `issueTypes` and `insight`.
pub fn project(project: &Project, links: &Links, expand: &[String], issues: &[Issue]) -> Value {
    let mut out = project_summary(project, links);
    out["expand"] = json!("description,lead,issueTypes,url,projectKeys,permissions,insight");
    out["style"] = json!("classic");
    out["isPrivate"] = json!(false);
    out["properties"] = json!({});
    let expanded = |name: &str| expand.iter().any(|part| part == name);
    if expanded("description") {
        out["description"] = json!(project.description);
    }
    if expanded("lead")
        && let Some(lead) = super::catalog::user(project.lead)
    {
        out["lead"] = self::user(lead, links, "");
    }
    if expanded("issueTypes") {
        out["issueTypes"] = project.issue_types.iter().map(|kind| issue_type(kind, links)).collect();
    }
    if expanded("insight") {
        let own: Vec<&Issue> = issues.iter().filter(|issue| issue.project.id == project.id).collect();
        let last = own.iter().map(|issue| issue.updated).max().unwrap_or_default();
        out["insight"] = json!({"totalIssueCount": own.len(), "lastIssueUpdateTime": clock::jira(last)});
    }
    out
}

/// A resolution.
pub fn resolution(resolution: &Resolution, links: &Links) -> Value {
    json!({
        "self": links.api(&format!("/rest/api/3/resolution/{}", resolution.id)),
        "id": resolution.id,
        "description": resolution.description,
        "name": resolution.name,
    })
}

/// A comment (`Comment`); `expand` may ask for `renderedBody` and
/// `properties`.
pub fn comment(comment: &Comment, issue: &Issue, links: &Links, expand: &[String]) -> Value {
    let mut out = json!({
        "self": links.api(&format!("/rest/api/3/issue/{}/comment/{}", issue.id, comment.id)),
        "id": comment.id.to_string(),
        "author": user_details(comment.author, links),
        "body": comment.body,
        "updateAuthor": user_details(comment.author, links),
        "created": clock::jira(comment.created),
        "updated": clock::jira(comment.updated),
        "jsdPublic": !comment.internal,
    });
    if let Some(visibility) = &comment.visibility {
        out["visibility"] = visibility.clone();
    }
    if expand.iter().any(|part| part == "renderedBody") {
        out["renderedBody"] = json!(adf::html(&comment.body));
    }
    if expand.iter().any(|part| part == "properties") {
        out["properties"] = json!(comment.properties);
    }
    out
}

/// The `comment` field of an issue: every comment, oldest first.
fn comment_field(issue: &Issue, links: &Links) -> Value {
    let comments: Vec<Value> = issue.comments.iter().map(|item| comment(item, issue, links, &[])).collect();
    json!({
        "comments": comments,
        "self": links.api(&format!("/rest/api/3/issue/{}/comment", issue.id)),
        "maxResults": comments.len(),
        "total": comments.len(),
        "startAt": 0,
    })
}

/// A transition as `GET …/transitions` lists it.
pub fn transition(transition: &Transition, links: &Links) -> Value {
    json!({
        "id": transition.id,
        "name": transition.name,
        "to": status(transition.to, links),
        "hasScreen": false,
        "isGlobal": false,
        "isInitial": false,
        "isAvailable": true,
        "isConditional": false,
        "isLooped": false,
    })
}

/// Every field an issue has, in the order Jira lists them, with its
/// display name; the ones not navigable (not shown by `*navigable`) are
/// marked.
const FIELDS: &[(&str, &str, bool)] = &[
    ("statuscategorychangedate", "Status Category Changed", true),
    ("issuetype", "Issue Type", true),
    ("components", "Components", true),
    ("project", "Project", true),
    ("fixVersions", "Fix versions", true),
    ("resolution", "Resolution", true),
    ("resolutiondate", "Resolved", true),
    ("lastViewed", "Last Viewed", true),
    ("created", "Created", true),
    ("priority", "Priority", true),
    ("labels", "Labels", true),
    ("versions", "Affects versions", true),
    ("issuelinks", "Linked Issues", true),
    ("assignee", "Assignee", true),
    ("updated", "Updated", true),
    ("status", "Status", true),
    ("description", "Description", true),
    ("summary", "Summary", true),
    ("creator", "Creator", true),
    ("subtasks", "Sub-tasks", true),
    ("reporter", "Reporter", true),
    ("environment", "Environment", true),
    ("duedate", "Due date", true),
    ("comment", "Comment", false),
];

/// Which fields a request asked for (`fields=summary,status`, `*all`,
/// `*navigable`, `-description`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Ask for nothing but ids (the enhanced search's default).
    ids_only: bool,
    fields: Vec<&'static str>,
}

impl Selection {
    /// Reads the `fields` values (each may be a comma-separated list);
    /// `default` applies when there are none.
    pub fn parse(values: &[String], default: &str) -> Self {
        let mut parts: Vec<String> = values
            .iter()
            .flat_map(|value| value.split(','))
            .map(|part| part.trim().to_owned())
            .filter(|part| !part.is_empty())
            .collect();
        if parts.is_empty() {
            parts.push(default.to_owned());
        }
        let ids_only = parts.iter().all(|part| part == "id");
        let mut fields: Vec<&'static str> = Vec::new();
        let mut add = |name: &'static str| {
            if !fields.contains(&name) {
                fields.push(name);
            }
        };
        for part in &parts {
            match part.as_str() {
                "*all" => FIELDS.iter().for_each(|(name, _, _)| add(name)),
                "*navigable" => FIELDS.iter().filter(|(_, _, navigable)| *navigable).for_each(|(name, _, _)| add(name)),
                name => {
                    if let Some((field, _, _)) = FIELDS.iter().find(|(field, _, _)| *field == name) {
                        add(field);
                    }
                }
            }
        }
        let excluded: Vec<&str> = parts.iter().filter_map(|part| part.strip_prefix('-')).collect();
        fields.retain(|field| !excluded.contains(field));
        Self { ids_only, fields }
    }

    /// Whether the request wants more than ids.
    pub fn wants_fields(&self) -> bool {
        !self.ids_only
    }

    /// The fields the request wants.
    pub fn fields(&self) -> &[&'static str] {
        &self.fields
    }
}

/// An issue (`IssueBean`) with the `selection`'s fields; `expand` may ask
/// for `renderedFields`, `names` and `transitions`.
pub fn issue(issue: &Issue, links: &Links, selection: &Selection, expand: &[String]) -> Value {
    if !selection.wants_fields() {
        return json!({"id": issue.id.to_string()});
    }
    let mut fields = Map::new();
    for name in selection.fields() {
        fields.insert((*name).to_owned(), field(issue, name, links));
    }
    let mut out = json!({
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": issue.id.to_string(),
        "self": links.api(&format!("/rest/api/3/issue/{}", issue.id)),
        "key": issue.key,
        "fields": fields,
    });
    let expanded = |name: &str| expand.iter().any(|part| part == name);
    if expanded("renderedFields") {
        let mut rendered = Map::new();
        for name in selection.fields() {
            rendered.insert((*name).to_owned(), rendered_field(issue, name));
        }
        out["renderedFields"] = Value::Object(rendered);
    }
    if expanded("names") {
        let names: Map<String, Value> = selection
            .fields()
            .iter()
            .filter_map(|name| FIELDS.iter().find(|(field, _, _)| field == name))
            .map(|(field, label, _)| ((*field).to_owned(), json!(label)))
            .collect();
        out["names"] = Value::Object(names);
    }
    if expanded("transitions") {
        out["transitions"] =
            issue.project.workflow.available(issue.status).map(|item| transition(item, links)).collect();
    }
    out
}

fn user_or_null(user: Option<&User>, links: &Links) -> Value {
    user.map_or(Value::Null, |user| user_details(user, links))
}

fn instant_or_null(at: Option<Millis>) -> Value {
    at.map_or(Value::Null, |at| json!(clock::jira(at)))
}

/// The value of the field `name`.
fn field(issue: &Issue, name: &str, links: &Links) -> Value {
    match name {
        "statuscategorychangedate" => json!(clock::jira(issue.status_changed)),
        "issuetype" => issue_type(issue.issue_type, links),
        "project" => project_summary(issue.project, links),
        "resolution" => issue.resolution.map_or(Value::Null, |item| resolution(item, links)),
        "resolutiondate" => instant_or_null(issue.resolved),
        "created" => json!(clock::jira(issue.created)),
        "updated" => json!(clock::jira(issue.updated)),
        "priority" => priority(issue.priority, links),
        "labels" => json!(issue.labels),
        "assignee" => user_or_null(issue.assignee, links),
        "reporter" => user_details(issue.reporter, links),
        "creator" => user_details(issue.creator, links),
        "status" => status(issue.status, links),
        "description" => issue.description.clone().unwrap_or(Value::Null),
        "summary" => json!(issue.summary),
        "duedate" => issue.duedate.as_ref().map_or(Value::Null, |due| json!(due)),
        "comment" => comment_field(issue, links),
        "components" | "fixVersions" | "versions" | "issuelinks" | "subtasks" => json!([]),
        _ => Value::Null,
    }
}

/// The field as `renderedFields` shows it: text as HTML, dates as the UI
/// writes them.
fn rendered_field(issue: &Issue, name: &str) -> Value {
    let when = |at: Millis| json!(clock::friendly(at, clock::now()));
    match name {
        "description" => issue.description.as_ref().map_or(Value::Null, |description| json!(adf::html(description))),
        "created" => when(issue.created),
        "updated" => when(issue.updated),
        "resolutiondate" => issue.resolved.map_or(Value::Null, when),
        "comment" => json!({
            "comments": issue.comments.iter().map(|comment| json!({"id": comment.id.to_string(), "body": adf::html(&comment.body)})).collect::<Vec<_>>(),
            "maxResults": issue.comments.len(),
            "total": issue.comments.len(),
            "startAt": 0,
        }),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections() {
        let parse = |values: &[&str], default: &str| {
            Selection::parse(&values.iter().map(|value| (*value).to_owned()).collect::<Vec<_>>(), default)
        };
        assert!(!parse(&[], "id").wants_fields());
        assert_eq!(parse(&["summary,status", "bogus"], "id").fields(), ["summary", "status"]);
        assert!(parse(&["*navigable"], "id").fields().iter().all(|field| *field != "comment"));
        assert!(parse(&[], "*all").fields().contains(&"comment"));
        assert!(
            !parse(&["*all,-comment,-description"], "id")
                .fields()
                .iter()
                .any(|field| ["comment", "description"].contains(field))
        );
        assert!(parse(&["key"], "id").wants_fields());
    }
}
