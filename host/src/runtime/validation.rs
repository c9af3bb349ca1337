//! Validation of a call's arguments and structured output against the
//! tool's schemas, inside the call's deadline. A schema is the plugin's
//! choice and the instance the client's, so unless both are small enough
//! that the work is trivially bounded, their evaluation runs on the blocking
//! pool and never holds an async worker that serves other tenants' calls.

use super::limits::LimitExceeded;
use super::{CallError, Runtime, ToolSpec};
use crate::log_safe;
use serde_json::Value;
use std::time::Instant;

impl Runtime {
    /// When a call starting now must be over: the deadline the MCP layer
    /// gives validation and the run (see [`super::CallScope::deadline`]).
    pub fn deadline(&self) -> Instant {
        Instant::now() + self.limits.call_timeout()
    }

    /// Why `arguments` (`len` bytes as JSON text) do not match `tool`'s
    /// input schema, naming the fields (`Ok(None)` when they match).
    pub async fn check_arguments(
        &self,
        tool: &ToolSpec,
        arguments: Value,
        len: usize,
        deadline: Instant,
    ) -> Result<Option<String>, CallError> {
        let schema = tool.validator.clone();
        let cheap = schema.is_cheap_for(len);
        self.validate(cheap, deadline, move || schema.errors(&arguments)).await
    }

    /// The plugin's `structured` output parsed, or why it is unusable: not
    /// JSON, or not matching the tool's output schema (MCP clients reject
    /// results that do not).
    pub async fn check_output(
        &self,
        tool: &ToolSpec,
        structured: String,
        deadline: Instant,
    ) -> Result<Result<Value, String>, CallError> {
        let schema = tool.output_validator.clone();
        // Parsing is linear in the (bounded) output; only the schema decides.
        let cheap = schema.as_ref().is_none_or(|schema| schema.is_cheap_for(structured.len()));
        self.validate(cheap, deadline, move || {
            let value: Value = serde_json::from_str(&structured).map_err(|error| {
                format!(
                    "the plugin returned structured output that is not JSON: {}",
                    log_safe::quote(&error.to_string())
                )
            })?;
            match schema.as_ref().and_then(|schema| schema.errors(&value)) {
                Some(problems) => {
                    Err(format!("the plugin's structured output does not match its output schema: {problems}"))
                }
                None => Ok(value),
            }
        })
        .await
    }

    /// Runs `work` where the call is when it is `cheap` (a hop to another
    /// thread and back would cost more than the work), otherwise on the
    /// blocking pool.
    async fn validate<R: Send + 'static>(
        &self,
        cheap: bool,
        deadline: Instant,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, CallError> {
        match cheap {
            true => Ok(work()),
            false => self.off_workers(deadline, work).await,
        }
    }

    /// Runs `work` on the blocking pool, answering with the deadline error
    /// if it is not done by `deadline` (the work itself is bounded by the
    /// schema limits and finishes shortly after).
    async fn off_workers<R: Send + 'static>(
        &self,
        deadline: Instant,
        work: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, CallError> {
        let task = tokio::task::spawn_blocking(work);
        match tokio::time::timeout_at(deadline.into(), task).await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(failure)) => Err(CallError::Crashed(format!("validating against the schema failed: {failure}"))),
            Err(_) => Err(LimitExceeded::Deadline(self.limits.call_timeout_ms).into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{EngineOptions, HostServices, Limits};
    use std::time::Duration;

    #[tokio::test(flavor = "current_thread")]
    async fn slow_validation_leaves_the_worker_free_and_ends_at_the_deadline() {
        let limits = Limits { call_timeout_ms: 200, ..Limits::default() };
        let runtime = Runtime::new(limits, EngineOptions::default(), HostServices::embedded()).unwrap();
        // The only worker thread stays free: a task on it keeps ticking
        // while the validation runs, and the deadline fires on time.
        let ticks = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
        let ticker = tokio::spawn({
            let ticks = ticks.clone();
            async move {
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    ticks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        });
        let started = Instant::now();
        let outcome = runtime.off_workers(runtime.deadline(), || std::thread::sleep(Duration::from_secs(1))).await;
        assert!(matches!(outcome, Err(CallError::Limit(LimitExceeded::Deadline(200)))), "{outcome:?}");
        assert!(started.elapsed() < Duration::from_millis(800), "{:?}", started.elapsed());
        assert!(ticks.load(std::sync::atomic::Ordering::Relaxed) >= 5, "the worker kept serving");
        ticker.abort();
    }
}
