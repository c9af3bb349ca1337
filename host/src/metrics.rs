//! [`Metrics`]: what the host counts, rendered as Prometheus text on
//! `/metrics`.
//!
//! Events (tool calls, upstream requests, reloads) are counted as they
//! happen. Levels (instances in use, loaded plugins, circuit states, the
//! compile cache) are read when scraped, from a [`Levels`] the caller takes
//! from the running host, so they can never drift from the truth.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Duration;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    tenant: String,
    plugin: String,
    tool: String,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ToolLabels {
    tenant: String,
    plugin: String,
    tool: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct UpstreamLabels {
    origin: String,
    status: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReloadLabels {
    plugin: String,
    event: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PluginLabels {
    plugin: String,
    version: String,
    digest: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CircuitLabels {
    tenant: String,
    origin: String,
}

/// How a tool call ended, as the `outcome` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    /// The tool returned a result.
    Ok,
    /// The tool reported an error (`isError: true` from the guest).
    ToolError,
    /// The arguments did not match the input schema; the guest never ran.
    InvalidArguments,
    /// A limit (memory, deadline, output, handles) stopped the guest.
    LimitExceeded,
    /// The guest trapped.
    Crashed,
    /// No instance slot came free in time.
    Busy,
    /// The client cancelled the call.
    Cancelled,
    /// The call stopped to ask a client without a session for input, which
    /// a retry brings.
    InputRequired,
    /// The caller's roles do not permit the tool; the guest never ran.
    Refused,
    /// The caller has not connected their own account for one of the
    /// plugin's per-user credentials; the guest never ran.
    NotConnected,
}

impl CallOutcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::ToolError => "tool_error",
            Self::InvalidArguments => "invalid_arguments",
            Self::LimitExceeded => "limit_exceeded",
            Self::Crashed => "crashed",
            Self::Busy => "busy",
            Self::Cancelled => "cancelled",
            Self::Refused => "refused",
            Self::NotConnected => "not_connected",
            Self::InputRequired => "input_required",
        }
    }
}

/// A change to the set of loaded plugins, as the `event` label says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadEvent {
    /// A plugin that was not loaded now is.
    Loaded,
    /// A loaded plugin was replaced by another version.
    Upgraded,
    /// A plugin was removed.
    Unloaded,
    /// A plugin went back to an earlier version.
    RolledBack,
    /// A new version was refused; the old one, if any, kept serving.
    Rejected,
}

impl ReloadEvent {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loaded => "loaded",
            Self::Upgraded => "upgraded",
            Self::Unloaded => "unloaded",
            Self::RolledBack => "rolled_back",
            Self::Rejected => "rejected",
        }
    }
}

/// The state of one circuit breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Requests flow.
    Closed,
    /// Requests fail fast.
    Open,
    /// One probe is deciding.
    HalfOpen,
}

/// Levels read from the running host at scrape time.
#[derive(Debug, Default)]
pub struct Levels {
    /// Instances running a call now.
    pub instances_in_use: u64,
    /// Most instances that may run at once.
    pub instances_max: u64,
    /// MCP sessions connected now (initialized ones, on every transport).
    pub sessions: u64,
    /// Compile-cache (hits, misses) since start, if a cache is configured.
    pub compile_cache: Option<(u64, u64)>,
    /// Loaded plugins as (name, version, digest).
    pub plugins: Vec<(String, String, String)>,
    /// Circuit breakers as (tenant, origin, state).
    pub circuits: Vec<(String, String, CircuitState)>,
}

/// The host's event counters.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    call_seconds: Family<ToolLabels, Histogram>,
    upstream: Family<UpstreamLabels, Counter>,
    reloads: Family<ReloadLabels, Counter>,
    events: Family<EventLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Empty counters, registered under the `berth_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("berth");
        let calls = Family::<CallLabels, Counter>::default();
        // 1 ms to ~33 s: instantiation is microseconds, upstream calls are
        // tens of milliseconds to seconds, and the default deadline is 10 s.
        let call_seconds = Family::<ToolLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 16))
        });
        let upstream = Family::<UpstreamLabels, Counter>::default();
        let reloads = Family::<ReloadLabels, Counter>::default();
        registry.register("tool_calls", "Tool calls by tenant, plugin, tool and outcome", calls.clone());
        registry.register(
            "tool_call_duration_seconds",
            "Tool call latency, from arguments received to result sent",
            call_seconds.clone(),
        );
        registry.register(
            "upstream_requests",
            "Outbound HTTP requests by origin and final status (or error kind)",
            upstream.clone(),
        );
        registry.register("plugin_reloads", "Changes to the loaded plugins, by plugin and event", reloads.clone());
        let events = Family::<EventLabels, Counter>::default();
        registry.register(
            "webhook_events",
            "Webhook deliveries by outcome: accepted, duplicate, refused or busy on arrival; then handled or failed",
            events.clone(),
        );
        Self { registry, calls, call_seconds, upstream, reloads, events }
    }

    /// Counts a finished tool call.
    pub fn tool_call(&self, tenant: &str, plugin: &str, tool: &str, outcome: CallOutcome, elapsed: Duration) {
        let (tenant, plugin, tool) = (tenant.to_owned(), plugin.to_owned(), tool.to_owned());
        self.call_seconds
            .get_or_create(&ToolLabels { tenant: tenant.clone(), plugin: plugin.clone(), tool: tool.clone() })
            .observe(elapsed.as_secs_f64());
        self.calls.get_or_create(&CallLabels { tenant, plugin, tool, outcome: outcome.as_str() }).inc();
    }

    /// Counts an outbound request to `origin` that ended with `status`, or
    /// with the error kind when no response came (`denied`, `timeout`, …).
    pub fn upstream_request(&self, origin: &str, status: &str) {
        self.upstream.get_or_create(&UpstreamLabels { origin: origin.to_owned(), status: status.to_owned() }).inc();
    }

    /// Counts a change to the loaded plugins.
    pub fn reload(&self, plugin: &str, event: ReloadEvent) {
        self.reloads.get_or_create(&ReloadLabels { plugin: plugin.to_owned(), event: event.as_str() }).inc();
    }

    /// Counts a webhook delivery's `outcome` (an event-history outcome).
    /// Tenants are not a label: anyone can post to a hook URL, and a label
    /// per made-up tenant would grow without bound.
    pub fn event(&self, outcome: &'static str) {
        self.events.get_or_create(&EventLabels { outcome }).inc();
    }

    /// The counters and `levels`, as OpenMetrics text (which Prometheus
    /// scrapes natively).
    pub fn render(&self, levels: &Levels) -> String {
        let mut out = String::new();
        encode_registry(&mut out, &self.registry).expect("writing to a String cannot fail");
        encode_registry(&mut out, &level_registry(levels)).expect("writing to a String cannot fail");
        encode_eof(&mut out).expect("writing to a String cannot fail");
        out
    }
}

/// A throwaway registry holding `levels` for one scrape.
fn level_registry(levels: &Levels) -> Registry {
    let mut registry = Registry::with_prefix("berth");
    registry.register(
        "instances_in_use",
        "Instances running a call now",
        ConstGauge::new(levels.instances_in_use as i64),
    );
    registry.register(
        "instances_max",
        "Most instances that may run at once",
        ConstGauge::new(levels.instances_max as i64),
    );
    registry.register("sessions", "MCP sessions connected now", ConstGauge::new(levels.sessions as i64));
    if let Some((hits, misses)) = levels.compile_cache {
        registry.register(
            "compile_cache_hits",
            "Components whose compiled code came from the cache",
            ConstCounter::new(hits),
        );
        registry.register(
            "compile_cache_misses",
            "Components compiled and stored in the cache",
            ConstCounter::new(misses),
        );
    }
    registry.register("plugins_loaded", "Plugins being served", ConstGauge::new(levels.plugins.len() as i64));
    let versions = Family::<PluginLabels, Gauge>::default();
    for (plugin, version, digest) in &levels.plugins {
        versions
            .get_or_create(&PluginLabels { plugin: plugin.clone(), version: version.clone(), digest: digest.clone() })
            .set(1);
    }
    registry.register("plugin_info", "The version and content digest of each loaded plugin (always 1)", versions);
    let circuits = Family::<CircuitLabels, Gauge>::default();
    for (tenant, origin, state) in &levels.circuits {
        let value = match state {
            CircuitState::Closed => 0,
            CircuitState::Open => 1,
            CircuitState::HalfOpen => 2,
        };
        circuits.get_or_create(&CircuitLabels { tenant: tenant.clone(), origin: origin.clone() }).set(value);
    }
    registry.register(
        "circuit_state",
        "Circuit breaker per tenant and origin: 0 closed, 1 open, 2 half-open",
        circuits,
    );
    registry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_levels_as_openmetrics() {
        let metrics = Metrics::new();
        metrics.tool_call("acme", "hello", "greet", CallOutcome::Ok, Duration::from_millis(3));
        metrics.tool_call("acme", "hello", "greet", CallOutcome::Ok, Duration::from_millis(5));
        metrics.upstream_request("https://example.com:443", "200");
        let levels = Levels {
            instances_in_use: 1,
            instances_max: 64,
            sessions: 3,
            compile_cache: Some((2, 1)),
            plugins: vec![("hello".into(), "0.1.0".into(), "ab12".into())],
            circuits: vec![("acme".into(), "https://example.com:443".into(), CircuitState::Open)],
        };
        let text = metrics.render(&levels);
        assert!(
            text.contains(r#"berth_tool_calls_total{tenant="acme",plugin="hello",tool="greet",outcome="ok"} 2"#),
            "{text}"
        );
        assert!(text.contains("berth_tool_call_duration_seconds_count{"), "{text}");
        assert!(text.contains(r#"berth_upstream_requests_total{origin="https://example.com:443",status="200"} 1"#));
        assert!(text.contains("berth_compile_cache_hits_total 2"), "{text}");
        assert!(text.contains("berth_sessions 3"), "{text}");
        assert!(text.contains(r#"berth_plugin_info{plugin="hello",version="0.1.0",digest="ab12"} 1"#), "{text}");
        assert!(text.contains(r#"berth_circuit_state{tenant="acme",origin="https://example.com:443"} 1"#));
        assert_eq!(text.matches("# EOF").count(), 1);
        assert!(text.ends_with("# EOF\n"));
    }
}
