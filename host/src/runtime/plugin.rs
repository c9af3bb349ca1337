//! [`LoadedPlugin`]: a validated, compiled, pre-instantiated component and
//! what it declared about itself.

use super::bindings::AdapterPre;
use super::bindings::types::{Manifest, ToolAnnotations};
use super::state::{CallState, PluginGrants};
use serde_json::{Map, Value};
use std::sync::Arc;

/// One tool of a loaded plugin, with its argument validator compiled once.
pub struct ToolSpec {
    /// Name within the plugin.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// Description for the model.
    pub description: String,
    /// JSON Schema of the arguments.
    pub input_schema: Arc<Map<String, Value>>,
    /// JSON Schema of the structured output, if declared.
    pub output_schema: Option<Arc<Map<String, Value>>>,
    /// Behavioural hints.
    pub annotations: ToolAnnotations,
    pub(crate) validator: jsonschema::Validator,
    pub(crate) output_validator: Option<jsonschema::Validator>,
}

impl ToolSpec {
    /// Why `arguments` do not match the input schema, naming the field; `None`
    /// when they match.
    pub fn argument_errors(&self, arguments: &Value) -> Option<String> {
        crate::policy::manifest::argument_errors(&self.validator, arguments)
    }

    /// Why `structured` output does not match the output schema; `None` when
    /// it matches or no output schema is declared.
    pub fn output_errors(&self, structured: &Value) -> Option<String> {
        let validator = self.output_validator.as_ref()?;
        crate::policy::manifest::argument_errors(validator, structured)
    }
}

/// A plugin ready to serve calls. Immutable: an upgrade replaces the whole
/// value, so calls already running keep the version they started on.
pub struct LoadedPlugin {
    /// What the plugin declared.
    pub manifest: Manifest,
    /// Its tools, in declaration order.
    pub tools: Vec<ToolSpec>,
    /// SHA-256 of the component bytes, hex.
    pub digest: String,
    /// Size of the component in bytes.
    pub bytes: u64,
    /// What the component imports (Berth interfaces and WASI), by name.
    pub imports: Vec<String>,
    pub(crate) grants: PluginGrants,
    pub(crate) pre: AdapterPre<CallState>,
}

impl LoadedPlugin {
    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("name", &self.manifest.name)
            .field("version", &self.manifest.version)
            .field("digest", &self.digest)
            .finish_non_exhaustive()
    }
}
