//! The MCP surface: one [`server::BerthServer`] per connected session,
//! serving the tenant's plugins' tools, resources and prompts (and the ticket
//! desk over them) over any rmcp transport.

mod approval;
pub mod call_client;
pub mod client_log;
pub mod connect;
pub mod content;
pub mod draining;
pub mod first_request;
pub mod inbound;
pub mod input_required;
pub mod paging;
mod prompts;
pub mod request_ids;
mod resources;
pub mod server;
pub mod sessions;
pub mod stdio;
mod tickets;
pub mod untrusted;

pub use draining::Draining;
pub use server::BerthServer;
