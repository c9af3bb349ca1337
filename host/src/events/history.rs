//! The event history: one row per webhook delivery (tenant, plugin,
//! delivery id, type, outcome, time and a short reason), never its body.
//! A delivery id is taken in once per tenant and plugin: the database's
//! unique index decides, so two replicas (or two retries racing) cannot
//! both process it.

use crate::args;
use crate::db::{Database, DbError};
use serde::Serialize;

/// What became of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Verified and queued for the plugin.
    Accepted,
    /// The plugin handled it and subscribers were told.
    Handled,
    /// The plugin could not handle it (its reason is the detail).
    Failed,
    /// Its delivery id was taken in before: not processed again.
    Duplicate,
    /// Not verified (bad signature, replay, no secret, unknown plugin).
    Refused,
    /// Verified, but the host had too many events in hand; the upstream
    /// was asked to retry.
    Busy,
}

impl Outcome {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Handled => "handled",
            Self::Failed => "failed",
            Self::Duplicate => "duplicate",
            Self::Refused => "refused",
            Self::Busy => "busy",
        }
    }
}

/// One row of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventRecord {
    /// Unix time the delivery arrived, ms.
    pub at_ms: i64,
    /// Tenant, from the URL.
    pub tenant: String,
    /// Plugin, from the URL.
    pub plugin: String,
    /// The delivery id header's value, if the plugin names one and it came.
    pub delivery: Option<String>,
    /// The event type: the plugin's `kind`, else the type header's value.
    pub kind: Option<String>,
    /// What became of it.
    pub outcome: String,
    /// Why, in a line: a refusal's reason, the plugin's error, or what was
    /// notified.
    pub detail: String,
}

/// Adds `record`; for an accepted one with a delivery id, only if that id
/// was not taken in before. The row's id, or none for a duplicate.
pub async fn insert(db: &Database, record: &EventRecord) -> Result<Option<i64>, DbError> {
    let row = db
        .query_opt(
            "INSERT INTO events (at_ms, tenant, plugin, delivery, kind, outcome, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING RETURNING id",
            args![
                record.at_ms,
                &record.tenant,
                &record.plugin,
                record.delivery.as_deref(),
                record.kind.as_deref(),
                &record.outcome,
                &record.detail
            ],
        )
        .await?;
    row.map(|row| row.get(0)).transpose()
}

/// Records what became of accepted row `id`.
pub async fn finish(db: &Database, id: i64, outcome: Outcome, kind: Option<&str>, detail: &str) -> Result<(), DbError> {
    db.execute(
        "UPDATE events SET outcome = ?2, kind = COALESCE(?3, kind), detail = ?4 WHERE id = ?1",
        args![id, outcome.as_str(), kind, detail],
    )
    .await?;
    Ok(())
}

/// The latest `limit` rows, of `tenant` or of all, oldest first.
pub async fn tail(db: &Database, tenant: Option<&str>, limit: usize) -> Result<Vec<EventRecord>, DbError> {
    let rows = db
        .query(
            "SELECT at_ms, tenant, plugin, delivery, kind, outcome, detail FROM events
             WHERE (CAST(?1 AS TEXT) IS NULL OR tenant = ?1) ORDER BY id DESC LIMIT ?2",
            args![tenant, limit],
        )
        .await?;
    let mut records = rows
        .iter()
        .map(|row| {
            Ok(EventRecord {
                at_ms: row.get(0)?,
                tenant: row.get(1)?,
                plugin: row.get(2)?,
                delivery: row.get(3)?,
                kind: row.get(4)?,
                outcome: row.get(5)?,
                detail: row.get(6)?,
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    records.reverse();
    Ok(records)
}

/// Drops rows older than `before_ms`; how many.
pub async fn prune(db: &Database, before_ms: i64) -> Result<u64, DbError> {
    db.execute("DELETE FROM events WHERE at_ms < ?1", args![before_ms]).await
}

/// The outcome stored for the delivery `delivery` of `tenant`'s `plugin`,
/// if it was taken in: what a duplicate is answered with.
pub async fn taken_in(db: &Database, tenant: &str, plugin: &str, delivery: &str) -> Result<Option<String>, DbError> {
    let row = db
        .query_opt(
            "SELECT outcome FROM events WHERE tenant = ?1 AND plugin = ?2 AND delivery = ?3
             AND outcome IN ('accepted', 'handled', 'failed')",
            args![tenant, plugin, delivery],
        )
        .await?;
    row.map(|row| row.get(0)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;

    fn record(delivery: Option<&str>, outcome: Outcome) -> EventRecord {
        EventRecord {
            at_ms: 1_000,
            tenant: "acme".into(),
            plugin: "github".into(),
            delivery: delivery.map(str::to_owned),
            kind: Some("issues".into()),
            outcome: outcome.as_str().into(),
            detail: String::new(),
        }
    }

    #[tokio::test]
    async fn a_delivery_is_taken_in_once_and_refusals_never_block_it() {
        for store in each_backend().await {
            let db = store.db;
            assert!(
                insert(&db, &record(Some("d-1"), Outcome::Refused)).await.unwrap().is_some(),
                "a forged copy first"
            );
            let first = insert(&db, &record(Some("d-1"), Outcome::Accepted)).await.unwrap().expect("taken in");
            assert_eq!(
                insert(&db, &record(Some("d-1"), Outcome::Accepted)).await.unwrap(),
                None,
                "a retry is a duplicate"
            );
            finish(&db, first, Outcome::Handled, Some("issues.opened"), "1 resource updated").await.unwrap();
            assert_eq!(
                insert(&db, &record(Some("d-1"), Outcome::Accepted)).await.unwrap(),
                None,
                "still, once handled"
            );
            assert_eq!(taken_in(&db, "acme", "github", "d-1").await.unwrap().as_deref(), Some("handled"));
            assert!(
                insert(&db, &record(Some("d-1"), Outcome::Duplicate)).await.unwrap().is_some(),
                "the retry is recorded"
            );
            let mut other = record(Some("d-1"), Outcome::Accepted);
            other.tenant = "globex".into();
            assert!(insert(&db, &other).await.unwrap().is_some(), "another tenant's delivery ids are its own");
            assert!(insert(&db, &record(None, Outcome::Accepted)).await.unwrap().is_some());
            assert!(
                insert(&db, &record(None, Outcome::Accepted)).await.unwrap().is_some(),
                "no id: nothing to compare"
            );

            let acme = tail(&db, Some("acme"), 10).await.unwrap();
            let outcomes: Vec<&str> = acme.iter().map(|row| row.outcome.as_str()).collect();
            assert_eq!(outcomes, ["refused", "handled", "duplicate", "accepted", "accepted"]);
            assert_eq!(acme[1].kind.as_deref(), Some("issues.opened"));
            assert_eq!(tail(&db, None, 2).await.unwrap().len(), 2);
            assert_eq!(prune(&db, 2_000).await.unwrap(), 6);
        }
    }
}
