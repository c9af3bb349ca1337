//! `berth:plugin/http`: outbound HTTP performed by the host on the guest's
//! behalf.
//!
//! Deny by default: a request is refused unless the plugin's manifest
//! declares egress that the tenant has been granted. Grants, credential
//! injection and the upstream client arrive with the vault; until a tenant
//! is granted egress, every request is refused with a typed `denied` error
//! that names the reason.

use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::http::{Host, HttpError, Request, Response, add_to_linker as link};
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker};

/// What one call may reach.
#[derive(Debug, Clone)]
pub struct HttpCtx {
    plugin: Arc<str>,
    egress: Arc<[String]>,
}

impl HttpCtx {
    /// A context for `plugin`, whose manifest declares `egress`.
    pub fn new(plugin: Arc<str>, egress: Arc<[String]>) -> Self {
        Self { plugin, egress }
    }

    fn refuse(&self, request: &Request) -> HttpError {
        let reason = if self.egress.is_empty() {
            format!("plugin `{}` declares no egress, so `{}` is not allowed", self.plugin, request.url)
        } else {
            format!(
                "`{}` is not granted to plugin `{}` for this tenant (declared egress: {})",
                request.url,
                self.plugin,
                self.egress.join(", ")
            )
        };
        tracing::warn!(plugin = %self.plugin, url = %request.url, "egress denied: {reason}");
        HttpError::Denied(reason)
    }
}

impl Host for HttpCtx {
    async fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        Ok(Err(self.refuse(&request)))
    }
}

/// Adds `http` to the linker.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    link::<CallState, HasSelf<HttpCtx>>(linker, |state| &mut state.http)
}
