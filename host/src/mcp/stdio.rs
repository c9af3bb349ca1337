//! The stdio transport: one JSON-RPC message per line on stdin, one per
//! line on stdout.
//!
//! rmcp's own line transport drops a line it cannot decode (bad JSON, bad
//! UTF-8, two messages on one line) without a word, and ends the session on
//! a line past its length cap. This one answers every line it can: a line
//! that is not a message gets the JSON-RPC error [`inbound`](super::inbound)
//! gives it (`-32700` with `id: null` when nothing can be read), and a
//! request that reuses an id still in flight gets `-32600` (see
//! [`RequestIds`]). A line longer than the cap is skipped without being
//! held in memory, answered with `-32700` and logged.

use super::inbound::{self, Unreadable};
use super::request_ids::RequestIds;
use crate::policy::echo::clip;
use rmcp::RoleServer;
use rmcp::model::{ClientJsonRpcMessage, ErrorCode};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

/// Why writing to the client failed.
#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    /// The output is closed or failed.
    #[error("writing to the client failed: {0}")]
    Io(#[from] std::io::Error),
    /// A message could not be encoded.
    #[error("encoding a message failed: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A server transport over a line-oriented reader and writer.
pub struct LineTransport<R, W> {
    lines: LineReader<R>,
    output: Arc<Mutex<W>>,
    in_flight: RequestIds,
}

impl<R, W> LineTransport<R, W> {
    /// Reads messages from `input` and writes to `output`; a line longer
    /// than `max_line` bytes is refused.
    pub fn new(input: R, output: W, max_line: usize) -> Self {
        Self {
            lines: LineReader::new(input, max_line),
            output: Arc::new(Mutex::new(output)),
            in_flight: RequestIds::default(),
        }
    }
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send + 'static,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = StdioError;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        self.in_flight.server_sent(&item);
        let output = self.output.clone();
        async move { write_line(&output, &item).await }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            let line = match self.lines.next().await? {
                Line::Whole(line) => line,
                Line::TooLong(length) => {
                    let max = self.lines.max;
                    let message = format!("parse error: the message is {length} bytes, more than the {max} allowed");
                    refuse(&self.output, Unreadable { id: None, code: ErrorCode::PARSE_ERROR, message }).await;
                    continue;
                }
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let message: ClientJsonRpcMessage = match inbound::parse(&line) {
                Ok(message) => message,
                Err(refusal) => {
                    refuse(&self.output, refusal).await;
                    continue;
                }
            };
            match self.in_flight.client_sent(&message) {
                Ok(()) => return Some(message),
                Err(refusal) => refuse(&self.output, refusal).await,
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.output.lock().await.flush().await?;
        Ok(())
    }
}

/// Writes the error for a line that was not served, and logs why.
async fn refuse<W: AsyncWrite + Unpin>(output: &Mutex<W>, refusal: Unreadable) {
    tracing::warn!(code = refusal.code.0, "refused a message on stdio: {}", clip(&refusal.message));
    if let Err(error) = write_line(output, &refusal.to_json()).await {
        tracing::warn!("cannot answer on stdout: {error}");
    }
}

/// Writes `message` as one line and flushes it.
async fn write_line<W: AsyncWrite + Unpin>(output: &Mutex<W>, message: &impl Serialize) -> Result<(), StdioError> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    let mut output = output.lock().await;
    output.write_all(&line).await?;
    output.flush().await?;
    Ok(())
}

/// One line of input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The line, without its `\n` (or `\r\n`).
    Whole(Vec<u8>),
    /// A line longer than the cap, of this many bytes, which was skipped.
    TooLong(usize),
}

/// Splits a byte stream into lines of at most `max` bytes. A longer line is
/// reported by its length and skipped as it streams past, never buffered
/// whole; the last line needs no `\n`.
pub struct LineReader<R> {
    input: R,
    max: usize,
    buffer: Vec<u8>,
    /// How far `buffer` is known to hold no `\n`.
    searched: usize,
    /// Bytes of an over-long line skipped so far.
    skipped: Option<usize>,
    ended: bool,
}

impl<R> LineReader<R> {
    /// Lines of `input`, each at most `max` bytes.
    pub fn new(input: R, max: usize) -> Self {
        Self { input, max, buffer: Vec::new(), searched: 0, skipped: None, ended: false }
    }

    /// The line ending at `end` (exclusive of the `\n`), taken out of the buffer.
    fn take(&mut self, end: usize, consumed: usize) -> Line {
        let mut line: Vec<u8> = self.buffer.drain(..consumed).collect();
        line.truncate(end);
        self.searched = 0;
        let skipped = self.skipped.take();
        if skipped.is_some() || line.len() > self.max {
            return Line::TooLong(skipped.unwrap_or(0) + line.len());
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Line::Whole(line)
    }
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// The next line, or `None` at the end of the input (or when reading
    /// fails, which is logged).
    pub async fn next(&mut self) -> Option<Line> {
        loop {
            if let Some(offset) = memchr::memchr(b'\n', &self.buffer[self.searched..]) {
                let end = self.searched + offset;
                return Some(self.take(end, end + 1));
            }
            self.searched = self.buffer.len();
            if self.buffer.len() > self.max {
                // Too long already: count it and let it go.
                *self.skipped.get_or_insert(0) += self.buffer.len();
                self.buffer.clear();
                self.searched = 0;
            }
            if self.ended {
                if self.buffer.is_empty() && self.skipped.is_none() {
                    return None;
                }
                let end = self.buffer.len();
                return Some(self.take(end, end));
            }
            self.buffer.reserve(64 * 1024);
            match self.input.read_buf(&mut self.buffer).await {
                Ok(0) => self.ended = true,
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!("reading stdin failed: {error}");
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every line `input` yields, read `chunk` bytes at a time.
    fn lines(input: &[u8], max: usize, chunk: usize) -> Vec<Line> {
        let (mut writer, reader) = tokio::io::duplex(chunk.max(1));
        let input = input.to_vec();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let feed = tokio::spawn(async move {
                for piece in input.chunks(chunk.max(1)) {
                    writer.write_all(piece).await.unwrap();
                }
            });
            let mut reader = LineReader::new(reader, max);
            let mut lines = Vec::new();
            while let Some(line) = reader.next().await {
                lines.push(line);
            }
            feed.await.unwrap();
            lines
        })
    }

    /// What `lines` must yield: split on `\n`, each line whole or too long.
    fn expected(input: &[u8], max: usize) -> Vec<Line> {
        let mut pieces: Vec<&[u8]> = input.split(|byte| *byte == b'\n').collect();
        if pieces.last().is_some_and(|last| last.is_empty()) {
            pieces.pop();
        }
        pieces
            .into_iter()
            .map(|piece| {
                if piece.len() > max {
                    Line::TooLong(piece.len())
                } else {
                    Line::Whole(piece.strip_suffix(b"\r").unwrap_or(piece).to_vec())
                }
            })
            .collect()
    }

    #[test]
    fn long_lines_are_skipped_and_the_next_line_is_read() {
        let mut input = vec![b'x'; 100_000];
        input.extend_from_slice(b"\n{\"a\":1}\r\nlast");
        let got = lines(&input, 1024, 4096);
        assert_eq!(got, [Line::TooLong(100_000), Line::Whole(b"{\"a\":1}".to_vec()), Line::Whole(b"last".to_vec())]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Framing does not depend on how the input is cut into reads.
        #[test]
        fn lines_are_framed_the_same_however_the_input_arrives(
            input in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'{'), any::<u8>()], 0..600),
            max in 1usize..64,
            chunk in 1usize..97,
        ) {
            prop_assert_eq!(lines(&input, max, chunk), expected(&input, max));
        }
    }
}
