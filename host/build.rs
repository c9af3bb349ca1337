//! Builds every guest component, so that a plain `cargo build` yields both
//! the `berth` binary and the components it serves:
//!
//! - the Rust crates (plugins under `plugins/` that have a `Cargo.toml`, and
//!   the test fixtures under `tests/fixtures/`), for `wasm32-wasip2` by a
//!   nested cargo with its own target directory (the outer cargo holds the
//!   lock on ours);
//! - the Python plugins ([`PYTHON_PLUGINS`]) with componentize-py, each
//!   with the Python SDK (`sdk/python/berth_sdk`), from one toolchain
//!   installed from `sdk/python/requirements.txt` into a venv under the
//!   target directory;
//! - the JavaScript plugins ([`JS_PLUGINS`]) with jco's QuickJS backend,
//!   from one toolchain that `npm ci` installs into `sdk/js/node_modules`
//!   from `sdk/js/package-lock.json`.
//!
//! The resulting paths are baked into the binary as `BERTH_BUNDLED_PLUGINS`
//! and `BERTH_TEST_FIXTURES`. Set `BERTH_SKIP_GUEST_BUILD` to build the host
//! alone.

use std::collections::hash_map::DefaultHasher;
use std::ffi::OsStr;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::{env, fs};

const GUEST_TARGET: &str = "wasm32-wasip2";

/// A plugin written in a language other than Rust.
struct ForeignPlugin {
    /// Its directory, relative to the workspace root.
    dir: &'static str,
    /// The name it is bundled under (`<name>.wasm`): its plugin name.
    name: &'static str,
    /// The world of `wit/berth.wit` it targets.
    world: &'static str,
}

/// The Python plugins, each built from its `app.py` and the other modules
/// directly in its directory, with the SDK beside them.
const PYTHON_PLUGINS: &[ForeignPlugin] = &[
    ForeignPlugin { dir: "plugins/hello-python", name: "hellopy", world: "adapter" },
    ForeignPlugin { dir: "plugins/opsramp", name: "opsramp", world: "ticket-adapter" },
];

/// Where the Python SDK and the pin of the one toolchain every Python
/// plugin is built with (`requirements.txt`) live.
const PYTHON_SDK: &str = "sdk/python";

/// The SDK's package, under [`PYTHON_SDK`]: staged beside each plugin's
/// modules.
const PYTHON_SDK_PACKAGE: &str = "berth_sdk";

/// The JavaScript plugins, each built from its `app.js` (which may import
/// modules beside it and `sdk/js/berth.js`).
const JS_PLUGINS: &[ForeignPlugin] = &[
    ForeignPlugin { dir: "plugins/hello-js", name: "hellojs", world: "adapter" },
    ForeignPlugin { dir: "plugins/zendesk", name: "zendesk", world: "ticket-event-adapter" },
];

/// Where the JavaScript SDK and the one toolchain every JS plugin is built
/// with live: `package.json` and `package-lock.json` pin jco, and `npm ci`
/// installs it into `node_modules` there.
const JS_SDK: &str = "sdk/js";

/// What a JavaScript plugin's directory holds that is not part of the
/// component: an install of node packages, and unit tests for `node --test`.
const JS_NOT_SOURCES: &[&str] = &["node_modules", "tests"];

/// A cargo crate that builds a guest component.
struct Crate {
    name: String,
    dir: PathBuf,
}

fn main() {
    let host_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = host_dir.parent().expect("host/ sits in the workspace root").to_path_buf();
    let plugin_crates = guest_crates(&root.join("plugins"));
    let fixture_crates = guest_crates(&root.join("tests/fixtures"));
    watch_sources(&root, &plugin_crates);

    let guest_dir =
        env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target")).join("guest");
    let bundled = guest_dir.join("bundled");
    let fixtures = guest_dir.join("fixtures");
    println!("cargo:rustc-env=BERTH_BUNDLED_PLUGINS={}", bundled.display());
    println!("cargo:rustc-env=BERTH_TEST_FIXTURES={}", fixtures.display());
    if env::var_os("BERTH_SKIP_GUEST_BUILD").is_some() {
        return;
    }

    let built = build_rust_guests(&root, &guest_dir, plugin_crates.iter().chain(&fixture_crates));
    install(&built, &plugin_crates, &bundled);
    install(&built, &fixture_crates, &fixtures);
    for plugin in PYTHON_PLUGINS {
        let python = build_python_plugin(&root, plugin, &guest_dir.join("python"));
        copy_component(&python, &bundled, plugin.name);
    }
    for plugin in JS_PLUGINS {
        let js = build_js_plugin(&root, plugin, &guest_dir.join("js").join(plugin.name));
        copy_component(&js, &bundled, plugin.name);
    }
}

/// Tells cargo what the guests are built from. The Rust crates are watched
/// whole; the Python plugins and `sdk/python` by their source files (unit
/// tests leave `__pycache__` beside them), and the JS plugins and `sdk/js`
/// file by file without `node_modules`, because `npm ci` fills
/// `sdk/js/node_modules` during the build and would otherwise make every
/// build look stale (a watched directory is scanned whole).
fn watch_sources(root: &Path, plugin_crates: &[Crate]) {
    for watched in ["tests/fixtures", "wit", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let sdk = root.join("sdk");
    let sdk_entries = fs::read_dir(&sdk).map(|entries| entries.flatten().map(|entry| entry.path()).collect());
    for entry in sdk_entries.unwrap_or_else(|_| vec![sdk]) {
        if entry != root.join(JS_SDK) && entry != root.join(PYTHON_SDK) {
            println!("cargo:rerun-if-changed={}", entry.display());
        }
    }
    for plugin in plugin_crates {
        println!("cargo:rerun-if-changed={}", plugin.dir.display());
    }
    let js_sources = JS_PLUGINS.iter().flat_map(|plugin| js_sources(&root.join(plugin.dir)));
    let python_sources = PYTHON_PLUGINS.iter().flat_map(|plugin| top_level_files(&root.join(plugin.dir)));
    for file in python_sources.chain(js_sources).chain(python_sdk_sources(root)) {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    for file in top_level_files(&root.join(JS_SDK)) {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    println!("cargo:rerun-if-env-changed=BERTH_SKIP_GUEST_BUILD");
}

/// Builds `crates` for [`GUEST_TARGET`] with a nested cargo whose target
/// directory is `guest_dir`; returns where the components are.
fn build_rust_guests<'a>(root: &Path, guest_dir: &Path, crates: impl Iterator<Item = &'a Crate>) -> PathBuf {
    ensure_target_installed();
    let mut cargo = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cargo
        .current_dir(root)
        .args(["build", "--release", "--locked", "--target", GUEST_TARGET, "--target-dir"])
        .arg(guest_dir);
    for guest in crates {
        cargo.args(["-p", &guest.name]);
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
    guest_dir.join(GUEST_TARGET).join("release")
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

/// The cargo crates directly under `dir` (directories with a `Cargo.toml`;
/// plugins in other languages sit beside them), sorted by package name.
fn guest_crates(dir: &Path) -> Vec<Crate> {
    let mut crates: Vec<Crate> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|entry| entry.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .filter_map(|dir| Some(Crate { name: package_name(&fs::read_to_string(dir.join("Cargo.toml")).ok()?)?, dir }))
        .collect();
    crates.sort_by(|a, b| a.name.cmp(&b.name));
    crates
}

/// The `name` in a manifest's `[package]` table.
fn package_name(manifest: &str) -> Option<String> {
    let table: toml::Table = manifest.parse().ok()?;
    Some(table.get("package")?.get("name")?.as_str()?.to_owned())
}

/// Copies each crate's component into `dest` as `<crate>.wasm`, replacing
/// what an earlier build left there.
fn install(built: &Path, crates: &[Crate], dest: &Path) {
    let _ = fs::remove_dir_all(dest);
    fs::create_dir_all(dest).expect("create guest output dir");
    for guest in crates {
        let file = format!("{}.wasm", guest.name.replace('-', "_"));
        fs::copy(built.join(&file), dest.join(format!("{}.wasm", guest.name)))
            .unwrap_or_else(|error| panic!("copying {file}: {error}"));
    }
}

/// The files of the Python SDK a plugin is built with: the toolchain's pin
/// and the package's modules.
fn python_sdk_sources(root: &Path) -> Vec<PathBuf> {
    let sdk = root.join(PYTHON_SDK);
    let mut files = vec![sdk.join("requirements.txt")];
    files.extend(python_modules(&sdk.join(PYTHON_SDK_PACKAGE)));
    files
}

/// The `.py` files directly in `dir`, sorted.
fn python_modules(dir: &Path) -> Vec<PathBuf> {
    top_level_files(dir).into_iter().filter(|file| file.extension() == Some(OsStr::new("py"))).collect()
}

/// Builds Python plugin `plugin` with componentize-py, working in
/// `python/<name>` (staged sources, component) with the toolchain in
/// `python/venv`; returns the component's path. Skipped when neither the
/// plugin's files, the SDK nor `wit` changed since the last build, because
/// componentize-py takes half a minute.
fn build_python_plugin(root: &Path, plugin: &ForeignPlugin, python: &Path) -> PathBuf {
    let (source, wit) = (root.join(plugin.dir), root.join("wit"));
    let work = python.join(plugin.name);
    let component = work.join("plugin.wasm");
    let mut inputs = top_level_files(&source);
    inputs.extend(python_sdk_sources(root));
    inputs.extend(top_level_files(&wit));
    let inputs = {
        let mut hasher = DefaultHasher::new();
        (fingerprint(&inputs), plugin.world).hash(&mut hasher);
        hasher.finish()
    };
    if is_fresh(&work, "plugin", inputs) && component.is_file() {
        return component;
    }
    let venv = python.join("venv");
    install_componentize_py(&venv, &root.join(PYTHON_SDK).join("requirements.txt"));
    // componentize-py writes `__pycache__` next to the modules it imports,
    // so it works on a copy and the source tree stays clean.
    let staged = work.join("src");
    let package = staged.join(PYTHON_SDK_PACKAGE);
    let _ = fs::remove_dir_all(&staged);
    fs::create_dir_all(&package).expect("create the Python staging dir");
    let sdk_modules = python_modules(&root.join(PYTHON_SDK).join(PYTHON_SDK_PACKAGE));
    let stage = python_modules(&source)
        .into_iter()
        .map(|file| (file, &staged))
        .chain(sdk_modules.into_iter().map(|file| (file, &package)));
    for (file, dest) in stage {
        fs::copy(&file, dest.join(file.file_name().expect("a file"))).expect("stage a Python source");
    }
    run(
        Command::new(venv.join("bin/componentize-py"))
            .current_dir(&staged)
            // Only the venv's packages may end up in the component, not
            // those of whatever environment the developer has activated.
            .env("VIRTUAL_ENV", &venv)
            .arg("--wit-path")
            .arg(&wit)
            .args(["--world", plugin.world, "--quiet", "componentize", "app", "--python-path", "."])
            .arg("--output")
            .arg(&component),
        &format!("componentize-py (building {})", plugin.dir),
    );
    mark_fresh(&work, "plugin", inputs);
    component
}

/// Installs the componentize-py that `requirements` pins into a venv at
/// `venv`, unless it holds an install of the current pin already.
fn install_componentize_py(venv: &Path, requirements: &Path) {
    let pin = fingerprint(&[requirements]);
    if is_fresh(venv, "berth-pip-install", pin) && venv.join("bin/componentize-py").is_file() {
        return;
    }
    if !venv.join("bin/pip").is_file() {
        require_tool(
            "python3",
            &["--version"],
            "Python 3 (with its venv module) is needed to build the Python plugins",
        );
        run(
            Command::new("python3").args(["-m", "venv"]).arg(venv),
            "python3 -m venv (on Debian, `apt-get install python3-venv` provides it)",
        );
    }
    run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(requirements),
        "pip install -r sdk/python/requirements.txt",
    );
    mark_fresh(venv, "berth-pip-install", pin);
}

/// Builds JavaScript plugin `plugin` with jco from the toolchain in
/// [`JS_SDK`], working in `work`; returns the component's path. Skipped when
/// neither the plugin's sources, `sdk/js` (the SDK and the toolchain's pins)
/// nor `wit` changed since the last build.
fn build_js_plugin(root: &Path, plugin: &ForeignPlugin, work: &Path) -> PathBuf {
    let source = root.join(plugin.dir);
    let (sdk, wit) = (root.join(JS_SDK), root.join("wit"));
    let component = work.join("plugin.wasm");
    let mut inputs = js_sources(&source);
    inputs.extend(top_level_files(&sdk));
    inputs.extend(top_level_files(&wit));
    let inputs = {
        let mut hasher = DefaultHasher::new();
        (fingerprint(&inputs), plugin.world).hash(&mut hasher);
        hasher.finish()
    };
    if is_fresh(work, "plugin", inputs) && component.is_file() {
        return component;
    }
    let jco = npm_ci(&sdk);
    fs::create_dir_all(work).expect("create the JS work dir");
    run(
        Command::new(jco)
            .current_dir(&source)
            .args(["componentize", "app.js", "--wit"])
            .arg(&wit)
            .args(["--world-name", plugin.world, "--backend", "qjs", "--backend-qjs-disable-async"])
            // `--bundle` puts the modules app.js imports (berth.js among
            // them) into the component; bundle.config.js keeps the
            // `berth:plugin/*` imports out of the bundle.
            .args(["--bundle", "--bundle-config", "bundle.config.js", "--out"])
            .arg(&component),
        &format!("jco componentize (building {})", plugin.dir),
    );
    mark_fresh(work, "plugin", inputs);
    component
}

/// Installs the pinned toolchain into `sdk/node_modules` (`sdk` being
/// [`JS_SDK`]), unless it holds an install of the current lock file already
/// (`npm ci` always starts from scratch and takes half a minute); returns
/// the `jco` it installed. The stamp lives in `node_modules`, which every
/// target directory shares and `npm ci` wipes.
fn npm_ci(sdk: &Path) -> PathBuf {
    let modules = sdk.join("node_modules");
    let jco = modules.join(".bin/jco");
    let lock = fingerprint(&[sdk.join("package.json"), sdk.join("package-lock.json")]);
    if is_fresh(&modules, ".berth-npm-ci", lock) && jco.exists() {
        return jco;
    }
    require_tool("npm", &["--version"], "Node.js with npm is needed to build the JavaScript plugins");
    run(Command::new("npm").current_dir(sdk).args(["ci", "--no-audit", "--no-fund"]), "npm ci in sdk/js");
    mark_fresh(&modules, ".berth-npm-ci", lock);
    jco
}

/// Fails the build with `why` unless `tool args` runs.
fn require_tool(tool: &str, args: &[&str], why: &str) {
    let found = Command::new(tool).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
    if !matches!(found, Ok(status) if status.success()) {
        panic!(
            "`{tool}` was not found on PATH. {why}. Install it, or set BERTH_SKIP_GUEST_BUILD=1 to build the host \
             without any plugins."
        );
    }
}

/// Runs `command`, failing the build with `what` if it does not succeed. The
/// command's output goes to stderr: a build script's stdout is for cargo.
fn run(command: &mut Command, what: &str) {
    let status =
        command.stdout(std::io::stderr()).status().unwrap_or_else(|error| panic!("could not start {what}: {error}"));
    if !status.success() {
        panic!("{what} failed ({status}); see the output above");
    }
}

/// Copies `component` into `dest` as `<name>.wasm`.
fn copy_component(component: &Path, dest: &Path, name: &str) {
    fs::copy(component, dest.join(format!("{name}.wasm")))
        .unwrap_or_else(|error| panic!("copying {}: {error}", component.display()));
}

/// The regular files directly in `dir`, sorted. Subdirectories such as
/// `node_modules` or `__pycache__` are tools' output, not sources.
fn top_level_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|entry| entry.path()).filter(|path| path.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// The files a JavaScript plugin is built from: every file under `dir`
/// except in [`JS_NOT_SOURCES`] and hidden directories, sorted.
fn js_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = top_level_files(dir);
    let mut subdirs: Vec<PathBuf> = fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|entry| entry.path()).filter(|path| path.is_dir()).collect())
        .unwrap_or_default();
    subdirs.retain(|subdir| {
        let name = subdir.file_name().and_then(OsStr::to_str).unwrap_or_default();
        !name.starts_with('.') && !JS_NOT_SOURCES.contains(&name)
    });
    subdirs.sort();
    for subdir in subdirs {
        files.extend(js_sources(&subdir));
    }
    files
}

/// A hash of the names and contents of the files directly in each of `paths`
/// (or of the file itself), to tell whether a build's inputs changed.
fn fingerprint(paths: &[impl AsRef<Path>]) -> u64 {
    let mut hasher = DefaultHasher::new();
    for path in paths {
        let path = path.as_ref();
        let files = if path.is_dir() { top_level_files(path) } else { vec![path.to_path_buf()] };
        for file in files {
            file.file_name().hash(&mut hasher);
            fs::read(&file).unwrap_or_default().hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// Whether step `step` last succeeded in `work` with inputs `inputs`
/// (recorded in `work/<step>.stamp`).
fn is_fresh(work: &Path, step: &str, inputs: u64) -> bool {
    fs::read_to_string(work.join(format!("{step}.stamp"))).is_ok_and(|stamp| stamp == inputs.to_string())
}

/// Records that step `step` succeeded in `work` with inputs `inputs`.
fn mark_fresh(work: &Path, step: &str, inputs: u64) {
    fs::create_dir_all(work).expect("create a guest work dir");
    fs::write(work.join(format!("{step}.stamp")), inputs.to_string()).expect("write a build stamp");
}
