//! The network face of Berth: Streamable HTTP at `/mcp`, legacy HTTP+SSE at
//! `/sse` and `/messages`, the admin API under `/admin`, `/metrics`, and
//! `/healthz` and `/readyz`, on one axum router. Every MCP route is behind
//! Host/Origin validation, bearer authentication, a body cap and admission
//! control; a tool call behaves the same on every transport because all of
//! them serve the same [`BerthServer`](crate::mcp::BerthServer). The admin
//! routes share the Host/Origin guard but take their own token.

mod admin;
mod auth;
mod error;
mod guard;
mod health;
mod legacy_sse;
mod negotiate;
mod streamable;

pub use error::ApiError;

use crate::app::App;
use crate::settings::AdminSettings;
use axum::Router;
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;

/// Shortest admin or metrics token accepted.
pub const MIN_TOKEN_LEN: usize = 16;

/// `[http]` settings.
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
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self { body_limit_kib: 1024, shutdown_grace_ms: 10_000, sse_keep_alive_secs: 15 }
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
    /// A keep-alive interval of zero would flood every stream.
    #[error("[http] sse_keep_alive_secs must be at least 1")]
    NoKeepAlive,
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
        if self.settings.sse_keep_alive_secs == 0 {
            return Err(ServeError::NoKeepAlive);
        }
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
    // Without TCP_NODELAY, the small writes of an SSE answer wait for the
    // client's delayed ACK: about 40 ms added to every call.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY: {error}");
        }
    });
    let server = axum::serve(listener, router).with_graceful_shutdown(stop_accepting.clone().cancelled_owned());
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
        result = server => result?,
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
    let mcp_state = streamable::Streamable::new(app.clone());
    let mcp = Router::new()
        .route_service("/mcp", mcp_state.service(settings, close_sessions))
        .route_layer(axum::middleware::from_fn_with_state(mcp_state, streamable::gate))
        .merge(
            Router::new()
                .route("/sse", get(legacy_sse::open))
                .route("/messages", post(legacy_sse::post))
                .with_state(legacy),
        )
        .layer(axum::middleware::from_fn_with_state(auth_state, auth::authenticate));
    let policy = Arc::new(guard::HostPolicy::new(loopback, options.allowed_hosts.clone()));
    Router::new()
        .merge(mcp.layer(RequestBodyLimitLayer::new(settings.body_limit_bytes())))
        .merge(admin::routes(app.clone(), &options.admin))
        .layer(axum::middleware::from_fn_with_state(policy, guard::check))
        .merge(health::routes(app))
}
