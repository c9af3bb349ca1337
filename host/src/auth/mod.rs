//! Who is calling and what they may do.
//!
//! An HTTP request proves who it is with a bearer token: a tenant's API
//! key (a service account, with the roles of its tenant's policy), or,
//! once `[auth] resource` names this server, a JWT from an identity
//! provider the operator trusts ([`issuers`], validated by [`jwt`] with
//! keys from [`jwks`]). Either way the result is a [`Principal`]: its
//! tenant, who it is, and its [`roles::Permissions`], which decide which
//! tools it sees and may call. Roles and tenant policies are stored by
//! [`policy`].

pub mod issuers;
pub mod jwks;
pub mod jwt;
pub mod policy;
pub mod roles;

use crate::settings::{InvalidSetting, in_range};
use roles::Permissions;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `[auth]`: accepting identity providers' tokens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// This server's resource identifier: the URL clients reach its `/mcp`
    /// at, such as `https://berth.example.com/mcp`. A token's `aud` must
    /// be it (RFC 8707), and `/.well-known/oauth-protected-resource`
    /// describes it. Unset, only API keys authenticate.
    pub resource: Option<String>,
    /// Clock skew allowed on `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Least time between two fetches of an issuer's keys for a key id it
    /// did not know, in seconds.
    pub jwks_refetch_secs: u64,
    /// The URL people's browsers reach this server at, such as
    /// `https://berth.example.com`: where they connect their own upstream
    /// accounts for per-user credentials (`/oauth/connect/…`), and where
    /// the authorization server sends them back (`/oauth/callback`, the
    /// redirect URI to register). Unset: the origin of `resource`.
    pub public_url: Option<String>,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self { resource: None, leeway_secs: 60, jwks_refetch_secs: 30, public_url: None }
    }
}

impl AuthSettings {
    /// Checks the values, naming the key and the fix.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("auth", "leeway_secs", self.leeway_secs, 0..=600)?;
        in_range("auth", "jwks_refetch_secs", self.jwks_refetch_secs, 0..=86_400)?;
        if let Some(public_url) = &self.public_url {
            let usable = url::Url::parse(public_url).is_ok_and(|url| {
                matches!(url.scheme(), "https" | "http")
                    && url.host_str().is_some()
                    && url.query().is_none()
                    && url.fragment().is_none()
            });
            if !usable {
                let fix = "must be the URL browsers reach this server at, such as https://berth.example.com";
                return Err(InvalidSetting::new("auth", "public_url", public_url, fix));
            }
        }
        if let Some(resource) = &self.resource {
            let usable = url::Url::parse(resource).is_ok_and(|url| {
                matches!(url.scheme(), "https" | "http") && url.host_str().is_some() && url.fragment().is_none()
            });
            if !usable {
                let fix = "must be the URL clients reach /mcp at, such as https://berth.example.com/mcp";
                return Err(InvalidSetting::new("auth", "resource", resource, fix));
            }
        }
        Ok(())
    }

    /// Where people's browsers reach this server, without a trailing `/`:
    /// `public_url`, else the origin of `resource`.
    pub fn public_base(&self) -> Option<String> {
        match (&self.public_url, &self.resource) {
            (Some(public_url), _) => Some(public_url.trim_end_matches('/').to_owned()),
            (None, Some(resource)) => Some(url::Url::parse(resource).ok()?.origin().ascii_serialization()),
            (None, None) => None,
        }
    }

    /// The redirect URI of per-user credentials' authorization flows.
    pub fn callback_url(&self) -> Option<String> {
        Some(format!("{}/oauth/callback", self.public_base()?))
    }

    /// Where this server's protected resource metadata is (RFC 9728 §3.1:
    /// the well-known path inserted before the resource's own path).
    pub fn metadata_url(&self) -> Option<String> {
        let resource = url::Url::parse(self.resource.as_deref()?).ok()?;
        let path = resource.path().trim_end_matches('/');
        Some(format!("{}/.well-known/oauth-protected-resource{path}", resource.origin().ascii_serialization()))
    }
}

/// Who a request runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The tenant.
    pub tenant: Arc<str>,
    /// Who: `key:<key id>` for an API key, `stdio` for the local session,
    /// a token's `sub` otherwise.
    pub subject: Arc<str>,
    /// The issuer of a token; `None` for keys and stdio.
    pub issuer: Option<Arc<str>>,
    /// What it may list and call.
    pub permissions: Arc<Permissions>,
}

impl Principal {
    /// The operator's own session (stdio, or the anonymous tenant on
    /// loopback): every tool.
    pub fn operator(tenant: Arc<str>, subject: &str) -> Self {
        Self { tenant, subject: subject.into(), issuer: None, permissions: Arc::new(Permissions::everything()) }
    }

    /// How the audit log names it: the subject, `@` the issuer for a token.
    pub fn audit_name(&self) -> String {
        match &self.issuer {
            Some(issuer) => format!("{}@{issuer}", self.subject),
            None => self.subject.to_string(),
        }
    }
}
