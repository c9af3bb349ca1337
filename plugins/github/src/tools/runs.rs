//! The GitHub Actions tools: list workflow runs, read one, re-run one.

use crate::client::{GitHub, items, text};
use crate::issues::login;
use crate::repo::Repo;
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The page size when none is given.
const DEFAULT_LIMIT: u32 = 20;

/// Arguments of `list_workflow_runs`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// Only runs with this status (`queued`, `in_progress`, `completed`,
    /// `waiting`…) or conclusion (`success`, `failure`, `cancelled`,
    /// `timed_out`…).
    #[schemars(length(max = 40))]
    pub status: Option<String>,
    /// Only runs on this branch.
    #[schemars(length(max = 255))]
    pub branch: Option<String>,
    /// Only runs triggered by this event (`push`, `pull_request`,
    /// `schedule`…).
    #[schemars(length(max = 60))]
    pub event: Option<String>,
    /// Only runs started by this login.
    #[schemars(length(max = 39))]
    pub actor: Option<String>,
    /// Only runs of this commit.
    #[schemars(length(max = 64))]
    pub head_sha: Option<String>,
    /// Most runs per page (1 to 100, default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page of the same list.
    #[schemars(length(max = 2048))]
    pub cursor: Option<String>,
}

/// A workflow run.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunView {
    /// Its id (what `get_workflow_run` and `rerun_workflow_run` take).
    pub id: u64,
    /// The workflow's name.
    pub name: String,
    /// The run's title (the commit message or pull request title).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its number among the workflow's runs.
    pub run_number: u64,
    /// Which attempt this is (re-runs count up).
    pub attempt: u64,
    /// What triggered it: `push`, `pull_request`…
    pub event: String,
    /// `queued`, `in_progress`, `completed`, `waiting`, `requested` or
    /// `pending`.
    pub status: String,
    /// Once completed: `success`, `failure`, `cancelled`, `skipped`,
    /// `timed_out`, `action_required`, `neutral`, `stale` or
    /// `startup_failure`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conclusion: Option<String>,
    /// The branch it ran on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The commit it ran on.
    pub head_sha: String,
    /// The pull requests it ran for (numbers).
    pub pull_requests: Vec<u64>,
    /// Who triggered it (login).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Where a person opens it.
    pub url: String,
    /// When it was created.
    pub created: String,
    /// When it last changed.
    pub updated: String,
}

/// Reads a workflow run object.
pub fn view(run: &Value) -> RunView {
    let number = |key: &str| run.get(key).and_then(Value::as_u64).unwrap_or_default();
    RunView {
        id: number("id"),
        name: text(run, "/name").unwrap_or_default().to_owned(),
        title: text(run, "/display_title").map(str::to_owned),
        run_number: number("run_number"),
        attempt: number("run_attempt").max(1),
        event: text(run, "/event").unwrap_or_default().to_owned(),
        status: text(run, "/status").unwrap_or_default().to_owned(),
        conclusion: text(run, "/conclusion").map(str::to_owned),
        branch: text(run, "/head_branch").map(str::to_owned),
        head_sha: text(run, "/head_sha").unwrap_or_default().to_owned(),
        pull_requests: items(run, "/pull_requests")
            .filter_map(|pull| pull.get("number").and_then(Value::as_u64))
            .collect(),
        actor: login(run, "/actor/login"),
        url: text(run, "/html_url").unwrap_or_default().to_owned(),
        created: text(run, "/created_at").unwrap_or_default().to_owned(),
        updated: text(run, "/updated_at").unwrap_or_default().to_owned(),
    }
}

/// One page of workflow runs, newest first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunPage {
    /// How many runs match in all.
    pub total_count: u64,
    /// The runs.
    pub runs: Vec<RunView>,
    /// Pass it back as `cursor` for the next page; absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Runs `list_workflow_runs`.
pub fn list_workflow_runs(args: ListArgs) -> Result<Json<RunPage>, ToolError> {
    let github = GitHub::new()?;
    let repo = github.settings.repo(args.repo.as_deref())?;
    let mut params = vec![("per_page", args.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, 100).to_string())];
    for (name, value) in [
        ("status", &args.status),
        ("branch", &args.branch),
        ("event", &args.event),
        ("actor", &args.actor),
        ("head_sha", &args.head_sha),
    ] {
        if let Some(value) = value.as_deref().map(str::trim).filter(|value| !value.is_empty()) {
            params.push((name, value.to_owned()));
        }
    }
    let target = format!("the workflow runs of {}", repo.full());
    let page = github.list(&repo.path("/actions/runs"), &params, args.cursor.as_deref(), &target)?;
    Ok(Json(RunPage {
        total_count: page.body.get("total_count").and_then(Value::as_u64).unwrap_or_default(),
        runs: items(&page.body, "/workflow_runs").map(view).collect(),
        next_cursor: page.next,
    }))
}

/// Arguments naming one workflow run.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The run's id.
    #[schemars(range(min = 1))]
    pub run_id: u64,
}

/// Run `run_id` of `repo`: its path, and what to call it in messages.
fn run_path(repo: &Repo, run_id: u64, rest: &str) -> Result<(String, String), ToolError> {
    if run_id == 0 {
        return Err(ToolError::invalid("run ids start at 1"));
    }
    Ok((repo.path(&format!("/actions/runs/{run_id}{rest}")), format!("workflow run {run_id} of {}", repo.full())))
}

/// Workflow run `run_id` of `repo`.
pub fn read(github: &GitHub, repo: &Repo, run_id: u64) -> Result<RunView, ToolError> {
    let (path, target) = run_path(repo, run_id, "")?;
    Ok(view(&github.get(&path, &[], &target)?))
}

/// Runs `get_workflow_run`.
pub fn get_workflow_run(args: RunArgs) -> Result<Json<RunView>, ToolError> {
    let github = GitHub::new()?;
    let repo = github.settings.repo(args.repo.as_deref())?;
    Ok(Json(read(&github, &repo, args.run_id)?))
}

/// Arguments of `rerun_workflow_run`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RerunArgs {
    /// `owner/repo` (default: the configured default repository).
    #[schemars(length(max = 140))]
    pub repo: Option<String>,
    /// The run's id.
    #[schemars(range(min = 1))]
    pub run_id: u64,
    /// Run with debug logging.
    #[serde(default)]
    pub debug_logging: bool,
}

/// Runs `rerun_workflow_run`: asks for a new attempt of every job, then
/// reads the run back.
pub fn rerun_workflow_run(args: RerunArgs) -> Result<Json<RunView>, ToolError> {
    let github = GitHub::new()?;
    let repo = github.settings.repo(args.repo.as_deref())?;
    let (path, target) = run_path(&repo, args.run_id, "/rerun")?;
    github.post(&path, &json!({"enable_debug_logging": args.debug_logging}), &target)?;
    Ok(Json(read(&github, &repo, args.run_id)?))
}
