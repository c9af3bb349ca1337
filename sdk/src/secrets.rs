//! Opaque secret handles: the host uses the secret on the plugin's behalf,
//! the value never enters the sandbox.

use crate::bindings::berth::plugin::secrets as wit;

pub use wit::{Secret, SecretError};

/// A handle to the tenant's secret `name`, which the manifest must declare
/// as a credential.
pub fn get(name: &str) -> Result<Secret, SecretError> {
    wit::get(name)
}
