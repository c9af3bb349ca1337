//! `add_note`: a note on a request, public (the requester sees it) or
//! private to technicians.

use crate::client::Sdp;
use crate::requests::{self, NoteView};
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::Deserialize;

/// Arguments of `add_note`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteArgs {
    /// The request's id.
    #[schemars(length(min = 1, max = 20))]
    pub id: String,
    /// The note, plain text.
    #[schemars(length(min = 1, max = 32768))]
    pub text: String,
    /// Whether the requester sees it (default: a private note for
    /// technicians).
    #[serde(default)]
    pub show_to_requester: bool,
}

/// Runs `add_note`.
pub fn add_note(args: NoteArgs) -> Result<Json<NoteView>, ToolError> {
    let id = requests::id(&args.id)?;
    let sdp = Sdp::new()?;
    Ok(Json(requests::add_note(&sdp, &id, &args.text, args.show_to_requester)?))
}
