//! Who may do what, as stored: the roles operators define beside the
//! built-in ones, and each tenant's policy. Both live in the store and are
//! copied by the snapshot like tenants and keys, so a change holds on the
//! next call (or within the watcher's poll, on a shared store).

use super::roles::{self, Role, RoleError, ToolKind};
use crate::args;
use crate::db::{Database, DbError};
use serde::{Deserialize, Serialize};

/// A tenant's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenantPolicy {
    /// The roles of the tenant's API keys, which act as service accounts.
    /// `operator` unless set, as before roles existed.
    pub key_roles: Vec<String>,
    /// Which tools need a person's approval, asked through the client,
    /// before they run.
    pub confirm: Confirm,
}

impl Default for TenantPolicy {
    fn default() -> Self {
        Self { key_roles: vec!["operator".to_owned()], confirm: Confirm::default() }
    }
}

/// The approval gate of a tenant's policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Confirm {
    /// Every tool its plugin annotates destructive.
    pub destructive: bool,
    /// Tools by name pattern (`*` matches anything).
    pub tools: Vec<String>,
}

impl Confirm {
    /// Whether `tool` of `kind` needs approval.
    pub fn requires(&self, tool: &str, kind: ToolKind) -> bool {
        (self.destructive && kind.destructive) || self.tools.iter().any(|pattern| roles::matches(pattern, tool))
    }
}

/// Why a policy or role could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The store failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// A role definition is refused.
    #[error(transparent)]
    Role(#[from] RoleError),
    /// A policy names a role that does not exist.
    #[error("no role named `{0}`; built-in roles are reader, agent and operator (see `berth role list`)")]
    UnknownRole(String),
    /// No such tenant.
    #[error("no tenant named `{0}`")]
    UnknownTenant(String),
    /// A stored document no longer parses.
    #[error("the stored {0} is not valid; set it again")]
    Corrupt(&'static str),
}

/// Roles and tenant policies in `db`.
pub struct Policies<'a> {
    db: &'a Database,
}

impl<'a> Policies<'a> {
    /// The policies in `db`.
    pub fn new(db: &'a Database) -> Self {
        Self { db }
    }

    /// Defines (or redefines) `role`.
    pub async fn define_role(&self, role: &Role) -> Result<(), PolicyError> {
        role.validate()?;
        let grants = serde_json::to_string(&role.grants).expect("grants serialise");
        self.db
            .execute(
                "INSERT INTO roles (name, grants) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET grants = excluded.grants",
                args![&role.name, grants],
            )
            .await?;
        Ok(())
    }

    /// Removes role `name`; whether it existed. A policy that still names
    /// it grants nothing through it.
    pub async fn remove_role(&self, name: &str) -> Result<bool, PolicyError> {
        if roles::BUILT_IN.contains(&name) {
            return Err(RoleError::BuiltIn(name.to_owned()).into());
        }
        Ok(self.db.execute("DELETE FROM roles WHERE name = ?1", args![name]).await? > 0)
    }

    /// Every role: the built-in ones, then those defined, by name.
    pub async fn roles(&self) -> Result<Vec<Role>, PolicyError> {
        let mut all: Vec<Role> = roles::BUILT_IN.iter().filter_map(|name| roles::built_in(name)).collect();
        for row in self.db.query("SELECT name, grants FROM roles ORDER BY name", args![]).await? {
            let grants: String = row.get(1)?;
            let grants = serde_json::from_str(&grants).map_err(|_| PolicyError::Corrupt("role"))?;
            all.push(Role { name: row.get(0)?, grants });
        }
        Ok(all)
    }

    /// `tenant`'s policy (the default one until set).
    pub async fn tenant_policy(&self, tenant: &str) -> Result<TenantPolicy, PolicyError> {
        let row = self.db.query_opt("SELECT policy FROM tenant_policies WHERE tenant = ?1", args![tenant]).await?;
        let Some(row) = row else { return Ok(TenantPolicy::default()) };
        let policy: String = row.get(0)?;
        serde_json::from_str(&policy).map_err(|_| PolicyError::Corrupt("tenant policy"))
    }

    /// Sets `tenant`'s policy; every role it names must exist.
    pub async fn set_tenant_policy(&self, tenant: &str, policy: &TenantPolicy) -> Result<(), PolicyError> {
        let known = self.roles().await?;
        if let Some(unknown) = policy.key_roles.iter().find(|name| !known.iter().any(|role| &role.name == *name)) {
            return Err(PolicyError::UnknownRole(unknown.clone()));
        }
        if self.db.query_opt("SELECT 1 FROM tenants WHERE name = ?1", args![tenant]).await?.is_none() {
            return Err(PolicyError::UnknownTenant(tenant.to_owned()));
        }
        let text = serde_json::to_string(policy).expect("a policy serialises");
        self.db
            .execute(
                "INSERT INTO tenant_policies (tenant, policy) VALUES (?1, ?2)
                 ON CONFLICT (tenant) DO UPDATE SET policy = excluded.policy",
                args![tenant, text],
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::roles::Grant;
    use crate::db::testing::each_backend;

    #[tokio::test]
    async fn roles_and_policies_round_trip_and_are_checked() {
        for store in each_backend().await {
            let db = &store.db;
            let policies = Policies::new(db);
            let desk = Role {
                name: "desk".into(),
                grants: vec![Grant { tools: vec!["tickets_*".into()], read_only: false, no_destructive: true }],
            };
            policies.define_role(&desk).await.unwrap();
            let names: Vec<String> = policies.roles().await.unwrap().into_iter().map(|role| role.name).collect();
            assert_eq!(names, ["reader", "agent", "operator", "desk"], "{}", store.name);
            assert!(matches!(policies.remove_role("reader").await, Err(PolicyError::Role(RoleError::BuiltIn(_)))));

            assert_eq!(policies.tenant_policy("acme").await.unwrap(), TenantPolicy::default());
            let reader_keys =
                TenantPolicy { key_roles: vec!["reader".into(), "desk".into()], ..TenantPolicy::default() };
            assert!(matches!(
                policies.set_tenant_policy("acme", &reader_keys).await,
                Err(PolicyError::UnknownTenant(_))
            ));
            crate::tenants::Tenants::new(db).add("acme").await.unwrap();
            let before = db.change_counter().await.unwrap();
            policies.set_tenant_policy("acme", &reader_keys).await.unwrap();
            assert!(db.change_counter().await.unwrap() > before, "a policy change moves the change counter");
            assert_eq!(policies.tenant_policy("acme").await.unwrap(), reader_keys);
            let ghost = TenantPolicy { key_roles: vec!["ghost".into()], ..TenantPolicy::default() };
            assert!(matches!(policies.set_tenant_policy("acme", &ghost).await, Err(PolicyError::UnknownRole(_))));
            assert!(policies.remove_role("desk").await.unwrap());
            assert!(!policies.remove_role("desk").await.unwrap());
        }
    }
}
