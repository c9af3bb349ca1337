//! The `berth` command line. Everything here is argument parsing and
//! wiring; the work happens in the `berth` library.

use anyhow::{Context, bail};
use berth::app::App;
use berth::db::Database;
use berth::http::HttpOptions;
use berth::mcp::BerthServer;
use berth::settings::Settings;
use berth::tenants::Tenants;
use clap::{Args, Parser, Subcommand};
use rmcp::ServiceExt;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Berth: an MCP host that runs every integration as a sandboxed WebAssembly component.
#[derive(Debug, Parser)]
#[command(name = "berth", version, about)]
struct Cli {
    /// Settings file (TOML). Defaults to ./berth.toml when it exists.
    #[arg(long, global = true, env = "BERTH_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory holding the database.
    #[arg(long = "data", global = true, env = "BERTH_DATA")]
    data_dir: Option<PathBuf>,
    /// Log filter, e.g. `info` or `berth=debug`. Logs always go to stderr.
    #[arg(long, global = true, env = "BERTH_LOG", default_value = "info")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP to agents over stdio, HTTP, or both.
    Serve(ServeArgs),
    /// Manage tenants, their API keys and their plugins.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage tenants' non-secret plugin settings.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Serve one session over stdin/stdout.
    #[arg(long)]
    stdio: bool,
    /// Serve Streamable HTTP (/mcp) and legacy SSE (/sse) on this address, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR", env = "BERTH_HTTP")]
    http: Option<SocketAddr>,
    /// Also accept this Host (and Origin host) on HTTP; repeatable.
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// Let HTTP requests without an API key run as this tenant (loopback binds only).
    #[arg(long, value_name = "TENANT")]
    anonymous_tenant: Option<String>,
    /// Directory of plugin components (*.wasm). Defaults to the bundled plugins.
    #[arg(long, env = "BERTH_PLUGINS")]
    plugins: Option<PathBuf>,
    /// Tenant the stdio session runs as.
    #[arg(long, env = "BERTH_TENANT", default_value = "default")]
    tenant: String,
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Register a tenant; prints its API key (the only line on stdout).
    Add {
        /// Tenant name.
        name: String,
    },
    /// List tenants with their key ids and enabled plugins.
    List,
    /// Issue a new API key; the old one stops working at once.
    RotateKey {
        /// Tenant name.
        name: String,
    },
    /// Let a tenant see and call a plugin.
    Enable {
        /// Tenant name.
        name: String,
        /// Plugin name.
        plugin: String,
    },
    /// Stop a tenant from seeing and calling a plugin.
    Disable {
        /// Tenant name.
        name: String,
        /// Plugin name.
        plugin: String,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Set a plugin setting for a tenant.
    Set {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin name.
        plugin: String,
        /// Setting name, e.g. `instance`.
        key: String,
        /// Value.
        value: String,
    },
    /// Remove a plugin setting from a tenant.
    Unset {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin name.
        plugin: String,
        /// Setting name.
        key: String,
    },
    /// List a tenant's plugin settings.
    List {
        /// Tenant.
        #[arg(long)]
        tenant: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(&cli.log)?;
    let settings = load_settings(&cli)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run(cli.command, settings))
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            if args.plugins.is_some() {
                settings.plugins_dir = args.plugins.clone();
            }
            serve(args, settings).await
        }
        Command::Tenant(command) => manage_tenants(command, &Database::open(&settings.data_dir())?),
        Command::Config(command) => configure(command, &Database::open(&settings.data_dir())?),
    }
}

async fn serve(args: ServeArgs, settings: Settings) -> anyhow::Result<()> {
    let http = args.http.map(|addr| HttpOptions {
        addr,
        allowed_hosts: args.allowed_hosts.clone(),
        anonymous_tenant: args.anonymous_tenant.clone(),
        settings: settings.http,
    });
    match &http {
        Some(options) => options.validate()?,
        None if args.stdio => {}
        None => bail!("choose a transport: --stdio, --http ADDR, or both"),
    }
    let app = App::start(&settings).await?;
    let http = http.map(|options| tokio::spawn(berth::http::serve(app.clone(), options, shutdown_signal())));
    if args.stdio {
        serve_stdio(app, &args.tenant).await?;
    }
    if let Some(http) = http {
        http.await.context("HTTP server task failed")??;
    }
    Ok(())
}

async fn serve_stdio(app: std::sync::Arc<App>, tenant: &str) -> anyhow::Result<()> {
    tracing::info!(tenant, "serving MCP on stdio");
    match BerthServer::new(app, tenant).serve(rmcp::transport::stdio()).await {
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

fn manage_tenants(command: TenantCommand, db: &Database) -> anyhow::Result<()> {
    let tenants = Tenants::new(db);
    match command {
        TenantCommand::Add { name } => println!("{}", tenants.add(&name)?.as_str()),
        TenantCommand::RotateKey { name } => println!("{}", tenants.rotate_key(&name)?.as_str()),
        TenantCommand::List => {
            for tenant in tenants.list()? {
                let plugins = tenant.plugins.into_iter().collect::<Vec<_>>().join(",");
                println!(
                    "{}\tkey berth_{}_…\tplugins: {}",
                    tenant.name,
                    tenant.key_id,
                    if plugins.is_empty() { "-" } else { &plugins }
                );
            }
        }
        TenantCommand::Enable { name, plugin } => tenants.enable(&name, &plugin)?,
        TenantCommand::Disable { name, plugin } => tenants.disable(&name, &plugin)?,
    }
    Ok(())
}

fn configure(command: ConfigCommand, db: &Database) -> anyhow::Result<()> {
    match command {
        ConfigCommand::Set { tenant, plugin, key, value } => db.set_plugin_config(&tenant, &plugin, &key, &value)?,
        ConfigCommand::Unset { tenant, plugin, key } => {
            if !db.unset_plugin_config(&tenant, &plugin, &key)? {
                bail!("tenant `{tenant}` has no setting `{key}` for plugin `{plugin}`");
            }
        }
        ConfigCommand::List { tenant } => {
            for (plugin, key, value) in db.tenant_config(&tenant)? {
                println!("{plugin}\t{key}\t{value}");
            }
        }
    }
    Ok(())
}

fn load_settings(cli: &Cli) -> anyhow::Result<Settings> {
    let default = PathBuf::from("berth.toml");
    let path = cli.config.clone().or_else(|| default.exists().then_some(default));
    let mut settings = match path {
        Some(path) => Settings::from_file(&path)?,
        None => Settings::default(),
    };
    if cli.data_dir.is_some() {
        settings.data_dir = cli.data_dir.clone();
    }
    Ok(settings)
}

/// Logs go to stderr in every mode: in stdio mode stdout carries JSON-RPC.
fn init_logging(filter: &str) -> anyhow::Result<()> {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).with_context(|| format!("invalid log filter `{filter}`"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    Ok(())
}
