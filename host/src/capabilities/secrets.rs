//! `berth:plugin/secrets`: opaque handles to the tenant's secrets. The guest
//! holds a handle, never the value; the only operation is an HMAC computed
//! by the host.

use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::secrets::{Host, HostSecret, SecretError, add_to_linker as link};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker, Resource, ResourceTable};

/// A secret value held by the host on behalf of a guest handle.
pub struct SecretHandle {
    value: Arc<[u8]>,
}

/// The secrets one call may use: the tenant's values for the credential
/// names the plugin declared.
pub struct SecretsCtx {
    plugin: Arc<str>,
    declared: Arc<[String]>,
    values: Arc<BTreeMap<String, Arc<[u8]>>>,
    handles: ResourceTable,
}

impl SecretsCtx {
    /// A context for `plugin`, which declared `declared`, over the tenant's
    /// `values`. At most `max_handles` handles may be open at once.
    pub fn new(
        plugin: Arc<str>,
        declared: Arc<[String]>,
        values: Arc<BTreeMap<String, Arc<[u8]>>>,
        max_handles: usize,
    ) -> Self {
        let mut handles = ResourceTable::new();
        handles.set_max_capacity(max_handles);
        Self { plugin, declared, values, handles }
    }
}

impl Host for SecretsCtx {
    fn get(&mut self, name: String) -> wasmtime::Result<Result<Resource<SecretHandle>, SecretError>> {
        if !self.declared.contains(&name) {
            return Ok(Err(SecretError::Denied(format!(
                "plugin `{}` does not declare a credential named `{name}` in its manifest",
                self.plugin
            ))));
        }
        let Some(value) = self.values.get(&name) else {
            return Ok(Err(SecretError::NotFound(format!(
                "no secret named `{name}` is configured for plugin `{}` on this tenant",
                self.plugin
            ))));
        };
        let handle = self.handles.push(SecretHandle { value: value.clone() })?;
        Ok(Ok(handle))
    }
}

impl HostSecret for SecretsCtx {
    fn hmac_sha256(&mut self, secret: Resource<SecretHandle>, data: Vec<u8>) -> wasmtime::Result<Vec<u8>> {
        let secret = self.handles.get(&secret)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(&secret.value).map_err(wasmtime::Error::msg)?;
        mac.update(&data);
        Ok(mac.finalize().into_bytes().to_vec())
    }

    fn drop(&mut self, secret: Resource<SecretHandle>) -> wasmtime::Result<()> {
        self.handles.delete(secret)?;
        Ok(())
    }
}

/// Adds `secrets` to the linker.
pub fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    link::<CallState, HasSelf<SecretsCtx>>(linker, |state| &mut state.secrets)
}
