//! The rate limiter and the backoff controller: the one place that decides when the next call
//! may leave.
//!
//! Calls leave at `--qps` (governor, `--burst`), at most `--concurrency` at once. When the vendor
//! says 120 (traffic abnormal) or 122 (over the concurrency limit), dispatch pauses, the rate is
//! halved (and for 122 one call slot is withdrawn), then both recover by steps while the vendor
//! stays quiet. Transient failures back off per key with exponential backoff and full jitter.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::rng::SplitMix;

/// A server's `Retry-After` is honoured up to this; beyond it the key is better off `failed` and
/// retried by the next run than holding a call slot.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Tuning of the backoff controller.
#[derive(Debug, Clone, Copy)]
pub struct BackoffConfig {
    /// First delay of the per-key exponential backoff (transient failures).
    pub retry_base: Duration,
    /// Largest per-key backoff delay.
    pub retry_cap: Duration,
    /// First global pause after 120/122; doubles while they keep coming, up to `pause_cap`.
    pub pause: Duration,
    pub pause_cap: Duration,
    /// Quiet time before the rate steps back up.
    pub recover_after: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            retry_base: Duration::from_millis(500),
            retry_cap: Duration::from_secs(30),
            pause: Duration::from_secs(2),
            pause_cap: Duration::from_secs(60),
            recover_after: Duration::from_secs(10),
        }
    }
}

fn limiter(qps: f64, burst: u32) -> Arc<DefaultDirectRateLimiter> {
    let period = Duration::from_secs_f64(1.0 / qps.max(0.001));
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN));
    Arc::new(RateLimiter::direct(quota))
}

struct State {
    qps: f64,
    limiter: Arc<DefaultDirectRateLimiter>,
    paused_until: Option<Instant>,
    pause: Duration,
    last_slowdown: Option<Instant>,
    last_step: Instant,
    slowdowns: u64,
}

/// Shared by the dispatcher and every worker.
pub struct Throttle {
    configured_qps: f64,
    burst: u32,
    cfg: BackoffConfig,
    state: Mutex<State>,
    /// Call slots: the dispatcher holds one per key in flight.
    pub slots: Arc<Semaphore>,
    configured_slots: usize,
    withdrawn: AtomicUsize,
    dice: Mutex<SplitMix>,
}

impl Throttle {
    pub fn new(qps: f64, burst: u32, concurrency: usize, cfg: BackoffConfig) -> Throttle {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Throttle {
            configured_qps: qps,
            burst,
            cfg,
            state: Mutex::new(State {
                qps,
                limiter: limiter(qps, burst),
                paused_until: None,
                pause: cfg.pause,
                last_slowdown: None,
                last_step: Instant::now(),
                slowdowns: 0,
            }),
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            configured_slots: concurrency.max(1),
            withdrawn: AtomicUsize::new(0),
            dice: Mutex::new(SplitMix::new(seed)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current request rate (lower than configured after a slow-down).
    pub fn current_qps(&self) -> f64 {
        self.lock().qps
    }

    pub fn slowdowns(&self) -> u64 {
        self.lock().slowdowns
    }

    /// Wait until a call may leave. False when the run is stopping.
    pub async fn ready(&self, stop: &CancellationToken) -> bool {
        loop {
            let (pause, limiter) = {
                let mut s = self.lock();
                self.maybe_recover(&mut s);
                (
                    s.paused_until.filter(|t| *t > Instant::now()),
                    s.limiter.clone(),
                )
            };
            if let Some(until) = pause {
                tokio::select! {
                    _ = tokio::time::sleep_until(until.into()) => continue,
                    _ = stop.cancelled() => return false,
                }
            }
            tokio::select! {
                _ = limiter.until_ready() => {}
                _ = stop.cancelled() => return false,
            }
            // A slow-down may have started while this call waited for its turn.
            let paused = self.lock().paused_until.is_some_and(|t| t > Instant::now());
            if !paused {
                return !stop.is_cancelled();
            }
        }
    }

    fn maybe_recover(&self, s: &mut State) {
        let now = Instant::now();
        let quiet = s
            .last_slowdown
            .is_none_or(|t| now.duration_since(t) >= self.cfg.recover_after);
        if !quiet || now.duration_since(s.last_step) < self.cfg.recover_after {
            return;
        }
        if s.qps < self.configured_qps {
            s.qps = (s.qps * 1.5).min(self.configured_qps);
            s.limiter = limiter(s.qps, self.burst);
            s.last_step = now;
            s.pause = self.cfg.pause;
            tracing::info!(
                qps = format!("{:.2}", s.qps),
                "vendor quiet: request rate stepped up"
            );
        }
        if self.withdrawn.load(Ordering::SeqCst) > 0 {
            self.withdrawn.fetch_sub(1, Ordering::SeqCst);
            self.slots.add_permits(1);
            s.last_step = now;
            tracing::info!("vendor quiet: one call slot given back");
        }
    }

    /// The vendor said 120 or 122: pause dispatch, lower the rate (and for 122 the calls in
    /// flight). Several in-flight calls answering 120 together count as one slow-down.
    pub fn slow_down(&self, code: &str) {
        let now = Instant::now();
        let mut s = self.lock();
        if s.paused_until.is_some_and(|t| t > now) {
            return;
        }
        let recent = s
            .last_slowdown
            .is_some_and(|t| now.duration_since(t) < self.cfg.recover_after * 3);
        s.pause = if recent {
            (s.pause * 2).min(self.cfg.pause_cap)
        } else {
            self.cfg.pause
        };
        s.paused_until = Some(now + s.pause);
        s.last_slowdown = Some(now);
        s.last_step = now;
        s.slowdowns += 1;
        s.qps = (s.qps / 2.0).max(self.configured_qps / 64.0).max(0.05);
        s.limiter = limiter(s.qps, 1);
        let mut withdrew = false;
        if code == "122" && self.withdrawn.load(Ordering::SeqCst) + 1 < self.configured_slots {
            self.withdrawn.fetch_add(1, Ordering::SeqCst);
            let slots = self.slots.clone();
            tokio::spawn(async move {
                if let Ok(p) = slots.acquire_owned().await {
                    p.forget();
                }
            });
            withdrew = true;
        }
        tracing::warn!(
            status = code,
            pause_ms = s.pause.as_millis() as u64,
            qps = format!("{:.2}", s.qps),
            one_slot_withdrawn = withdrew,
            "vendor asked to slow down: pausing dispatch and lowering the request rate"
        );
    }

    /// Per-key backoff before retry `attempt` (1-based): full jitter over an exponential window,
    /// never shorter than what the server asked for with `Retry-After`.
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let window = self
            .cfg
            .retry_base
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.cfg.retry_cap);
        let u = self.dice.lock().unwrap_or_else(|e| e.into_inner()).unit();
        let jittered = window.mul_f64(u);
        match retry_after {
            Some(r) => jittered.max(r.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let t = Throttle::new(5.0, 1, 4, BackoffConfig::default());
        for attempt in 1..20 {
            let d = t.backoff(attempt, None);
            assert!(d <= Duration::from_secs(30), "{d:?}");
        }
        assert!(t.backoff(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert!(t.backoff(1, None) <= Duration::from_millis(500));
    }

    #[tokio::test]
    async fn slow_down_halves_the_rate_once_per_pause_and_recovers() {
        let cfg = BackoffConfig {
            pause: Duration::from_millis(50),
            recover_after: Duration::from_millis(100),
            ..Default::default()
        };
        let t = Throttle::new(8.0, 1, 4, cfg);
        t.slow_down("120");
        t.slow_down("120");
        assert_eq!(t.current_qps(), 4.0);
        assert_eq!(t.slowdowns(), 1);
        tokio::time::sleep(Duration::from_millis(120)).await;
        let stop = CancellationToken::new();
        assert!(t.ready(&stop).await);
        assert_eq!(t.current_qps(), 6.0);
    }
}
