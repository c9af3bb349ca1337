//! [`BerthServer`]: the hand-written rmcp `ServerHandler` that lists the
//! tenant's tools as `{plugin}_{tool}` and routes calls to the runtime.
//!
//! A tool that fails (a guest error, a limit, bad arguments) is a successful
//! JSON-RPC response with `isError: true`, so the model sees what happened;
//! a protocol failure (an unknown tool) is a JSON-RPC error.

use crate::admission::{SessionTicket, Ticket};
use crate::app::App;
use crate::audit::{self, CallRecord};
use crate::capabilities::log::ClientLog;
use crate::mcp::client_log::{self, SessionLog};
use crate::mcp::paging;
use crate::mcp::sessions::Registration;
use crate::metrics::CallOutcome;
use crate::policy::echo::clip;
use crate::policy::manifest::{qualified_name, split_qualified_name};
use crate::runtime::bindings::types::{Content, ToolError, ToolResult};
use crate::runtime::{CallError, CallScope, LoadedPlugin, Runtime, ToolSpec};
use crate::snapshot::{Generation, SnapshotError};
use crate::tenants::{PluginAccess, Principal};
use crate::vault::VaultError;
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeRequestParams,
    InitializeResult, ListToolsResult, PaginatedRequestParams, Resource, ServerCapabilities, ServerConfig, Tool,
    ToolAnnotations,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Serves one MCP session, always for exactly one tenant.
#[derive(Clone)]
pub struct BerthServer {
    app: Arc<App>,
    tenant: TenantSource,
    transport: &'static str,
    /// Keeps the session in [`App::sessions`] while any clone of this
    /// handler lives, so it hears about tool changes.
    registration: Arc<OnceLock<Registration>>,
    /// The log level the client asked for, if it did.
    log: SessionLog,
}

#[derive(Clone)]
enum TenantSource {
    /// Known when the session starts (stdio, legacy SSE).
    Fixed(Arc<str>),
    /// Bound by the first authenticated request of the session (Streamable
    /// HTTP), which also hands over the session's admission ticket.
    Bound(Arc<OnceLock<Binding>>),
}

struct Binding {
    tenant: Arc<str>,
    _session: Option<Ticket>,
}

impl BerthServer {
    /// A session of `tenant` on `app` over `transport` (`stdio`, `sse`; for
    /// the audit log).
    pub fn new(app: Arc<App>, tenant: impl Into<Arc<str>>, transport: &'static str) -> Self {
        Self {
            app,
            tenant: TenantSource::Fixed(tenant.into()),
            transport,
            registration: Arc::default(),
            log: SessionLog::default(),
        }
    }

    /// A Streamable HTTP session, whose tenant comes from its first
    /// authenticated request.
    pub fn per_session(app: Arc<App>) -> Self {
        Self {
            app,
            tenant: TenantSource::Bound(Arc::default()),
            transport: "http",
            registration: Arc::default(),
            log: SessionLog::default(),
        }
    }

    /// The tenant this request runs as. A session never changes tenant: a
    /// request authenticated as another tenant is refused.
    fn tenant(&self, context: &RequestContext<RoleServer>) -> Result<Arc<str>, ErrorData> {
        let binding = match &self.tenant {
            TenantSource::Fixed(tenant) => return Ok(tenant.clone()),
            TenantSource::Bound(binding) => binding,
        };
        let parts = context.extensions.get::<http::request::Parts>();
        let principal = parts
            .and_then(|parts| parts.extensions.get::<Principal>())
            .ok_or_else(|| internal("the request carries no authenticated tenant"))?;
        let bound = binding.get_or_init(|| Binding {
            tenant: principal.tenant.clone(),
            _session: parts.and_then(|parts| parts.extensions.get::<SessionTicket>()).and_then(SessionTicket::take),
        });
        if bound.tenant != principal.tenant {
            return Err(ErrorData::invalid_request("this session belongs to another tenant", None));
        }
        Ok(bound.tenant.clone())
    }

    /// What `tenant` grants `plugin` for one call that must be over by
    /// `deadline`: settings and credentials, from the snapshot `generation`
    /// (read at the start of the call), and the client's share of its log.
    fn scope(
        &self,
        generation: &Generation,
        tenant: &Arc<str>,
        plugin: &LoadedPlugin,
        call_id: String,
        deadline: std::time::Instant,
        client_log: Option<ClientLog>,
    ) -> Result<CallScope, ErrorData> {
        let grants =
            self.app.snapshot.grants(generation, &self.app.vault, tenant, plugin.name()).map_err(snapshot_error)?;
        Ok(CallScope {
            tenant: Some(tenant.clone()),
            config: grants.config.clone(),
            credentials: grants.credentials.clone(),
            call_id: Some(call_id),
            deadline: Some(deadline),
            client_log,
        })
    }

    /// The snapshot as of now, and which plugins `tenant` may use in it.
    fn access(&self, tenant: &Arc<str>) -> Result<(Arc<Generation>, Arc<PluginAccess>), ErrorData> {
        let generation = self.app.snapshot.current().map_err(snapshot_error)?;
        let access = self.app.snapshot.access(&generation, tenant).map_err(snapshot_error)?;
        Ok((generation, access))
    }

    /// The tools `tenant` may see, as MCP clients see them.
    fn tools(&self, tenant: &Arc<str>) -> Result<Vec<Tool>, ErrorData> {
        let (_, access) = self.access(tenant)?;
        Ok(self
            .app
            .plugins
            .snapshot()
            .values()
            .filter(|plugin| access.allows(plugin.name()))
            .flat_map(|plugin| plugin.tools.iter().map(|tool| describe_tool(plugin, tool)))
            .collect())
    }

    /// The plugin behind `name` and the index of the tool in it, if `tenant`
    /// may call it, with the snapshot the call reads. A tool of a plugin the
    /// tenant has not enabled is as unknown as a missing one.
    fn find(&self, tenant: &Arc<str>, name: &str) -> Result<(Arc<LoadedPlugin>, usize, Arc<Generation>), ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown tool `{}`", clip(name)), None);
        let (plugin, tool) = split_qualified_name(name).ok_or_else(unknown)?;
        let (generation, access) = self.access(tenant)?;
        if !access.allows(plugin) {
            return Err(unknown());
        }
        let plugin = self.app.plugins.get(plugin).ok_or_else(unknown)?;
        let index = plugin.tools.iter().position(|spec| spec.name == tool).ok_or_else(unknown)?;
        Ok((plugin, index, generation))
    }

    /// Writes the call's audit record with its `outcome`; returns its duration in ms.
    fn audit(&self, mut record: CallRecord, started: Instant, outcome: String) -> i64 {
        record.duration_ms = started.elapsed().as_millis() as i64;
        record.outcome = outcome;
        let duration_ms = record.duration_ms;
        self.app.audit.call(record);
        duration_ms
    }
}

/// A failure on the host's side as the agent sees it: a short message with
/// an id the operator can find in the log. The detail goes only to the log:
/// it may quote the database or the vault, which are none of the agent's
/// business.
/// A snapshot that could not be read: a rotated vault key is guidance for
/// the operator that quotes nothing stored; anything else is internal.
fn snapshot_error(error: SnapshotError) -> ErrorData {
    match error {
        SnapshotError::Vault(error @ VaultError::Rotated) => ErrorData::internal_error(error.to_string(), None),
        error => internal(error),
    }
}

fn internal(detail: impl std::fmt::Display) -> ErrorData {
    let id = audit::call_id();
    tracing::error!(error_id = %id, "internal error serving MCP: {detail}");
    ErrorData::internal_error(format!("internal error (id {id}); the host's log has the detail"), None)
}

fn describe_tool(plugin: &LoadedPlugin, tool: &ToolSpec) -> Tool {
    let mut annotations = ToolAnnotations::new()
        .read_only(tool.annotations.read_only)
        .destructive(tool.annotations.destructive)
        .idempotent(tool.annotations.idempotent)
        .open_world(tool.annotations.open_world);
    annotations.title = tool.title.clone();
    let mut described =
        Tool::new(qualified_name(plugin.name(), &tool.name), tool.description.clone(), tool.input_schema.clone());
    described.title = tool.title.clone();
    described.output_schema = tool.output_schema.clone();
    described.annotations = Some(annotations);
    described
}

impl ServerHandler for BerthServer {
    // Logging, deprecated after 2025-11-25, is still that revision's.
    #[allow(deprecated)]
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder().enable_tools().enable_tool_list_changed().enable_logging().build(),
        )
        .with_server_info(Implementation::new("berth", env!("CARGO_PKG_VERSION")))
        .with_instructions("Tools are named {plugin}_{tool}. Each runs in a sandbox on behalf of your tenant.")
    }

    /// Binds the session's tenant before answering, so that the session can
    /// be registered for change notifications once the client is ready.
    async fn initialize(
        &self,
        request: InitializeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<InitializeResult, ErrorData> {
        self.tenant(&context)?;
        context.peer.set_peer_info(request.clone());
        self.negotiate_initialize(&request)
    }

    async fn on_initialized(&self, context: NotificationContext<RoleServer>) {
        let tenant = match &self.tenant {
            TenantSource::Fixed(tenant) => tenant.clone(),
            TenantSource::Bound(binding) => match binding.get() {
                Some(binding) => binding.tenant.clone(),
                None => return,
            },
        };
        self.registration.get_or_init(|| self.app.sessions.register(tenant, context.peer));
    }

    /// Plugins' log records during this session's calls reach the client
    /// from now on at `level` and above (see [`crate::mcp::client_log`]).
    #[allow(deprecated)]
    async fn set_level(
        &self,
        request: rmcp::model::SetLevelRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.tenant(&context)?;
        self.log.set(request.level);
        Ok(())
    }

    /// One page of the tenant's tools (see [`crate::mcp::paging`]).
    async fn list_tools(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let tenant = self.tenant(&context)?;
        let cursor = request.as_ref().and_then(|request| request.cursor.as_deref());
        let (tools, next) =
            paging::page(self.tools(&tenant)?, |tool| tool.name.as_ref(), cursor, self.app.mcp.page_size)
                .map_err(|error| ErrorData::invalid_params(error.to_string(), None))?;
        let mut result = ListToolsResult::with_all_items(tools);
        result.next_cursor = next;
        Ok(result)
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let tenant = self.tenant(&context)?;
        let name = request.name.to_string();
        let (plugin, index, generation) = self.find(&tenant, &name)?;
        let tool = &plugin.tools[index];
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        let started = Instant::now();
        let record = CallRecord {
            call_id: audit::call_id(),
            at_ms: audit::now_ms(),
            tenant: tenant.to_string(),
            transport: self.transport.to_owned(),
            plugin: plugin.name().to_owned(),
            version: plugin.manifest.version.clone(),
            tool: tool.name.clone(),
            arguments: audit::redact_arguments(&arguments),
            outcome: String::new(),
            duration_ms: 0,
            requests: Vec::new(),
        };
        // One deadline from here covers validating the arguments, the run and
        // validating the output.
        let deadline = self.app.runtime.deadline();
        let serialized = arguments.to_string();
        let checked = self.app.runtime.check_arguments(tool, arguments, serialized.len(), deadline).await;
        let (result, outcome) = match checked {
            Ok(Some(problems)) => {
                (failure(format!("invalid arguments for `{name}`: {problems}")), CallOutcome::InvalidArguments)
            }
            checked => {
                let outcome = match checked {
                    Ok(_) => {
                        #[allow(deprecated)]
                        let requested = context.meta.log_level();
                        let (client_log, records) = self.log.for_call(requested).unzip();
                        let scope =
                            self.scope(&generation, &tenant, &plugin, record.call_id.clone(), deadline, client_log)?;
                        let run = self.app.runtime.call(&plugin, scope, &tool.name, &serialized);
                        let call = client_log::alongside(run, records, &context.peer, plugin.name(), deadline);
                        tokio::select! {
                            outcome = call => outcome,
                            () = context.ct.cancelled() => {
                                self.app.metrics.tool_call(&tenant, plugin.name(), &tool.name, CallOutcome::Cancelled, started.elapsed());
                                // The upstream requests it made are audited; so is the call.
                                self.audit(record, started, "cancelled by the client".to_owned());
                                return Err(ErrorData::internal_error("the call was cancelled", None));
                            }
                        }
                    }
                    Err(error) => Err(error),
                };
                let label = outcome_label(&outcome);
                let result = to_mcp(&self.app.runtime, tool, outcome, deadline).await;
                let label = match label {
                    CallOutcome::Ok if result.is_error == Some(true) => CallOutcome::ToolError,
                    label => label,
                };
                (result, label)
            }
        };
        self.app.metrics.tool_call(&tenant, plugin.name(), &tool.name, outcome, started.elapsed());
        let said =
            match (result.is_error.unwrap_or(false), result.content.first().and_then(|content| content.as_text())) {
                (false, _) => "ok".to_owned(),
                (true, Some(message)) => message.text.chars().take(500).collect(),
                (true, None) => "error".to_owned(),
            };
        let elapsed_ms = self.audit(record, started, said);
        tracing::info!(
            tenant = %tenant, tool = %name, version = %plugin.manifest.version,
            is_error = result.is_error.unwrap_or(false), elapsed_ms,
            "tool call"
        );
        Ok(result.into())
    }
}

/// How a runtime outcome counts in the metrics. A result the plugin marked
/// as an error, or one the host rejects, is refined by the caller.
fn outcome_label(outcome: &Result<Result<ToolResult, ToolError>, CallError>) -> CallOutcome {
    match outcome {
        Ok(Ok(_)) => CallOutcome::Ok,
        Ok(Err(_)) => CallOutcome::ToolError,
        Err(CallError::Limit(_)) => CallOutcome::LimitExceeded,
        Err(CallError::Crashed(_)) => CallOutcome::Crashed,
        Err(CallError::Busy(_)) => CallOutcome::Busy,
    }
}

fn failure(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// Turns a runtime outcome into the MCP result the client sees. Structured
/// output must be JSON that matches the tool's output schema, because MCP
/// clients reject results that do not; it is checked off the async workers
/// by `deadline`.
async fn to_mcp(
    runtime: &Runtime,
    tool: &ToolSpec,
    outcome: Result<Result<ToolResult, ToolError>, CallError>,
    deadline: std::time::Instant,
) -> CallToolResult {
    let result = match outcome {
        Ok(Ok(result)) => result,
        Ok(Err(error)) => return failure(error.describe()),
        Err(error) => {
            tracing::warn!(tool = %tool.name, "tool call failed in the host: {error}");
            return failure(error.to_string());
        }
    };
    let structured = match result.structured {
        Some(structured) => match runtime.check_output(tool, structured, deadline).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(problem)) => return failure(problem),
            Err(error) => return failure(error.to_string()),
        },
        None => None,
    };
    let content = result
        .content
        .into_iter()
        .map(|content| match content {
            Content::Text(text) | Content::Json(text) => ContentBlock::text(text),
            Content::ResourceLink(uri) => ContentBlock::resource_link(Resource::new(uri.clone(), uri)),
        })
        .collect();
    let mut mcp = if result.is_error { CallToolResult::error(content) } else { CallToolResult::success(content) };
    mcp.structured_content = structured;
    mcp
}
