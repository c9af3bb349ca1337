//! [`Artifacts`]: every plugin version ever deployed, stored by content
//! digest in `<data>/plugins/`, so a rollback or a restart never depends on
//! the file the version first came from.
//!
//! On a shared store (PostgreSQL) each component is also kept in the store
//! itself, since replicas do not share a data directory: a version any
//! replica deployed is fetched from there by the others the first time they
//! need it, into their own `<data>/plugins/`, which is then a cache. The
//! embedded store keeps components as files only, as it always has: its
//! database sits in the same directory.

use crate::args;
use crate::db::{Database, DbError};
use crate::runtime::{Wasm, WasmError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Why an artifact could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The file system failed.
    #[error("plugin store {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The stored file is not the version it should be.
    #[error(transparent)]
    Unreadable(#[from] WasmError),
    /// The shared store failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No replica ever stored the version.
    #[error("plugin version {0} is in the history but its component was never stored")]
    Missing(String),
}

/// The component store.
#[derive(Clone)]
pub struct Artifacts {
    dir: PathBuf,
    /// The shared store, which holds every component too; `None` when the
    /// files are the store.
    shared: Option<Database>,
}

impl Artifacts {
    /// The store in `<data_dir>/plugins/` (created, owner-only), backed by
    /// `db` when that is shared.
    pub fn open(data_dir: &Path, db: &Database) -> Result<Self, ArtifactError> {
        let dir = data_dir.join("plugins");
        crate::db::create_private_dir(&dir).map_err(|source| ArtifactError::Io { path: dir.clone(), source })?;
        Ok(Self { dir, shared: db.is_shared().then(|| db.clone()) })
    }

    /// Stores `wasm` under its digest; storing it again is a no-op.
    /// Returns whether the store did not have it yet.
    pub async fn put(&self, wasm: &Wasm) -> Result<bool, ArtifactError> {
        let exists = self.path(wasm.digest()).exists();
        if self.shared.is_none() && exists {
            return Ok(false);
        }
        let bytes = wasm.bytes()?;
        let mut new = !exists;
        if let Some(db) = &self.shared {
            new = db
                .execute(
                    "INSERT INTO plugin_artifacts (digest, wasm) VALUES (?1, ?2) ON CONFLICT (digest) DO NOTHING",
                    args![wasm.digest(), bytes.to_vec()],
                )
                .await?
                > 0;
        }
        self.write_file(wasm.digest(), &bytes)?;
        Ok(new)
    }

    /// The component stored under `digest`, checked against it when read.
    /// A digest that is not one (64 hex digits) names nothing: the history
    /// it came from is in the database, which is not trusted to name files.
    pub async fn get(&self, digest: &str) -> Result<Wasm, ArtifactError> {
        if digest.len() != 64 || !digest.bytes().all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte)) {
            return Err(ArtifactError::Missing(digest.to_owned()));
        }
        let path = self.path(digest);
        if let (Some(db), false) = (&self.shared, path.exists()) {
            let row = db.query_opt("SELECT wasm FROM plugin_artifacts WHERE digest = ?1", args![digest]).await?;
            let bytes: Vec<u8> = row.ok_or_else(|| ArtifactError::Missing(digest.to_owned()))?.get(0)?;
            // Never written under a digest it does not have.
            if crate::runtime::digest_of(&bytes) != digest {
                return Err(WasmError::Changed(path).into());
            }
            self.write_file(digest, &bytes)?;
        }
        let metadata = std::fs::metadata(&path).map_err(|source| ArtifactError::Io { path: path.clone(), source })?;
        Ok(Wasm::known_file(&path, metadata.len(), digest.to_owned()))
    }

    /// Writes `bytes` to `digest`'s file, atomically, unless it exists.
    fn write_file(&self, digest: &str, bytes: &[u8]) -> Result<(), ArtifactError> {
        let path = self.path(digest);
        if path.exists() {
            return Ok(());
        }
        let io = |source| ArtifactError::Io { path: path.clone(), source };
        let mut staged = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        staged.write_all(bytes).map_err(io)?;
        staged.as_file().sync_all().map_err(io)?;
        staged.persist(&path).map_err(|error| io(error.error))?;
        Ok(())
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}.wasm"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::each_backend;

    #[tokio::test]
    async fn stores_by_digest_and_detects_corruption() {
        for backend in each_backend().await {
            let store = Artifacts::open(backend.dir.path(), &backend.db).unwrap();
            let wasm = Wasm::from(&b"component"[..]);
            store.put(&wasm).await.unwrap();
            store.put(&wasm).await.unwrap();
            assert_eq!(&*store.get(wasm.digest()).await.unwrap().bytes().unwrap(), b"component");
            std::fs::write(store.path(wasm.digest()), b"tampered").unwrap();
            let tampered = store.get(wasm.digest()).await.unwrap();
            assert!(matches!(tampered.bytes(), Err(WasmError::Changed(_))), "{}", backend.name);
            assert!(store.get("00").await.is_err(), "{}", backend.name);
        }
    }

    #[tokio::test]
    async fn another_replica_gets_a_component_from_the_shared_store() {
        let deployer = crate::db::testing::postgres().await;
        let wasm = Wasm::from(&b"component"[..]);
        Artifacts::open(deployer.dir.path(), &deployer.db).unwrap().put(&wasm).await.unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let replica = Artifacts::open(elsewhere.path(), &deployer.another_process().await).unwrap();
        assert_eq!(&*replica.get(wasm.digest()).await.unwrap().bytes().unwrap(), b"component");
        assert!(matches!(replica.get("00").await, Err(ArtifactError::Missing(_))));
    }
}
