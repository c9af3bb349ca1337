//! `berth:plugin/client`: the MCP client that made the call. A plugin
//! reports progress and asks for input through it: the human
//! (elicitation), the model (sampling) or the client's roots.
//!
//! The runtime knows only [`CallClient`]; the MCP layer implements it for
//! the request the call serves. A call without a client (`completion`,
//! `berth plugin call`) and a client that did not declare the capability
//! both get the typed `unsupported` error at once, never a wait. A wait
//! ends with the call: at its deadline the guest gets `cancelled` and can
//! still answer; a client's `notifications/cancelled` drops the whole call.
//!
//! A client that answers only when it retries the request (MCP 2026-07-28
//! without a session) makes [`CallClient::request_input`] return
//! [`Suspended`]: the guest is stopped there, and the MCP layer answers
//! with an input-required result.

use super::{Call, Capability};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::client::{
    ClientError, Host, InputRequest, InputResponse, add_to_linker as link,
};
use futures::future::BoxFuture;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::{HasSelf, Linker};

/// Requests for input (elicitations, samplings, roots) one call may make:
/// each waits for a human or a model, so a loop of them is a bug.
const MAX_REQUESTS: usize = 32;
/// Progress reports one call may send; later ones are dropped.
const MAX_PROGRESS: u32 = 1_000;
/// The longest key of a request for input.
const MAX_KEY_LEN: usize = 64;

/// Why a call stopped: its client answers requests for input only when it
/// retries the whole request, and this run asked for input it does not
/// have yet. The guest traps with it; the runtime reports
/// [`crate::runtime::CallError::InputRequired`].
#[derive(Debug, thiserror::Error)]
#[error("the call waits for input its client gives only on a retry")]
pub struct Suspended;

/// Answers to requests for input, in the order asked, or the call stopped
/// to ask for them.
pub type Answers = Result<Vec<Result<InputResponse, ClientError>>, Suspended>;

/// The client of one call, as the `client` capability reaches it.
pub trait CallClient: Send + Sync + std::fmt::Debug {
    /// Sends a progress report, if the client asked for progress.
    fn progress(&self, progress: f64, total: Option<f64>, message: Option<String>) -> BoxFuture<'static, ()>;
    /// Asks for everything in `requests` (each with a key unique in the
    /// call) at once; `unsupported` for a kind the client cannot take.
    fn request_input(&self, requests: Vec<(String, InputRequest)>) -> BoxFuture<'static, Answers>;
}

impl InputRequest {
    /// The client capability this request needs, as MCP names it.
    pub fn capability(&self) -> &'static str {
        match self {
            Self::Elicit(_) => "elicitation",
            Self::ElicitUrl(_) => "elicitation.url",
            Self::Sample(_) => "sampling",
            Self::ListRoots => "roots",
        }
    }
}

/// Whether `key` may name a request for input: it goes back and forth on
/// the wire as a JSON object key.
fn valid_key(key: &str) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len())
        && key.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
}

/// One call's way to its client.
#[derive(Debug)]
pub struct ClientCtx {
    client: Option<Arc<dyn CallClient>>,
    /// When waiting must stop so the guest can still answer.
    deadline: Instant,
    /// The keys asked so far in this call.
    keys: HashSet<String>,
    reports: u32,
}

impl Capability for ClientCtx {
    /// The call's client (none: every request is `unsupported`), whose
    /// waits end when the call's host I/O must.
    fn prepare(call: &mut Call<'_>) -> Self {
        Self { client: call.scope.client.take(), deadline: call.io_deadline, keys: HashSet::new(), reports: 0 }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<ClientCtx>>(linker, |state| &mut state.contexts.client)
    }
}

impl ClientCtx {
    /// Whether `key` may be asked now: well-formed, new in this call, and
    /// within the call's budget of requests.
    fn admit(&mut self, key: &str) -> Result<(), ClientError> {
        if !valid_key(key) {
            let rule = format!("1 to {MAX_KEY_LEN} letters, digits, `_`, `-` or `.`");
            return Err(ClientError::InvalidRequest(format!("a request's key must be {rule}")));
        }
        if self.keys.len() >= MAX_REQUESTS {
            return Err(ClientError::InvalidRequest(format!("a call may ask its client at most {MAX_REQUESTS} times")));
        }
        if !self.keys.insert(key.to_owned()) {
            return Err(ClientError::InvalidRequest(format!("the key `{key}` was already asked in this call")));
        }
        Ok(())
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

    /// Asks the admissible requests in one go; the others get their error
    /// in their place. A client that answers only on a retry stops the
    /// guest here.
    async fn request_input(
        &mut self,
        requests: Vec<(String, InputRequest)>,
    ) -> wasmtime::Result<Vec<Result<InputResponse, ClientError>>> {
        let mut answers: Vec<Option<Result<InputResponse, ClientError>>> = Vec::with_capacity(requests.len());
        let mut asked = Vec::new();
        for (key, request) in requests {
            let admitted = match &self.client {
                None => Err(ClientError::Unsupported(request.capability().to_owned())),
                Some(_) => self.admit(&key),
            };
            match admitted {
                Ok(()) => {
                    asked.push((key, request));
                    answers.push(None);
                }
                Err(error) => answers.push(Some(Err(error))),
            }
        }
        let mut given = match (&self.client, asked.is_empty()) {
            (Some(client), false) => {
                let count = asked.len();
                match tokio::time::timeout_at(self.deadline.into(), client.request_input(asked)).await {
                    Ok(Ok(given)) if given.len() == count => given,
                    Ok(Ok(_)) => vec![Err(ClientError::Failed("the client gave too few answers".to_owned())); count],
                    Ok(Err(suspended)) => return Err(wasmtime::Error::new(suspended)),
                    Err(_) => vec![Err(ClientError::Cancelled); count],
                }
            }
            _ => Vec::new(),
        }
        .into_iter();
        let missing = || Err(ClientError::Failed("the client gave no answer".to_owned()));
        Ok(answers.into_iter().map(|answer| answer.or_else(|| given.next()).unwrap_or_else(missing)).collect())
    }
}
