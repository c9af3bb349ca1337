//! Audit retention: rows older than `max_age_days`, and the oldest calls
//! beyond `max_calls`, are deleted, in chunks so that no deletion holds the
//! database's write lock for long. The host's audit writer does it in the
//! background between batches; `berth audit prune` does it on demand.

use super::AuditSettings;
use crate::db::{Database, DbError};
use rusqlite::{Connection, params};

/// Most rows one step deletes from each table: a step holds the write lock,
/// and new audit rows wait for it, so a step stays in the milliseconds.
pub const CHUNK_ROWS: i64 = 5_000;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// What to keep; 0 turns a bound off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Calls (and their upstream requests) older than this are deleted.
    pub max_age_days: u32,
    /// At most this many calls are kept, the newest.
    pub max_calls: u64,
}

impl From<&AuditSettings> for Retention {
    fn from(settings: &AuditSettings) -> Self {
        Self { max_age_days: settings.max_age_days, max_calls: settings.max_calls }
    }
}

impl Retention {
    /// Whether there is anything to enforce.
    pub fn is_bounded(&self) -> bool {
        self.max_age_days > 0 || self.max_calls > 0
    }
}

/// Rows deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    /// Tool calls.
    pub calls: u64,
    /// Upstream requests.
    pub requests: u64,
}

impl Pruned {
    fn add(&mut self, other: Self) {
        self.calls += other.calls;
        self.requests += other.requests;
    }

    /// Whether a step deleted a full chunk, so more may be waiting.
    pub fn more_waiting(&self) -> bool {
        self.calls as i64 >= CHUNK_ROWS || self.requests as i64 >= CHUNK_ROWS
    }
}

/// Deletes everything `retention` does not keep, as of `now_ms`, one chunk
/// per transaction.
pub fn prune(db: &Database, retention: Retention, now_ms: i64) -> Result<Pruned, DbError> {
    let mut total = Pruned::default();
    loop {
        let step = db.with(|conn| step(conn, retention, now_ms))?;
        total.add(step);
        if !step.more_waiting() {
            return Ok(total);
        }
    }
}

/// One chunk of [`prune`], in one transaction.
pub fn step(conn: &Connection, retention: Retention, now_ms: i64) -> rusqlite::Result<Pruned> {
    if !retention.is_bounded() {
        return Ok(Pruned::default());
    }
    let tx = crate::db::write_transaction(conn)?;
    let cutoff = match retention.max_age_days {
        0 => i64::MIN,
        days => now_ms.saturating_sub(i64::from(days) * DAY_MS),
    };
    // The newest call beyond `max_calls`, if any: it and everything older go.
    let beyond: Option<(i64, i64)> = match retention.max_calls {
        0 => None,
        max => tx
            .query_row(
                "SELECT at_ms, rowid FROM audit_calls ORDER BY at_ms DESC, rowid DESC LIMIT 1 OFFSET ?1",
                params![i64::try_from(max).unwrap_or(i64::MAX)],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map(Some)
            .or_else(|error| match error {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                error => Err(error),
            })?,
    };
    let (beyond_at, beyond_rowid) = beyond.unwrap_or((i64::MIN, i64::MIN));
    let calls = tx.execute(
        "DELETE FROM audit_calls WHERE rowid IN (
             SELECT rowid FROM audit_calls
             WHERE at_ms < ?1 OR at_ms < ?2 OR (at_ms = ?2 AND rowid <= ?3)
             ORDER BY at_ms LIMIT ?4)",
        params![cutoff, beyond_at, beyond_rowid, CHUNK_ROWS],
    )?;
    // A request is never older than its call. Requests older than the age
    // cutoff, or older than every call kept, belong to deleted calls (the
    // requests of a call still running are newer than the calls kept).
    let requests = tx.execute(
        "DELETE FROM audit_requests WHERE id IN (
             SELECT id FROM audit_requests
             WHERE at_ms < ?1 OR at_ms < coalesce((SELECT min(at_ms) FROM audit_calls), ?2)
             ORDER BY id LIMIT ?3)",
        params![cutoff, i64::MIN, CHUNK_ROWS],
    )?;
    tx.commit()?;
    Ok(Pruned { calls: calls as u64, requests: requests as u64 })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::tests::{call, insert_call, insert_request, request};
    use crate::audit::writer::{Entry, commit};

    fn count(db: &Database, table: &str) -> i64 {
        db.with(|conn| conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0))).unwrap()
    }

    #[test]
    fn calls_older_than_the_age_bound_go_with_their_requests() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let now = 100 * DAY_MS;
        insert_call(&db, &call("old", now - 31 * DAY_MS));
        insert_request(&db, &request("old", now - 31 * DAY_MS + 5));
        insert_call(&db, &call("new", now - DAY_MS));
        insert_request(&db, &request("new", now - DAY_MS + 5));
        let pruned = prune(&db, Retention { max_age_days: 30, max_calls: 0 }, now).unwrap();
        assert_eq!(pruned, Pruned { calls: 1, requests: 1 });
        assert_eq!(count(&db, "audit_calls"), 1);
        assert_eq!(count(&db, "audit_requests"), 1);
    }

    #[test]
    fn only_the_newest_calls_are_kept_and_large_backlogs_go_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        let total = CHUNK_ROWS + 1_000;
        let calls: Vec<_> = (0..total).map(|at| Entry::Call(Box::new(call(&format!("c{at}"), at)))).collect();
        db.with(|conn| commit(conn, &calls)).unwrap();
        insert_request(&db, &request("c0", 0));
        insert_request(&db, &request("running", total + 10));
        let pruned = prune(&db, Retention { max_age_days: 0, max_calls: 10 }, total).unwrap();
        assert_eq!(pruned.calls as i64, total - 10);
        assert_eq!(pruned.requests, 1, "the old call's request goes, the running call's stays");
        let oldest: i64 =
            db.with(|conn| conn.query_row("SELECT min(at_ms) FROM audit_calls", [], |row| row.get(0))).unwrap();
        assert_eq!(oldest, total - 10);
        assert_eq!(count(&db, "audit_calls"), 10);
    }

    #[test]
    fn zero_bounds_keep_everything() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(dir.path()).unwrap();
        insert_call(&db, &call("ancient", 0));
        let pruned = prune(&db, Retention { max_age_days: 0, max_calls: 0 }, 1_000 * DAY_MS).unwrap();
        assert_eq!(pruned, Pruned::default());
        assert_eq!(count(&db, "audit_calls"), 1);
    }
}
