//! `get_opportunity_details`: everything the details page shows about one
//! opportunity, by its ID (`PCS-03324`) or its record `sys_id`; the same as
//! the resource `buyict://opportunity/{id}`.

use crate::marketplaces::{known_prefixes, table_for_id};
use crate::model::Details;
use crate::opportunities;
use crate::portal::Portal;
use crate::settings::Settings;
use berth_sdk::{Json, ResourceContents, ResourceTemplate, ToolError, log};
use schemars::JsonSchema;
use serde::Deserialize;

/// Arguments of `get_opportunity_details`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DetailsArgs {
    /// The opportunity ID as BuyICT shows it (e.g. `PCS-03324`, `LH-04512`,
    /// `RFI-00412`), or the record's 32-character sys_id.
    #[schemars(length(min = 1, max = 64))]
    id: String,
    /// The ServiceNow table (e.g. `u_pcs_procurement`). Optional with an
    /// opportunity ID, whose prefix gives it; required with a sys_id.
    #[schemars(regex(pattern = r"^[a-z0-9_]+$"))]
    table: Option<String>,
}

/// The template of an opportunity's URI.
pub const OPPORTUNITY_TEMPLATE: &str = "buyict://opportunity/{id}";

/// The opportunity resource's template.
pub fn template() -> ResourceTemplate {
    ResourceTemplate::new(
        OPPORTUNITY_TEMPLATE,
        "opportunity",
        "An opportunity by its ID, such as PCS-03324: everything its details page shows",
    )
    .mime_type("application/json")
}

/// Reads `buyict://opportunity/{id}`: what `get_opportunity_details` says
/// about opportunity `id`.
pub fn read(uri: &str) -> Result<Vec<ResourceContents>, ToolError> {
    let id = uri
        .strip_prefix("buyict://opportunity/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
        .ok_or_else(|| ToolError::not_found(format!("no resource `{uri}`")))?;
    let Json(details) = get_opportunity_details(DetailsArgs { id: id.to_owned(), table: None })?;
    let json = serde_json::to_string(&details).map_err(|error| ToolError::internal(error.to_string()))?;
    Ok(vec![ResourceContents::text(uri, "application/json", json)])
}

/// Runs `get_opportunity_details`.
pub fn get_opportunity_details(args: DetailsArgs) -> Result<Json<Details>, ToolError> {
    let id = args.id.trim();
    let table = args.table.map(|table| table.trim().to_owned()).filter(|table| !table.is_empty());
    if let Some(table) = &table
        && !table.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_')
    {
        return Err(ToolError::invalid(format!("`{table}` is not a table name such as u_pcs_procurement")));
    }
    let portal = Portal::new(Settings::load()?);
    let (table, sys_id) = if is_sys_id(id) {
        let table = table.ok_or_else(|| {
            ToolError::invalid(format!(
                "`{id}` is a sys_id, which does not say its table: pass `table` too, or pass the opportunity ID"
            ))
        })?;
        (table, id.to_ascii_lowercase())
    } else {
        locate(&portal, id, table)?
    };
    Ok(Json(opportunities::details(&portal, &table, &sys_id)?))
}

/// The table and sys_id of opportunity `id`. The table is the one given,
/// else the one its prefix names; the portal's listing then gives the
/// record's sys_id, and its table wins if it differs, because that sys_id
/// only exists there.
fn locate(portal: &Portal, id: &str, table: Option<String>) -> Result<(String, String), ToolError> {
    let table = table.or_else(|| table_for_id(id).map(str::to_owned)).ok_or_else(|| {
        ToolError::invalid(format!(
            "cannot tell the table of `{id}`: opportunity IDs start with one of {} followed by `-`; \
             pass `table` for any other",
            known_prefixes()
        ))
    })?;
    let card = opportunities::find(portal, id)?;
    if !card.table.is_empty() && card.table != table {
        log::warn(format!("`{id}` is in table `{}`, not `{table}`; using the portal's", card.table));
        return Ok((card.table, card.sys_id));
    }
    Ok((table, card.sys_id))
}

/// Whether `id` is a ServiceNow sys_id (32 hex digits).
fn is_sys_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|byte| byte.is_ascii_hexdigit())
}
