//! A loopback fake upstream for the capability tests: echoes what it
//! receives, redirects, answers slowly or hugely, and counts requests.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A running fake.
pub struct FakeUpstream {
    /// Where it listens.
    pub addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    received: Received,
    scripts: Scripts,
    _server: tokio::task::JoinHandle<()>,
}

impl FakeUpstream {
    /// Starts a fake on 127.0.0.1 with a free port.
    pub async fn start() -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let received = Received::default();
        let scripts = Scripts::default();
        let app = Router::new()
            .route("/api/echo", any(echo))
            .route("/api/redirect", get(redirect))
            .route("/api/large", get(large))
            .route("/api/slow", get(slow))
            .route("/api/script/{name}", any(scripted))
            .fallback(any(echo))
            .with_state(Fake { hits: hits.clone(), received: received.clone(), scripts: scripts.clone() });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake upstream");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake upstream");
        });
        Self { addr, hits, received, scripts, _server: server }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests received so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// The headers of every request received so far, in order.
    pub fn received(&self) -> Vec<HashMap<String, String>> {
        self.received.lock().unwrap().clone()
    }
}

type Received = Arc<Mutex<Vec<HashMap<String, String>>>>;

/// Per-name queues of (status, retry-after) answers; the last one repeats.
type Scripts = Arc<Mutex<HashMap<String, (Vec<(u16, Option<String>)>, usize)>>>;

#[derive(Clone)]
struct Fake {
    hits: Arc<AtomicUsize>,
    received: Received,
    scripts: Scripts,
}

impl FakeUpstream {
    /// Makes `/api/script/{name}` answer with `answers` in turn (status and
    /// optional `Retry-After`), repeating the last one.
    pub fn script(&self, name: &str, answers: &[(u16, Option<&str>)]) {
        let answers = answers.iter().map(|(status, after)| (*status, after.map(str::to_owned))).collect();
        self.scripts.lock().unwrap().insert(name.to_owned(), (answers, 0));
    }

    /// How many requests `/api/script/{name}` has answered.
    pub fn script_hits(&self, name: &str) -> usize {
        self.scripts.lock().unwrap().get(name).map_or(0, |(_, served)| *served)
    }
}

async fn scripted(State(fake): State<Fake>, axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let (status, after) = {
        let mut scripts = fake.scripts.lock().unwrap();
        let Some((answers, served)) = scripts.get_mut(&name) else { return StatusCode::NOT_FOUND.into_response() };
        let answer = answers[(*served).min(answers.len() - 1)].clone();
        *served += 1;
        answer
    };
    let mut response = (StatusCode::from_u16(status).unwrap(), format!("scripted {status}")).into_response();
    if let Some(after) = after {
        response.headers_mut().insert(header::RETRY_AFTER, after.parse().unwrap());
    }
    response
}

async fn echo(State(fake): State<Fake>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let headers: HashMap<String, String> =
        headers.iter().map(|(name, value)| (name.to_string(), value.to_str().unwrap_or_default().to_owned())).collect();
    fake.received.lock().unwrap().push(headers.clone());
    axum::Json(json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    }))
    .into_response()
}

async fn redirect(State(Fake { hits, .. }): State<Fake>, Query(query): Query<HashMap<String, String>>) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    (StatusCode::FOUND, [(header::LOCATION, query.get("to").cloned().unwrap_or_default())]).into_response()
}

async fn large(State(Fake { hits, .. }): State<Fake>) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    "x".repeat(9 << 20).into_response()
}

async fn slow(State(Fake { hits, .. }): State<Fake>, Query(query): Query<HashMap<String, u64>>) -> Response {
    hits.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(query.get("ms").copied().unwrap_or(1000))).await;
    "slow".into_response()
}
