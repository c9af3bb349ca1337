//! Host settings: `berth.toml`, overridden by `BERTH_*` environment
//! variables, overridden by command-line flags. Unknown keys are rejected, so
//! a typo is an error rather than a silently ignored setting.

use crate::admission::AdmissionLimits;
use crate::audit::AuditSettings;
use crate::capabilities::cache::CacheLimits;
use crate::http::HttpSettings;
use crate::runtime::Limits;
use crate::upstream::EgressSettings;
use crate::upstream::resilience::ResilienceSettings;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The plugins the build produced from `plugins/` (see `host/build.rs`).
pub const BUNDLED_PLUGINS: &str = env!("BERTH_BUNDLED_PLUGINS");

/// Why the settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for these settings.
    #[error("invalid settings in {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What is wrong, with line and column.
        source: toml::de::Error,
    },
}

/// Everything an operator can set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Directory holding the database (`BERTH_DATA`, `--data`).
    pub data_dir: Option<PathBuf>,
    /// Directory of `.wasm` plugins to serve (`BERTH_PLUGINS`, `--plugins`);
    /// the bundled plugins when unset.
    pub plugins_dir: Option<PathBuf>,
    /// Limits on every call.
    pub limits: Limits,
    /// Bounds on the plugin cache.
    pub cache: CacheLimits,
    /// HTTP transport settings.
    pub http: HttpSettings,
    /// Bounds on sessions and in-flight calls.
    pub admission: AdmissionLimits,
    /// Outbound HTTP: allowed internal addresses, caps, timeouts.
    pub egress: EgressSettings,
    /// Retries, circuit breakers and rate limits for outbound HTTP.
    pub resilience: ResilienceSettings,
    /// The admin API and `/metrics`.
    pub admin: AdminSettings,
    /// How the audit log is written and how long it is kept.
    pub audit: AuditSettings,
    /// Directory of the compile cache (`BERTH_COMPILE_CACHE`,
    /// `--compile-cache`); default `compile-cache` in the data directory.
    pub compile_cache_dir: Option<PathBuf>,
    /// Whether a running host watches the plugins directory and applies
    /// changes at once (default true).
    pub watch_plugins: bool,
    /// File holding the vault's master key (`--master-key-file`); default
    /// `master.key` in the data directory, created on first use.
    pub master_key_file: Option<PathBuf>,
    /// The master key itself, from `BERTH_MASTER_KEY` only (never a file
    /// setting or a flag, so it stays out of `ps` and of config files).
    #[serde(skip)]
    pub master_key: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: None,
            plugins_dir: None,
            limits: Limits::default(),
            cache: CacheLimits::default(),
            http: HttpSettings::default(),
            admission: AdmissionLimits::default(),
            egress: EgressSettings::default(),
            resilience: ResilienceSettings::default(),
            admin: AdminSettings::default(),
            audit: AuditSettings::default(),
            compile_cache_dir: None,
            watch_plugins: true,
            master_key_file: None,
            master_key: None,
        }
    }
}

/// `[admin]` settings: who may change plugins and read metrics over HTTP.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// The admin API token (`BERTH_ADMIN_TOKEN` overrides it). Without one
    /// the admin API is disabled. Tenant API keys never work there.
    pub token: Option<String>,
    /// A token that may read `/metrics` only (`BERTH_METRICS_TOKEN`), so a
    /// scraper does not hold the power to change plugins. The admin token
    /// also reads metrics.
    pub metrics_token: Option<String>,
    /// Largest component the admin API accepts, in MiB.
    pub max_component_mib: u32,
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self { token: None, metrics_token: None, max_component_mib: 128 }
    }
}

impl Settings {
    /// Reads `path`.
    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SettingsError::Read { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|source| SettingsError::Parse { path: path.to_owned(), source })
    }

    /// The data directory: as set, else `$XDG_DATA_HOME/berth`, else
    /// `~/.local/share/berth`, else `./berth-data`.
    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = &self.data_dir {
            return dir.clone();
        }
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/share")));
        base.map_or_else(|| PathBuf::from("berth-data"), |base| base.join("berth"))
    }

    /// The compile cache: as set, else `compile-cache` in the data directory.
    pub fn compile_cache_dir(&self) -> PathBuf {
        self.compile_cache_dir.clone().unwrap_or_else(|| self.data_dir().join("compile-cache"))
    }

    /// The plugins directory: as set, else the bundled plugins.
    pub fn plugins_dir(&self) -> PathBuf {
        self.plugins_dir.clone().unwrap_or_else(|| PathBuf::from(BUNDLED_PLUGINS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_their_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berth.toml");
        std::fs::write(&path, "[limits]\nmemory_mb = 12\n").unwrap();
        let error = Settings::from_file(&path).unwrap_err().to_string();
        assert!(error.contains("memory_mb"), "{error}");
    }

    #[test]
    fn partial_files_keep_the_other_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berth.toml");
        std::fs::write(&path, "[limits]\nmemory_mib = 32\n").unwrap();
        let settings = Settings::from_file(&path).unwrap();
        assert_eq!(settings.limits.memory_mib, 32);
        assert_eq!(settings.limits.call_timeout_ms, Limits::default().call_timeout_ms);
    }

    #[test]
    fn egress_address_classes_are_allowed_one_by_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berth.toml");
        std::fs::write(
            &path,
            "[egress]
allow_link_local = true
timeout_ms = 5000
",
        )
        .unwrap();
        let egress = Settings::from_file(&path).unwrap().egress;
        assert!(
            egress.addresses.allow_link_local && !egress.addresses.allow_loopback && !egress.addresses.allow_private
        );
        assert_eq!(egress.timeout_ms, 5000);
        std::fs::write(
            &path,
            "[egress]
allow_link_locals = true
",
        )
        .unwrap();
        let error = Settings::from_file(&path).unwrap_err().to_string();
        assert!(error.contains("allow_link_locals"), "{error}");
    }
}
