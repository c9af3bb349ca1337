//! Pull requests: the list (`pull-request-simple`), one pull request
//! (`pull-request`, with `merged`, `mergeable` and the change counts), its
//! changed files and its reviews (oldest first).

use super::api::{Ctx, Page, number};
use super::error::ApiError;
use super::model::{Issue, Pull, Repo};
use super::paging::Params;
use super::render::Render;
use super::store::Store;
use super::{Account, lock};
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `GET /repos/{owner}/{repo}/pulls?state=&head=&base=&sort=&direction=`.
pub async fn list(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let state = params.one_of("state", &["open", "closed", "all"], "open")?;
    let sort = params.one_of("sort", &["created", "updated", "popularity", "long-running"], "created")?;
    let direction = params.one_of("direction", &["asc", "desc"], "desc")?;
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?;
    let mut found: Vec<(&Issue, &Pull)> = store
        .issues
        .iter()
        .filter(|issue| issue.repo == repo.id)
        .filter_map(|issue| issue.pull.as_ref().map(|pull| (issue, pull)))
        .filter(|(issue, _)| state == "all" || issue.state.as_str() == state)
        .filter(|(_, pull)| params.get("base").is_none_or(|base| pull.base_ref == base))
        .filter(|(_, pull)| {
            params.get("head").is_none_or(|head| {
                let (owner, branch) = head.split_once(':').unwrap_or((&repo.owner, head));
                owner.eq_ignore_ascii_case(&repo.owner) && pull.head_ref == branch
            })
        })
        .collect();
    found.sort_by_key(|(issue, _)| match sort {
        "updated" => (issue.updated_at, issue.number),
        "popularity" => (store.comments_of(issue.repo, issue.number).len() as i64, issue.number),
        _ => (issue.created_at, issue.number),
    });
    if direction == "desc" {
        found.reverse();
    }
    let render = Render::new(&ctx.origin, &store);
    let records = found.into_iter().map(|(issue, pull)| render.pull(issue, pull, false)).collect();
    Ok(Page { params: &params, origin: &ctx.origin, path: uri.path() }.array(records))
}

/// Pull request `number` of `owner/name`: 404 for an issue that is not
/// one.
fn find<'s>(
    store: &'s Store,
    ctx: &Ctx,
    owner: &str,
    name: &str,
    number_text: &str,
) -> Result<(&'s Repo, &'s Issue, &'s Pull), ApiError> {
    let repo = ctx.repo(store, owner, name)?;
    let issue = store.issue(repo.id, number(number_text)?).ok_or(ApiError::NotFound)?;
    let pull = issue.pull.as_ref().ok_or(ApiError::NotFound)?;
    Ok((repo, issue, pull))
}

/// `GET /repos/{owner}/{repo}/pulls/{number}`.
pub async fn show(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let store = lock(&account.store);
    let (_, issue, pull) = find(&store, &ctx, &owner, &name, &number)?;
    Ok(axum::Json(Render::new(&ctx.origin, &store).pull(issue, pull, true)).into_response())
}

/// `GET /repos/{owner}/{repo}/pulls/{number}/files`.
pub async fn files(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&account.store);
    let (repo, _, pull) = find(&store, &ctx, &owner, &name, &number)?;
    let render = Render::new(&ctx.origin, &store);
    let records = pull.files.iter().map(|file| render.pull_file(repo, pull, file)).collect();
    Ok(Page { params: &params, origin: &ctx.origin, path: uri.path() }.array(records))
}

/// `GET /repos/{owner}/{repo}/pulls/{number}/reviews`.
pub async fn reviews(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, number)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&account.store);
    let (repo, issue, pull) = find(&store, &ctx, &owner, &name, &number)?;
    let render = Render::new(&ctx.origin, &store);
    let records = pull.reviews.iter().map(|review| render.review(repo, issue, pull, review)).collect();
    Ok(Page { params: &params, origin: &ctx.origin, path: uri.path() }.array(records))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use reqwest::StatusCode;
    use serde_json::Value;

    #[tokio::test]
    async fn pull_requests_with_files_and_reviews() {
        let gh = Harness::start().await;
        let open = gh.get("/repos/acme/ops-portal/pulls").await.body;
        let numbers: Vec<u64> = open.as_array().unwrap().iter().map(|pull| pull["number"].as_u64().unwrap()).collect();
        assert_eq!(numbers, vec![12, 5]);
        let all = gh.get("/repos/acme/ops-portal/pulls?state=all&head=acme:deps/session-4.2").await.body;
        assert_eq!((all.as_array().unwrap().len(), all[0]["number"].as_u64()), (1, Some(7)));

        let keepalive = gh.get("/repos/acme/ops-portal/pulls/5").await.body;
        assert_eq!(keepalive["head"]["ref"], "fix/vpn-keepalive");
        assert_eq!((keepalive["merged"].as_bool(), keepalive["mergeable"].as_bool()), (Some(false), Some(true)));
        assert_eq!((keepalive["changed_files"].as_u64(), keepalive["additions"].as_u64()), (Some(3), Some(5)));
        assert_eq!(keepalive["merged_at"], Value::Null);
        let merged = gh.get("/repos/acme/ops-portal/pulls/7").await.body;
        assert_eq!((merged["state"].as_str(), merged["merged"].as_bool()), (Some("closed"), Some(true)));
        assert_eq!(merged["merged_by"]["login"], "mia-krystof");

        let files = gh.get("/repos/acme/ops-portal/pulls/5/files").await.body;
        assert_eq!(files[2]["filename"], "docs/runbooks/vpn.md");
        assert_eq!((files[2]["status"].as_str(), files[2]["changes"].as_u64()), (Some("added"), Some(3)));
        assert!(files[1]["patch"].as_str().unwrap().contains("+export const KEEPALIVE_SECONDS = 300;"));
        let renamed = gh.get("/repos/acme/ops-portal/pulls/12/files").await.body;
        assert_eq!(renamed[0]["previous_filename"], "src/form/Form.tsx");

        let reviews = gh.get("/repos/acme/ops-portal/pulls/5/reviews").await.body;
        let states: Vec<&str> =
            reviews.as_array().unwrap().iter().map(|review| review["state"].as_str().unwrap()).collect();
        assert_eq!(states, vec!["COMMENTED", "CHANGES_REQUESTED", "APPROVED"]);
        assert_eq!(gh.get("/repos/acme/ops-portal/pulls/3").await.status, StatusCode::NOT_FOUND, "#3 is an issue");
    }
}
