//! [`Artifacts`]: every plugin version ever deployed, stored by content
//! digest in `<data>/plugins/`, so a rollback or a restart never depends on
//! the file the version first came from.

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
    /// The component to store could not be read.
    #[error(transparent)]
    Unreadable(#[from] WasmError),
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

    /// Stores `wasm` under its digest, reading it only if that version is
    /// not stored yet. Written to a temporary file and renamed, so a crash
    /// never leaves a truncated version behind.
    pub fn put(&self, wasm: &Wasm) -> Result<(), ArtifactError> {
        let path = self.path(wasm.digest());
        if path.exists() {
            return Ok(());
        }
        let bytes = wasm.bytes()?;
        let io = |source| ArtifactError::Io { path: path.clone(), source };
        let mut staged = tempfile::NamedTempFile::new_in(&self.dir).map_err(io)?;
        staged.write_all(&bytes).map_err(io)?;
        staged.as_file().sync_all().map_err(io)?;
        staged.persist(&path).map_err(|error| io(error.error))?;
        Ok(())
    }

    /// The version stored under `digest`. It is read only if its bytes are
    /// needed (its compiled code is not cached), and then checked against
    /// the digest, so a damaged file is refused, never run.
    pub fn get(&self, digest: &str) -> Result<Wasm, ArtifactError> {
        let path = self.path(digest);
        let metadata = std::fs::metadata(&path).map_err(|source| ArtifactError::Io { path: path.clone(), source })?;
        Ok(Wasm::known_file(&path, metadata.len(), digest.to_owned()))
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
        let wasm = Wasm::from(&b"component"[..]);
        store.put(&wasm).unwrap();
        store.put(&wasm).unwrap();
        assert_eq!(&*store.get(wasm.digest()).unwrap().bytes().unwrap(), b"component");
        std::fs::write(store.path(wasm.digest()), b"tampered").unwrap();
        let tampered = store.get(wasm.digest()).unwrap();
        assert!(matches!(tampered.bytes(), Err(WasmError::Changed(_))));
        assert!(matches!(store.get("00"), Err(ArtifactError::Io { .. })));
    }
}
