//! The tenant's seed: users, incidents with responses, and alerts, dated
//! relative to when the fake starts so that "the last day" means
//! something.

use super::model::{Alert, Incident, Response, Store, User};

/// Ana Silva, an engineer: assigned the VPN incident.
pub const ANA_EMAIL: &str = "ana.silva@example.com";
/// Raj Patel, an engineer.
pub const RAJ_EMAIL: &str = "raj.patel@example.com";
/// Mei Chen, who reports problems.
pub const MEI_EMAIL: &str = "mei.chen@example.com";
/// The seeded incident with responses and alerts.
pub const VPN_INCIDENT: &str = "INC0000001101";
/// Its subject.
pub const VPN_SUBJECT: &str = "VPN gateway drops remote users every few minutes";

const HOUR: i64 = 3600;

fn user(id: &str, login_name: &str, first_name: &str, last_name: &str, email: &str) -> User {
    let text = str::to_owned;
    User {
        id: text(id),
        login_name: text(login_name),
        first_name: text(first_name),
        last_name: text(last_name),
        email: text(email),
    }
}

/// One seeded incident: `(number, subject, description, status, priority,
/// assignee, hours since created, hours since updated, alerts)`.
type Seeded =
    (u64, &'static str, &'static str, &'static str, &'static str, Option<&'static str>, i64, i64, &'static [u64]);

const INCIDENTS: &[Seeded] = &[
    (
        1101,
        VPN_SUBJECT,
        "Remote staff on the Sydney VPN gateway are disconnected every 5 to 10 minutes since the firmware update.",
        "Open",
        "High",
        Some(ANA),
        30,
        1,
        &[389541, 389542],
    ),
    (
        1102,
        "Core router CPU above 95% in the Sydney data centre",
        "core-rtr-syd has sustained CPU above 95% for 20 minutes; BGP sessions flap.",
        "New",
        "Urgent",
        None,
        3,
        2,
        &[389543],
    ),
    (
        1103,
        "Backup server disk usage above 90%",
        "backup-01 /var/backups is 93% full; tonight's full backup will not fit.",
        "Open",
        "Normal",
        Some(RAJ),
        50,
        5,
        &[389544],
    ),
    (
        1104,
        "Customer portal TLS certificate expires in 7 days",
        "The certificate for portal.acme.example.com expires on the 5th; renewal waits on the registrar.",
        "Pending",
        "High",
        Some(ANA),
        72,
        8,
        &[],
    ),
    (
        1105,
        "Packet loss on the Parramatta branch link",
        "2-4% loss during business hours; the carrier is investigating.",
        "On Hold",
        "Low",
        Some(RAJ),
        120,
        20,
        &[],
    ),
    (
        1106,
        "Hypervisor patching window overran",
        "Cluster B patching ran 40 minutes past the window; two VMs restarted late.",
        "Resolved",
        "Normal",
        Some(ANA),
        200,
        48,
        &[],
    ),
    (
        1107,
        "Retired printer still raising SNMP alerts",
        "printer-l3 was removed last month but its monitor was not.",
        "Closed",
        "Very Low",
        Some(RAJ),
        400,
        100,
        &[389546],
    ),
];

/// Ana's and Raj's user ids.
const ANA: &str = "USR0000002146";
const RAJ: &str = "USR0000002147";
const MEI: &str = "USR0000002148";
/// The API integration, which writes what the API adds.
const INTEGRATION: &str = "USR0000000001";

/// The seeded store, dated relative to `now` (epoch seconds).
pub fn store(now: i64) -> Store {
    let users = vec![
        user(INTEGRATION, "berth-integration", "Berth", "Integration", "integrations@acme.example.com"),
        user(ANA, "ana.silva", "Ana", "Silva", ANA_EMAIL),
        user(RAJ, "raj.patel", "Raj", "Patel", RAJ_EMAIL),
        user(MEI, "mei.chen", "Mei", "Chen", MEI_EMAIL),
    ];
    let incidents = INCIDENTS
        .iter()
        .map(|&(number, subject, description, status, priority, assignee, created, updated, alerts)| Incident {
            id: format!("INC{number:010}"),
            subject: subject.to_owned(),
            description: description.to_owned(),
            status: status.to_owned(),
            old_status: None,
            priority: priority.to_owned(),
            requester: Some(MEI.to_owned()),
            assigned_user: assignee.map(str::to_owned),
            group: Some("Network Operations".to_owned()),
            alert_ids: alerts.to_vec(),
            reason: None,
            resolution_summary: (status == "Resolved")
                .then(|| "Patched the remaining hosts the next night.".to_owned()),
            created: now - created * HOUR,
            updated: now - updated * HOUR,
        })
        .collect();
    let said = [
        (VPN_INCIDENT, MEI, "It happened again at 09:40, in the middle of a client call.", false, 28),
        (VPN_INCIDENT, ANA, "Firmware 7.2.1 changed the DPD timeout; testing 60 s.", true, 20),
        (VPN_INCIDENT, ANA, "Rolled the timeout back on gw-02; watching for drops.", true, 2),
        ("INC0000001104", ANA, "Waiting on the registrar to validate the domain.", false, 8),
    ];
    let responses = said
        .iter()
        .enumerate()
        .map(|(index, &(incident, creator, description, internal, hours))| Response {
            id: 501 + index as u64,
            incident: incident.to_owned(),
            creator: creator.to_owned(),
            description: description.to_owned(),
            internal,
            created: now - hours * HOUR,
        })
        .collect();
    Store { users, incidents, responses, alerts: alerts(now), next_incident: 1107, next_response: 600 }
}

/// `(id, subject, state, old state, metric, priority, resource, acknowledged,
/// suppressed, closed, incident, hours since raised, hours since updated)`.
type SeededAlert = (
    u64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    bool,
    bool,
    bool,
    Option<&'static str>,
    i64,
    i64,
);

const ALERTS: &[SeededAlert] = &[
    (
        389541,
        "VPN tunnel flaps on vpn-gw-01",
        "Critical",
        "Ok",
        "ipsec.tunnel.state",
        "P1",
        "vpn-gw-01",
        false,
        false,
        false,
        Some(VPN_INCIDENT),
        30,
        1,
    ),
    (
        389542,
        "VPN user sessions dropped above threshold",
        "Warning",
        "Ok",
        "vpn.sessions.dropped",
        "P2",
        "vpn-gw-01",
        true,
        false,
        false,
        Some(VPN_INCIDENT),
        29,
        3,
    ),
    (
        389543,
        "CPU utilisation above 95%",
        "Critical",
        "Warning",
        "system.cpu.utilization",
        "P0",
        "core-rtr-syd",
        false,
        false,
        false,
        Some("INC0000001102"),
        3,
        2,
    ),
    (
        389544,
        "Disk /var/backups above 90%",
        "Warning",
        "Ok",
        "system.disk.usage",
        "P2",
        "backup-01",
        false,
        false,
        false,
        Some("INC0000001103"),
        50,
        5,
    ),
    (
        389545,
        "Interface ge-0/0/3 errors rising",
        "Warning",
        "Ok",
        "network.interface.errors",
        "P3",
        "core-rtr-syd",
        false,
        false,
        false,
        None,
        6,
        4,
    ),
    (
        389546,
        "SNMP agent not responding",
        "Critical",
        "Ok",
        "snmp.agent.status",
        "P4",
        "printer-l3",
        false,
        true,
        false,
        Some("INC0000001107"),
        400,
        100,
    ),
    (
        389547,
        "Ping loss recovered",
        "Ok",
        "Critical",
        "network.ping.loss",
        "P3",
        "backup-01",
        false,
        false,
        true,
        None,
        10,
        9,
    ),
];

fn alerts(now: i64) -> Vec<Alert> {
    ALERTS
        .iter()
        .map(
            |&(
                id,
                subject,
                state,
                old,
                metric,
                priority,
                resource,
                acknowledged,
                suppressed,
                closed,
                incident,
                raised,
                updated,
            )| {
                Alert {
                    id,
                    subject: subject.to_owned(),
                    description: format!("{subject} ({metric} on {resource})"),
                    current_state: state.to_owned(),
                    old_state: old.to_owned(),
                    metric: metric.to_owned(),
                    priority: priority.to_owned(),
                    resource: resource.to_owned(),
                    acknowledged,
                    suppressed,
                    closed,
                    incident: incident.map(str::to_owned),
                    repeat_count: 1,
                    raised: now - raised * HOUR,
                    updated: now - updated * HOUR,
                }
            },
        )
        .collect()
}
