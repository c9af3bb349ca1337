//! [`CallState`]: the data of one call's `Store`. It belongs to exactly one
//! tenant and one plugin version and is dropped when the call ends, so
//! nothing a guest does can leak into another tenant's call. Besides WASI
//! and the sandbox's limits it holds the capabilities' [`Contexts`], which
//! they prepare themselves.

use super::guest_output::{GuestOutput, Stream};
use super::limits::{CallLimiter, Limits};
use crate::capabilities::log::LogBudget;
use crate::capabilities::{Call, CallScope, Contexts, HostServices, PluginGrants};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

/// The data of one call's store.
pub struct CallState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: CallLimiter,
    /// What each capability holds for this call.
    pub(crate) contexts: Contexts,
    pub(crate) stderr: GuestOutput,
    stdout: GuestOutput,
    /// When the call must be over: waiting for an instance, guest CPU and
    /// host I/O together. Host I/O ends a little earlier (see
    /// [`Limits::answer_margin`]) so the guest can still answer.
    pub(crate) deadline: Instant,
}

impl CallState {
    /// State for `tool` of the plugin described by `grants`, running in
    /// `scope`, under `limits`; the call's time starts now.
    pub(crate) fn new(
        grants: &PluginGrants,
        mut scope: CallScope,
        tool: &str,
        limits: Limits,
        services: &HostServices,
    ) -> Self {
        let deadline = scope.deadline.unwrap_or_else(|| Instant::now() + limits.call_timeout());
        let tenant: Arc<str> = scope.tenant.clone().unwrap_or_else(|| "(load)".into());
        let stdout = GuestOutput::new(Stream::Stdout, tenant.clone(), grants.name.clone());
        let stderr = GuestOutput::new(Stream::Stderr, tenant.clone(), grants.name.clone());
        // WASI deny-all: clocks and random work, output goes to the log;
        // no preopens, environment, arguments or network.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .max_random_size(u64::from(limits.random_kib) * 1024)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(limits.resource_handles as usize);
        let mut config = grants.config_defaults.clone();
        config.extend(std::mem::take(&mut scope.config));
        let budget = LogBudget::new(tenant.clone(), grants.name.clone(), tool.into());
        let call = Call {
            tenant,
            plugin: grants,
            scope,
            config: Arc::new(config),
            limits: &limits,
            services,
            io_deadline: deadline - limits.answer_margin(),
            budget,
        };
        Self {
            wasi,
            table,
            limiter: CallLimiter::new(limits),
            contexts: Contexts::prepare(call),
            stderr,
            stdout,
            deadline,
        }
    }

    /// Flushes guest output into the log; called when the call ends.
    pub(crate) fn finish_output(&self) {
        self.stdout.finish();
        self.stderr.finish();
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}
