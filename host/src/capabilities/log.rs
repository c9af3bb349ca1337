//! `berth:plugin/log`: guest log records into the host's tracing, tagged
//! with tenant, plugin and tool so an operator can filter on them.

use super::{Call, Capability};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::log::{Host, Level, add_to_linker as link};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use wasmtime::component::{HasSelf, Linker};

/// Longest message logged; a guest cannot flood the log with one record.
const MAX_MESSAGE_BYTES: usize = 8 * 1024;
/// Bytes of log messages one call may write; the rest are counted and
/// reported once, so a chatty guest cannot fill the operator's disk.
const MAX_BYTES_PER_CALL: usize = 256 * 1024;
/// What a record costs the budget besides its message: about what its
/// framing costs in the host's log line and in a client's
/// `notifications/message`, so that empty records are not free.
const RECORD_COST: usize = 64;

/// The log one call may write, shared by the guest's records and the
/// host's own lines about the call (egress denials, overridden headers), so
/// that a guest cannot flood the log through the host either.
#[derive(Debug, Clone)]
pub struct LogBudget {
    tenant: Arc<str>,
    plugin: Arc<str>,
    tool: Arc<str>,
    written: Arc<AtomicUsize>,
    exhausted: Arc<AtomicBool>,
}

impl LogBudget {
    /// A fresh budget for `tool` of `plugin` running for `tenant`.
    pub fn new(tenant: Arc<str>, plugin: Arc<str>, tool: Arc<str>) -> Self {
        Self { tenant, plugin, tool, written: Arc::default(), exhausted: Arc::default() }
    }

    /// Takes `bytes` from the budget: whether a line that long may still be
    /// written. The first refusal says, once, that the budget is used up.
    pub fn spend(&self, bytes: usize) -> bool {
        if self.written.fetch_add(bytes, Ordering::Relaxed) < MAX_BYTES_PER_CALL {
            return true;
        }
        if !self.exhausted.swap(true, Ordering::Relaxed) {
            tracing::warn!(tenant = %self.tenant, plugin = %self.plugin, tool = %self.tool, "the call's log budget of {MAX_BYTES_PER_CALL} bytes is used up; dropping further records");
        }
        false
    }
}

/// Records a call's client may see: sent to the MCP client that made the
/// call, when it asked for log messages with `logging/setLevel`, as well as
/// to the host's log.
#[derive(Debug, Clone)]
pub struct ClientLog {
    /// The least severe level the client asked for.
    pub minimum: Level,
    /// Where the records go; the MCP layer forwards them while the call
    /// runs. A full queue (a client that does not keep up) drops records
    /// for the client only: the host's log still has them.
    pub records: tokio::sync::mpsc::Sender<(Level, String)>,
}

impl ClientLog {
    /// How many records a call may have waiting for its client.
    pub const QUEUE: usize = 64;
}

/// How severe `level` is, least first.
pub fn severity(level: Level) -> u8 {
    match level {
        Level::Trace => 0,
        Level::Debug => 1,
        Level::Info => 2,
        Level::Warn => 3,
        Level::Error => 4,
    }
}

/// Who is logging, and the client that hears it, if any.
#[derive(Debug, Clone)]
pub struct LogCtx {
    budget: LogBudget,
    client: Option<ClientLog>,
}

impl Capability for LogCtx {
    /// Writes within the call's budget, tagged with its call, and to the
    /// client when it asked.
    fn prepare(call: &mut Call<'_>) -> Self {
        Self { budget: call.budget.clone(), client: call.scope.client_log.take() }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<LogCtx>>(linker, |state| &mut state.contexts.log)
    }
}

impl Host for LogCtx {
    fn log(&mut self, level: Level, mut message: String) -> wasmtime::Result<()> {
        let truncated = message.len() > MAX_MESSAGE_BYTES;
        if truncated {
            let mut cut = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        // A newline or a terminal escape in the message must not start a
        // forged host record: it is logged escaped, inside this one line.
        // The budget pays for what is written, escapes included, and for
        // each record's framing.
        let escaped = crate::log_safe::escape(&message);
        if !self.budget.spend(escaped.len() + RECORD_COST) {
            return Ok(());
        }
        let suffix = if truncated { " [truncated]" } else { "" };
        if let Some(client) = self.client.as_ref().filter(|client| severity(level) >= severity(client.minimum)) {
            // The client gets the guest's words as a JSON string, unescaped.
            let _ = client.records.try_send((level, format!("{message}{suffix}")));
        }
        let message = escaped;
        let (tenant, plugin, tool) = (&*self.budget.tenant, &*self.budget.plugin, &*self.budget.tool);
        match level {
            Level::Trace => {
                tracing::trace!(target: "berth::guest", tenant, plugin, tool, "{message}{suffix}")
            }
            Level::Debug => {
                tracing::debug!(target: "berth::guest", tenant, plugin, tool, "{message}{suffix}")
            }
            Level::Info => {
                tracing::info!(target: "berth::guest", tenant, plugin, tool, "{message}{suffix}")
            }
            Level::Warn => {
                tracing::warn!(target: "berth::guest", tenant, plugin, tool, "{message}{suffix}")
            }
            Level::Error => {
                tracing::error!(target: "berth::guest", tenant, plugin, tool, "{message}{suffix}")
            }
        }
        Ok(())
    }
}
