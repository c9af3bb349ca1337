//! `berth demo`: the bundled plugins against fake upstreams, in a minute.
//!
//! Starts the fake ServiceNow instance, Jira site, Zendesk account and
//! BuyICT portal on loopback, makes a `demo` tenant with every bundled plugin
//! enabled, configured and given credentials (stored in the vault like any
//! other), gives each plugin that takes webhooks a webhook secret, prints
//! how to connect, the webhook URLs and what to try (the ticket desk across
//! the ticket systems among it), and serves. Over HTTP, each line on stdin
//! fires a sample signed Zendesk webhook at the demo's own URL, so a client
//! subscribed to `zendesk://tickets/101` sees an update. State lives in a
//! temporary directory (or `--state DIR`), never in the data directory a
//! real deployment uses.

use crate::serve::{Transports, http_options, run_transports};
use anyhow::Context;
use berth::app::App;
use berth::settings::Settings;
use berth::tenants::Tenants;
use berth::vault::Scheme;
use berth::vault::credentials::WEBHOOK_SECRET_NAME;
use berth_fakes::TestCa;
use berth_fakes::buyict::{self, FakeBuyIct};
use berth_fakes::github::{self, FakeGitHub};
use berth_fakes::jira::{self, FakeJira};
use berth_fakes::opsramp::{self, FakeOpsRamp};
use berth_fakes::servicedesk_plus::{self, FakeServiceDeskPlus};
use berth_fakes::servicenow::{self, FakeServiceNow};
use berth_fakes::webhook::{self, zendesk_signature};
use berth_fakes::zendesk::{self, FakeZendesk};
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tokio::io::AsyncBufReadExt;
use zeroize::Zeroizing;

/// The tenant the demo creates.
const TENANT: &str = "demo";

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    transports: Transports,
    /// Keep the demo's state (database, vault key, compile cache) in DIR
    /// instead of a temporary directory removed at exit.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
}

/// The upstreams the demo's tenant talks to; dropped, they stop.
struct Fakes {
    servicenow: FakeServiceNow,
    jira: FakeJira,
    zendesk: FakeZendesk,
    github: FakeGitHub,
    servicedesk_plus: FakeServiceDeskPlus,
    opsramp: FakeOpsRamp,
    buyict: FakeBuyIct,
}

pub async fn run(mut args: DemoArgs, base: &Settings) -> anyhow::Result<()> {
    if !args.transports.stdio && args.transports.http.is_none() {
        args.transports.http = Some("127.0.0.1:8080".parse().expect("a valid address"));
    }
    let temporary = match &args.state {
        Some(_) => None,
        None => Some(
            tempfile::Builder::new().prefix("berth-demo-").tempdir().context("creating the demo's state directory")?,
        ),
    };
    let state = args.state.clone().unwrap_or_else(|| temporary.as_ref().expect("created above").path().to_owned());
    let fakes = Fakes {
        servicenow: FakeServiceNow::start(servicenow::Options::default())
            .await
            .context("starting the fake ServiceNow")?,
        jira: FakeJira::start(jira::Options::default()).await.context("starting the fake Jira")?,
        zendesk: FakeZendesk::start(zendesk::Options::default()).await.context("starting the fake Zendesk")?,
        github: FakeGitHub::start(github::Options::default()).await.context("starting the fake GitHub")?,
        servicedesk_plus: FakeServiceDeskPlus::start(servicedesk_plus::Options::default())
            .await
            .context("starting the fake ServiceDesk Plus")?,
        opsramp: FakeOpsRamp::start(opsramp::Options::default()).await.context("starting the fake OpsRamp")?,
        buyict: FakeBuyIct::start(buyict::Options::default()).await.context("starting the fake BuyICT portal")?,
    };
    let settings = demo_settings(base, &state)?;
    let http = http_options(&args.transports, &settings)?;
    let app = App::start(&settings).await?;
    let key = provision(&app, &fakes).await?;
    let hooks = webhook_secrets(&app).await?;
    print_instructions(&args.transports, &key, &fakes, &state, temporary.is_some());
    if let Some(addr) = args.transports.http {
        // The fake GitHub posts the demo repository's events to the demo's
        // own hook, signed with its secret, as a real organisation webhook
        // does: what a tool changes there comes back as a notification.
        if let Some((_, secret)) = hooks.iter().find(|(plugin, _)| plugin == "github") {
            fakes.github.add_webhook(&format!("http://{addr}/hooks/{TENANT}/github"), secret);
        }
        print_webhooks(addr, &hooks);
        if !args.transports.stdio {
            let secret = hooks.iter().find(|(plugin, _)| plugin == SAMPLE_PLUGIN).map(|(_, secret)| secret.clone());
            tokio::spawn(fire_on_enter(addr, secret));
        }
    }
    run_transports(app, args.transports.stdio, TENANT, http, &settings.http).await
}

/// The operator's settings, pointed at the demo's state, with egress allowed
/// to loopback and the fakes' certificate authority trusted.
fn demo_settings(base: &Settings, state: &std::path::Path) -> anyhow::Result<Settings> {
    let ca = state.join("fakes-ca.pem");
    std::fs::create_dir_all(state).with_context(|| format!("creating {}", state.display()))?;
    std::fs::write(&ca, TestCa::get().pem()).with_context(|| format!("writing {}", ca.display()))?;
    let mut settings = base.clone();
    settings.data_dir = Some(state.to_owned());
    // Compiled code is no secret and the bundled plugins rarely change: keep
    // it across demo runs, so a second demo starts in a moment.
    settings.compile_cache_dir =
        base.compile_cache_dir.clone().or_else(|| user_cache_dir().map(|dir| dir.join("berth/compile-cache")));
    settings.master_key = None;
    settings.master_key_file = None;
    settings.egress.addresses.allow_loopback = true;
    settings.egress.trusted_ca_files.push(ca);
    Ok(settings)
}

/// `$XDG_CACHE_HOME`, else `~/.cache`.
fn user_cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
}

/// The plugins the demo has a fake upstream for, and configures.
const PROVISIONED: [&str; 7] = ["servicenow", "jira", "zendesk", "github", "servicedesk-plus", "opsramp", "buyict"];

/// Creates the demo tenant with its plugins enabled, configured and
/// credentialed; returns its API key. A loaded plugin is enabled if the
/// demo provisions it or it needs nothing (no credentials, no required
/// setting): one that would only fail for want of an upstream is left out.
async fn provision(app: &App, fakes: &Fakes) -> anyhow::Result<String> {
    let tenants = Tenants::new(&app.db);
    let key = tenants.add(TENANT).await?;
    for (name, plugin) in app.plugins.snapshot().iter() {
        let needs_nothing = plugin.manifest.credentials.is_empty()
            && plugin.manifest.config.iter().all(|key| !key.required || key.default.is_some());
        if PROVISIONED.contains(&name.as_str()) || needs_nothing {
            tenants.enable(TENANT, name).await?;
        }
    }
    app.db.set_plugin_config(TENANT, "servicenow", "instance", &fakes.servicenow.host()).await?;
    app.db.set_plugin_config(TENANT, "jira", "site", &fakes.jira.host()).await?;
    app.db.set_plugin_config(TENANT, "jira", "default_project", "HELP").await?;
    app.db.set_plugin_config(TENANT, "zendesk", "site", &fakes.zendesk.host()).await?;
    app.db.set_plugin_config(TENANT, "github", "api_url", &fakes.github.host()).await?;
    app.db.set_plugin_config(TENANT, "github", "default_repo", github::PRIVATE_REPO).await?;
    // One fake plays both the ServiceDesk Plus portal and Zoho's accounts server.
    let sdp = fakes.servicedesk_plus.host();
    app.db.set_plugin_config(TENANT, "servicedesk-plus", "domain", &sdp).await?;
    app.db.set_plugin_config(TENANT, "servicedesk-plus", "portal", servicedesk_plus::PORTAL).await?;
    app.db.set_plugin_config(TENANT, "servicedesk-plus", "accounts_server", &sdp).await?;
    app.db.set_plugin_config(TENANT, "servicedesk-plus", "default_requester", servicedesk_plus::BRUCE_EMAIL).await?;
    app.db.set_plugin_config(TENANT, "opsramp", "api_host", &fakes.opsramp.host()).await?;
    app.db.set_plugin_config(TENANT, "opsramp", "tenant_id", opsramp::TENANT_ID).await?;
    app.db.set_plugin_config(TENANT, "buyict", "base_url", &fakes.buyict.host()).await?;
    app.db.set_plugin_config(TENANT, "buyict", "portal_id", buyict::PORTAL_ID).await?;
    let secrets = |pairs: &[(&str, &str)]| -> BTreeMap<String, Zeroizing<String>> {
        pairs.iter().map(|(key, value)| ((*key).to_owned(), Zeroizing::new((*value).to_owned()))).collect()
    };
    // Bound explicitly, as an operator binds real credentials: each only to
    // its own fake's origin.
    app.vault
        .set(
            TENANT,
            "servicenow",
            "servicenow",
            &Scheme::Basic { username: servicenow::USERNAME.to_owned() },
            &[https_origin(&fakes.servicenow.host())?],
            &secrets(&[("password", servicenow::PASSWORD)]),
        )
        .await?;
    app.vault
        .set(
            TENANT,
            "jira",
            "jira",
            &Scheme::Basic { username: jira::EMAIL.to_owned() },
            &[https_origin(&fakes.jira.host())?],
            &secrets(&[("password", jira::API_TOKEN)]),
        )
        .await?;
    // Zendesk API tokens are Basic auth as `{email}/token`.
    app.vault
        .set(
            TENANT,
            "zendesk",
            "zendesk",
            &Scheme::Basic { username: format!("{}/token", zendesk::EMAIL) },
            &[https_origin(&fakes.zendesk.host())?],
            &secrets(&[("password", zendesk::API_TOKEN)]),
        )
        .await?;
    app.vault
        .set(
            TENANT,
            "github",
            "github",
            &Scheme::Bearer,
            &[https_origin(&fakes.github.host())?],
            &secrets(&[("token", github::TOKEN)]),
        )
        .await?;
    app.vault
        .set(
            TENANT,
            "servicedesk-plus",
            "servicedesk-plus",
            &Scheme::Oauth2RefreshToken {
                token_url: format!("https://{sdp}/oauth/v2/token"),
                client_id: servicedesk_plus::CLIENT_ID.to_owned(),
                header_format: Some("Zoho-oauthtoken {token}".to_owned()),
            },
            &[https_origin(&sdp)?],
            &secrets(&[
                ("refresh_token", servicedesk_plus::REFRESH_TOKEN),
                ("client_secret", servicedesk_plus::CLIENT_SECRET),
            ]),
        )
        .await?;
    app.vault
        .set(
            TENANT,
            "opsramp",
            "opsramp",
            &Scheme::Oauth2ClientCredentials {
                token_url: format!("{}/auth/oauth/token", fakes.opsramp.served.base_url()),
                client_id: opsramp::CLIENT_ID.to_owned(),
                scope: None,
            },
            &[https_origin(&fakes.opsramp.host())?],
            &secrets(&[("client_secret", opsramp::CLIENT_SECRET)]),
        )
        .await?;
    let templates = vec![
        ("Cookie".to_owned(), "JSESSIONID={session_id}".to_owned()),
        ("X-UserToken".to_owned(), "{user_token}".to_owned()),
    ];
    app.vault
        .set(
            TENANT,
            "buyict",
            "buyict",
            &Scheme::Headers { templates },
            &[https_origin(&fakes.buyict.host())?],
            &secrets(&[("session_id", buyict::SESSION_ID), ("user_token", buyict::USER_TOKEN)]),
        )
        .await?;
    Ok(key.as_str().to_owned())
}

/// The plugin whose sample webhook the demo fires.
const SAMPLE_PLUGIN: &str = "zendesk";
/// The resource the sample webhook changes.
const SAMPLE_RESOURCE: &str = "zendesk://tickets/101";

/// Gives the demo tenant a fresh webhook secret for every plugin it has
/// enabled that takes events; the (plugin, secret) pairs.
async fn webhook_secrets(app: &App) -> anyhow::Result<Vec<(String, Zeroizing<String>)>> {
    let access = Tenants::new(&app.db).access(TENANT).await?;
    let mut hooks = Vec::new();
    for (name, plugin) in app.plugins.snapshot().iter() {
        if plugin.events.is_none() || !access.allows(name) {
            continue;
        }
        let mut random = [0u8; 32];
        getrandom::fill(&mut random)
            .map_err(|error| anyhow::anyhow!("the operating system's random source failed: {error}"))?;
        let secret = Zeroizing::new(random.iter().map(|byte| format!("{byte:02x}")).collect::<String>());
        let parts = BTreeMap::from([("secret".to_owned(), secret.clone())]);
        app.vault.set(TENANT, name, WEBHOOK_SECRET_NAME, &Scheme::WebhookSecret, &[], &parts).await?;
        hooks.push((name.clone(), secret));
    }
    Ok(hooks)
}

/// The webhook URL of each plugin that takes events, and its secret: what
/// an operator would paste into the upstream's webhook settings.
fn print_webhooks(addr: std::net::SocketAddr, hooks: &[(String, Zeroizing<String>)]) {
    let mut out = String::from(
        "Webhooks of tenant `demo` (URL, then the secret the upstream signs with):
",
    );
    for (plugin, secret) in hooks {
        out.push_str(&format!(
            "  http://{addr}/hooks/{TENANT}/{plugin}  {}
",
            secret.as_str()
        ));
    }
    out.push_str(&format!(
        "Press Enter here to fire a signed sample {SAMPLE_PLUGIN} webhook: a client subscribed to {SAMPLE_RESOURCE} \
         hears notifications/resources/updated.\n\n"
    ));
    eprint!("{out}");
}

/// Fires a signed sample Zendesk webhook at the demo's own hook URL for
/// each line read from stdin, and says what came back.
async fn fire_on_enter(addr: std::net::SocketAddr, secret: Option<Zeroizing<String>>) {
    let Some(secret) = secret else { return };
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut fired = 0u64;
    while let Ok(Some(_)) = lines.next_line().await {
        fired += 1;
        let body = serde_json::json!({
            "type": "zen:event-type:ticket.status_changed",
            "subject": "zen:ticket:101",
            "detail": {"id": "101", "status": "OPEN"},
            "zendesk_event_version": "2022-11-06",
        })
        .to_string()
        .into_bytes();
        let timestamp = time::OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .ok()
            .and_then(|now| now.format(&time::format_description::well_known::Rfc3339).ok())
            .unwrap_or_default();
        let headers = vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("x-zendesk-webhook-invocation-id".to_owned(), format!("demo-{}-{fired}", std::process::id())),
            ("x-zendesk-webhook-signature-timestamp".to_owned(), timestamp.clone()),
            ("x-zendesk-webhook-signature".to_owned(), zendesk_signature(&secret, &timestamp, &body)),
        ];
        let sent = webhook::post(&format!("http://{addr}/hooks/{TENANT}/{SAMPLE_PLUGIN}"), headers, body).await;
        match sent.answer {
            Ok(status) => eprintln!("fired a sample {SAMPLE_PLUGIN} webhook for {SAMPLE_RESOURCE}: HTTP {status}"),
            Err(error) => eprintln!("could not fire the sample webhook: {error}"),
        }
    }
}

/// The origin (`https://host:port`) of a fake serving on `host` (`host:port`).
fn https_origin(host: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(&format!("https://{host}/")).with_context(|| format!("a fake's host `{host}`"))?;
    Ok(berth::policy::egress::origin_of(&url))
}

/// Tells the user how to connect. On stderr: in stdio mode stdout carries
/// JSON-RPC.
fn print_instructions(transports: &Transports, key: &str, fakes: &Fakes, state: &std::path::Path, temporary: bool) {
    let exe = std::env::current_exe().map_or_else(|_| "berth".to_owned(), |path| path.display().to_string());
    let mut out = String::new();
    out.push_str("\nBerth demo: the bundled plugins against fake upstreams on loopback\n");
    out.push_str(&format!("  fake ServiceNow instance  {}\n", fakes.servicenow.served.base_url()));
    out.push_str(&format!("  fake Jira site            {}\n", fakes.jira.served.base_url()));
    out.push_str(&format!("  fake Zendesk account      {}\n", fakes.zendesk.served.base_url()));
    out.push_str(&format!("  fake GitHub API           {}\n", fakes.github.served.base_url()));
    out.push_str(&format!("  fake ServiceDesk Plus     {}\n", fakes.servicedesk_plus.served.base_url()));
    out.push_str(&format!("  fake OpsRamp tenant       {}\n", fakes.opsramp.served.base_url()));
    out.push_str(&format!("  fake BuyICT portal        {}\n", fakes.buyict.served.base_url()));
    let kept = if temporary { " (temporary; removed at exit)" } else { "" };
    out.push_str(&format!("  state                     {}{kept}\n", state.display()));
    out.push_str(&format!("  tenant `{TENANT}`, API key {key}\n\n"));
    if transports.stdio {
        out.push_str("Serving MCP on stdio. An MCP client that launches servers (Claude Desktop style):\n");
        let config =
            serde_json::json!({ "mcpServers": { "berth-demo": { "command": exe, "args": ["demo", "--stdio"] } } });
        out.push_str(&format!("{}\n\n", serde_json::to_string_pretty(&config).expect("JSON")));
    }
    if let Some(addr) = transports.http {
        let config = serde_json::json!({ "mcpServers": { "berth-demo": {
            "type": "http",
            "url": format!("http://{addr}/mcp"),
            "headers": { "Authorization": format!("Bearer {key}") },
        } } });
        out.push_str(&format!(
            "Serving MCP on http://{addr}/mcp (Streamable HTTP) and http://{addr}/sse (legacy SSE).\n"
        ));
        out.push_str(&format!("A client configuration:\n{}\n", serde_json::to_string_pretty(&config).expect("JSON")));
        out.push_str(&format!("Legacy SSE clients: http://{addr}/sse with the same Authorization header.\n\n"));
    }
    out.push_str(
        "One ticket desk over ServiceNow, Jira, Zendesk, GitHub, ServiceDesk Plus and OpsRamp: tickets_search, tickets_get, tickets_create, \
         tickets_comment, tickets_update.\n",
    );
    out.push_str(
        "Try: \"find open high-priority tickets across all systems\" (tickets_search with \
         {\"status\": [\"unresolved\"], \"priority\": [\"critical\", \"high\"]}),\n",
    );
    out.push_str(
        "     servicenow_resolve_incident, jira_search_issues, zendesk_list_tickets, buyict_search_opportunities.\n",
    );
    eprint!("{out}");
}
