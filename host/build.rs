//! Builds every guest crate (the bundled plugins under `plugins/` and the test
//! fixtures under `tests/fixtures/`) for `wasm32-wasip2`, so that a plain
//! `cargo build` yields both the `berth` binary and the components it serves.
//!
//! A nested cargo with its own target directory does the work (the outer
//! cargo holds the lock on ours). The resulting paths are baked into the
//! binary as `BERTH_BUNDLED_PLUGINS` and `BERTH_TEST_FIXTURES`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

const GUEST_TARGET: &str = "wasm32-wasip2";

fn main() {
    let host_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = host_dir.parent().expect("host/ sits in the workspace root").to_path_buf();
    for watched in ["plugins", "tests/fixtures", "sdk", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=BERTH_SKIP_GUEST_BUILD");

    let target_dir =
        env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target")).join("guest");
    let bundled = target_dir.join("bundled");
    let fixtures = target_dir.join("fixtures");
    println!("cargo:rustc-env=BERTH_BUNDLED_PLUGINS={}", bundled.display());
    println!("cargo:rustc-env=BERTH_TEST_FIXTURES={}", fixtures.display());
    if env::var_os("BERTH_SKIP_GUEST_BUILD").is_some() {
        return;
    }

    ensure_target_installed();
    let plugin_crates = guest_crates(&root.join("plugins"));
    let fixture_crates = guest_crates(&root.join("tests/fixtures"));
    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(&root)
        .args(["build", "--release", "--locked", "--target", GUEST_TARGET, "--target-dir"])
        .arg(&target_dir);
    for name in plugin_crates.iter().chain(&fixture_crates) {
        cargo.args(["-p", name]);
    }
    // Settings meant for the host build must not leak into the guest build.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cargo.env_remove(var);
    }
    let status = cargo.status().expect("could not run cargo for the guest build");
    if !status.success() {
        panic!(
            "building the plugins for {GUEST_TARGET} failed (see above). \
             If the target is missing, run `rustup target add {GUEST_TARGET}`."
        );
    }
    let built = target_dir.join(GUEST_TARGET).join("release");
    install(&built, &plugin_crates, &bundled);
    install(&built, &fixture_crates, &fixtures);
}

/// Installs the guest target through rustup when the toolchain lacks it, so
/// that a fresh checkout builds with `cargo build` alone.
fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(rustc).args(["--print", "sysroot"]).output().ok();
    let installed = sysroot
        .map(|output| {
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
                .join("lib/rustlib")
                .join(GUEST_TARGET)
                .exists()
        })
        .unwrap_or(false);
    if !installed {
        println!("cargo:warning=installing the {GUEST_TARGET} target with rustup (needed to build the plugins)");
        let _ = Command::new("rustup").args(["target", "add", GUEST_TARGET]).status();
    }
}

/// Package names of the cargo crates directly under `dir`, sorted.
fn guest_crates(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|entry| entry.path().join("Cargo.toml")).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|manifest| package_name(&fs::read_to_string(manifest).ok()?))
        .collect();
    names.sort();
    names
}

/// The `name` in a manifest's `[package]` table.
fn package_name(manifest: &str) -> Option<String> {
    let table: toml::Table = manifest.parse().ok()?;
    Some(table.get("package")?.get("name")?.as_str()?.to_owned())
}

/// Copies each crate's component into `dest` as `<crate>.wasm`, replacing
/// what an earlier build left there.
fn install(built: &Path, crates: &[String], dest: &Path) {
    let _ = fs::remove_dir_all(dest);
    fs::create_dir_all(dest).expect("create guest output dir");
    for name in crates {
        let file = format!("{}.wasm", name.replace('-', "_"));
        fs::copy(built.join(&file), dest.join(format!("{name}.wasm")))
            .unwrap_or_else(|error| panic!("copying {file}: {error}"));
    }
}
