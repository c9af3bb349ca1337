//! [`BerthServer`]: the hand-written rmcp `ServerHandler` that lists the
//! tenant's tools as `{plugin}_{tool}` and routes calls to the runtime.
//!
//! A tool that fails (a guest error, a limit, bad arguments) is a successful
//! JSON-RPC response with `isError: true`, so the model sees what happened;
//! a protocol failure (an unknown tool) is a JSON-RPC error.

use crate::app::App;
use crate::policy::manifest::{qualified_name, split_qualified_name};
use crate::runtime::bindings::types::{Content, ToolError, ToolResult, UpstreamError};
use crate::runtime::{CallError, CallScope, LoadedPlugin, ToolSpec};
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, Resource, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::{RequestContext, RoleServer};
use serde_json::Value;
use std::sync::Arc;
use std::time::Instant;

/// Serves one session for one tenant.
#[derive(Clone)]
pub struct BerthServer {
    app: Arc<App>,
    tenant: Arc<str>,
}

impl BerthServer {
    /// A session of `tenant` on `app`.
    pub fn new(app: Arc<App>, tenant: impl Into<Arc<str>>) -> Self {
        Self {
            app,
            tenant: tenant.into(),
        }
    }

    /// The tenant's tools, as MCP clients see them.
    pub fn tools(&self) -> Vec<Tool> {
        self.app
            .plugins
            .snapshot()
            .values()
            .flat_map(|plugin| plugin.tools.iter().map(|tool| describe_tool(plugin, tool)))
            .collect()
    }

    fn find(&self, name: &str) -> Result<(Arc<LoadedPlugin>, String), ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown tool `{name}`"), None);
        let (plugin, tool) = split_qualified_name(name).ok_or_else(unknown)?;
        let plugin = self.app.plugins.get(plugin).ok_or_else(unknown)?;
        plugin.tool(tool).ok_or_else(unknown)?;
        Ok((plugin, tool.to_owned()))
    }
}

fn describe_tool(plugin: &LoadedPlugin, tool: &ToolSpec) -> Tool {
    let mut annotations = ToolAnnotations::new()
        .read_only(tool.annotations.read_only)
        .destructive(tool.annotations.destructive)
        .idempotent(tool.annotations.idempotent)
        .open_world(tool.annotations.open_world);
    annotations.title = tool.title.clone();
    let mut described = Tool::new(
        qualified_name(plugin.name(), &tool.name),
        tool.description.clone(),
        tool.input_schema.clone(),
    );
    described.title = tool.title.clone();
    described.output_schema = tool.output_schema.clone();
    described.annotations = Some(annotations);
    described
}

impl ServerHandler for BerthServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tool_list_changed()
                .build(),
        )
        .with_server_info(Implementation::new("berth", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Tools are named {plugin}_{tool}. Each runs in a sandbox on behalf of your tenant.",
        )
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tools()))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = request.name.to_string();
        let (plugin, tool_name) = self.find(&name)?;
        let tool = plugin
            .tool(&tool_name)
            .ok_or_else(|| ErrorData::invalid_params(format!("unknown tool `{name}`"), None))?;
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        if let Some(problems) = tool.argument_errors(&arguments) {
            return Ok(failure(format!("invalid arguments for `{name}`: {problems}")).into());
        }
        let config = self
            .app
            .db
            .plugin_config(&self.tenant, plugin.name())
            .map_err(|error| ErrorData::internal_error(error.to_string(), None))?;
        let scope = CallScope {
            tenant: Some(self.tenant.clone()),
            config,
            ..CallScope::default()
        };
        let started = Instant::now();
        let arguments = arguments.to_string();
        let call = self
            .app
            .runtime
            .call(&plugin, scope, &tool_name, &arguments);
        let outcome = tokio::select! {
            outcome = call => outcome,
            () = context.ct.cancelled() => return Err(ErrorData::internal_error("the call was cancelled", None)),
        };
        let result = to_mcp(outcome);
        tracing::info!(
            tenant = %self.tenant, tool = %name, version = %plugin.manifest.version,
            is_error = result.is_error.unwrap_or(false), elapsed_ms = started.elapsed().as_millis() as u64,
            "tool call"
        );
        Ok(result.into())
    }
}

fn failure(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// Turns a runtime outcome into the MCP result the client sees.
fn to_mcp(outcome: Result<Result<ToolResult, ToolError>, CallError>) -> CallToolResult {
    match outcome {
        Ok(Ok(result)) => {
            let content = result
                .content
                .into_iter()
                .map(|content| match content {
                    Content::Text(text) | Content::Json(text) => ContentBlock::text(text),
                    Content::ResourceLink(uri) => {
                        ContentBlock::resource_link(Resource::new(uri.clone(), uri))
                    }
                })
                .collect();
            let mut mcp = if result.is_error {
                CallToolResult::error(content)
            } else {
                CallToolResult::success(content)
            };
            mcp.structured_content = result
                .structured
                .and_then(|text| serde_json::from_str(&text).ok());
            mcp
        }
        Ok(Err(error)) => failure(describe_tool_error(&error)),
        Err(error) => {
            tracing::warn!("tool call failed in the host: {error}");
            failure(error.to_string())
        }
    }
}

/// The message for a guest-reported error, naming its kind.
fn describe_tool_error(error: &ToolError) -> String {
    match error {
        ToolError::InvalidArguments(message) => format!("invalid arguments: {message}"),
        ToolError::NotFound(message) => format!("not found: {message}"),
        ToolError::Denied(message) => format!("denied: {message}"),
        ToolError::Upstream(UpstreamError {
            status: Some(status),
            message,
        }) => format!("upstream error (HTTP {status}): {message}"),
        ToolError::Upstream(UpstreamError {
            status: None,
            message,
        }) => format!("upstream error: {message}"),
        ToolError::Internal(message) => format!("plugin error: {message}"),
    }
}
