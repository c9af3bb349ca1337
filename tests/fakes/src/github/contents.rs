//! `GET /repos/{owner}/{repo}/contents/{path}?ref=`: a file as a
//! `content-file` object (base64), or its bytes when the client asks for
//! `application/vnd.github.raw+json`; a directory as an array of entries
//! (by name); 404 for a path that does not exist, 404 "No commit found for the ref …"
//! for an unknown `ref`. `ref` takes a branch or the tip commit of one
//! (a pull request's `head.sha`, a run's `head_sha`).

use super::api::Ctx;
use super::error::ApiError;
use super::model::{Repo, sha};
use super::paging::Params;
use super::render::Render;
use super::{Account, lock};
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

/// `GET /repos/{owner}/{repo}/contents`: the root directory.
pub async fn root(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    read(&account, &ctx, &owner, &name, "", raw.as_deref(), &headers)
}

/// `GET /repos/{owner}/{repo}/contents/{path}`.
pub async fn path(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, path)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    read(&account, &ctx, &owner, &name, &path, raw.as_deref(), &headers)
}

/// The branch `reference` names: a branch, or the tip commit of one.
fn branch(repo: &Repo, reference: &str) -> Option<String> {
    if repo.has_branch(reference) {
        return Some(reference.to_owned());
    }
    let branches: BTreeSet<&str> = std::iter::once(repo.default_branch.as_str())
        .chain(repo.files.iter().map(|file| file.branch.as_str()))
        .collect();
    branches.into_iter().find(|branch| sha(&format!("{} {branch}", repo.full_name())) == reference).map(str::to_owned)
}

fn read(
    account: &Account,
    ctx: &Ctx,
    owner: &str,
    name: &str,
    path: &str,
    raw: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw);
    let store = lock(&account.store);
    let repo = ctx.repo(&store, owner, name)?;
    let reference = params.get("ref").unwrap_or(&repo.default_branch).to_owned();
    let branch = branch(repo, &reference).ok_or_else(|| ApiError::NoCommit(reference.clone()))?;
    let tree = repo.tree(&branch);
    let render = Render::new(&ctx.origin, &store);
    if let Some(content) = tree.get(path) {
        let wants_raw = headers
            .get(header::ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains("application/vnd.github.raw"));
        if wants_raw {
            let mut response = (*content).to_owned().into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/vnd.github.raw"));
            return Ok(response);
        }
        return Ok(axum::Json(render.content(repo, &reference, path, Some(content))).into_response());
    }
    let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
    let mut entries: Vec<(String, Option<&str>)> = Vec::new();
    for (file, content) in
        tree.iter().filter_map(|(file, content)| file.strip_prefix(&prefix).map(|rest| (rest, content)))
    {
        let entry = match file.split_once('/') {
            Some((directory, _)) => (format!("{prefix}{directory}"), None),
            None => (format!("{prefix}{file}"), Some(*content)),
        };
        if !entries.iter().any(|(seen, _)| *seen == entry.0) {
            entries.push(entry);
        }
    }
    if entries.is_empty() || path.ends_with('/') {
        return Err(ApiError::NotFound);
    }
    entries.sort_by(|(a, _), (b, _)| a.cmp(b));
    let listing: Vec<Value> =
        entries.iter().map(|(entry, content)| render.content(repo, &reference, entry, *content)).collect();
    Ok(axum::Json(listing).into_response())
}

#[cfg(test)]
mod tests {
    use super::super::TOKEN;
    use super::super::testing::Harness;
    use base64::Engine;
    use reqwest::{Method, StatusCode};

    #[tokio::test]
    async fn files_directories_refs_and_raw() {
        let gh = Harness::start().await;
        let file = gh.get("/repos/acme/ops-portal/contents/config/vpn.yaml").await.body;
        assert_eq!((file["type"].as_str(), file["encoding"].as_str()), (Some("file"), Some("base64")));
        let encoded: String = file["content"].as_str().unwrap().split('\n').collect();
        let text = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
        assert_eq!(String::from_utf8(text).unwrap(), "gateway: vpn.acme.example\nidle_timeout_minutes: 20\n");
        assert_eq!(file["size"], 51);

        let branch = gh.get("/repos/acme/ops-portal/contents/config/vpn.yaml?ref=fix/vpn-keepalive").await.body;
        assert_ne!(branch["sha"], file["sha"]);
        assert_eq!(gh.get("/repos/acme/ops-portal/contents/docs/runbooks/vpn.md").await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            gh.get("/repos/acme/ops-portal/contents/docs/runbooks/vpn.md?ref=fix/vpn-keepalive").await.status,
            StatusCode::OK
        );
        let head = gh.get("/repos/acme/ops-portal/pulls/5").await.body["head"]["sha"].as_str().unwrap().to_owned();
        assert_eq!(
            gh.get(&format!("/repos/acme/ops-portal/contents/docs/runbooks/vpn.md?ref={head}")).await.status,
            StatusCode::OK
        );
        let unknown = gh.get("/repos/acme/ops-portal/contents/README.md?ref=nope").await;
        assert_eq!(
            (unknown.status, unknown.body["message"].as_str()),
            (StatusCode::NOT_FOUND, Some("No commit found for the ref nope"))
        );

        let root = gh.get("/repos/acme/ops-portal/contents").await.body;
        let names: Vec<(&str, &str)> = root
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| (entry["name"].as_str().unwrap(), entry["type"].as_str().unwrap()))
            .collect();
        assert_eq!(
            names,
            vec![
                (".github", "dir"),
                ("README.md", "file"),
                ("config", "dir"),
                ("docs", "dir"),
                ("package.json", "file"),
                ("src", "dir")
            ]
        );
        let workflows = gh.get("/repos/acme/ops-portal/contents/.github/workflows").await.body;
        assert_eq!(workflows[0]["path"], ".github/workflows/ci.yml");
        assert_eq!(gh.get("/repos/acme/ops-portal/contents/nothing.md").await.status, StatusCode::NOT_FOUND);

        let raw = gh
            .request(Method::GET, "/repos/acme/infra/contents/ansible/site.yml")
            .header("user-agent", "t")
            .header("accept", "application/vnd.github.raw+json")
            .bearer_auth(TOKEN);
        assert_eq!(Harness::answer(raw).await.text, "- hosts: all\n  roles: [base]\n");
    }
}
