//! [`LoadedPlugin`]: a validated, compiled, pre-instantiated component and
//! what it declared about itself.

use super::bindings::events::{EventSource, Signature};
use super::bindings::types::{Manifest, Prompt, PromptArgument, ResourceTemplate, Tool, ToolAnnotations};
use super::guest::{Declared, GuestPre};
use crate::capabilities::PluginGrants;
use crate::policy::hidden_text::{strip_in_place, strip_object};
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
            input_schema: Arc::new(shown(input_schema)),
            output_schema: output_schema.map(|schema| Arc::new(shown(Arc::unwrap_or_clone(schema)))),
            annotations: tool.annotations,
            validator: Arc::new(validator),
            output_validator,
        })
    }
}

/// The copy of a schema clients see, without hidden text in its
/// descriptions (the validator keeps the schema as declared).
fn shown(mut schema: Map<String, Value>) -> Map<String, Value> {
    strip_object(&mut schema);
    schema
}

/// One prompt of a loaded plugin.
#[derive(Debug, Clone)]
pub struct PromptSpec {
    /// Name within the plugin.
    pub name: String,
    /// Human-readable title.
    pub title: Option<String>,
    /// What the prompt is for.
    pub description: Option<String>,
    /// Its arguments.
    pub arguments: Vec<PromptArgument>,
}

impl PromptSpec {
    /// Checks one declared prompt of `plugin`.
    fn from_declaration(plugin: &str, prompt: Prompt, limits: &ManifestLimits) -> Result<Self, ManifestError> {
        rules::check_tool_name(plugin, &prompt.name)?;
        let name = &prompt.name;
        for text in [&prompt.title, &prompt.description].into_iter().flatten() {
            rules::check_description(|| format!("description of prompt `{name}`"), text, limits)?;
        }
        rules::check_entries("prompt arguments", prompt.arguments.len(), limits)?;
        for argument in &prompt.arguments {
            rules::check_description(|| format!("argument of prompt `{name}`"), &argument.name, limits)?;
            if let Some(description) = &argument.description {
                rules::check_description(|| format!("argument of prompt `{name}`"), description, limits)?;
            }
        }
        Ok(Self {
            name: prompt.name,
            title: prompt.title,
            description: prompt.description,
            arguments: prompt.arguments,
        })
    }
}

/// What a plugin declared, checked.
pub(crate) struct Checked {
    pub manifest: Manifest,
    pub tools: Vec<ToolSpec>,
    pub templates: Vec<ResourceTemplate>,
    pub prompts: Vec<PromptSpec>,
    pub events: Option<EventSource>,
}

/// Headers an event source may not name: the host reads the secret of a
/// `bearer` source from `authorization` itself, and the others describe
/// the request rather than the event.
const RESERVED_EVENT_HEADERS: [&str; 4] = ["authorization", "cookie", "host", "content-length"];

/// Checks the headers an event source names: each must be a lower-case
/// header name the host can look up, since the secret or the delivery id
/// is read from it outside the sandbox.
fn check_event_source(source: &EventSource) -> Result<(), ManifestError> {
    let secret = match &source.signature {
        Signature::Header(name) => Some(name),
        _ => None,
    };
    for name in [secret, source.delivery_header.as_ref(), source.type_header.as_ref()].into_iter().flatten() {
        let valid = name.len() <= 64
            && http::HeaderName::from_bytes(name.as_bytes()).is_ok_and(|parsed| parsed.as_str() == name)
            && !RESERVED_EVENT_HEADERS.contains(&name.as_str());
        if !valid {
            return Err(ManifestError::EventHeader(crate::log_safe::quote(name)));
        }
    }
    Ok(())
}

/// Checks everything a plugin declared (its name, version, descriptions,
/// the size of its lists and of its tool table, each tool, template and
/// prompt) against the rules and the operator's bounds, and compiles its
/// schemas. Compiling many patterns costs CPU: call it off the async
/// workers.
pub(crate) fn check_declarations(
    declared: Declared,
    limits: &ManifestLimits,
    schemas: SchemaLimits,
) -> Result<Checked, ManifestError> {
    let Declared { mut manifest, mut tools, mut templates, mut prompts, events } = declared;
    scrub(&mut manifest, &mut tools, &mut templates, &mut prompts);
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
    let tools = tools
        .into_iter()
        .map(|tool| ToolSpec::from_declaration(&manifest.name, tool, limits, schemas))
        .collect::<Result<_, _>>()?;
    rules::check_entries("resource templates", templates.len(), limits)?;
    for template in &templates {
        rules::check_template(&manifest.name, &template.uri_template)?;
        let texts = [&template.title, &template.description, &template.mime_type].into_iter().flatten();
        for text in texts.chain([&template.uri_template, &template.name]) {
            rules::check_description(|| format!("resource template `{}`", template.name), text, limits)?;
        }
    }
    rules::check_entries("prompts", prompts.len(), limits)?;
    rules::check_unique(prompts.iter().map(|prompt| prompt.name.as_str()))?;
    let prompts = prompts
        .into_iter()
        .map(|prompt| PromptSpec::from_declaration(&manifest.name, prompt, limits))
        .collect::<Result<_, _>>()?;
    events.as_ref().map(check_event_source).transpose()?;
    Ok(Checked { manifest, tools, templates, prompts, events })
}

/// Removes hidden text (see [`crate::policy::hidden_text`]) from every
/// description and title a plugin declares, which a model reads when it
/// lists them: a hostile plugin must not hide instructions in a tool's
/// description any more than an upstream in a ticket. Schemas are checked
/// as declared; the copy clients see is cleaned in [`ToolSpec`].
fn scrub(manifest: &mut Manifest, tools: &mut [Tool], templates: &mut [ResourceTemplate], prompts: &mut [Prompt]) {
    let clean = |text: &mut String| strip_in_place(text);
    let clean_option = |text: &mut Option<String>| text.iter_mut().for_each(strip_in_place);
    clean(&mut manifest.description);
    manifest.credentials.iter_mut().for_each(|need| clean(&mut need.description));
    manifest.config.iter_mut().for_each(|key| clean(&mut key.description));
    for tool in tools {
        clean(&mut tool.description);
        clean_option(&mut tool.title);
    }
    for template in templates {
        clean(&mut template.name);
        clean_option(&mut template.title);
        clean_option(&mut template.description);
    }
    for prompt in prompts {
        clean_option(&mut prompt.title);
        clean_option(&mut prompt.description);
        prompt.arguments.iter_mut().for_each(|argument| clean_option(&mut argument.description));
    }
}

/// A plugin ready to serve calls. Immutable: an upgrade replaces the whole
/// value, so calls already running keep the version they started on.
pub struct LoadedPlugin {
    /// What the plugin declared.
    pub manifest: Manifest,
    /// Its tools, in declaration order.
    pub tools: Vec<ToolSpec>,
    /// Its resource templates, each in its own URI scheme.
    pub templates: Vec<ResourceTemplate>,
    /// Its prompts, in declaration order.
    pub prompts: Vec<PromptSpec>,
    /// SHA-256 of the component bytes, hex.
    pub digest: String,
    /// Size of the component in bytes.
    pub bytes: u64,
    /// What the component imports (Berth interfaces and WASI), by name.
    pub imports: Vec<String>,
    /// How its webhooks are authenticated; none: it takes no events, and
    /// `/hooks/{tenant}/{plugin}` does not exist for it.
    pub events: Option<EventSource>,
    pub(crate) grants: PluginGrants,
    pub(crate) pre: GuestPre,
}

impl LoadedPlugin {
    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.manifest.name
    }

    /// The contract the component was built against, such as
    /// `berth:plugin@0.2.0`.
    pub fn contract(&self) -> &'static str {
        self.pre.contract()
    }

    /// Whether the component can serve resources: only 0.2 components
    /// export them, so a 0.1 one is never instantiated to list none.
    pub fn serves_resources(&self) -> bool {
        matches!(self.pre, GuestPre::V0_2 { .. })
    }

    /// Whether the component exports the normalised ticket desk (the
    /// `ticket-adapter` world), so the host's `tickets_*` tools reach it.
    pub fn serves_tickets(&self) -> bool {
        self.pre.serves_tickets()
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
