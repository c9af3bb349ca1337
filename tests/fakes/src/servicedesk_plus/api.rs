//! The routes, what every API request passes first ([`guard`]), and the
//! request parts the handlers share: `input_data` and the answer
//! envelopes.
//!
//! The API lives under `/app/itdesk/api/v3/`; any other path (another
//! portal, the singular `/request`) is 4007 Invalid URL. Zoho's
//! `/oauth/v2/token` is served beside it, without the guard.

use super::error::SdpError;
use super::{PORTAL, Portal, lock, meta, notes, oauth, requests};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

/// The media type SDP's v3 API answers in; requests must accept it.
pub const MEDIA_TYPE: &str = "application/vnd.manageengine.sdp.v3+json";

/// The fake's router: Zoho's token endpoint and the portal's API.
pub fn router(portal: Arc<Portal>) -> Router {
    let api = Router::new()
        .route("/requests", get(requests::list).post(requests::create))
        .route("/requests/{id}", get(requests::show).put(requests::update))
        .route("/requests/{id}/close", put(requests::close))
        .route("/requests/{id}/notes", get(notes::list).post(notes::add))
        .route("/technicians", get(meta::technicians))
        .route("/technicians/{id}", get(meta::technician))
        .route("/statuses", get(meta::statuses))
        .route("/priorities", get(meta::priorities))
        .fallback(invalid_url)
        .layer(middleware::from_fn_with_state(portal.clone(), guard));
    Router::new()
        .route("/oauth/v2/token", post(oauth::token))
        .nest(&format!("/app/{PORTAL}/api/v3"), api)
        .fallback(invalid_url)
        .with_state(portal)
}

/// Any path that is not an endpoint.
async fn invalid_url() -> SdpError {
    SdpError::InvalidUrl
}

/// A valid `Zoho-oauthtoken` (else 401, 4022), then the rate limit (429,
/// 4015), then an `Accept` that names SDP's v3 media type (else 400,
/// 4000; `*/*` alone is not enough, as the v3 API is chosen by it).
async fn guard(State(portal): State<Arc<Portal>>, request: Request, next: Next) -> Response {
    let authorised = oauth::presented(request.headers()).is_some_and(|token| lock(&portal.tokens).valid(token));
    if !authorised {
        return SdpError::InvalidToken.into_response();
    }
    if let Err(refusal) = lock(&portal.limit).admit(Instant::now()) {
        return SdpError::RateLimited(refusal.retry_after).into_response();
    }
    if !accepts_v3(request.headers()) {
        return SdpError::Failed(format!("The Accept header must be {MEDIA_TYPE}")).into_response();
    }
    next.run(request).await
}

fn accepts_v3(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| item.split(';').next().unwrap_or_default().trim().eq_ignore_ascii_case(MEDIA_TYPE))
}

/// `input_data`, parsed: from the form body (a write), else the query
/// string; `None` when neither has it. Not JSON, or not an object: 4000.
pub fn input(query: Option<&str>, body: &[u8]) -> Result<Option<Value>, SdpError> {
    let find = |source: &[u8]| {
        url::form_urlencoded::parse(source).find(|(key, _)| key == "input_data").map(|(_, value)| value.into_owned())
    };
    let Some(text) = find(body).or_else(|| find(query.unwrap_or_default().as_bytes())) else { return Ok(None) };
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ Value::Object(_)) => Ok(Some(value)),
        _ => Err(SdpError::Failed("input_data is not a valid JSON object".to_owned())),
    }
}

/// The object at `input_data.{key}` of a write, or 4000 if absent.
pub fn wrapped(input: Option<Value>, key: &str) -> Result<serde_json::Map<String, Value>, SdpError> {
    match input.and_then(|mut input| input.get_mut(key).map(Value::take)) {
        Some(Value::Object(fields)) => Ok(fields),
        _ => Err(SdpError::Failed(format!("input_data must hold a `{key}` object"))),
    }
}

/// A record id from the path; one that is not a number names nothing.
pub fn record_id(segment: &str) -> Result<u64, SdpError> {
    segment.parse().map_err(|_| SdpError::NotFound)
}

/// The success status of a single-entity answer (an object).
pub fn success() -> Value {
    json!({"status_code": 2000, "status": "success"})
}

/// `{"<key>": entity, "response_status": {…}}` with `status`.
pub fn entity(status: StatusCode, key: &str, entity: Value) -> Response {
    (status, axum::Json(json!({key: entity, "response_status": success()}))).into_response()
}

/// `{"<key>": [rows], "response_status": [{…}], "list_info": {…}}`: a list
/// answer, whose `response_status` is an array.
pub fn list(key: &str, rows: Vec<Value>, list_info: Value) -> Response {
    axum::Json(json!({key: rows, "response_status": [success()], "list_info": list_info})).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_data_comes_from_the_form_or_the_query() {
        let form = b"input_data=%7B%22request%22%3A%7B%22subject%22%3A%22x%22%7D%7D";
        assert_eq!(input(None, form).unwrap().unwrap()["request"]["subject"], "x");
        let query = "input_data=%7B%22list_info%22%3A%7B%22row_count%22%3A5%7D%7D";
        assert_eq!(input(Some(query), b"").unwrap().unwrap()["list_info"]["row_count"], 5);
        assert_eq!(input(None, b"").unwrap(), None);
        assert!(matches!(input(Some("input_data=%5B1%5D"), b""), Err(SdpError::Failed(_))));
        assert!(matches!(input(Some("input_data=nope"), b""), Err(SdpError::Failed(_))));
    }

    #[test]
    fn accept_must_name_the_v3_media_type() {
        let mut headers = HeaderMap::new();
        assert!(!accepts_v3(&headers));
        headers.insert(header::ACCEPT, "*/*".parse().unwrap());
        assert!(!accepts_v3(&headers));
        headers.insert(header::ACCEPT, "application/json, application/vnd.manageengine.sdp.v3+json".parse().unwrap());
        assert!(accepts_v3(&headers));
    }
}
