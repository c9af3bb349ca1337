//! For the module tests: a fake started over HTTPS and a client that
//! trusts it, sending what a GitHub client sends.

use super::{FakeGitHub, Options, TOKEN};
use crate::lock;
use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::sync::{Arc, Mutex};

/// A started fake and a client for it.
pub struct Harness {
    /// The fake.
    pub fake: FakeGitHub,
    http: reqwest::Client,
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body as JSON (`Null` if it is not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Answer {
    /// Header `name` as text ("" if absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default()
    }
}

impl Harness {
    /// A fake with the default options.
    pub async fn start() -> Self {
        Self::with(Options::default()).await
    }

    /// A fake with `options`.
    pub async fn with(options: Options) -> Self {
        let ca = reqwest::Certificate::from_pem(crate::TestCa::get().pem().as_bytes()).unwrap();
        // Redirects are answers to look at (the OAuth flow's), not to follow.
        let http = reqwest::Client::builder()
            .add_root_certificate(ca)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self { fake: FakeGitHub::start(options).await.unwrap(), http }
    }

    /// `method path` with `User-Agent`, `Authorization: Bearer token` (if
    /// any), the API version header and a JSON `body` (if any).
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.fake.served.base_url()))
            .header("user-agent", "berth-test")
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        Self::answer(request).await
    }

    /// A raw request (for header tests).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.fake.served.base_url()))
    }

    /// Sends `request` and reads the answer.
    pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let text = response.text().await.unwrap();
        Answer { status, headers, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
    }

    /// `GET path` with the token.
    pub async fn get(&self, path: &str) -> Answer {
        self.call("GET", path, Some(TOKEN), None).await
    }

    /// A write with the token.
    pub async fn send(&self, method: &str, path: &str, body: Value) -> Answer {
        self.call(method, path, Some(TOKEN), Some(body)).await
    }
}

/// What a webhook receiver got: each request's headers and body.
pub type Received = Arc<Mutex<Vec<(axum::http::HeaderMap, Bytes)>>>;

/// A plain-HTTP webhook receiver on loopback that records what it gets
/// and answers 202, as Berth's `/hooks/…` does; its URL.
pub async fn receiver() -> (String, Received) {
    let got = Received::default();
    let record = got.clone();
    let app = Router::new().route(
        "/hook",
        post(move |headers: axum::http::HeaderMap, body: Bytes| async move {
            lock(&record).push((headers, body));
            axum::http::StatusCode::ACCEPTED
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}
