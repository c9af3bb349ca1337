//! Audit retention: rows older than `max_age_days`, and the oldest calls
//! beyond `max_calls`, are deleted, in chunks so that no deletion holds the
//! database's write lock for long. The host's audit writer does it in the
//! background between batches; `berth audit prune` does it on demand.

use super::AuditSettings;
use crate::args;
use crate::db::{Database, DbError};

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
pub async fn prune(db: &Database, retention: Retention, now_ms: i64) -> Result<Pruned, DbError> {
    let mut total = Pruned::default();
    loop {
        let step = step(db, retention, now_ms).await?;
        total.add(step);
        if !step.more_waiting() {
            return Ok(total);
        }
    }
}

/// One chunk of [`prune`], in one transaction.
pub async fn step(db: &Database, retention: Retention, now_ms: i64) -> Result<Pruned, DbError> {
    if !retention.is_bounded() {
        return Ok(Pruned::default());
    }
    let mut tx = db.transaction().await?;
    let cutoff = match retention.max_age_days {
        0 => i64::MIN,
        days => now_ms.saturating_sub(i64::from(days) * DAY_MS),
    };
    // The newest call beyond `max_calls`, if any: it and everything older go.
    let beyond = match retention.max_calls {
        0 => None,
        max => tx
            .query_opt(
                "SELECT at_ms, rowid FROM audit_calls ORDER BY at_ms DESC, rowid DESC LIMIT 1 OFFSET ?1",
                args![i64::try_from(max).unwrap_or(i64::MAX)],
            )
            .await?
            .map(|row| Ok::<_, DbError>((row.get::<i64>(0)?, row.get::<i64>(1)?)))
            .transpose()?,
    };
    let (beyond_at, beyond_rowid) = beyond.unwrap_or((i64::MIN, i64::MIN));
    let calls = tx
        .execute(
            "DELETE FROM audit_calls WHERE rowid IN (
                 SELECT rowid FROM audit_calls
                 WHERE at_ms < ?1 OR at_ms < ?2 OR (at_ms = ?2 AND rowid <= ?3)
                 ORDER BY at_ms LIMIT ?4)",
            args![cutoff, beyond_at, beyond_rowid, CHUNK_ROWS],
        )
        .await?;
    // A request is never older than its call. Requests older than the age
    // cutoff, or older than every call kept, belong to deleted calls (the
    // requests of a call still running are newer than the calls kept).
    let requests = tx
        .execute(
            "DELETE FROM audit_requests WHERE id IN (
                 SELECT id FROM audit_requests
                 WHERE at_ms < ?1 OR at_ms < coalesce((SELECT min(at_ms) FROM audit_calls), ?2)
                 ORDER BY id LIMIT ?3)",
            args![cutoff, i64::MIN, CHUNK_ROWS],
        )
        .await?;
    tx.commit().await?;
    Ok(Pruned { calls, requests })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::tests::{call, insert_call, insert_request, request};
    use crate::audit::writer::{Entry, commit};

    use crate::db::testing::each_backend;

    async fn count(db: &Database, table: &str) -> i64 {
        let rows = db.query(&format!("SELECT count(*) FROM {table}"), vec![]).await.unwrap();
        rows[0].get(0).unwrap()
    }

    #[tokio::test]
    async fn calls_older_than_the_age_bound_go_with_their_requests() {
        for store in each_backend().await {
            let db = store.db;
            let now = 100 * DAY_MS;
            insert_call(&db, &call("old", now - 31 * DAY_MS)).await;
            insert_request(&db, &request("old", now - 31 * DAY_MS + 5)).await;
            insert_call(&db, &call("new", now - DAY_MS)).await;
            insert_request(&db, &request("new", now - DAY_MS + 5)).await;
            let pruned = prune(&db, Retention { max_age_days: 30, max_calls: 0 }, now).await.unwrap();
            assert_eq!(pruned, Pruned { calls: 1, requests: 1 });
            assert_eq!(count(&db, "audit_calls").await, 1);
            assert_eq!(count(&db, "audit_requests").await, 1);
        }
    }

    #[tokio::test]
    async fn only_the_newest_calls_are_kept_and_large_backlogs_go_in_chunks() {
        for store in each_backend().await {
            let db = store.db;
            let total = CHUNK_ROWS + 1_000;
            let calls: Vec<_> = (0..total).map(|at| Entry::Call(Box::new(call(&format!("c{at}"), at)))).collect();
            commit(&db, &calls).await.unwrap();
            insert_request(&db, &request("c0", 0)).await;
            insert_request(&db, &request("running", total + 10)).await;
            let pruned = prune(&db, Retention { max_age_days: 0, max_calls: 10 }, total).await.unwrap();
            assert_eq!(pruned.calls as i64, total - 10);
            assert_eq!(pruned.requests, 1, "the old call's request goes, the running call's stays");
            let oldest: i64 = db.query("SELECT min(at_ms) FROM audit_calls", vec![]).await.unwrap()[0].get(0).unwrap();
            assert_eq!(oldest, total - 10);
            assert_eq!(count(&db, "audit_calls").await, 10);
        }
    }

    #[tokio::test]
    async fn zero_bounds_keep_everything() {
        for store in each_backend().await {
            let db = store.db;
            insert_call(&db, &call("ancient", 0)).await;
            let pruned = prune(&db, Retention { max_age_days: 0, max_calls: 0 }, 1_000 * DAY_MS).await.unwrap();
            assert_eq!(pruned, Pruned::default());
            assert_eq!(count(&db, "audit_calls").await, 1);
        }
    }
}
