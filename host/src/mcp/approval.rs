//! The approval gate: before a tool the tenant's policy names runs (every
//! destructive one, or named ones), the host asks the human through the
//! client, as an elicitation naming the tool, who asks and the arguments.
//! Yes runs the call; no or cancel ends it as a tool error saying so; a
//! client that cannot ask is refused, so the call never runs unconfirmed.
//! A client without a session is asked through an input-required result,
//! as a plugin's own questions are.

use super::input_required::Client;
use super::server::{BerthServer, failure, snapshot_error};
use crate::audit::CallRecord;
use crate::auth::Principal;
use crate::auth::roles::ToolKind;
use crate::capabilities::client::Suspended;
use crate::metrics::CallOutcome;
use crate::runtime::bindings::berth::plugin::client::{ClientError, Elicitation, Form, InputRequest, InputResponse};
use crate::snapshot::Generation;
use rmcp::ErrorData;
use rmcp::model::CallToolResponse;
use serde_json::{Value, json};

/// The key the host's question is asked under, beside a plugin's own.
const KEY: &str = "berth-approval";

/// How the question ended, when the call does not simply run.
enum Stopped {
    /// The human said no, or cancelled: the words for the tool error.
    Declined(String),
    /// The client has no session: its answer comes with a retry.
    InputRequired,
    /// The client cannot be asked: the refusal.
    Impossible(String),
}

/// What the gate needs about the call: the snapshot it reads, who calls,
/// the client to ask, and what the tool says it does.
pub(super) type Gate<'a> = (&'a Generation, &'a Principal, &'a Client, ToolKind);

/// How a call the gate stopped ends: its outcome, what the audit log says,
/// and the answer.
pub(super) type Stop = (CallOutcome, String, Result<CallToolResponse, ErrorData>);

impl BerthServer {
    /// Asks for approval of `tool` when the tenant's policy requires it:
    /// `None` to run the call (`record` then says who approved it), or how
    /// it ends.
    pub(super) async fn gate(
        &self,
        (generation, principal, client, kind): Gate<'_>,
        tool: &str,
        arguments: &Value,
        record: &mut CallRecord,
    ) -> Result<Option<Stop>, ErrorData> {
        let policy = self.app.snapshot.policy(generation, &principal.tenant).await.map_err(snapshot_error)?;
        if !policy.confirm.requires(tool, kind) {
            return Ok(None);
        }
        Ok(match self.approve(client, principal, tool, arguments).await {
            Ok(by) => {
                record.outcome = format!("approved by {by}");
                None
            }
            Err(Stopped::Declined(how)) => {
                let said = format!("`{tool}` did not run: the person asked to approve it {how}");
                Some((CallOutcome::Refused, said.clone(), Ok(failure(said).into())))
            }
            Err(Stopped::InputRequired) => {
                let answer = self.input_required(client).map(Into::into);
                Some((CallOutcome::InputRequired, "approval asked".to_owned(), answer))
            }
            Err(Stopped::Impossible(why)) => {
                Some((CallOutcome::Refused, format!("refused: {why}"), Err(ErrorData::invalid_request(why, None))))
            }
        })
    }

    /// Asks `client`'s human whether `principal` may run `tool` with
    /// `arguments`: `Ok` with who approved, or how the call stops.
    async fn approve(
        &self,
        client: &Client,
        principal: &Principal,
        tool: &str,
        arguments: &Value,
    ) -> Result<String, Stopped> {
        let who = principal.audit_name();
        let shown = serde_json::to_string_pretty(arguments).unwrap_or_default();
        let message = format!(
            "{who} wants to run `{tool}`, which this tenant's policy asks you to approve. It may change or delete \
             data upstream. Arguments:\n{shown}"
        );
        let schema = json!({
            "type": "object",
            "properties": {"approve": {"type": "boolean", "title": format!("Run {tool}")}},
            "required": ["approve"],
        });
        let asked = InputRequest::Elicit(Form { message, requested_schema: schema.to_string() });
        let answers = client.client.request_input(vec![(KEY.to_owned(), asked)]).await;
        let answer = match answers {
            Err(Suspended) => return Err(Stopped::InputRequired),
            Ok(mut answers) => answers.pop(),
        };
        match answer {
            Some(Ok(InputResponse::Elicitation(Elicitation::Accept(content)))) => {
                let approved = serde_json::from_str::<Value>(&content).is_ok_and(|content| content["approve"] == true);
                if approved { Ok(who) } else { Err(Stopped::Declined("declined".to_owned())) }
            }
            Some(Ok(InputResponse::Elicitation(Elicitation::Decline))) => Err(Stopped::Declined("declined".to_owned())),
            Some(Ok(InputResponse::Elicitation(Elicitation::Cancel))) | Some(Err(ClientError::Cancelled)) => {
                Err(Stopped::Declined("cancelled".to_owned()))
            }
            Some(Err(ClientError::Unsupported(_))) => Err(Stopped::Impossible(format!(
                "`{tool}` needs a person's approval under this tenant's policy, and this client cannot ask for it \
                 (it does not support elicitation); the call did not run"
            ))),
            other => Err(Stopped::Impossible(format!("the approval for `{tool}` could not be asked: {other:?}"))),
        }
    }
}
