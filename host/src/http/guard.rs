//! Protection against DNS rebinding: `Host` and `Origin` must name this
//! server. On a loopback bind, only loopback names (and `--allowed-host`
//! entries) are accepted, so a web page on another origin cannot drive a
//! local Berth through the victim's browser.

use super::error::ApiError;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// Which `Host` and `Origin` values are acceptable.
#[derive(Debug, Clone)]
pub struct HostPolicy {
    loopback_only: bool,
    allowed: Vec<String>,
}

impl HostPolicy {
    /// A policy for a server bound only to loopback addresses (`loopback_only`)
    /// or not, accepting `allowed` host names (`name` or `name:port`) too.
    pub fn new(loopback_only: bool, allowed: Vec<String>) -> Self {
        Self { loopback_only, allowed: allowed.into_iter().map(|host| host.to_ascii_lowercase()).collect() }
    }

    /// Why `host` (an authority: name and optional port) is refused, if it is.
    fn check_host(&self, authority: &str) -> Result<(), String> {
        let authority = authority.to_ascii_lowercase();
        let name = host_name(&authority);
        let listed = self.allowed.iter().any(|allowed| *allowed == authority || allowed == name);
        let fine = listed || is_loopback_name(name) || (!self.loopback_only && self.allowed.is_empty());
        if fine { Ok(()) } else { Err(format!("forbidden Host `{authority}`; allow it with --allowed-host")) }
    }

    /// Why `origin` (a serialized origin such as `https://a.example:8443`) is
    /// refused, if it is.
    fn check_origin(&self, origin: &str) -> Result<(), String> {
        let lowered = origin.to_ascii_lowercase();
        let authority = lowered.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        let name = host_name(authority);
        let listed = self.allowed.iter().any(|allowed| allowed == authority || allowed == name);
        if listed || is_loopback_name(name) {
            Ok(())
        } else {
            Err(format!("forbidden Origin `{origin}`; allow its host with --allowed-host"))
        }
    }
}

/// Middleware: refuses requests whose `Host` or `Origin` the policy rejects.
pub async fn check(State(policy): State<Arc<HostPolicy>>, request: Request, next: Next) -> Result<Response, ApiError> {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|authority| authority.to_string()));
    if let Some(host) = host {
        policy.check_host(&host).map_err(ApiError::Forbidden)?;
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| ApiError::Forbidden("unreadable Origin header".to_owned()))?;
        policy.check_origin(origin).map_err(ApiError::Forbidden)?;
    }
    Ok(next.run(request).await)
}

/// The name part of `name:port` or `[v6]:port`.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(name, _)| name)
}

fn is_loopback_name(name: &str) -> bool {
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_binds_accept_only_loopback_names_and_listed_hosts() {
        let policy = HostPolicy::new(true, vec!["berth.internal".into()]);
        for host in ["localhost", "127.0.0.1:8080", "[::1]:9", "berth.internal", "berth.internal:443"] {
            assert!(policy.check_host(host).is_ok(), "{host}");
        }
        for host in ["evil.example", "127.0.0.1.evil.example", "evil.example:8080"] {
            assert!(policy.check_host(host).is_err(), "{host}");
        }
    }

    #[test]
    fn foreign_origins_are_refused() {
        let policy = HostPolicy::new(true, Vec::new());
        assert!(policy.check_origin("http://localhost:3000").is_ok());
        assert!(policy.check_origin("http://127.0.0.1:8080").is_ok());
        assert!(policy.check_origin("https://evil.example").is_err());
        assert!(policy.check_origin("null").is_err());
    }

    #[test]
    fn public_binds_without_a_list_accept_any_host_but_not_foreign_origins() {
        let policy = HostPolicy::new(false, Vec::new());
        assert!(policy.check_host("berth.example.com").is_ok());
        assert!(policy.check_origin("https://berth.example.com").is_err());
        let listed = HostPolicy::new(false, vec!["berth.example.com".into()]);
        assert!(listed.check_host("other.example.com").is_err());
        assert!(listed.check_origin("https://berth.example.com").is_ok());
    }
}
