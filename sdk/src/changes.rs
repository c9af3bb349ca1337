//! Change notices: tell the host that one of the plugin's resources
//! changed, and it notifies the calling tenant's clients that subscribed.
//!
//! ```no_run
//! // After updating incident INC0010001 upstream:
//! let _ = berth_sdk::changes::resource_updated("servicenow://incident/INC0010001");
//! ```

use crate::bindings::berth::plugin::changes as wit;

/// The resource at `uri` (one of the plugin's own, `{plugin}://...`)
/// changed. An error says why the host refused the notice.
pub fn resource_updated(uri: &str) -> Result<(), String> {
    wit::resource_updated(uri)
}
