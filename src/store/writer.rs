//! The single SQLite writer: one thread owns the write connection and commits batches bounded by
//! count and time, so a key's answer (all its pages) and its state always land in the same
//! transaction.
//!
//! The queue in front of it is bounded: a worker waits for room before it queues a write
//! ([`WriterHandle::send`]), and room comes back only when a batch is committed. Whatever the
//! speed of the calls against the speed of the disk, at most one batch of writes (`max_ops`) is
//! received and not yet committed, so a kill re-bills at most the calls in flight plus one batch,
//! and memory stays flat.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use super::{Store, StoreError, WriteOp};

/// Commit bounds.
#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    /// Writes per transaction, and the most writes received but not committed.
    pub max_ops: usize,
    /// The longest a received write waits for its commit.
    pub max_delay: Duration,
    /// Added before every commit: a slow disk on purpose, for tests of the bound.
    pub commit_delay: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_ops: 64,
            max_delay: Duration::from_millis(200),
            commit_delay: Duration::ZERO,
        }
    }
}

/// The writer stopped on a database error: what it was, and how many answers it had received
/// that are not saved (their keys stay due, so the next run asks again).
#[derive(Debug, thiserror::Error)]
#[error("{source}")]
pub struct WriterFailure {
    #[source]
    pub source: StoreError,
    pub unsaved_answers: u64,
}

/// What workers hold to queue writes.
#[derive(Clone)]
pub struct WriterHandle {
    tx: mpsc::Sender<WriteOp>,
    room: Arc<Semaphore>,
    half: usize,
    /// The writer thread, woken when the queue is half full (it sleeps until a batch's deadline
    /// otherwise).
    thread: std::thread::Thread,
}

impl WriterHandle {
    /// Wait for room in the queue, then queue `op`. Gives `op` back when the writer is gone.
    pub async fn send(&self, op: WriteOp) -> Result<(), WriteOp> {
        match self.room.acquire().await {
            Ok(permit) => permit.forget(),
            Err(_) => return Err(op),
        }
        self.tx.send(op).map_err(|e| e.0)?;
        // Half the room taken: wake the writer, so that it commits while the other half fills
        // (waking it only when full stalled every sender through each commit).
        if self.room.available_permits() <= self.half {
            self.thread.unpark();
        }
        Ok(())
    }
}

/// The writer thread; dropping every [`WriterHandle`] ends it after a last commit.
pub struct Writer {
    path: String,
    handle: WriterHandle,
    join: JoinHandle<Result<(), WriterFailure>>,
}

/// Closes the queue when the writer thread ends for any reason (a panic included), so no worker
/// waits for room forever.
struct CloseOnDrop(Arc<Semaphore>);
impl Drop for CloseOnDrop {
    fn drop(&mut self) {
        self.0.close();
    }
}

impl Writer {
    /// Start the writer thread on its own connection. On a database error it cancels `cancel`
    /// so the run stops calling instead of paying for answers it cannot record.
    pub fn spawn(
        db: PathBuf,
        run_id: Option<i64>,
        cfg: BatchConfig,
        cancel: CancellationToken,
    ) -> Result<Writer, StoreError> {
        let mut store = Store::open(&db)?;
        let (tx, rx) = mpsc::channel::<WriteOp>();
        let room = Arc::new(Semaphore::new(cfg.max_ops.max(1)));
        let thread_room = room.clone();
        let join = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let _close = CloseOnDrop(thread_room.clone());
                let r = run(&mut store, run_id, cfg, &rx, &thread_room);
                r.map_err(|(source, in_batch)| {
                    tracing::error!("database writer failed: {source}");
                    cancel.cancel();
                    WriterFailure {
                        unsaved_answers: in_batch + drain_unsaved(&rx, &thread_room),
                        source,
                    }
                })
            })
            .map_err(|e| StoreError::Writer {
                path: db.display().to_string(),
                what: format!("could not start: {e}"),
            })?;
        Ok(Writer {
            path: db.display().to_string(),
            handle: WriterHandle {
                tx,
                room,
                half: cfg.max_ops.max(1) / 2,
                thread: join.thread().clone(),
            },
            join,
        })
    }

    /// A handle for a worker.
    pub fn handle(&self) -> WriterHandle {
        self.handle.clone()
    }

    /// Drop this handle and wait for the final commit.
    pub fn finish(self) -> Result<(), WriterFailure> {
        // The last handle gone, the writer commits what it holds at once instead of at the
        // batch's deadline.
        let thread = self.handle.thread.clone();
        drop(self.handle);
        thread.unpark();
        match self.join.join() {
            Ok(r) => r,
            Err(_) => Err(WriterFailure {
                source: StoreError::Writer {
                    path: self.path,
                    what: "panicked".into(),
                },
                unsaved_answers: 0,
            }),
        }
    }
}

fn run(
    store: &mut Store,
    run_id: Option<i64>,
    cfg: BatchConfig,
    rx: &mpsc::Receiver<WriteOp>,
    room: &Semaphore,
) -> Result<(), (StoreError, u64)> {
    let mut batch: Vec<WriteOp> = Vec::with_capacity(cfg.max_ops);
    loop {
        // Nothing to do until a write comes: block for the first of a batch.
        let Ok(first) = rx.recv() else {
            return Ok(());
        };
        batch.push(first);
        let deadline = Instant::now() + cfg.max_delay;
        let disconnected = collect(rx, &mut batch, cfg.max_ops, deadline);
        if !cfg.commit_delay.is_zero() {
            std::thread::sleep(cfg.commit_delay);
        }
        let result = store.apply(run_id, &batch);
        room.add_permits(batch.len());
        if let Err(e) = result {
            return Err((e, answers(&batch)));
        }
        batch.clear();
        if disconnected {
            return Ok(());
        }
    }
}

/// Take queued writes into `batch` until it holds half the queue's room, its deadline passes,
/// or every handle is dropped (true). The thread sleeps until the deadline unless a sender finds
/// half the room taken and wakes it: a write does not wake it (two wake-ups per call were a
/// tenth of a throttled run's CPU, and looking every 20 ms was one more per call at 200/s). The
/// batch closes at half, so senders fill the other half while it commits.
fn collect(
    rx: &mpsc::Receiver<WriteOp>,
    batch: &mut Vec<WriteOp>,
    max_ops: usize,
    deadline: Instant,
) -> bool {
    let enough = (max_ops / 2).max(1);
    loop {
        while batch.len() < max_ops {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(mpsc::TryRecvError::Empty) => break,
                Err(mpsc::TryRecvError::Disconnected) => return true,
            }
        }
        let now = Instant::now();
        if batch.len() >= enough || now >= deadline {
            return false;
        }
        std::thread::park_timeout(deadline - now);
    }
}

fn answers(ops: &[WriteOp]) -> u64 {
    ops.iter()
        .filter(|op| matches!(op, WriteOp::Answer { .. }))
        .count() as u64
}

/// After a failure: take what is still queued without writing it, counting the answers lost,
/// until every handle is dropped.
fn drain_unsaved(rx: &mpsc::Receiver<WriteOp>, room: &Semaphore) -> u64 {
    let mut n = 0;
    while let Ok(op) = rx.recv() {
        n += answers(std::slice::from_ref(&op));
        room.add_permits(1);
    }
    n
}
