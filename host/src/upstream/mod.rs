//! The host's outbound HTTP client: every plugin request goes through here.
//!
//! Each hop (the first request and every redirect) is checked against the
//! call's [`EgressPolicy`]; names are resolved by a [`resolver::GuardedResolver`]
//! that refuses internal addresses; bodies are capped and every request has
//! a timeout that a plugin may lower but not raise.

mod resolver;

use crate::policy::address::AddressPolicy;
use crate::policy::egress::{Denial, EgressPolicy};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// `[egress]` settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EgressSettings {
    /// Which internal addresses plugins may reach (none by default).
    #[serde(flatten)]
    pub addresses: AddressPolicy,
    /// Largest response body, in KiB.
    pub max_response_kib: u32,
    /// Longest time for one upstream exchange, in ms; a plugin may ask for less.
    pub timeout_ms: u64,
    /// Redirects followed per request, each checked against the rules.
    pub max_redirects: u8,
}

impl Default for EgressSettings {
    fn default() -> Self {
        Self { addresses: AddressPolicy::default(), max_response_kib: 8 * 1024, timeout_ms: 30_000, max_redirects: 5 }
    }
}

/// One request, as the host will perform it.
#[derive(Debug, Clone)]
pub struct Outbound {
    /// HTTP method.
    pub method: reqwest::Method,
    /// Absolute URL (checked here).
    pub url: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Option<Vec<u8>>,
    /// The plugin's requested timeout, if lower than the host's.
    pub timeout: Option<Duration>,
}

/// The upstream's answer.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body, at most the cap.
    pub body: Vec<u8>,
    /// The URL that answered (after redirects).
    pub url: Url,
    /// Retries made before this answer.
    pub retries: u32,
}

/// Why no answer was obtained.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// Egress policy or address policy refused a hop.
    #[error(transparent)]
    Denied(#[from] Denial),
    /// The request is malformed.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The exchange took longer than allowed.
    #[error("no answer within {0} ms")]
    Timeout(u64),
    /// The body exceeded the cap (bytes).
    #[error("the response exceeded {0} bytes")]
    TooLarge(u64),
    /// DNS, connect or TLS failure.
    #[error("could not reach the upstream: {0}")]
    Connection(String),
}

/// Adds headers to hops that may carry them (credentials, bound to origins).
pub trait HopHeaders: Send + Sync {
    /// Headers to set on a request to `url`; empty for origins the
    /// credential is not bound to.
    fn headers_for(&self, url: &Url) -> Vec<(String, String)>;
}

/// The shared outbound client.
pub struct Upstream {
    client: reqwest::Client,
    settings: EgressSettings,
}

impl Upstream {
    /// A client enforcing `settings`.
    pub fn new(settings: EgressSettings) -> Result<Self, String> {
        // reqwest is built without a bundled crypto provider; use ring, which
        // builds everywhere with a C compiler alone. Installing twice is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver::GuardedResolver::new(settings.addresses)))
            .no_proxy()
            .user_agent(concat!("berth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| error.to_string())?;
        Ok(Self { client, settings })
    }

    /// Performs `request` within `policy`, following redirects that stay
    /// within it. `extra` supplies credential headers per hop; they replace
    /// any header of the same name the plugin set.
    pub async fn send(
        &self,
        policy: &EgressPolicy,
        request: Outbound,
        extra: Option<&dyn HopHeaders>,
    ) -> Result<Inbound, UpstreamError> {
        let host_timeout = Duration::from_millis(self.settings.timeout_ms);
        let timeout = request.timeout.map_or(host_timeout, |asked| asked.min(host_timeout));
        tokio::time::timeout(timeout, self.exchange(policy, request, extra))
            .await
            .unwrap_or(Err(UpstreamError::Timeout(timeout.as_millis() as u64)))
    }

    async fn exchange(
        &self,
        policy: &EgressPolicy,
        mut request: Outbound,
        extra: Option<&dyn HopHeaders>,
    ) -> Result<Inbound, UpstreamError> {
        let mut url = policy.check(&request.url)?;
        for _hop in 0..=self.settings.max_redirects {
            self.check_literal_address(&url)?;
            let mut headers = request.headers.clone();
            if let Some(extra) = extra {
                for (name, value) in extra.headers_for(&url) {
                    headers.retain(|(existing, _)| !existing.eq_ignore_ascii_case(&name));
                    headers.push((name, value));
                }
            }
            let mut builder = self.client.request(request.method.clone(), url.clone());
            for (name, value) in &headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
            if let Some(body) = &request.body {
                builder = builder.body(body.clone());
            }
            let response = builder.send().await.map_err(connection_error)?;
            let status = response.status();
            let location = response.headers().get(reqwest::header::LOCATION).and_then(|value| value.to_str().ok());
            if let Some(location) = location.filter(|_| status.is_redirection()) {
                let next = url
                    .join(location)
                    .map_err(|error| UpstreamError::InvalidRequest(format!("bad redirect: {error}")))?;
                url = policy.check(next.as_str())?;
                if status == reqwest::StatusCode::SEE_OTHER
                    || (matches!(status.as_u16(), 301 | 302) && request.method == reqwest::Method::POST)
                {
                    request.method = reqwest::Method::GET;
                    request.body = None;
                }
                continue;
            }
            return self.read(response, url).await;
        }
        Err(UpstreamError::InvalidRequest(format!("more than {} redirects", self.settings.max_redirects)))
    }

    /// IP-literal hosts never reach the resolver; check them here.
    fn check_literal_address(&self, url: &Url) -> Result<(), UpstreamError> {
        let address = match url.host() {
            Some(url::Host::Ipv4(v4)) => std::net::IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => std::net::IpAddr::V6(v6),
            _ => return Ok(()),
        };
        self.settings.addresses.check(address).map_err(|kind| {
            UpstreamError::Denied(Denial::PrivateAddress {
                host: url.host_str().unwrap_or_default().to_owned(),
                address,
                kind,
            })
        })
    }

    async fn read(&self, response: reqwest::Response, url: Url) -> Result<Inbound, UpstreamError> {
        let cap = self.settings.max_response_kib as usize * 1024;
        if response.content_length().is_some_and(|length| length as usize > cap) {
            return Err(UpstreamError::TooLarge(cap as u64));
        }
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect();
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(connection_error)?;
            if body.len() + chunk.len() > cap {
                return Err(UpstreamError::TooLarge(cap as u64));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Inbound { status, headers, body, url, retries: 0 })
    }
}

/// Surfaces a resolver denial as a denial; everything else is a connection
/// failure, with the innermost cause (which says what actually failed).
fn connection_error(error: reqwest::Error) -> UpstreamError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    let mut innermost = error.to_string();
    while let Some(cause) = source {
        if let Some(denial) = cause.downcast_ref::<Denial>() {
            return UpstreamError::Denied(denial.clone());
        }
        innermost = cause.to_string();
        source = cause.source();
    }
    UpstreamError::Connection(innermost)
}
