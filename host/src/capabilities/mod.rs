//! The host side of Berth's WIT interfaces, one module per interface. Each
//! module owns a per-call context holding exactly what the calling tenant
//! granted, implements the generated `Host` trait on it, and adds itself to
//! the linker with `add_to_linker`.

pub mod cache;
pub mod changes;
pub mod client;
pub mod config;
pub mod http;
pub mod log;
pub mod secrets;

use crate::runtime::CallState;
use wasmtime::component::Linker;

/// Adds every Berth capability interface to `linker`.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    crate::runtime::bindings::berth::plugin::types::add_to_linker::<CallState, wasmtime::component::HasSelf<CallState>>(
        linker,
        |state| state,
    )?;
    http::add_to_linker(linker)?;
    secrets::add_to_linker(linker)?;
    config::add_to_linker(linker)?;
    cache::add_to_linker(linker)?;
    log::add_to_linker(linker)?;
    client::add_to_linker(linker)?;
    changes::add_to_linker(linker)
}

/// `berth:plugin/types` declares types only; nothing to implement.
impl crate::runtime::bindings::berth::plugin::types::Host for CallState {}
