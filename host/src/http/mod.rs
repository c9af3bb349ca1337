//! The network face of Berth: Streamable HTTP at `/mcp`, legacy HTTP+SSE at
//! `/sse` and `/messages`, the admin API under `/admin`, `/metrics`, and
//! `/healthz` and `/readyz`, and signed webhooks at `/hooks/{tenant}/{plugin}`,
//! on one axum router. Every MCP route is behind
//! Host/Origin validation, bearer authentication, a body cap and admission
//! control; a tool call behaves the same on every transport because all of
//! them serve the same [`BerthServer`](crate::mcp::BerthServer). The admin
//! routes share the Host/Origin guard but take their own token.

mod admin;
mod auth;
mod body;
mod connect;
mod connections;
mod error;
mod guard;
mod health;
mod hooks;
mod legacy_sse;
mod negotiate;
mod resource_metadata;
mod streamable;

pub use error::ApiError;

use crate::app::App;
use crate::runtime::Limits;
use crate::settings::{AdminSettings, InvalidSetting, in_range};
use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Shortest admin or metrics token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// `[http]` settings. The timeouts and connection bounds are what stand
/// between the host and a client that opens sockets and says nothing, or
/// says it very slowly: each such socket is closed within a bounded time,
/// and together they can never take every file descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Largest request body, in KiB (413 above it). MCP messages are small;
    /// this stops a client from making the host buffer megabytes.
    pub body_limit_kib: u32,
    /// How long in-flight calls may run after SIGTERM or SIGINT, in ms; on
    /// every transport, stdio included.
    pub shutdown_grace_ms: u64,
    /// Interval of keep-alive comments (`/sse`) and pings (`/mcp`) on idle
    /// SSE streams, in seconds, so that proxies and load balancers do not
    /// cut a quiet stream. At least 1.
    pub sse_keep_alive_secs: u64,
    /// Longest a client may take to send a request's headers, in ms, from
    /// the request's first byte (or, on a new connection, from connecting).
    /// Real clients send their headers at once; 10 s covers a slow link, and
    /// a client that trickles them (slowloris) holds its socket no longer.
    pub header_read_timeout_ms: u64,
    /// Longest a client may take to send a request's body, in ms (`408`
    /// after it). A body is at most `body_limit_kib` (1 MiB by default): 30 s
    /// allows about 35 KiB/s, and a trickled body frees its socket and its
    /// request slot after that.
    pub body_read_timeout_ms: u64,
    /// A connection with no request in flight on which nothing is read or
    /// written for this long is closed, in seconds: how long a kept-alive
    /// connection waits for its next request. Longer than the header
    /// deadline, so that clients that keep connections for a while (most
    /// pool them for 90 s) rarely reuse one just as the host closes it.
    pub idle_timeout_secs: u64,
    /// Connections open at once, from every client together; more are
    /// closed as soon as they are accepted. 512 stays well under the common
    /// limit of 1,024 file descriptors, leaving room for the database,
    /// plugin files and outbound requests, so a flood of idle sockets fills
    /// this bound and never the descriptor table.
    pub max_connections: u32,
    /// Connections open at once from one IP address. One client needs a few
    /// (a stream per session, a request or two), and an agent host running
    /// many clients needs many; 256 lets it, while one address can never
    /// hold more than half of the host's connections. Behind a reverse proxy
    /// every client shares the proxy's address: raise it to
    /// `max_connections` there.
    pub max_connections_per_peer: u32,
    /// A Streamable HTTP session with no message in either direction for
    /// this long ends and frees its session slot, in seconds. 60 s: a client
    /// that walked away holds a slot a minute, not five; a client still there
    /// that meets the `404` opens a new session, as the MCP specification
    /// requires of it. It must outlast a call, which sends nothing while it
    /// runs.
    pub session_idle_secs: u64,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            body_limit_kib: 1024,
            shutdown_grace_ms: 10_000,
            sse_keep_alive_secs: 15,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            idle_timeout_secs: 60,
            max_connections: 512,
            max_connections_per_peer: 256,
            session_idle_secs: 60,
        }
    }
}

impl HttpSettings {
    /// The body cap in bytes, as the layers that enforce it count.
    pub fn body_limit_bytes(&self) -> usize {
        self.body_limit_kib as usize * 1024
    }

    /// How long in-flight calls may run after SIGTERM or SIGINT.
    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_millis(self.shutdown_grace_ms)
    }

    /// Refuses values the server cannot run with, naming the key.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        const SECTION: &str = "http";
        in_range(SECTION, "body_limit_kib", self.body_limit_kib, 1..=65_536)?;
        in_range(SECTION, "shutdown_grace_ms", self.shutdown_grace_ms, 0..=3_600_000)?;
        in_range(SECTION, "sse_keep_alive_secs", self.sse_keep_alive_secs, 1..=3_600)?;
        in_range(SECTION, "header_read_timeout_ms", self.header_read_timeout_ms, 100..=600_000)?;
        in_range(SECTION, "body_read_timeout_ms", self.body_read_timeout_ms, 100..=3_600_000)?;
        in_range(SECTION, "idle_timeout_secs", self.idle_timeout_secs, 1..=86_400)?;
        in_range(SECTION, "max_connections", self.max_connections, 1..=1_000_000)?;
        in_range(SECTION, "max_connections_per_peer", self.max_connections_per_peer, 1..=self.max_connections)?;
        in_range(SECTION, "session_idle_secs", self.session_idle_secs, 1..=86_400)?;
        Ok(())
    }

    /// The bound that depends on `[limits]`: a session must outlast the
    /// longest call, which is silent while it runs. (A connection with a
    /// call in flight is never idle, so `idle_timeout_secs` has no such
    /// bound.)
    pub fn validate_against(&self, limits: &Limits) -> Result<(), InvalidSetting> {
        if self.session_idle_secs.saturating_mul(1000) <= limits.call_timeout_ms {
            let fix = format!(
                "would cut off calls still running; set it above limits.call_timeout_ms ({} ms)",
                limits.call_timeout_ms
            );
            return Err(InvalidSetting::new("http", "session_idle_secs", self.session_idle_secs, fix));
        }
        Ok(())
    }
}

/// How to serve HTTP.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Address to bind.
    pub addr: SocketAddr,
    /// Extra `Host` names (and `Origin` hosts) to accept.
    pub allowed_hosts: Vec<String>,
    /// Tenant for requests without a key (loopback binds only).
    pub anonymous_tenant: Option<String>,
    /// Body cap and shutdown grace.
    pub settings: HttpSettings,
    /// Admin and metrics tokens.
    pub admin: AdminSettings,
}

/// Why the HTTP server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// `--anonymous-tenant` on an address others can reach.
    #[error(
        "refusing --anonymous-tenant on {0}: anyone who can reach a non-loopback address would act as that tenant; bind 127.0.0.1 or ::1, or use API keys"
    )]
    AnonymousNotLoopback(SocketAddr),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// An admin or metrics token too short to resist guessing.
    #[error("the {0} token must be at least {MIN_TOKEN_LEN} characters; generate one with `openssl rand -hex 32`")]
    WeakToken(&'static str),
    /// An `[http]` setting out of range.
    #[error(transparent)]
    Invalid(#[from] InvalidSetting),
    /// The server failed while running.
    #[error("HTTP server failed: {0}")]
    Io(#[from] std::io::Error),
}

impl HttpOptions {
    /// Refuses combinations that would be unsafe, before anything starts.
    pub fn validate(&self) -> Result<(), ServeError> {
        if self.anonymous_tenant.is_some() && !self.addr.ip().is_loopback() {
            return Err(ServeError::AnonymousNotLoopback(self.addr));
        }
        self.settings.validate()?;
        for (name, token) in [("admin", &self.admin.token), ("metrics", &self.admin.metrics_token)] {
            if token.as_ref().is_some_and(|token| token.len() < MIN_TOKEN_LEN) {
                return Err(ServeError::WeakToken(name));
            }
        }
        Ok(())
    }
}

/// Serves until `shutdown` resolves, then stops accepting, lets in-flight
/// calls finish within the grace period, closes every session and returns.
pub async fn serve(
    app: Arc<App>,
    options: HttpOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    options.validate()?;
    let loopback = options.addr.ip().is_loopback();
    if let Some(tenant) = &options.anonymous_tenant {
        tracing::warn!(
            tenant,
            "requests without an API key run as tenant `{tenant}` (--anonymous-tenant); use this only for local development"
        );
    }
    let listener = tokio::net::TcpListener::bind(options.addr)
        .await
        .map_err(|source| ServeError::Bind { addr: options.addr, source })?;
    let local = listener.local_addr()?;
    tracing::info!("serving MCP on http://{local}/mcp (Streamable HTTP) and http://{local}/sse (legacy SSE)");

    let stop_accepting = CancellationToken::new();
    let close_sessions = CancellationToken::new();
    let router = router(app.clone(), &options, loopback, close_sessions.clone());
    let server = connections::serve(listener, router, options.settings, stop_accepting.clone());
    let grace = options.settings.shutdown_grace();
    let drain = async move {
        shutdown.await;
        stop_accepting.cancel();
        tracing::info!("shutting down: no new connections; waiting up to {grace:?} for in-flight calls");
        if tokio::time::timeout(grace, app.admission.calls.drained()).await.is_err() {
            tracing::warn!("grace period over with {} calls still in flight", app.admission.calls.in_use());
        }
        close_sessions.cancel();
        // Sessions close their streams now; give connections a moment to end.
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    tokio::select! {
        () = server => {}
        () = drain => tracing::warn!("connections still open after shutdown; closing them"),
    }
    tracing::info!("HTTP server stopped");
    Ok(())
}

fn router(app: Arc<App>, options: &HttpOptions, loopback: bool, close_sessions: CancellationToken) -> Router {
    let settings = &options.settings;
    let auth_state =
        auth::AuthState { app: app.clone(), anonymous: options.anonymous_tenant.as_deref().map(Arc::from) };
    let legacy = legacy_sse::LegacyState {
        app: app.clone(),
        sessions: Arc::default(),
        shutdown: close_sessions.clone(),
        keep_alive: Duration::from_secs(settings.sse_keep_alive_secs),
    };
    let body_bounds = body::BodyBounds {
        limit: settings.body_limit_bytes(),
        timeout: Duration::from_millis(settings.body_read_timeout_ms),
    };
    let mcp_state = streamable::Streamable::new(app.clone(), settings, close_sessions);
    let mcp = Router::new()
        .route_service("/mcp", mcp_state.service(settings))
        .route_layer(axum::middleware::from_fn_with_state(mcp_state, streamable::gate))
        .merge(
            Router::new()
                .route("/sse", get(legacy_sse::open))
                .route("/messages", post(legacy_sse::post))
                .with_state(legacy),
        )
        .layer(axum::middleware::from_fn_with_state(body_bounds, body::read_whole))
        .layer(axum::middleware::from_fn_with_state(auth_state, auth::authenticate));
    // Where browsers reach the server (`[auth] public_url`) is an origin of
    // its own: its pages post forms from there.
    let public =
        app.auth.public_base().and_then(|base| Some(url::Url::parse(&base).ok()?.origin().ascii_serialization()));
    let policy = Arc::new(guard::HostPolicy::new(loopback, options.allowed_hosts.clone()).with_origin(public));
    Router::new()
        .merge(mcp)
        .merge(admin::routes(app.clone(), &options.admin))
        .merge(hooks::routes(app.clone(), Duration::from_millis(settings.body_read_timeout_ms)))
        .merge(resource_metadata::routes(app.clone()))
        .merge(connect::routes(app.clone()))
        .layer(axum::middleware::from_fn_with_state(policy, guard::check))
        .merge(health::routes(app))
}
