//! # A fake ServiceNow instance
//!
//! Serves what an adapter uses, the way a stock instance does (see
//! ServiceNow's Table API, OAuth and rate-limiting documentation):
//!
//! - **Table API** on `/api/now/table/{table}` (and `/api/now/v1|v2/...`):
//!   list, read, create (201 + `Location`), update (`PATCH`/`PUT`), delete
//!   (204). Listing supports the encoded query language (`=`, `!=`, `LIKE`,
//!   `NOT LIKE`, `STARTSWITH`, `ENDSWITH`, `IN`, `<`, `<=`, `>`, `>=`,
//!   `ISEMPTY`, `^`, `^OR`, `^NQ`, `ORDERBY`, `ORDERBYDESC`, dot-walking
//!   such as `assignment_group.name`; unknown fields are ignored),
//!   `sysparm_limit` (default 10000), `sysparm_offset`, `sysparm_fields`,
//!   `sysparm_display_value` (`false|true|all`),
//!   `sysparm_exclude_reference_link`, `X-Total-Count` and `Link` paging
//!   headers. Every value is a string; references are `{link, value}`.
//! - **Journals**: writing `comments` or `work_notes` stores a
//!   `sys_journal_field` entry (queryable like any table); the field reads
//!   back empty, and its display value is the history.
//! - **Business rules**: numbering (`INC0010013`…), priority from impact ×
//!   urgency, and the data policy that resolving needs a close code and
//!   notes (403 otherwise).
//! - **Auth**: HTTP Basic ([`USERNAME`], [`PASSWORD`]) or a Bearer token from
//!   `POST /oauth_token.do` (form-encoded only; `password`, `refresh_token`
//!   and `client_credentials` grants). Anything else is 401 with
//!   ServiceNow's envelope, `User Not Authenticated`.
//! - **Errors** in ServiceNow's envelope
//!   `{"error":{"message","detail"},"status":"failure"}`: 404 `No Record
//!   found`, 400 `Invalid table …`, and, once
//!   [`FakeServiceNow::limit_requests`] is used up, 429 `Rate limit
//!   exceeded` with `Retry-After` and `X-RateLimit-Limit|Reset|Rule`.
//!
//! State lives in memory and starts from a seed of users, groups, a dozen
//! incidents across states, priorities and groups, and a few problems,
//! changes, request items and knowledge articles.

mod api;
mod auth;
mod clock;
mod error;
mod ids;
mod limiter;
mod params;
mod query;
mod render;
mod rules;
mod schema;
mod seed;
mod store;

pub use limiter::{RATE_LIMIT_PER_HOUR, RATE_LIMIT_RULE};
pub use store::Row;

// What the BuyICT portal, a ServiceNow instance too, answers the same way.
pub(crate) use error::envelope as error_envelope;
pub(crate) use limiter::apply_rule_headers;

use crate::{Hits, Served, lock};
use axum::Router;
use axum::routing::post;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The user Basic auth accepts by default: the stock `admin`, whose
/// `sys_user` record is seeded.
pub const USERNAME: &str = "admin";
/// `admin`'s password.
pub const PASSWORD: &str = "Fake-Instance#2025";
/// The OAuth client (application registry entry) the token endpoint knows;
/// ServiceNow client ids are 32 hex digits.
pub const CLIENT_ID: &str = "ac0dd3408c1031006907010c2cc6ef6d";
/// The OAuth client's secret.
pub const CLIENT_SECRET: &str = "fake-client-secret-1f0b";
/// A refresh token the token endpoint accepts for `admin`.
pub const REFRESH_TOKEN: &str = "w599voG8fake-refresh-token-for-admin-9d3c";
/// How long access tokens live by default: ServiceNow's 1799 s.
pub const TOKEN_LIFETIME: Duration = Duration::from_secs(1799);

/// Who the fake instance lets in.
#[derive(Debug, Clone)]
pub struct Options {
    /// Basic-auth user name (the one user that can sign in).
    pub username: String,
    /// Basic-auth password.
    pub password: String,
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: String,
    /// The refresh token the `refresh_token` grant accepts.
    pub refresh_token: String,
    /// Lifetime of issued access tokens.
    pub token_lifetime: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            username: USERNAME.to_owned(),
            password: PASSWORD.to_owned(),
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            refresh_token: REFRESH_TOKEN.to_owned(),
            token_lifetime: TOKEN_LIFETIME,
        }
    }
}

/// The instance's state, shared by the handlers.
struct Instance {
    options: Options,
    store: Mutex<store::Store>,
    tokens: Mutex<auth::Tokens>,
    limiter: Mutex<limiter::Limiter>,
}

/// A fake ServiceNow instance being served; dropping it stops it.
pub struct FakeServiceNow {
    /// The server: address and recorded requests.
    pub served: Served,
    instance: Arc<Instance>,
}

impl FakeServiceNow {
    /// Starts an instance with the seed data on `127.0.0.1:0`, over HTTPS
    /// with the [`crate::TestCa`] certificate.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let instance = Arc::new(Instance {
            options,
            store: Mutex::new(seed::store()),
            tokens: Mutex::default(),
            limiter: Mutex::default(),
        });
        let router = Router::new()
            .route("/oauth_token.do", post(auth::token).with_state(instance.clone()))
            .merge(api::router(instance.clone()))
            .fallback(|| async { error::ApiError::NoResource });
        Ok(Self { served: crate::serve(router).await?, instance })
    }

    /// `127.0.0.1:PORT`: what a tenant's `instance` setting is set to.
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// Every request received so far.
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Arms the rate-limit rule: `budget` more Table API requests pass
    /// (with `X-RateLimit-*` headers), then every one is refused with 429
    /// and `Retry-After` for `retry_after_secs`, after which the rule lifts.
    pub fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        lock(&self.instance.limiter).arm(budget, Duration::from_secs(retry_after_secs));
    }

    /// Access tokens the OAuth endpoint has issued.
    pub fn tokens_issued(&self) -> usize {
        lock(&self.instance.tokens).issued()
    }

    /// The stored rows of `table` (empty for a table the instance lacks),
    /// for tests that check what a client really changed.
    pub fn records(&self, table: &str) -> Vec<Row> {
        lock(&self.instance.store).rows(table).to_vec()
    }
}
