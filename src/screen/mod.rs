//! The screening run, as named steps: [`ingest`] (lock, open, stream the input into the store,
//! count what is due), then [`Ingested::screen`]: dispatch every due key to a worker under the
//! rate limit, drain what is in flight, and summarize with an exit code.
//!
//! Owns: the order of a run and the per-status actions of `docs/vendor-api.md` ([`worker`]).
//! Must not touch SQL (that is the store's), HTTP details (the client's), or print: the `run`
//! command prints what [`Summary`] says.

pub mod backoff;
pub mod gate;
pub mod progress;
mod refusal;
pub mod stop;
pub mod throttle;
pub mod worker;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::Serialize;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::exit::ExitCode;
use crate::input::{self, ReadOptions, RowContext};
use crate::key_state::KeyState;
use crate::normalize::ClassifyOptions;
use crate::qcc::{Endpoint, VendorClient};
use crate::secrets::Credentials;
use crate::store::writer::{BatchConfig, Writer};
use crate::store::{self, DueFilter, IngestSummary, RunLock, Store};

pub use backoff::BackoffConfig;
pub use progress::Counters;
use refusal::Reasons;
pub use stop::{StopReason, Stopper};
pub use throttle::{RateReport, Throttle};
use worker::{Ctx, process_key};

/// How long the vendor wants a 110 key left alone.
pub const DEFER_FOR: Duration = Duration::from_secs(2 * 3600);

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
    /// `--max-pages-per-key`.
    pub max_pages: u32,
    /// `--retry-failed`.
    pub retry_failed: bool,
    pub progress: bool,
    pub fail_on_worse: bool,
    /// `--fail-on-open-alerts`: exit 6 when this run opened alerts.
    pub fail_on_open_alerts: bool,
    /// How the alerts the run opens are judged (`--punished-within`, `--tz`).
    pub review: crate::review::ReviewOptions,
    /// The language of the summary (`--lang`).
    pub lang: crate::view::Lang,
    /// The price of a billed call (`--price-per-call`).
    pub price: Option<f64>,
    pub backoff: BackoffConfig,
    pub batch: BatchConfig,
    /// The command line as given, for the runs table (credentials are never on it).
    pub command_line: String,
}

/// What a run did, printed at the end and stored in `runs.summary`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub run_id: Option<i64>,
    /// What was read: file, sheet, header row, key column and name fallback.
    pub source: String,
    pub rows: u64,
    pub new_keys: u64,
    pub invalid_rows: u64,
    pub skipped_rows: u64,
    pub due: u64,
    pub keys_by_state: BTreeMap<String, u64>,
    /// Every attempt of this run.
    pub calls: u64,
    /// Of `calls`, attempts that never reached the vendor (refused, DNS, TLS, proxy): not billed.
    pub unreached: u64,
    pub elapsed_secs: f64,
    pub changes: u64,
    pub worse_changes: u64,
    /// Alerts this run opened: new, or open again after a decision.
    pub alerts_opened: u64,
    /// Alerts open after the run, this run's and earlier ones.
    pub alerts_open: u64,
    /// Supplier rows that need attention after the run (open or decided), by their most severe
    /// flag, most severe first.
    pub attention_by_flag: Vec<(crate::view::Flag, u64)>,
    /// Seconds this machine's clock was off the vendor's, when the run corrected `Timespan`.
    pub clock_offset_secs: Option<i64>,
    pub slowdowns: u64,
    /// The rate (calls/s) at which the vendor began answering 120/122, when it did.
    pub vendor_rate: Option<f64>,
    pub stop: Option<String>,
    /// Why the run stopped early, for the command to explain.
    #[serde(skip)]
    pub stop_reason: Option<StopReason>,
    pub exit_code: ExitCode,
}

/// A run whose input is ingested: the database is locked and open, the due keys counted.
pub struct Ingested {
    opts: RunOptions,
    store: Store,
    _lock: RunLock,
    started: Instant,
    filter: DueFilter,
    /// What ingest did.
    pub ingest: IngestSummary,
    /// Keys a screening would call, by kind.
    pub due_by_kind: BTreeMap<String, u64>,
    /// What was read: file, sheet, header row, key column and name fallback.
    pub source: String,
}

/// Lock the database, stream the input into it (idempotently), and count what is due.
/// Rows read before the rest.
type Sample = Vec<Result<input::RawRow, input::InputError>>;

/// The first rows tell what each column holds: read them, choose the key column, and keep them
/// to be ingested with the rest.
fn sample_and_select(
    table: &mut input::Table,
    column: Option<&str>,
) -> anyhow::Result<(Sample, input::Selection)> {
    let mut sample: Sample = Vec::new();
    for r in table.rows.by_ref() {
        let failed = r.is_err();
        sample.push(r);
        if failed || sample.len() >= input::SAMPLE_ROWS {
            break;
        }
    }
    let cells: Vec<&[input::Cell]> = sample
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|r| r.cells.as_slice()))
        .collect();
    let sel = input::select_column(&table.place(), &table.headers, &cells, column)?;
    drop(cells);
    Ok((sample, sel))
}

/// The keys this run calls: due now, older than `--refresh-older-than`, failed with `--retry-failed`.
fn due_filter(opts: &RunOptions) -> DueFilter {
    let now = crate::clock::now();
    DueFilter {
        now: store::ts(now),
        refresh_before: opts
            .refresh_older_than
            .and_then(|d| chrono::Duration::from_std(d).ok())
            .map(|d| store::ts(now - d)),
        retry_failed: opts.retry_failed,
    }
}

pub fn ingest(opts: RunOptions) -> anyhow::Result<Ingested> {
    let started = Instant::now();
    let lock = RunLock::acquire(&opts.db)?;
    let mut store = Store::open(&opts.db)?;
    let mut table = input::open(&opts.input, &opts.read)?;
    let path = table.path.display().to_string();
    let (sample, sel) = sample_and_select(&mut table, opts.column.as_deref())?;
    let meta = input::meta(&table, &sel);
    tracing::info!(file = %path, format = %table.format, "reading input: {}", meta.describe());
    let canonical = std::fs::canonicalize(&opts.input)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.clone());
    let ctx = RowContext {
        place: table.place(),
        headers: table.headers.clone(),
        sel,
        classify: ClassifyOptions {
            query_bad_checksums: opts.query_bad_checksums,
        },
        comments: table.format == "text",
    };
    let mut read_error = None;
    let mut reasons = Reasons::default();
    let rows = sample.into_iter().chain(table.rows).map_while(|r| match r {
        Ok(raw) => {
            let row = input::rows::to_ingest_row(raw, &ctx);
            reasons.count(&row);
            Some(row)
        }
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
        skipped_rows = ingest.skipped_rows,
        "input ingested"
    );
    if let Some(message) = reasons.refusal(&ingest, &ctx, &meta) {
        anyhow::bail!("{}: {message}", ctx.place);
    }
    let filter = due_filter(&opts);
    let due_by_kind = store.count_due(&filter)?;
    let lang = opts.lang;
    Ok(Ingested {
        opts,
        store,
        _lock: lock,
        started,
        filter,
        ingest,
        due_by_kind,
        source: format!("{path}{}{}", lang.tr("，", ", "), lang.read_what(&meta)),
    })
}

impl Ingested {
    /// The database screened.
    pub fn db(&self) -> &std::path::Path {
        &self.opts.db
    }

    /// How the run judges alerts.
    pub fn review_options(&self) -> crate::review::ReviewOptions {
        self.opts.review
    }

    /// How the summary is written: language, zone, price of a billed call.
    pub fn view(&self) -> (crate::view::Lang, crate::view::Zone, Option<f64>) {
        (self.opts.lang, self.opts.review.zone, self.opts.price)
    }

    /// Keys a screening would call.
    pub fn due(&self) -> u64 {
        self.due_by_kind.values().sum()
    }

    /// The summary of a run that made no calls (a dry run, or one refused before calling).
    pub fn summary_without_calls(&self, exit_code: ExitCode) -> anyhow::Result<Summary> {
        Ok(Summary {
            run_id: None,
            source: self.source.clone(),
            rows: self.ingest.rows,
            new_keys: self.ingest.new_keys,
            invalid_rows: self.ingest.invalid_rows,
            skipped_rows: self.ingest.skipped_rows,
            due: self.due(),
            keys_by_state: self.store.counts_by_state()?,
            calls: 0,
            unreached: 0,
            elapsed_secs: self.started.elapsed().as_secs_f64(),
            changes: 0,
            worse_changes: 0,
            alerts_opened: 0,
            alerts_open: 0,
            attention_by_flag: Vec::new(),
            clock_offset_secs: None,
            slowdowns: 0,
            vendor_rate: None,
            stop: None,
            stop_reason: None,
            exit_code,
        })
    }

    /// Call the vendor for every due key. `stopper` is cancelled by SIGINT/SIGTERM (reason
    /// `Interrupted`), quota, `--max-calls` or a fatal code.
    pub async fn screen(self, creds: Credentials, stopper: Stopper) -> anyhow::Result<Summary> {
        let opts = &self.opts;
        let run_id = self
            .store
            .start_run(&opts.command_line, Some(self.ingest.file_id))?;
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
            throttle: Throttle::new(opts.qps, opts.burst, opts.concurrency, opts.backoff)?,
            stopper: stopper.clone(),
            writer: writer.handle(),
            counters: counters.clone(),
            max_calls: opts.max_calls,
            calls_reserved: AtomicU64::new(0),
            max_attempts: opts.max_attempts.max(1),
            max_pages: opts.max_pages,
            unreachable: Default::default(),
        });
        let due = self.due();
        tracing::info!(
            endpoint = %crate::secrets::redact_url(ctx.client.endpoint().url().as_str()),
            due,
            qps = opts.qps,
            concurrency = opts.concurrency,
            "screening started"
        );
        let progress_done = CancellationToken::new();
        let progress = progress::start(due, counters, opts.progress, progress_done.clone());
        let tasks = self.dispatch(&ctx).await?;
        drain(tasks, opts.timeout, &stopper.token).await;
        let rate = ctx.throttle.report();
        let clock_offset = ctx.client.clock_offset();
        drop(ctx);
        progress_done.cancel();
        let _ = progress.await;
        if let Err(f) = writer.finish() {
            stopper.stop(StopReason::Storage {
                error: f.source.to_string(),
                disk_full: f.source.is_disk_full(),
                unsaved_answers: f.unsaved_answers,
            });
        }
        self.summarize(run_id, &stopper, rate, clock_offset)
    }

    /// Page through due keys by id, one task per key, each holding a call slot.
    async fn dispatch(&self, ctx: &Arc<Ctx>) -> anyhow::Result<JoinSet<()>> {
        let stop = &ctx.stopper.token;
        let mut tasks = JoinSet::new();
        let mut after = 0i64;
        let paid_keys = self.store.keys_with_paid_calls()?;
        loop {
            let batch = self.store.due_keys(after, 500, &self.filter)?;
            let Some(last) = batch.last() else {
                return Ok(tasks);
            };
            after = last.key_id;
            for item in batch {
                // Read before the key's call slot: the pages earlier runs paid for.
                let mut paid = if paid_keys.contains(&item.key_id) {
                    self.store.paid_for(item.key_id)?
                } else {
                    Default::default()
                };
                if self.opts.retry_failed {
                    // Asked for: the unreadable answers so far do not park it again at once.
                    paid.unreadable = 0;
                }
                let permit = tokio::select! {
                    p = ctx.throttle.slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => return Ok(tasks),
                    },
                    _ = stop.cancelled() => return Ok(tasks),
                };
                let ctx = ctx.clone();
                tasks.spawn(async move {
                    process_key(&ctx, item, paid).await;
                    drop(permit);
                });
                while let Some(r) = tasks.try_join_next() {
                    log_join(r);
                }
            }
        }
    }

    /// Counts, exit code and the runs row.
    fn summarize(
        &self,
        run_id: i64,
        stopper: &Stopper,
        rate: RateReport,
        clock_offset: i64,
    ) -> anyhow::Result<Summary> {
        let store = &self.store;
        let mut summary = self.summary_without_calls(ExitCode::Ok)?;
        summary.run_id = Some(run_id);
        summary.clock_offset_secs = (clock_offset != 0).then_some(clock_offset);
        (summary.calls, summary.unreached) = store.calls_in_run(run_id)?;
        (summary.changes, summary.worse_changes) = store.changes_in_run(run_id)?;
        let reason = stopper.reason();
        let opened = match crate::review::record_opened(store, run_id, self.opts.review) {
            Ok(o) => Some(o),
            // The database that failed the writer may refuse this too; the summary still stands.
            Err(e) if matches!(reason, Some(StopReason::Storage { .. })) => {
                tracing::warn!("could not record the alerts this run opened: {e}");
                None
            }
            Err(e) => return Err(e),
        };
        if let Some(o) = opened {
            summary.alerts_opened = o.opened.len() as u64;
            summary.alerts_open = o.open_now;
            summary.attention_by_flag = o.by_flag;
        }
        let incomplete: u64 = KeyState::ALL
            .iter()
            .filter(|s| s.is_unfinished())
            .map(|s| summary.keys_by_state.get(s.as_str()).copied().unwrap_or(0))
            .sum();
        summary.exit_code = match &reason {
            Some(r) => r.exit_code(),
            None if stopper.token.is_cancelled() => ExitCode::Error,
            None if incomplete > 0 => ExitCode::Incomplete,
            None if self.opts.fail_on_worse && summary.worse_changes > 0 => ExitCode::Worse,
            None if self.opts.fail_on_open_alerts && summary.alerts_opened > 0 => ExitCode::Worse,
            None => ExitCode::Ok,
        };
        summary.stop = reason.as_ref().map(|r| format!("{r:?}"));
        summary.stop_reason = reason;
        summary.slowdowns = rate.slowdowns;
        summary.vendor_rate = rate.vendor_rate.map(|r| (r * 10.0).round() / 10.0);
        let closed = store.finish_run(
            run_id,
            summary.exit_code.code() as i64,
            &serde_json::to_value(&summary).unwrap_or_default(),
        );
        match closed {
            Ok(()) => {}
            // The database that failed the writer may refuse this too; the summary still stands.
            Err(e) if matches!(summary.stop_reason, Some(StopReason::Storage { .. })) => {
                tracing::warn!("could not close the run row: {e}");
            }
            Err(e) => return Err(e.into()),
        }
        Ok(summary)
    }
}

/// A normal run waits until every dispatched key has reached a state, however many pages, retries
/// or slow-down pauses that takes: abandoning a key whose pages are paid for would pay them again
/// on the next run. Only a stop (signal, quota, `--max-calls`, fatal code, storage failure) bounds
/// the wait: in-flight calls finish within the HTTP timeout, the rest are abandoned.
async fn drain(mut tasks: JoinSet<()>, timeout: Duration, stop: &CancellationToken) {
    let join_all = async |tasks: &mut JoinSet<()>| {
        while let Some(r) = tasks.join_next().await {
            log_join(r);
        }
    };
    tokio::select! {
        _ = join_all(&mut tasks) => return,
        _ = stop.cancelled() => {}
    }
    let drain_limit = timeout + Duration::from_secs(5);
    let drained = tokio::time::timeout(drain_limit, join_all(&mut tasks)).await;
    if drained.is_err() {
        tracing::warn!(
            "in-flight calls did not finish in {drain_limit:?}; abandoning them (their keys stay due)"
        );
        tasks.abort_all();
    }
}

fn log_join(r: Result<(), tokio::task::JoinError>) {
    if let Err(e) = r {
        tracing::error!("worker task failed: {e}");
    }
}
