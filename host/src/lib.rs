//! # Berth
//!
//! Berth serves the Model Context Protocol to AI agents and runs every
//! integration as a sandboxed WebAssembly component. This crate is the host:
//! the runtime that runs plugins ([`runtime`]), the capabilities it grants
//! them ([`capabilities`]), the rules it applies ([`policy`]), who may call
//! what ([`auth`]), its durable state ([`db`]), its settings ([`settings`]) and the MCP surface ([`mcp`]).

pub mod admission;
pub mod app;
pub mod audit;
pub mod auth;
pub mod capabilities;
pub mod db;
pub mod events;
pub mod http;
pub mod lifecycle;
pub mod log_safe;
pub mod mcp;
pub mod metrics;
pub mod policy;
pub mod runtime;
pub mod scaffold;
pub mod settings;
pub mod shared;
pub mod snapshot;
pub mod tenants;
pub mod upstream;
pub mod vault;
