//! [`RequestIds`]: the ids of a session's requests that are still awaiting
//! their answer, so that a second request reusing one is refused at once.
//!
//! rmcp (3.9) keeps one entry per request id in its service loop and in the
//! Streamable HTTP session's routing table. A second request with an id that
//! is still in flight replaces the first one's entry: one of the two answers
//! is then dropped (stdio, `/sse`) or routed to the other request's stream
//! while the second waits until the session times out (`/mcp`). JSON-RPC
//! requires ids to be unique among a client's pending requests, so Berth
//! answers the duplicate itself with `-32600` ("request id already in use")
//! before rmcp sees it, and the first request runs on undisturbed.

use super::inbound::Unreadable;
use rmcp::model::{
    ClientJsonRpcMessage, ClientNotification, ErrorCode, JsonRpcMessage, RequestId, ServerJsonRpcMessage,
};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};

/// Ids in flight in one session. Clones share the set.
#[derive(Debug, Clone, Default)]
pub struct RequestIds(Arc<Mutex<HashSet<RequestId>>>);

impl RequestIds {
    /// Notes what `message` from the client does to the set: a request
    /// enters it, unless its id is already there, which is refused with the
    /// error to send back; a cancellation takes its request out, since rmcp
    /// sends no answer for a cancelled request.
    pub fn client_sent(&self, message: &ClientJsonRpcMessage) -> Result<(), Unreadable> {
        match message {
            JsonRpcMessage::Request(request) => self.begin(&request.id),
            JsonRpcMessage::Notification(notification) => {
                if let ClientNotification::CancelledNotification(cancelled) = &notification.notification
                    && let Some(id) = &cancelled.params.request_id
                {
                    self.end(id);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Notes that `message` from the server answers a request, if it does.
    pub fn server_sent(&self, message: &ServerJsonRpcMessage) {
        let answered = match message {
            JsonRpcMessage::Response(response) => Some(&response.id),
            JsonRpcMessage::Error(error) => error.id.as_ref(),
            _ => None,
        };
        if let Some(id) = answered {
            self.end(id);
        }
    }

    /// Adds `id`, or refuses it if it is already in flight.
    pub fn begin(&self, id: &RequestId) -> Result<(), Unreadable> {
        if self.lock().insert(id.clone()) { Ok(()) } else { Err(duplicate(id.clone())) }
    }

    /// Removes `id`: its request is answered or abandoned.
    pub fn end(&self, id: &RequestId) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<RequestId>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The answer to a request whose id is in flight already.
pub fn duplicate(id: RequestId) -> Unreadable {
    Unreadable {
        id: Some(id),
        code: ErrorCode::INVALID_REQUEST,
        message: "request id already in use: another request with this id has not been answered yet".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn client(value: serde_json::Value) -> ClientJsonRpcMessage {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn an_id_is_refused_while_in_flight_and_free_once_answered_or_cancelled() {
        let ids = RequestIds::default();
        let request = client(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}));
        ids.client_sent(&request).unwrap();
        let refused = ids.client_sent(&request).unwrap_err();
        assert_eq!((refused.id, refused.code), (Some(RequestId::Number(1)), ErrorCode::INVALID_REQUEST));
        ids.server_sent(&serde_json::from_value(json!({"jsonrpc": "2.0", "id": 1, "result": {}})).unwrap());
        ids.client_sent(&request).expect("answered: the id is free again");
        let cancel = json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}});
        ids.client_sent(&client(cancel)).unwrap();
        ids.client_sent(&request).expect("cancelled: the id is free again");
    }
}
