//! `berth plugin new`: every generated project builds and passes its own
//! test, which runs the component through this host.

use crate::support::{BERTH, COMPILE_CACHE, berth};

/// Generates a `lang` project and runs its `test.sh`; returns the output.
fn generate_and_test(lang: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join(format!("sample-{lang}"));
    let name = format!("sample-{lang}");
    let created = berth().args(["plugin", "new", &name, "--lang", lang, "--dir"]).arg(&project).output().unwrap();
    assert!(created.status.success(), "plugin new: {}", String::from_utf8_lossy(&created.stderr));
    for expected in ["wit/berth.wit", "build.sh", "test.sh"] {
        assert!(project.join(expected).exists(), "the project has {expected}");
    }
    // Reuse the toolchains the build installed for the bundled examples, so
    // the test needs no second download.
    let guest = std::path::Path::new(env!("BERTH_BUNDLED_PLUGINS")).parent().unwrap();
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let tested = std::process::Command::new(project.join("test.sh"))
        .env("BERTH", BERTH)
        .env("COMPONENTIZE_PY", guest.join("python/venv/bin/componentize-py"))
        .env("JCO", workspace.join("sdk/js/node_modules/.bin/jco"))
        .env("BERTH_COMPILE_CACHE", COMPILE_CACHE)
        .env("BERTH_DATA", dir.path().join("data"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let output = format!("{}{}", String::from_utf8_lossy(&tested.stdout), String::from_utf8_lossy(&tested.stderr));
    assert!(tested.status.success(), "the generated test failed:\n{output}");
    output
}

#[test]
fn a_new_rust_plugin_builds_and_passes_its_own_test() {
    let output = generate_and_test("rust");
    assert!(output.contains("ok: greet answers"), "{output}");
    assert!(output.contains("ok: bad arguments are refused"), "{output}");
}

#[test]
fn a_new_python_plugin_builds_and_passes_its_own_test() {
    let output = generate_and_test("python");
    assert!(output.contains("ok: greet answers"), "{output}");
}

#[test]
fn a_new_javascript_plugin_builds_and_passes_its_own_test() {
    let output = generate_and_test("js");
    assert!(output.contains("ok: greet answers"), "{output}");
}
