//! # A fake BuyICT portal
//!
//! BuyICT (www.buyict.gov.au) is the Australian Government's ICT procurement
//! portal, a ServiceNow Service Portal. This fake serves what an adapter
//! uses, the way the real portal does:
//!
//! - `GET /sp?id=...`: a portal page. It starts a session when the request
//!   has no live one (`Set-Cookie: JSESSIONID=...`) and prints the session's
//!   user token as `window.g_ck = '...'`, which is how a browser (or an
//!   operator copying it from one) gets the pair.
//! - `GET /api/now/sp/page?id=...&portal_id=...`: a page as JSON; widget data
//!   is under `result.containers[*].rows[*].columns[*].widgets[*].widget.data`.
//!   Pages: `opportunities` (the filters widget and the listing widget,
//!   which reads its search from the page parameters) and
//!   `opportunity_details` (`table` and `sys_id` parameters).
//! - `POST /api/now/sp/widget/{widget_sys_id}?id=...`: one widget's data for
//!   the JSON input in the body (`{"options": {...}, ...input}`), answered
//!   as `{"result": {"data": ...}}`; this is how the listing is searched and
//!   paged server-side.
//!
//! ## Sessions
//! The API requests must carry a live session's `JSESSIONID` cookie and its
//! token in `X-UserToken`. A missing, unknown or expired session, or a token
//! that is not the session's, is answered **401 with the ServiceNow error
//! envelope** (`User Not Authenticated`) **and `x-is-logged-in: false`**;
//! an authenticated answer says `x-is-logged-in: true`. The 401 is the
//! signal a client can rely on: ServiceNow checks `X-UserToken` against the
//! session the cookie names, and once a session has expired the server has
//! forgotten it, so the token cannot match (a browser would be handed a new
//! guest session and sent to the login page, which is what the header is
//! for). The real portal also serves some pages to guests; this fake models
//! the signed-in seller an adapter acts for, so every API call needs the
//! session. [`FakeBuyIct::expire_session`] expires every session issued so
//! far; loading `/sp` afterwards issues a new one, as signing in again does.
//!
//! ## Limits
//! [`Options::rate_limit_per_hour`] adds a ServiceNow inbound rate-limit
//! rule: `X-RateLimit-Limit`, `X-RateLimit-Reset`, `X-RateLimit-Rule` on
//! every API answer, and 429 with `Retry-After` once it is exhausted.
//! Authentication is checked first, as the rules apply per user.

mod catalogue;
mod date;
mod listing;
mod pages;
mod rate_limit;
mod rejection;
mod seed;
mod session;

pub use catalogue::{MARKETPLACES, Marketplace, Opportunity, RFI_TABLE};
pub use date::Date;
pub use listing::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
pub use pages::{DETAILS_WIDGET, FILTERS_WIDGET, LISTING_WIDGET};

use crate::{Hits, Served};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use pages::PageRequest;
use rate_limit::RateRule;
use rejection::{RATE_LIMIT_RULE, Rejection};
use serde_json::{Map, Value};
use session::{Sessions, session_cookie};
use std::collections::HashMap;
use std::sync::Arc;

/// The session cookie value the fake accepts until it is expired.
pub const SESSION_ID: &str = "7F3A9C21D84B4E6F9A0B12C3D4E5F607";
/// The `g_ck` user token of that session.
pub const USER_TOKEN: &str = "c9a1e4f27b3d48e6a5f0b1c2d3e4f5a60718293a4b5c6d7e8f90a1b2c3d4e5f6";
/// The portal's `sys_id`, what a client passes as `portal_id`.
pub const PORTAL_ID: &str = "45d6680fdb52220099f93691f0b8f5ad";

/// How the fake portal starts.
#[derive(Debug, Clone)]
pub struct Options {
    /// The live session's `JSESSIONID`.
    pub session_id: String,
    /// That session's `g_ck` user token.
    pub user_token: String,
    /// The portal's `sys_id`. A page request naming another portal finds
    /// no page (empty `containers`); one naming none gets this portal.
    pub portal_id: String,
    /// Requests per hour the API allows, if a rate-limit rule applies.
    pub rate_limit_per_hour: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            session_id: SESSION_ID.to_owned(),
            user_token: USER_TOKEN.to_owned(),
            portal_id: PORTAL_ID.to_owned(),
            rate_limit_per_hour: None,
        }
    }
}

/// A running fake portal; dropping it stops the server.
pub struct FakeBuyIct {
    /// The server: address and recorded requests.
    pub served: Served,
    portal: Arc<Portal>,
}

/// The portal's state, shared by the handlers.
struct Portal {
    portal_id: String,
    sessions: Sessions,
    rate: Option<RateRule>,
    catalogue: Vec<Opportunity>,
}

impl FakeBuyIct {
    /// Serves a portal seeded with 40 opportunities dated around today.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let portal = Arc::new(Portal {
            sessions: Sessions::new(&options.session_id, &options.user_token),
            rate: options.rate_limit_per_hour.map(RateRule::new),
            catalogue: catalogue::opportunities(Date::today()),
            portal_id: options.portal_id,
        });
        let api = Router::new()
            .route("/api/now/sp/page", get(page))
            .route("/api/now/sp/widget/{sys_id}", post(widget))
            .route_layer(from_fn_with_state(portal.clone(), gate));
        let router = Router::new().route("/sp", get(bootstrap)).merge(api).with_state(portal.clone());
        Ok(Self { served: crate::serve(router).await?, portal })
    }

    /// `127.0.0.1:PORT`: what a tenant's `base_url` is set to.
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// Every request the portal received.
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Expires every session issued so far: from now on their cookies and
    /// tokens are refused with 401 until a client starts a new session.
    pub fn expire_session(&self) {
        self.portal.sessions.expire_all();
    }

    /// The seeded opportunities, open and closed, for tests to compare with.
    pub fn opportunities(&self) -> &[Opportunity] {
        &self.portal.catalogue
    }
}

impl Portal {
    /// Whether the request carries a live session and that session's token.
    fn authenticate(&self, headers: &HeaderMap) -> Result<(), Rejection> {
        let token = session_cookie(headers).and_then(|session_id| self.sessions.token(&session_id));
        let sent = headers.get("x-usertoken").and_then(|value| value.to_str().ok());
        match (token, sent) {
            (Some(token), Some(sent)) if token == sent => Ok(()),
            _ => Err(Rejection::NotAuthenticated),
        }
    }
}

/// Runs before every API handler: the session, then the rate-limit rule.
async fn gate(State(portal): State<Arc<Portal>>, request: Request, next: Next) -> Result<Response, Rejection> {
    portal.authenticate(request.headers())?;
    let admitted = portal.rate.as_ref().map(RateRule::admit).transpose()?;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert("x-is-logged-in", HeaderValue::from_static("true"));
    if let Some(admitted) = admitted {
        crate::servicenow::apply_rule_headers(headers, admitted.limit, admitted.reset, RATE_LIMIT_RULE);
    }
    Ok(response)
}

/// `GET /sp?id=...`: the portal page a browser loads, which is where a
/// session and its `g_ck` come from.
async fn bootstrap(State(portal): State<Arc<Portal>>, headers: HeaderMap) -> Response {
    let live = session_cookie(&headers)
        .and_then(|session_id| portal.sessions.token(&session_id).map(|token| (session_id, token)));
    let (started, (session_id, token)) = match live {
        Some(live) => (false, live),
        None => (true, portal.sessions.start()),
    };
    let html = format!(
        "<!DOCTYPE html>\n<html><head><title>BuyICT</title>\n<script>\nwindow.NOW = window.NOW || {{}};\n\
         window.g_ck = '{token}';\n</script></head>\n<body><sp-page-root></sp-page-root></body></html>\n"
    );
    let mut response = Html(html).into_response();
    if started {
        let cookies = [
            format!("JSESSIONID={session_id}; Path=/; Secure; HttpOnly; SameSite=None"),
            "glide_user_route=glide.0f3c1e4b2a9d8c7b6a5f4e3d2c1b0a99; Path=/; Secure; HttpOnly".to_owned(),
        ];
        for cookie in cookies {
            if let Ok(value) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(SET_COOKIE, value);
            }
        }
    }
    response
}

/// `GET /api/now/sp/page`.
async fn page(State(portal): State<Arc<Portal>>, Query(params): Query<HashMap<String, String>>) -> Response {
    let params: Map<String, Value> = params.into_iter().map(|(key, value)| (key, Value::String(value))).collect();
    let text = |key: &str| params.get(key).and_then(Value::as_str);
    let request = PageRequest {
        id: text("id").unwrap_or_default(),
        params: &params,
        portal_id: &portal.portal_id,
        known_portal: text("portal_id").is_none_or(|portal_id| portal_id == portal.portal_id),
    };
    json(pages::page(&request, &portal.catalogue))
}

/// `POST /api/now/sp/widget/{sys_id}`: the widget's input is the body's
/// fields, over the defaults in its `options`.
async fn widget(State(portal): State<Arc<Portal>>, Path(sys_id): Path<String>, body: Bytes) -> Response {
    let body: Map<String, Value> = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice(&body) {
            Ok(body) => body,
            Err(_) => return Rejection::BadJson.into_response(),
        }
    };
    let mut input = match body.get("options") {
        Some(Value::Object(options)) => options.clone(),
        _ => Map::new(),
    };
    input.extend(body.into_iter().filter(|(key, _)| key != "options"));
    match pages::widget_data(&sys_id, &input, &portal.catalogue) {
        Some(data) => json(serde_json::json!({"result": {"data": data}})),
        None => Rejection::NoWidget(sys_id).into_response(),
    }
}

/// A JSON answer with the content type ServiceNow sends.
fn json(body: Value) -> Response {
    let mut response = axum::Json(body).into_response();
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json;charset=UTF-8"));
    response
}
