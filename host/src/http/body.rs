//! Reading MCP request bodies whole, before anything else reads them: at
//! most `[http] body_limit_kib` (`413` past it, whether the client declared
//! its length or sent chunks), and within `[http] body_read_timeout_ms`
//! (`408` after it), so a client that trickles a body holds its socket and
//! its request slot for a bounded time. MCP messages are small, and both
//! transports need a message whole before they can act on it.

use super::error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use futures::StreamExt;
use std::time::Duration;

/// The cap and the deadline.
#[derive(Debug, Clone, Copy)]
pub struct BodyBounds {
    /// Largest body, in bytes.
    pub limit: usize,
    /// Longest time to receive it.
    pub timeout: Duration,
}

/// Middleware: replaces the request's body with the same bytes, read whole
/// within `bounds`.
pub async fn read_whole(State(bounds): State<BodyBounds>, request: Request, next: Next) -> Result<Response, ApiError> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > bounds.limit as u64) {
        return Err(ApiError::TooLarge(bounds.limit));
    }
    let (parts, body) = request.into_parts();
    let bytes = tokio::time::timeout(bounds.timeout, collect(body, bounds.limit))
        .await
        .map_err(|_| ApiError::BodyTimeout(bounds.timeout))??;
    Ok(next.run(Request::from_parts(parts, Body::from(bytes))).await)
}

/// The body's bytes, refused once they pass `limit`.
async fn collect(body: Body, limit: usize) -> Result<Vec<u8>, ApiError> {
    let mut chunks = body.into_data_stream();
    let mut collected = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk =
            chunk.map_err(|error| ApiError::Malformed(format!("the request body could not be read: {error}")))?;
        if chunk.len() > limit - collected.len() {
            return Err(ApiError::TooLarge(limit));
        }
        collected.extend_from_slice(&chunk);
    }
    Ok(collected)
}
