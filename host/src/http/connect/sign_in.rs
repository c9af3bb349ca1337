//! The person signs in at their identity provider before anything is
//! connected (OpenID Connect Core §3.1, as a public client with PKCE): the
//! proof MCP's URL elicitation asks for that whoever opened a connect link
//! is the person it was made for. [`start`] binds the browser to the flow
//! and sends it to the provider; [`finish`] exchanges the code, checks the
//! ID token (signature by the provider's keys, `iss`, `aud` the sign-in
//! client, `exp`, the flow's `nonce`) and compares its subject with the
//! flow's.

use super::callback::Returned;
use super::{failed, page, refuse, see_other};
use crate::app::App;
use crate::auth::issuers::Issuer;
use crate::auth::jwt;
use crate::vault::connect::{FLOW_LIFETIME, Flow, Leg, random_token};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;

/// The flow's identity provider and its sign-in client, if it still has one.
async fn provider(app: &App, flow: &Flow) -> Result<(Issuer, String), Response> {
    let generation = app.snapshot.current().await.map_err(failed)?;
    let issuers = app.snapshot.issuers(&generation).await.map_err(failed)?;
    let issuer = issuers.iter().find(|issuer| issuer.issuer == flow.issuer).cloned();
    let Some((issuer, client_id)) = issuer.and_then(|issuer| Some((issuer.clone(), issuer.login_client_id?))) else {
        let body = "<p>Your identity provider no longer has a sign-in client for Berth; ask the operator.</p>";
        return Err(page(StatusCode::FORBIDDEN, "Cannot sign in", body));
    };
    Ok((issuer, client_id))
}

/// Where the identity provider sends the browser back.
fn redirect_uri(app: &App) -> Option<String> {
    Some(format!("{}/oauth/signin", app.auth.public_base()?))
}

/// Binds this browser to `flow` and sends it to sign in.
pub(super) async fn start(app: &App, flow: &Flow) -> Response {
    let (issuer, client_id) = match provider(app, flow).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(redirect) = redirect_uri(app) else { return failed("no [auth] public_url") };
    let endpoints = match app.keys.endpoints(&issuer.issuer).await {
        Ok(endpoints) => endpoints,
        Err(error) => return failed(error),
    };
    let cookie_value = random_token();
    let flow = match app.flows.bind(flow, &cookie_value).await {
        Ok(flow) => flow,
        Err(error) => return failed(error),
    };
    let secure = super::secure(app);
    let cookie = format!(
        "{}={cookie_value}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{}",
        flow.cookie_name(secure),
        FLOW_LIFETIME.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    see_other(flow.sign_in_url(&endpoints.authorization, &client_id, &redirect).as_str(), Some(&cookie))
}

/// `GET /oauth/signin`: back from the identity provider.
pub(super) async fn finish(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(returned): Query<Returned>,
) -> Response {
    let started = std::time::Instant::now();
    let (_, flow) = match returned.flow(&app, Leg::SignIn).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let refused = async |status, reason: String| refuse(&app, &flow, started, status, reason).await;
    if !super::is_bound(&app, &flow, &headers) {
        return refused(StatusCode::BAD_REQUEST, "this browser did not open the connect link".to_owned()).await;
    }
    let code = match (&returned.code, returned.refusal()) {
        (Some(code), None) => code,
        (_, refusal) => {
            let refusal = refusal.unwrap_or_else(|| "no code".to_owned());
            return refused(StatusCode::BAD_REQUEST, format!("signing in failed: {refusal}")).await;
        }
    };
    let (issuer, client_id) = match provider(&app, &flow).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(redirect) = redirect_uri(&app) else { return failed("no [auth] public_url") };
    let endpoints = match app.keys.endpoints(&issuer.issuer).await {
        Ok(endpoints) => endpoints,
        Err(error) => return failed(error),
    };
    let form = flow.sign_in_exchange(code, &client_id, &redirect);
    let answer = match app.keys.post_form(&endpoints.token, &form).await {
        Ok(answer) => answer,
        Err(error) => return failed(error),
    };
    let id_token = match answer {
        (200, body) => body.get("id_token").and_then(|token| token.as_str()).map(str::to_owned),
        _ => None,
    };
    let Some(id_token) = id_token else {
        return refused(StatusCode::BAD_REQUEST, "the identity provider did not confirm the sign-in".to_owned()).await;
    };
    let leeway = app.auth.leeway_secs;
    let subject = match jwt::verify_id_token(&id_token, &issuer, &app.keys, &client_id, &flow.nonce, leeway).await {
        Ok(subject) => subject,
        // Berth's own trouble reaching the provider's keys is no refusal.
        Err(error @ jwt::TokenError::Unreachable(_)) => return failed(error),
        Err(error) => return refused(StatusCode::BAD_REQUEST, format!("the sign-in does not verify: {error}")).await,
    };
    if subject != flow.subject {
        // Someone else opened the person's link: left pending for them.
        let reason = format!(
            "this link was made for {}, and {} signed in",
            flow.principal,
            crate::policy::echo::clip(&format!("{subject}@{}", issuer.issuer))
        );
        return refused(StatusCode::FORBIDDEN, reason).await;
    }
    match app.flows.verify(&flow).await {
        Ok(flow) => see_other(&format!("/oauth/connect/{}", flow.state), None),
        Err(error) => failed(error),
    }
}
