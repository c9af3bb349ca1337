//! The host's outbound HTTP client: every plugin request goes through here.
//!
//! Each hop (the first request and every redirect) is checked against the
//! call's [`EgressPolicy`]; names are resolved by a [`resolver::GuardedResolver`]
//! that refuses internal addresses; requests are validated and bounded
//! before anything is metered or sent ([`request`]); answers are decoded
//! ([`decode`]) and capped; and every request has a timeout that a plugin
//! may lower but not raise.

mod decode;
mod request;
pub mod resilience;
mod resolver;

use crate::metrics::CircuitState;
use crate::policy::address::AddressPolicy;
use crate::policy::egress::{Denial, EgressPolicy, origin_of};
use crate::settings::{InvalidSetting, in_range};
use crate::shared::Redis;
use futures::StreamExt;
use resilience::{Breakers, RateLimits, ResilienceSettings, Verdict, asked_wait};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::{Duration, Instant};
use url::Url;

/// `[egress]` settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Most headers one request may carry. Real API requests carry under
    /// twenty; 100 is hyper's own bound on a response's headers, and far
    /// below the 32,768 at which an `http::HeaderMap` gives up.
    pub max_request_headers: u32,
    /// Most bytes of header names and values one request may carry, in KiB.
    /// Servers commonly refuse header blocks past 8 to 16 KiB; 64 leaves
    /// room for large cookies and tokens while bounding what a plugin makes
    /// the host copy and send.
    pub max_request_header_kib: u32,
    /// Largest request body, in KiB. The host holds a body in memory while
    /// it sends (and may resend) it; 8 MiB matches the default response cap
    /// and covers API payloads and modest attachments.
    pub max_request_body_kib: u32,
    /// Shortest timeout a plugin may ask for, in ms; shorter ones are
    /// raised to it. No upstream answers in a millisecond, and a timeout
    /// that short only manufactures failures.
    pub min_timeout_ms: u64,
    /// Most `http.send` calls one tool call may make, denied ones included.
    /// A real tool makes a handful (a few pages, a token refresh); 200 is
    /// well past that and bounds the audit rows and log lines one call can
    /// cause.
    pub max_requests_per_call: u32,
    /// PEM files of certificate authorities to trust besides the public
    /// ones: an on-premises instance behind a private CA, or the fake
    /// upstreams of `berth demo` and the tests.
    pub trusted_ca_files: Vec<std::path::PathBuf>,
}

impl Default for EgressSettings {
    fn default() -> Self {
        Self {
            addresses: AddressPolicy::default(),
            max_response_kib: 8 * 1024,
            timeout_ms: 30_000,
            max_redirects: 5,
            max_request_headers: 100,
            max_request_header_kib: 64,
            max_request_body_kib: 8 * 1024,
            min_timeout_ms: 100,
            max_requests_per_call: 200,
            trusted_ca_files: Vec::new(),
        }
    }
}

impl EgressSettings {
    /// Refuses caps and timeouts the host cannot run with.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("egress", "max_response_kib", self.max_response_kib, 1..=1_048_576)?;
        in_range("egress", "timeout_ms", self.timeout_ms, 1..=3_600_000)?;
        in_range("egress", "max_redirects", self.max_redirects, 0..=20)?;
        in_range("egress", "max_request_headers", self.max_request_headers, 1..=10_000)?;
        in_range("egress", "max_request_header_kib", self.max_request_header_kib, 1..=1024)?;
        in_range("egress", "max_request_body_kib", self.max_request_body_kib, 0..=1_048_576)?;
        in_range("egress", "min_timeout_ms", self.min_timeout_ms, 1..=self.timeout_ms.max(1))?;
        in_range("egress", "max_requests_per_call", self.max_requests_per_call, 1..=100_000)
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
    /// Body, shared rather than copied by every attempt and redirect.
    pub body: Option<bytes::Bytes>,
    /// The plugin's requested timeout, if lower than the host's.
    pub timeout: Option<Duration>,
    /// When the exchange, retries and their waits included, must be over:
    /// shortly before the tool call's own deadline, so that the guest gets
    /// a typed error it can still answer with instead of being cut off.
    pub deadline: Instant,
}

/// The upstream's answer.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Status code.
    pub status: u16,
    /// Headers, names in lower case.
    pub headers: Vec<(String, String)>,
    /// Body, decoded, at most the cap.
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
    /// The tenant's rate limit, or the upstream's `Retry-After` beyond the
    /// host's bound, says wait (ms).
    #[error("rate limited; retry in {0} ms")]
    RateLimited(u64),
    /// The circuit for this upstream is open.
    #[error("{0}")]
    CircuitOpen(String),
}

impl UpstreamError {
    /// How this failure bears on the upstream's circuit: the host's own
    /// refusals and caps say nothing about the upstream's health.
    fn verdict(&self) -> Verdict {
        match self {
            Self::Connection(_) | Self::Timeout(_) => Verdict::Failed,
            Self::Denied(_) | Self::InvalidRequest(_) | Self::TooLarge(_) => Verdict::Neutral,
            // Raised before the request is admitted, never by an exchange.
            Self::RateLimited(_) | Self::CircuitOpen(_) => Verdict::Neutral,
        }
    }

    /// A short name for the kind of failure, for metrics labels.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Denied(_) => "denied",
            Self::InvalidRequest(_) => "invalid_request",
            Self::Timeout(_) => "timeout",
            Self::TooLarge(_) => "too_large",
            Self::Connection(_) => "connection",
            Self::RateLimited(_) => "rate_limited",
            Self::CircuitOpen(_) => "circuit_open",
        }
    }
}

/// A request that obtained no answer, with the retries made before giving
/// up, which the audit log records like those of an answered request.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error}")]
pub struct Failure {
    /// Why there is no answer.
    pub error: UpstreamError,
    /// Retries made after the first attempt.
    pub retries: u32,
}

/// A failure before any attempt was retried.
impl From<UpstreamError> for Failure {
    fn from(error: UpstreamError) -> Self {
        Self { error, retries: 0 }
    }
}

/// Who is sending, for per-tenant and per-plugin resilience state.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// Tenant.
    pub tenant: &'a str,
    /// Plugin.
    pub plugin: &'a str,
}

/// Adds headers to hops that may carry them (credentials, bound to origins).
pub trait HopHeaders: Send + Sync {
    /// Headers to set on a request to `url`; empty for origins the
    /// credential is not bound to.
    fn headers_for(&self, url: &Url) -> Vec<(String, String)>;
}

/// The shared outbound client.
pub struct Upstream {
    /// Built on first need (see [`Upstream::warm`]): loading the platform's
    /// root certificates takes tens of milliseconds that start-up should not
    /// wait for.
    client: tokio::sync::OnceCell<reqwest::Client>,
    /// Authorities trusted besides the platform's, read at construction so
    /// a bad CA file still fails start-up.
    extra_roots: Vec<reqwest::Certificate>,
    settings: EgressSettings,
    resilience: ResilienceSettings,
    breakers: Breakers,
    limits: RateLimits,
}

impl Upstream {
    /// Every circuit breaker's state, as (tenant, origin, state).
    pub fn circuits(&self) -> Vec<(String, String, CircuitState)> {
        self.breakers.states()
    }

    /// The `[egress]` settings it enforces.
    pub fn settings(&self) -> &EgressSettings {
        &self.settings
    }

    /// A client enforcing `settings`, absorbing faults per `resilience`.
    /// The CA files are read and every certificate in them parsed as a
    /// trust anchor now, so a bad one fails start-up; the connection pool is
    /// built on first need, or by [`Upstream::warm`].
    pub fn new(settings: EgressSettings, resilience: ResilienceSettings) -> Result<Self, String> {
        let extra_roots = trust_anchors(&settings.trusted_ca_files)?;
        Ok(Self {
            client: tokio::sync::OnceCell::new(),
            extra_roots,
            settings,
            resilience,
            breakers: Breakers::default(),
            limits: RateLimits::default(),
        })
    }

    /// Shares the per-(tenant, plugin) rate limits with every replica
    /// through `redis`.
    pub fn with_shared_rate_limits(mut self, redis: Redis) -> Self {
        self.limits = RateLimits::shared(redis);
        self
    }

    /// Builds the client in the background, so that the first plugin
    /// request does not wait for it and start-up does not either.
    pub fn warm(self: &Arc<Self>) {
        let upstream = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = upstream.client().await {
                tracing::error!("the outbound HTTP client does not start: {error}");
            }
        });
    }

    /// The client, built once, off the async workers (it reads the
    /// platform's certificate store).
    async fn client(&self) -> Result<&reqwest::Client, UpstreamError> {
        self.client
            .get_or_try_init(|| async {
                // reqwest is built without a bundled crypto provider; use
                // ring, which builds everywhere with a C compiler alone.
                // Installing twice is fine.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = reqwest::Client::builder();
                for authority in &self.extra_roots {
                    builder = builder.add_root_certificate(authority.clone());
                }
                let builder = builder
                    .redirect(reqwest::redirect::Policy::none())
                    .dns_resolver(Arc::new(resolver::GuardedResolver::new(self.settings.addresses)))
                    .no_proxy()
                    .user_agent(concat!("berth/", env!("CARGO_PKG_VERSION")));
                let built = tokio::task::spawn_blocking(move || builder.build()).await;
                match built {
                    Ok(Ok(client)) => Ok(client),
                    Ok(Err(error)) => Err(error.to_string()),
                    Err(error) => Err(error.to_string()),
                }
                .map_err(|error| UpstreamError::Connection(format!("the outbound HTTP client does not start: {error}")))
            })
            .await
    }

    /// Performs `request` for `caller` within `policy`, following redirects
    /// that stay within it. A malformed request is refused first, then the
    /// request takes a token from the (tenant, plugin) bucket, so denials
    /// are metered like requests. `extra` supplies credential headers per
    /// hop; they replace any header of the same name the plugin set.
    /// Connection errors
    /// and 502/503/504 are retried for idempotent methods, 429 for any, with
    /// jittered backoff or the upstream's `Retry-After`. Every attempt and
    /// every wait ends by `request.deadline`: a wait that would not fit is
    /// not waited (a 429 then becomes `rate-limited`), and an attempt cut
    /// short by it is a `timeout`.
    pub async fn send(
        &self,
        caller: Caller<'_>,
        policy: &EgressPolicy,
        request: Outbound,
        extra: Option<&dyn HopHeaders>,
    ) -> Result<Inbound, Failure> {
        request::validate(&request, &self.settings)?;
        let settings = &self.resilience;
        self.limits
            .take(settings, caller.tenant, caller.plugin)
            .await
            .map_err(|wait| UpstreamError::RateLimited(millis(wait)))?;
        let origin = origin_of(&policy.check(&request.url).map_err(UpstreamError::Denied)?);
        let admission = self.breakers.admit(settings, caller.tenant, &origin).map_err(|wait| {
            UpstreamError::CircuitOpen(format!(
                "{origin} failed repeatedly; failing fast for another {} ms",
                millis(wait)
            ))
        })?;
        let host_timeout = Duration::from_millis(self.settings.timeout_ms);
        // A timeout the plugin lowered says nothing about the upstream when
        // it runs out, so it never counts against the circuit.
        let lowered = request.timeout.filter(|asked| *asked < host_timeout);
        // One too short to be real is raised to the host's floor.
        let floor = Duration::from_millis(self.settings.min_timeout_ms).min(host_timeout);
        let timeout = lowered.map_or(host_timeout, |asked| asked.max(floor));
        let idempotent = matches!(request.method.as_str(), "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS");
        let mut retries = 0;
        let (verdict, outcome) = loop {
            let attempt = timeout.min(request.deadline.saturating_duration_since(Instant::now()));
            let outcome = tokio::time::timeout(attempt, self.exchange(policy, request.clone(), extra))
                .await
                .unwrap_or(Err(UpstreamError::Timeout(millis(attempt))));
            let verdict = match &outcome {
                Ok(inbound) if inbound.status >= 500 => Verdict::Failed,
                Ok(_) => Verdict::Healthy,
                Err(UpstreamError::Timeout(_)) if lowered.is_some() => Verdict::Neutral,
                Err(error) => error.verdict(),
            };
            let retryable = match &outcome {
                Ok(inbound) => inbound.status == 429 || (idempotent && matches!(inbound.status, 502..=504)),
                Err(UpstreamError::Connection(_)) => idempotent,
                Err(_) => false,
            };
            if retryable && retries < settings.max_retries {
                let asked =
                    outcome.as_ref().ok().and_then(|inbound| asked_wait(inbound.status, |name| inbound.header(name)));
                let wait = asked.unwrap_or_else(|| settings.backoff(retries));
                let fits = wait <= Duration::from_millis(settings.max_retry_after_ms)
                    && wait < request.deadline.saturating_duration_since(Instant::now());
                if fits {
                    tracing::debug!(origin, retries, ?wait, "retrying upstream request");
                    tokio::time::sleep(wait).await;
                    retries += 1;
                    continue;
                }
                if outcome.as_ref().is_ok_and(|inbound| inbound.status == 429) {
                    break (verdict, Err(UpstreamError::RateLimited(millis(wait))));
                }
            }
            break (verdict, outcome);
        };
        admission.record(verdict);
        match outcome {
            Ok(inbound) => Ok(Inbound { retries, ..inbound }),
            Err(error) => Err(Failure { error, retries }),
        }
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
            let mut builder = self
                .client()
                .await?
                .request(request.method.clone(), url.clone())
                .header(reqwest::header::ACCEPT_ENCODING, decode::ACCEPTED);
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
        let encoding = response
            .headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        // The body is handed on decoded, so its encoding and length
        // headers no longer describe it.
        let headers = response
            .headers()
            .iter()
            .filter(|(name, _)| *name != reqwest::header::CONTENT_ENCODING && *name != reqwest::header::CONTENT_LENGTH)
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
        let body = decode::decode(encoding.as_deref(), body, cap)?;
        Ok(Inbound { status, headers, body, url, retries: 0 })
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Inbound {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// Surfaces a resolver denial as a denial and a request reqwest could not
/// build as the plugin's mistake; everything else is a connection failure,
/// with the innermost cause (which says what actually failed).
fn connection_error(error: reqwest::Error) -> UpstreamError {
    if error.is_builder() {
        return UpstreamError::InvalidRequest(format!("the request cannot be built: {error}"));
    }
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

/// Every certificate in the PEM `files`, each checked to be a usable
/// trust anchor: the authorities `[egress] trusted_ca_files` adds to the
/// platform's, for plugins' requests and the host's own to identity
/// providers. A file that holds anything else fails start-up.
pub fn trust_anchors(files: &[std::path::PathBuf]) -> Result<Vec<reqwest::Certificate>, String> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut anchors = Vec::new();
    for path in files {
        let bad = |error: &dyn std::fmt::Display| format!("CA file {}: {error}", path.display());
        let pem = std::fs::read(path).map_err(|error| format!("cannot read CA file {}: {error}", path.display()))?;
        for der in CertificateDer::pem_slice_iter(&pem) {
            let der = der.map_err(|error| bad(&format_args!("not PEM certificates: {error}")))?;
            rustls::RootCertStore::empty()
                .add(der.clone())
                .map_err(|error| bad(&format_args!("a certificate that is not a usable authority: {error}")))?;
            anchors.push(reqwest::Certificate::from_der(&der).map_err(|error| bad(&error))?);
        }
    }
    Ok(anchors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::egress::EgressTemplate;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn a_ca_file_that_holds_no_usable_authority_fails_construction() {
        let dir = tempfile::tempdir().unwrap();
        let with_ca = |name: &str, pem: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, pem).unwrap();
            Upstream::new(EgressSettings { trusted_ca_files: vec![path], ..Default::default() }, Default::default())
        };
        assert!(with_ca("good.pem", berth_fakes::TestCa::get().pem()).is_ok());
        let garbage = "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
        let error = with_ca("garbage.pem", garbage).err().expect("refused");
        assert!(error.contains("garbage.pem") && error.contains("not a usable authority"), "{error}");
    }

    /// A loopback server answering each connection with the next of
    /// `answers` (raw status line and headers), then closing it.
    async fn serve(answers: &'static [&'static str]) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            for answer in answers {
                let (mut socket, _) = listener.accept().await.unwrap();
                let mut request = Vec::new();
                while !request.ends_with(b"\r\n\r\n") {
                    let mut byte = [0];
                    if socket.read(&mut byte).await.unwrap() == 0 {
                        break;
                    }
                    request.push(byte[0]);
                }
                let response = format!("{answer}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                socket.write_all(response.as_bytes()).await.unwrap();
            }
        });
        addr
    }

    /// A client with `egress` (loopback allowed) and `resilience`, and a
    /// policy allowing everything at `addr`.
    fn loopback(
        addr: std::net::SocketAddr,
        egress: EgressSettings,
        resilience: ResilienceSettings,
    ) -> (Upstream, EgressPolicy) {
        let addresses = AddressPolicy { allow_loopback: true, ..AddressPolicy::default() };
        let upstream = Upstream::new(EgressSettings { addresses, ..egress }, resilience).unwrap();
        let rule = EgressTemplate::parse(&format!("http://{addr}/")).unwrap();
        (upstream, EgressPolicy::resolve("p", &[rule], &Default::default()))
    }

    #[tokio::test]
    async fn a_probe_answered_with_a_retry_after_beyond_the_bound_settles_the_circuit() {
        let addr =
            serve(&["HTTP/1.1 503 Service Unavailable", "HTTP/1.1 429 Too Many Requests\r\nretry-after: 3600"]).await;
        let resilience = ResilienceSettings { breaker_threshold: 1, breaker_cooldown_ms: 10, ..Default::default() };
        let (upstream, policy) = loopback(addr, EgressSettings::default(), resilience);
        let caller = Caller { tenant: "t", plugin: "p" };
        // POST, so the 503 is not retried and opens the circuit at once.
        let request = Outbound {
            method: reqwest::Method::POST,
            url: format!("http://{addr}/x"),
            headers: Vec::new(),
            body: None,
            timeout: None,
            deadline: Instant::now() + Duration::from_secs(10),
        };
        let failed = upstream.send(caller, &policy, request.clone(), None).await.unwrap();
        assert_eq!(failed.status, 503);
        assert_eq!(upstream.circuits()[0].2, CircuitState::Open);
        tokio::time::sleep(Duration::from_millis(20)).await;

        let probe = upstream.send(caller, &policy, request, None).await.unwrap_err();
        assert!(matches!(probe.error, UpstreamError::RateLimited(3_600_000)), "{probe:?}");
        assert_eq!(upstream.circuits()[0].2, CircuitState::Closed, "the upstream answered, so the probe closed it");
    }

    #[tokio::test]
    async fn a_timeout_the_plugin_lowered_never_opens_the_circuit() {
        // Accepts connections and never answers.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let egress = EgressSettings { timeout_ms: 2_000, min_timeout_ms: 100, ..EgressSettings::default() };
        let resilience = ResilienceSettings { breaker_threshold: 1, max_retries: 0, ..Default::default() };
        let (upstream, policy) = loopback(addr, egress, resilience);
        let caller = Caller { tenant: "t", plugin: "p" };
        let request = |timeout: Duration| Outbound {
            method: reqwest::Method::GET,
            url: format!("http://{addr}/x"),
            headers: Vec::new(),
            body: None,
            timeout: Some(timeout),
            deadline: Instant::now() + Duration::from_secs(10),
        };
        let started = Instant::now();
        let lowered = upstream.send(caller, &policy, request(Duration::from_millis(1)), None).await.unwrap_err();
        assert!(matches!(lowered.error, UpstreamError::Timeout(100)), "1 ms is raised to the floor: {lowered:?}");
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(upstream.circuits()[0].2, CircuitState::Closed, "the plugin's own timeout is not counted");

        let full = upstream.send(caller, &policy, request(Duration::from_secs(60)), None).await.unwrap_err();
        assert!(matches!(full.error, UpstreamError::Timeout(2_000)), "{full:?}");
        assert_eq!(upstream.circuits()[0].2, CircuitState::Open, "the host's own timeout is");
    }
}
