//! The audit log: every tool call (who, what, outcome, how long) and every
//! upstream request it caused (method, origin, path without the query,
//! status, retries, outcome), denials included. Nothing secret is written:
//! arguments are redacted by key name and truncated, query strings (which
//! often carry tokens) are dropped.
//!
//! Rows are written off the request path by one writer that commits in
//! groups ([`writer`]); old rows are deleted by [`retention`].

pub mod retention;
mod writer;

use crate::args;
use crate::db::{Database, DatabaseSettings, DbError};
use crate::settings::{InvalidSetting, in_range};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::Path;
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
    /// Who called: `key:<key id>`, `stdio`, `anonymous`, or a token's
    /// subject `@` its issuer; empty for rows from before principals.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub principal: String,
    /// The caller's roles, comma-separated.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub roles: String,
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
    /// Whose credential the request carried: empty for none, `tenant` for
    /// the tenant's own, else the principal whose per-user tokens it was.
    pub acting_as: String,
}

/// `[audit]` settings: how rows are written and how long they are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    /// Longest a row waits in memory before its group is committed, in ms.
    /// This is the durability window: a host killed with `kill -9` (or a
    /// crash) loses at most the rows of calls answered in the last
    /// `flush_interval_ms` plus one commit. 10 ms turns thousands of syncs a
    /// second into at most a hundred, and is shorter than any client's
    /// round trip that could act on an answer.
    pub flush_interval_ms: u64,
    /// Most rows in one transaction. 256 rows commit in about a millisecond,
    /// so a burst never holds the database's write lock for long.
    pub batch_rows: u32,
    /// Rows that may wait for the writer. When it is full, calls wait for
    /// room rather than lose a row. 16,384 rows are a few MiB and, at the
    /// writer's pace, well under a second of backlog.
    pub queue_rows: u32,
    /// Calls older than this many days are deleted, with their upstream
    /// requests (0 keeps them forever). 90 days covers a quarter's review.
    pub max_age_days: u32,
    /// At most this many calls are kept, the newest (0: no bound). At about
    /// 140 bytes a row, 10 million calls are roughly 1.5 GB of disk, a bound
    /// that a host at full load (about a gigabyte an hour) still respects.
    pub max_calls: u64,
    /// How often the host enforces retention, in seconds. A pass deletes in
    /// chunks between audit commits, so it never stalls calls.
    pub prune_interval_secs: u64,
    /// Whether a tool call is answered only once its row is committed, so
    /// that no answered call is missing from the log even after `kill -9`
    /// (replicas behind a load balancer, where the client retries elsewhere,
    /// want this). The writer then commits at once rather than gathering
    /// for `flush_interval_ms`; calls that end together still share one
    /// commit. Off by default: one host keeps the short window above.
    pub commit_before_answer: bool,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            flush_interval_ms: 10,
            batch_rows: 256,
            queue_rows: 16_384,
            max_age_days: 90,
            max_calls: 10_000_000,
            prune_interval_secs: 300,
            commit_before_answer: false,
        }
    }
}

impl AuditSettings {
    /// Checks the values, naming the key and the fix.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("audit", "flush_interval_ms", self.flush_interval_ms, 0..=60_000)?;
        in_range("audit", "batch_rows", self.batch_rows, 1..=1_000_000)?;
        in_range("audit", "queue_rows", self.queue_rows, 1..=100_000_000)?;
        in_range("audit", "prune_interval_secs", self.prune_interval_secs, 1..=31_536_000)
    }
}

/// Writes the audit log: cheap to clone; every clone feeds the one writer.
#[derive(Clone)]
pub struct AuditLog {
    queue: writer::Queue,
    commit_before_answer: bool,
}

impl AuditLog {
    /// Starts the writer on the store `database` names (the embedded one in
    /// `data_dir` by default), with a connection of its own, so that its
    /// commits never wait behind the request path's reads, or the other way
    /// round.
    pub async fn start(database: &DatabaseSettings, data_dir: &Path, settings: AuditSettings) -> Result<Self, DbError> {
        let queue = writer::Queue::start((database.clone(), data_dir.to_owned()), settings).await?;
        Ok(Self { queue, commit_before_answer: settings.commit_before_answer })
    }

    /// Records a finished call. It is queued, never raised: a full disk must
    /// not turn every tool call into an error, and the writer logs what the
    /// database refuses.
    pub fn call(&self, record: CallRecord) {
        self.queue.call(record);
    }

    /// Resolves once every row queued so far is committed when
    /// `commit_before_answer` is set; at once otherwise. What a transport
    /// awaits before it answers a call.
    pub async fn answered(&self) {
        if self.commit_before_answer {
            self.queue.flush().await;
        }
    }

    /// Records an upstream request.
    pub fn request(&self, record: &RequestRecord) {
        self.queue.request(record.clone());
    }

    /// Resolves once every row recorded before it is committed. Shutdown
    /// calls it after the last call is answered.
    pub async fn flush(&self) {
        self.queue.flush().await;
    }
}

/// The newest `limit` calls in `db` (optionally of one tenant), oldest
/// first, each with its upstream requests.
pub async fn tail(db: &Database, tenant: Option<&str>, limit: usize) -> Result<Vec<CallRecord>, DbError> {
    let mut conn = db.conn().await?;
    let calls = conn
        .query(
            "SELECT call_id, at_ms, tenant, transport, plugin, version, tool, arguments, outcome, duration_ms, principal, roles
             FROM audit_calls WHERE (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) ORDER BY at_ms DESC, rowid DESC LIMIT ?2",
            args![tenant, limit],
        )
        .await?;
    let mut records = calls
        .iter()
        .rev()
        .map(|row| {
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
                principal: row.get(10)?,
                roles: row.get(11)?,
                requests: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    for record in &mut records {
        let rows = conn
            .query(
                "SELECT at_ms, method, origin, path, status, duration_ms, retries, outcome, acting_as
                 FROM audit_requests WHERE call_id = ?1 ORDER BY id",
                args![&record.call_id],
            )
            .await?;
        record.requests = rows
            .iter()
            .map(|row| {
                Ok(RequestRecord {
                    call_id: record.call_id.clone(),
                    at_ms: row.get(0)?,
                    tenant: record.tenant.clone(),
                    plugin: record.plugin.clone(),
                    method: row.get(1)?,
                    origin: row.get(2)?,
                    path: row.get(3)?,
                    status: row.get::<Option<i64>>(4)?.and_then(|status| u16::try_from(status).ok()),
                    duration_ms: row.get(5)?,
                    retries: u32::try_from(row.get::<i64>(6)?).unwrap_or(u32::MAX),
                    outcome: row.get(7)?,
                    acting_as: row.get(8)?,
                })
            })
            .collect::<Result<_, DbError>>()?;
    }
    Ok(records)
}

/// Now, as Unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A fresh call id: a UUIDv7 as 32 hex digits. The id starts with the
/// time, so ids sort by when their calls began and each audit row lands at
/// the end of the primary key's index rather than on a random page of it:
/// a log of millions of rows takes a row as cheaply as an empty one.
pub fn call_id() -> String {
    uuid::Uuid::now_v7().simple().to_string()
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

    /// A call record with `call_id` at `at_ms`.
    pub(super) fn call(call_id: &str, at_ms: i64) -> CallRecord {
        CallRecord {
            call_id: call_id.into(),
            at_ms,
            tenant: "acme".into(),
            principal: "stdio".into(),
            roles: "operator".into(),
            transport: "stdio".into(),
            plugin: "probe".into(),
            version: "0.1.0".into(),
            tool: "fetch".into(),
            arguments: json!({}),
            outcome: "ok".into(),
            duration_ms: 5,
            requests: Vec::new(),
        }
    }

    /// A request record of `call_id` at `at_ms`.
    pub(super) fn request(call_id: &str, at_ms: i64) -> RequestRecord {
        RequestRecord {
            call_id: call_id.into(),
            at_ms,
            tenant: "acme".into(),
            plugin: "probe".into(),
            method: "GET".into(),
            origin: "https://a.example:443".into(),
            path: "/api".into(),
            status: Some(200),
            duration_ms: 3,
            retries: 0,
            outcome: "ok".into(),
            acting_as: String::new(),
        }
    }

    /// Writes `record` straight to `db`, as the writer would.
    pub(super) async fn insert_call(db: &Database, record: &CallRecord) {
        writer::commit(db, &[writer::Entry::Call(Box::new(record.clone()))]).await.unwrap();
    }

    /// Writes `record` straight to `db`, as the writer would.
    pub(super) async fn insert_request(db: &Database, record: &RequestRecord) {
        writer::commit(db, &[writer::Entry::Request(Box::new(record.clone()))]).await.unwrap();
    }

    async fn count(db: &Database) -> i64 {
        db.query("SELECT count(*) FROM audit_calls", vec![]).await.unwrap()[0].get(0).unwrap()
    }

    #[tokio::test]
    async fn calls_come_back_with_their_requests() {
        for store in crate::db::testing::each_backend().await {
            let db = store.db.clone();
            let log = AuditLog::start(&store.settings(), store.dir.path(), AuditSettings::default()).await.unwrap();
            log.request(&request("c1", now_ms()));
            log.call(call("c1", now_ms()));
            log.flush().await;
            let tail = tail(&db, Some("acme"), 10).await.unwrap();
            assert_eq!(tail.len(), 1, "{}", store.name);
            assert_eq!(tail[0].requests.len(), 1);
            assert_eq!(tail[0].requests[0].status, Some(200));
            assert!(super::tail(&db, Some("globex"), 10).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn rows_are_committed_within_the_flush_interval_without_a_flush() {
        let dir = tempfile::tempdir().unwrap();
        let settings = AuditSettings { flush_interval_ms: 20, ..AuditSettings::default() };
        let db = Database::open_embedded(dir.path()).await.unwrap();
        let log = AuditLog::start(&DatabaseSettings::default(), dir.path(), settings).await.unwrap();
        log.call(call("c1", now_ms()));
        let waited = std::time::Instant::now();
        while count(&db).await == 0 {
            assert!(waited.elapsed() < std::time::Duration::from_secs(5), "the row was never committed");
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_full_queue_makes_callers_wait_and_loses_no_row() {
        let dir = tempfile::tempdir().unwrap();
        // A queue of 4 rows and batches of 2: the 2,000 rows below fill it
        // again and again.
        let settings = AuditSettings { queue_rows: 4, batch_rows: 2, flush_interval_ms: 1, ..AuditSettings::default() };
        let db = Database::open_embedded(dir.path()).await.unwrap();
        let log = AuditLog::start(&DatabaseSettings::default(), dir.path(), settings).await.unwrap();
        let writers: Vec<_> = (0..4)
            .map(|writer| {
                let log = log.clone();
                tokio::task::spawn_blocking(move || {
                    for index in 0..500 {
                        log.call(call(&format!("w{writer}-{index}"), now_ms()));
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.await.unwrap();
        }
        log.flush().await;
        assert_eq!(count(&db).await, 2_000);
    }
}
