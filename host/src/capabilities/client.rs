//! `berth:plugin/client`: the MCP client that made the call. A plugin
//! reports progress, asks the human (elicitation) and asks the model
//! (sampling) through it.
//!
//! The runtime knows only [`CallClient`]; the MCP layer implements it for
//! the session the call came from. A call without a client (a resource
//! read, `berth plugin call`) and a client that did not declare the
//! capability both get the typed `unsupported` error at once, never a wait.
//! A wait ends with the call: at its deadline the guest gets `cancelled`
//! and can still answer; a client's `notifications/cancelled` drops the
//! whole call.

use super::{Call, Capability};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::client::{
    ClientError, Elicitation, Host, SamplingRequest, SamplingResult, add_to_linker as link,
};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::{HasSelf, Linker};

/// Requests to the client (elicitations and samplings) one call may make:
/// each waits for a human or a model, so a loop of them is a bug.
const MAX_REQUESTS: u32 = 32;
/// Progress reports one call may send; later ones are dropped.
const MAX_PROGRESS: u32 = 1_000;

/// What a plugin asks the human.
#[derive(Debug, Clone, PartialEq)]
pub enum Elicit {
    /// Fill in a form: `schema` is the requested schema, as JSON text.
    Form {
        /// What to ask.
        message: String,
        /// The form, an object schema of primitive properties.
        schema: String,
    },
    /// Go to `url` (for anything secret).
    Url {
        /// Why.
        message: String,
        /// Where.
        url: String,
    },
}

/// The client of one call, as the `client` capability reaches it.
pub trait CallClient: Send + Sync + std::fmt::Debug {
    /// Sends a progress report, if the client asked for progress.
    fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) -> BoxFuture<'static, ()>;
    /// Asks the human; `unsupported` when the client cannot.
    fn elicit(&self, request: Elicit) -> BoxFuture<'static, Result<Elicitation, ClientError>>;
    /// Asks the model; `unsupported` when the client cannot.
    fn sample(&self, request: SamplingRequest) -> BoxFuture<'static, Result<SamplingResult, ClientError>>;
}

/// One call's way to its client.
#[derive(Debug)]
pub struct ClientCtx {
    client: Option<Arc<dyn CallClient>>,
    /// When waiting must stop so the guest can still answer.
    deadline: Instant,
    requests: u32,
    reports: u32,
}

impl Capability for ClientCtx {
    /// The call's client (none: every request is `unsupported`), whose
    /// waits end when the call's host I/O must.
    fn prepare(call: &mut Call<'_>) -> Self {
        Self { client: call.scope.client.take(), deadline: call.io_deadline, requests: 0, reports: 0 }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<ClientCtx>>(linker, |state| &mut state.contexts.client)
    }
}

impl ClientCtx {
    /// Runs `ask` against the client within the call's limits.
    async fn ask<T>(
        &mut self,
        what: &str,
        ask: impl FnOnce(&dyn CallClient) -> BoxFuture<'static, Result<T, ClientError>>,
    ) -> Result<T, ClientError> {
        let Some(client) = &self.client else {
            return Err(ClientError::Unsupported(format!("{what}: this call has no MCP client to ask")));
        };
        self.requests += 1;
        if self.requests > MAX_REQUESTS {
            return Err(ClientError::InvalidRequest(format!("a call may ask its client at most {MAX_REQUESTS} times")));
        }
        let answer = ask(client.as_ref());
        match tokio::time::timeout_at(self.deadline.into(), answer).await {
            Ok(answer) => answer,
            Err(_) => Err(ClientError::Cancelled),
        }
    }
}

impl Host for ClientCtx {
    async fn progress(&mut self, progress: f64, total: Option<f64>, message: Option<String>) -> wasmtime::Result<()> {
        self.reports = self.reports.saturating_add(1);
        if let Some(client) = self.client.as_ref().filter(|_| self.reports <= MAX_PROGRESS) {
            // In order, and never past the call's deadline when the client
            // does not read.
            let _ = tokio::time::timeout_at(self.deadline.into(), client.progress(progress, total, message)).await;
        }
        Ok(())
    }

    async fn elicit(&mut self, message: String, schema: String) -> wasmtime::Result<Result<Elicitation, ClientError>> {
        Ok(self.ask("elicitation", |client| client.elicit(Elicit::Form { message, schema })).await)
    }

    async fn elicit_url(&mut self, message: String, url: String) -> wasmtime::Result<Result<Elicitation, ClientError>> {
        Ok(self.ask("URL elicitation", |client| client.elicit(Elicit::Url { message, url })).await)
    }

    async fn sample(&mut self, request: SamplingRequest) -> wasmtime::Result<Result<SamplingResult, ClientError>> {
        Ok(self.ask("sampling", |client| client.sample(request)).await)
    }
}
