//! Admission control: bounded sessions and in-flight calls, per tenant and
//! in total. A full gate refuses at once (the HTTP layer answers 429 or 503)
//! rather than queueing, so an overloaded host never leaves a client hanging.

use crate::settings::{InvalidSetting, in_range};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The bounds, from `[http]` in the settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdmissionLimits {
    /// Open sessions across all tenants.
    pub max_sessions: u32,
    /// Open sessions of one tenant.
    pub max_sessions_per_tenant: u32,
    /// In-flight requests across all tenants.
    pub max_calls: u32,
    /// In-flight requests of one tenant.
    pub max_calls_per_tenant: u32,
}

impl Default for AdmissionLimits {
    fn default() -> Self {
        Self { max_sessions: 1024, max_sessions_per_tenant: 128, max_calls: 256, max_calls_per_tenant: 64 }
    }
}

impl AdmissionLimits {
    /// Refuses a bound of zero (nothing would ever be admitted) and a
    /// tenant's bound above the total.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        in_range("admission", "max_sessions", self.max_sessions, 1..=1_000_000)?;
        in_range("admission", "max_sessions_per_tenant", self.max_sessions_per_tenant, 1..=self.max_sessions)?;
        in_range("admission", "max_calls", self.max_calls, 1..=1_000_000)?;
        in_range("admission", "max_calls_per_tenant", self.max_calls_per_tenant, 1..=self.max_calls)
    }
}

/// Why a gate refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The tenant is at its own limit (HTTP 429).
    #[error("this tenant has too many {0} in progress; retry shortly")]
    Tenant(&'static str),
    /// The host is at its total limit (HTTP 503).
    #[error("the host has too many {0} in progress; retry shortly")]
    Host(&'static str),
}

/// Proof of admission; the slot frees when it is dropped.
#[derive(Debug)]
pub struct Ticket {
    _total: OwnedSemaphorePermit,
    _tenant: OwnedSemaphorePermit,
}

/// A session ticket handed from the HTTP layer to the MCP session it opens,
/// through the request's extensions. The session takes it out and holds it
/// for its lifetime; if no session takes it, it is released with the request.
#[derive(Debug, Clone)]
pub struct SessionTicket(Arc<Mutex<Option<Ticket>>>);

impl SessionTicket {
    /// Wraps `ticket` for handing over.
    pub fn new(ticket: Ticket) -> Self {
        Self(Arc::new(Mutex::new(Some(ticket))))
    }

    /// Takes the ticket (once).
    pub fn take(&self) -> Option<Ticket> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }
}

/// One bounded resource, counted per tenant and in total.
#[derive(Debug)]
pub struct Gate {
    what: &'static str,
    total_limit: u32,
    total: Arc<Semaphore>,
    per_tenant: u32,
    tenants: Mutex<HashMap<Arc<str>, Arc<Semaphore>>>,
}

impl Gate {
    /// A gate for `what` (for messages) with the given bounds.
    pub fn new(what: &'static str, total: u32, per_tenant: u32) -> Self {
        Self {
            what,
            total_limit: total,
            total: Arc::new(Semaphore::new(total as usize)),
            per_tenant,
            tenants: Mutex::default(),
        }
    }

    /// Admits one more for `tenant`, or refuses without waiting.
    pub fn try_enter(&self, tenant: &Arc<str>) -> Result<Ticket, Refusal> {
        let tenant_permit = self.tenant_gate(tenant).try_acquire_owned().map_err(|_| Refusal::Tenant(self.what))?;
        let total_permit = self.total.clone().try_acquire_owned().map_err(|_| Refusal::Host(self.what))?;
        Ok(Ticket { _total: total_permit, _tenant: tenant_permit })
    }

    /// Admits one more for `tenant`, waiting at most `wait` in all for the
    /// tenant's share and then for the total, and refuses after that.
    pub async fn enter_within(&self, tenant: &Arc<str>, wait: std::time::Duration) -> Result<Ticket, Refusal> {
        let until = tokio::time::Instant::now() + wait;
        let tenant_permit = tokio::time::timeout_at(until, self.tenant_gate(tenant).acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(Refusal::Tenant(self.what))?;
        let total_permit = tokio::time::timeout_at(until, self.total.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or(Refusal::Host(self.what))?;
        Ok(Ticket { _total: total_permit, _tenant: tenant_permit })
    }

    fn tenant_gate(&self, tenant: &Arc<str>) -> Arc<Semaphore> {
        self.tenants
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(tenant.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_tenant as usize)))
            .clone()
    }

    /// How many are in progress.
    pub fn in_use(&self) -> usize {
        self.total_limit as usize - self.total.available_permits()
    }

    /// Waits until nothing is in progress (for graceful shutdown).
    pub async fn drained(&self) {
        if let Ok(all) = self.total.acquire_many(self.total_limit).await {
            drop(all);
        }
    }
}

/// The host's gates.
#[derive(Debug)]
pub struct Admission {
    /// Open MCP sessions.
    pub sessions: Gate,
    /// In-flight MCP requests.
    pub calls: Gate,
}

impl Admission {
    /// Gates with `limits`.
    pub fn new(limits: AdmissionLimits) -> Self {
        Self {
            sessions: Gate::new("sessions", limits.max_sessions, limits.max_sessions_per_tenant),
            calls: Gate::new("requests", limits.max_calls, limits.max_calls_per_tenant),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_at_its_limit_is_refused_while_others_proceed() {
        let gate = Gate::new("requests", 3, 2);
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        let first = gate.try_enter(&a).unwrap();
        let _second = gate.try_enter(&a).unwrap();
        assert_eq!(gate.try_enter(&a).unwrap_err(), Refusal::Tenant("requests"));
        let _third = gate.try_enter(&b).unwrap();
        assert_eq!(gate.try_enter(&b).unwrap_err(), Refusal::Host("requests"));
        assert_eq!(gate.in_use(), 3);
        drop(first);
        assert!(gate.try_enter(&a).is_ok(), "a freed slot is reusable");
    }

    #[tokio::test]
    async fn a_bounded_wait_gets_a_freed_slot_or_a_refusal_in_time() {
        let gate = Arc::new(Gate::new("sandbox calls", 2, 1));
        let (a, b): (Arc<str>, Arc<str>) = ("a".into(), "b".into());
        let wait = std::time::Duration::from_millis(100);
        let held = gate.enter_within(&a, wait).await.unwrap();
        let started = std::time::Instant::now();
        assert_eq!(gate.enter_within(&a, wait).await.unwrap_err(), Refusal::Tenant("sandbox calls"));
        assert!(started.elapsed() < std::time::Duration::from_secs(1), "refused after the short wait");
        let _other = gate.enter_within(&b, wait).await.expect("another tenant has its own share");
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter_within(&"a".into(), std::time::Duration::from_secs(5)).await.map(drop) }
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        drop(held);
        assert_eq!(waiter.await.unwrap(), Ok(()), "a slot freed during the wait is taken");
    }

    #[tokio::test]
    async fn drained_waits_for_every_ticket() {
        let gate = Arc::new(Gate::new("requests", 2, 2));
        let ticket = gate.try_enter(&Arc::from("a")).unwrap();
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.drained().await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiter.is_finished());
        drop(ticket);
        waiter.await.unwrap();
    }
}
