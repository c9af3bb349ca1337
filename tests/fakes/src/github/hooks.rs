//! Webhooks, sent as GitHub sends them: one `POST` per event to every
//! subscribed URL, JSON body, signed with the hook's secret.
//!
//! Headers: `X-GitHub-Delivery` (a GUID, new per delivery, kept on a
//! redelivery), `X-GitHub-Event`, `X-GitHub-Hook-ID`,
//! `X-GitHub-Hook-Installation-Target-Type: organization`,
//! `X-GitHub-Hook-Installation-Target-ID`, `X-Hub-Signature-256:
//! sha256=<hex HMAC-SHA256(secret, body)>` ([`crate::webhook::hub_signature`]),
//! `User-Agent: GitHub-Hookshot/<hex>`, `Content-Type: application/json`.
//! The legacy SHA-1 `X-Hub-Signature` is not sent.
//!
//! Deliveries leave one at a time, in the order the events happened (one
//! worker task drains a queue), so a test can [`Hooks::settled`] and then
//! read them all. Like GitHub, the fake never retries a failed delivery on
//! its own; a test redelivers one ([`Hooks::redeliver`]).

use super::seed::OWNER_ID;
use crate::lock;
use crate::webhook::{self, Delivery};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};

/// The Hookshot build the `User-Agent` names.
const HOOKSHOT: &str = "GitHub-Hookshot/8e03811";
/// The first hook's id.
const FIRST_HOOK_ID: u64 = 512_300_001;

/// A subscription: where to send, and the secret to sign with.
#[derive(Debug, Clone)]
struct Hook {
    id: u64,
    url: String,
    secret: String,
}

/// One POST waiting in the queue.
#[derive(Debug)]
struct Job {
    url: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

/// A delivery that went out, and where to.
#[derive(Debug, Clone)]
struct Sent {
    url: String,
    delivery: Delivery,
}

/// The organisation's webhooks and everything they delivered.
#[derive(Debug)]
pub struct Hooks {
    hooks: Mutex<Vec<Hook>>,
    sent: Arc<Mutex<Vec<Sent>>>,
    queue: mpsc::UnboundedSender<Job>,
    pending: Arc<watch::Sender<usize>>,
    counter: AtomicU64,
}

impl Hooks {
    /// No subscriptions yet, and the worker that sends deliveries in
    /// order (it stops when `Hooks` is dropped). Needs a Tokio runtime.
    pub fn start() -> Self {
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let sent = Arc::new(Mutex::new(Vec::new()));
        let pending = Arc::new(watch::Sender::new(0_usize));
        let (record, count) = (sent.clone(), pending.clone());
        tokio::spawn(async move {
            while let Some(job) = jobs.recv().await {
                let delivery = webhook::post(&job.url, job.headers, job.body).await;
                lock(&record).push(Sent { url: job.url, delivery });
                count.send_modify(|pending| *pending = pending.saturating_sub(1));
            }
        });
        Self { hooks: Mutex::default(), sent, queue, pending, counter: AtomicU64::new(0) }
    }

    /// Subscribes `url` to every event, signed with `secret`; the hook id.
    pub fn add(&self, url: &str, secret: &str) -> u64 {
        let mut hooks = lock(&self.hooks);
        let id = FIRST_HOOK_ID + hooks.len() as u64;
        hooks.push(Hook { id, url: url.to_owned(), secret: secret.to_owned() });
        id
    }

    /// Sends `payload` as event `event` to every hook.
    pub fn emit(&self, event: &str, payload: &Value) {
        let body = serde_json::to_vec(payload).expect("a JSON value serialises");
        for hook in lock(&self.hooks).iter() {
            let headers = vec![
                ("Accept".to_owned(), "*/*".to_owned()),
                ("Content-Type".to_owned(), "application/json".to_owned()),
                ("User-Agent".to_owned(), HOOKSHOT.to_owned()),
                ("X-GitHub-Delivery".to_owned(), self.guid()),
                ("X-GitHub-Event".to_owned(), event.to_owned()),
                ("X-GitHub-Hook-ID".to_owned(), hook.id.to_string()),
                ("X-GitHub-Hook-Installation-Target-ID".to_owned(), OWNER_ID.to_string()),
                ("X-GitHub-Hook-Installation-Target-Type".to_owned(), "organization".to_owned()),
                ("X-Hub-Signature-256".to_owned(), webhook::hub_signature(&hook.secret, &body)),
            ];
            self.enqueue(Job { url: hook.url.clone(), headers, body: body.clone() });
        }
    }

    /// Every delivery so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        lock(&self.sent).iter().map(|sent| sent.delivery.clone()).collect()
    }

    /// Sends delivery `index` again, with the same headers (delivery id
    /// included) and body, as GitHub's "Redeliver" does; `false` if there
    /// is no such delivery.
    pub fn redeliver(&self, index: usize) -> bool {
        let Some(sent) = lock(&self.sent).get(index).cloned() else { return false };
        self.enqueue(Job { url: sent.url, headers: sent.delivery.headers, body: sent.delivery.body });
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

    /// A fresh delivery GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    fn guid(&self) -> String {
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let seed = format!("{:?} {count} {:p}", std::time::SystemTime::now(), self);
        let hex: String = Sha256::digest(seed.as_bytes()).iter().take(16).map(|byte| format!("{byte:02x}")).collect();
        format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::receiver;
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn deliveries_are_signed_ordered_and_redelivered_identically() {
        let (url, got) = receiver().await;
        let hooks = Hooks::start();
        assert_eq!(hooks.add(&url, "s3cret"), FIRST_HOOK_ID);
        for n in 0..3 {
            hooks.emit("issues", &json!({"action": "opened", "n": n}));
        }
        hooks.settled().await;
        let deliveries = hooks.deliveries();
        assert_eq!(deliveries.len(), 3);
        for (n, delivery) in deliveries.iter().enumerate() {
            let body: Value = serde_json::from_slice(&delivery.body).unwrap();
            assert_eq!(body["n"], n, "in order");
            assert_eq!(delivery.answer, Ok(202));
            assert_eq!(
                delivery.header("x-hub-signature-256").unwrap(),
                webhook::hub_signature("s3cret", &delivery.body)
            );
            assert_eq!(delivery.header("x-github-event"), Some("issues"));
            assert!(delivery.header("user-agent").unwrap().starts_with("GitHub-Hookshot/"));
            assert_eq!(delivery.header("x-github-delivery").unwrap().len(), 36);
        }
        assert_ne!(deliveries[0].header("x-github-delivery"), deliveries[1].header("x-github-delivery"));

        assert!(hooks.redeliver(1));
        assert!(!hooks.redeliver(9));
        hooks.settled().await;
        let again = &hooks.deliveries()[3];
        assert_eq!((&again.headers, &again.body), (&deliveries[1].headers, &deliveries[1].body));
        let received = lock(&got);
        assert_eq!(received.len(), 4);
        assert_eq!(received[3].0["x-github-delivery"], deliveries[1].header("x-github-delivery").unwrap());
    }
}
