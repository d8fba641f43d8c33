//! The command line (DESIGN.md, "Command line"): parse, build, run, map to an exit code.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::exit::ExitCode;
use crate::export::Format;
use crate::input::ReadOptions;
use crate::pipeline::{self, BackoffConfig, RunOptions, StopReason, Stopper, Summary};
use crate::secrets::Credentials;
use crate::simulator::{self, Faults, SimConfig};
use crate::store::writer::BatchConfig;
use crate::store::{DueFilter, Store};
use crate::telemetry::{self, LogFormat};
use crate::vendor::Endpoint;

#[derive(Debug, Parser)]
#[command(
    name = "qcc-credit",
    version,
    about = "Bulk-screen supplier lists against China Customs import/export credit data (Qichacha 进出口信用核查)"
)]
pub struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest the input and screen every due key; run the same command again to resume.
    #[command(args_override_self = true)]
    Run(RunArgs),
    /// Counts by state, calls made, and what a next run would do.
    Status {
        #[arg(long)]
        db: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
    /// Results, one line per input row, in input order.
    Export {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Jsonl)]
        format: Format,
        /// Output file (default: standard output; required for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Serve the embedded vendor simulator.
    Simulate(SimArgs),
    /// Start the simulator in-process, screen the sample supplier list, print the summary.
    Demo {
        #[arg(long, default_value = "qcc-demo.sqlite")]
        db: PathBuf,
        /// The list to screen (default: sample_data/suppliers.csv, or the copy built into the binary).
        #[arg(long)]
        input: Option<PathBuf>,
    },
    /// What re-screening found different: worse or better credit level, new punishments, cancellations.
    Changes {
        #[arg(long)]
        db: PathBuf,
        /// Only changes detected on or after this date (YYYY-MM-DD) or instant (RFC 3339).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = ChangesFormat::Text)]
        format: ChangesFormat,
    },
    /// A self-contained HTML report for the analyst.
    Report {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChangesFormat {
    Text,
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Exit 6 when any change is for the worse.
    Worse,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The supplier list: CSV/TSV (UTF-8, GB18030/GBK, UTF-16), .xlsx/.xls, or .txt (one key per line).
    #[arg(long)]
    pub input: PathBuf,
    /// The screening database (created if missing).
    #[arg(long)]
    pub db: PathBuf,
    /// The key column: header name or 1-based number (default: detected from the headers).
    #[arg(long)]
    pub column: Option<String>,
    /// Force the CSV encoding (utf-8, gb18030, gbk, utf-16le, utf-16be); default: detected.
    #[arg(long)]
    pub encoding: Option<String>,
    /// Force the CSV delimiter: `,` `;` `tab`; default: detected.
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Excel sheet: name or 1-based number (default: the first non-empty sheet).
    #[arg(long)]
    pub sheet: Option<String>,
    /// Calls per second, as the contract allows.
    #[arg(long, default_value_t = 5.0, value_parser = parse_positive_f64)]
    pub qps: f64,
    /// Calls allowed back to back before the rate applies.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub burst: u32,
    /// Most calls in flight at once.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub concurrency: u64,
    /// Vendor base URL (scheme, host, port); the method path is appended.
    #[arg(long, env = "QCC_BASE_URL")]
    pub base_url: Option<String>,
    /// The whole method URL (wins over --base-url).
    #[arg(long, env = "QCC_ENDPOINT")]
    pub endpoint: Option<String>,
    /// Query codes whose GB 32100-2015 check digit is wrong (early pilot codes).
    #[arg(long)]
    pub query_bad_checksums: bool,
    /// Billing cap: stop with exit 3 after this many calls in this run.
    #[arg(long)]
    pub max_calls: Option<u64>,
    /// Re-screen answers older than this (e.g. 30d, 12h).
    #[arg(long, value_parser = parse_duration)]
    pub refresh_older_than: Option<Duration>,
    /// Make no calls: say how many a run would make.
    #[arg(long)]
    pub dry_run: bool,
    /// HTTP timeout per call, in seconds.
    #[arg(long, default_value_t = 30.0, value_parser = parse_positive_f64)]
    pub timeout: f64,
    /// Attempts per key on transient failures before it is `failed` for this run.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_attempts: u32,
    /// No progress bar or progress lines.
    #[arg(long)]
    pub no_progress: bool,
    /// Exit 6 when a re-screen found something that got worse.
    #[arg(long, value_enum)]
    pub fail_on_change: Option<FailOn>,
    /// First per-key retry delay in milliseconds (tuning).
    #[arg(long, default_value_t = 500, hide = true)]
    pub retry_base_ms: u64,
    /// First global pause after 120/122 in milliseconds (tuning).
    #[arg(long, default_value_t = 2000, hide = true)]
    pub slowdown_pause_ms: u64,
    /// Quiet time before the rate steps back up, in milliseconds (tuning).
    #[arg(long, default_value_t = 10000, hide = true)]
    pub recover_after_ms: u64,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    #[arg(long, default_value = "127.0.0.1:18080")]
    pub listen: SocketAddr,
    /// The simulator's own key (what clients must send).
    #[arg(long, env = "QCC_KEY", default_value = simulator::DEMO_KEY, hide_env_values = true, hide_default_value = true)]
    pub key: String,
    /// The simulator's own secret key.
    #[arg(long, env = "QCC_SECRET_KEY", default_value = simulator::DEMO_SECRET, hide_env_values = true, hide_default_value = true)]
    pub secret: String,
    /// Dataset seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of synthetic companies.
    #[arg(long, default_value_t = 1000)]
    pub companies: usize,
    /// Print the dataset's companies as CSV (name, uscc, reg_no, registrations) and exit.
    #[arg(long)]
    pub list_companies: bool,
    #[command(flatten)]
    pub faults: FaultArgs,
}

#[derive(Debug, Args, Clone, Default)]
pub struct FaultArgs {
    /// Latency added to every call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Extra random latency, 0..N milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_jitter_ms: u64,
    /// Probability of HTTP 503.
    #[arg(long, default_value_t = 0.0)]
    pub http_5xx_rate: f64,
    /// Probability of a connection dropped mid-body.
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Probability of a malformed body.
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Probability of status 120.
    #[arg(long, default_value_t = 0.0)]
    pub rate_120: f64,
    /// Status 120 above this many calls per second.
    #[arg(long)]
    pub qps_ceiling: Option<u32>,
    /// Status 122 above this many calls in flight.
    #[arg(long)]
    pub concurrency_ceiling: Option<usize>,
    /// Status 110 when one (searchKey, page) is asked more than N times a day.
    #[arg(long)]
    pub repeat_limit: Option<u32>,
    /// Billed answers a day before status 116.
    #[arg(long)]
    pub daily_quota: Option<u64>,
    /// Scripted answer: KEY=CODE (repeatable), e.g. --script 某某公司=207.
    #[arg(long, value_parser = parse_script)]
    pub script: Vec<(String, String)>,
    /// Seed of the fault dice.
    #[arg(long, default_value_t = 7)]
    pub fault_seed: u64,
}

impl FaultArgs {
    pub fn to_faults(&self) -> Faults {
        Faults {
            latency: Duration::from_millis(self.latency_ms),
            latency_jitter: Duration::from_millis(self.latency_jitter_ms),
            http_5xx_rate: self.http_5xx_rate,
            drop_rate: self.drop_rate,
            malformed_rate: self.malformed_rate,
            rate_120: self.rate_120,
            qps_ceiling: self.qps_ceiling,
            concurrency_ceiling: self.concurrency_ceiling,
            repeat_limit: self.repeat_limit,
            daily_quota: self.daily_quota,
            scripted: self.script.iter().cloned().collect(),
        }
    }
}

fn parse_script(s: &str) -> Result<(String, String), String> {
    let (k, c) = s.rsplit_once('=').ok_or("expected KEY=CODE")?;
    if c.trim().parse::<u32>().is_err() {
        return Err(format!("{c:?} is not a status code"));
    }
    Ok((k.to_string(), c.trim().to_string()))
}

fn parse_positive_f64(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err(format!("{s:?}: use , ; tab or |")),
    }
}

/// `30d`, `12h`, `90m`, `45s`, `2w`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected a number and a unit, e.g. 30d"))?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" | "" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("{s:?}: unit must be s, m, h, d or w")),
    };
    Ok(Duration::from_secs(n * secs))
}

/// Entry point of the binary.
pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::Usage.into()
            } else {
                ExitCode::Ok.into()
            };
        }
    };
    telemetry::init(cli.log_format);
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("qcc-credit: error: cannot start the async runtime: {e}");
            return ExitCode::Error.into();
        }
    };
    let code = match rt.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("qcc-credit: error: {e:#}");
            ExitCode::Error
        }
    };
    rt.shutdown_timeout(Duration::from_secs(1));
    code.into()
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => {
            let command_line = redacted_args();
            let opts = run_options(&args, command_line)?;
            let creds = if args.dry_run {
                None
            } else {
                Credentials::from_env().ok()
            };
            let stopper = Stopper::default();
            watch_signals(stopper.clone());
            let summary = pipeline::run(opts, creds, stopper).await?;
            if !args.dry_run {
                print_summary(&summary);
            }
            Ok(summary.exit_code)
        }
        Command::Status { db, json } => {
            let store = Store::open_existing(&db)?;
            let now = chrono::Utc::now();
            let st = store.status(&DueFilter {
                now: crate::store::ts(now),
                refresh_before: None,
            })?;
            if json {
                println!("{}", serde_json::to_string_pretty(&st)?);
            } else {
                print_status(&db, &store, &st)?;
            }
            Ok(ExitCode::Ok)
        }
        Command::Export { db, format, out } => {
            let store = Store::open_existing(&db)?;
            crate::export::export(&store, format, out.as_deref())?;
            Ok(ExitCode::Ok)
        }
        Command::Simulate(args) => simulate(args).await,
        Command::Demo { db, input } => demo(db, input).await,
        Command::Changes { db, since, format } => {
            let store = Store::open_existing(&db)?;
            let since = since.map(|s| normalize_since(&s)).transpose()?;
            crate::report::print_changes(&store, since.as_deref(), format)?;
            Ok(ExitCode::Ok)
        }
        Command::Report { db, out } => {
            let store = Store::open_existing(&db)?;
            crate::report::write_report(&store, &out)?;
            println!("report written to {}", out.display());
            Ok(ExitCode::Ok)
        }
    }
}

fn normalize_since(s: &str) -> anyhow::Result<String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        return Ok(format!("{d}T00:00:00Z"));
    }
    match chrono::DateTime::parse_from_rfc3339(s.trim()) {
        Ok(t) => Ok(crate::store::ts(t.with_timezone(&chrono::Utc))),
        Err(_) => anyhow::bail!("--since {s:?}: expected YYYY-MM-DD or an RFC 3339 instant"),
    }
}

/// The arguments as given; credentials are never arguments, so nothing needs hiding but URLs.
fn redacted_args() -> String {
    std::env::args()
        .skip(1)
        .map(|a| crate::secrets::redact_url(&a))
        .collect::<Vec<_>>()
        .join(" ")
}

fn run_options(args: &RunArgs, command_line: String) -> anyhow::Result<RunOptions> {
    let endpoint = Endpoint::resolve(args.base_url.as_deref(), args.endpoint.as_deref())
        .map_err(anyhow::Error::msg)?;
    Ok(RunOptions {
        input: args.input.clone(),
        db: args.db.clone(),
        column: args.column.clone(),
        read: ReadOptions {
            encoding: args.encoding.clone(),
            delimiter: args.delimiter,
            sheet: args.sheet.clone(),
        },
        qps: args.qps,
        burst: args.burst,
        concurrency: args.concurrency as usize,
        endpoint,
        query_bad_checksums: args.query_bad_checksums,
        max_calls: args.max_calls,
        refresh_older_than: args.refresh_older_than,
        dry_run: args.dry_run,
        timeout: Duration::from_secs_f64(args.timeout),
        max_attempts: args.max_attempts,
        progress: !args.no_progress,
        fail_on_worse: args.fail_on_change == Some(FailOn::Worse),
        backoff: BackoffConfig {
            retry_base: Duration::from_millis(args.retry_base_ms),
            pause: Duration::from_millis(args.slowdown_pause_ms),
            recover_after: Duration::from_millis(args.recover_after_ms),
            ..BackoffConfig::default()
        },
        batch: BatchConfig::default(),
        command_line,
    })
}

/// First SIGINT/SIGTERM: stop dispatching, finish in-flight calls, commit, exit 130.
/// A second one exits at once (the database stays consistent: commits are atomic).
fn watch_signals(stopper: Stopper) {
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

/// `pending 0 · found 12 · ...`: every state in DESIGN.md order, zeros included.
fn state_line(counts: &std::collections::BTreeMap<String, u64>) -> String {
    crate::store::state::ALL
        .iter()
        .map(|k| format!("{k} {}", counts.get(*k).copied().unwrap_or(0)))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The end-of-run summary, on stdout.
pub fn print_summary(s: &Summary) {
    let states = state_line(&s.keys_by_state);
    println!(
        "qcc-credit run #{}: {} rows read ({} new keys, {} invalid rows), {} keys were due",
        s.run_id.unwrap_or(0),
        s.rows,
        s.new_keys,
        s.invalid_rows,
        s.due
    );
    println!("  keys: {states}");
    println!(
        "  calls this run: {} in {:.1} s ({:.2} calls/s); every call is assumed billed",
        s.calls,
        s.elapsed_secs,
        s.calls as f64 / s.elapsed_secs.max(0.001)
    );
    if s.slowdowns > 0 {
        println!(
            "  the vendor asked to slow down {} time(s) (120/122)",
            s.slowdowns
        );
    }
    println!(
        "  changes since the previous screening: {} ({} worse)",
        s.changes, s.worse_changes
    );
    let what = match s.exit_code {
        ExitCode::Ok => "every key reached a final state",
        ExitCode::Incomplete => {
            "some keys are deferred or failed: run the same command again later"
        }
        ExitCode::Quota => "stopped on quota or billing: run the same command again to continue",
        ExitCode::Fatal => {
            "credentials or permission rejected: fix the configuration, then run again"
        }
        ExitCode::Interrupted => {
            "interrupted: everything answered is saved; run the same command to resume"
        }
        ExitCode::Worse => "something got worse (--fail-on-change worse): see `qcc-credit changes`",
        _ => "stopped on an error",
    };
    println!("  exit {}: {what}", s.exit_code.code());
}

fn print_status(db: &Path, store: &Store, st: &crate::store::StatusCounts) -> anyhow::Result<()> {
    println!("database: {}", db.display());
    if let Some(f) = store.latest_file()? {
        println!(
            "input: {} (key column {:?}), {} rows in the database",
            f.path, f.key_column, st.input_rows
        );
    }
    let states = state_line(&st.keys_by_state);
    println!("keys: {states}");
    println!(
        "calls: {} in all, {} in the last run, {} runs",
        st.calls_total, st.calls_last_run, st.runs
    );
    if let Some(r) = &st.last_run {
        println!(
            "last run: #{} started {} ended {} exit {}",
            r.id,
            r.started_at,
            r.ended_at
                .as_deref()
                .unwrap_or("(not ended: killed or running)"),
            r.exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    let due: u64 = st.due_now.values().sum();
    let kinds = st
        .due_now
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    if due == 0 {
        println!("next run: nothing due (no calls)");
    } else {
        println!("next run: would call the vendor for {due} keys ({kinds})");
    }
    if st.deferred_waiting > 0 {
        println!(
            "deferred: {} keys wait for the vendor's 2-hour pause, the first until {}",
            st.deferred_waiting,
            st.next_deferred_at.as_deref().unwrap_or("?")
        );
    }
    Ok(())
}

async fn simulate(args: SimArgs) -> anyhow::Result<ExitCode> {
    let cfg = SimConfig {
        key: args.key.clone(),
        secret: args.secret.clone(),
        seed: args.seed,
        companies: args.companies,
        faults: args.faults.to_faults(),
        fault_seed: args.faults.fault_seed,
    };
    if args.list_companies {
        let ds = simulator::Dataset::generate(cfg.seed, cfg.companies);
        let mut w = csv::Writer::from_writer(std::io::stdout().lock());
        w.write_record([
            "name",
            "uscc",
            "reg_no",
            "registrations",
            "levels",
            "punishments",
        ])?;
        for c in &ds.companies {
            let levels: Vec<String> = c
                .records
                .iter()
                .map(|r| {
                    crate::vendor::model::field(r, "IdentifyLevel")
                        .unwrap_or_default()
                        .into_owned()
                })
                .collect();
            let pun: usize = c
                .records
                .iter()
                .map(|r| crate::vendor::model::punishments(r).len())
                .sum();
            let r = w.write_record([
                c.name.clone(),
                c.uscc.clone(),
                c.reg_no.clone(),
                c.records.len().to_string(),
                levels.join("|"),
                pun.to_string(),
            ]);
            if let Err(e) = r {
                if matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
                {
                    return Ok(ExitCode::Ok);
                }
                return Err(e.into());
            }
        }
        w.flush().or_else(|e| {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                Ok(())
            } else {
                Err(e)
            }
        })?;
        return Ok(ExitCode::Ok);
    }
    let handle = simulator::spawn(cfg, args.listen).await?;
    eprintln!(
        "qcc-credit simulator listening on {} ({}{}); stats at {}/__sim/stats; Ctrl-C stops it",
        handle.base_url(),
        handle.base_url(),
        crate::vendor::METHOD_PATH,
        handle.base_url()
    );
    tokio::signal::ctrl_c().await?;
    handle.shutdown();
    Ok(ExitCode::Ok)
}

/// The sample list, built in so `demo` works from any directory.
const SAMPLE: &str = include_str!("../sample_data/suppliers.csv");

async fn demo(db: PathBuf, input: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let input = match input {
        Some(p) => p,
        None => {
            let default = PathBuf::from("sample_data/suppliers.csv");
            if default.exists() {
                default
            } else {
                let p = PathBuf::from(format!("{}.suppliers.csv", db.display()));
                std::fs::write(&p, SAMPLE)?;
                p
            }
        }
    };
    let faults = Faults {
        latency: Duration::from_millis(40),
        latency_jitter: Duration::from_millis(60),
        http_5xx_rate: 0.03,
        ..Faults::default()
    };
    let sim = simulator::spawn(
        SimConfig {
            faults,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    eprintln!(
        "demo: simulator on {} (demo credentials), screening {}",
        sim.base_url(),
        input.display()
    );
    let args = RunArgs {
        input: input.clone(),
        db: db.clone(),
        column: None,
        encoding: None,
        delimiter: None,
        sheet: None,
        qps: 20.0,
        burst: 1,
        concurrency: 8,
        base_url: Some(sim.base_url()),
        endpoint: None,
        query_bad_checksums: false,
        max_calls: None,
        refresh_older_than: None,
        dry_run: false,
        timeout: 10.0,
        max_attempts: 5,
        no_progress: false,
        fail_on_change: None,
        retry_base_ms: 200,
        slowdown_pause_ms: 1000,
        recover_after_ms: 5000,
    };
    let opts = run_options(&args, format!("demo --db {}", db.display()))?;
    let stopper = Stopper::default();
    watch_signals(stopper.clone());
    let summary = pipeline::run(
        opts,
        Some(Credentials::new(
            simulator::DEMO_KEY,
            simulator::DEMO_SECRET,
        )),
        stopper,
    )
    .await?;
    sim.shutdown();
    print_summary(&summary);
    let d = db.display();
    println!("\nnext, try:");
    println!("  qcc-credit status --db {d}");
    println!("  qcc-credit export --db {d} --format csv | head");
    println!("  qcc-credit export --db {d} --format xlsx --out results.xlsx");
    println!("  qcc-credit report --db {d} --out report.html");
    println!(
        "  qcc-credit simulate --listen 127.0.0.1:18080   # then: QCC_KEY={} QCC_SECRET_KEY={} qcc-credit run --input {} --db mine.sqlite --base-url http://127.0.0.1:18080",
        simulator::DEMO_KEY,
        simulator::DEMO_SECRET,
        input.display()
    );
    Ok(summary.exit_code)
}
