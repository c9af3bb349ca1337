//! The host side of Berth's WIT interfaces, one module per capability. Each
//! module owns its interface's bindings, a per-call context holding exactly
//! what the calling tenant granted, and how that context is prepared from
//! the [`Call`]: the [`Capability`] trait. The [`capabilities!`] list below
//! registers each in one line; the runtime knows only [`Contexts`], never
//! the vault, the upstream client or the audit log behind them.
//!
//! Components built against `berth:plugin@0.1.0` reach the same contexts
//! through [`v0_1`].

pub mod cache;
mod call;
pub mod changes;
pub mod client;
pub mod config;
pub mod http;
pub mod log;
pub mod secrets;
mod v0_1;

pub use call::{Call, CallScope, HostServices, PluginGrants};

use crate::runtime::CallState;
use wasmtime::component::{HasSelf, Linker};

/// A host capability: a WIT interface the host implements with a per-call
/// context.
pub trait Capability: Sized {
    /// The context for `call`, holding only what the call was granted.
    fn prepare(call: &mut Call<'_>) -> Self;

    /// Adds the interface to `linker`, served by the context in each call's
    /// [`Contexts`].
    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()>;
}

/// Declares the capabilities: the [`Contexts`] of a call, one field each,
/// prepared in the order listed, and the linker registration.
macro_rules! capabilities {
    ($($field:ident: $context:ty),* $(,)?) => {
        /// Every capability's context for one call.
        pub struct Contexts {
            $(pub(crate) $field: $context,)*
        }

        impl Contexts {
            /// Each capability's context for `call`, in the order listed.
            pub(crate) fn prepare(mut call: Call<'_>) -> Self {
                Self { $($field: <$context as Capability>::prepare(&mut call),)* }
            }
        }

        /// Adds every capability interface, of both contract versions, to
        /// `linker`.
        pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
            crate::runtime::bindings::berth::plugin::types::add_to_linker::<CallState, HasSelf<CallState>>(
                linker,
                |state| state,
            )?;
            $(<$context as Capability>::add_to_linker(linker)?;)*
            v0_1::add_to_linker(linker)
        }
    };
}

// `secrets` comes before `http`, which takes the call's credentials.
capabilities! {
    secrets: secrets::SecretsCtx,
    http: http::HttpCtx,
    config: config::ConfigCtx,
    cache: cache::CacheCtx,
    log: log::LogCtx,
    client: client::ClientCtx,
    changes: changes::ChangesCtx,
}

/// `berth:plugin/types` declares types only; nothing to implement.
impl crate::runtime::bindings::berth::plugin::types::Host for CallState {}
