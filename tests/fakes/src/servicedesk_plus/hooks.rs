//! The portal's webhooks. ServiceDesk Plus signs nothing: an
//! administrator's webhook (Admin → Integrations → Webhooks, fired by a
//! custom trigger) sends the URL, headers and `$variable` payload it was
//! configured with. The fake stands for one such webhook per
//! [`Hooks::add`]: a `POST` with `Content-Type: application/json` and the
//! configured header `<header_name>: <secret>`, and this payload (the
//! fake's choice of template, since SDP's is the operator's):
//!
//! ```json
//! {"event": "request_updated", "request": {…as GET requests/{id}…}}
//! ```
//!
//! Events: `request_created`, `request_updated`, `note_added` (which adds
//! `"note": {…}`) and `request_closed`. Deliveries leave one at a time in
//! the order the events happened; SDP documents no retries, so the fake
//! makes none: a test resends one with [`Hooks::redeliver`].

use crate::lock;
use crate::webhook::{self, Delivery};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};

/// What happened to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// `POST requests`.
    RequestCreated,
    /// `PUT requests/{id}` (unless it closed the request).
    RequestUpdated,
    /// `POST requests/{id}/notes`.
    NoteAdded,
    /// `PUT requests/{id}/close`, or an update to a closed status.
    RequestClosed,
}

impl Event {
    /// The payload's `event`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestCreated => "request_created",
            Self::RequestUpdated => "request_updated",
            Self::NoteAdded => "note_added",
            Self::RequestClosed => "request_closed",
        }
    }
}

/// A configured webhook.
#[derive(Debug, Clone)]
struct Hook {
    url: String,
    header_name: String,
    secret: String,
}

/// A delivery that went out, and where to.
#[derive(Debug, Clone)]
struct Sent {
    url: String,
    delivery: Delivery,
}

/// One POST waiting its turn.
type Job = (String, Vec<(String, String)>, Vec<u8>);

/// The portal's webhooks and everything they delivered.
#[derive(Debug)]
pub struct Hooks {
    hooks: Mutex<Vec<Hook>>,
    sent: Arc<Mutex<Vec<Sent>>>,
    queue: mpsc::UnboundedSender<Job>,
    pending: Arc<watch::Sender<usize>>,
}

impl Hooks {
    /// No webhooks yet, and the task that sends deliveries in order (it
    /// ends when `Hooks` is dropped). Needs a Tokio runtime.
    pub fn start() -> Self {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let pending = Arc::new(watch::Sender::new(0_usize));
        let (record, count) = (sent.clone(), pending.clone());
        tokio::spawn(async move {
            while let Some((url, headers, body)) = jobs.recv().await {
                let delivery = webhook::post(&url, headers, body).await;
                lock(&record).push(Sent { url, delivery });
                count.send_modify(|pending| *pending = pending.saturating_sub(1));
            }
        });
        Self { hooks: Mutex::default(), sent, queue, pending }
    }

    /// Adds a webhook to `url` that sends `header_name: secret`.
    pub fn add(&self, url: &str, header_name: &str, secret: &str) {
        lock(&self.hooks).push(Hook {
            url: url.to_owned(),
            header_name: header_name.to_owned(),
            secret: secret.to_owned(),
        });
    }

    /// Sends `event` about `request` (and `note`) to every webhook.
    pub fn emit(&self, event: Event, request: &Value, note: Option<&Value>) {
        let mut payload = json!({"event": event.as_str(), "request": request});
        if let Some(note) = note {
            payload["note"] = note.clone();
        }
        let body = serde_json::to_vec(&payload).expect("a JSON value serialises");
        for hook in lock(&self.hooks).iter() {
            let headers = vec![
                ("Content-Type".to_owned(), "application/json".to_owned()),
                (hook.header_name.clone(), hook.secret.clone()),
            ];
            self.enqueue((hook.url.clone(), headers, body.clone()));
        }
    }

    /// Every delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.sent).iter().map(|sent| sent.delivery.clone()).collect()
    }

    /// Sends delivery `index` again with the same headers and body;
    /// `false` if there is no such delivery.
    pub fn redeliver(&self, index: usize) -> bool {
        let Some(sent) = lock(&self.sent).get(index).cloned() else { return false };
        self.enqueue((sent.url, sent.delivery.headers, sent.delivery.body));
        true
    }

    /// Waits until every delivery queued so far has been answered.
    pub async fn settled(&self) {
        let mut pending = self.pending.subscribe();
        let _ = pending.wait_for(|pending| *pending == 0).await;
    }

    fn enqueue(&self, job: Job) {
        self.pending.send_modify(|pending| *pending += 1);
        if self.queue.send(job).is_err() {
            self.pending.send_modify(|pending| *pending -= 1);
        }
    }
}
