//! The calling tenant's non-secret settings for this plugin.

use crate::ToolError;
use crate::bindings::berth::plugin::config as wit;

/// The value of `key` for the calling tenant, or the manifest default.
pub fn get(key: &str) -> Option<String> {
    wit::get(key)
}

/// The value of `key`, or a tool error telling the operator to set it.
pub fn require(key: &str) -> Result<String, ToolError> {
    get(key).ok_or_else(|| {
        ToolError::Denied(format!("config key `{key}` is not set for this tenant; ask the operator to set it"))
    })
}
