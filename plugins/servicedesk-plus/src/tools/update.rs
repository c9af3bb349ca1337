//! `update_request`, `assign_request` and `close_request`: changes to a
//! request, each read back as ServiceDesk Plus stored it. Closed requests
//! take no changes (ServiceDesk Plus answers 4002).

use crate::client::Sdp;
use crate::people;
use crate::requests::{self, RequestView, target};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Arguments of `update_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateArgs {
    /// The request's id.
    #[schemars(length(min = 1, max = 20))]
    pub id: String,
    /// The new status's name (`In Progress`, `On Hold`, `Resolved`…); to
    /// close with closure comments, use `close_request`.
    #[schemars(length(max = 100))]
    pub status: Option<String>,
    /// The new priority's name (`High`).
    #[schemars(length(max = 100))]
    pub priority: Option<String>,
    /// The technician: an e-mail address or user id.
    #[schemars(length(max = 254))]
    pub technician: Option<String>,
    /// The support group's name.
    #[schemars(length(max = 100))]
    pub group: Option<String>,
    /// Why, recorded in the request's history where the portal asks.
    #[schemars(length(max = 2000))]
    pub update_reason: Option<String>,
}

/// Runs `update_request`.
pub fn update_request(args: UpdateArgs) -> Result<Json<RequestView>, ToolError> {
    let id = requests::id(&args.id)?;
    let mut changes = Map::new();
    for (field, name) in [("status", args.status), ("priority", args.priority), ("group", args.group)] {
        if let Some(name) = name.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
            changes.insert(field.to_owned(), json!({"name": name}));
        }
    }
    if let Some(who) = args.technician.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        changes.insert("technician".to_owned(), people::reference(who)?.0);
    }
    if changes.is_empty() {
        return Err(ToolError::invalid("nothing to update: give a status, priority, technician or group"));
    }
    if let Some(reason) = args.update_reason.as_deref().map(str::trim).filter(|reason| !reason.is_empty()) {
        changes.insert("update_reason".to_owned(), json!(reason));
    }
    let sdp = Sdp::new()?;
    Ok(Json(requests::show(&sdp, &update(&sdp, &id, changes)?)))
}

/// Arguments of `assign_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignArgs {
    /// The request's id.
    #[schemars(length(min = 1, max = 20))]
    pub id: String,
    /// The technician: an e-mail address or user id; `null` unassigns it.
    #[schemars(required, schema_with = "nullable_person")]
    pub technician: Option<String>,
    /// The support group's name, to move it there as well.
    #[schemars(length(max = 100))]
    pub group: Option<String>,
}

/// A person's e-mail address or id, or `null`: a value that must be
/// given, even if only as `null`.
fn nullable_person(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": ["string", "null"], "maxLength": 254})
}

/// Runs `assign_request`.
pub fn assign_request(args: AssignArgs) -> Result<Json<RequestView>, ToolError> {
    let id = requests::id(&args.id)?;
    let mut changes = Map::new();
    let technician = match args.technician.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
        Some(who) => people::reference(who)?.0,
        None => Value::Null,
    };
    changes.insert("technician".to_owned(), technician);
    if let Some(group) = args.group.as_deref().map(str::trim).filter(|group| !group.is_empty()) {
        changes.insert("group".to_owned(), json!({"name": group}));
    }
    let sdp = Sdp::new()?;
    Ok(Json(requests::show(&sdp, &update(&sdp, &id, changes)?)))
}

/// Arguments of `close_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseArgs {
    /// The request's id.
    #[schemars(length(min = 1, max = 20))]
    pub id: String,
    /// Closure comments: how it ended.
    #[schemars(length(max = 32768))]
    pub closure_comments: Option<String>,
    /// The closure code's name, such as `Success` or `Canceled`.
    #[schemars(length(max = 100))]
    pub closure_code: Option<String>,
}

/// Runs `close_request`.
pub fn close_request(args: CloseArgs) -> Result<Json<RequestView>, ToolError> {
    let id = requests::id(&args.id)?;
    let sdp = Sdp::new()?;
    close(&sdp, &id, args.closure_comments.as_deref(), args.closure_code.as_deref())?;
    Ok(Json(requests::show(&sdp, &requests::read(&sdp, &id)?)))
}

/// PUTs `changes` to request `id`; the request as stored.
pub fn update(sdp: &Sdp, id: &str, changes: Map<String, Value>) -> Result<Value, ToolError> {
    let answer = sdp.put(&format!("/requests/{id}"), &json!({"request": changes}), &target(id))?;
    requests::entity(answer, "request")
}

/// Closes request `id` (`PUT /requests/{id}/close`), with closure comments
/// and code when given.
pub fn close(sdp: &Sdp, id: &str, comments: Option<&str>, code: Option<&str>) -> Result<(), ToolError> {
    let mut closure = Map::new();
    if let Some(comments) = comments.map(str::trim).filter(|comments| !comments.is_empty()) {
        closure.insert("closure_comments".to_owned(), json!(comments));
    }
    if let Some(code) = code.map(str::trim).filter(|code| !code.is_empty()) {
        closure.insert("closure_code".to_owned(), json!({"name": code}));
    }
    sdp.put(&format!("/requests/{id}/close"), &json!({"request": {"closure_info": closure}}), &target(id))?;
    Ok(())
}
