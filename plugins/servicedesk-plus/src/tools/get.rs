//! `get_request`: one request with its description and notes.

use crate::client::Sdp;
use crate::requests::{self, NoteView, RequestView};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Arguments of `get_request`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetArgs {
    /// The request's id (digits, such as `7564000000307383`), as the list
    /// returns it.
    #[schemars(length(min = 1, max = 20))]
    pub id: String,
    /// Whether to include its notes (default true).
    pub notes: Option<bool>,
}

/// A request with its notes.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RequestDetails {
    /// The request, with its description.
    pub request: RequestView,
    /// Its notes, oldest first; private ones have `public: false`.
    pub notes: Vec<NoteView>,
}

/// Runs `get_request`.
pub fn get_request(args: GetArgs) -> Result<Json<RequestDetails>, ToolError> {
    let id = requests::id(&args.id)?;
    let sdp = Sdp::new()?;
    Ok(Json(details(&sdp, &id, args.notes.unwrap_or(true))?))
}

/// Request `id`, with its notes when `with_notes`.
pub fn details(sdp: &Sdp, id: &str, with_notes: bool) -> Result<RequestDetails, ToolError> {
    let request = requests::show(sdp, &requests::read(sdp, id)?);
    let notes = if with_notes { requests::notes(sdp, id)? } else { Vec::new() };
    Ok(RequestDetails { request, notes })
}
