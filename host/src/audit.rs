//! The audit log: every tool call (who, what, outcome, how long) and every
//! upstream request it caused (method, origin, path without the query,
//! status, retries, outcome), denials included. Nothing secret is written:
//! arguments are redacted by key name and truncated, query strings (which
//! often carry tokens) are dropped.

use crate::db::{Database, DbError};
use rusqlite::params;
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Argument keys whose values are never written.
const SENSITIVE_KEYS: &[&str] = &["pass", "secret", "token", "key", "auth", "cookie", "credential"];
/// Longest string value written from arguments.
const MAX_VALUE_CHARS: usize = 256;

/// One finished tool call.
#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    /// Unique id, shared with the call's upstream requests.
    pub call_id: String,
    /// Unix time, ms.
    pub at_ms: i64,
    /// Tenant.
    pub tenant: String,
    /// `stdio` or `http`.
    pub transport: String,
    /// Plugin.
    pub plugin: String,
    /// Plugin version.
    pub version: String,
    /// Tool (without the plugin prefix).
    pub tool: String,
    /// Arguments, redacted.
    pub arguments: Value,
    /// `ok`, or what failed.
    pub outcome: String,
    /// Duration, ms.
    pub duration_ms: i64,
    /// Upstream requests the call made.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestRecord>,
}

/// One upstream request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// The call that caused it.
    #[serde(skip)]
    pub call_id: String,
    /// Unix time, ms.
    pub at_ms: i64,
    /// Tenant.
    #[serde(skip)]
    pub tenant: String,
    /// Plugin.
    #[serde(skip)]
    pub plugin: String,
    /// HTTP method.
    pub method: String,
    /// `scheme://host:port`.
    pub origin: String,
    /// Path, without the query string.
    pub path: String,
    /// Final status, if an answer came.
    pub status: Option<u16>,
    /// Duration, ms, retries included.
    pub duration_ms: i64,
    /// Retries made.
    pub retries: u32,
    /// `ok`, or what failed (`denied: ...`, `timeout`, ...).
    pub outcome: String,
}

/// Writes and reads the audit log.
#[derive(Clone)]
pub struct AuditLog {
    db: Arc<Database>,
}

impl AuditLog {
    /// The log in `db`.
    pub fn new(db: Arc<Database>) -> Self {
        Self { db }
    }

    /// Records a finished call. Failures are logged, never raised: a full
    /// disk must not turn every tool call into an error.
    pub fn call(&self, record: &CallRecord) {
        let result = self.db.with(|conn| {
            conn.execute(
                "INSERT INTO audit_calls (call_id, at_ms, tenant, transport, plugin, version, tool, arguments, outcome, duration_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    record.call_id,
                    record.at_ms,
                    record.tenant,
                    record.transport,
                    record.plugin,
                    record.version,
                    record.tool,
                    record.arguments.to_string(),
                    record.outcome,
                    record.duration_ms
                ],
            )
        });
        if let Err(error) = result {
            tracing::error!("cannot write the audit log: {error}");
        }
    }

    /// Records an upstream request.
    pub fn request(&self, record: &RequestRecord) {
        let result = self.db.with(|conn| {
            conn.execute(
                "INSERT INTO audit_requests (call_id, at_ms, tenant, plugin, method, origin, path, status, duration_ms, retries, outcome)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    record.call_id,
                    record.at_ms,
                    record.tenant,
                    record.plugin,
                    record.method,
                    record.origin,
                    record.path,
                    record.status,
                    record.duration_ms,
                    record.retries,
                    record.outcome
                ],
            )
        });
        if let Err(error) = result {
            tracing::error!("cannot write the audit log: {error}");
        }
    }

    /// The newest `limit` calls (optionally of one tenant), oldest first,
    /// each with its upstream requests.
    pub fn tail(&self, tenant: Option<&str>, limit: usize) -> Result<Vec<CallRecord>, DbError> {
        self.db.with(|conn| {
            let mut calls = conn.prepare(
                "SELECT call_id, at_ms, tenant, transport, plugin, version, tool, arguments, outcome, duration_ms
                 FROM audit_calls WHERE (?1 IS NULL OR tenant = ?1) ORDER BY at_ms DESC, rowid DESC LIMIT ?2",
            )?;
            let mut records: Vec<CallRecord> = calls
                .query_map(params![tenant, limit as i64], |row| {
                    let arguments: String = row.get(7)?;
                    Ok(CallRecord {
                        call_id: row.get(0)?,
                        at_ms: row.get(1)?,
                        tenant: row.get(2)?,
                        transport: row.get(3)?,
                        plugin: row.get(4)?,
                        version: row.get(5)?,
                        tool: row.get(6)?,
                        arguments: serde_json::from_str(&arguments).unwrap_or(Value::Null),
                        outcome: row.get(8)?,
                        duration_ms: row.get(9)?,
                        requests: Vec::new(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            records.reverse();
            let mut requests = conn.prepare(
                "SELECT at_ms, method, origin, path, status, duration_ms, retries, outcome
                 FROM audit_requests WHERE call_id = ?1 ORDER BY id",
            )?;
            for record in &mut records {
                record.requests = requests
                    .query_map(params![record.call_id], |row| {
                        Ok(RequestRecord {
                            call_id: record.call_id.clone(),
                            at_ms: row.get(0)?,
                            tenant: record.tenant.clone(),
                            plugin: record.plugin.clone(),
                            method: row.get(1)?,
                            origin: row.get(2)?,
                            path: row.get(3)?,
                            status: row.get(4)?,
                            duration_ms: row.get(5)?,
                            retries: row.get(6)?,
                            outcome: row.get(7)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
            }
            Ok(records)
        })
    }
}

/// Now, as Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A fresh call id.
pub fn call_id() -> String {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("the operating system's random source failed");
    hex::encode(bytes)
}

/// `arguments` with sensitive-looking keys blanked and long strings cut.
pub fn redact_arguments(arguments: &Value) -> Value {
    match arguments {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let lowered = key.to_ascii_lowercase();
                    let value = if SENSITIVE_KEYS.iter().any(|sensitive| lowered.contains(sensitive)) {
                        Value::String("[REDACTED]".to_owned())
                    } else {
                        redact_arguments(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_arguments).collect()),
        // URLs keep their path; query strings often carry tokens.
        Value::String(text) if (text.starts_with("https://") || text.starts_with("http://")) && text.contains('?') => {
            let base: String = text.split('?').next().unwrap_or_default().chars().take(MAX_VALUE_CHARS).collect();
            Value::String(format!("{base}?[REDACTED]"))
        }
        Value::String(text) if text.chars().count() > MAX_VALUE_CHARS => {
            Value::String(format!("{}…", text.chars().take(MAX_VALUE_CHARS).collect::<String>()))
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensitive_arguments_are_redacted_and_long_ones_cut() {
        let arguments = json!({"name": "Ada", "api_key": "k", "nested": {"Password": "p"}, "long": "x".repeat(300),
            "url": "https://a.example/x?sig=abc"});
        let redacted = redact_arguments(&arguments);
        assert_eq!(redacted["name"], "Ada");
        assert_eq!(redacted["api_key"], "[REDACTED]");
        assert_eq!(redacted["nested"]["Password"], "[REDACTED]");
        assert_eq!(redacted["long"].as_str().unwrap().chars().count(), MAX_VALUE_CHARS + 1);
        assert_eq!(redacted["url"], "https://a.example/x?[REDACTED]");
    }

    #[test]
    fn calls_come_back_with_their_requests() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::new(Arc::new(Database::open(dir.path()).unwrap()));
        let call = CallRecord {
            call_id: "c1".into(),
            at_ms: 1,
            tenant: "acme".into(),
            transport: "stdio".into(),
            plugin: "probe".into(),
            version: "0.1.0".into(),
            tool: "fetch".into(),
            arguments: json!({}),
            outcome: "ok".into(),
            duration_ms: 5,
            requests: Vec::new(),
        };
        let request = RequestRecord {
            call_id: "c1".into(),
            at_ms: 2,
            tenant: "acme".into(),
            plugin: "probe".into(),
            method: "GET".into(),
            origin: "https://a.example:443".into(),
            path: "/api".into(),
            status: Some(200),
            duration_ms: 3,
            retries: 0,
            outcome: "ok".into(),
        };
        log.request(&request);
        log.call(&call);
        let tail = log.tail(Some("acme"), 10).unwrap();
        assert_eq!(tail.len(), 1);
        assert_eq!(tail[0].requests.len(), 1);
        assert!(log.tail(Some("globex"), 10).unwrap().is_empty());
    }
}
