//! The `berth` command line. Everything here is argument parsing and
//! wiring; the work happens in the `berth` library.

mod audit;
mod auth;
mod config;
mod credential;
mod db;
mod demo;
mod events;
mod plugin;
mod role;
mod serve;
mod tenant;
mod vault;

use anyhow::Context;
use berth::db::DatabaseUrl;
use berth::settings::Settings;
use clap::{Parser, Subcommand};
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
    /// File holding the vault's master key (64 hex characters). The key may
    /// also come from BERTH_MASTER_KEY; default: master.key in the data dir.
    #[arg(long, global = true, env = "BERTH_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// The store: `sqlite` (the default: berth.db in the data dir) or
    /// postgres://user[:password]@host[:port]/database, shared by replicas.
    #[arg(long, global = true, env = "BERTH_DATABASE_URL", hide_env_values = true)]
    database: Option<String>,
    /// Directory of the compile cache; default: compile-cache in the data dir.
    #[arg(long, global = true, env = "BERTH_COMPILE_CACHE")]
    compile_cache: Option<PathBuf>,
    /// Log filter, e.g. `info` or `berth=debug`. Logs always go to stderr.
    /// rmcp's own messages stay at `warn` by default: at `info` it logs
    /// every notification a client sends, whole.
    #[arg(long, global = true, env = "BERTH_LOG", default_value = "info,rmcp=warn")]
    log: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve MCP to agents over stdio, HTTP, or both.
    Serve(serve::ServeArgs),
    /// Try Berth in a minute: the bundled plugins against fake upstreams on loopback, with a
    /// provisioned `demo` tenant (serves HTTP on 127.0.0.1:8080 unless told otherwise).
    Demo(demo::DemoArgs),
    /// Manage tenants, their API keys and their plugins.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// Identity providers whose bearer JWTs are accepted.
    #[command(subcommand)]
    Auth(auth::AuthCommand),
    /// Roles: which tools a principal may list and call.
    #[command(subcommand)]
    Role(role::RoleCommand),
    /// Manage tenants' non-secret plugin settings.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Manage tenants' credentials; secret parts are read from stdin.
    #[command(subcommand)]
    Credential(credential::CredentialCommand),
    /// Manage the vault's master key.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Read the audit log, or delete what retention does not keep.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The store: copy an embedded deployment into PostgreSQL.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Read the history of webhook deliveries.
    #[command(subcommand)]
    Events(events::EventsCommand),
    /// Load, list, unload, roll back and inspect plugins, on a running host
    /// (--server) or in the data directory for the next start.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logging(&cli.log)?;
    let settings = load_settings(&cli)?;
    // Named, so that an operator's `top -H` or a profile tells the host's
    // threads from those of anything else in the process.
    let runtime = tokio::runtime::Builder::new_multi_thread().thread_name("berth-worker").enable_all().build()?;
    let result = runtime.block_on(run(cli.command, settings));
    // The stdio transport reads stdin on a blocking thread that returns only
    // with the next line; after a signal, exiting must not wait for it.
    runtime.shutdown_background();
    result
}

async fn run(command: Command, mut settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => {
            if args.plugins.is_some() {
                settings.plugins_dir = args.plugins.clone();
            }
            settings.watch_plugins &= !args.no_watch;
            serve::run(args, settings).await
        }
        Command::Demo(args) => demo::run(args, &settings).await,
        Command::Tenant(command) => tenant::run(command, &settings.open_database().await?).await,
        Command::Config(command) => config::run(command, &settings.open_database().await?).await,
        Command::Auth(command) => auth::run(command, &settings.open_database().await?).await,
        Command::Role(command) => role::run(command, &settings.open_database().await?).await,
        Command::Credential(command) => credential::run(command, &settings).await,
        Command::Vault(command) => vault::run(command, &settings).await,
        Command::Audit(command) => audit::run(command, &settings).await,
        Command::Events(command) => events::run(command, &settings).await,
        Command::Db(command) => db::run(command, &settings).await,
        Command::Plugin(command) => plugin::run(command, &settings).await,
    }
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
    if cli.master_key_file.is_some() {
        settings.master_key_file = cli.master_key_file.clone();
    }
    if let Some(url) = &cli.database {
        // Parsed here, not by clap, whose error would echo the URL and its
        // password.
        settings.database.url = Some(url.parse::<DatabaseUrl>()?);
    }
    if cli.compile_cache.is_some() {
        settings.compile_cache_dir = cli.compile_cache.clone();
    }
    let secret = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    settings.master_key = secret("BERTH_MASTER_KEY");
    if let Some(token) = secret("BERTH_ADMIN_TOKEN") {
        settings.admin.token = Some(token);
    }
    if let Some(token) = secret("BERTH_METRICS_TOKEN") {
        settings.admin.metrics_token = Some(token);
    }
    if let Some(url) = secret("BERTH_REDIS_URL") {
        settings.redis.url = Some(url);
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

#[cfg(test)]
mod tests {
    use super::{Cli, Command};
    use crate::plugin::PluginCommand;
    use clap::{CommandFactory, Parser};

    /// clap checks a command's definition only when it is used; this checks
    /// every subcommand's at once (duplicate flags, bad defaults).
    #[test]
    fn every_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    /// A subcommand's flag must not share its id with a global option: clap
    /// accepts the definition and panics only when the value is read.
    #[test]
    fn plugin_settings_and_the_settings_file_are_separate_flags() {
        let cli = Cli::try_parse_from(["berth", "plugin", "call", "p.wasm", "t", "--set", "k=v", "--config", "b.toml"])
            .expect("parses");
        assert_eq!(cli.config.as_deref(), Some(std::path::Path::new("b.toml")));
        let Command::Plugin(PluginCommand::Call { set, .. }) = cli.command else { panic!("a plugin call") };
        assert_eq!(set, ["k=v"]);
    }
}
