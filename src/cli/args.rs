//! The command line as clap sees it: commands, flags, defaults and value parsers, nothing else.
//! `options` turns these into what the library runs with.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::export::Format;
use crate::simulator;
use crate::telemetry::LogFormat;
use crate::view::{Lang, Window, Zone};

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
    /// Seconds to add to this machine's clock for every instant the tool writes or compares
    /// (not for the vendor's Timespan). For tests, which would otherwise wait for the next
    /// second; hidden.
    #[arg(
        long,
        global = true,
        hide = true,
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub clock_shift: i64,
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
        #[command(flatten)]
        view: ViewArgs,
        #[command(flatten)]
        price: PriceArgs,
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
        #[command(flatten)]
        view: ViewArgs,
        /// A punishment this recent puts a supplier on the needs-attention list: 3y, 18mo, 90d.
        #[arg(long, default_value = "3y")]
        punished_within: Window,
        /// CSV without the UTF-8 byte-order mark (for pipelines; Excel needs the mark).
        #[arg(long)]
        no_bom: bool,
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
        #[command(flatten)]
        view: ViewArgs,
    },
    /// What re-screening found different: worse or better credit level, new punishments, cancellations.
    Changes {
        #[arg(long)]
        db: PathBuf,
        /// Only changes detected on or after this local date (YYYY-MM-DD, midnight in --tz) or
        /// instant (RFC 3339, or YYYY-MM-DD HH:MM local).
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = ChangesFormat::Text)]
        format: ChangesFormat,
        #[command(flatten)]
        view: ViewArgs,
        /// CSV without the UTF-8 byte-order mark (for pipelines; Excel needs the mark).
        #[arg(long)]
        no_bom: bool,
    },
    /// A self-contained HTML report for the analyst: who needs attention first, then every supplier.
    Report {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        view: ViewArgs,
        /// A punishment this recent puts a supplier on the needs-attention list: 3y, 18mo, 90d.
        #[arg(long, default_value = "3y")]
        punished_within: Window,
        #[command(flatten)]
        price: PriceArgs,
    },
    /// Decide alerts (one at a time, or from the workbook's 需关注 sheet), or list them with
    /// where they stand.
    Review(ReviewArgs),
    /// One supplier's evidence page: its cells, every screening and call with the vendor's
    /// OrderNumber, registrations, punishments, level history and decisions (HTML, A4, prints
    /// to PDF).
    Evidence {
        #[arg(long)]
        db: PathBuf,
        #[command(flatten)]
        select: SelectArgs,
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        view: ViewArgs,
        /// A punishment this recent puts a supplier on the needs-attention list: 3y, 18mo, 90d.
        #[arg(long, default_value = "3y")]
        punished_within: Window,
    },
    /// Runs, calls and decisions for an auditor who does not use SQL.
    Audit {
        #[arg(long)]
        db: PathBuf,
        /// Only what happened on or after this local date (YYYY-MM-DD, midnight in --tz) or
        /// instant.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, value_enum, default_value_t = AuditFormat::Csv)]
        format: AuditFormat,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        view: ViewArgs,
        /// CSV without the UTF-8 byte-order mark.
        #[arg(long)]
        no_bom: bool,
    },
    /// Send a test message to every channel of a notification file, or say that the service
    /// failed (the Debian package's OnFailure unit).
    Notify {
        /// The channels (TOML; secrets come from the environment variables it names).
        #[arg(long)]
        config: PathBuf,
        /// Send a test message to every channel and say which answered.
        #[arg(
            long,
            required_unless_present = "failed_unit",
            conflicts_with = "failed_unit"
        )]
        test: bool,
        /// Say that this systemd unit failed (from `qcc-credit-alert@.service`).
        #[arg(long, value_name = "UNIT")]
        failed_unit: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to standard output.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to standard output: `qcc-credit manpage > qcc-credit.1`.
    #[command(hide = true)]
    Manpage,
}

/// What a billed call costs, for the sentences that say what a run cost.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct PriceArgs {
    /// The contract's price of one billed call, in yuan (e.g. 0.5): the run summary, `status`
    /// and the report then say the amount. The service reads it from QCC_PRICE_PER_CALL in the
    /// credentials file.
    #[arg(long, env = "QCC_PRICE_PER_CALL", value_name = "YUAN", value_parser = parse_price)]
    pub price_per_call: Option<f64>,
}

/// How people read the outputs: language, clock, what counts as a recent punishment.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ViewArgs {
    /// Language of labels and headers: zh (中文) or en.
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Time zone for times shown and dates given (IANA name such as Asia/Shanghai, an offset
    /// such as +08:00, or UTC; default: the system's).
    // A zone west of UTC starts with a hyphen (`--tz -05:00`): a value, not an option.
    #[arg(long, default_value = "local", allow_hyphen_values = true)]
    pub tz: Zone,
}

pub use crate::export::changes::ChangesFormat;

pub use crate::export::audit::AuditFormat;

/// Which supplier row: by its id cell, the row the sheet shows, or the code queried.
#[derive(Debug, Clone, clap::Args)]
#[group(multiple = false)]
pub struct SelectArgs {
    /// The supplier's id cell as the list shows it.
    #[arg(long)]
    pub supplier: Option<String>,
    /// The row number the file or sheet shows.
    #[arg(long)]
    pub row: Option<u64>,
    /// The code (or name) queried.
    #[arg(long)]
    pub key: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    #[arg(long)]
    pub db: PathBuf,
    #[command(flatten)]
    pub select: SelectArgs,
    /// The decision: cleared (误报已排除), accepted (接受风险), blocked (停止合作), escalated (上报).
    #[arg(long, value_enum, requires = "note")]
    pub decision: Option<crate::view::Verdict>,
    /// Why: kept with the decision in the audit trail.
    #[arg(long)]
    pub note: Option<String>,
    /// Who decided (default: the login name).
    #[arg(long)]
    pub by: Option<String>,
    /// Import the decisions filled in a workbook's 需关注 sheet (`export --format xlsx`).
    #[arg(long, value_name = "FILE.xlsx", conflicts_with_all = ["decision", "list"])]
    pub import: Option<PathBuf>,
    /// List the alerts with their state.
    #[arg(long, conflicts_with = "decision")]
    pub list: bool,
    /// With --list: only the alerts that need a decision.
    #[arg(long, requires = "list")]
    pub open: bool,
    #[arg(long, value_enum, default_value_t = crate::review::ListFormat::Text)]
    pub format: crate::review::ListFormat,
    #[command(flatten)]
    pub view: ViewArgs,
    /// A punishment this recent puts a supplier on the needs-attention list: 3y, 18mo, 90d.
    #[arg(long, default_value = "3y")]
    pub punished_within: Window,
    /// CSV without the UTF-8 byte-order mark.
    #[arg(long)]
    pub no_bom: bool,
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
    /// Excel sheet: name or 1-based number (default: the first sheet whose header matches).
    #[arg(long)]
    pub sheet: Option<String>,
    /// The header's row number as the file or sheet shows it (default: the first of the first 20
    /// rows that names a company or code column); rows above it are not data.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,
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
    /// Accept a plain http:// base URL to a host other than this machine (the key travels in
    /// the URL, unencrypted).
    #[arg(long)]
    pub allow_insecure_http: bool,
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
    /// Pages bought for one key at most (20 registrations a page); paging stops there and the
    /// key is marked "vendor answer inconsistent".
    #[arg(long, default_value_t = crate::qcc::DEFAULT_PAGES_PER_KEY,
          value_parser = clap::value_parser!(u32).range(1..=crate::qcc::MAX_PAGES as i64))]
    pub max_pages_per_key: u32,
    /// Ask again for keys parked because their answers could not be read, and for answers whose
    /// paging stopped as implausible.
    #[arg(long)]
    pub retry_failed: bool,
    /// No progress bar or progress lines.
    #[arg(long)]
    pub no_progress: bool,
    /// Exit 6 when a re-screen found something that got worse.
    #[arg(long, value_enum)]
    pub fail_on_change: Option<FailOn>,
    /// Exit 6 when this run opened alerts: new ones, or ones open again after a decision
    /// because something new appeared (`qcc-credit review --list --open` shows them).
    #[arg(long)]
    pub fail_on_open_alerts: bool,
    /// A punishment this recent puts a supplier on the needs-attention list (and opens an
    /// alert): 3y, 18mo, 90d.
    #[arg(long, default_value = "3y")]
    pub punished_within: Window,
    #[command(flatten)]
    pub view: ViewArgs,
    #[command(flatten)]
    pub price: PriceArgs,
    /// After the run, send the alerts it opened and its trouble to the channels of this TOML
    /// file (企业微信, 钉钉, 飞书, webhook, email); see README "Notifications".
    #[arg(long, value_name = "FILE")]
    pub notify_config: Option<PathBuf>,
    /// First per-key retry delay in milliseconds (tuning).
    #[arg(long, default_value_t = 500, hide = true)]
    pub retry_base_ms: u64,
    /// Longest latency-based dispatch pause after a cut of the rate, in milliseconds (tuning);
    /// the pause also lasts until our calls in the last second are fewer than the vendor let
    /// through (at most a second).
    #[arg(long, default_value_t = 1000, hide = true)]
    pub slowdown_pause_ms: u64,
    /// At most one cut of the rate per this many milliseconds (tuning).
    #[arg(long, default_value_t = 1000, hide = true)]
    pub recover_after_ms: u64,
    /// A delay before every database commit, in milliseconds: a slow disk on purpose (tests).
    #[arg(long, default_value_t = 0, hide = true)]
    pub test_commit_delay_ms: u64,
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
    /// Change the data before serving, from a script (`KEY level LEVEL`, `KEY punish DATE`,
    /// `KEY cancel`, `KEY gone`, one per line); `POST /__sim/changes` does it while running.
    #[arg(long, value_name = "FILE")]
    pub changes: Option<PathBuf>,
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
    /// How answers are written: compact (`{"a":1}`), spaced (`{"a": 1}`, as Python's json
    /// writes) or indented (four spaces, as the vendor's document shows its sample).
    #[arg(long, value_enum, default_value_t = simulator::JsonStyle::Compact)]
    pub json_style: simulator::JsonStyle,
    /// Scripted answer: KEY=CODE (repeatable), e.g. --script 某某公司=207.
    #[arg(long, value_parser = parse_script)]
    pub script: Vec<(String, String)>,
    /// Seed of the fault dice.
    #[arg(long, default_value_t = 7)]
    pub fault_seed: u64,
    /// Seconds the simulator's clock runs ahead of this machine's (negative: behind); its Date
    /// header and its 115 check use it.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    pub clock_offset: i64,
}

fn parse_script(s: &str) -> Result<(String, String), String> {
    let (k, c) = s.rsplit_once('=').ok_or("expected KEY=CODE")?;
    if c.trim().parse::<u32>().is_err() {
        return Err(format!("{c:?} is not a status code"));
    }
    Ok((k.to_string(), c.trim().to_string()))
}

fn parse_price(s: &str) -> Result<f64, String> {
    match s.trim().trim_start_matches(['¥', '￥']).parse::<f64>() {
        Ok(v) if v >= 0.0 && v.is_finite() => Ok(v),
        _ => Err(format!("{s:?} is not a price in yuan (e.g. 0.5)")),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Offsets west of UTC are given with a leading hyphen, as `--tz -05:00` or `--tz=-05:00`.
    #[test]
    fn a_zone_west_of_utc_is_a_value() {
        let west = chrono::FixedOffset::west_opt(5 * 3600).map(Zone::Fixed);
        for argv in [
            [
                "qcc-credit",
                "changes",
                "--db",
                "x.sqlite",
                "--tz",
                "-05:00",
            ]
            .as_slice(),
            &["qcc-credit", "changes", "--tz=-05:00", "--db", "x.sqlite"],
        ] {
            let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string());
            let tz = match cli.map(|c| c.command) {
                Ok(Command::Changes { view, .. }) => Ok(view.tz),
                other => Err(format!("{other:?}")),
            };
            assert_eq!(tz.ok(), west, "{argv:?}");
        }
    }
}
