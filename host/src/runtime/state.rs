//! [`CallState`]: the data of one call's `Store`. It belongs to exactly one
//! tenant and one plugin version and is dropped when the call ends, so
//! nothing a guest does can leak into another tenant's call.

use super::guest_output::{GuestOutput, Stream};
use super::limits::{CallLimiter, Limits};
use crate::audit::AuditLog;
use crate::capabilities::cache::{CacheCtx, CacheStore};
use crate::capabilities::changes::{ChangesCtx, ResourceChanges};
use crate::capabilities::client::{CallClient, ClientCtx};
use crate::capabilities::config::ConfigCtx;
use crate::capabilities::http::HttpCtx;
use crate::capabilities::log::{ClientLog, LogBudget, LogCtx};
use crate::capabilities::secrets::{SecretsCtx, Stored};
use crate::metrics::Metrics;
use crate::policy::egress::{EgressPolicy, EgressTemplate};
use crate::upstream::Upstream;
use crate::vault::Credential;
use crate::vault::oauth::TokenCache;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// Who a call runs for and what that tenant granted the plugin.
#[derive(Debug, Clone, Default)]
pub struct CallScope {
    /// The tenant; `None` while a plugin is validated at load, which runs
    /// with no grants at all.
    pub tenant: Option<Arc<str>>,
    /// The tenant's settings for the plugin (before manifest defaults).
    pub config: BTreeMap<String, String>,
    /// The tenant's credentials for the plugin, decrypted for this call.
    pub credentials: Vec<Credential>,
    /// The audit id of the tool call this is, if it is audited.
    pub call_id: Option<String>,
    /// When the call must be over; `None` counts the call timeout from when
    /// the runtime starts it. The MCP layer sets it when the request
    /// arrives, so that validating the arguments counts against the call.
    pub deadline: Option<Instant>,
    /// Where the guest's log records also go: the MCP client that made the
    /// call, if it asked for them.
    pub client_log: Option<ClientLog>,
    /// The MCP client that made the call, for progress, elicitation and
    /// sampling; `None` when there is none to ask.
    pub client: Option<Arc<dyn CallClient>>,
    /// Where the plugin's change notices go (the tenant's subscribers).
    pub changes: Option<Arc<dyn ResourceChanges>>,
}

impl CallScope {
    /// A scope for `tenant` with no settings or secrets.
    pub fn tenant(tenant: impl Into<Arc<str>>) -> Self {
        Self { tenant: Some(tenant.into()), ..Self::default() }
    }
}

/// The parts of a plugin's manifest that shape its capabilities.
#[derive(Debug, Clone)]
pub(crate) struct PluginGrants {
    pub name: Arc<str>,
    pub egress: Arc<[EgressTemplate]>,
    pub credentials: Arc<[String]>,
    pub config_defaults: BTreeMap<String, String>,
}

/// Host services every call shares.
#[derive(Clone)]
pub struct HostServices {
    /// Backs every plugin's `cache`.
    pub cache: Arc<CacheStore>,
    /// Performs every plugin's `http`.
    pub upstream: Arc<Upstream>,
    /// OAuth2 access tokens, shared so concurrent calls refresh once.
    pub tokens: Arc<TokenCache>,
    /// Counts upstream requests.
    pub metrics: Arc<Metrics>,
    /// Where upstream requests are recorded (none in embedded uses such as
    /// benchmarks).
    pub audit: Option<AuditLog>,
}

impl HostServices {
    /// Services for embedding the runtime without a database (benchmarks,
    /// library tests): default cache and egress settings, no audit log.
    pub fn embedded() -> Self {
        let upstream = Upstream::new(Default::default(), Default::default()).expect("the default HTTP client builds");
        Self {
            cache: Arc::new(CacheStore::new(Default::default())),
            upstream: Arc::new(upstream),
            tokens: Arc::default(),
            metrics: Arc::default(),
            audit: None,
        }
    }
}

/// The data of one call's store.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: CallLimiter,
    pub(crate) http: HttpCtx,
    pub(crate) secrets: SecretsCtx,
    pub(crate) config: ConfigCtx,
    pub(crate) cache: CacheCtx,
    pub(crate) log: LogCtx,
    pub(crate) client: ClientCtx,
    pub(crate) changes: ChangesCtx,
    pub(crate) stderr: GuestOutput,
    stdout: GuestOutput,
    /// When the call must be over: waiting for an instance, guest CPU and
    /// host I/O together. Host I/O ends a little earlier (see
    /// [`Limits::answer_margin`]) so the guest can still answer.
    pub(crate) deadline: Instant,
}

impl CallState {
    /// State for `tool` of the plugin described by `grants`, running in
    /// `scope`, under `limits`; the call's time starts now.
    pub(crate) fn new(
        grants: &PluginGrants,
        scope: CallScope,
        tool: &str,
        limits: Limits,
        services: &HostServices,
    ) -> Self {
        let deadline = scope.deadline.unwrap_or_else(|| Instant::now() + limits.call_timeout());
        let tenant: Arc<str> = scope.tenant.clone().unwrap_or_else(|| "(load)".into());
        let stdout = GuestOutput::new(Stream::Stdout, tenant.clone(), grants.name.clone());
        let stderr = GuestOutput::new(Stream::Stderr, tenant.clone(), grants.name.clone());
        // WASI deny-all: clocks and random work, output goes to the log;
        // no preopens, environment, arguments or network.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .max_random_size(u64::from(limits.random_kib) * 1024)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(limits.resource_handles as usize);
        let mut config = grants.config_defaults.clone();
        config.extend(scope.config);
        let egress = EgressPolicy::resolve(&grants.name, &grants.egress, &config);
        // Each credential goes only where it was bound when the operator set
        // it: never, implicitly, wherever the plugin's rules reach today.
        let credentials = scope.credentials;
        let secrets = credentials
            .iter()
            .map(|credential| {
                let stored = match credential.signing_key() {
                    Some(key) => Stored::SigningKey(Arc::from(key.as_bytes())),
                    None => Stored::Other(credential.scheme.name()),
                };
                (credential.name.clone(), stored)
            })
            .collect();
        let cache_scope = scope
            .tenant
            .as_ref()
            .map(|tenant| crate::capabilities::cache::CacheScope::new(tenant.clone(), grants.name.clone()));
        let budget = LogBudget::new(tenant.clone(), grants.name.clone(), tool.into());
        let changes = scope.tenant.clone().zip(scope.changes);
        Self {
            wasi,
            table,
            limiter: CallLimiter::new(limits),
            http: HttpCtx::new(
                tenant.clone(),
                grants,
                credentials,
                egress,
                services,
                scope.call_id,
                deadline - limits.answer_margin(),
                budget.clone(),
            ),
            secrets: SecretsCtx::new(
                grants.name.clone(),
                grants.credentials.clone(),
                Arc::new(secrets),
                limits.resource_handles as usize,
            ),
            config: ConfigCtx::new(Arc::new(config)),
            cache: CacheCtx::new(services.cache.clone(), cache_scope),
            log: LogCtx::new(budget, scope.client_log),
            client: ClientCtx::new(scope.client, deadline - limits.answer_margin()),
            changes: ChangesCtx::new(grants.name.clone(), changes),
            stderr,
            stdout,
            deadline,
        }
    }

    /// Flushes guest output into the log; called when the call ends.
    pub(crate) fn finish_output(&self) {
        self.stdout.finish();
        self.stderr.finish();
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
