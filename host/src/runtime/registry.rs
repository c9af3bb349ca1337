//! [`PluginRegistry`]: the set of plugins this host serves, swapped as a
//! whole so that a reader always sees one consistent set and a call keeps
//! the plugin version it started with.

use super::{LoadedPlugin, Runtime};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Plugins by name.
pub type PluginSet = BTreeMap<String, Arc<LoadedPlugin>>;

/// The plugins this host serves.
#[derive(Debug, Default)]
pub struct PluginRegistry {
    plugins: RwLock<Arc<PluginSet>>,
}

impl PluginRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current set. Cheap: a reference-counted snapshot.
    pub fn snapshot(&self) -> Arc<PluginSet> {
        self.plugins.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// The plugin called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<LoadedPlugin>> {
        self.snapshot().get(name).cloned()
    }

    /// Adds `plugin`, replacing any plugin of the same name, and returns the
    /// one it replaced.
    pub fn insert(&self, plugin: LoadedPlugin) -> Option<Arc<LoadedPlugin>> {
        let mut guard = self.plugins.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = PluginSet::clone(&guard);
        let previous = next.insert(plugin.name().to_owned(), Arc::new(plugin));
        *guard = Arc::new(next);
        previous
    }
}

/// What loading a directory did.
#[derive(Debug, Default)]
pub struct DirReport {
    /// Plugins now serving, as `name@version`.
    pub loaded: Vec<String>,
    /// Files refused, with the reason.
    pub failed: Vec<(PathBuf, String)>,
}

/// Loads every `.wasm` file in `dir` into `registry`. A bad file is logged
/// with its reason and skipped; the rest still load.
pub async fn load_dir(runtime: &Runtime, registry: &PluginRegistry, dir: &Path) -> std::io::Result<DirReport> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    let mut report = DirReport::default();
    for path in files {
        match load_file(runtime, registry, &path).await {
            Ok(loaded) => {
                tracing::info!(plugin = %loaded, file = %path.display(), "plugin loaded");
                report.loaded.push(loaded);
            }
            Err(reason) => {
                tracing::error!(file = %path.display(), "plugin not loaded: {reason}");
                report.failed.push((path, reason));
            }
        }
    }
    Ok(report)
}

async fn load_file(runtime: &Runtime, registry: &PluginRegistry, path: &Path) -> Result<String, String> {
    if path.extension().and_then(|ext| ext.to_str()) != Some("wasm") {
        return Err("not a .wasm file; only components named *.wasm belong in the plugins directory".to_owned());
    }
    let bytes = std::fs::read(path).map_err(|error| format!("cannot read: {error}"))?;
    let plugin = runtime.load(&bytes).await.map_err(|error| error.to_string())?;
    if registry.get(plugin.name()).is_some() {
        return Err(format!("another file in this directory already provides plugin `{}`", plugin.name()));
    }
    let loaded = format!("{}@{}", plugin.name(), plugin.manifest.version);
    registry.insert(plugin);
    Ok(loaded)
}
