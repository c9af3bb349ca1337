//! `GET /oauth/callback`: back from the upstream's authorization server
//! with a code (or its refusal), in the browser that is bound to the flow
//! and signed in as its person. The flow is taken once, the code exchanged
//! with the PKCE verifier through the plugin's own egress, and the tokens
//! sealed in the vault under the person, as a new connection.

use super::{Refused, escape, failed, gone, page, record, refuse, signed_in};
use crate::app::App;
use crate::audit;
use crate::policy::echo::clip;
use crate::policy::egress::EgressPolicy;
use crate::upstream::Caller;
use crate::vault::connect::{Flow, Leg, random_token};
use crate::vault::credentials::UserToken;
use crate::vault::oauth;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;

/// What an authorization server sends the browser back with (RFC 6749
/// §4.1.2), and an identity provider too.
#[derive(Deserialize)]
pub(super) struct Returned {
    pub(super) state: Option<String>,
    pub(super) code: Option<String>,
    pub(super) error: Option<String>,
    pub(super) error_description: Option<String>,
}

impl Returned {
    /// The state it carries, back from `leg`, and the pending flow that
    /// state names, or the page saying there is none.
    pub(super) async fn flow(&self, app: &App, leg: Leg) -> Result<(&str, Flow), Response> {
        let state = self.state.as_deref().ok_or_else(gone)?;
        let flow = app.flows.pending(leg, state).await.map_err(failed)?.ok_or_else(gone)?;
        Ok((state, flow))
    }

    /// The refusal it carries, bounded and escaped: `error: description`.
    pub(super) fn refusal(&self) -> Option<String> {
        let error = self.error.as_deref()?;
        let reason = [Some(error), self.error_description.as_deref()].into_iter().flatten().collect::<Vec<_>>();
        Some(clip(&reason.join(": ")).into_owned())
    }
}

pub(super) async fn finish(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(returned): Query<Returned>,
) -> Response {
    let started = std::time::Instant::now();
    let (state, flow) = match returned.flow(&app, Leg::Authorize).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !signed_in(&app, &flow, &headers) {
        // Left pending: whoever sent this cannot spend the person's flow.
        let reason = "this browser did not sign in for the connection on Berth's page; open the link your agent \
                      gave you in your own browser and continue from there";
        return refuse(&app, &flow, started, StatusCode::BAD_REQUEST, reason.to_owned()).await;
    }
    let flow = match app.flows.take(Leg::Authorize, state).await {
        Ok(Some(flow)) => flow,
        Ok(None) => return gone(),
        Err(error) => return failed(error),
    };
    let outcome = match (&returned.code, returned.refusal()) {
        (Some(code), None) => connect(&app, &flow, code).await,
        (_, refusal) => {
            let refusal = refusal.unwrap_or_else(|| "no code".to_owned());
            Err(Refused(format!("the authorization server answered: {refusal}")))
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

/// Exchanges `code` for `flow`'s person's tokens and stores them.
async fn connect(app: &App, flow: &Flow, code: &str) -> Result<(), Refused> {
    let internal = |detail: String| {
        let id = audit::call_id();
        tracing::error!(error_id = %id, tenant = %flow.tenant, plugin = %flow.plugin, "connecting an account failed: {detail}");
        Refused(format!("Berth could not finish this (error {id} in its log)."))
    };
    let (credential, grants) = match super::credential(app, flow).await {
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
