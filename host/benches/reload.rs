//! How long a new plugin version takes to serve, with a cold and a warm
//! compile cache.
//!
//! `deploy/*` measures the reload path alone (validate, compile or fetch
//! from the cache, pre-instantiate, describe, record, swap), as the admin
//! API runs it. `file/*` measures from a file landing in the watched
//! plugins directory to the new version answering, which adds the watcher's
//! settle time. Cold runs give every iteration a component the cache has
//! never seen (the same plugin with a distinct custom section appended);
//! warm runs alternate between two versions already in the cache.
//!
//! Run: `cargo bench -p berth --bench reload`

use berth::app::App;
use berth::lifecycle::Source;
use berth::settings::Settings;
use criterion::{Criterion, criterion_group, criterion_main};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// `component` with a custom section carrying `n` appended: still valid,
/// same behaviour, a distinct digest and so a distinct cache entry.
fn variant(component: &[u8], n: u32) -> Vec<u8> {
    let name = b"berth-bench";
    let payload = n.to_le_bytes();
    let mut section = vec![name.len() as u8];
    section.extend_from_slice(name);
    section.extend_from_slice(&payload);
    let mut out = component.to_vec();
    out.push(0); // custom section id
    out.push(section.len() as u8);
    out.extend_from_slice(&section);
    out
}

struct Bench {
    app: Arc<App>,
    dir: PathBuf,
    _data: tempfile::TempDir,
    _plugins: tempfile::TempDir,
}

fn start(tokio: &tokio::runtime::Runtime) -> Bench {
    let data = tempfile::tempdir().expect("tempdir");
    let plugins = tempfile::tempdir().expect("tempdir");
    let settings = Settings {
        data_dir: Some(data.path().to_owned()),
        plugins_dir: Some(plugins.path().to_owned()),
        ..Settings::default()
    };
    let app = tokio.block_on(App::start(&settings)).expect("the host starts");
    let dir = std::fs::canonicalize(plugins.path()).expect("plugins dir");
    Bench { app, dir, _data: data, _plugins: plugins }
}

/// Waits until `plugin` serves the version `bytes`.
async fn serving(app: &App, plugin: &str, bytes: &[u8]) {
    let digest = berth::runtime::digest_of(bytes);
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.plugins.get(plugin).is_none_or(|loaded| loaded.digest != digest) {
        assert!(Instant::now() < deadline, "the new version never served");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

fn reload(c: &mut Criterion, label: &str, component: &Path, plugin: &str) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let component = std::fs::read(component).expect("the component is built");
    let counter = AtomicU32::new(0);
    let fresh = || variant(&component, counter.fetch_add(1, Ordering::Relaxed));
    let bench = start(&tokio);
    let warm = [fresh(), fresh()];
    for bytes in &warm {
        tokio.block_on(bench.app.deploy(bytes, Source::Registry)).expect("deploys");
    }

    let mut group = c.benchmark_group(format!("reload/{label}"));
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("deploy/cold", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let bytes = fresh();
                let started = Instant::now();
                tokio.block_on(bench.app.deploy(&bytes, Source::Registry)).expect("deploys");
                total += started.elapsed();
            }
            total
        })
    });
    group.bench_function("deploy/warm", |b| {
        let mut turn = 0;
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                turn += 1;
                let bytes = &warm[turn % 2];
                let started = Instant::now();
                tokio.block_on(bench.app.deploy(bytes, Source::Registry)).expect("deploys");
                total += started.elapsed();
            }
            total
        })
    });
    let file = bench.dir.join(format!("{plugin}.wasm"));
    let land = |bytes: &[u8]| {
        let staged = file.with_extension("partial");
        std::fs::write(&staged, bytes).expect("write");
        let started = Instant::now();
        std::fs::rename(&staged, &file).expect("rename");
        tokio.block_on(serving(&bench.app, plugin, bytes));
        started.elapsed()
    };
    group.bench_function("file/cold", |b| b.iter_custom(|iterations| (0..iterations).map(|_| land(&fresh())).sum()));
    group.bench_function("file/warm", |b| {
        let mut turn = 0;
        b.iter_custom(|iterations| {
            (0..iterations)
                .map(|_| {
                    turn += 1;
                    land(&warm[turn % 2])
                })
                .sum()
        })
    });
    group.finish();
}

fn hello(c: &mut Criterion) {
    reload(c, "hello", &Path::new(env!("BERTH_BUNDLED_PLUGINS")).join("hello.wasm"), "hello");
}

criterion_group!(benches, hello);
criterion_main!(benches);
