//! A key-value cache private to the calling tenant and this plugin.
//!
//! Entries expire after their TTL and may be evicted earlier when the
//! tenant's share is full: use it to avoid repeated upstream work, never as
//! the only copy of anything.

use crate::bindings::berth::plugin::cache as wit;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;

pub use wit::CacheError;

/// The bytes stored under `key`, if present and fresh.
pub fn get(key: &str) -> Option<Vec<u8>> {
    wit::get(key)
}

/// Stores `value` under `key` for `ttl` (rounded down to whole seconds; zero
/// means the host's maximum).
pub fn set(key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
    let seconds = u32::try_from(ttl.as_secs()).unwrap_or(u32::MAX);
    wit::set(key, value, seconds)
}

/// Removes `key`.
pub fn delete(key: &str) {
    wit::delete(key)
}

/// Reads and decodes a JSON value; a value that no longer decodes is treated
/// as absent.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Option<T> {
    get(key).and_then(|bytes| serde_json::from_slice(&bytes).ok())
}

/// Encodes `value` as JSON and stores it.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T, ttl: Duration) -> Result<(), CacheError> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    set(key, &bytes, ttl)
}
