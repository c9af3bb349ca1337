//! Content negotiation for `/mcp` POSTs: the answer comes as JSON or as SSE,
//! as the client asks.
//!
//! rmcp 3.9's `StreamableHttpService` answers every request of a stateful
//! session with an SSE stream and refuses (406) a POST that does not accept
//! both `application/json` and `text/event-stream`; its `json_response`
//! option applies only to stateless mode, which has no sessions. So Berth
//! keeps one stateful service and negotiates around it: a client that
//! accepts SSE gets rmcp's stream as is, and a client that accepts only JSON
//! gets the stream's final JSON-RPC response as a plain `application/json`
//! body. Notifications the server sends before that response (such as
//! progress) have nowhere to go on a JSON reply and are dropped, which is
//! what a client that cannot read SSE asked for.

use super::error::ApiError;
use crate::mcp::inbound::Unreadable;
use crate::policy::echo::clip;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use futures::StreamExt;
use serde_json::Value;

const JSON: &str = "application/json";
const EVENT_STREAM: &str = "text/event-stream";

/// How to answer a POST.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// As an SSE stream (the client accepts `text/event-stream`, or accepts
    /// neither type and gets rmcp's 406).
    Sse,
    /// As one `application/json` body (the client accepts JSON only).
    Json,
}

/// Reads the client's `Accept` and rewrites it to what rmcp requires, so
/// that rmcp serves a client that accepts either type.
pub fn choose(headers: &mut HeaderMap) -> Reply {
    let (mut json, mut sse) = (false, false);
    for essence in accepted(headers) {
        json |= essence.eq_ignore_ascii_case(JSON);
        sse |= essence.eq_ignore_ascii_case(EVENT_STREAM);
    }
    if json || sse {
        headers.insert(header::ACCEPT, HeaderValue::from_static("application/json, text/event-stream"));
    }
    if json && !sse { Reply::Json } else { Reply::Sse }
}

/// The media types `Accept` lists, without those weighted `q=0` (refused).
fn accepted(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|range| {
            let mut parts = range.split(';');
            let essence = parts.next()?.trim().to_owned();
            let refused = parts.any(|parameter| {
                parameter.split_once('=').is_some_and(|(name, weight)| {
                    name.trim().eq_ignore_ascii_case("q") && weight.trim().parse::<f32>().is_ok_and(|q| q == 0.0)
                })
            });
            (!refused).then_some(essence)
        })
        .collect()
}

/// Turns rmcp's SSE answer into the final JSON-RPC message as an
/// `application/json` body, keeping status and headers (such as
/// `Mcp-Session-Id`). Anything that is not an SSE stream (202, errors)
/// passes through untouched. A stream that ends without an answer (the
/// request was cancelled, or the host shut down) carries `unanswered()`.
pub async fn into_json(response: Response, unanswered: impl FnOnce() -> Unreadable) -> Result<Response, ApiError> {
    let is_stream = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(EVENT_STREAM.as_bytes()));
    if !is_stream {
        return Ok(response);
    }
    let (mut parts, body) = response.into_parts();
    let message = final_message(body).await?.unwrap_or_else(|| unanswered().to_json().to_string());
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON));
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(message)))
}

/// Reads SSE events until one carries a JSON-RPC response or error; `None`
/// if the stream ends first.
async fn final_message(body: Body) -> Result<Option<String>, ApiError> {
    let mut events = EventData::default();
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|error| ApiError::Internal(format!("reading the MCP response stream: {error}")))?;
        for data in events.push(&chunk) {
            let message: Value = serde_json::from_str(&data)
                .map_err(|error| ApiError::Internal(format!("the MCP response stream carried bad JSON: {error}")))?;
            let is_final = message.get("method").is_none()
                && message.get("id").is_some()
                && (message.get("result").is_some() || message.get("error").is_some());
            if is_final {
                return Ok(Some(data));
            }
            tracing::debug!("not delivered to a JSON-only client: {}", clip(&data));
        }
    }
    Ok(None)
}

/// The `data` of server-sent events, as rmcp writes them: `\n` line ends,
/// a blank line ending each event. Comments (keep-alives) and events
/// without data (rmcp's priming event) yield nothing.
#[derive(Debug, Default)]
struct EventData {
    buffer: Vec<u8>,
}

impl EventData {
    /// Adds `chunk`; returns the data of every event it completes.
    fn push(&mut self, chunk: &[u8]) -> Vec<String> {
        self.buffer.extend_from_slice(chunk);
        let mut complete = Vec::new();
        while let Some(end) = memchr::memmem::find(&self.buffer, b"\n\n") {
            let block: Vec<u8> = self.buffer.drain(..end + 2).collect();
            let block = String::from_utf8_lossy(&block);
            let data: Vec<&str> = block
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(|value| value.strip_prefix(' ').unwrap_or(value))
                .collect();
            let data = data.join("\n");
            if !data.is_empty() {
                complete.push(data);
            }
        }
        complete
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> (Reply, Option<HeaderValue>) {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        let reply = choose(&mut headers);
        (reply, headers.get(header::ACCEPT).cloned())
    }

    #[test]
    fn json_only_clients_get_json_and_everyone_else_sse() {
        let both = HeaderValue::from_static("application/json, text/event-stream");
        assert_eq!(accept("application/json"), (Reply::Json, Some(both.clone())));
        assert_eq!(accept("application/json, text/event-stream;q=0"), (Reply::Json, Some(both.clone())));
        assert_eq!(accept("text/event-stream"), (Reply::Sse, Some(both.clone())));
        assert_eq!(accept("application/json;q=0.9, text/event-stream"), (Reply::Sse, Some(both)));
        let neither = accept("text/html");
        assert_eq!(neither, (Reply::Sse, Some(HeaderValue::from_static("text/html"))), "left for rmcp's 406");
    }

    #[test]
    fn event_data_skips_comments_and_empty_events_across_chunks() {
        let mut events = EventData::default();
        assert!(events.push(b"id: 0\nretry: 3000\ndata:\n\n: keep-alive\n\nda").is_empty());
        assert_eq!(events.push(b"ta: {\"id\":1}\nid: 1\n\n"), ["{\"id\":1}"]);
    }
}
