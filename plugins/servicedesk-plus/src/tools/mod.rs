//! The tools, each family in its own module, and how they are announced.

pub mod create;
pub mod get;
pub mod list;
mod notes;
mod technicians;
pub mod update;

use berth_sdk::Tool;

/// Every tool the plugin offers.
pub fn all() -> Vec<Tool> {
    vec![
        Tool::new(
            "list_requests",
            "Lists ServiceDesk Plus requests, most recently updated first, filtered by words in the subject or \
             description, status names (Open, In Progress, On Hold, Resolved, Closed), priority names, \
             technician or requester (e-mail address or user id) and last update. Returns one page (id, \
             subject, status, priority, people, group, dates, link) and a `next_cursor` for the next page.",
            list::list_requests,
        )
        .title("List ServiceDesk Plus requests")
        .read_only(),
        Tool::new(
            "get_request",
            "Reads one ServiceDesk Plus request by id: its fields, description as plain text, and its notes \
             (oldest first), private ones marked `public: false`.",
            get::get_request,
        )
        .title("Get ServiceDesk Plus request")
        .read_only(),
        Tool::new(
            "create_request",
            "Raises a ServiceDesk Plus request with subject and description (plain text), and optionally \
             requester, technician (e-mail address or user id), priority, group, category, subcategory and \
             status by name. Says which fields the portal makes mandatory when some are missing. Returns the \
             request as stored, with its id.",
            create::create_request,
        )
        .title("Create ServiceDesk Plus request")
        .additive(),
        Tool::new(
            "update_request",
            "Changes a ServiceDesk Plus request's status, priority, group or technician (by name, e-mail \
             address or user id), with an optional update reason. Closed requests take no changes.",
            update::update_request,
        )
        .title("Update ServiceDesk Plus request")
        .destructive()
        .idempotent(),
        Tool::new(
            "assign_request",
            "Assigns a ServiceDesk Plus request to a technician (e-mail address or user id), optionally with \
             their group; `technician: null` unassigns it.",
            update::assign_request,
        )
        .title("Assign ServiceDesk Plus request")
        .destructive()
        .idempotent(),
        Tool::new(
            "close_request",
            "Closes a ServiceDesk Plus request, with closure comments and a closure code (such as Success or \
             Canceled).",
            update::close_request,
        )
        .title("Close ServiceDesk Plus request")
        .destructive(),
        Tool::new(
            "add_note",
            "Adds a note to a ServiceDesk Plus request: private to technicians by default, or with \
             `show_to_requester: true` one the requester sees.",
            notes::add_note,
        )
        .title("Add ServiceDesk Plus note")
        .additive(),
        Tool::new(
            "list_technicians",
            "Lists the ServiceDesk Plus portal's technicians (id, name, e-mail address), optionally those whose \
             name or address contains some text, one page at a time.",
            technicians::list_technicians,
        )
        .title("List ServiceDesk Plus technicians")
        .read_only(),
    ]
}
