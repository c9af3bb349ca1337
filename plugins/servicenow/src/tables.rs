//! Generic, read-only access to the tables the tenant allows
//! (`query_table`, `get_record`), and the user directory (`list_users`).

use crate::client::{Client, Listing};
use crate::query::{EncodedQuery, is_identifier, is_sys_id};
use crate::records::{self, PageInfo};
use crate::settings;
use berth_sdk::{Json, ToolError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Arguments of `query_table`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryTableArgs {
    /// The table, for example `incident`, `problem`, `change_request` or `sys_user_group`; it must be one the
    /// tenant allows.
    pub table: String,
    /// A ServiceNow encoded query (sysparm_query), for example `active=true^priority<=2^ORDERBYDESCsys_updated_on`.
    /// Operators include =, !=, LIKE, STARTSWITH, IN, >=, <=; `^` is AND, `^OR` is OR. Omit to select everything.
    pub query: Option<String>,
    /// Fields to return (dot-walking such as `assignment_group.name` works); all non-empty fields when omitted.
    pub fields: Option<Vec<String>>,
    /// Records per page (default: the tenant's page size; at most 100).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Records to skip: pass `next_offset` from the previous page.
    pub offset: Option<u32>,
}

/// What `query_table` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TableRecords {
    /// The table read.
    pub table: String,
    /// Where this page sits.
    #[serde(flatten)]
    pub page: PageInfo,
    /// The records: plain values, `{value, display}` for coded fields, `{sys_id, name}` for references.
    pub records: Vec<Map<String, Value>>,
}

/// `query_table`.
pub fn query_table(args: QueryTableArgs) -> Result<Json<TableRecords>, ToolError> {
    let table = allowed(&args.table)?;
    let fields = args.fields.unwrap_or_default();
    if let Some(bad) = fields.iter().find(|field| !is_identifier(field, true)) {
        return Err(ToolError::invalid(format!("`{bad}` is not a field name")));
    }
    let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
    let limit = settings::page_size(args.limit)?;
    let offset = args.offset.unwrap_or(0);
    let mut query = EncodedQuery::default();
    query.and_encoded(args.query.as_deref().unwrap_or_default());
    let query = query.build();
    let client = Client::new()?;
    let page = client.list(&Listing { table: &table, query: &query, fields: &fields, limit, offset })?;
    let records = page.records.iter().map(|record| records::shape(record, &[])).collect();
    Ok(Json(TableRecords { table, page: PageInfo::of(&page, offset), records }))
}

/// Arguments of `get_record`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetRecordArgs {
    /// The table; it must be one the tenant allows.
    pub table: String,
    /// The record's sys_id (32 hexadecimal characters).
    pub sys_id: String,
}

/// What `get_record` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TableRecord {
    /// The table read.
    pub table: String,
    /// The record's non-empty fields.
    pub record: Map<String, Value>,
}

/// `get_record`.
pub fn get_record(args: GetRecordArgs) -> Result<Json<TableRecord>, ToolError> {
    let table = allowed(&args.table)?;
    let sys_id = args.sys_id.trim();
    if !is_sys_id(sys_id) {
        return Err(ToolError::invalid(format!("`{sys_id}` is not a sys_id (32 hexadecimal characters)")));
    }
    let record = Client::new()?.get(&table, sys_id)?;
    Ok(Json(TableRecord { table, record: records::shape(&record, &[]) }))
}

/// Arguments of `list_users`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListUsersArgs {
    /// Text to look for in the user name, full name or e-mail address.
    pub query: Option<String>,
    /// Whether to leave out inactive users (default true).
    pub active_only: Option<bool>,
    /// Users per page (default: the tenant's page size; at most 100).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<u32>,
    /// Users to skip: pass `next_offset` from the previous page.
    pub offset: Option<u32>,
}

/// One user.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserSummary {
    /// The record's key, for reference fields.
    pub sys_id: String,
    /// Login name.
    pub user_name: String,
    /// Full name.
    pub name: String,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// Whether the account is active.
    pub active: bool,
}

/// What `list_users` returns.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserList {
    /// Where this page sits.
    #[serde(flatten)]
    pub page: PageInfo,
    /// The users, by name.
    pub users: Vec<UserSummary>,
}

const USER_FIELDS: &[&str] = &["sys_id", "user_name", "name", "email", "title", "department", "active"];

/// `list_users`.
pub fn list_users(args: ListUsersArgs) -> Result<Json<UserList>, ToolError> {
    let limit = settings::page_size(args.limit)?;
    let offset = args.offset.unwrap_or(0);
    let mut query = EncodedQuery::default();
    if args.active_only.unwrap_or(true) {
        query.and("active", "=", "true");
    }
    if let Some(text) = args.query.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        query.and_any(&[("user_name", "LIKE", text), ("name", "LIKE", text), ("email", "LIKE", text)]);
    }
    query.and_encoded("ORDERBYname");
    let query = query.build();
    let client = Client::new()?;
    let page = client.list(&Listing { table: "sys_user", query: &query, fields: USER_FIELDS, limit, offset })?;
    let users = page
        .records
        .iter()
        .map(|record| UserSummary {
            sys_id: records::value(record, "sys_id").unwrap_or_default(),
            user_name: records::display(record, "user_name").unwrap_or_default(),
            name: records::display(record, "name").unwrap_or_default(),
            email: records::display(record, "email"),
            title: records::display(record, "title"),
            department: records::display(record, "department"),
            active: records::value(record, "active").is_some_and(|active| active == "true"),
        })
        .collect();
    Ok(Json(UserList { page: PageInfo::of(&page, offset), users }))
}

/// `table`, when it is a plain table name the tenant allows.
fn allowed(table: &str) -> Result<String, ToolError> {
    let table = table.trim().to_ascii_lowercase();
    if !is_identifier(&table, false) {
        return Err(ToolError::invalid(format!("`{table}` is not a table name")));
    }
    let allowed = settings::allowed_tables();
    if !allowed.contains(&table) {
        return Err(ToolError::denied(format!(
            "table `{table}` is not one this tenant allows agents to read (allowed: {}); the operator can change \
             the `{}` setting",
            allowed.join(", "),
            settings::ALLOWED_TABLES
        )));
    }
    Ok(table)
}
