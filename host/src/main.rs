//! The `berth` command line. Everything here is argument parsing and
//! wiring; the work happens in the `berth` library.

use anyhow::{Context, bail};
use berth::app::App;
use berth::db::Database;
use berth::mcp::BerthServer;
use berth::settings::Settings;
use clap::{Args, Parser, Subcommand};
use rmcp::ServiceExt;
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
    /// Serve MCP to agents.
    Serve(ServeArgs),
    /// Manage tenants' non-secret plugin settings.
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Serve one session over stdin/stdout.
    #[arg(long)]
    stdio: bool,
    /// Directory of plugin components (*.wasm). Defaults to the bundled plugins.
    #[arg(long, env = "BERTH_PLUGINS")]
    plugins: Option<PathBuf>,
    /// Tenant the stdio session runs as.
    #[arg(long, env = "BERTH_TENANT", default_value = "default")]
    tenant: String,
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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.command, settings))
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            if args.plugins.is_some() {
                settings.plugins_dir = args.plugins;
            }
            serve(args.stdio, &args.tenant, settings).await
        }
        Command::Config(command) => configure(command, &settings),
    }
}

async fn serve(stdio: bool, tenant: &str, settings: Settings) -> anyhow::Result<()> {
    if !stdio {
        bail!("choose a transport: --stdio");
    }
    let app = App::start(&settings).await?;
    tracing::info!(tenant, "serving MCP on stdio");
    let service = match BerthServer::new(app, tenant)
        .serve(rmcp::transport::stdio())
        .await
    {
        Ok(service) => service,
        Err(error) => {
            tracing::info!("stdio session ended before it started: {error}");
            return Ok(());
        }
    };
    service.waiting().await.context("stdio session failed")?;
    Ok(())
}

fn configure(command: ConfigCommand, settings: &Settings) -> anyhow::Result<()> {
    let db = Database::open(&settings.data_dir())?;
    match command {
        ConfigCommand::Set {
            tenant,
            plugin,
            key,
            value,
        } => db.set_plugin_config(&tenant, &plugin, &key, &value)?,
        ConfigCommand::Unset {
            tenant,
            plugin,
            key,
        } => {
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
    let path = cli
        .config
        .clone()
        .or_else(|| default.exists().then_some(default));
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
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .with_context(|| format!("invalid log filter `{filter}`"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    Ok(())
}
