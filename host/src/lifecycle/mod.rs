//! The plugin lifecycle: load, upgrade, unload and roll back, on a running
//! host or on the data directory alone.
//!
//! Every change follows the same steps. The component is validated and
//! compiled (or taken from the compile cache) and pre-instantiated by
//! [`Runtime::load`](crate::runtime::Runtime::load); the version is stored by
//! digest ([`Artifacts`]) and recorded in the [`History`]; then the serving
//! set is swapped in one step. Calls already running keep the version they
//! started on, because they hold it. Finally every affected session hears
//! which of its lists changed. A change that fails at any step leaves what
//! was serving untouched.
//!
//! This module owns what is stored (the [`Catalog`]); the running host's
//! steps are in [`crate::app`], which composes the parts, and the watched
//! plugins directory is [`crate::app::plugins_dir`].

mod artifacts;
pub mod bindings;
mod history;
mod inspection;

pub use artifacts::{ArtifactError, Artifacts};
pub use history::{Deployment, History, Source, Version};
pub use inspection::Inspection;

use crate::db::{Database, DbError};
use crate::runtime::{LoadError, LoadedPlugin, Wasm};
use crate::tenants::{TenantError, Tenants};
use bindings::{EgressGrants, Unfollowed};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a lifecycle operation did nothing.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The component is not a valid plugin; the reason says why.
    #[error(transparent)]
    Invalid(#[from] LoadError),
    /// No such plugin is loaded.
    #[error("plugin `{0}` is not loaded")]
    NotLoaded(String),
    /// There is no earlier version.
    #[error("plugin `{0}` has no earlier version to roll back to")]
    NoPrevious(String),
    /// Several files in the plugins directory claim the same plugin: none of
    /// them takes it over.
    #[error(
        "plugin `{name}` is claimed by several files ({files}); none of them is loaded, the serving version (if any) keeps serving; remove all but one"
    )]
    Conflict {
        /// The plugin.
        name: String,
        /// The files that claim it.
        files: String,
    },
    /// A stored version could not be read or written.
    #[error(transparent)]
    Store(#[from] ArtifactError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The tenants could not be read.
    #[error(transparent)]
    Tenants(#[from] TenantError),
}

/// A plugin version as an operator sees it in `plugin list`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PluginInfo {
    /// Plugin name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// SHA-256 of the component, hex.
    pub digest: String,
    /// Tool names.
    pub tools: Vec<String>,
    /// Where the serving version came from: `directory`, `registry` or
    /// `rollback`.
    pub source: String,
    /// The file, for a plugin from the plugins directory.
    pub path: Option<String>,
    /// When it was deployed, in ms since the Unix epoch.
    pub deployed_at_ms: i64,
    /// Registered tenants that have it enabled.
    pub tenants: Vec<String>,
}

/// What a deployment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The plugin was not loaded and now is.
    Loaded,
    /// Another version was replaced.
    Upgraded,
    /// This exact version was already serving.
    Unchanged,
}

/// What [`App::deploy`](crate::app::App::deploy) did.
#[derive(Debug, Clone, Serialize)]
pub struct Deployed {
    /// The version now serving.
    pub plugin: PluginInfo,
    /// Loaded, upgraded or unchanged.
    pub change: Change,
    /// Credentials that stay bound where they were although this version
    /// reaches further: the operator re-binds them explicitly
    /// (`berth credential bind`) if they should follow.
    pub credentials_not_following: Vec<Unfollowed>,
}

/// The durable record of plugin versions: stored components plus their
/// history. Used by the running host and, without one, by the CLI.
pub struct Catalog<'a> {
    db: &'a Database,
    artifacts: &'a Artifacts,
}

impl<'a> Catalog<'a> {
    /// The catalog in `db`, with components in `artifacts`.
    pub fn new(db: &'a Database, artifacts: &'a Artifacts) -> Self {
        Self { db, artifacts }
    }

    /// Stores `plugin` (compiled from `wasm`) and records it as deployed
    /// from `source`, unless it already is the active version from there.
    pub async fn record(&self, plugin: &LoadedPlugin, wasm: &Wasm, source: &Source) -> Result<(), LifecycleError> {
        let history = History::new(self.db);
        let active =
            history.active(plugin.name()).await?.filter(|entry| entry.is_from(source)).and_then(|entry| entry.version);
        if active.is_some_and(|version| version.digest == plugin.digest) {
            history.set_grants(&plugin.digest, &EgressGrants::of(plugin)).await?;
            return Ok(());
        }
        self.artifacts.put(wasm).await?;
        let version = Version {
            name: plugin.name().to_owned(),
            version: plugin.manifest.version.clone(),
            digest: plugin.digest.clone(),
            tools: plugin.tools.iter().map(|tool| tool.name.clone()).collect(),
            bytes: plugin.bytes,
        };
        history.deploy(&version, source).await?;
        history.set_grants(&plugin.digest, &EgressGrants::of(plugin)).await?;
        Ok(())
    }

    /// Records that `name` no longer serves.
    pub async fn unload(&self, name: &str, source: &Source) -> Result<(), LifecycleError> {
        let history = History::new(self.db);
        if history.active(name).await?.and_then(|entry| entry.version).is_none() {
            return Err(LifecycleError::NotLoaded(name.to_owned()));
        }
        history.unload(name, source).await?;
        Ok(())
    }

    /// The version a rollback of `name` returns to, with its component.
    pub async fn rollback_target(&self, name: &str) -> Result<(Deployment, Wasm), LifecycleError> {
        let target = History::new(self.db)
            .rollback_target(name)
            .await?
            .ok_or_else(|| LifecycleError::NoPrevious(name.to_owned()))?;
        let wasm = self.component(&target).await?;
        Ok((target, wasm))
    }

    /// Records the rollback of `name` to `target`.
    pub async fn commit_rollback(&self, name: &str, target: &Deployment) -> Result<(), LifecycleError> {
        Ok(History::new(self.db).rollback(name, target).await?)
    }

    /// Every plugin whose active version came from the registry or a
    /// rollback (not from the plugins directory, which speaks for itself):
    /// what to restore at start.
    pub async fn registered(&self) -> Result<Vec<Deployment>, LifecycleError> {
        Ok(History::new(self.db).serving().await?.into_iter().filter(|entry| entry.source != "directory").collect())
    }

    /// Every plugin that is deployed, from any source: what should serve.
    pub async fn serving(&self) -> Result<Vec<Deployment>, LifecycleError> {
        Ok(History::new(self.db).serving().await?)
    }

    /// The active entry of `name` (an unload, or the version that
    /// serves), if it was ever deployed.
    pub async fn active(&self, name: &str) -> Result<Option<Deployment>, LifecycleError> {
        Ok(History::new(self.db).active(name).await?)
    }

    /// The history's change mark ([`History::mark`]).
    pub async fn mark(&self) -> Result<(i64, i64), LifecycleError> {
        Ok(History::new(self.db).mark().await?)
    }

    /// The stored component of `entry`'s version.
    pub async fn component(&self, entry: &Deployment) -> Result<Wasm, ArtifactError> {
        let digest = entry.version.as_ref().map_or("", |version| version.digest.as_str());
        self.artifacts.get(digest).await
    }

    /// Every deployed plugin with the tenants that enabled it.
    pub async fn list(&self) -> Result<Vec<PluginInfo>, LifecycleError> {
        let mut enabled: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for tenant in Tenants::new(self.db).list().await? {
            for plugin in tenant.plugins {
                enabled.entry(plugin).or_default().push(tenant.name.clone());
            }
        }
        Ok(History::new(self.db)
            .serving()
            .await?
            .into_iter()
            .filter_map(|entry| {
                let version = entry.version?;
                Some(PluginInfo {
                    tenants: enabled.remove(&entry.name).unwrap_or_default(),
                    name: entry.name,
                    version: version.version,
                    digest: version.digest,
                    tools: version.tools,
                    source: entry.source,
                    path: entry.path,
                    deployed_at_ms: entry.at_ms,
                })
            })
            .collect())
    }
}

/// The running host's part of the lifecycle: the component store, and a lock
/// that puts changes in a single order.
pub struct Lifecycle {
    pub(crate) artifacts: Artifacts,
    /// Held by each change, so they happen one at a time.
    pub(crate) changes: tokio::sync::Mutex<()>,
}

impl Lifecycle {
    /// The lifecycle for the data directory `data_dir` and the store `db`.
    pub fn open(data_dir: &std::path::Path, db: &Database) -> Result<Self, ArtifactError> {
        Ok(Self { artifacts: Artifacts::open(data_dir, db)?, changes: tokio::sync::Mutex::new(()) })
    }
}
