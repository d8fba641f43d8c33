//! From parsed arguments to the options the library runs with: endpoint resolution, durations,
//! the backoff tuning, the simulator's faults, and the options `demo` runs with (parsed by clap
//! from the same definitions, so its defaults are never copied by hand).

use std::path::Path;
use std::time::Duration;

use clap::Parser;

use super::args::{FailOn, FaultArgs, RunArgs, SimArgs};
use crate::input::ReadOptions;
use crate::qcc::Endpoint;
use crate::screen::{BackoffConfig, RunOptions};
use crate::simulator::{Faults, SimConfig};
use crate::store::writer::BatchConfig;

/// `run`'s options from its arguments; `command_line` is stored with the run (credentials are
/// never arguments).
pub fn run_options(args: &RunArgs, command_line: String) -> anyhow::Result<RunOptions> {
    let endpoint = Endpoint::resolve(args.base_url.as_deref(), args.endpoint.as_deref())
        .map_err(anyhow::Error::msg)?;
    refuse_plain_http(&endpoint, args.allow_insecure_http)?;
    // The contract gate is built by the run; a burst it cannot honour is refused before anything.
    crate::screen::gate::Gate::new(args.qps, args.burst)?;
    Ok(RunOptions {
        input: args.input.clone(),
        db: args.db.clone(),
        column: args.column.clone(),
        read: ReadOptions {
            encoding: args.encoding.clone(),
            delimiter: args.delimiter,
            sheet: args.sheet.clone(),
            header_row: args.header_row,
            column: args.column.clone(),
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
        max_pages: args.max_pages_per_key,
        retry_failed: args.retry_failed,
        progress: !args.no_progress,
        fail_on_worse: args.fail_on_change == Some(FailOn::Worse),
        fail_on_open_alerts: args.fail_on_open_alerts,
        review: crate::review::ReviewOptions {
            punished_within: args.punished_within,
            zone: args.view.tz,
        },
        lang: args.view.lang,
        price: args.price.price_per_call,
        backoff: BackoffConfig {
            retry_base: Duration::from_millis(args.retry_base_ms),
            pause: Duration::from_millis(args.slowdown_pause_ms),
            recover_after: Duration::from_millis(args.recover_after_ms),
            ..BackoffConfig::default()
        },
        batch: BatchConfig {
            commit_delay: Duration::from_millis(args.test_commit_delay_ms),
            ..BatchConfig::default()
        },
        command_line,
    })
}

/// The API key travels in every request's query: plain `http://` is accepted only to this
/// machine (the simulator, a local proxy) unless `--allow-insecure-http` says so.
fn refuse_plain_http(endpoint: &Endpoint, allowed: bool) -> anyhow::Result<()> {
    let url = endpoint.url();
    if url.scheme() != "http" || allowed {
        return Ok(());
    }
    if crate::secrets::is_loopback_host(url.host_str().unwrap_or("")) {
        return Ok(());
    }
    anyhow::bail!(
        "{}: plain http:// to another machine sends the API key and token unencrypted; use \
         https://, or pass --allow-insecure-http if this network is trusted",
        crate::secrets::redact_url(url.as_str())
    )
}

/// The arguments as given; credentials are never arguments, so nothing needs hiding but URLs.
pub fn redacted_args() -> String {
    std::env::args()
        .skip(1)
        .map(|a| crate::secrets::redact_url(&a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `demo`'s run: the sample list against the in-process simulator, a little faster than the
/// defaults so the demo finishes quickly.
pub fn demo_run_args(input: &Path, db: &Path, base_url: &str) -> anyhow::Result<RunArgs> {
    #[derive(Parser)]
    struct Demo {
        #[command(flatten)]
        run: RunArgs,
    }
    let (input, db) = (input.display().to_string(), db.display().to_string());
    let argv = [
        "demo",
        "--input",
        &input,
        "--db",
        &db,
        "--base-url",
        base_url,
        "--qps",
        "20",
        "--timeout",
        "10",
        "--retry-base-ms",
        "200",
        "--slowdown-pause-ms",
        "1000",
        "--recover-after-ms",
        "1000",
    ];
    let mut run = Demo::try_parse_from(argv)?.run;
    // The demo talks to its own simulator, whatever the environment says.
    run.endpoint = None;
    Ok(run)
}

/// The simulator's configuration from `simulate`'s arguments.
pub fn sim_config(args: &SimArgs) -> SimConfig {
    SimConfig {
        key: args.key.clone(),
        secret: args.secret.clone(),
        seed: args.seed,
        companies: args.companies,
        faults: args.faults.to_faults(),
        fault_seed: args.faults.fault_seed,
        clock_offset: args.faults.clock_offset,
    }
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
            json_style: self.json_style,
            scripted: self.script.iter().cloned().collect(),
        }
    }
}
