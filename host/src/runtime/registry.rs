//! [`PluginRegistry`]: the set of plugins this host serves, swapped as a
//! whole so that a reader always sees one consistent set and a call keeps
//! the plugin version it started with.

use super::LoadedPlugin;
use std::collections::BTreeMap;
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
        self.update(|set| set.insert(plugin.name().to_owned(), Arc::new(plugin)))
    }

    /// Removes the plugin called `name` and returns it.
    pub fn remove(&self, name: &str) -> Option<Arc<LoadedPlugin>> {
        self.update(|set| set.remove(name))
    }

    /// Applies `change` to a copy of the set and publishes the copy, so
    /// readers see the whole change or none of it.
    fn update<R>(&self, change: impl FnOnce(&mut PluginSet) -> R) -> R {
        let mut guard = self.plugins.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut next = PluginSet::clone(&guard);
        let result = change(&mut next);
        *guard = Arc::new(next);
        result
    }
}
