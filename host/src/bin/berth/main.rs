//! The `berth` command line. Everything here is argument parsing and
//! wiring; the work happens in the `berth` library.

mod demo;
mod plugin;

use anyhow::{Context, bail};
use berth::app::App;
use berth::audit::retention::{self, Retention};
use berth::db::Database;
use berth::http::{HttpOptions, HttpSettings};
use berth::lifecycle::History;
use berth::mcp::first_request::AwaitFirstRequest;
use berth::mcp::stdio::LineTransport;
use berth::mcp::{BerthServer, Draining};
use berth::settings::Settings;
use berth::tenants::Tenants;
use berth::vault::credentials::{SIGNING_KEY_SUFFIX, is_signing_key_name};
use berth::vault::{KeySource, MasterKey, Scheme, Vault, load_master_key, write_key_file};
use clap::{Args, Parser, Subcommand};
use rmcp::ServiceExt;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio_util::sync::CancellationToken;
use zeroize::Zeroizing;

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
    Serve(ServeArgs),
    /// Try Berth in a minute: the bundled plugins against fake upstreams on loopback, with a
    /// provisioned `demo` tenant (serves HTTP on 127.0.0.1:8080 unless told otherwise).
    Demo(demo::DemoArgs),
    /// Manage tenants, their API keys and their plugins.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage tenants' non-secret plugin settings.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Manage tenants' credentials; secret parts are read from stdin.
    #[command(subcommand)]
    Credential(CredentialCommand),
    /// Manage the vault's master key.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Read the audit log, or delete what retention does not keep.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Load, list, unload, roll back and inspect plugins, on a running host
    /// (--server) or in the data directory for the next start.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// The newest tool calls with the upstream requests each made, oldest first.
    Tail {
        /// Only this tenant's calls.
        #[arg(long)]
        tenant: Option<String>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
        /// How many calls.
        #[arg(short = 'n', long, default_value_t = 20)]
        lines: usize,
    },
    /// Delete calls (and their upstream requests) beyond the retention
    /// bounds now, as a running host does in the background. The bounds
    /// default to `[audit] max_age_days` and `max_calls`; 0 turns one off.
    Prune {
        /// Delete calls older than this many days.
        #[arg(long)]
        max_age_days: Option<u32>,
        /// Keep at most this many calls, the newest.
        #[arg(long)]
        max_calls: Option<u64>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum SchemeName {
    Basic,
    Bearer,
    ApiKey,
    Headers,
    Oauth2ClientCredentials,
    Oauth2RefreshToken,
    SigningKey,
}

#[derive(Debug, Subcommand)]
enum CredentialCommand {
    /// Store a credential. Secret parts come from stdin: the password, token,
    /// key or client secret alone; for `headers` one `placeholder=value` line
    /// each; for `oauth2-refresh-token` `refresh_token=...` and optionally
    /// `client_secret=...`. It is bound now, and only, to the --bind origins,
    /// or else to where the plugin's egress rules lead for the tenant today
    /// (and the token URL's origin for OAuth2).
    Set {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin.
        #[arg(long)]
        plugin: String,
        /// Name the plugin uses for it.
        name: String,
        /// How it authenticates.
        #[arg(long, value_enum)]
        scheme: SchemeName,
        /// User name (basic).
        #[arg(long)]
        username: Option<String>,
        /// Header name (api-key), or `Name=template` with `{placeholders}` (headers); repeatable.
        #[arg(long = "header")]
        headers: Vec<String>,
        /// Origin (`https://host[:port]`) it may be sent to; repeatable. Default: the origins the
        /// plugin's egress rules resolve to for the tenant now; it never widens later.
        #[arg(long = "bind")]
        bind: Vec<String>,
        /// Token endpoint (oauth2-*); must lie inside the plugin's egress.
        #[arg(long)]
        token_url: Option<String>,
        /// Client id (oauth2-*).
        #[arg(long)]
        client_id: Option<String>,
        /// Scope (oauth2-client-credentials).
        #[arg(long)]
        scope: Option<String>,
        /// How the token is sent (oauth2-refresh-token), e.g. "Zoho-oauthtoken {token}".
        #[arg(long)]
        header_format: Option<String>,
    },
    /// Re-bind a stored credential without re-entering it: to the --bind
    /// origins, or else to where the plugin's egress rules lead for the
    /// tenant now. The way to let a credential follow an upgrade.
    Bind {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin.
        #[arg(long)]
        plugin: String,
        /// Name.
        name: String,
        /// Origin (`https://host[:port]`) it may be sent to; repeatable.
        #[arg(long = "bind")]
        bind: Vec<String>,
    },
    /// List a tenant's credentials: names, schemes, bound origins; never values.
    List {
        /// Tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Delete a credential.
    Delete {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin.
        #[arg(long)]
        plugin: String,
        /// Name.
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum VaultCommand {
    /// Re-encrypt every secret under a new master key, losing none.
    Rotate,
}

#[derive(Debug, Args)]
struct ServeArgs {
    #[command(flatten)]
    transports: Transports,
    /// Directory of plugin components (*.wasm). Defaults to the bundled plugins.
    #[arg(long, env = "BERTH_PLUGINS")]
    plugins: Option<PathBuf>,
    /// Tenant the stdio session runs as.
    #[arg(long, env = "BERTH_TENANT", default_value = "default")]
    tenant: String,
    /// Load the plugins directory once at start instead of watching it.
    #[arg(long)]
    no_watch: bool,
}

/// Where MCP is served; shared by `serve` and `demo`.
#[derive(Debug, Args)]
struct Transports {
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
            serve(args, settings).await
        }
        Command::Demo(args) => demo::run(args, &settings).await,
        Command::Tenant(command) => manage_tenants(command, &Database::open(&settings.data_dir())?),
        Command::Config(command) => configure(command, &Database::open(&settings.data_dir())?),
        Command::Credential(command) => manage_credentials(command, &settings),
        Command::Vault(VaultCommand::Rotate) => rotate_vault(&settings),
        Command::Audit(AuditCommand::Tail { tenant, json, lines }) => {
            audit_tail(&settings, tenant.as_deref(), json, lines)
        }
        Command::Audit(AuditCommand::Prune { max_age_days, max_calls }) => {
            let configured = Retention::from(&settings.audit);
            let retention = Retention {
                max_age_days: max_age_days.unwrap_or(configured.max_age_days),
                max_calls: max_calls.unwrap_or(configured.max_calls),
            };
            let pruned = retention::prune(&Database::open(&settings.data_dir())?, retention, berth::audit::now_ms())?;
            println!("deleted {} calls and {} upstream requests", pruned.calls, pruned.requests);
            Ok(())
        }
        Command::Plugin(command) => plugin::run(command, &settings).await,
    }
}

async fn serve(args: ServeArgs, settings: Settings) -> anyhow::Result<()> {
    let http = http_options(&args.transports, &settings)?;
    let app = App::start(&settings).await?;
    run_transports(app, args.transports.stdio, &args.tenant, http, &settings.http).await
}

/// What `--http` and its companions ask for, checked before anything starts.
fn http_options(args: &Transports, settings: &Settings) -> anyhow::Result<Option<HttpOptions>> {
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
async fn run_transports(
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
    match BerthServer::new(app, tenant, "stdio").serve(transport).await {
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

/// Opens the vault in `db` with the configured master key; also says where
/// the key came from, which decides how rotation stores its successor.
fn open_vault(settings: &Settings, db: std::sync::Arc<Database>) -> anyhow::Result<(Vault, KeySource)> {
    let (key, source) =
        load_master_key(&settings.data_dir(), settings.master_key.as_deref(), settings.master_key_file.as_deref())?;
    Ok((Vault::open(db, key, source.clone())?, source))
}

fn manage_credentials(command: CredentialCommand, settings: &Settings) -> anyhow::Result<()> {
    let db = std::sync::Arc::new(Database::open(&settings.data_dir())?);
    let (vault, _) = open_vault(settings, db.clone())?;
    match command {
        CredentialCommand::Set {
            tenant,
            plugin,
            name,
            scheme,
            username,
            headers,
            bind,
            token_url,
            client_id,
            scope,
            header_format,
        } => {
            let oauth = OAuthFlags { token_url, client_id, scope, header_format };
            let scheme = build_scheme(scheme, username, headers, oauth)?;
            if is_signing_key_name(&name) != matches!(scheme, Scheme::SigningKey) {
                bail!(
                    "a plugin declares its signing keys with names ending in `{SIGNING_KEY_SUFFIX}`: store those, and only those, with --scheme signing-key"
                );
            }
            let secrets = read_secret_parts(&scheme)?;
            let bound = if let Scheme::SigningKey = scheme {
                settings.vault.check_signing_key(secrets.get("key").map_or("", |key| key.as_str()))?;
                if !bind.is_empty() {
                    bail!("a signing key is never sent anywhere; --bind does not apply");
                }
                Vec::new()
            } else {
                binding(&db, &tenant, &plugin, &scheme, &bind)?
            };
            vault.set(&tenant, &plugin, &name, &scheme, &bound, &secrets)?;
            eprintln!(
                "stored credential `{name}` ({}) for plugin `{plugin}` on tenant `{tenant}`, bound to: {}",
                scheme.name(),
                describe_binding(&scheme, &bound)
            );
        }
        CredentialCommand::Bind { tenant, plugin, name, bind } => {
            let unknown = || anyhow::anyhow!("no credential `{name}` for plugin `{plugin}` on tenant `{tenant}`");
            let stored = vault.credentials(&tenant, &plugin)?.into_iter().find(|found| found.name == name);
            let scheme = stored.ok_or_else(unknown)?.scheme;
            if let Scheme::SigningKey = scheme {
                bail!("a signing key is never sent anywhere; there is nothing to bind");
            }
            let bound = binding(&db, &tenant, &plugin, &scheme, &bind)?;
            vault.rebind(&tenant, &plugin, &name, &bound)?;
            eprintln!("credential `{name}` of plugin `{plugin}` on tenant `{tenant}` is bound to: {}", bound.join(","));
        }
        CredentialCommand::List { tenant } => {
            for credential in vault.list(&tenant)? {
                let scheme = credential.scheme;
                let bound = if scheme == "signing-key" {
                    "never sent (signing key)".to_owned()
                } else if credential.bound.is_empty() {
                    "nowhere (re-bind with `berth credential bind`)".to_owned()
                } else {
                    credential.bound.join(",")
                };
                println!("{}\t{}\t{scheme}\tbound: {bound}", credential.plugin, credential.name);
            }
        }
        CredentialCommand::Delete { tenant, plugin, name } => vault.delete(&tenant, &plugin, &name)?,
    }
    Ok(())
}

/// The OAuth2 parameters of `credential set`.
struct OAuthFlags {
    token_url: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    header_format: Option<String>,
}

fn build_scheme(
    scheme: SchemeName,
    username: Option<String>,
    headers: Vec<String>,
    oauth: OAuthFlags,
) -> anyhow::Result<Scheme> {
    let token_url = || oauth.token_url.clone().context("OAuth2 schemes need --token-url");
    let client_id = || oauth.client_id.clone().context("OAuth2 schemes need --client-id");
    Ok(match scheme {
        SchemeName::Oauth2ClientCredentials => Scheme::Oauth2ClientCredentials {
            token_url: token_url()?,
            client_id: client_id()?,
            scope: oauth.scope.clone(),
        },
        SchemeName::Oauth2RefreshToken => Scheme::Oauth2RefreshToken {
            token_url: token_url()?,
            client_id: client_id()?,
            header_format: oauth.header_format.clone(),
        },
        SchemeName::Basic => Scheme::Basic { username: username.context("--scheme basic needs --username")? },
        SchemeName::SigningKey => Scheme::SigningKey,
        SchemeName::Bearer => Scheme::Bearer,
        SchemeName::ApiKey => match headers.as_slice() {
            [header] => Scheme::ApiKey { header: header.clone() },
            _ => bail!("--scheme api-key needs exactly one --header NAME"),
        },
        SchemeName::Headers => {
            let templates = headers
                .iter()
                .map(|header| {
                    let (name, template) =
                        header.split_once('=').with_context(|| format!("--header `{header}` must be Name=template"))?;
                    Ok((name.trim().to_owned(), template.to_owned()))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            if templates.is_empty() {
                bail!("--scheme headers needs at least one --header 'Name=template'");
            }
            Scheme::Headers { templates }
        }
    })
}

/// The origins a credential of `scheme` for `plugin` on `tenant` is bound
/// to: the `--bind` origins as given, or else those the plugin's egress
/// rules resolve to for the tenant now (with the token URL's origin for
/// OAuth2), read from the version serving from this data directory.
fn binding(db: &Database, tenant: &str, plugin: &str, scheme: &Scheme, bind: &[String]) -> anyhow::Result<Vec<String>> {
    if !bind.is_empty() {
        return bind.iter().map(|origin| normalize_origin(origin)).collect();
    }
    let Some(grants) = History::new(db).active_grants(plugin)? else {
        bail!(
            "plugin `{plugin}` has not served from this data directory, so where this credential may go is unknown: \
             pass --bind ORIGIN (repeatable), or set it once a host has loaded the plugin"
        );
    };
    let resolved = grants.resolve(&db.plugin_config(tenant, plugin)?);
    let mut origins = resolved.origins;
    if let Scheme::Oauth2ClientCredentials { token_url, .. } | Scheme::Oauth2RefreshToken { token_url, .. } = scheme {
        let token_origin = normalize_origin(token_url)?;
        if !origins.contains(&token_origin) {
            origins.push(token_origin);
        }
    }
    if origins.is_empty() {
        bail!(
            "no egress rule of plugin `{plugin}` resolves for tenant `{tenant}` yet ({}); set its config first or pass --bind",
            resolved.unresolved.join("; ")
        );
    }
    if !resolved.unresolved.is_empty() {
        eprintln!(
            "note: not bound to rules that do not resolve yet ({}); re-bind with `berth credential bind` once they do",
            resolved.unresolved.join("; ")
        );
    }
    Ok(origins)
}

/// How `credential set` reports a binding.
fn describe_binding(scheme: &Scheme, bound: &[String]) -> String {
    match scheme {
        Scheme::SigningKey => "never sent (signing key)".to_owned(),
        _ => bound.join(","),
    }
}

/// `https://host[:port]` → `https://host:port`, the form origins are compared in.
fn normalize_origin(origin: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(origin).with_context(|| format!("--bind `{origin}` is not a URL"))?;
    Ok(berth::policy::egress::origin_of(&url))
}

/// Reads the scheme's secret parts from stdin.
fn read_secret_parts(scheme: &Scheme) -> anyhow::Result<BTreeMap<String, Zeroizing<String>>> {
    let mut input = Zeroizing::new(String::new());
    std::io::Read::read_to_string(&mut std::io::stdin(), &mut input).context("reading the secret from stdin")?;
    let parts = scheme.secret_parts();
    let mut secrets = BTreeMap::new();
    if let [only] = parts.as_slice() {
        let value = input.trim_end_matches(['\n', '\r']);
        if value.is_empty() {
            bail!("no {only} on stdin");
        }
        secrets.insert(only.clone(), Zeroizing::new(value.to_owned()));
        return Ok(secrets);
    }
    for line in input.lines().filter(|line| !line.trim().is_empty()) {
        let (key, value) = line.split_once('=').context("each stdin line must be placeholder=value")?;
        if !parts.iter().any(|part| part == key.trim()) {
            bail!("`{}` is not a placeholder of the header templates (expected: {})", key.trim(), parts.join(", "));
        }
        secrets.insert(key.trim().to_owned(), Zeroizing::new(value.to_owned()));
    }
    if matches!(scheme, Scheme::Oauth2RefreshToken { .. }) {
        secrets.entry("client_secret".to_owned()).or_insert_with(|| Zeroizing::new(String::new()));
    }
    if let Some(missing) = parts.iter().find(|part| !secrets.contains_key(*part)) {
        bail!(
            "no value for `{missing}` on stdin (expected lines: {})",
            parts.iter().map(|part| format!("{part}=...")).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(secrets)
}

/// Re-encrypts the vault under a new key. With a key file, the new key is
/// written beside it first and renamed over it only after the database
/// commits, so no crash loses the key that matches the data.
fn rotate_vault(settings: &Settings) -> anyhow::Result<()> {
    let (vault, source) = open_vault(settings, std::sync::Arc::new(Database::open(&settings.data_dir())?))?;
    let new = MasterKey::generate();
    match source {
        KeySource::File(path) => {
            let staged = path.with_extension("key.new");
            write_key_file(&staged, &new).with_context(|| format!("writing {}", staged.display()))?;
            let count = vault.rotate(&new)?;
            std::fs::rename(&staged, &path).with_context(|| format!("replacing {}", path.display()))?;
            eprintln!("re-encrypted {count} credentials; the new key is in {}", path.display());
        }
        KeySource::Environment => {
            let count = vault.rotate(&new)?;
            println!("{}", new.to_hex().as_str());
            eprintln!(
                "re-encrypted {count} credentials; set BERTH_MASTER_KEY to the key printed above before the next start"
            );
        }
    }
    Ok(())
}

fn audit_tail(settings: &Settings, tenant: Option<&str>, json: bool, lines: usize) -> anyhow::Result<()> {
    for call in berth::audit::tail(&Database::open(&settings.data_dir())?, tenant, lines)? {
        if json {
            println!("{}", serde_json::to_string(&call)?);
            continue;
        }
        println!(
            "{} {} tenant={} via={} {}_{}@{} {} ({} ms)",
            call.at_ms,
            call.call_id,
            call.tenant,
            call.transport,
            call.plugin,
            call.tool,
            call.version,
            call.outcome,
            call.duration_ms
        );
        for request in &call.requests {
            let status = request.status.map_or_else(|| "-".to_owned(), |status| status.to_string());
            println!(
                "    {} {}{} -> {status} ({} ms, {} retries) {}",
                request.method, request.origin, request.path, request.duration_ms, request.retries, request.outcome
            );
        }
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
    if cli.master_key_file.is_some() {
        settings.master_key_file = cli.master_key_file.clone();
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
