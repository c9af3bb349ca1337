//! Routes a guest's stdout and stderr into the host log, line by line, tagged
//! with tenant and plugin. Nothing a guest prints ever reaches the host's own
//! stdout, which in stdio mode carries JSON-RPC.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// Longest line logged as is; longer lines are cut, so a guest cannot flood
/// the log with one giant write.
const MAX_LINE_BYTES: usize = 4 * 1024;
/// Bytes of guest output logged per call; the rest is counted and dropped.
const MAX_BYTES_PER_CALL: usize = 64 * 1024;
/// How much of the end of stderr is kept to explain a crash.
const TAIL_BYTES: usize = 512;

/// Which stream a [`GuestOutput`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    /// The guest's stdout.
    Stdout,
    /// The guest's stderr.
    Stderr,
}

/// One guest stream for one call.
#[derive(Clone)]
pub struct GuestOutput {
    inner: Arc<Mutex<Buffer>>,
}

struct Buffer {
    stream: Stream,
    tenant: Arc<str>,
    plugin: Arc<str>,
    line: Vec<u8>,
    logged: usize,
    dropped: usize,
    tail: Vec<u8>,
}

impl GuestOutput {
    /// A stream for `plugin` running on behalf of `tenant`.
    pub fn new(stream: Stream, tenant: Arc<str>, plugin: Arc<str>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Buffer {
                stream,
                tenant,
                plugin,
                line: Vec::new(),
                logged: 0,
                dropped: 0,
                tail: Vec::new(),
            })),
        }
    }

    /// The last few hundred bytes written, for explaining a trap (a Rust
    /// guest prints its panic message to stderr before it aborts).
    pub fn tail(&self) -> String {
        let buffer = self.lock();
        let mut text = buffer.tail.clone();
        text.extend_from_slice(&buffer.line);
        let start = text.len().saturating_sub(TAIL_BYTES);
        let tail = String::from_utf8_lossy(&text[start..]);
        tail.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join(" ")
    }

    /// Logs whatever is buffered and reports dropped output. Called when the
    /// call ends.
    pub fn finish(&self) {
        let mut buffer = self.lock();
        buffer.flush_line();
        if buffer.dropped > 0 {
            tracing::warn!(
                tenant = %buffer.tenant, plugin = %buffer.plugin,
                "guest {:?} output over {MAX_BYTES_PER_CALL} bytes; {} bytes dropped",
                buffer.stream, buffer.dropped
            );
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buffer> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Buffer {
    fn write(&mut self, bytes: &[u8]) {
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 2 * TAIL_BYTES {
            self.tail.drain(..self.tail.len() - TAIL_BYTES);
        }
        for &byte in bytes {
            if self.logged >= MAX_BYTES_PER_CALL {
                self.dropped += 1;
                continue;
            }
            self.logged += 1;
            if byte == b'\n' {
                self.flush_line();
            } else if self.line.len() < MAX_LINE_BYTES {
                self.line.push(byte);
            }
        }
    }

    fn flush_line(&mut self) {
        if self.line.is_empty() {
            return;
        }
        // A carriage return or a terminal escape must not forge a host
        // record: the line is logged escaped.
        let text = String::from_utf8_lossy(&self.line);
        let text = crate::log_safe::escape(&text);
        match self.stream {
            Stream::Stdout => {
                tracing::info!(target: "berth::guest", tenant = %self.tenant, plugin = %self.plugin, stream = "stdout", "{text}")
            }
            Stream::Stderr => {
                tracing::warn!(target: "berth::guest", tenant = %self.tenant, plugin = %self.plugin, stream = "stderr", "{text}")
            }
        }
        self.line.clear();
    }
}

impl IsTerminal for GuestOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for GuestOutput {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, bytes: &[u8]) -> Poll<io::Result<usize>> {
        self.lock().write(bytes);
        Poll::Ready(Ok(bytes.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
