//! Progress: an indicatif bar on a terminal, a tracing line every few seconds otherwise (cron).

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;

/// Live counters of this run, shared by the workers.
#[derive(Debug, Default)]
pub struct Counters {
    pub done: AtomicU64,
    pub found: AtomicU64,
    pub not_found: AtomicU64,
    pub invalid: AtomicU64,
    pub unsupported: AtomicU64,
    pub deferred: AtomicU64,
    pub failed: AtomicU64,
    pub calls: AtomicU64,
}

impl Counters {
    pub fn get(&self, c: &AtomicU64) -> u64 {
        c.load(Ordering::Relaxed)
    }
}

/// Start reporting progress; the returned task ends when `done` is cancelled.
pub fn start(
    total: u64,
    counters: Arc<Counters>,
    enabled: bool,
    done: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let terminal = enabled && std::io::stderr().is_terminal();
    tokio::spawn(async move {
        let started = Instant::now();
        let bar = terminal.then(|| {
            let b = ProgressBar::new(total);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} keys · {per_sec} · ETA {eta} · {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        let period = if terminal {
            Duration::from_millis(200)
        } else {
            Duration::from_secs(5)
        };
        let mut tick = tokio::time::interval(period);
        tick.tick().await;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = done.cancelled() => break,
            }
            let c = &counters;
            let d = c.get(&c.done);
            let msg = format!(
                "found {} · not found {} · failed {}",
                c.get(&c.found),
                c.get(&c.not_found),
                c.get(&c.failed)
            );
            match &bar {
                Some(b) => {
                    b.set_message(msg);
                    b.set_position(d);
                }
                None if enabled => {
                    let secs = started.elapsed().as_secs_f64().max(0.001);
                    tracing::info!(
                        done = d,
                        total,
                        calls = c.get(&c.calls),
                        rate = format!("{:.1}/s", c.get(&c.calls) as f64 / secs),
                        found = c.get(&c.found),
                        not_found = c.get(&c.not_found),
                        failed = c.get(&c.failed),
                        deferred = c.get(&c.deferred),
                        "progress"
                    );
                }
                None => {}
            }
        }
        if let Some(b) = bar {
            b.finish_and_clear();
        }
    })
}
