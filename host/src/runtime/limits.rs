//! Per-call resource limits and the [`wasmtime::ResourceLimiter`] that
//! enforces them and remembers which one a guest ran into.

use crate::settings::{InvalidSetting, in_range};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The limits every call's store runs under. Defaults suit ITSM adapters:
/// JSON in, JSON out, a handful of upstream requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Linear memory of one call, all memories together, in MiB. 64 MiB holds a Python
    /// or JS runtime with room to spare; a guest that needs more is leaking.
    pub memory_mib: u32,
    /// Wall-clock budget for one call, in milliseconds, enforced both by the
    /// epoch deadline (guest CPU) and by a timeout around host I/O.
    pub call_timeout_ms: u64,
    /// Largest number of elements in any one wasm table. Interpreted guests
    /// (Python, JS) carry tens of thousands of functions.
    pub table_elements: u32,
    /// Host resource handles (streams, secrets) one call may hold at once.
    pub resource_handles: u32,
    /// Largest tool output (text, JSON and structured content together), in
    /// KiB. An MCP client has to hold the result in a model's context.
    pub output_kib: u32,
    /// Instances that may run at the same time across all tenants; also the
    /// size of the pooling allocator's slabs.
    pub max_instances: u32,
    /// Instances one tenant may run at the same time, stdio sessions and
    /// HTTP alike. Unset: a quarter of `max_instances` (at least 1), so one
    /// tenant's runaway calls leave three quarters of the sandboxes to the
    /// others. At most `max_instances`.
    pub max_instances_per_tenant: Option<u32>,
    /// How long a call waits for a free instance before it is refused as
    /// busy, in milliseconds. Short, so a full host answers at once rather
    /// than letting a call spend its whole deadline in a queue; long enough
    /// to ride out a burst of short calls finishing.
    pub instance_wait_ms: u64,
    /// Content items one tool result may carry. Each item costs the host
    /// memory and the client JSON whatever its text; real tools return a
    /// handful, and 256 leaves room for a list of links.
    pub output_items: u32,
    /// Host memory one transfer from a guest to the host may cost once
    /// lifted out of the sandbox, in KiB: a tool result, an HTTP request, a
    /// log record, counted as wasmtime counts them (a list item costs its
    /// host representation even when empty). wasmtime's own default is
    /// 128 MiB; 16 MiB holds the largest output with room for its items and
    /// leaves 64 calls at once far from exhausting a small host. At least
    /// `output_kib`.
    pub transfer_kib: u32,
    /// Largest `wasi:random` request, in KiB. The host allocates what a guest
    /// asks for before the guest can refuse it; wasmtime's own default is
    /// 64 MiB per request. Keys and nonces need bytes, not megabytes.
    pub random_kib: u32,
    /// Bytes of each linear memory and table, in KiB, that a reused
    /// instance slot resets by hand (only the pages the call dirtied, where
    /// the kernel can tell) instead of handing them back to the kernel. A
    /// small guest dirties well under a MiB per call: resetting that in
    /// place saves an `madvise` and the page faults that would bring the
    /// pages back on the next call. The price is up to this much resident
    /// memory per warm slot; 0 turns it off.
    pub keep_resident_kib: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            memory_mib: 64,
            call_timeout_ms: 10_000,
            table_elements: 100_000,
            resource_handles: 1_000,
            output_kib: 4 * 1024,
            max_instances: 64,
            max_instances_per_tenant: None,
            instance_wait_ms: 200,
            output_items: 256,
            transfer_kib: 16 * 1024,
            random_kib: 1024,
            keep_resident_kib: 1024,
        }
    }
}

impl Limits {
    /// Memory limit in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.memory_mib as usize * 1024 * 1024
    }

    /// [`Self::keep_resident_kib`] in bytes.
    pub fn keep_resident_bytes(&self) -> usize {
        self.keep_resident_kib as usize * 1024
    }

    /// Output limit in bytes.
    pub fn output_bytes(&self) -> usize {
        self.output_kib as usize * 1024
    }

    /// Host memory one transfer from a guest may cost, in bytes.
    pub fn transfer_bytes(&self) -> usize {
        self.transfer_kib as usize * 1024
    }

    /// Instances one tenant may run at once.
    pub fn instances_per_tenant(&self) -> u32 {
        self.max_instances_per_tenant.unwrap_or((self.max_instances / 4).max(1))
    }

    /// How long a tenant's call waits for an instance.
    pub fn instance_wait(&self) -> Duration {
        Duration::from_millis(self.instance_wait_ms)
    }

    /// Refuses settings that would make every call fail or the engine refuse
    /// to start, naming the setting and the accepted range.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        let checks = [
            ("memory_mib", u64::from(self.memory_mib), 1, 4096),
            ("call_timeout_ms", self.call_timeout_ms, 10, 3_600_000),
            ("table_elements", u64::from(self.table_elements), 1_000, 10_000_000),
            ("resource_handles", u64::from(self.resource_handles), 16, 1_000_000),
            ("output_kib", u64::from(self.output_kib), 1, 1024 * 1024),
            ("max_instances", u64::from(self.max_instances), 1, 10_000),
            ("max_instances_per_tenant", u64::from(self.instances_per_tenant()), 1, u64::from(self.max_instances)),
            ("instance_wait_ms", self.instance_wait_ms, 0, self.call_timeout_ms),
            ("output_items", u64::from(self.output_items), 1, 1_000_000),
            ("transfer_kib", u64::from(self.transfer_kib), u64::from(self.output_kib), 4 * 1024 * 1024),
            ("random_kib", u64::from(self.random_kib), 1, 64 * 1024),
            ("keep_resident_kib", u64::from(self.keep_resident_kib), 0, 1024 * 1024),
        ];
        for (name, value, low, high) in checks {
            in_range("limits", name, value, low..=high)?;
        }
        Ok(())
    }

    /// Call timeout as a [`Duration`].
    pub fn call_timeout(&self) -> Duration {
        Duration::from_millis(self.call_timeout_ms)
    }

    /// How long before the call's deadline host I/O gives up, leaving the
    /// guest time to handle the typed error (a `timeout`, say) and answer,
    /// rather than being cut off with a bare time-limit error: a tenth of
    /// the call's budget, at most 250 ms, which is ample for a guest to
    /// turn an error into a result even in an interpreted language.
    pub fn answer_margin(&self) -> Duration {
        (self.call_timeout() / 10).min(Duration::from_millis(250))
    }
}

/// A limit a call ran into. Its message names the limit, so the agent (and
/// the operator reading the log) knows what happened without a backtrace.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// Linear memory would have grown past the limit.
    #[error("the plugin exceeded its memory limit of {0} MiB")]
    Memory(u32),
    /// The call ran past its deadline.
    #[error("the plugin exceeded its time limit of {0} ms")]
    Deadline(u64),
    /// A wasm table would have grown past the limit.
    #[error("the plugin exceeded its table limit of {0} elements")]
    Table(u32),
    /// The guest held too many host resource handles.
    #[error("the plugin exceeded its limit of {0} resource handles")]
    ResourceHandles(u32),
    /// The tool produced more output than an MCP client should receive.
    #[error("the tool output exceeded the {0} KiB output limit")]
    Output(u32),
    /// The tool result carried more content items than the host accepts.
    #[error("the tool output has more than {0} content items")]
    OutputItems(u32),
    /// One transfer out of the sandbox would have cost the host more memory
    /// than it allows (a result, a request or a log record).
    #[error("the plugin exceeded its transfer limit of {0} KiB per result, request or log record")]
    Transfer(u32),
    /// The guest asked for more random bytes at once than the host gives.
    #[error("the plugin asked for more than {0} KiB of random bytes at once")]
    Random(u32),
}

/// Enforces [`Limits`] on one store, recording which limit refused a growth
/// so that the trap that usually follows (an allocation failure aborts a Rust
/// guest) can be reported as the limit rather than as a crash.
#[derive(Debug)]
pub struct CallLimiter {
    memory_bytes: usize,
    /// Bytes of linear memory across every memory of the store, so a
    /// component with many memories gets no more than one with a single one.
    memory_in_use: usize,
    table_elements: usize,
    hit: Option<LimitExceeded>,
    limits: Limits,
}

impl CallLimiter {
    /// A limiter enforcing `limits`.
    pub fn new(limits: Limits) -> Self {
        Self {
            memory_bytes: limits.memory_bytes(),
            memory_in_use: 0,
            table_elements: limits.table_elements as usize,
            hit: None,
            limits,
        }
    }

    /// The limit that refused a growth during this call, if any.
    pub fn hit(&self) -> Option<&LimitExceeded> {
        self.hit.as_ref()
    }
}

impl wasmtime::ResourceLimiter for CallLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        let total = self.memory_in_use.saturating_sub(current) + desired;
        if total > self.memory_bytes {
            self.hit = Some(LimitExceeded::Memory(self.limits.memory_mib));
            return Ok(false);
        }
        self.memory_in_use = total;
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.table_elements {
            self.hit = Some(LimitExceeded::Table(self.limits.table_elements));
            return Ok(false);
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_nonsense_is_named() {
        assert_eq!(Limits::default().validate(), Ok(()));
        let error = Limits { max_instances: 0, ..Limits::default() }.validate().unwrap_err().to_string();
        assert!(error.contains("[limits] max_instances = 0"), "{error}");
        assert!(Limits { memory_mib: 5000, ..Limits::default() }.validate().is_err());
    }

    #[test]
    fn one_tenant_gets_a_quarter_of_the_instances_unless_told_otherwise() {
        assert_eq!(Limits::default().instances_per_tenant(), 16);
        assert_eq!(Limits { max_instances: 2, ..Limits::default() }.instances_per_tenant(), 1);
        let above = Limits { max_instances: 8, max_instances_per_tenant: Some(9), ..Limits::default() };
        let error = above.validate().unwrap_err().to_string();
        assert!(error.contains("[limits] max_instances_per_tenant = 9") && error.contains("1 to 8"), "{error}");
    }

    #[test]
    fn the_transfer_limit_must_hold_the_output_limit() {
        let error = Limits { transfer_kib: 1024, ..Limits::default() }.validate().unwrap_err().to_string();
        assert!(error.contains("[limits] transfer_kib = 1024") && error.contains("4096 to"), "{error}");
    }
}
