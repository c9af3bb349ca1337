//! [`Artifacts`]: every plugin version ever deployed, stored by content
//! digest in `<data>/plugins/`, so a rollback or a restart never depends on
//! the file the version first came from.

use sha2::{Digest, Sha256};
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
    /// The stored bytes no longer hash to their name.
    #[error("plugin store {0}: the file is corrupt (its content does not match its digest)")]
    Corrupt(PathBuf),
}

/// Content-addressed component files.
#[derive(Debug, Clone)]
pub struct Artifacts {
    dir: PathBuf,
}

impl Artifacts {
    /// The store under `data_dir`, created readable by the owner only.
    pub fn open(data_dir: &Path) -> Result<Self, ArtifactError> {
        let dir = data_dir.join("plugins");
        crate::db::create_private_dir(&dir).map_err(|source| ArtifactError::Io { path: dir.clone(), source })?;
        Ok(Self { dir })
    }

    /// The hex SHA-256 of `bytes`, the name a version is stored under.
    pub fn digest(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// Stores `bytes` under `digest`, which must be [`Artifacts::digest`] of
    /// them. Written to a temporary file and renamed, so a crash never leaves
    /// a truncated version behind.
    pub fn put(&self, digest: &str, bytes: &[u8]) -> Result<(), ArtifactError> {
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

    /// The bytes stored under `digest`, checked against it.
    pub fn get(&self, digest: &str) -> Result<Vec<u8>, ArtifactError> {
        let path = self.path(digest);
        let bytes = std::fs::read(&path).map_err(|source| ArtifactError::Io { path: path.clone(), source })?;
        if Self::digest(&bytes) != digest {
            return Err(ArtifactError::Corrupt(path));
        }
        Ok(bytes)
    }

    fn path(&self, digest: &str) -> PathBuf {
        self.dir.join(format!("{digest}.wasm"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_by_digest_and_detects_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = Artifacts::open(dir.path()).unwrap();
        let digest = Artifacts::digest(b"component");
        store.put(&digest, b"component").unwrap();
        store.put(&digest, b"component").unwrap();
        assert_eq!(store.get(&digest).unwrap(), b"component");
        std::fs::write(store.path(&digest), b"tampered").unwrap();
        assert!(matches!(store.get(&digest), Err(ArtifactError::Corrupt(_))));
        assert!(matches!(store.get("00"), Err(ArtifactError::Io { .. })));
    }
}
