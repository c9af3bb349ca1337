//! Protection against DNS rebinding: `Host` and `Origin` must name this
//! server. On a loopback bind, only loopback names (and `--allowed-host`
//! entries) are accepted, so a web page on another origin cannot drive a
//! local Berth through the victim's browser.

use super::error::ApiError;
use crate::policy::echo::clip;
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
    /// Serialized origins (`https://name[:port]`) accepted in `Origin` only.
    origins: Vec<String>,
}

impl HostPolicy {
    /// A policy for a server bound only to loopback addresses (`loopback_only`)
    /// or not, accepting `allowed` host names (`name` or `name:port`) too.
    pub fn new(loopback_only: bool, allowed: Vec<String>) -> Self {
        Self {
            loopback_only,
            allowed: allowed.into_iter().map(|host| host.to_ascii_lowercase()).collect(),
            origins: Vec::new(),
        }
    }

    /// Also accepts `origin` (serialized, `https://name[:port]`) as an
    /// `Origin`: the server's own public address, whose pages post forms
    /// to it. Scheme, name and port must all match.
    pub fn with_origin(mut self, origin: Option<String>) -> Self {
        self.origins.extend(origin.map(|origin| origin.to_ascii_lowercase()));
        self
    }

    /// Why `host` (an authority: name and optional port) is refused, if it is.
    fn check_host(&self, authority: &str) -> Result<(), String> {
        let authority = authority.to_ascii_lowercase();
        let name = host_name(&authority);
        let listed = self.allowed.iter().any(|allowed| *allowed == authority || allowed == name);
        let fine = listed || is_loopback_name(name) || (!self.loopback_only && self.allowed.is_empty());
        if fine { Ok(()) } else { Err(format!("forbidden Host `{}`; allow it with --allowed-host", clip(&authority))) }
    }

    /// Why `origin` (a serialized origin such as `https://a.example:8443`) is
    /// refused, if it is.
    fn check_origin(&self, origin: &str) -> Result<(), String> {
        let lowered = origin.to_ascii_lowercase();
        let authority = lowered.split_once("://").map(|(_, rest)| rest).unwrap_or("");
        let name = host_name(authority);
        let listed = self.allowed.iter().any(|allowed| allowed == authority || allowed == name);
        let own = self.origins.contains(&lowered);
        if listed || own || is_loopback_name(name) {
            Ok(())
        } else {
            Err(format!("forbidden Origin `{}`; allow its host with --allowed-host", clip(origin)))
        }
    }
}

/// Middleware: refuses requests whose `Host` or `Origin` the policy rejects,
/// and requests that name their host ambiguously: two `Host` headers, or an
/// absolute-form target (`POST http://other.example/mcp`) whose authority
/// differs from `Host` (RFC 9112 §3.2 and §3.2.2). Each would let a request
/// pass the check under one name and be served under another.
pub async fn check(State(policy): State<Arc<HostPolicy>>, request: Request, next: Next) -> Result<Response, ApiError> {
    let headers = request.headers();
    let mut hosts = headers.get_all(header::HOST).iter();
    let host = hosts.next();
    if hosts.next().is_some() {
        return Err(ApiError::Malformed("more than one Host header".to_owned()));
    }
    let host = host
        .map(|value| value.to_str().map_err(|_| ApiError::Malformed("unreadable Host header".to_owned())))
        .transpose()?;
    let target = request.uri().authority().map(|authority| authority.as_str());
    if let (Some(host), Some(target)) = (host, target)
        && !host.eq_ignore_ascii_case(target)
    {
        return Err(ApiError::Malformed(format!(
            "the request target names `{}` but Host is `{}`",
            clip(target),
            clip(host)
        )));
    }
    if let Some(host) = host.or(target) {
        policy.check_host(host).map_err(ApiError::Forbidden)?;
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

    #[test]
    fn the_public_address_is_an_origin_of_its_own_and_nothing_more() {
        let policy = HostPolicy::new(false, Vec::new()).with_origin(Some("https://Berth.example.com".into()));
        assert!(policy.check_origin("https://berth.example.com").is_ok(), "its pages post forms");
        assert!(policy.check_origin("https://berth.example.com:8443").is_err(), "another port is another origin");
        assert!(policy.check_origin("http://berth.example.com").is_err(), "another scheme is another origin");
        assert!(policy.check_host("internal.example").is_ok(), "Host stays as it was");
    }
}
