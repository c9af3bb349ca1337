//! The audit log's writer: one thread that commits rows in groups, so that
//! no tool call waits for a disk sync. The thread has a runtime of its own
//! and, on it, its own connection (SQLite) or pool (PostgreSQL): a commit
//! never needs the host's workers, which may be the very callers blocked
//! on a full queue, so a slow or failing database cannot wedge the host
//! through the audit log.
//!
//! Rows go through a bounded queue. When the queue is full, the caller waits
//! for room (backpressure): a row is never dropped to keep a call fast. The
//! thread sleeps `flush_interval_ms` after the first row of a group arrives,
//! then commits everything queued, `batch_rows` rows per transaction;
//! [`Queue::flush`] commits at once (shutdown uses it).

use super::retention::{self, Retention};
use super::{AuditSettings, CallRecord, RequestRecord};
use crate::args;
use crate::db::{Database, DatabaseSettings, DbError};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// How often a failed commit is tried again before its rows go to the log
/// instead (see [`write_or_log`]).
const COMMIT_ATTEMPTS: u32 = 5;

/// What travels through the queue.
pub(super) enum Entry {
    /// A finished call.
    Call(Box<CallRecord>),
    /// An upstream request.
    Request(Box<RequestRecord>),
    /// Commit everything queued before this, then answer.
    Flush(oneshot::Sender<()>),
}

/// The writing end: cheap to clone, shared by every transport and call.
#[derive(Clone)]
pub(super) struct Queue {
    sender: SyncSender<Entry>,
    /// The writer, unparked by a flush to cut its gathering sleep short.
    writer: std::thread::Thread,
    /// Set by a flush before it unparks the writer.
    flush: Arc<AtomicBool>,
}

impl Queue {
    /// Starts the writer thread with a runtime of its own, on which it opens
    /// the store `location` names (its own connection, or its own pool):
    /// nothing it waits for runs on the host's workers, which may be the
    /// very callers waiting for room in a full queue.
    pub(super) async fn start(location: (DatabaseSettings, PathBuf), settings: AuditSettings) -> Result<Self, DbError> {
        let (sender, receiver) = sync_channel(settings.queue_rows.max(1) as usize);
        let flush = Arc::new(AtomicBool::new(false));
        let (opened, opening) = oneshot::channel();
        let writer = std::thread::Builder::new().name("berth-audit".to_owned()).spawn({
            let flush = flush.clone();
            move || {
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(_) => return drop(opened.send(Err(DbError::Worker))),
                };
                let (database, data_dir) = location;
                let db = match runtime.block_on(Database::open(&database, &data_dir)) {
                    Ok(db) => db,
                    Err(error) => return drop(opened.send(Err(error))),
                };
                let _ = opened.send(Ok(()));
                run(&Store { db, runtime }, &receiver, &flush, settings);
            }
        });
        let writer = writer.map_err(|_| DbError::Worker)?;
        opening.await.map_err(|_| DbError::Worker)??;
        Ok(Self { sender, writer: writer.thread().clone(), flush })
    }

    pub(super) fn call(&self, record: CallRecord) {
        self.push(Entry::Call(Box::new(record)));
    }

    pub(super) fn request(&self, record: RequestRecord) {
        self.push(Entry::Request(Box::new(record)));
    }

    /// Resolves once every row queued before the call is committed (or, if
    /// the database refused it, written to the log).
    pub(super) async fn flush(&self) {
        let (done, committed) = oneshot::channel();
        let sender = self.sender.clone();
        // Sending blocks while the queue is full; keep that off the runtime.
        let queued = tokio::task::spawn_blocking(move || sender.send(Entry::Flush(done)).is_ok()).await;
        self.flush.store(true, Ordering::SeqCst);
        self.writer.unpark();
        if matches!(queued, Ok(true)) {
            let _ = committed.await;
        }
    }

    /// Queues `entry`, waiting for room when the queue is full.
    fn push(&self, entry: Entry) {
        let entry = match self.sender.try_send(entry) {
            Ok(()) => return,
            Err(TrySendError::Full(entry)) => entry,
            Err(TrySendError::Disconnected(entry)) => return log_lost(&[entry]),
        };
        tracing::warn!("the audit queue is full; calls wait for the audit writer");
        if let Err(lost) = self.sender.send(entry) {
            log_lost(&[lost.0]);
        }
    }
}

/// The writer thread: gathers a batch, commits it, answers flushes, and
/// between batches enforces retention; ends when every [`Queue`] is gone
/// and the queue is empty.
fn run(db: &Store, receiver: &Receiver<Entry>, flush: &AtomicBool, settings: AuditSettings) {
    let interval = Duration::from_millis(settings.flush_interval_ms);
    let batch_rows = settings.batch_rows.max(1) as usize;
    let mut retention = Pruning::new(&settings);
    let mut batch = Vec::with_capacity(batch_rows);
    let mut flushes = Vec::new();
    loop {
        let first = match receiver.recv_timeout(retention.wait()) {
            Ok(first) => first,
            Err(RecvTimeoutError::Timeout) => {
                retention.step(db);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Let the group gather while this thread sleeps: a sender wakes a
        // receiver that waits on the queue (a system call and a context
        // switch per row), never one that sleeps. A flush cuts it short.
        let deadline = Instant::now() + interval;
        while !matches!(first, Entry::Flush(_)) && !flush.swap(false, Ordering::SeqCst) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            std::thread::park_timeout(left);
        }
        let mut next = Some(first);
        while let Some(entry) = next {
            match entry {
                Entry::Flush(done) => flushes.push(done),
                row => batch.push(row),
            }
            if batch.len() >= batch_rows {
                write_or_log(db, &mut batch);
            }
            next = receiver.try_recv().ok();
        }
        write_or_log(db, &mut batch);
        for done in flushes.drain(..) {
            let _ = done.send(());
        }
        if retention.due() {
            retention.step(db);
        }
    }
}

/// Background retention, one chunk at a time between batches.
struct Pruning {
    retention: Retention,
    interval: Duration,
    next: Instant,
}

impl Pruning {
    fn new(settings: &AuditSettings) -> Self {
        let interval = Duration::from_secs(settings.prune_interval_secs.max(1));
        // The first pass runs soon after start, when the host is quiet.
        Self { retention: Retention::from(settings), interval, next: Instant::now() + Duration::from_secs(1) }
    }

    /// How long the writer may sleep waiting for rows.
    fn wait(&self) -> Duration {
        match self.retention.is_bounded() {
            true => self.next.saturating_duration_since(Instant::now()),
            false => Duration::from_secs(3600),
        }
    }

    fn due(&self) -> bool {
        self.retention.is_bounded() && Instant::now() >= self.next
    }

    /// Deletes one chunk; comes back at once while a backlog remains.
    fn step(&mut self, db: &Store) {
        if !self.retention.is_bounded() {
            return;
        }
        self.next = Instant::now() + self.interval;
        match db.runtime.block_on(retention::step(&db.db, self.retention, super::now_ms())) {
            Ok(pruned) => {
                if pruned.calls + pruned.requests > 0 {
                    tracing::debug!(calls = pruned.calls, requests = pruned.requests, "audit retention deleted rows");
                }
                if pruned.more_waiting() {
                    self.next = Instant::now();
                }
            }
            Err(error) => tracing::warn!("audit retention failed, trying again later: {error}"),
        }
    }
}

/// Commits `batch` in one transaction, trying again with a growing pause
/// when the database refuses (a locked file, a full disk). If it still
/// refuses, every row is written to the host's log as JSON, so that no row
/// vanishes without a trace. Empties `batch`.
fn write_or_log(db: &Store, batch: &mut Vec<Entry>) {
    if batch.is_empty() {
        return;
    }
    let mut pause = Duration::from_millis(10);
    for attempt in 1..=COMMIT_ATTEMPTS {
        match db.runtime.block_on(commit(&db.db, batch)) {
            Ok(()) => {
                batch.clear();
                return;
            }
            Err(error) if attempt == COMMIT_ATTEMPTS => {
                tracing::error!("cannot write the audit log, {} rows go to this log instead: {error}", batch.len());
            }
            Err(error) => {
                tracing::warn!("cannot write the audit log (attempt {attempt}), trying again: {error}");
                std::thread::sleep(pause);
                pause *= 4;
            }
        }
    }
    log_lost(batch);
    batch.clear();
}

/// The database and the runtime that drives its connections.
struct Store {
    db: Database,
    runtime: tokio::runtime::Runtime,
}

/// Commits `batch` in one transaction; a call already recorded (the same
/// id) is kept as it was.
pub(super) async fn commit(db: &Database, batch: &[Entry]) -> Result<(), DbError> {
    let mut calls = Vec::new();
    let mut requests = Vec::new();
    for entry in batch {
        match entry {
            Entry::Call(record) => calls.push(args![
                &record.call_id,
                record.at_ms,
                &record.tenant,
                &record.transport,
                &record.plugin,
                &record.version,
                &record.tool,
                record.arguments.to_string(),
                &record.outcome,
                record.duration_ms,
                &record.principal,
                &record.roles
            ]),
            Entry::Request(record) => requests.push(args![
                &record.call_id,
                record.at_ms,
                &record.tenant,
                &record.plugin,
                &record.method,
                &record.origin,
                &record.path,
                record.status.map(i64::from),
                record.duration_ms,
                i64::from(record.retries),
                &record.outcome,
                &record.acting_as
            ]),
            Entry::Flush(_) => {}
        }
    }
    let mut tx = db.transaction().await?;
    tx.execute_many(
        "INSERT INTO audit_calls (call_id, at_ms, tenant, transport, plugin, version, tool, arguments, outcome, duration_ms, principal, roles)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING",
        calls,
    )
    .await?;
    tx.execute_many(
        "INSERT INTO audit_requests (call_id, at_ms, tenant, plugin, method, origin, path, status, duration_ms, retries, outcome, acting_as)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        requests,
    )
    .await?;
    tx.commit().await
}

fn log_lost(entries: &[Entry]) {
    for entry in entries {
        let row = match entry {
            Entry::Call(record) => serde_json::to_string(record),
            Entry::Request(record) => serde_json::to_string(&LostRequest(record)),
            Entry::Flush(_) => continue,
        };
        match row {
            Ok(row) => tracing::error!(target: "berth::audit::unwritten", "{row}"),
            Err(error) => tracing::error!("cannot even log an audit row: {error}"),
        }
    }
}

/// A request row for the log, with the fields the call row would carry.
struct LostRequest<'a>(&'a RequestRecord);

impl serde::Serialize for LostRequest<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self(record) = self;
        serde_json::json!({"call_id": record.call_id, "tenant": record.tenant, "plugin": record.plugin, "request": record})
            .serialize(serializer)
    }
}
