//! A loopback fake upstream for the capability tests: echoes what it
//! receives, requires each credential scheme, redirects, answers slowly or
//! hugely, and counts requests.

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
    oauth: OAuth,
    _server: tokio::task::JoinHandle<()>,
}

impl FakeUpstream {
    /// Starts a fake on 127.0.0.1 with a free port.
    pub async fn start() -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let received = Received::default();
        let scripts = Scripts::default();
        let oauth = OAuth::default();
        let app = Router::new()
            .route("/api/echo", any(echo))
            .route("/api/redirect", get(redirect))
            .route("/api/large", get(large))
            .route("/api/slow", get(slow))
            .route("/api/script/{name}", any(scripted))
            .route("/oauth/token", axum::routing::post(token))
            .route("/api/protected", get(protected))
            .route("/api/account/{scheme}", get(account))
            .fallback(any(echo))
            .with_state(Fake {
                hits: hits.clone(),
                received: received.clone(),
                scripts: scripts.clone(),
                oauth: oauth.clone(),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind fake upstream");
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake upstream");
        });
        Self { addr, hits, received, scripts, oauth, _server: server }
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
    oauth: OAuth,
}

/// The fake authorization server: issued tokens, their lifetime, requests.
#[derive(Clone, Default)]
struct OAuth(Arc<Mutex<OAuthState>>);

#[derive(Default)]
struct OAuthState {
    valid: Vec<String>,
    issued: usize,
    lifetime: Option<u64>,
}

/// Client id and secret the fake token endpoint accepts.
pub const CLIENT_ID: &str = "berth-client";
/// Client secret the fake accepts.
pub const CLIENT_SECRET: &str = "cs-secret";
/// Refresh token the fake accepts.
pub const REFRESH_TOKEN: &str = "rt-1";

impl FakeUpstream {
    /// Tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        self.oauth.0.lock().unwrap().issued
    }

    /// Makes new tokens live `seconds`.
    pub fn token_lifetime(&self, seconds: u64) {
        self.oauth.0.lock().unwrap().lifetime = Some(seconds);
    }

    /// Revokes every issued token, as an authorization server does on logout.
    pub fn revoke_tokens(&self) {
        self.oauth.0.lock().unwrap().valid.clear();
    }
}

/// A token endpoint that, like ServiceNow's, takes only form-encoded bodies.
async fn token(State(fake): State<Fake>, headers: HeaderMap, body: Bytes) -> Response {
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        let error = json!({"error": "invalid_request", "error_description": "the body must be form-encoded"});
        return (StatusCode::BAD_REQUEST, axum::Json(error)).into_response();
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    let client_ok = field("client_id") == CLIENT_ID;
    let granted = match field("grant_type") {
        "client_credentials" => client_ok && field("client_secret") == CLIENT_SECRET,
        "refresh_token" => client_ok && field("refresh_token") == REFRESH_TOKEN,
        _ => false,
    };
    if !granted {
        let error = json!({"error": "invalid_client", "error_description": "Client authentication failed"});
        return (StatusCode::UNAUTHORIZED, axum::Json(error)).into_response();
    }
    let mut state = fake.oauth.0.lock().unwrap();
    state.issued += 1;
    let access = format!("at-{}-{}", state.issued, "x".repeat(16));
    state.valid.push(access.clone());
    let lifetime = state.lifetime.unwrap_or(3600);
    axum::Json(json!({"access_token": access, "token_type": "Bearer", "expires_in": lifetime})).into_response()
}

/// Needs a currently valid token, as `Bearer` or Zoho's `Zoho-oauthtoken`.
async fn protected(State(fake): State<Fake>, headers: HeaderMap) -> Response {
    let presented =
        headers.get(header::AUTHORIZATION).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let token = presented.split_once(' ').map(|(_, token)| token).unwrap_or_default();
    if fake.oauth.0.lock().unwrap().valid.iter().any(|valid| valid == token) {
        axum::Json(json!({"ok": true, "authorization": presented})).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_token"}))).into_response()
    }
}

/// The user name `/api/account/basic` requires.
pub const BASIC_USER: &str = "admin";
/// The password `/api/account/basic` requires.
pub const BASIC_PASSWORD: &str = "hunter2-pw";
/// The token `/api/account/bearer` requires.
pub const BEARER_TOKEN: &str = "tok-1234567890";
/// The `X-Api-Key` value `/api/account/apikey` requires.
pub const API_KEY: &str = "key-abcdef";
/// The `JSESSIONID` cookie `/api/account/session` requires.
pub const SESSION_ID: &str = "sess-777";
/// The `X-UserToken` value `/api/account/session` requires with the cookie.
pub const USER_TOKEN: &str = "user-888";

/// An account endpoint per scheme that, like a real API, answers only a
/// request carrying exactly the right credential, and otherwise 401 with
/// the challenge such a service sends. It never echoes what it received.
async fn account(
    State(fake): State<Fake>,
    axum::extract::Path(scheme): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    use base64::Engine;
    fake.hits.fetch_add(1, Ordering::SeqCst);
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned();
    let (accepted, challenge) = match scheme.as_str() {
        "basic" => {
            let expected = base64::engine::general_purpose::STANDARD.encode(format!("{BASIC_USER}:{BASIC_PASSWORD}"));
            (header("authorization") == format!("Basic {expected}"), Some("Basic realm=\"fake\""))
        }
        "bearer" => {
            (header("authorization") == format!("Bearer {BEARER_TOKEN}"), Some("Bearer error=\"invalid_token\""))
        }
        "apikey" => (header("x-api-key") == API_KEY, None),
        "session" => {
            let cookie = header("cookie").split(';').any(|pair| pair.trim() == format!("JSESSIONID={SESSION_ID}"));
            (cookie && header("x-usertoken") == USER_TOKEN, None)
        }
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if accepted {
        return axum::Json(json!({"ok": true, "scheme": scheme})).into_response();
    }
    let mut response =
        (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "missing or wrong credentials"}))).into_response();
    if let Some(challenge) = challenge {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, challenge.parse().unwrap());
    }
    response
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
