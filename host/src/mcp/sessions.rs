//! [`Sessions`]: the MCP sessions connected right now, by tenant, so that a
//! change to the plugins a tenant sees reaches every one of its sessions as
//! `notifications/{tools,prompts,resources}/list_changed` for the lists it
//! touches, and a change to a resource reaches
//! the tenant's sessions subscribed to it as
//! `notifications/resources/updated`. Clients of MCP 2026-07-28, which have
//! no sessions, hear the same through `subscriptions/listen` streams,
//! registered here too.

use crate::capabilities::changes::ResourceChanges;
use crate::runtime::LoadedPlugin;
use rmcp::Peer;
use rmcp::model::{
    PromptListChangedNotification, ResourceListChangedNotification, ResourceUpdatedNotification,
    ResourceUpdatedNotificationParam, ServerNotification, SubscriptionFilter, ToolListChangedNotification,
};
use rmcp::service::RoleServer;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one client may take to accept a notification before it is
/// skipped; a stuck client never delays anyone else.
const NOTIFY_TIMEOUT: Duration = Duration::from_secs(5);
/// Resources one session may subscribe to at once.
pub const MAX_SUBSCRIPTIONS: usize = 1_024;
/// The longest URI a session may subscribe to, in bytes.
pub const MAX_URI_BYTES: usize = 2_048;
/// Notices a `subscriptions/listen` stream may have waiting; a stream that
/// does not keep up loses the rest (a list change says "list again", so
/// losing a repeat of it loses nothing).
const LISTEN_QUEUE: usize = 64;

/// The connected sessions.
#[derive(Debug, Default)]
pub struct Sessions {
    next: AtomicU64,
    live: Mutex<HashMap<u64, Live>>,
    listeners: Mutex<HashMap<u64, Listener>>,
}

/// Which of a tenant's lists a change touches, or a stream listens for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lists {
    /// `tools/list`.
    pub tools: bool,
    /// `prompts/list`.
    pub prompts: bool,
    /// `resources/list` and `resources/templates/list`.
    pub resources: bool,
}

impl Lists {
    /// What `plugin` puts in its tenants' lists, so what its arrival or
    /// departure changes.
    pub fn of(plugin: &LoadedPlugin) -> Self {
        Self {
            tools: !plugin.tools.is_empty(),
            prompts: !plugin.prompts.is_empty(),
            resources: plugin.serves_resources(),
        }
    }

    /// What either `self` or `other` touches: an upgrade changes what the
    /// old version offered and what the new one does.
    pub fn and(self, other: Self) -> Self {
        Self {
            tools: self.tools || other.tools,
            prompts: self.prompts || other.prompts,
            resources: self.resources || other.resources,
        }
    }

    fn has(self, list: List) -> bool {
        match list {
            List::Tools => self.tools,
            List::Prompts => self.prompts,
            List::Resources => self.resources,
        }
    }
}

/// One of a tenant's lists.
#[derive(Debug, Clone, Copy)]
enum List {
    Tools,
    Prompts,
    Resources,
}

impl List {
    const ALL: [Self; 3] = [Self::Tools, Self::Prompts, Self::Resources];

    /// The notification that says this list changed.
    fn notice(self) -> ServerNotification {
        match self {
            Self::Tools => ServerNotification::ToolListChangedNotification(ToolListChangedNotification::default()),
            Self::Prompts => {
                ServerNotification::PromptListChangedNotification(PromptListChangedNotification::default())
            }
            Self::Resources => {
                ServerNotification::ResourceListChangedNotification(ResourceListChangedNotification::default())
            }
        }
    }
}

/// One `subscriptions/listen` stream.
#[derive(Debug)]
struct Listener {
    tenant: Arc<str>,
    lists: Lists,
    resources: HashSet<String>,
    notices: tokio::sync::mpsc::Sender<ServerNotification>,
}

/// Keeps a `subscriptions/listen` stream registered until dropped.
#[derive(Debug)]
pub struct Listening {
    id: u64,
    sessions: Arc<Sessions>,
}

impl Drop for Listening {
    fn drop(&mut self) {
        self.sessions.listeners().remove(&self.id);
    }
}

#[derive(Debug)]
struct Live {
    tenant: Arc<str>,
    peer: Peer<RoleServer>,
    subscriptions: HashSet<String>,
}

/// Keeps a session registered; dropping it (when the session ends)
/// unregisters it.
#[derive(Debug)]
pub struct Registration {
    id: u64,
    sessions: Arc<Sessions>,
}

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The session holds [`MAX_SUBSCRIPTIONS`] already.
    #[error("a session may hold at most {MAX_SUBSCRIPTIONS} subscriptions")]
    TooMany,
    /// The URI is longer than [`MAX_URI_BYTES`].
    #[error("a resource URI may be at most {MAX_URI_BYTES} bytes")]
    TooLong,
}

impl Registration {
    /// Subscribes the session to changes of the resource at `uri`.
    pub fn subscribe(&self, uri: &str) -> Result<(), SubscribeError> {
        if uri.len() > MAX_URI_BYTES {
            return Err(SubscribeError::TooLong);
        }
        let mut live = self.sessions.lock();
        let Some(session) = live.get_mut(&self.id) else { return Ok(()) };
        if session.subscriptions.len() >= MAX_SUBSCRIPTIONS && !session.subscriptions.contains(uri) {
            return Err(SubscribeError::TooMany);
        }
        session.subscriptions.insert(uri.to_owned());
        Ok(())
    }

    /// Ends the session's subscription to `uri`, if it had one.
    pub fn unsubscribe(&self, uri: &str) {
        if let Some(session) = self.sessions.lock().get_mut(&self.id) {
            session.subscriptions.remove(uri);
        }
    }
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
        self.lock().insert(id, Live { tenant, peer, subscriptions: HashSet::new() });
        Registration { id, sessions: self.clone() }
    }

    /// Registers a `subscriptions/listen` stream of `tenant` for what
    /// `accepted` lets through, at most [`MAX_SUBSCRIPTIONS`] resources; the
    /// notices arrive on the receiver.
    pub fn listen(
        self: &Arc<Self>,
        tenant: Arc<str>,
        accepted: &SubscriptionFilter,
    ) -> (Listening, tokio::sync::mpsc::Receiver<ServerNotification>) {
        let (notices, receiver) = tokio::sync::mpsc::channel(LISTEN_QUEUE);
        let uris = accepted.resource_subscriptions.iter().flatten().filter(|uri| uri.len() <= MAX_URI_BYTES);
        let resources = uris.take(MAX_SUBSCRIPTIONS).cloned().collect();
        let lists = Lists {
            tools: accepted.tools_list_changed == Some(true),
            prompts: accepted.prompts_list_changed == Some(true),
            resources: accepted.resources_list_changed == Some(true),
        };
        let listener = Listener { tenant, lists, resources, notices };
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.listeners().insert(id, listener);
        (Listening { id, sessions: self.clone() }, receiver)
    }

    /// Queues `notice` on every stream `which` picks.
    fn tell_listeners(&self, which: impl Fn(&Listener) -> bool, notice: impl Fn() -> ServerNotification) {
        for listener in self.listeners().values().filter(|listener| which(listener)) {
            let _ = listener.notices.try_send(notice());
        }
    }

    /// The tenants with at least one session or stream.
    pub fn tenants(&self) -> BTreeSet<Arc<str>> {
        let mut tenants: BTreeSet<Arc<str>> = self.lock().values().map(|live| live.tenant.clone()).collect();
        tenants.extend(self.listeners().values().map(|listener| listener.tenant.clone()));
        tenants
    }

    /// Sessions connected now.
    pub fn count(&self) -> usize {
        self.lock().len()
    }

    /// Tells every session and stream of `tenants` that the `lists` changed
    /// (a stream only of those it listens for). Sent in the background: the
    /// change is already live, and a slow client must not hold up the
    /// operator who made it.
    pub fn lists_changed(&self, tenants: &BTreeSet<Arc<str>>, lists: Lists) {
        let changed: Vec<List> = List::ALL.into_iter().filter(|list| lists.has(*list)).collect();
        for list in &changed {
            self.tell_listeners(
                |listener| tenants.contains(&listener.tenant) && listener.lists.has(*list),
                || list.notice(),
            );
        }
        let peers = self.peers(|live| tenants.contains(&live.tenant));
        notify(peers, "list_changed", move |peer| {
            let changed = changed.clone();
            async move {
                for list in changed {
                    peer.send_notification(list.notice()).await?;
                }
                Ok(())
            }
        });
    }

    /// The open sessions that `which` picks.
    fn peers(&self, which: impl Fn(&Live) -> bool) -> Vec<Peer<RoleServer>> {
        self.lock()
            .values()
            .filter(|live| which(live) && !live.peer.is_transport_closed())
            .map(|live| live.peer.clone())
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Live>> {
        self.live.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn listeners(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Listener>> {
        self.listeners.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl ResourceChanges for Sessions {
    fn updated(&self, tenant: &str, uri: &str) {
        self.tell_listeners(
            |listener| &*listener.tenant == tenant && listener.resources.contains(uri),
            || {
                let params = ResourceUpdatedNotificationParam::new(uri.to_owned());
                ServerNotification::ResourceUpdatedNotification(ResourceUpdatedNotification::new(params))
            },
        );
        let peers = self.peers(|live| &*live.tenant == tenant && live.subscriptions.contains(uri));
        let uri = uri.to_owned();
        notify(peers, "resources/updated", move |peer| {
            let uri = uri.clone();
            async move { peer.notify_resource_updated(ResourceUpdatedNotificationParam::new(uri)).await }
        });
    }
}

/// Sends `what` to each of `peers` with `send`, in the background, each
/// within [`NOTIFY_TIMEOUT`].
fn notify<F, S>(peers: Vec<Peer<RoleServer>>, what: &'static str, send: S)
where
    S: Fn(Peer<RoleServer>) -> F + Send + 'static,
    F: Future<Output = Result<(), rmcp::service::ServiceError>> + Send,
{
    if peers.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let sends = peers.into_iter().map(|peer| tokio::time::timeout(NOTIFY_TIMEOUT, send(peer)));
        for outcome in futures::future::join_all(sends).await {
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(error)) => tracing::debug!("{what} not delivered: {error}"),
                Err(_) => tracing::debug!("{what} not delivered within {NOTIFY_TIMEOUT:?}"),
            }
        }
    });
}
