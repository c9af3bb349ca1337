//! Statuses, their categories, and the workflows that move issues between
//! them: one for the software project and one for the service project.
//!
//! Jira groups every status into one of three categories, which is what
//! JQL's `statusCategory` and Service Management's `currentStatus` report:
//! `new` ("To Do"), `indeterminate` ("In Progress") and `done` ("Done").
//! A transition has an id (what `POST …/transitions` names), a name, a
//! target status and the statuses it is available from. Reaching a `done`
//! status sets a resolution; leaving it clears the resolution again.

/// A status category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// "To Do".
    New,
    /// "In Progress".
    Indeterminate,
    /// "Done".
    Done,
}

impl Category {
    /// Every category, in board order.
    pub const ALL: [Category; 3] = [Category::New, Category::Indeterminate, Category::Done];

    /// The category's numeric id.
    pub fn id(self) -> u32 {
        match self {
            Self::New => 2,
            Self::Indeterminate => 4,
            Self::Done => 3,
        }
    }

    /// `new`, `indeterminate` or `done`.
    pub fn key(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Indeterminate => "indeterminate",
            Self::Done => "done",
        }
    }

    /// The category's display name.
    pub fn name(self) -> &'static str {
        match self {
            Self::New => "To Do",
            Self::Indeterminate => "In Progress",
            Self::Done => "Done",
        }
    }

    /// The colour boards paint it.
    pub fn color(self) -> &'static str {
        match self {
            Self::New => "blue-gray",
            Self::Indeterminate => "yellow",
            Self::Done => "green",
        }
    }

    /// How Service Management names it (`currentStatus.statusCategory`).
    pub fn service_desk_name(self) -> &'static str {
        match self {
            Self::New => "NEW",
            Self::Indeterminate => "INDETERMINATE",
            Self::Done => "DONE",
        }
    }

    /// The category a JQL value names: its name, key or id, in any case.
    pub fn named(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|category| {
            category.name().eq_ignore_ascii_case(value)
                || category.key().eq_ignore_ascii_case(value)
                || category.id().to_string() == value
        })
    }
}

/// A status an issue can be in.
#[derive(Debug)]
pub struct Status {
    /// Its id (unique across the site).
    pub id: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it means.
    pub description: &'static str,
    /// Its category.
    pub category: Category,
    /// The icon file under `/images/icons/statuses/`.
    pub icon: &'static str,
}

/// A move from some statuses to another.
#[derive(Debug)]
pub struct Transition {
    /// The id `POST …/transitions` names.
    pub id: &'static str,
    /// What the button says.
    pub name: &'static str,
    /// Where it leads.
    pub to: &'static Status,
    /// The statuses (ids) it is offered from.
    pub from: &'static [&'static str],
    /// The resolution it sets when it leads to a `done` status, unless the
    /// request names one.
    pub resolution: Option<&'static str>,
}

/// A workflow: its statuses, where issues start, and its transitions.
#[derive(Debug)]
pub struct Workflow {
    /// Its statuses.
    pub statuses: &'static [&'static Status],
    /// The status new issues get.
    pub initial: &'static Status,
    /// Its transitions.
    pub transitions: &'static [Transition],
}

impl Workflow {
    /// The status with `id`, if the workflow has it.
    pub fn status(&self, id: &str) -> Option<&'static Status> {
        self.statuses.iter().copied().find(|status| status.id == id)
    }

    /// The transitions offered from the status `from`.
    pub fn available(&self, from: &Status) -> impl Iterator<Item = &'static Transition> + use<> {
        let from = from.id;
        let transitions: &'static [Transition] = self.transitions;
        transitions.iter().filter(move |transition| transition.from.contains(&from))
    }
}

/// Every status on the site. Statuses are shared between workflows, as
/// Jira's are: "In Progress" is the same status in both projects.
pub static STATUSES: [&Status; 9] = [
    &TO_DO,
    &IN_PROGRESS,
    &IN_REVIEW,
    &DONE,
    &WAITING_FOR_SUPPORT,
    &WAITING_FOR_CUSTOMER,
    &RESOLVED,
    &CLOSED,
    &CANCELED,
];

/// The status `name` names (case-insensitive; status names are unique),
/// or the status with that id.
pub fn status_named(name: &str) -> Option<&'static Status> {
    STATUSES.iter().copied().find(|status| status.name.eq_ignore_ascii_case(name) || status.id == name)
}

static TO_DO: Status = Status {
    id: "10000",
    name: "To Do",
    description: "Work that has not been started.",
    category: Category::New,
    icon: "open.png",
};
static IN_PROGRESS: Status = Status {
    id: "3",
    name: "In Progress",
    description: "This issue is being actively worked on at the moment by the assignee.",
    category: Category::Indeterminate,
    icon: "inprogress.png",
};
static IN_REVIEW: Status = Status {
    id: "10001",
    name: "In Review",
    description: "The change is waiting for a second pair of eyes.",
    category: Category::Indeterminate,
    icon: "generic.png",
};
static DONE: Status = Status {
    id: "10002",
    name: "Done",
    description: "Work has finished.",
    category: Category::Done,
    icon: "closed.png",
};
static WAITING_FOR_SUPPORT: Status = Status {
    id: "10003",
    name: "Waiting for support",
    description: "This was auto-generated by Jira Service Management during workflow import",
    category: Category::New,
    icon: "generic.png",
};
static WAITING_FOR_CUSTOMER: Status = Status {
    id: "10004",
    name: "Waiting for customer",
    description: "This was auto-generated by Jira Service Management during workflow import",
    category: Category::Indeterminate,
    icon: "generic.png",
};
static RESOLVED: Status = Status {
    id: "10005",
    name: "Resolved",
    description: "This was auto-generated by Jira Service Management during workflow import",
    category: Category::Done,
    icon: "resolved.png",
};
static CLOSED: Status = Status {
    id: "6",
    name: "Closed",
    description: "The issue is considered finished, the resolution is correct. Issues which are closed can be reopened.",
    category: Category::Done,
    icon: "closed.png",
};
static CANCELED: Status = Status {
    id: "10006",
    name: "Canceled",
    description: "This was auto-generated by Jira Service Management during workflow import",
    category: Category::Done,
    icon: "generic.png",
};

/// The software project's workflow (OPS): To Do → In Progress → In Review →
/// Done, with the ways back.
pub static SOFTWARE: Workflow = Workflow {
    statuses: &[&TO_DO, &IN_PROGRESS, &IN_REVIEW, &DONE],
    initial: &TO_DO,
    transitions: &[
        Transition { id: "11", name: "Start progress", to: &IN_PROGRESS, from: &["10000"], resolution: None },
        Transition { id: "21", name: "Request review", to: &IN_REVIEW, from: &["3"], resolution: None },
        Transition { id: "31", name: "Changes requested", to: &IN_PROGRESS, from: &["10001"], resolution: None },
        Transition { id: "41", name: "Done", to: &DONE, from: &["10000", "3", "10001"], resolution: Some("Done") },
        Transition { id: "51", name: "Stop progress", to: &TO_DO, from: &["3"], resolution: None },
        Transition { id: "61", name: "Reopen", to: &TO_DO, from: &["10002"], resolution: None },
    ],
};

/// The service project's workflow (HELP, Jira Service Management's IT
/// support workflow): Waiting for support → In Progress → Waiting for
/// customer → Resolved → Closed, and Canceled.
pub static SERVICE: Workflow = Workflow {
    statuses: &[&WAITING_FOR_SUPPORT, &IN_PROGRESS, &WAITING_FOR_CUSTOMER, &RESOLVED, &CLOSED, &CANCELED],
    initial: &WAITING_FOR_SUPPORT,
    transitions: &[
        Transition { id: "11", name: "Start work", to: &IN_PROGRESS, from: &["10003", "10004"], resolution: None },
        Transition {
            id: "21",
            name: "Respond to customer",
            to: &WAITING_FOR_CUSTOMER,
            from: &["10003", "3"],
            resolution: None,
        },
        Transition {
            id: "31",
            name: "Respond to support",
            to: &WAITING_FOR_SUPPORT,
            from: &["10004"],
            resolution: None,
        },
        Transition {
            id: "41",
            name: "Resolve this issue",
            to: &RESOLVED,
            from: &["10003", "3", "10004"],
            resolution: Some("Done"),
        },
        Transition { id: "51", name: "Close", to: &CLOSED, from: &["10005"], resolution: None },
        Transition { id: "61", name: "Reopen issue", to: &WAITING_FOR_SUPPORT, from: &["10005"], resolution: None },
        Transition {
            id: "71",
            name: "Cancel request",
            to: &CANCELED,
            from: &["10003", "3", "10004"],
            resolution: Some("Won't Do"),
        },
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflows_are_consistent() {
        for workflow in [&SOFTWARE, &SERVICE] {
            assert!(workflow.status(workflow.initial.id).is_some());
            for transition in workflow.transitions {
                assert!(workflow.status(transition.to.id).is_some(), "targets a status of the workflow");
                assert!(transition.from.iter().all(|from| workflow.status(from).is_some()));
                let finishes = transition.to.category == Category::Done
                    && transition
                        .from
                        .iter()
                        .any(|from| status_named(from).is_some_and(|from| from.category != Category::Done));
                assert_eq!(transition.resolution.is_some(), finishes, "{}", transition.name);
            }
            for status in workflow.statuses.iter().filter(|status| status.category != Category::Done) {
                assert!(workflow.available(status).next().is_some(), "{} is no dead end", status.name);
            }
        }
        let mut ids: Vec<&str> = STATUSES.iter().map(|status| status.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), STATUSES.len(), "status ids are unique");
        assert_eq!(status_named("in progress").map(|status| status.id), Some("3"));
        assert_eq!(Category::named("in progress"), Some(Category::Indeterminate));
        assert_eq!(Category::named("DONE"), Some(Category::Done));
        assert_eq!(Category::named("2"), Some(Category::New));
    }
}
