//! The site's fixed configuration: its users, its two projects (OPS, a
//! software project; HELP, a service project with service desk `1`), their
//! issue types, the priority and resolution schemes, and the service desk's
//! request types and queues.

use super::model::{
    AccountType, IssueType, Priority, Project, ProjectKind, Queue, RequestType, Resolution, ServiceDesk, User,
};
use super::workflow::{SERVICE, SOFTWARE};

/// Mia Krystof, the IT service desk lead: the one user who signs in.
pub const MIA: &str = super::ACCOUNT_ID;
/// Tomás Okafor, site reliability engineer and service desk agent.
pub const TOMAS: &str = "712020:8c1f4e2a-6b3d-4f9e-a1c7-2d5e8b9f0a34";
/// Priya Raman, service desk agent.
pub const PRIYA: &str = "60b7e2d4c91a3f006a1d5e8b";
/// Jonas Lindqvist, platform engineer (hides his email address).
pub const JONAS: &str = "5e8a0c3b6f1d2a0c44b9d7e1";
/// Aroha Ngata, a customer in the finance team.
pub const AROHA: &str = "qm:4f2e9a1b-7c3d-4e5f-9a8b-1c2d3e4f5a6b:6a1b2c3d4e5f60718293a4b5";
/// Grace Holloway, a customer in sales.
pub const GRACE: &str = "qm:4f2e9a1b-7c3d-4e5f-9a8b-1c2d3e4f5a6b:7c8d9e0f1a2b3c4d5e6f7081";

/// Everyone on the site.
pub static USERS: [User; 6] = [
    User {
        account_id: MIA,
        display_name: "Mia Krystof",
        email: Some(super::EMAIL),
        time_zone: "Australia/Sydney",
        locale: "en_AU",
        account_type: AccountType::Atlassian,
        active: true,
        avatar: "MK-5",
    },
    User {
        account_id: TOMAS,
        display_name: "Tomás Okafor",
        email: Some("tomas.okafor@example.com"),
        time_zone: "Europe/Dublin",
        locale: "en_GB",
        account_type: AccountType::Atlassian,
        active: true,
        avatar: "TO-2",
    },
    User {
        account_id: PRIYA,
        display_name: "Priya Raman",
        email: Some("priya.raman@example.com"),
        time_zone: "Asia/Kolkata",
        locale: "en_US",
        account_type: AccountType::Atlassian,
        active: true,
        avatar: "PR-3",
    },
    User {
        account_id: JONAS,
        display_name: "Jonas Lindqvist",
        email: None,
        time_zone: "Europe/Stockholm",
        locale: "sv_SE",
        account_type: AccountType::Atlassian,
        active: true,
        avatar: "JL-1",
    },
    User {
        account_id: AROHA,
        display_name: "Aroha Ngata",
        email: Some("aroha.ngata@example.com"),
        time_zone: "Pacific/Auckland",
        locale: "en_US",
        account_type: AccountType::Customer,
        active: true,
        avatar: "AN-4",
    },
    User {
        account_id: GRACE,
        display_name: "Grace Holloway",
        email: Some("grace.holloway@example.org"),
        time_zone: "America/Toronto",
        locale: "en_US",
        account_type: AccountType::Customer,
        active: true,
        avatar: "GH-0",
    },
];

/// The user with `account_id`.
pub fn user(account_id: &str) -> Option<&'static User> {
    USERS.iter().find(|user| user.account_id == account_id)
}

/// The user a JQL value or a `raiseOnBehalfOf` names: their account id or
/// email address (any case).
pub fn user_named(value: &str) -> Option<&'static User> {
    user(value).or_else(|| USERS.iter().find(|user| user.email.is_some_and(|email| email.eq_ignore_ascii_case(value))))
}

/// The priority scheme, most urgent first.
pub static PRIORITIES: [Priority; 5] = [
    Priority {
        id: "1",
        name: "Highest",
        description: "This problem will block progress.",
        color: "#d04437",
        icon: "highest.svg",
    },
    Priority {
        id: "2",
        name: "High",
        description: "Serious problem that could block progress.",
        color: "#f15C75",
        icon: "high.svg",
    },
    Priority {
        id: "3",
        name: "Medium",
        description: "Has the potential to affect progress.",
        color: "#f79232",
        icon: "medium.svg",
    },
    Priority {
        id: "4",
        name: "Low",
        description: "Minor problem or easily worked around.",
        color: "#707070",
        icon: "low.svg",
    },
    Priority {
        id: "5",
        name: "Lowest",
        description: "Trivial problem with little or no impact on progress.",
        color: "#999999",
        icon: "lowest.svg",
    },
];

/// The priority new issues get when none is given.
pub const DEFAULT_PRIORITY: &str = "3";

/// The priority `value` names (id or name, any case).
pub fn priority(value: &str) -> Option<&'static Priority> {
    PRIORITIES.iter().find(|priority| priority.id == value || priority.name.eq_ignore_ascii_case(value))
}

/// The resolution scheme.
pub static RESOLUTIONS: [Resolution; 5] = [
    Resolution { id: "10000", name: "Done", description: "Work has been completed on this issue." },
    Resolution { id: "10001", name: "Won't Do", description: "This issue won't be actioned." },
    Resolution { id: "10002", name: "Duplicate", description: "The problem is a duplicate of an existing issue." },
    Resolution { id: "10003", name: "Cannot Reproduce", description: "This issue couldn't be reproduced." },
    Resolution { id: "10004", name: "Declined", description: "This request was declined." },
];

/// The resolution `value` names (id or name, any case).
pub fn resolution(value: &str) -> Option<&'static Resolution> {
    RESOLUTIONS.iter().find(|resolution| resolution.id == value || resolution.name.eq_ignore_ascii_case(value))
}

static SOFTWARE_TYPES: [IssueType; 3] = [
    IssueType { id: "10001", name: "Task", description: "A small, distinct piece of work.", avatar_id: 10318 },
    IssueType { id: "10002", name: "Bug", description: "A problem or error.", avatar_id: 10303 },
    IssueType {
        id: "10003",
        name: "Story",
        description: "Functionality or a feature expressed as a user goal.",
        avatar_id: 10315,
    },
];

/// The issue type of "Get IT help" and "Request new hardware".
const SERVICE_REQUEST: &str = "10010";
/// The issue type of "Report a system problem".
const INCIDENT: &str = "10011";

static SERVICE_TYPES: [IssueType; 2] = [
    IssueType {
        id: SERVICE_REQUEST,
        name: "[System] Service request",
        description: "Created by Jira Service Management.",
        avatar_id: 10553,
    },
    IssueType {
        id: INCIDENT,
        name: "[System] Incident",
        description: "For system outages or incidents. Created by Jira Service Management.",
        avatar_id: 10551,
    },
];

/// The columns the queues show.
const QUEUE_FIELDS: &[&str] =
    &["issuetype", "issuekey", "summary", "reporter", "assignee", "status", "priority", "created"];

/// The IT help desk's service desk.
pub static HELP_DESK: ServiceDesk = ServiceDesk {
    id: "1",
    portal_id: "1",
    request_types: &[
        RequestType {
            id: "10",
            name: "Get IT help",
            help_text: "Get assistance for general IT problems and questions.",
            issue_type: SERVICE_REQUEST,
            group_ids: &["1"],
            icon_id: "10527",
            summary_label: "What do you need help with?",
            description_label: "Tell us more",
        },
        RequestType {
            id: "11",
            name: "Request new hardware",
            help_text: "Laptops, monitors, docks, phones and other equipment.",
            issue_type: SERVICE_REQUEST,
            group_ids: &["2"],
            icon_id: "10533",
            summary_label: "What hardware do you need?",
            description_label: "Who is it for, and why?",
        },
        RequestType {
            id: "12",
            name: "Report a system problem",
            help_text: "Let us know if something isn't working properly and we'll aim to get it fixed.",
            issue_type: INCIDENT,
            group_ids: &["1", "3"],
            icon_id: "10545",
            summary_label: "Summarize the problem",
            description_label: "What happened, and since when?",
        },
    ],
    queues: &[
        Queue {
            id: "1",
            name: "All open",
            jql: "project = HELP AND resolution = Unresolved ORDER BY priority DESC, created ASC",
            fields: QUEUE_FIELDS,
        },
        Queue {
            id: "2",
            name: "Assigned to me",
            jql: "project = HELP AND assignee = currentUser() AND resolution = Unresolved ORDER BY priority DESC, created ASC",
            fields: QUEUE_FIELDS,
        },
        Queue {
            id: "3",
            name: "Unassigned",
            jql: "project = HELP AND assignee IS EMPTY AND resolution = Unresolved ORDER BY created ASC",
            fields: QUEUE_FIELDS,
        },
        Queue {
            id: "4",
            name: "Waiting for customer",
            jql: "project = HELP AND status = \"Waiting for customer\" ORDER BY updated DESC",
            fields: QUEUE_FIELDS,
        },
    ],
};

/// The site's projects.
pub static PROJECTS: [Project; 2] = [
    Project {
        id: "10000",
        key: "OPS",
        name: "Platform Operations",
        description: "Infrastructure, networking and reliability work for the platform team.",
        kind: ProjectKind::Software,
        lead: JONAS,
        workflow: &SOFTWARE,
        issue_types: &SOFTWARE_TYPES,
        assignable: &[MIA, TOMAS, JONAS],
        service_desk: None,
        avatar_id: 10415,
    },
    Project {
        id: "10001",
        key: "HELP",
        name: "IT Help Desk",
        description: "Requests and incidents raised by staff through the IT help portal.",
        kind: ProjectKind::ServiceDesk,
        lead: MIA,
        workflow: &SERVICE,
        issue_types: &SERVICE_TYPES,
        assignable: &[MIA, TOMAS, PRIYA],
        service_desk: Some(&HELP_DESK),
        avatar_id: 10424,
    },
];

/// The project `value` names (key in any case, id, or name).
pub fn project(value: &str) -> Option<&'static Project> {
    PROJECTS.iter().find(|project| {
        project.key.eq_ignore_ascii_case(value) || project.id == value || project.name.eq_ignore_ascii_case(value)
    })
}

/// The service desk `value` names: its id, or its project's id or key.
pub fn service_desk(value: &str) -> Option<(&'static Project, &'static ServiceDesk)> {
    PROJECTS.iter().find_map(|project| {
        let desk = project.service_desk?;
        (desk.id == value || project.id == value || project.key.eq_ignore_ascii_case(value)).then_some((project, desk))
    })
}
