//! The `qcc-credit` binary: parse, run, print the error chain, exit with the code cron jobs
//! branch on.

use clap::Parser;
use qcc_credit::cli::Cli;
use qcc_credit::exit::ExitCode;

// glibc malloc showed up as a fifth of the screening's CPU (perf): mimalloc halves that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() {
                ExitCode::Usage
            } else {
                ExitCode::Ok
            };
            return code.into();
        }
    };
    qcc_credit::telemetry::init(cli.log_format);
    match qcc_credit::commands::run(cli) {
        Ok(code) => code.into(),
        Err(e) => {
            // The chain quotes file names and cells: nothing from outside reaches the terminal raw.
            eprintln!(
                "qcc-credit: error: {}",
                qcc_credit::telemetry::escape(&format!("{e:#}"))
            );
            ExitCode::Error.into()
        }
    }
}
