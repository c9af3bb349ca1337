//! Credential bindings against a plugin's egress. A credential is bound to
//! origins once, when the operator sets it (to what the plugin's rules
//! resolve to for that tenant then) and never widens by itself: not when an
//! upgrade adds an origin, not when a setting points a rule elsewhere. What
//! an upgrade leaves behind is reported, for the operator to re-bind.

use crate::db::{Database, DbError};
use crate::policy::egress::EgressTemplate;
use crate::runtime::LoadedPlugin;
use crate::vault::{Vault, VaultError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The parts of a plugin version's manifest that decide where its requests
/// go. Stored with the version, so `credential set` can bind without
/// loading the component.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressGrants {
    /// The manifest's egress rules, placeholders open.
    pub egress: Vec<String>,
    /// The manifest's config defaults, which placeholders fall back to.
    pub config_defaults: BTreeMap<String, String>,
}

/// Where a plugin's rules lead for one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolved {
    /// Origins (`scheme://host:port`) of the rules that resolve.
    pub origins: Vec<String>,
    /// Why each other rule does not resolve (an unset setting, say).
    pub unresolved: Vec<String>,
}

impl EgressGrants {
    /// The grants of a loaded plugin.
    pub fn of(plugin: &LoadedPlugin) -> Self {
        Self { egress: plugin.manifest.egress.clone(), config_defaults: plugin.grants.config_defaults.clone() }
    }

    /// Resolves the rules with the tenant's `config` over the defaults.
    pub fn resolve(&self, config: &BTreeMap<String, String>) -> Resolved {
        let mut merged = self.config_defaults.clone();
        merged.extend(config.iter().map(|(key, value)| (key.clone(), value.clone())));
        let mut resolved = Resolved::default();
        for rule in &self.egress {
            match EgressTemplate::parse(rule).map_err(|error| error.to_string()) {
                Ok(template) => match template.resolve(&merged) {
                    Ok(rule) => {
                        let origin = rule.origin();
                        if !resolved.origins.contains(&origin) {
                            resolved.origins.push(origin);
                        }
                    }
                    Err(denial) => resolved.unresolved.push(denial.to_string()),
                },
                Err(error) => resolved.unresolved.push(error),
            }
        }
        resolved
    }
}

/// A credential that did not follow an upgrade to an origin its plugin can
/// now reach for that tenant: it stays bound where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unfollowed {
    /// Tenant.
    pub tenant: String,
    /// Credential name.
    pub credential: String,
    /// Origins the new version reaches that the credential is not bound to.
    pub origins: Vec<String>,
}

/// Why the bindings could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum BindingError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Every tenant's credential for `plugin` not bound to all the origins
/// `grants` resolve to for that tenant.
pub async fn unfollowed(
    db: &Database,
    vault: &Vault,
    plugin: &str,
    grants: &EgressGrants,
) -> Result<Vec<Unfollowed>, BindingError> {
    let mut left = Vec::new();
    for credential in vault.for_plugin(plugin).await? {
        let config = db.plugin_config(&credential.tenant, plugin).await?;
        let origins: Vec<String> = grants
            .resolve(&config)
            .origins
            .into_iter()
            .filter(|origin| !credential.bound.iter().any(|bound| bound.eq_ignore_ascii_case(origin)))
            .collect();
        if !origins.is_empty() {
            left.push(Unfollowed { tenant: credential.tenant, credential: credential.name, origins });
        }
    }
    Ok(left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::{KeySource, MasterKey, Scheme};
    use std::sync::Arc;
    use zeroize::Zeroizing;

    #[test]
    fn rules_resolve_per_tenant_and_name_what_is_missing() {
        let grants = EgressGrants {
            egress: vec!["https://{instance}/api/".into(), "https://{collector}/in/".into()],
            config_defaults: BTreeMap::new(),
        };
        let config = BTreeMap::from([("instance".to_owned(), "acme.example".to_owned())]);
        let resolved = grants.resolve(&config);
        assert_eq!(resolved.origins, ["https://acme.example:443"]);
        assert!(resolved.unresolved[0].contains("collector"), "{:?}", resolved.unresolved);
    }

    #[tokio::test]
    async fn an_upgrade_that_reaches_a_new_origin_leaves_bound_credentials_behind() {
        let dir = tempfile::tempdir().unwrap();
        let db = Arc::new(Database::open_embedded(dir.path()).await.unwrap());
        let vault = Vault::open(db.clone(), MasterKey::generate(), KeySource::Environment).await.unwrap();
        db.set_plugin_config("acme", "p", "instance", "acme.example").await.unwrap();
        let secret = BTreeMap::from([("token".to_owned(), Zeroizing::new("t-123456".to_owned()))]);
        let bound = ["https://acme.example:443".to_owned()];
        vault.set("acme", "p", "c", &Scheme::Bearer, &bound, &secret).await.unwrap();
        let v1 = EgressGrants { egress: vec!["https://{instance}/api/".into()], ..EgressGrants::default() };
        assert!(unfollowed(&db, &vault, "p", &v1).await.unwrap().is_empty());
        let mut v2 = v1.clone();
        v2.egress.push("https://collector.example/in/".into());
        let left = unfollowed(&db, &vault, "p", &v2).await.unwrap();
        assert_eq!(
            left,
            [Unfollowed {
                tenant: "acme".into(),
                credential: "c".into(),
                origins: vec!["https://collector.example:443".into()]
            }]
        );
    }
}
