//! The routes, and what every API request passes first ([`guard`]): the
//! `User-Agent` check of GitHub's edge, authentication, the API version,
//! then the rate limit, whose `x-ratelimit-*` headers every API answer
//! carries. github.com's OAuth pages (`login.rs`) are served beside the
//! API and pass none of it. Helpers the handlers share live here too: the
//! caller, the repository it may see, and JSON bodies and pages.

use super::error::ApiError;
use super::limiter::{self, Resource};
use super::model::Repo;
use super::paging::{Paging, Params};
use super::store::Store;
use super::{Account, actions, contents, issues, lock, login, people, pulls, search};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value};
use std::sync::Arc;

/// The API versions the fake serves (`X-GitHub-Api-Version`).
const VERSIONS: [&str; 2] = ["2022-11-28", "2026-03-10"];

/// Who is calling and where they reached the fake, for handlers.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The token's user; `None` for an anonymous request.
    pub login: Option<String>,
    /// `host:port`, for the URLs answers carry.
    pub origin: String,
}

impl Ctx {
    /// The caller's login, or 401 `Requires authentication` for an
    /// anonymous request (writes and `/user`).
    pub fn require_login(&self) -> Result<&str, ApiError> {
        self.login.as_deref().ok_or(ApiError::RequiresAuthentication)
    }

    /// Whether the caller may see `repo`: everyone sees public
    /// repositories; the token's user is a member of the organisation.
    pub fn sees(&self, repo: &Repo) -> bool {
        !repo.private || self.login.is_some()
    }

    /// Repository `owner/name`, or 404 if it does not exist or the caller
    /// may not see it.
    pub fn repo<'s>(&self, store: &'s Store, owner: &str, name: &str) -> Result<&'s Repo, ApiError> {
        store.repo(owner, name).filter(|repo| self.sees(repo)).ok_or(ApiError::NotFound)
    }
}

/// The API's router, and github.com's OAuth pages outside its [`guard`].
pub fn router(account: Arc<Account>) -> Router {
    let repo = "/repos/{owner}/{repo}";
    Router::new()
        .route("/rate_limit", get(people::rate_limit))
        .route("/user", get(people::me))
        .route("/users/{login}", get(people::user))
        .route("/search/issues", get(search::issues))
        .route("/search/users", get(search::users))
        .route(repo, get(people::repository))
        .route(&format!("{repo}/issues"), get(issues::list).post(issues::create))
        .route(&format!("{repo}/issues/{{number}}"), get(issues::show).patch(issues::update))
        .route(&format!("{repo}/issues/{{number}}/comments"), get(issues::comments).post(issues::comment))
        .route(&format!("{repo}/pulls"), get(pulls::list))
        .route(&format!("{repo}/pulls/{{number}}"), get(pulls::show))
        .route(&format!("{repo}/pulls/{{number}}/files"), get(pulls::files))
        .route(&format!("{repo}/pulls/{{number}}/reviews"), get(pulls::reviews))
        .route(&format!("{repo}/actions/runs"), get(actions::list))
        .route(&format!("{repo}/actions/runs/{{id}}"), get(actions::show))
        .route(&format!("{repo}/actions/runs/{{id}}/rerun"), post(actions::rerun))
        .route(&format!("{repo}/contents"), get(contents::root))
        .route(&format!("{repo}/contents/{{*path}}"), get(contents::path))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::NotFound })
        .layer(middleware::from_fn_with_state(account.clone(), guard))
        .route("/login/oauth/authorize", get(login::authorize))
        .route("/login/oauth/access_token", post(login::access_token))
        .with_state(account)
}

/// The token in `Authorization: Bearer …` or `token …`.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")).then(|| token.trim())
}

/// The checks every request passes, in GitHub's order.
async fn guard(State(account): State<Arc<Account>>, mut request: Request, next: Next) -> Response {
    let headers = request.headers();
    if headers.get(header::USER_AGENT).is_none_or(|agent| agent.as_bytes().is_empty()) {
        return ApiError::NoUserAgent.into_response();
    }
    let login = match headers.get(header::AUTHORIZATION) {
        None => None,
        Some(_) => match presented_token(headers).and_then(|token| account.login_of(token)) {
            Some(login) => Some(login),
            None => {
                let quota = lock(&account.limiter).peek(limiter::Caller::Anonymous, Resource::Core);
                let mut response = ApiError::BadCredentials.into_response();
                quota.apply(response.headers_mut());
                return response;
            }
        },
    };
    let caller = match &login {
        Some(login) => limiter::Caller::User(lock(&account.store).user(login).map_or(0, |user| user.id)),
        None => limiter::Caller::Anonymous,
    };
    let version =
        headers.get("x-github-api-version").map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    let resource = if request.uri().path().starts_with("/search/") { Resource::Search } else { Resource::Core };
    if let Some(version) = version.filter(|version| !VERSIONS.contains(&version.as_str())) {
        let quota = lock(&account.limiter).peek(caller, resource);
        let mut response = ApiError::UnsupportedVersion(version).into_response();
        quota.apply(response.headers_mut());
        return response;
    }
    let admitted = if request.uri().path() == "/rate_limit" {
        Ok(lock(&account.limiter).peek(caller, Resource::Core))
    } else {
        lock(&account.limiter).admit(caller, resource)
    };
    let quota = match admitted {
        Ok(quota) => quota,
        Err((refusal, quota)) => {
            let mut response = refusal.into_response();
            quota.apply(response.headers_mut());
            return response;
        }
    };
    let origin = crate::origin(request.uri(), request.headers());
    request.extensions_mut().insert(Ctx { login, origin });
    let mut response = next.run(request).await;
    quota.apply(response.headers_mut());
    response
}

/// A write's JSON object body, or GitHub's 400s.
pub fn object(body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(ApiError::BodyNotObject),
        Err(_) => Err(ApiError::ProblemsParsingJson),
    }
}

/// A `201 Created` of `body`, with `Location` set to its `url`.
pub fn created(body: Value) -> Response {
    let location = body["url"].as_str().and_then(|url| HeaderValue::try_from(url).ok());
    let mut response = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Some(location) = location {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// One page of `records` at `path`, as a JSON array (`wrap` = `None`) or
/// as `{total_count, <wrap>: […], …extra}`, with the `link` header.
pub struct Page<'a> {
    /// The request's query, for the `link` URLs.
    pub params: &'a Params,
    /// Where the fake was reached.
    pub origin: &'a str,
    /// The request path.
    pub path: &'a str,
}

impl Page<'_> {
    /// `records` paged as the request asks, as a bare JSON array.
    pub fn array(&self, records: Vec<Value>) -> Response {
        self.respond(records, |items, _| Value::Array(items))
    }

    /// `records` paged as the request asks, wrapped by `wrap(items,
    /// total_count)`.
    pub fn respond(&self, records: Vec<Value>, wrap: impl FnOnce(Vec<Value>, usize) -> Value) -> Response {
        let paging: Paging = self.params.paging();
        let total = records.len();
        let link = paging.link(self.origin, self.path, self.params, total);
        let mut response = axum::Json(wrap(paging.slice(records), total)).into_response();
        if let Some(link) = link {
            response.headers_mut().insert(header::LINK, link);
        }
        response
    }
}

/// A path segment that must be a number (an issue number, a run id);
/// anything else names nothing.
pub fn number(segment: &str) -> Result<u64, ApiError> {
    segment.parse().map_err(|_| ApiError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use super::super::{Options, TOKEN};
    use reqwest::{Method, StatusCode};
    use serde_json::json;

    #[tokio::test]
    async fn auth_user_agent_and_version_are_checked_like_github() {
        let gh = Harness::start().await;
        let wrong = gh.call("GET", "/repos/acme/ops-portal/issues/3", Some("ghp_wrong"), None).await;
        assert_eq!((wrong.status, wrong.body["message"].as_str()), (StatusCode::UNAUTHORIZED, Some("Bad credentials")));
        assert_eq!(wrong.body["documentation_url"], "https://docs.github.com/rest");

        let anonymous = gh.call("GET", "/repos/acme/ops-portal/issues/3", None, None).await;
        assert_eq!(anonymous.status, StatusCode::NOT_FOUND, "a private repository is hidden, not forbidden");
        assert_eq!(anonymous.header("x-ratelimit-limit"), "60");
        assert_eq!(gh.call("GET", "/repos/acme/infra/issues/1", None, None).await.status, StatusCode::OK);
        let write = gh.call("POST", "/repos/acme/infra/issues", None, Some(json!({"title": "x"}))).await;
        assert_eq!(
            (write.status, write.body["message"].as_str()),
            (StatusCode::UNAUTHORIZED, Some("Requires authentication"))
        );

        let token_scheme = gh
            .request(Method::GET, "/user")
            .header("user-agent", "t")
            .header("authorization", format!("token {TOKEN}"));
        let me = Harness::answer(token_scheme).await;
        assert_eq!((me.status, me.body["login"].as_str()), (StatusCode::OK, Some("mia-krystof")));

        let no_agent = Harness::answer(gh.request(Method::GET, "/user").bearer_auth(TOKEN)).await;
        assert_eq!((no_agent.status, no_agent.header("content-type")), (StatusCode::FORBIDDEN, "text/html"));
        assert!(no_agent.text.contains("User-Agent"));

        for (version, status) in
            [("2022-11-28", StatusCode::OK), ("2026-03-10", StatusCode::OK), ("v3", StatusCode::BAD_REQUEST)]
        {
            let request = gh
                .request(Method::GET, "/user")
                .header("user-agent", "t")
                .bearer_auth(TOKEN)
                .header("x-github-api-version", version);
            assert_eq!(Harness::answer(request).await.status, status, "{version}");
        }
    }

    #[tokio::test]
    async fn every_answer_reports_its_rate_limit_bucket() {
        let gh = Harness::start().await;
        let first = gh.get("/repos/acme/ops-portal").await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!((first.header("x-ratelimit-limit"), first.header("x-ratelimit-remaining")), ("5000", "4999"));
        assert_eq!((first.header("x-ratelimit-used"), first.header("x-ratelimit-resource")), ("1", "core"));
        assert!(first.header("x-ratelimit-reset").parse::<i64>().unwrap() > super::super::clock::now());
        let search = gh.get("/search/issues?q=vpn").await;
        assert_eq!((search.header("x-ratelimit-limit"), search.header("x-ratelimit-resource")), ("30", "search"));
        let limits = gh.get("/rate_limit").await.body;
        assert_eq!(limits["resources"]["core"]["used"], 1, "/rate_limit is free");
        assert_eq!(limits["resources"]["search"]["remaining"], 29);
        let nowhere = gh.get("/nowhere").await;
        assert_eq!((nowhere.status, nowhere.header("x-ratelimit-used")), (StatusCode::NOT_FOUND, "2"));
        assert_eq!(nowhere.body["message"], "Not Found");
        assert_eq!(gh.get("/repos/acme/ops-portal/issues/").await.status, StatusCode::NOT_FOUND, "trailing slash");
        assert_eq!(
            gh.call("DELETE", "/repos/acme/ops-portal/issues/3", Some(TOKEN), None).await.status,
            StatusCode::NOT_FOUND
        );

        gh.fake.limit_requests(1, 30);
        assert_eq!(gh.get("/user").await.status, StatusCode::OK);
        let refused = gh.get("/user").await;
        assert_eq!((refused.status, refused.header("retry-after")), (StatusCode::FORBIDDEN, "30"));
        assert!(refused.body["message"].as_str().unwrap().starts_with("You have exceeded a secondary rate limit"));
        assert_ne!(refused.header("x-ratelimit-remaining"), "0", "the primary limit is not what refused");
    }

    #[tokio::test]
    async fn a_spent_primary_limit_is_403_with_remaining_zero() {
        let gh = Harness::with(Options { core_limit: 1, ..Options::default() }).await;
        assert_eq!(gh.get("/user").await.status, StatusCode::OK);
        let refused = gh.get("/user").await;
        assert_eq!((refused.status, refused.header("x-ratelimit-remaining")), (StatusCode::FORBIDDEN, "0"));
        assert!(refused.body["message"].as_str().unwrap().starts_with("API rate limit exceeded"));
    }
}
