//! The probe fixture served over stdio against a fresh fake upstream, with
//! the tenant's `upstream` setting pointing at it.

use super::http::cli;
use super::upstream::FakeUpstream;
use super::{PluginsDir, Start, StdioHost, fixture, text};
use serde_json::Value;

/// A host serving `probe` for tenant `default`, and its fake upstream.
pub struct ProbeHost {
    /// The host.
    pub host: StdioHost,
    /// The fake the probe may reach.
    pub upstream: FakeUpstream,
    /// The host's data directory.
    pub data: tempfile::TempDir,
    /// The watched plugins directory, holding `probe.wasm`.
    pub dir: PluginsDir,
}

impl ProbeHost {
    /// Starts one with `settings` (TOML).
    pub async fn start(settings: &str) -> Self {
        Self::start_via(settings, |upstream| upstream.addr.to_string()).await
    }

    /// Starts one with `settings` (TOML) whose tenant's `upstream` setting
    /// is `authority(fake)`: another name for the fake, say, or an address
    /// where nothing listens.
    pub async fn start_via(settings: &str, authority: impl FnOnce(&FakeUpstream) -> String) -> Self {
        let upstream = FakeUpstream::start().await;
        let data = tempfile::tempdir().unwrap();
        cli(data.path(), &["config", "set", "--tenant", "default", "probe", "upstream", &authority(&upstream)]);
        let dir = PluginsDir::new().with(&fixture("probe"), "probe.wasm");
        let host = StdioHost::start(Start {
            plugins: Some(dir.path()),
            data: Some(data.path()),
            settings: Some(settings),
            ..Start::default()
        })
        .await;
        Self { host, upstream, data, dir }
    }

    /// Runs `probe_fetch` with `request` and returns what the probe reported.
    pub async fn fetch(&self, request: Value) -> Value {
        let result = self.host.call_ok("probe_fetch", request).await;
        serde_json::from_str(&text(&result)).unwrap_or_else(|error| panic!("{error}: {}", text(&result)))
    }
}
