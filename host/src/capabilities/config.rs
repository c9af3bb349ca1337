//! `berth:plugin/config`: the calling tenant's non-secret settings for the
//! plugin, with the manifest's defaults underneath.

use super::{Call, Capability};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::config::{Host, add_to_linker as link};
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker};

/// The settings one call may read.
#[derive(Debug, Clone, Default)]
pub struct ConfigCtx {
    values: Arc<BTreeMap<String, String>>,
}

impl Capability for ConfigCtx {
    /// The tenant's settings, already merged over the manifest defaults.
    fn prepare(call: &mut Call<'_>) -> Self {
        Self { values: call.config.clone() }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<ConfigCtx>>(linker, |state| &mut state.contexts.config)
    }
}

impl Host for ConfigCtx {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.values.get(&key).cloned())
    }
}
