//! [`App`]: the running host's state, shared by every transport.

use crate::admission::Admission;
use crate::audit::AuditLog;
use crate::capabilities::cache::CacheStore;
use crate::db::{Database, DbError};
use crate::runtime::registry::{self, PluginRegistry};
use crate::runtime::{Allocation, HostServices, Runtime};
use crate::settings::Settings;
use crate::upstream::Upstream;
use crate::vault::{Vault, VaultError, load_master_key};
use std::path::PathBuf;
use std::sync::Arc;

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is out of range.
    #[error("invalid settings: {0}")]
    Settings(String),
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
    /// Tool calls and upstream requests.
    pub audit: AuditLog,
    /// Bounds on sessions and in-flight calls.
    pub admission: Admission,
    /// The tenants' credentials, opened with a verified master key.
    pub vault: Vault,
}

impl App {
    /// Opens the database, starts the runtime and loads the plugins
    /// directory. Bad plugin files are logged and skipped.
    pub async fn start(settings: &Settings) -> Result<Arc<Self>, StartError> {
        settings.limits.validate().map_err(StartError::Settings)?;
        let db = Arc::new(Database::open(&settings.data_dir())?);
        let audit = AuditLog::new(db.clone());
        let (vault_key, _) =
            load_master_key(&settings.data_dir(), settings.master_key.as_deref(), settings.master_key_file.as_deref())?;
        let vault = Vault::open(db.clone(), vault_key)?;
        let upstream = Upstream::new(settings.egress, settings.resilience).map_err(StartError::Runtime)?;
        let services = HostServices {
            cache: Arc::new(CacheStore::new(settings.cache)),
            upstream: Arc::new(upstream),
            tokens: Arc::default(),
            audit: Some(audit.clone()),
        };
        let runtime = Runtime::new(settings.limits, Allocation::Pooling, services)
            .map_err(|error| StartError::Runtime(format!("{error:#}")))?;
        let plugins = PluginRegistry::new();
        let dir = settings.plugins_dir();
        let report = registry::load_dir(&runtime, &plugins, &dir)
            .await
            .map_err(|source| StartError::PluginsDir { path: dir.clone(), source })?;
        tracing::info!(
            dir = %dir.display(),
            loaded = report.loaded.len(),
            failed = report.failed.len(),
            "plugins: {}",
            report.loaded.join(", ")
        );
        Ok(Arc::new(Self { runtime, plugins, db, admission: Admission::new(settings.admission), vault, audit }))
    }
}
