//! `berth:plugin/secrets`: opaque handles to the tenant's signing keys. The
//! guest holds a handle, never the value; the only operation is an HMAC
//! computed by the host.
//!
//! One HMAC of a known message lets anyone test guesses of the key offline,
//! so handles exist only for keys made to sign: credential needs the
//! manifest declares as signing keys (named `…-signing-key`), stored with
//! the `signing-key` scheme, which `credential set` refuses when short.
//! A password, token or client secret is never offered.

use super::{Call, Capability};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::secrets::{Host, HostSecret, SecretError, add_to_linker as link};
use crate::vault::credentials::{SIGNING_KEY_SUFFIX, is_signing_key_name};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::component::{HasSelf, Linker, Resource, ResourceTable};

/// A secret value held by the host on behalf of a guest handle.
pub struct SecretHandle {
    value: Arc<[u8]>,
}

/// What the tenant stored under a name the plugin may ask for.
pub enum Stored {
    /// A signing key: its value.
    SigningKey(Arc<[u8]>),
    /// A credential of another scheme (named here), which never signs.
    Other(&'static str),
}

/// The secrets one call may use: the tenant's values for the signing keys
/// the plugin declared.
pub struct SecretsCtx {
    plugin: Arc<str>,
    declared: Arc<[String]>,
    values: Arc<BTreeMap<String, Stored>>,
    handles: ResourceTable,
}

impl Capability for SecretsCtx {
    /// The tenant's signing keys among the credentials the plugin declared;
    /// of any other credential, only its scheme, to say why it never signs.
    /// At most the limit's resource handles may be open at once.
    fn prepare(call: &mut Call<'_>) -> Self {
        let values = call
            .scope
            .credentials
            .iter()
            .map(|credential| {
                let stored = match credential.signing_key() {
                    Some(key) => Stored::SigningKey(Arc::from(key.as_bytes())),
                    None => Stored::Other(credential.scheme.name()),
                };
                (credential.name.clone(), stored)
            })
            .collect();
        let mut handles = ResourceTable::new();
        handles.set_max_capacity(call.limits.resource_handles as usize);
        Self {
            plugin: call.plugin.name.clone(),
            declared: call.plugin.credentials.clone(),
            values: Arc::new(values),
            handles,
        }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<SecretsCtx>>(linker, |state| &mut state.contexts.secrets)
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
        if !is_signing_key_name(&name) {
            return Ok(Err(SecretError::Denied(format!(
                "credential `{name}` of plugin `{}` is not a signing key: handles exist only for credentials the manifest names `…{SIGNING_KEY_SUFFIX}`, never for passwords, tokens or client secrets",
                self.plugin
            ))));
        }
        let value = match self.values.get(&name) {
            Some(Stored::SigningKey(value)) => value.clone(),
            Some(Stored::Other(scheme)) => {
                return Ok(Err(SecretError::Denied(format!(
                    "credential `{name}` of plugin `{}` is stored as `{scheme}`, not as a signing key; the operator sets it with `--scheme signing-key`",
                    self.plugin
                ))));
            }
            None => {
                return Ok(Err(SecretError::NotFound(format!(
                    "no secret named `{name}` is configured for plugin `{}` on this tenant",
                    self.plugin
                ))));
            }
        };
        let handle = self.handles.push(SecretHandle { value })?;
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
