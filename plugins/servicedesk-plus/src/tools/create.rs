//! `create_request`: a new request, read back as ServiceDesk Plus stored
//! it. A portal's request template may make more fields mandatory; the
//! 4012 it then answers names them.

use crate::client::Sdp;
use crate::requests::{self, RequestView};
use crate::{html, people};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// The longest subject ServiceDesk Plus keeps.
const MAX_SUBJECT: usize = 250;

/// Arguments of `create_request`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateArgs {
    /// The one-line subject (at most 250 characters).
    #[schemars(length(min = 1, max = 250))]
    pub subject: String,
    /// The description, plain text.
    #[schemars(length(max = 32768))]
    pub description: Option<String>,
    /// Who asks: an e-mail address or user id; the tenant's
    /// `default_requester` when absent, else the credential's user.
    #[schemars(length(max = 254))]
    pub requester: Option<String>,
    /// Who should work on it: a technician's e-mail address or user id.
    #[schemars(length(max = 254))]
    pub technician: Option<String>,
    /// The priority's name, such as `High`.
    #[schemars(length(max = 100))]
    pub priority: Option<String>,
    /// The support group's name.
    #[schemars(length(max = 100))]
    pub group: Option<String>,
    /// The category's name.
    #[schemars(length(max = 100))]
    pub category: Option<String>,
    /// The subcategory's name (within the category).
    #[schemars(length(max = 100))]
    pub subcategory: Option<String>,
    /// The status's name; the portal's default (`Open`) when absent.
    #[schemars(length(max = 100))]
    pub status: Option<String>,
}

/// Runs `create_request`.
pub fn create_request(args: CreateArgs) -> Result<Json<RequestView>, ToolError> {
    let sdp = Sdp::new()?;
    let created = create(&sdp, args)?;
    Ok(Json(requests::show(&sdp, &created)))
}

/// Files `args` and returns the request as stored.
pub fn create(sdp: &Sdp, args: CreateArgs) -> Result<Value, ToolError> {
    let subject = args.subject.trim();
    if subject.is_empty() {
        return Err(ToolError::invalid("`subject` must say what the request is about"));
    }
    if subject.chars().count() > MAX_SUBJECT {
        return Err(ToolError::invalid(format!("`subject` is longer than {MAX_SUBJECT} characters")));
    }
    let mut request = Map::new();
    request.insert("subject".to_owned(), json!(subject));
    if let Some(description) = args.description.as_deref().filter(|text| !text.trim().is_empty()) {
        request.insert("description".to_owned(), json!(html::from_text(description)));
    }
    let requester = args.requester.or_else(|| sdp.settings.default_requester.clone());
    for (field, who) in [("requester", requester), ("technician", args.technician)] {
        if let Some(who) = who.as_deref().map(str::trim).filter(|who| !who.is_empty()) {
            request.insert(field.to_owned(), people::reference(who)?.0);
        }
    }
    for (field, name) in [
        ("priority", args.priority),
        ("group", args.group),
        ("category", args.category),
        ("subcategory", args.subcategory),
        ("status", args.status),
    ] {
        if let Some(name) = name.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
            request.insert(field.to_owned(), json!({"name": name}));
        }
    }
    let answer = sdp.post("/requests", &json!({"request": request}), "the new request")?;
    requests::entity(answer, "request")
}
