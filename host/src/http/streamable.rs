//! Streamable HTTP at `/mcp`: rmcp's `StreamableHttpService` with its local
//! session manager, behind Berth's [`gate`]: a session belongs to the tenant
//! that opened it, requests pass admission control, the answer comes as
//! JSON or SSE as the client asks (see [`negotiate`](super::negotiate)), and
//! every failure is a JSON-RPC error:
//!
//! - a body that is not one JSON-RPC message gets `400` with the error
//!   [`inbound`] gives it, before rmcp sees it;
//! - a request whose id is still in flight in its session gets `-32600`
//!   ("request id already in use") at once (see [`RequestIds`]);
//! - rmcp's own plain-text refusals (a request before `initialize`, say)
//!   keep their status and carry a JSON-RPC error with the request's id;
//! - a JSON-only client whose call was cancelled, or was still running
//!   when the shutdown grace ended, gets a JSON-RPC error, not a `500`.

use super::HttpSettings;
use super::error::ApiError;
use super::negotiate::{self, Reply};
use crate::admission::SessionTicket;
use crate::app::App;
use crate::auth::Principal;
use crate::mcp::BerthServer;
use crate::mcp::inbound::{self, Unreadable};
use crate::mcp::request_ids::RequestIds;
use crate::policy::echo::clip;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use rmcp::model::{ClientJsonRpcMessage, ErrorCode, RequestId};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::{SessionId, SessionManager};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SESSION_HEADER: &str = "mcp-session-id";

/// What `/mcp` shares: the host, rmcp's session manager, which tenant owns
/// each session and which request ids are in flight in it. rmcp knows
/// sessions but not tenants, so Berth records the owner when a session opens
/// and checks it on every later request.
#[derive(Clone)]
pub struct Streamable {
    app: Arc<App>,
    manager: Arc<LocalSessionManager>,
    sessions: Arc<Mutex<HashMap<SessionId, Owned>>>,
    close_sessions: CancellationToken,
}

/// A live session's tenant and its requests in flight.
#[derive(Clone)]
struct Owned {
    tenant: Arc<str>,
    in_flight: RequestIds,
}

impl Streamable {
    /// Empty: no sessions yet. A session with no message for
    /// `settings.session_idle_secs` ends and frees its slot;
    /// `close_sessions` ends them all at shutdown.
    pub fn new(app: Arc<App>, settings: &HttpSettings, close_sessions: CancellationToken) -> Self {
        let mut manager = LocalSessionManager::default();
        manager.session_config.keep_alive = Some(Duration::from_secs(settings.session_idle_secs));
        Self { app, manager: Arc::new(manager), sessions: Arc::default(), close_sessions }
    }

    /// The `/mcp` service. Host and Origin are checked by Berth's own guard
    /// for every route alike, so rmcp's check is off.
    pub fn service(&self, settings: &HttpSettings) -> StreamableHttpService<BerthServer, LocalSessionManager> {
        let config = StreamableHttpServerConfig::default()
            .disable_allowed_hosts()
            .with_cancellation_token(self.close_sessions.clone())
            .with_max_request_body_bytes(settings.body_limit_bytes())
            .with_sse_keep_alive(Some(Duration::from_secs(settings.sse_keep_alive_secs)));
        let app = self.app.clone();
        StreamableHttpService::new(move || Ok(BerthServer::per_session(app.clone())), self.manager.clone(), config)
    }

    /// The session's ids in flight, once it is known to be live and
    /// `tenant`'s. A session that is unknown, over, or another tenant's is
    /// refused alike (404), before rmcp sees the request: another tenant
    /// must not read a session's stream, end it, or learn that it exists.
    async fn check_owner(&self, id: &str, tenant: &Arc<str>) -> Result<RequestIds, ApiError> {
        let id: SessionId = id.into();
        let owned = self.lock().get(&id).filter(|owned| owned.tenant == *tenant).map(|owned| owned.in_flight.clone());
        match owned {
            Some(in_flight) if self.manager.has_session(&id).await.unwrap_or(false) => Ok(in_flight),
            _ => Err(ApiError::UnknownSession(id.to_string())),
        }
    }

    /// Records that `tenant` opened session `id`, and forgets sessions that
    /// have ended since (closed, deleted or idle), so the map stays as small
    /// as the set of live sessions.
    async fn record_owner(&self, id: &str, tenant: Arc<str>) {
        let live = self.manager.sessions.read().await;
        let mut sessions = self.lock();
        sessions.retain(|id, _| live.contains_key(id));
        sessions.insert(id.into(), Owned { tenant, in_flight: RequestIds::default() });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Owned>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A request id held in flight until the response carrying its answer has
/// been sent (or dropped, if the client went away).
struct InFlight {
    ids: RequestIds,
    id: RequestId,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.ids.end(&self.id);
    }
}

/// Middleware in front of rmcp: a request naming a session must come from
/// the session's tenant; a POST must carry one valid JSON-RPC message, and a
/// request in it an id not in flight; a POST that opens a session needs a
/// session slot; every POST holds an in-flight slot until its response has
/// been sent and is answered as JSON or SSE as its `Accept` asks.
pub async fn gate(
    State(mcp): State<Streamable>,
    Extension(principal): Extension<Principal>,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let session = request.headers().get(SESSION_HEADER).map(|id| id.to_str().unwrap_or_default().to_owned());
    let in_flight = match &session {
        Some(id) => Some(mcp.check_owner(id, &principal.tenant).await?),
        None => None,
    };
    if request.method() != Method::POST {
        return Ok(next.run(request).await);
    }
    // The body is whole already (see `body::read_whole`).
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.map_err(|error| ApiError::Internal(error.to_string()))?;
    let message = match inbound::parse(&bytes) {
        Ok(message) => message,
        Err(refusal) => return Ok(json_rpc_error(StatusCode::BAD_REQUEST, &refusal)),
    };
    let id = match &message {
        ClientJsonRpcMessage::Request(request) => Some(request.id.clone()),
        _ => None,
    };
    let held = match (&in_flight, &message) {
        (Some(ids), ClientJsonRpcMessage::Request(_)) | (Some(ids), ClientJsonRpcMessage::Notification(_)) => {
            if let Err(duplicate) = ids.client_sent(&message) {
                tracing::warn!(tenant = %principal.tenant, "refused a request reusing an id in flight");
                return Ok(json_rpc_error(StatusCode::OK, &duplicate));
            }
            id.clone().map(|id| InFlight { ids: ids.clone(), id })
        }
        _ => None,
    };
    let mut request = Request::from_parts(parts, Body::from(bytes));
    if session.is_none() {
        let ticket = mcp.app.admission.sessions.try_enter(&principal.tenant)?;
        request.extensions_mut().insert(SessionTicket::new(ticket));
    }
    let call = mcp.app.admission.calls.try_enter(&principal.tenant)?;
    let reply = negotiate::choose(request.headers_mut());
    let response = next.run(request).await;
    if session.is_none()
        && let Some(opened) = response.headers().get(SESSION_HEADER).and_then(|id| id.to_str().ok())
    {
        mcp.record_owner(opened, principal.tenant.clone()).await;
    }
    let response = as_json_rpc(response, id.clone()).await;
    let response = match reply {
        Reply::Json => {
            let close_sessions = mcp.close_sessions.clone();
            negotiate::into_json(response, move || unanswered(id, close_sessions.is_cancelled())).await?
        }
        Reply::Sse => response,
    };
    Ok(response.map(|body| {
        Body::from_stream(body.into_data_stream().map(move |chunk| {
            let _in_flight = (&call, &held);
            chunk
        }))
    }))
}

/// `response` if rmcp answered in JSON-RPC; otherwise (rmcp refuses some
/// requests in plain text) the same status with a JSON-RPC error for `id`.
async fn as_json_rpc(response: Response, id: Option<RequestId>) -> Response {
    let json_rpc = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|kind| kind.to_str().ok())
        .is_some_and(|kind| kind.starts_with("application/json") || kind.starts_with("text/event-stream"));
    let status = response.status();
    if json_rpc || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let text = axum::body::to_bytes(response.into_body(), 64 * 1024).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let refusal = if status.is_server_error() {
        tracing::error!("the MCP service failed: {text}");
        Unreadable {
            id,
            code: ErrorCode::INTERNAL_ERROR,
            message: "internal error; the host's log has the detail".into(),
        }
    } else {
        Unreadable { id, code: ErrorCode::INVALID_REQUEST, message: format!("invalid request: {}", clip(&text)) }
    };
    json_rpc_error(status, &refusal)
}

/// What a JSON-only client gets when its request's stream ended without an
/// answer: the client cancelled it, or the host shut down first.
fn unanswered(id: Option<RequestId>, shutting_down: bool) -> Unreadable {
    let message = if shutting_down {
        "the host shut down before the request finished"
    } else {
        "the request was cancelled before it finished"
    };
    // -32800 is "request cancelled" in the JSON-RPC error space that
    // language-server and MCP clients share.
    Unreadable { id, code: ErrorCode(-32800), message: message.to_owned() }
}

/// `refusal` as an `application/json` response with `status`.
fn json_rpc_error(status: StatusCode, refusal: &Unreadable) -> Response {
    let mut response = (status, refusal.to_json().to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
