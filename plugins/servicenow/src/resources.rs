//! Incidents as MCP resources, `servicenow://incident/{number}`; the
//! `triage` prompt; and completion of incident numbers for both.

use crate::client::{Client, Listing};
use crate::incidents::{self, IncidentDetail, TABLE};
use crate::query::EncodedQuery;
use crate::records;
use berth_sdk::{
    Completion, CompletionRef, CompletionRequest, Content, Prompt, PromptMessage, ResourceContents, ResourceTemplate,
    ToolError,
};

/// The template of an incident's URI.
pub const INCIDENT_TEMPLATE: &str = "servicenow://incident/{number}";
/// Incident numbers a completion suggests at most.
const SUGGESTIONS: u32 = 10;

/// The URI of incident `number`.
pub fn incident_uri(number: &str) -> String {
    format!("servicenow://incident/{number}")
}

/// The plugin's resource templates.
pub fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(INCIDENT_TEMPLATE, "incident", "An incident by number: its fields and its journal")
            .mime_type("application/json"),
    ]
}

/// Reads `servicenow://incident/{number}`: the incident as `get_incident`
/// returns it.
pub fn read(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
    let number = uri
        .strip_prefix("servicenow://incident/")
        .filter(|number| !number.is_empty() && !number.contains('/'))
        .ok_or_else(|| ToolError::not_found(format!("no resource `{uri}`")))?;
    let detail: IncidentDetail = incidents::read(number)?;
    let json = serde_json::to_string(&detail).map_err(|error| ToolError::internal(error.to_string()))?;
    Ok(vec![ResourceContents::text(uri, "application/json", json)])
}

/// `triage`: asks the model to triage one incident, which it can read
/// through the linked resource.
pub fn prompts() -> Vec<Prompt> {
    vec![
        Prompt::new("triage", "Triage an incident: impact, urgency, likely cause and the next step", |args| {
            let number = args.require("number")?.trim().to_ascii_uppercase();
            let ask = format!(
                "Triage ServiceNow incident {number}. Read it, then say: its real impact and urgency (and whether \
                 its priority fits them), the likely cause, who should own it, and the next step. Be brief."
            );
            Ok(vec![
                PromptMessage::user(Content::text(ask)),
                PromptMessage::user(Content::link(incident_uri(&number), number)),
            ])
        })
        .title("Triage an incident")
        .argument("number", "The incident number, such as INC0010001", true),
    ]
}

/// Completes an incident number, for the `triage` prompt and the incident
/// template: the most recently updated incidents whose number starts with
/// what was typed.
pub fn complete(request: &CompletionRequest) -> Result<Completion, ToolError> {
    let for_number = match &request.reference {
        CompletionRef::Prompt(prompt) => prompt == "triage" && request.argument == "number",
        CompletionRef::ResourceTemplate(template) => template == INCIDENT_TEMPLATE && request.argument == "number",
    };
    if !for_number {
        return Ok(Completion::none());
    }
    let typed = request.value.trim().to_ascii_uppercase();
    let mut query = EncodedQuery::default();
    if !typed.is_empty() {
        query.and("number", "STARTSWITH", &typed);
    }
    let query = query.order_by_desc("sys_updated_on").build();
    let client = Client::new()?;
    let listing = Listing { table: TABLE, query: &query, fields: &["number"], limit: SUGGESTIONS + 1, offset: 0 };
    let page = client.list(&listing)?;
    let mut values: Vec<String> = page.records.iter().filter_map(|record| records::value(record, "number")).collect();
    let has_more = values.len() > SUGGESTIONS as usize;
    values.truncate(SUGGESTIONS as usize);
    Ok(Completion { values, total: None, has_more })
}
