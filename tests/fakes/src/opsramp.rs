//! # A fake HPE OpsRamp tenant (API v2) and its OAuth token endpoint
//!
//! One HTTPS server plays a partner's API host (`acme.api.opsramp.com`),
//! so a Berth tenant's `api_host` is [`FakeOpsRamp::host`] and its token
//! URL `{base}/auth/oauth/token`. It follows OpsRamp's published OpenAPI
//! files (`opsramp-auth`, `opsramp-alerts`, `opsramp-tickets`, v2) and its
//! API documentation, as summarised in the upstream reference.
//!
//! - **OAuth** (`oauth.rs`): `POST /auth/oauth/token` (also
//!   `/tenancy/auth/oauth/token`), form-encoded, `grant_type=
//!   client_credentials` with [`CLIENT_ID`] and [`CLIENT_SECRET`] (in the
//!   body or as HTTP Basic), answers `{"access_token": "<uuid>",
//!   "token_type": "bearer", "expires_in": "7199", "scope":
//!   "global:manage"}`: the lifetime is a **string**, as OpsRamp sends it.
//!   A wrong client is 401 `{"error": "unauthorized",
//!   "error_description": "Bad API credentials"}`; another grant is 400
//!   `unsupported_grant_type`. [`FakeOpsRamp::expire_tokens`] ends every
//!   token now; [`FakeOpsRamp::tokens_issued`] counts them.
//! - **The API** lives under `/api/v2/tenants/{tenantId}/`. Every call
//!   needs `Authorization: Bearer <token>` (else 401 `{"error":
//!   "invalid_token", ...}`) and the tenant [`TENANT_ID`] (another is 403
//!   `access_denied`, as a key used beyond its client is). An unknown path
//!   is 404.
//! - **Searches** (`search.rs`) take `queryString` (`key:value` pairs
//!   joined by `+`, several values by `,`; dates `yyyy-MM-ddTHH:mm:ss
//!   0000`), `pageNo` (from 1), `pageSize` (1–500, default 100),
//!   `sortName` and `isDescendingOrder` (default `true`), and answer
//!   OpsRamp's envelope `{"results", "totalResults", "orderBy", "pageNo",
//!   "pageSize", "totalPages", "nextPage", "nextPageNo"?,
//!   "previousPageNo", "descendingOrder"}`. A key the endpoint does not
//!   know, a pair without `:` or a bad date is 400: the fake is strict so
//!   that an adapter's mistakes show.
//! - **Incidents** (`incidents.rs`): `GET incidents/search` (keys
//!   `status`, `priority`, `subject` (words, any case), `assignedTo`,
//!   `requester` (user ids), `startCreationDate`, `endCreationDate`,
//!   `startUpdationDate`, `endUpdationDate`, `hasAlerts`; sorts
//!   `updatedDate`, `createdDate`, `id`), `GET incidents/{id}` (with
//!   `allowedStatus`, the statuses it may move to next), `POST incidents`
//!   (`subject` mandatory), `POST incidents/{id}` (OpsRamp updates with
//!   POST: `status` along the allowed flow, a `reason` where the status
//!   requires one (On Hold), `priority`, `assignedUser` (`null`
//!   unassigns), `notes` (kept as the resolution summary)), `GET
//!   incidents/{id}/responses/search` and `POST incidents/{id}/responses`
//!   (`description`, `internal`). A closed incident refuses changes.
//! - **Alerts** (`alerts.rs`): `GET alerts/search` (keys `states`,
//!   `priority`, `actions`, `startDate`, `endDate`, `alertTimeBase`
//!   (`updated` or the raise time), `ticketId`, `uniqueId`; sorts `ts`,
//!   `updatedTime`), `GET alerts/{id}`, `POST alerts/{id}/actions/{action}`
//!   (`acknowledge`, `unAcknowledge`, `suppress`, `unSuppress`, `close`),
//!   which answers an empty 200, as OpsRamp's actions do.
//! - **Users** (`users.rs`): `GET users/search` (keys `email`,
//!   `loginName`, `firstName`, `lastName`).
//! - **Throttling**: once [`FakeOpsRamp::limit_requests`] is used up, 429
//!   `{"error": "throttled", "error_description": "Too Many Requests"}`
//!   with `X-RateLimit-Limit`, `X-RateLimit-Remaining: 0` and
//!   `X-RateLimit-Reset` (the epoch second the limit lifts) and no
//!   `Retry-After`, as OpsRamp documents. Token requests are not limited.
//!
//! Validation failures (OpsRamp publishes no error examples) are 400 with
//! `{"code": "<CODE>", "message": "<why>"}`; not found is 404 with the
//! same shape.
//!
//! ## Seed (times relative to [`FakeOpsRamp::start`])
//!
//! Users: Ana Silva ([`ANA_EMAIL`]), Raj Patel ([`RAJ_EMAIL`]), Mei Chen
//! (a requester) and the API integration itself, which writes the
//! responses the API adds. Incidents (id: subject — status, priority,
//! assignee):
//!
//! - [`VPN_INCIDENT`]: [`VPN_SUBJECT`] — Open, High, Ana; three responses
//!   (one public, two internal); two alerts
//! - INC0000001102: Core router CPU above 95% in the Sydney data centre — New, Urgent, nobody
//! - INC0000001103: Backup server disk usage above 90% — Open, Normal, Raj
//! - INC0000001104: Customer portal TLS certificate expires in 7 days — Pending, High, Ana
//! - INC0000001105: Packet loss on the Parramatta branch link — On Hold, Low, Raj
//! - INC0000001106: Hypervisor patching window overran — Resolved, Normal, Ana
//! - INC0000001107: Retired printer still raising SNMP alerts — Closed, Very Low, Raj
//!
//! Alerts 389541–389547 on resources `vpn-gw-01`, `core-rtr-syd`,
//! `backup-01` and `printer-l3`, in every state (Critical, Warning, Ok)
//! and workflow (open, acknowledged, ticketed, suppressed, closed).

mod alerts;
mod api;
mod error;
mod incidents;
mod model;
mod oauth;
mod search;
mod seed;
#[cfg(test)]
mod tests;
mod users;

pub use seed::{ANA_EMAIL, MEI_EMAIL, RAJ_EMAIL, VPN_INCIDENT, VPN_SUBJECT};

use crate::armed_limit::ArmedLimit;
use crate::{Hits, Served, clock, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The OpsRamp tenant (a client) the API key was made for.
pub const TENANT_ID: &str = "client_593972";
/// The API integration's key: the OAuth client id.
pub const CLIENT_ID: &str = "Hx9pRfYz2qKmV7sT4bWcN8dLa3GjE6uQ";
/// The API integration's secret.
pub const CLIENT_SECRET: &str = "u5Ym2Qx8Rk4Tn7Vw3Zp6Ls9Hb1Jd0Fc5Ga8Ne2Mr7Kt4Wy6Xq";

/// The API integration the fake's token endpoint accepts, and the tenant
/// its key may reach.
#[derive(Debug, Clone)]
pub struct Options {
    /// The integration's key.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// The one tenant (`client_<n>`) the key reaches.
    pub tenant_id: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            tenant_id: TENANT_ID.to_owned(),
        }
    }
}

/// The tenant's state, shared by the handlers.
struct Tenant {
    options: Options,
    store: Mutex<model::Store>,
    tokens: Mutex<oauth::Tokens>,
    limit: Mutex<ArmedLimit>,
}

/// A fake OpsRamp being served; dropping it stops it.
pub struct FakeOpsRamp {
    /// The server: address and recorded requests.
    pub served: Served,
    tenant: Arc<Tenant>,
}

impl FakeOpsRamp {
    /// Starts a tenant with the seed data on `127.0.0.1:0`, over HTTPS
    /// with the [`crate::TestCa`] certificate.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let tenant = Arc::new(Tenant {
            options,
            store: Mutex::new(seed::store(clock::unix_seconds_now())),
            tokens: Mutex::new(oauth::Tokens::new(oauth::TOKEN_LIFETIME)),
            limit: Mutex::default(),
        });
        Ok(Self { served: crate::serve(api::router(tenant.clone())).await?, tenant })
    }

    /// `127.0.0.1:PORT`: the tenant's `api_host`.
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// Every request received so far (token requests included).
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Uses up the rate limit: `budget` more API requests pass, then every
    /// one is refused (429 with `X-RateLimit-Reset`) for
    /// `retry_after_secs`, after which the limit lifts.
    pub fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        lock(&self.tenant.limit).arm(budget, Duration::from_secs(retry_after_secs));
    }

    /// Ends every access token's life now, as two hours passing would.
    pub fn expire_tokens(&self) {
        lock(&self.tenant.tokens).expire_all();
    }

    /// How many access tokens the token endpoint has issued.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.tenant.tokens).issued()
    }

    /// The status of incident `id` as the fake has it now, if it exists:
    /// what a test checks after a write.
    pub fn incident_status(&self, id: &str) -> Option<String> {
        lock(&self.tenant.store).incident(id).map(|incident| incident.status.clone())
    }
}
