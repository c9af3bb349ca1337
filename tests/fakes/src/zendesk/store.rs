//! The account's records, in memory, and the identifiers new ones get.
//!
//! Tickets are numbered on from the highest seeded number; users, comments,
//! audits and audit events take ids from one large counter, as on a real
//! account where they are 12 to 13 digits long.

use super::model::{Comment, Group, Ticket, User};

/// Every record of the account.
#[derive(Debug, Default)]
pub struct Store {
    /// Users, in creation order.
    pub users: Vec<User>,
    /// Groups, in creation order.
    pub groups: Vec<Group>,
    /// Tickets, in creation order.
    pub tickets: Vec<Ticket>,
    /// Comments of every ticket, in creation order.
    pub comments: Vec<Comment>,
    next_record_id: u64,
}

impl Store {
    /// A store whose new users, comments and audits are numbered from
    /// `first_record_id`.
    pub fn new(first_record_id: u64) -> Self {
        Self { next_record_id: first_record_id, ..Self::default() }
    }

    /// A fresh id for a user, comment, audit or audit event.
    pub fn next_id(&mut self) -> u64 {
        let id = self.next_record_id;
        self.next_record_id += 1;
        id
    }

    /// The number the next ticket gets.
    pub fn next_ticket_id(&self) -> u64 {
        self.tickets.iter().map(|ticket| ticket.id).max().unwrap_or(0) + 1
    }

    /// The user with `id`.
    pub fn user(&self, id: u64) -> Option<&User> {
        self.users.iter().find(|user| user.id == id)
    }

    /// The user whose email is `email` (case-insensitively).
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users.iter().find(|user| user.email.eq_ignore_ascii_case(email.trim()))
    }

    /// The group with `id`.
    pub fn group(&self, id: u64) -> Option<&Group> {
        self.groups.iter().find(|group| group.id == id)
    }

    /// The ticket with `id`.
    pub fn ticket(&self, id: u64) -> Option<&Ticket> {
        self.tickets.iter().find(|ticket| ticket.id == id)
    }

    /// The ticket with `id`, to change it.
    pub fn ticket_mut(&mut self, id: u64) -> Option<&mut Ticket> {
        self.tickets.iter_mut().find(|ticket| ticket.id == id)
    }

    /// The comments on ticket `id`, oldest first.
    pub fn comments_of(&self, id: u64) -> Vec<&Comment> {
        let mut comments: Vec<&Comment> = self.comments.iter().filter(|comment| comment.ticket_id == id).collect();
        comments.sort_by_key(|comment| (comment.created_at, comment.id));
        comments
    }
}
