//! Per-key backoff for transient failures: exponential, with full jitter, never shorter than a
//! server's `Retry-After` (up to a bound).

use std::sync::Mutex;
use std::time::Duration;

use crate::rng::SplitMix;

/// A server's `Retry-After` is honoured up to this; beyond it the key is better off `failed` and
/// retried by the next run than holding a call slot.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);

/// Tuning of the backoff controller.
#[derive(Debug, Clone, Copy)]
pub struct BackoffConfig {
    /// First delay of the per-key exponential backoff (transient failures).
    pub retry_base: Duration,
    /// Largest per-key backoff delay.
    pub retry_cap: Duration,
    /// The longest dispatch pauses after a cut (the pause is about one vendor latency).
    pub pause: Duration,
    /// At most one cut of the rate per this much time.
    pub recover_after: Duration,
}

impl Default for BackoffConfig {
    fn default() -> Self {
        BackoffConfig {
            retry_base: Duration::from_millis(500),
            retry_cap: Duration::from_secs(30),
            pause: Duration::from_secs(1),
            recover_after: Duration::from_secs(1),
        }
    }
}

pub struct Backoff {
    cfg: BackoffConfig,
    dice: Mutex<SplitMix>,
}

impl Backoff {
    pub fn new(cfg: BackoffConfig) -> Backoff {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1);
        Backoff {
            cfg,
            dice: Mutex::new(SplitMix::new(seed)),
        }
    }

    /// Per-key backoff before retry `attempt` (1-based): full jitter over an exponential window,
    /// never shorter than what the server asked for with `Retry-After`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
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
        let t = Backoff::new(BackoffConfig::default());
        for attempt in 1..20 {
            let d = t.delay(attempt, None);
            assert!(d <= Duration::from_secs(30), "{d:?}");
        }
        assert!(t.delay(1, Some(Duration::from_secs(3))) >= Duration::from_secs(3));
        assert!(t.delay(1, None) <= Duration::from_millis(500));
    }
}
