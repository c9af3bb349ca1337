//! Where people connect their own upstream accounts for per-user
//! credentials (see [`crate::vault::connect`]), in their browser:
//!
//! - `GET /oauth/connect/{state}`: the link a URL elicitation carried. It
//!   names the person, tenant, plugin and authorization server, and asks
//!   them to go on only if that is them: a link passed to someone else
//!   would connect that person's account to the wrong principal.
//! - `POST /oauth/connect/{state}`: binds the flow to this browser (a
//!   cookie) and goes on to the authorization server (303), with the state
//!   and the PKCE challenge.
//! - `GET /oauth/callback`: back from it. Only the browser that confirmed
//!   may finish, which defeats a link to the authorization server sent to
//!   someone else (their account would land under the sender's name). The
//!   flow is taken (once), the code exchanged with the verifier through
//!   the plugin's egress, and the tokens sealed in the vault under the
//!   person. The outcome is audited.
//!
//! The pages are static HTML that frames nothing and is framed by nothing,
//! sends no referrer off its own origin, and is never cached.

use crate::app::App;
use crate::audit::{self, CallRecord};
use crate::policy::echo::clip;
use crate::policy::egress::EgressPolicy;
use crate::snapshot::PluginGrants;
use crate::upstream::Caller;
use crate::vault::Credential;
use crate::vault::connect::{FLOW_LIFETIME, Flow, random_token};
use crate::vault::credentials::UserToken;
use crate::vault::oauth;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::sync::Arc;

/// The routes; public, as a browser reaches them without a token.
pub fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/oauth/connect/{state}", get(confirm).post(proceed))
        .route("/oauth/callback", get(callback))
        .with_state(app)
}

/// An HTML page, with the headers every one of them carries.
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\"><h1>{title}</h1>{body}</body></html>",
        title = escape(title)
    );
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        // Not `no-referrer`: it would make the form's POST say `Origin: null`.
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// `text` safe inside HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// The page for a link that leads nowhere (any more).
fn gone() -> Response {
    page(
        StatusCode::NOT_FOUND,
        "This link has expired",
        "<p>It was used already, or is older than ten minutes. Call the tool again for a new one.</p>",
    )
}

/// A failure on the host's side: the detail goes to the log only.
fn failed(detail: impl std::fmt::Display) -> Response {
    let id = audit::call_id();
    tracing::error!(error_id = %id, "connecting an account failed: {detail}");
    let body = format!("<p>Berth could not finish this. The operator can find error <code>{id}</code> in its log.</p>");
    page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", &body)
}

/// The tenant's per-user credential a flow connects, if it still has it,
/// with what the tenant grants the plugin.
async fn credential(app: &App, flow: &Flow) -> Result<Option<(Credential, Arc<PluginGrants>)>, Response> {
    let generation = app.snapshot.current().await.map_err(failed)?;
    let tenant: Arc<str> = flow.tenant.as_str().into();
    let grants = app.snapshot.grants(&generation, &app.vault, &tenant, &flow.plugin).await.map_err(failed)?;
    let found = grants.credentials.iter().find(|credential| credential.name == flow.credential);
    Ok(found.filter(|credential| credential.scheme.is_per_user()).cloned().map(|credential| (credential, grants)))
}

/// The pending flow `state` names and the credential it connects, or the
/// page saying there is none.
async fn pending(app: &App, state: &str) -> Result<(Flow, Credential), Response> {
    let flow = app.flows.pending(state).await.map_err(failed)?.ok_or_else(gone)?;
    let (credential, _) = credential(app, &flow).await?.ok_or_else(gone)?;
    Ok((flow, credential))
}

async fn confirm(State(app): State<Arc<App>>, Path(state): Path<String>) -> Response {
    let (flow, credential) = match pending(&app, &state).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    let server =
        flow.authorize_url(&credential.scheme, "").map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    let body = format!(
        "<p>You are connecting your own account at <b>{server}</b> for the credential <b>{credential}</b> of \
         <b>{plugin}</b>, on tenant <b>{tenant}</b>, as <b>{principal}</b>. Calls you make through Berth will \
         then act upstream as you.</p><p>Go on only if you asked for this and the name above is yours.</p>\
         <form method=\"post\"><button type=\"submit\">Continue to {server}</button></form>",
        server = escape(&server),
        credential = escape(&flow.credential),
        plugin = escape(&flow.plugin),
        tenant = escape(&flow.tenant),
        principal = escape(&flow.principal),
    );
    page(StatusCode::OK, "Connect your account", &body)
}

async fn proceed(State(app): State<Arc<App>>, Path(state): Path<String>) -> Response {
    let (flow, credential) = match pending(&app, &state).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    let Some(callback) = app.auth.callback_url() else { return failed("no [auth] public_url") };
    let Some(target) = flow.authorize_url(&credential.scheme, &callback) else {
        return failed(format!("the authorize URL of credential `{}` does not parse", flow.credential));
    };
    let cookie_value = random_token();
    if let Err(error) = app.flows.bind(&flow, &cookie_value).await {
        return failed(error);
    }
    let secure = if callback.starts_with("https://") { "; Secure" } else { "" };
    let cookie = format!(
        "{}={cookie_value}; Path=/oauth/callback; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        flow.cookie_name(),
        FLOW_LIFETIME.as_secs()
    );
    match (HeaderValue::from_str(target.as_str()), HeaderValue::from_str(&cookie)) {
        (Ok(location), Ok(cookie)) => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, location), (header::SET_COOKIE, cookie)]).into_response()
        }
        (Err(error), _) | (_, Err(error)) => failed(error),
    }
}

/// What the authorization server sends the browser back with (RFC 6749
/// §4.1.2).
#[derive(Deserialize)]
struct Returned {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(State(app): State<Arc<App>>, headers: HeaderMap, Query(returned): Query<Returned>) -> Response {
    let Some(state) = returned.state.as_deref() else { return gone() };
    let started = std::time::Instant::now();
    let flow = match app.flows.pending(state).await {
        Ok(Some(flow)) => flow,
        Ok(None) => return gone(),
        Err(error) => return failed(error),
    };
    if !flow.is_browser(cookie(&headers, &flow.cookie_name()).as_deref()) {
        // Left pending: whoever sent this cannot spend the person's flow.
        let refused = Err(Refused("this browser did not confirm the connection on Berth's page".to_owned()));
        record(&app, &flow, started, &refused).await;
        return page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            "<p>This browser did not start this connection. If you did, open the link your agent gave you \
             again in this browser and continue from there.</p>",
        );
    }
    let flow = match app.flows.take(state).await {
        Ok(Some(flow)) => flow,
        Ok(None) => return gone(),
        Err(error) => return failed(error),
    };
    let outcome = match (&returned.code, &returned.error) {
        (Some(code), None) => connect(&app, &flow, code).await,
        (_, error) => {
            let reason = [error.as_deref(), returned.error_description.as_deref()];
            let reason: Vec<&str> = reason.into_iter().flatten().collect();
            Err(Refused(format!("the authorization server answered: {}", clip(&reason.join(": ")))))
        }
    };
    record(&app, &flow, started, &outcome).await;
    match outcome {
        Ok(()) => page(
            StatusCode::OK,
            "Connected",
            &format!(
                "<p>Your account is connected for <b>{}</b> of <b>{}</b>. Go back to your agent and call again.</p>",
                escape(&flow.credential),
                escape(&flow.plugin)
            ),
        ),
        Err(Refused(reason)) => page(
            StatusCode::BAD_REQUEST,
            "Not connected",
            &format!("<p>{}</p><p>Call the tool again to start over.</p>", escape(&reason)),
        ),
    }
}

/// The value of cookie `name` in `headers`, if the browser sent it.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    let cookies = headers.get_all(header::COOKIE).into_iter().filter_map(|value| value.to_str().ok());
    cookies.flat_map(|value| value.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_owned())
    })
}

/// Why a connection did not happen, as the person reads it.
struct Refused(String);

/// Exchanges `code` for `flow`'s person's tokens and stores them.
async fn connect(app: &App, flow: &Flow, code: &str) -> Result<(), Refused> {
    let internal = |detail: String| {
        let id = audit::call_id();
        tracing::error!(error_id = %id, tenant = %flow.tenant, plugin = %flow.plugin, "connecting an account failed: {detail}");
        Refused(format!("Berth could not finish this (error {id} in its log)."))
    };
    let (credential, grants) = match credential(app, flow).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(Refused("The credential is no longer configured for this tenant.".into())),
        Err(_) => return Err(internal("cannot read the tenant's credentials".into())),
    };
    let Some(plugin) = app.plugins.get(&flow.plugin) else {
        return Err(Refused(format!("The plugin `{}` is not being served.", flow.plugin)));
    };
    let callback = app.auth.callback_url().ok_or_else(|| internal("no [auth] public_url".into()))?;
    let request = flow.code_request(&credential, code, &callback).ok_or_else(|| internal("not per-user".into()))?;
    let mut config = plugin.grants.config_defaults.clone();
    config.extend(grants.config.clone());
    let policy = EgressPolicy::resolve(&plugin.grants.name, &plugin.grants.egress, &config);
    let outbound = request.outbound(app.runtime.deadline());
    let caller = Caller { tenant: &flow.tenant, plugin: &flow.plugin };
    let upstream = &app.runtime.services().upstream;
    let inbound = upstream.send(caller, &policy, outbound, None).await.map_err(|failure| {
        Refused(format!("The token endpoint {} could not be reached: {}", request.url, clip(&failure.to_string())))
    })?;
    let granted = oauth::grant_response(inbound.status, &inbound.body, &credential, &[code, &flow.verifier])
        .map_err(|reason| Refused(clip(&reason).into_owned()))?;
    let expires_at_ms = granted
        .lifetime
        .map(|lifetime| audit::now_ms().saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX)));
    let token = UserToken {
        connection: random_token(),
        access_token: granted.access_token,
        refresh_token: granted.refresh_token,
        expires_at_ms,
    };
    app.vault.save_user_token(flow.owner(), &token).await.map_err(|error| internal(error.to_string()))
}

/// Audits a connection's outcome as a call of `connect <credential>` by
/// the person, over the browser.
async fn record(app: &App, flow: &Flow, started: std::time::Instant, outcome: &Result<(), Refused>) {
    app.audit.call(CallRecord {
        call_id: audit::call_id(),
        at_ms: audit::now_ms(),
        tenant: flow.tenant.clone(),
        principal: flow.principal.clone(),
        roles: String::new(),
        transport: "browser".to_owned(),
        plugin: flow.plugin.clone(),
        version: String::new(),
        tool: format!("connect {}", flow.credential),
        arguments: serde_json::json!({}),
        outcome: match outcome {
            Ok(()) => "connected".to_owned(),
            Err(Refused(reason)) => format!("not connected: {reason}"),
        },
        duration_ms: started.elapsed().as_millis() as i64,
        requests: Vec::new(),
    });
    app.audit.answered().await;
}
