//! One key, all its pages: the per-status actions of `docs/vendor-api.md` (store, defer, slow
//! down, stop on quota or fatal codes, retry transient failures with backoff, give up as `failed`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio_util::sync::CancellationToken;

use super::DEFER_FOR;
use super::progress::Counters;
use super::stop::{StopReason, Stopper};
use super::throttle::Throttle;
use crate::qcc::{CallRecord, Class, Outcome, Pager, VendorClient};
use crate::store::writer::WriterHandle;
use crate::store::{WorkItem, WriteOp};

/// 120/122 answers for one key before it counts as failed for this run.
const MAX_SLOWDOWNS_PER_KEY: u32 = 30;
/// Attempts in a row that never reached the vendor (refused, DNS, TLS, proxy), with no answer in
/// between, before the run stops as an outage rather than retrying every key into `failed`.
const UNREACHABLE_ATTEMPTS: u32 = 10;
/// ... or the time such a streak may last.
const UNREACHABLE_FOR: Duration = Duration::from_secs(60);

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
    /// Asked again once after a 115 that came from this machine's clock.
    clock_retried: bool,
}

/// After a call: ask again (next page or retry), or the key is done for this run.
enum Next {
    Again,
    Done,
}

/// One key, all its pages, with the per-status actions of the vendor table.
pub(super) async fn process_key(ctx: &Ctx, item: WorkItem) {
    let mut key = KeyProgress {
        pager: Pager::new(),
        attempts: 0,
        slowdowns: 0,
        clock_retried: false,
    };
    let never = CancellationToken::new();
    loop {
        // A key whose first pages are paid for finishes its paging on Ctrl-C (in-flight work),
        // rather than paying for those pages again on resume; quota and fatal stops do not.
        let finishing =
            key.pager.page() > 1 && ctx.stopper.reason() == Some(StopReason::Interrupted);
        let gate = if finishing {
            &never
        } else {
            &ctx.stopper.token
        };
        if !ctx.throttle.ready(gate).await || !ctx.reserve_call() {
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
    let retry_after = call.outcome.retry_after;
    let http = call.http_status;
    if call.http_status.is_some() {
        ctx.throttle.observe(class == Class::SlowDown, call.latency);
    }
    let clock_corrected = call.outcome.clock_corrected;
    let before = key.pager.records();
    let page_len = call.outcome.records.len() as u64;
    // The page's records move to the pager, which builds the answer from them.
    let more = class == Class::Found && key.pager.absorb(&mut call.outcome);
    // A full page after full pages sits at its own place in the answer: it can be stored by
    // shape now rather than whole until the answer comes, with its own records.
    let size = (call.outcome.page_size)
        .filter(|s| *s > 0)
        .unwrap_or(crate::qcc::pager::PAGE_SIZE);
    let aligned =
        more && page_len == size && before == u64::from(call.page.saturating_sub(1)) * size;
    if aligned {
        call.outcome.records = key.pager.last(page_len as usize).to_vec();
    }
    let answers = match class {
        Class::Found => !more,
        Class::NotFound | Class::Invalid | Class::Unsupported => true,
        _ => false,
    };
    // The call that brings the answer goes with it; any other is queued now.
    let mut last = Some(Box::new(call));
    if !answers && let Some(call) = last.take() {
        ctx.send(WriteOp::Call {
            key_id: item.key_id,
            call,
            aligned,
        })
        .await;
    }
    let c = &ctx.counters;
    let answer = async |outcome: Outcome, counter: &AtomicU64| {
        let op = WriteOp::Answer {
            key_id: item.key_id,
            outcome,
            status: status.clone(),
            message: message.clone(),
            at: Utc::now(),
            call: last,
        };
        ctx.finish(counter, op).await
    };
    match class {
        Class::Found if more => {
            key.attempts = 0;
            Next::Again
        }
        Class::Found | Class::NotFound => {
            let outcome = std::mem::take(&mut key.pager).finish();
            let counter = match outcome {
                Outcome::Found(_) => &c.found,
                _ => &c.not_found,
            };
            answer(outcome, counter).await
        }
        Class::Invalid => answer(Outcome::Invalid(message.clone()), &c.invalid).await,
        Class::Unsupported => answer(Outcome::Unsupported(message.clone()), &c.unsupported).await,
        Class::Defer => defer(ctx, item, status, message).await,
        Class::SlowDown => {
            ctx.throttle
                .slow_down(status.as_deref().unwrap_or("120"), retry_after);
            key.slowdowns += 1;
            if key.slowdowns >= MAX_SLOWDOWNS_PER_KEY {
                return fail(ctx, item, status, message, key.attempts + key.slowdowns).await;
            }
            Next::Again
        }
        // 115 from a skewed clock: the client corrected its Timespan; this call goes again once.
        Class::Fatal if clock_corrected && !key.clock_retried => {
            key.clock_retried = true;
            Next::Again
        }
        Class::Quota | Class::Fatal => stop_run(ctx, class, status, http, message),
        Class::Transient => {
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
    }
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
    let not_before = Utc::now() + chrono::Duration::seconds(DEFER_FOR.as_secs() as i64);
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
