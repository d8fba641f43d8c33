//! `run`: ingest, then (unless `--dry-run`) screen; print the summary and say what to do next.

use crate::cli::RunArgs;
use crate::cli::options::{redacted_args, run_options};
use crate::exit::ExitCode;
use crate::notify::NotifyConfig;
use crate::qcc::status::fatal_hint;
use crate::screen::{self, Ingested, StopReason, Stopper, Summary};
use crate::secrets::Credentials;
use crate::telemetry::escape;
use crate::view::{Lang, Window, Zone};

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
            print_summary(&summary, &SummaryView::of(&ingested));
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
    let view = SummaryView::of(&ingested);
    let review = ingested.review_options();
    let summary = ingested.screen(creds, stopper).await?;
    if let Some(reason) = &summary.stop_reason {
        print_stop(reason);
    }
    print_summary(&summary, &view);
    if let Some(cfg) = notify {
        super::notify::after_run(&view.db, &summary, cfg, review).await;
    }
    Ok(summary.exit_code)
}

fn print_dry_run(ingested: &Ingested, qps: f64) {
    let (l, _, _) = ingested.view();
    let due = ingested.due();
    let kinds = super::kind_counts(&ingested.due_by_kind, l);
    println!("{}", l.run_input(&escape(&ingested.source)));
    println!(
        "{}",
        l.dry_run(
            ingested.ingest.rows,
            ingested.ingest.new_keys,
            due,
            if kinds.is_empty() {
                l.tr("无", "none")
            } else {
                &kinds
            },
            due as f64 / qps.max(0.001),
            qps
        )
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
pub(super) fn vendor_rate_advice(rate: f64, lang: Lang) -> String {
    // The rate throttling began at is already over the limit: advise a little under it.
    lang.vendor_rate(rate, ((rate * 0.95).floor() as u64).max(1))
}

/// How the summary is written, taken from the run's options before the run consumes them.
pub(super) struct SummaryView {
    lang: Lang,
    zone: Zone,
    price: Option<f64>,
    db: std::path::PathBuf,
    window: Window,
}

impl SummaryView {
    fn of(ingested: &Ingested) -> SummaryView {
        let (lang, zone, price) = ingested.view();
        SummaryView {
            lang,
            zone,
            price,
            db: ingested.db().to_path_buf(),
            window: ingested.review_options().punished_within,
        }
    }
}

/// The end-of-run summary, on stdout: the outcome first (who needs attention and why, what is
/// new), then the next command, then what was read, the keys, the calls and their cost, the
/// changes, and the exit code with its meaning.
pub(super) fn print_summary(s: &Summary, v: &SummaryView) {
    let l = v.lang;
    let attention: u64 = s.attention_by_flag.iter().map(|(_, n)| n).sum();
    let why = s
        .attention_by_flag
        .iter()
        .map(|(f, n)| format!("{} {n}", l.flag_short(*f, &v.window.label(l))))
        .collect::<Vec<_>>()
        .join(l.tr("，", ", "));
    println!(
        "{}",
        l.run_outcome(
            s.run_id.unwrap_or(0),
            attention,
            &why,
            s.alerts_open,
            s.alerts_opened
        )
    );
    if s.alerts_open > 0 {
        let cmd = format!(
            "qcc-credit review --db {} --list --open",
            escape(&v.db.display().to_string())
        );
        println!("  {}", l.run_next(&cmd));
    }
    println!(
        "  {}",
        l.run_read(s.rows, s.new_keys, s.invalid_rows, s.skipped_rows, s.due)
    );
    println!("  {}", l.run_input(&escape(&s.source)));
    println!("  {}", l.status_keys(&l.states_line(&s.keys_by_state)));
    let answered = s.calls - s.unreached;
    println!(
        "  {}",
        l.run_calls(answered, s.elapsed_secs, &l.cost(answered, v.price))
    );
    if s.unreached > 0 {
        println!("  {}", l.run_unreached(s.unreached));
    }
    if s.slowdowns > 0 {
        println!("  {}", l.run_slowdowns(s.slowdowns));
    }
    if let Some(r) = s.vendor_rate {
        println!("  {}", vendor_rate_advice(r, l));
    }
    if let Some(StopReason::Quota { code, .. }) = &s.stop_reason {
        let at = v.zone.now().format("%Y-%m-%d %H:%M %:z").to_string();
        println!("  {}", l.quota_spent(&at, code));
    }
    println!("  {}", l.run_changes(s.changes, s.worse_changes));
    if s.alerts_opened > 0 {
        println!("  {}", l.run_opened(s.alerts_opened));
    }
    let meaning = match l {
        Lang::En => s.exit_code.meaning(),
        Lang::Zh => s.exit_code.meaning_in(l),
    };
    println!("  {}", l.run_exit(s.exit_code.code(), meaning));
}
