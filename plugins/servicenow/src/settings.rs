//! The tenant's settings for this plugin, read through `config` and checked
//! before they are used, so a misconfiguration is reported to the operator
//! in words rather than as a confusing upstream failure.

use berth_sdk::{ToolError, config};

/// Config key: the instance host.
pub const INSTANCE: &str = "instance";
/// Config key: tables `query_table` and `get_record` may read.
pub const ALLOWED_TABLES: &str = "allowed_tables";
/// Config key: records per page when a tool call gives no `limit`.
pub const PAGE_SIZE: &str = "page_size";

/// The read-only tables an agent gets by default: the ITSM records it works
/// on and the users and groups they name. System tables (ACLs, scripts,
/// properties) are left out on purpose.
pub const DEFAULT_ALLOWED_TABLES: &str =
    "incident,problem,change_request,sc_req_item,sys_user,sys_user_group,kb_knowledge";
/// The default page size: enough for an overview, small enough for a model.
pub const DEFAULT_PAGE_SIZE: &str = "20";
/// The largest page any tool asks for, whatever the caller or config says:
/// bigger answers swamp a model's context.
pub const MAX_PAGE_SIZE: u32 = 100;

/// The instance's base URL, `https://{instance}`, where `instance` is a
/// host with an optional port (the egress rules put it after `https://`).
pub fn base_url() -> Result<String, ToolError> {
    let instance = config::require(INSTANCE)?;
    let instance = instance.trim();
    let valid = !instance.is_empty()
        && instance.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !valid {
        return Err(ToolError::denied(format!(
            "config `{INSTANCE}` must be the instance's host name, such as acme.service-now.com \
             (no scheme or path), but it is `{instance}`; the operator fixes it with \
             `berth config set --tenant <tenant> servicenow {INSTANCE} <host>`"
        )));
    }
    Ok(format!("https://{instance}"))
}

/// The tables `query_table` and `get_record` may read.
pub fn allowed_tables() -> Vec<String> {
    let listed = config::get(ALLOWED_TABLES).unwrap_or_else(|| DEFAULT_ALLOWED_TABLES.to_owned());
    listed.split(',').map(|table| table.trim().to_ascii_lowercase()).filter(|table| !table.is_empty()).collect()
}

/// The page size for a call: the caller's `limit`, else the configured
/// default, capped at [`MAX_PAGE_SIZE`].
pub fn page_size(limit: Option<u32>) -> Result<u32, ToolError> {
    let size = match limit {
        Some(limit) => limit,
        None => {
            let configured = config::get(PAGE_SIZE).unwrap_or_else(|| DEFAULT_PAGE_SIZE.to_owned());
            configured.trim().parse().map_err(|_| {
                ToolError::denied(format!(
                    "config `{PAGE_SIZE}` must be a whole number of records, but it is `{configured}`"
                ))
            })?
        }
    };
    if size == 0 {
        return Err(ToolError::invalid("`limit` must be at least 1"));
    }
    Ok(size.min(MAX_PAGE_SIZE))
}
