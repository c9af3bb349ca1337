//! Answers kept in the tenant's cache, so that an agent repeating a search
//! (they do) does not make the portal answer it twice.
//!
//! Keys are a hash of the full request description, because the host caps
//! key length and a keyword can be long; the entry stores the description
//! itself and a hit counts only if it matches, so a hash collision is a
//! miss, never a wrong answer. A cache that refuses a value (too large)
//! costs only the saving.

use berth_sdk::{ToolError, cache, log};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::Duration;

/// The cached answer to `request` of `kind`, or `fetch`'s, which is then
/// cached for `ttl`. With no `ttl` (caching off) this is just `fetch`.
pub fn remember<T, F>(ttl: Option<Duration>, kind: &str, request: &str, fetch: F) -> Result<T, ToolError>
where
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Result<T, ToolError>,
{
    let Some(ttl) = ttl else { return fetch() };
    let key = format!("{kind}:{:016x}", fnv1a(request));
    if let Some(entry) = cache::get_json::<Value>(&key)
        && entry.get("request").and_then(Value::as_str) == Some(request)
        && let Some(value) = entry.get("value").and_then(|value| serde_json::from_value(value.clone()).ok())
    {
        log::debug(format!("{kind}: answered from the cache"));
        return Ok(value);
    }
    let value = fetch()?;
    if let Err(error) = cache::set_json(&key, &json!({"request": request, "value": &value}), ttl) {
        log::warn(format!("{kind}: not cached: {error:?}"));
    }
    Ok(value)
}

/// 64-bit FNV-1a: small, stable across builds, good enough to spread keys.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::fnv1a;

    #[test]
    fn the_hash_is_the_published_fnv1a() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }
}
