//! `berth credential`: tenants' credentials, stored in the vault; secret
//! parts come from stdin, never from the command line.

use crate::vault::open_vault;
use anyhow::{Context, bail};
use berth::db::Database;
use berth::lifecycle::History;
use berth::settings::Settings;
use berth::vault::Scheme;
use berth::vault::credentials::{SIGNING_KEY_SUFFIX, WEBHOOK_SECRET_NAME, is_never_sent, is_signing_key_name};
use berth::vault::user_tokens::Owner;
use clap::Subcommand;
use std::collections::BTreeMap;
use zeroize::Zeroizing;

/// How a credential authenticates, as `--scheme` names it.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(crate) enum SchemeName {
    Basic,
    Bearer,
    ApiKey,
    Headers,
    Oauth2ClientCredentials,
    Oauth2RefreshToken,
    Oauth2AuthorizationCode,
    SigningKey,
    WebhookSecret,
}

/// What `berth credential` does.
#[derive(Debug, Subcommand)]
pub(crate) enum CredentialCommand {
    /// Store a credential. Secret parts come from stdin: the password, token,
    /// key, webhook secret or client secret alone; for `headers` one `placeholder=value` line
    /// each; for `oauth2-refresh-token` `refresh_token=...` and optionally
    /// `client_secret=...`. An `oauth2-authorization-code` credential acts as
    /// each person: it holds the OAuth client, and everyone connects their
    /// own account on first use. It is bound now, and only, to the --bind origins,
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
        /// Where people approve the client (oauth2-authorization-code); its own query
        /// parameters, such as Atlassian's `audience`, are kept.
        #[arg(long)]
        authorize_url: Option<String>,
        /// Client id (oauth2-*).
        #[arg(long)]
        client_id: Option<String>,
        /// Scope (oauth2-client-credentials, oauth2-authorization-code).
        #[arg(long)]
        scope: Option<String>,
        /// How the token is sent (oauth2-refresh-token, oauth2-authorization-code), e.g.
        /// "Zoho-oauthtoken {token}".
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
    /// List who has connected their own account to a tenant's per-user
    /// credentials; never a token.
    Connections {
        /// Tenant.
        #[arg(long)]
        tenant: String,
    },
    /// Forget one person's connection: their next call asks them to
    /// connect again.
    Disconnect {
        /// Tenant.
        #[arg(long)]
        tenant: String,
        /// Plugin.
        #[arg(long)]
        plugin: String,
        /// The per-user credential.
        name: String,
        /// Whose, as `berth credential connections` lists them.
        #[arg(long)]
        principal: String,
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

/// Carries out `command` on the vault `settings` lead to.
pub(crate) async fn run(command: CredentialCommand, settings: &Settings) -> anyhow::Result<()> {
    let db = std::sync::Arc::new(settings.open_database().await?);
    let (vault, _) = open_vault(settings, db.clone()).await?;
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
            authorize_url,
            client_id,
            scope,
            header_format,
        } => {
            let oauth = OAuthFlags { token_url, authorize_url, client_id, scope, header_format };
            let scheme = build_scheme(scheme, username, headers, oauth)?;
            if is_signing_key_name(&name) != matches!(scheme, Scheme::SigningKey) {
                bail!(
                    "a plugin declares its signing keys with names ending in `{SIGNING_KEY_SUFFIX}`: store those, and only those, with --scheme signing-key"
                );
            }
            if (name == WEBHOOK_SECRET_NAME) != matches!(scheme, Scheme::WebhookSecret) {
                bail!(
                    "a plugin's webhook secret is stored under the name `{WEBHOOK_SECRET_NAME}`: store it, and only it, with --scheme webhook-secret"
                );
            }
            let secrets = read_secret_parts(&scheme)?;
            let bound = if is_never_sent(&scheme) {
                let part = scheme.secret_parts().into_iter().next().unwrap_or_default();
                settings.vault.check_signing_key(secrets.get(&part).map_or("", |key| key.as_str()))?;
                if !bind.is_empty() {
                    bail!("a {} is never sent anywhere; --bind does not apply", scheme.name());
                }
                Vec::new()
            } else {
                binding(&db, &tenant, &plugin, &scheme, &bind).await?
            };
            vault.set(&tenant, &plugin, &name, &scheme, &bound, &secrets).await?;
            eprintln!(
                "stored credential `{name}` ({}) for plugin `{plugin}` on tenant `{tenant}`, bound to: {}",
                scheme.name(),
                describe_binding(&scheme, &bound)
            );
        }
        CredentialCommand::Bind { tenant, plugin, name, bind } => {
            let unknown = || anyhow::anyhow!("no credential `{name}` for plugin `{plugin}` on tenant `{tenant}`");
            let stored = vault.credentials(&tenant, &plugin).await?.into_iter().find(|found| found.name == name);
            let scheme = stored.ok_or_else(unknown)?.scheme;
            if is_never_sent(&scheme) {
                bail!("a {} is never sent anywhere; there is nothing to bind", scheme.name());
            }
            let bound = binding(&db, &tenant, &plugin, &scheme, &bind).await?;
            vault.rebind(&tenant, &plugin, &name, &bound).await?;
            eprintln!("credential `{name}` of plugin `{plugin}` on tenant `{tenant}` is bound to: {}", bound.join(","));
        }
        CredentialCommand::List { tenant } => {
            for credential in vault.list(&tenant).await? {
                let scheme = credential.scheme;
                let bound = if scheme == "signing-key" || scheme == "webhook-secret" {
                    format!("never sent ({scheme})")
                } else if credential.bound.is_empty() {
                    "nowhere (re-bind with `berth credential bind`)".to_owned()
                } else {
                    credential.bound.join(",")
                };
                println!("{}\t{}\t{scheme}\tbound: {bound}", credential.plugin, credential.name);
            }
        }
        CredentialCommand::Connections { tenant } => {
            for connection in vault.connections(&tenant).await? {
                println!(
                    "{}\t{}\t{}\tstored at {} (Unix s)",
                    connection.plugin, connection.credential, connection.principal, connection.updated_at
                );
            }
        }
        CredentialCommand::Disconnect { tenant, plugin, name, principal } => {
            let owner = Owner { tenant: &tenant, plugin: &plugin, credential: &name, principal: &principal };
            if !vault.remove_user_token(owner).await? {
                bail!("`{principal}` has not connected credential `{name}` of plugin `{plugin}` on tenant `{tenant}`");
            }
            eprintln!("disconnected `{principal}` from credential `{name}` of plugin `{plugin}` on tenant `{tenant}`");
        }
        CredentialCommand::Delete { tenant, plugin, name } => vault.delete(&tenant, &plugin, &name).await?,
    }
    Ok(())
}

/// The OAuth2 parameters of `credential set`.
struct OAuthFlags {
    token_url: Option<String>,
    authorize_url: Option<String>,
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
        SchemeName::Oauth2AuthorizationCode => {
            let authorize_url =
                oauth.authorize_url.clone().context("--scheme oauth2-authorization-code needs --authorize-url")?;
            url::Url::parse(&authorize_url)
                .with_context(|| format!("--authorize-url `{authorize_url}` is not a URL"))?;
            Scheme::Oauth2AuthorizationCode {
                authorize_url,
                token_url: token_url()?,
                client_id: client_id()?,
                scope: oauth.scope.clone(),
                header_format: oauth.header_format.clone(),
            }
        }
        SchemeName::Basic => Scheme::Basic { username: username.context("--scheme basic needs --username")? },
        SchemeName::SigningKey => Scheme::SigningKey,
        SchemeName::WebhookSecret => Scheme::WebhookSecret,
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
async fn binding(
    db: &Database,
    tenant: &str,
    plugin: &str,
    scheme: &Scheme,
    bind: &[String],
) -> anyhow::Result<Vec<String>> {
    if !bind.is_empty() {
        return bind.iter().map(|origin| normalize_origin(origin)).collect();
    }
    let Some(grants) = History::new(db).active_grants(plugin).await? else {
        bail!(
            "plugin `{plugin}` has not served from this data directory, so where this credential may go is unknown: \
             pass --bind ORIGIN (repeatable), or set it once a host has loaded the plugin"
        );
    };
    let resolved = grants.resolve(&db.plugin_config(tenant, plugin).await?);
    let mut origins = resolved.origins;
    if let Some(token_url) = scheme.token_url() {
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
        Scheme::SigningKey | Scheme::WebhookSecret => format!("never sent ({})", scheme.name()),
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
