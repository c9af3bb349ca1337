//! The [`Plugin`] trait and the export glue behind [`crate::export_plugin!`].

use crate::bindings::berth::plugin::types as wit;
use crate::{Manifest, Tool, ToolError, ToolResult};

/// A Berth plugin: a manifest plus a set of tools.
///
/// Both functions are called by the generated exports on every call (each
/// call runs in a fresh instance), so keep them cheap and free of side
/// effects: build values, do not call capabilities.
pub trait Plugin {
    /// What the plugin is and what it needs: egress, credentials, config.
    fn manifest() -> Manifest;
    /// The tools the plugin offers.
    fn tools() -> Vec<Tool>;
}

/// `describe` export.
pub fn describe<P: Plugin>() -> wit::Manifest {
    P::manifest().into_wit()
}

/// `list-tools` export.
pub fn list_tools<P: Plugin>() -> Vec<wit::Tool> {
    P::tools().iter().map(Tool::describe).collect()
}

/// `call-tool` export: finds the tool by name and runs it.
pub fn call_tool<P: Plugin>(name: &str, arguments: &str) -> Result<ToolResult, ToolError> {
    let tools = P::tools();
    let tool = tools
        .iter()
        .find(|tool| tool.name() == name)
        .ok_or_else(|| ToolError::NotFound(format!("this plugin has no tool named `{name}`")))?;
    tool.call(arguments)
}
