//! What the platform's write bodies mean: `IssueUpdateDetails` for create
//! and edit (`fields` set values; `update` applies operations such as
//! `{"labels":[{"add":"x"}]}`), transition requests, comments and
//! assignments. Values are checked the way Jira checks them, and every
//! problem is reported per field in an `ErrorCollection`.
//!
//! REST v3 takes rich text only as Atlassian Document Format: a plain
//! string for `description` or a comment body is refused.

use super::adf;
use super::catalog;
use super::error::{ApiError, INVALID_PAYLOAD};
use super::model::{Issue, Priority, Project, ProjectKind, Resolution, User};
use super::store::{Changes, Draft, NewComment};
use super::workflow::{Category, Transition};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a plain string for a rich-text field is told.
pub const NOT_ADF: &str = "Operation value must be an Atlassian Document (see the Atlassian Document Format)";

/// Field errors collected while reading a body.
#[derive(Debug, Default)]
struct Problems(BTreeMap<String, String>);

impl Problems {
    fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.entry(field.to_owned()).or_insert_with(|| message.into());
    }

    fn into_result<T>(self, value: T) -> Result<T, ApiError> {
        if self.0.is_empty() { Ok(value) } else { Err(ApiError::fields(self.0)) }
    }
}

fn not_settable(field: &str) -> String {
    format!("Field '{field}' cannot be set. It is not on the appropriate screen, or unknown.")
}

/// The body as an object, or Jira's answer to one that is not.
pub fn object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::invalid(INVALID_PAYLOAD))
}

/// The `id` or `name` (or `key`) an object-valued field names.
fn reference<'a>(value: &'a Value, names: &[&str]) -> Option<&'a str> {
    let object = value.as_object()?;
    names.iter().find_map(|name| match object.get(*name) {
        Some(Value::String(text)) if !text.trim().is_empty() => Some(text.as_str()),
        _ => None,
    })
}

/// The user a `{"accountId"}` / `{"id"}` value names; `Ok(None)` for null.
fn user_value(value: &Value) -> Result<Option<&'static User>, String> {
    if value.is_null() {
        return Ok(None);
    }
    let Some(id) = reference(value, &["accountId", "id"]) else {
        return Err("Could not find valid 'accountId' or 'id' in user object.".to_owned());
    };
    catalog::user(id).map(Some).ok_or_else(|| format!("User '{id}' does not exist."))
}

/// A rich-text value: an ADF document, or null.
fn rich_text(value: &Value) -> Result<Option<Value>, String> {
    if value.is_null() {
        return Ok(None);
    }
    adf::check(value).map(|()| Some(value.clone())).map_err(|_| NOT_ADF.to_owned())
}

fn summary(value: &Value) -> Result<String, String> {
    match value.as_str().map(str::trim) {
        None | Some("") => Err("You must specify a summary of the issue.".to_owned()),
        Some(text) if text.contains(['\n', '\r']) => {
            Err("The summary is invalid because it contains newline characters.".to_owned())
        }
        Some(text) if text.chars().count() > 255 => Err("Summary must be less than 255 characters.".to_owned()),
        Some(text) => Ok(text.to_owned()),
    }
}

fn priority(value: &Value) -> Result<&'static Priority, String> {
    let Some(named) = reference(value, &["id", "name"]) else {
        return Err("Could not find valid 'id' or 'name' in priority object.".to_owned());
    };
    catalog::priority(named).ok_or_else(|| "The priority selected is invalid.".to_owned())
}

fn label(value: &Value) -> Result<String, String> {
    match value.as_str() {
        Some("") => Err("The label can't be empty.".to_owned()),
        Some(text) if text.contains(char::is_whitespace) => {
            Err(format!("The label '{text}' contains spaces which is invalid."))
        }
        Some(text) if text.chars().count() > 255 => Err("The label must be less than 255 characters.".to_owned()),
        Some(text) => Ok(text.to_owned()),
        None => Err("The labels must be strings.".to_owned()),
    }
}

fn labels(value: &Value) -> Result<Vec<String>, String> {
    match value {
        Value::Array(items) => items.iter().map(label).collect(),
        Value::Null => Ok(Vec::new()),
        _ => Err("data was not an array".to_owned()),
    }
}

fn duedate(value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => {
            let valid =
                text.len() == 10 && text.as_bytes()[4] == b'-' && super::clock::parse_jql_date(text, 0).is_some();
            if valid { Ok(Some(text.clone())) } else { Err(format!("Error parsing date string: {text}")) }
        }
        _ => Err("Error parsing date string".to_owned()),
    }
}

fn assignee_for(project: &Project, value: &Value) -> Result<Option<&'static User>, String> {
    let user = user_value(value).map_err(|problem| problem.replace("does not exist.", "cannot be assigned issues."))?;
    match user {
        Some(user) if !project.can_assign(user.account_id) => {
            Err(format!("User '{}' cannot be assigned issues.", user.account_id))
        }
        other => Ok(other),
    }
}

/// Reads a create request (`POST /rest/api/3/issue`).
pub fn create(body: &Value, caller: &'static User) -> Result<Draft, ApiError> {
    let body = object(body)?;
    let empty = Map::new();
    let fields = match body.get("fields") {
        Some(Value::Object(fields)) => fields,
        None => &empty,
        Some(_) => return Err(ApiError::invalid(INVALID_PAYLOAD)),
    };
    let mut problems = Problems::default();
    let project = match fields.get("project") {
        None | Some(Value::Null) => None,
        Some(value) => reference(value, &["key", "id"]).and_then(catalog::project),
    };
    if project.is_none() {
        problems.add("project", "Specify a valid project ID or key");
    }
    let issue_type = match (fields.get("issuetype"), project) {
        (None | Some(Value::Null), _) => {
            problems.add("issuetype", "Specify an issue type");
            None
        }
        (Some(value), Some(project)) => match reference(value, &["id", "name"]) {
            Some(named) => project.issue_type(named).or_else(|| {
                problems.add("issuetype", "The issue type selected is invalid.");
                None
            }),
            None => {
                problems.add("issuetype", "Could not find valid 'id' or 'name' in issuetype object.");
                None
            }
        },
        (Some(_), None) => None,
    };
    let summary = match fields.get("summary").map(self::summary) {
        Some(Ok(summary)) => summary,
        Some(Err(problem)) => {
            problems.add("summary", problem);
            String::new()
        }
        None => {
            problems.add("summary", "You must specify a summary of the issue.");
            String::new()
        }
    };
    let mut draft_labels = Vec::new();
    let mut description = None;
    let mut chosen_priority = catalog::priority(catalog::DEFAULT_PRIORITY);
    let mut assignee = None;
    let mut reporter = caller;
    let mut due = None;
    for (name, value) in fields {
        match name.as_str() {
            "project" | "issuetype" | "summary" => {}
            "description" => match rich_text(value) {
                Ok(document) => description = document,
                Err(problem) => problems.add(name, problem),
            },
            "priority" => match self::priority(value) {
                Ok(found) => chosen_priority = Some(found),
                Err(problem) => problems.add(name, problem),
            },
            "labels" => match labels(value) {
                Ok(found) => draft_labels = found,
                Err(problem) => problems.add(name, problem),
            },
            "assignee" => match project.map(|project| assignee_for(project, value)) {
                Some(Ok(found)) => assignee = found,
                Some(Err(problem)) => problems.add(name, problem),
                None => {}
            },
            "reporter" => match user_value(value) {
                Ok(Some(found)) => reporter = found,
                Ok(None) => problems.add(name, "Reporter is required."),
                Err(problem) => problems.add(name, problem),
            },
            "duedate" => match duedate(value) {
                Ok(found) => due = found,
                Err(problem) => problems.add(name, problem),
            },
            other => problems.add(other, not_settable(other)),
        }
    }
    if let Some(update) = body.get("update") {
        match update.as_object() {
            Some(update) => {
                for (name, operations) in update {
                    if name != "labels" {
                        problems.add(name, not_settable(name));
                        continue;
                    }
                    match label_operations(operations) {
                        Ok((set, add, remove)) => {
                            if let Some(set) = set {
                                draft_labels = set;
                            }
                            draft_labels.extend(add);
                            draft_labels.retain(|label| !remove.contains(label));
                        }
                        Err(problem) => problems.add(name, problem),
                    }
                }
            }
            None => return Err(ApiError::invalid(INVALID_PAYLOAD)),
        }
    }
    let (Some(project), Some(issue_type), Some(priority)) = (project, issue_type, chosen_priority) else {
        return Err(ApiError::fields(problems.0));
    };
    problems.into_result(Draft {
        project,
        issue_type,
        summary,
        description,
        priority,
        assignee,
        reporter,
        creator: caller,
        labels: draft_labels,
        duedate: due,
        request: None,
    })
}

/// The operations of an `update` entry: a list of `{"op": value}` objects.
fn operations(value: &Value) -> Result<Vec<(&str, &Value)>, String> {
    let Some(items) = value.as_array() else { return Err("Operations must be a list.".to_owned()) };
    let mut out = Vec::new();
    for item in items {
        let Some(item) = item.as_object() else { return Err("An operation must be an object.".to_owned()) };
        for (operation, operand) in item {
            out.push((operation.as_str(), operand));
        }
    }
    Ok(out)
}

type LabelOperations = (Option<Vec<String>>, Vec<String>, Vec<String>);

fn label_operations(value: &Value) -> Result<LabelOperations, String> {
    let (mut set, mut add, mut remove) = (None, Vec::new(), Vec::new());
    for (operation, operand) in operations(value)? {
        match operation {
            "set" => set = Some(labels(operand)?),
            "add" => add.push(label(operand)?),
            "remove" => remove.push(label(operand)?),
            other => return Err(format!("Operation '{other}' is not supported for field 'labels'.")),
        }
    }
    Ok((set, add, remove))
}

/// What an edit asks for: field changes and comments to add.
#[derive(Debug, Default)]
pub struct Edit {
    /// The field changes.
    pub changes: Changes,
    /// Comments to add.
    pub comments: Vec<NewComment>,
}

/// Reads an edit request (`PUT /rest/api/3/issue/{key}`).
pub fn edit(body: &Value, issue: &Issue) -> Result<Edit, ApiError> {
    let body = object(body)?;
    let mut problems = Problems::default();
    let mut edit = Edit::default();
    let empty = Map::new();
    let fields = match body.get("fields") {
        Some(Value::Object(fields)) => fields,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(ApiError::invalid(INVALID_PAYLOAD)),
    };
    let update = match body.get("update") {
        Some(Value::Object(update)) => update,
        None | Some(Value::Null) => &empty,
        Some(_) => return Err(ApiError::invalid(INVALID_PAYLOAD)),
    };
    for name in fields.keys().filter(|name| update.contains_key(*name)) {
        problems.add(name, format!("Field '{name}' cannot be set in both 'fields' and 'update'."));
    }
    for (name, value) in fields {
        set_field(&mut edit.changes, issue.project, name, value, &mut problems);
    }
    for (name, value) in update {
        let operations = match operations(value) {
            Ok(operations) => operations,
            Err(problem) => {
                problems.add(name, problem);
                continue;
            }
        };
        match name.as_str() {
            "labels" => match label_operations(value) {
                Ok((set, add, remove)) => {
                    edit.changes.labels = set;
                    edit.changes.add_labels = add;
                    edit.changes.remove_labels = remove;
                }
                Err(problem) => problems.add(name, problem),
            },
            "comment" => {
                for (operation, operand) in operations {
                    match (operation, operand.get("body")) {
                        ("add", Some(body)) => match rich_text(body) {
                            Ok(Some(body)) => edit.comments.push(NewComment::public(body)),
                            _ => problems.add("comment", NOT_ADF),
                        },
                        ("add", None) => problems.add("comment", "Comment body can not be empty!"),
                        (other, _) => problems
                            .add("comment", format!("Operation '{other}' is not supported for field 'comment'.")),
                    }
                }
            }
            _ => {
                for (operation, operand) in operations {
                    if operation == "set" {
                        set_field(&mut edit.changes, issue.project, name, operand, &mut problems);
                    } else {
                        problems.add(name, format!("Operation '{operation}' is not supported for field '{name}'."));
                    }
                }
            }
        }
    }
    problems.into_result(edit)
}

fn set_field(changes: &mut Changes, project: &Project, name: &str, value: &Value, problems: &mut Problems) {
    match name {
        "summary" => match summary(value) {
            Ok(text) => changes.summary = Some(text),
            Err(problem) => problems.add(name, problem),
        },
        "description" => match rich_text(value) {
            Ok(document) => changes.description = Some(document),
            Err(problem) => problems.add(name, problem),
        },
        "priority" => match priority(value) {
            Ok(found) => changes.priority = Some(found),
            Err(problem) => problems.add(name, problem),
        },
        "labels" => match labels(value) {
            Ok(found) => changes.labels = Some(found),
            Err(problem) => problems.add(name, problem),
        },
        "assignee" => match assignee_for(project, value) {
            Ok(found) => changes.assignee = Some(found),
            Err(problem) => problems.add(name, problem),
        },
        "reporter" => match user_value(value) {
            Ok(Some(found)) => changes.reporter = Some(found),
            Ok(None) => problems.add(name, "Reporter is required."),
            Err(problem) => problems.add(name, problem),
        },
        "duedate" => match duedate(value) {
            Ok(found) => changes.duedate = Some(found),
            Err(problem) => problems.add(name, problem),
        },
        other => problems.add(other, not_settable(other)),
    }
}

/// What a transition request asks for.
#[derive(Debug)]
pub struct Move {
    /// The transition.
    pub transition: &'static Transition,
    /// The resolution to set, if named.
    pub resolution: Option<&'static Resolution>,
    /// Comments to add.
    pub comments: Vec<NewComment>,
}

/// Reads a transition request (`POST …/transitions`) for `issue`.
pub fn transition(body: &Value, issue: &Issue) -> Result<Move, ApiError> {
    let body = object(body)?;
    let id = match body.get("transition").and_then(|transition| transition.get("id")) {
        Some(Value::String(id)) => id.clone(),
        Some(Value::Number(id)) => id.to_string(),
        _ => return Err(ApiError::invalid("Missing 'transition' identifier")),
    };
    let Some(transition) = issue.project.workflow.available(issue.status).find(|transition| transition.id == id) else {
        return Err(ApiError::invalid(format!("Transition id '{id}' is not valid for this issue.")));
    };
    let mut problems = Problems::default();
    let mut resolution = None;
    if let Some(fields) = body.get("fields").and_then(Value::as_object) {
        for (name, value) in fields {
            match name.as_str() {
                "resolution" if transition.to.category == Category::Done => {
                    match reference(value, &["name", "id"]).and_then(catalog::resolution) {
                        Some(found) => resolution = Some(found),
                        None => problems.add(name, "The resolution selected is invalid."),
                    }
                }
                other => problems.add(other, not_settable(other)),
            }
        }
    }
    let mut comments = Vec::new();
    if let Some(update) = body.get("update").and_then(Value::as_object) {
        for (name, value) in update {
            if name != "comment" {
                problems.add(name, not_settable(name));
                continue;
            }
            match operations(value) {
                Ok(operations) => {
                    for (operation, operand) in operations {
                        match (operation, operand.get("body").map(rich_text)) {
                            ("add", Some(Ok(Some(body)))) => comments.push(NewComment::public(body)),
                            ("add", Some(_)) => problems.add("comment", NOT_ADF),
                            ("add", None) => problems.add("comment", "Comment body can not be empty!"),
                            (other, _) => {
                                problems.add(
                                    "comment",
                                    format!("Operation '{other}' is not supported for field 'comment'."),
                                );
                            }
                        }
                    }
                }
                Err(problem) => problems.add(name, problem),
            }
        }
    }
    problems.into_result(Move { transition, resolution, comments })
}

/// Reads a comment (`POST …/comment`): an ADF `body`, optional
/// `visibility`, and `properties`, where `sd.public.comment` with
/// `{"internal": true}` makes a service project's comment internal.
pub fn comment(body: &Value, project: &Project) -> Result<NewComment, ApiError> {
    let body = object(body)?;
    let document = match body.get("body") {
        None | Some(Value::Null) => return Err(ApiError::field("comment", "Comment body can not be empty!")),
        Some(value) => rich_text(value).map_err(|problem| ApiError::field("comment", problem))?,
    };
    let Some(document) = document else { return Err(ApiError::field("comment", "Comment body can not be empty!")) };
    if adf::plain_text(&document).trim().is_empty() {
        return Err(ApiError::field("comment", "Comment body can not be empty!"));
    }
    let visibility = match body.get("visibility") {
        None | Some(Value::Null) => None,
        Some(value) => {
            let kind = value.get("type").and_then(Value::as_str);
            let named = value.get("value").or_else(|| value.get("identifier")).and_then(Value::as_str);
            match (kind, named) {
                (Some("group" | "role"), Some(_)) => Some(value.clone()),
                _ => return Err(ApiError::field("commentLevel", "The visibility of the comment is invalid.")),
            }
        }
    };
    let properties = match body.get("properties") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(|item| item.get("key").and_then(Value::as_str).is_some()) => {
            items.clone()
        }
        Some(_) => return Err(ApiError::invalid(INVALID_PAYLOAD)),
    };
    let internal = project.kind == ProjectKind::ServiceDesk
        && properties.iter().any(|property| {
            property.get("key").and_then(Value::as_str) == Some("sd.public.comment")
                && property.get("value").and_then(|value| value.get("internal")).and_then(Value::as_bool) == Some(true)
        });
    Ok(NewComment { body: document, internal, visibility, properties })
}

/// Reads an assignment (`PUT …/assignee`): `{"accountId": id}`, `null` to
/// unassign, `"-1"` for the project's default (nobody, in both projects).
pub fn assignment(body: &Value, project: &Project) -> Result<Option<&'static User>, ApiError> {
    let body = object(body)?;
    match body.get("accountId") {
        None => Err(ApiError::invalid("The accountId of the user to assign the issue to must be given.")),
        Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if id == "-1" => Ok(None),
        Some(Value::String(id)) => match catalog::user(id) {
            Some(user) if project.can_assign(user.account_id) => Ok(Some(user)),
            _ => Err(ApiError::field("assignee", format!("User '{id}' cannot be assigned issues."))),
        },
        Some(_) => Err(ApiError::invalid(INVALID_PAYLOAD)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::seed;
    use super::*;
    use serde_json::json;

    fn mia() -> &'static User {
        catalog::user(catalog::MIA).unwrap()
    }

    fn field_errors(result: Result<impl std::fmt::Debug, ApiError>) -> BTreeMap<String, String> {
        match result {
            Err(ApiError::Invalid { errors, .. }) => errors,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn create_reads_references_by_key_id_or_name() {
        let body = json!({"fields": {
            "project": {"id": "10000"}, "issuetype": {"id": "10002"}, "summary": " Broken ",
            "description": adf::doc(vec![adf::para("x")]), "priority": {"name": "high"}, "labels": ["a", "b"],
            "assignee": {"id": catalog::JONAS}, "duedate": "2026-12-01"
        }});
        let draft = create(&body, mia()).unwrap();
        assert_eq!((draft.project.key, draft.issue_type.name, draft.summary.as_str()), ("OPS", "Bug", "Broken"));
        assert_eq!(
            (draft.priority.name, draft.assignee.map(|user| user.display_name)),
            ("High", Some("Jonas Lindqvist"))
        );
        assert_eq!(draft.duedate.as_deref(), Some("2026-12-01"));
    }

    #[test]
    fn create_reports_every_bad_field() {
        let errors = field_errors(create(
            &json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Task"}, "description": "plain", "labels": ["two words"], "priority": "High", "assignee": {"accountId": catalog::PRIYA}, "customfield_1": 1}}),
            mia(),
        ));
        assert_eq!(errors["summary"], "You must specify a summary of the issue.");
        assert_eq!(errors["description"], NOT_ADF);
        assert_eq!(errors["labels"], "The label 'two words' contains spaces which is invalid.");
        assert_eq!(errors["priority"], "Could not find valid 'id' or 'name' in priority object.");
        assert!(errors["assignee"].contains("cannot be assigned"), "Priya works the help desk only");
        assert!(errors["customfield_1"].contains("cannot be set"));
        let errors = field_errors(create(&json!({"fields": {"summary": "x"}}), mia()));
        assert_eq!(errors["project"], "Specify a valid project ID or key");
        assert_eq!(errors["issuetype"], "Specify an issue type");
        let errors = field_errors(create(
            &json!({"fields": {"project": {"key": "OPS"}, "issuetype": {"name": "Incident"}, "summary": "x"}}),
            mia(),
        ));
        assert_eq!(errors["issuetype"], "The issue type selected is invalid.");
        assert!(matches!(create(&json!([1]), mia()), Err(ApiError::Invalid { .. })));
    }

    #[test]
    fn edits_transitions_and_comments() {
        let store = seed::store(1_800_000_000_000);
        let issue = store.find("OPS-5").unwrap();
        let body = json!({"fields": {"summary": "New"}, "update": {"labels": [{"add": "x"}, {"remove": "vpn"}], "comment": [{"add": {"body": adf::doc(vec![adf::para("c")])}}]}});
        let edit = edit(&body, issue).unwrap();
        assert_eq!(edit.changes.summary.as_deref(), Some("New"));
        assert_eq!(
            (edit.changes.add_labels.clone(), edit.changes.remove_labels.clone()),
            (vec!["x".to_owned()], vec!["vpn".to_owned()])
        );
        assert_eq!(edit.comments.len(), 1);
        let errors = field_errors(super::edit(
            &json!({"fields": {"summary": "a", "status": {"name": "Done"}}, "update": {"summary": [{"set": "b"}]}}),
            issue,
        ));
        assert!(errors["summary"].contains("both"));
        assert!(errors["status"].contains("cannot be set"));

        let moved = transition(&json!({"transition": {"id": "21"}}), issue).unwrap();
        assert_eq!(moved.transition.to.name, "In Review");
        assert!(matches!(transition(&json!({"transition": {"id": "61"}}), issue), Err(ApiError::Invalid { .. })));
        assert!(matches!(transition(&json!({}), issue), Err(ApiError::Invalid { .. })));
        let errors = field_errors(transition(
            &json!({"transition": {"id": "21"}, "fields": {"resolution": {"name": "Done"}}}),
            issue,
        ));
        assert!(errors["resolution"].contains("cannot be set"));
        let done =
            transition(&json!({"transition": {"id": 41}, "fields": {"resolution": {"name": "Duplicate"}}}), issue)
                .unwrap();
        assert_eq!(done.resolution.map(|resolution| resolution.name), Some("Duplicate"));

        let help = store.find("HELP-7").unwrap();
        let internal = json!({"body": adf::doc(vec![adf::para("n")]), "properties": [{"key": "sd.public.comment", "value": {"internal": true}}]});
        assert!(comment(&internal, help.project).unwrap().internal);
        assert!(!comment(&internal, issue.project).unwrap().internal, "only service projects have internal comments");
        assert!(comment(&json!({"body": "plain"}), help.project).is_err());
        assert!(comment(&json!({}), help.project).is_err());

        assert!(assignment(&json!({"accountId": null}), issue.project).unwrap().is_none());
        assert!(assignment(&json!({"accountId": catalog::JONAS}), issue.project).unwrap().is_some());
        assert!(assignment(&json!({"accountId": "nobody"}), issue.project).is_err());
        assert!(assignment(&json!({}), issue.project).is_err());
    }
}
