//! # A fake GitHub (REST API, version 2022-11-28, organisation webhooks and the OAuth web application flow)
//!
//! Serves what an adapter uses, the way api.github.com does (see GitHub's
//! REST reference, "Troubleshooting the REST API", "Rate limits for the
//! REST API", "Using pagination" and "Webhook events and payloads"), and
//! what a host needs of github.com to connect each person's account.
//!
//! - **Requests** (`api.rs`): a `User-Agent` is required (else 403
//!   `text/html`). `Authorization: Bearer <token>` or `token <token>` with
//!   [`TOKEN`] acts as [`LOGIN`], with a user access token from the OAuth
//!   flow as whoever authorized it, until it expires; any other token is
//!   401 `{"message":"Bad credentials","documentation_url":
//!   "https://docs.github.com/rest","status":"401"}`. Without
//!   `Authorization` the request is anonymous: the private
//!   `acme/ops-portal` is then 404 (GitHub does not confirm that a private
//!   repository exists), `GET /user` and every write are 401 `Requires
//!   authentication`. `X-GitHub-Api-Version` may be absent,
//!   `2022-11-28` or `2026-03-10`; anything else is 400. Unknown paths,
//!   trailing slashes and unsupported methods are 404 `{"message":"Not
//!   Found",…}`.
//! - **Rate limits** (`limiter.rs`): every API answer carries
//!   `x-ratelimit-limit/-remaining/-used/-reset/-resource` (core: 5,000 an
//!   hour, search: 30 a minute; anonymous 60 and 10; set lower with
//!   [`Options`]). A spent bucket is 403 with `x-ratelimit-remaining: 0`
//!   and "API rate limit exceeded for user ID …". [`FakeGitHub::limit_requests`]
//!   arms the secondary limit: 403 "You have exceeded a secondary rate
//!   limit…" with `retry-after`. `GET /rate_limit` is free.
//! - **Search** (`search.rs`, `query.rs`): `GET /search/issues?q=&sort=&order=`
//!   with `repo:`, `user:`/`org:`, `is:issue|pr|open|closed|merged|unmerged|draft`,
//!   `type:issue|pr`, `state:`, `label:"…"` (repeat for AND, commas for
//!   OR), `assignee:`, `author:` (`@me` works), `no:assignee|label`,
//!   `in:title|body|comments`, `created:`/`updated:` (`>=2026-11-01`,
//!   `a..b`), `-` negation and free text (words and `"phrases"`, all of
//!   which must appear); `sort` `created|updated|comments` (else best
//!   match), `order` `desc|asc`; `{total_count, incomplete_results, items}`
//!   with a `score` per item; 422 `Validation Failed` for a missing `q`, a
//!   query over 256 characters or a `repo:`/`user:`/`org:` the caller
//!   cannot see; 422 past the first 1,000 results. `GET /search/users?q=`
//!   finds users by login, name or public e-mail (`in:email`).
//! - **Issues** (`issues.rs`): `GET/POST /repos/{o}/{r}/issues` (list with
//!   `state`, `labels`, `assignee` (`none`, `*`), `creator`, `sort`,
//!   `direction`, `since`; pull requests included, with a `pull_request`
//!   key; create answers 201 with `Location`, a missing `title` is 422
//!   `missing_field`, an unknown assignee 422 `invalid`, unknown labels are
//!   created), `GET/PATCH …/issues/{n}` (`title`, `body`, `state`,
//!   `state_reason`, `labels` and `assignees` replace), `GET/POST
//!   …/issues/{n}/comments` (`since`; ascending).
//! - **Pull requests** (`pulls.rs`): `GET …/pulls` (`state`, `head`,
//!   `base`, `sort`, `direction`), `…/pulls/{n}`, `…/pulls/{n}/files`,
//!   `…/pulls/{n}/reviews`.
//! - **Actions** (`actions.rs`): `GET …/actions/runs` (`status` (a status
//!   or a conclusion), `branch`, `event`, `actor`, `head_sha`;
//!   `{total_count, workflow_runs}`), `…/actions/runs/{id}`, `POST
//!   …/actions/runs/{id}/rerun` (201 `{}`, the run goes back to `queued`
//!   with the next `run_attempt`; a run that has not completed is 403
//!   "This workflow is already running").
//! - **Contents** (`contents.rs`): `GET …/contents/{path}?ref=` (a file as
//!   a base64 object, or its bytes with `Accept:
//!   application/vnd.github.raw+json`; a directory as an array; an unknown
//!   ref 404 "No commit found for the ref …").
//! - **People and the rest** (`people.rs`): `GET /users/{login}` (with the
//!   public `email`), `GET /user`, `GET /repos/{o}/{r}`, `GET /rate_limit`.
//! - **Paging** (`paging.rs`): `per_page` (30, at most 100) and `page`,
//!   with a `link` header (`prev`, `next`, `last`, `first`) when there is
//!   more than one page.
//! - **OAuth web application flow** (`login.rs`, `oauth.rs`), as
//!   github.com serves it (outside the API's checks, on the same origin)
//!   for an app with user access tokens that expire:
//!   [`FakeGitHub::register_oauth_app`] registers an [`OAuthApp`]. `GET
//!   /login/oauth/authorize` stands for the person's visit: it signs in
//!   `login` (default [`LOGIN`]; [`OTHER_LOGIN`] is a second person), who
//!   approves (302 to the `redirect_uri`, the callback URL or below it,
//!   with `code` and `state`) unless [`FakeGitHub::deny_authorization`]
//!   (302 with `error=access_denied`); PKCE `S256` only. `POST
//!   /login/oauth/access_token` exchanges the code (with `code_verifier`)
//!   or a refresh token for `ghu_…` (8 hours) and `ghr_…` (6 months);
//!   a refresh ends the refresh token and the access token issued with it.
//!   JSON with `Accept: application/json`, else form-encoded; refusals are
//!   200 with `error` (`incorrect_client_credentials`,
//!   `bad_verification_code`, `redirect_uri_mismatch`,
//!   `bad_refresh_token`, `unsupported_grant_type`).
//!   [`FakeGitHub::oauth_grants`] lists the grants;
//!   [`FakeGitHub::expire_user_tokens`] ends the access tokens.
//! - **Webhooks** (`hooks.rs`, `events.rs`): [`FakeGitHub::add_webhook`]
//!   subscribes a URL to the organisation's events. Issue writes send
//!   `issues` (`opened`, `edited` with `changes`, `closed`, `reopened`,
//!   `assigned`/`unassigned` with `assignee`, `labeled`/`unlabeled` with
//!   `label`; `pull_request` with the same actions when the number is a
//!   pull request), comments send `issue_comment` `created`, a re-run
//!   sends `workflow_run` `requested`; every payload has `action`,
//!   `repository`, `organization` and `sender`.
//!
//! Timestamps are `YYYY-MM-DDTHH:MM:SSZ`; blank fields are `null`. Not
//! served: conditional requests (`ETag`/304), GraphQL, the legacy SHA-1
//! `X-Hub-Signature`, the `ping` a new hook gets (send one with
//! [`FakeGitHub::send_event`]).
//!
//! ## Seed data
//!
//! State lives in memory; times are relative to [`FakeGitHub::start`].
//!
//! - **Users** (login, name, public e-mail): `mia-krystof` Mia Krystof
//!   `mia.krystof@example.com` ([`LOGIN`], whom [`TOKEN`] belongs to);
//!   `tomas-okafor` Tomás Okafor `tomas.okafor@example.com`
//!   ([`OTHER_LOGIN`]); `priya-natarajan` Priya Natarajan
//!   `priya.natarajan@example.com`. All three are members of the
//!   organisation **`acme`** and can be assigned.
//! - **`acme/ops-portal`** (private, id 612000101; default branch `main`,
//!   branches `fix/vpn-keepalive`, `feat/design-system-form`). Labels:
//!   `bug`, `documentation`, `enhancement`, `good first issue`, `network`,
//!   `priority: critical`, `priority: high`, `priority: low`.
//!
//!   | # | kind | state | title | labels | assignees | comments |
//!   |---|---|---|---|---|---|---|
//!   | 1 | issue | closed (completed) | Portal login loops back to the sign-in page | bug, priority: high | mia | 2 |
//!   | 2 | issue | open | Add dark mode to the request form | enhancement | — | 0 |
//!   | 3 | issue | open | VPN drops every 20 minutes from home | bug, network, priority: high | mia | 3 |
//!   | 4 | issue | open | Password reset emails arrive after the link expires | bug, priority: critical | mia, tomas | 1 |
//!   | 5 | PR (`fix/vpn-keepalive`, 3 files, reviews COMMENTED, CHANGES_REQUESTED, APPROVED) | open | Send VPN keepalive every 5 minutes | network | mia | 1 |
//!   | 6 | issue | closed (not_planned) | Export request history as CSV | enhancement | — | 0 |
//!   | 7 | PR (`deps/session-4.2`, 2 files, 1 APPROVED review) | closed, merged | Upgrade the session library to 4.2 | bug | priya | 0 |
//!   | 8 | issue | open | Status page shows the wrong time zone | bug, priority: low | priya | 0 |
//!   | 9 | issue | closed (completed) | Printer queue requests fail with 500 | bug, priority: critical | tomas | 2 |
//!   | 10 | issue | open | Document the on-call escalation path | documentation, good first issue | — | 0 |
//!   | 11 | issue | open | VPN client certificate renewal fails on macOS | bug, network | tomas | 0 |
//!   | 12 | PR (draft, `feat/design-system-form`, 1 renamed file) | open | Move the request form to the new design system | enhancement | — | 0 |
//!
//!   Authors: tomas opened 2, 3, 6, 12; priya 1, 4, 7, 10, 11; mia 5, 8, 9.
//!   Workflow runs (newest first): 9100000043 `CI` #43 `push` on `main`
//!   `in_progress`; 9100000042 `CI` #42 `pull_request` on
//!   `fix/vpn-keepalive` (PR 5) `completed`/`failure`; 9100000017 `Deploy`
//!   #17 `push` on `main` `completed`/`success`; 9100000041 `CI` #41
//!   `push` on `main` `completed`/`success`. Files on `main`: `README.md`,
//!   `package.json`, `config/vpn.yaml`, `src/vpn/keepalive.ts`,
//!   `src/auth/session.ts`, `docs/runbooks/on-call.md`,
//!   `.github/workflows/ci.yml`, `.github/workflows/deploy.yml`;
//!   `fix/vpn-keepalive` adds `docs/runbooks/vpn.md` and changes the VPN
//!   files.
//! - **`acme/infra`** (public, id 612000102). Issues: 1 "Rotate the TLS
//!   certificate on the VPN gateway" (open, `priority: high`, mia, 1
//!   comment); 2 "Terraform plan shows drift on the DNS zone" (closed,
//!   `bug`, `terraform`, tomas); 3 "Add a staging Kubernetes cluster"
//!   (open, `enhancement`). Run 9100000007 `Terraform plan` #7
//!   `completed`/`success`. Files: `README.md`, `terraform/vpn-gateway.tf`,
//!   `ansible/site.yml`.

mod actions;
mod api;
mod clock;
mod contents;
mod error;
mod events;
mod hooks;
mod issues;
mod limiter;
mod login;
mod model;
mod oauth;
mod paging;
mod people;
mod pulls;
mod query;
mod render;
mod search;
mod seed;
mod store;
#[cfg(test)]
mod testing;

pub use error::SECONDARY_RATE_LIMITED;
pub use oauth::{Grant, GrantKind, OAuthApp, REFRESH_TOKEN_LIFETIME, USER_TOKEN_LIFETIME};

use crate::webhook::Delivery;
use crate::{Hits, Served, lock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A fine-grained personal access token of [`LOGIN`] (`github_pat_`, 22
/// characters, `_`, 59 characters).
pub const TOKEN: &str = "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";
/// Who [`TOKEN`] signs in as: a member of `acme` with access to both
/// repositories; also who signs in to the OAuth flow by default.
pub const LOGIN: &str = "mia-krystof";
/// Another member of `acme` with access to both repositories: a second
/// person to sign in through the OAuth flow (`login=tomas-okafor`).
pub const OTHER_LOGIN: &str = "tomas-okafor";
/// The organisation that owns the seeded repositories.
pub const OWNER: &str = seed::OWNER;
/// `acme/ops-portal`: private.
pub const PRIVATE_REPO: &str = "acme/ops-portal";
/// `acme/infra`: public.
pub const PUBLIC_REPO: &str = "acme/infra";

/// Who the fake lets in, and how much.
#[derive(Debug, Clone)]
pub struct Options {
    /// The one valid token.
    pub token: String,
    /// Who it signs in as (one of the seeded users).
    pub login: String,
    /// Core requests an hour per token (GitHub: 5,000).
    pub core_limit: u32,
    /// Search requests a minute per token (GitHub: 30).
    pub search_limit: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self { token: TOKEN.to_owned(), login: LOGIN.to_owned(), core_limit: 5_000, search_limit: 30 }
    }
}

/// The fake's state, shared by the handlers.
struct Account {
    options: Options,
    store: Mutex<store::Store>,
    limiter: Mutex<limiter::Limiter>,
    hooks: hooks::Hooks,
    oauth: Mutex<oauth::OAuth>,
}

impl Account {
    fn new(options: Options) -> Self {
        let limiter = limiter::Limiter::new(options.core_limit, options.search_limit);
        Self {
            options,
            store: Mutex::new(seed::store(clock::now())),
            limiter: Mutex::new(limiter),
            hooks: hooks::Hooks::start(),
            oauth: Mutex::new(oauth::OAuth::new()),
        }
    }

    /// Who `token` signs in as: [`Options::login`] for [`Options::token`],
    /// the person who authorized a user access token while it is alive.
    fn login_of(&self, token: &str) -> Option<String> {
        if token == self.options.token {
            return Some(self.options.login.clone());
        }
        lock(&self.oauth).login_of(token)
    }
}

/// A fake GitHub being served; dropping it stops it.
pub struct FakeGitHub {
    /// The server: address and recorded requests.
    pub served: Served,
    account: Arc<Account>,
}

impl FakeGitHub {
    /// Starts GitHub with the seed data on `127.0.0.1:0`, over HTTPS with
    /// the [`crate::TestCa`] certificate.
    pub async fn start(options: Options) -> std::io::Result<Self> {
        let account = Arc::new(Account::new(options));
        Ok(Self { served: crate::serve(api::router(account.clone())).await?, account })
    }

    /// `127.0.0.1:PORT`: what a tenant's API host is set to (the fake
    /// serves the API at the root, as api.github.com does).
    pub fn host(&self) -> String {
        self.served.host()
    }

    /// Every request received so far.
    pub fn hits(&self) -> &Hits {
        &self.served.hits
    }

    /// Arms the secondary rate limit: `budget` more requests pass, then
    /// every request is refused with 403 and `retry-after` for
    /// `retry_after_secs`, after which the limit lifts.
    pub fn limit_requests(&self, budget: u32, retry_after_secs: u64) {
        lock(&self.account.limiter).arm(budget, Duration::from_secs(retry_after_secs));
    }

    /// Subscribes `url` (Berth's `/hooks/{tenant}/{plugin}`) to every event
    /// of the organisation, signed with `secret`; the hook's id (its
    /// `X-GitHub-Hook-ID`).
    pub fn add_webhook(&self, url: &str, secret: &str) -> u64 {
        self.account.hooks.add(url, secret)
    }

    /// Sends `payload` as event `event` (`X-GitHub-Event`) to every hook,
    /// signed like every other delivery: for events the API does not
    /// cause, such as `ping` or `push`.
    pub fn send_event(&self, event: &str, payload: serde_json::Value) {
        self.account.hooks.emit(event, &payload);
    }

    /// Every webhook delivery so far, oldest first, with the receiver's
    /// answer. Call [`Self::deliveries_settled`] first to include the ones
    /// still on their way.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.account.hooks.deliveries()
    }

    /// Sends delivery `index` of [`Self::deliveries`] again with the same
    /// headers (the same `X-GitHub-Delivery`) and body, as GitHub's
    /// "Redeliver" does; `false` if there is no such delivery.
    pub fn redeliver(&self, index: usize) -> bool {
        self.account.hooks.redeliver(index)
    }

    /// Waits until every delivery caused so far has been answered.
    pub async fn deliveries_settled(&self) {
        self.account.hooks.settled().await;
    }

    /// Registers an app for the OAuth web application flow (replacing one
    /// with the same client id): registered after [`Self::start`], since
    /// its callback URL usually names a port known only then.
    ///
    /// # Panics
    ///
    /// If `app.callback_url` is not an absolute URL.
    pub fn register_oauth_app(&self, app: OAuthApp) {
        lock(&self.account.oauth).register(app);
    }

    /// Makes the people who sign in from now on deny the app (`true`:
    /// `/login/oauth/authorize` redirects with `error=access_denied`) or
    /// approve it again (`false`, the default).
    pub fn deny_authorization(&self, deny: bool) {
        lock(&self.account.oauth).set_deny(deny);
    }

    /// Every token the OAuth flow granted (for a code or a refresh token),
    /// oldest first, with whose it is.
    pub fn oauth_grants(&self) -> Vec<Grant> {
        lock(&self.account.oauth).grants()
    }

    /// Ends every user access token issued so far, as their lifetime
    /// passing would: the API answers them 401 `Bad credentials`, and
    /// their refresh tokens still work.
    pub fn expire_user_tokens(&self) {
        lock(&self.account.oauth).expire_access_tokens();
    }

    /// Issue (or pull request) `number` of `repo` (`acme/ops-portal`) as
    /// `GET /repos/{repo}/issues/{number}` returns it, for tests that check
    /// what a client really changed.
    pub fn issue(&self, repo: &str, number: u64) -> Option<serde_json::Value> {
        let store = lock(&self.account.store);
        let (owner, name) = repo.split_once('/')?;
        let issue = store.issue(store.repo(owner, name)?.id, number)?;
        Some(render::Render::new(&self.host(), &store).issue(issue))
    }

    /// The comments on issue `number` of `repo`, oldest first.
    pub fn comments(&self, repo: &str, number: u64) -> Vec<serde_json::Value> {
        let store = lock(&self.account.store);
        let Some(repo) = repo.split_once('/').and_then(|(owner, name)| store.repo(owner, name)) else {
            return Vec::new();
        };
        let render = render::Render::new(&self.host(), &store);
        store.comments_of(repo.id, number).into_iter().map(|comment| render.comment(comment)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{Harness, receiver};
    use super::*;
    use crate::webhook::hub_signature;
    use serde_json::{Value, json};

    fn payload(delivery: &Delivery) -> Value {
        serde_json::from_slice(&delivery.body).unwrap()
    }

    #[tokio::test]
    async fn api_writes_send_signed_webhooks_in_order() {
        let gh = Harness::start().await;
        let (url, received) = receiver().await;
        let hook_id = gh.fake.add_webhook(&url, "It's a Secret to Everybody");
        gh.send("POST", "/repos/acme/ops-portal/issues", json!({"title": "Printer offline"})).await;
        gh.send("PATCH", "/repos/acme/ops-portal/issues/3", json!({"state": "closed", "assignees": ["tomas-okafor"]}))
            .await;
        gh.send("POST", "/repos/acme/ops-portal/issues/3/comments", json!({"body": "Closing: fixed by #5."})).await;
        gh.send("PATCH", "/repos/acme/ops-portal/issues/5", json!({"title": "Send VPN keepalive every 300 s"})).await;
        gh.call("POST", "/repos/acme/ops-portal/actions/runs/9100000042/rerun", Some(TOKEN), None).await;
        gh.fake.send_event("ping", json!({"zen": "Keep it logically awesome.", "hook_id": hook_id}));
        gh.fake.deliveries_settled().await;

        let deliveries = gh.fake.deliveries();
        let seen: Vec<(String, String)> = deliveries
            .iter()
            .map(|delivery| {
                let action = payload(delivery)["action"].as_str().unwrap_or_default().to_owned();
                (delivery.header("x-github-event").unwrap().to_owned(), action)
            })
            .collect();
        let expected = [
            ("issues", "opened"),
            ("issues", "closed"),
            ("issues", "assigned"),
            ("issues", "unassigned"),
            ("issue_comment", "created"),
            ("pull_request", "edited"),
            ("workflow_run", "requested"),
            ("ping", ""),
        ];
        assert_eq!(seen, expected.map(|(event, action)| (event.to_owned(), action.to_owned())));
        for delivery in &deliveries {
            assert_eq!(delivery.answer, Ok(202));
            assert_eq!(
                delivery.header("x-hub-signature-256").unwrap(),
                hub_signature("It's a Secret to Everybody", &delivery.body)
            );
            assert_eq!(delivery.header("x-github-hook-id").unwrap(), hook_id.to_string());
            assert_eq!(delivery.header("content-type"), Some("application/json"));
        }

        let opened = payload(&deliveries[0]);
        assert_eq!(
            (opened["issue"]["number"].as_u64(), opened["issue"]["title"].as_str()),
            (Some(13), Some("Printer offline"))
        );
        assert_eq!(
            (opened["repository"]["full_name"].as_str(), opened["sender"]["login"].as_str()),
            (Some("acme/ops-portal"), Some(LOGIN))
        );
        assert_eq!(opened["organization"]["login"], "acme");
        assert_eq!(payload(&deliveries[2])["assignee"]["login"], "tomas-okafor");
        assert_eq!(payload(&deliveries[3])["assignee"]["login"], "mia-krystof");
        let comment = payload(&deliveries[4]);
        assert_eq!(
            (comment["comment"]["body"].as_str(), comment["issue"]["state"].as_str()),
            (Some("Closing: fixed by #5."), Some("closed"))
        );
        let edited = payload(&deliveries[5]);
        assert_eq!(
            (edited["number"].as_u64(), &edited["changes"]["title"]["from"]),
            (Some(5), &json!("Send VPN keepalive every 5 minutes"))
        );
        let rerun = payload(&deliveries[6]);
        assert_eq!(
            (rerun["workflow_run"]["status"].as_str(), rerun["workflow"]["name"].as_str()),
            (Some("queued"), Some("CI"))
        );

        assert!(gh.fake.redeliver(4));
        gh.fake.deliveries_settled().await;
        let again = gh.fake.deliveries().pop().unwrap();
        assert_eq!((again.headers, again.body), (deliveries[4].headers.clone(), deliveries[4].body.clone()));
        assert_eq!(crate::lock(&received).len(), 9);
    }
}
