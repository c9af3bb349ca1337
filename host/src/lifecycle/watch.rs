//! [`PluginDir`]: the watched plugins directory. Each `*.wasm` file in it is
//! a plugin: a new file loads, a changed file upgrades, a removed file
//! unloads. Any change rescans the whole directory after it has been quiet
//! for [`SETTLE`], so a file copied in over several writes loads once, whole.

use super::{History, LifecycleError, Source};
use crate::app::App;
use crate::lifecycle::Artifacts;
use notify::{RecursiveMode, Watcher};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Weak;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long the directory must be quiet before a rescan. Copying a large
/// component takes several writes; each restarts the wait.
pub const SETTLE: Duration = Duration::from_millis(150);

/// What a scan did.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Plugins loaded or upgraded, as `name@version`.
    pub loaded: Vec<String>,
    /// Files refused, with the reason.
    pub failed: Vec<(PathBuf, String)>,
    /// Plugins unloaded because their file is gone.
    pub unloaded: Vec<String>,
}

/// A file as last scanned.
#[derive(Debug, Clone)]
struct Seen {
    modified: Option<SystemTime>,
    len: u64,
    digest: String,
    /// The plugin it provides, once it loaded.
    plugin: Option<String>,
}

/// The plugins directory and what its files were at the last scan.
#[derive(Debug)]
pub struct PluginDir {
    dir: PathBuf,
    seen: HashMap<PathBuf, Seen>,
}

impl PluginDir {
    /// The directory `dir`, not yet scanned.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir, seen: HashMap::new() }
    }

    /// Brings the serving plugins in line with the directory's files.
    ///
    /// At start-up a file whose version was deployed before but has since
    /// been replaced (by the admin API or a rollback) does not override the
    /// newer choice unless the file itself changed after it; and a plugin
    /// whose file vanished while the host was down is unloaded.
    pub async fn scan(&mut self, app: &App, startup: bool) -> std::io::Result<ScanReport> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        let mut report = ScanReport::default();
        for path in &files {
            let outcome = if path.extension().and_then(|ext| ext.to_str()) == Some("wasm") {
                self.consider(app, path, startup, &mut report).await
            } else if startup {
                Err("not a .wasm file; only components named *.wasm belong in the plugins directory".to_owned())
            } else {
                // Editors and copy tools write temporary files while a host
                // runs; those are not plugins and not mistakes.
                Ok(())
            };
            if let Err(reason) = outcome {
                tracing::error!(file = %path.display(), "plugin not loaded: {reason}");
                report.failed.push((path.clone(), reason));
            }
        }
        let gone: Vec<PathBuf> = self.seen.keys().filter(|path| !files.contains(path)).cloned().collect();
        for path in gone {
            if let Some(plugin) = self.seen.remove(&path).and_then(|seen| seen.plugin) {
                self.unload_if_from(app, &plugin, &path, &mut report).await;
            }
        }
        if startup {
            self.unload_vanished(app, &mut report).await;
        }
        Ok(report)
    }

    /// Loads `path` if it changed since the last scan.
    async fn consider(&mut self, app: &App, path: &Path, startup: bool, report: &mut ScanReport) -> Result<(), String> {
        let metadata = std::fs::metadata(path).map_err(|error| format!("cannot read: {error}"))?;
        let modified = metadata.modified().ok();
        if let Some(seen) = self.seen.get(path)
            && seen.modified == modified
            && seen.len == metadata.len()
        {
            return Ok(());
        }
        let bytes = std::fs::read(path).map_err(|error| format!("cannot read: {error}"))?;
        let digest = Artifacts::digest(&bytes);
        let previous = self
            .seen
            .insert(path.to_owned(), Seen { modified, len: bytes.len() as u64, digest: digest.clone(), plugin: None });
        if let Some(previous) = previous.filter(|previous| previous.digest == digest) {
            self.seen.get_mut(path).expect("just inserted").plugin = previous.plugin;
            return Ok(());
        }
        if startup && let Some(plugin) = superseded(app, &digest, modified).map_err(|error| error.to_string())? {
            tracing::info!(
                file = %path.display(), plugin,
                "keeping the version deployed after this file was last changed"
            );
            self.seen.get_mut(path).expect("just inserted").plugin = Some(plugin);
            return Ok(());
        }
        let (info, _) =
            app.deploy(&bytes, Source::Directory(path.to_owned())).await.map_err(|error| error.to_string())?;
        report.loaded.push(format!("{}@{}", info.name, info.version));
        self.seen.get_mut(path).expect("just inserted").plugin = Some(info.name);
        Ok(())
    }

    /// Unloads `plugin` if its serving version still comes from `path`.
    async fn unload_if_from(&self, app: &App, plugin: &str, path: &Path, report: &mut ScanReport) {
        let from_here =
            History::new(&app.db).active(plugin).ok().flatten().is_some_and(|entry| entry.is_from_file(path));
        if !from_here {
            return;
        }
        match app.unload(plugin, Source::Directory(path.to_owned())).await {
            Ok(()) | Err(LifecycleError::NotLoaded(_)) => report.unloaded.push(plugin.to_owned()),
            Err(error) => tracing::error!(plugin, "could not unload after {} was removed: {error}", path.display()),
        }
    }

    /// At start-up: records the unload of plugins whose serving version came
    /// from a file that is no longer there.
    async fn unload_vanished(&self, app: &App, report: &mut ScanReport) {
        let serving = match History::new(&app.db).serving() {
            Ok(serving) => serving,
            Err(error) => return tracing::error!("cannot read the plugin history: {error}"),
        };
        for entry in serving.into_iter().filter(|entry| entry.source == "directory") {
            let path = PathBuf::from(entry.path.clone().unwrap_or_default());
            if self.seen.contains_key(&path) {
                continue;
            }
            let source = Source::Directory(path.clone());
            match app.catalog().unload(&entry.name, &source) {
                Ok(()) => {
                    tracing::info!(plugin = %entry.name, file = %path.display(), "unloaded: its file is gone");
                    report.unloaded.push(entry.name);
                }
                Err(error) => tracing::error!(plugin = %entry.name, "cannot record unload: {error}"),
            }
        }
    }

    /// Starts recording changes to the directory. Call it before the first
    /// [`scan`](Self::scan), so that no change between that scan and
    /// [`follow`](Self::follow) goes unseen.
    pub fn watch(&self) -> notify::Result<Changes> {
        let (events, received) = tokio::sync::mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
            let _ = events.send(event);
        })?;
        watcher.watch(&self.dir, RecursiveMode::NonRecursive)?;
        Ok(Changes { _watcher: watcher, received })
    }

    /// Applies `changes` until `app` is dropped, rescanning after every
    /// burst of them.
    pub async fn follow(mut self, mut changes: Changes, app: Weak<App>) {
        tracing::info!(dir = %self.dir.display(), "watching for plugin changes");
        while let Some(event) = changes.received.recv().await {
            if let Err(error) = event {
                tracing::warn!("plugin directory watch: {error}");
            }
            // Let the burst settle: every further event restarts the wait.
            loop {
                match tokio::time::timeout(SETTLE, changes.received.recv()).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let Some(app) = app.upgrade() else { return };
            if let Err(error) = self.scan(&app, false).await {
                tracing::error!(dir = %self.dir.display(), "cannot scan the plugins directory: {error}");
            }
        }
    }
}

/// Changes to the plugins directory, recorded since [`PluginDir::watch`].
pub struct Changes {
    _watcher: notify::RecommendedWatcher,
    received: tokio::sync::mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
}

/// The plugin a file's version belongs to, if that version was deployed
/// before and its plugin has since moved to another version deployed after
/// the file was last modified.
fn superseded(app: &App, digest: &str, modified: Option<SystemTime>) -> Result<Option<String>, LifecycleError> {
    let history = History::new(&app.db);
    let Some(version) = history.version(digest)? else { return Ok(None) };
    let Some(active) = history.active(&version.name)? else { return Ok(None) };
    let active_digest = active.version.as_ref().map(|version| version.digest.as_str());
    let modified_ms = modified
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(i64::MAX, |since| since.as_millis() as i64);
    Ok((active_digest != Some(digest) && active.at_ms >= modified_ms).then_some(version.name))
}
