//! [`Inspection`]: what a component declares about itself, for an operator
//! deciding whether to load it (`berth plugin inspect`).

use crate::runtime::LoadedPlugin;
use serde::{Deserialize, Serialize};

/// A component's manifest, tools and imports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Inspection {
    /// Plugin name (the prefix of its tool names).
    pub name: String,
    /// Its version.
    pub version: String,
    /// What it integrates with.
    pub description: String,
    /// SHA-256 of the component, hex.
    pub digest: String,
    /// Component size in bytes.
    pub bytes: u64,
    /// Its tools.
    pub tools: Vec<ToolSummary>,
    /// URL prefixes it may reach, with `{placeholders}` filled from config.
    pub egress: Vec<String>,
    /// Credentials it asks a tenant for.
    pub credentials: Vec<Need>,
    /// Settings it reads.
    pub config: Vec<Setting>,
    /// Interfaces it imports.
    pub imports: Vec<String>,
}

/// One tool, as an operator reviews it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolSummary {
    /// Name within the plugin.
    pub name: String,
    /// What it does.
    pub description: String,
    /// Declared read-only.
    pub read_only: bool,
    /// Declared destructive.
    pub destructive: bool,
}

/// A credential the plugin needs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Need {
    /// Name the plugin refers to it by.
    pub name: String,
    /// What it is for.
    pub description: String,
}

/// A setting the plugin reads.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Setting {
    /// Key.
    pub name: String,
    /// What it means.
    pub description: String,
    /// Whether calls fail without it.
    pub required: bool,
    /// Value when the tenant sets none.
    pub default: Option<String>,
}

impl From<&LoadedPlugin> for Inspection {
    fn from(plugin: &LoadedPlugin) -> Self {
        let manifest = &plugin.manifest;
        Self {
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            description: manifest.description.clone(),
            digest: plugin.digest.clone(),
            bytes: plugin.bytes,
            tools: plugin
                .tools
                .iter()
                .map(|tool| ToolSummary {
                    name: tool.name.clone(),
                    description: tool.description.clone(),
                    read_only: tool.annotations.read_only,
                    destructive: tool.annotations.destructive,
                })
                .collect(),
            egress: manifest.egress.clone(),
            credentials: manifest
                .credentials
                .iter()
                .map(|need| Need { name: need.name.clone(), description: need.description.clone() })
                .collect(),
            config: manifest
                .config
                .iter()
                .map(|key| Setting {
                    name: key.name.clone(),
                    description: key.description.clone(),
                    required: key.required,
                    default: key.default.clone(),
                })
                .collect(),
            imports: plugin.imports.clone(),
        }
    }
}
