//! [`Draining`]: wraps a session's transport so that the session can end
//! gracefully. Once shutdown is signalled it stops reading new messages,
//! lets the requests already received be answered within a grace period,
//! then reports the input closed, which ends the session.
//!
//! HTTP gets this from its server (stop accepting, wait for in-flight
//! calls); stdio has no server in front of it, and rmcp alone cannot do it:
//! cancelling a session cancels its in-flight calls, and a stdin that stays
//! open never ends it.

use rmcp::model::{ClientJsonRpcMessage, RequestId, ServerJsonRpcMessage};
use rmcp::service::RoleServer;
use rmcp::transport::Transport;
use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// A server transport that drains on `shutdown`.
pub struct Draining<T> {
    inner: T,
    shutdown: CancellationToken,
    grace: Duration,
    /// Set when draining starts; `receive` may be cancelled and called again
    /// (rmcp polls it in a `select!`), and the grace period must not restart.
    deadline: Option<Instant>,
    /// Requests received and not yet answered.
    in_flight: Arc<watch::Sender<HashSet<RequestId>>>,
}

impl<T> Draining<T> {
    /// Wraps `inner`; after `shutdown` is cancelled, in-flight requests get
    /// `grace` to be answered.
    pub fn new(inner: T, shutdown: CancellationToken, grace: Duration) -> Self {
        Self { inner, shutdown, grace, deadline: None, in_flight: Arc::new(watch::channel(HashSet::new()).0) }
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for Draining<T> {
    type Error = T::Error;

    fn send(&mut self, item: ServerJsonRpcMessage) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let answered = match &item {
            ServerJsonRpcMessage::Response(response) => Some(&response.id),
            ServerJsonRpcMessage::Error(error) => error.id.as_ref(),
            _ => None,
        };
        if let Some(id) = answered {
            self.in_flight.send_if_modified(|in_flight| in_flight.remove(id));
        }
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<ClientJsonRpcMessage> {
        if !self.shutdown.is_cancelled() {
            let Self { inner, shutdown, in_flight, .. } = self;
            tokio::select! {
                message = inner.receive() => {
                    if let Some(ClientJsonRpcMessage::Request(request)) = &message {
                        in_flight.send_modify(|in_flight| {
                            in_flight.insert(request.id.clone());
                        });
                    }
                    return message;
                }
                () = shutdown.cancelled() => {}
            }
        }
        let deadline = *self.deadline.get_or_insert_with(|| Instant::now() + self.grace);
        let mut in_flight = self.in_flight.subscribe();
        if tokio::time::timeout_at(deadline, in_flight.wait_for(HashSet::is_empty)).await.is_err() {
            tracing::warn!("grace period over with {} calls still in flight", self.in_flight.borrow().len());
        }
        None
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;
    use rmcp::transport::IntoTransport;
    use serde_json::json;
    use tokio::sync::mpsc;
    use tokio_stream::wrappers::ReceiverStream;
    use tokio_util::sync::PollSender;

    type Inbound = mpsc::Sender<ClientJsonRpcMessage>;

    /// A draining transport over channels, with the client's ends.
    fn transport(
        grace: Duration,
    ) -> (impl Transport<RoleServer>, Inbound, ReceiverStream<ServerJsonRpcMessage>, CancellationToken) {
        let (inbound, received) = mpsc::channel(8);
        let (outbound, sent) = mpsc::channel(8);
        let shutdown = CancellationToken::new();
        let inner = IntoTransport::<RoleServer, _, _>::into_transport((
            PollSender::new(outbound),
            ReceiverStream::new(received),
        ));
        (Draining::new(inner, shutdown.clone(), grace), inbound, ReceiverStream::new(sent), shutdown)
    }

    fn request(id: i64) -> ClientJsonRpcMessage {
        serde_json::from_value(json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"})).unwrap()
    }

    fn answer(id: i64) -> ServerJsonRpcMessage {
        serde_json::from_value(json!({"jsonrpc": "2.0", "id": id, "result": {}})).unwrap()
    }

    #[tokio::test]
    async fn shutdown_stops_reading_and_waits_for_in_flight_answers() {
        let (mut transport, inbound, mut sent, shutdown) = transport(Duration::from_secs(30));
        inbound.send(request(1)).await.unwrap();
        assert!(transport.receive().await.is_some());
        shutdown.cancel();
        inbound.send(request(2)).await.unwrap();
        let ended = tokio::time::timeout(Duration::from_millis(200), transport.receive()).await;
        assert!(ended.is_err(), "the input stays open while request 1 is unanswered");
        transport.send(answer(1)).await.unwrap();
        assert!(sent.next().await.is_some());
        assert!(transport.receive().await.is_none(), "answered: the input ends, request 2 is never read");
    }

    #[tokio::test]
    async fn the_grace_period_bounds_the_wait() {
        let (mut transport, inbound, _sent, shutdown) = transport(Duration::from_millis(100));
        inbound.send(request(1)).await.unwrap();
        assert!(transport.receive().await.is_some());
        shutdown.cancel();
        let ended = tokio::time::timeout(Duration::from_secs(5), transport.receive()).await;
        assert!(matches!(ended, Ok(None)), "the input ends once the grace period is over");
    }
}
