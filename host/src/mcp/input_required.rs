//! Input-required results (MCP 2026-07-28, SEP-2322): how a plugin asks a
//! client without a session for input.
//!
//! Such a client takes no request in the middle of a call. So when a
//! plugin asks for input the request does not carry, the call stops (see
//! [`crate::capabilities::client::Suspended`]) and the client gets an
//! input-required result: the requests by key, and a `requestState`. The
//! client retries with its answers in `inputResponses` and the state
//! echoed back; the host runs the call again from the start, and this time
//! each request the plugin makes is answered from the state or the
//! responses. A plugin that asks again in a later round is answered the
//! same way, so the state grows with each round.
//!
//! The state carries the answers the plugin has used so far, each with a
//! digest of the question it answered (an answer is used again only for
//! the very same question), and the digests of the questions pending; it
//! is sealed with HMAC-SHA256 under a key derived from the vault's master
//! key, and bound to the tenant, the method, the tool, prompt or URI and
//! the arguments, for [`STATE_TTL`]. A state that was altered, has expired
//! or belongs to another request is refused as invalid params; the client
//! must start over. The seal proves the state is the host's, not that an
//! answer is true: the client writes every answer.

// Sampling and roots are deprecated by SEP-2577, after the revisions Berth
// serves (2025-11-25 and 2026-07-28), which both have them.
#![allow(deprecated)]

use super::call_client::{Asked, PeerClient, elicitation, roots, sampled};
use super::server::BerthServer;
use crate::capabilities::client::{Answers, CallClient, Suspended};
use crate::policy::echo::clip;
use crate::runtime::bindings::berth::plugin::client::{ClientError, InputResponse};
use crate::runtime::bindings::types::ToolError;
use crate::tenants::HiddenText;
use rmcp::ErrorData;
use rmcp::model::{
    CreateMessageRequest, CreateMessageResult, ElicitRequest, ElicitResult, ErrorCode, InputRequest, InputRequests,
    InputRequiredResult, InputResponses, ListRootsRequest, ListRootsResult, RequestStateCodec, SealOptions,
};
use rmcp::service::{RequestContext, RoleServer};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What the key of request states is derived for, from the master key (see
/// [`crate::vault::Vault::derive`]): every host sharing the vault derives
/// it alike, so a retry may reach any of them, and a rotation of the master
/// key retires the states sealed before it.
pub const REQUEST_STATE_KEY: &[u8] = b"berth mcp request state v1";
/// How long a client has to answer an input-required result.
pub const STATE_TTL: Duration = Duration::from_secs(15 * 60);
/// The longest `requestState` a client may echo back.
const MAX_STATE_LEN: usize = 1 << 20;

/// What one request's state is bound to: its tenant, method, target and
/// arguments. A state opens only for the same request.
struct Binding(Vec<u8>);

impl Binding {
    fn of(tenant: &str, method: &str, target: &str, arguments: &Value) -> Self {
        let digest = Sha256::digest(arguments.to_string().as_bytes());
        Self([tenant.as_bytes(), method.as_bytes(), target.as_bytes(), digest.as_slice()].join(&0u8))
    }
}

/// What a request state carries from one round to the next.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// The answers the plugin used, by key.
    answers: BTreeMap<String, Answered>,
    /// The digest of each request asked and not yet answered, by key.
    pending: BTreeMap<String, String>,
}

/// An answer, and the digest of the request it answers: an answer is used
/// again only for the same question, so a confirmation of one thing never
/// confirms another that took its key in a later run.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Answered {
    request: String,
    answer: Value,
}

/// One run of a request from a client without a session: the state and the
/// answers it brought, and what the plugin used and asked for.
#[derive(Debug)]
pub struct Round {
    /// The state the retry echoed back, opened; none on a first try.
    state: Option<State>,
    /// `inputResponses`.
    responses: BTreeMap<String, Value>,
    asked: Mutex<Asking>,
}

/// What the plugin did in a round.
#[derive(Debug, Default)]
struct Asking {
    /// The answers it has been handed, which the next state carries.
    used: BTreeMap<String, Answered>,
    /// The requests it made that have no answer yet, with their digests.
    pending: BTreeMap<String, (String, InputRequest)>,
}

impl Round {
    /// Answers every request that has an answer and notes the others; the
    /// call stops if there are any.
    pub(super) fn answer(&self, requests: Vec<(String, Result<Asked, ClientError>)>) -> Answers {
        let mut asking = self.asked.lock().unwrap_or_else(PoisonError::into_inner);
        let mut answers = Vec::with_capacity(requests.len());
        for (key, asked) in requests {
            let asked = match asked {
                Ok(asked) => asked,
                Err(error) => {
                    answers.push(Err(error));
                    continue;
                }
            };
            let request = digest(&asked);
            match self.given(&key, &request) {
                Some(given) => {
                    let read = read(&key, &asked, given);
                    // Only an answer the plugin could read is carried on.
                    if read.is_ok() {
                        asking.used.insert(key, Answered { request, answer: given.clone() });
                    }
                    answers.push(read);
                }
                None => {
                    asking.pending.insert(key, (request, input_request(asked)));
                }
            }
        }
        if asking.pending.is_empty() { Ok(answers) } else { Err(Suspended) }
    }

    /// The answer to the request with digest `request` under `key`: from
    /// the state when it answered this very request; else from the
    /// responses, if the last round asked this very request (without a
    /// state, a first try's responses are taken as they come).
    fn given(&self, key: &str, request: &str) -> Option<&Value> {
        let Some(state) = &self.state else { return self.responses.get(key) };
        if let Some(answered) = state.answers.get(key).filter(|answered| answered.request == request) {
            return Some(&answered.answer);
        }
        state.pending.get(key).filter(|asked| *asked == request).and_then(|_| self.responses.get(key))
    }
}

/// What identifies a request across runs: its kind and parameters, without
/// the URL elicitation's id, which each run makes anew.
fn digest(asked: &Asked) -> String {
    let (kind, mut params) = match asked {
        Asked::Elicit(params) => ("elicitation/create", serde_json::to_value(params).unwrap_or_default()),
        Asked::Sample(params) => ("sampling/createMessage", serde_json::to_value(params).unwrap_or_default()),
        Asked::ListRoots => ("roots/list", Value::Null),
    };
    if let Value::Object(fields) = &mut params {
        fields.remove("elicitationId");
    }
    hex::encode(Sha256::digest(format!("{kind}\0{params}").as_bytes()))
}

/// A client's answer to `asked`, as the plugin reads it; an answer of the
/// wrong shape is the client's failure.
fn read(key: &str, asked: &Asked, given: &Value) -> Result<InputResponse, ClientError> {
    let wrong = |kind: &str, error: serde_json::Error| {
        ClientError::Failed(format!("the answer to `{}` is not a {kind} result: {error}", clip(key)))
    };
    match asked {
        Asked::Elicit(_) => {
            ElicitResult::deserialize(given).map_err(|error| wrong("elicitation", error)).and_then(elicitation)
        }
        Asked::Sample(_) => {
            CreateMessageResult::deserialize(given).map(sampled).map_err(|error| wrong("sampling", error))
        }
        Asked::ListRoots => ListRootsResult::deserialize(given).map(roots).map_err(|error| wrong("roots/list", error)),
    }
}

/// `asked` as an entry of `inputRequests`.
fn input_request(asked: Asked) -> InputRequest {
    match asked {
        Asked::Elicit(params) => InputRequest::Elicitation(ElicitRequest::new(params)),
        Asked::Sample(params) => InputRequest::CreateMessage(CreateMessageRequest::new(params)),
        Asked::ListRoots => InputRequest::ListRoots(ListRootsRequest::default()),
    }
}

/// The client of one request that may ask it for input, and, when the
/// client has no session, the request's round.
pub(super) struct Client {
    /// What the plugin's `client` capability talks to.
    pub client: Arc<dyn CallClient>,
    round: Option<(Arc<Round>, Binding)>,
}

/// A request's parts that its state is bound to, and the answers it carries.
pub(super) struct Retry<'a> {
    /// `tools/call`, `prompts/get`, `resources/read`.
    pub method: &'a str,
    /// The tool, prompt or URI.
    pub target: &'a str,
    /// Its arguments.
    pub arguments: &'a Value,
    /// `requestState`, echoed back.
    pub state: Option<String>,
    /// `inputResponses`.
    pub responses: Option<InputResponses>,
}

/// What a request that may ask for input came to.
pub(super) enum Answer<R> {
    /// It ran to its end: the plugin's result or error.
    Complete(Result<R, ToolError>),
    /// It stopped to ask a client without a session.
    InputRequired(InputRequiredResult),
}

impl BerthServer {
    /// The client of the request `context` is for. One without a session
    /// is answered from the request's state and responses, which are
    /// checked here: a state that does not open for this very request, or
    /// a response that is not an object, is invalid params.
    pub(super) fn client(
        &self,
        context: &RequestContext<RoleServer>,
        (tenant, hidden_text): (&str, HiddenText),
        retry: Retry<'_>,
    ) -> Result<Client, ErrorData> {
        let stateless = context.protocol_version().is_some_and(|version| !version.has_initialize());
        if !stateless {
            return Ok(Client { client: Arc::new(PeerClient::of(context, None, hidden_text)), round: None });
        }
        let binding = Binding::of(tenant, retry.method, retry.target, retry.arguments);
        let state = retry.state.map(|state| self.open_state(&state, &binding)).transpose()?;
        let responses = retry.responses.unwrap_or_default();
        if let Some((key, _)) = responses.iter().find(|(_, response)| !response.is_object()) {
            let message =
                format!("inputResponses.{} must be an object: the result of the request it answers", clip(key));
            return Err(ErrorData::invalid_params(message, None));
        }
        let round = Arc::new(Round { state, responses, asked: Mutex::default() });
        let client = PeerClient::of(context, Some(round.clone()), hidden_text);
        Ok(Client { client: Arc::new(client), round: Some((round, binding)) })
    }

    /// The codec of request states, under the vault's master key as of now.
    fn codec(&self) -> Result<RequestStateCodec, ErrorData> {
        RequestStateCodec::try_new(self.app.vault.derive(REQUEST_STATE_KEY).to_vec()).map_err(super::server::internal)
    }

    fn open_state(&self, state: &str, binding: &Binding) -> Result<State, ErrorData> {
        let refused = |why: String| {
            let message = format!("requestState refused: {why}; retry the request from the start, without it");
            ErrorData::invalid_params(message, None)
        };
        if state.len() > MAX_STATE_LEN {
            return Err(refused(format!("it is longer than {MAX_STATE_LEN} bytes")));
        }
        self.codec()?.open_json_with(state, &binding.0).map_err(|error| refused(error.to_string()))
    }

    /// What a call that ran with `client` and stopped for input (see
    /// [`crate::runtime::CallError::InputRequired`]) answers: the requests
    /// without an answer, and the state carrying those the plugin used.
    pub(super) fn input_required(&self, client: &Client) -> Result<InputRequiredResult, ErrorData> {
        let Some((round, binding)) = &client.round else {
            return Err(super::server::internal("a call stopped for input, but its client has a session"));
        };
        let asking = std::mem::take(&mut *round.asked.lock().unwrap_or_else(PoisonError::into_inner));
        let mut requests = InputRequests::new();
        let mut pending = BTreeMap::new();
        for (key, (digest, request)) in asking.pending {
            pending.insert(key.clone(), digest);
            requests.insert(key, request);
        }
        let state = State { answers: asking.used, pending };
        let sealing = SealOptions::new().associated_data(&binding.0).ttl(STATE_TTL);
        let sealed = self.codec()?.seal_json_with(&state, &sealing).map_err(super::server::internal)?;
        if sealed.len() > MAX_STATE_LEN {
            let message = format!(
                "the answers given so far make a request state of {} bytes, more than the {MAX_STATE_LEN} a retry may carry",
                sealed.len()
            );
            return Err(ErrorData::invalid_params(message, None));
        }
        Ok(InputRequiredResult::new(Some(requests), Some(sealed)))
    }
}

/// MCP's missing-capability error (-32021) for a plugin's
/// `missing-capability`: the capability (`sampling`, `elicitation.url`) as
/// the client-capabilities object that lacks it. A name MCP does not define
/// is the plugin's bug, an internal error.
pub(super) fn missing_capability(capability: &str) -> ErrorData {
    let required = match capability {
        "elicitation" => json!({"elicitation": {}}),
        "elicitation.url" => json!({"elicitation": {"url": {}}}),
        "sampling" => json!({"sampling": {}}),
        "roots" => json!({"roots": {}}),
        other => {
            let message =
                format!("the plugin reported a missing client capability `{}` that MCP does not define", clip(other));
            return ErrorData::internal_error(message, None);
        }
    };
    let message = format!("the client did not declare the capability `{capability}`, which this request needs");
    ErrorData::new(
        ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY,
        message,
        Some(json!({ "requiredCapabilities": required })),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::berth::plugin::client::Elicitation;
    use rmcp::model::{CreateMessageRequestParams, ElicitRequestParams, ElicitationSchema};

    fn form(message: &str) -> Asked {
        let requested_schema: ElicitationSchema =
            serde_json::from_value(json!({"type": "object", "properties": {"ok": {"type": "boolean"}}})).unwrap();
        Asked::Elicit(ElicitRequestParams::FormElicitationParams {
            meta: None,
            message: message.into(),
            requested_schema,
        })
    }

    fn round(state: Option<State>, responses: Value) -> Round {
        Round { state, responses: serde_json::from_value(responses).unwrap(), asked: Mutex::default() }
    }

    fn yes() -> Value {
        json!({"action": "accept", "content": {"ok": true}})
    }

    #[test]
    fn a_round_answers_what_it_was_given_and_stops_for_the_rest() {
        let round = round(None, json!({"a": yes(), "extra": {"action": "decline"}}));
        let sample = Asked::Sample(CreateMessageRequestParams::new(Vec::new(), 10));
        let asked = round.answer(vec![("a".into(), Ok(form("ok?"))), ("b".into(), Ok(sample))]);
        assert!(matches!(asked, Err(Suspended)));
        let asking = round.asked.lock().unwrap();
        // What the plugin used goes into the next state; what it lacks is asked.
        assert_eq!(asking.used.keys().collect::<Vec<_>>(), ["a"]);
        assert_eq!(asking.pending.keys().collect::<Vec<_>>(), ["b"]);
        let wire = serde_json::to_value(&asking.pending["b"].1).unwrap();
        assert_eq!(wire["method"], "sampling/createMessage");
    }

    #[test]
    fn a_round_with_every_answer_runs_on_and_refuses_answers_of_the_wrong_shape() {
        let round = round(None, json!({"a": yes(), "b": {"model": 3}, "c": {"action": "accept", "content": 7}}));
        let answers = round.answer(vec![
            ("a".into(), Ok(form("ok?"))),
            ("b".into(), Ok(Asked::ListRoots)),
            ("c".into(), Ok(form("sure?"))),
            ("d".into(), Err(ClientError::Unsupported("sampling".into()))),
        ]);
        let answers = answers.expect("nothing is missing");
        assert!(
            matches!(&answers[0], Ok(InputResponse::Elicitation(Elicitation::Accept(content))) if content == r#"{"ok":true}"#)
        );
        assert!(matches!(&answers[1], Err(ClientError::Failed(why)) if why.contains("roots/list")), "{:?}", answers[1]);
        assert!(
            matches!(&answers[2], Err(ClientError::Failed(why)) if why.contains("not a JSON object")),
            "{:?}",
            answers[2]
        );
        assert!(matches!(&answers[3], Err(ClientError::Unsupported(_))));
        // Only the answer the plugin could read is carried on.
        assert_eq!(round.asked.lock().unwrap().used.keys().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn an_answer_counts_only_for_the_question_it_answered() {
        let close_5 = digest(&form("Close incident 5?"));
        let state = State {
            answers: BTreeMap::from([("elicit-1".to_owned(), Answered { request: close_5.clone(), answer: yes() })]),
            pending: BTreeMap::from([("elicit-2".to_owned(), close_5)]),
        };
        let round = round(Some(state), json!({"elicit-2": yes(), "unasked": yes()}));
        // The same key now asks another question: the saved "yes" and the
        // response to the question the last round asked do not answer it.
        let asked = round.answer(vec![
            ("elicit-1".into(), Ok(form("Close incident 7?"))),
            ("elicit-2".into(), Ok(form("Close incident 7?"))),
            ("unasked".into(), Ok(form("Close incident 7?"))),
        ]);
        assert!(matches!(asked, Err(Suspended)));
        let asking = round.asked.lock().unwrap();
        assert!(asking.used.is_empty(), "{:?}", asking.used);
        assert_eq!(asking.pending.len(), 3);
    }

    #[test]
    fn a_state_binds_its_tenant_method_target_and_arguments() {
        let arguments = json!({"n": 1});
        let base = Binding::of("acme", "tools/call", "t", &arguments).0;
        for other in [
            Binding::of("acme2", "tools/call", "t", &arguments),
            Binding::of("acme", "prompts/get", "t", &arguments),
            Binding::of("acme", "tools/call", "u", &arguments),
            Binding::of("acme", "tools/call", "t", &json!({"n": 2})),
        ] {
            assert_ne!(other.0, base);
        }
    }

    #[test]
    fn a_missing_capability_is_named_as_a_client_capabilities_object() {
        let error = missing_capability("elicitation.url");
        assert_eq!(error.code, ErrorCode::MISSING_REQUIRED_CLIENT_CAPABILITY);
        assert_eq!(error.data.unwrap()["requiredCapabilities"], json!({"elicitation": {"url": {}}}));
        assert_eq!(missing_capability("a.b.c.d").code, ErrorCode::INTERNAL_ERROR);
    }
}
