//! The legacy HTTP+SSE transport (MCP 2024-11-05), which rmcp no longer
//! ships, written as a Sink/Stream transport for rmcp.
//!
//! `GET /sse` opens a session: the first event is `endpoint`, whose data is
//! `/messages?session_id=<id>`. The client POSTs JSON-RPC messages there;
//! each is answered `202 Accepted`, and the response (with any
//! notifications) arrives as a `message` event on the session's stream.
//! Keep-alive comments flow every 15 s. A session ends when its stream
//! closes.

use super::error::ApiError;
use crate::admission::Ticket;
use crate::app::App;
use crate::mcp::BerthServer;
use crate::tenants::Principal;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, RequestId, ServerJsonRpcMessage};
use serde::Deserialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::{CancellationToken, PollSender};

/// Messages buffered per direction before a sender must wait (server side)
/// or is told to back off (client side, 503).
const CHANNEL_CAPACITY: usize = 64;
/// Interval of keep-alive comments on the stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Requests of a session whose responses have not been sent yet, each
/// holding its slot in the in-flight gate until its response goes out.
type Pending = Arc<Mutex<HashMap<RequestId, Ticket>>>;

struct Session {
    tenant: Arc<str>,
    inbound: mpsc::Sender<ClientJsonRpcMessage>,
    pending: Pending,
}

/// Open legacy sessions by id.
#[derive(Default)]
pub struct LegacySessions {
    sessions: Mutex<HashMap<String, Session>>,
}

impl LegacySessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct LegacyState {
    /// The host.
    pub app: Arc<App>,
    /// Open sessions.
    pub sessions: Arc<LegacySessions>,
    /// Cancelled when the host shuts down; ends every session.
    pub shutdown: CancellationToken,
}

/// Removes the session and stops its server when the stream is dropped.
struct SessionGuard {
    id: String,
    sessions: Arc<LegacySessions>,
    cancel: CancellationToken,
    _ticket: Ticket,
}

impl Drop for SessionGuard {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.id);
        self.cancel.cancel();
        tracing::debug!(session = %self.id, "legacy SSE session closed");
    }
}

/// `GET /sse`: opens a session for the caller's tenant.
pub async fn open(
    State(state): State<LegacyState>,
    Extension(principal): Extension<Principal>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let ticket = state.app.admission.sessions.try_enter(&principal.tenant)?;
    let id = session_id();
    let (inbound_tx, inbound_rx) = mpsc::channel::<ClientJsonRpcMessage>(CHANNEL_CAPACITY);
    let (outbound_tx, outbound_rx) = mpsc::channel::<ServerJsonRpcMessage>(CHANNEL_CAPACITY);
    let pending = Pending::default();
    let cancel = state.shutdown.child_token();
    let server = BerthServer::new(state.app.clone(), principal.tenant.clone(), "sse");
    let transport = (PollSender::new(outbound_tx), ReceiverStream::new(inbound_rx));
    let session_cancel = cancel.clone();
    tokio::spawn(async move {
        match server.serve_with_ct(transport, session_cancel).await {
            Ok(running) => {
                let _ = running.waiting().await;
            }
            Err(error) => tracing::debug!("legacy SSE session ended before initialize: {error}"),
        }
    });
    state.sessions.lock().insert(
        id.clone(),
        Session { tenant: principal.tenant.clone(), inbound: inbound_tx, pending: pending.clone() },
    );
    tracing::debug!(session = %id, tenant = %principal.tenant, "legacy SSE session opened");

    let guard = SessionGuard { id: id.clone(), sessions: state.sessions.clone(), cancel, _ticket: ticket };
    let endpoint = Event::default().event("endpoint").data(format!("/messages?session_id={id}"));
    let messages = ReceiverStream::new(outbound_rx).map(move |message| {
        let _alive = &guard;
        if let Some(id) = response_id(&message) {
            pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&id);
        }
        let data = serde_json::to_string(&message).unwrap_or_else(|error| {
            tracing::error!("cannot encode an outgoing message: {error}");
            String::from("{}")
        });
        Ok(Event::default().event("message").data(data))
    });
    let stream = futures::stream::once(async move { Ok(endpoint) }).chain(messages);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// Query of `POST /messages`.
#[derive(Debug, Deserialize)]
pub struct MessageQuery {
    session_id: String,
}

/// `POST /messages?session_id=…`: hands one message to the session.
pub async fn post(
    State(state): State<LegacyState>,
    Extension(principal): Extension<Principal>,
    Query(query): Query<MessageQuery>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let (inbound, pending) = {
        let sessions = state.sessions.lock();
        match sessions.get(&query.session_id) {
            // Another tenant's session is indistinguishable from no session.
            Some(session) if session.tenant == principal.tenant => (session.inbound.clone(), session.pending.clone()),
            _ => return Err(ApiError::UnknownSession(query.session_id)),
        }
    };
    let message: ClientJsonRpcMessage =
        serde_json::from_slice(&body).map_err(|error| ApiError::BadMessage(error.to_string()))?;
    if let ClientJsonRpcMessage::Request(request) = &message {
        let ticket = state.app.admission.calls.try_enter(&principal.tenant)?;
        pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(request.id.clone(), ticket);
    }
    inbound.try_send(message).map_err(|error| match error {
        mpsc::error::TrySendError::Full(_) => ApiError::Refused(crate::admission::Refusal::Tenant("queued messages")),
        mpsc::error::TrySendError::Closed(_) => ApiError::UnknownSession(query.session_id.clone()),
    })?;
    Ok(StatusCode::ACCEPTED)
}

/// The id a response or error answers.
fn response_id(message: &ServerJsonRpcMessage) -> Option<RequestId> {
    match message {
        ServerJsonRpcMessage::Response(response) => Some(response.id.clone()),
        ServerJsonRpcMessage::Error(error) => error.id.clone(),
        _ => None,
    }
}

fn session_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}
