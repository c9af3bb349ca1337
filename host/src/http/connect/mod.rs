//! Where people connect their own upstream accounts for per-user
//! credentials (see [`crate::vault::connect`]), in their browser:
//!
//! - `GET /oauth/connect/{state}`: the link a URL elicitation carried. A
//!   browser that has not signed in for it yet is bound to the flow (a
//!   cookie) and sent to sign in at the person's identity provider
//!   ([`sign_in`]); back from there as the person the link was made for, it
//!   sees the page naming the person, tenant, plugin and authorization
//!   server.
//! - `GET /oauth/signin`: back from the identity provider. The ID token
//!   must name the link's person: a link passed to someone else connects
//!   nothing, and the attempt is audited.
//! - `POST /oauth/connect/{state}`: on to the authorization server (303),
//!   with the state and the PKCE challenge.
//! - `GET /oauth/callback`: back from it ([`callback`]). Only the bound,
//!   signed-in browser may finish: the flow is taken (once), the code
//!   exchanged with the verifier through the plugin's egress, and the
//!   tokens sealed in the vault under the person. The outcome is audited.
//!
//! The pages are static HTML that frames nothing and is framed by nothing,
//! sends no referrer off its own origin, and is never cached.

mod callback;
mod sign_in;

use crate::app::App;
use crate::audit::{self, CallRecord};
use crate::snapshot::PluginGrants;
use crate::vault::Credential;
use crate::vault::connect::{Flow, Leg};
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::Arc;

/// The routes; public, as a browser reaches them without a token.
pub fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/oauth/connect/{state}", get(confirm).post(proceed))
        .route("/oauth/signin", get(sign_in::finish))
        .route("/oauth/callback", get(callback::finish))
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
    let flow = app.flows.pending(Leg::Link, state).await.map_err(failed)?.ok_or_else(gone)?;
    let (credential, _) = credential(app, &flow).await?.ok_or_else(gone)?;
    Ok((flow, credential))
}

/// Whether browsers reach the server over https, so its cookies are
/// `Secure` and `__Host-`.
fn secure(app: &App) -> bool {
    app.auth.public_base().is_some_and(|base| base.starts_with("https://"))
}

/// Whether the browser that sent `headers` is the one `flow` is bound to.
fn is_bound(app: &App, flow: &Flow, headers: &HeaderMap) -> bool {
    flow.is_browser(cookie(headers, &flow.cookie_name(secure(app))).as_deref())
}

/// Whether the browser that sent `headers` is the one `flow` is bound
/// to, and has signed in as its person.
fn signed_in(app: &App, flow: &Flow, headers: &HeaderMap) -> bool {
    flow.verified && is_bound(app, flow, headers)
}

async fn confirm(State(app): State<Arc<App>>, headers: HeaderMap, Path(state): Path<String>) -> Response {
    let (flow, credential) = match pending(&app, &state).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    if flow.verified && !is_bound(&app, &flow, &headers) {
        // Signed in elsewhere already: a link preview or a second browser
        // must not undo that.
        let body = "<p>This link was opened and signed in for in another browser; continue there. Or call the \
                    tool again in ten minutes for a new link.</p>";
        return page(StatusCode::CONFLICT, "Already in use", body);
    }
    if !flow.verified {
        return sign_in::start(&app, &flow).await;
    }
    let server =
        flow.authorize_url(&credential.scheme, "").map(|url| url.origin().ascii_serialization()).unwrap_or_default();
    let body = format!(
        "<p>You are connecting your own account at <b>{server}</b> for the credential <b>{credential}</b> of \
         <b>{plugin}</b>, on tenant <b>{tenant}</b>, signed in as <b>{principal}</b>. Calls you make through \
         Berth will then act upstream as you.</p><p>Go on only if you asked for this.</p>\
         <form method=\"post\"><button type=\"submit\">Continue to {server}</button></form>",
        server = escape(&server),
        credential = escape(&flow.credential),
        plugin = escape(&flow.plugin),
        tenant = escape(&flow.tenant),
        principal = escape(&flow.principal),
    );
    page(StatusCode::OK, "Connect your account", &body)
}

async fn proceed(State(app): State<Arc<App>>, headers: HeaderMap, Path(state): Path<String>) -> Response {
    let (flow, credential) = match pending(&app, &state).await {
        Ok(pending) => pending,
        Err(response) => return response,
    };
    if !signed_in(&app, &flow, &headers) {
        // Back to the link, which has this browser sign in first.
        return see_other(&format!("/oauth/connect/{state}"), None);
    }
    let Some(callback) = app.auth.callback_url() else { return failed("no [auth] public_url") };
    let flow = match app.flows.onward(&flow).await {
        Ok(flow) => flow,
        Err(error) => return failed(error),
    };
    match flow.authorize_url(&credential.scheme, &callback) {
        Some(target) => see_other(target.as_str(), None),
        None => failed(format!("the authorize URL of credential `{}` does not parse", flow.credential)),
    }
}

/// A 303 to `location`, setting `cookie` if given.
fn see_other(location: &str, cookie: Option<&str>) -> Response {
    let Ok(location) = HeaderValue::from_str(location) else { return failed("a redirect that is no header value") };
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response();
    if let Some(cookie) = cookie {
        match HeaderValue::from_str(cookie) {
            Ok(cookie) => response.headers_mut().insert(header::SET_COOKIE, cookie),
            Err(error) => return failed(error),
        };
    }
    response
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

/// The page for a connection refused for `reason`, audited first.
async fn refuse(app: &App, flow: &Flow, started: std::time::Instant, status: StatusCode, reason: String) -> Response {
    let body = format!("<p>{}</p><p>Nothing was connected.</p>", escape(&reason));
    record(app, flow, started, &Err(Refused(reason))).await;
    page(status, "Not connected", &body)
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
