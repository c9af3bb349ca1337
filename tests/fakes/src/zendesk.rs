//! # A fake Zendesk Support account (Ticketing API v2)
//!
//! Serves what an adapter uses, the way a Zendesk account does (see
//! Zendesk's Tickets, Ticket Comments, Search, Users, Groups, pagination
//! and rate-limit documentation). Every path works with and without the
//! `.json` suffix.
//!
//! - **Auth** (rules in `auth.rs`): API token `Basic
//!   base64("{email}/token:{API_TOKEN}")`, OAuth `Bearer {ACCESS_TOKEN}`;
//!   password Basic only if [`Options::password_access`] (off, as on new
//!   accounts). Otherwise 401 `{"error":"Couldn't authenticate you"}`. End
//!   users get 403 except on `/users/me`.
//! - **Tickets**: `GET /api/v2/tickets` (cursor pages with `page[size]`
//!   ≤ 100 and `page[after]`/`page[before]`, else offset pages with `page`
//!   and `per_page` ≤ 100 up to 10,000 records; `sort=-updated_at` or
//!   `sort_by`/`sort_order` on `id`, `created_at`, `updated_at`, `status`,
//!   `priority`, `subject`, `type`), `GET /api/v2/tickets/{id}`,
//!   `GET /api/v2/tickets/show_many?ids=1,2`, `POST /api/v2/tickets`
//!   (201, `Location`), `PUT /api/v2/tickets/{id}` (comments are added
//!   only here), `GET /api/v2/tickets/{id}/comments` (offset or cursor,
//!   `sort_order=desc`).
//! - **Search**: `GET /api/v2/search` (offset only: `page[size]` is a 400;
//!   past 1,000 results a 422), `GET /api/v2/search/count`,
//!   `GET /api/v2/search/export` (cursor, `filter[type]` required), with the
//!   query language described in `query.rs`.
//! - **People**: `GET /api/v2/users/{id}`, `/users/show_many?ids=`,
//!   `/users/search?query=` (email or name), `/users/me`,
//!   `GET /api/v2/groups`, `/groups/{id}`.
//! - **Rate limits**: `X-Rate-Limit: 700` and `X-Rate-Limit-Remaining` on
//!   every response; ticket lists add `ratelimit-limit`,
//!   `ratelimit-remaining`, `ratelimit-reset` and
//!   `zendesk-ratelimit-tickets-index`. Once
//!   [`FakeZendesk::limit_requests`] is used up: 429, `Retry-After`, and a
//!   `text/plain` body (`Rate limit for ticket updates exceeded, please
//!   wait before updating this ticket again` on ticket updates, `Number of
//!   allowed API requests per minute exceeded` elsewhere).
//!
//! ## Response shapes
//!
//! Timestamps are RFC 3339 UTC (`2026-11-27T10:15:00Z`); ids are JSON
//! numbers; a key with no value is `null`, never absent. The JSON Schemas
//! in `tests/fakes/specs/zendesk/` state the same shapes and the tests
//! validate every response against them.
//!
//! - **ticket**: `url, id, external_id, via, created_at, updated_at,
//!   generated_timestamp, type, subject, raw_subject, description,
//!   priority, status, custom_status_id, recipient, requester_id,
//!   submitter_id, assignee_id, organization_id, group_id,
//!   collaborator_ids, follower_ids, email_cc_ids, forum_topic_id,
//!   problem_id, has_incidents, is_public, due_at, tags, custom_fields,
//!   fields, satisfaction_rating, sharing_agreement_ids, followup_ids,
//!   ticket_form_id, brand_id, allow_channelback, allow_attachments,
//!   from_messaging_channel`. `status` is one of `new open pending hold
//!   solved closed`; `priority` of `urgent high normal low` or `null`;
//!   `type` of `problem incident question task` or `null`.
//! - **via**: `{"channel": "web"|"email"|"api"|"voice", "source":
//!   {"from": {…}, "to": {…}, "rel": null}}` (an email names `address` and
//!   `name` on both sides).
//! - **comment**: `id, type ("Comment"), author_id, body, html_body,
//!   plain_body, public, attachments ([]), audit_id, via, created_at,
//!   metadata {system: {client, ip_address, location, latitude,
//!   longitude}, custom: {}}`.
//! - **audit**: `id, ticket_id, created_at, author_id, metadata, via,
//!   events`; an event is `{id, type: "Comment", author_id, body,
//!   html_body, plain_body, public, attachments, audit_id}`, `{id, type:
//!   "Create", field_name, value}` or `{id, type: "Change", field_name,
//!   value, previous_value}` (ids as strings, tags as arrays).
//! - **user**: `id, url, name, email, created_at, updated_at, time_zone,
//!   iana_time_zone, phone, shared_phone_number, photo, locale_id, locale,
//!   organization_id, role ("end-user"|"agent"|"admin"), verified,
//!   external_id, tags, alias, active, shared, shared_agent,
//!   last_login_at, two_factor_auth_enabled, signature, details, notes,
//!   role_type, custom_role_id, moderator, ticket_restriction,
//!   only_private_comments, restricted_agent, suspended, default_group_id,
//!   report_csv, user_fields`.
//! - **group**: `url, id, is_public, name, description, default, deleted,
//!   created_at, updated_at`.
//! - **single**: `{"ticket": …}`, `{"user": …}`, `{"group": …}`; a write:
//!   `{"ticket": …, "audit": …}`.
//! - **offset page**: `{"<items>": […], "next_page": url|null,
//!   "previous_page": url|null, "count": n}`; search adds `"facets":
//!   null` and each result a `"result_type"`.
//! - **cursor page**: `{"<items>": […], "meta": {"has_more": bool,
//!   "after_cursor": str|null, "before_cursor": str|null}, "links":
//!   {"next": url|null, "prev": url|null}}`. As on Zendesk, `links.next`
//!   is present whenever the page has records; `meta.has_more` says
//!   whether following it finds more.
//! - **count**: `{"count": n}`.
//! - **errors**: see `error.rs`: 400 `{"error":{"title","message"}}` or
//!   `{"errors":[{"code","title","detail"}]}` or `{"error","description"}`;
//!   401 `{"error"}`; 403/404/409/422 `{"error","description"}` (422
//!   `RecordInvalid` adds `details`); 429 plain text.
//!
//! State lives in memory and starts from the seed described in `seed.rs`
//! (users [`AGENT_ID`], [`ADMIN_ID`], [`BILLING_AGENT_ID`],
//! [`GRACE_ID`], [`MARCUS_ID`], [`AIKO_ID`]; groups
//! [`SUPPORT_GROUP_ID`], [`IT_OPERATIONS_GROUP_ID`],
//! [`BILLING_GROUP_ID`]; tickets 101–115), timed relative to
//! [`FakeZendesk::start`].

mod api;
mod auth;
mod clock;
mod error;
mod limiter;
mod model;
mod paging;
mod people;
mod query;
mod records;
mod render;
mod search;
mod seed;
mod store;
mod text;
mod tickets;
mod writes;

pub use error::{RATE_LIMITED, TICKET_UPDATES_RATE_LIMITED};
pub use limiter::RATE_LIMIT;

use crate::{Hits, Served, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The agent the default credentials sign in as.
pub const EMAIL: &str = "li.wei@example.com";
/// The account's API token (Zendesk tokens are 40 letters and digits).
pub const API_TOKEN: &str = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv";
/// An OAuth access token granted to [`EMAIL`].
pub const ACCESS_TOKEN: &str = "0d6f3e3c2b1a49f8e7d6c5b4a3928170f1e2d3c4b5a69788a7b6c5d4e3f2a1b0";
/// [`EMAIL`]'s password, refused unless [`Options::password_access`].
pub const PASSWORD: &str = "Fake-Zendesk#2026";

/// Li Wei ([`EMAIL`]): an agent in IT Operations.
pub const AGENT_ID: u64 = seed::LI_WEI;
/// Priya Natarajan (`priya.natarajan@example.com`): an administrator in
/// Support.
pub const ADMIN_ID: u64 = seed::PRIYA;
/// Tomás García (`tomas.garcia@example.com`): an agent in Billing.
pub const BILLING_AGENT_ID: u64 = seed::TOMAS;
/// Grace O'Connor (`grace.oconnor@example.com`): an end user.
pub const GRACE_ID: u64 = seed::GRACE;
/// Marcus Bell (`marcus.bell@example.com`): an end user.
pub const MARCUS_ID: u64 = seed::MARCUS;
/// Aiko Tanaka (`aiko.tanaka@example.com`): an end user.
pub const AIKO_ID: u64 = seed::AIKO;
/// The "Support" group (the default).
pub const SUPPORT_GROUP_ID: u64 = seed::SUPPORT;
/// The "IT Operations" group.
pub const IT_OPERATIONS_GROUP_ID: u64 = seed::IT_OPERATIONS;
/// The "Billing" group.
pub const BILLING_GROUP_ID: u64 = seed::BILLING;

/// Who the fake account lets in.
#[derive(Debug, Clone)]
pub struct Options {
    /// The email OAuth tokens act as, and the one password sign-in
    /// accepts.
    pub email: String,
    /// The account's API token (works with any user's email).
    pub api_token: String,
    /// The OAuth access token accepted as `Bearer`.
    pub access_token: String,
    /// [`Options::email`]'s password.
    pub password: String,
    /// Whether "Password access" is on for the API (off by default).
    pub password_access: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            email: EMAIL.to_owned(),
            api_token: API_TOKEN.to_owned(),
            access_token: ACCESS_TOKEN.to_owned(),
            password: PASSWORD.to_owned(),
            password_access: false,
        }
    }
}

/// The account's state, shared by the handlers.
struct Account {
    options: Options,
    store: Mutex<store::Store>,
    limiter: Mutex<limiter::Limiter>,
}

/// A fake Zendesk account being served; dropping it stops it.
pub struct FakeZendesk {
    /// The server: address and recorded requests.
    pub served: Served,
    account: Arc<Account>,
}

impl FakeZendesk {
    /// Starts an account with the seed data on `127.0.0.1:0`, over HTTPS
    /// with the [`crate::TestCa`] certificate.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let account =
            Arc::new(Account { options, store: Mutex::new(seed::store(clock::now())), limiter: Mutex::default() });
        Ok(Self { served: crate::serve(api::router(account.clone())).await?, account })
    }

    /// `127.0.0.1:PORT`: what a tenant's `subdomain`/`base_url` points at.
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// Every request received so far.
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Uses up the rate limit: `budget` more requests pass (their
    /// `X-Rate-Limit-Remaining` falling to 0), then every request is refused
    /// with 429 and `Retry-After` for `retry_after_secs`, after which the
    /// limit lifts.
    pub fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        lock(&self.account.limiter).arm(budget, Duration::from_secs(retry_after_secs));
    }

    /// Ticket `id` as `GET /api/v2/tickets/{id}` would return it (without
    /// the `{"ticket": …}` wrapper), for tests that check what a client
    /// really changed.
    pub fn ticket(&self, id: u64) -> Option<serde_json::Value> {
        let store = lock(&self.account.store);
        let host = self.host();
        store.ticket(id).map(|ticket| render::Render::new(&host, &store).ticket(ticket))
    }

    /// The comments on ticket `id`, oldest first, as the comments endpoint
    /// returns them (empty for a ticket that does not exist).
    pub fn comments(&self, id: u64) -> Vec<serde_json::Value> {
        let store = lock(&self.account.store);
        let host = self.host();
        let render = render::Render::new(&host, &store);
        store.comments_of(id).into_iter().map(|comment| render.comment(comment)).collect()
    }
}
