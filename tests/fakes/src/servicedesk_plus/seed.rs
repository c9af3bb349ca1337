//! The portal every fake starts with, timed relative to its start (see
//! the table in the module doc of `servicedesk_plus`).

use super::model::{Closure, Named, Note, Person, Request, Status};
use super::store::Store;

/// Alex Morgan: the SDAdmin technician the OAuth tokens act as.
pub const ADMIN_EMAIL: &str = "alex.morgan@example.com";
/// Heather Graham: a technician in Network.
pub const HEATHER_EMAIL: &str = "heather.graham@example.com";
/// Charles Kim: a technician in Service Desk.
pub const CHARLES_EMAIL: &str = "charles.kim@example.com";
/// Bruce Williams: a requester.
pub const BRUCE_EMAIL: &str = "bruce.williams@example.com";
/// The seeded request with notes.
pub const VPN_SUBJECT: &str = "VPN connection drops after 10 minutes";

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

const ALEX: u64 = 7_564_000_000_100_001;
const HEATHER: u64 = 7_564_000_000_100_002;
const CHARLES: u64 = 7_564_000_000_100_003;
const BRUCE: u64 = 7_564_000_000_100_004;
const MEI: u64 = 7_564_000_000_100_005;
const LINCOLN: u64 = 7_564_000_000_100_006;
const OLIVIA: u64 = 7_564_000_000_100_007;

const OPEN: u64 = 7_564_000_000_006_001;
const IN_PROGRESS: u64 = 7_564_000_000_006_002;
const ON_HOLD: u64 = 7_564_000_000_006_003;
const AWAITING: u64 = 7_564_000_000_006_004;
const RESOLVED: u64 = 7_564_000_000_006_005;
const CLOSED: u64 = 7_564_000_000_006_006;

const LOW: u64 = 7_564_000_000_006_101;
const MEDIUM: u64 = 7_564_000_000_006_102;
const HIGH: u64 = 7_564_000_000_006_103;
const URGENT: u64 = 7_564_000_000_006_104;

const NETWORK: u64 = 7_564_000_000_007_001;
const HARDWARE: u64 = 7_564_000_000_007_002;
const SERVICE_DESK: u64 = 7_564_000_000_007_003;

const CAT_NETWORK: u64 = 7_564_000_000_008_001;
const CAT_HARDWARE: u64 = 7_564_000_000_008_002;
const CAT_SOFTWARE: u64 = 7_564_000_000_008_003;
const CAT_ACCESS: u64 = 7_564_000_000_008_004;

const SUCCESS: u64 = 7_564_000_000_009_001;

/// The first id of a request or note created at run time.
const FIRST_NEW_ID: u64 = 7_564_000_000_500_001;
/// The first seeded request's id; the rest follow.
const FIRST_REQUEST_ID: u64 = 7_564_000_000_307_001;
/// The first seeded note's id.
const FIRST_NOTE_ID: u64 = 7_564_000_000_408_001;

fn person(id: u64, first: &str, last: &str, technician: Option<(&str, &str)>) -> Person {
    Person {
        id,
        first_name: first.to_owned(),
        last_name: last.to_owned(),
        email: format!("{}.{}@example.com", first.to_lowercase(), last.to_lowercase()),
        technician: technician.is_some(),
        job_title: technician.map(|(title, _)| title.to_owned()),
        department: technician.map(|(_, department)| department.to_owned()),
    }
}

fn named(id: u64, name: &str, color: Option<&str>) -> Named {
    Named { id, name: name.to_owned(), color: color.map(str::to_owned) }
}

fn status(id: u64, name: &str, color: &str, in_progress: bool, internal_name: &str) -> Status {
    Status {
        id,
        name: name.to_owned(),
        color: color.to_owned(),
        in_progress,
        stop_timer: !in_progress,
        internal_name: internal_name.to_owned(),
    }
}

/// One seeded request: subject, HTML description, status, priority,
/// requester, technician, group, category, created and updated (ago).
type Seeded = (&'static str, &'static str, u64, u64, u64, Option<u64>, Option<u64>, u64, i64, i64);

const REQUESTS: [Seeded; 10] = [
    (
        VPN_SUBJECT,
        "<div>Since Monday the VPN disconnects after about <b>10 minutes</b>, on Wi-Fi and wired.</div>",
        OPEN,
        HIGH,
        BRUCE,
        Some(HEATHER),
        Some(NETWORK),
        CAT_NETWORK,
        3 * DAY,
        2 * HOUR,
    ),
    (
        "Email server not responding for the Finance team",
        "<div>Outlook shows <i>Disconnected</i> for everyone in Finance.</div>",
        OPEN,
        URGENT,
        MEI,
        Some(CHARLES),
        Some(SERVICE_DESK),
        CAT_SOFTWARE,
        5 * HOUR,
        4 * HOUR,
    ),
    (
        "Core switch fan failure alarm in server room 2",
        "<div>The monitoring console reports fan 3 failed on core-sw-02.</div>",
        OPEN,
        URGENT,
        ALEX,
        Some(HEATHER),
        Some(NETWORK),
        CAT_NETWORK,
        50 * MINUTE,
        45 * MINUTE,
    ),
    (
        "Laptop battery swelling",
        "<div>The trackpad is lifting; the laptop gets hot when charging.</div>",
        IN_PROGRESS,
        HIGH,
        LINCOLN,
        Some(CHARLES),
        Some(HARDWARE),
        CAT_HARDWARE,
        2 * DAY,
        6 * HOUR,
    ),
    (
        "Printer on level 3 jams on every duplex job",
        "<div>Single-sided jobs print fine.</div>",
        ON_HOLD,
        LOW,
        OLIVIA,
        None,
        Some(HARDWARE),
        CAT_HARDWARE,
        6 * DAY,
        DAY,
    ),
    (
        "New starter needs access to the CRM",
        "<div>Starts next Monday in Sales; needs the same access as Mei Chen.</div>",
        OPEN,
        MEDIUM,
        MEI,
        None,
        Some(SERVICE_DESK),
        CAT_ACCESS,
        DAY,
        DAY,
    ),
    (
        "Monitor flickers when docked",
        "<div>Only through the dock; direct HDMI is fine. Which dock model do you need?</div>",
        AWAITING,
        MEDIUM,
        LINCOLN,
        Some(CHARLES),
        Some(HARDWARE),
        CAT_HARDWARE,
        4 * DAY,
        3 * DAY,
    ),
    (
        "Wi-Fi in meeting room B is slow",
        "<div>Video calls freeze in room B.</div>",
        RESOLVED,
        MEDIUM,
        BRUCE,
        Some(HEATHER),
        Some(NETWORK),
        CAT_NETWORK,
        8 * DAY,
        2 * DAY,
    ),
    (
        "Password reset for the shared Facilities mailbox",
        "<div>Nobody knows the current password.</div>",
        CLOSED,
        LOW,
        OLIVIA,
        Some(CHARLES),
        Some(SERVICE_DESK),
        CAT_ACCESS,
        10 * DAY,
        9 * DAY,
    ),
    (
        "Renew the design team's software licences",
        "<div>Twelve seats expire at the end of the month.</div>",
        CLOSED,
        MEDIUM,
        LINCOLN,
        Some(HEATHER),
        Some(SERVICE_DESK),
        CAT_SOFTWARE,
        20 * DAY,
        12 * DAY,
    ),
];

/// One seeded note: request index, HTML, public, author, created (ago).
const NOTES: [(usize, &str, bool, u64, i64); 4] = [
    (
        0,
        "<div>Reproduced from home: the tunnel drops at 10 minutes exactly. Looks like an idle timeout.</div>",
        false,
        HEATHER,
        2 * DAY,
    ),
    (
        0,
        "<div>We are checking the VPN gateway's idle timeout; please keep a session open and note the time it drops.</div>",
        true,
        HEATHER,
        DAY + 20 * HOUR,
    ),
    (0, "<div>Gateway idle timeout is 600 s; change request raised to raise it.</div>", false, ALEX, 2 * HOUR),
    (3, "<div>Replacement battery ordered; do not charge the laptop meanwhile.</div>", true, CHARLES, 6 * HOUR),
];

/// The seeded portal, its times counted back from `now` (ms).
pub fn store(now: i64) -> Store {
    let mut store = Store::new(FIRST_NEW_ID);
    store.people = vec![
        person(ALEX, "Alex", "Morgan", Some(("IT Manager", "IT"))),
        person(HEATHER, "Heather", "Graham", Some(("Network Engineer", "IT"))),
        person(CHARLES, "Charles", "Kim", Some(("Service Desk Analyst", "IT"))),
        person(BRUCE, "Bruce", "Williams", None),
        person(MEI, "Mei", "Chen", None),
        person(LINCOLN, "Lincoln", "Ortiz", None),
        person(OLIVIA, "Olivia", "Brown", None),
    ];
    store.statuses = vec![
        status(OPEN, "Open", "#0066ff", true, "Open"),
        status(IN_PROGRESS, "In Progress", "#00ccff", true, "In Progress"),
        status(ON_HOLD, "On Hold", "#ff9900", false, "Onhold"),
        status(AWAITING, "Awaiting Requester", "#ffcc00", false, "Onhold"),
        status(RESOLVED, "Resolved", "#00cc66", false, "Resolved"),
        status(CLOSED, "Closed", "#006600", false, "Closed"),
    ];
    store.priorities = vec![
        named(LOW, "Low", Some("#666666")),
        named(MEDIUM, "Medium", Some("#ff9900")),
        named(HIGH, "High", Some("#ff3300")),
        named(URGENT, "Urgent", Some("#cc0000")),
    ];
    store.groups = vec![
        named(NETWORK, "Network", None),
        named(HARDWARE, "Hardware", None),
        named(SERVICE_DESK, "Service Desk", None),
    ];
    store.categories = vec![
        named(CAT_NETWORK, "Network", None),
        named(CAT_HARDWARE, "Hardware", None),
        named(CAT_SOFTWARE, "Software", None),
        named(CAT_ACCESS, "Access", None),
    ];
    store.closure_codes = ["Success", "Failed", "Canceled", "Postponed", "Unable to Reproduce", "Out of Scope"]
        .iter()
        .zip(SUCCESS..)
        .map(|(name, id)| named(id, name, None))
        .collect();
    for (index, seeded) in REQUESTS.iter().enumerate() {
        let (subject, description, status, priority, requester, technician, group, category, created, updated) =
            *seeded;
        let resolved = matches!(status, RESOLVED | CLOSED).then_some(now - updated);
        let closed = status == CLOSED;
        store.requests.push(Request {
            id: FIRST_REQUEST_ID + index as u64,
            display_id: index as u64 + 1,
            subject: subject.to_owned(),
            description: description.to_owned(),
            status,
            priority: Some(priority),
            requester,
            technician,
            group,
            category: Some(category),
            created: now - created,
            updated: now - updated,
            resolved,
            completed: closed.then_some(now - updated),
            due_by: (!closed && priority == URGENT).then_some(now - created + 4 * HOUR),
            closure: closed.then(|| Closure {
                code: Some(SUCCESS),
                comments: "Done and confirmed with the requester.".to_owned(),
                requester_ack_resolution: true,
                requester_ack_comments: String::new(),
            }),
        });
    }
    for (index, (request, description, public, author, ago)) in NOTES.iter().enumerate() {
        store.notes.push(Note {
            id: FIRST_NOTE_ID + index as u64,
            request: FIRST_REQUEST_ID + *request as u64,
            description: (*description).to_owned(),
            public: *public,
            notify_technician: false,
            mark_first_response: false,
            author: *author,
            created: now - ago,
        });
    }
    store
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_has_what_the_docs_promise() {
        let store = store(1_800_000_000_000);
        let vpn = store.requests.iter().find(|request| request.subject == VPN_SUBJECT).unwrap();
        assert_eq!((store.status(vpn.status).unwrap().name.as_str(), vpn.priority), ("Open", Some(HIGH)));
        assert!(store.notes_of(vpn.id).len() >= 2);
        assert!(store.requests.len() >= 8);
        for email in [ADMIN_EMAIL, HEATHER_EMAIL, CHARLES_EMAIL] {
            assert!(store.person_by_email(email).is_some_and(|person| person.technician), "{email}");
        }
        assert!(!store.person_by_email(BRUCE_EMAIL).unwrap().technician);
        assert!(store.requests.iter().any(|request| store.is_closed(request)));
        for request in &store.requests {
            assert!(request.created <= request.updated, "{}", request.subject);
        }
    }
}
