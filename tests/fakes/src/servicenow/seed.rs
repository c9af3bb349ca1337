//! The records a fresh fake instance starts with: the stock demo users and
//! groups, a dozen incidents across states, priorities and groups (some
//! with journal entries), and a few problems, changes, request items and
//! knowledge articles, so every table an agent is allowed to read has data.

use super::rules;
use super::schema;
use super::store::{Row, Store};

/// `sys_id` of the System Administrator (`admin`).
const ADMIN: &str = "6816f79cc0a8016401c5a33be04be441";
const ABEL: &str = "62826bf03710200044e0bfc8bcbe5df1";
const BETH: &str = "46d44a23a9fe19810012d100cca80666";
const DAVID: &str = "5137153cc611227c000bbd1bd8cd2005";
const FRED: &str = "5137153cc611227c000bbd1bd8cd2007";
const ITIL: &str = "681b365ec0a80164000fb0b05854a0cd";
const BOW: &str = "46c6f9efa9fe198101ddf5eed9adf6e7";
const CHARLIE: &str = "46d96f57a9fe198101947a9620895886";
const JANE: &str = "a8f98bb0eb32010045e1a5115206fe3a";

const SERVICE_DESK: &str = "d625dccec0a8016700a222a0f7900d06";
const NETWORK: &str = "287ebd7da9fe198100f92cc8d1d2154e";
const HARDWARE: &str = "8a5055c9c61122780043563ef53438e3";
const DATABASE: &str = "287ee6fea9fe198100ada7950d0b1b73";
const SOFTWARE: &str = "8a4dde73c6112278017a6a4baf547aa7";

/// A store holding the seed data.
pub fn store() -> Store {
    let mut store = Store::default();
    let mut load = |table: &str, row: Row| {
        store.load(schema::table(table).expect("the seed names only tables the schema has"), row);
    };
    for user in users() {
        load("sys_user", user);
    }
    for group in groups() {
        load("sys_user_group", group);
    }
    for incident in INCIDENTS {
        load("incident", incident.row());
    }
    for (table, row) in other_tasks() {
        load(table, row);
    }
    for entry in journal() {
        load("sys_journal_field", entry);
    }
    store
}

/// A row with the system fields of a record `admin` created at `created`
/// and last updated at `updated`.
fn record(sys_id: &str, created: &str, updated: &str, fields: &[(&str, &str)]) -> Row {
    let system = [
        ("sys_id", sys_id),
        ("sys_created_on", created),
        ("sys_created_by", "admin"),
        ("sys_updated_on", updated),
        ("sys_updated_by", "admin"),
    ];
    system.iter().chain(fields).map(|(field, value)| ((*field).to_owned(), (*value).to_owned())).collect()
}

fn users() -> Vec<Row> {
    let people = [
        (ADMIN, "admin", "System", "Administrator", "System Administrator", "IT", "true"),
        (ABEL, "abel.tuter", "Abel", "Tuter", "Sales Manager", "Sales", "true"),
        (BETH, "beth.anglin", "Beth", "Anglin", "Network Engineer", "IT", "true"),
        (DAVID, "david.loo", "David", "Loo", "Database Administrator", "IT", "true"),
        (FRED, "fred.luddy", "Fred", "Luddy", "Service Desk Analyst", "IT", "true"),
        (ITIL, "itil", "ITIL", "User", "IT Support", "IT", "true"),
        (BOW, "bow.ruggeri", "Bow", "Ruggeri", "Hardware Technician", "IT", "true"),
        (CHARLIE, "charlie.whitherspoon", "Charlie", "Whitherspoon", "Accountant", "Finance", "true"),
        (JANE, "jane.doe", "Jane", "Doe", "Contractor", "Finance", "false"),
    ];
    people
        .iter()
        .map(|(sys_id, user_name, first, last, title, department, active)| {
            let name = format!("{first} {last}");
            let email = format!("{user_name}@example.com");
            record(
                sys_id,
                "2024-03-02 09:00:00",
                "2025-01-10 12:00:00",
                &[
                    ("user_name", user_name),
                    ("first_name", first),
                    ("last_name", last),
                    ("name", &name),
                    ("email", &email),
                    ("title", title),
                    ("department", department),
                    ("active", active),
                ],
            )
        })
        .collect()
}

fn groups() -> Vec<Row> {
    let groups = [
        (SERVICE_DESK, "Service Desk", "First line support for all staff", FRED),
        (NETWORK, "Network", "LAN, WAN, Wi-Fi and VPN", BETH),
        (HARDWARE, "Hardware", "Laptops, printers and peripherals", BOW),
        (DATABASE, "Database", "Database platforms and backups", DAVID),
        (SOFTWARE, "Software", "Business applications and email", FRED),
    ];
    groups
        .iter()
        .map(|(sys_id, name, description, manager)| {
            let email = format!("{}@example.com", name.to_lowercase().replace(' ', "-"));
            record(
                sys_id,
                "2024-03-01 09:00:00",
                "2024-11-20 10:00:00",
                &[("name", name), ("description", description), ("email", &email), ("manager", manager)],
            )
        })
        .collect()
}

/// An incident as seeded; priority, incident_state and the resolution
/// stamps follow from the other fields the way the business rules set them.
struct Incident {
    number: &'static str,
    sys_id: &'static str,
    short_description: &'static str,
    description: &'static str,
    category: &'static str,
    caller: &'static str,
    impact: &'static str,
    urgency: &'static str,
    state: &'static str,
    group: &'static str,
    assigned_to: &'static str,
    opened_at: &'static str,
    updated_on: &'static str,
    close_code: &'static str,
    close_notes: &'static str,
}

impl Incident {
    fn row(&self) -> Row {
        let priority = rules::priority(self.impact, self.urgency).unwrap_or("5");
        let settled = ["6", "7"].contains(&self.state);
        let ended = if settled { self.updated_on } else { "" };
        let ender = if settled { ADMIN } else { "" };
        let closed = if self.state == "7" { self.updated_on } else { "" };
        let active = if ["7", "8"].contains(&self.state) { "false" } else { "true" };
        record(
            self.sys_id,
            self.opened_at,
            self.updated_on,
            &[
                ("number", self.number),
                ("task_effective_number", self.number),
                ("short_description", self.short_description),
                ("description", self.description),
                ("category", self.category),
                ("caller_id", self.caller),
                ("impact", self.impact),
                ("urgency", self.urgency),
                ("priority", priority),
                ("state", self.state),
                ("incident_state", self.state),
                ("assignment_group", self.group),
                ("assigned_to", self.assigned_to),
                ("opened_by", ADMIN),
                ("opened_at", self.opened_at),
                ("close_code", self.close_code),
                ("close_notes", self.close_notes),
                ("resolved_at", ended),
                ("resolved_by", ender),
                ("closed_at", closed),
                ("closed_by", if closed.is_empty() { "" } else { ADMIN }),
                ("active", active),
                ("sys_mod_count", "3"),
            ],
        )
    }
}

/// Defaults for the seeded incidents' rarely varying fields.
const INCIDENT: Incident = Incident {
    number: "",
    sys_id: "",
    short_description: "",
    description: "",
    category: "inquiry",
    caller: "",
    impact: "3",
    urgency: "3",
    state: "1",
    group: "",
    assigned_to: "",
    opened_at: "",
    updated_on: "",
    close_code: "",
    close_notes: "",
};

const INCIDENTS: &[Incident] = &[
    Incident {
        number: "INC0010001",
        sys_id: "57af7aec73d423002728660c4cf6a71c",
        short_description: "Email server not responding for the Sydney office",
        description: "Outlook shows 'Trying to connect' for everyone on level 4 since 8:15.",
        category: "software",
        caller: ABEL,
        impact: "1",
        urgency: "1",
        state: "2",
        group: SOFTWARE,
        assigned_to: FRED,
        opened_at: "2025-03-03 08:20:11",
        updated_on: "2025-03-03 09:02:45",
        ..INCIDENT
    },
    Incident {
        number: "INC0010002",
        sys_id: "a9e30c7dc61122760116894de7bcc7bd",
        short_description: "VPN disconnects every 10 minutes",
        description: "Remote staff lose the VPN tunnel roughly every ten minutes.",
        category: "network",
        caller: CHARLIE,
        impact: "2",
        urgency: "2",
        group: NETWORK,
        opened_at: "2025-03-04 10:12:00",
        updated_on: "2025-03-04 10:12:00",
        ..INCIDENT
    },
    Incident {
        number: "INC0010003",
        sys_id: "9ef81de2db0d6090d7055268dc961978",
        short_description: "Email servers down",
        impact: "2",
        urgency: "1",
        group: NETWORK,
        opened_at: "2025-03-05 21:17:05",
        updated_on: "2025-03-06 22:56:33",
        ..INCIDENT
    },
    Incident {
        number: "INC0010004",
        sys_id: "ef43c6d40a0a0b5700c77f9bf387afe3",
        short_description: "Unable to access SAP payroll",
        description: "Login page returns 'authorization missing' for the payroll team.",
        category: "software",
        caller: ABEL,
        impact: "2",
        urgency: "2",
        state: "3",
        group: SOFTWARE,
        assigned_to: FRED,
        opened_at: "2025-03-10 07:45:30",
        updated_on: "2025-03-12 16:20:00",
        ..INCIDENT
    },
    Incident {
        number: "INC0010005",
        sys_id: "46e18c0fa9fe19810066a0083f76bd56",
        short_description: "Printer on level 3 keeps jamming",
        description: "The Ricoh near the kitchen jams on every duplex job.",
        category: "hardware",
        caller: CHARLIE,
        state: "6",
        group: HARDWARE,
        assigned_to: BOW,
        opened_at: "2025-03-11 11:00:00",
        updated_on: "2025-03-13 14:30:00",
        close_code: "Solution provided",
        close_notes: "Replaced the fuser unit and cleaned the rollers.",
        ..INCIDENT
    },
    Incident {
        number: "INC0010006",
        sys_id: "d71da88ac0a801670061eabfe4b28f77",
        short_description: "Laptop battery swelling",
        description: "The trackpad no longer clicks and the case is bulging.",
        category: "hardware",
        caller: ABEL,
        impact: "2",
        urgency: "1",
        state: "2",
        group: HARDWARE,
        assigned_to: BOW,
        opened_at: "2025-03-14 09:05:00",
        updated_on: "2025-03-14 09:40:00",
        ..INCIDENT
    },
    Incident {
        number: "INC0010007",
        sys_id: "e8caedcbc0a80164017df472f39eaed1",
        short_description: "Nightly database backup job failed",
        description: "The backup of ORAPROD01 ended with ORA-19504 at 02:13.",
        category: "database",
        caller: ITIL,
        impact: "1",
        urgency: "2",
        state: "2",
        group: DATABASE,
        assigned_to: DAVID,
        opened_at: "2025-03-17 02:30:00",
        updated_on: "2025-03-17 08:15:00",
        ..INCIDENT
    },
    Incident {
        number: "INC0010008",
        sys_id: "f12ca184735123002728660c4cf6a7ef",
        short_description: "Wi-Fi slow in building B",
        description: "Speed tests show under 2 Mbps on the guest and staff networks.",
        category: "network",
        caller: CHARLIE,
        urgency: "2",
        group: NETWORK,
        assigned_to: BETH,
        opened_at: "2025-03-18 13:00:00",
        updated_on: "2025-03-18 13:00:00",
        ..INCIDENT
    },
    Incident {
        number: "INC0010009",
        sys_id: "1c741bd70b2322007518478d83673af3",
        short_description: "Password reset for Outlook",
        caller: ABEL,
        state: "7",
        group: SERVICE_DESK,
        assigned_to: FRED,
        opened_at: "2025-03-19 08:00:00",
        updated_on: "2025-03-20 08:00:00",
        close_code: "Solution provided",
        close_notes: "Reset the password and confirmed the user can sign in.",
        ..INCIDENT
    },
    Incident {
        number: "INC0010010",
        sys_id: "78271e1347c12200e0ef563dbb9a7109",
        short_description: "Core switch down in the data centre",
        description: "DC1-CORE-02 stopped forwarding; half the racks lost connectivity.",
        category: "network",
        caller: ITIL,
        impact: "1",
        urgency: "1",
        state: "6",
        group: NETWORK,
        assigned_to: BETH,
        opened_at: "2025-03-21 03:10:00",
        updated_on: "2025-03-21 06:45:00",
        close_code: "Workaround provided",
        close_notes: "Failed over to DC1-CORE-01; replacement switch on order.",
    },
    Incident {
        number: "INC0010011",
        sys_id: "8d6353eac0a8016400d8a125ca14fc1f",
        short_description: "CRM app crashes when saving a contact",
        description: "Saving any contact with a postcode raises 'unexpected error 500'.",
        category: "software",
        caller: CHARLIE,
        impact: "2",
        urgency: "3",
        group: SOFTWARE,
        opened_at: "2025-03-24 15:20:00",
        updated_on: "2025-03-25 09:00:00",
        ..INCIDENT
    },
    Incident {
        number: "INC0010012",
        sys_id: "ed92e8d173d023002728660c4cf6a7bc",
        short_description: "Disk space low on file server FS02",
        description: "The D: volume is at 97%.",
        category: "hardware",
        caller: DAVID,
        impact: "2",
        urgency: "2",
        state: "8",
        group: HARDWARE,
        opened_at: "2025-03-26 10:00:00",
        updated_on: "2025-03-26 12:00:00",
        ..INCIDENT
    },
];

fn other_tasks() -> Vec<(&'static str, Row)> {
    let task = |number: &str, sys_id: &str, short: &str, state: &str, group: &str, opened: &str| {
        record(
            sys_id,
            opened,
            opened,
            &[
                ("number", number),
                ("task_effective_number", number),
                ("short_description", short),
                ("state", state),
                ("assignment_group", group),
                ("opened_by", ADMIN),
                ("opened_at", opened),
            ],
        )
    };
    let mut rows = vec![
        (
            "problem",
            task(
                "PRB0040001",
                "d7296d02c0a801670085e737da016e70",
                "Recurring VPN drops for remote staff",
                "103",
                NETWORK,
                "2025-03-05 09:00:00",
            ),
        ),
        (
            "problem",
            task(
                "PRB0040002",
                "62304320731823002728660c4cf6a7e8",
                "Email outages after monthly patching",
                "101",
                SOFTWARE,
                "2025-03-06 09:00:00",
            ),
        ),
        (
            "change_request",
            task(
                "CHG0030001",
                "a9c0e7e2c0a8016401ea3b7e5d0cb3d4",
                "Replace core switch DC1-CORE-02",
                "-2",
                NETWORK,
                "2025-03-21 08:00:00",
            ),
        ),
        (
            "change_request",
            task(
                "CHG0030002",
                "46eaa7c9a9fe198100bb6a67e7bd8d9c",
                "Apply March security patches to the Exchange servers",
                "-5",
                SOFTWARE,
                "2025-03-22 08:00:00",
            ),
        ),
        (
            "sc_req_item",
            task(
                "RITM0010001",
                "aeed229047801200e0ef563dbb9a71c2",
                "New laptop for a new starter",
                "1",
                HARDWARE,
                "2025-03-25 11:00:00",
            ),
        ),
    ];
    if let Some((_, item)) = rows.last_mut() {
        item.insert("requested_for".to_owned(), ABEL.to_owned());
    }
    let article = |number: &str, sys_id: &str, short: &str, text: &str| {
        record(
            sys_id,
            "2024-06-01 10:00:00",
            "2024-06-01 10:00:00",
            &[
                ("number", number),
                ("short_description", short),
                ("text", text),
                ("workflow_state", "published"),
                ("author", FRED),
            ],
        )
    };
    rows.push((
        "kb_knowledge",
        article(
            "KB0010001",
            "0b48fd75474321009db4b5b08b9a71c2",
            "How to reset your Outlook password",
            "<p>Open the self-service portal, choose <em>Reset password</em> and follow the prompts.</p>",
        ),
    ));
    rows.push((
        "kb_knowledge",
        article(
            "KB0010002",
            "3020c9b1474321009db4b5b08b9a7198",
            "Connecting to the VPN",
            "<p>Install the VPN client from the software centre and sign in with your staff account.</p>",
        ),
    ));
    rows
}

fn journal() -> Vec<Row> {
    let entry = |sys_id: &str, on: &str, by: &str, element: &str, incident: &str, value: &str| {
        let mut row = record(
            sys_id,
            on,
            on,
            &[("element", element), ("element_id", incident), ("name", "incident"), ("value", value)],
        );
        for field in ["sys_created_by", "sys_updated_by"] {
            row.insert(field.to_owned(), by.to_owned());
        }
        row
    };
    vec![
        entry(
            "0f5a4c1fdb5b3300f5f0d3e4ce9619a0",
            "2025-03-03 08:31:02",
            "fred.luddy",
            "work_notes",
            "57af7aec73d423002728660c4cf6a71c",
            "Exchange transport service stopped on MAIL01; restarting.",
        ),
        entry(
            "1f5a4c1fdb5b3300f5f0d3e4ce9619a1",
            "2025-03-03 09:02:45",
            "fred.luddy",
            "comments",
            "57af7aec73d423002728660c4cf6a71c",
            "We are working on it and will update you within the hour.",
        ),
        entry(
            "2f5a4c1fdb5b3300f5f0d3e4ce9619a2",
            "2025-03-21 06:45:00",
            "beth.anglin",
            "work_notes",
            "78271e1347c12200e0ef563dbb9a7109",
            "Traffic moved to DC1-CORE-01. CHG0030001 raised for the replacement.",
        ),
    ]
}
