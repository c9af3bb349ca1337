//! # A fake ManageEngine ServiceDesk Plus Cloud portal (API v3) and its Zoho accounts server
//!
//! One HTTPS server plays both hosts an adapter talks to, so a tenant's
//! `domain` and `accounts_server` are both [`FakeServiceDeskPlus::host`].
//! It follows SDP Cloud's v3 API documentation (`sdpod-v3-api`: OAuth,
//! `input_data`, requests, request notes) and Zoho's OAuth documentation.
//!
//! - **Zoho OAuth** (`oauth.rs`): `POST /oauth/v2/token` with
//!   `grant_type=refresh_token`, [`CLIENT_ID`], [`CLIENT_SECRET`] and
//!   [`REFRESH_TOKEN`] (form body or query) answers `{"access_token":
//!   "1000.<hex>", "expires_in": 3600, "api_domain": "https://<host>",
//!   "token_type": "Bearer"}` and no new refresh token. Failures answer
//!   **200** with `{"error":"invalid_client"}` (wrong client) or
//!   `{"error":"invalid_code"}` (wrong refresh token), as Zoho does.
//!   Tokens live an hour; [`FakeServiceDeskPlus::expire_tokens`] ends
//!   them now, [`FakeServiceDeskPlus::tokens_issued`] counts them.
//! - **The API** lives under `/app/itdesk/api/v3/` ([`PORTAL`]); another
//!   portal or the singular `/request` is 404 with SDP code 4007. Every
//!   call needs `Authorization: Zoho-oauthtoken <token>` (`Bearer`, an
//!   unknown or an expired token: 401, code 4022) and an `Accept` naming
//!   `application/vnd.manageengine.sdp.v3+json` (else 400, 4000). GET
//!   takes `input_data` (JSON) as a URL parameter; POST and PUT as a form
//!   field (or in the query).
//! - **Requests** (`requests.rs`): `GET requests` with `list_info`
//!   (`row_count` 1–100, default 10; 1-based `start_index`;
//!   `sort_field`/`sort_order`, default `created_time` `desc`;
//!   `get_total_count`; `search_criteria` with `is`, `is not`,
//!   `contains`, `not contains`, `starts with`, `ends with`, `greater
//!   than`, `greater or equal`, `lesser than`, `lesser or equal`,
//!   `between`, `not between`, dotted fields such as `status.name`,
//!   `priority.name`, `technician.email_id`, `logical_operator` and nested
//!   `children`; `search_fields`; `fields_required`; see
//!   `list_info.rs` and `criteria.rs`). `GET requests/{id}`; `POST
//!   requests` (`subject` and `requester` mandatory: 400, code 4012 with
//!   `fields`; 201); `PUT requests/{id}` (status, priority, technician,
//!   group, category, requester by `name`, `id` or `email_id`; unknown:
//!   400, code 4001 with `field`); `PUT requests/{id}/close` with
//!   `closure_info`. A closed request refuses both with 403, code 4002.
//!   An unknown id is 404, code 4007.
//! - **Notes** (`notes.rs`): `GET`/`POST requests/{id}/notes`, wrapper
//!   `request_note`, `show_to_requester` true for a public note, list key
//!   `request_notes`.
//! - **Lookups** (`meta.rs`): `GET technicians` (and
//!   `technicians/{id}`), `statuses`, `priorities`, all with `list_info`.
//! - **Rate limit**: SDP publishes no limits or headers, only code 4015.
//!   Once [`FakeServiceDeskPlus::limit_requests`] is used up: 429, code
//!   4015, and a `Retry-After` header, which is the fake's own choice
//!   (so clients can show they honour one). Token requests are not
//!   limited.
//! - **Webhooks** (`hooks.rs`): SDP signs nothing; a configured header
//!   carries a secret. [`FakeServiceDeskPlus::add_webhook`] adds one;
//!   creates, updates, notes and closes `POST` `{"event": "request_created"
//!   | "request_updated" | "note_added" | "request_closed", "request":
//!   {…}, "note": {…}}` (the fake's payload template).
//!
//! ## Response shapes
//!
//! Single entities: `{"request": {…}, "response_status": {"status_code":
//! 2000, "status": "success"}}` (an object). Lists: `{"requests": […],
//! "response_status": [{"status_code": 2000, "status": "success"}],
//! "list_info": {"has_more_rows", "start_index", "row_count",
//! "sort_field", "sort_order", "get_total_count", "total_count"?}}` (an
//! array). Failures: `{"response_status": {"status_code": 4000, "status":
//! "failed", "messages": [{"status_code": <code>, "type": "failed",
//! "message", "field"? | "fields"?}]}}` (see `error.rs`). A request has
//! `id` (digits, as a string), `display_id`, `subject`, `description`
//! (HTML; list rows carry `short_description` instead), `status` `{id,
//! name, color}`, `priority`, `group`, `category` `{id, name}`,
//! `requester`, `technician` `{id, name, email_id, is_vipuser}` (or
//! `null`), `created_time`, `last_updated_time`, `resolved_time`,
//! `completed_time`, `due_by_time` (`{"value": "<epoch ms>",
//! "display_value": "Nov 10, 2016 11:44 AM"}` in UTC, or `null`),
//! `is_overdue`, `has_notes`, `closure_info`, and SDP's other keys as
//! `null` or defaults. A note has `id`, `description`,
//! `show_to_requester`, `notify_technician`, `mark_first_response`,
//! `created_time`, `created_by`, `request {id, display_id, subject}`.
//!
//! ## Seed (times relative to [`FakeServiceDeskPlus::start`])
//!
//! Technicians: Alex Morgan ([`ADMIN_EMAIL`], whom tokens act as and who
//! writes API notes), Heather Graham ([`HEATHER_EMAIL`]), Charles Kim
//! ([`CHARLES_EMAIL`]). Requesters: Bruce Williams ([`BRUCE_EMAIL`]),
//! `mei.chen@`, `lincoln.ortiz@`, `olivia.brown@example.com`. Statuses
//! Open, In Progress, On Hold, Awaiting Requester, Resolved, Closed;
//! priorities Low, Medium, High, Urgent; groups Network, Hardware, Service
//! Desk; categories Network, Hardware, Software, Access; closure codes
//! Success, Failed, Canceled, Postponed, Unable to Reproduce, Out of
//! Scope. Requests (`display_id`: subject — status, priority, technician):
//!
//! 1. [`VPN_SUBJECT`] — Open, High, Heather; 3 notes (2 private, 1 public)
//! 2. Email server not responding for the Finance team — Open, Urgent, Charles
//! 3. Core switch fan failure alarm in server room 2 — Open, Urgent, Heather
//! 4. Laptop battery swelling — In Progress, High, Charles; 1 public note
//! 5. Printer on level 3 jams on every duplex job — On Hold, Low, unassigned
//! 6. New starter needs access to the CRM — Open, Medium, unassigned
//! 7. Monitor flickers when docked — Awaiting Requester, Medium, Charles
//! 8. Wi-Fi in meeting room B is slow — Resolved, Medium, Heather
//! 9. Password reset for the shared Facilities mailbox — Closed, Low, Charles
//! 10. Renew the design team's software licences — Closed, Medium, Heather

mod api;
mod criteria;
mod error;
mod hooks;
mod list_info;
mod meta;
mod model;
mod notes;
mod oauth;
mod render;
mod requests;
mod seed;
mod store;
#[cfg(test)]
mod testing;
mod writes;

pub use api::MEDIA_TYPE;
pub use seed::{ADMIN_EMAIL, BRUCE_EMAIL, CHARLES_EMAIL, HEATHER_EMAIL, VPN_SUBJECT};

use crate::armed_limit::ArmedLimit;
use crate::webhook::Delivery;
use crate::{Hits, Served, clock, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The portal's name, the `{portal}` of `/app/{portal}/api/v3/`.
pub const PORTAL: &str = "itdesk";
/// The Self Client's id.
pub const CLIENT_ID: &str = "1000.7YQ2H1SDPFAKECLIENT0BERTH9";
/// The Self Client's secret.
pub const CLIENT_SECRET: &str = "4f1d2c9b8a7e6d5c4b3a29181706f5e4d3c2b1a098";
/// The refresh token the Self Client was granted.
pub const REFRESH_TOKEN: &str = "1000.5c1e9a0f3b7d2e8c4a6f1b9d3e7c5a2f.8d4b6e0a2c9f7e1d3b5a8c6e4f2d0b9a";

/// The OAuth client the fake's accounts server accepts.
#[derive(Debug, Clone)]
pub struct Options {
    /// The Self Client's id.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// The refresh token the token endpoint accepts.
    pub refresh_token: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            client_id: CLIENT_ID.to_owned(),
            client_secret: CLIENT_SECRET.to_owned(),
            refresh_token: REFRESH_TOKEN.to_owned(),
        }
    }
}

/// The portal's state, shared by the handlers.
struct Portal {
    options: Options,
    store: Mutex<store::Store>,
    tokens: Mutex<oauth::Tokens>,
    limit: Mutex<ArmedLimit>,
    hooks: hooks::Hooks,
}

/// A fake portal being served; dropping it stops it.
pub struct FakeServiceDeskPlus {
    /// The server: address and recorded requests.
    pub served: Served,
    portal: Arc<Portal>,
}

impl FakeServiceDeskPlus {
    /// Starts a portal with the seed data on `127.0.0.1:0`, over HTTPS
    /// with the [`crate::TestCa`] certificate.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let portal = Arc::new(Portal {
            options,
            store: Mutex::new(seed::store(clock::unix_millis_now())),
            tokens: Mutex::new(oauth::Tokens::new(oauth::TOKEN_LIFETIME)),
            limit: Mutex::default(),
            hooks: hooks::Hooks::start(),
        });
        Ok(Self { served: crate::serve(api::router(portal.clone())).await?, portal })
    }

    /// `127.0.0.1:PORT`: the tenant's `domain` and `accounts_server`.
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// Every request received so far (token requests included).
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Uses up the rate limit: `budget` more API requests pass, then every
    /// one is refused (429, code 4015, `Retry-After`) for
    /// `retry_after_secs`, after which the limit lifts.
    pub fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        lock(&self.portal.limit).arm(budget, Duration::from_secs(retry_after_secs));
    }

    /// Expires every access token issued so far, as an hour passing would:
    /// the API refuses them (401, code 4022) until the client refreshes.
    pub fn expire_tokens(&self) {
        lock(&self.portal.tokens).expire_all();
    }

    /// How many access tokens the token endpoint has issued: shows a
    /// client reuses its token, and refreshes it when it must.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.portal.tokens).issued()
    }

    /// Adds a webhook: every request created, updated, noted or closed is
    /// `POST`ed to `url` with the header `header_name: secret`.
    pub fn add_webhook(&self, url: &str, header_name: &str, secret: &str) {
        self.portal.hooks.add(url, header_name, secret);
    }

    /// Every webhook delivery so far, oldest first, with the receiver's
    /// answer. Call [`Self::deliveries_settled`] first to include the ones
    /// still on their way.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.portal.hooks.deliveries()
    }

    /// Sends delivery `index` of [`Self::deliveries`] again, identical
    /// (SDP has no delivery id to tell them apart); `false` if there is
    /// no such delivery.
    pub fn redeliver(&self, index: usize) -> bool {
        self.portal.hooks.redeliver(index)
    }

    /// Waits until every delivery caused so far has been answered.
    pub async fn deliveries_settled(&self) {
        self.portal.hooks.settled().await;
    }

    /// Request `id` as `GET requests/{id}` returns it (without the
    /// wrapper), for tests that check what a client really changed.
    pub fn request(&self, id: &str) -> Option<serde_json::Value> {
        let store = lock(&self.portal.store);
        let request = store.request(id.parse().ok()?)?;
        Some(render::request(&store, request))
    }

    /// The id of the request whose subject is `subject`.
    pub fn request_id(&self, subject: &str) -> Option<String> {
        let store = lock(&self.portal.store);
        store.requests.iter().find(|request| request.subject == subject).map(|request| request.id.to_string())
    }

    /// The notes on request `id`, oldest first, as the notes endpoint
    /// returns them (empty for a request that does not exist).
    pub fn notes(&self, id: &str) -> Vec<serde_json::Value> {
        let store = lock(&self.portal.store);
        let Ok(id) = id.parse() else { return Vec::new() };
        store.notes_of(id).into_iter().map(|note| render::note(&store, note)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{Harness, encoded, receiver};
    use super::*;
    use reqwest::{Method, StatusCode};
    use serde_json::{Value, json};

    fn subjects(answer: &Value) -> Vec<&str> {
        answer["requests"].as_array().unwrap().iter().map(|request| request["subject"].as_str().unwrap()).collect()
    }

    #[tokio::test]
    async fn the_refresh_grant_issues_tokens_and_zoho_refuses_with_200() {
        let sdp = Harness::start().await;
        let good = [
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
            ("refresh_token", REFRESH_TOKEN),
        ];
        let (status, body) = sdp.token_request(&good).await;
        assert_eq!(status, StatusCode::OK);
        assert!(body["access_token"].as_str().unwrap().starts_with("1000."), "{body}");
        assert_eq!((body["expires_in"].as_u64(), body["token_type"].as_str()), (Some(3600), Some("Bearer")));
        assert_eq!(body["api_domain"], sdp.fake.served.base_url());
        assert!(body.get("refresh_token").is_none(), "a refresh does not rotate the refresh token");

        let mut wrong_client = good;
        wrong_client[2].1 = "not-the-secret";
        assert_eq!(sdp.token_request(&wrong_client).await, (StatusCode::OK, json!({"error": "invalid_client"})));
        let mut wrong_token = good;
        wrong_token[3].1 = "1000.expired";
        assert_eq!(sdp.token_request(&wrong_token).await, (StatusCode::OK, json!({"error": "invalid_code"})));
        let mut wrong_grant = good;
        wrong_grant[0].1 = "client_credentials";
        assert_eq!(sdp.token_request(&wrong_grant).await.1, json!({"error": "unsupported_grant_type"}));
        assert_eq!(sdp.fake.tokens_issued(), 1);

        let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(good).finish();
        let response = sdp.http().post(sdp.url(&format!("/oauth/v2/token?{query}"))).send().await.unwrap();
        let body: Value = response.json().await.unwrap();
        assert!(body["access_token"].is_string(), "parameters in the query string work too: {body}");
        assert_eq!(sdp.fake.tokens_issued(), 2);
    }

    #[tokio::test]
    async fn only_a_live_zoho_oauthtoken_with_the_v3_accept_is_served() {
        let sdp = Harness::start().await;
        let token = sdp.token().await;
        let ok = Harness::answer(sdp.api(Method::GET, "/statuses", &format!("Zoho-oauthtoken {token}"))).await;
        assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
        for authorization in [format!("Bearer {token}"), "Zoho-oauthtoken 1000.forged".to_owned(), String::new()] {
            let refused = Harness::answer(sdp.api(Method::GET, "/statuses", &authorization)).await;
            assert_eq!((refused.status, refused.code()), (StatusCode::UNAUTHORIZED, Some(4022)), "{authorization}");
            assert_eq!(refused.body["response_status"]["status"], "failed");
        }
        sdp.fake.expire_tokens();
        let expired = Harness::answer(sdp.api(Method::GET, "/statuses", &format!("Zoho-oauthtoken {token}"))).await;
        assert_eq!((expired.status, expired.code()), (StatusCode::UNAUTHORIZED, Some(4022)));
        let fresh = sdp.token().await;
        let plain_json = sdp
            .http()
            .get(sdp.url(&format!("/app/{PORTAL}/api/v3/statuses")))
            .header("authorization", format!("Zoho-oauthtoken {fresh}"))
            .header("accept", "application/json");
        let refused = Harness::answer(plain_json).await;
        assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, Some(4000)));
    }

    #[tokio::test]
    async fn other_portals_and_the_singular_request_path_are_4007() {
        let sdp = Harness::start().await;
        let token = format!("Zoho-oauthtoken {}", sdp.token().await);
        let singular = Harness::answer(sdp.api(Method::GET, "/request", &token)).await;
        assert_eq!((singular.status, singular.code()), (StatusCode::NOT_FOUND, Some(4007)));
        let other = sdp.url("/app/otherdesk/api/v3/requests");
        let answer =
            Harness::answer(sdp.http().get(other).header("authorization", &token).header("accept", MEDIA_TYPE)).await;
        assert_eq!((answer.status, answer.code()), (StatusCode::NOT_FOUND, Some(4007)));
        let unknown = sdp.get("/requests/123", None).await;
        assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, Some(4007)));
    }

    #[tokio::test]
    async fn list_info_pages_requests_one_based() {
        let sdp = Harness::start().await;
        let all = sdp.get("/requests", Some(json!({"list_info": {"row_count": 100, "get_total_count": true}}))).await;
        assert_eq!(all.body["response_status"], json!([{"status_code": 2000, "status": "success"}]), "an array");
        let total = all.body["list_info"]["total_count"].as_u64().unwrap();
        assert_eq!(total, 10);
        assert_eq!(all.body["list_info"]["has_more_rows"], false);
        let first = &all.body["requests"][0];
        assert!(first.get("description").is_none() && first["short_description"].is_string(), "{first}");
        let created: Vec<u64> = all.body["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|request| request["created_time"]["value"].as_str().unwrap().parse().unwrap())
            .collect();
        assert!(created.windows(2).all(|pair| pair[0] >= pair[1]), "newest first by default");

        let mut walked = Vec::new();
        let mut start = 1;
        loop {
            let info = json!({"list_info": {"row_count": 3, "start_index": start}});
            let page = sdp.get("/requests", Some(info)).await;
            walked.extend(subjects(&page.body).into_iter().map(str::to_owned));
            assert_eq!(page.body["list_info"]["start_index"], start);
            if page.body["list_info"]["has_more_rows"] == false {
                break;
            }
            start += 3;
        }
        assert_eq!(walked, subjects(&all.body), "pages of 3 hold what one page of 100 does");

        let by_subject = json!({"list_info": {"row_count": 2, "sort_field": "subject", "sort_order": "asc"}});
        let sorted = sdp.get("/requests", Some(by_subject)).await;
        assert_eq!(
            subjects(&sorted.body),
            ["Core switch fan failure alarm in server room 2", "Email server not responding for the Finance team"]
        );
        let too_many = sdp.get("/requests", Some(json!({"list_info": {"row_count": 101}}))).await;
        assert_eq!((too_many.status, too_many.code()), (StatusCode::BAD_REQUEST, Some(4001)));
        let only = json!({"list_info": {"row_count": 1, "fields_required": ["subject", "status"]}});
        let slim = sdp.get("/requests", Some(only)).await;
        let keys: Vec<&String> = slim.body["requests"][0].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "status", "subject"]);
    }

    #[tokio::test]
    async fn search_criteria_filter_by_dotted_fields_operators_and_children() {
        let sdp = Harness::start().await;
        let criteria = |criteria: Value| json!({"list_info": {"row_count": 100, "search_criteria": criteria}});
        let open_urgent = sdp
            .get(
                "/requests",
                Some(criteria(json!([
                    {"field": "status.name", "condition": "is", "values": ["Open"]},
                    {"field": "priority.name", "condition": "is", "values": ["High", "Urgent"], "logical_operator": "AND"},
                ]))),
            )
            .await;
        let mut found = subjects(&open_urgent.body);
        found.sort_unstable();
        assert_eq!(
            found,
            [
                "Core switch fan failure alarm in server room 2",
                "Email server not responding for the Finance team",
                VPN_SUBJECT
            ]
        );
        let heather = sdp
            .get(
                "/requests",
                Some(criteria(json!({"field": "technician.email_id", "condition": "is", "value": HEATHER_EMAIL}))),
            )
            .await;
        assert_eq!(subjects(&heather.body).len(), 4);
        let not_closed = sdp
            .get(
                "/requests",
                Some(criteria(
                    json!([{"field": "status.name", "condition": "is not", "values": ["Closed", "Resolved"]}]),
                )),
            )
            .await;
        assert_eq!(subjects(&not_closed.body).len(), 7);
        let text = sdp
            .get(
                "/requests",
                Some(criteria(json!([{
                    "field": "subject", "condition": "contains", "value": "idle timeout",
                    "children": [{"field": "description", "condition": "contains", "value": "10 minutes", "logical_operator": "OR"}],
                }]))),
            )
            .await;
        assert_eq!(subjects(&text.body), [VPN_SUBJECT], "the description matched");
        let recent = sdp
            .get(
                "/requests",
                Some(criteria(json!([{"field": "created_time", "condition": "greater than",
                    "value": (clock::unix_millis_now() - 6 * 3_600_000).to_string()}]))),
            )
            .await;
        assert_eq!(subjects(&recent.body).len(), 2, "created in the last six hours");
        let unassigned = sdp
            .get("/requests", Some(criteria(json!([{"field": "technician", "condition": "is", "value": null}]))))
            .await;
        assert_eq!(subjects(&unassigned.body).len(), 2);
        let fields = sdp.get("/requests", Some(json!({"list_info": {"search_fields": {"subject": "laptop"}}}))).await;
        assert_eq!(subjects(&fields.body), ["Laptop battery swelling"]);
        let bad =
            sdp.get("/requests", Some(criteria(json!([{"field": "colour", "condition": "is", "value": "x"}])))).await;
        assert_eq!((bad.status, bad.code()), (StatusCode::BAD_REQUEST, Some(4001)));
    }

    #[tokio::test]
    async fn requests_are_created_updated_and_refused_with_4012_and_4001() {
        let sdp = Harness::start().await;
        let missing = sdp.write(Method::POST, "/requests", json!({"request": {"description": "<p>x</p>"}})).await;
        assert_eq!((missing.status, missing.code()), (StatusCode::BAD_REQUEST, Some(4012)));
        assert_eq!(missing.body["response_status"]["messages"][0]["fields"], json!(["subject", "requester"]));

        let input = json!({"request": {
            "subject": "Badge reader at door 3 rejects every card", "description": "<div>Since 07:00.</div>",
            "requester": {"email_id": BRUCE_EMAIL}, "priority": {"name": "High"},
        }});
        let created = sdp.write(Method::POST, "/requests", input).await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        assert_eq!(created.body["response_status"], json!({"status_code": 2000, "status": "success"}), "an object");
        let request = &created.body["request"];
        let id = request["id"].as_str().unwrap().to_owned();
        assert!(id.len() >= 16 && id.bytes().all(|byte| byte.is_ascii_digit()), "{id}");
        assert_eq!(request["display_id"], "11");
        assert_eq!(
            (request["status"]["name"].as_str(), request["priority"]["name"].as_str()),
            (Some("Open"), Some("High"))
        );
        assert_eq!(request["requester"]["email_id"], BRUCE_EMAIL);
        assert_eq!(request["technician"], Value::Null);

        let change = json!({"request": {
            "status": {"name": "In Progress"}, "priority": {"name": "Urgent"},
            "technician": {"email_id": CHARLES_EMAIL}, "update_reason": "Escalated",
        }});
        let updated = sdp.write(Method::PUT, &format!("/requests/{id}"), change).await;
        assert_eq!(updated.status, StatusCode::OK, "{:?}", updated.body);
        let request = &updated.body["request"];
        assert_eq!(request["status"]["name"], "In Progress");
        assert_eq!(request["technician"]["name"], "Charles Kim");
        let stored = sdp.fake.request(&id).unwrap();
        assert_eq!(stored["priority"]["name"], "Urgent");
        assert!(stored["last_updated_time"]["value"].as_str() > stored["created_time"]["value"].as_str());

        let unknown = sdp
            .write(Method::PUT, &format!("/requests/{id}"), json!({"request": {"status": {"name": "Teleported"}}}))
            .await;
        assert_eq!((unknown.status, unknown.code()), (StatusCode::BAD_REQUEST, Some(4001)));
        assert_eq!(unknown.body["response_status"]["messages"][0]["field"], "status");
        let requester = json!({"request": {"technician": {"email_id": BRUCE_EMAIL}}});
        let not_technician = sdp.write(Method::PUT, &format!("/requests/{id}"), requester).await;
        assert_eq!(not_technician.code(), Some(4001));
        assert_eq!(
            sdp.fake.request(&id).unwrap()["technician"]["email_id"],
            CHARLES_EMAIL,
            "refused writes change nothing"
        );
        let unassign =
            sdp.write(Method::PUT, &format!("/requests/{id}"), json!({"request": {"technician": null}})).await;
        assert_eq!(unassign.body["request"]["technician"], Value::Null);
    }

    #[tokio::test]
    async fn closed_requests_refuse_edits_with_4002_but_take_notes() {
        let sdp = Harness::start().await;
        let id = sdp.fake.request_id(VPN_SUBJECT).unwrap();
        let closure = json!({"request": {"closure_info": {
            "closure_code": {"name": "success"}, "closure_comments": "Idle timeout raised.", "requester_ack_resolution": true,
        }}});
        let closed = sdp.write(Method::PUT, &format!("/requests/{id}/close"), closure).await;
        assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
        assert_eq!(closed.body["response_status"]["messages"][0]["status_code"], 2000);
        let stored = sdp.fake.request(&id).unwrap();
        assert_eq!(stored["status"]["name"], "Closed");
        assert_eq!(stored["closure_info"]["closure_code"]["name"], "Success");
        assert!(stored["completed_time"]["value"].is_string());

        let edit =
            sdp.write(Method::PUT, &format!("/requests/{id}"), json!({"request": {"priority": {"name": "Low"}}})).await;
        assert_eq!((edit.status, edit.code()), (StatusCode::FORBIDDEN, Some(4002)));
        let message = edit.body["response_status"]["messages"][0]["message"].as_str().unwrap();
        assert!(message.contains("closed"), "{message}");
        let again = sdp.write(Method::PUT, &format!("/requests/{id}/close"), json!({})).await;
        assert_eq!(again.code(), Some(4002));
        let note = json!({"request_note": {"description": "<div>Confirmed fixed.</div>", "show_to_requester": true}});
        assert_eq!(sdp.write(Method::POST, &format!("/requests/{id}/notes"), note).await.status, StatusCode::CREATED);
        let bad_code = json!({"request": {"closure_info": {"closure_code": {"name": "Vanished"}}}});
        let other = sdp.fake.request_id("Laptop battery swelling").unwrap();
        let refused = sdp.write(Method::PUT, &format!("/requests/{other}/close"), bad_code).await;
        assert_eq!(refused.code(), Some(4001));
        assert_eq!(sdp.fake.request(&other).unwrap()["status"]["name"], "In Progress");
    }

    #[tokio::test]
    async fn notes_are_public_or_private_and_listed_oldest_first() {
        let sdp = Harness::start().await;
        let id = sdp.fake.request_id(VPN_SUBJECT).unwrap();
        let seeded = sdp.get(&format!("/requests/{id}/notes"), None).await;
        let notes = seeded.body["request_notes"].as_array().unwrap();
        assert_eq!(notes.len(), 3);
        assert_eq!(notes.iter().filter(|note| note["show_to_requester"] == true).count(), 1);
        assert_eq!(notes[0]["created_by"]["email_id"], HEATHER_EMAIL);
        assert_eq!(seeded.body["response_status"][0]["status_code"], 2000);

        let empty = sdp
            .write(Method::POST, &format!("/requests/{id}/notes"), json!({"request_note": {"show_to_requester": true}}))
            .await;
        assert_eq!(
            (empty.code(), &empty.body["response_status"]["messages"][0]["fields"]),
            (Some(4012), &json!(["description"]))
        );
        let private =
            json!({"request_note": {"description": "<div>Checked the gateway.</div>", "show_to_requester": false}});
        let added = sdp.write(Method::POST, &format!("/requests/{id}/notes"), private).await;
        assert_eq!(added.status, StatusCode::CREATED);
        assert_eq!(added.body["request_note"]["show_to_requester"], false);
        assert_eq!(added.body["request_note"]["created_by"]["email_id"], ADMIN_EMAIL);
        let notes = sdp.fake.notes(&id);
        assert_eq!(notes.len(), 4);
        assert_eq!(notes[3]["description"], "<div>Checked the gateway.</div>", "newest last");
        let paged = sdp
            .get(&format!("/requests/{id}/notes"), Some(json!({"list_info": {"row_count": 2, "start_index": 3}})))
            .await;
        assert_eq!(paged.body["request_notes"].as_array().unwrap().len(), 2);
        assert_eq!(paged.body["list_info"]["has_more_rows"], false);
    }

    #[tokio::test]
    async fn technicians_statuses_and_priorities_are_listed() {
        let sdp = Harness::start().await;
        let technicians = sdp.get("/technicians", None).await;
        let emails: Vec<&str> = technicians.body["technicians"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["email_id"].as_str().unwrap())
            .collect();
        assert_eq!(emails, [ADMIN_EMAIL, CHARLES_EMAIL, HEATHER_EMAIL], "technicians only, by name");
        let search = json!({"list_info": {"search_criteria": [{"field": "email_id", "condition": "starts with", "value": "heather"}]}});
        let heather = sdp.get("/technicians", Some(search)).await;
        let id = heather.body["technicians"][0]["id"].as_str().unwrap().to_owned();
        let one = sdp.get(&format!("/technicians/{id}"), None).await;
        assert_eq!(one.body["technician"]["name"], "Heather Graham");
        let statuses = sdp.get("/statuses", None).await;
        let names: Vec<&str> =
            statuses.body["statuses"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Open", "In Progress", "On Hold", "Awaiting Requester", "Resolved", "Closed"]);
        let priorities = sdp.get("/priorities", None).await;
        let names: Vec<&str> =
            priorities.body["priorities"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["Low", "Medium", "High", "Urgent"]);
    }

    #[tokio::test]
    async fn a_spent_rate_limit_is_429_with_4015_and_retry_after() {
        let sdp = Harness::start().await;
        sdp.fake.limit_requests(1, 1);
        assert_eq!(sdp.get("/statuses", None).await.status, StatusCode::OK);
        let limited = sdp.get("/statuses", None).await;
        assert_eq!((limited.status, limited.code()), (StatusCode::TOO_MANY_REQUESTS, Some(4015)));
        assert_eq!(limited.retry_after.as_deref(), Some("1"));
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(sdp.get("/statuses", None).await.status, StatusCode::OK, "the limit lifts");
    }

    #[tokio::test]
    async fn webhooks_carry_the_configured_header_and_redeliver_identically() {
        let sdp = Harness::start().await;
        let (url, got) = receiver().await;
        sdp.fake.add_webhook(&url, "X-SDP-Webhook-Token", "s3cret-token");
        let input = json!({"request": {"subject": "Projector in room A has no signal", "requester": {"email_id": BRUCE_EMAIL}}});
        let id = sdp.write(Method::POST, "/requests", input).await.body["request"]["id"].as_str().unwrap().to_owned();
        sdp.write(Method::PUT, &format!("/requests/{id}"), json!({"request": {"priority": {"name": "Low"}}})).await;
        let note = json!({"request_note": {"description": "On my way.", "show_to_requester": true}});
        sdp.write(Method::POST, &format!("/requests/{id}/notes"), note).await;
        sdp.write(Method::PUT, &format!("/requests/{id}/close"), json!({})).await;
        sdp.fake.deliveries_settled().await;

        let deliveries = sdp.fake.deliveries();
        let events: Vec<String> = deliveries
            .iter()
            .map(|delivery| {
                let payload: Value = serde_json::from_slice(&delivery.body).unwrap();
                assert_eq!(payload["request"]["id"], id.as_str());
                payload["event"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(events, ["request_created", "request_updated", "note_added", "request_closed"]);
        for delivery in &deliveries {
            assert_eq!(delivery.answer, Ok(202));
            assert_eq!(delivery.header("x-sdp-webhook-token"), Some("s3cret-token"));
            assert_eq!(delivery.header("content-type"), Some("application/json"));
        }
        let noted: Value = serde_json::from_slice(&deliveries[2].body).unwrap();
        assert_eq!(noted["note"]["description"], "On my way.");
        assert_eq!(noted["request"]["priority"]["name"], "Low");

        assert!(sdp.fake.redeliver(1));
        assert!(!sdp.fake.redeliver(42));
        sdp.fake.deliveries_settled().await;
        let again = &sdp.fake.deliveries()[4];
        assert_eq!((&again.headers, &again.body), (&deliveries[1].headers, &deliveries[1].body));
        let received = crate::lock(&got);
        assert_eq!(received.len(), 5);
        assert_eq!(received[4].0["x-sdp-webhook-token"], "s3cret-token");
        assert_eq!(received[4].1, deliveries[1].body);
    }

    #[tokio::test]
    async fn writes_take_input_data_in_the_query_string_too() {
        let sdp = Harness::start().await;
        let id = sdp.fake.request_id("Laptop battery swelling").unwrap();
        let query = encoded(&json!({"request": {"priority": {"name": "Medium"}}}));
        let token = format!("Zoho-oauthtoken {}", sdp.token().await);
        let answer = Harness::answer(sdp.api(Method::PUT, &format!("/requests/{id}?{query}"), &token)).await;
        assert_eq!(answer.body["request"]["priority"]["name"], "Medium");
        let garbage =
            Harness::answer(sdp.api(Method::PUT, &format!("/requests/{id}?input_data=%7Bnope"), &token)).await;
        assert_eq!((garbage.status, garbage.code()), (StatusCode::BAD_REQUEST, Some(4000)));
    }
}
