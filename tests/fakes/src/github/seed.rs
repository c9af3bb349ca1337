//! The records a fresh fake starts with, timed relative to when it starts
//! (the table is repeated in the module documentation of `github.rs`).

use super::clock::{DAY, HOUR, MINUTE};
use super::model::{Comment, File, Issue, Label, Pull, PullFile, Repo, Review, Run, State, User, sha};
use super::store::Store;

/// The organisation that owns both repositories.
pub const OWNER: &str = "acme";
/// The organisation's id.
pub const OWNER_ID: u64 = 88_000_001;
/// `acme/ops-portal` (private).
pub const OPS_PORTAL: u64 = 612_000_101;
/// `acme/infra` (public).
pub const INFRA: u64 = 612_000_102;
/// The CI workflow of ops-portal.
const CI_WORKFLOW: u64 = 61_000_001;
/// The deploy workflow of ops-portal.
const DEPLOY_WORKFLOW: u64 = 61_000_002;
/// The Terraform workflow of infra.
const PLAN_WORKFLOW: u64 = 61_000_003;
/// Where ids of new issues, comments and labels start.
const FIRST_NEW_ID: u64 = 3_100_000_001;

const MIA: &str = "mia-krystof";
const TOMAS: &str = "tomas-okafor";
const PRIYA: &str = "priya-natarajan";

/// `(id, login, name, location, days since the account was created)`.
const USERS: &[(u64, &str, &str, &str, i64)] = &[
    (104_857_601, MIA, "Mia Krystof", "Prague", 2_100),
    (104_857_602, TOMAS, "Tomás Okafor", "Lagos", 1_500),
    (104_857_603, PRIYA, "Priya Natarajan", "Bengaluru", 2_900),
];

/// `(name, color, description, default)`.
const OPS_LABELS: &[(&str, &str, &str, bool)] = &[
    ("bug", "d73a4a", "Something isn't working", true),
    ("documentation", "0075ca", "Improvements or additions to documentation", true),
    ("enhancement", "a2eeef", "New feature or request", true),
    ("good first issue", "7057ff", "Good for newcomers", true),
    ("network", "1d76db", "VPN, Wi-Fi and DNS", false),
    ("priority: critical", "b60205", "Drop everything", false),
    ("priority: high", "d93f0b", "Next in line", false),
    ("priority: low", "c2e0c6", "When there is time", false),
];

const INFRA_LABELS: &[(&str, &str, &str, bool)] = &[
    ("bug", "d73a4a", "Something isn't working", true),
    ("enhancement", "a2eeef", "New feature or request", true),
    ("priority: high", "d93f0b", "Next in line", false),
    ("terraform", "5319e7", "Terraform modules and state", false),
];

/// A seeded issue: number, title, body, author, labels, assignees, hours
/// before the start it was opened, and how it was closed
/// (`(hours ago, reason, by)`).
struct Seed {
    number: u64,
    title: &'static str,
    body: &'static str,
    author: &'static str,
    labels: &'static [&'static str],
    assignees: &'static [&'static str],
    opened: i64,
    closed: Option<(i64, &'static str, &'static str)>,
}

const OPS_ISSUES: &[Seed] = &[
    Seed {
        number: 1,
        title: "Portal login loops back to the sign-in page",
        body: "After signing in with SSO the portal sends me straight back to the sign-in page. Happens in Firefox and Edge.",
        author: PRIYA,
        labels: &["bug", "priority: high"],
        assignees: &[MIA],
        opened: 30 * 24,
        closed: Some((22 * 24, "completed", MIA)),
    },
    Seed {
        number: 2,
        title: "Add dark mode to the request form",
        body: "Several people asked for a dark theme on the request form; the rest of the portal already has one.",
        author: TOMAS,
        labels: &["enhancement"],
        assignees: &[],
        opened: 20 * 24,
        closed: None,
    },
    Seed {
        number: 3,
        title: "VPN drops every 20 minutes from home",
        body: "Since Monday my VPN connection drops every 20 minutes when I work from home. Reconnecting works, \
               but any open SSH sessions die. The office network is fine.",
        author: TOMAS,
        labels: &["bug", "network", "priority: high"],
        assignees: &[MIA],
        opened: 6 * 24,
        closed: None,
    },
    Seed {
        number: 4,
        title: "Password reset emails arrive after the link expires",
        body: "Reset emails take over 20 minutes to arrive, and the link expires after 15.",
        author: PRIYA,
        labels: &["bug", "priority: critical"],
        assignees: &[MIA, TOMAS],
        opened: 3 * 24,
        closed: None,
    },
    Seed {
        number: 6,
        title: "Export request history as CSV",
        body: "Finance would like a CSV export of all requests per quarter.",
        author: TOMAS,
        labels: &["enhancement"],
        assignees: &[],
        opened: 40 * 24,
        closed: Some((35 * 24, "not_planned", PRIYA)),
    },
    Seed {
        number: 8,
        title: "Status page shows the wrong time zone",
        body: "Maintenance windows on the status page are shown in UTC but labelled CET.",
        author: MIA,
        labels: &["bug", "priority: low"],
        assignees: &[PRIYA],
        opened: 10 * 24,
        closed: None,
    },
    Seed {
        number: 9,
        title: "Printer queue requests fail with 500",
        body: "Submitting a printer queue request returns a 500 error page.",
        author: MIA,
        labels: &["bug", "priority: critical"],
        assignees: &[TOMAS],
        opened: 15 * 24,
        closed: Some((12 * 24, "completed", TOMAS)),
    },
    Seed {
        number: 10,
        title: "Document the on-call escalation path",
        body: "New starters cannot find who to call after hours. Add the escalation path to the runbooks.",
        author: PRIYA,
        labels: &["documentation", "good first issue"],
        assignees: &[],
        opened: 2 * 24,
        closed: None,
    },
    Seed {
        number: 11,
        title: "VPN client certificate renewal fails on macOS",
        body: "The VPN client on macOS 15 cannot renew its certificate; the renewal dialog shows error 0x51.",
        author: PRIYA,
        labels: &["bug", "network"],
        assignees: &[TOMAS],
        opened: 24,
        closed: None,
    },
];

const INFRA_ISSUES: &[Seed] = &[
    Seed {
        number: 1,
        title: "Rotate the TLS certificate on the VPN gateway",
        body: "The gateway certificate expires in three weeks.",
        author: MIA,
        labels: &["priority: high"],
        assignees: &[MIA],
        opened: 4 * 24,
        closed: None,
    },
    Seed {
        number: 2,
        title: "Terraform plan shows drift on the DNS zone",
        body: "Someone changed TTLs by hand in the console.",
        author: TOMAS,
        labels: &["bug", "terraform"],
        assignees: &[TOMAS],
        opened: 9 * 24,
        closed: Some((8 * 24, "completed", TOMAS)),
    },
    Seed {
        number: 3,
        title: "Add a staging Kubernetes cluster",
        body: "We need somewhere to try upgrades before production.",
        author: PRIYA,
        labels: &["enhancement"],
        assignees: &[],
        opened: 14 * 24,
        closed: None,
    },
];

/// `(repo, number, author, hours ago, body)`.
const COMMENTS: &[(u64, u64, &str, i64, &str)] = &[
    (OPS_PORTAL, 1, MIA, 29 * 24, "Reproduced: the session cookie is dropped because of SameSite=Strict."),
    (OPS_PORTAL, 1, PRIYA, 22 * 24, "Fixed by #7, thanks!"),
    (OPS_PORTAL, 3, MIA, 5 * 24, "Which VPN client version are you on? Please attach the log from the client."),
    (OPS_PORTAL, 3, TOMAS, 5 * 24 - 3, "Version 5.2.1. Log attached: the tunnel times out with no keepalive."),
    (OPS_PORTAL, 3, PRIYA, 2 * 24, "Same for me from home. The gateway idle timeout is 20 minutes."),
    (OPS_PORTAL, 4, TOMAS, 2 * 24, "The mail relay queue is backed up; looking into it."),
    (OPS_PORTAL, 5, PRIYA, 20, "Could we make the interval configurable?"),
    (OPS_PORTAL, 9, TOMAS, 13 * 24, "A missing printer id in the form; fix deployed."),
    (OPS_PORTAL, 9, MIA, 12 * 24, "Confirmed working, closing."),
    (INFRA, 1, TOMAS, 3 * 24, "I can take the rotation on Thursday."),
];

/// Files on the default branch of ops-portal and on its PR branches:
/// `(branch, path, content)`.
const OPS_FILES: &[(&str, &str, &str)] = &[
    ("main", "README.md", "# ops-portal\n\nSelf-service portal for IT operations requests.\n"),
    ("main", "package.json", "{\n  \"name\": \"ops-portal\",\n  \"version\": \"1.8.0\",\n  \"private\": true\n}\n"),
    ("main", "config/vpn.yaml", "gateway: vpn.acme.example\nidle_timeout_minutes: 20\n"),
    ("main", "src/vpn/keepalive.ts", "export const KEEPALIVE_SECONDS = 0;\n"),
    ("main", "src/auth/session.ts", "export const SESSION_COOKIE = { sameSite: 'lax' };\n"),
    ("main", "docs/runbooks/on-call.md", "# On call\n\nPage the duty engineer through the phone tree.\n"),
    (
        "main",
        ".github/workflows/ci.yml",
        "name: CI\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n",
    ),
    ("main", ".github/workflows/deploy.yml", "name: Deploy\non:\n  push:\n    branches: [main]\n"),
    (
        "fix/vpn-keepalive",
        "config/vpn.yaml",
        "gateway: vpn.acme.example\nidle_timeout_minutes: 20\nkeepalive_seconds: 300\n",
    ),
    ("fix/vpn-keepalive", "src/vpn/keepalive.ts", "export const KEEPALIVE_SECONDS = 300;\n"),
    ("fix/vpn-keepalive", "docs/runbooks/vpn.md", "# VPN\n\nThe client sends a keepalive every 5 minutes.\n"),
    ("feat/design-system-form", "src/form/RequestForm.tsx", "export function RequestForm() { return null; }\n"),
];

const INFRA_FILES: &[(&str, &str, &str)] = &[
    ("main", "README.md", "# infra\n\nTerraform and Ansible for Acme's infrastructure.\n"),
    ("main", "terraform/vpn-gateway.tf", "resource \"aws_vpn_gateway\" \"main\" {\n  vpc_id = var.vpc_id\n}\n"),
    ("main", "ansible/site.yml", "- hosts: all\n  roles: [base]\n"),
];

/// A fresh store, with every time relative to `now` (Unix seconds).
pub fn store(now: i64) -> Store {
    let mut store = Store::new(FIRST_NEW_ID);
    store.users = USERS
        .iter()
        .map(|&(id, login, name, location, days)| User {
            id,
            login: login.to_owned(),
            name: name.to_owned(),
            email: Some(format!("{}@example.com", name.to_lowercase().replace('á', "a").replace(' ', "."))),
            company: Some("@acme".to_owned()),
            location: Some(location.to_owned()),
            created_at: now - days * DAY,
        })
        .collect();
    store.repos = vec![
        repo(
            OPS_PORTAL,
            "ops-portal",
            true,
            "Self-service portal for IT operations requests",
            OPS_LABELS,
            OPS_FILES,
            now - 700 * DAY,
        ),
        repo(
            INFRA,
            "infra",
            false,
            "Terraform and Ansible for Acme's infrastructure",
            INFRA_LABELS,
            INFRA_FILES,
            now - 900 * DAY,
        ),
    ];
    let mut next_issue_id = 2_800_000_001;
    for (repo, seeds) in [(OPS_PORTAL, OPS_ISSUES), (INFRA, INFRA_ISSUES)] {
        for seed in seeds {
            store.issues.push(issue(repo, next_issue_id, seed, now));
            next_issue_id += 1;
        }
    }
    store.issues.extend(pulls(now, &mut next_issue_id));
    store.issues.sort_by_key(|issue| (issue.repo, issue.number));
    for (index, &(repo, number, author, hours, body)) in COMMENTS.iter().enumerate() {
        let at = now - hours * HOUR;
        store.comments.push(Comment {
            id: 1_900_000_001 + index as u64,
            repo,
            number,
            author: author.to_owned(),
            body: body.to_owned(),
            created_at: at,
            updated_at: at,
        });
        if let Some(issue) = store.issue_mut(repo, number) {
            issue.updated_at = issue.updated_at.max(at);
        }
    }
    store.runs = runs(now);
    store
}

fn repo(
    id: u64,
    name: &str,
    private: bool,
    description: &str,
    labels: &[(&str, &str, &str, bool)],
    files: &[(&str, &str, &str)],
    created_at: i64,
) -> Repo {
    Repo {
        id,
        owner: OWNER.to_owned(),
        name: name.to_owned(),
        private,
        description: description.to_owned(),
        default_branch: "main".to_owned(),
        created_at,
        labels: labels
            .iter()
            .enumerate()
            .map(|(index, &(name, color, description, default))| Label {
                id: id * 100 + index as u64,
                name: name.to_owned(),
                color: color.to_owned(),
                description: Some(description.to_owned()),
                default,
            })
            .collect(),
        files: files
            .iter()
            .map(|&(branch, path, content)| File {
                branch: branch.to_owned(),
                path: path.to_owned(),
                content: content.to_owned(),
            })
            .collect(),
    }
}

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

fn issue(repo: u64, id: u64, seed: &Seed, now: i64) -> Issue {
    let created_at = now - seed.opened * HOUR;
    let closed = seed.closed.map(|(hours, reason, by)| (now - hours * HOUR, reason, by));
    Issue {
        repo,
        id,
        number: seed.number,
        title: seed.title.to_owned(),
        body: Some(seed.body.to_owned()),
        author: seed.author.to_owned(),
        labels: owned(seed.labels),
        assignees: owned(seed.assignees),
        state: if closed.is_some() { State::Closed } else { State::Open },
        state_reason: closed.map(|(_, reason, _)| reason.to_owned()),
        created_at,
        updated_at: closed.map_or(created_at, |(at, _, _)| at),
        closed_at: closed.map(|(at, _, _)| at),
        closed_by: closed.map(|(_, _, by)| by.to_owned()),
        pull: None,
    }
}

/// Pull requests #5 (open, fixes #3), #7 (merged) and #12 (draft) of
/// ops-portal.
fn pulls(now: i64, next_issue_id: &mut u64) -> Vec<Issue> {
    let main_sha = sha("acme/ops-portal main");
    let keepalive = Seed {
        number: 5,
        title: "Send VPN keepalive every 5 minutes",
        body: "Fixes #3. The gateway drops idle tunnels after 20 minutes; the client now sends a keepalive every 5.",
        author: MIA,
        labels: &["network"],
        assignees: &[MIA],
        opened: 30,
        closed: None,
    };
    let session = Seed {
        number: 7,
        title: "Upgrade the session library to 4.2",
        body: "Fixes #1: 4.2 sets SameSite=Lax on the session cookie.",
        author: PRIYA,
        labels: &["bug"],
        assignees: &[PRIYA],
        opened: 24 * 24,
        closed: Some((22 * 24, "completed", MIA)),
    };
    let design = Seed {
        number: 12,
        title: "Move the request form to the new design system",
        body: "Work in progress.",
        author: TOMAS,
        labels: &["enhancement"],
        assignees: &[],
        opened: 8,
        closed: None,
    };
    let details = [
        (keepalive, "fix/vpn-keepalive", false, None, vec![PRIYA], 3, keepalive_files(), keepalive_reviews(now)),
        (session, "deps/session-4.2", false, Some((22 * 24, MIA)), vec![], 2, session_files(), session_reviews(now)),
        (design, "feat/design-system-form", true, None, vec![], 1, design_files(), vec![]),
    ];
    details
        .into_iter()
        .map(|(seed, head, draft, merged, reviewers, commits, files, reviews)| {
            let id = *next_issue_id;
            *next_issue_id += 1;
            let mut issue = issue(OPS_PORTAL, id, &seed, now);
            issue.pull = Some(Pull {
                id: 1_700_000_000 + seed.number,
                head_ref: head.to_owned(),
                head_sha: sha(&format!("acme/ops-portal {head}")),
                base_ref: "main".to_owned(),
                base_sha: main_sha.clone(),
                draft,
                merged_at: merged.map(|(hours, _)| now - hours * HOUR),
                merged_by: merged.map(|(_, by)| by.to_owned()),
                requested_reviewers: owned(&reviewers),
                commits,
                files,
                reviews,
            });
            issue
        })
        .collect()
}

fn file(filename: &str, status: &'static str, additions: u32, deletions: u32, patch: &str) -> PullFile {
    PullFile {
        filename: filename.to_owned(),
        status,
        additions,
        deletions,
        patch: patch.to_owned(),
        previous_filename: None,
    }
}

fn keepalive_files() -> Vec<PullFile> {
    vec![
        file(
            "config/vpn.yaml",
            "modified",
            1,
            0,
            "@@ -1,2 +1,3 @@\n gateway: vpn.acme.example\n idle_timeout_minutes: 20\n+keepalive_seconds: 300",
        ),
        file(
            "src/vpn/keepalive.ts",
            "modified",
            1,
            1,
            "@@ -1 +1 @@\n-export const KEEPALIVE_SECONDS = 0;\n+export const KEEPALIVE_SECONDS = 300;",
        ),
        file(
            "docs/runbooks/vpn.md",
            "added",
            3,
            0,
            "@@ -0,0 +1,3 @@\n+# VPN\n+\n+The client sends a keepalive every 5 minutes.",
        ),
    ]
}

fn session_files() -> Vec<PullFile> {
    vec![
        file("package.json", "modified", 1, 1, "@@ -4 +4 @@\n-    \"session\": \"4.1.0\"\n+    \"session\": \"4.2.0\""),
        file(
            "src/auth/session.ts",
            "modified",
            1,
            1,
            "@@ -1 +1 @@\n-export const SESSION_COOKIE = { sameSite: 'strict' };\n+export const SESSION_COOKIE = { sameSite: 'lax' };",
        ),
    ]
}

fn design_files() -> Vec<PullFile> {
    vec![PullFile {
        previous_filename: Some("src/form/Form.tsx".to_owned()),
        ..file(
            "src/form/RequestForm.tsx",
            "renamed",
            1,
            1,
            "@@ -1 +1 @@\n-export function Form() { return null; }\n+export function RequestForm() { return null; }",
        )
    }]
}

fn keepalive_reviews(now: i64) -> Vec<Review> {
    vec![
        Review {
            id: 2_200_000_001,
            user: PRIYA.to_owned(),
            state: "COMMENTED",
            body: "Could we make the interval configurable?".to_owned(),
            submitted_at: now - 20 * HOUR,
        },
        Review {
            id: 2_200_000_002,
            user: TOMAS.to_owned(),
            state: "CHANGES_REQUESTED",
            body: "Please add the setting to the runbook too.".to_owned(),
            submitted_at: now - 18 * HOUR,
        },
        Review {
            id: 2_200_000_003,
            user: TOMAS.to_owned(),
            state: "APPROVED",
            body: String::new(),
            submitted_at: now - 2 * HOUR,
        },
    ]
}

fn session_reviews(now: i64) -> Vec<Review> {
    vec![Review {
        id: 2_200_000_004,
        user: MIA.to_owned(),
        state: "APPROVED",
        body: "LGTM".to_owned(),
        submitted_at: now - 23 * DAY,
    }]
}

/// `(id, repo, workflow, name, path, number, event, status, conclusion, branch, actor, title, pull, minutes ago, minutes it ran)`.
type RunRow = (
    u64,
    u64,
    u64,
    &'static str,
    &'static str,
    u64,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    Option<u64>,
    i64,
    i64,
);

const RUNS: &[RunRow] = &[
    (
        9_100_000_041,
        OPS_PORTAL,
        CI_WORKFLOW,
        "CI",
        ".github/workflows/ci.yml",
        41,
        "push",
        "completed",
        Some("success"),
        "main",
        MIA,
        "Fix status page time zone label",
        None,
        3 * 24 * 60,
        6,
    ),
    (
        9_100_000_042,
        OPS_PORTAL,
        CI_WORKFLOW,
        "CI",
        ".github/workflows/ci.yml",
        42,
        "pull_request",
        "completed",
        Some("failure"),
        "fix/vpn-keepalive",
        MIA,
        "Send VPN keepalive every 5 minutes",
        Some(5),
        26 * 60,
        4,
    ),
    (
        9_100_000_017,
        OPS_PORTAL,
        DEPLOY_WORKFLOW,
        "Deploy",
        ".github/workflows/deploy.yml",
        17,
        "push",
        "completed",
        Some("success"),
        "main",
        MIA,
        "Fix status page time zone label",
        None,
        3 * 24 * 60 - 10,
        9,
    ),
    (
        9_100_000_043,
        OPS_PORTAL,
        CI_WORKFLOW,
        "CI",
        ".github/workflows/ci.yml",
        43,
        "push",
        "in_progress",
        None,
        "main",
        PRIYA,
        "Update the on-call runbook",
        None,
        10,
        0,
    ),
    (
        9_100_000_007,
        INFRA,
        PLAN_WORKFLOW,
        "Terraform plan",
        ".github/workflows/plan.yml",
        7,
        "push",
        "completed",
        Some("success"),
        "main",
        TOMAS,
        "Pin the AWS provider",
        None,
        5 * 24 * 60,
        3,
    ),
];

fn runs(now: i64) -> Vec<Run> {
    RUNS.iter()
        .map(
            |&(
                id,
                repo,
                workflow_id,
                name,
                path,
                run_number,
                event,
                status,
                conclusion,
                branch,
                actor,
                title,
                pull,
                ago,
                ran,
            )| {
                let created_at = now - ago * MINUTE;
                let full = if repo == OPS_PORTAL { "acme/ops-portal" } else { "acme/infra" };
                Run {
                    id,
                    repo,
                    workflow_id,
                    name: name.to_owned(),
                    path: path.to_owned(),
                    display_title: title.to_owned(),
                    run_number,
                    run_attempt: 1,
                    event: event.to_owned(),
                    status: status.to_owned(),
                    conclusion: conclusion.map(str::to_owned),
                    head_branch: branch.to_owned(),
                    head_sha: sha(&format!("{full} {branch}")),
                    actor: actor.to_owned(),
                    pull_requests: pull.into_iter().collect(),
                    created_at,
                    updated_at: created_at + ran * MINUTE,
                    run_started_at: created_at,
                }
            },
        )
        .collect()
}
