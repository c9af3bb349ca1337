//! The tenant's settings for this plugin, read through `config` and checked
//! before they are used, so a misconfiguration reaches the operator in
//! words rather than as a confusing upstream failure.
//!
//! | key | default | what |
//! |---|---|---|
//! | `api_url` | `api.github.com` | the REST API's host (with a port, for a proxy or a fake); requests go to `https://{api_url}/` |
//! | `default_repo` | none | `owner/repo`: where issues are filed, and what searches and repository tools cover when no repository is given |

use crate::repo::Repo;
use berth_sdk::{ToolError, config};

/// Config key: the API's host.
pub const API_URL: &str = "api_url";
/// Config key: the repository used when a call names none.
pub const DEFAULT_REPO: &str = "default_repo";

/// GitHub's REST API.
pub const DEFAULT_API_URL: &str = "api.github.com";

/// The settings one call uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `https://{api_url}`: where the REST API is.
    pub api_base: String,
    /// The repository used when a call names none, if set.
    pub default_repo: Option<Repo>,
}

impl Settings {
    /// Reads and checks the calling tenant's settings.
    pub fn load() -> Result<Self, ToolError> {
        Self::from_values(&|key| config::get(key))
    }

    /// Checks settings read by `get` (an empty value counts as unset).
    pub fn from_values(get: &dyn Fn(&str) -> Option<String>) -> Result<Self, ToolError> {
        let value = |key: &str| get(key).map(|value| value.trim().to_owned()).filter(|value| !value.is_empty());
        let api = value(API_URL).unwrap_or_else(|| DEFAULT_API_URL.to_owned());
        let valid = api.len() <= 253
            && api.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            && !api.starts_with(['.', '-', ':']);
        if !valid {
            return Err(ToolError::denied(format!(
                "config `{API_URL}` must be the API's host, such as {DEFAULT_API_URL} (no scheme or path), but it \
                 is `{api}`; the operator fixes it with `berth config set --tenant <tenant> github {API_URL} <host>`"
            )));
        }
        let default_repo = match value(DEFAULT_REPO) {
            None => None,
            Some(given) => Some(Repo::parse(&given).map_err(|_| {
                ToolError::denied(format!(
                    "config `{DEFAULT_REPO}` must be `owner/repo`, such as acme/ops-portal, but it is `{given}`"
                ))
            })?),
        };
        Ok(Self { api_base: format!("https://{}", api.to_ascii_lowercase()), default_repo })
    }

    /// The API's URL for `path` (`/repos/acme/ops-portal/issues`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    /// The repository `given` (`owner/repo`), else the default one.
    pub fn repo(&self, given: Option<&str>) -> Result<Repo, ToolError> {
        match given.map(str::trim).filter(|given| !given.is_empty()) {
            Some(given) => Repo::parse(given),
            None => self.default_repo.clone().ok_or_else(|| {
                ToolError::invalid(format!(
                    "say which repository (`repo`, as `owner/repo`), or ask the operator to set config \
                     `{DEFAULT_REPO}`"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ToolError> {
        let values: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_values(&|key| values.get(key).cloned())
    }

    #[test]
    fn defaults_to_api_github_com_without_a_default_repo() {
        let read = settings(&[]).unwrap();
        assert_eq!(read.url("/user"), "https://api.github.com/user");
        assert_eq!(read.default_repo, None);
        assert!(matches!(read.repo(None), Err(ToolError::InvalidArguments(m)) if m.contains("default_repo")));
        assert_eq!(read.repo(Some(" acme/infra ")).unwrap().full(), "acme/infra");
    }

    #[test]
    fn a_host_and_default_repo_are_taken() {
        let read = settings(&[("api_url", "127.0.0.1:8443"), ("default_repo", "acme/ops-portal")]).unwrap();
        assert_eq!(read.api_base, "https://127.0.0.1:8443");
        assert_eq!(read.repo(None).unwrap().full(), "acme/ops-portal");
    }

    #[test]
    fn nonsense_is_refused_with_the_fix() {
        let denied = |pairs: &[(&str, &str)]| match settings(pairs) {
            Err(ToolError::Denied(message)) => message,
            other => panic!("{other:?}"),
        };
        assert!(denied(&[("api_url", "https://api.github.com/")]).contains("no scheme or path"));
        assert!(denied(&[("default_repo", "ops-portal")]).contains("owner/repo"));
        assert!(denied(&[("default_repo", "acme/../x")]).contains("owner/repo"));
    }
}
