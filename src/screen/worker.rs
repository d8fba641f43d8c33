//! One key, all its pages: the per-status actions of `docs/vendor-api.md` (store, defer, slow
//! down, stop on quota or fatal codes, retry transient failures with backoff, give up as `failed`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::DEFER_FOR;
use super::progress::Counters;
use super::stop::{StopReason, Stopper};
use super::throttle::Throttle;
use crate::qcc::{CallRecord, Class, Outcome, Pager, Step, VendorClient};
use crate::store::writer::WriterHandle;
use crate::store::{Paid, WorkItem, WriteOp};

/// 120/122 answers for one key before it counts as failed for this run.
const MAX_SLOWDOWNS_PER_KEY: u32 = 30;
/// Attempts in a row that never reached the vendor (refused, DNS, TLS, proxy), with no answer in
/// between, before the run stops as an outage rather than retrying every key into `failed`.
const UNREACHABLE_ATTEMPTS: u32 = 10;
/// ... or the time such a streak may last.
const UNREACHABLE_FOR: Duration = Duration::from_secs(60);
/// Answers that could not be read for one key (over every run since its last answer) before it
/// is parked: each was likely billed, so it is asked again once, not every night.
const UNREADABLE_BEFORE_PARKING: u32 = 2;

/// Attempts in a row that never reached the vendor, and when the first of them was made.
#[derive(Default)]
pub(super) struct Streak {
    attempts: u32,
    since: Option<Instant>,
}

/// What every worker shares.
pub(super) struct Ctx {
    pub client: VendorClient,
    pub throttle: Throttle,
    pub stopper: Stopper,
    pub writer: WriterHandle,
    pub counters: Arc<Counters>,
    pub max_calls: Option<u64>,
    pub calls_reserved: AtomicU64,
    pub max_attempts: u32,
    /// `--max-pages-per-key`.
    pub max_pages: u32,
    pub unreachable: Mutex<Streak>,
}

impl Ctx {
    /// Queue a write, waiting for room when the writer is behind (that wait holds this key's call
    /// slot, so dispatch slows down with the disk).
    async fn send(&self, op: WriteOp) {
        if self.writer.send(op).await.is_err() {
            // The writer is gone (database error, already logged and counted): stop calling.
            self.stopper.token.cancel();
        }
    }

    /// The key is done for this run: count it under `counter` and queue its state change.
    async fn finish(&self, counter: &AtomicU64, op: WriteOp) -> Next {
        counter.fetch_add(1, Ordering::Relaxed);
        self.counters.done.fetch_add(1, Ordering::Relaxed);
        self.send(op).await;
        Next::Done
    }

    /// Track attempts that never reached the vendor; a long enough streak stops the run.
    fn note_reach(&self, call: &CallRecord) {
        let mut s = self.unreachable.lock().unwrap_or_else(|e| e.into_inner());
        if call.reached {
            *s = Streak::default();
            return;
        }
        s.attempts += 1;
        let since = *s.since.get_or_insert_with(Instant::now);
        if s.attempts >= UNREACHABLE_ATTEMPTS || since.elapsed() >= UNREACHABLE_FOR {
            self.stopper.stop(StopReason::Unreachable {
                url: self.client.endpoint().url().to_string(),
                error: call.message.clone(),
                attempts: s.attempts,
            });
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

/// Where one key stands between its calls.
struct KeyProgress {
    pager: Pager,
    attempts: u32,
    slowdowns: u32,
    /// Unreadable answers since the key's last answer, earlier runs included.
    unreadable: u32,
    /// Asked again once after a 115 that came from this machine's clock.
    clock_retried: bool,
}

/// After a call: ask again (next page or retry), or the key is done for this run.
enum Next {
    Again,
    Done,
}

/// One key, all its pages, with the per-status actions of the vendor table, going on from the
/// pages earlier runs paid for (`paid`). A stop (signal, quota, `--max-calls`) never starts
/// another call: the pages bought so far are stored, and the next run goes on from them.
pub(super) async fn process_key(ctx: &Ctx, item: WorkItem, paid: Paid) {
    let mut key = KeyProgress {
        pager: Pager::resume(ctx.max_pages, paid.resume),
        attempts: 0,
        slowdowns: 0,
        unreadable: paid.unreadable,
        clock_retried: false,
    };
    if key.pager.resumed_pages() > 0 {
        tracing::info!(
            key = %item.key,
            next_page = key.pager.page(),
            "going on from page {}: pages 1-{} were paid for in an earlier run",
            key.pager.page(),
            key.pager.resumed_pages()
        );
    }
    loop {
        if !ctx.throttle.ready(&ctx.stopper.token).await || !ctx.reserve_call() {
            return;
        }
        let call = ctx.client.fetch_page(&item.key, key.pager.page()).await;
        ctx.counters.calls.fetch_add(1, Ordering::Relaxed);
        ctx.note_reach(&call);
        match handle(ctx, &item, &mut key, call).await {
            Next::Again => continue,
            Next::Done => return,
        }
    }
}

async fn handle(ctx: &Ctx, item: &WorkItem, key: &mut KeyProgress, mut call: CallRecord) -> Next {
    let class = call.outcome.class;
    let status = call.vendor_status.clone();
    let message = call.message.clone();
    let (retry_after, http) = (call.outcome.retry_after, call.http_status);
    if call.http_status.is_some() {
        ctx.throttle.observe(class == Class::SlowDown, call.latency);
    }
    let (clock_corrected, unreadable) = (call.outcome.clock_corrected, call.outcome.unreadable);
    let step = take_page(key, &mut call, class);
    let answers = match class {
        Class::Found => !matches!(step, Step::More | Step::Restart(_)),
        Class::NotFound | Class::Invalid | Class::Unsupported => true,
        _ => false,
    };
    // The call that brings the answer goes with it; any other is queued now.
    let mut last = Some(Box::new(call));
    if !answers && let Some(call) = last.take() {
        ctx.send(WriteOp::Call {
            key_id: item.key_id,
            call,
        })
        .await;
    }
    let c = &ctx.counters;
    let answer = async |outcome: Outcome, counter: &AtomicU64, doubt: Option<String>| {
        let op = WriteOp::Answer {
            key_id: item.key_id,
            outcome,
            status: status.clone(),
            message: message.clone(),
            at: crate::clock::now(),
            call: last,
            doubt,
        };
        ctx.finish(counter, op).await
    };
    match (class, step) {
        (Class::Found, Step::More) => {
            key.attempts = 0;
            Next::Again
        }
        (Class::Found, Step::Restart(why)) => {
            tracing::warn!(key = %item.key, "{why}");
            key.attempts = 0;
            Next::Again
        }
        (Class::Found | Class::NotFound, step) => {
            let doubt = doubt_of(item, key, step);
            let outcome = std::mem::take(&mut key.pager).finish();
            let counter = match outcome {
                Outcome::Found(_) => &c.found,
                _ => &c.not_found,
            };
            answer(outcome, counter, doubt).await
        }
        (Class::Invalid, _) => answer(Outcome::Invalid(message.clone()), &c.invalid, None).await,
        (Class::Unsupported, _) => {
            answer(Outcome::Unsupported(message.clone()), &c.unsupported, None).await
        }
        (Class::Defer, _) => defer(ctx, item, status, message).await,
        (Class::SlowDown, _) => slowed(ctx, item, key, status, message, retry_after).await,
        // 115 from a skewed clock: the client corrected its Timespan; this call goes again once.
        (Class::Fatal, _) if clock_corrected && !key.clock_retried => {
            key.clock_retried = true;
            Next::Again
        }
        (Class::Quota | Class::Fatal, _) => stop_run(ctx, class, status, http, message),
        (Class::Transient, _) if unreadable => {
            key.unreadable += 1;
            if key.unreadable >= UNREADABLE_BEFORE_PARKING {
                return park(ctx, item, message, key.unreadable).await;
            }
            transient(ctx, item, key, status, message, retry_after).await
        }
        (Class::Transient, _) => transient(ctx, item, key, status, message, retry_after).await,
    }
}

/// A `Found` page's records move to the pager, which builds the answer from them: what comes
/// next.
fn take_page(key: &mut KeyProgress, call: &mut CallRecord, class: Class) -> Step {
    let bytes = call.body.as_ref().map_or(0, String::len);
    match class {
        Class::Found => key.pager.absorb(&mut call.outcome, bytes),
        _ => Step::Done,
    }
}

/// Why paging stopped before the answer was whole, said in the log.
fn doubt_of(item: &WorkItem, key: &KeyProgress, step: Step) -> Option<String> {
    let Step::Doubt(why) = step else {
        return None;
    };
    tracing::warn!(
        key = %item.key,
        "vendor answer inconsistent: {why}; paging stopped, the {} record(s) bought are kept",
        key.pager.records()
    );
    Some(why)
}

/// 120 or 122: the throttle slows down and the call goes again, unless this key has been told
/// so too often.
async fn slowed(
    ctx: &Ctx,
    item: &WorkItem,
    key: &mut KeyProgress,
    status: Option<String>,
    message: String,
    retry_after: Option<std::time::Duration>,
) -> Next {
    ctx.throttle
        .slow_down(status.as_deref().unwrap_or("120"), retry_after);
    key.slowdowns += 1;
    if key.slowdowns >= MAX_SLOWDOWNS_PER_KEY {
        return fail(ctx, item, status, message, key.attempts + key.slowdowns).await;
    }
    Next::Again
}

/// A failure that may pass: retry with backoff, or give up on the key for this run.
async fn transient(
    ctx: &Ctx,
    item: &WorkItem,
    key: &mut KeyProgress,
    status: Option<String>,
    message: String,
    retry_after: Option<Duration>,
) -> Next {
    key.attempts += 1;
    tracing::debug!(key = %item.key, attempts = key.attempts, %message, "transient failure");
    if key.attempts >= ctx.max_attempts {
        return fail(ctx, item, status, message, key.attempts).await;
    }
    let wait = ctx.throttle.backoff(key.attempts, retry_after);
    tokio::select! {
        _ = tokio::time::sleep(wait) => Next::Again,
        _ = ctx.stopper.token.cancelled() => Next::Done,
    }
}

/// The vendor's answers for the key could not be read, twice: each was likely billed, so the key
/// is not asked again until someone looks (`--retry-failed`).
async fn park(ctx: &Ctx, item: &WorkItem, message: String, times: u32) -> Next {
    let message = format!(
        "the vendor's answer could not be read {times} times ({message}); parked: not asked again \
         until a run with --retry-failed"
    );
    tracing::warn!(key = %item.key, "{message}");
    let op = WriteOp::Park {
        key_id: item.key_id,
        message,
    };
    ctx.finish(&ctx.counters.failed, op).await
}

/// Quota or a fatal code: the run stops cleanly. A redirect has no vendor status: its HTTP
/// status names it.
fn stop_run(
    ctx: &Ctx,
    class: Class,
    status: Option<String>,
    http: Option<u16>,
    message: String,
) -> Next {
    let code = status
        .or(http.map(|h| format!("HTTP {h}")))
        .unwrap_or_default();
    ctx.stopper.stop(if class == Class::Quota {
        StopReason::Quota { code, message }
    } else {
        StopReason::Fatal { code, message }
    });
    Next::Done
}

async fn defer(ctx: &Ctx, item: &WorkItem, status: Option<String>, message: String) -> Next {
    let not_before = crate::clock::now() + chrono::Duration::seconds(DEFER_FOR.as_secs() as i64);
    tracing::warn!(key = %item.key, "vendor answered 110 (same query failing repeatedly): key deferred for 2 hours");
    let op = WriteOp::Defer {
        key_id: item.key_id,
        status,
        message,
        not_before,
    };
    ctx.finish(&ctx.counters.deferred, op).await
}

async fn fail(
    ctx: &Ctx,
    item: &WorkItem,
    status: Option<String>,
    message: String,
    attempts: u32,
) -> Next {
    tracing::warn!(key = %item.key, attempts, %message, "giving up on this key for this run (state failed; the next run retries it)");
    let op = WriteOp::Failed {
        key_id: item.key_id,
        status,
        message,
        attempts,
    };
    ctx.finish(&ctx.counters.failed, op).await
}
