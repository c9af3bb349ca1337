//! GitHub Actions workflow runs: list (newest first, wrapped as
//! `{total_count, workflow_runs}`), read, and re-run. A re-run puts the
//! run back to `queued` with the next `run_attempt` and sends a
//! `workflow_run` `requested` webhook; a run that has not completed
//! cannot be re-run (403).

use super::api::{Ctx, Page, number};
use super::clock::now;
use super::error::ApiError;
use super::events::Payloads;
use super::issues::announce;
use super::model::Run;
use super::paging::Params;
use super::render::Render;
use super::{Account, lock};
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// The values of `status` that name a conclusion rather than a status.
const CONCLUSIONS: &[&str] = &[
    "success",
    "failure",
    "neutral",
    "cancelled",
    "skipped",
    "timed_out",
    "action_required",
    "stale",
    "startup_failure",
];

/// `GET /repos/{owner}/{repo}/actions/runs?status=&branch=&event=&actor=&head_sha=`.
pub async fn list(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = Params::parse(raw.as_deref());
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?;
    let equals = |name: &str, value: &str| params.get(name).is_none_or(|wanted| wanted.eq_ignore_ascii_case(value));
    let mut found: Vec<&Run> = store
        .runs
        .iter()
        .filter(|run| run.repo == repo.id)
        .filter(|run| match params.get("status") {
            None => true,
            Some(conclusion) if CONCLUSIONS.contains(&conclusion) => run.conclusion.as_deref() == Some(conclusion),
            Some(status) => run.status == status,
        })
        .filter(|run| equals("branch", &run.head_branch) && equals("event", &run.event))
        .filter(|run| equals("actor", &run.actor) && equals("head_sha", &run.head_sha))
        .collect();
    found.sort_by_key(|run| std::cmp::Reverse((run.created_at, run.id)));
    let render = Render::new(&ctx.origin, &store);
    let records = found.into_iter().map(|run| render.run(run)).collect();
    Ok(Page { params: &params, origin: &ctx.origin, path: uri.path() }
        .respond(records, |runs, total| json!({"total_count": total, "workflow_runs": runs})))
}

/// `GET /repos/{owner}/{repo}/actions/runs/{id}`.
pub async fn show(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?.id;
    let id = number(&id)?;
    let run = store.runs.iter().find(|run| run.repo == repo && run.id == id).ok_or(ApiError::NotFound)?;
    Ok(axum::Json(Render::new(&ctx.origin, &store).run(run)).into_response())
}

/// `POST /repos/{owner}/{repo}/actions/runs/{id}/rerun`: 201 `{}`.
pub async fn rerun(
    State(account): State<Arc<Account>>,
    Extension(ctx): Extension<Ctx>,
    Path((owner, name, id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let mut store = lock(&account.store);
    let repo = ctx.repo(&store, &owner, &name)?.id;
    let login = ctx.require_login()?.to_owned();
    let run = store.run_mut(repo, number(&id)?).ok_or(ApiError::NotFound)?;
    if run.status != "completed" {
        return Err(ApiError::AlreadyRunning);
    }
    let at = now();
    run.status = "queued".to_owned();
    run.conclusion = None;
    run.run_attempt += 1;
    run.actor.clone_from(&login);
    run.run_started_at = at;
    run.updated_at = at;
    let run = run.clone();
    let render = Render::new(&ctx.origin, &store);
    let event = Payloads { render: &render, origin: &ctx.origin, sender: &login }.rerun(&run);
    drop(store);
    announce(&account, vec![event]);
    Ok((StatusCode::CREATED, axum::Json(json!({}))).into_response())
}

#[cfg(test)]
mod tests {
    use super::super::testing::Harness;
    use reqwest::StatusCode;
    use serde_json::{Value, json};

    fn ids(body: &Value) -> Vec<u64> {
        body["workflow_runs"].as_array().unwrap().iter().map(|run| run["id"].as_u64().unwrap()).collect()
    }

    #[tokio::test]
    async fn runs_filter_and_rerun_only_when_completed() {
        let gh = Harness::start().await;
        let all = gh.get("/repos/acme/ops-portal/actions/runs").await.body;
        assert_eq!(all["total_count"], 4);
        assert_eq!(ids(&all), vec![9_100_000_043, 9_100_000_042, 9_100_000_017, 9_100_000_041]);
        let failed = gh.get("/repos/acme/ops-portal/actions/runs?status=failure").await.body;
        assert_eq!(ids(&failed), vec![9_100_000_042]);
        assert_eq!(failed["workflow_runs"][0]["pull_requests"][0]["number"], 5);
        assert_eq!(
            ids(&gh.get("/repos/acme/ops-portal/actions/runs?status=completed&branch=main&event=push").await.body),
            vec![9_100_000_017, 9_100_000_041]
        );
        let paged = gh.get("/repos/acme/ops-portal/actions/runs?per_page=1").await;
        assert_eq!((paged.body["total_count"].as_u64(), ids(&paged.body).len()), (Some(4), 1));
        assert!(paged.header("link").contains("page=4>; rel=\"last\""));

        let running = gh
            .call("POST", "/repos/acme/ops-portal/actions/runs/9100000043/rerun", Some(super::super::TOKEN), None)
            .await;
        assert_eq!(
            (running.status, running.body["message"].as_str()),
            (StatusCode::FORBIDDEN, Some("This workflow is already running"))
        );
        let rerun = gh
            .call("POST", "/repos/acme/ops-portal/actions/runs/9100000042/rerun", Some(super::super::TOKEN), None)
            .await;
        assert_eq!((rerun.status, &rerun.body), (StatusCode::CREATED, &json!({})));
        let run = gh.get("/repos/acme/ops-portal/actions/runs/9100000042").await.body;
        assert_eq!(
            (run["status"].as_str(), &run["conclusion"], run["run_attempt"].as_u64()),
            (Some("queued"), &Value::Null, Some(2))
        );
        assert!(run["previous_attempt_url"].as_str().unwrap().ends_with("/attempts/1"));
        assert_eq!(gh.get("/repos/acme/ops-portal/actions/runs/1").await.status, StatusCode::NOT_FOUND);
    }
}
