//! The tools, each family in its own module, and how they are announced.

pub mod contents;
pub mod issues;
pub mod pulls;
pub mod runs;

use berth_sdk::Tool;

/// Every tool the plugin offers.
pub fn all() -> Vec<Tool> {
    vec![
        Tool::new(
            "search_issues",
            "Searches GitHub issues and pull requests with GitHub's search syntax (for example `vpn is:issue \
             is:open label:bug`, `is:pr author:@me`). Without `repo:`, `org:` or `user:` it searches `repo` or \
             the tenant's default repository. Returns one page (key, title, state, labels, people, dates, link) \
             with `total_count` and a `next_cursor` for the next page.",
            issues::search_issues,
        )
        .title("Search GitHub issues")
        .read_only(),
        Tool::new(
            "get_issue",
            "Reads one GitHub issue (or pull request) by repository and number: its description and its newest \
             comments, oldest first.",
            issues::get_issue,
        )
        .title("Get GitHub issue")
        .read_only(),
        Tool::new(
            "create_issue",
            "Opens a GitHub issue in a repository (the tenant's default one when none is given) with title, \
             description (Markdown), labels and assignees (logins or public e-mail addresses).",
            issues::create_issue,
        )
        .title("Create GitHub issue")
        .additive(),
        Tool::new(
            "add_comment",
            "Comments on a GitHub issue or pull request. GitHub has no internal notes: everyone who can see the \
             issue reads the comment.",
            issues::add_comment,
        )
        .title("Comment on GitHub issue")
        .additive(),
        Tool::new(
            "close_issue",
            "Closes a GitHub issue as `completed` (default), `not_planned` or `duplicate`, optionally with a \
             comment posted first.",
            issues::close_issue,
        )
        .title("Close GitHub issue")
        .destructive()
        .idempotent(),
        Tool::new(
            "list_pull_requests",
            "Lists a repository's pull requests (open by default), optionally by base or head branch, one page \
             at a time.",
            pulls::list_pull_requests,
        )
        .title("List pull requests")
        .read_only(),
        Tool::new(
            "get_pull_request",
            "Reads one pull request: branches, draft and merge state, mergeability, reviewers, size and \
             description.",
            pulls::get_pull_request,
        )
        .title("Get pull request")
        .read_only(),
        Tool::new(
            "list_pull_request_files",
            "Lists the files a pull request changes, with lines added and removed and each file's diff (cut to \
             4,000 characters).",
            pulls::list_pull_request_files,
        )
        .title("List pull request files")
        .read_only(),
        Tool::new(
            "list_pull_request_reviews",
            "Lists a pull request's reviews in the order they were submitted: who, approved or changes \
             requested, and what they wrote.",
            pulls::list_pull_request_reviews,
        )
        .title("List pull request reviews")
        .read_only(),
        Tool::new(
            "list_workflow_runs",
            "Lists a repository's GitHub Actions workflow runs, newest first, optionally by status or \
             conclusion (`failure`), branch, event, actor or commit.",
            runs::list_workflow_runs,
        )
        .title("List workflow runs")
        .read_only(),
        Tool::new(
            "get_workflow_run",
            "Reads one GitHub Actions workflow run: status, conclusion, attempt, branch, commit and pull \
             requests.",
            runs::get_workflow_run,
        )
        .title("Get workflow run")
        .read_only(),
        Tool::new(
            "rerun_workflow_run",
            "Re-runs every job of a completed GitHub Actions workflow run as a new attempt (GitHub refuses a run \
             that is still going), and returns the run as it then is.",
            runs::rerun_workflow_run,
        )
        .title("Re-run workflow run")
        .additive(),
        Tool::new(
            "get_file_contents",
            "Reads a file from a repository at a branch, tag or commit (default: the default branch) as text, \
             at most 64 KiB of it; a directory's path lists its entries instead.",
            contents::get_file_contents,
        )
        .title("Get file contents")
        .read_only(),
    ]
}
