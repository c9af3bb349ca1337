//! Streamable HTTP at `/mcp`: rmcp's `StreamableHttpService` with its local
//! session manager, behind Berth's admission control.

use super::error::ApiError;
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
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Interval of keep-alive pings on SSE responses.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The `/mcp` service. Host and Origin are checked by Berth's own guard for
/// every route alike, so rmcp's check is off.
pub fn service(
    app: Arc<App>,
    body_limit: usize,
    close_sessions: CancellationToken,
) -> StreamableHttpService<BerthServer, LocalSessionManager> {
    let config = StreamableHttpServerConfig::default()
        .disable_allowed_hosts()
        .with_cancellation_token(close_sessions)
        .with_max_request_body_bytes(body_limit)
        .with_sse_keep_alive(Some(KEEP_ALIVE));
    StreamableHttpService::new(
        move || Ok(BerthServer::per_session(app.clone())),
        Arc::new(LocalSessionManager::default()),
        config,
    )
}

/// Middleware: a POST that opens a session needs a session slot, and every
/// POST holds an in-flight slot until its response has been sent.
pub async fn admit(
    State(app): State<Arc<App>>,
    Extension(principal): Extension<Principal>,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if request.method() != Method::POST {
        return Ok(next.run(request).await);
    }
    if !request.headers().contains_key("mcp-session-id") {
        let ticket = app.admission.sessions.try_enter(&principal.tenant)?;
        request.extensions_mut().insert(SessionTicket::new(ticket));
    }
    let call = app.admission.calls.try_enter(&principal.tenant)?;
    let response = next.run(request).await;
    Ok(response.map(|body| {
        Body::from_stream(body.into_data_stream().map(move |chunk| {
            let _in_flight = &call;
            chunk
        }))
    }))
}
