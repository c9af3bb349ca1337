//! The tools, each family in its own module, and how they are announced.

pub mod assign;
pub mod comments;
pub mod create;
pub mod get;
mod search;
mod service_desk;
mod transitions;

use berth_sdk::Tool;

/// Every tool the plugin offers.
pub fn all() -> Vec<Tool> {
    vec![
        Tool::new(
            "search_issues",
            "Searches Jira issues with JQL (for example `project = OPS AND statusCategory != Done ORDER BY updated \
             DESC`, or `text ~ \"vpn\" AND assignee = currentUser()`). The query needs at least one restriction. \
             Returns one page of issues (key, summary, status, priority, people, labels, dates, link) and a \
             `next_page_token` for the next page. `fields` adds further fields by id.",
            search::search_issues,
        )
        .title("Search Jira issues")
        .read_only(),
        Tool::new(
            "get_issue",
            "Reads one Jira issue by key (OPS-12): its fields, description as plain text, and its newest comments \
             (oldest first), internal notes marked `public: false`.",
            get::get_issue,
        )
        .title("Get Jira issue")
        .read_only(),
        Tool::new(
            "create_issue",
            "Creates a Jira issue in a project (the tenant's default project when none is given), with summary, \
             description (plain text), issue type (the project's Task or first type by default), priority, \
             labels and assignee (e-mail or account id). Returns the issue as stored, with its key.",
            create::create_issue,
        )
        .title("Create Jira issue")
        .additive(),
        Tool::new(
            "add_comment",
            "Adds a comment to a Jira issue: public, or with `internal: true` an internal note that Service \
             Management customers do not see.",
            comments::add_comment,
        )
        .title("Comment on Jira issue")
        .additive(),
        Tool::new(
            "list_transitions",
            "Lists where a Jira issue's workflow lets it go from its status now: each transition's id, name, \
             target status and category, and whether its screen takes a resolution.",
            transitions::list_transitions,
        )
        .title("List Jira transitions")
        .read_only(),
        Tool::new(
            "transition_issue",
            "Moves a Jira issue along its workflow: by transition id, transition name or target status name, \
             optionally with a resolution and a comment (public or internal). Says which transitions there are \
             when none matches.",
            transitions::transition_issue,
        )
        .title("Transition Jira issue")
        .destructive(),
        Tool::new(
            "assign_issue",
            "Assigns a Jira issue to someone, by e-mail address or Atlassian account id; `assignee: null` \
             unassigns it.",
            assign::assign_issue,
        )
        .title("Assign Jira issue")
        .destructive()
        .idempotent(),
        Tool::new(
            "list_service_desks",
            "Lists the Jira Service Management service desks the credential's user sees, with their ids and \
             projects.",
            service_desk::list_service_desks,
        )
        .title("List service desks")
        .read_only(),
        Tool::new(
            "list_request_types",
            "Lists the kinds of request customers can raise on a Jira Service Management service desk, with the \
             ids `create_request` takes.",
            service_desk::list_request_types,
        )
        .title("List request types")
        .read_only(),
        Tool::new(
            "create_request",
            "Raises a Jira Service Management customer request of a request type, with summary and description, \
             optionally on behalf of a customer (e-mail or account id). Returns its key, status and portal link.",
            service_desk::create_request,
        )
        .title("Create customer request")
        .additive(),
        Tool::new(
            "list_queues",
            "Lists a Jira Service Management service desk's agent queues, with their JQL and how many issues \
             each holds.",
            service_desk::list_queues,
        )
        .title("List queues")
        .read_only(),
        Tool::new(
            "queue_issues",
            "Lists the issues in a Jira Service Management queue, in the queue's order, one page at a time \
             (`start`).",
            service_desk::queue_issues,
        )
        .title("List queue issues")
        .read_only(),
    ]
}
