//! The wasmtime runtime: one [`Engine`] for the host, one `InstancePre` per
//! loaded plugin, and a fresh `Store` for every call that belongs to exactly
//! one tenant.

pub mod bindings;
mod compile_cache;
pub mod engine;
mod file_digests;
mod guest;
mod guest_output;
mod legacy;
pub mod limits;
mod output;
mod plugin;
pub mod registry;
mod state;
pub mod tickets;
mod validation;
mod wasm;

pub use crate::capabilities::{CallScope, HostServices};
pub use engine::{Allocation, EngineOptions};
pub use limits::{LimitExceeded, Limits};
pub use plugin::{LoadedPlugin, PromptSpec, ToolSpec};
pub use state::CallState;
pub use wasm::{Wasm, WasmError, digest_of};

use crate::admission::{Gate, Refusal, Ticket};
use crate::capabilities::PluginGrants;
use crate::capabilities::client::Suspended;
use crate::log_safe;
use crate::policy::manifest::{ManifestError, ManifestLimits};
use crate::policy::schema::SchemaLimits;
use bindings::events::EventOutcome;
use bindings::types::{
    Completion, CompletionRequest, PromptResult, ResourceContents, ResourceInfo, ToolError, ToolResult,
};
use compile_cache::CompileCache;
use file_digests::FileDigests;
use guest::{Declared, Guest, GuestPre};
use std::sync::Arc;
use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

/// Interfaces of WASI 0.2 that the host links, deny-all (see
/// [`CallState::new`]). `wasi:http` is deliberately absent: Berth's `http`
/// is the one way out.
const WASI_PACKAGES: &[&str] =
    &["wasi:io/", "wasi:clocks/", "wasi:random/", "wasi:cli/", "wasi:filesystem/", "wasi:sockets/"];
/// Berth's own interfaces.
const BERTH_PACKAGE: &str = "berth:plugin/";
/// Whom instance slots are counted against while a plugin is validated at
/// load (no tenant): loads share one tenant's share of the instances, and
/// wait for a slot as long as their deadline allows.
const LOADING: &str = "(load)";
/// How wasmtime words the failure of a transfer past the hostcall fuel
/// (`wasmtime::component::HostcallFuelExhausted` is private); pinned by the
/// exact wasmtime version and by the tests of the transfer limit.
const HOSTCALL_FUEL_EXHAUSTED: &str = "fuel allocated for hostcalls has been exhausted";
/// How wasmtime-wasi words a `get-random-bytes` request past
/// `max_random_size` ("requested len N exceeds limit M").
const RANDOM_TOO_LARGE: &str = "requested len";

/// Why a component was refused at load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The bytes are not a WebAssembly component.
    #[error("not a WebAssembly component: {0}")]
    NotAComponent(String),
    /// Wasmtime could not compile it.
    #[error("the component does not compile: {0}")]
    Compile(String),
    /// Its bytes could not be read.
    #[error(transparent)]
    Unreadable(#[from] WasmError),
    /// It imports something the host does not provide.
    #[error(
        "the component imports `{0}`, which Berth does not provide (plugins may import berth:plugin/* and WASI 0.2 except wasi:http)"
    )]
    UnsupportedImport(String),
    /// Its imports do not match what the host provides.
    #[error("the component's imports do not match the host: {0}")]
    Link(String),
    /// `describe` or `list-tools` failed.
    #[error("describe() or list-tools() failed: {0}")]
    Describe(String),
    /// What it declared breaks a rule.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

/// Why a call produced no tool result.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// A limit stopped the guest.
    #[error(transparent)]
    Limit(#[from] LimitExceeded),
    /// The guest trapped (a panic or a bug).
    #[error("the plugin crashed: {0}")]
    Crashed(String),
    /// The guest asked its client for input that only a retry of the
    /// request can bring (see [`crate::capabilities::client::Suspended`]);
    /// the client's side knows what was asked.
    #[error("the call waits for its client's input")]
    InputRequired,
    /// No instance slot freed within the short wait: the tenant's share or
    /// the host's total was in use.
    #[error(transparent)]
    Busy(Refusal),
}

/// Compiles `wasm` after checking that it is a component at all.
fn compile(engine: &Engine, wasm: &Wasm) -> Result<Component, LoadError> {
    let bytes = wasm.bytes()?;
    if !wasmtime::wasmparser::Parser::is_component(&bytes) {
        let what = if wasmtime::wasmparser::Parser::is_core_wasm(&bytes) {
            "it is a core module; build for wasm32-wasip2 or wrap it with `wasm-tools component new`"
        } else {
            "it does not start with the WebAssembly header"
        };
        return Err(LoadError::NotAComponent(what.to_owned()));
    }
    Component::new(engine, &bytes)
        .map_err(|error| LoadError::Compile(log_safe::escape(&format!("{error:#}")).into_owned()))
}

/// The host's wasmtime runtime.
pub struct Runtime {
    engine: Engine,
    linker: Linker<CallState>,
    limits: Limits,
    services: HostServices,
    /// Instance slots, per tenant and in total.
    instances: Gate,
    manifest_limits: ManifestLimits,
    schema_limits: SchemaLimits,
    compile_cache: Option<Arc<CompileCache>>,
    /// Plugin-file digests, kept beside the compile cache.
    file_digests: Option<Arc<FileDigests>>,
}

/// Compile-cache lookups since the runtime started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Components whose compiled code came from the cache.
    pub hits: u64,
    /// Components compiled and then stored in the cache.
    pub misses: u64,
}

impl Runtime {
    /// A runtime enforcing `limits`, with its engine built per `options`, and
    /// `services` behind every plugin's capabilities.
    pub fn new(limits: Limits, options: EngineOptions, services: HostServices) -> wasmtime::Result<Self> {
        let engine = engine::build(&limits, options.allocation)?;
        let (compile_cache, file_digests) = match &options.compile_cache {
            Some(dir) => {
                let unusable = |error| {
                    wasmtime::Error::msg(format!("cannot open the compile cache in {}: {error}", dir.display()))
                };
                let cache = CompileCache::open(dir, &engine).map_err(unusable)?;
                let digests = FileDigests::open(&cache.dir().join("files")).map_err(unusable)?;
                (Some(Arc::new(cache)), Some(Arc::new(digests)))
            }
            None => (None, None),
        };
        engine::start_epoch_ticker(&engine);
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        crate::capabilities::add_to_linker(&mut linker)?;
        Ok(Self {
            engine,
            linker,
            limits,
            services,
            instances: Gate::new("sandbox calls", limits.max_instances, limits.instances_per_tenant()),
            manifest_limits: ManifestLimits::default(),
            schema_limits: SchemaLimits::default(),
            compile_cache,
            file_digests,
        })
    }

    /// The runtime with `manifest` and `schemas` bounding what plugins may
    /// declare (the defaults otherwise).
    pub fn with_declaration_limits(mut self, manifest: ManifestLimits, schemas: SchemaLimits) -> Self {
        self.manifest_limits = manifest;
        self.schema_limits = schemas;
        self
    }

    /// Compile-cache hits and misses so far; `None` when no cache is set.
    pub fn compile_cache_stats(&self) -> Option<CacheStats> {
        let (hits, misses) = self.compile_cache.as_ref()?.counts();
        Some(CacheStats { hits, misses })
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The services behind every plugin's capabilities.
    pub fn services(&self) -> &HostServices {
        &self.services
    }

    /// Instances running a call right now.
    pub fn instances_in_use(&self) -> u64 {
        self.instances.in_use() as u64
    }

    /// The component in the file at `path`, read and hashed off the async
    /// workers unless the file is unchanged since it was last hashed (see
    /// [`file_digests`]).
    pub async fn open_file(&self, path: &std::path::Path) -> Result<Wasm, WasmError> {
        let (digests, owned) = (self.file_digests.clone(), path.to_owned());
        let read = move || match digests {
            Some(digests) => digests.open_file(&owned),
            None => {
                let bytes = std::fs::read(&owned).map_err(|source| WasmError::Read { path: owned, source })?;
                let wasm = Wasm::from(bytes);
                wasm.digest();
                Ok(wasm)
            }
        };
        // A read that panicked, or never ran because the host is stopping, is
        // a file not read.
        tokio::task::spawn_blocking(read).await.unwrap_or_else(|error| {
            Err(WasmError::Read { path: path.to_owned(), source: std::io::Error::other(error.to_string()) })
        })
    }

    /// Validates, compiles and pre-instantiates `wasm`, then asks the plugin
    /// to describe itself in a store with no grants. With the compile
    /// cache warm, a component known by its digest is never read.
    pub async fn load(&self, wasm: impl Into<Wasm>) -> Result<LoadedPlugin, LoadError> {
        let wasm = wasm.into();
        // Hashing a large component (Python, JS) takes milliseconds of CPU,
        // and compiling it seconds; keep both off the async workers that
        // serve calls.
        let (engine, cache, compiling) = (self.engine.clone(), self.compile_cache.clone(), wasm.clone());
        let host = self.declarations_tag();
        let reading = host.clone();
        let (component, kept) = tokio::task::spawn_blocking(move || {
            let digest = compiling.digest().to_owned();
            let compile = || compile(&engine, &compiling);
            match cache {
                Some(cache) => {
                    let component = cache.component(&digest, compile)?;
                    Ok((component, cache.declarations::<Declared>(&digest, &reading)))
                }
                None => compile().map(|component| (component, None)),
            }
        })
        .await
        .map_err(|error| LoadError::Compile(error.to_string()))??;
        let imports: Vec<String> =
            component.component_type().imports(&self.engine).map(|(name, _)| name.to_owned()).collect();
        for name in &imports {
            let provided =
                name.starts_with(BERTH_PACKAGE) || WASI_PACKAGES.iter().any(|prefix| name.starts_with(prefix));
            if !provided {
                return Err(LoadError::UnsupportedImport(log_safe::quote(name)));
            }
        }
        let link = |error: wasmtime::Error| LoadError::Link(log_safe::escape(&format!("{error:#}")).into_owned());
        let instance_pre = self.linker.instantiate_pre(&component).map_err(link)?;
        let pre = GuestPre::new(instance_pre).map_err(link)?;
        let fresh = kept.is_none();
        let declared = match kept {
            Some(declared) => declared,
            None => self.describe(&pre).await?,
        };
        // Compiling a few hundred patterns is CPU work too. Declarations
        // that pass are kept, so the next load need not ask again.
        let (manifest_limits, schema_limits) = (self.manifest_limits, self.schema_limits);
        let (cache, digest) = (self.compile_cache.clone().filter(|_| fresh), wasm.digest().to_owned());
        let checked = tokio::task::spawn_blocking(move || {
            let kept = cache.as_ref().map(|_| declared.clone());
            let checked = plugin::check_declarations(declared, &manifest_limits, schema_limits)?;
            if let (Some(cache), Some(kept)) = (cache, kept) {
                cache.keep_declarations(&digest, &host, &kept);
            }
            Ok::<_, LoadError>(checked)
        })
        .await
        .map_err(|error| LoadError::Describe(error.to_string()))??;
        let grants = PluginGrants::of(&checked.manifest)?;
        Ok(LoadedPlugin {
            manifest: checked.manifest,
            tools: checked.tools,
            templates: checked.templates,
            prompts: checked.prompts,
            digest: wasm.digest().to_owned(),
            bytes: wasm.len(),
            imports,
            events: checked.events,
            grants,
            pre,
        })
    }

    /// What decides the answer to `describe` and `list-tools` besides the
    /// component: this host's version and every limit a load runs or
    /// checks under. Kept declarations serve only a host with the same tag.
    fn declarations_tag(&self) -> String {
        let host = format!(
            "{} {} {:?} {:?} {:?}",
            env!("CARGO_PKG_VERSION"),
            // What is kept: tools, templates, prompts and the event source.
            "declarations 3",
            self.limits,
            self.manifest_limits,
            self.schema_limits
        );
        digest_of(host.as_bytes())
    }

    /// Asks for the plugin's declarations with no grants and a placeholder
    /// identity: a plugin must be able to say what it is without any access.
    async fn describe(&self, pre: &GuestPre) -> Result<Declared, LoadError> {
        let state =
            CallState::new(&PluginGrants::none(), CallScope::default(), "describe", self.limits, &self.services);
        let run = async |store: &mut Store<CallState>, guest: Guest| guest.declarations(store).await;
        self.run(pre, None, state, run).await.map_err(|error| LoadError::Describe(error.to_string()))
    }

    /// Runs tool `tool` of `plugin` for `scope` with JSON `arguments` in a
    /// fresh store. A guest-reported failure is the inner `Err`.
    pub async fn call(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        tool: &str,
        arguments: &str,
    ) -> Result<Result<ToolResult, ToolError>, CallError> {
        let run = async |store: &mut Store<CallState>, guest: Guest| guest.call_tool(store, tool, arguments).await;
        let outcome = self.invoke(plugin, scope, tool, run).await?;
        output::check(&outcome, &self.limits)?;
        Ok(outcome)
    }

    /// The resources `plugin` offers `scope`'s tenant right now.
    pub async fn list_resources(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
    ) -> Result<Result<Vec<ResourceInfo>, ToolError>, CallError> {
        self.invoke(plugin, scope, "(list-resources)", async |store, guest| guest.list_resources(store).await).await
    }

    /// Reads the resource at `uri` of `plugin` for `scope`.
    pub async fn read_resource(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        uri: &str,
    ) -> Result<Result<Vec<ResourceContents>, ToolError>, CallError> {
        let run = async |store: &mut Store<CallState>, guest: Guest| guest.read_resource(store, uri).await;
        let outcome = self.invoke(plugin, scope, "(read-resource)", run).await?;
        if let Ok(contents) = &outcome {
            output::check_contents(contents, &self.limits)?;
        }
        Ok(outcome)
    }

    /// Builds prompt `name` of `plugin` from `arguments` for `scope`.
    pub async fn get_prompt(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        name: &str,
        arguments: &[(String, String)],
    ) -> Result<Result<PromptResult, ToolError>, CallError> {
        let run = async |store: &mut Store<CallState>, guest: Guest| guest.get_prompt(store, name, arguments).await;
        let outcome = self.invoke(plugin, scope, name, run).await?;
        if let Ok(prompt) = &outcome {
            output::check_prompt(prompt, &self.limits)?;
        }
        Ok(outcome)
    }

    /// Asks `plugin` to complete a prompt argument or a template variable.
    pub async fn complete(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        request: &CompletionRequest,
    ) -> Result<Result<Completion, ToolError>, CallError> {
        self.invoke(plugin, scope, "(complete)", async |store, guest| guest.complete(store, request).await).await
    }

    /// Runs ticket operation `operation` on `plugin` for `scope`; a plugin
    /// that is no ticket system answers `not-found`.
    pub async fn ticketing<O: tickets::TicketOperation>(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        operation: O,
    ) -> Result<Result<O::Output, ToolError>, CallError> {
        let run = async |store: &mut Store<CallState>, guest: Guest| match guest.ticketing() {
            Some(desk) => operation.send(store, desk).await,
            None => Ok(Err(ToolError::NotFound(format!("`{}` is not a ticket system", plugin.name())))),
        };
        self.invoke(plugin, scope, O::EXPORT, run).await
    }

    /// Hands one verified webhook to `plugin`'s `handle-event` for `scope`:
    /// what changed, or the plugin's reason it could not tell.
    pub async fn handle_event(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        headers: &[(String, String)],
        body: &[u8],
    ) -> Result<Result<EventOutcome, String>, CallError> {
        let run = async |store: &mut Store<CallState>, guest: Guest| guest.handle_event(store, headers, body).await;
        self.invoke(plugin, scope, "handle-event", run).await
    }

    /// Runs `body` on a fresh instance of `plugin` for `scope`; `what` names
    /// the export or tool in the log.
    async fn invoke<R>(
        &self,
        plugin: &LoadedPlugin,
        scope: CallScope,
        what: &str,
        body: impl AsyncFnOnce(&mut Store<CallState>, Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let tenant = scope.tenant.clone();
        let state = CallState::new(&plugin.grants, scope, what, self.limits, &self.services);
        self.run(&plugin.pre, tenant.as_ref(), state, body).await
    }

    /// Instantiates `pre` in a fresh store holding `state` and runs `body`
    /// under every limit, translating traps into [`CallError`]s. One deadline,
    /// the state's, covers waiting for an instance slot, guest CPU and host
    /// I/O. The slot is counted against `tenant` (none: a load).
    async fn run<R>(
        &self,
        pre: &GuestPre,
        tenant: Option<&Arc<str>>,
        state: CallState,
        body: impl AsyncFnOnce(&mut Store<CallState>, Guest) -> wasmtime::Result<R>,
    ) -> Result<R, CallError> {
        let deadline = tokio::time::Instant::from_std(state.deadline);
        let _slot = self.instance_slot(tenant, deadline).await?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limiter);
        // What lifting a result (or a request, or a log record) out of the
        // sandbox may cost the host, counted before the host allocates it.
        store.set_hostcall_fuel(self.limits.transfer_bytes());
        // Check the clock at every epoch tick and yield to the scheduler in
        // between, so a spinning guest never monopolises a worker thread and
        // the timeout and cancellation below can always act.
        store.set_epoch_deadline(1);
        let guest_deadline = deadline.into_std();
        store.epoch_deadline_callback(move |_| {
            Ok(if std::time::Instant::now() >= guest_deadline {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Yield(1)
            })
        });
        let work = async {
            let guest = pre.instantiate(&mut store).await?;
            body(&mut store, guest).await
        };
        let outcome = tokio::time::timeout_at(deadline, work).await;
        store.data().finish_output();
        match outcome {
            Ok(outcome) => outcome.map_err(|error| self.classify(store.data(), error)),
            Err(_) => Err(LimitExceeded::Deadline(self.limits.call_timeout_ms).into()),
        }
    }

    /// An instance slot for `tenant`'s call: its share and the total, waited
    /// for only briefly, so a full host answers `busy` at once rather than
    /// spending the call's deadline in a queue. A load (no tenant) waits as
    /// long as its deadline allows.
    async fn instance_slot(
        &self,
        tenant: Option<&Arc<str>>,
        deadline: tokio::time::Instant,
    ) -> Result<Ticket, CallError> {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let (owner, wait) = match tenant {
            Some(tenant) => (tenant.clone(), remaining.min(self.limits.instance_wait())),
            None => (Arc::from(LOADING), remaining),
        };
        self.instances.enter_within(&owner, wait).await.map_err(CallError::Busy)
    }

    /// Names the limit behind a trap, or describes the crash.
    fn classify(&self, state: &CallState, error: wasmtime::Error) -> CallError {
        // First: a guest that stopped to ask its client ran into nothing.
        if error.downcast_ref::<Suspended>().is_some() {
            return CallError::InputRequired;
        }
        if let Some(limit) = state.limiter.hit() {
            return limit.clone().into();
        }
        let cause = error.root_cause().to_string();
        if cause.contains(HOSTCALL_FUEL_EXHAUSTED) {
            return LimitExceeded::Transfer(self.limits.transfer_kib).into();
        }
        if cause.starts_with(RANDOM_TOO_LARGE) {
            return LimitExceeded::Random(self.limits.random_kib).into();
        }
        if let Some(Trap::Interrupt) = error.downcast_ref::<Trap>() {
            return LimitExceeded::Deadline(self.limits.call_timeout_ms).into();
        }
        if let Some(wasmtime::component::ResourceTableError::Full) = error.downcast_ref() {
            return LimitExceeded::ResourceHandles(self.limits.resource_handles).into();
        }
        if error.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
            return CallError::Busy(Refusal::Host("sandbox calls"));
        }
        tracing::debug!("guest trap: {error:?}");
        let mut message = match error.downcast_ref::<Trap>() {
            Some(trap) => trap.to_string(),
            None => error.root_cause().to_string(),
        };
        let stderr = state.stderr.tail();
        if !stderr.is_empty() {
            message = format!("{message} (stderr: {stderr})");
        }
        // The trap message and stderr are the guest's words, and this error
        // is logged.
        CallError::Crashed(log_safe::escape(&message).into_owned())
    }
}
