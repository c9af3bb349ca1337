//! Incidents: search, read, file, change (with POST, along the allowed
//! status flow) and their responses.

use super::error::OpsRampError;
use super::model::{Incident, Response, Store, allowed_statuses, needs_reason};
use super::search::{Search, order};
use super::{Tenant, clock, lock};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The `queryString` keys an incident search takes.
const KEYS: &[&str] = &[
    "status",
    "priority",
    "subject",
    "assignedTo",
    "requester",
    "startCreationDate",
    "endCreationDate",
    "startUpdationDate",
    "endUpdationDate",
    "hasAlerts",
];

/// Every priority an incident may have, most urgent first.
pub const PRIORITIES: &[&str] = &["Urgent", "High", "Normal", "Low", "Very Low"];

/// The answer of a handler: JSON, or OpsRamp's failure.
type Answer = Result<Json<Value>, OpsRampError>;

/// A JSON request body: an object, else 400.
fn object(body: &[u8]) -> Result<Map<String, Value>, OpsRampError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(fields)) => Ok(fields),
        _ => Err(OpsRampError::invalid("INVALID_REQUEST", "The request body must be a JSON object")),
    }
}

/// The string `field` of `fields`, if present; 400 if it is not a string.
fn text<'a>(fields: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, OpsRampError> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(OpsRampError::invalid("INVALID_REQUEST", format!("{field} must be a string"))),
    }
}

/// The `{id}` of the path.
fn id_of(path: &HashMap<String, String>) -> &str {
    path.get("id").map_or("", String::as_str)
}

/// `priority`, checked.
fn priority(value: &str) -> Result<String, OpsRampError> {
    PRIORITIES
        .iter()
        .find(|known| known.eq_ignore_ascii_case(value.trim()))
        .map(|known| (*known).to_owned())
        .ok_or_else(|| OpsRampError::invalid("INVALID_PRIORITY", format!("Invalid priority: {value}")))
}

/// The user a reference (`{"id": "USR…"}`) names, checked.
fn user_reference(store: &Store, field: &str, value: &Value) -> Result<String, OpsRampError> {
    let id = value.get("id").and_then(Value::as_str).unwrap_or_default();
    store
        .user(id)
        .map(|user| user.id.clone())
        .ok_or_else(|| OpsRampError::invalid("INVALID_USER", format!("{field}: no user with id `{id}` in this tenant")))
}

impl Store {
    /// The incident `id`, or 404.
    fn incident_or_404(&self, id: &str) -> Result<&Incident, OpsRampError> {
        self.incident(id).ok_or_else(|| OpsRampError::NotFound(format!("Incident not found: {id}")))
    }

    /// The incident `id`, to change: 404 if there is none, 400 if it is
    /// closed.
    fn open_incident(&mut self, id: &str) -> Result<&mut Incident, OpsRampError> {
        let incident = self
            .incidents
            .iter_mut()
            .find(|incident| incident.id == id)
            .ok_or_else(|| OpsRampError::NotFound(format!("Incident not found: {id}")))?;
        if incident.status == "Closed" {
            return Err(OpsRampError::invalid("INCIDENT_CLOSED", format!("Incident {id} is closed")));
        }
        Ok(incident)
    }
}

/// `GET incidents/search`.
pub async fn search(State(tenant): State<Arc<Tenant>>, RawQuery(query): RawQuery) -> Answer {
    let search = Search::parse(query.as_deref(), KEYS)?;
    let sort = search.sort_by(&["id", "ticket.id", "createdDate", "updatedDate"], "id")?;
    let bounds = [("startCreationDate", "endCreationDate", true), ("startUpdationDate", "endUpdationDate", false)]
        .map(|(start, end, created)| Ok::<_, OpsRampError>((search.date(start)?, search.date(end)?, created)));
    let bounds = bounds.into_iter().collect::<Result<Vec<_>, _>>()?;
    let is = |key: &str, value: &str| {
        search.values(key).is_none_or(|wanted| wanted.iter().any(|each| each.eq_ignore_ascii_case(value)))
    };
    let store = lock(&tenant.store);
    let mut found: Vec<&Incident> = store
        .incidents
        .iter()
        .filter(|incident| {
            let subject = incident.subject.to_lowercase();
            is("status", &incident.status)
                && is("priority", &incident.priority)
                && is("assignedTo", incident.assigned_user.as_deref().unwrap_or_default())
                && is("requester", incident.requester.as_deref().unwrap_or_default())
                && is("hasAlerts", if incident.alert_ids.is_empty() { "false" } else { "true" })
                && search
                    .values("subject")
                    .is_none_or(|words| words.iter().any(|word| subject.contains(&word.to_lowercase())))
                && bounds.iter().all(|(start, end, created)| {
                    let at = if *created { incident.created } else { incident.updated };
                    start.is_none_or(|start| at >= start) && end.is_none_or(|end| at <= end)
                })
        })
        .collect();
    match sort {
        "createdDate" => order(&mut found, search.descending, |incident| incident.created),
        "updatedDate" => order(&mut found, search.descending, |incident| incident.updated),
        _ => order(&mut found, search.descending, |incident| incident.id.clone()),
    }
    let results = found.into_iter().map(|incident| store.incident_json(incident, &tenant.options.tenant_id)).collect();
    Ok(Json(search.envelope(results, sort)))
}

/// `GET incidents/{id}`.
pub async fn show(State(tenant): State<Arc<Tenant>>, Path(path): Path<HashMap<String, String>>) -> Answer {
    let store = lock(&tenant.store);
    let incident = store.incident_or_404(id_of(&path))?;
    Ok(Json(store.incident_json(incident, &tenant.options.tenant_id)))
}

/// `POST incidents`: `subject` is mandatory; the incident starts `New`.
pub async fn create(State(tenant): State<Arc<Tenant>>, body: axum::body::Bytes) -> Answer {
    let fields = object(&body)?;
    let subject = text(&fields, "subject")?.map(str::trim).unwrap_or_default();
    if subject.is_empty() {
        return Err(OpsRampError::invalid("MANDATORY_FIELD", "subject is mandatory"));
    }
    let mut store = lock(&tenant.store);
    let priority = text(&fields, "priority")?.map(priority).transpose()?.unwrap_or_else(|| "Normal".to_owned());
    let requester = fields.get("requester").filter(|value| !value.is_null());
    let requester = requester.map(|value| user_reference(&store, "requester", value)).transpose()?;
    let assigned = fields.get("assignedUser").filter(|value| !value.is_null());
    let assigned_user = assigned.map(|value| user_reference(&store, "assignedUser", value)).transpose()?;
    let group = fields.get("assigneeGroup").and_then(|group| group.get("name")).and_then(Value::as_str);
    let now = clock::unix_seconds_now();
    store.next_incident += 1;
    let incident = Incident {
        id: format!("INC{:010}", store.next_incident),
        subject: subject.to_owned(),
        description: text(&fields, "description")?.unwrap_or_default().to_owned(),
        status: "New".to_owned(),
        old_status: None,
        priority,
        requester,
        assigned_user,
        group: group.map(str::to_owned),
        alert_ids: Vec::new(),
        reason: None,
        resolution_summary: None,
        created: now,
        updated: now,
    };
    let answer = store.incident_json(&incident, &tenant.options.tenant_id);
    store.incidents.push(incident);
    Ok(Json(answer))
}

/// `POST incidents/{id}`: a partial update. A status must be one the
/// incident allows next, with a reason where that status needs one;
/// `assignedUser: null` unassigns; `notes` on a resolving change become the
/// resolution summary.
pub async fn update(
    State(tenant): State<Arc<Tenant>>,
    Path(path): Path<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Answer {
    let fields = object(&body)?;
    let id = id_of(&path);
    let mut store = lock(&tenant.store);
    let assigned = match fields.get("assignedUser") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(value) => Some(Some(user_reference(&store, "assignedUser", value)?)),
    };
    let priority = text(&fields, "priority")?.map(priority).transpose()?;
    let (status, reason, notes) = (text(&fields, "status")?, text(&fields, "reason")?, text(&fields, "notes")?);
    let incident = store.open_incident(id)?;
    if let Some(status) = status.filter(|status| *status != incident.status) {
        let allowed = allowed_statuses(&incident.status);
        if !allowed.contains(&status) {
            let message =
                format!("Status cannot change from {} to {status}; allowed: {}", incident.status, allowed.join(", "));
            return Err(OpsRampError::invalid("INVALID_STATUS", message));
        }
        if needs_reason(status) && reason.is_none_or(|reason| reason.trim().is_empty()) {
            return Err(OpsRampError::invalid("REASON_REQUIRED", format!("A reason is mandatory for {status}")));
        }
        incident.old_status = Some(std::mem::replace(&mut incident.status, status.to_owned()));
        incident.reason = reason.map(str::to_owned);
    }
    if let Some(priority) = priority {
        incident.priority = priority;
    }
    if let Some(assigned) = assigned {
        incident.assigned_user = assigned;
    }
    if let Some(notes) = notes.filter(|_| matches!(incident.status.as_str(), "Resolved" | "Closed")) {
        incident.resolution_summary = Some(notes.to_owned());
    }
    incident.updated = clock::unix_seconds_now();
    let store = &*store;
    Ok(Json(store.incident_json(store.incident_or_404(id)?, &tenant.options.tenant_id)))
}

/// `GET incidents/{id}/responses/search`: oldest first unless asked.
pub async fn responses(
    State(tenant): State<Arc<Tenant>>,
    Path(path): Path<HashMap<String, String>>,
    RawQuery(query): RawQuery,
) -> Answer {
    let search = Search::parse(query.as_deref(), &[])?;
    let sort = search.sort_by(&["createdDate", "id"], "createdDate")?;
    let store = lock(&tenant.store);
    let id = store.incident_or_404(id_of(&path))?.id.clone();
    let mut said: Vec<&Response> = store.responses.iter().filter(|response| response.incident == id).collect();
    order(&mut said, search.descending, |response| (response.created, response.id));
    Ok(Json(search.envelope(said.into_iter().map(|response| store.response_json(response)).collect(), sort)))
}

/// `POST incidents/{id}/responses`: `description` is mandatory; the
/// creator is the API integration unless named.
pub async fn respond(
    State(tenant): State<Arc<Tenant>>,
    Path(path): Path<HashMap<String, String>>,
    body: axum::body::Bytes,
) -> Answer {
    let fields = object(&body)?;
    let description = text(&fields, "description")?.map(str::trim).unwrap_or_default().to_owned();
    if description.is_empty() {
        return Err(OpsRampError::invalid("MANDATORY_FIELD", "description is mandatory"));
    }
    let internal = match fields.get("internal") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(internal)) => *internal,
        Some(_) => return Err(OpsRampError::invalid("INVALID_REQUEST", "internal must be true or false")),
    };
    let mut store = lock(&tenant.store);
    let creator = match fields.get("creator").filter(|value| !value.is_null()) {
        Some(value) => user_reference(&store, "creator", value)?,
        None => store.users[0].id.clone(),
    };
    let now = clock::unix_seconds_now();
    let incident = store.open_incident(id_of(&path))?;
    incident.updated = now;
    let incident = incident.id.clone();
    store.next_response += 1;
    let response = Response { id: store.next_response, incident, creator, description, internal, created: now };
    let answer = store.response_json(&response);
    store.responses.push(response);
    Ok(Json(answer))
}
