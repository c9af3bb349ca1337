//! [`LoadedPlugin`]: a validated, compiled, pre-instantiated component and
//! what it declared about itself.

use super::bindings::AdapterPre;
use super::bindings::types::{Manifest, Tool, ToolAnnotations};
use super::state::{CallState, PluginGrants};
use crate::policy::manifest::{self as rules, ManifestError, ManifestLimits};
use crate::policy::schema::{CheckedSchema, SchemaLimits};
use serde_json::{Map, Value};
use std::sync::Arc;

/// One tool of a loaded plugin, with its schemas compiled once.
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
    pub(crate) validator: Arc<CheckedSchema>,
    pub(crate) output_validator: Option<Arc<CheckedSchema>>,
}

impl ToolSpec {
    /// Why `arguments` do not match the input schema, naming the field; `None`
    /// when they match. Runs on the caller's thread: a host serving calls
    /// uses [`super::Runtime::check_arguments`] instead.
    pub fn argument_errors(&self, arguments: &Value) -> Option<String> {
        self.validator.errors(arguments)
    }

    /// Checks one declared tool of `plugin` and compiles its schemas.
    fn from_declaration(
        plugin: &str,
        tool: Tool,
        limits: &ManifestLimits,
        schemas: SchemaLimits,
    ) -> Result<Self, ManifestError> {
        rules::check_tool_name(plugin, &tool.name)?;
        let name = &tool.name;
        rules::check_description(|| format!("description of tool `{name}`"), &tool.description, limits)?;
        if let Some(title) = &tool.title {
            rules::check_description(|| format!("title of tool `{name}`"), title, limits)?;
        }
        let (input_schema, validator) = rules::parse_schema(name, "input", &tool.input_schema, schemas)?;
        let (output_schema, output_validator) = match &tool.output_schema {
            Some(text) => {
                let (schema, validator) = rules::parse_schema(name, "output", text, schemas)?;
                (Some(Arc::new(schema)), Some(Arc::new(validator)))
            }
            None => (None, None),
        };
        Ok(ToolSpec {
            name: tool.name,
            title: tool.title,
            description: tool.description,
            input_schema: Arc::new(input_schema),
            output_schema,
            annotations: tool.annotations,
            validator: Arc::new(validator),
            output_validator,
        })
    }
}

/// Checks everything a plugin declared (its name, version, descriptions,
/// the size of its lists and of its tool table, each tool) against the rules
/// and the operator's bounds, and compiles its schemas. Compiling many
/// patterns costs CPU: call it off the async workers.
pub(crate) fn check_declarations(
    manifest: &Manifest,
    tools: Vec<Tool>,
    limits: &ManifestLimits,
    schemas: SchemaLimits,
) -> Result<Vec<ToolSpec>, ManifestError> {
    rules::check_plugin_name(&manifest.name)?;
    rules::check_version(&manifest.version)?;
    rules::check_description(|| "plugin description".to_owned(), &manifest.description, limits)?;
    rules::check_entries("egress rules", manifest.egress.len(), limits)?;
    rules::check_entries("credentials", manifest.credentials.len(), limits)?;
    rules::check_entries("settings", manifest.config.len(), limits)?;
    for need in &manifest.credentials {
        rules::check_description(|| "description of a credential".to_owned(), &need.description, limits)?;
    }
    for key in &manifest.config {
        rules::check_description(|| "description of a setting".to_owned(), &key.description, limits)?;
    }
    let table_bytes = tools
        .iter()
        .map(|tool| {
            let optional = [&tool.title, &tool.output_schema].into_iter().flatten().map(String::len).sum::<usize>();
            tool.name.len() + tool.description.len() + tool.input_schema.len() + optional
        })
        .sum();
    rules::check_tool_table(tools.len(), table_bytes, limits)?;
    rules::check_unique(tools.iter().map(|tool| tool.name.as_str()))?;
    tools.into_iter().map(|tool| ToolSpec::from_declaration(&manifest.name, tool, limits, schemas)).collect()
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
