//! The compile cache: each component's compiled code on disk, keyed by the
//! SHA-256 of its bytes and by the engine's compatibility hash (wasmtime's
//! version, the target and every setting that shapes the code), so that a
//! restart, or a reload of an unchanged component, maps its code in instead
//! of compiling it again.
//!
//! An entry is wasmtime's own serialized form, uncompressed, loaded with
//! [`Component::deserialize_file`], which maps the file instead of reading,
//! decompressing and copying it. (wasmtime's built-in cache compresses with
//! zstd and hashes every component again; decompressing was most of a warm
//! start.) The directory is the host's own, created readable by the owner
//! only: whoever can write it can already replace the host's plugins, which
//! is why its files are loaded as they are. An entry that does not load (a
//! damaged file, another engine's) is compiled again and replaced.
//!
//! Beside its code, each entry keeps what the component declared when it
//! was first described (its manifest and tools, as JSON), so a restart need
//! not instantiate it to ask again. The answer is kept with a tag of the
//! host that got it (its version and every limit a load checks), and is
//! used only by a host with the same tag: one that would have got the same
//! answer, under the same limits. The declarations are checked again at
//! every load all the same.
//!
//! Files are written under a temporary name and renamed into place, so that
//! hosts and tests sharing one directory never read half a file. After each
//! write, the least recently used entries beyond [`MAX_BYTES`] are deleted.

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::hash::{Hash, Hasher};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;
use wasmtime::Engine;
use wasmtime::component::Component;

/// File name ending of a cache entry.
const ENTRY: &str = "cwasm";
/// File name ending of an entry's declarations.
const DECLARATIONS: &str = "json";

/// How much compiled code the cache keeps: a few dozen versions of large
/// (Python, JavaScript) plugins, a few hundred of the rest. Code compiled
/// again costs one slower load, so a bound that is never close suffices.
pub const MAX_BYTES: u64 = 4 << 30;

/// Compiled components on disk (see the module documentation).
#[derive(Debug)]
pub struct CompileCache {
    dir: PathBuf,
    /// The engine the code is for.
    engine: Engine,
    /// The engine's compatibility hash, as hex: part of every entry's name.
    engine_tag: String,
    max_bytes: u64,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl CompileCache {
    /// The cache in `dir` (created owner-only if missing) for code compiled
    /// by `engine`. A relative `dir` is taken from the working directory.
    pub fn open(dir: &Path, engine: &Engine) -> io::Result<Self> {
        let dir = std::path::absolute(dir)?;
        crate::db::create_private_dir(&dir)?;
        let mut tag = Sha256Hasher::default();
        engine.precompile_compatibility_hash().hash(&mut tag);
        let engine_tag = hex::encode(&tag.finish_bytes()[..12]);
        Ok(Self {
            dir,
            engine: engine.clone(),
            engine_tag,
            max_bytes: MAX_BYTES,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    /// The component whose SHA-256 is `digest` (hex): mapped in from the
    /// cache, or made by `compile` and then stored. A cache that cannot be
    /// written costs the next start a compile, never this load.
    #[allow(unsafe_code)] // Mapping in code only the host writes: see below.
    pub fn component<E>(&self, digest: &str, compile: impl FnOnce() -> Result<Component, E>) -> Result<Component, E> {
        let path = self.entry(digest, ENTRY);
        if path.exists() {
            // SAFETY: the file is wasmtime's serialization of a component,
            // written by this cache for an engine with this compatibility
            // hash (wasmtime checks it again), in a directory only the host
            // may write (see the module documentation).
            match unsafe { Component::deserialize_file(&self.engine, &path) } {
                Ok(component) => {
                    self.hits.fetch_add(1, Ordering::Relaxed);
                    // Its modification time is its last use, for eviction.
                    let _ = std::fs::File::options()
                        .write(true)
                        .open(&path)
                        .and_then(|file| file.set_modified(SystemTime::now()));
                    return Ok(component);
                }
                Err(error) => {
                    tracing::warn!(file = %path.display(), "compiling again: the cached code does not load: {error:#}")
                }
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let component = compile()?;
        if let Err(error) = component.serialize().and_then(|code| self.store(&path, &code).map_err(Into::into)) {
            tracing::warn!(dir = %self.dir.display(), "cannot write the compile cache: {error:#}");
        }
        Ok(component)
    }

    /// The cache's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What the component of `digest` declared when a host tagged `host`
    /// described it, if kept.
    pub fn declarations<T: DeserializeOwned>(&self, digest: &str, host: &str) -> Option<T> {
        let kept: Kept<T> = serde_json::from_slice(&std::fs::read(self.entry(digest, DECLARATIONS)).ok()?).ok()?;
        (kept.host == host).then_some(kept.declared)
    }

    /// Keeps what the component of `digest` declared to a host tagged
    /// `host`. Failing to costs the next start one instantiation, so it is
    /// only logged.
    pub fn keep_declarations<T: Serialize>(&self, digest: &str, host: &str, declared: T) {
        let kept = Kept { host: host.to_owned(), declared };
        let written = serde_json::to_vec(&kept).map_err(io::Error::other).and_then(|text| {
            let staged = tempfile::NamedTempFile::new_in(&self.dir)?;
            std::fs::write(staged.path(), text)?;
            staged.persist(self.entry(digest, DECLARATIONS)).map(drop).map_err(|error| error.error)
        });
        if let Err(error) = written {
            tracing::warn!(dir = %self.dir.display(), "cannot keep a plugin's declarations in the compile cache: {error}");
        }
    }

    /// The file of `digest`'s entry with `ending`.
    fn entry(&self, digest: &str, ending: &str) -> PathBuf {
        self.dir.join(format!("{digest}-{}.{ending}", self.engine_tag))
    }

    /// Hits and misses since the cache opened.
    pub fn counts(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }

    fn store(&self, path: &Path, code: &[u8]) -> io::Result<()> {
        let staged = tempfile::NamedTempFile::new_in(&self.dir)?;
        std::fs::write(staged.path(), code)?;
        staged.persist(path).map_err(|error| error.error)?;
        self.evict()
    }

    /// Deletes the least recently used entries until the rest fit in
    /// `max_bytes` ([`MAX_BYTES`]). Another host may delete the same file first; that is
    /// not an error.
    fn evict(&self) -> io::Result<()> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            if entry.path().extension().is_some_and(|ending| ending == ENTRY)
                && let Ok(metadata) = entry.metadata()
            {
                entries.push((metadata.modified().unwrap_or(SystemTime::UNIX_EPOCH), metadata.len(), entry.path()));
            }
        }
        entries.sort();
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            let _ = std::fs::remove_file(path.with_extension(DECLARATIONS));
            match std::fs::remove_file(&path) {
                Ok(()) => total -= len,
                Err(error) if error.kind() == io::ErrorKind::NotFound => total -= len,
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// Declarations as kept: with the tag of the host that got them.
#[derive(Serialize, serde::Deserialize)]
struct Kept<T> {
    host: String,
    declared: T,
}

/// A [`Hasher`] that feeds SHA-256, so that a value's hash is the same in
/// every build and every process (the standard library's is not promised to
/// be).
#[derive(Default)]
struct Sha256Hasher(sha2::Sha256);

impl Sha256Hasher {
    fn finish_bytes(self) -> [u8; 32] {
        sha2::Digest::finalize(self.0).into()
    }
}

impl Hasher for Sha256Hasher {
    fn finish(&self) -> u64 {
        let digest: [u8; 32] = sha2::Digest::finalize(self.0.clone()).into();
        u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"))
    }

    fn write(&mut self, bytes: &[u8]) {
        sha2::Digest::update(&mut self.0, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component: the header alone.
    const EMPTY: &[u8] = b"\0asm\x0d\x00\x01\x00";

    #[test]
    fn entries_are_reused_and_the_least_recently_used_go_first() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let mut cache = CompileCache::open(dir.path(), &engine).unwrap();
        cache.component("a", || Component::new(&engine, EMPTY)).unwrap();
        let tag = cache.engine_tag.clone();
        let entry = |digest: &str| dir.path().join(format!("{digest}-{tag}.{ENTRY}"));
        let one = std::fs::metadata(entry("a")).unwrap().len();
        cache.component("a", || Component::new(&engine, EMPTY)).unwrap();
        assert_eq!(cache.counts(), (1, 1), "the second load came from the cache");

        cache.max_bytes = 2 * one;
        cache.component("b", || Component::new(&engine, EMPTY)).unwrap();
        cache.keep_declarations("b", "host", ["declared"]);
        assert_eq!(cache.declarations::<Vec<String>>("b", "host"), Some(vec!["declared".to_owned()]));
        assert_eq!(cache.declarations::<Vec<String>>("b", "other"), None, "another host asks again");
        assert_eq!(cache.declarations::<Vec<String>>("a", "host"), None, "nothing was kept for `a`");
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache.component("a", || Component::new(&engine, EMPTY)).unwrap();
        cache.component("c", || Component::new(&engine, EMPTY)).unwrap();
        assert!(entry("a").exists() && entry("c").exists(), "the recently used stay");
        assert!(!entry("b").exists(), "the least recently used went");
        assert_eq!(cache.declarations::<Vec<String>>("b", "host"), None, "and its declarations with it");

        std::fs::write(entry("c"), b"damaged").unwrap();
        cache.component("c", || Component::new(&engine, EMPTY)).expect("a damaged entry is compiled again");
        assert_ne!(std::fs::read(entry("c")).unwrap(), b"damaged", "and replaced");
    }
}
