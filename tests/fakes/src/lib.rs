//! # berth-fakes
//!
//! Fake upstream APIs that follow the vendors' documented behaviour (paths,
//! auth, pagination, error bodies, rate-limit headers), served over HTTPS on
//! `127.0.0.1:0`. Berth's end-to-end tests drive the real adapters against
//! them, and `berth demo` serves them so a new user has something to try.
//!
//! Every fake is served with a certificate from one in-process test CA
//! ([`TestCa`]); a client trusts the fake by adding [`TestCa::pem`] as a
//! root. Adapters keep their production `https://` egress rules.

pub mod buyict;
pub mod github;
pub mod idp;
pub mod jira;
pub mod opsramp;
pub mod servicedesk_plus;
pub mod servicenow;
pub mod webhook;
pub mod zendesk;

mod armed_limit;
mod authorization;
mod clock;
mod tokens;

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderMap, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio_rustls::TlsAcceptor;

/// The certificate authority behind every fake in this process.
pub struct TestCa {
    pem: String,
    server: Arc<rustls::ServerConfig>,
}

impl TestCa {
    /// The process-wide CA, created on first use. Its leaf certificate names
    /// `127.0.0.1`, `::1` and `localhost`.
    pub fn get() -> &'static TestCa {
        static CA: OnceLock<TestCa> = OnceLock::new();
        CA.get_or_init(|| TestCa::generate().expect("generating the test CA"))
    }

    /// The CA certificate, PEM-encoded: what a client adds as a trusted root.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    fn generate() -> Result<Self, rcgen::Error> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let ca_key = rcgen::KeyPair::generate()?;
        let mut ca_params = rcgen::CertificateParams::new(Vec::new())?;
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, "Berth fake upstreams CA");
        ca_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign, rcgen::KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key)?;
        let issuer = rcgen::Issuer::new(ca_params, ca_key);

        let leaf_key = rcgen::KeyPair::generate()?;
        let mut leaf_params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()])?;
        leaf_params.distinguished_name.push(rcgen::DnType::CommonName, "localhost");
        let leaf = leaf_params.signed_by(&leaf_key, &issuer)?;

        let chain = vec![leaf.der().clone(), ca_cert.der().clone()];
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).expect("rcgen produces a PKCS#8 key");
        let mut server = rustls::ServerConfig::builder()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the generated certificate and key match");
        server.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Self { pem: ca_cert.pem(), server: Arc::new(server) })
    }
}

/// Requests a fake received, as `METHOD /path?query`, oldest first. Tests
/// use it to show that a cache answered or a retry happened.
#[derive(Debug, Clone, Default)]
pub struct Hits(Arc<Mutex<Vec<String>>>);

impl Hits {
    /// Every request so far.
    pub fn all(&self) -> Vec<String> {
        self.lock().clone()
    }

    /// How many requests so far had a path starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.lock()
            .iter()
            .filter(|line| line.split_once(' ').is_some_and(|(_, target)| target.starts_with(prefix)))
            .count()
    }

    fn record(&self, request: &Request) {
        let target = request.uri().path_and_query().map_or_else(|| "/".to_owned(), ToString::to_string);
        self.lock().push(format!("{} {target}", request.method()));
    }

    fn lock(&self) -> MutexGuard<'_, Vec<String>> {
        lock(&self.0)
    }
}

/// Locks `mutex`; a handler that panicked cannot leave a fake's state half
/// written in a way later tests care about, so poisoning is ignored.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The client id and secret of a token request sent as HTTP Basic, which
/// OAuth token endpoints accept beside form fields.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Where the client reached a fake (`host:port`), for the URLs it writes
/// back: the request's authority, else its `Host`, else `localhost`.
fn origin(uri: &Uri, headers: &HeaderMap) -> String {
    uri.authority()
        .map(ToString::to_string)
        .or_else(|| headers.get(header::HOST).and_then(|host| host.to_str().ok()).map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned())
}

/// A fake being served; dropping it stops the server.
pub struct Served {
    /// Where it listens (always `127.0.0.1`).
    pub addr: SocketAddr,
    /// Every request it received.
    pub hits: Hits,
    down: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Served {
    /// `127.0.0.1:PORT`: what a tenant's `instance` or `base_url` is set to.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// Takes the service down (every request answered `503 Service
    /// Unavailable`, as a load balancer in front of a failed upstream does)
    /// or brings it back: how tests show one system failing beside others.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` over HTTPS on `127.0.0.1:0` with the [`TestCa`]
/// certificate, recording every request.
pub async fn serve(router: Router) -> std::io::Result<Served> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let hits = Hits::default();
    let down = Arc::new(AtomicBool::new(false));
    let (recorder, is_down) = (hits.clone(), down.clone());
    let router = router.layer(axum::middleware::from_fn(move |request: Request, next: Next| {
        let (recorder, is_down) = (recorder.clone(), is_down.clone());
        async move {
            recorder.record(&request);
            if is_down.load(Ordering::SeqCst) {
                return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable").into_response();
            }
            let response: Response = next.run(request).await;
            response
        }
    }));
    let acceptor = TlsAcceptor::from(TestCa::get().server.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let (acceptor, router) = (acceptor.clone(), router.clone());
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else { return };
                let service = TowerToHyperService::new(router);
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(Served { addr, hits, down, task })
}
