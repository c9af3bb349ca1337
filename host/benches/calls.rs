//! What a tool call costs on the host side, and what the pooling allocator
//! buys. Run with `cargo bench -p berth --bench calls`.
//!
//! Every measurement is a ratio against a baseline taken in the same run:
//! - `instantiate/pooling` vs `instantiate/on_demand`: a fresh store and the
//!   instantiation alone, on the engine the host builds, with and without
//!   the pooling allocator (the imports are stubs: nothing is called);
//! - `greet/pooling` vs `greet/on_demand`: a fresh store, instantiation and
//!   one `greet` call, with and without the pooling allocator;
//! - `greet/pooling` vs `greet/pooling_no_keep_resident`: reused slots
//!   reset in place (the default) or handed back to the kernel;
//! - `greet/pooling` vs `greet/native`: the same call against the same work
//!   (parse the arguments, format the greeting) done natively, which is the
//!   price of the sandbox;
//! - `scrub/*` vs `scrub/*_parse`: removing hidden text from 64 KiB of ticket
//!   JSON (English, then Japanese, both with nothing to remove: the common
//!   case) against parsing the same text as JSON, which the host does to
//!   every structured result anyway.

use berth::runtime::{Allocation, CallScope, EngineOptions, HostServices, Limits, LoadedPlugin, Runtime, engine};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

const ARGUMENTS: &str = r#"{"name":"Ada"}"#;

fn setup(tokio: &tokio::runtime::Runtime, allocation: Allocation, limits: Limits) -> (Runtime, LoadedPlugin) {
    let options = EngineOptions { allocation, compile_cache: None };
    let runtime = Runtime::new(limits, options, HostServices::embedded()).expect("runtime");
    let plugin = tokio.block_on(runtime.load(&hello())).expect("hello loads");
    (runtime, plugin)
}

fn hello() -> Vec<u8> {
    std::fs::read(Path::new(env!("BERTH_BUNDLED_PLUGINS")).join("hello.wasm")).expect("hello.wasm is built")
}

fn instantiate(c: &mut Criterion) {
    use wasmtime::component::{Component, Linker};
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let mut group = c.benchmark_group("instantiate");
    for (label, allocation) in [("pooling", Allocation::Pooling), ("on_demand", Allocation::OnDemand)] {
        let engine = engine::build(&Limits::default(), allocation).expect("engine");
        let component = Component::new(&engine, hello()).expect("hello compiles");
        let mut linker = Linker::<()>::new(&engine);
        linker.define_unknown_imports_as_traps(&component).expect("stub imports");
        let pre = linker.instantiate_pre(&component).expect("pre-instantiates");
        group.bench_function(label, |b| {
            b.to_async(&tokio).iter(|| async {
                let mut store = wasmtime::Store::new(&engine, ());
                // The engine interrupts on epochs; nothing ticks them here.
                store.set_epoch_deadline(1);
                black_box(pre.instantiate_async(&mut store).await.expect("instantiates"));
            })
        });
    }
    group.finish();
}

fn native_greet(arguments: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Args {
        name: String,
    }
    let args: Args = serde_json::from_str(arguments).expect("valid arguments");
    format!("Hello, {}!", args.name)
}

fn greet(c: &mut Criterion) {
    let tokio = tokio::runtime::Runtime::new().expect("tokio");
    let mut group = c.benchmark_group("greet");
    let reset_by_kernel = Limits { keep_resident_kib: 0, ..Limits::default() };
    let variants = [
        ("pooling", Allocation::Pooling, Limits::default()),
        ("pooling_no_keep_resident", Allocation::Pooling, reset_by_kernel),
        ("on_demand", Allocation::OnDemand, Limits::default()),
    ];
    for (label, allocation, limits) in variants {
        let (runtime, plugin) = setup(&tokio, allocation, limits);
        group.bench_function(label, |b| {
            b.to_async(&tokio).iter(|| async {
                let outcome = runtime.call(&plugin, CallScope::tenant("bench"), "greet", ARGUMENTS).await;
                black_box(outcome.expect("no host failure").expect("greets"))
            })
        });
    }
    group.bench_function("native", |b| b.iter(|| black_box(native_greet(black_box(ARGUMENTS)))));
    group.finish();
}

/// 64 KiB of ticket JSON whose text is `line` over and over.
fn tickets(line: &str) -> String {
    let mut tickets = Vec::new();
    while serde_json::to_string(&tickets).unwrap().len() < 64 << 10 {
        let n = tickets.len();
        tickets.push(serde_json::json!({"key": format!("OPS-{n}"), "title": line, "comments": [line, line]}));
    }
    serde_json::to_string(&tickets).unwrap()
}

fn scrub(c: &mut Criterion) {
    use berth::policy::hidden_text::strip;
    let mut group = c.benchmark_group("scrub");
    for (label, line) in [
        ("english", "The VPN drops every 10 minutes since the firewall change; users in Sydney affected."),
        ("japanese", "ファイアウォールの変更以降、VPNが10分ごとに切断されます。シドニーの利用者に影響あり。"),
    ] {
        let text = tickets(line);
        group.bench_function(label, |b| b.iter(|| black_box(strip(black_box(&text))).len()));
        group.bench_function(format!("{label}_parse"), |b| {
            b.iter(|| black_box(serde_json::from_str::<serde_json::Value>(black_box(&text)).unwrap()))
        });
    }
    group.finish();
}

criterion_group!(benches, instantiate, greet, scrub);
criterion_main!(benches);
