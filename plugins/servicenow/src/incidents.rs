//! The incident tools: list, read, create, update, comment on and resolve.
//!
//! An incident is named by its number (`INC0010001`) or its `sys_id`.
//! Choice fields accept codes or labels (`resolved`, `6`); people and
//! groups accept names or `sys_id`s and are looked up before a write.

use crate::client::{Client, Listing};
use crate::codes::{Choices, IMPACT, PRIORITY, RESOLVED, STATE, URGENCY};
use crate::journal::{self, Entry, Kind};
use crate::lookup::{self, Target};
use crate::query::{EncodedQuery, is_sys_id, servicenow_datetime};
use crate::records::{self, PageInfo};
use crate::settings;
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// The incidents table.
pub const TABLE: &str = "incident";

/// What a listing fetches per incident: enough for a summary line.
const SUMMARY_FIELDS: &[&str] = &[
    "sys_id",
    "number",
    "short_description",
    "state",
    "priority",
    "assignment_group",
    "assigned_to",
    "caller_id",
    "opened_at",
    "sys_updated_on",
];

/// The close code `resolve_incident` uses unless told otherwise: the stock
/// choice for "fixed".
const DEFAULT_CLOSE_CODE: &str = "Solution provided";

/// Arguments of `list_incidents`. Every filter is optional; given filters
/// must all hold.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListIncidentsArgs {
    /// Only incidents in this state: new, in_progress, on_hold, resolved, closed or canceled (or its code 1, 2,
    /// 3, 6, 7, 8).
    pub state: Option<String>,
    /// true: only active incidents (anything not closed or canceled); false: only inactive ones.
    pub active: Option<bool>,
    /// Only this priority: critical, high, moderate, low or planning (or 1 to 5).
    pub priority: Option<String>,
    /// Only incidents assigned to this group: its name (for example `Network`) or sys_id.
    pub assignment_group: Option<String>,
    /// Only incidents assigned to this person: user name, full name or sys_id.
    pub assigned_to: Option<String>,
    /// Free text to look for in the short description or the description.
    pub query: Option<String>,
    /// Only incidents updated at or after this UTC time: `2025-03-01`, `2025-03-01 08:00:00` or
    /// `2025-03-01T08:00:00Z`.
    pub updated_since: Option<String>,
    /// Incidents per page (default: the tenant's page size; at most 100).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Incidents to skip: pass `next_offset` from the previous page.
    pub offset: Option<u32>,
}

impl ListIncidentsArgs {
    fn encoded_query(&self) -> Result<String, ToolError> {
        let mut query = EncodedQuery::default();
        if let Some(state) = given(&self.state) {
            query.and("state", "=", STATE.code(state)?);
        }
        if let Some(active) = self.active {
            query.and("active", "=", if active { "true" } else { "false" });
        }
        if let Some(priority) = given(&self.priority) {
            query.and("priority", "=", PRIORITY.code(priority)?);
        }
        if let Some(group) = given(&self.assignment_group) {
            if is_sys_id(group) {
                query.and("assignment_group", "=", group);
            } else {
                query.and("assignment_group.name", "=", group);
            }
        }
        if let Some(user) = given(&self.assigned_to) {
            if is_sys_id(user) {
                query.and("assigned_to", "=", user);
            } else {
                query.and_any(&[("assigned_to.user_name", "=", user), ("assigned_to.name", "=", user)]);
            }
        }
        if let Some(text) = given(&self.query) {
            query.and_any(&[("short_description", "LIKE", text), ("description", "LIKE", text)]);
        }
        if let Some(since) = given(&self.updated_since) {
            query.and("sys_updated_on", ">=", &servicenow_datetime(since)?);
        }
        query.order_by_desc("sys_updated_on").order_by_desc("number");
        Ok(query.build())
    }
}

/// One incident in a listing.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentSummary {
    /// `INC0010001`.
    pub number: String,
    /// The record's key.
    pub sys_id: String,
    /// The one-line summary.
    pub short_description: String,
    /// New, In Progress, On Hold, Resolved, Closed or Canceled.
    pub state: String,
    /// `1 - Critical` to `5 - Planning`.
    pub priority: String,
    /// The group working on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignment_group: Option<String>,
    /// The person working on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assigned_to: Option<String>,
    /// Who reported it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caller: Option<String>,
    /// When it was opened (UTC unless the instance user's time zone differs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    /// When it last changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl IncidentSummary {
    fn from_record(record: &Value) -> Self {
        let text = |name: &str| records::display(record, name);
        // The stock label for a code; the instance's own label otherwise.
        let label = |choices: &Choices, name: &str| {
            records::value(record, name)
                .and_then(|code| choices.label(&code))
                .map(str::to_owned)
                .or_else(|| text(name))
                .unwrap_or_default()
        };
        Self {
            number: text("number").unwrap_or_default(),
            sys_id: records::value(record, "sys_id").unwrap_or_default(),
            short_description: text("short_description").unwrap_or_default(),
            state: label(&STATE, "state"),
            priority: label(&PRIORITY, "priority"),
            assignment_group: text("assignment_group"),
            assigned_to: text("assigned_to"),
            caller: text("caller_id"),
            opened_at: text("opened_at"),
            updated_at: text("sys_updated_on"),
        }
    }
}

/// What `list_incidents` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentList {
    /// Where this page sits.
    #[serde(flatten)]
    pub page: PageInfo,
    /// The incidents, most recently updated first.
    pub incidents: Vec<IncidentSummary>,
}

/// `list_incidents`.
pub fn list_incidents(args: ListIncidentsArgs) -> Result<Json<IncidentList>, ToolError> {
    let limit = settings::page_size(args.limit)?;
    let offset = args.offset.unwrap_or(0);
    let query = args.encoded_query()?;
    let client = Client::new()?;
    let page = client.list(&Listing { table: TABLE, query: &query, fields: SUMMARY_FIELDS, limit, offset })?;
    let incidents = page.records.iter().map(IncidentSummary::from_record).collect();
    Ok(Json(IncidentList { page: PageInfo::of(&page, offset), incidents }))
}

/// One incident in full.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IncidentDetail {
    /// Every non-empty field: plain values, `{value, display}` for coded
    /// fields, `{sys_id, name}` for references.
    pub incident: Map<String, Value>,
    /// Comments and work notes, newest first.
    pub journal: Vec<Entry>,
}

impl IncidentDetail {
    fn from_record(record: &Value) -> Self {
        Self { incident: records::shape(record, &journal::FIELDS), journal: journal::entries(record) }
    }
}

/// Arguments naming one incident.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetIncidentArgs {
    /// The incident's number (`INC0010001`) or sys_id.
    pub incident: String,
}

/// `get_incident`.
pub fn get_incident(args: GetIncidentArgs) -> Result<Json<IncidentDetail>, ToolError> {
    read(&args.incident).map(Json)
}

/// The incident `incident` names (a number or a sys_id), in full.
pub fn read(incident: &str) -> Result<IncidentDetail, ToolError> {
    let client = Client::new()?;
    let record = IncidentId::parse(incident)?.record(&client, &[])?;
    Ok(IncidentDetail::from_record(&record))
}

/// Arguments of `create_incident`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIncidentArgs {
    /// One line saying what is wrong.
    #[schemars(length(min = 1))]
    pub short_description: String,
    /// The details: symptoms, since when, who is affected.
    pub description: Option<String>,
    /// Who reported it: user name, full name, e-mail or sys_id.
    pub caller: Option<String>,
    /// Category, for example inquiry, software, hardware, network or database.
    pub category: Option<String>,
    /// Subcategory within the category.
    pub subcategory: Option<String>,
    /// Impact: high, medium or low (or 1 to 3). Priority is derived from impact and urgency.
    pub impact: Option<String>,
    /// Urgency: high, medium or low (or 1 to 3).
    pub urgency: Option<String>,
    /// The group to assign it to: name or sys_id.
    pub assignment_group: Option<String>,
    /// The person to assign it to: user name, full name, e-mail or sys_id.
    pub assigned_to: Option<String>,
}

/// `create_incident`.
pub fn create_incident(args: CreateIncidentArgs) -> Result<Json<IncidentDetail>, ToolError> {
    if args.short_description.trim().is_empty() {
        return Err(ToolError::invalid("`short_description` must say what is wrong"));
    }
    let client = Client::new()?;
    let mut changes = Changes::new(&client);
    changes.text("short_description", Some(args.short_description));
    changes.text("description", args.description);
    changes.text("category", args.category);
    changes.text("subcategory", args.subcategory);
    changes.choice(&IMPACT, args.impact)?;
    changes.choice(&URGENCY, args.urgency)?;
    changes.reference("caller_id", Target::User, args.caller)?;
    changes.reference("assignment_group", Target::Group, args.assignment_group)?;
    changes.reference("assigned_to", Target::User, args.assigned_to)?;
    let record = client.create(TABLE, &Value::Object(changes.body))?;
    Ok(Json(IncidentDetail::from_record(&record)))
}

/// Arguments of `update_incident`: the incident and the fields to change
/// (at least one). An empty string clears a field.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateIncidentArgs {
    /// The incident's number (`INC0010001`) or sys_id.
    pub incident: String,
    /// New one-line summary.
    pub short_description: Option<String>,
    /// New details.
    pub description: Option<String>,
    /// New state: new, in_progress, on_hold, resolved, closed or canceled (or its code). Resolving or closing
    /// needs `close_code` and `close_notes`; `resolve_incident` does it in one step.
    pub state: Option<String>,
    /// New impact: high, medium or low (or 1 to 3).
    pub impact: Option<String>,
    /// New urgency: high, medium or low (or 1 to 3).
    pub urgency: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// New subcategory.
    pub subcategory: Option<String>,
    /// New assignment group: name or sys_id.
    pub assignment_group: Option<String>,
    /// New assignee: user name, full name, e-mail or sys_id.
    pub assigned_to: Option<String>,
    /// New caller: user name, full name, e-mail or sys_id.
    pub caller: Option<String>,
    /// Resolution code, for example `Solution provided` or `Workaround provided`.
    pub close_code: Option<String>,
    /// Resolution notes.
    pub close_notes: Option<String>,
}

/// `update_incident`.
pub fn update_incident(args: UpdateIncidentArgs) -> Result<Json<IncidentDetail>, ToolError> {
    let incident = IncidentId::parse(&args.incident)?;
    let client = Client::new()?;
    let mut changes = Changes::new(&client);
    changes.text("short_description", args.short_description);
    changes.text("description", args.description);
    changes.text("category", args.category);
    changes.text("subcategory", args.subcategory);
    changes.text("close_code", args.close_code);
    changes.text("close_notes", args.close_notes);
    changes.choice(&STATE, args.state)?;
    changes.choice(&IMPACT, args.impact)?;
    changes.choice(&URGENCY, args.urgency)?;
    changes.reference("assignment_group", Target::Group, args.assignment_group)?;
    changes.reference("assigned_to", Target::User, args.assigned_to)?;
    changes.reference("caller_id", Target::User, args.caller)?;
    if changes.body.is_empty() {
        return Err(ToolError::invalid("nothing to update: give at least one field to change"));
    }
    let sys_id = incident.sys_id(&client)?;
    let record = client.update(TABLE, &sys_id, &Value::Object(changes.body))?;
    Ok(Json(IncidentDetail::from_record(&record)))
}

/// Arguments of `add_comment`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCommentArgs {
    /// The incident's number (`INC0010001`) or sys_id.
    pub incident: String,
    /// What to write.
    #[schemars(length(min = 1))]
    pub text: String,
    /// true: an internal work note, seen only by the people working on the incident. false (the default): an
    /// additional comment, visible to the caller.
    #[serde(default)]
    pub work_note: bool,
}

/// What `add_comment` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CommentAdded {
    /// The incident's number.
    pub number: String,
    /// What was added.
    pub kind: Kind,
    /// Whether the caller can see it.
    pub visible_to_caller: bool,
    /// The incident's journal afterwards, newest first.
    pub journal: Vec<Entry>,
}

/// `add_comment`.
pub fn add_comment(args: AddCommentArgs) -> Result<Json<CommentAdded>, ToolError> {
    if args.text.trim().is_empty() {
        return Err(ToolError::invalid("`text` is empty; there is nothing to add"));
    }
    let incident = IncidentId::parse(&args.incident)?;
    let (field, kind) = if args.work_note { ("work_notes", Kind::WorkNote) } else { ("comments", Kind::Comment) };
    let client = Client::new()?;
    let sys_id = incident.sys_id(&client)?;
    let mut body = Map::new();
    body.insert(field.to_owned(), Value::String(args.text));
    let record = client.update(TABLE, &sys_id, &Value::Object(body))?;
    Ok(Json(CommentAdded {
        number: records::display(&record, "number").unwrap_or_default(),
        kind,
        visible_to_caller: kind == Kind::Comment,
        journal: journal::entries(&record),
    }))
}

/// Arguments of `resolve_incident`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveIncidentArgs {
    /// The incident's number (`INC0010001`) or sys_id.
    pub incident: String,
    /// How it was resolved, for the record and the caller.
    #[schemars(length(min = 1))]
    pub close_notes: String,
    /// Resolution code (default `Solution provided`; others on a stock instance include `Workaround provided`,
    /// `Duplicate`, `Known error`, `No resolution provided`, `Resolved by caller`, `User error`).
    pub close_code: Option<String>,
}

/// `resolve_incident`.
pub fn resolve_incident(args: ResolveIncidentArgs) -> Result<Json<IncidentDetail>, ToolError> {
    if args.close_notes.trim().is_empty() {
        return Err(ToolError::invalid("`close_notes` must say how the incident was resolved"));
    }
    let incident = IncidentId::parse(&args.incident)?;
    let client = Client::new()?;
    let current = incident.record(&client, &["sys_id", "number", "priority"])?;
    let sys_id = records::value(&current, "sys_id")
        .ok_or_else(|| ToolError::upstream(None, "ServiceNow sent an incident without a sys_id"))?;
    if records::value(&current, "priority").as_deref() == Some(CRITICAL) {
        confirm_critical(&records::value(&current, "number").unwrap_or(sys_id.clone()))?;
    }
    let close_code = given(&args.close_code).unwrap_or(DEFAULT_CLOSE_CODE).to_owned();
    let mut body = Map::new();
    for (field, value) in
        [("state", RESOLVED.to_owned()), ("close_code", close_code), ("close_notes", args.close_notes)]
    {
        body.insert(field.to_owned(), Value::String(value));
    }
    let record = client.update(TABLE, &sys_id, &Value::Object(body))?;
    Ok(Json(IncidentDetail::from_record(&record)))
}

/// The priority code of a critical (P1) incident.
const CRITICAL: &str = "1";

/// The human's answer to "resolve this P1?".
#[derive(Debug, Deserialize)]
struct Confirmation {
    confirm: bool,
}

/// Resolving a P1 needs the human's yes when the client can ask them. A
/// client that cannot (no elicitation) leaves the decision with the agent,
/// whose tool annotations already say the call changes things.
fn confirm_critical(number: &str) -> Result<(), ToolError> {
    use berth_sdk::client::{ClientError, elicit};
    let question = format!("{number} is a priority 1 (critical) incident. Resolve it?");
    let schema = json!({
        "type": "object",
        "properties": {"confirm": {"type": "boolean", "title": "Resolve", "description": question}},
        "required": ["confirm"]
    });
    let refused = |why: &str| Err(ToolError::denied(format!("{number} was not resolved: {why}")));
    match elicit(&question, &schema) {
        Ok(answer) => match answer.accepted::<Confirmation>() {
            Some(Confirmation { confirm: true }) => Ok(()),
            _ => refused("the user did not confirm resolving a priority 1 incident"),
        },
        Err(ClientError::Unsupported(_)) => Ok(()),
        Err(error) => refused(&format!("the confirmation failed ({error:?})")),
    }
}

/// How an agent named an incident.
pub enum IncidentId {
    /// Its 32-character key.
    SysId(String),
    /// Its number, upper-cased.
    Number(String),
}

impl IncidentId {
    /// Reads a number (`INC0010001`) or a sys_id.
    pub fn parse(given: &str) -> Result<Self, ToolError> {
        let given = given.trim();
        if is_sys_id(given) {
            return Ok(Self::SysId(given.to_ascii_lowercase()));
        }
        let number = given.to_ascii_uppercase();
        let prefix_len = number.find(|c: char| c.is_ascii_digit()).unwrap_or(number.len());
        let (prefix, digits) = number.split_at(prefix_len);
        if prefix.is_empty()
            || !prefix.chars().all(|c| c.is_ascii_uppercase())
            || digits.is_empty()
            || !digits.chars().all(|c| c.is_ascii_digit())
        {
            return Err(ToolError::invalid(format!(
                "`{given}` names no incident; give its number (like INC0010001) or its 32-character sys_id"
            )));
        }
        Ok(Self::Number(number))
    }

    /// The incident's record, with only `fields` when given (a sys_id
    /// reads the whole record).
    pub fn record(self, client: &Client, fields: &[&str]) -> Result<Value, ToolError> {
        match self {
            Self::SysId(sys_id) => client.get(TABLE, &sys_id),
            Self::Number(number) => by_number(client, &number, fields),
        }
    }

    /// The incident's `sys_id`, looking the number up when needed.
    pub fn sys_id(self, client: &Client) -> Result<String, ToolError> {
        match self {
            Self::SysId(sys_id) => Ok(sys_id),
            Self::Number(number) => {
                let record = by_number(client, &number, &["sys_id"])?;
                records::value(&record, "sys_id")
                    .ok_or_else(|| ToolError::upstream(None, format!("ServiceNow sent {number} without a sys_id")))
            }
        }
    }
}

/// The incident numbered `number` (with only `fields`, when given).
fn by_number(client: &Client, number: &str, fields: &[&str]) -> Result<Value, ToolError> {
    let mut query = EncodedQuery::default();
    query.and("number", "=", number);
    let query = query.build();
    let page = client.list(&Listing { table: TABLE, query: &query, fields, limit: 1, offset: 0 })?;
    page.records.into_iter().next().ok_or_else(|| ToolError::not_found(format!("no incident has the number {number}")))
}

/// The JSON body of a write, from optional arguments.
struct Changes<'c> {
    client: &'c Client,
    body: Map<String, Value>,
}

impl<'c> Changes<'c> {
    fn new(client: &'c Client) -> Self {
        Self { client, body: Map::new() }
    }

    fn set(&mut self, field: &str, value: String) {
        self.body.insert(field.to_owned(), Value::String(value));
    }

    /// Sets a text field, when given.
    fn text(&mut self, field: &str, value: Option<String>) {
        if let Some(value) = value {
            self.set(field, value);
        }
    }

    /// Sets a choice field to the code for what was given; blank clears it.
    fn choice(&mut self, choices: &Choices, value: Option<String>) -> Result<(), ToolError> {
        if let Some(value) = value {
            let code = if value.trim().is_empty() { "" } else { choices.code(&value)? };
            self.set(choices.field, code.to_owned());
        }
        Ok(())
    }

    /// Sets a reference to the record `value` names; blank clears it.
    fn reference(&mut self, field: &str, target: Target, value: Option<String>) -> Result<(), ToolError> {
        if let Some(value) = value {
            let sys_id =
                if value.trim().is_empty() { String::new() } else { lookup::sys_id(self.client, target, &value)? };
            self.set(field, sys_id);
        }
        Ok(())
    }
}

/// An optional argument that was given and is not blank.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> ListIncidentsArgs {
        ListIncidentsArgs {
            state: None,
            active: None,
            priority: None,
            assignment_group: None,
            assigned_to: None,
            query: None,
            updated_since: None,
            limit: None,
            offset: None,
        }
    }

    #[test]
    fn listing_filters_become_an_encoded_query() {
        let filters = ListIncidentsArgs {
            state: Some("in progress".into()),
            priority: Some("high".into()),
            assignment_group: Some("Network".into()),
            assigned_to: Some("beth.anglin".into()),
            query: Some("vpn^drop".into()),
            updated_since: Some("2025-03-01".into()),
            active: Some(true),
            ..args()
        };
        assert_eq!(
            filters.encoded_query().unwrap(),
            "state=2^active=true^priority=2^assignment_group.name=Network\
             ^assigned_to.user_name=beth.anglin^ORassigned_to.name=beth.anglin\
             ^short_descriptionLIKEvpn^^drop^ORdescriptionLIKEvpn^^drop\
             ^sys_updated_on>=2025-03-01 00:00:00^ORDERBYDESCsys_updated_on^ORDERBYDESCnumber"
        );
        assert_eq!(args().encoded_query().unwrap(), "ORDERBYDESCsys_updated_on^ORDERBYDESCnumber");
        assert!(ListIncidentsArgs { state: Some("done".into()), ..args() }.encoded_query().is_err());
    }

    #[test]
    fn incidents_are_named_by_number_or_sys_id() {
        assert!(matches!(IncidentId::parse(" inc0010001 "), Ok(IncidentId::Number(number)) if number == "INC0010001"));
        assert!(matches!(IncidentId::parse("9EF81DE2DB0D6090D7055268DC961978"), Ok(IncidentId::SysId(_))));
        for bad in ["", "0010001", "INC", "INC001^ORactive=true", "number=INC1"] {
            assert!(IncidentId::parse(bad).is_err(), "{bad}");
        }
    }
}
