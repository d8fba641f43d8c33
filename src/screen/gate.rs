//! The contract gate: a governor quota (GCRA) every call passes last, whatever the adaptive rate
//! decided. With a whole `--qps`, no one-second window ever holds more than `--qps` calls:
//! `--burst N` calls may leave back to back, and the sustained rate is then `qps - N + 1`, so a
//! burst never adds to a second. The interval is rounded up to the nanosecond, never down.
//! (A fractional `--qps` spaces calls `1 / qps` apart: 2.5 is 5 calls in every 2 seconds.)
//! A call passes a little after its instant (tokio's timer wakes on whole milliseconds), and a
//! GCRA never gives that back, so from 30/s up the gate keeps a burst of its own to absorb it
//! (see [`jitter_burst`]); the sustained rate is then one or a few calls a second lower.
//!
//! The gate is asked with `check()` and waited for on tokio's timer until the earliest instant
//! it names (governor's own `until_ready` runs a timer thread). Its clock is tokio's, so tests
//! with paused time run the real gate without sleeping.

use std::num::NonZeroU32;
use std::ops::Add;
use std::time::Duration;

use governor::clock::{Clock, Reference};
use governor::middleware::NoOpMiddleware;
use governor::nanos::Nanos;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// tokio's clock for governor: `tokio::time::Instant`, which paused tests can advance.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioClock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct At(pub Instant);

impl Add<Nanos> for At {
    type Output = At;
    fn add(self, d: Nanos) -> At {
        At(self.0 + Duration::from(d))
    }
}

impl Reference for At {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }
    fn saturating_sub(&self, d: Nanos) -> Self {
        At(self.0.checked_sub(d.into()).unwrap_or(self.0))
    }
}

impl Clock for TokioClock {
    type Instant = At;
    fn now(&self) -> At {
        At(Instant::now())
    }
}

/// How late a call typically passes after the instant it was due: tokio's timer wakes on whole
/// milliseconds, and then the runtime schedules the task (measured here: about 2 ms).
const LATE: f64 = 0.002;
/// The lateness a tolerance should absorb.
const ABSORB: f64 = 0.003;

/// The burst the gate needs so that a call passing late does not delay every call after it.
/// A GCRA schedules the next call one interval after the last one passed, so each late pass
/// loses its lateness for good (`LATE / (interval + LATE)` of the rate: 9% at 50/s); a burst of
/// `b` absorbs lateness up to `b - 1` intervals but costs `b - 1` calls a second. The smaller loss
/// wins: none at 5/s or 20/s, 2 from 30/s, more above 1,000/s.
fn jitter_burst(qps: f64) -> u32 {
    let t = 1.0 / qps;
    let late_loss = LATE / (t + LATE);
    let b = 1 + (ABSORB / t).ceil() as u32;
    let tol_loss = f64::from(b - 1) / qps;
    if tol_loss < late_loss { b } else { 1 }
}

/// Why a `--qps` and `--burst` cannot make a gate.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum GateError {
    #[error("--qps must be a positive number of calls per second")]
    Rate,
    #[error(
        "--burst {burst} is more than --qps {qps} allows in one second (at most {most}): a burst \
         is part of the second's calls, never on top of them"
    )]
    Burst { burst: u32, qps: f64, most: u32 },
}

pub struct Gate {
    limiter: RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<At>>,
    sustained: f64,
}

impl Gate {
    pub fn new(qps: f64, burst: u32) -> Result<Gate, GateError> {
        if !(qps.is_finite() && qps > 0.0) {
            return Err(GateError::Rate);
        }
        let burst = burst.max(1);
        let most = (qps.floor() as u32).max(1);
        if burst > most {
            return Err(GateError::Burst { burst, qps, most });
        }
        let burst = burst.max(jitter_burst(qps)).min(most);
        let sustained = qps - f64::from(burst - 1);
        // Rounded up: an interval a nanosecond short lets qps + 1 calls into some second.
        let nanos = (1e9 / sustained).ceil() as u64;
        let quota = Quota::with_period(Duration::from_nanos(nanos.max(1)))
            .ok_or(GateError::Rate)?
            .allow_burst(NonZeroU32::new(burst).ok_or(GateError::Rate)?);
        Ok(Gate {
            limiter: RateLimiter::direct_with_clock(quota, TokioClock),
            sustained,
        })
    }

    /// The rate calls may keep up after a burst: the most the adaptive rate may choose.
    pub fn sustained(&self) -> f64 {
        self.sustained
    }

    /// Pass now, or the earliest instant a call may pass.
    pub fn check(&self) -> Result<(), Instant> {
        self.limiter.check().map_err(|n| n.earliest_possible().0)
    }

    /// Wait until a call may pass and take its place. False when the run is stopping.
    pub async fn pass(&self, stop: &CancellationToken) -> bool {
        loop {
            if stop.is_cancelled() {
                return false;
            }
            match self.check() {
                Ok(()) => return true,
                Err(at) => tokio::select! {
                    _ = tokio::time::sleep_until(at) => {}
                    _ = stop.cancelled() => return false,
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_larger_than_a_second_is_refused_and_jitter_has_its_own() {
        assert!(matches!(
            Gate::new(5.0, 6),
            Err(GateError::Burst { most: 5, .. })
        ));
        assert!(Gate::new(5.0, 5).is_ok());
        assert!(matches!(
            Gate::new(0.5, 2),
            Err(GateError::Burst { most: 1, .. })
        ));
        assert_eq!(Gate::new(0.0, 1).err(), Some(GateError::Rate));
        assert_eq!(Gate::new(30.0, 4).map(|g| g.sustained()).ok(), Some(27.0));
        // Below 30/s no burst of its own; from 30/s one call a second for jitter.
        let sustained = |q| Gate::new(q, 1).map(|g| g.sustained()).ok();
        assert_eq!(sustained(5.0), Some(5.0));
        assert_eq!(sustained(20.0), Some(20.0));
        assert_eq!(sustained(50.0), Some(49.0));
        assert_eq!(sustained(5000.0), Some(4985.0));
    }
}
