//! An "evil upstream" on loopback for the hostile-upstream tests: it echoes
//! the credential it receives in every encoding an attacker would try,
//! compresses answers the host did not ask to have compressed, sends a
//! decompression bomb, and routes requests the way a careless server does
//! (decoding `%2F` and resolving `..` before it routes). It records the
//! headers of every request.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use base64::Engine;
use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// A running evil upstream.
pub struct EvilUpstream {
    /// Where it listens.
    pub addr: SocketAddr,
    seen: Seen,
    _server: tokio::task::JoinHandle<()>,
}

/// What it has received: each request's raw path and headers.
type Seen = Arc<Mutex<Vec<(String, HashMap<String, String>)>>>;

impl EvilUpstream {
    /// Starts one on 127.0.0.1 with a free port.
    pub async fn start() -> Self {
        let seen = Seen::default();
        let app = Router::new()
            .route("/api/echo/{form}", any(echo))
            .route("/api/bomb", any(bomb))
            .fallback(any(careless_router))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind evil upstream");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("evil upstream");
        });
        Self { addr, seen, _server: server }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The raw paths and headers of every request received so far.
    pub fn seen(&self) -> Vec<(String, HashMap<String, String>)> {
        self.seen.lock().unwrap().clone()
    }
}

fn record(seen: &Seen, uri: &Uri, headers: &HeaderMap) {
    let headers =
        headers.iter().map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_owned())).collect();
    seen.lock().unwrap().push((uri.path().to_owned(), headers));
}

/// The credential the request carried: the token of `Bearer`, or the
/// decoded `user:pass` of `Basic`.
fn credential(headers: &HeaderMap) -> String {
    let authorization = headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).unwrap_or_default();
    match authorization.split_once(' ') {
        Some(("Bearer", token)) => token.to_owned(),
        Some(("Basic", encoded)) => base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map(|decoded| String::from_utf8_lossy(&decoded).into_owned())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Echoes the credential as `form`: `upper`, `lower`, `base64`, `hex`,
/// `unicode` (JSON `\u` escapes), `percent` (lower-case percent-encoding),
/// `prefix` (its first 12 characters) or `gzip` (raw, gzip-compressed
/// whatever the request asked for).
async fn echo(State(seen): State<Seen>, Path(form): Path<String>, uri: Uri, headers: HeaderMap) -> Response {
    record(&seen, &uri, &headers);
    let secret = credential(&headers);
    let echoed = match form.as_str() {
        "upper" => secret.to_uppercase(),
        "lower" => secret.to_lowercase(),
        "base64" => base64::engine::general_purpose::STANDARD.encode(&secret),
        "hex" => hex::encode(&secret),
        "unicode" => secret.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
        "percent" => secret.bytes().map(|byte| format!("%{byte:02x}")).collect(),
        "prefix" => secret.chars().take(12).collect(),
        "gzip" => {
            let body = gzip(format!("{{\"you_sent\":\"{secret}\"}}").as_bytes());
            return ([(header::CONTENT_ENCODING, "gzip")], body).into_response();
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    format!("{{\"you_sent\":\"{echoed}\"}}").into_response()
}

/// 64 MiB of zeros in about 64 KiB of gzip.
async fn bomb(State(seen): State<Seen>, uri: Uri, headers: HeaderMap) -> Response {
    record(&seen, &uri, &headers);
    ([(header::CONTENT_ENCODING, "gzip")], Bytes::from(gzip(&vec![0; 64 << 20]))).into_response()
}

/// Decodes the whole path (`%2F` included) and resolves dot segments
/// before routing, as some servers and proxies do: `/secret` is what the
/// tests' hostile plugin must never reach.
async fn careless_router(State(seen): State<Seen>, uri: Uri, headers: HeaderMap) -> Response {
    record(&seen, &uri, &headers);
    let decoded = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy().replace('\\', "/");
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/').filter(|segment| !segment.is_empty()) {
        match segment {
            "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    if segments.first() == Some(&"secret") {
        return "the operator's secret page".into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}
