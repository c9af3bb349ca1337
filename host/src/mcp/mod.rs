//! The MCP surface: one [`server::BerthServer`] per connected session,
//! serving the tenant's plugins' tools over any rmcp transport.

pub mod client_log;
pub mod draining;
pub mod first_request;
pub mod inbound;
pub mod paging;
pub mod request_ids;
pub mod server;
pub mod sessions;
pub mod stdio;

pub use draining::Draining;
pub use server::BerthServer;
