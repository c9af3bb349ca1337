//! The wasmtime [`Engine`]: pooling allocator with copy-on-write memory
//! images, epoch interruption, and the thread that ticks the epoch.

use super::limits::Limits;
use std::path::PathBuf;
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. A deadline is a whole number of ticks, so
/// this is the granularity of the time limit; 10 ms costs nothing measurable.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Allocation {
    /// Pre-reserved slots reused across calls, with copy-on-write memory
    /// images: instantiation costs microseconds. The production setting.
    #[default]
    Pooling,
    /// Fresh mmaps for every instance. Only for comparison in benchmarks.
    OnDemand,
}

/// How to build the engine.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// How instances get their memory.
    pub allocation: Allocation,
    /// Directory of the on-disk compile cache; none compiles every load.
    pub compile_cache: Option<PathBuf>,
}

/// Builds the engine every plugin of this host shares.
pub fn build(limits: &Limits, allocation: Allocation) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.memory_init_cow(true);
    if allocation == Allocation::Pooling {
        let instances = limits.max_instances;
        let mut pool = PoolingAllocationConfig::new();
        // Interpreted guests (Python, JS) are components of many core
        // instances with thousands of functions; the per-component maxima
        // fit them. Totals allow `max_instances` components of up to 64 core
        // instances, 16 tables and 4 memories each at once; past that the
        // call is refused as busy, never crashed.
        pool.total_component_instances(instances)
            .max_core_instances_per_component(64)
            .max_memories_per_component(16)
            .max_tables_per_component(16)
            .total_core_instances(instances * 64)
            .total_memories(instances * 4)
            .total_tables(instances * 16)
            .total_stacks(instances)
            .max_memory_size(limits.memory_bytes())
            .table_elements(limits.table_elements as usize)
            .max_component_instance_size(10 << 20)
            .max_core_instance_size(10 << 20)
            // Reset reused slots in place (see `Limits::keep_resident_kib`),
            // only the dirty pages where the kernel can say which (Linux 6.7+).
            .linear_memory_keep_resident(limits.keep_resident_bytes())
            .table_keep_resident(limits.keep_resident_bytes())
            .pagemap_scan(wasmtime::Enabled::Auto);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    Engine::new(&config)
}

/// Advances `engine`'s epoch every [`EPOCH_TICK`] until the engine is dropped.
pub fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("berth-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("spawning the epoch thread");
}
