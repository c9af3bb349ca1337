//! How the running host changes the plugins it serves: deploy (load or
//! upgrade), unload, roll back and restore, each as one step that ends with
//! the affected sessions hearing which of their lists changed. The steps
//! are the composition of the parts: the [`Runtime`](crate::runtime::Runtime)
//! validates and compiles, the [`Catalog`] stores and records, the registry
//! swaps the serving set, and [`Sessions`](crate::mcp::sessions::Sessions)
//! tells the clients.

use super::App;
use crate::lifecycle::bindings::{self, EgressGrants, Unfollowed};
use crate::lifecycle::{Catalog, Change, Deployed, LifecycleError, PluginInfo, Source};
use crate::mcp::sessions::Lists;
use crate::metrics::ReloadEvent;
use crate::runtime::{LoadedPlugin, Wasm};
use crate::tenants::Tenants;
use std::collections::BTreeSet;
use std::sync::Weak;
use std::time::{Duration, Instant};

/// How often a running host checks whether another replica changed the
/// plugin catalog.
pub const CATALOG_POLL: Duration = Duration::from_millis(200);

/// How long a host waits before it tries again to load a version the
/// catalog names and that failed to load here.
pub const RETRY_FAILED: Duration = Duration::from_secs(10);

impl App {
    /// The durable catalog of this host's plugins.
    pub fn catalog(&self) -> Catalog<'_> {
        Catalog::new(&self.db, &self.lifecycle.artifacts)
    }

    /// Validates, compiles and serves the component `wasm`, replacing any
    /// version of the same plugin. An invalid component changes nothing.
    pub async fn deploy(&self, wasm: impl Into<Wasm>, source: Source) -> Result<Deployed, LifecycleError> {
        let wasm = wasm.into();
        let plugin = self.validate(&wasm, &source).await?;
        self.install(plugin, &wasm, source).await
    }

    /// Validates and compiles the component `wasm` from `source` without
    /// serving it; a refusal is counted.
    pub async fn validate(&self, wasm: &Wasm, source: &Source) -> Result<LoadedPlugin, LifecycleError> {
        self.runtime.load(wasm.clone()).await.map_err(|error| {
            self.metrics.reload(&source_label(source), ReloadEvent::Rejected);
            error.into()
        })
    }

    /// Serves `plugin` (validated from `wasm`), replacing any version of
    /// the same plugin.
    pub async fn install(&self, plugin: LoadedPlugin, wasm: &Wasm, source: Source) -> Result<Deployed, LifecycleError> {
        let _change = self.lifecycle.changes.lock().await;
        let name = plugin.name().to_owned();
        let serving = self.plugins.get(&name);
        // Unchanged only if the catalog agrees: another replica may have
        // deployed another version that this host has not followed yet.
        let recorded =
            self.catalog().active(&name).await?.and_then(|entry| entry.version).map(|version| version.digest);
        if serving.as_ref().is_some_and(|serving| serving.digest == plugin.digest)
            && recorded.as_deref() == Some(plugin.digest.as_str())
        {
            return Ok(Deployed {
                plugin: self.info(&name).await?,
                change: Change::Unchanged,
                credentials_not_following: Vec::new(),
            });
        }
        self.catalog().record(&plugin, wasm, &source).await?;
        let change = if serving.is_some() { Change::Upgraded } else { Change::Loaded };
        tracing::info!(plugin = %name, version = %plugin.manifest.version, digest = %plugin.digest, ?change, "plugin deployed");
        let left = self.credentials_left_behind(&plugin).await;
        let lists = serving.as_deref().map_or_else(Lists::default, Lists::of).and(Lists::of(&plugin));
        self.plugins.insert(plugin);
        // What the old version cached is no business of the new one.
        self.runtime.services().cache.forget(&name).await;
        self.metrics.reload(&name, if serving.is_some() { ReloadEvent::Upgraded } else { ReloadEvent::Loaded });
        self.announce(&name, lists).await;
        Ok(Deployed { plugin: self.info(&name).await?, change, credentials_not_following: left })
    }

    /// The credentials of `plugin` that its rules now reach beyond, each
    /// logged: bindings never widen by themselves.
    async fn credentials_left_behind(&self, plugin: &LoadedPlugin) -> Vec<Unfollowed> {
        match bindings::unfollowed(&self.db, &self.vault, plugin.name(), &EgressGrants::of(plugin)).await {
            Ok(left) => {
                for entry in &left {
                    tracing::warn!(
                        plugin = %plugin.name(), tenant = %entry.tenant, credential = %entry.credential,
                        origins = %entry.origins.join(","),
                        "credential did not follow the plugin to these origins; it stays bound where it was (re-bind with `berth credential bind`)"
                    );
                }
                left
            }
            Err(error) => {
                tracing::error!(plugin = %plugin.name(), "cannot check credential bindings: {error}");
                Vec::new()
            }
        }
    }

    /// Stops serving `name`. Calls already running finish.
    pub async fn unload(&self, name: &str, source: Source) -> Result<(), LifecycleError> {
        let _change = self.lifecycle.changes.lock().await;
        let Some(serving) = self.plugins.get(name) else {
            return Err(LifecycleError::NotLoaded(name.to_owned()));
        };
        self.catalog().unload(name, &source).await?;
        self.plugins.remove(name);
        self.runtime.services().cache.forget(name).await;
        tracing::info!(plugin = %name, "plugin unloaded");
        self.metrics.reload(name, ReloadEvent::Unloaded);
        self.announce(name, Lists::of(&serving)).await;
        Ok(())
    }

    /// Returns `name` to the version before the one serving (or before its
    /// unload).
    pub async fn rollback(&self, name: &str) -> Result<PluginInfo, LifecycleError> {
        let _change = self.lifecycle.changes.lock().await;
        let catalog = self.catalog();
        let (target, wasm) = catalog.rollback_target(name).await?;
        let plugin = self.runtime.load(wasm).await?;
        catalog.commit_rollback(name, &target).await?;
        tracing::info!(plugin = %name, version = %plugin.manifest.version, digest = %plugin.digest, "plugin rolled back");
        let lists = self.plugins.get(name).as_deref().map_or_else(Lists::default, Lists::of).and(Lists::of(&plugin));
        self.plugins.insert(plugin);
        self.runtime.services().cache.forget(name).await;
        self.metrics.reload(name, ReloadEvent::RolledBack);
        self.announce(name, lists).await;
        self.info(name).await
    }

    /// The plugins serving now, as an operator sees them.
    pub async fn plugin_infos(&self) -> Result<Vec<PluginInfo>, LifecycleError> {
        let serving = self.plugins.snapshot();
        Ok(self
            .catalog()
            .list()
            .await?
            .into_iter()
            .filter(|info| serving.get(&info.name).is_some_and(|plugin| plugin.digest == info.digest))
            .collect())
    }

    /// Loads every plugin whose serving version came from the registry or a
    /// rollback. One that fails is logged and skipped.
    pub(crate) async fn restore(&self) -> Result<(), LifecycleError> {
        let catalog = self.catalog();
        for entry in catalog.registered().await? {
            let loaded = match catalog.component(&entry).await {
                Ok(wasm) => self.runtime.load(wasm).await.map_err(LifecycleError::from),
                Err(error) => Err(error.into()),
            };
            match loaded {
                Ok(plugin) => {
                    tracing::info!(plugin = %entry.name, version = %plugin.manifest.version, "plugin restored from the registry");
                    self.plugins.insert(plugin);
                }
                Err(error) => tracing::error!(plugin = %entry.name, "registered plugin not restored: {error}"),
            }
        }
        Ok(())
    }

    /// Makes what this host serves match the catalog, which another
    /// replica sharing the store may have changed: a plugin deployed or
    /// rolled back through the registry there is loaded here (from the
    /// stored component), and one unloaded through the registry there is
    /// unloaded here. Plugins from a replica's plugins directory are that
    /// replica's own business. Each change is announced to the sessions it
    /// concerns, as a local one is. Returns whether every version that
    /// should serve does: a load that failed is tried again later.
    pub(crate) async fn reconcile(&self) -> Result<bool, LifecycleError> {
        let _change = self.lifecycle.changes.lock().await;
        let catalog = self.catalog();
        let mut complete = true;
        for entry in catalog.registered().await? {
            let digest = entry.version.as_ref().map_or("", |version| version.digest.as_str());
            let serving = self.plugins.get(&entry.name);
            if serving.as_ref().is_some_and(|plugin| plugin.digest == digest) {
                continue;
            }
            let loaded = match catalog.component(&entry).await {
                Ok(wasm) => self.runtime.load(wasm).await.map_err(LifecycleError::from),
                Err(error) => Err(error.into()),
            };
            let plugin = match loaded {
                Ok(plugin) => plugin,
                Err(error) => {
                    tracing::error!(plugin = %entry.name, "cannot serve the version the catalog names: {error}");
                    complete = false;
                    continue;
                }
            };
            tracing::info!(plugin = %entry.name, version = %plugin.manifest.version, "plugin deployed elsewhere now serves here");
            let lists = serving.as_deref().map_or_else(Lists::default, Lists::of).and(Lists::of(&plugin));
            self.plugins.insert(plugin);
            self.runtime.services().cache.forget(&entry.name).await;
            let event = if serving.is_some() { ReloadEvent::Upgraded } else { ReloadEvent::Loaded };
            self.metrics.reload(&entry.name, event);
            self.announce(&entry.name, lists).await;
        }
        for plugin in self.plugins.snapshot().values() {
            let name = plugin.name();
            let unloaded =
                catalog.active(name).await?.is_some_and(|entry| entry.version.is_none() && entry.source != "directory");
            if !unloaded {
                continue;
            }
            tracing::info!(plugin = %name, "plugin unloaded elsewhere stops serving here");
            self.plugins.remove(name);
            self.runtime.services().cache.forget(name).await;
            self.metrics.reload(name, ReloadEvent::Unloaded);
            self.announce(name, Lists::of(plugin)).await;
        }
        Ok(complete)
    }

    /// Follows the catalog while the host runs: every [`CATALOG_POLL`] its
    /// change mark is read (one small query), and when it moved the host
    /// reconciles, so a change made through any replica serves on every
    /// replica within about that long. A version that failed to load is
    /// tried again after [`RETRY_FAILED`].
    pub(crate) async fn follow_catalog(app: Weak<App>) {
        let mut seen = None;
        let mut retry_at = None;
        // PostgreSQL announces each deployment; the poll stays as the
        // backstop for an announcement lost while the listener reconnects.
        let announced = app.upgrade().and_then(|app| app.db.announcements());
        loop {
            match &announced {
                Some(announced) => {
                    let _ = tokio::time::timeout(CATALOG_POLL, announced.notified()).await;
                }
                None => tokio::time::sleep(CATALOG_POLL).await,
            }
            let Some(app) = app.upgrade() else { return };
            let mark = match app.catalog().mark().await {
                Ok(mark) => mark,
                Err(error) => {
                    tracing::error!("cannot read the plugin catalog: {error}");
                    continue;
                }
            };
            let retry = retry_at.is_some_and(|at| Instant::now() >= at);
            if seen == Some(mark) && !retry {
                continue;
            }
            match app.reconcile().await {
                Ok(complete) => {
                    seen = Some(mark);
                    retry_at = (!complete).then(|| Instant::now() + RETRY_FAILED);
                }
                Err(error) => tracing::error!("cannot follow the plugin catalog: {error}"),
            }
        }
    }

    /// Tells the sessions of every tenant that sees `plugin` that the
    /// `lists` it changed did.
    pub async fn announce(&self, plugin: &str, lists: Lists) {
        let tenants = Tenants::new(&self.db);
        let mut affected = BTreeSet::new();
        for tenant in self.sessions.tenants() {
            if tenants.access(&tenant).await.map_or(true, |access| access.allows(plugin)) {
                affected.insert(tenant);
            }
        }
        self.sessions.lists_changed(&affected, lists);
    }

    async fn info(&self, name: &str) -> Result<PluginInfo, LifecycleError> {
        self.catalog()
            .list()
            .await?
            .into_iter()
            .find(|info| info.name == name)
            .ok_or_else(|| LifecycleError::NotLoaded(name.to_owned()))
    }
}

/// A label for a change whose plugin name is unknown (its component did not
/// load): the file it came from, or `(upload)`.
fn source_label(source: &Source) -> String {
    match source {
        Source::Directory(path) => {
            path.file_stem().map_or_else(|| "(file)".to_owned(), |stem| stem.to_string_lossy().into_owned())
        }
        Source::Registry | Source::Rollback => "(upload)".to_owned(),
    }
}
