//! The legacy HTTP+SSE transport (MCP 2024-11-05), which rmcp no longer
//! ships, written as a Sink/Stream transport for rmcp.
//!
//! `GET /sse` opens a session: the first event is `endpoint`, whose data is
//! `/messages?session_id=<id>`. The client POSTs JSON-RPC messages there;
//! each is answered `202 Accepted`, and the response (with any
//! notifications) arrives as a `message` event on the session's stream.
//! Keep-alive comments flow every `[http] sse_keep_alive_secs` (15 s by
//! default), so proxies do not cut an idle stream. A session ends when its
//! stream closes.
//!
//! A body that is not one JSON-RPC message is refused with `400` and the
//! JSON-RPC error for it (see [`inbound`]). A request whose id is still in
//! flight in the session is answered at once on the stream with `-32600`
//! ("request id already in use"), and the first request runs on (see
//! [`RequestIds`](crate::mcp::request_ids::RequestIds) for why rmcp needs
//! this). A cancelled request gives its in-flight slot back at once.

use super::error::ApiError;
use crate::admission::{Refusal, Ticket};
use crate::app::App;
use crate::auth::Principal;
use crate::mcp::BerthServer;
use crate::mcp::first_request::AwaitFirstRequest;
use crate::mcp::inbound::{self, Unreadable};
use crate::mcp::request_ids::duplicate;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::SinkExt;
use futures::{Stream, StreamExt};
use rmcp::ServiceExt;
use rmcp::model::{ClientJsonRpcMessage, ClientNotification, RequestId, ServerJsonRpcMessage};
use rmcp::transport::sink_stream::SinkStreamTransport;
use serde::Deserialize;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::{CancellationToken, PollSendError, PollSender};

/// Messages buffered per direction before a sender must wait (server side)
/// or is told to back off (client side, 503).
const CHANNEL_CAPACITY: usize = 64;

/// Requests of a session whose responses have not been sent yet, each
/// holding its slot in the in-flight gate until its response goes out.
type Pending = Arc<Mutex<HashMap<RequestId, Ticket>>>;

struct Session {
    tenant: Arc<str>,
    inbound: mpsc::Sender<ClientJsonRpcMessage>,
    pending: Pending,
    /// The stream, for answers the host gives itself. Weak, so that the
    /// stream still ends when the session's server stops.
    outbound: mpsc::WeakSender<Outgoing>,
}

/// What goes out on a session's stream.
#[derive(Debug)]
enum Outgoing {
    /// A message from the session's server; a response settles its request.
    Server(Box<ServerJsonRpcMessage>),
    /// The host's own answer to a request the server never saw.
    Refusal(serde_json::Value),
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
    /// Interval of keep-alive comments on each stream.
    pub keep_alive: Duration,
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
    let (outbound_tx, outbound_rx) = mpsc::channel::<Outgoing>(CHANNEL_CAPACITY);
    let outbound = outbound_tx.downgrade();
    let pending = Pending::default();
    let cancel = state.shutdown.child_token();
    let server = BerthServer::new(state.app.clone(), principal.clone(), "sse");
    let sink = PollSender::new(outbound_tx)
        .with(|message| futures::future::ready(Ok::<_, PollSendError<Outgoing>>(Outgoing::Server(Box::new(message)))));
    let transport = AwaitFirstRequest::new(SinkStreamTransport::new(sink, ReceiverStream::new(inbound_rx)));
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
        Session { tenant: principal.tenant.clone(), inbound: inbound_tx, pending: pending.clone(), outbound },
    );
    tracing::debug!(session = %id, tenant = %principal.tenant, "legacy SSE session opened");

    let guard = SessionGuard { id: id.clone(), sessions: state.sessions.clone(), cancel, _ticket: ticket };
    let endpoint = Event::default().event("endpoint").data(format!("/messages?session_id={id}"));
    let messages = ReceiverStream::new(outbound_rx).map(move |outgoing| {
        let _alive = &guard;
        let data = match outgoing {
            Outgoing::Server(message) => {
                if let Some(id) = response_id(&message) {
                    lock_pending(&pending).remove(&id);
                }
                serde_json::to_string(&message).unwrap_or_else(|error| {
                    tracing::error!("cannot encode an outgoing message: {error}");
                    String::from("{}")
                })
            }
            Outgoing::Refusal(refusal) => refusal.to_string(),
        };
        Ok(Event::default().event("message").data(data))
    });
    let stream = futures::stream::once(async move { Ok(endpoint) }).chain(messages);
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(state.keep_alive)))
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
    let (inbound, pending, outbound) = {
        let sessions = state.sessions.lock();
        match sessions.get(&query.session_id) {
            // Another tenant's session is indistinguishable from no session.
            Some(session) if session.tenant == principal.tenant => {
                (session.inbound.clone(), session.pending.clone(), session.outbound.clone())
            }
            _ => return Err(ApiError::UnknownSession(query.session_id)),
        }
    };
    let message = inbound::parse(&body).map_err(ApiError::BadMessage)?;
    deliver(&inbound, &pending, message, || state.app.admission.calls.try_enter(&principal.tenant))
        .or_else(|undelivered| match undelivered {
            Undelivered::Duplicate(refusal) => {
                tracing::warn!(tenant = %principal.tenant, "refused a request reusing an id in flight");
                let outbound = outbound.upgrade().ok_or(Undelivered::Closed)?;
                outbound.try_send(Outgoing::Refusal(refusal.to_json())).map_err(|error| match error {
                    mpsc::error::TrySendError::Full(_) => Undelivered::Refused(Refusal::Tenant("queued messages")),
                    mpsc::error::TrySendError::Closed(_) => Undelivered::Closed,
                })
            }
            other => Err(other),
        })
        .map_err(|error| error.for_session(&query.session_id))?;
    Ok(StatusCode::ACCEPTED)
}

/// Why [`deliver`] could not hand a message over.
#[derive(Debug)]
enum Undelivered {
    /// The in-flight gate, or the session's queue, is full.
    Refused(Refusal),
    /// The session's server has stopped.
    Closed,
    /// A request reuses an id in flight; this is its answer.
    Duplicate(Unreadable),
}

impl Undelivered {
    fn for_session(self, session_id: &str) -> ApiError {
        match self {
            Self::Refused(refusal) => ApiError::Refused(refusal),
            Self::Closed | Self::Duplicate(_) => ApiError::UnknownSession(session_id.to_owned()),
        }
    }
}

/// Hands `message` to a session's server. A request first takes an
/// in-flight slot from `admit` and records it in `pending`, before it is
/// queued, because its response may go out before `try_send` even returns;
/// if it cannot be queued, the [`Reservation`] gives the slot back. A
/// request whose id is pending already is not handed over; a cancellation
/// gives its request's slot back, since no response will.
fn deliver(
    inbound: &mpsc::Sender<ClientJsonRpcMessage>,
    pending: &Pending,
    message: ClientJsonRpcMessage,
    admit: impl FnOnce() -> Result<Ticket, Refusal>,
) -> Result<(), Undelivered> {
    let reservation = match &message {
        ClientJsonRpcMessage::Request(request) => {
            if lock_pending(pending).contains_key(&request.id) {
                return Err(Undelivered::Duplicate(duplicate(request.id.clone())));
            }
            Some(Reservation::new(pending, request.id.clone(), admit().map_err(Undelivered::Refused)?))
        }
        ClientJsonRpcMessage::Notification(notification) => {
            if let ClientNotification::CancelledNotification(cancelled) = &notification.notification
                && let Some(id) = &cancelled.params.request_id
            {
                lock_pending(pending).remove(id);
            }
            None
        }
        _ => None,
    };
    inbound.try_send(message).map_err(|error| match error {
        mpsc::error::TrySendError::Full(_) => Undelivered::Refused(Refusal::Tenant("queued messages")),
        mpsc::error::TrySendError::Closed(_) => Undelivered::Closed,
    })?;
    if let Some(reservation) = reservation {
        reservation.keep();
    }
    Ok(())
}

/// A request's in-flight slot, recorded in its session's [`Pending`] map.
/// Unless [kept](Self::keep), dropping it removes the record and so frees
/// the slot: every early return gives the slot back.
struct Reservation {
    pending: Pending,
    id: Option<RequestId>,
}

impl Reservation {
    fn new(pending: &Pending, id: RequestId, ticket: Ticket) -> Self {
        lock_pending(pending).insert(id.clone(), ticket);
        Self { pending: pending.clone(), id: Some(id) }
    }

    /// The request was queued: its slot now lives until its response is sent.
    fn keep(mut self) {
        self.id = None;
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            lock_pending(&self.pending).remove(&id);
        }
    }
}

fn lock_pending(pending: &Pending) -> std::sync::MutexGuard<'_, HashMap<RequestId, Ticket>> {
    pending.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::admission::Gate;
    use serde_json::json;

    fn request(id: i64) -> ClientJsonRpcMessage {
        serde_json::from_value(json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"})).unwrap()
    }

    fn notification() -> ClientJsonRpcMessage {
        serde_json::from_value(json!({"jsonrpc": "2.0", "method": "notifications/initialized"})).unwrap()
    }

    #[test]
    fn a_request_the_session_cannot_take_gives_its_in_flight_slot_back() {
        let gate = Gate::new("requests", 4, 1);
        let tenant: Arc<str> = "acme".into();
        let pending = Pending::default();
        let (full, _kept_open) = mpsc::channel(1);
        full.try_send(notification()).unwrap();
        let refused = deliver(&full, &pending, request(1), || gate.try_enter(&tenant));
        assert!(matches!(refused, Err(Undelivered::Refused(Refusal::Tenant("queued messages")))), "{refused:?}");
        assert_eq!(gate.in_use(), 0, "a full queue frees the slot");

        let (closed, receiver) = mpsc::channel(1);
        drop(receiver);
        let gone = deliver(&closed, &pending, request(2), || gate.try_enter(&tenant));
        assert!(matches!(gone, Err(Undelivered::Closed)), "{gone:?}");
        assert_eq!(gate.in_use(), 0, "a stopped session frees the slot");
        assert!(lock_pending(&pending).is_empty());

        let (open, _receiver) = mpsc::channel(1);
        deliver(&open, &pending, request(3), || gate.try_enter(&tenant)).unwrap();
        assert_eq!(gate.in_use(), 1, "a queued request holds its slot until its response");
        assert_eq!(lock_pending(&pending).len(), 1);
    }
}
