//! [`App`]: the running host's state, shared by every transport.

mod plugins;
pub mod plugins_dir;

use crate::admission::Admission;
use crate::audit::AuditLog;
use crate::auth::AuthSettings;
use crate::auth::jwks::{Keys, issuer_client};
use crate::capabilities::cache::CacheStore;
use crate::db::{Database, DbError};
use crate::events::Events;
use crate::lifecycle::{ArtifactError, Lifecycle, LifecycleError};
use crate::mcp::paging::McpSettings;
use crate::mcp::sessions::Sessions;
use crate::metrics::{Levels, Metrics};
use crate::runtime::registry::PluginRegistry;
use crate::runtime::{EngineOptions, HostServices, Runtime};
use crate::settings::{InvalidSetting, Settings};
use crate::shared::{Redis, SharedError};
use crate::snapshot::Snapshot;
use crate::upstream::Upstream;
use crate::vault::connect::{self, Flows};
use crate::vault::oauth::TokenCache;
use crate::vault::token_store::{self, TokenStore};
use crate::vault::{Vault, VaultError, load_master_key};
use plugins_dir::PluginDir;
use std::path::PathBuf;
use std::sync::Arc;

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is out of range.
    #[error("invalid settings: {0}")]
    Settings(#[from] InvalidSetting),
    /// The database would not open.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The vault's master key is missing, unreadable or wrong.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The wasmtime engine could not be built (for example, the pooling
    /// allocator could not reserve its address space).
    #[error("cannot start the wasm runtime: {0}")]
    Runtime(String),
    /// The plugin store could not be opened.
    #[error(transparent)]
    Artifacts(#[from] ArtifactError),
    /// The registered plugins could not be read.
    #[error("cannot restore registered plugins: {0}")]
    Restore(#[from] LifecycleError),
    /// `[redis] url` is set and Redis does not answer.
    #[error("cannot use the Redis in [redis] url (or BERTH_REDIS_URL): {0}")]
    Redis(#[from] SharedError),
    /// The plugins directory could not be read.
    #[error("cannot read plugins directory {path}: {source}")]
    PluginsDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The host: runtime, plugins and database.
pub struct App {
    /// Runs plugins.
    pub runtime: Runtime,
    /// The plugins being served.
    pub plugins: PluginRegistry,
    /// Durable state.
    pub db: Arc<Database>,
    /// What calls read from `db`, kept in memory and checked for changes
    /// on every call.
    pub snapshot: Snapshot,
    /// Tool calls and upstream requests.
    pub audit: AuditLog,
    /// Bounds on sessions and in-flight calls.
    pub admission: Admission,
    /// The tenants' credentials, opened with a verified master key.
    pub vault: Arc<Vault>,
    /// Stored plugin versions, and the order of changes.
    pub lifecycle: Lifecycle,
    /// Connected MCP sessions, to tell about tool changes.
    pub sessions: Arc<Sessions>,
    /// Event counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// How the MCP surface pages its lists.
    pub mcp: McpSettings,
    /// Webhooks in, and the deliveries in hand.
    pub events: Events,
    /// How tokens are accepted (`[auth]`).
    pub auth: AuthSettings,
    /// Trusted issuers' signing keys, fetched as tokens need them.
    pub keys: Keys,
    /// People's connections of per-user credentials under way.
    pub flows: Flows,
}

impl App {
    /// Opens the database, starts the runtime, restores the plugins
    /// registered through the admin API or CLI, loads the plugins directory
    /// and (unless disabled) starts watching it. Bad plugin files are logged
    /// and skipped.
    pub async fn start(settings: &Settings) -> Result<Arc<Self>, StartError> {
        settings.validate()?;
        let data_dir = settings.data_dir();
        let db = Arc::new(settings.open_database().await?);
        let audit = AuditLog::start(&settings.database, &data_dir, settings.audit).await?;
        let (vault_key, key_source) =
            load_master_key(&data_dir, settings.master_key.as_deref(), settings.master_key_file.as_deref())?;
        let vault = Arc::new(Vault::open(db.clone(), vault_key, key_source).await?);
        let metrics = Arc::new(Metrics::new());
        let redis = Redis::connect(&settings.redis)?;
        if let Some(redis) = &redis {
            redis.ping().await?;
        }
        // A shared store shares OAuth2 access tokens between replicas too.
        let tokens = match db.is_shared() {
            true => TokenCache::with_store(TokenStore::new((*db).clone(), vault.derive(token_store::PURPOSE))),
            false => TokenCache::default(),
        };
        let runtime =
            start_runtime(settings, redis, (tokens, Some(vault.clone())), Some(audit.clone()), metrics.clone())?;
        let lifecycle = Lifecycle::open(&data_dir, &db)?;
        let flows = Flows::new((*db).clone(), vault.derive(connect::PURPOSE));
        let app = Arc::new(Self {
            lifecycle,
            runtime,
            plugins: PluginRegistry::new(),
            snapshot: Snapshot::new(db.clone()),
            db,
            admission: Admission::new(settings.admission),
            vault,
            audit,
            sessions: Arc::default(),
            metrics,
            mcp: settings.mcp,
            events: Events::new(settings.events),
            auth: settings.auth.clone(),
            flows,
            keys: Keys::new(
                issuer_client(&settings.egress.trusted_ca_files).map_err(StartError::Runtime)?,
                std::time::Duration::from_secs(settings.auth.jwks_refetch_secs),
            ),
        });
        app.restore().await?;
        let dir = settings.plugins_dir();
        let dir = std::fs::canonicalize(&dir).map_err(|source| StartError::PluginsDir { path: dir.clone(), source })?;
        let mut plugins_dir = PluginDir::new(dir.clone());
        let changes = match settings.watch_plugins.then(|| plugins_dir.watch()) {
            Some(Ok(changes)) => Some(changes),
            Some(Err(error)) => {
                tracing::error!(dir = %dir.display(), "cannot watch the plugins directory; changes need a restart: {error}");
                None
            }
            None => None,
        };
        let report = plugins_dir
            .scan(&app, true)
            .await
            .map_err(|source| StartError::PluginsDir { path: dir.clone(), source })?;
        let serving: Vec<String> = app
            .plugins
            .snapshot()
            .values()
            .map(|plugin| format!("{}@{}", plugin.name(), plugin.manifest.version))
            .collect();
        tracing::info!(
            dir = %dir.display(),
            failed = report.failed.len(),
            "serving {} plugins: {}",
            serving.len(),
            serving.join(", ")
        );
        if let Some(changes) = changes {
            tokio::spawn(plugins_dir.follow(changes, Arc::downgrade(&app)));
        }
        tokio::spawn(App::follow_catalog(Arc::downgrade(&app)));
        // After the plugins, which the first answer waits for; the first
        // plugin request (later) finds it ready.
        app.runtime.services().upstream.warm();
        Ok(app)
    }

    /// The host's levels for `/metrics`, read now.
    pub fn levels(&self) -> Levels {
        Levels {
            instances_in_use: self.runtime.instances_in_use(),
            instances_max: u64::from(self.runtime.limits().max_instances),
            sessions: self.sessions.count() as u64,
            compile_cache: self.runtime.compile_cache_stats().map(|stats| (stats.hits, stats.misses)),
            plugins: self
                .plugins
                .snapshot()
                .values()
                .map(|plugin| (plugin.name().to_owned(), plugin.manifest.version.clone(), plugin.digest.clone()))
                .collect(),
            circuits: self.runtime.services().upstream.circuits(),
        }
    }
}

/// Builds the wasm runtime `settings` describe, recording upstream requests
/// in `audit` (when given) and `metrics`, keeping the plugins' cache and
/// rate limits in `shared` Redis when given (else in memory), and OAuth2
/// tokens in `tokens` (people's own renewed ones also in the vault, when
/// given). The CLI uses it too, to validate and compile plugins into the
/// same compile cache without a running host.
pub fn start_runtime(
    settings: &Settings,
    shared: Option<Redis>,
    (tokens, vault): (TokenCache, Option<Arc<Vault>>),
    audit: Option<AuditLog>,
    metrics: Arc<Metrics>,
) -> Result<Runtime, StartError> {
    settings.manifest.validate()?;
    settings.schemas.validate()?;
    let upstream = Upstream::new(settings.egress.clone(), settings.resilience).map_err(StartError::Runtime)?;
    let (cache, upstream) = match shared {
        Some(redis) => (CacheStore::shared(settings.cache, redis.clone()), upstream.with_shared_rate_limits(redis)),
        None => (CacheStore::new(settings.cache), upstream),
    };
    let services = HostServices {
        cache: Arc::new(cache),
        upstream: Arc::new(upstream),
        tokens: Arc::new(tokens),
        vault,
        metrics,
        audit,
    };
    let options = EngineOptions { compile_cache: Some(settings.compile_cache_dir()), ..EngineOptions::default() };
    Runtime::new(settings.limits, options, services)
        .map(|runtime| runtime.with_declaration_limits(settings.manifest, settings.schemas))
        .map_err(|error| StartError::Runtime(format!("{error:#}")))
}
