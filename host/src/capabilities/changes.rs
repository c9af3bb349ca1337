//! `berth:plugin/changes`: a plugin says which of its resources changed;
//! the host, which keeps the subscribers, tells the calling tenant's
//! subscribed sessions and no one else. A plugin can speak only for its own
//! URIs (`{plugin}://...`), and only a bounded number of times per call.

use super::{Call, Capability};
use crate::policy::manifest::owns_uri;
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::changes::{Host, add_to_linker as link};
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker};

/// Notices one call may send; each may reach many sessions.
const MAX_NOTICES: u32 = 256;

/// Where change notices go: the MCP layer's subscribers.
pub trait ResourceChanges: Send + Sync + std::fmt::Debug {
    /// The resource at `uri` changed for `tenant`.
    fn updated(&self, tenant: &str, uri: &str);
}

/// One call's way to report changes.
#[derive(Debug)]
pub struct ChangesCtx {
    plugin: Arc<str>,
    /// The tenant and the subscribers; none (a load, the CLI): notices go
    /// nowhere.
    target: Option<(Arc<str>, Arc<dyn ResourceChanges>)>,
    sent: u32,
}

impl Capability for ChangesCtx {
    /// Notices of the calling plugin, to the calling tenant's subscribers.
    fn prepare(call: &mut Call<'_>) -> Self {
        let target = call.scope.tenant.clone().zip(call.scope.changes.take());
        Self { plugin: call.plugin.name.clone(), target, sent: 0 }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<ChangesCtx>>(linker, |state| &mut state.contexts.changes)
    }
}

impl Host for ChangesCtx {
    fn resource_updated(&mut self, uri: String) -> wasmtime::Result<Result<(), String>> {
        if !owns_uri(&self.plugin, &uri) {
            return Ok(Err(format!("plugin `{}` may only report changes to `{}://` URIs", self.plugin, self.plugin)));
        }
        self.sent += 1;
        if self.sent > MAX_NOTICES {
            return Ok(Err(format!("a call may report at most {MAX_NOTICES} changes")));
        }
        if let Some((tenant, subscribers)) = &self.target {
            subscribers.updated(tenant, &uri);
        }
        Ok(Ok(()))
    }
}
