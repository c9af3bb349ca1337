//! What every capability's per-call context is prepared from: the host's
//! shared [`HostServices`], the plugin's [`PluginGrants`] (from its
//! manifest), the tenant's [`CallScope`] and the call's bounds, gathered in
//! one [`Call`].

use super::cache::CacheStore;
use super::changes::ResourceChanges;
use super::client::CallClient;
use super::log::{ClientLog, LogBudget};
use crate::audit::AuditLog;
use crate::metrics::Metrics;
use crate::policy::egress::EgressTemplate;
use crate::policy::manifest::ManifestError;
use crate::runtime::Limits;
use crate::runtime::bindings::types::Manifest;
use crate::upstream::Upstream;
use crate::vault::oauth::TokenCache;
use crate::vault::{Credential, Vault};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

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
pub struct PluginGrants {
    /// The plugin's name.
    pub name: Arc<str>,
    /// Its egress rules, parsed.
    pub egress: Arc<[EgressTemplate]>,
    /// The credential names it declares.
    pub credentials: Arc<[String]>,
    /// Its settings' defaults.
    pub config_defaults: BTreeMap<String, String>,
}

impl PluginGrants {
    /// What `manifest` asks for; an egress rule that does not parse is
    /// refused, quoted safely for the log.
    pub fn of(manifest: &Manifest) -> Result<Self, ManifestError> {
        let egress = manifest.egress.iter().map(|rule| EgressTemplate::parse(rule)).collect::<Result<Vec<_>, _>>();
        let egress = egress.map_err(|mut error| {
            error.rule = crate::log_safe::quote(&error.rule);
            ManifestError::from(error)
        })?;
        Ok(Self {
            name: manifest.name.as_str().into(),
            egress: egress.into(),
            credentials: manifest.credentials.iter().map(|need| need.name.clone()).collect(),
            config_defaults: manifest
                .config
                .iter()
                .filter_map(|key| Some((key.name.clone(), key.default.clone()?)))
                .collect(),
        })
    }

    /// No grants at all, for a plugin asked to describe itself at load.
    pub fn none() -> Self {
        Self {
            name: "(loading)".into(),
            egress: Arc::from([]),
            credentials: Arc::from([]),
            config_defaults: BTreeMap::new(),
        }
    }
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
    /// Where a person's renewed per-user tokens are stored (none in
    /// embedded uses, which have no per-user credentials).
    pub vault: Option<Arc<Vault>>,
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
            vault: None,
            metrics: Arc::default(),
            audit: None,
        }
    }
}

/// One call, as the capabilities see it while they prepare their contexts.
/// A context takes what it owns out of `scope` (the credentials, the
/// client), so each is handed to exactly one capability.
pub struct Call<'a> {
    /// The calling tenant, or `(load)` while a plugin describes itself.
    pub tenant: Arc<str>,
    /// What the plugin's manifest asks for.
    pub plugin: &'a PluginGrants,
    /// What the tenant granted, for the capabilities to take from.
    pub scope: CallScope,
    /// The tenant's settings over the manifest's defaults.
    pub config: Arc<BTreeMap<String, String>>,
    /// The limits the call runs under.
    pub limits: &'a Limits,
    /// The host's shared services.
    pub services: &'a HostServices,
    /// When host I/O must be over, a margin before the call's deadline so
    /// the guest can still answer.
    pub io_deadline: Instant,
    /// The call's log budget, shared by the guest's records and the host's
    /// lines about the call.
    pub budget: LogBudget,
}
