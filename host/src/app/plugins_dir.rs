//! [`PluginDir`]: the watched plugins directory. Each `*.wasm` file in it is
//! a plugin: a new file loads, a changed file upgrades, a removed file
//! unloads. Any change rescans the whole directory after it has been quiet
//! for [`SETTLE`], so a file copied in over several writes loads once, whole.

use super::App;
use crate::lifecycle::{Deployment, History, LifecycleError, Source};
use crate::metrics::ReloadEvent;
use crate::runtime::{LoadedPlugin, Wasm};
use futures::StreamExt;
use notify::{RecursiveMode, Watcher};
use std::collections::BTreeMap;
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
    /// At start-up: plugins that served before the restart and do not now,
    /// with why.
    pub missing: Vec<(String, String)>,
}

/// A changed file, validated, waiting to be served once no other file
/// claims its plugin.
struct Candidate {
    path: PathBuf,
    wasm: Wasm,
    plugin: LoadedPlugin,
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
        let served_before =
            if startup { History::new(&app.db).serving().await.unwrap_or_default() } else { Vec::new() };
        let mut changed = Vec::new();
        for path in &files {
            let outcome = if path.extension().and_then(|ext| ext.to_str()) == Some("wasm") {
                self.consider(app, path, startup).await.map(|found| changed.extend(found))
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
        // The changed files are validated a few at a time, one per core:
        // their compiles and checks (on the blocking pool) share the cores
        // instead of queueing behind the largest, and no more run at once
        // than there are cores. The outcomes come back in file order.
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let validated: Vec<_> = futures::stream::iter(changed.into_iter().map(|(path, wasm)| async move {
            let outcome = app.validate(&wasm, &Source::Directory(path.clone())).await;
            (path, wasm, outcome)
        }))
        .buffered(cores)
        .collect()
        .await;
        let mut candidates = Vec::new();
        for (path, wasm, outcome) in validated {
            match outcome {
                Ok(plugin) => candidates.push(Candidate { path, wasm, plugin }),
                Err(error) => {
                    tracing::error!(file = %path.display(), "plugin not loaded: {error}");
                    report.failed.push((path, error.to_string()));
                }
            }
        }
        self.settle_claims(app, candidates, &files, startup, &mut report).await;
        let gone: Vec<PathBuf> = self.seen.keys().filter(|path| !files.contains(path)).cloned().collect();
        for path in gone {
            if let Some(plugin) = self.seen.remove(&path).and_then(|seen| seen.plugin) {
                self.unload_if_from(app, &plugin, &path, &mut report).await;
            }
        }
        if startup {
            self.unload_vanished(app, &mut report).await;
            report.missing = missing(app, &served_before, &report);
            for (plugin, why) in &report.missing {
                tracing::warn!(plugin, "served before this restart and does not now: {why}");
            }
        }
        Ok(report)
    }

    /// Serves each candidate whose plugin no other file claims. Files that
    /// claim the same plugin are refused together, naming each other, and
    /// whatever serves keeps serving; at start-up the file the plugin served
    /// from before keeps it. A refused file is looked at again at the next
    /// scan, so removing the others lets it load.
    async fn settle_claims(
        &mut self,
        app: &App,
        candidates: Vec<Candidate>,
        files: &[PathBuf],
        startup: bool,
        report: &mut ScanReport,
    ) {
        let mut by_name: BTreeMap<String, Vec<Candidate>> = BTreeMap::new();
        for candidate in candidates {
            by_name.entry(candidate.plugin.name().to_owned()).or_default().push(candidate);
        }
        for (name, group) in by_name {
            let mut claimers: Vec<PathBuf> = self
                .seen
                .iter()
                .filter(|(path, seen)| seen.plugin.as_deref() == Some(&*name) && files.contains(*path))
                .filter(|(path, _)| !group.iter().any(|candidate| &candidate.path == *path))
                .map(|(path, _)| path.clone())
                .collect();
            claimers.extend(group.iter().map(|candidate| candidate.path.clone()));
            let active = History::new(&app.db).active(&name).await.ok().flatten();
            let keep = match claimers.len() {
                1 => Some(0),
                _ if startup => group.iter().position(|candidate| {
                    active.as_ref().is_some_and(|entry| {
                        entry.is_from_file(&candidate.path)
                            && entry.version.as_ref().is_some_and(|version| version.digest == candidate.plugin.digest)
                    })
                }),
                _ => None,
            };
            let files = claimers.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ");
            for (index, candidate) in group.into_iter().enumerate() {
                if Some(index) == keep {
                    self.install(app, candidate, active.as_ref(), report).await;
                    continue;
                }
                let reason = LifecycleError::Conflict { name: name.clone(), files: files.clone() }.to_string();
                tracing::error!(file = %candidate.path.display(), "plugin not loaded: {reason}");
                app.metrics.reload(&name, ReloadEvent::Rejected);
                self.seen.remove(&candidate.path);
                report.failed.push((candidate.path, reason));
            }
        }
    }

    /// Serves `candidate`, the only file claiming its plugin; `active` is
    /// the plugin's deployment before.
    async fn install(&mut self, app: &App, candidate: Candidate, active: Option<&Deployment>, report: &mut ScanReport) {
        let Candidate { path, wasm, plugin } = candidate;
        if let Some(before) = active.filter(|entry| entry.source == "directory" && !entry.is_from_file(&path)) {
            let before = before.path.clone().unwrap_or_default();
            if Path::new(&before).parent() != Some(self.dir.as_path()) {
                tracing::warn!(
                    plugin = %plugin.name(), before, now = %path.display(),
                    "the plugin served from another plugins directory before; the current one wins over the stored history"
                );
            }
        }
        match app.install(plugin, &wasm, Source::Directory(path.clone())).await {
            Ok(deployed) => {
                report.loaded.push(format!("{}@{}", deployed.plugin.name, deployed.plugin.version));
                if let Some(seen) = self.seen.get_mut(&path) {
                    seen.plugin = Some(deployed.plugin.name);
                }
            }
            Err(error) => {
                tracing::error!(file = %path.display(), "plugin not loaded: {error}");
                report.failed.push((path, error.to_string()));
            }
        }
    }

    /// Looks at `path`: the component to validate if the file changed since
    /// the last scan and is not superseded.
    async fn consider(&mut self, app: &App, path: &Path, startup: bool) -> Result<Option<(PathBuf, Wasm)>, String> {
        let metadata = std::fs::metadata(path).map_err(|error| format!("cannot read: {error}"))?;
        let modified = metadata.modified().ok();
        if let Some(seen) = self.seen.get(path)
            && seen.modified == modified
            && seen.len == metadata.len()
        {
            return Ok(None);
        }
        let wasm = app.runtime.open_file(path).await.map_err(|error| error.to_string())?;
        let digest = wasm.digest().to_owned();
        let previous =
            self.seen.insert(path.to_owned(), Seen { modified, len: wasm.len(), digest: digest.clone(), plugin: None });
        if let Some(previous) = previous.filter(|previous| previous.digest == digest) {
            self.seen.get_mut(path).expect("just inserted").plugin = previous.plugin;
            return Ok(None);
        }
        if startup && let Some(plugin) = superseded(app, &digest, modified).await.map_err(|error| error.to_string())? {
            tracing::info!(
                file = %path.display(), plugin,
                "keeping the version deployed after this file was last changed"
            );
            self.seen.get_mut(path).expect("just inserted").plugin = Some(plugin);
            return Ok(None);
        }
        Ok(Some((path.to_owned(), wasm)))
    }

    /// Unloads `plugin` if its serving version still comes from `path`.
    async fn unload_if_from(&self, app: &App, plugin: &str, path: &Path, report: &mut ScanReport) {
        let from_here =
            History::new(&app.db).active(plugin).await.ok().flatten().is_some_and(|entry| entry.is_from_file(path));
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
        let serving = match History::new(&app.db).serving().await {
            Ok(serving) => serving,
            Err(error) => return tracing::error!("cannot read the plugin history: {error}"),
        };
        for entry in serving.into_iter().filter(|entry| entry.source == "directory") {
            let path = PathBuf::from(entry.path.clone().unwrap_or_default());
            if self.seen.contains_key(&path) {
                continue;
            }
            let source = Source::Directory(path.clone());
            match app.catalog().unload(&entry.name, &source).await {
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

/// The plugins of `served_before` that do not serve now, each with why.
fn missing(app: &App, served_before: &[Deployment], report: &ScanReport) -> Vec<(String, String)> {
    served_before
        .iter()
        .filter(|entry| app.plugins.get(&entry.name).is_none())
        .map(|entry| {
            let from = entry.path.clone().unwrap_or_else(|| entry.source.clone());
            let why = if report.unloaded.contains(&entry.name) {
                format!("its file {from} is not in the plugins directory")
            } else if let Some((path, reason)) = report.failed.iter().find(|(path, reason)| {
                path.display().to_string() == from || reason.contains(&format!("plugin `{}`", entry.name))
            }) {
                format!("{} was refused: {reason}", path.display())
            } else {
                format!("it served from {from}, which did not load (see the errors above)")
            };
            (entry.name.clone(), why)
        })
        .collect()
}

/// Changes to the plugins directory, recorded since [`PluginDir::watch`].
pub struct Changes {
    _watcher: notify::RecommendedWatcher,
    received: tokio::sync::mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
}

/// The plugin a file's version belongs to, if that version was deployed
/// before and its plugin has since moved to another version deployed after
/// the file was last modified.
async fn superseded(app: &App, digest: &str, modified: Option<SystemTime>) -> Result<Option<String>, LifecycleError> {
    let history = History::new(&app.db);
    let Some(version) = history.version(digest).await? else { return Ok(None) };
    let Some(active) = history.active(&version.name).await? else { return Ok(None) };
    let active_digest = active.version.as_ref().map(|version| version.digest.as_str());
    let modified_ms = modified
        .and_then(|time| time.duration_since(UNIX_EPOCH).ok())
        .map_or(i64::MAX, |since| since.as_millis() as i64);
    Ok((active_digest != Some(digest) && active.at_ms >= modified_ms).then_some(version.name))
}
