//! A dedicated connection that `LISTEN`s for the changes other replicas
//! announce (`berth_changes`, `berth_catalog`: see `migrations.rs`) and
//! raises a [`Notify`] for each. It reconnects when the connection drops,
//! and raises the signal once after each (re)connection, since changes
//! made while it was away were never announced to it. It ends when no one
//! holds the signal any more.

use futures::StreamExt;
use std::sync::{Arc, Weak};
use std::time::Duration;
use tokio::sync::Notify;
use tokio_postgres::AsyncMessage;

/// How long to wait before reconnecting.
const RECONNECT: Duration = Duration::from_secs(1);
/// How often a quiet session checks that someone still holds its signal.
const ORPHAN_CHECK: Duration = Duration::from_secs(5);

/// Starts listening with `config`; the signal it raises.
pub(crate) fn listen(config: tokio_postgres::Config) -> Arc<Notify> {
    let signal = Arc::new(Notify::new());
    let weak = Arc::downgrade(&signal);
    tokio::spawn(async move {
        while weak.strong_count() > 0 {
            if let Err(error) = session(&config, &weak).await {
                tracing::warn!(%error, "listening for other replicas' changes failed; reconnecting (polling covers the gap)");
            }
            tokio::time::sleep(RECONNECT).await;
        }
    });
    signal
}

/// One connection's worth of listening.
async fn session(config: &tokio_postgres::Config, signal: &Weak<Notify>) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    let (heard, mut hearing) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            if let AsyncMessage::Notification(_) = message? {
                let _ = heard.send(());
            }
        }
        Ok::<(), tokio_postgres::Error>(())
    });
    client.batch_execute("LISTEN berth_changes; LISTEN berth_catalog").await?;
    let mut raise = true;
    loop {
        if raise {
            match signal.upgrade() {
                Some(signal) => signal.notify_one(),
                None => break,
            }
        }
        tokio::select! {
            heard = hearing.recv() => {
                if heard.is_none() {
                    break;
                }
                raise = true;
            }
            // No one listening any more: end rather than wait for the next
            // announcement to notice.
            () = tokio::time::sleep(ORPHAN_CHECK) => {
                if signal.strong_count() == 0 {
                    break;
                }
                raise = false;
            }
        }
    }
    drop(client);
    driver.await.unwrap_or(Ok(()))
}
