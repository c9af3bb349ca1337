//! The accept loop, with the bounds a hostile client meets before any
//! request is read: connections open at once, in total and per peer
//! address, a deadline for each request's headers, and an idle timeout.
//!
//! axum's own `serve` has none of these (hyper reads headers for as long as
//! a client cares to trickle them, and every accepted socket stays open
//! until its client closes it), so Berth accepts connections itself and
//! hands each to hyper's server with a timer. A connection over a bound is
//! closed as soon as it is accepted: the bound is what keeps a flood of
//! sockets from taking every file descriptor, after which the host could
//! accept nothing at all.
//!
//! "Idle" means no request in flight and no byte moved: a long tool call or
//! an open event stream is never cut as idle (the stream's keep-alive
//! pings, and the session idle timeout, look after those).

use super::HttpSettings;
use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// Accepts connections on `listener` and serves `router` on each, within
/// `settings`' bounds, until `stop`; then lets every open connection finish
/// its in-flight requests (hyper's graceful shutdown) and returns once all
/// have closed.
pub async fn serve(listener: TcpListener, router: Router, settings: HttpSettings, stop: CancellationToken) {
    let bounds = Bounds::new(settings.max_connections, settings.max_connections_per_peer);
    let mut refusals = Refusals::default();
    let (open_tx, open_rx) = watch::channel(());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => break,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Out of descriptors, say: wait a little rather than spin.
                tracing::warn!("accepting a connection failed: {error}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = bounds.admit(peer.ip()) else {
            refusals.note(peer, &settings);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let connection = Connection { router: router.clone(), settings, stop: stop.clone(), peer };
        let open = open_rx.clone();
        tokio::spawn(async move {
            connection.run(stream).await;
            drop((slot, open));
        });
    }
    drop(open_rx);
    open_tx.closed().await;
}

/// Connections closed at a bound, reported to the operator at most every
/// [`Refusals::EVERY`], so that a flood of them cannot flood the log.
#[derive(Default)]
struct Refusals {
    since_report: u64,
    reported: Option<Instant>,
}

impl Refusals {
    const EVERY: Duration = Duration::from_secs(10);

    fn note(&mut self, peer: SocketAddr, settings: &HttpSettings) {
        self.since_report += 1;
        tracing::debug!(%peer, "connection closed at once: too many open connections");
        if self.reported.is_none_or(|reported| reported.elapsed() >= Self::EVERY) {
            tracing::warn!(
                "closed {} connection(s) at once, the latest from {peer}: at most {} may be open, {} from one address ([http] max_connections, max_connections_per_peer)",
                self.since_report,
                settings.max_connections,
                settings.max_connections_per_peer
            );
            self.since_report = 0;
            self.reported = Some(Instant::now());
        }
    }
}

/// One accepted connection and what it is served with.
struct Connection {
    router: Router,
    settings: HttpSettings,
    stop: CancellationToken,
    peer: SocketAddr,
}

impl Connection {
    /// Serves HTTP/1.1 or HTTP/2 on `stream` until the client closes it, it
    /// fails, it stays idle past the timeout, or (after `stop`) its
    /// in-flight requests are answered.
    async fn run(self, stream: TcpStream) {
        let activity = Activity::new();
        let io = TokioIo::new(Watched { inner: stream, activity: activity.clone() });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // hyper's own header deadline also runs while a kept-alive connection
        // waits for its next request, so it would close every idle connection
        // after the header timeout and race clients that reuse one; Berth
        // keeps the two deadlines apart itself (see `Activity::deadline`).
        builder.http1().timer(TokioTimer::new()).header_read_timeout(None);
        builder.http2().timer(TokioTimer::new());
        let router = self.router;
        let busy = activity.clone();
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let call = InFlight::begin(&busy);
            let answered = router.clone().oneshot(request.map(Body::new));
            async move { Ok::<_, Infallible>(answered.await?.map(|body| Body::new(Tracked { body, _call: call }))) }
        });
        let connection = builder.serve_connection_with_upgrades(io, service);
        tokio::pin!(connection);
        let deadlines = Deadlines {
            header: Duration::from_millis(self.settings.header_read_timeout_ms),
            idle: Duration::from_secs(self.settings.idle_timeout_secs),
        };
        let mut stopping = false;
        loop {
            tokio::select! {
                ended = connection.as_mut() => {
                    if let Err(error) = ended {
                        tracing::debug!(peer = %self.peer, "connection ended: {error}");
                    }
                    return;
                }
                () = self.stop.cancelled(), if !stopping => {
                    stopping = true;
                    connection.as_mut().graceful_shutdown();
                }
                why = activity.deadline(deadlines) => {
                    tracing::debug!(peer = %self.peer, "closing a connection: {why}");
                    return;
                }
            }
        }
    }
}

/// The bounds on open connections: in total, and per peer address.
struct Bounds {
    total: Arc<Semaphore>,
    per_peer: Arc<Mutex<HashMap<IpAddr, u32>>>,
    max_per_peer: u32,
}

/// An open connection's place in [`Bounds`], given back on drop.
struct Slot {
    _total: OwnedSemaphorePermit,
    peer: IpAddr,
    per_peer: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

impl Bounds {
    fn new(total: u32, max_per_peer: u32) -> Self {
        Self { total: Arc::new(Semaphore::new(total as usize)), per_peer: Arc::default(), max_per_peer }
    }

    /// A slot for one more connection from `peer`, unless a bound is reached.
    fn admit(&self, peer: IpAddr) -> Option<Slot> {
        let peer = peer.to_canonical();
        let total = self.total.clone().try_acquire_owned().ok()?;
        let mut per_peer = lock(&self.per_peer);
        let open = per_peer.entry(peer).or_default();
        if *open >= self.max_per_peer {
            return None;
        }
        *open += 1;
        Some(Slot { _total: total, peer, per_peer: self.per_peer.clone() })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut per_peer = lock(&self.per_peer);
        if let Some(open) = per_peer.get_mut(&self.peer) {
            *open -= 1;
            if *open == 0 {
                // Forget the address: the map holds only peers with connections.
                per_peer.remove(&self.peer);
            }
        }
    }
}

fn lock(map: &Mutex<HashMap<IpAddr, u32>>) -> std::sync::MutexGuard<'_, HashMap<IpAddr, u32>> {
    map.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How long a connection may take over a request's headers, and stay idle.
#[derive(Clone, Copy)]
struct Deadlines {
    header: Duration,
    idle: Duration,
}

/// What a connection is doing: when it last moved a byte, in either
/// direction; when the head of the request it is receiving began (a new
/// connection counts as beginning one); and how many of its requests are
/// being answered.
#[derive(Clone)]
struct Activity(Arc<ActivityState>);

struct ActivityState {
    since: Instant,
    last_ms: AtomicU64,
    /// When the pending request head began, plus one; zero when none is
    /// pending.
    head_from_ms: AtomicU64,
    in_flight: AtomicUsize,
    /// Wakes [`Activity::deadline`] when a head begins.
    head_began: Notify,
}

impl Activity {
    fn new() -> Self {
        Self(Arc::new(ActivityState {
            since: Instant::now(),
            last_ms: AtomicU64::new(0),
            head_from_ms: AtomicU64::new(1),
            in_flight: AtomicUsize::new(0),
            head_began: Notify::new(),
        }))
    }

    fn now_ms(&self) -> u64 {
        self.0.since.elapsed().as_millis() as u64
    }

    fn touch(&self) {
        self.0.last_ms.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Notes bytes received: with no request being answered, they begin the
    /// next request's head, if none has begun.
    fn received(&self) {
        let now = self.now_ms();
        self.0.last_ms.store(now, Ordering::Relaxed);
        if self.0.in_flight.load(Ordering::Relaxed) == 0
            && self.0.head_from_ms.compare_exchange(0, now + 1, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            self.0.head_began.notify_one();
        }
    }

    /// Resolves, saying why, once the connection is past a deadline: a
    /// request head not complete `header` after it began, or no request in
    /// flight and no byte moved for `idle`.
    async fn deadline(&self, deadlines: Deadlines) -> &'static str {
        let state = &self.0;
        loop {
            let head_began = state.head_began.notified();
            let now = self.now_ms();
            let idle_due = state.last_ms.load(Ordering::Relaxed) + deadlines.idle.as_millis() as u64;
            let (due, why) = if state.in_flight.load(Ordering::Relaxed) > 0 {
                // An answer's end touches the clock; look again a period on.
                (now + deadlines.idle.as_millis() as u64, None)
            } else {
                match state.head_from_ms.load(Ordering::Relaxed) {
                    began if began > 0 && began - 1 + (deadlines.header.as_millis() as u64) < idle_due => (
                        began - 1 + deadlines.header.as_millis() as u64,
                        Some("its request headers did not arrive by the header deadline"),
                    ),
                    _ => (idle_due, Some("idle past the idle timeout")),
                }
            };
            if let Some(why) = why
                && now >= due
            {
                return why;
            }
            tokio::select! {
                () = tokio::time::sleep_until(state.since + Duration::from_millis(due)) => {}
                () = head_began => {}
            }
        }
    }
}

/// One request being answered on a connection: from when its head is read
/// until its response body has been sent or dropped.
struct InFlight(Activity);

impl InFlight {
    /// A request whose head is complete: no head is pending any more.
    fn begin(activity: &Activity) -> Self {
        activity.0.in_flight.fetch_add(1, Ordering::Relaxed);
        activity.0.head_from_ms.store(0, Ordering::Relaxed);
        Self(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that keeps its request [`InFlight`] until it is done.
struct Tracked {
    body: Body,
    _call: InFlight,
}

impl http_body::Body for Tracked {
    type Data = <Body as http_body::Body>::Data;
    type Error = <Body as http_body::Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A socket that records its [`Activity`].
struct Watched {
    inner: TcpStream,
    activity: Activity,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.received();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(written)) if written > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_hold_per_peer_and_in_total_and_free_on_drop() {
        let bounds = Bounds::new(4, 2);
        let (a, b, c): (IpAddr, IpAddr, IpAddr) =
            ("127.0.0.2".parse().unwrap(), "127.0.0.3".parse().unwrap(), "127.0.0.4".parse().unwrap());
        let first = bounds.admit(a).expect("first from a");
        let _second = bounds.admit(a).expect("second from a");
        assert!(bounds.admit(a).is_none(), "a third from one address");
        let _third = bounds.admit(b).expect("another address");
        let _fourth = bounds.admit(b).expect("another address");
        assert!(bounds.admit(c).is_none(), "the total is reached");
        drop(first);
        assert!(bounds.admit(a).is_some(), "a closed connection frees its slot");
        let mapped: IpAddr = "::ffff:127.0.0.3".parse().unwrap();
        assert!(bounds.admit(mapped).is_none(), "an IPv4-mapped address counts as the IPv4 address");
    }
}
