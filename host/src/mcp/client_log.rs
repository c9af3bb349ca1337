//! MCP logging for a session: the level a client asked for with
//! `logging/setLevel` (2025-11-25) or in a request's
//! `_meta["io.modelcontextprotocol/logLevel"]` (2026-07-28, for that request
//! only), and its plugins' log records during its calls sent to it as
//! `notifications/message` (they go to the host's log as well). A client
//! that never asked gets none.
//!
//! MCP's levels are syslog's eight; a plugin logs at one of five. A record
//! reaches the client when its MCP level is at or above the session's:
//! trace and debug are `debug`, info is `info`, warn is `warning`, error is
//! `error`.

// MCP logging is deprecated for revisions after 2025-11-25, which still
// requires it.
#![allow(deprecated)]

use crate::capabilities::log::ClientLog;
use crate::mcp::untrusted::clean;
use crate::runtime::bindings::berth::plugin::log::Level;
use crate::tenants::HiddenText;
use rmcp::model::{LoggingLevel, LoggingMessageNotificationParam};
use rmcp::service::{Peer, RoleServer};
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::mpsc::Receiver;

/// The level one session asked for; shared by every clone of its handler.
#[derive(Clone, Default)]
pub struct SessionLog {
    /// The least severe plugin level that reaches the client, if any does.
    minimum: Arc<Mutex<Option<Level>>>,
}

impl SessionLog {
    /// Records from now on reach the client at `level` and above.
    pub fn set(&self, level: LoggingLevel) {
        *self.minimum.lock().unwrap_or_else(PoisonError::into_inner) = least_plugin_level(level);
    }

    /// Where one call's records go for the client, and the end to forward
    /// them from: at the level the request asked for, else the session's;
    /// none when neither asked.
    pub fn for_call(&self, requested: Option<LoggingLevel>) -> Option<(ClientLog, Receiver<(Level, String)>)> {
        let minimum = match requested {
            Some(level) => least_plugin_level(level),
            None => *self.minimum.lock().unwrap_or_else(PoisonError::into_inner),
        }?;
        let (records, receiver) = tokio::sync::mpsc::channel(ClientLog::QUEUE);
        Some((ClientLog { minimum, records }, receiver))
    }
}

/// The least severe plugin level whose records are at `level` or above.
fn least_plugin_level(level: LoggingLevel) -> Option<Level> {
    match level {
        LoggingLevel::Debug => Some(Level::Trace),
        LoggingLevel::Info => Some(Level::Info),
        LoggingLevel::Notice | LoggingLevel::Warning => Some(Level::Warn),
        LoggingLevel::Error => Some(Level::Error),
        LoggingLevel::Critical | LoggingLevel::Alert | LoggingLevel::Emergency => None,
    }
}

/// A plugin level as MCP names it.
fn mcp_level(level: Level) -> LoggingLevel {
    match level {
        Level::Trace | Level::Debug => LoggingLevel::Debug,
        Level::Info => LoggingLevel::Info,
        Level::Warn => LoggingLevel::Warning,
        Level::Error => LoggingLevel::Error,
    }
}

/// Runs `call`, sending its `records` (if the client asked for any) to the
/// client as they come, and answers with the call's outcome once every
/// record is handed to the transport: the call ends its records when its
/// store drops. A client that does not read holds the call no longer than
/// its `deadline`.
pub async fn alongside<T>(
    call: impl Future<Output = T>,
    records: Option<Receiver<(Level, String)>>,
    to: (&Peer<RoleServer>, &str, HiddenText),
    deadline: std::time::Instant,
) -> T {
    let forward = async {
        if let Some(records) = records {
            let _ = tokio::time::timeout_at(deadline.into(), forward(records, to)).await;
        }
    };
    tokio::join!(call, forward).0
}

/// Sends each record to the client as `notifications/message` from
/// `plugin` (scrubbed unless `hidden_text` keeps it), in order, until the call ends (its sending end is dropped with
/// its store). Awaiting each send keeps them ahead of the call's result on
/// stdio, legacy SSE and 2026-07-28 requests; on a 2025-11-25 Streamable
/// HTTP session rmcp sends them on the session's standalone GET stream,
/// which a client without one does not hear.
async fn forward(
    mut records: Receiver<(Level, String)>,
    (peer, plugin, hidden_text): (&Peer<RoleServer>, &str, HiddenText),
) {
    while let Some((level, mut message)) = records.recv().await {
        clean(hidden_text, &mut message);
        let notification =
            LoggingMessageNotificationParam::new(mcp_level(level), Value::String(message)).with_logger(plugin);
        if peer.notify_logging_message(notification).await.is_err() {
            // The client has gone; the call's own outcome says the rest.
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::log::severity;

    #[test]
    fn a_record_reaches_the_client_at_or_above_the_level_it_asked_for() {
        let levels = [Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error];
        let rank = |level: LoggingLevel| serde_json::to_value(level).unwrap().as_str().unwrap().to_owned();
        let order = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];
        let position = |level: LoggingLevel| order.iter().position(|name| *name == rank(level)).unwrap();
        for asked in order.map(|name| serde_json::from_value::<LoggingLevel>(Value::from(name)).unwrap()) {
            for level in levels {
                let forwarded = least_plugin_level(asked).is_some_and(|minimum| severity(level) >= severity(minimum));
                assert_eq!(forwarded, position(mcp_level(level)) >= position(asked), "{asked:?} {level:?}");
            }
        }
    }
}
