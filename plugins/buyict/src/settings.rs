//! The tenant's settings for this plugin, read from `berth_sdk::config` once
//! per call and checked, so that a typo is reported as a configuration
//! problem rather than as a confusing upstream failure.

use berth_sdk::{Manifest, ToolError, config};
use std::time::Duration;

/// Config key: the portal's host (and port), no scheme or path.
pub const BASE_URL: &str = "base_url";
/// Config key: the Service Portal's `sys_id`.
pub const PORTAL_ID: &str = "portal_id";
/// Config key: how long listings and details stay cached.
pub const CACHE_TTL_SECONDS: &str = "cache_ttl_seconds";

/// Where BuyICT lives.
const DEFAULT_BASE_URL: &str = "www.buyict.gov.au";
/// Five minutes: opportunities change over days, and a cached answer spares
/// the portal the same query from an agent that repeats itself.
const DEFAULT_CACHE_TTL_SECONDS: &str = "300";

/// Declares the settings in the manifest, with their defaults.
pub fn declare(manifest: Manifest) -> Manifest {
    manifest
        .config_default(
            BASE_URL,
            "Host (and optional :port) of the BuyICT portal, without https:// or a path.",
            DEFAULT_BASE_URL,
        )
        .config_default(
            PORTAL_ID,
            "sys_id of the Service Portal to query. Empty (the default) leaves it out of requests, so the \
             server uses its default portal.",
            "",
        )
        .config_default(
            CACHE_TTL_SECONDS,
            "Seconds a search result or opportunity stays in the tenant's cache; 0 turns caching off.",
            DEFAULT_CACHE_TTL_SECONDS,
        )
}

/// The checked settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host[:port]` of the portal.
    pub base_url: String,
    /// The portal's `sys_id`, when one is configured.
    pub portal_id: Option<String>,
    /// How long to cache answers; `None` when caching is off.
    pub cache_ttl: Option<Duration>,
}

impl Settings {
    /// Reads and checks the calling tenant's settings.
    pub fn load() -> Result<Self, ToolError> {
        let base_url = config::require(BASE_URL)?.trim().trim_end_matches('/').to_owned();
        if base_url.is_empty() || base_url.contains("://") || base_url.contains('/') {
            return Err(misconfigured(
                BASE_URL,
                &base_url,
                "a host such as www.buyict.gov.au, without https:// or a path",
            ));
        }
        let portal_id = config::get(PORTAL_ID).map(|id| id.trim().to_owned()).filter(|id| !id.is_empty());
        let ttl_text = config::get(CACHE_TTL_SECONDS).unwrap_or_else(|| DEFAULT_CACHE_TTL_SECONDS.to_owned());
        let ttl: u32 = ttl_text
            .trim()
            .parse()
            .map_err(|_| misconfigured(CACHE_TTL_SECONDS, &ttl_text, "a whole number of seconds"))?;
        let cache_ttl = (ttl > 0).then(|| Duration::from_secs(u64::from(ttl)));
        Ok(Self { base_url, portal_id, cache_ttl })
    }

    /// `https://{base_url}`.
    pub fn origin(&self) -> String {
        format!("https://{}", self.base_url)
    }
}

fn misconfigured(key: &str, value: &str, expected: &str) -> ToolError {
    ToolError::denied(format!(
        "config key `{key}` is `{value}`, but it must be {expected}; the operator fixes it with \
         `berth config set --tenant <tenant> buyict {key} <value>`"
    ))
}
