//! Roles: what a principal may list and call. A role is a set of grants;
//! a principal with several roles may do what any of them grants. A grant
//! names tools by pattern (`*` matches any run of characters, so
//! `servicenow_*`, `tickets_search`, `*`) and may narrow them to the
//! tools the plugin itself annotates read-only, or exclude those it
//! annotates destructive. The annotations are the plugin's own word about
//! its tools: a role that trusts them is only as strict as the plugin is
//! honest, which is why `operator`-style grants by name exist beside them.
//!
//! Three roles are built in and cannot be redefined:
//! - `reader`: read-only tools only;
//! - `agent`: everything except destructive tools;
//! - `operator`: everything.

use serde::{Deserialize, Serialize};

/// One grant of a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// Tool name patterns (`{plugin}_{tool}` or `tickets_*`).
    pub tools: Vec<String>,
    /// Only tools annotated read-only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub read_only: bool,
    /// No tool annotated destructive.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_destructive: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// A named role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Its name, as tokens and policies carry it.
    pub name: String,
    /// What it grants.
    pub grants: Vec<Grant>,
}

/// The names of the built-in roles.
pub const BUILT_IN: [&str; 3] = ["reader", "agent", "operator"];

/// A built-in role, by name.
pub fn built_in(name: &str) -> Option<Role> {
    let everything = || vec!["*".to_owned()];
    let grant = match name {
        "reader" => Grant { tools: everything(), read_only: true, no_destructive: false },
        "agent" => Grant { tools: everything(), read_only: false, no_destructive: true },
        "operator" => Grant { tools: everything(), read_only: false, no_destructive: false },
        _ => return None,
    };
    Some(Role { name: name.to_owned(), grants: vec![grant] })
}

/// Why a role definition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleError {
    /// The name is not usable.
    #[error("role name `{0}` is invalid: use 1-64 characters from a-z, 0-9, `-`, `_` and `:`, starting with a letter")]
    InvalidName(String),
    /// A built-in role cannot be replaced.
    #[error("`{0}` is a built-in role and cannot be redefined or removed")]
    BuiltIn(String),
    /// A pattern is not a tool name pattern.
    #[error("tool pattern `{0}` is invalid: use letters, digits, `_`, `-` and `*` (up to 128 characters)")]
    InvalidPattern(String),
    /// A role must grant something.
    #[error("a role needs at least one grant with at least one tool pattern")]
    Empty,
}

impl Role {
    /// Checks the name and every pattern of an operator-defined role.
    pub fn validate(&self) -> Result<(), RoleError> {
        check_name(&self.name)?;
        if BUILT_IN.contains(&self.name.as_str()) {
            return Err(RoleError::BuiltIn(self.name.clone()));
        }
        if self.grants.is_empty() || self.grants.iter().any(|grant| grant.tools.is_empty()) {
            return Err(RoleError::Empty);
        }
        for pattern in self.grants.iter().flat_map(|grant| &grant.tools) {
            let valid = (1..=128).contains(&pattern.len())
                && pattern.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '*'));
            if !valid {
                return Err(RoleError::InvalidPattern(pattern.clone()));
            }
        }
        Ok(())
    }
}

/// Checks a role name (as a token's claim or a policy names it).
pub fn check_name(name: &str) -> Result<(), RoleError> {
    let valid = (1..=64).contains(&name.len())
        && name.as_bytes()[0].is_ascii_lowercase()
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"-_:".contains(&byte));
    if valid { Ok(()) } else { Err(RoleError::InvalidName(name.to_owned())) }
}

/// What a tool says about itself, as far as permissions go.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ToolKind {
    /// Annotated read-only.
    pub read_only: bool,
    /// Annotated destructive.
    pub destructive: bool,
}

/// What a principal may do: the grants of all its roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    roles: Vec<String>,
    grants: Vec<Grant>,
}

/// Why a tool is not permitted, naming the permission that is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} (roles: {roles})")]
pub struct Missing {
    reason: String,
    roles: String,
}

impl Permissions {
    /// The union of `roles`' grants. Roles it does not know (a token may
    /// carry others) grant nothing.
    pub fn of(roles: &[Role]) -> Self {
        Self {
            roles: roles.iter().map(|role| role.name.clone()).collect(),
            grants: roles.iter().flat_map(|role| role.grants.iter().cloned()).collect(),
        }
    }

    /// Everything, as the operator's own stdio session may.
    pub fn everything() -> Self {
        Self::of(&[built_in("operator").expect("a built-in role")])
    }

    /// The names of the roles behind these permissions.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// Whether `tool` (a full tool name) of `kind` may be listed and called.
    pub fn allows(&self, tool: &str, kind: ToolKind) -> bool {
        self.check(tool, kind).is_ok()
    }

    /// `Ok` if `tool` of `kind` is permitted; otherwise what is missing.
    pub fn check(&self, tool: &str, kind: ToolKind) -> Result<(), Missing> {
        let named: Vec<&Grant> =
            self.grants.iter().filter(|grant| grant.tools.iter().any(|pattern| matches(pattern, tool))).collect();
        let permitted =
            |grant: &&Grant| (!grant.read_only || kind.read_only) && (!grant.no_destructive || !kind.destructive);
        if named.iter().any(permitted) {
            return Ok(());
        }
        let reason = if named.is_empty() {
            format!("no role grants the tool `{tool}`")
        } else if named.iter().all(|grant| grant.read_only) {
            format!("`{tool}` is not read-only, and the roles that grant it allow read-only tools only")
        } else {
            // A grant that is not read-only refused it: it excludes destructive tools.
            format!("`{tool}` is destructive, and the roles that grant it exclude destructive tools")
        };
        let roles = if self.roles.is_empty() { "none".to_owned() } else { self.roles.join(", ") };
        Err(Missing { reason, roles })
    }
}

/// Whether `name` matches `pattern`, where `*` matches any run of
/// characters.
pub(crate) fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else { return rest.is_empty() };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    const READ: ToolKind = ToolKind { read_only: true, destructive: false };
    const WRITE: ToolKind = ToolKind { read_only: false, destructive: false };
    const DESTROY: ToolKind = ToolKind { read_only: false, destructive: true };

    fn of(names: &[&str]) -> Permissions {
        Permissions::of(&names.iter().map(|name| built_in(name).unwrap()).collect::<Vec<_>>())
    }

    #[test]
    fn built_in_roles_follow_the_tools_own_annotations() {
        let reader = of(&["reader"]);
        assert!(reader.allows("servicenow_get_incident", READ));
        assert!(!reader.allows("servicenow_create_incident", WRITE));
        let refused = reader.check("tickets_update", DESTROY).unwrap_err().to_string();
        assert!(refused.contains("read-only tools only") && refused.contains("roles: reader"), "{refused}");
        let agent = of(&["agent"]);
        assert!(agent.allows("jira_create_issue", WRITE));
        let refused = agent.check("tickets_update", DESTROY).unwrap_err().to_string();
        assert!(refused.contains("destructive"), "{refused}");
        assert!(of(&["operator"]).allows("tickets_update", DESTROY));
        assert!(of(&["reader", "operator"]).allows("tickets_update", DESTROY), "roles add up");
        let nobody = Permissions::of(&[]).check("hello_greet", READ).unwrap_err().to_string();
        assert!(nobody.contains("no role grants") && nobody.contains("roles: none"), "{nobody}");
    }

    #[test]
    fn patterns_name_plugins_and_tools() {
        let role = Role {
            name: "desk".into(),
            grants: vec![Grant {
                tools: vec!["servicenow_*".into(), "tickets_search".into()],
                read_only: false,
                no_destructive: true,
            }],
        };
        role.validate().unwrap();
        let desk = Permissions::of(&[role]);
        assert!(desk.allows("servicenow_create_incident", WRITE));
        assert!(desk.allows("tickets_search", READ));
        assert!(!desk.allows("tickets_get", READ));
        assert!(!desk.allows("jira_search", READ));
        assert!(!desk.allows("servicenow_delete_incident", DESTROY));
        assert!(matches("*_get_*", "servicenow_get_incident") && !matches("*_get_*", "servicenow_get"));
        assert!(matches("a*b*c", "abc") && matches("a*b*c", "axxbyyc") && !matches("a*b*c", "acb"));
    }

    #[test]
    fn definitions_are_checked() {
        let role = |name: &str, tools: &[&str]| Role {
            name: name.into(),
            grants: vec![Grant {
                tools: tools.iter().map(|t| t.to_string()).collect(),
                read_only: false,
                no_destructive: false,
            }],
        };
        assert_eq!(role("reader", &["*"]).validate(), Err(RoleError::BuiltIn("reader".into())));
        assert!(matches!(role("Bad", &["*"]).validate(), Err(RoleError::InvalidName(_))));
        assert!(matches!(role("ok", &["a b"]).validate(), Err(RoleError::InvalidPattern(_))));
        assert_eq!(role("ok", &[]).validate(), Err(RoleError::Empty));
    }
}
