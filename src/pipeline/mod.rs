//! The screening run: ingest the input, then dispatch every due key to workers under the rate
//! limit, classify what comes back, and hand every call and answer to the single writer.
//!
//! Owns: the order of a run (lock, ingest, dispatch, drain, summary) and the per-status actions
//! of `vendor-api/README.md`. Must not touch SQL (that is the store's) or HTTP details (the
//! vendor client's).

pub mod progress;
pub mod throttle;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::exit::ExitCode;
use crate::input::{self, ReadOptions};
use crate::normalize::ClassifyOptions;
use crate::secrets::Credentials;
use crate::store::writer::{BatchConfig, Writer};
use crate::store::{self, DueFilter, RunLock, Store, WorkItem, WriteOp};
use crate::vendor::status::fatal_hint;
use crate::vendor::{Class, Endpoint, Outcome, Pager, VendorClient};

pub use progress::Counters;
pub use throttle::{BackoffConfig, Throttle};

/// How long the vendor wants a 110 key left alone.
pub const DEFER_FOR: Duration = Duration::from_secs(2 * 3600);
/// 120/122 answers for one key before it counts as failed for this run.
const MAX_SLOWDOWNS_PER_KEY: u32 = 30;

/// Everything `run` needs, parsed from the command line.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub db: PathBuf,
    pub column: Option<String>,
    pub read: ReadOptions,
    pub qps: f64,
    pub burst: u32,
    pub concurrency: usize,
    pub endpoint: Endpoint,
    pub query_bad_checksums: bool,
    pub max_calls: Option<u64>,
    pub refresh_older_than: Option<Duration>,
    pub dry_run: bool,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub progress: bool,
    pub fail_on_worse: bool,
    pub backoff: BackoffConfig,
    pub batch: BatchConfig,
    /// The command line as given, for the runs table (credentials are never on it).
    pub command_line: String,
}

/// Why a run stopped before the work was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    Quota { code: String, message: String },
    MaxCalls(u64),
    Fatal { code: String, message: String },
    Interrupted,
}

/// What a run did, printed at the end and stored in `runs.summary`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub run_id: Option<i64>,
    pub rows: u64,
    pub new_keys: u64,
    pub invalid_rows: u64,
    pub due: u64,
    pub keys_by_state: BTreeMap<String, u64>,
    pub calls: u64,
    pub elapsed_secs: f64,
    pub changes: u64,
    pub worse_changes: u64,
    pub slowdowns: u64,
    pub stop: Option<String>,
    pub exit_code: ExitCode,
}

/// Sets the stop reason once (the first reason wins, except that a fatal one overrides) and
/// cancels dispatch.
#[derive(Clone, Default)]
pub struct Stopper {
    pub token: CancellationToken,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl Stopper {
    pub fn stop(&self, r: StopReason) {
        let mut g = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        let replace = match (&*g, &r) {
            (None, _) => true,
            (Some(StopReason::Fatal { .. }), _) => false,
            (Some(_), StopReason::Fatal { .. }) => true,
            _ => false,
        };
        if replace {
            *g = Some(r);
        }
        self.token.cancel();
    }
    pub fn reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

struct Ctx {
    client: VendorClient,
    throttle: Throttle,
    stopper: Stopper,
    writer: std::sync::mpsc::Sender<WriteOp>,
    counters: Arc<Counters>,
    max_calls: Option<u64>,
    calls_reserved: AtomicU64,
    max_attempts: u32,
}

impl Ctx {
    fn send(&self, op: WriteOp) {
        if self.writer.send(op).is_err() {
            // The writer is gone (database error, already logged): stop calling.
            self.stopper.token.cancel();
        }
    }

    /// Reserve one call under `--max-calls`.
    fn reserve_call(&self) -> bool {
        let n = self.calls_reserved.fetch_add(1, Ordering::SeqCst);
        match self.max_calls {
            Some(max) if n >= max => {
                self.stopper.stop(StopReason::MaxCalls(max));
                false
            }
            _ => true,
        }
    }
}

/// Run a screening. `stopper` is cancelled by SIGINT/SIGTERM (reason `Interrupted`).
pub async fn run(
    opts: RunOptions,
    creds: Option<Credentials>,
    stopper: Stopper,
) -> anyhow::Result<Summary> {
    use anyhow::Context;
    let started = Instant::now();
    let _lock = RunLock::acquire(&opts.db)?;
    let mut store = Store::open(&opts.db)?;

    // Ingest: stream rows into the database, idempotently.
    let table = input::open(&opts.input, &opts.read)?;
    let path = table.path.display().to_string();
    let sel = input::select_column(&path, &table.headers, opts.column.as_deref())?;
    tracing::info!(file = %path, column = %sel.label, format = %table.format, "reading input");
    let meta = input::meta(&table, &sel);
    let canonical = std::fs::canonicalize(&opts.input)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.clone());
    let classify = ClassifyOptions {
        query_bad_checksums: opts.query_bad_checksums,
    };
    let headers = table.headers.clone();
    let mut read_error = None;
    let rows = table.rows.map_while(|r| match r {
        Ok(raw) => Some(input::to_ingest_row(raw, &headers, &sel, classify, &path)),
        Err(e) => {
            read_error = Some(e);
            None
        }
    });
    let ingest = store.ingest(&canonical, &meta, rows)?;
    if let Some(e) = read_error {
        return Err(e).context("reading the input stopped; rows before the error were saved");
    }
    tracing::info!(
        rows = ingest.rows,
        new_keys = ingest.new_keys,
        invalid_rows = ingest.invalid_rows,
        "input ingested"
    );

    let now = Utc::now();
    let filter = DueFilter {
        now: store::ts(now),
        refresh_before: opts
            .refresh_older_than
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| store::ts(now - d)),
    };
    let due_by_kind = store.count_due(&filter)?;
    let due: u64 = due_by_kind.values().sum();
    let mut summary = Summary {
        run_id: None,
        rows: ingest.rows,
        new_keys: ingest.new_keys,
        invalid_rows: ingest.invalid_rows,
        due,
        keys_by_state: BTreeMap::new(),
        calls: 0,
        elapsed_secs: 0.0,
        changes: 0,
        worse_changes: 0,
        slowdowns: 0,
        stop: None,
        exit_code: ExitCode::Ok,
    };
    if opts.dry_run {
        summary.keys_by_state = store.counts_by_state()?;
        summary.elapsed_secs = started.elapsed().as_secs_f64();
        let kinds = due_by_kind
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "dry run: {} rows read, {} new keys; a run would call the vendor for {due} keys ({}), \
             at least {due} calls (one more per 20 customs registrations beyond the first 20), \
             about {:.0} s at --qps {}",
            ingest.rows,
            ingest.new_keys,
            if kinds.is_empty() {
                "none".into()
            } else {
                kinds
            },
            due as f64 / opts.qps.max(0.001),
            opts.qps
        );
        return Ok(summary);
    }

    let creds = match creds {
        Some(c) => c,
        None => {
            let msg = Credentials::from_env().err().unwrap_or_default();
            eprintln!("qcc-credit: {msg}");
            summary.exit_code = ExitCode::Fatal;
            summary.stop = Some("credentials missing".into());
            return Ok(summary);
        }
    };
    let run_id = store.start_run(&opts.command_line, Some(ingest.file_id))?;
    summary.run_id = Some(run_id);
    let writer = Writer::spawn(
        opts.db.clone(),
        Some(run_id),
        opts.batch,
        stopper.token.clone(),
    )?;
    let counters = Arc::new(Counters::default());
    let ctx = Arc::new(Ctx {
        client: VendorClient::new(opts.endpoint.clone(), creds, opts.timeout)
            .map_err(anyhow::Error::msg)?,
        throttle: Throttle::new(opts.qps, opts.burst, opts.concurrency, opts.backoff),
        stopper: stopper.clone(),
        writer: writer.tx.clone(),
        counters: counters.clone(),
        max_calls: opts.max_calls,
        calls_reserved: AtomicU64::new(0),
        max_attempts: opts.max_attempts.max(1),
    });
    tracing::info!(
        endpoint = %ctx.client.endpoint().url(),
        due,
        qps = opts.qps,
        concurrency = opts.concurrency,
        "screening started"
    );
    let progress_done = CancellationToken::new();
    let progress = progress::start(due, counters.clone(), opts.progress, progress_done.clone());

    // Dispatch: page through due keys by id, one task per key, each holding a call slot.
    let mut tasks = JoinSet::new();
    let mut after = 0i64;
    'dispatch: loop {
        let batch = store.due_keys(after, 500, &filter)?;
        let Some(last) = batch.last() else { break };
        after = last.key_id;
        for item in batch {
            let permit = tokio::select! {
                p = ctx.throttle.slots.clone().acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break 'dispatch,
                },
                _ = stopper.token.cancelled() => break 'dispatch,
            };
            let ctx = ctx.clone();
            tasks.spawn(async move {
                process_key(&ctx, item).await;
                drop(permit);
            });
            while let Some(r) = tasks.try_join_next() {
                if let Err(e) = r {
                    tracing::error!("worker task failed: {e}");
                }
            }
        }
    }
    // Drain: in-flight calls finish (bounded by the HTTP timeout), then everything is committed.
    let drain_limit = opts.timeout + Duration::from_secs(5);
    let drained = tokio::time::timeout(drain_limit, async {
        while let Some(r) = tasks.join_next().await {
            if let Err(e) = r {
                tracing::error!("worker task failed: {e}");
            }
        }
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "in-flight calls did not finish in {drain_limit:?}; abandoning them (their keys stay due)"
        );
        tasks.abort_all();
    }
    let slowdowns = ctx.throttle.slowdowns();
    drop(ctx);
    progress_done.cancel();
    let _ = progress.await;
    writer.finish().context("committing the last answers")?;

    // Summary and exit code.
    summary.keys_by_state = store.counts_by_state()?;
    summary.calls = store.calls_in_run(run_id)?;
    let (changes, worse) = store.changes_in_run(run_id)?;
    summary.changes = changes;
    summary.worse_changes = worse;
    summary.elapsed_secs = started.elapsed().as_secs_f64();
    let reason = stopper.reason();
    let incomplete = ["deferred", "failed", "pending"]
        .iter()
        .map(|s| summary.keys_by_state.get(*s).copied().unwrap_or(0))
        .sum::<u64>();
    let exit = match &reason {
        Some(StopReason::Fatal { code, message }) => {
            eprintln!(
                "qcc-credit: the vendor rejected the credentials or permissions: status {code} {message}\n  hint: {}",
                fatal_hint(code)
            );
            ExitCode::Fatal
        }
        Some(StopReason::Quota { code, message }) => {
            eprintln!(
                "qcc-credit: stopped on the vendor's quota or billing: status {code} {message}; \
                 everything answered is saved, run the same command again when the quota resets"
            );
            ExitCode::Quota
        }
        Some(StopReason::MaxCalls(n)) => {
            eprintln!(
                "qcc-credit: stopped at --max-calls {n}; run the same command again to continue"
            );
            ExitCode::Quota
        }
        Some(StopReason::Interrupted) => ExitCode::Interrupted,
        None if stopper.token.is_cancelled() => ExitCode::Error,
        None if incomplete > 0 => ExitCode::Incomplete,
        None if opts.fail_on_worse && worse > 0 => ExitCode::Worse,
        None => ExitCode::Ok,
    };
    summary.stop = reason.map(|r| format!("{r:?}"));
    summary.slowdowns = slowdowns;
    summary.exit_code = exit;
    store.finish_run(
        run_id,
        exit.code() as i64,
        &serde_json::to_value(&summary).unwrap_or_default(),
    )?;
    Ok(summary)
}

/// One key, all its pages, with the per-status actions of the vendor table.
async fn process_key(ctx: &Ctx, item: WorkItem) {
    let mut pager = Pager::new();
    let mut attempts = 0u32;
    let mut slowdowns = 0u32;
    let stop = &ctx.stopper.token;
    let never = CancellationToken::new();
    loop {
        // A key whose first pages are paid for finishes its paging on Ctrl-C (in-flight work),
        // rather than paying for those pages again on resume; quota and fatal stops do not.
        let finishing = pager.page() > 1 && ctx.stopper.reason() == Some(StopReason::Interrupted);
        let gate = if finishing { &never } else { stop };
        if !ctx.throttle.ready(gate).await || !ctx.reserve_call() {
            return;
        }
        let call = ctx.client.fetch_page(&item.key, pager.page()).await;
        ctx.counters.calls.fetch_add(1, Ordering::Relaxed);
        let class = call.outcome.class;
        let status = call.vendor_status.clone();
        let message = call.message.clone();
        let retry_after = call.outcome.retry_after;
        let more = class == Class::Found && pager.absorb(&call.outcome);
        ctx.send(WriteOp::Call {
            key_id: item.key_id,
            call: Box::new(call),
        });
        let answer = |outcome: Outcome, counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::Relaxed);
            ctx.counters.done.fetch_add(1, Ordering::Relaxed);
            ctx.send(WriteOp::Answer {
                key_id: item.key_id,
                outcome,
                status: status.clone(),
                message: message.clone(),
                at: Utc::now(),
            });
        };
        let c = &ctx.counters;
        match class {
            Class::Found if more => {
                attempts = 0;
                continue;
            }
            Class::Found | Class::NotFound => {
                let outcome = std::mem::take(&mut pager).finish();
                let counter = if matches!(outcome, Outcome::Found(_)) {
                    &c.found
                } else {
                    &c.not_found
                };
                return answer(outcome, counter);
            }
            Class::Invalid => return answer(Outcome::Invalid(message.clone()), &c.invalid),
            Class::Unsupported => {
                return answer(Outcome::Unsupported(message.clone()), &c.unsupported);
            }
            Class::Defer => {
                c.deferred.fetch_add(1, Ordering::Relaxed);
                c.done.fetch_add(1, Ordering::Relaxed);
                let not_before = Utc::now() + chrono::Duration::seconds(DEFER_FOR.as_secs() as i64);
                tracing::warn!(key = %item.key, "vendor answered 110 (same query failing repeatedly): key deferred for 2 hours");
                ctx.send(WriteOp::Defer {
                    key_id: item.key_id,
                    status,
                    message,
                    not_before,
                });
                return;
            }
            Class::SlowDown => {
                ctx.throttle.slow_down(status.as_deref().unwrap_or("120"));
                slowdowns += 1;
                if slowdowns >= MAX_SLOWDOWNS_PER_KEY {
                    return fail(ctx, &item, status, message, attempts + slowdowns);
                }
            }
            Class::Quota => {
                ctx.stopper.stop(StopReason::Quota {
                    code: status.unwrap_or_default(),
                    message,
                });
                return;
            }
            Class::Fatal => {
                ctx.stopper.stop(StopReason::Fatal {
                    code: status.unwrap_or_default(),
                    message,
                });
                return;
            }
            Class::Transient => {
                attempts += 1;
                tracing::debug!(key = %item.key, attempts, %message, "transient failure");
                if attempts >= ctx.max_attempts {
                    return fail(ctx, &item, status, message, attempts);
                }
                let wait = ctx.throttle.backoff(attempts, retry_after);
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = stop.cancelled() => return,
                }
            }
        }
    }
}

fn fail(ctx: &Ctx, item: &WorkItem, status: Option<String>, message: String, attempts: u32) {
    tracing::warn!(key = %item.key, attempts, %message, "giving up on this key for this run (state failed; the next run retries it)");
    ctx.counters.failed.fetch_add(1, Ordering::Relaxed);
    ctx.counters.done.fetch_add(1, Ordering::Relaxed);
    ctx.send(WriteOp::Failed {
        key_id: item.key_id,
        status,
        message,
        attempts,
    });
}
