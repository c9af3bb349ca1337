//! Host settings: `berth.toml`, overridden by `BERTH_*` environment
//! variables, overridden by command-line flags. Unknown keys are rejected, so
//! a typo is an error rather than a silently ignored setting, and every
//! section is checked before the host starts ([`Settings::validate`]), so a
//! value the host cannot run with is an error naming the key and the fix
//! rather than a panic later.
//!
//! A section checks itself with a `validate` method built from
//! [`in_range`]; a new section adds one and a line in
//! [`Settings::validate`].

use crate::admission::AdmissionLimits;
use crate::audit::AuditSettings;
use crate::auth::AuthSettings;
use crate::capabilities::cache::CacheLimits;
use crate::db::{Database, DatabaseSettings, DbError};
use crate::events::EventSettings;
use crate::http::HttpSettings;
use crate::mcp::paging::McpSettings;
use crate::policy::manifest::ManifestLimits;
use crate::policy::schema::SchemaLimits;
use crate::runtime::Limits;
use crate::shared::RedisSettings;
use crate::upstream::EgressSettings;
use crate::upstream::resilience::ResilienceSettings;
use crate::vault::VaultSettings;
use serde::Deserialize;
use std::fmt::Display;
use std::ops::RangeInclusive;
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
    /// A value the host cannot run with.
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
}

/// A setting out of the range the host can run with, naming the key, the
/// value and what to set instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("[{section}] {key} = {value} {fix}")]
pub struct InvalidSetting {
    /// The section in `berth.toml`, e.g. `resilience`.
    pub section: &'static str,
    /// The key in the section.
    pub key: &'static str,
    /// The value given, as text.
    pub value: String,
    /// What is wrong and what to set instead.
    pub fix: String,
}

impl InvalidSetting {
    /// `section.key = value` is wrong; `fix` says what to do.
    pub fn new(section: &'static str, key: &'static str, value: impl Display, fix: impl Into<String>) -> Self {
        Self { section, key, value: value.to_string(), fix: fix.into() }
    }
}

/// Checks that `section.key = value` lies in `range` (a NaN never does).
pub fn in_range<T: PartialOrd + Display>(
    section: &'static str,
    key: &'static str,
    value: T,
    range: RangeInclusive<T>,
) -> Result<(), InvalidSetting> {
    if range.contains(&value) {
        Ok(())
    } else {
        let fix = format!("is out of range; use {} to {}", range.start(), range.end());
        Err(InvalidSetting::new(section, key, value, fix))
    }
}

/// Everything an operator can set. Its `Debug` leaves out the master key.
#[derive(Clone, Deserialize)]
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
    /// Bounds on what a plugin may declare (`[manifest]`).
    pub manifest: ManifestLimits,
    /// Bounds on tool schemas and their reports (`[schemas]`).
    pub schemas: SchemaLimits,
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
    /// The vault: what `credential set` accepts.
    pub vault: VaultSettings,
    /// How the audit log is written and how long it is kept.
    pub audit: AuditSettings,
    /// The MCP surface: how lists page (`[mcp]`).
    pub mcp: McpSettings,
    /// Webhook deliveries: body cap, replay window, history (`[events]`).
    pub events: EventSettings,
    /// Redis, for the cache and rate limits every replica shares
    /// (`[redis]`; the URL also from `BERTH_REDIS_URL`).
    pub redis: RedisSettings,
    /// Accepting identity providers' tokens (`[auth]`).
    pub auth: AuthSettings,
    /// The store: embedded SQLite in the data directory, or PostgreSQL
    /// for several replicas (`[database]`; the URL also from
    /// `BERTH_DATABASE_URL` or `--database`).
    pub database: DatabaseSettings,
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
            manifest: ManifestLimits::default(),
            schemas: SchemaLimits::default(),
            http: HttpSettings::default(),
            admission: AdmissionLimits::default(),
            egress: EgressSettings::default(),
            resilience: ResilienceSettings::default(),
            admin: AdminSettings::default(),
            vault: VaultSettings::default(),
            audit: AuditSettings::default(),
            mcp: McpSettings::default(),
            events: EventSettings::default(),
            redis: RedisSettings::default(),
            auth: AuthSettings::default(),
            database: DatabaseSettings::default(),
            compile_cache_dir: None,
            watch_plugins: true,
            master_key_file: None,
            master_key: None,
        }
    }
}

/// `[admin]` settings: who may change plugins and read metrics over HTTP.
/// Its `Debug` says whether each token is set, never the token.
#[derive(Clone, Deserialize)]
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

/// How a secret setting appears in `Debug` output: whether it is set.
fn redacted(secret: &Option<String>) -> &'static str {
    if secret.is_some() { "Some(<redacted>)" } else { "None" }
}

impl std::fmt::Debug for AdminSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminSettings")
            .field("token", &format_args!("{}", redacted(&self.token)))
            .field("metrics_token", &format_args!("{}", redacted(&self.metrics_token)))
            .field("max_component_mib", &self.max_component_mib)
            .finish()
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("data_dir", &self.data_dir)
            .field("plugins_dir", &self.plugins_dir)
            .field("limits", &self.limits)
            .field("cache", &self.cache)
            .field("http", &self.http)
            .field("admission", &self.admission)
            .field("egress", &self.egress)
            .field("resilience", &self.resilience)
            .field("admin", &self.admin)
            .field("mcp", &self.mcp)
            .field("events", &self.events)
            .field("compile_cache_dir", &self.compile_cache_dir)
            .field("watch_plugins", &self.watch_plugins)
            .field("master_key_file", &self.master_key_file)
            .field("master_key", &format_args!("{}", redacted(&self.master_key)))
            .finish()
    }
}

impl Default for AdminSettings {
    fn default() -> Self {
        Self { token: None, metrics_token: None, max_component_mib: 128 }
    }
}

impl Settings {
    /// Opens the store these settings name (see [`Database::open`]).
    pub async fn open_database(&self) -> Result<Database, DbError> {
        Database::open(&self.database, &self.data_dir()).await
    }

    /// Reads `path`.
    pub fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| SettingsError::Read { path: path.to_owned(), source })?;
        toml::from_str(&text).map_err(|source| SettingsError::Parse { path: path.to_owned(), source })
    }

    /// Refuses any value the host cannot run with, section by section, then
    /// the bounds that span sections: the first problem, naming the key and
    /// the fix.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        self.limits.validate()?;
        self.cache.validate()?;
        self.http.validate()?;
        self.admission.validate()?;
        self.egress.validate()?;
        self.resilience.validate()?;
        self.manifest.validate()?;
        self.schemas.validate()?;
        self.audit.validate()?;
        self.mcp.validate()?;
        self.events.validate()?;
        self.redis.validate()?;
        self.auth.validate()?;
        in_range("admin", "max_component_mib", self.admin.max_component_mib, 1..=4096)?;
        self.http.validate_against(&self.limits)
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
    fn every_section_is_checked_naming_the_key_and_the_fix() {
        assert_eq!(Settings::default().validate(), Ok(()));
        let cases = [
            ("[resilience]\nrate_per_second = 0.0\n", "[resilience] rate_per_second = 0 is out of range; use 0.001 to"),
            ("[resilience]\nrate_per_second = nan\n", "[resilience] rate_per_second = NaN is out of range"),
            ("[resilience]\nrate_per_second = -5.0\n", "[resilience] rate_per_second = -5 is out of range"),
            (
                "[resilience]\nbreaker_cooldown_ms = 9223372036854775807\n",
                "[resilience] breaker_cooldown_ms = 9223372036854775807",
            ),
            ("[cache]\nmax_entries = 0\n", "[cache] max_entries = 0 is out of range; use 1 to"),
            (
                "[cache]\nmax_value_bytes = 99999999\n",
                "[cache] max_value_bytes = 99999999 is out of range; use 1 to 16777216",
            ),
            ("[admission]\nmax_calls = 0\n", "[admission] max_calls = 0"),
            (
                "[admission]\nmax_calls_per_tenant = 300\n",
                "[admission] max_calls_per_tenant = 300 is out of range; use 1 to 256",
            ),
            ("[egress]\ntimeout_ms = 0\n", "[egress] timeout_ms = 0"),
            ("[http]\nmax_connections = 0\n", "[http] max_connections = 0"),
            ("[http]\nsse_keep_alive_secs = 0\n", "[http] sse_keep_alive_secs = 0"),
            ("[http]\nidle_timeout_secs = 0\n", "[http] idle_timeout_secs = 0 is out of range"),
            ("[http]\nsession_idle_secs = 5\n", "[http] session_idle_secs = 5 would cut off calls"),
            ("[limits]\nmemory_mib = 0\n", "[limits] memory_mib = 0"),
            ("[admin]\nmax_component_mib = 0\n", "[admin] max_component_mib = 0"),
        ];
        for (text, says) in cases {
            let settings: Settings = toml::from_str(text).unwrap();
            let error = settings.validate().expect_err(text).to_string();
            assert!(error.starts_with(says), "{text}: {error}");
        }
    }

    #[test]
    fn debug_output_never_shows_the_master_key_or_the_tokens() {
        let admin = AdminSettings {
            token: Some("admin-token-0123456789".to_owned()),
            metrics_token: Some("metrics-token-0123456789".to_owned()),
            ..AdminSettings::default()
        };
        let settings =
            Settings { master_key: Some("5eb63bbbe01eeed093cb22bb8f5acdc3".to_owned()), admin, ..Settings::default() };
        let debug = format!("{settings:?} {settings:#?}");
        for secret in ["5eb63bbbe01eeed093cb22bb8f5acdc3", "admin-token-0123456789", "metrics-token-0123456789"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("master_key: Some(<redacted>)") && debug.contains("max_component_mib: 128"), "{debug}");
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
