//! [`Sessions`]: the MCP sessions connected right now, by tenant, so that a
//! change to the plugins a tenant sees reaches every one of its sessions as
//! `notifications/tools/list_changed`.

use rmcp::Peer;
use rmcp::service::RoleServer;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one client may take to accept a notification before it is
/// skipped; a stuck client never delays anyone else.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);

/// The connected sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    next: AtomicU64,
    live: Mutex<HashMap<u64, Live>>,
}

#[derive(Debug)]
struct Live {
    tenant: Arc<str>,
    peer: Peer<RoleServer>,
}

/// Keeps a session registered; dropping it (when the session ends)
/// unregisters it.
#[derive(Debug)]
pub struct Registration {
    id: u64,
    sessions: Arc<Sessions>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.id);
    }
}

impl Sessions {
    /// Registers an initialized session of `tenant`, reachable through `peer`.
    pub fn register(self: &Arc<Self>, tenant: Arc<str>, peer: Peer<RoleServer>) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, Live { tenant, peer });
        Registration { id, sessions: self.clone() }
    }

    /// The tenants with at least one session.
    pub fn tenants(&self) -> BTreeSet<Arc<str>> {
        self.lock().values().map(|live| live.tenant.clone()).collect()
    }

    /// Sessions connected now.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Tells every session of `tenants` that its tool list changed. Sent in
    /// the background: the change is already live, and a slow client must not
    /// hold up the operator who made it.
    pub fn tools_changed(&self, tenants: &BTreeSet<Arc<str>>) {
        let peers: Vec<Peer<RoleServer>> = self
            .lock()
            .values()
            .filter(|live| tenants.contains(&live.tenant) && !live.peer.is_transport_closed())
            .map(|live| live.peer.clone())
            .collect();
        if peers.is_empty() {
            return;
        }
        tokio::spawn(async move {
            let sends = peers.iter().map(|peer| tokio::time::timeout(NOTIFY_TIMEOUT, peer.notify_tool_list_changed()));
            for outcome in futures::future::join_all(sends).await {
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => tracing::debug!("tools/list_changed not delivered: {error}"),
                    Err(_) => tracing::debug!("tools/list_changed not delivered within {NOTIFY_TIMEOUT:?}"),
                }
            }
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Live>> {
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
