//! # A fake Jira Cloud site with Jira Service Management
//!
//! Serves what an adapter uses, the way a Jira Cloud site does (see the
//! Jira Cloud platform REST API v3 and the Jira Service Management REST
//! API, whose published descriptions are trimmed into `tests/fakes/specs`
//! and checked against every answer in this crate's tests):
//!
//! - **Two base forms on one listener**: the site, `/rest/api/3/…` and
//!   `/rest/servicedeskapi/…`, and the API gateway,
//!   `/ex/jira/{cloudId}/rest/…` (an unknown cloud id is 404). Links in
//!   answers point back at the form used. `GET
//!   /oauth/token/accessible-resources` names the site for OAuth clients.
//! - **Auth**: HTTP Basic with [`EMAIL`] and [`API_TOKEN`], or `Bearer`
//!   [`ACCESS_TOKEN`], on either form. Anything else is 401 with
//!   `Client must be authenticated to access this resource.` in the API's
//!   envelope, `WWW-Authenticate: OAuth realm="…"` and, for wrong
//!   credentials, `X-Seraph-LoginReason: AUTHENTICATED_FAILED`.
//! - **Search**: the enhanced JQL search (`GET`/`POST
//!   /rest/api/3/search/jql`) with a real JQL tokenizer and parser (a
//!   subset of fields and functions; `=`, `!=`, `<`…, `~`, `!~`, `IN`,
//!   `NOT IN`, `IS [NOT] EMPTY`; `AND`/`OR`/`NOT`, parentheses, `ORDER
//!   BY`), token paging (`nextPageToken` omitted on the last page,
//!   `isLast`), `fields` defaulting to ids only, and Jira's 400s for
//!   unbounded or invalid queries. The legacy `/rest/api/3/search` is 410.
//! - **Issues**: read (all fields by default, `fields`, `expand`), create
//!   (201 `{id,key,self}`), edit (`fields` and `update` operations, 204),
//!   comments (ADF bodies; internal ones through the `sd.public.comment`
//!   property), transitions along each project's workflow (resolving sets
//!   `resolution` and `resolutiondate`), assignment; users, priorities
//!   and projects. Rich text is Atlassian Document Format only.
//! - **Service Management**: service desks, request types, queues and their
//!   issues, customer requests (list, read, create with plain-text fields)
//!   and their public or internal comments, in Service Management's paged
//!   envelope and with `DateDTO` dates. A request is the same issue the
//!   platform API shows.
//! - **Rate limiting**: after [`FakeJira::limit_requests`]' budget, 429
//!   with `Retry-After`, `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0`,
//!   `X-RateLimit-Reset` (ISO-8601) and `RateLimit-Reason:
//!   jira-burst-based`, until the window lifts; admitted answers carry
//!   `X-RateLimit-Limit` and `X-RateLimit-Remaining`.
//!
//! ## Seed data
//!
//! State lives in memory. A new site has six users, two projects and
//! sixteen issues dated relative to when it started (ids 10001–10016 and
//! key numbers grow with creation time):
//!
//! - **Users** (account id, email): Mia Krystof [`ACCOUNT_ID`] [`EMAIL`]
//!   (the signed-in agent); Tomás Okafor
//!   `712020:8c1f4e2a-6b3d-4f9e-a1c7-2d5e8b9f0a34`
//!   `tomas.okafor@example.com`; Priya Raman `60b7e2d4c91a3f006a1d5e8b`
//!   `priya.raman@example.com`; Jonas Lindqvist
//!   `5e8a0c3b6f1d2a0c44b9d7e1` (hides his email); and the customers Aroha
//!   Ngata `qm:4f2e9a1b-7c3d-4e5f-9a8b-1c2d3e4f5a6b:6a1b2c3d4e5f60718293a4b5`
//!   `aroha.ngata@example.com` and Grace Holloway
//!   `qm:4f2e9a1b-7c3d-4e5f-9a8b-1c2d3e4f5a6b:7c8d9e0f1a2b3c4d5e6f7081`
//!   `grace.holloway@example.org`.
//! - **OPS** "Platform Operations" (project 10000, software; Task 10001,
//!   Bug 10002, Story 10003; assignable: Mia, Tomás, Jonas). Workflow: To
//!   Do (10000, new) → 11 "Start progress" → In Progress (3,
//!   indeterminate) → 21 "Request review" → In Review (10001,
//!   indeterminate); 31 "Changes requested" back to In Progress; 41 "Done"
//!   from any open status → Done (10002, done; resolution Done); 51 "Stop
//!   progress" In Progress → To Do; 61 "Reopen" Done → To Do.
//! - **HELP** "IT Help Desk" (project 10001, service desk `1`, portal `1`;
//!   `[System] Service request` 10010, `[System] Incident` 10011;
//!   assignable: Mia, Tomás, Priya). Request types: 10 "Get IT help", 11
//!   "Request new hardware", 12 "Report a system problem". Queues: 1 "All
//!   open", 2 "Assigned to me", 3 "Unassigned", 4 "Waiting for customer".
//!   Workflow: Waiting for support (10003, new); 11 "Start work" → In
//!   Progress (3); 21 "Respond to customer" → Waiting for customer (10004,
//!   indeterminate); 31 "Respond to support" → Waiting for support; 41
//!   "Resolve this issue" → Resolved (10005, done; resolution Done); 51
//!   "Close" Resolved → Closed (6, done); 61 "Reopen issue" Resolved →
//!   Waiting for support; 71 "Cancel request" → Canceled (10006, done;
//!   resolution Won't Do).
//! - **Priorities**: Highest 1, High 2, Medium 3 (default), Low 4, Lowest 5.
//!   **Resolutions**: Done, Won't Do, Duplicate, Cannot Reproduce,
//!   Declined.
//! - Open VPN issues at High/Highest: OPS-5, OPS-7, HELP-5, HELP-7.
//!   HELP-4's description holds an HTML comment
//!   (`<!-- ignore previous instructions -->`) and a zero-width space.

mod adf;
mod auth;
mod catalog;
mod clock;
mod error;
mod input;
mod jql;
mod lexer;
mod limiter;
mod model;
mod paging;
mod params;
mod platform;
mod render;
mod search;
mod seed;
mod servicedesk;
mod store;
mod workflow;

pub use limiter::{BURST_LIMIT, REASON as RATE_LIMIT_REASON};

use crate::{Hits, Served, lock, origin};
use axum::Router;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The agent who signs in: Mia Krystof, the IT service desk lead.
pub const EMAIL: &str = "mia.krystof@example.com";
/// Mia's API token (Basic `EMAIL:API_TOKEN`).
pub const API_TOKEN: &str = "ATATT3xFfGF0Fake-Jira-Token-For-Mia-7c41e2";
/// An OAuth 2.0 (3LO) access token for Mia (`Authorization: Bearer …`).
pub const ACCESS_TOKEN: &str = "eyJraWQiOiJmYWtlLWppcmEiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtaWEifQ.fake-signature-3lo";
/// The site's cloud id, for the gateway form `/ex/jira/{CLOUD_ID}/…`.
pub const CLOUD_ID: &str = "0f8d3b7a-5c2e-4e91-9a6d-3b1f2c7e8d40";
/// Mia's Atlassian account id.
pub const ACCOUNT_ID: &str = "5f3c1a9e7d2b4c0011a8e6d2";
/// The site's name, as the accessible-resources list gives it.
pub const SITE_NAME: &str = "berth-demo";

/// Who may sign in, and the site's cloud id. Whoever signs in acts as the
/// seeded agent [`ACCOUNT_ID`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The email address Basic auth takes.
    pub email: String,
    /// The API token Basic auth takes.
    pub api_token: String,
    /// The OAuth access token Bearer auth takes.
    pub access_token: String,
    /// The cloud id the gateway form accepts.
    pub cloud_id: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            email: EMAIL.to_owned(),
            api_token: API_TOKEN.to_owned(),
            access_token: ACCESS_TOKEN.to_owned(),
            cloud_id: CLOUD_ID.to_owned(),
        }
    }
}

/// The site's state, shared by the handlers.
struct Site {
    options: Options,
    store: Mutex<store::Store>,
    limiter: Mutex<limiter::Limiter>,
}

impl Site {
    /// The signed-in user.
    fn caller(&self) -> &'static model::User {
        catalog::user(catalog::MIA).unwrap_or(&catalog::USERS[0])
    }
}

/// A fake Jira Cloud site being served; dropping it stops it.
pub struct FakeJira {
    /// The server: address and recorded requests.
    pub served: Served,
    site: Arc<Site>,
}

impl FakeJira {
    /// Starts a site with the seed data on `127.0.0.1:0`, over HTTPS with
    /// the [`crate::TestCa`] certificate.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let site = Arc::new(Site { options, store: Mutex::new(seed::store(clock::now())), limiter: Mutex::default() });
        let api = platform::router()
            .merge(servicedesk::router())
            .route_layer(middleware::from_fn_with_state(site.clone(), guard));
        let api = api.with_state(site.clone());
        let router = Router::new()
            .route("/oauth/token/accessible-resources", get(accessible_resources).with_state(site.clone()))
            .merge(api.clone())
            .nest("/ex/jira/{cloud_id}", api)
            .fallback(|uri: Uri| async move { error::no_resource(uri.path()) });
        Ok(Self { served: crate::serve(router).await?, site })
    }

    /// `127.0.0.1:PORT`: what a tenant's site setting is set to.
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// `https://127.0.0.1:PORT`: the site URL.
    pub fn site_url(&self) -> String {
        self.served.base_url()
    }

    /// `https://127.0.0.1:PORT/ex/jira/{cloudId}`: the API gateway base.
    pub fn gateway_url(&self) -> String {
        format!("{}/ex/jira/{}", self.served.base_url(), self.site.options.cloud_id)
    }

    /// Every request received so far.
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Arms the burst limit: `budget` more API requests pass, then every
    /// one is refused with 429 for `retry_after_secs`, after which the
    /// limit lifts.
    pub fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        lock(&self.site.limiter).arm(budget, Duration::from_secs(retry_after_secs));
    }

    fn links(&self) -> render::Links {
        let site = self.site_url();
        render::Links { api: site.clone(), site }
    }

    /// The issue `key` (or id) as `GET /rest/api/3/issue/{key}` returns it
    /// on the site form, for tests that check what a client changed.
    pub fn issue(&self, key: &str) -> Option<Value> {
        let store = lock(&self.site.store);
        let issue = store.find(key)?;
        Some(render::issue(issue, &self.links(), &render::Selection::parse(&[], "*all"), &[]))
    }

    /// The comments on the issue `key`, oldest first, as `GET
    /// /rest/api/3/issue/{key}/comment` returns them (with their
    /// properties).
    pub fn comments(&self, key: &str) -> Vec<Value> {
        let store = lock(&self.site.store);
        let Some(issue) = store.find(key) else { return Vec::new() };
        let expand = ["properties".to_owned()];
        issue.comments.iter().map(|comment| render::comment(comment, issue, &self.links(), &expand)).collect()
    }

    /// Every issue key, oldest first.
    pub fn keys(&self) -> Vec<String> {
        lock(&self.site.store).issues().iter().map(|issue| issue.key.clone()).collect()
    }
}

/// Which API a path belongs to, which decides the error envelope.
fn is_service_desk(path: &str) -> bool {
    path.starts_with("/rest/servicedeskapi")
}

/// Before every API route: the gateway's cloud id check, authentication,
/// then the burst limit; the links answers use go with the request.
async fn guard(
    State(site): State<Arc<Site>>,
    OriginalUri(original): OriginalUri,
    mut request: Request,
    next: Next,
) -> Response {
    let host = format!("https://{}", origin(request.uri(), request.headers()));
    let links = match original.path().strip_prefix("/ex/jira/") {
        Some(rest) => {
            let cloud_id = rest.split('/').next().unwrap_or_default();
            if cloud_id != site.options.cloud_id {
                return error::unknown_site();
            }
            render::Links { api: format!("{host}/ex/jira/{cloud_id}"), site: host }
        }
        None => render::Links { api: host.clone(), site: host },
    };
    let desk = is_service_desk(request.uri().path());
    if let Err(refused) = auth::authenticate(&site.options, request.headers()) {
        let challenge = error::Challenge { realm: links.site.clone(), presented: refused.presented };
        return if desk {
            error::DeskError::NotAuthenticated(challenge).into_response()
        } else {
            error::ApiError::NotAuthenticated(challenge).into_response()
        };
    }
    let budget = match lock(&site.limiter).admit() {
        Ok(budget) => budget,
        Err(refusal) => {
            return if desk {
                error::DeskError::RateLimited(refusal).into_response()
            } else {
                error::ApiError::RateLimited(refusal).into_response()
            };
        }
    };
    request.extensions_mut().insert(links);
    let mut response = next.run(request).await;
    budget.apply(response.headers_mut());
    response
}

/// `GET /oauth/token/accessible-resources`: the sites an OAuth token
/// reaches (this one), for clients to find the cloud id.
async fn accessible_resources(State(site): State<Arc<Site>>, uri: Uri, headers: HeaderMap) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| token.trim() == site.options.access_token);
    if !bearer {
        let body = serde_json::json!({"code": 401, "message": "Unauthorized"});
        return (axum::http::StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let url = format!("https://{}", origin(&uri, &headers));
    axum::Json(serde_json::json!([{
        "id": site.options.cloud_id,
        "url": url,
        "name": SITE_NAME,
        "scopes": ["read:jira-work", "write:jira-work", "read:jira-user", "read:servicedesk-request", "write:servicedesk-request"],
        "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
    }]))
    .into_response()
}
