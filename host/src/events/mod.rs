//! Webhooks in: `POST /hooks/{tenant}/{plugin}` becomes MCP notifications.
//!
//! A delivery is checked against the tenant's `webhook` secret outside the
//! sandbox ([`verify`]), its delivery id is taken in once ([`history`]),
//! and the upstream is answered at once. The plugin's `handle-event` then
//! runs in the background, in a sandbox of that tenant, and the host tells
//! the tenant's subscribed sessions which resources changed. A plugin never
//! sees the secret, nor a delivery that failed verification; every
//! delivery, refused or not, is in the event history and the audit log.

pub mod history;
pub mod verify;

use crate::app::App;
use crate::audit::{self, CallRecord};
use crate::capabilities::CallScope;
use crate::capabilities::cache::CacheScope;
use crate::capabilities::changes::ResourceChanges;
use crate::db::DbError;
use crate::log_safe;
use crate::mcp::sessions::Lists;
use crate::policy::manifest::owns_uri;
use crate::runtime::LoadedPlugin;
use crate::runtime::bindings::events::EventOutcome;
use crate::settings::{InvalidSetting, in_range};
use crate::snapshot::SnapshotError;
use history::{EventRecord, Outcome};
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use verify::{SECRET_HEADERS, Unverified};

/// Longest delivery id or event type kept; longer ones are refused (an id)
/// or cut (a type).
const MAX_ID_BYTES: usize = 200;
/// Longest reason kept in the history.
const MAX_DETAIL_CHARS: usize = 300;
/// Headers handed to a plugin, at most; the rest are dropped.
const MAX_HEADERS: usize = 64;
/// Longest header value handed to a plugin; longer ones are dropped.
const MAX_HEADER_VALUE_BYTES: usize = 4096;
/// Resources one event may report as changed.
const MAX_UPDATED: usize = 256;
/// How many deliveries pass between prunings of the history.
const PRUNE_EVERY: u64 = 1000;

/// `[events]`: bounds on webhook deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSettings {
    /// Largest delivery body, KiB; a larger one is answered 413.
    pub max_body_kib: u32,
    /// How far a signed timestamp (Zendesk's) may be from now, seconds.
    pub replay_window_secs: u64,
    /// Deliveries being handled at once; beyond that the upstream is told
    /// to retry (503), so none is lost in a queue that outgrows memory.
    pub max_in_flight: u32,
    /// Days the event history is kept.
    pub history_days: u32,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self { max_body_kib: 1024, replay_window_secs: 300, max_in_flight: 64, history_days: 30 }
    }
}

impl EventSettings {
    /// Refuses values outside the supported ranges.
    pub fn validate(&self) -> Result<(), InvalidSetting> {
        const SECTION: &str = "events";
        in_range(SECTION, "max_body_kib", self.max_body_kib, 1..=32_768)?;
        in_range(SECTION, "replay_window_secs", self.replay_window_secs, 10..=86_400)?;
        in_range(SECTION, "max_in_flight", self.max_in_flight, 1..=10_000)?;
        in_range(SECTION, "history_days", self.history_days, 1..=3650)?;
        Ok(())
    }

    /// The body cap in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_kib as usize * 1024
    }
}

/// One delivery as it arrived.
#[derive(Debug)]
pub struct Delivery {
    /// Tenant, from the URL.
    pub tenant: String,
    /// Plugin, from the URL.
    pub plugin: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its raw body.
    pub body: bytes::Bytes,
}

/// A delivery the host took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Receipt {
    /// Verified and handed on; the plugin runs in the background.
    Accepted,
    /// Its delivery id was taken in before, with this outcome so far.
    Duplicate(String),
}

/// Why a delivery was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No such tenant, or the plugin is not loaded, not enabled for it,
    /// takes no events, or has no webhook secret for it: nothing listens
    /// at this URL.
    #[error("no webhook is configured at this URL")]
    Unknown,
    /// The signature, secret or timestamp did not check out.
    #[error(transparent)]
    Unverified(#[from] Unverified),
    /// The delivery id header is too long to be one.
    #[error("the delivery id is longer than {MAX_ID_BYTES} bytes")]
    DeliveryId,
    /// Too many deliveries are being handled; the upstream should retry.
    #[error("too many events are being handled; retry later")]
    Busy,
    /// The host's own state could not be read or written.
    #[error("the event could not be recorded: {0}")]
    Store(String),
}

impl From<DbError> for Refusal {
    fn from(error: DbError) -> Self {
        Self::Store(error.to_string())
    }
}

impl From<SnapshotError> for Refusal {
    fn from(error: SnapshotError) -> Self {
        Self::Store(error.to_string())
    }
}

/// The webhook intake: its bounds, and the deliveries in hand.
#[derive(Debug)]
pub struct Events {
    settings: EventSettings,
    in_flight: Arc<Semaphore>,
    received: AtomicU64,
}

impl Events {
    /// An intake enforcing `settings`.
    pub fn new(settings: EventSettings) -> Self {
        Self {
            settings,
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight as usize)),
            received: AtomicU64::new(0),
        }
    }

    /// Its bounds.
    pub fn settings(&self) -> &EventSettings {
        &self.settings
    }

    /// Takes `delivery` in for `app`: verified, de-duplicated, recorded,
    /// and handed to the plugin in the background. Every outcome is in the
    /// history, the audit log (for a tenant that exists) and the metrics.
    pub async fn receive(&self, app: &Arc<App>, delivery: Delivery) -> Result<Receipt, Refusal> {
        self.prune_now_and_then(app);
        let at_ms = audit::now_ms();
        let answer = self.admit(app, &delivery, at_ms).await;
        let outcome = match &answer {
            Ok(Receipt::Accepted) => Outcome::Accepted,
            Ok(Receipt::Duplicate(_)) => Outcome::Duplicate,
            Err(Refusal::Busy) => Outcome::Busy,
            Err(_) => Outcome::Refused,
        };
        app.metrics.event(outcome.as_str());
        answer
    }

    /// Everything [`Self::receive`] does but the counting.
    async fn admit(&self, app: &Arc<App>, delivery: &Delivery, at_ms: i64) -> Result<Receipt, Refusal> {
        let target = match Target::find(app, delivery).await? {
            Found::Target(target) => target,
            Found::Tenant(tenant) => {
                // A registered tenant's operator wants to see deliveries to a
                // plugin it does not have (a typo in the URL, say).
                let detail =
                    format!("no plugin `{}` that takes events is enabled for this tenant", clip(&delivery.plugin, 64));
                let record = EventRecord {
                    at_ms,
                    tenant: tenant.to_string(),
                    plugin: clip(&delivery.plugin, 64),
                    delivery: None,
                    kind: None,
                    outcome: Outcome::Refused.as_str().to_owned(),
                    detail: detail.clone(),
                };
                history::insert(&app.db, &record).await?;
                app.audit.call(audit_record(&record, "-", format!("refused: {detail}")));
                return Err(Refusal::Unknown);
            }
            Found::Nothing => {
                tracing::info!(
                    tenant = %log_safe::quote(&delivery.tenant),
                    plugin = %log_safe::quote(&delivery.plugin),
                    "webhook refused: nothing listens at this URL"
                );
                return Err(Refusal::Unknown);
            }
        };
        let source = target.plugin.events.as_ref().expect("a target takes events");
        let header = |name: &Option<String>| name.as_deref().and_then(|name| text_header(&delivery.headers, name));
        let kind = header(&source.type_header).map(|kind| clip(&kind, MAX_ID_BYTES));
        let delivery_id = header(&source.delivery_header);
        let mut record = EventRecord {
            at_ms,
            tenant: target.tenant.to_string(),
            plugin: target.plugin.name().to_owned(),
            delivery: delivery_id.clone().map(|id| clip(&id, MAX_ID_BYTES)),
            kind,
            outcome: Outcome::Refused.as_str().to_owned(),
            detail: String::new(),
        };
        let Some(secret) = target.secret.as_deref() else {
            record.detail = "no webhook secret is configured for this tenant and plugin".to_owned();
            history::insert(&app.db, &record).await?;
            app.audit.call(target.audit(&record, "refused", &record.detail));
            return Err(Refusal::Unknown);
        };
        let now = time::OffsetDateTime::now_utc();
        let window = Duration::from_secs(self.settings.replay_window_secs);
        if let Err(unverified) =
            verify::verify(&source.signature, secret.as_bytes(), &delivery.headers, &delivery.body, now, window)
        {
            return target.refuse(app, &mut record, unverified.into()).await;
        }
        if delivery_id.as_ref().is_some_and(|id| id.len() > MAX_ID_BYTES) {
            return target.refuse(app, &mut record, Refusal::DeliveryId).await;
        }
        let Ok(permit) = self.in_flight.clone().try_acquire_owned() else {
            record.outcome = Outcome::Busy.as_str().to_owned();
            return target.refuse(app, &mut record, Refusal::Busy).await;
        };
        record.outcome = Outcome::Accepted.as_str().to_owned();
        let Some(row) = history::insert(&app.db, &record).await? else {
            let id = record.delivery.clone().unwrap_or_default();
            let so_far = history::taken_in(&app.db, &record.tenant, &record.plugin, &id).await?.unwrap_or_default();
            record.outcome = Outcome::Duplicate.as_str().to_owned();
            record.detail = format!("delivery taken in before ({so_far}); not processed again");
            history::insert(&app.db, &record).await?;
            return Ok(Receipt::Duplicate(so_far));
        };
        let headers = plugin_headers(&delivery.headers, &source.signature);
        let (app, body) = (app.clone(), delivery.body.clone());
        tokio::spawn(async move {
            target.handle(&app, row, record, headers, body).await;
            drop(permit);
        });
        Ok(Receipt::Accepted)
    }

    /// Drops history older than the retention, every [`PRUNE_EVERY`]
    /// deliveries, in the background.
    fn prune_now_and_then(&self, app: &Arc<App>) {
        if !self.received.fetch_add(1, Ordering::Relaxed).is_multiple_of(PRUNE_EVERY) {
            return;
        }
        let before = audit::now_ms() - i64::from(self.settings.history_days) * 86_400_000;
        let db = app.db.clone();
        tokio::spawn(async move {
            if let Err(error) = history::prune(&db, before).await {
                tracing::warn!("cannot prune the event history: {error}");
            }
        });
    }
}

/// What a delivery's URL leads to.
enum Found {
    /// A plugin that takes events, on its tenant.
    Target(Target),
    /// A registered tenant, but no such plugin (or one that takes no
    /// events, or is not enabled for it).
    Tenant(Arc<str>),
    /// Nothing: no such tenant.
    Nothing,
}

/// The plugin a delivery is for, on its tenant, with the tenant's grants.
struct Target {
    tenant: Arc<str>,
    plugin: Arc<LoadedPlugin>,
    scope: CallScope,
    secret: Option<String>,
}

impl Target {
    /// The loaded plugin that takes events, enabled for the tenant. A
    /// tenant that was never registered counts only where it has a webhook
    /// secret for the plugin: the secret is then what authenticates.
    async fn find(app: &App, delivery: &Delivery) -> Result<Found, Refusal> {
        if !is_name(&delivery.tenant) {
            return Ok(Found::Nothing);
        }
        let tenant: Arc<str> = Arc::from(delivery.tenant.as_str());
        let generation = app.snapshot.current().await?;
        let access = app.snapshot.access(&generation, &tenant).await?;
        let registered = matches!(*access, crate::tenants::PluginAccess::Enabled(_));
        let unknown = if registered { Found::Tenant(tenant.clone()) } else { Found::Nothing };
        let plugin = Some(&delivery.plugin)
            .filter(|name| is_name(name))
            .and_then(|name| app.plugins.get(name))
            .filter(|plugin| plugin.events.is_some() && access.allows(plugin.name()));
        let Some(plugin) = plugin else { return Ok(unknown) };
        let grants = app.snapshot.grants(&generation, &app.vault, &tenant, plugin.name()).await?;
        let secret = grants.credentials.iter().find_map(|credential| credential.webhook_secret()).map(str::to_owned);
        if secret.is_none() && !registered {
            return Ok(Found::Nothing);
        }
        let scope = CallScope {
            tenant: Some(tenant.clone()),
            config: grants.config.clone(),
            credentials: grants.credentials.clone(),
            changes: Some(app.sessions.clone()),
            ..CallScope::default()
        };
        Ok(Found::Target(Self { tenant, plugin, scope, secret }))
    }

    /// Runs the plugin's `handle-event` and carries out what it says.
    async fn handle(
        self,
        app: &Arc<App>,
        row: i64,
        mut record: EventRecord,
        headers: Vec<(String, String)>,
        body: bytes::Bytes,
    ) {
        let started = Instant::now();
        let mut audited = self.audit(&record, "", "");
        let mut scope = self.scope.clone();
        scope.call_id = Some(audited.call_id.clone());
        let answer = app.runtime.handle_event(&self.plugin, scope, &headers, &body).await;
        let (outcome, detail, changed) = match answer {
            Ok(Ok(changed)) => {
                if let Some(kind) = &changed.kind {
                    record.kind = Some(clip(kind, MAX_ID_BYTES));
                }
                (Outcome::Handled, self.describe(&changed), Some(changed))
            }
            Ok(Err(reason)) => (Outcome::Failed, format!("the plugin could not handle it: {reason}"), None),
            Err(error) => (Outcome::Failed, format!("the plugin failed: {error}"), None),
        };
        let detail = clip(&detail, MAX_DETAIL_CHARS);
        if let Err(error) = history::finish(&app.db, row, outcome, record.kind.as_deref(), &detail).await {
            tracing::error!("cannot record an event's outcome: {error}");
        }
        app.metrics.event(outcome.as_str());
        audited.outcome = match outcome {
            Outcome::Handled => "ok".to_owned(),
            _ => format!("error: {detail}"),
        };
        audited.tool = format!("event {}", record.kind.as_deref().unwrap_or("(untyped)"));
        audited.duration_ms = started.elapsed().as_millis() as i64;
        app.audit.call(audited);
        // Recorded first: whoever hears of the change and looks finds it.
        if let Some(changed) = changed {
            self.apply(app, &changed).await;
        }
    }

    /// The plugin's own URIs among those `changed` names, at most
    /// [`MAX_UPDATED`] of them.
    fn own<'a>(&self, changed: &'a EventOutcome) -> BTreeSet<&'a str> {
        changed
            .updated
            .iter()
            .filter(|uri| owns_uri(self.plugin.name(), uri))
            .take(MAX_UPDATED)
            .map(String::as_str)
            .collect()
    }

    /// Tells the tenant's subscribers what `changed` says, for the
    /// plugin's own URIs only, and clears the cache if asked.
    async fn apply(&self, app: &App, changed: &EventOutcome) {
        if changed.invalidate_cache {
            let scope = CacheScope::new(self.tenant.clone(), Arc::from(self.plugin.name()));
            app.runtime.services().cache.clear(&scope).await;
        }
        for uri in self.own(changed) {
            app.sessions.updated(&self.tenant, uri);
        }
        if changed.lists_changed {
            let lists = Lists { resources: true, ..Lists::default() };
            app.sessions.lists_changed(&BTreeSet::from([self.tenant.clone()]), lists);
        }
    }

    /// What [`Self::apply`] does with `changed`, in a line.
    fn describe(&self, changed: &EventOutcome) -> String {
        let own = self.own(changed);
        let ignored = changed.updated.len() - own.len();
        let mut done = format!("{} resource(s) updated", own.len());
        if ignored > 0 {
            done.push_str(&format!(", {ignored} ignored (not the plugin's own, or over {MAX_UPDATED})"));
        }
        if changed.lists_changed {
            done.push_str(", resource list changed");
        }
        if changed.invalidate_cache {
            done.push_str(", cache cleared");
        }
        done
    }

    /// An audit record of `record` with `outcome` (`refused`, or filled in
    /// later) and `detail`.
    /// Records and audits `refusal` of the delivery `record` describes.
    async fn refuse(&self, app: &App, record: &mut EventRecord, refusal: Refusal) -> Result<Receipt, Refusal> {
        record.detail = clip(&refusal.to_string(), MAX_DETAIL_CHARS);
        history::insert(&app.db, record).await?;
        app.audit.call(self.audit(record, "refused", &record.detail));
        tracing::warn!(tenant = %record.tenant, plugin = %record.plugin, "webhook refused: {}", record.detail);
        Err(refusal)
    }

    fn audit(&self, record: &EventRecord, outcome: &str, detail: &str) -> CallRecord {
        let outcome = if detail.is_empty() { outcome.to_owned() } else { format!("{outcome}: {detail}") };
        audit_record(record, &self.plugin.manifest.version, outcome)
    }
}

/// The audit log's record of delivery `record` to a plugin of `version`.
fn audit_record(record: &EventRecord, version: &str, outcome: String) -> CallRecord {
    CallRecord {
        call_id: audit::call_id(),
        at_ms: record.at_ms,
        tenant: record.tenant.clone(),
        // The upstream that signed the delivery.
        principal: format!("webhook:{}", record.plugin),
        roles: String::new(),
        transport: "webhook".to_owned(),
        plugin: record.plugin.clone(),
        version: version.to_owned(),
        tool: "event".to_owned(),
        arguments: json!({ "delivery": record.delivery, "type": record.kind }),
        outcome,
        duration_ms: 0,
        requests: Vec::new(),
    }
}

/// A tenant or plugin name as the URL may carry it.
fn is_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-_.".contains(&byte))
}

/// Header `name`'s value, if it is text.
fn text_header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get(name).and_then(|value| value.to_str().ok()).map(|value| value.trim().to_owned())
}

/// What the plugin sees of the headers: lower-case names, text values,
/// bounded, and never one that carries the secret or the signature.
fn plugin_headers(
    headers: &HeaderMap,
    signature: &crate::runtime::bindings::events::Signature,
) -> Vec<(String, String)> {
    let secret_header = match signature {
        crate::runtime::bindings::events::Signature::Header(name) => Some(name.as_str()),
        _ => None,
    };
    headers
        .iter()
        .filter(|(name, _)| !SECRET_HEADERS.contains(&name.as_str()) && Some(name.as_str()) != secret_header)
        .filter(|(_, value)| value.len() <= MAX_HEADER_VALUE_BYTES)
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .take(MAX_HEADERS)
        .collect()
}

/// `text`, cut to at most `max` characters and made safe to log.
fn clip(text: &str, max: usize) -> String {
    let cut: String = text.chars().take(max).collect();
    log_safe::escape(&cut).into_owned()
}
