//! [`FileDigests`]: the digest of each plugin file as last hashed, kept with
//! what the file system said about the file then, so that a start (or a
//! rescan) reads and hashes only the files that changed.
//!
//! A file is taken as unchanged when its device, inode, size, modification
//! time and status-change time are all the same. Any write changes the
//! status-change time, which no unprivileged process can set back. A write
//! within the same tick of a coarse file-system clock could keep all five,
//! so a digest is remembered only for a file last changed at least
//! [`SETTLED`] before it was read, and only if nothing changed while it was
//! read (as git does for its index).
//!
//! Entries live beside the compile cache, one small JSON file per plugin
//! path, and are a cache too: a lost or damaged entry costs one hash. Entries
//! unused for [`UNUSED`] are deleted whenever a new one is written.

use super::wasm::{Wasm, WasmError, digest_of};
use serde::{Deserialize, Serialize};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long before it is read a file must have last changed for its digest
/// to be remembered: longer than any file system's timestamp granularity.
pub const SETTLED: Duration = Duration::from_secs(2);

/// How long an entry may go unused before it is deleted.
pub const UNUSED: Duration = Duration::from_secs(30 * 24 * 3600);

/// What the file system says about a file, which any write changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Fingerprint {
    dev: u64,
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Fingerprint {
    fn of(metadata: &std::fs::Metadata) -> Self {
        Self {
            dev: metadata.dev(),
            ino: metadata.ino(),
            len: metadata.len(),
            mtime: (metadata.mtime(), metadata.mtime_nsec()),
            ctime: (metadata.ctime(), metadata.ctime_nsec()),
        }
    }

    /// Whether the file last changed at least [`SETTLED`] before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let changed = std::time::UNIX_EPOCH + Duration::new(self.ctime.0.max(0) as u64, self.ctime.1 as u32);
        now.duration_since(changed).is_ok_and(|age| age >= SETTLED)
    }
}

/// One remembered file.
#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    path: PathBuf,
    fingerprint: Fingerprint,
    digest: String,
}

/// Remembered plugin-file digests (see the module documentation).
#[derive(Debug)]
pub struct FileDigests {
    dir: PathBuf,
}

impl FileDigests {
    /// The entries in `dir`, created owner-only if missing.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        crate::db::create_private_dir(dir)?;
        Ok(Self { dir: dir.to_owned() })
    }

    /// The component in the file at `path`: known by its remembered digest
    /// if the file is unchanged, otherwise read and hashed now.
    pub fn open_file(&self, path: &Path) -> Result<Wasm, WasmError> {
        self.open_file_at(path, SystemTime::now())
    }

    /// [`open_file`](Self::open_file) with `now` the time before the file
    /// is looked at: a file is settled if it last changed [`SETTLED`] before.
    fn open_file_at(&self, path: &Path, now: SystemTime) -> Result<Wasm, WasmError> {
        let read_error = |source| WasmError::Read { path: path.to_owned(), source };
        let before = Fingerprint::of(&std::fs::metadata(path).map_err(read_error)?);
        let entry_path = self.dir.join(format!("{}.json", digest_of(path.as_os_str().as_encoded_bytes())));
        if let Some(entry) = std::fs::read(&entry_path)
            .ok()
            .and_then(|text| serde_json::from_slice::<Entry>(&text).ok())
            .filter(|entry| entry.path == path && entry.fingerprint == before)
        {
            // Its modification time is its last use, for pruning.
            let _ = std::fs::File::options()
                .write(true)
                .open(&entry_path)
                .and_then(|file| file.set_modified(SystemTime::now()));
            return Ok(Wasm::known_file(path, before.len, entry.digest));
        }
        let wasm = Wasm::from(std::fs::read(path).map_err(read_error)?);
        let after = std::fs::metadata(path).map(|metadata| Fingerprint::of(&metadata));
        if after.is_ok_and(|after| after == before) && before.settled(now) {
            let entry = Entry { path: path.to_owned(), fingerprint: before, digest: wasm.digest().to_owned() };
            if let Err(error) = self.remember(&entry_path, &entry) {
                tracing::debug!(dir = %self.dir.display(), "cannot remember a plugin file's digest: {error}");
            }
        }
        Ok(wasm)
    }

    /// Writes `entry` (under a temporary name, then renamed) and deletes
    /// entries unused for [`UNUSED`].
    fn remember(&self, entry_path: &Path, entry: &Entry) -> std::io::Result<()> {
        let staged = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::fs::write(staged.path(), serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
        staged.persist(entry_path).map_err(|error| error.error)?;
        let now = SystemTime::now();
        for found in std::fs::read_dir(&self.dir)?.flatten() {
            let unused = found
                .metadata()
                .and_then(|metadata| metadata.modified())
                .is_ok_and(|used| now.duration_since(used).is_ok_and(|age| age > UNUSED));
            if unused {
                let _ = std::fs::remove_file(found.path());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_settled_file_is_remembered_and_then_not_read_again_until_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let digests = FileDigests::open(&dir.path().join("files")).unwrap();
        let path = dir.path().join("p.wasm");
        std::fs::write(&path, b"component one").unwrap();
        let entries = || std::fs::read_dir(dir.path().join("files")).unwrap().count();

        let fresh = digests.open_file(&path).unwrap();
        assert_eq!(fresh.digest(), digest_of(b"component one"));
        assert_eq!(entries(), 0, "a file changed just now is not remembered");

        let later = SystemTime::now() + SETTLED * 2;
        digests.open_file_at(&path, later).unwrap();
        assert_eq!(entries(), 1, "a settled file is remembered");
        let known = digests.open_file_at(&path, later).unwrap();
        assert_eq!(known.digest(), digest_of(b"component one"));
        assert!(!known.in_memory(), "and not read again");

        // The same length and modification time: only the status-change
        // time tells this write apart.
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(&path, b"component two").unwrap();
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
        let changed = digests.open_file_at(&path, later).unwrap();
        assert_eq!(changed.digest(), digest_of(b"component two"), "a write is seen");
    }

    #[test]
    fn a_remembered_digest_serves_only_the_same_file_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let digests = FileDigests::open(&dir.path().join("files")).unwrap();
        let path = dir.path().join("p.wasm");
        std::fs::write(&path, b"component one").unwrap();
        let fingerprint = Fingerprint::of(&std::fs::metadata(&path).unwrap());
        let entry_path = digests.dir.join(format!("{}.json", digest_of(path.as_os_str().as_encoded_bytes())));
        // A digest the bytes do not have shows whether the file was read.
        let entry = Entry { path: path.clone(), fingerprint, digest: "remembered".into() };
        digests.remember(&entry_path, &entry).unwrap();
        let known = digests.open_file(&path).unwrap();
        assert_eq!(known.digest(), "remembered");
        assert!(matches!(known.bytes(), Err(WasmError::Changed(_))), "reading it checks the digest");

        let other = dir.path().join("q.wasm");
        std::fs::copy(&path, &other).unwrap();
        std::fs::rename(&other, &path).unwrap();
        let replaced = digests.open_file(&path).unwrap();
        assert_eq!(replaced.digest(), digest_of(b"component one"), "another file under the same name is read");
    }
}
