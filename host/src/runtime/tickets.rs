//! The calls of the `ticketing` export, one type per operation, so that
//! [`super::Runtime::ticketing`] runs any of them in a fresh sandbox and
//! returns what that operation returns.

use super::bindings::ticketing::{
    Comment, Guest, NewComment, NewTicket, SearchQuery, Ticket, TicketDetails, TicketPage, TicketUpdate,
};
use super::bindings::types::ToolError;
use super::state::CallState;
use std::future::Future;
use wasmtime::Store;

/// One operation of the `ticketing` interface.
pub trait TicketOperation: Send {
    /// What the guest answers.
    type Output: Send;
    /// The export's name, for the log and the audit trail.
    const EXPORT: &'static str;
    /// Calls the export on `guest`.
    fn send(
        self,
        store: &mut Store<CallState>,
        guest: &Guest,
    ) -> impl Future<Output = wasmtime::Result<Result<Self::Output, ToolError>>> + Send;
}

/// `search`.
impl TicketOperation for SearchQuery {
    type Output = TicketPage;
    const EXPORT: &'static str = "ticketing.search";
    async fn send(
        self,
        store: &mut Store<CallState>,
        guest: &Guest,
    ) -> wasmtime::Result<Result<TicketPage, ToolError>> {
        guest.call_search(store, &self).await
    }
}

/// `get`: the ticket with this key.
pub struct GetTicket(pub String);

impl TicketOperation for GetTicket {
    type Output = TicketDetails;
    const EXPORT: &'static str = "ticketing.get";
    async fn send(
        self,
        store: &mut Store<CallState>,
        guest: &Guest,
    ) -> wasmtime::Result<Result<TicketDetails, ToolError>> {
        guest.call_get(store, &self.0).await
    }
}

/// `create`.
impl TicketOperation for NewTicket {
    type Output = Ticket;
    const EXPORT: &'static str = "ticketing.create";
    async fn send(self, store: &mut Store<CallState>, guest: &Guest) -> wasmtime::Result<Result<Ticket, ToolError>> {
        guest.call_create(store, &self).await
    }
}

/// `add-comment`: on the ticket with this key.
pub struct AddComment(pub String, pub NewComment);

impl TicketOperation for AddComment {
    type Output = Comment;
    const EXPORT: &'static str = "ticketing.add-comment";
    async fn send(self, store: &mut Store<CallState>, guest: &Guest) -> wasmtime::Result<Result<Comment, ToolError>> {
        guest.call_add_comment(store, &self.0, &self.1).await
    }
}

/// `update`: of the ticket with this key.
pub struct UpdateTicket(pub String, pub TicketUpdate);

impl TicketOperation for UpdateTicket {
    type Output = Ticket;
    const EXPORT: &'static str = "ticketing.update";
    async fn send(self, store: &mut Store<CallState>, guest: &Guest) -> wasmtime::Result<Result<Ticket, ToolError>> {
        guest.call_update(store, &self.0, &self.1).await
    }
}
