//! `berth:plugin/log`: guest log records into the host's tracing, tagged
//! with tenant, plugin and tool so an operator can filter on them.

use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::log::{Host, Level, add_to_linker as link};
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker};

/// Longest message logged; a guest cannot flood the log with one record.
const MAX_MESSAGE_BYTES: usize = 8 * 1024;
/// Bytes of log messages one call may write; the rest are counted and
/// reported once, so a chatty guest cannot fill the operator's disk.
const MAX_BYTES_PER_CALL: usize = 256 * 1024;

/// Who is logging.
#[derive(Debug, Clone)]
pub struct LogCtx {
    tenant: Arc<str>,
    plugin: Arc<str>,
    tool: Arc<str>,
    written: usize,
    dropped: usize,
}

impl LogCtx {
    /// A context for `tool` of `plugin` running for `tenant`.
    pub fn new(tenant: Arc<str>, plugin: Arc<str>, tool: Arc<str>) -> Self {
        Self { tenant, plugin, tool, written: 0, dropped: 0 }
    }
}

impl Host for LogCtx {
    fn log(&mut self, level: Level, mut message: String) -> wasmtime::Result<()> {
        if self.written >= MAX_BYTES_PER_CALL {
            if self.dropped == 0 {
                tracing::warn!(tenant = %self.tenant, plugin = %self.plugin, tool = %self.tool, "guest log budget of {MAX_BYTES_PER_CALL} bytes per call used up; dropping further records");
            }
            self.dropped += 1;
            return Ok(());
        }
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
        let message = crate::log_safe::escape(&message);
        self.written += message.len();
        let suffix = if truncated { " [truncated]" } else { "" };
        let (tenant, plugin, tool) = (&*self.tenant, &*self.plugin, &*self.tool);
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

/// Adds `log` to the linker.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    link::<CallState, HasSelf<LogCtx>>(linker, |state| &mut state.log)
}
