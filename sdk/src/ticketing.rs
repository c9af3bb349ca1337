//! The normalised ticket desk: what a plugin that fronts a ticket system
//! implements so that the host's `tickets_search`, `tickets_get`,
//! `tickets_create`, `tickets_comment` and `tickets_update` reach it.
//!
//! Implement [`TicketSystem`] beside [`Plugin`](crate::Plugin) and export
//! with [`export_ticket_plugin!`](crate::export_ticket_plugin). Each
//! adapter maps its system's statuses, priorities and users onto
//! [`StatusCategory`], [`Priority`] and [`Person`]; keep those mappings as
//! data (a table per direction) so they can be documented and tested.
//!
//! ```no_run
//! use berth_sdk::ticketing::{
//!     Comment, NewComment, NewTicket, SearchQuery, Ticket, TicketDetails, TicketPage, TicketSystem, TicketUpdate,
//! };
//! use berth_sdk::{Manifest, Plugin, Tool, ToolError};
//!
//! struct Desk;
//!
//! impl Plugin for Desk {
//!     fn manifest() -> Manifest {
//!         Manifest::new("desk", "1.0.0", "A ticket system")
//!     }
//!     fn tools() -> Vec<Tool> {
//!         Vec::new()
//!     }
//! }
//!
//! impl TicketSystem for Desk {
//!     fn search(query: SearchQuery) -> Result<TicketPage, ToolError> {
//!         Ok(TicketPage { tickets: Vec::new(), cursor: None })
//!     }
//!     fn get(key: &str) -> Result<TicketDetails, ToolError> {
//!         Err(ToolError::not_found(format!("no ticket {key}")))
//!     }
//!     fn create(ticket: NewTicket) -> Result<Ticket, ToolError> {
//!         Err(ToolError::denied("read-only"))
//!     }
//!     fn comment(key: &str, comment: NewComment) -> Result<Comment, ToolError> {
//!         Err(ToolError::denied("read-only"))
//!     }
//!     fn update(key: &str, update: TicketUpdate) -> Result<Ticket, ToolError> {
//!         Err(ToolError::denied("read-only"))
//!     }
//! }
//!
//! berth_sdk::export_ticket_plugin!(Desk);
//! ```

use crate::ToolError;

pub use crate::ticket_bindings::exports::berth::plugin::ticketing::{
    Assignment, Comment, NewComment, NewTicket, Person, Priority, SearchQuery, StatusCategory, Ticket, TicketDetails,
    TicketPage, TicketUpdate,
};

/// Every status category, for mapping tables to be checked against.
pub const STATUS_CATEGORIES: [StatusCategory; 6] = [
    StatusCategory::New,
    StatusCategory::Open,
    StatusCategory::Pending,
    StatusCategory::InProgress,
    StatusCategory::Resolved,
    StatusCategory::Closed,
];

/// Every priority, for mapping tables to be checked against.
pub const PRIORITIES: [Priority; 5] =
    [Priority::Critical, Priority::High, Priority::Medium, Priority::Low, Priority::Planning];

/// A ticket system, seen through the normalised model. The host has
/// already checked the arguments' shape; keys are the system's own
/// (`OPS-12`), never the host's `system:key` ids.
pub trait TicketSystem: crate::Plugin {
    /// Tickets matching `query`, most recently updated first, at most
    /// `query.limit` of them, with a cursor when more remain.
    fn search(query: SearchQuery) -> Result<TicketPage, ToolError>;
    /// Ticket `key` with its comments, oldest first; `not-found` if there
    /// is none.
    fn get(key: &str) -> Result<TicketDetails, ToolError>;
    /// Files `ticket` and returns it as the system now has it.
    fn create(ticket: NewTicket) -> Result<Ticket, ToolError>;
    /// Adds `comment` to ticket `key`.
    fn comment(key: &str, comment: NewComment) -> Result<Comment, ToolError>;
    /// Applies `update` to ticket `key` and returns it as the system now
    /// has it.
    fn update(key: &str, update: TicketUpdate) -> Result<Ticket, ToolError>;
}
