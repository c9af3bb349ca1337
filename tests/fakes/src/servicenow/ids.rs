//! Fresh identifiers: `sys_id`s (32 lower-case hex digits, like every
//! ServiceNow record key) and opaque OAuth tokens. They only need to be
//! unique and unguessable enough for a test, so a SplitMix64 stream seeded
//! from the clock does.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A new `sys_id`.
pub fn sys_id() -> String {
    format!("{:016x}{:016x}", next(), next())
}

/// A new bearer token, as long as ServiceNow's (86 characters, URL-safe).
pub fn token() -> String {
    let hex: String = (0..6).map(|_| format!("{:016x}", next())).collect();
    hex[..86].to_owned()
}

fn next() -> u64 {
    static STATE: OnceLock<AtomicU64> = OnceLock::new();
    let state = STATE.get_or_init(|| {
        let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_nanos() as u64);
        AtomicU64::new(seed)
    });
    let mut z = state.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_look_like_servicenow_ones_and_differ() {
        let (a, b) = (super::sys_id(), super::sys_id());
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(super::token().len(), 86);
    }
}
