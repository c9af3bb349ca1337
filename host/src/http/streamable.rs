//! Streamable HTTP at `/mcp`: rmcp's `StreamableHttpService` with its local
//! session manager, behind Berth's [`gate`]: a session belongs to the tenant
//! that opened it, requests pass admission control, and the answer comes as
//! JSON or SSE as the client asks (see [`negotiate`](super::negotiate)).

use super::HttpSettings;
use super::error::ApiError;
use super::negotiate::{self, Reply};
use crate::admission::SessionTicket;
use crate::app::App;
use crate::mcp::BerthServer;
use crate::tenants::Principal;
use axum::Extension;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::session::{SessionId, SessionManager};
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SESSION_HEADER: &str = "mcp-session-id";

/// What `/mcp` shares: the host, rmcp's session manager, and which tenant
/// owns each session. rmcp knows sessions but not tenants, so Berth records
/// the owner when a session opens and checks it on every later request.
#[derive(Clone)]
pub struct Streamable {
    app: Arc<App>,
    manager: Arc<LocalSessionManager>,
    owners: Arc<Mutex<HashMap<SessionId, Arc<str>>>>,
}

impl Streamable {
    /// Empty: no sessions yet.
    pub fn new(app: Arc<App>) -> Self {
        Self { app, manager: Arc::default(), owners: Arc::default() }
    }

    /// The `/mcp` service. Host and Origin are checked by Berth's own guard
    /// for every route alike, so rmcp's check is off.
    pub fn service(
        &self,
        settings: &HttpSettings,
        close_sessions: CancellationToken,
    ) -> StreamableHttpService<BerthServer, LocalSessionManager> {
        let config = StreamableHttpServerConfig::default()
            .disable_allowed_hosts()
            .with_cancellation_token(close_sessions)
            .with_max_request_body_bytes(settings.body_limit_bytes())
            .with_sse_keep_alive(Some(Duration::from_secs(settings.sse_keep_alive_secs)));
        let app = self.app.clone();
        StreamableHttpService::new(move || Ok(BerthServer::per_session(app.clone())), self.manager.clone(), config)
    }

    /// Refuses a session that is unknown, over, or another tenant's, all
    /// alike (404), before rmcp sees the request: another tenant must not
    /// read a session's stream, end it, or learn that it exists.
    async fn check_owner(&self, id: &str, tenant: &Arc<str>) -> Result<(), ApiError> {
        let id: SessionId = id.into();
        let owned = self.lock().get(&id) == Some(tenant);
        if owned && self.manager.has_session(&id).await.unwrap_or(false) {
            Ok(())
        } else {
            Err(ApiError::UnknownSession(id.to_string()))
        }
    }

    /// Records that `tenant` opened session `id`, and forgets sessions that
    /// have ended since (closed, deleted or idle), so the map stays as small
    /// as the set of live sessions.
    async fn record_owner(&self, id: &str, tenant: Arc<str>) {
        let live = self.manager.sessions.read().await;
        let mut owners = self.lock();
        owners.retain(|id, _| live.contains_key(id));
        owners.insert(id.into(), tenant);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<SessionId, Arc<str>>> {
        self.owners.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Middleware in front of rmcp: a request naming a session must come from
/// the session's tenant; a POST that opens a session needs a session slot;
/// every POST holds an in-flight slot until its response has been sent and
/// is answered as JSON or SSE as its `Accept` asks.
pub async fn gate(
    State(mcp): State<Streamable>,
    Extension(principal): Extension<Principal>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let session = request.headers().get(SESSION_HEADER).map(|id| id.to_str().unwrap_or_default().to_owned());
    if let Some(id) = &session {
        mcp.check_owner(id, &principal.tenant).await?;
    }
    if request.method() != Method::POST {
        return Ok(next.run(request).await);
    }
    if session.is_none() {
        let ticket = mcp.app.admission.sessions.try_enter(&principal.tenant)?;
        request.extensions_mut().insert(SessionTicket::new(ticket));
    }
    let call = mcp.app.admission.calls.try_enter(&principal.tenant)?;
    let reply = negotiate::choose(request.headers_mut());
    let response = next.run(request).await;
    if session.is_none()
        && let Some(id) = response.headers().get(SESSION_HEADER).and_then(|id| id.to_str().ok())
    {
        mcp.record_owner(id, principal.tenant.clone()).await;
    }
    let response = match reply {
        Reply::Json => negotiate::into_json(response).await?,
        Reply::Sse => response,
    };
    Ok(response.map(|body| {
        Body::from_stream(body.into_data_stream().map(move |chunk| {
            let _in_flight = &call;
            chunk
        }))
    }))
}
