//! [`PeerClient`]: the `client` capability of one tool call, served by the
//! session the call came from: progress as `notifications/progress` with the
//! request's token, elicitation as `elicitation/create`, sampling as
//! `sampling/createMessage`.
//!
//! Each request is checked against what the client declared at
//! `initialize`, so a plugin gets `unsupported` at once rather than a wait
//! for an answer that cannot come. A client speaking MCP 2026-07-28 without
//! a session takes no requests in the middle of a call at all.

use crate::capabilities::client::{CallClient, Elicit};
use crate::mcp::content;
use crate::runtime::bindings::berth::plugin::client::{
    ClientError, Elicitation, SamplingMessage, SamplingRequest, SamplingResult,
};
use crate::runtime::bindings::types::{Content, Media, Role};
use futures::FutureExt;
use futures::future::BoxFuture;
use rmcp::Peer;
#[allow(deprecated)]
use rmcp::model::{
    ClientCapabilities, CreateMessageRequestParams, ElicitRequestParams, ElicitationAction, ElicitationSchema,
    ProgressNotificationParam, ProgressToken,
};
use rmcp::service::{RequestContext, RoleServer, ServiceError};

/// The client of one tool call.
#[derive(Debug)]
pub struct PeerClient {
    peer: Peer<RoleServer>,
    progress: Option<ProgressToken>,
    /// What the client declared; `None` when it takes no requests.
    capabilities: Option<ClientCapabilities>,
}

impl PeerClient {
    /// The client of the call `context` is for.
    pub fn of(context: &RequestContext<RoleServer>) -> Self {
        let stateless = context.protocol_version().is_some_and(|version| !version.has_initialize());
        let capabilities =
            if stateless { None } else { context.peer.peer_info().map(|info| info.capabilities.clone()) };
        Self { peer: context.peer.clone(), progress: context.meta.get_progress_token(), capabilities }
    }

    /// The client's elicitation capability, if it declared the `mode` asked for.
    fn supports_elicitation(&self, url: bool) -> bool {
        let Some(elicitation) = self.capabilities.as_ref().and_then(|declared| declared.elicitation.as_ref()) else {
            return false;
        };
        if url {
            elicitation.url.is_some()
        } else {
            // `elicitation: {}` is how clients before 2025-11-25 declare forms.
            elicitation.form.is_some() || elicitation.url.is_none()
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

fn unsupported(what: &str) -> BoxFuture<'static, Result<Elicitation, ClientError>> {
    let message = format!("the client did not declare `{what}`");
    futures::future::ready(Err(ClientError::Unsupported(message))).boxed()
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

    fn elicit(&self, request: Elicit) -> BoxFuture<'static, Result<Elicitation, ClientError>> {
        let params = match request {
            Elicit::Form { message, schema } => {
                if !self.supports_elicitation(false) {
                    return unsupported("elicitation");
                }
                let requested_schema: ElicitationSchema = match serde_json::from_str(&schema) {
                    Ok(schema) => schema,
                    Err(error) => {
                        let problem = format!("the requested schema is not one MCP elicitation allows: {error}");
                        return futures::future::ready(Err(ClientError::InvalidRequest(problem))).boxed();
                    }
                };
                ElicitRequestParams::FormElicitationParams { meta: None, message, requested_schema }
            }
            Elicit::Url { message, url } => {
                if !self.supports_elicitation(true) {
                    return unsupported("elicitation.url");
                }
                let elicitation_id = crate::audit::call_id();
                ElicitRequestParams::UrlElicitationParams { meta: None, message, url, elicitation_id }
            }
        };
        let peer = self.peer.clone();
        async move {
            let answer = peer.create_elicitation(params).await.map_err(failed)?;
            Ok(match answer.action {
                ElicitationAction::Accept => {
                    let content = answer.content.unwrap_or_else(|| serde_json::json!({}));
                    Elicitation::Accept(content.to_string())
                }
                ElicitationAction::Decline => Elicitation::Decline,
                _ => Elicitation::Cancel,
            })
        }
        .boxed()
    }

    #[allow(deprecated)]
    fn sample(&self, request: SamplingRequest) -> BoxFuture<'static, Result<SamplingResult, ClientError>> {
        if self.capabilities.as_ref().and_then(|declared| declared.sampling.as_ref()).is_none() {
            let message = "the client did not declare `sampling`".to_owned();
            return futures::future::ready(Err(ClientError::Unsupported(message))).boxed();
        }
        let messages = match request.messages.into_iter().map(sampling_message).collect::<Result<Vec<_>, _>>() {
            Ok(messages) => messages,
            Err(error) => return futures::future::ready(Err(error)).boxed(),
        };
        let mut params = CreateMessageRequestParams::new(messages, request.max_tokens);
        params.system_prompt = request.system_prompt;
        let peer = self.peer.clone();
        async move {
            let answer = peer.create_message(params).await.map_err(failed)?;
            let role = match answer.message.role {
                rmcp::model::Role::Assistant => Role::Assistant,
                _ => Role::User,
            };
            let content = answer.message.content.first().map(sampled_content).unwrap_or(Content::Text(String::new()));
            Ok(SamplingResult { role, content, model: answer.model, stop_reason: answer.stop_reason })
        }
        .boxed()
    }
}

/// One message for the client's model: text, an image or a sound.
#[allow(deprecated)]
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
#[allow(deprecated)]
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
