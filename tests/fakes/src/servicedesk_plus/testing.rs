//! For the module tests: a fake started over HTTPS and a client that
//! trusts it, calling it the way an SDP client does (a token from the
//! accounts server, `Zoho-oauthtoken`, the v3 `Accept`, `input_data`).

use super::{CLIENT_ID, CLIENT_SECRET, FakeServiceDeskPlus, MEDIA_TYPE, Options, PORTAL, REFRESH_TOKEN};
use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The media type of a form body.
const FORM: &str = "application/x-www-form-urlencoded";

/// `input_data=<urlencoded JSON>`.
pub fn encoded(input_data: &Value) -> String {
    url::form_urlencoded::Serializer::new(String::new()).append_pair("input_data", &input_data.to_string()).finish()
}

/// A started fake and a client for it.
pub struct Harness {
    /// The fake.
    pub fake: FakeServiceDeskPlus,
    http: reqwest::Client,
}

/// What came back.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: StatusCode,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The body as JSON (`Null` if it is not JSON).
    pub body: Value,
}

impl Answer {
    /// The SDP code of a failure (`messages[0].status_code`).
    pub fn code(&self) -> Option<u64> {
        self.body.pointer("/response_status/messages/0/status_code").and_then(Value::as_u64)
    }
}

impl Harness {
    /// A fake with the default options.
    pub async fn start() -> Self {
        let ca = reqwest::Certificate::from_pem(crate::TestCa::get().pem().as_bytes()).unwrap();
        let http = reqwest::Client::builder().add_root_certificate(ca).build().unwrap();
        Self { fake: FakeServiceDeskPlus::start(Options::default()).await.unwrap(), http }
    }

    /// The client, which trusts the fake.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// `https://host{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.served.base_url())
    }

    /// `POST /oauth/v2/token` with `form`; the JSON answer.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(form).finish();
        let request = self.http.post(self.url("/oauth/v2/token")).header("content-type", FORM);
        let response = request.body(body).send().await.unwrap();
        (response.status(), response.json().await.unwrap())
    }

    /// A fresh access token for the default client.
    pub async fn token(&self) -> String {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH_TOKEN),
        ];
        let (_, body) = self.token_request(&form).await;
        body["access_token"].as_str().expect("a token").to_owned()
    }

    /// A request to `/app/itdesk/api/v3{path}` with the v3 `Accept` and
    /// `authorization` as given.
    pub fn api(&self, method: Method, path: &str, authorization: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(&format!("/app/{PORTAL}/api/v3{path}")))
            .header("accept", MEDIA_TYPE)
            .header("authorization", authorization)
    }

    /// `GET path` with a fresh token and `input_data` in the query.
    pub async fn get(&self, path: &str, input_data: Option<Value>) -> Answer {
        let path = match input_data {
            Some(input) => format!("{path}?{}", encoded(&input)),
            None => path.to_owned(),
        };
        Self::answer(self.api(Method::GET, &path, &format!("Zoho-oauthtoken {}", self.token().await))).await
    }

    /// A POST or PUT with a fresh token and `input_data` as a form field.
    pub async fn write(&self, method: Method, path: &str, input_data: Value) -> Answer {
        let request = self
            .api(method, path, &format!("Zoho-oauthtoken {}", self.token().await))
            .header("content-type", FORM)
            .body(encoded(&input_data));
        Self::answer(request).await
    }

    /// Sends `request` and reads the answer.
    pub async fn answer(request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status();
        let retry_after =
            response.headers().get("retry-after").and_then(|value| value.to_str().ok()).map(str::to_owned);
        let text = response.text().await.unwrap();
        Answer { status, retry_after, body: serde_json::from_str(&text).unwrap_or(Value::Null) }
    }
}

/// What a webhook receiver got: each delivery's headers and body.
pub type Received = std::sync::Arc<std::sync::Mutex<Vec<(axum::http::HeaderMap, axum::body::Bytes)>>>;

/// A plain-HTTP webhook receiver on loopback that records what it gets
/// and answers 202, as Berth's `/hooks/…` does; its URL.
pub async fn receiver() -> (String, Received) {
    let got = Received::default();
    let record = got.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| async move {
            crate::lock(&record).push((headers, body));
            axum::http::StatusCode::ACCEPTED
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}
