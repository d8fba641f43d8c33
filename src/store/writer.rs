//! The single SQLite writer: one thread owns the write connection and commits batches bounded by
//! count and time, so a kill at any instant loses at most one small batch, and a key's answer
//! (all its pages) and its state always land in the same transaction.

use std::path::PathBuf;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::{Store, StoreError, WriteOp};

/// Commit bounds.
#[derive(Debug, Clone, Copy)]
pub struct BatchConfig {
    pub max_ops: usize,
    pub max_delay: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_ops: 64,
            max_delay: Duration::from_millis(200),
        }
    }
}

/// The sending side; dropping every clone of the sender ends the writer after a last commit.
pub struct Writer {
    pub tx: mpsc::Sender<WriteOp>,
    join: JoinHandle<Result<(), StoreError>>,
}

impl Writer {
    /// Start the writer thread on its own connection. On a database error it cancels `cancel`
    /// so the run stops instead of calling on without being able to record answers.
    pub fn spawn(
        db: PathBuf,
        run_id: Option<i64>,
        cfg: BatchConfig,
        cancel: CancellationToken,
    ) -> Result<Writer, StoreError> {
        let mut store = Store::open(&db)?;
        let (tx, rx) = mpsc::channel::<WriteOp>();
        let join = std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                let r = run(&mut store, run_id, cfg, rx);
                if let Err(e) = &r {
                    tracing::error!("database writer failed: {e}");
                    cancel.cancel();
                }
                r
            })
            .map_err(|source| StoreError::LockIo {
                path: db.display().to_string(),
                source,
            })?;
        Ok(Writer { tx, join })
    }

    /// Drop the sender and wait for the final commit.
    pub fn finish(self) -> Result<(), StoreError> {
        drop(self.tx);
        match self.join.join() {
            Ok(r) => r,
            Err(_) => Err(StoreError::LockIo {
                path: "writer".into(),
                source: std::io::Error::other("the database writer thread panicked"),
            }),
        }
    }
}

fn run(
    store: &mut Store,
    run_id: Option<i64>,
    cfg: BatchConfig,
    rx: mpsc::Receiver<WriteOp>,
) -> Result<(), StoreError> {
    let mut batch: Vec<WriteOp> = Vec::with_capacity(cfg.max_ops);
    let mut deadline: Option<Instant> = None;
    loop {
        let msg = match deadline {
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
        };
        let disconnected = match msg {
            Ok(op) => {
                batch.push(op);
                deadline.get_or_insert_with(|| Instant::now() + cfg.max_delay);
                false
            }
            Err(RecvTimeoutError::Timeout) => false,
            Err(RecvTimeoutError::Disconnected) => true,
        };
        let due = deadline.is_some_and(|d| Instant::now() >= d);
        if !batch.is_empty() && (disconnected || due || batch.len() >= cfg.max_ops) {
            store.apply(run_id, &batch)?;
            batch.clear();
            deadline = None;
        }
        if disconnected {
            return Ok(());
        }
    }
}
