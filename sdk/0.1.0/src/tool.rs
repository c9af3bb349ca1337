//! Tools as typed functions: [`Tool`], its result conversions and the
//! [`ToolError`] helpers.

use crate::bindings::berth::plugin::types as wit;
use crate::{Content, ToolAnnotations, ToolError, ToolResult, UpstreamError};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

type Handler = Box<dyn Fn(&str) -> Result<ToolResult, ToolError>>;

/// One tool: a name, a description for the model, and a typed handler.
///
/// The handler's argument type `A` is deserialized from the call's JSON
/// arguments, and its JSON Schema (derived with `schemars`) is what the agent
/// sees and what the host validates arguments against before the plugin runs.
pub struct Tool {
    name: &'static str,
    title: Option<String>,
    description: String,
    /// Builds the input schema. Only `list-tools` needs it: a call finds its
    /// tool by name and never pays for `schema_for!`.
    input_schema: fn() -> String,
    annotations: ToolAnnotations,
    handler: Handler,
}

impl Tool {
    /// A tool named `name` (`[a-z][a-z0-9_]*`) that runs `handler`.
    ///
    /// Annotations default to the cautious reading of MCP: not read-only,
    /// possibly destructive, not idempotent, open-world. Use the builder
    /// methods to say what the tool really does.
    pub fn new<A, R, F>(name: &'static str, description: &str, handler: F) -> Self
    where
        A: DeserializeOwned + JsonSchema,
        R: IntoToolResult,
        F: Fn(A) -> Result<R, ToolError> + 'static,
    {
        Self {
            name,
            title: None,
            description: description.to_owned(),
            input_schema: input_schema::<A>,
            annotations: ToolAnnotations { read_only: false, destructive: true, idempotent: false, open_world: true },
            handler: Box::new(move |arguments| {
                let args: A =
                    serde_json::from_str(arguments).map_err(|error| ToolError::InvalidArguments(error.to_string()))?;
                handler(args).map(IntoToolResult::into_tool_result)
            }),
        }
    }

    /// A short human-readable title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = Some(title.to_owned());
        self
    }

    /// The tool only reads: not destructive, idempotent.
    pub fn read_only(mut self) -> Self {
        self.annotations.read_only = true;
        self.annotations.destructive = false;
        self.annotations.idempotent = true;
        self
    }

    /// The tool changes state upstream but never destroys or overwrites it.
    pub fn additive(mut self) -> Self {
        self.annotations.destructive = false;
        self
    }

    /// The tool may destroy or overwrite data upstream.
    pub fn destructive(mut self) -> Self {
        self.annotations.read_only = false;
        self.annotations.destructive = true;
        self
    }

    /// Repeating the call with the same arguments has no further effect.
    pub fn idempotent(mut self) -> Self {
        self.annotations.idempotent = true;
        self
    }

    /// The tool touches only the plugin's own closed world (no upstream).
    pub fn closed_world(mut self) -> Self {
        self.annotations.open_world = false;
        self
    }

    /// The tool's name within the plugin.
    pub fn name(&self) -> &str {
        self.name
    }

    pub(crate) fn describe(&self) -> wit::Tool {
        wit::Tool {
            name: self.name.to_owned(),
            title: self.title.clone(),
            description: self.description.clone(),
            input_schema: (self.input_schema)(),
            output_schema: None,
            annotations: self.annotations,
        }
    }

    pub(crate) fn call(&self, arguments: &str) -> Result<ToolResult, ToolError> {
        (self.handler)(arguments)
    }
}

/// The JSON Schema of `A`, as the host validates arguments against it.
fn input_schema<A: JsonSchema>() -> String {
    serde_json::to_string(&schemars::schema_for!(A)).unwrap_or_else(|_| "{}".to_owned())
}

/// Arguments type for a tool that takes none.
#[derive(Debug, Default, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

/// Wraps a serializable value so a tool returns it as JSON content and as
/// MCP structured content.
#[derive(Debug, Clone)]
pub struct Json<T>(pub T);

/// Conversion from a handler's return value into a [`ToolResult`].
pub trait IntoToolResult {
    /// Performs the conversion.
    fn into_tool_result(self) -> ToolResult;
}

impl IntoToolResult for ToolResult {
    fn into_tool_result(self) -> ToolResult {
        self
    }
}

impl IntoToolResult for String {
    fn into_tool_result(self) -> ToolResult {
        ToolResult { content: vec![Content::Text(self)], structured: None, is_error: false }
    }
}

impl IntoToolResult for &str {
    fn into_tool_result(self) -> ToolResult {
        self.to_owned().into_tool_result()
    }
}

impl<T: Serialize> IntoToolResult for Json<T> {
    fn into_tool_result(self) -> ToolResult {
        match serde_json::to_string(&self.0) {
            Ok(json) => {
                ToolResult { content: vec![Content::Json(json.clone())], structured: Some(json), is_error: false }
            }
            Err(error) => ToolResult {
                content: vec![Content::Text(format!("could not encode the result: {error}"))],
                structured: None,
                is_error: true,
            },
        }
    }
}

impl ToolError {
    /// The arguments make no sense for the tool.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidArguments(message.into())
    }

    /// The requested thing does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::NotFound(message.into())
    }

    /// The operation is refused.
    pub fn denied(message: impl Into<String>) -> Self {
        Self::Denied(message.into())
    }

    /// A bug or unexpected state inside the plugin.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into())
    }

    /// The upstream failed with `status`.
    pub fn upstream(status: Option<u16>, message: impl Into<String>) -> Self {
        Self::Upstream(UpstreamError { status, message: message.into() })
    }
}
