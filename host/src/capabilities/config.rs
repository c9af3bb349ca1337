//! `berth:plugin/config`: the calling tenant's non-secret settings for the
//! plugin, with the manifest's defaults underneath.

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

impl ConfigCtx {
    /// A context exposing `values` (tenant settings already merged over the
    /// manifest defaults).
    pub fn new(values: Arc<BTreeMap<String, String>>) -> Self {
        Self { values }
    }
}

impl Host for ConfigCtx {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.values.get(&key).cloned())
    }
}

/// Adds `config` to the linker.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    link::<CallState, HasSelf<ConfigCtx>>(linker, |state| &mut state.config)
}
