//! [`Wasm`]: a component to load, as bytes in memory or as a file, with its
//! SHA-256 computed at most once.
//!
//! A restart with a warm compile cache needs neither a component's bytes
//! (its code is mapped in from the cache by digest) nor their hash (the
//! plugins directory remembers the digest of every unchanged file; see
//! [`FileDigests`](super::file_digests::FileDigests)). Reading and hashing a
//! 20 MB Python plugin was most of a warm start, so a file's bytes are read
//! only when something needs them: a compile, or the first copy into the
//! plugin store.

use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Why a component's bytes could not be had.
#[derive(Debug, thiserror::Error)]
pub enum WasmError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file no longer holds the bytes it was known by: it changed since
    /// it was hashed, or it is damaged.
    #[error("{0} does not hold the component it is known by (its SHA-256 differs): it changed or is damaged")]
    Changed(PathBuf),
}

/// A component: cheap to clone, hashed once (see the module documentation).
#[derive(Debug, Clone)]
pub struct Wasm(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    digest: OnceLock<String>,
    len: u64,
    held: Held,
}

#[derive(Debug)]
enum Held {
    Bytes(Vec<u8>),
    /// A file whose digest was known without reading it.
    File(PathBuf),
}

impl Wasm {
    /// The file at `path`, `len` bytes long, known to hash to `digest`.
    pub(crate) fn known_file(path: &Path, len: u64, digest: String) -> Self {
        Self(Arc::new(Inner { digest: OnceLock::from(digest), len, held: Held::File(path.to_owned()) }))
    }

    /// The hex SHA-256 of the bytes, computed on first use. For a large
    /// component that is milliseconds of CPU: first ask off the async
    /// workers (as [`Runtime::load`](super::Runtime::load) does).
    pub fn digest(&self) -> &str {
        self.0.digest.get_or_init(|| match &self.0.held {
            Held::Bytes(bytes) => digest_of(bytes),
            Held::File(_) => unreachable!("a file is only ever held with its digest"),
        })
    }

    /// Size in bytes.
    pub fn len(&self) -> u64 {
        self.0.len
    }

    /// Whether it has no bytes at all (no component is empty).
    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// Whether the bytes were read into memory (tests of what is read).
    #[cfg(test)]
    pub(crate) fn in_memory(&self) -> bool {
        matches!(self.0.held, Held::Bytes(_))
    }

    /// The bytes: those held, or the file's, read now and checked against
    /// the digest it is known by.
    pub fn bytes(&self) -> Result<Cow<'_, [u8]>, WasmError> {
        match &self.0.held {
            Held::Bytes(bytes) => Ok(Cow::Borrowed(bytes)),
            Held::File(path) => {
                let bytes = std::fs::read(path).map_err(|source| WasmError::Read { path: path.clone(), source })?;
                if digest_of(&bytes) != self.digest() {
                    return Err(WasmError::Changed(path.clone()));
                }
                Ok(Cow::Owned(bytes))
            }
        }
    }
}

impl From<Vec<u8>> for Wasm {
    fn from(bytes: Vec<u8>) -> Self {
        Self(Arc::new(Inner { digest: OnceLock::new(), len: bytes.len() as u64, held: Held::Bytes(bytes) }))
    }
}

impl From<&[u8]> for Wasm {
    fn from(bytes: &[u8]) -> Self {
        bytes.to_vec().into()
    }
}

impl From<&Vec<u8>> for Wasm {
    fn from(bytes: &Vec<u8>) -> Self {
        bytes.as_slice().into()
    }
}

/// The hex SHA-256 of `bytes`: a component's digest.
pub fn digest_of(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_file_is_read_only_when_asked_and_must_still_match() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.wasm");
        std::fs::write(&path, b"component").unwrap();
        let wasm = Wasm::known_file(&path, 9, digest_of(b"component"));
        assert_eq!(wasm.digest(), Wasm::from(&b"component"[..]).digest());
        assert_eq!(&*wasm.bytes().unwrap(), b"component");
        std::fs::write(&path, b"replaced!").unwrap();
        assert!(matches!(wasm.bytes(), Err(WasmError::Changed(_))), "a changed file is not taken for the known one");
    }
}
