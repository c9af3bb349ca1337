//! Opaque secret handles: the host uses the secret on the plugin's behalf,
//! the value never enters the sandbox.

use crate::bindings::berth::plugin::secrets as wit;

pub use wit::{Secret, SecretError};

/// A handle to the tenant's signing key `name`, which the manifest must
/// declare as a credential whose name ends in `-signing-key` (and the
/// operator store with `--scheme signing-key`). The host refuses handles to
/// any other credential: a password or token must never become an HMAC
/// oracle.
pub fn get(name: &str) -> Result<Secret, SecretError> {
    wit::get(name)
}
