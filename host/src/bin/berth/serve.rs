//! `berth serve`: MCP over stdio and/or HTTP until a signal, and the
//! transports `demo` shares.

use anyhow::{Context, bail};
use berth::app::App;
use berth::http::{HttpOptions, HttpSettings};
use berth::mcp::first_request::AwaitFirstRequest;
use berth::mcp::stdio::LineTransport;
use berth::mcp::{BerthServer, Draining};
use berth::settings::Settings;
use clap::Args;
use rmcp::ServiceExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;

/// What `berth serve` takes.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) transports: Transports,
    /// Directory of plugin components (*.wasm). Defaults to the bundled plugins.
    #[arg(long, env = "BERTH_PLUGINS")]
    pub(crate) plugins: Option<PathBuf>,
    /// Tenant the stdio session runs as.
    #[arg(long, env = "BERTH_TENANT", default_value = "default")]
    pub(crate) tenant: String,
    /// Load the plugins directory once at start instead of watching it.
    #[arg(long)]
    pub(crate) no_watch: bool,
}

/// Where MCP is served; shared by `serve` and `demo`.
#[derive(Debug, Args)]
pub(crate) struct Transports {
    /// Serve one session over stdin/stdout.
    #[arg(long)]
    pub(crate) stdio: bool,
    /// Serve Streamable HTTP (/mcp) and legacy SSE (/sse) on this address, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR", env = "BERTH_HTTP")]
    pub(crate) http: Option<SocketAddr>,
    /// Also accept this Host (and Origin host) on HTTP; repeatable.
    #[arg(long = "allowed-host", value_name = "HOST")]
    pub(crate) allowed_hosts: Vec<String>,
    /// Let HTTP requests without an API key run as this tenant (loopback binds only).
    #[arg(long, value_name = "TENANT")]
    pub(crate) anonymous_tenant: Option<String>,
}

/// Starts the host from `settings` and serves it as `args` ask.
pub(crate) async fn run(args: ServeArgs, settings: Settings) -> anyhow::Result<()> {
    let http = http_options(&args.transports, &settings)?;
    let app = App::start(&settings).await?;
    run_transports(app, args.transports.stdio, &args.tenant, http, &settings.http).await
}

/// What `--http` and its companions ask for, checked before anything starts.
pub(crate) fn http_options(args: &Transports, settings: &Settings) -> anyhow::Result<Option<HttpOptions>> {
    let http = args.http.map(|addr| HttpOptions {
        addr,
        allowed_hosts: args.allowed_hosts.clone(),
        anonymous_tenant: args.anonymous_tenant.clone(),
        settings: settings.http,
        admin: settings.admin.clone(),
    });
    match &http {
        Some(options) => options.validate()?,
        None if args.stdio => {}
        None => bail!("choose a transport: --stdio, --http ADDR, or both"),
    }
    Ok(http)
}

/// Serves `app` over stdio (as `tenant`) and/or HTTP until both end. On
/// SIGTERM or SIGINT every transport stops taking new work, lets in-flight
/// calls finish within `settings.shutdown_grace_ms`, and ends.
pub(crate) async fn run_transports(
    app: std::sync::Arc<App>,
    stdio: bool,
    tenant: &str,
    http: Option<HttpOptions>,
    settings: &HttpSettings,
) -> anyhow::Result<()> {
    let shutdown = CancellationToken::new();
    tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            shutdown_signal().await;
            shutdown.cancel();
        }
    });
    let http =
        http.map(|options| tokio::spawn(berth::http::serve(app.clone(), options, shutdown.clone().cancelled_owned())));
    let served = async {
        if stdio {
            serve_stdio(app.clone(), tenant, shutdown, settings).await?;
        }
        if let Some(http) = http {
            http.await.context("HTTP server task failed")??;
        }
        anyhow::Ok(())
    }
    .await;
    // Every call is answered (or past its grace): commit the audit rows
    // still queued before the process exits.
    app.audit.flush().await;
    served
}

/// Serves one session on stdin/stdout until stdin ends or `shutdown`. A
/// message (a line) is at most `settings.body_limit_kib`, as over HTTP.
async fn serve_stdio(
    app: std::sync::Arc<App>,
    tenant: &str,
    shutdown: CancellationToken,
    settings: &HttpSettings,
) -> anyhow::Result<()> {
    tracing::info!(tenant, "serving MCP on stdio");
    // When stdin and stdout are pipes (how clients start an MCP server),
    // rmcp drives them on the I/O reactor; tokio's own stdin and stdout
    // would hand every read and write to a blocking-pool thread and back.
    let (input, output) = rmcp::transport::stdio_pipes();
    let lines = LineTransport::new(input, output, settings.body_limit_bytes());
    let transport = AwaitFirstRequest::new(Draining::new(lines, shutdown, settings.shutdown_grace()));
    let principal = berth::auth::Principal::operator(tenant.into(), "stdio");
    match BerthServer::new(app, principal, "stdio").serve(transport).await {
        Ok(service) => {
            service.waiting().await.context("stdio session failed")?;
        }
        Err(error) => tracing::info!("stdio session ended before it started: {error}"),
    }
    Ok(())
}

/// Resolves on SIGTERM or SIGINT.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::error!("cannot listen for SIGTERM: {error}");
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => tracing::info!("SIGINT received"),
            _ = terminate.recv() => tracing::info!("SIGTERM received"),
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
}
