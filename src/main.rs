//! The `qcc-credit` binary: parse, run, exit with the code cron jobs branch on.

fn main() -> std::process::ExitCode {
    qcc_credit::cli::main()
}
