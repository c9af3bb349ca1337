//! `berth:plugin/http`: outbound HTTP performed by the host on the guest's
//! behalf.
//!
//! Deny by default: a request is sent only when its URL (and every redirect
//! hop) falls under one of the plugin's declared egress rules, with the
//! placeholders filled from the tenant's config, and only to addresses the
//! operator allows. The host enforces the timeout and the response cap. A
//! refusal is the typed `denied` error naming the rule that failed.
//!
//! A request may name a credential: the host attaches it (only to the
//! origins it is bound to), overrides any guest header of the same name,
//! and redacts every secret value from the (decoded) response before the
//! guest sees it, recomputing `Content-Length`.
//!
//! One tool call makes at most `[egress] max_requests_per_call` requests,
//! denied ones included, and the host's own log lines about them come out
//! of the call's log budget, so a guest that loops on denied requests
//! costs a bounded number of audit rows and log lines.

use super::{Call, Capability};
use crate::audit::{AuditLog, RequestRecord, now_ms};
use crate::capabilities::log::LogBudget;
use crate::log_safe::escape;
use crate::metrics::Metrics;
use crate::policy::egress::{Denial, EgressPolicy, origin_of, without_query};
use crate::runtime::CallState;
use crate::runtime::bindings::berth::plugin::http::{
    Host, HttpError, Method, Request, Response, add_to_linker as link,
};
use crate::upstream::{Caller, Failure, HopHeaders, Inbound, Outbound, Upstream, UpstreamError};
use crate::vault::credentials::{Applied, Redactor, UserGrant, UserToken};
use crate::vault::oauth::{self, TokenCache, TokenRequest};
use crate::vault::user_tokens::Owner;
use crate::vault::{Credential, Vault};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::{HasSelf, Linker};
use zeroize::Zeroizing;

/// Where and as what this call's upstream requests are recorded.
pub struct Audit {
    /// The log.
    pub log: AuditLog,
    /// The tool call the requests belong to.
    pub call_id: String,
    /// The calling tenant.
    pub tenant: Arc<str>,
}

/// What one call may reach.
pub struct HttpCtx {
    tenant: Arc<str>,
    plugin: Arc<str>,
    declared_credentials: Arc<[String]>,
    credentials: Vec<Credential>,
    sensitive: Vec<(String, usize)>,
    policy: EgressPolicy,
    upstream: Arc<Upstream>,
    tokens: Arc<TokenCache>,
    vault: Option<Arc<Vault>>,
    metrics: Arc<Metrics>,
    audit: Option<Audit>,
    deadline: Instant,
    budget: LogBudget,
    /// `http.send` calls made so far in this tool call.
    sends: u32,
}

/// The `origin` label of requests the policy did not allow: one series
/// for all of them, however many origins a guest makes up.
const DENIED_ORIGIN: &str = "(denied)";

/// How much life a person's stored access token must have left to be sent
/// as it is; one with less is renewed first (as shared tokens are).
const USER_TOKEN_MARGIN: Duration = Duration::from_secs(30);

impl Capability for HttpCtx {
    /// Requests of the calling plugin for the calling tenant: within the
    /// plugin's egress rules resolved against the tenant's settings, with
    /// the tenant's credentials (taken from the call: only `http` holds
    /// them), audited under the call's id when there is one. Every request,
    /// retries included, is over by the call's I/O deadline, so the guest
    /// still has time to handle the outcome. The host's own log lines about
    /// the call's requests come out of the call's log budget.
    fn prepare(call: &mut Call<'_>) -> Self {
        let credentials = std::mem::take(&mut call.scope.credentials);
        let sensitive = credentials.iter().flat_map(Credential::sensitive_values).collect();
        let tenant = call.tenant.clone();
        let services = call.services;
        let audit = call.scope.call_id.clone().zip(services.audit.clone()).map(|(call_id, log)| Audit {
            log,
            call_id,
            tenant: tenant.clone(),
        });
        Self {
            policy: EgressPolicy::resolve(&call.plugin.name, &call.plugin.egress, &call.config),
            tenant,
            plugin: call.plugin.name.clone(),
            declared_credentials: call.plugin.credentials.clone(),
            credentials,
            sensitive,
            upstream: services.upstream.clone(),
            tokens: services.tokens.clone(),
            vault: services.vault.clone(),
            metrics: services.metrics.clone(),
            audit,
            deadline: call.io_deadline,
            budget: call.budget.clone(),
            sends: 0,
        }
    }

    fn add_to_linker(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
        link::<CallState, HasSelf<HttpCtx>>(linker, |state| &mut state.contexts.http)
    }
}

impl HttpCtx {
    /// The credential `name` names, checked against the manifest and the
    /// tenant's vault.
    fn credential(&self, name: &str) -> Result<&Credential, HttpError> {
        if !self.declared_credentials.iter().any(|declared| declared == name) {
            return Err(HttpError::InvalidRequest(format!(
                "plugin `{}` does not declare a credential named `{name}` in its manifest",
                self.plugin
            )));
        }
        self.credentials.iter().find(|credential| credential.name == name).ok_or_else(|| {
            HttpError::CredentialFailed(format!(
                "no credential named `{name}` is configured for plugin `{}` on this tenant; the operator sets it with `berth credential set`",
                self.plugin
            ))
        })
    }

    async fn perform(&self, request: Request) -> Result<Response, HttpError> {
        let credential = request.credential.as_deref().map(|name| self.credential(name)).transpose()?;
        let oauth = credential.filter(|credential| credential.scheme.is_oauth());
        let key = oauth.map(|credential| oauth::cache_key(&self.tenant, &self.plugin, credential));
        let mut token = match (oauth, &key) {
            (Some(credential), Some(key)) => Some(self.token(credential, key, None).await?),
            _ => None,
        };
        if let (Some(credential), Ok(target)) = (credential, url::Url::parse(&request.url)) {
            let applied = Applied { credential, token: token.as_ref().map(|token| token.as_str()) };
            let set_by_credential = applied.headers_for(&target);
            let overridden = request.headers.iter().find(|(name, _)| {
                set_by_credential.iter().any(|(credential_header, _)| credential_header.eq_ignore_ascii_case(name))
            });
            if let Some((name, _)) = overridden {
                let name = name.escape_debug().to_string();
                if self.budget.spend(name.len() + 64) {
                    tracing::warn!(tenant = %self.tenant, plugin = %self.plugin, header = %name, "the plugin set a header its credential sets; the credential wins");
                }
            }
        }
        let outbound = Outbound {
            method: method(request.method),
            url: request.url,
            headers: request.headers,
            // Moved, not copied: every attempt and redirect shares it.
            body: request.body.map(bytes::Bytes::from),
            timeout: request.timeout_ms.map(|ms| Duration::from_millis(u64::from(ms))),
            deadline: self.deadline,
        };
        let mut inbound =
            self.exchange(outbound.clone(), credential, token.as_ref().map(|token| token.as_str())).await?;
        // An expired or revoked token: refresh once and retry once.
        if let (401, Some(credential), Some(key), Some(stale)) = (inbound.status, oauth, &key, &token) {
            self.tokens.invalidate(key, stale).await;
            token = Some(self.token(credential, key, Some(stale)).await?);
            inbound = self.exchange(outbound, Some(credential), token.as_ref().map(|token| token.as_str())).await?;
        }
        let redactor = Redactor::with_public_prefixes(
            self.sensitive
                .iter()
                .map(|(value, public)| (value.as_str(), *public))
                .chain(token.iter().map(|token| (token.as_str(), 0))),
        );
        let body = redactor.redact(&inbound.body);
        // The upstream's length would tell the guest how long the redacted
        // secrets were; the answer's own length is the redacted body's.
        let headers = inbound
            .headers
            .into_iter()
            .filter(|(name, _)| name != "content-length")
            .map(|(name, value)| (name, String::from_utf8_lossy(&redactor.redact(value.as_bytes())).into_owned()))
            .chain([("content-length".to_owned(), body.len().to_string())])
            .collect();
        Ok(Response { status: inbound.status, headers, body })
    }

    /// Sends one request with `credential` attached, recording it.
    async fn exchange(
        &self,
        outbound: Outbound,
        credential: Option<&Credential>,
        token: Option<&str>,
    ) -> Result<Inbound, HttpError> {
        let applied = credential.map(|credential| Applied { credential, token });
        let acting_as = match credential {
            None => "",
            Some(Credential { user: Some(user), .. }) => &user.principal,
            Some(_) => "tenant",
        };
        let url = outbound.url.clone();
        let method_name = outbound.method.to_string();
        let (started, at_ms) = (std::time::Instant::now(), now_ms());
        let caller = Caller { tenant: &self.tenant, plugin: &self.plugin };
        let outcome = self
            .upstream
            .send(caller, &self.policy, outbound, applied.as_ref().map(|applied| applied as &dyn HopHeaders))
            .await;
        self.record((&method_name, &url, acting_as), at_ms, started.elapsed(), &outcome);
        outcome.map_err(|failure| {
            if let UpstreamError::Denied(denial) = &failure.error {
                // The URL is the guest's, raw: escaped so it cannot forge a line.
                let (url, denial) =
                    (escape(without_query(&url)).into_owned(), escape(&denial.to_string()).into_owned());
                if self.budget.spend(url.len() + denial.len() + 64) {
                    tracing::warn!(tenant = %self.tenant, plugin = %self.plugin, %url, "egress denied: {denial}");
                }
            }
            wit_error(failure.error)
        })
    }

    /// The credential's access token, from the cache or the token endpoint;
    /// `stale` is one the upstream just refused.
    async fn token(
        &self,
        credential: &Credential,
        key: &str,
        stale: Option<&str>,
    ) -> Result<Zeroizing<String>, HttpError> {
        self.tokens
            .token(key, || self.fetch_token(credential, stale))
            .await
            .map_err(|message| HttpError::CredentialFailed(format!("credential `{}`: {message}", credential.name)))
    }

    async fn fetch_token(
        &self,
        credential: &Credential,
        stale: Option<&str>,
    ) -> Result<(Zeroizing<String>, Duration), String> {
        if let Some(user) = &credential.user {
            return self.user_token(credential, user, stale).await;
        }
        if credential.scheme.is_per_user() {
            return Err("it acts as the person calling, and this call was made by no one (a webhook)".to_owned());
        }
        let request = oauth::token_request(credential).ok_or("not an OAuth2 credential")?;
        let inbound = self.token_exchange(&request).await?;
        oauth::token_response(inbound.status, &inbound.body, credential)
    }

    /// The calling person's access token for a per-user credential: the
    /// one they have while it is good, else a renewed one, stored for
    /// their next calls. A renewal the authorization server refuses
    /// outright (the refresh token is dead) ends the connection: the next
    /// call asks them to connect again. Any other failure leaves it be.
    async fn user_token(
        &self,
        credential: &Credential,
        user: &UserGrant,
        stale: Option<&str>,
    ) -> Result<(Zeroizing<String>, Duration), String> {
        let vault = self.vault.as_deref().ok_or("per-user credentials need the host's vault")?;
        let owner = Owner {
            tenant: &self.tenant,
            plugin: &self.plugin,
            credential: &credential.name,
            principal: &user.principal,
        };
        let stored = || async { vault.user_token(owner).await.map_err(|error| error.to_string()) };
        let reconnect = |why: &str| format!("{why}; the next call asks {} to connect again", user.principal);
        // After a refusal, start from what another call or replica stored since.
        let current = match stale {
            None => user.token.clone(),
            Some(_) => stored().await?.ok_or_else(|| reconnect("the connection was removed"))?,
        };
        if let Some(lifetime) = usable(&current, stale) {
            return Ok((current.access_token, lifetime));
        }
        let renewing =
            Credential { user: Some(UserGrant { token: current.clone(), ..user.clone() }), ..credential.clone() };
        let Some(request) = oauth::token_request(&renewing) else {
            vault.replace_user_token(owner, &current, None).await.map_err(|error| error.to_string())?;
            return Err(reconnect("the connection expired and the authorization server gave no way to renew it"));
        };
        let inbound = self.token_exchange(&request).await?;
        let granted = match oauth::grant_response(inbound.status, &inbound.body, &renewing, &[]) {
            Ok(granted) => granted,
            Err(reason) if oauth::grant_refused(&inbound.body) => {
                // A rotating refresh token works once: another call or
                // replica may have renewed it first, and that stands.
                if let Some(latest) = stored().await?.filter(|latest| latest.access_token != current.access_token)
                    && let Some(lifetime) = usable(&latest, stale)
                {
                    return Ok((latest.access_token, lifetime));
                }
                vault.replace_user_token(owner, &current, None).await.map_err(|error| error.to_string())?;
                return Err(reconnect(&format!("the authorization server refused to renew the connection: {reason}")));
            }
            Err(reason) => return Err(format!("renewing the connection failed, try again later: {reason}")),
        };
        let expires_at_ms = granted
            .lifetime
            .map(|lifetime| now_ms().saturating_add(i64::try_from(lifetime.as_millis()).unwrap_or(i64::MAX)));
        let renewed = UserToken {
            connection: current.connection.clone(),
            access_token: granted.access_token.clone(),
            refresh_token: granted.refresh_token.or(current.refresh_token.clone()),
            expires_at_ms,
        };
        // Not kept if the person was disconnected or reconnected meanwhile;
        // it still serves this call.
        if let Err(error) = vault.replace_user_token(owner, &current, Some(&renewed)).await {
            tracing::warn!(tenant = %self.tenant, plugin = %self.plugin, "cannot store a renewed per-user token: {error}");
        }
        Ok((granted.access_token, granted.lifetime.unwrap_or(oauth::DEFAULT_LIFETIME)))
    }

    /// Sends `request` to its token endpoint, inside the plugin's egress.
    async fn token_exchange(&self, request: &TokenRequest) -> Result<Inbound, String> {
        self.exchange(request.outbound(self.deadline), None, None).await.map_err(|error| match error {
            HttpError::Denied(reason) => format!("the token endpoint {} is not reachable: {reason}", request.url),
            other => format!("the token endpoint {} failed: {other:?}", request.url),
        })
    }
}

/// How long `token` may still be sent, unless it is the `stale` one or has
/// (nearly) expired.
fn usable(token: &UserToken, stale: Option<&str>) -> Option<Duration> {
    if stale == Some(token.access_token.as_str()) {
        return None;
    }
    let Some(expires_at_ms) = token.expires_at_ms else { return Some(oauth::DEFAULT_LIFETIME) };
    let left = Duration::from_millis(u64::try_from(expires_at_ms.saturating_sub(now_ms())).ok()?);
    (left > USER_TOKEN_MARGIN).then_some(left)
}

impl HttpCtx {
    /// Counts the request in the metrics and writes it to the audit log:
    /// origin and path, never the query, and whose credential it carried.
    fn record(
        &self,
        (method, url, acting_as): (&str, &str, &str),
        at_ms: i64,
        elapsed: Duration,
        outcome: &Result<Inbound, Failure>,
    ) {
        let target = match outcome {
            Ok(inbound) => Some(inbound.url.clone()),
            Err(_) => url::Url::parse(url).ok(),
        };
        let (origin, path) = target
            .map(|target| (origin_of(&target), target.path().to_owned()))
            .unwrap_or_else(|| ("(invalid)".to_owned(), String::new()));
        // Metrics name only origins the policy allows, so a guest cannot
        // mint a new series per made-up origin.
        match outcome {
            Ok(inbound) => self.metrics.upstream_request(&origin, &inbound.status.to_string()),
            Err(failure @ Failure { error: UpstreamError::Denied(_), .. }) => {
                self.metrics.upstream_request(DENIED_ORIGIN, failure.error.kind())
            }
            Err(failure) => {
                let allowed = self.policy.check(url).is_ok();
                self.metrics.upstream_request(if allowed { &origin } else { DENIED_ORIGIN }, failure.error.kind())
            }
        }
        let Some(audit) = &self.audit else { return };
        audit.log.request(&RequestRecord {
            call_id: audit.call_id.clone(),
            at_ms,
            tenant: audit.tenant.to_string(),
            plugin: self.plugin.to_string(),
            method: method.to_owned(),
            origin,
            path,
            status: outcome.as_ref().ok().map(|inbound| inbound.status),
            duration_ms: elapsed.as_millis() as i64,
            retries: match outcome {
                Ok(inbound) => inbound.retries,
                Err(failure) => failure.retries,
            },
            outcome: match outcome {
                Ok(_) => "ok".to_owned(),
                Err(Failure { error: UpstreamError::Denied(denial), .. }) => format!("denied: {denial}"),
                Err(failure) => failure.to_string(),
            },
            acting_as: acting_as.to_owned(),
        });
    }
}

fn method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Head => reqwest::Method::HEAD,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
        Method::Options => reqwest::Method::OPTIONS,
    }
}

fn wit_error(error: UpstreamError) -> HttpError {
    match error {
        UpstreamError::Denied(denial) => HttpError::Denied(denial.to_string()),
        UpstreamError::InvalidRequest(message) => HttpError::InvalidRequest(message),
        UpstreamError::Timeout(_) => HttpError::Timeout,
        UpstreamError::TooLarge(limit) => HttpError::TooLarge(limit),
        UpstreamError::Connection(message) => HttpError::Connection(message),
        UpstreamError::RateLimited(wait) => HttpError::RateLimited(Some(wait)),
        UpstreamError::CircuitOpen(message) => HttpError::CircuitOpen(message),
    }
}

impl Host for HttpCtx {
    async fn send(&mut self, request: Request) -> wasmtime::Result<Result<Response, HttpError>> {
        let limit = self.upstream.settings().max_requests_per_call;
        self.sends = self.sends.saturating_add(1);
        if self.sends > limit {
            let denial = Denial::TooManyRequests { limit };
            // Only the first refusal is recorded: the rest are its repeats.
            if self.sends == limit + 1 {
                let failure = Failure::from(UpstreamError::Denied(denial.clone()));
                let verb = method(request.method);
                self.record((verb.as_ref(), &request.url, ""), now_ms(), Duration::ZERO, &Err(failure));
            }
            return Ok(Err(HttpError::Denied(denial.to_string())));
        }
        Ok(self.perform(request).await)
    }
}
