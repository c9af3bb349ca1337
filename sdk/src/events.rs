//! Webhooks from the plugin's upstream system, verified by the host.
//!
//! The host receives them at `POST /hooks/{tenant}/{plugin}`, checks the
//! signature (or shared secret) with the tenant's `webhook` credential,
//! refuses replays and de-duplicates retries, and answers the upstream
//! at once. Only then does it call [`EventHandler::handle`], in a sandbox of
//! that tenant: the plugin never sees the secret, nor an event that failed
//! verification. The plugin says what changed; the host notifies the
//! tenant's subscribed sessions.
//!
//! Implement [`EventHandler`] beside [`Plugin`](crate::Plugin) and export
//! with `export_plugin!(MyPlugin, events)` (or
//! `export_ticket_plugin!(MyPlugin, events)` for a ticket system).
//!
//! ```no_run
//! use berth_sdk::events::{EventHandler, EventOutcome, EventSource, Signature};
//! use berth_sdk::{Manifest, Plugin, Tool};
//!
//! struct Forge;
//!
//! impl Plugin for Forge {
//!     fn manifest() -> Manifest {
//!         Manifest::new("forge", "1.0.0", "A code forge")
//!     }
//!     fn tools() -> Vec<Tool> {
//!         Vec::new()
//!     }
//! }
//!
//! impl EventHandler for Forge {
//!     fn source() -> EventSource {
//!         EventSource {
//!             signature: Signature::HubSignature256,
//!             delivery_header: Some("x-forge-delivery".into()),
//!             type_header: Some("x-forge-event".into()),
//!         }
//!     }
//!     fn handle(headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String> {
//!         let _ = (headers, body);
//!         Ok(EventOutcome { kind: None, updated: vec!["forge://status".into()], lists_changed: false, invalidate_cache: true })
//!     }
//! }
//!
//! berth_sdk::export_plugin!(Forge, events);
//! ```

pub use crate::event_bindings::berth::plugin::events::{EventOutcome, EventSource, Signature};

/// A plugin that receives its upstream's webhooks.
pub trait EventHandler: crate::Plugin {
    /// How the upstream authenticates its deliveries, which header carries
    /// the delivery id and which the event type. Called once at load, with
    /// no grants.
    fn source() -> EventSource;
    /// One verified event: its headers (names lower-case, without the
    /// secret or signature) and raw body. Says which of the plugin's
    /// resources changed. Runs with the tenant's grants, so it may ask the
    /// upstream or use the cache; the upstream already has its answer. An
    /// error is a message for the event history.
    fn handle(headers: &[(String, String)], body: &[u8]) -> Result<EventOutcome, String>;
}

/// The value of header `name` (lower-case) among an event's `headers`.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
}
