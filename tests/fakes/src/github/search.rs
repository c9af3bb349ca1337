//! `GET /search/issues` and `GET /search/users`: GitHub's search over the
//! repositories the caller can see, answered as `{total_count,
//! incomplete_results, items}` with a `score` per item, paged with
//! `per_page`/`page` and `link`, up to the first 1,000 results.

use super::api::{Ctx, Page};
use super::error::{ApiError, FieldError};
use super::model::{Issue, State as IssueState};
use super::paging::Params;
use super::query::{Qualifier, Query, Span};
use super::render::Render;
use super::seed::OWNER;
use super::store::Store;
use super::{Account, lock};
use axum::extract::{Extension, RawQuery, State};
use axum::http::Uri;
use axum::response::Response;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The qualifiers issue search reads.
const ISSUE_QUALIFIERS: &[&str] =
    &["repo", "user", "org", "is", "type", "state", "label", "assignee", "author", "no", "in", "created", "updated"];
/// The qualifiers user search reads.
const USER_QUALIFIERS: &[&str] = &["in", "type"];
/// The longest `q` GitHub accepts.
const MAX_QUERY_CHARS: usize = 256;
/// How far search results go.
const RESULT_WINDOW: usize = 1_000;
/// GitHub's message for a `repo:`, `user:` or `org:` the caller cannot search.
const CANNOT_SEARCH: &str = "The listed users and repositories cannot be searched either because the resources do \
not exist or you do not have permission to view them.";

/// The `q` of a search request, checked as GitHub checks it.
fn query_text(params: &Params) -> Result<&str, ApiError> {
    let Some(q) = params.get("q") else {
        let error = FieldError::new("Search", "q", "missing");
        return Err(ApiError::Validation {
            documentation_url: "https://docs.github.com/v3/search/",
            errors: vec![error],
        });
    };
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::search("The search is longer than 256 characters."));
    }
    let paging = params.paging();
    if (paging.page - 1) * paging.per_page >= RESULT_WINDOW {
        return Err(ApiError::SearchWindow);
    }
    Ok(q)
}

/// The answer: the first 1,000 `scored` records, paged.
fn respond(params: &Params, ctx: &Ctx, uri: &Uri, scored: Vec<Value>) -> Response {
    let total = scored.len();
    let window: Vec<Value> = scored.into_iter().take(RESULT_WINDOW).collect();
    Page { params, origin: &ctx.origin, path: uri.path() }
        .respond(window, |items, _| json!({"total_count": total, "incomplete_results": false, "items": items}))
}

/// `GET /search/issues?q=…&sort=…&order=…`.
pub async fn issues(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let query = Query::parse(query_text(&params)?, ISSUE_QUALIFIERS);
    let store = lock(&account.store);
    let repos = scope(&store, &ctx, &query)?;
    let me = ctx.login.as_deref().unwrap_or("@me");
    let mut found: Vec<(f64, &Issue)> = store
        .issues
        .iter()
        .filter(|issue| repos.contains(&issue.repo))
        .filter(|issue| {
            query.qualifiers.iter().all(|qualifier| holds(qualifier, issue, &store, me) != qualifier.negated)
        })
        .filter_map(|issue| relevance(&query, issue, &store).map(|score| (score, issue)))
        .collect();
    let descending = params.get("order") != Some("asc");
    found.sort_by(|(score_a, a), (score_b, b)| {
        let order = match params.get("sort") {
            Some("created") => a.created_at.cmp(&b.created_at),
            Some("updated") => a.updated_at.cmp(&b.updated_at),
            Some(sort) if sort == "comments" || sort == "interactions" || sort.starts_with("reactions") => {
                store.comments_of(a.repo, a.number).len().cmp(&store.comments_of(b.repo, b.number).len())
            }
            _ => score_a.total_cmp(score_b).then(a.updated_at.cmp(&b.updated_at)),
        };
        let order = order.then(a.number.cmp(&b.number));
        if descending { order.reverse() } else { order }
    });
    let render = Render::new(&ctx.origin, &store);
    let scored = found
        .into_iter()
        .map(|(score, issue)| {
            let mut item = render.issue(issue);
            item["score"] = json!(score);
            item
        })
        .collect();
    Ok(respond(&params, &ctx, &uri, scored))
}

/// The repositories a search covers: those its `repo:`, `user:` and
/// `org:` name (each must exist and be visible, else 422), or every one
/// the caller can see.
fn scope(store: &Store, ctx: &Ctx, query: &Query) -> Result<BTreeSet<u64>, ApiError> {
    let mut named = BTreeSet::new();
    let mut scoped = false;
    for qualifier in query.qualifiers.iter().filter(|qualifier| !qualifier.negated) {
        match qualifier.key.as_str() {
            "repo" => {
                let (owner, name) = qualifier.value.split_once('/').unwrap_or((&qualifier.value, ""));
                named.insert(ctx.repo(store, owner, name).map_err(|_| ApiError::search(CANNOT_SEARCH))?.id);
            }
            "user" | "org" => {
                let owner = &qualifier.value;
                if !owner.eq_ignore_ascii_case(OWNER) && store.user(owner).is_none() {
                    return Err(ApiError::search(CANNOT_SEARCH));
                }
                named.extend(
                    store.repos.iter().filter(|repo| repo.owner.eq_ignore_ascii_case(owner)).map(|repo| repo.id),
                );
            }
            _ => continue,
        }
        scoped = true;
    }
    let visible = store.repos.iter().filter(|repo| ctx.sees(repo)).map(|repo| repo.id);
    Ok(if scoped { visible.filter(|id| named.contains(id)).collect() } else { visible.collect() })
}

/// Whether `issue` satisfies `qualifier` (before its negation).
/// Non-negated scope qualifiers were applied by [`scope`].
fn holds(qualifier: &Qualifier, issue: &Issue, store: &Store, me: &str) -> bool {
    let value = qualifier.value.as_str();
    let login = |login: &str| if login == "@me" { me.to_owned() } else { login.to_owned() };
    let repo = store.repo_by_id(issue.repo);
    match qualifier.key.as_str() {
        "repo" | "user" | "org" if !qualifier.negated => true,
        "repo" => repo.is_some_and(|repo| repo.full_name().eq_ignore_ascii_case(value)),
        "user" | "org" => repo.is_some_and(|repo| repo.owner.eq_ignore_ascii_case(value)),
        "is" | "type" | "state" => match value.to_ascii_lowercase().as_str() {
            "issue" => issue.pull.is_none(),
            "pr" | "pull-request" => issue.pull.is_some(),
            "open" => issue.state == IssueState::Open,
            "closed" => issue.state == IssueState::Closed,
            "merged" => issue.pull.as_ref().is_some_and(|pull| pull.merged_at.is_some()),
            "unmerged" => issue.pull.as_ref().is_some_and(|pull| pull.merged_at.is_none()),
            "draft" => issue.pull.as_ref().is_some_and(|pull| pull.draft),
            "public" => repo.is_some_and(|repo| !repo.private),
            "private" => repo.is_some_and(|repo| repo.private),
            _ => false,
        },
        "label" => {
            value.split(',').any(|name| issue.labels.iter().any(|label| label.eq_ignore_ascii_case(name.trim())))
        }
        "assignee" => issue.assignees.iter().any(|assignee| assignee.eq_ignore_ascii_case(&login(value))),
        "author" => issue.author.eq_ignore_ascii_case(&login(value)),
        "no" => match value {
            "assignee" => issue.assignees.is_empty(),
            "label" => issue.labels.is_empty(),
            _ => false,
        },
        "created" => Span::parse(value).contains(issue.created_at),
        "updated" => Span::parse(value).contains(issue.updated_at),
        _ => true,
    }
}

/// The free-text score of `issue`: `None` if a term is missing from the
/// fields `in:` names (title, body and comments by default) or an
/// excluded one is present; otherwise higher for title matches.
fn relevance(query: &Query, issue: &Issue, store: &Store) -> Option<f64> {
    let fields: Vec<&str> = query.all("in").flat_map(|qualifier| qualifier.value.split(',')).collect();
    let within = |field: &str| fields.is_empty() || fields.iter().any(|wanted| wanted.eq_ignore_ascii_case(field));
    let title = issue.title.to_lowercase();
    let body = issue.body.as_deref().unwrap_or_default().to_lowercase();
    let comments: Vec<String> =
        store.comments_of(issue.repo, issue.number).iter().map(|comment| comment.body.to_lowercase()).collect();
    let places = |term: &str| {
        (
            within("title") && title.contains(term),
            within("body") && body.contains(term),
            within("comments") && comments.iter().any(|comment| comment.contains(term)),
        )
    };
    let mut score = 1.0;
    for term in &query.terms {
        match places(term) {
            (false, false, false) => return None,
            (in_title, in_body, _) => score += if in_title { 2.0 } else { 0.0 } + if in_body { 1.0 } else { 0.5 },
        }
    }
    let excluded = query.excluded.iter().any(|term| places(term) != (false, false, false));
    (!excluded).then_some(score)
}

/// `GET /search/users?q=…`: users whose login, name or public e-mail
/// contains every term (`in:login`, `in:name`, `in:email` narrow it).
pub async fn users(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let query = Query::parse(query_text(&params)?, USER_QUALIFIERS);
    let fields: Vec<&str> = query.all("in").flat_map(|qualifier| qualifier.value.split(',')).collect();
    let within = |field: &str| fields.is_empty() || fields.iter().any(|wanted| wanted.eq_ignore_ascii_case(field));
    let store = lock(&account.store);
    let organisations_only = query.all("type").any(|qualifier| qualifier.value.eq_ignore_ascii_case("org"));
    let render = Render::new(&ctx.origin, &store);
    let scored = store
        .users
        .iter()
        .filter(|_| !organisations_only)
        .filter(|user| {
            let texts = [
                within("login").then(|| user.login.to_lowercase()),
                within("name").then(|| user.name.to_lowercase()),
                within("email").then(|| user.email.clone().unwrap_or_default().to_lowercase()),
            ];
            query.terms.iter().all(|term| texts.iter().flatten().any(|text| text.contains(term.as_str())))
        })
        .map(|user| {
            let mut item = render.user(&user.login);
            item["score"] = json!(1.0);
            item
        })
        .collect();
    Ok(respond(&params, &ctx, &uri, scored))
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use reqwest::StatusCode;
    use serde_json::Value;

    fn numbers(body: &Value) -> Vec<(String, u64)> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| {
                let repo = item["repository_url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
                (repo, item["number"].as_u64().unwrap())
            })
            .collect()
    }

    fn search(q: &str) -> String {
        format!("/search/issues?q={}", url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>())
    }

    fn ops(numbers: &[u64]) -> Vec<(String, u64)> {
        numbers.iter().map(|number| ("ops-portal".to_owned(), *number)).collect()
    }

    #[tokio::test]
    async fn qualifiers_narrow_the_results() {
        let gh = Harness::start().await;
        let vpn = gh.get(&search(r#"repo:acme/ops-portal is:issue is:open label:"priority: high" vpn"#)).await;
        assert_eq!(vpn.status, StatusCode::OK);
        assert_eq!(
            (vpn.body["total_count"].as_u64(), vpn.body["incomplete_results"].as_bool()),
            (Some(1), Some(false))
        );
        assert_eq!(vpn.body["items"][0]["title"], "VPN drops every 20 minutes from home");
        assert!(vpn.body["items"][0]["score"].as_f64().unwrap() > 0.0);

        let by_created = |q: &str| search(q) + "&sort=created&order=asc";
        assert_eq!(numbers(&gh.get(&by_created("repo:acme/ops-portal is:pr")).await.body), ops(&[7, 5, 12]));
        assert_eq!(numbers(&gh.get(&by_created("repo:acme/ops-portal is:pr is:merged")).await.body), ops(&[7]));
        assert_eq!(
            numbers(&gh.get(&by_created("repo:acme/ops-portal state:closed is:issue")).await.body),
            ops(&[6, 1, 9])
        );
        assert_eq!(
            numbers(&gh.get(&by_created("repo:acme/ops-portal assignee:tomas-okafor -label:network")).await.body),
            ops(&[9, 4])
        );
        assert_eq!(numbers(&gh.get(&by_created("repo:acme/ops-portal author:@me is:issue")).await.body), ops(&[9, 8]));
        assert_eq!(
            numbers(&gh.get(&by_created("org:acme no:assignee is:issue is:open")).await.body),
            vec![("ops-portal".to_owned(), 2), ("infra".to_owned(), 3), ("ops-portal".to_owned(), 10)]
        );
        assert_eq!(
            numbers(&gh.get(&by_created("label:\"priority: high\",terraform is:open")).await.body),
            vec![("ops-portal".to_owned(), 3), ("infra".to_owned(), 1)]
        );
        assert_eq!(numbers(&gh.get(&by_created("vpn in:title repo:acme/ops-portal")).await.body), ops(&[3, 5, 11]));
        assert_eq!(
            numbers(&gh.get(&by_created("\"idle timeout\" repo:acme/ops-portal")).await.body),
            ops(&[3]),
            "found in a comment"
        );
        let updated = gh.get(&(search("repo:acme/ops-portal is:open") + "&sort=updated&order=desc")).await.body;
        let stamps: Vec<&str> =
            updated["items"].as_array().unwrap().iter().map(|item| item["updated_at"].as_str().unwrap()).collect();
        assert!(stamps.windows(2).all(|pair| pair[0] >= pair[1]), "{stamps:?}");
    }

    #[tokio::test]
    async fn validation_visibility_and_paging() {
        let gh = Harness::start().await;
        let hidden = gh.call("GET", &search("repo:acme/ops-portal vpn"), None, None).await;
        assert_eq!(hidden.status, StatusCode::UNPROCESSABLE_ENTITY, "anonymous callers cannot search a private repo");
        assert_eq!(hidden.body["message"], "Validation Failed");
        assert_eq!(hidden.body["errors"][0]["code"], "invalid");
        assert_eq!(
            gh.call("GET", &search("vpn"), None, None).await.body["total_count"],
            1,
            "only acme/infra is public"
        );
        assert_eq!(gh.get(&search("repo:acme/nothing")).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let long = gh.get(&search(&"vpn ".repeat(70))).await;
        assert_eq!(long.body["errors"][0]["message"], "The search is longer than 256 characters.");
        assert_eq!(gh.get("/search/issues").await.body["errors"][0]["code"], "missing");
        assert_eq!(gh.get(&(search("vpn") + "&per_page=100&page=11")).await.status, StatusCode::UNPROCESSABLE_ENTITY);

        let page = gh.get(&(search("org:acme") + "&per_page=4&page=2")).await;
        assert_eq!((page.body["total_count"].as_u64(), page.body["items"].as_array().unwrap().len()), (Some(15), 4));
        let link = page.header("link");
        assert!(link.contains("&per_page=4&page=3>; rel=\"next\"") && link.contains("page=4>; rel=\"last\""), "{link}");
        assert!(link.contains("q=org%3Aacme"), "{link}");
    }

    #[tokio::test]
    async fn users_are_found_by_public_email() {
        let gh = Harness::start().await;
        let found = gh.get("/search/users?q=tomas.okafor%40example.com+in%3Aemail").await.body;
        assert_eq!(found["total_count"], 1);
        assert_eq!(found["items"][0]["login"], "tomas-okafor");
        assert_eq!(gh.get("/search/users?q=nobody%40example.com").await.body["total_count"], 0);
    }
}
