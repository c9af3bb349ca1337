//! `berth plugin …`: the plugin lifecycle from the command line.
//!
//! With `--server URL` each command calls a running host's admin API, with
//! the token from `BERTH_ADMIN_TOKEN`, and takes effect at once. Without it
//! the command works on the data directory: `load`, `unload` and `rollback`
//! change what the next `berth serve` starts with, and `load` compiles the
//! component into the compile cache so that start is fast.

use anyhow::{Context, bail};
use berth::db::Database;
use berth::lifecycle::{Artifacts, Catalog, Inspection, PluginInfo, Source};
use berth::metrics::Metrics;
use berth::runtime::bindings::types::Content;
use berth::runtime::{CallScope, Wasm};
use berth::scaffold::{Language, new_project};
use berth::settings::Settings;
use berth::vault::oauth::TokenCache;
use clap::{Args, Subcommand};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Validate, compile and register a component (load or upgrade).
    Load {
        /// The component (`.wasm`).
        path: PathBuf,
        #[command(flatten)]
        target: Target,
    },
    /// Serving plugins: name, version, digest, tools and the tenants that enabled them.
    List {
        #[command(flatten)]
        target: Target,
        /// One JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Stop serving a plugin.
    Unload {
        /// Plugin name.
        name: String,
        #[command(flatten)]
        target: Target,
    },
    /// Return a plugin to its previous version.
    Rollback {
        /// Plugin name.
        name: String,
        #[command(flatten)]
        target: Target,
    },
    /// Run one tool of a component in a fresh sandbox, as the host runs it for an agent, and print
    /// the result. For plugin authors: exits 1 when the tool fails.
    Call {
        /// The component (`.wasm`).
        path: PathBuf,
        /// Tool name (without the plugin prefix).
        tool: String,
        /// Arguments, a JSON object.
        #[arg(long, default_value = "{}")]
        args: String,
        /// A plugin setting as KEY=VALUE; repeatable. (`--config` names the
        /// host's settings file, so plugin settings have their own flag.)
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Tenant the call runs as (its cache partition).
        #[arg(long, default_value = "dev")]
        tenant: String,
    },
    /// Create a plugin project: the WIT, a sample tool, a build script and a test that runs it through the host.
    New {
        /// Plugin name: lowercase letters, digits and `-`.
        name: String,
        /// Language of the project.
        #[arg(long, value_enum, default_value = "rust")]
        lang: Lang,
        /// Where to create it (default: ./NAME).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Show what a component declares (tools, egress, credentials, config, imports) without registering it.
    Inspect {
        /// The component (`.wasm`).
        path: PathBuf,
        #[command(flatten)]
        target: Target,
        /// JSON instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Languages `plugin new` writes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Lang {
    Rust,
    Python,
    Js,
}

/// Where a command acts.
#[derive(Debug, Args)]
pub struct Target {
    /// A running host's base URL, e.g. http://127.0.0.1:8080; the admin token comes from BERTH_ADMIN_TOKEN.
    #[arg(long, value_name = "URL")]
    server: Option<String>,
}

pub async fn run(command: PluginCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        PluginCommand::Load { path, target } => {
            let bytes = read_component(&path)?;
            let (info, change): (PluginInfo, String) = match server(&target)? {
                Some(server) => {
                    let answer = server.send(reqwest::Method::POST, "/admin/plugins", Some(bytes)).await?;
                    for left in answer["credentials_not_following"].as_array().into_iter().flatten() {
                        eprintln!(
                            "credential `{}` of tenant `{}` did not follow to {}; re-bind it with `berth credential bind` if it should",
                            left["credential"].as_str().unwrap_or_default(),
                            left["tenant"].as_str().unwrap_or_default(),
                            left["origins"]
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(","),
                        );
                    }
                    (serde_json::from_value(answer["plugin"].clone())?, answer["change"].as_str().unwrap_or("").into())
                }
                None => {
                    let local = Local::open(settings).await?;
                    let wasm = Wasm::from(bytes);
                    let plugin = runtime(settings)?.load(wasm.clone()).await?;
                    local.catalog().record(&plugin, &wasm, &Source::Registry).await?;
                    let info = local.info(plugin.name()).await?;
                    eprintln!("registered; a running host picks it up at its next start (or use --server)");
                    (info, "registered".into())
                }
            };
            println!("{change} {}@{} ({})", info.name, info.version, short(&info.digest));
        }
        PluginCommand::List { target, json } => {
            let plugins: Vec<PluginInfo> = match server(&target)? {
                Some(server) => {
                    serde_json::from_value(server.send(reqwest::Method::GET, "/admin/plugins", None).await?)?
                }
                None => Local::open(settings).await?.catalog().list().await?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&plugins)?);
            } else {
                for plugin in plugins {
                    println!(
                        "{}\t{}\t{}\ttools: {}\ttenants: {}\tsource: {}",
                        plugin.name,
                        plugin.version,
                        short(&plugin.digest),
                        plugin.tools.join(","),
                        if plugin.tenants.is_empty() { "-".to_owned() } else { plugin.tenants.join(",") },
                        plugin.path.as_deref().unwrap_or(&plugin.source),
                    );
                }
            }
        }
        PluginCommand::Unload { name, target } => {
            match server(&target)? {
                Some(server) => {
                    server.send(reqwest::Method::DELETE, &format!("/admin/plugins/{name}"), None).await?;
                }
                None => Local::open(settings).await?.catalog().unload(&name, &Source::Registry).await?,
            }
            println!("unloaded {name}");
        }
        PluginCommand::Rollback { name, target } => {
            let info: PluginInfo = match server(&target)? {
                Some(server) => serde_json::from_value(
                    server.send(reqwest::Method::POST, &format!("/admin/plugins/{name}/rollback"), None).await?,
                )?,
                None => {
                    let local = Local::open(settings).await?;
                    let catalog = local.catalog();
                    let (target, _) = catalog.rollback_target(&name).await?;
                    catalog.commit_rollback(&name, &target).await?;
                    local.info(&name).await?
                }
            };
            println!("rolled back {}@{} ({})", info.name, info.version, short(&info.digest));
        }
        PluginCommand::Call { path, tool, args, set, tenant } => {
            call(settings, &path, &tool, &args, &set, tenant).await?
        }
        PluginCommand::New { name, lang, dir } => {
            let dir = dir.unwrap_or_else(|| PathBuf::from(&name));
            let language = match lang {
                Lang::Rust => Language::Rust,
                Lang::Python => Language::Python,
                Lang::Js => Language::JavaScript,
            };
            for file in new_project(&name, language, &dir)? {
                println!("{}", file.display());
            }
            eprintln!("created {}; build and test it with {}/test.sh", dir.display(), dir.display());
        }
        PluginCommand::Inspect { path, target, json } => {
            let bytes = read_component(&path)?;
            let inspection: Inspection = match server(&target)? {
                Some(server) => serde_json::from_value(
                    server.send(reqwest::Method::POST, "/admin/plugins/inspect", Some(bytes)).await?,
                )?,
                None => {
                    let plugin = runtime(settings)?.load(bytes).await?;
                    Inspection::from(&plugin)
                }
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&inspection)?);
            } else {
                print_inspection(&inspection);
            }
        }
    }
    Ok(())
}

/// Runs `tool` of the component at `path` once and prints its output.
async fn call(
    settings: &Settings,
    path: &Path,
    tool: &str,
    args: &str,
    config: &[String],
    tenant: String,
) -> anyhow::Result<()> {
    let arguments: Value = serde_json::from_str(args).context("--args must be a JSON object")?;
    let config = config
        .iter()
        .map(|pair| pair.split_once('=').map(|(key, value)| (key.to_owned(), value.to_owned())))
        .collect::<Option<_>>()
        .context("--set must be KEY=VALUE")?;
    let runtime = runtime(settings)?;
    let plugin = runtime.load(read_component(path)?).await?;
    let spec = plugin
        .tools
        .iter()
        .find(|spec| spec.name == tool)
        .with_context(|| format!("plugin `{}` has no tool `{tool}`", plugin.name()))?;
    if let Some(problems) = spec.argument_errors(&arguments) {
        bail!("invalid arguments for `{tool}`: {problems}");
    }
    let scope = CallScope { tenant: Some(tenant.into()), config, ..CallScope::default() };
    match runtime.call(&plugin, scope, tool, &arguments.to_string()).await? {
        Ok(result) => {
            for content in result.content {
                match content {
                    Content::Text(text) | Content::Json(text) => println!("{text}"),
                    // Bytes and resources as the MCP client would get them.
                    other => println!("{}", serde_json::to_string(&berth::mcp::content::block(other))?),
                }
            }
            if let Some(structured) = result.structured {
                println!("{structured}");
            }
            if result.is_error {
                bail!("the tool reported an error");
            }
            Ok(())
        }
        Err(error) => bail!("{}", error.describe()),
    }
}

fn read_component(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("reading {}", path.display()))
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(12)]
}

fn print_inspection(inspection: &Inspection) {
    println!("{} {} ({} bytes, sha256 {})", inspection.name, inspection.version, inspection.bytes, inspection.digest);
    println!("  {}", inspection.description);
    println!("tools:");
    for tool in &inspection.tools {
        let kind = match (tool.read_only, tool.destructive) {
            (true, _) => "read-only",
            (false, true) => "destructive",
            (false, false) => "writes",
        };
        println!("  {} [{kind}]: {}", tool.name, tool.description);
    }
    println!("egress:");
    for rule in &inspection.egress {
        println!("  {rule}");
    }
    println!("credentials:");
    for need in &inspection.credentials {
        println!("  {}: {}", need.name, need.description);
    }
    println!("config:");
    for key in &inspection.config {
        let default = key.default.as_deref().map(|value| format!(" (default {value})")).unwrap_or_default();
        let required = if key.required { " (required)" } else { "" };
        println!("  {}{required}{default}: {}", key.name, key.description);
    }
    println!("imports:");
    for import in &inspection.imports {
        println!("  {import}");
    }
}

/// A runtime like the host's, so components compile into the same cache;
/// it needs no database.
fn runtime(settings: &Settings) -> anyhow::Result<berth::runtime::Runtime> {
    Ok(berth::app::start_runtime(settings, None, (TokenCache::default(), None), None, Arc::new(Metrics::new()))?)
}

/// The data directory, for commands without `--server`.
struct Local {
    db: Database,
    artifacts: Artifacts,
}

impl Local {
    async fn open(settings: &Settings) -> anyhow::Result<Self> {
        let db = settings.open_database().await?;
        Ok(Self { artifacts: Artifacts::open(&settings.data_dir(), &db)?, db })
    }

    fn catalog(&self) -> Catalog<'_> {
        Catalog::new(&self.db, &self.artifacts)
    }

    async fn info(&self, name: &str) -> anyhow::Result<PluginInfo> {
        self.catalog()
            .list()
            .await?
            .into_iter()
            .find(|info| info.name == name)
            .with_context(|| format!("plugin `{name}` is not registered"))
    }
}

/// A running host's admin API.
struct Server {
    base: String,
    token: String,
    client: reqwest::Client,
}

fn server(target: &Target) -> anyhow::Result<Option<Server>> {
    let Some(base) = &target.server else { return Ok(None) };
    let token = std::env::var("BERTH_ADMIN_TOKEN")
        .ok()
        .filter(|token| !token.is_empty())
        .context("--server needs the admin token in BERTH_ADMIN_TOKEN")?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder().build().context("building the HTTP client")?;
    Ok(Some(Server { base: base.trim_end_matches('/').to_owned(), token, client }))
}

impl Server {
    /// Sends a request and returns the JSON answer, or fails with the
    /// server's error message.
    async fn send(&self, method: reqwest::Method, path: &str, body: Option<Vec<u8>>) -> anyhow::Result<Value> {
        let mut request = self.client.request(method, format!("{}{path}", self.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.header("content-type", "application/wasm").body(body);
        }
        let response = request.send().await.with_context(|| format!("cannot reach {}", self.base))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if !status.is_success() {
            let message = answer["error"].as_str().map_or_else(|| text.clone(), str::to_owned);
            bail!("{status}: {message}");
        }
        Ok(answer)
    }
}
