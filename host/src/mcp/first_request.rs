//! Tolerating what a client sends before its first request.
//!
//! rmcp's server lifecycle ends a session when the first message it reads is
//! a notification or a response instead of `initialize` (or a request that
//! carries its own protocol metadata). A client that sends, say,
//! `notifications/initialized` too early would then meet silence for every
//! request after it. The spec lets a server ignore such messages, so this
//! wrapper drops them and the session keeps waiting for a real request.

use rmcp::RoleServer;
use rmcp::model::{ClientRequest, JsonRpcMessage};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use std::future::Future;

/// A transport that passes nothing but requests until the client's first
/// request other than `ping` has arrived, and everything after that.
#[derive(Debug)]
pub struct AwaitFirstRequest<T> {
    inner: T,
    started: bool,
}

impl<T> AwaitFirstRequest<T> {
    /// Wraps `inner`, a transport no message has been read from yet.
    pub fn new(inner: T) -> Self {
        Self { inner, started: false }
    }
}

impl<T: Transport<RoleServer>> Transport<RoleServer> for AwaitFirstRequest<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let message = self.inner.receive().await?;
            match &message {
                JsonRpcMessage::Request(request) => {
                    self.started |= !matches!(request.request, ClientRequest::PingRequest(_));
                    return Some(message);
                }
                _ if self.started => return Some(message),
                _ => tracing::debug!("ignoring a notification or response sent before the first request"),
            }
        }
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}
