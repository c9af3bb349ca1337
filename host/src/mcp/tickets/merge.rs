//! Merging the pages the systems answered into one page, newest `updated`
//! first, and the positions the next page resumes from.
//!
//! Each system's page is already newest first. The merge takes the newest
//! head among them, but stops early rather than guess: once a system has
//! handed over its whole page and has more, its next page may hold tickets
//! newer than another system's head, so nothing older than that system's
//! last ticket is taken until it has been asked again.

use super::cursor::Position;
use super::model::updated_at;
use crate::runtime::bindings::ticketing::{Ticket, TicketPage};
use std::collections::VecDeque;
use time::OffsetDateTime;

/// What one system answered for the page at `position`.
pub struct Fetched {
    /// Where the page was fetched from.
    pub position: Position,
    /// The page.
    pub page: TicketPage,
}

/// The merged page.
pub struct Merged {
    /// The tickets with their systems, newest first.
    pub tickets: Vec<(String, Ticket)>,
    /// Where each system with more stands now.
    pub positions: Vec<Position>,
}

struct Lane {
    position: Position,
    queue: VecDeque<(OffsetDateTime, Ticket)>,
    taken: u32,
    next: Option<String>,
    /// When the page's last ticket changed: the newest its next page can be.
    floor: Option<OffsetDateTime>,
}

/// Merges `fetched` into at most `limit` tickets. A system that moves on to
/// its next page is asked for `next_size` tickets there.
pub fn merge(fetched: Vec<Fetched>, limit: usize, next_size: u32) -> Merged {
    let mut lanes: Vec<Lane> = fetched
        .into_iter()
        .map(|Fetched { position, page }| {
            let queue: VecDeque<_> = page
                .tickets
                .into_iter()
                .take(position.size as usize)
                .skip(position.skip as usize)
                .map(|ticket| (updated_at(&ticket), ticket))
                .collect();
            let floor = queue.back().map(|(updated, _)| *updated);
            Lane { position, queue, taken: 0, next: page.cursor, floor }
        })
        .collect();
    let mut tickets = Vec::new();
    while tickets.len() < limit {
        let newest = lanes
            .iter()
            .enumerate()
            .filter_map(|(index, lane)| lane.queue.front().map(|(updated, ticket)| (index, *updated, lane, ticket)))
            .max_by(|a, b| {
                (a.1.cmp(&b.1))
                    .then_with(|| b.2.position.system.cmp(&a.2.position.system))
                    .then_with(|| b.3.key.cmp(&a.3.key))
            })
            .map(|(index, updated, ..)| (index, updated));
        let Some((index, updated)) = newest else { break };
        let waiting = lanes.iter().any(|lane| {
            lane.queue.is_empty() && lane.next.is_some() && lane.floor.is_none_or(|floor| floor >= updated)
        });
        if waiting {
            break;
        }
        let lane = &mut lanes[index];
        if let Some((_, ticket)) = lane.queue.pop_front() {
            lane.taken += 1;
            tickets.push((lane.position.system.clone(), ticket));
        }
    }
    let positions = lanes
        .into_iter()
        .filter_map(|lane| {
            if lane.queue.is_empty() {
                lane.next.map(|cursor| Position {
                    system: lane.position.system,
                    cursor: Some(cursor),
                    size: next_size,
                    skip: 0,
                })
            } else {
                Some(Position { skip: lane.position.skip + lane.taken, ..lane.position })
            }
        })
        .collect();
    Merged { tickets, positions }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::bindings::ticketing::StatusCategory;

    fn ticket(key: &str, updated: &str) -> Ticket {
        Ticket {
            key: key.into(),
            title: key.into(),
            description: String::new(),
            status: StatusCategory::Open,
            status_name: "Open".into(),
            priority: None,
            priority_name: None,
            assignee: None,
            requester: None,
            group: None,
            created: updated.into(),
            updated: updated.into(),
            labels: vec![],
            url: None,
        }
    }

    fn page(system: &str, cursor: Option<&str>, skip: u32, tickets: &[(&str, &str)], next: Option<&str>) -> Fetched {
        Fetched {
            position: Position { system: system.into(), cursor: cursor.map(Into::into), size: 3, skip },
            page: TicketPage {
                tickets: tickets.iter().map(|(key, updated)| ticket(key, updated)).collect(),
                cursor: next.map(Into::into),
            },
        }
    }

    fn keys(merged: &Merged) -> Vec<String> {
        merged.tickets.iter().map(|(system, ticket)| format!("{system}:{}", ticket.key)).collect()
    }

    #[test]
    fn interleaves_by_updated_and_remembers_what_was_returned() {
        let merged = merge(
            vec![
                page("jira", None, 0, &[("A", "2026-11-27T10:00:00Z"), ("B", "2026-11-27T08:00:00Z")], None),
                page("zendesk", None, 0, &[("1", "2026-11-27T09:00:00+00:00"), ("2", "2026-11-27T07:00:00Z")], None),
            ],
            3,
            3,
        );
        assert_eq!(keys(&merged), ["jira:A", "zendesk:1", "jira:B"]);
        // zendesk's `2` is still to come: the same page, one skipped.
        assert_eq!(merged.positions, [Position { system: "zendesk".into(), cursor: None, size: 3, skip: 1 }]);
    }

    #[test]
    fn waits_for_a_system_whose_next_page_may_be_newer() {
        let merged = merge(
            vec![
                page("jira", None, 0, &[("A", "2026-11-27T10:00:00Z")], Some("j2")),
                page("zendesk", None, 0, &[("1", "2026-11-27T09:00:00Z"), ("2", "2026-11-27T08:00:00Z")], None),
            ],
            3,
            5,
        );
        // After A, jira's next page may hold anything up to 10:00, newer than `1`.
        assert_eq!(keys(&merged), ["jira:A"]);
        assert_eq!(
            merged.positions,
            [
                Position { system: "jira".into(), cursor: Some("j2".into()), size: 5, skip: 0 },
                Position { system: "zendesk".into(), cursor: None, size: 3, skip: 0 },
            ]
        );
    }

    #[test]
    fn resumes_a_page_past_what_it_returned() {
        let merged = merge(
            vec![page(
                "servicenow",
                Some("20"),
                2,
                &[("X", "2026-11-27T10:00:00Z"), ("Y", "2026-11-27T09:00:00Z"), ("Z", "2026-11-27T08:00:00Z")],
                None,
            )],
            10,
            3,
        );
        assert_eq!(keys(&merged), ["servicenow:Z"]);
        assert!(merged.positions.is_empty());
    }
}
