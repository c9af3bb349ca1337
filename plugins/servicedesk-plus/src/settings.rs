//! The tenant's settings for this plugin, read through `config` and checked
//! before they are used, so a misconfiguration reaches the operator in
//! words rather than as a confusing upstream failure.
//!
//! ServiceDesk Plus Cloud lives in one Zoho data centre, and both the
//! portal's host (`domain`) and the accounts server that issues tokens
//! (`accounts_server`) depend on which:
//!
//! | data centre | `domain` | `accounts_server` |
//! |---|---|---|
//! | US | `sdpondemand.manageengine.com` | `accounts.zoho.com` |
//! | EU | `sdpondemand.manageengine.eu` | `accounts.zoho.eu` |
//! | IN | `sdpondemand.manageengine.in` | `accounts.zoho.in` |
//! | AU | `servicedeskplus.net.au` | `accounts.zoho.com.au` |
//! | CN | `servicedeskplus.cn` | `accounts.zoho.com.cn` |
//! | JP | the host your portal's URL shows | `accounts.zoho.jp` |
//! | UK | the host your portal's URL shows | `accounts.zoho.uk` |
//! | CA | the host your portal's URL shows | `accounts.zohocloud.ca` |
//!
//! A custom domain (`help.example.com`) works as `domain` too. Requests go
//! to `https://{domain}/app/{portal}/api/v3/…`; people open requests at
//! `https://{domain}/app/{portal}/ui/requests/{id}/details`.

use berth_sdk::{ToolError, config};

/// Config key: the portal's host.
pub const DOMAIN: &str = "domain";
/// Config key: the portal's name in URLs (`itdesk`).
pub const PORTAL: &str = "portal";
/// Config key: the Zoho accounts server of the data centre.
pub const ACCOUNTS_SERVER: &str = "accounts_server";
/// Config key: who files requests when none is named.
pub const DEFAULT_REQUESTER: &str = "default_requester";

/// The US data centre's accounts server.
pub const DEFAULT_ACCOUNTS_SERVER: &str = "accounts.zoho.com";

/// The settings one call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `https://{domain}/app/{portal}`: the portal's root.
    pub portal_url: String,
    /// The e-mail address requests are filed for when no requester is
    /// given, if set.
    pub default_requester: Option<String>,
}

impl Settings {
    /// Reads and checks the calling tenant's settings.
    pub fn load() -> Result<Self, ToolError> {
        Self::from_values(&|key| config::get(key))
    }

    /// Checks settings read by `get` (an empty value counts as unset).
    pub fn from_values(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ToolError> {
        let value = |key: &str| get(key).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        let required = |key: &str, example: &str| {
            value(key).ok_or_else(|| {
                ToolError::denied(format!(
                    "config `{key}` is not set for this tenant; the operator sets it with `berth config set \
                     --tenant <tenant> servicedesk-plus {key} {example}`"
                ))
            })
        };
        let domain = required(DOMAIN, "sdpondemand.manageengine.com")?;
        let domain = host(DOMAIN, &domain)?;
        let portal = required(PORTAL, "itdesk")?;
        let valid_portal = portal.len() <= 100
            && portal.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !portal.starts_with('.');
        if !valid_portal {
            return Err(ToolError::denied(format!(
                "config `{PORTAL}` must be the portal's name as its URLs show it (the `itdesk` of \
                 https://{domain}/app/itdesk/), but it is `{portal}`"
            )));
        }
        let default_requester = value(DEFAULT_REQUESTER);
        if let Some(email) = &default_requester
            && !crate::people::is_email(email)
        {
            return Err(ToolError::denied(format!(
                "config `{DEFAULT_REQUESTER}` must be a requester's e-mail address, but it is `{email}`"
            )));
        }
        Ok(Self { portal_url: format!("https://{domain}/app/{portal}"), default_requester })
    }

    /// The API's URL for `path` (`/requests/123`).
    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v3{path}", self.portal_url)
    }

    /// Where a person opens request `id`.
    pub fn browse(&self, id: &str) -> String {
        format!("{}/ui/requests/{id}/details", self.portal_url)
    }
}

/// `value` when it is a host with an optional port (what the egress rules
/// put after `https://`), else a denial naming setting `key`.
pub fn host(key: &str, value: &str) -> Result<String, ToolError> {
    let valid = value.len() <= 253
        && value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        && !value.starts_with(['.', '-', ':']);
    if !valid {
        return Err(ToolError::denied(format!(
            "config `{key}` must be a host name such as sdpondemand.manageengine.com (no scheme or path), but it \
             is `{value}`; the operator fixes it with `berth config set --tenant <tenant> servicedesk-plus {key} \
             <host>`"
        )));
    }
    Ok(value.to_ascii_lowercase())
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
    fn domain_and_portal_make_the_api_and_the_links() {
        let read = settings(&[("domain", " SDPOnDemand.ManageEngine.eu "), ("portal", "itdesk")]).unwrap();
        assert_eq!(read.api("/requests/7"), "https://sdpondemand.manageengine.eu/app/itdesk/api/v3/requests/7");
        assert_eq!(read.browse("7"), "https://sdpondemand.manageengine.eu/app/itdesk/ui/requests/7/details");
        assert_eq!(read.default_requester, None);
        let local = settings(&[("domain", "127.0.0.1:8443"), ("portal", "it-desk_2"), ("default_requester", "")]);
        assert_eq!(local.unwrap().api(""), "https://127.0.0.1:8443/app/it-desk_2/api/v3");
    }

    #[test]
    fn nonsense_is_refused_with_the_fix() {
        let unset = denial(settings(&[("portal", "itdesk")]));
        assert!(unset.contains("`domain`") && unset.contains("berth config set"), "{unset}");
        assert!(denial(settings(&[("domain", "a.example")])).contains("`portal`"));
        let url = denial(settings(&[("domain", "https://a.example/"), ("portal", "itdesk")]));
        assert!(url.contains("no scheme or path"), "{url}");
        let path = denial(settings(&[("domain", "a.example"), ("portal", "itdesk/../x")]));
        assert!(path.contains("portal's name"), "{path}");
        let requester = denial(settings(&[("domain", "a.example"), ("portal", "p"), ("default_requester", "bob")]));
        assert!(requester.contains("e-mail address"), "{requester}");
    }
}
