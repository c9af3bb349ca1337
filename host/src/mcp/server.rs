//! [`BerthServer`]: the hand-written rmcp `ServerHandler` that lists the
//! tenant's tools as `{plugin}_{tool}` and routes calls to the runtime.
//! Resources and prompts are served in [`super::resources`] and
//! [`super::prompts`], and the host's own `tickets_*` tools in
//! [`super::tickets`].
//!
//! A tool that fails (a guest error, a limit, bad arguments) is a successful
//! JSON-RPC response with `isError: true`, so the model sees what happened;
//! a protocol failure (an unknown tool) is a JSON-RPC error.

use crate::admission::{SessionTicket, Ticket};
use crate::app::App;
use crate::audit::{self, CallRecord};
use crate::auth::Principal;
use crate::auth::roles::{Missing, ToolKind};
use crate::mcp::client_log::{self, SessionLog};
use crate::mcp::connect::URL_ELICITATION_REQUIRED;
use crate::mcp::input_required::{Answer, Client, Retry, missing_capability};
use crate::mcp::sessions::Registration;
use crate::mcp::tickets::TicketTool;
use crate::mcp::untrusted::clean;
use crate::mcp::{content, paging};
use crate::metrics::CallOutcome;
use crate::policy::echo::clip;
use crate::policy::manifest::{qualified_name, split_qualified_name};
use crate::runtime::bindings::types::{ToolError, ToolResult};
use crate::runtime::{CallError, CallScope, LoadedPlugin, Runtime, ToolSpec};
use crate::snapshot::{Generation, SnapshotError};
use crate::tenants::HiddenText;
use crate::tenants::PluginAccess;
use crate::vault::VaultError;
use rmcp::ErrorData;
use rmcp::handler::server::ServerHandler;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestParams, CompleteResult, ContentBlock,
    DiscoverResult, ErrorCode, GetPromptRequestParams, GetPromptResponse, Implementation, InitializeRequestParams,
    InitializeResult, ListPromptsResult, ListResourceTemplatesResult, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ReadResourceRequestParams, ReadResourceResponse, ServerCapabilities, ServerConfig,
    SubscribeRequestParams, SubscriptionFilter, Tool, ToolAnnotations, UnsubscribeRequestParams,
};
use rmcp::service::{NotificationContext, RequestContext, RoleServer, SubscriptionContext};
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

/// Serves one MCP session, always for exactly one tenant.
#[derive(Clone)]
pub struct BerthServer {
    pub(super) app: Arc<App>,
    tenant: TenantSource,
    transport: &'static str,
    /// Keeps the session in [`App::sessions`] while any clone of this
    /// handler lives, so it hears about tool changes and resource updates.
    pub(super) registration: Arc<OnceLock<Registration>>,
    /// The log level the client asked for, if it did.
    log: SessionLog,
}

#[derive(Clone)]
enum TenantSource {
    /// Known when the session starts (stdio, legacy SSE).
    Fixed(Principal),
    /// Bound by the first authenticated request of the session (Streamable
    /// HTTP), which also hands over the session's admission ticket.
    Bound(Arc<OnceLock<Binding>>),
}

struct Binding {
    tenant: Arc<str>,
    _session: Option<Ticket>,
}

impl BerthServer {
    /// A session of `principal` on `app` over `transport` (`stdio`, `sse`;
    /// for the audit log).
    pub fn new(app: Arc<App>, principal: Principal, transport: &'static str) -> Self {
        Self {
            app,
            tenant: TenantSource::Fixed(principal),
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

    /// The tenant this request runs as.
    pub(super) fn tenant(&self, context: &RequestContext<RoleServer>) -> Result<Arc<str>, ErrorData> {
        Ok(self.principal(context)?.tenant)
    }

    /// Who this request runs as. A session never changes tenant: a request
    /// authenticated as another tenant is refused. Within its tenant each
    /// request brings its own principal, so a session whose token was
    /// renewed with other roles acts with the new ones.
    pub(super) fn principal(&self, context: &RequestContext<RoleServer>) -> Result<Principal, ErrorData> {
        let binding = match &self.tenant {
            TenantSource::Fixed(principal) => return Ok(principal.clone()),
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
        Ok(principal.clone())
    }

    /// What `principal`'s tenant grants `plugin` for one call by them that
    /// must be over by `deadline`: settings and credentials (per-user ones
    /// with their own tokens, see [`super::connect`]), from the snapshot
    /// `generation` (read at the start of the call), and where the
    /// plugin's change notices go. The caller adds the client, if the call
    /// has one.
    pub(super) async fn scope(
        &self,
        generation: &Generation,
        principal: &Principal,
        plugin: &LoadedPlugin,
        call_id: String,
        deadline: std::time::Instant,
    ) -> Result<CallScope, ErrorData> {
        let tenant = &principal.tenant;
        let grants = self
            .app
            .snapshot
            .grants(generation, &self.app.vault, tenant, plugin.name())
            .await
            .map_err(snapshot_error)?;
        Ok(CallScope {
            tenant: Some(tenant.clone()),
            config: grants.config.clone(),
            credentials: self.as_person(generation, principal, plugin.name(), &grants.credentials).await?,
            call_id: Some(call_id),
            deadline: Some(deadline),
            client_log: None,
            client: None,
            changes: Some(self.app.sessions.clone()),
        })
    }

    /// The snapshot as of now, and which plugins `tenant` may use in it.
    pub(super) async fn access(&self, tenant: &Arc<str>) -> Result<(Arc<Generation>, Arc<PluginAccess>), ErrorData> {
        let generation = self.app.snapshot.current().await.map_err(snapshot_error)?;
        let access = self.app.snapshot.access(&generation, tenant).await.map_err(snapshot_error)?;
        Ok((generation, access))
    }

    /// The plugins `tenant` may use now.
    pub(super) async fn plugins(&self, tenant: &Arc<str>) -> Result<Vec<Arc<LoadedPlugin>>, ErrorData> {
        let (_, access) = self.access(tenant).await?;
        Ok(self.plugins_in(&access))
    }

    /// The plugins `access` allows.
    pub(super) fn plugins_in(&self, access: &PluginAccess) -> Vec<Arc<LoadedPlugin>> {
        self.app.plugins.snapshot().values().filter(|plugin| access.allows(plugin.name())).cloned().collect()
    }

    /// The tools `principal` may see and call, as MCP clients see them.
    async fn tools(&self, principal: &Principal) -> Result<Vec<Tool>, ErrorData> {
        let plugins = self.plugins(&principal.tenant).await?;
        let mut tools = Self::ticket_tools(&plugins);
        tools.extend(plugins.iter().flat_map(|plugin| plugin.tools.iter().map(|tool| describe_tool(plugin, tool))));
        tools.retain(|tool| principal.permissions.allows(&tool.name, kind(tool)));
        Ok(tools)
    }

    /// The plugin behind `name` and the index of the tool in it, if `tenant`
    /// may call it, with the snapshot the call reads. A tool of a plugin the
    /// tenant has not enabled is as unknown as a missing one.
    async fn find(
        &self,
        tenant: &Arc<str>,
        name: &str,
    ) -> Result<(Arc<LoadedPlugin>, usize, Arc<Generation>), ErrorData> {
        let unknown = || ErrorData::invalid_params(format!("unknown tool `{}`", clip(name)), None);
        let (plugin, tool) = split_qualified_name(name).ok_or_else(unknown)?;
        let (generation, access) = self.access(tenant).await?;
        if !access.allows(plugin) {
            return Err(unknown());
        }
        let plugin = self.app.plugins.get(plugin).ok_or_else(unknown)?;
        let index = plugin.tools.iter().position(|spec| spec.name == tool).ok_or_else(unknown)?;
        Ok((plugin, index, generation))
    }

    /// The audit record of a call of `what` (a tool, or an export such as
    /// `resources/read`) of `plugin` by `principal` with `arguments`, started
    /// now; its outcome and duration are filled in by [`Self::audit`].
    pub(super) fn record(
        &self,
        principal: &Principal,
        (plugin, version): (&str, &str),
        what: &str,
        arguments: &Value,
    ) -> CallRecord {
        CallRecord {
            call_id: audit::call_id(),
            at_ms: audit::now_ms(),
            tenant: principal.tenant.to_string(),
            principal: principal.audit_name(),
            roles: principal.permissions.roles().join(","),
            transport: self.transport.to_owned(),
            plugin: plugin.to_owned(),
            version: version.to_owned(),
            tool: what.to_owned(),
            arguments: audit::redact_arguments(arguments),
            outcome: String::new(),
            duration_ms: 0,
            requests: Vec::new(),
        }
    }

    /// Runs an export other than `call-tool` of `plugin` for `tenant`, with
    /// the grants of `generation` and no client to ask: `what` and
    /// `arguments` name it in the audit log, where it is recorded like a
    /// tool call with its upstream requests. A failure in the host is the
    /// outer error; what the guest reports, the inner one.
    pub(super) async fn export<R>(
        &self,
        target: (&Principal, &LoadedPlugin, &Generation),
        what: &str,
        arguments: Value,
        run: impl AsyncFnOnce(CallScope) -> Result<Result<R, ToolError>, CallError>,
    ) -> Result<Result<R, ToolError>, ErrorData> {
        match self.export_asking(target, what, arguments, None, run).await? {
            Answer::Complete(outcome) => Ok(outcome),
            Answer::InputRequired(_) => Err(internal(format!("{what} asked for input without a client"))),
        }
    }

    /// [`Self::export`] for an export whose plugin may ask `client` for
    /// input (`prompts/get`, `resources/read`).
    pub(super) async fn export_asking<R>(
        &self,
        (principal, plugin, generation): (&Principal, &LoadedPlugin, &Generation),
        what: &str,
        arguments: Value,
        client: Option<&Client>,
        run: impl AsyncFnOnce(CallScope) -> Result<Result<R, ToolError>, CallError>,
    ) -> Result<Answer<R>, ErrorData> {
        let started = Instant::now();
        let tenant = &principal.tenant;
        let record = self.record(principal, (plugin.name(), &plugin.manifest.version), what, &arguments);
        let scope = self.scope(generation, principal, plugin, record.call_id.clone(), self.app.runtime.deadline());
        let mut scope = match scope.await {
            Ok(scope) => scope,
            // Refused before the plugin ran (not connected, or no person): audited too.
            Err(error) if error.code == URL_ELICITATION_REQUIRED || error.code == ErrorCode::INVALID_REQUEST => {
                self.audit(record, started, format!("refused: {}", error.message)).await;
                return Err(error);
            }
            Err(error) => return Err(error),
        };
        scope.client = client.map(|client| client.client.clone());
        let outcome = run(scope).await;
        let said = match &outcome {
            Ok(Ok(_)) => "ok".to_owned(),
            Ok(Err(error)) => error.describe(),
            Err(error) => error.to_string(),
        };
        self.audit(record, started, said.chars().take(500).collect()).await;
        match (outcome, client) {
            (Ok(outcome), _) => Ok(Answer::Complete(outcome)),
            (Err(CallError::InputRequired), Some(client)) => Ok(Answer::InputRequired(self.input_required(client)?)),
            (Err(error), _) => {
                tracing::warn!(tenant = %tenant, plugin = %plugin.name(), "{what} failed in the host: {error}");
                Err(ErrorData::internal_error(error.to_string(), None))
            }
        }
    }

    /// Writes the call's audit record with its `outcome`, committed before
    /// the answer when `[audit] commit_before_answer` asks; returns its
    /// duration in ms.
    pub(super) async fn audit(&self, mut record: CallRecord, started: Instant, outcome: String) -> i64 {
        record.duration_ms = started.elapsed().as_millis() as i64;
        // What the record already says (who approved the call) follows.
        record.outcome = match record.outcome.as_str() {
            "" => outcome,
            noted => format!("{outcome} ({noted})"),
        };
        let duration_ms = record.duration_ms;
        self.app.audit.call(record);
        self.app.audit.answered().await;
        duration_ms
    }
}

/// A failure on the host's side as the agent sees it: a short message with
/// an id the operator can find in the log. The detail goes only to the log:
/// it may quote the database or the vault, which are none of the agent's
/// business.
/// A snapshot that could not be read: a rotated vault key is guidance for
/// the operator that quotes nothing stored; anything else is internal.
pub(super) fn snapshot_error(error: SnapshotError) -> ErrorData {
    match error {
        SnapshotError::Vault(error @ VaultError::Rotated) => ErrorData::internal_error(error.to_string(), None),
        error => internal(error),
    }
}

/// What a guest reported from an export other than `call-tool`, as a
/// JSON-RPC error: the caller's mistakes as invalid params, the rest as
/// internal errors, each in the plugin's words naming the case.
pub(super) fn guest_error(error: ToolError) -> ErrorData {
    match error {
        ToolError::MissingCapability(capability) => missing_capability(&capability),
        ToolError::NotFound(_) | ToolError::InvalidArguments(_) => ErrorData::invalid_params(error.describe(), None),
        error => ErrorData::internal_error(error.describe(), None),
    }
}

pub(super) fn internal(detail: impl std::fmt::Display) -> ErrorData {
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
        let capabilities = ServerCapabilities::builder()
            .enable_tools()
            .enable_tool_list_changed()
            .enable_logging()
            .enable_prompts()
            .enable_prompts_list_changed()
            .enable_resources()
            .enable_resources_list_changed()
            .enable_resources_subscribe()
            .enable_completions()
            .build();
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("berth", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Tools and prompts are named {plugin}_{name}, and resources {plugin}://...; each call runs in a \
             sandbox on behalf of your tenant.",
            )
    }

    /// What this tenant's plugins offer, exactly: prompts only when one of
    /// them has prompts, resources only when one can serve them, completion
    /// only when there is a prompt or a template to complete.
    async fn discover(&self, context: RequestContext<RoleServer>) -> Result<DiscoverResult, ErrorData> {
        let tenant = self.tenant(&context)?;
        let plugins = self.plugins(&tenant).await?;
        let mut info = self.get_info();
        let declared = &mut info.capabilities;
        let prompts = plugins.iter().any(|plugin| !plugin.prompts.is_empty());
        let templates = plugins.iter().any(|plugin| !plugin.templates.is_empty());
        if !prompts {
            declared.prompts = None;
        }
        if !plugins.iter().any(|plugin| plugin.serves_resources()) {
            declared.resources = None;
        }
        if !prompts && !templates {
            declared.completions = None;
        }
        Ok(DiscoverResult::from_server_info(self.supported_protocol_versions().into_owned(), info))
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
            TenantSource::Fixed(principal) => principal.tenant.clone(),
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
        let principal = self.principal(&context)?;
        let (tools, next) = paging::respond(
            self.tools(&principal).await?,
            |tool| tool.name.as_ref(),
            request.as_ref(),
            self.app.mcp.page_size,
        )?;
        let mut result = ListToolsResult::with_all_items(tools);
        result.next_cursor = next;
        Ok(result)
    }

    /// A 2026-07-28 client's `subscriptions/listen`: whatever it asks for
    /// that the server declares (the SDK narrows it to that).
    fn accepted_subscription_filter(&self, requested: &SubscriptionFilter) -> Option<SubscriptionFilter> {
        Some(requested.clone())
    }

    /// Forwards the tenant's tool list changes and the resource updates the
    /// stream asked for until the client ends it.
    async fn listen(&self, context: SubscriptionContext) -> Result<(), ErrorData> {
        let tenant = self.tenant(context.request_context())?;
        let (_listening, mut notices) = self.app.sessions.listen(tenant, context.accepted());
        loop {
            tokio::select! {
                () = context.cancelled() => return Ok(()),
                notice = notices.recv() => {
                    let Some(notice) = notice else { return Ok(()) };
                    if context.sink().send(notice).await.is_err() {
                        return Ok(());
                    }
                }
            }
        }
    }

    async fn list_resources(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        self.resources(request, context).await
    }

    async fn list_resource_templates(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        self.resource_templates(request, context).await
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        self.read(request, context).await
    }

    #[allow(deprecated)]
    async fn subscribe(
        &self,
        request: SubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscription(&request.uri, true, context)
    }

    #[allow(deprecated)]
    async fn unsubscribe(
        &self,
        request: UnsubscribeRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), ErrorData> {
        self.subscription(&request.uri, false, context)
    }

    async fn list_prompts(
        &self,
        request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListPromptsResult, ErrorData> {
        self.prompts(request, context).await
    }

    async fn get_prompt(
        &self,
        request: GetPromptRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetPromptResponse, ErrorData> {
        self.prompt(request, context).await
    }

    async fn complete(
        &self,
        request: CompleteRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CompleteResult, ErrorData> {
        self.completion(request, context).await
    }

    async fn call_tool(
        &self,
        mut request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let principal = self.principal(&context)?;
        let tenant = principal.tenant.clone();
        let name = request.name.to_string();
        if let Some(tool) = TicketTool::named(&name) {
            principal.permissions.check(&name, tool.kind()).map_err(|missing| not_permitted(&name, &missing))?;
            let arguments = Value::Object(request.arguments.take().unwrap_or_default());
            let (generation, _) = self.access(&tenant).await?;
            let hidden_text = self.hidden_text(&generation, &tenant).await?;
            let client = self.client(&context, (&tenant, hidden_text), tool_retry(&mut request, &name, &arguments))?;
            let mut record = self.record(&principal, (super::tickets::DESK, ""), &name, &arguments);
            let gate = (&*generation, &principal, &client, tool.kind());
            if let Some((_, said, response)) = self.gate(gate, &name, &arguments, &mut record).await? {
                self.audit(record, Instant::now(), said).await;
                return response;
            }
            let started = Instant::now();
            let answer = self.call_ticket_tool(&principal, tool, arguments).await;
            if !record.outcome.is_empty() {
                // An approval is the desk's own: audited beside the systems' calls.
                let said = answer.as_ref().map_or_else(|error| error.message.to_string(), said);
                self.audit(record, started, said).await;
            }
            return answer.map(Into::into);
        }
        let (plugin, index, generation) = self.find(&tenant, &name).await?;
        let tool = &plugin.tools[index];
        let arguments = Value::Object(request.arguments.take().unwrap_or_default());
        let call = Finished { tenant: &tenant, plugin: &plugin, name: &name, started: Instant::now() };
        let record = self.record(&principal, (plugin.name(), &plugin.manifest.version), &tool.name, &arguments);
        let annotated = ToolKind { read_only: tool.annotations.read_only, destructive: tool.annotations.destructive };
        if let Err(missing) = principal.permissions.check(&name, annotated) {
            self.finish(call, record, CallOutcome::Refused, format!("refused: {missing}")).await;
            return Err(not_permitted(&name, &missing));
        }
        let hidden_text = self.hidden_text(&generation, &tenant).await?;
        let client = self.client(&context, (&tenant, hidden_text), tool_retry(&mut request, &name, &arguments))?;
        let mut record = record;
        let gate = (&*generation, &principal, &client, annotated);
        if let Some((outcome, said, response)) = self.gate(gate, &name, &arguments, &mut record).await? {
            self.finish(call, record, outcome, said).await;
            return response;
        }
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
                        let scope = self.scope(&generation, &principal, &plugin, record.call_id.clone(), deadline);
                        let mut scope = match scope.await {
                            Ok(scope) => scope,
                            Err(error) if error.code == URL_ELICITATION_REQUIRED => {
                                let said = format!("not connected: {}", error.message);
                                self.finish(call, record, CallOutcome::NotConnected, said).await;
                                return Err(error);
                            }
                            Err(error) if error.code == ErrorCode::INVALID_REQUEST => {
                                let said = format!("refused: {}", error.message);
                                self.finish(call, record, CallOutcome::Refused, said).await;
                                return Err(error);
                            }
                            Err(error) => return Err(error),
                        };
                        scope.client_log = client_log;
                        scope.client = Some(client.client.clone());
                        let run = self.app.runtime.call(&plugin, scope, &tool.name, &serialized);
                        let forwarding = (&context.peer, plugin.name(), hidden_text);
                        let run = client_log::alongside(run, records, forwarding, deadline);
                        tokio::select! {
                            outcome = run => outcome,
                            () = context.ct.cancelled() => {
                                // The upstream requests it made are audited; so is the call.
                                self.finish(call, record, CallOutcome::Cancelled, "cancelled by the client".to_owned()).await;
                                return Err(ErrorData::internal_error("the call was cancelled", None));
                            }
                        }
                    }
                    Err(error) => Err(error),
                };
                // Two outcomes are no tool result but a protocol answer.
                match &outcome {
                    Err(CallError::InputRequired) => {
                        self.finish(call, record, CallOutcome::InputRequired, "input required".to_owned()).await;
                        return self.input_required(&client).map(Into::into);
                    }
                    Ok(Err(error @ ToolError::MissingCapability(capability))) => {
                        self.finish(call, record, CallOutcome::ToolError, error.describe()).await;
                        return Err(missing_capability(capability));
                    }
                    _ => {}
                }
                let label = outcome_label(&outcome);
                let result = to_mcp(&self.app.runtime, tool, outcome, deadline, hidden_text).await;
                let label = match label {
                    CallOutcome::Ok if result.is_error == Some(true) => CallOutcome::ToolError,
                    label => label,
                };
                (result, label)
            }
        };
        self.finish(call, record, outcome, said(&result)).await;
        Ok(result.into())
    }
}

/// A tool call that has ended, to count, audit and log.
#[derive(Clone, Copy)]
struct Finished<'a> {
    tenant: &'a str,
    plugin: &'a LoadedPlugin,
    /// The tool's name as the client gave it.
    name: &'a str,
    started: Instant,
}

impl BerthServer {
    /// Counts, audits and logs `call`, which ended with `outcome`; `said`
    /// is what the audit log keeps of it.
    async fn finish(&self, call: Finished<'_>, record: CallRecord, outcome: CallOutcome, said: String) {
        let Finished { tenant, plugin, name, started } = call;
        self.app.metrics.tool_call(tenant, plugin.name(), &record.tool, outcome, started.elapsed());
        let elapsed_ms = self.audit(record, started, said).await;
        let is_error = !matches!(outcome, CallOutcome::Ok | CallOutcome::InputRequired);
        tracing::info!(
            tenant = %tenant, tool = %name, version = %plugin.manifest.version,
            is_error, outcome = outcome.as_str(), elapsed_ms,
            "tool call"
        );
    }
}

/// What a `tools/call` of `name` with `arguments` carries for a client
/// without a session: its state and answers, taken from `request`.
fn tool_retry<'a>(request: &mut CallToolRequestParams, name: &'a str, arguments: &'a Value) -> Retry<'a> {
    Retry {
        method: "tools/call",
        target: name,
        arguments,
        state: request.request_state.take(),
        responses: request.input_responses.take(),
    }
}

/// The refusal of a call of `name` that the caller's roles do not permit,
/// naming what is missing.
fn not_permitted(name: &str, missing: &Missing) -> ErrorData {
    ErrorData::invalid_request(format!("the tool `{}` is not permitted: {missing}", clip(name)), None)
}

/// What a tool as clients see it says about itself, for permissions:
/// MCP's defaults where it says nothing (not read-only; destructive unless
/// read-only).
fn kind(tool: &Tool) -> ToolKind {
    let annotations = tool.annotations.as_ref();
    let read_only = annotations.and_then(|hints| hints.read_only_hint).unwrap_or(false);
    let destructive = !read_only && annotations.and_then(|hints| hints.destructive_hint).unwrap_or(true);
    ToolKind { read_only, destructive }
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
        Err(CallError::InputRequired) => CallOutcome::InputRequired,
    }
}

/// What the audit log keeps of a tool result: `ok`, or the start of
/// its error.
fn said(result: &CallToolResult) -> String {
    match (result.is_error.unwrap_or(false), result.content.first().and_then(|content| content.as_text())) {
        (false, _) => "ok".to_owned(),
        (true, Some(message)) => message.text.chars().take(500).collect(),
        (true, None) => "error".to_owned(),
    }
}

pub(super) fn failure(message: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(message)])
}

/// Turns a runtime outcome into the MCP result the client sees, with the
/// plugin's text scrubbed unless `hidden_text` keeps it. Structured output
/// must be JSON that matches the tool's output schema, because MCP clients
/// reject results that do not; it is checked off the async workers by
/// `deadline`, then scrubbed as a value.
async fn to_mcp(
    runtime: &Runtime,
    tool: &ToolSpec,
    mut outcome: Result<Result<ToolResult, ToolError>, CallError>,
    deadline: std::time::Instant,
    hidden_text: HiddenText,
) -> CallToolResult {
    if let Ok(answer) = &mut outcome {
        clean(hidden_text, answer);
    }
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
            Ok(Ok(mut value)) => {
                clean(hidden_text, &mut value);
                Some(value)
            }
            Ok(Err(problem)) => return failure(problem),
            Err(error) => return failure(error.to_string()),
        },
        None => None,
    };
    let content = result.content.into_iter().map(content::block).collect();
    let mut mcp = if result.is_error { CallToolResult::error(content) } else { CallToolResult::success(content) };
    mcp.structured_content = structured;
    mcp
}
