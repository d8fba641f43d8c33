//! The `qcc-credit` binary: parse, run, exit with the code cron jobs branch on.

// glibc malloc showed up as a fifth of the pipeline's CPU (perf): mimalloc halves that.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    qcc_credit::cli::main()
}
