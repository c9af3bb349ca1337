//! `berth plugin new`: a working plugin project in Rust, Python or
//! JavaScript, with the WIT contract, a sample tool, a build script and a
//! test that runs the built component through the host.

use crate::policy::manifest::check_plugin_name;
use std::path::{Path, PathBuf};

/// Languages a project can be generated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// Rust on `berth-sdk`, built with cargo for `wasm32-wasip2`.
    Rust,
    /// Python, built with componentize-py.
    Python,
    /// JavaScript, built with jco's QuickJS backend.
    JavaScript,
}

/// Why no project was generated.
#[derive(Debug, thiserror::Error)]
pub enum ScaffoldError {
    /// The name breaks the plugin naming rule.
    #[error(transparent)]
    Name(#[from] crate::policy::manifest::ManifestError),
    /// The target directory exists and is not empty.
    #[error("{0} already exists and is not empty; choose another --dir")]
    Exists(PathBuf),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// One file of a template: its path in the project, its text, the literal
/// renames that turn an example into the new plugin, and whether it is a
/// script. After the renames, `{{placeholders}}` are filled.
struct TemplateFile {
    path: &'static str,
    text: &'static str,
    renames: &'static [(&'static str, &'static str)],
    executable: bool,
}

impl TemplateFile {
    const fn new(path: &'static str, text: &'static str) -> Self {
        Self { path, text, renames: &[], executable: false }
    }

    const fn script(path: &'static str, text: &'static str) -> Self {
        Self { path, text, renames: &[], executable: true }
    }

    const fn renaming(
        path: &'static str,
        text: &'static str,
        renames: &'static [(&'static str, &'static str)],
    ) -> Self {
        Self { path, text, renames, executable: false }
    }
}

const WIT: &str = include_str!("../../wit/berth.wit");
const TEST_SCRIPT: TemplateFile = TemplateFile::script("test.sh", include_str!("../templates/common/test.sh"));

const RUST: &[TemplateFile] = &[
    TemplateFile::new("Cargo.toml", include_str!("../templates/rust/Cargo.toml")),
    TemplateFile::new("src/lib.rs", include_str!("../templates/rust/src/lib.rs")),
    TemplateFile::script("build.sh", include_str!("../templates/rust/build.sh")),
    TemplateFile::new(".gitignore", include_str!("../templates/rust/.gitignore")),
    // The versions Berth itself was built and tested with; cargo drops the
    // entries the plugin does not use on its first build.
    TemplateFile::new("Cargo.lock", include_str!("../../Cargo.lock")),
];

// The Python and JavaScript templates are the bundled hello examples
// themselves, renamed, so the template is always a plugin CI has tested.
const PYTHON: &[TemplateFile] = &[
    TemplateFile::renaming(
        "app.py",
        include_str!("../../plugins/hello-python/app.py"),
        &[
            ("hellopy", "{{name}}"),
            ("(sdk/python/berth_sdk)", "(a copy of sdk/python/berth_sdk)"),
            ("pinned in sdk/python/requirements.txt", "pinned in requirements.txt"),
            (" -p ../../sdk/python -o {{name}}.wasm", " -o {{name}}.wasm"),
            ("-d ../../wit", "-d wit"),
            ("`cargo build` does this for you (host/build.rs).", "`./build.sh` does it, into dist/."),
        ],
    ),
    // The toolchain every bundled Python plugin is built with, and the SDK
    // itself: the project builds with the same versions.
    TemplateFile::new("requirements.txt", include_str!("../../sdk/python/requirements.txt")),
    TemplateFile::new("berth_sdk/__init__.py", include_str!("../../sdk/python/berth_sdk/__init__.py")),
    TemplateFile::new("berth_sdk/cache.py", include_str!("../../sdk/python/berth_sdk/cache.py")),
    TemplateFile::new("berth_sdk/config.py", include_str!("../../sdk/python/berth_sdk/config.py")),
    TemplateFile::new("berth_sdk/content.py", include_str!("../../sdk/python/berth_sdk/content.py")),
    TemplateFile::new("berth_sdk/errors.py", include_str!("../../sdk/python/berth_sdk/errors.py")),
    TemplateFile::new("berth_sdk/host.py", include_str!("../../sdk/python/berth_sdk/host.py")),
    TemplateFile::new("berth_sdk/http.py", include_str!("../../sdk/python/berth_sdk/http.py")),
    TemplateFile::new("berth_sdk/log.py", include_str!("../../sdk/python/berth_sdk/log.py")),
    TemplateFile::new("berth_sdk/manifest.py", include_str!("../../sdk/python/berth_sdk/manifest.py")),
    TemplateFile::new("berth_sdk/plugin.py", include_str!("../../sdk/python/berth_sdk/plugin.py")),
    TemplateFile::new("berth_sdk/testing.py", include_str!("../../sdk/python/berth_sdk/testing.py")),
    TemplateFile::new("berth_sdk/ticketing.py", include_str!("../../sdk/python/berth_sdk/ticketing.py")),
    TemplateFile::new("berth_sdk/tools.py", include_str!("../../sdk/python/berth_sdk/tools.py")),
    TemplateFile::new("berth_sdk/wit_exports.py", include_str!("../../sdk/python/berth_sdk/wit_exports.py")),
    TemplateFile::new("berth_sdk/wit_host.py", include_str!("../../sdk/python/berth_sdk/wit_host.py")),
    TemplateFile::new("berth_sdk/wit_ticketing.py", include_str!("../../sdk/python/berth_sdk/wit_ticketing.py")),
    TemplateFile::script("build.sh", include_str!("../templates/python/build.sh")),
    TemplateFile::new(".gitignore", include_str!("../templates/python/.gitignore")),
];

/// What `sdk/js/package.json` says of itself, reworded for a plugin project.
const JS_SDK_DESCRIPTION: &str =
    "Berth's JavaScript SDK and the pinned toolchain that builds every JavaScript plugin: jco with its QuickJS backend";

const JAVASCRIPT: &[TemplateFile] = &[
    TemplateFile::renaming(
        "app.js",
        include_str!("../../plugins/hello-js/app.js"),
        &[
            ("hellojs", "{{name}}"),
            ("../../sdk/js/berth.js", "./berth.js"),
            ("(sdk/js/berth.js)", "(a copy of sdk/js/berth.js)"),
            (
                "`cargo build` does it (host/build.rs), with the jco pinned in\n// sdk/js/package-lock.json.",
                "`./build.sh` does it (into dist/), with the jco pinned in\n// package-lock.json.",
            ),
        ],
    ),
    TemplateFile::new("berth.js", include_str!("../../sdk/js/berth.js")),
    TemplateFile::new("bundle.config.js", include_str!("../../plugins/hello-js/bundle.config.js")),
    // The toolchain every bundled JS plugin is built with, pinned in
    // sdk/js: the project installs the same versions.
    TemplateFile::renaming(
        "package.json",
        include_str!("../../sdk/js/package.json"),
        &[
            ("berth-js-sdk", "{{name}}"),
            (JS_SDK_DESCRIPTION, "{{description}} A Berth plugin built with jco's QuickJS backend"),
        ],
    ),
    TemplateFile::renaming(
        "package-lock.json",
        include_str!("../../sdk/js/package-lock.json"),
        &[("berth-js-sdk", "{{name}}")],
    ),
    TemplateFile::new(".npmrc", include_str!("../../sdk/js/.npmrc")),
    TemplateFile::script("build.sh", include_str!("../templates/js/build.sh")),
    TemplateFile::new(".gitignore", include_str!("../templates/js/.gitignore")),
];

/// The SDK the Rust template depends on: the one this host was built with.
const SDK_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../sdk");

/// Writes a new plugin project called `name` in `language` into `dir` and
/// returns the list of files written.
pub fn new_project(name: &str, language: Language, dir: &Path) -> Result<Vec<PathBuf>, ScaffoldError> {
    check_plugin_name(name)?;
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ScaffoldError::Io { path, source }
    };
    if dir.read_dir().is_ok_and(|mut entries| entries.next().is_some()) {
        return Err(ScaffoldError::Exists(dir.to_owned()));
    }
    let sdk = std::fs::canonicalize(SDK_PATH).unwrap_or_else(|_| PathBuf::from(SDK_PATH));
    let values = [
        ("name", name.to_owned()),
        ("type_name", type_name(name)),
        ("crate_file", name.replace('-', "_")),
        ("description", format!("The {name} plugin.")),
        ("sdk_path", sdk.display().to_string()),
    ];
    let files = match language {
        Language::Rust => RUST,
        Language::Python => PYTHON,
        Language::JavaScript => JAVASCRIPT,
    };
    let mut written = Vec::new();
    for file in files.iter().chain([&TEST_SCRIPT]) {
        let path = dir.join(file.path);
        let renamed = file.renames.iter().fold(file.text.to_owned(), |text, (from, to)| text.replace(from, to));
        write(&path, &fill(&renamed, &values), file.executable).map_err(io(&path))?;
        written.push(path);
    }
    let wit = dir.join("wit/berth.wit");
    write(&wit, WIT, false).map_err(io(&wit))?;
    written.push(wit);
    Ok(written)
}

fn write(path: &Path, text: &str, executable: bool) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)?;
    #[cfg(unix)]
    if executable {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    }
    Ok(())
}

/// `text` with every `{{key}}` replaced by its value.
fn fill(text: &str, values: &[(&str, String)]) -> String {
    values.iter().fold(text.to_owned(), |text, (key, value)| text.replace(&format!("{{{{{key}}}}}"), value))
}

/// `my-plugin` → `MyPlugin`.
fn type_name(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_every_placeholder_and_refuses_bad_names_and_full_dirs() {
        let dir = tempfile::tempdir().unwrap();
        let project = dir.path().join("my-tool");
        let files = new_project("my-tool", Language::Rust, &project).unwrap();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            assert!(!text.contains("{{"), "{} still has a placeholder", file.display());
        }
        let lib = std::fs::read_to_string(project.join("src/lib.rs")).unwrap();
        assert!(lib.contains("struct MyTool;") && lib.contains("\"my-tool\""), "{lib}");
        assert!(matches!(new_project("my-tool", Language::Rust, &project), Err(ScaffoldError::Exists(_))));
        assert!(matches!(new_project("My_Tool", Language::Rust, &dir.path().join("x")), Err(ScaffoldError::Name(_))));
    }

    #[test]
    fn the_python_template_carries_the_sdk_and_speaks_of_the_project() {
        let dir = tempfile::tempdir().unwrap();
        new_project("my-tool", Language::Python, dir.path()).unwrap();
        let app = std::fs::read_to_string(dir.path().join("app.py")).unwrap();
        assert!(app.contains("name=\"my-tool\"") && app.contains("`./build.sh` does it"), "{app}");
        assert!(!app.contains("host/build.rs") && !app.contains("../../") && !app.contains("hellopy"), "{app}");
        assert!(dir.path().join("berth_sdk/plugin.py").is_file() && dir.path().join("berth_sdk/testing.py").is_file());
    }

    #[test]
    fn the_javascript_template_speaks_of_the_project_not_of_this_repository() {
        let dir = tempfile::tempdir().unwrap();
        new_project("my-tool", Language::JavaScript, dir.path()).unwrap();
        let read = |file: &str| std::fs::read_to_string(dir.path().join(file)).unwrap();
        let app = read("app.js");
        assert!(app.contains("from './berth.js'") && app.contains("`./build.sh` does it"), "{app}");
        assert!(!app.contains("host/build.rs") && !app.contains("../../"), "{app}");
        for file in ["package.json", "package-lock.json"] {
            let text = read(file);
            assert!(text.contains("\"name\": \"my-tool\"") && !text.contains("berth-js-sdk"), "{file}: {text}");
        }
        assert!(read("package.json").contains("The my-tool plugin."));
    }
}
