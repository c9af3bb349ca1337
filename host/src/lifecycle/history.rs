//! [`History`]: which version of each plugin serves, and every version that
//! served before, in the database.
//!
//! Deployments are appended, never rewritten: a load or upgrade appends the
//! version, an unload appends an entry with no version, and a rollback
//! marks the entries it undoes and appends the version it returns to. The
//! active deployment of a plugin is its newest entry not rolled back.

use super::bindings::EgressGrants;
use crate::args;
use crate::audit::now_ms;
use crate::db::{Conn, Database, DbError, Row};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Where a deployment came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A file in the watched plugins directory.
    Directory(PathBuf),
    /// The admin API or `berth plugin load`.
    Registry,
    /// `rollback`, returning to an earlier version.
    Rollback,
}

impl Source {
    fn kind(&self) -> &'static str {
        match self {
            Self::Directory(_) => "directory",
            Self::Registry => "registry",
            Self::Rollback => "rollback",
        }
    }

    fn path(&self) -> Option<String> {
        match self {
            Self::Directory(path) => Some(path.display().to_string()),
            Self::Registry | Self::Rollback => None,
        }
    }
}

/// A version of a plugin, as recorded when it was first deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    /// Plugin name.
    pub name: String,
    /// What the plugin calls this version.
    pub version: String,
    /// SHA-256 of the component, hex: the identity of the version.
    pub digest: String,
    /// Tool names, as the plugin declares them.
    pub tools: Vec<String>,
    /// Component size in bytes.
    pub bytes: u64,
}

/// One entry of a plugin's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// Order of the entry; later entries are newer.
    pub seq: i64,
    /// Plugin name.
    pub name: String,
    /// The version deployed; `None` for an unload.
    pub version: Option<Version>,
    /// `directory`, `registry` or `rollback`.
    pub source: String,
    /// The file, for a deployment from the plugins directory.
    pub path: Option<String>,
    /// When, in ms since the Unix epoch.
    pub at_ms: i64,
}

impl Deployment {
    /// Whether this entry came from `source`.
    pub fn is_from(&self, source: &Source) -> bool {
        self.source == source.kind() && self.path == source.path()
    }

    /// Whether this entry came from `path` in the plugins directory.
    pub fn is_from_file(&self, path: &Path) -> bool {
        self.source == "directory" && self.path.as_deref() == Some(&*path.display().to_string())
    }
}

/// The deployment history in `db`.
pub struct History<'a> {
    db: &'a Database,
}

const SELECT: &str = "SELECT d.seq, d.name, d.source, d.path, d.at_ms, v.digest, v.version, v.tools, v.bytes
     FROM plugin_deployments d LEFT JOIN plugin_versions v ON v.digest = d.digest";

impl<'a> History<'a> {
    /// The history in `db`.
    pub fn new(db: &'a Database) -> Self {
        Self { db }
    }

    /// Appends a deployment of `version` from `source`.
    pub async fn deploy(&self, version: &Version, source: &Source) -> Result<(), DbError> {
        let tools = serde_json::to_string(&version.tools).expect("a list of strings serialises");
        let mut tx = self.db.transaction().await?;
        tx.execute(
            "INSERT INTO plugin_versions (digest, name, version, tools, bytes, added_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (digest) DO NOTHING",
            args![&version.digest, &version.name, &version.version, tools, version.bytes as i64, now_ms()],
        )
        .await?;
        append(&mut tx, &version.name, Some(&version.digest), source).await?;
        tx.commit().await
    }

    /// Records the egress grants of the version stored under `digest`. The
    /// same grants again (every start) write nothing.
    pub async fn set_grants(&self, digest: &str, grants: &EgressGrants) -> Result<(), DbError> {
        let grants = serde_json::to_string(grants).expect("grants serialise");
        self.db
            .execute(
                "UPDATE plugin_versions SET grants = ?2 WHERE digest = ?1 AND grants IS DISTINCT FROM ?2",
                args![digest, grants],
            )
            .await?;
        Ok(())
    }

    /// The egress grants of `name`'s active version, if it serves and they
    /// were recorded.
    pub async fn active_grants(&self, name: &str) -> Result<Option<EgressGrants>, DbError> {
        let Some(digest) = self.active(name).await?.and_then(|entry| entry.version).map(|version| version.digest)
        else {
            return Ok(None);
        };
        let row = self.db.query_opt("SELECT grants FROM plugin_versions WHERE digest = ?1", args![digest]).await?;
        let text: Option<String> = row.map(|row| row.get(0)).transpose()?.flatten();
        Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
    }

    /// Appends an unload of `name`.
    pub async fn unload(&self, name: &str, source: &Source) -> Result<(), DbError> {
        // In a write transaction like every change to the history, so that
        // on PostgreSQL changes commit in the order of their `seq` and a
        // replica reading the mark in between misses none.
        let mut tx = self.db.transaction().await?;
        append(&mut tx, name, None, source).await?;
        tx.commit().await
    }

    /// The active entry of `name`: its newest not rolled back.
    pub async fn active(&self, name: &str) -> Result<Option<Deployment>, DbError> {
        let sql = format!("{SELECT} WHERE d.name = ?1 AND d.rolled_back = 0 ORDER BY d.seq DESC LIMIT 1");
        self.db.query_opt(&sql, args![name]).await?.as_ref().map(deployment).transpose()
    }

    /// The active entry of every plugin that is deployed (not unloaded), by
    /// name.
    pub async fn serving(&self) -> Result<Vec<Deployment>, DbError> {
        let sql = format!(
            "{SELECT} WHERE d.seq IN (SELECT MAX(seq) FROM plugin_deployments WHERE rolled_back = 0 GROUP BY name)
             ORDER BY d.name"
        );
        let all = self.db.query(&sql, args![]).await?.iter().map(deployment).collect::<Result<Vec<_>, _>>()?;
        Ok(all.into_iter().filter(|entry| entry.version.is_some()).collect())
    }

    /// A mark that moves with every change to the history (a deploy, an
    /// unload, a rollback), whoever made it: what a replica polls to learn
    /// that another changed what should serve.
    pub async fn mark(&self) -> Result<(i64, i64), DbError> {
        let rows = self
            .db
            .query(
                "SELECT COALESCE(MAX(seq), 0), COUNT(CASE WHEN rolled_back <> 0 THEN 1 END) FROM plugin_deployments",
                args![],
            )
            .await?;
        let row = rows.first().ok_or(DbError::NoRow("the deployment history's mark"))?;
        Ok((row.get(0)?, row.get(1)?))
    }

    /// The version stored under `digest`, if it was ever deployed.
    pub async fn version(&self, digest: &str) -> Result<Option<Version>, DbError> {
        let row = self
            .db
            .query_opt("SELECT name, version, tools, bytes FROM plugin_versions WHERE digest = ?1", args![digest])
            .await?;
        row.map(|row| version_at(&row, row.get(0)?, digest.to_owned(), 1)).transpose()
    }

    /// The version a rollback of `name` returns to: the newest entry before
    /// the active one that is not rolled back, not an unload, and not the
    /// active version itself.
    pub async fn rollback_target(&self, name: &str) -> Result<Option<Deployment>, DbError> {
        let Some(active) = self.active(name).await? else { return Ok(None) };
        let current = active.version.as_ref().map(|version| version.digest.clone()).unwrap_or_default();
        let sql = format!(
            "{SELECT} WHERE d.name = ?1 AND d.rolled_back = 0 AND d.seq < ?2
             AND d.digest IS NOT NULL AND d.digest != ?3 ORDER BY d.seq DESC LIMIT 1"
        );
        self.db.query_opt(&sql, args![name, active.seq, current]).await?.as_ref().map(deployment).transpose()
    }

    /// Rolls `name` back to `target` (from [`History::rollback_target`]):
    /// marks every newer entry rolled back and appends `target`'s version.
    pub async fn rollback(&self, name: &str, target: &Deployment) -> Result<(), DbError> {
        let digest = target.version.as_ref().map(|version| version.digest.as_str());
        let mut tx = self.db.transaction().await?;
        tx.execute(
            "UPDATE plugin_deployments SET rolled_back = 1 WHERE name = ?1 AND seq > ?2",
            args![name, target.seq],
        )
        .await?;
        append(&mut tx, name, digest, &Source::Rollback).await?;
        tx.commit().await
    }
}

async fn append(conn: &mut Conn, name: &str, digest: Option<&str>, source: &Source) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO plugin_deployments (name, digest, source, path, at_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![name, digest, source.kind(), source.path(), now_ms()],
    )
    .await?;
    Ok(())
}

/// A [`Version`] from the `version`, `tools` and `bytes` columns of `row`,
/// starting at column `first`.
fn version_at(row: &Row, name: String, digest: String, first: usize) -> Result<Version, DbError> {
    let tools: String = row.get(first + 1)?;
    Ok(Version {
        name,
        version: row.get(first)?,
        digest,
        tools: serde_json::from_str(&tools).unwrap_or_default(),
        bytes: row.get::<i64>(first + 2)? as u64,
    })
}

fn deployment(row: &Row) -> Result<Deployment, DbError> {
    let name: String = row.get(1)?;
    let digest: Option<String> = row.get(5)?;
    let version = digest.map(|digest| version_at(row, name.clone(), digest, 6)).transpose()?;
    Ok(Deployment { seq: row.get(0)?, name, version, source: row.get(2)?, path: row.get(3)?, at_ms: row.get(4)? })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;

    fn version(name: &str, digest: &str) -> Version {
        Version {
            name: name.into(),
            version: format!("v-{digest}"),
            digest: digest.into(),
            tools: vec!["greet".into()],
            bytes: 10,
        }
    }

    async fn active_digest(history: &History<'_>, name: &str) -> Option<String> {
        history.active(name).await.unwrap().and_then(|entry| entry.version).map(|version| version.digest)
    }

    #[tokio::test]
    async fn rollback_walks_back_through_distinct_versions() {
        for store in each_backend().await {
            let db = store.db;
            let history = History::new(&db);
            for digest in ["a", "b", "b", "c"] {
                history.deploy(&version("p", digest), &Source::Registry).await.unwrap();
            }
            assert_eq!(active_digest(&history, "p").await.as_deref(), Some("c"));
            let target = history.rollback_target("p").await.unwrap().unwrap();
            history.rollback("p", &target).await.unwrap();
            assert_eq!(active_digest(&history, "p").await.as_deref(), Some("b"));
            let target = history.rollback_target("p").await.unwrap().unwrap();
            history.rollback("p", &target).await.unwrap();
            assert_eq!(active_digest(&history, "p").await.as_deref(), Some("a"));
            assert!(history.rollback_target("p").await.unwrap().is_none());
            assert_eq!(history.active("p").await.unwrap().unwrap().source, "rollback");
        }
    }

    #[tokio::test]
    async fn unload_hides_a_plugin_and_rollback_restores_it() {
        for store in each_backend().await {
            let db = store.db;
            let history = History::new(&db);
            history.deploy(&version("p", "a"), &Source::Directory("/plugins/p.wasm".into())).await.unwrap();
            history.deploy(&version("q", "b"), &Source::Registry).await.unwrap();
            history.unload("p", &Source::Registry).await.unwrap();
            let serving: Vec<_> = history.serving().await.unwrap().into_iter().map(|entry| entry.name).collect();
            assert_eq!(serving, ["q"]);
            let target = history.rollback_target("p").await.unwrap().unwrap();
            assert!(target.is_from_file(Path::new("/plugins/p.wasm")));
            history.rollback("p", &target).await.unwrap();
            assert_eq!(active_digest(&history, "p").await.as_deref(), Some("a"));
            assert_eq!(history.version("a").await.unwrap().map(|version| version.name).as_deref(), Some("p"));
            assert!(history.version("z").await.unwrap().is_none());
        }
    }
}
