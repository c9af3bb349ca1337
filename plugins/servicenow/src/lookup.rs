//! Turning the names agents use for people and groups into the `sys_id`s
//! reference fields hold.
//!
//! ServiceNow would accept a display value for a reference and store
//! whatever it cannot match, leaving an incident silently unassigned; looking
//! the record up first means a typo is an error the agent sees, and a user
//! may be named by user name or e-mail as well as by full name.

use crate::client::{Client, Listing};
use crate::query::{EncodedQuery, is_sys_id};
use crate::records;
use berth_sdk::ToolError;

/// What a reference field points to.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    /// `sys_user`, matched by user name, full name or e-mail.
    User,
    /// `sys_user_group`, matched by name.
    Group,
}

impl Target {
    fn table(self) -> &'static str {
        match self {
            Self::User => "sys_user",
            Self::Group => "sys_user_group",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
        }
    }

    fn matching(self, given: &str) -> String {
        let mut query = EncodedQuery::default();
        match self {
            Self::User => query.and_any(&[("user_name", "=", given), ("name", "=", given), ("email", "=", given)]),
            Self::Group => query.and("name", "=", given),
        };
        query.build()
    }
}

/// The `sys_id` of the `target` record `given` names: a `sys_id` is taken
/// as it is, anything else must match exactly one record.
pub fn sys_id(client: &Client, target: Target, given: &str) -> Result<String, ToolError> {
    let given = given.trim();
    if is_sys_id(given) {
        return Ok(given.to_owned());
    }
    let query = target.matching(given);
    let listing = Listing { table: target.table(), query: &query, fields: &["sys_id", "name"], limit: 2, offset: 0 };
    let page = client.list(&listing)?;
    match page.records.as_slice() {
        [only] => records::value(only, "sys_id")
            .ok_or_else(|| ToolError::upstream(None, format!("ServiceNow sent a {} without a sys_id", target.noun()))),
        [] => Err(ToolError::invalid(format!(
            "no {} matches `{given}`; give a sys_id or the exact name{}",
            target.noun(),
            if matches!(target, Target::User) { ", user name or e-mail (see list_users)" } else { "" }
        ))),
        _ => Err(ToolError::invalid(format!(
            "more than one {} matches `{given}`; give its sys_id instead",
            target.noun()
        ))),
    }
}
