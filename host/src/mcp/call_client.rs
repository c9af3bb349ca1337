//! [`PeerClient`]: the `client` capability of one request, served by the
//! client that made it: progress as `notifications/progress` with the
//! request's token; requests for input as `elicitation/create`,
//! `sampling/createMessage` and `roots/list`.
//!
//! Each request is checked against what the client declared (at
//! `initialize`, or in the request's `_meta` for MCP 2026-07-28), so a
//! plugin gets `unsupported` at once rather than a wait for an answer that
//! cannot come. A client with a session is asked in the middle of the call.
//! One without a session is answered from the request's [`Round`], or the
//! call stops and the client gets an input-required result.

// Sampling and roots are deprecated by SEP-2577, after the revisions Berth
// serves (2025-11-25 and 2026-07-28), which both have them.
#![allow(deprecated)]

use crate::capabilities::client::{Answers, CallClient};
use crate::mcp::content;
use crate::mcp::input_required::Round;
use crate::mcp::untrusted::clean;
use crate::runtime::bindings::berth::plugin::client::{
    ClientError, Elicitation, InputRequest, InputResponse, Root, SamplingMessage, SamplingRequest, SamplingResult,
};
use crate::runtime::bindings::types::{Content, Media, Role};
use crate::tenants::HiddenText;
use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::Peer;
use rmcp::model::{
    ClientCapabilities, CreateMessageRequestParams, CreateMessageResult, ElicitRequestParams, ElicitResult,
    ElicitationAction, ElicitationSchema, ListRootsResult, ProgressNotificationParam, ProgressToken,
};
use rmcp::service::{RequestContext, RoleServer, ServiceError};
use std::sync::Arc;

/// The client of one request.
#[derive(Debug)]
pub struct PeerClient {
    peer: Peer<RoleServer>,
    progress: Option<ProgressToken>,
    /// What the client declared.
    capabilities: ClientCapabilities,
    /// For a client without a session: the answers its request carries.
    round: Option<Arc<Round>>,
    /// Whether the messages the plugin asks with are scrubbed first.
    hidden_text: HiddenText,
}

/// A request for input as MCP puts it.
pub(super) enum Asked {
    /// `elicitation/create`.
    Elicit(ElicitRequestParams),
    /// `sampling/createMessage`.
    Sample(CreateMessageRequestParams),
    /// `roots/list`.
    ListRoots,
}

impl PeerClient {
    /// The client of the request `context` is for; `round` is the request's
    /// round of answers when the client has no session, which also means
    /// its capabilities come with the request.
    /// `hidden_text` says whether the plugin's messages are scrubbed.
    pub fn of(context: &RequestContext<RoleServer>, round: Option<Arc<Round>>, hidden_text: HiddenText) -> Self {
        Self {
            peer: context.peer.clone(),
            progress: context.meta.get_progress_token(),
            // The request's own, or for a session the ones of `initialize`.
            capabilities: context.client_capabilities().unwrap_or_default(),
            round,
            hidden_text,
        }
    }

    /// Whether the client declared the capability `request` needs.
    fn declared(&self, request: &InputRequest) -> bool {
        let declared = &self.capabilities;
        match request {
            // `elicitation: {}` is how clients before 2025-11-25 declare forms.
            InputRequest::Elicit(_) => declared
                .elicitation
                .as_ref()
                .is_some_and(|elicitation| elicitation.form.is_some() || elicitation.url.is_none()),
            InputRequest::ElicitUrl(_) => {
                declared.elicitation.as_ref().is_some_and(|elicitation| elicitation.url.is_some())
            }
            InputRequest::Sample(_) => declared.sampling.is_some(),
            InputRequest::ListRoots => declared.roots.is_some(),
        }
    }

    /// Asks the client one request, in the middle of the call.
    async fn ask(peer: Peer<RoleServer>, asked: Asked) -> Result<InputResponse, ClientError> {
        match asked {
            Asked::Elicit(params) => elicitation(peer.create_elicitation(params).await.map_err(failed)?),
            Asked::Sample(params) => Ok(sampled(peer.create_message(params).await.map_err(failed)?)),
            Asked::ListRoots => Ok(roots(peer.list_roots().await.map_err(failed)?)),
        }
    }
}

/// A client's failure, as the plugin sees it.
fn failed(error: ServiceError) -> ClientError {
    match error {
        ServiceError::McpError(error) => ClientError::Failed(error.message.into_owned()),
        ServiceError::Cancelled { .. } => ClientError::Cancelled,
        error => ClientError::Failed(error.to_string()),
    }
}

impl CallClient for PeerClient {
    fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) -> BoxFuture<'static, ()> {
        let Some(token) = self.progress.clone() else {
            return futures::future::ready(()).boxed();
        };
        let mut report = ProgressNotificationParam::new(token, progress);
        report.total = total;
        report.message = message;
        let peer = self.peer.clone();
        async move {
            if let Err(error) = peer.notify_progress(report).await {
                tracing::debug!("progress not delivered: {error}");
            }
        }
        .boxed()
    }

    /// Checks every request, then asks a client with a session all of them
    /// at once, or looks up the answers of one without.
    fn request_input(&self, requests: Vec<(String, InputRequest)>) -> BoxFuture<'static, Answers> {
        let prepared: Vec<(String, Result<Asked, ClientError>)> = requests
            .into_iter()
            .map(|(key, mut request)| {
                clean(self.hidden_text, &mut request);
                let asked = if self.declared(&request) {
                    prepare(request)
                } else {
                    Err(ClientError::Unsupported(request.capability().to_owned()))
                };
                (key, asked)
            })
            .collect();
        if let Some(round) = &self.round {
            return futures::future::ready(round.answer(prepared)).boxed();
        }
        let peer = self.peer.clone();
        async move {
            let asks = prepared.into_iter().map(|(_, asked)| {
                let peer = peer.clone();
                async move { Self::ask(peer, asked?).await }
            });
            Ok(futures::future::join_all(asks).await)
        }
        .boxed()
    }
}

/// `request` as MCP puts it, or why it cannot be.
fn prepare(request: InputRequest) -> Result<Asked, ClientError> {
    Ok(match request {
        InputRequest::Elicit(form) => {
            let requested_schema: ElicitationSchema =
                serde_json::from_str(&form.requested_schema).map_err(|error| {
                    ClientError::InvalidRequest(format!(
                        "the requested schema is not one MCP elicitation allows: {error}"
                    ))
                })?;
            Asked::Elicit(ElicitRequestParams::FormElicitationParams {
                meta: None,
                message: form.message,
                requested_schema,
            })
        }
        InputRequest::ElicitUrl(page) => Asked::Elicit(ElicitRequestParams::UrlElicitationParams {
            meta: None,
            message: page.message,
            url: page.url,
            elicitation_id: crate::audit::call_id(),
        }),
        InputRequest::Sample(request) => Asked::Sample(sampling_params(request)?),
        InputRequest::ListRoots => Asked::ListRoots,
    })
}

/// A sampling request as MCP puts it.
fn sampling_params(request: SamplingRequest) -> Result<CreateMessageRequestParams, ClientError> {
    let messages = request.messages.into_iter().map(sampling_message).collect::<Result<Vec<_>, _>>()?;
    let mut params = CreateMessageRequestParams::new(messages, request.max_tokens);
    params.system_prompt = request.system_prompt;
    Ok(params)
}

/// The human's answer, as a plugin reads it: an accepted answer is a JSON
/// object, as the contract promises the plugin.
pub(super) fn elicitation(answer: ElicitResult) -> Result<InputResponse, ClientError> {
    Ok(InputResponse::Elicitation(match answer.action {
        ElicitationAction::Accept => match answer.content.unwrap_or_else(|| serde_json::json!({})) {
            content @ serde_json::Value::Object(_) => Elicitation::Accept(content.to_string()),
            _ => return Err(ClientError::Failed("the accepted answer is not a JSON object".to_owned())),
        },
        ElicitationAction::Decline => Elicitation::Decline,
        _ => Elicitation::Cancel,
    }))
}

/// The model's answer, as a plugin reads it.
pub(super) fn sampled(answer: CreateMessageResult) -> InputResponse {
    let role = match answer.message.role {
        rmcp::model::Role::Assistant => Role::Assistant,
        _ => Role::User,
    };
    let content = answer.message.content.first().map(sampled_content).unwrap_or(Content::Text(String::new()));
    InputResponse::Sampling(SamplingResult { role, content, model: answer.model, stop_reason: answer.stop_reason })
}

/// The client's roots, as a plugin reads them.
pub(super) fn roots(answer: ListRootsResult) -> InputResponse {
    InputResponse::Roots(answer.roots.into_iter().map(|root| Root { uri: root.uri, name: root.name }).collect())
}

/// One message for the client's model: text, an image or a sound.
fn sampling_message(message: SamplingMessage) -> Result<rmcp::model::SamplingMessage, ClientError> {
    use rmcp::model::{AudioContent, ImageContent, SamplingMessageContentBlock as Block};
    let block = match message.content {
        Content::Text(text) | Content::Json(text) => Block::text(text),
        Content::Image(Media { data, mime_type }) => Block::Image(ImageContent::new(content::base64(&data), mime_type)),
        Content::Audio(Media { data, mime_type }) => Block::Audio(AudioContent::new(content::base64(&data), mime_type)),
        Content::Resource(_) | Content::ResourceLink(_) => {
            return Err(ClientError::InvalidRequest("sampling messages carry text, images or sounds".to_owned()));
        }
    };
    Ok(rmcp::model::SamplingMessage::new(content::role(message.role), block))
}

/// What the model answered, as a plugin reads it. Bytes arrive base64-encoded;
/// a block that does not decode, or a kind plugins do not take (a tool use),
/// arrives as its JSON text.
fn sampled_content(block: &rmcp::model::SamplingMessageContentBlock) -> Content {
    use base64::Engine;
    use rmcp::model::SamplingMessageContentBlock as Block;
    let decode = |data: &str| base64::engine::general_purpose::STANDARD.decode(data).ok();
    match block {
        Block::Text(text) => Content::Text(text.text.clone()),
        Block::Image(image) => match decode(&image.data) {
            Some(data) => Content::Image(Media { data, mime_type: image.mime_type.clone() }),
            None => Content::Json(serde_json::to_string(block).unwrap_or_default()),
        },
        Block::Audio(audio) => match decode(&audio.data) {
            Some(data) => Content::Audio(Media { data, mime_type: audio.mime_type.clone() }),
            None => Content::Json(serde_json::to_string(block).unwrap_or_default()),
        },
        other => Content::Json(serde_json::to_string(other).unwrap_or_default()),
    }
}
