//! `run`: ingest, then (unless `--dry-run`) screen; print the summary and say what to do next.

use crate::cli::RunArgs;
use crate::cli::options::{redacted_args, run_options};
use crate::exit::ExitCode;
use crate::notify::NotifyConfig;
use crate::qcc::status::fatal_hint;
use crate::screen::{self, Ingested, StopReason, Stopper, Summary};
use crate::secrets::Credentials;
use crate::telemetry::escape;

pub(super) async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    // A notification file that cannot be read stops the run before any call.
    let notify = args
        .notify_config
        .as_deref()
        .map(NotifyConfig::load)
        .transpose()?;
    let opts = run_options(&args, redacted_args())?;
    let dry_run = opts.dry_run;
    let qps = opts.qps;
    let ingested = screen::ingest(opts)?;
    if dry_run {
        print_dry_run(&ingested, qps);
        return Ok(ExitCode::Ok);
    }
    let creds = match Credentials::from_env() {
        Ok(c) => c,
        Err(msg) => {
            eprintln!("qcc-credit: {msg}");
            let mut summary = ingested.summary_without_calls(ExitCode::Fatal)?;
            summary.stop = Some("credentials missing".into());
            print_summary(&summary);
            return Ok(summary.exit_code);
        }
    };
    screen_and_report(ingested, creds, notify.as_ref()).await
}

/// Screen, explain an early stop on stderr, print the summary; shared with `demo`.
pub(super) async fn screen_and_report(
    ingested: Ingested,
    creds: Credentials,
    notify: Option<&NotifyConfig>,
) -> anyhow::Result<ExitCode> {
    let stopper = Stopper::default();
    watch_signals(stopper.clone());
    let db = ingested.db().to_path_buf();
    let review = ingested.review_options();
    let summary = ingested.screen(creds, stopper).await?;
    if let Some(reason) = &summary.stop_reason {
        print_stop(reason);
    }
    print_summary(&summary);
    if let Some(cfg) = notify {
        super::notify::after_run(&db, &summary, cfg, review).await;
    }
    Ok(summary.exit_code)
}

fn print_dry_run(ingested: &Ingested, qps: f64) {
    let due = ingested.due();
    let kinds = super::kind_counts(&ingested.due_by_kind);
    println!("input: {}", escape(&ingested.source));
    println!(
        "dry run: {} rows read, {} new keys; a run would call the vendor for {due} keys ({}), \
         at least {due} calls (one more per 20 customs registrations beyond the first 20), \
         about {:.0} s at --qps {}",
        ingested.ingest.rows,
        ingested.ingest.new_keys,
        if kinds.is_empty() {
            "none".into()
        } else {
            kinds
        },
        due as f64 / qps.max(0.001),
        qps
    );
}

/// Why the run stopped early, on stderr (the cron recipe mails it).
fn print_stop(reason: &StopReason) {
    match reason {
        StopReason::Fatal { code, message } => eprintln!(
            "qcc-credit: stopped: the vendor refused the call: status {}: {}\n  hint: {}",
            escape(code),
            escape(message),
            fatal_hint(code)
        ),
        StopReason::Quota { code, message } => eprintln!(
            "qcc-credit: stopped on the vendor's quota or billing: status {}: {}; \
             everything answered is saved, run the same command again when the quota resets",
            escape(code),
            escape(message)
        ),
        StopReason::MaxCalls(n) => eprintln!(
            "qcc-credit: stopped at --max-calls {n}; run the same command again to continue"
        ),
        StopReason::Unreachable {
            url,
            error,
            attempts,
        } => eprintln!(
            "qcc-credit: the vendor could not be reached at {}: {}\n  {attempts} attempts in a row \
             got no answer (none is billed); check the network, proxy and --base-url/--endpoint, \
             then run the same command again",
            escape(url),
            escape(error)
        ),
        StopReason::Storage {
            error,
            disk_full,
            unsaved_answers,
        } => {
            let what = if *disk_full {
                "disk full".to_string()
            } else {
                format!("the database could not be written ({})", escape(error))
            };
            eprintln!(
                "qcc-credit: {what}: {unsaved_answers} answers received but not saved (they will be \
                 asked again); calling stopped at the first failed write. Free space, then run the \
                 same command again"
            );
        }
        StopReason::Interrupted => {}
    }
}

/// First SIGINT/SIGTERM: stop dispatching, finish in-flight calls, commit, exit 130.
/// A second one exits at once (the database stays consistent: commits are atomic).
pub(super) fn watch_signals(stopper: Stopper) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            tracing::warn!("cannot install signal handlers");
            return;
        };
        tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
        eprintln!(
            "qcc-credit: stopping: letting in-flight calls finish and committing (signal again to exit at once)"
        );
        stopper.stop(StopReason::Interrupted);
        tokio::select! { _ = int.recv() => {}, _ = term.recv() => {} }
        eprintln!(
            "qcc-credit: second signal: exiting now; committed answers are safe, run again to resume"
        );
        std::process::exit(ExitCode::Interrupted.code() as i32);
    });
}

/// "the vendor held us to about 19.6 calls/s; --qps 19 avoids the 120s".
pub(super) fn vendor_rate_advice(rate: f64) -> String {
    format!(
        "the vendor held us to about {rate:.1} calls/s; --qps {} avoids the 120s",
        // The rate throttling began at is already over the limit: advise a little under it.
        ((rate * 0.95).floor() as u64).max(1)
    )
}

/// The end-of-run summary, on stdout.
pub(super) fn print_summary(s: &Summary) {
    let states = super::state_line(&s.keys_by_state);
    println!(
        "qcc-credit run #{}: {} rows read ({} new keys, {} invalid rows, {} total rows skipped), {} keys were due",
        s.run_id.unwrap_or(0),
        s.rows,
        s.new_keys,
        s.invalid_rows,
        s.skipped_rows,
        s.due
    );
    println!("  input: {}", escape(&s.source));
    println!("  keys: {states}");
    let answered = s.calls - s.unreached;
    println!(
        "  calls this run: {answered} answered by the vendor (assume each billed) in {:.1} s ({:.2} calls/s)",
        s.elapsed_secs,
        answered as f64 / s.elapsed_secs.max(0.001)
    );
    if s.unreached > 0 {
        println!(
            "  {} attempt(s) never reached the vendor (connection refused, DNS, TLS or proxy): not billed",
            s.unreached
        );
    }
    if s.slowdowns > 0 {
        println!(
            "  the vendor asked to slow down {} time(s) (120/122)",
            s.slowdowns
        );
    }
    if let Some(r) = s.vendor_rate {
        println!("  {}", vendor_rate_advice(r));
    }
    println!(
        "  changes since the previous screening: {} ({} worse)",
        s.changes, s.worse_changes
    );
    if s.alerts_opened > 0 {
        println!(
            "  alerts this run opened: {} (`qcc-credit review --list --open` shows them)",
            s.alerts_opened
        );
    }
    println!("  exit {}: {}", s.exit_code.code(), s.exit_code.meaning());
}
