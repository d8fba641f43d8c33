//! `notify`: a test message to every channel, or the service's failure; and the notifications
//! `run --notify-config` sends after a run ([`crate::notify`]).

use std::path::Path;

use crate::exit::ExitCode;
use crate::notify::{self, Delivery, NotifyConfig};
use crate::review::ReviewOptions;
use crate::screen::Summary;
use crate::store::{RunLock, Store};
use crate::telemetry::escape;

pub(super) async fn notify(
    config: &Path,
    test: bool,
    failed_unit: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let cfg = NotifyConfig::load(config)?;
    if cfg.channels.is_empty() {
        println!(
            "{}: no [[channel]] configured: nothing to send",
            config.display()
        );
        return Ok(ExitCode::Ok);
    }
    let sent = match failed_unit {
        Some(unit) if !test => notify::unit_failed(&cfg, unit).await?,
        _ => notify::test(&cfg).await?,
    };
    print_deliveries(&sent);
    let failed = sent.iter().filter(|d| !d.ok).count();
    Ok(if failed == 0 {
        ExitCode::Ok
    } else {
        ExitCode::Error
    })
}

/// After a run: send what it had to say. Nothing here changes the run's exit code: a failure
/// is logged, recorded and carried by the next run.
pub(super) async fn after_run(
    db: &Path,
    summary: &Summary,
    cfg: &NotifyConfig,
    review: ReviewOptions,
) {
    // The run's lock is released with the run: take it again, so that a run starting meanwhile
    // does not send the same news (it will send it itself).
    let _lock = match RunLock::acquire(db) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!("notifications not sent: {e}; the next run sends them");
            return;
        }
    };
    let sent = match Store::open(db) {
        Ok(store) => notify::after_run(&store, summary, cfg, review).await,
        Err(e) => Err(e.into()),
    };
    match sent {
        Ok(sent) => print_deliveries(&sent),
        Err(e) => tracing::warn!("notifications not sent: {e:#}; the next run sends them"),
    }
}

fn print_deliveries(sent: &[Delivery]) {
    for d in sent {
        if d.ok {
            println!("  notified {} ({}): sent", escape(&d.channel), d.kind);
        } else {
            println!(
                "  notified {} ({}): FAILED after {} attempt(s): {}; the next run sends it again",
                escape(&d.channel),
                d.kind,
                d.attempts,
                escape(d.error.as_deref().unwrap_or_default())
            );
        }
    }
}
