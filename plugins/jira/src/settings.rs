//! The tenant's settings for this plugin, read through `config` and checked
//! before they are used, so a misconfiguration reaches the operator in
//! words rather than as a confusing upstream failure.
//!
//! Two ways to reach a site, chosen by whether `cloud_id` is set:
//!
//! | `cloud_id` | requests go to | for |
//! |---|---|---|
//! | unset | `https://{site}/rest/…` | Basic with a classic API token |
//! | set | `https://{api_gateway}/ex/jira/{cloud_id}/rest/…` | OAuth 2.0 access tokens, scoped API tokens, service accounts |
//!
//! The manifest declares egress for both; the gateway rules name
//! `{cloud_id}`, so while it is unset they resolve to nothing and the host
//! denies only requests that would need them. Links for humans always use
//! the site: `https://{site}/browse/{key}`.

use berth_sdk::{ToolError, config};

/// Config key: the site host.
pub const SITE: &str = "site";
/// Config key: the site's cloud id, to go through the API gateway.
pub const CLOUD_ID: &str = "cloud_id";
/// Config key: the API gateway's host.
pub const API_GATEWAY: &str = "api_gateway";
/// Config key: where `create` files tickets when no queue is given.
pub const DEFAULT_PROJECT: &str = "default_project";
/// Config key: the Service Management desk the JSM tools use by default.
pub const SERVICE_DESK_ID: &str = "service_desk_id";

/// Atlassian's API gateway.
pub const DEFAULT_API_GATEWAY: &str = "api.atlassian.com";

/// The settings one call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `https://{site}`: where people open issues.
    pub site_url: String,
    /// Where the REST APIs are: the site, or the gateway's path for it.
    pub api_base: String,
    /// The default project key for new tickets, if set.
    pub default_project: Option<String>,
    /// The default service desk id, if set.
    pub service_desk_id: Option<String>,
}

impl Settings {
    /// Reads and checks the calling tenant's settings.
    pub fn load() -> Result<Self, ToolError> {
        Self::from_values(&|key| config::get(key))
    }

    /// Checks settings read by `get` (an empty value counts as unset).
    pub fn from_values(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ToolError> {
        let value = |key: &str| get(key).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        let site = value(SITE).ok_or_else(|| {
            ToolError::denied(format!(
                "config `{SITE}` is not set for this tenant; the operator sets it to the Jira site's host with \
                 `berth config set --tenant <tenant> jira {SITE} acme.atlassian.net`"
            ))
        })?;
        let site = host(SITE, &site, "the site's host name, such as acme.atlassian.net")?;
        let site_url = format!("https://{site}");
        let api_base = match value(CLOUD_ID) {
            None => site_url.clone(),
            Some(cloud_id) => {
                let valid = cloud_id.len() <= 64 && cloud_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                if !valid {
                    return Err(ToolError::denied(format!(
                        "config `{CLOUD_ID}` must be the site's cloud id, such as \
                         11223344-a1b2-3b33-c444-def123456789 (from https://{site}/_edge/tenant_info), but it is \
                         `{cloud_id}`"
                    )));
                }
                let gateway = value(API_GATEWAY).unwrap_or_else(|| DEFAULT_API_GATEWAY.to_owned());
                let gateway = host(API_GATEWAY, &gateway, "a host name, api.atlassian.com unless a proxy stands in")?;
                format!("https://{gateway}/ex/jira/{cloud_id}")
            }
        };
        let default_project = value(DEFAULT_PROJECT).map(|key| key.to_ascii_uppercase());
        if let Some(key) = &default_project
            && !crate::jql::is_project_key(key)
        {
            return Err(ToolError::denied(format!(
                "config `{DEFAULT_PROJECT}` must be a project key such as OPS, but it is `{key}`"
            )));
        }
        let service_desk_id = value(SERVICE_DESK_ID);
        if let Some(id) = &service_desk_id
            && !is_numeric_id(id)
        {
            return Err(ToolError::denied(format!(
                "config `{SERVICE_DESK_ID}` must be a service desk's numeric id, such as 1, but it is `{id}`"
            )));
        }
        Ok(Self { site_url, api_base, default_project, service_desk_id })
    }

    /// The platform API's URL for `path` (`/issue/OPS-1`).
    pub fn platform(&self, path: &str) -> String {
        format!("{}/rest/api/3{path}", self.api_base)
    }

    /// Service Management's URL for `path` (`/servicedesk`).
    pub fn service_desk(&self, path: &str) -> String {
        format!("{}/rest/servicedeskapi{path}", self.api_base)
    }

    /// Where a person opens issue `key`.
    pub fn browse(&self, key: &str) -> String {
        format!("{}/browse/{key}", self.site_url)
    }
}

/// `value` when it is a host with an optional port (what the egress rules
/// put after `https://`), else a denial naming setting `key`.
fn host(key: &str, value: &str, what: &str) -> Result<String, ToolError> {
    let valid = value.len() <= 253
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && !value.starts_with(['.', '-', ':']);
    if !valid {
        return Err(ToolError::denied(format!(
            "config `{key}` must be {what} (no scheme or path), but it is `{value}`; the operator fixes it with \
             `berth config set --tenant <tenant> jira {key} <host>`"
        )));
    }
    Ok(value.to_ascii_lowercase())
}

/// Whether `id` is a numeric id, as Service Management's ids are.
pub fn is_numeric_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 18 && id.bytes().all(|byte| byte.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ToolError> {
        let values: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_values(&|key| values.get(key).cloned())
    }

    fn denial(result: Result<Settings, ToolError>) -> String {
        match result {
            Err(ToolError::Denied(message)) => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_site_alone_serves_through_the_site() {
        let read = settings(&[("site", " Acme.Atlassian.net "), ("api_gateway", "api.atlassian.com")]).unwrap();
        assert_eq!(read.api_base, "https://acme.atlassian.net");
        assert_eq!(read.platform("/issue/OPS-1"), "https://acme.atlassian.net/rest/api/3/issue/OPS-1");
        assert_eq!(read.service_desk("/servicedesk"), "https://acme.atlassian.net/rest/servicedeskapi/servicedesk");
        assert_eq!(read.browse("OPS-1"), "https://acme.atlassian.net/browse/OPS-1");
        assert_eq!((read.default_project, read.service_desk_id), (None, None));
        let empty_cloud_id = settings(&[("site", "acme.atlassian.net"), ("cloud_id", "")]).unwrap();
        assert_eq!(empty_cloud_id.api_base, "https://acme.atlassian.net", "an empty default is unset");
    }

    #[test]
    fn a_cloud_id_goes_through_the_gateway_and_links_still_go_to_the_site() {
        let id = "11223344-a1b2-3b33-c444-def123456789";
        let read = settings(&[("site", "acme.atlassian.net"), ("cloud_id", id), ("default_project", "ops")]).unwrap();
        assert_eq!(read.platform("/myself"), format!("https://api.atlassian.com/ex/jira/{id}/rest/api/3/myself"));
        assert_eq!(read.browse("OPS-1"), "https://acme.atlassian.net/browse/OPS-1");
        assert_eq!(read.default_project.as_deref(), Some("OPS"));
        let proxied = settings(&[("site", "a.example"), ("cloud_id", id), ("api_gateway", "127.0.0.1:8443")]).unwrap();
        assert_eq!(proxied.api_base, format!("https://127.0.0.1:8443/ex/jira/{id}"));
    }

    #[test]
    fn nonsense_is_refused_with_the_fix() {
        assert!(denial(settings(&[])).contains("berth config set"));
        assert!(denial(settings(&[("site", "https://acme.atlassian.net/")])).contains("no scheme or path"));
        assert!(denial(settings(&[("site", "a.example"), ("cloud_id", "x/../y")])).contains("cloud id"));
        assert!(
            denial(settings(&[("site", "a.example"), ("cloud_id", "c"), ("api_gateway", "evil.example/x")]))
                .contains("api_gateway")
        );
        assert!(denial(settings(&[("site", "a.example"), ("default_project", "OPS-1")])).contains("project key"));
        assert!(denial(settings(&[("site", "a.example"), ("service_desk_id", "one")])).contains("numeric id"));
    }
}
