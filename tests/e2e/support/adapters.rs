//! Tenant `default` set up for bundled adapters the way an operator sets
//! it up, through the CLI: a data directory, the plugins directory, and
//! settings that trust the fakes' certificate authority.

use super::http::{cli, cli_with_stdin};
use super::{PluginsDir, Start, StdioHost, bundled, fakes_settings};
use std::path::Path;

/// A data directory and plugins directory for tenant `default`.
pub struct AdapterTenant {
    /// The data directory the CLI and the host share.
    pub data: tempfile::TempDir,
    plugins: PluginsDir,
    settings: String,
    _ca: tempfile::TempDir,
}

impl AdapterTenant {
    /// Serves the bundled `plugins` (by plugin name).
    pub fn new(plugins: &[&str]) -> Self {
        let ca = tempfile::tempdir().unwrap();
        let plugins =
            plugins.iter().fold(PluginsDir::new(), |dir, name| dir.with(&bundled(name), &format!("{name}.wasm")));
        Self { data: tempfile::tempdir().unwrap(), plugins, settings: fakes_settings(ca.path()), _ca: ca }
    }

    /// The data directory.
    pub fn path(&self) -> &Path {
        self.data.path()
    }

    /// `berth config set --tenant default PLUGIN KEY VALUE`.
    pub fn config(&self, plugin: &str, key: &str, value: &str) {
        cli(self.path(), &["config", "set", "--tenant", "default", plugin, key, value]);
    }

    /// Stores credential `name` of `plugin`, bound to `origin` (set before
    /// any host has served the plugin, so the binding is explicit), with
    /// the scheme `args` and `secret` on stdin (a line, or lines).
    pub fn credential(&self, plugin: &str, name: &str, origin: &str, args: &[&str], secret: &str) {
        let mut command = vec!["credential", "set", "--tenant", "default", "--plugin", plugin, name, "--bind", origin];
        command.extend_from_slice(args);
        let stdin = if secret.ends_with('\n') { secret.to_owned() } else { format!("{secret}\n") };
        cli_with_stdin(self.path(), &command, &stdin);
    }

    /// How to start a host serving the tenant.
    pub fn start(&self) -> Start<'_> {
        Start::new(self.plugins.path(), self.path(), &self.settings)
    }

    /// A host serving the tenant over stdio.
    pub async fn host(&self) -> StdioHost {
        StdioHost::start(self.start()).await
    }
}
