//! The admin API under `/admin`, and `/metrics`.
//!
//! Both are for operators, not agents, so they take their own tokens: the
//! admin token (`BERTH_ADMIN_TOKEN`) for everything, or the metrics token
//! (`BERTH_METRICS_TOKEN`) for `/metrics` alone. A tenant API key is refused
//! with 403 however valid it is; without a configured token the routes are
//! disabled and say so.
//!
//! | Route | Does |
//! |---|---|
//! | `GET /admin/plugins` | list serving plugins |
//! | `POST /admin/plugins` | load or upgrade; the body is the component |
//! | `POST /admin/plugins/inspect` | describe a component without loading it |
//! | `DELETE /admin/plugins/{name}` | unload |
//! | `POST /admin/plugins/{name}/rollback` | return to the previous version |
//! | `PUT`/`DELETE /admin/tenants/{tenant}/plugins/{plugin}` | enable/disable |
//! | `PUT /admin/tenants/{tenant}/hidden-text/{strip,keep}` | what happens to hidden text |
//! | `GET /metrics` | Prometheus (OpenMetrics) text |

use super::auth::{bearer_token, verify_token};
use super::error::ApiError;
use crate::app::App;
use crate::auth::policy::{Policies, PolicyError};
use crate::auth::roles::{Grant, Role};
use crate::lifecycle::{Change, Inspection, PluginInfo, Source};
use crate::mcp::sessions::Lists;
use crate::metrics::CONTENT_TYPE;
use crate::settings::AdminSettings;
use crate::tenants::{ApiKey, HiddenText, NoSuchHiddenText, TenantError, Tenants};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// A configured token, kept as its SHA-256 so that comparison takes the
/// same time whatever is presented.
#[derive(Clone)]
struct Token([u8; 32]);

impl Token {
    fn new(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        bool::from(self.0.ct_eq(&presented))
    }
}

#[derive(Clone)]
struct Guard {
    app: Arc<App>,
    admin: Option<Token>,
    metrics: Option<Token>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Admin,
    Metrics,
}

/// The admin and metrics routes, with their authentication and a body cap of
/// `settings.max_component_mib` for uploads.
pub fn routes(app: Arc<App>, settings: &AdminSettings) -> Router {
    let usable = |token: &Option<String>| token.as_deref().filter(|token| !token.is_empty()).map(Token::new);
    let guard = Guard { app: app.clone(), admin: usable(&settings.token), metrics: usable(&settings.metrics_token) };
    let admin = Router::new()
        .route("/admin/plugins", get(list).post(load))
        .route("/admin/plugins/inspect", post(inspect))
        .route("/admin/plugins/{name}", delete(unload))
        .route("/admin/plugins/{name}/rollback", post(rollback))
        .route("/admin/tenants/{tenant}/plugins/{plugin}", put(enable).delete(disable))
        .route("/admin/tenants/{tenant}/hidden-text/{choice}", put(hidden_text))
        .route("/admin/roles", get(roles))
        .route("/admin/roles/{name}", put(define_role).delete(remove_role))
        .layer(DefaultBodyLimit::max(settings.max_component_mib as usize * 1024 * 1024))
        .route_layer(from_fn_with_state(guard.clone(), require_admin));
    let metrics = Router::new().route("/metrics", get(metrics)).route_layer(from_fn_with_state(guard, require_metrics));
    admin.merge(metrics).with_state(app)
}

async fn require_admin(State(guard): State<Guard>, request: Request, next: Next) -> Result<Response, ApiError> {
    authorize(&guard, Need::Admin, request.headers()).await?;
    Ok(next.run(request).await)
}

async fn require_metrics(State(guard): State<Guard>, request: Request, next: Next) -> Result<Response, ApiError> {
    authorize(&guard, Need::Metrics, request.headers()).await?;
    Ok(next.run(request).await)
}

async fn authorize(guard: &Guard, need: Need, headers: &HeaderMap) -> Result<(), ApiError> {
    let metrics = guard.metrics.as_ref().filter(|_| need == Need::Metrics);
    let tokens = guard.app.auth.resource.is_some();
    if guard.admin.is_none() && metrics.is_none() && !tokens {
        return Err(ApiError::Forbidden(match need {
            Need::Admin => "the admin API is disabled; set BERTH_ADMIN_TOKEN (or [admin] token) to enable it".into(),
            Need::Metrics => "metrics are disabled; set BERTH_METRICS_TOKEN or BERTH_ADMIN_TOKEN to enable them".into(),
        }));
    }
    let presented = bearer_token(headers).ok().flatten().ok_or(ApiError::AdminUnauthorized)?;
    let accepted = guard.admin.iter().chain(metrics).any(|token| token.matches(presented));
    if accepted {
        return Ok(());
    }
    if ApiKey::parse(presented).is_some() {
        if matches!(Tenants::new(&guard.app.db).authenticate(presented).await, Ok(Some(_))) {
            return Err(ApiError::Forbidden("tenant API keys cannot use the admin API; use the admin token".into()));
        }
    } else if tokens
        && let Ok(generation) = guard.app.snapshot.current().await
        && let Ok(verified) = verify_token(&guard.app, &generation, presented).await
    {
        // An identity provider's token, accepted with its issuer's admin role.
        let admin = verified.issuer.admin_role.as_ref().is_some_and(|role| verified.roles.contains(role));
        if admin {
            tracing::info!(subject = %verified.subject, issuer = %verified.issuer.issuer, "admin API used with a token");
            return Ok(());
        }
        return Err(ApiError::Forbidden("the token carries no admin role of its issuer".into()));
    }
    Err(ApiError::AdminUnauthorized)
}

async fn list(State(app): State<Arc<App>>) -> Result<Json<Vec<PluginInfo>>, ApiError> {
    Ok(Json(app.plugin_infos().await?))
}

async fn load(State(app): State<Arc<App>>, body: Bytes) -> Result<(StatusCode, Json<Value>), ApiError> {
    let deployed = app.deploy(Vec::from(body), Source::Registry).await?;
    let status = if deployed.change == Change::Unchanged { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(json!(deployed))))
}

async fn inspect(State(app): State<Arc<App>>, body: Bytes) -> Result<Json<Inspection>, ApiError> {
    let plugin = app.runtime.load(Vec::from(body)).await.map_err(|error| ApiError::Unprocessable(error.to_string()))?;
    Ok(Json(Inspection::from(&plugin)))
}

async fn unload(State(app): State<Arc<App>>, Path(name): Path<String>) -> Result<Json<Value>, ApiError> {
    app.unload(&name, Source::Registry).await?;
    Ok(Json(json!({ "unloaded": name })))
}

async fn rollback(State(app): State<Arc<App>>, Path(name): Path<String>) -> Result<Json<PluginInfo>, ApiError> {
    Ok(Json(app.rollback(&name).await?))
}

async fn enable(State(app): State<Arc<App>>, Path(pair): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    set_enabled(&app, pair, true).await
}

async fn disable(State(app): State<Arc<App>>, Path(pair): Path<(String, String)>) -> Result<StatusCode, ApiError> {
    set_enabled(&app, pair, false).await
}

/// Enables or disables a plugin for a tenant, and tells the tenant's
/// sessions that the lists the plugin fills changed.
async fn set_enabled(app: &App, (tenant, plugin): (String, String), enabled: bool) -> Result<StatusCode, ApiError> {
    let tenants = Tenants::new(&app.db);
    let done = if enabled { tenants.enable(&tenant, &plugin).await } else { tenants.disable(&tenant, &plugin).await };
    done.map_err(tenant_error)?;
    // A plugin that is not loaded fills no list yet.
    let lists = app.plugins.get(&plugin).as_deref().map_or_else(Lists::default, Lists::of);
    app.sessions.lists_changed(&BTreeSet::from([Arc::from(tenant)]), lists);
    Ok(StatusCode::NO_CONTENT)
}

/// Chooses what happens to hidden text in what the tenant's plugins return
/// (`strip` or `keep`); its next call reads the choice.
async fn hidden_text(
    State(app): State<Arc<App>>,
    Path((tenant, choice)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let choice: HiddenText =
        choice.parse().map_err(|error: NoSuchHiddenText| ApiError::Malformed(error.to_string()))?;
    Tenants::new(&app.db).set_hidden_text(&tenant, choice).await.map_err(tenant_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every role, built-in ones first.
async fn roles(State(app): State<Arc<App>>) -> Result<Json<Vec<Role>>, ApiError> {
    Ok(Json(Policies::new(&app.db).roles().await.map_err(policy_error)?))
}

/// Defines (or redefines) a role from its grants (a JSON array); it holds
/// from the next call.
async fn define_role(
    State(app): State<Arc<App>>,
    Path(name): Path<String>,
    Json(grants): Json<Vec<Grant>>,
) -> Result<StatusCode, ApiError> {
    Policies::new(&app.db).define_role(&Role { name, grants }).await.map_err(policy_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a role an operator defined.
async fn remove_role(State(app): State<Arc<App>>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    match Policies::new(&app.db).remove_role(&name).await.map_err(policy_error)? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::NotFound(format!("no role `{name}`"))),
    }
}

fn policy_error(error: PolicyError) -> ApiError {
    match error {
        PolicyError::Role(_) | PolicyError::UnknownRole(_) => ApiError::Unprocessable(error.to_string()),
        PolicyError::UnknownTenant(_) => ApiError::NotFound(error.to_string()),
        PolicyError::Db(_) | PolicyError::Corrupt(_) => ApiError::Internal(error.to_string()),
    }
}

fn tenant_error(error: TenantError) -> ApiError {
    match error {
        TenantError::Unknown(_) => ApiError::NotFound(error.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let text = app.metrics.render(&app.levels());
    ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
}
