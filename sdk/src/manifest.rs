//! The plugin [`Manifest`]: what a plugin declares once and the operator
//! grants per tenant.

use crate::bindings::berth::plugin::types as wit;
use crate::{ConfigKey, CredentialNeed};

/// What a plugin is and what it needs from the host.
///
/// The host refuses any outbound request outside [`Manifest::egress`], any
/// credential not named in [`Manifest::credential`], and reports missing
/// [`Manifest::config`] keys to the operator.
///
/// ```
/// use berth_sdk::Manifest;
/// let manifest = Manifest::new("servicenow", "0.1.0", "ServiceNow incidents")
///     .egress("https://{instance}/api/now/")
///     .config_required("instance", "Instance host, e.g. acme.service-now.com")
///     .credential("servicenow", "Basic auth or OAuth2 for the instance");
/// ```
#[derive(Debug, Clone)]
pub struct Manifest {
    inner: wit::Manifest,
}

impl Manifest {
    /// A manifest with no egress, credentials or config. `name` must match
    /// `[a-z][a-z0-9-]*`; it prefixes every tool name the agent sees.
    pub fn new(name: &str, version: &str, description: &str) -> Self {
        Self {
            inner: wit::Manifest {
                name: name.to_owned(),
                version: version.to_owned(),
                description: description.to_owned(),
                egress: Vec::new(),
                credentials: Vec::new(),
                config: Vec::new(),
            },
        }
    }

    /// Allows requests under `prefix`, for example
    /// `https://{instance}/api/now/`. `{key}` placeholders are filled from the
    /// tenant's config; a request is denied while a placeholder is unset.
    pub fn egress(mut self, prefix: &str) -> Self {
        self.inner.egress.push(prefix.to_owned());
        self
    }

    /// Declares a credential the plugin names in [`crate::http::Request::credential`].
    pub fn credential(mut self, name: &str, description: &str) -> Self {
        self.inner.credentials.push(CredentialNeed { name: name.to_owned(), description: description.to_owned() });
        self
    }

    /// Declares a config key the plugin cannot work without.
    pub fn config_required(mut self, name: &str, description: &str) -> Self {
        self.inner.config.push(ConfigKey {
            name: name.to_owned(),
            description: description.to_owned(),
            required: true,
            default: None,
        });
        self
    }

    /// Declares an optional config key with no default: unset, the plugin
    /// reads none and does without (`berth plugin inspect` shows it as
    /// optional).
    pub fn config_optional(mut self, name: &str, description: &str) -> Self {
        self.inner.config.push(ConfigKey {
            name: name.to_owned(),
            description: description.to_owned(),
            required: false,
            default: None,
        });
        self
    }

    /// Declares an optional config key with a default value.
    pub fn config_default(mut self, name: &str, description: &str, default: &str) -> Self {
        self.inner.config.push(ConfigKey {
            name: name.to_owned(),
            description: description.to_owned(),
            required: false,
            default: Some(default.to_owned()),
        });
        self
    }

    pub(crate) fn into_wit(self) -> wit::Manifest {
        self.inner
    }
}
