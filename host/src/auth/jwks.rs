//! Each trusted issuer's signing keys, found through its metadata (RFC
//! 8414's `/.well-known/oauth-authorization-server`, else OpenID Connect's
//! `/.well-known/openid-configuration`) and cached. A token signed with a
//! key the cache does not know makes it fetch the key set again, at most
//! once per `[auth] jwks_refetch_secs` per issuer, so a stream of tokens
//! with made-up key ids costs the identity provider one request per
//! interval, not one per token; the set is also refreshed when it is older
//! than [`MAX_AGE`], so a key the provider withdrew stops working.
//!
//! The requests are the host's own, not a plugin's: to the issuer the
//! operator configured, over HTTPS (trusting the platform's authorities and
//! `[egress] trusted_ca_files`), without redirects, each bounded in time
//! and size.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Longest wait for the identity provider.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest metadata document or key set read.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Most keys kept per issuer.
const MAX_KEYS: usize = 64;
/// How long a fetched key set is trusted before it is fetched again.
pub const MAX_AGE: Duration = Duration::from_secs(600);

/// Why an issuer's key could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The key set has no key with the token's key id.
    #[error("no key `{0}` in the issuer's key set")]
    UnknownKey(String),
    /// The identity provider could not be reached or answered wrongly.
    #[error("the issuer's keys cannot be fetched: {0}")]
    Unreachable(String),
}

/// The client for identity providers: the platform's authorities and
/// `trusted_ca_files`, no redirects, no proxy.
pub fn issuer_client(trusted_ca_files: &[std::path::PathBuf]) -> Result<reqwest::Client, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("berth/", env!("CARGO_PKG_VERSION")));
    for anchor in crate::upstream::trust_anchors(trusted_ca_files)? {
        builder = builder.add_root_certificate(anchor);
    }
    builder.build().map_err(|error| format!("the identity provider client does not start: {error}"))
}

/// Signing keys by issuer.
pub struct Keys {
    client: reqwest::Client,
    min_refetch: Duration,
    issuers: Mutex<HashMap<String, Arc<tokio::sync::Mutex<IssuerKeys>>>>,
    /// Sign-in endpoints by issuer, with when they were fetched: kept for
    /// [`MAX_AGE`], so a browser's sign-in costs the provider no fetch.
    endpoints: Mutex<HashMap<String, (Endpoints, Instant)>>,
}

/// What is known of one issuer's keys.
#[derive(Default)]
struct IssuerKeys {
    keys: HashMap<String, Jwk>,
    /// When the keys were last fetched.
    fetched_at: Option<Instant>,
    /// When a fetch was last tried, whether it worked or not: what limits
    /// the fetches a stream of bad tokens (or an unreachable provider) can
    /// cause.
    tried_at: Option<Instant>,
}

/// The part of an issuer's metadata this needs.
#[derive(Deserialize)]
struct Metadata {
    issuer: String,
    jwks_uri: String,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
}

/// Where people sign in at an issuer (OpenID Connect's code flow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Where the browser is sent to sign in.
    pub authorization: url::Url,
    /// Where the code is exchanged.
    pub token: url::Url,
}

impl Keys {
    /// Keys fetched with `client`, refetched on an unknown key id at most
    /// once per `min_refetch`.
    pub fn new(client: reqwest::Client, min_refetch: Duration) -> Self {
        Self { client, min_refetch, issuers: Mutex::default(), endpoints: Mutex::default() }
    }

    /// `issuer`'s key `kid` (the empty string for a token without one).
    pub async fn key(&self, issuer: &str, kid: &str) -> Result<Jwk, KeyError> {
        let entry =
            self.issuers.lock().unwrap_or_else(PoisonError::into_inner).entry(issuer.to_owned()).or_default().clone();
        let mut known = entry.lock().await;
        let fresh = known.fetched_at.is_some_and(|at| at.elapsed() < MAX_AGE);
        if fresh && let Some(key) = known.keys.get(kid) {
            return Ok(key.clone());
        }
        if known.tried_at.is_none_or(|at| at.elapsed() >= self.min_refetch) {
            known.tried_at = Some(Instant::now());
            let keys = self.fetch(issuer).await?;
            known.keys = keys;
            known.fetched_at = known.tried_at;
        } else if !fresh {
            // Out of date, and tried too recently to try again: refused,
            // never served from keys the provider may have withdrawn.
            return Err(KeyError::Unreachable("its keys are out of date and could not be fetched again".to_owned()));
        }
        known.keys.get(kid).cloned().ok_or_else(|| KeyError::UnknownKey(kid.to_owned()))
    }

    /// Where people sign in at `issuer`, from its metadata (fetched at
    /// most once per [`MAX_AGE`]): both must be https:// URLs.
    pub async fn endpoints(&self, issuer: &str) -> Result<Endpoints, KeyError> {
        let cached = self.endpoints.lock().unwrap_or_else(PoisonError::into_inner).get(issuer).cloned();
        if let Some((endpoints, _)) = cached.filter(|(_, at)| at.elapsed() < MAX_AGE) {
            return Ok(endpoints);
        }
        let metadata = self.metadata(issuer).await?;
        let https = |endpoint: Option<String>, name: &str| {
            endpoint
                .and_then(|endpoint| url::Url::parse(&endpoint).ok())
                .filter(|url| url.scheme() == "https")
                .ok_or_else(|| KeyError::Unreachable(format!("the issuer's metadata has no https:// {name}")))
        };
        let endpoints = Endpoints {
            authorization: https(metadata.authorization_endpoint, "authorization_endpoint")?,
            token: https(metadata.token_endpoint, "token_endpoint")?,
        };
        let mut cache = self.endpoints.lock().unwrap_or_else(PoisonError::into_inner);
        cache.insert(issuer.to_owned(), (endpoints.clone(), Instant::now()));
        Ok(endpoints)
    }

    /// POSTs `form` to an issuer's `url` (a token endpoint): the status
    /// and the JSON answer, bounded in time and size like every fetch.
    pub async fn post_form(&self, url: &url::Url, form: &str) -> Result<(u16, serde_json::Value), KeyError> {
        let request = self
            .client
            .post(url.as_str())
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(form.to_owned());
        self.read(url.as_str(), request, true).await
    }

    /// Fetches `issuer`'s metadata, then its key set.
    async fn fetch(&self, issuer: &str) -> Result<HashMap<String, Jwk>, KeyError> {
        let metadata = self.metadata(issuer).await?;
        let jwks_uri = url::Url::parse(&metadata.jwks_uri)
            .ok()
            .filter(|url| url.scheme() == "https")
            .ok_or_else(|| KeyError::Unreachable("the metadata's jwks_uri is not an https:// URL".to_owned()))?;
        let set: JwkSet = self.document(jwks_uri.as_str()).await?;
        let mut keys = HashMap::new();
        for key in set.keys.into_iter().take(MAX_KEYS) {
            keys.insert(key.common.key_id.clone().unwrap_or_default(), key);
        }
        tracing::info!(issuer, keys = keys.len(), "fetched the issuer's signing keys");
        Ok(keys)
    }

    /// The metadata document of `issuer`, whose `issuer` must be `issuer`
    /// exactly (RFC 8414 §3.3), from the first well-known place that has
    /// one.
    async fn metadata(&self, issuer: &str) -> Result<Metadata, KeyError> {
        let url = url::Url::parse(issuer).map_err(|_| KeyError::Unreachable("the issuer is not a URL".to_owned()))?;
        let path = url.path().trim_end_matches('/');
        let origin = url.origin().ascii_serialization();
        let places = [
            format!("{origin}/.well-known/oauth-authorization-server{path}"),
            format!("{origin}{path}/.well-known/openid-configuration"),
        ];
        let mut last = None;
        for place in places {
            match self.document::<Metadata>(&place).await {
                Ok(metadata) if metadata.issuer == issuer => return Ok(metadata),
                Ok(_) => {
                    last = Some(KeyError::Unreachable(format!("the metadata at {place} names another issuer")));
                }
                Err(error) => last = Some(error),
            }
        }
        Err(last.expect("two places were tried"))
    }

    /// GETs `url` and reads its JSON body, bounded in time and size.
    async fn document<T: serde::de::DeserializeOwned>(&self, url: &str) -> Result<T, KeyError> {
        let (_, body) = self.read(url, self.client.get(url), false).await?;
        serde_json::from_value(body)
            .map_err(|error| KeyError::Unreachable(format!("{url}: not the JSON expected: {error}")))
    }

    /// Sends `request` to `url` and reads its JSON answer, bounded in time
    /// and size; a status other than success is an error unless
    /// `any_status` (a token endpoint explains its refusals in JSON).
    async fn read(
        &self,
        url: &str,
        request: reqwest::RequestBuilder,
        any_status: bool,
    ) -> Result<(u16, serde_json::Value), KeyError> {
        let unreachable = |error: &dyn std::fmt::Display| KeyError::Unreachable(format!("{url}: {error}"));
        let mut response = tokio::time::timeout(FETCH_TIMEOUT, request.send())
            .await
            .map_err(|_| unreachable(&"timed out"))?
            .map_err(|error| unreachable(&error))?;
        let status = response.status();
        if !status.is_success() && !any_status {
            return Err(unreachable(&format_args!("answered {status}")));
        }
        let mut body = Vec::new();
        loop {
            let chunk = tokio::time::timeout(FETCH_TIMEOUT, response.chunk())
                .await
                .map_err(|_| unreachable(&"timed out"))?
                .map_err(|error| unreachable(&error))?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                return Err(unreachable(&format_args!("larger than {MAX_DOCUMENT_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let body = serde_json::from_slice(&body).map_err(|error| unreachable(&format_args!("not JSON: {error}")))?;
        Ok((status.as_u16(), body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_fakes::idp::FakeIdp;

    #[tokio::test]
    async fn bad_tokens_cost_the_provider_no_fetch_within_the_interval_even_while_it_is_down() {
        let idp = FakeIdp::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, berth_fakes::TestCa::get().pem()).unwrap();
        let keys = Keys::new(issuer_client(&[ca]).unwrap(), Duration::from_secs(60));
        let kid = idp.kid(berth_fakes::idp::Alg::Es256);
        assert!(keys.key(&idp.issuer(), &kid).await.is_ok(), "fetched while up");
        assert!(matches!(keys.key(&idp.issuer(), "made-up").await, Err(KeyError::UnknownKey(_))));
        idp.served.set_down(true);
        let asked = idp.served.hits.all().len();
        for _ in 0..10 {
            assert!(matches!(keys.key(&idp.issuer(), "made-up").await, Err(KeyError::UnknownKey(_))));
        }
        assert_eq!(idp.served.hits.all().len(), asked, "no fetch within the interval, however many bad tokens");
        assert!(keys.key(&idp.issuer(), &kid).await.is_ok(), "a fresh key still verifies");
    }
}
