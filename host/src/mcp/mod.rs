//! The MCP surface: one [`server::BerthServer`] per connected session,
//! serving the tenant's plugins' tools over any rmcp transport.

pub mod draining;
pub mod first_request;
pub mod server;
pub mod sessions;

pub use draining::Draining;
pub use server::BerthServer;
