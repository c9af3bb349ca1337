//! What the guest language costs: the same hello plugin written in Rust
//! (`hello`, the baseline), Python (`hellopy`, componentize-py) and
//! JavaScript (`hellojs`, jco on QuickJS). Run with
//! `cargo bench -p berth --bench languages`.
//!
//! For each language:
//! - the component's size, printed before the measurements;
//! - `compile_cold/*`: loading it into a runtime whose compile cache is
//!   empty (compile, pre-instantiate, describe), what the first start after
//!   a deploy pays;
//! - `compile_cached/*`: the same load with the compiled code already in the
//!   cache, what every later start or reload pays;
//! - `call/*`: a fresh instance and one `greet` call, what every tool call
//!   pays.
//!
//! Compare each Python and JavaScript figure with the Rust one in the same
//! group.

use berth::runtime::{CallScope, EngineOptions, HostServices, Limits, LoadedPlugin, Runtime};
use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Bundled plugin name, with the language it is written in.
const LANGUAGES: [(&str, &str); 3] = [("rust", "hello"), ("python", "hellopy"), ("javascript", "hellojs")];

const ARGUMENTS: &str = r#"{"name":"Ada"}"#;

fn component(plugin: &str) -> Vec<u8> {
    let path = Path::new(env!("BERTH_BUNDLED_PLUGINS")).join(format!("{plugin}.wasm"));
    std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error} (does `cargo build` build it?)", path.display()))
}

/// A runtime as the host builds it, compiling through the cache in `cache`.
fn runtime(cache: &Path) -> Runtime {
    let options = EngineOptions { compile_cache: Some(cache.to_owned()), ..EngineOptions::default() };
    Runtime::new(Limits::default(), options, HostServices::embedded()).expect("runtime")
}

fn load(tokio: &tokio::runtime::Runtime, runtime: &Runtime, bytes: &[u8]) -> LoadedPlugin {
    tokio.block_on(runtime.load(bytes)).expect("the plugin loads")
}

fn print_sizes() {
    let baseline = component(LANGUAGES[0].1).len() as f64;
    for (language, plugin) in LANGUAGES {
        let size = component(plugin).len();
        println!("size/{language}: {plugin}.wasm is {:.2} MB ({:.1}x Rust)", size as f64 / 1e6, size as f64 / baseline);
    }
}

/// Each iteration loads into a new runtime with an empty cache directory;
/// creating them is not timed. A Python compile takes seconds, so this
/// group takes the fewest samples criterion allows.
fn compile_cold(c: &mut Criterion) {
    print_sizes();
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let mut group = c.benchmark_group("compile_cold");
    group.sampling_mode(SamplingMode::Flat).sample_size(10).warm_up_time(Duration::from_millis(1));
    for (language, plugin) in LANGUAGES {
        let bytes = component(plugin);
        group.bench_function(BenchmarkId::from_parameter(language), |b| {
            b.iter_custom(|iterations| {
                let mut total = Duration::ZERO;
                for _ in 0..iterations {
                    let cache = tempfile::tempdir().expect("tempdir");
                    let runtime = runtime(cache.path());
                    let started = Instant::now();
                    black_box(load(&tokio, &runtime, &bytes));
                    total += started.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

/// One runtime whose cache already holds the component, loading it again.
fn compile_cached(c: &mut Criterion) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let mut group = c.benchmark_group("compile_cached");
    for (language, plugin) in LANGUAGES {
        let bytes = component(plugin);
        let cache = tempfile::tempdir().expect("tempdir");
        let runtime = runtime(cache.path());
        load(&tokio, &runtime, &bytes);
        group.bench_function(BenchmarkId::from_parameter(language), |b| {
            b.iter(|| black_box(load(&tokio, &runtime, &bytes)))
        });
    }
    group.finish();
}

/// A fresh instance and one `greet` call, as every tool call runs.
fn call(c: &mut Criterion) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let mut group = c.benchmark_group("call");
    for (language, plugin) in LANGUAGES {
        let cache = tempfile::tempdir().expect("tempdir");
        let runtime = runtime(cache.path());
        let loaded = load(&tokio, &runtime, &component(plugin));
        group.bench_function(BenchmarkId::from_parameter(language), |b| {
            b.to_async(&tokio).iter(|| async {
                let outcome = runtime.call(&loaded, CallScope::tenant("bench"), "greet", ARGUMENTS).await;
                black_box(outcome.expect("no host failure").expect("greets"))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, compile_cold, compile_cached, call);
criterion_main!(benches);
