//! OAuth2 for credentials: building the form-encoded token request (as
//! ServiceNow, Zoho and OpsRamp require), reading the answer, and a cache
//! that keeps each token until shortly before it expires and lets
//! concurrent calls share a single refresh.

use super::credentials::{Credential, Redactor, Scheme};
use super::token_store::TokenStore;
use crate::upstream::Outbound;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

/// Tokens are renewed this long before they expire (or at 90% of a short
/// lifetime), so a request never leaves with a token about to lapse.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);
/// Lifetime assumed when the token endpoint gives none, or one the clock
/// cannot represent (`expires_in: 18446744073709551615`).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);
/// Longest token endpoint explanation passed on, in characters: enough for
/// any real `error_description`, small enough that an endpoint cannot fill
/// the guest's error with its whole body.
const MAX_REASON_CHARS: usize = 200;

/// A token endpoint request: URL and form body.
pub struct TokenRequest {
    /// Token endpoint.
    pub url: String,
    /// `application/x-www-form-urlencoded` body.
    pub form: Zeroizing<String>,
}

impl TokenRequest {
    /// The request as sent: form-encoded, asking for JSON (GitHub answers
    /// with a form otherwise), over by `deadline`.
    pub fn outbound(&self, deadline: std::time::Instant) -> Outbound {
        Outbound {
            method: reqwest::Method::POST,
            url: self.url.clone(),
            headers: vec![
                ("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()),
                ("accept".to_owned(), "application/json".to_owned()),
            ],
            body: Some(bytes::Bytes::from(self.form.as_bytes().to_vec())),
            timeout: None,
            deadline,
        }
    }
}

/// The token request for an OAuth2 credential, or `None` for other schemes
/// and for a per-user credential without a refresh token to renew with.
pub fn token_request(credential: &Credential) -> Option<TokenRequest> {
    let secret = |part: &str| credential.secrets.get(part).map(|value| value.as_str()).unwrap_or_default();
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    let url = match &credential.scheme {
        Scheme::Oauth2ClientCredentials { token_url, client_id, scope } => {
            form.append_pair("grant_type", "client_credentials").append_pair("client_id", client_id);
            form.append_pair("client_secret", secret("client_secret"));
            if let Some(scope) = scope {
                form.append_pair("scope", scope);
            }
            token_url
        }
        Scheme::Oauth2RefreshToken { token_url, client_id, .. } => {
            refresh_grant(&mut form, secret("refresh_token"), client_id, secret("client_secret"));
            token_url
        }
        Scheme::Oauth2AuthorizationCode { token_url, client_id, .. } => {
            let refresh_token = credential.user.as_ref()?.token.refresh_token.as_ref()?;
            refresh_grant(&mut form, refresh_token, client_id, secret("client_secret"));
            token_url
        }
        _ => return None,
    };
    Some(TokenRequest { url: url.clone(), form: Zeroizing::new(form.finish()) })
}

/// Appends a refresh-token grant (RFC 6749 §6) to `form`; a public
/// client (no secret) sends none.
fn refresh_grant(form: &mut url::form_urlencoded::Serializer<String>, token: &str, client_id: &str, secret: &str) {
    form.append_pair("grant_type", "refresh_token").append_pair("refresh_token", token);
    form.append_pair("client_id", client_id);
    if !secret.is_empty() {
        form.append_pair("client_secret", secret);
    }
}

/// What a token endpoint granted.
pub struct Granted {
    /// The access token.
    pub access_token: Zeroizing<String>,
    /// Its lifetime, if the endpoint named one.
    pub lifetime: Option<Duration>,
    /// A (new) refresh token, if the endpoint issued one.
    pub refresh_token: Option<Zeroizing<String>>,
}

/// Reads a token endpoint's answer for `credential`: the access token and
/// its lifetime, or the endpoint's own explanation of the failure. The
/// explanation reaches the guest, and token endpoints echo the request
/// (`client_secret=...`) in their errors, so every secret of the
/// credential is cut out of it first.
pub fn token_response(
    status: u16,
    body: &[u8],
    credential: &Credential,
) -> Result<(Zeroizing<String>, Duration), String> {
    let granted = grant_response(status, body, credential, &[])?;
    Ok((granted.access_token, granted.lifetime.unwrap_or(DEFAULT_LIFETIME)))
}

/// [`token_response`] with everything granted, and `also` (a code or a
/// verifier the request carried) cut out of an explanation too.
pub fn grant_response(status: u16, body: &[u8], credential: &Credential, also: &[&str]) -> Result<Granted, String> {
    let sensitive = credential.sensitive_values();
    let sensitive = sensitive.iter().map(|(value, public)| (value.as_str(), *public));
    let redactor = Redactor::with_public_prefixes(sensitive.chain(also.iter().map(|value| (*value, 0))));
    explain(status, body).map_err(|reason| String::from_utf8_lossy(&redactor.redact(reason.as_bytes())).into_owned())
}

/// Whether a token endpoint's answer refuses the grant itself (RFC 6749
/// §5.2 `invalid_grant`, GitHub's `bad_refresh_token`): the refresh token
/// is dead, unlike after an outage, a rate limit or a client
/// misconfiguration, which a later renewal may outlive.
pub fn grant_refused(body: &[u8]) -> bool {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    matches!(json.get("error").and_then(|error| error.as_str()), Some("invalid_grant" | "bad_refresh_token"))
}

/// [`grant_response`] before redaction.
fn explain(status: u16, body: &[u8]) -> Result<Granted, String> {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap_or(serde_json::Value::Null);
    if (200..300).contains(&status) {
        if let Some(token) = json.get("access_token").and_then(|token| token.as_str()) {
            let lifetime = match json.get("expires_in") {
                Some(serde_json::Value::Number(seconds)) => seconds.as_u64(),
                Some(serde_json::Value::String(seconds)) => seconds.parse().ok(),
                _ => None,
            }
            .map(Duration::from_secs);
            let refresh_token = json.get("refresh_token").and_then(|token| token.as_str());
            return Ok(Granted {
                access_token: Zeroizing::new(token.to_owned()),
                lifetime,
                refresh_token: refresh_token
                    .filter(|token| !token.is_empty())
                    .map(|token| Zeroizing::new(token.to_owned())),
            });
        }
        // Zoho answers a refused grant with 200 and `{"error": "invalid_code"}`.
        return Err(match reason(&json) {
            Some(reason) => format!("the token endpoint answered {status} without an access_token: {reason}"),
            None => format!("the token endpoint answered {status} without an access_token"),
        });
    }
    let reason = reason(&json).unwrap_or_else(|| {
        String::from_utf8_lossy(&body[..body.len().min(200)]).chars().take(MAX_REASON_CHARS).collect()
    });
    Err(format!("the token endpoint answered {status}: {reason}"))
}

/// The endpoint's own explanation in its JSON, bounded: an endpoint's
/// message may be any size.
fn reason(json: &serde_json::Value) -> Option<String> {
    ["error_description", "error", "message"]
        .iter()
        .find_map(|key| json.get(key).and_then(|value| value.as_str()))
        .or_else(|| json.pointer("/error/message").and_then(|value| value.as_str()))
        .map(|reason| reason.chars().take(MAX_REASON_CHARS).collect())
}

/// A key that changes whenever the credential does, so an edited
/// credential never reuses a token obtained with the old secret; a
/// per-user credential's key also names whose token it is, and which of
/// their connections.
pub fn cache_key(tenant: &str, plugin: &str, credential: &Credential) -> String {
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(&credential.scheme).unwrap_or_default());
    for (part, value) in &credential.secrets {
        hash.update(part.as_bytes());
        hash.update([0]);
        hash.update(value.as_bytes());
        hash.update([0]);
    }
    let (owner, connection) =
        credential.user.as_ref().map_or(("", ""), |user| (&*user.principal, user.token.connection.as_str()));
    format!("{tenant}\0{plugin}\0{}\0{}\0{owner}\0{connection}", credential.name, hex::encode(hash.finalize()))
}

struct Token {
    value: Zeroizing<String>,
    renew_at: Instant,
}

type Slot = Arc<tokio::sync::Mutex<Option<Token>>>;

/// Access tokens by [`cache_key`], shared by every call, and by every
/// replica when backed by a [`TokenStore`].
#[derive(Default)]
pub struct TokenCache {
    slots: Mutex<HashMap<String, Slot>>,
    store: Option<TokenStore>,
}

impl TokenCache {
    /// A cache that also keeps its tokens in `store`, for the other
    /// replicas, and looks there before fetching.
    pub fn with_store(store: TokenStore) -> Self {
        Self { slots: Mutex::default(), store: Some(store) }
    }

    /// A token another replica stored for `key` that is not due for
    /// renewal yet; a store that fails is a miss, logged.
    async fn stored(&self, key: &str) -> Option<Token> {
        let loaded = self.store.as_ref()?.load(key).await;
        let (value, renew_at_ms) =
            loaded.inspect_err(|error| tracing::warn!("cannot read shared tokens: {error}")).ok()??;
        let left = u64::try_from(renew_at_ms - crate::audit::now_ms()).ok().filter(|left| *left > 0)?;
        Some(Token { value, renew_at: Instant::now().checked_add(Duration::from_millis(left))? })
    }

    /// The cached token for `key`, or a new one from `fetch`. Concurrent
    /// callers for the same key wait for one fetch and share its result.
    pub async fn token<F, Fut>(&self, key: &str, fetch: F) -> Result<Zeroizing<String>, String>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Zeroizing<String>, Duration), String>>,
    {
        let slot = self.slot(key);
        let mut token = slot.lock().await;
        if let Some(current) = token.as_ref().filter(|current| Instant::now() < current.renew_at) {
            return Ok(current.value.clone());
        }
        if let Some(stored) = self.stored(key).await {
            let value = stored.value.clone();
            *token = Some(stored);
            return Ok(value);
        }
        let (value, lifetime) = fetch().await?;
        let margin = EXPIRY_MARGIN.min(lifetime / 10);
        let now = Instant::now();
        // The lifetime is the token endpoint's word: never trust it to fit the clock.
        let renew_in = lifetime.saturating_sub(margin);
        let renew_at = now.checked_add(renew_in).or_else(|| now.checked_add(DEFAULT_LIFETIME)).unwrap_or(now);
        if let Some(store) = &self.store {
            let renew_at_ms =
                crate::audit::now_ms().saturating_add(i64::try_from(renew_in.as_millis()).unwrap_or(i64::MAX));
            if let Err(error) = store.save(key, &value, renew_at_ms).await {
                tracing::warn!("cannot share a token with the other replicas: {error}");
            }
        }
        *token = Some(Token { value: value.clone(), renew_at });
        Ok(value)
    }

    /// Forgets `stale` (the upstream refused it), unless another call has
    /// already replaced it.
    pub async fn invalidate(&self, key: &str, stale: &str) {
        let slot = self.slot(key);
        let mut token = slot.lock().await;
        if token.as_ref().is_some_and(|current| current.value.as_str() == stale) {
            *token = None;
        }
        if let Some(store) = &self.store
            && let Err(error) = store.forget(key, stale).await
        {
            tracing::warn!("cannot drop a refused token from the shared store: {error}");
        }
    }

    fn slot(&self, key: &str) -> Slot {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).entry(key.to_owned()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn client_credentials() -> Credential {
        Credential {
            name: "sn".into(),
            scheme: Scheme::Oauth2ClientCredentials {
                token_url: "https://a.example/oauth_token.do".into(),
                client_id: "id 1".into(),
                scope: Some("useraccount".into()),
            },
            bound_origins: Vec::new(),
            secrets: [("client_secret".to_owned(), Zeroizing::new("s&cret".to_owned()))].into(),
            user: None,
        }
    }

    #[test]
    fn token_requests_are_form_encoded() {
        let request = token_request(&client_credentials()).unwrap();
        assert_eq!(request.url, "https://a.example/oauth_token.do");
        assert_eq!(
            request.form.as_str(),
            "grant_type=client_credentials&client_id=id+1&client_secret=s%26cret&scope=useraccount"
        );
    }

    #[test]
    fn token_responses_are_read_or_explained() {
        let credential = client_credentials();
        let (token, lifetime) =
            token_response(200, br#"{"access_token":"at","expires_in":"1799"}"#, &credential).unwrap();
        assert_eq!((token.as_str(), lifetime), ("at", Duration::from_secs(1799)));
        let error = token_response(
            401,
            br#"{"error":"invalid_client","error_description":"Client authentication failed"}"#,
            &credential,
        );
        assert_eq!(error.unwrap_err(), "the token endpoint answered 401: Client authentication failed");
    }

    #[test]
    fn token_endpoint_errors_never_carry_the_secrets_sent() {
        let credential = client_credentials();
        let echo = br#"{"error_description":"bad request: grant_type=client_credentials&client_id=id+1&client_secret=s%26cret (s&cret)"}"#;
        let error = token_response(400, echo, &credential).unwrap_err();
        assert!(!error.contains("s%26cret") && !error.contains("s&cret"), "{error}");
        assert!(error.contains("client_secret=[REDACTED]"), "{error}");
        let raw = b"<html>client_secret=s%26cret</html>";
        assert!(!token_response(500, raw, &credential).unwrap_err().contains("s%26cret"));
    }

    #[test]
    fn a_grant_refused_with_200_names_the_reason() {
        // Zoho's way: 200 with an error body instead of a token.
        let error = token_response(200, br#"{"error":"invalid_code"}"#, &client_credentials()).unwrap_err();
        assert!(error.contains("without an access_token: invalid_code"), "{error}");
    }

    #[test]
    fn only_a_dead_grant_counts_as_refused() {
        assert!(grant_refused(br#"{"error":"invalid_grant","error_description":"revoked"}"#));
        assert!(grant_refused(br#"{"error":"bad_refresh_token"}"#), "GitHub's, with status 200");
        for passing in
            [&br#"{"error":"temporarily_unavailable"}"#[..], b"<html>503</html>", b"{\"error\":\"invalid_client\"}"]
        {
            assert!(!grant_refused(passing), "{}", String::from_utf8_lossy(passing));
        }
    }

    #[tokio::test]
    async fn an_expiry_the_clock_cannot_hold_is_no_panic() {
        let body = br#"{"access_token":"at","expires_in":18446744073709551615}"#;
        let (_, lifetime) = token_response(200, body, &client_credentials()).unwrap();
        let cache = TokenCache::default();
        let token = cache.token("k", || async { Ok((Zeroizing::new("at".to_owned()), lifetime)) }).await;
        assert_eq!(token.unwrap().as_str(), "at");
        let again = cache.token("k", || async { Err("no second fetch".to_owned()) }).await;
        assert_eq!(again.unwrap().as_str(), "at", "the token is cached, not refetched");
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch_and_stale_tokens_are_replaced() {
        let cache = Arc::new(TokenCache::default());
        let fetches = Arc::new(AtomicUsize::new(0));
        let calls = (0..20).map(|_| {
            let (cache, fetches) = (cache.clone(), fetches.clone());
            tokio::spawn(async move {
                cache
                    .token("k", || async move {
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        let n = fetches.fetch_add(1, Ordering::SeqCst);
                        Ok((Zeroizing::new(format!("t{n}")), Duration::from_secs(600)))
                    })
                    .await
                    .unwrap()
            })
        });
        for call in calls.collect::<Vec<_>>() {
            assert_eq!(call.await.unwrap().as_str(), "t0");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
        cache.invalidate("k", "t0").await;
        let fresh =
            cache.token("k", || async { Ok((Zeroizing::new("t1".to_owned()), Duration::from_secs(600))) }).await;
        assert_eq!(fresh.unwrap().as_str(), "t1");
    }
}
