//! `demo`: the simulator in-process, the sample list screened against it, and what to try next.

use std::path::PathBuf;
use std::time::Duration;

use super::run::screen_and_report;
use crate::cli::options::{demo_run_args, run_options};
use crate::exit::ExitCode;
use crate::screen;
use crate::secrets::Credentials;
use crate::simulator::{self, DEMO_KEY, DEMO_SECRET, Faults, SimConfig};

/// The sample list, built in so `demo` works from any directory.
const SAMPLE: &str = include_str!("../../sample_data/suppliers.csv");

pub(super) async fn demo(db: PathBuf, input: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let input = match input {
        Some(p) => p,
        None => sample_list(&db)?,
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
    let args = demo_run_args(&input, &db, &sim.base_url())?;
    let opts = run_options(&args, format!("demo --db {}", db.display()))?;
    let code = screen_and_report(
        screen::ingest(opts)?,
        Credentials::new(DEMO_KEY, DEMO_SECRET),
    )
    .await?;
    sim.shutdown();
    let d = db.display();
    println!("\nnext, try:");
    println!("  qcc-credit status --db {d}");
    println!("  qcc-credit export --db {d} --format csv | head");
    println!("  qcc-credit export --db {d} --format xlsx --out results.xlsx");
    println!("  qcc-credit report --db {d} --out report.html");
    println!(
        "  qcc-credit simulate --listen 127.0.0.1:18080   # then: QCC_KEY={DEMO_KEY} QCC_SECRET_KEY={DEMO_SECRET} qcc-credit run --input {} --db mine.sqlite --base-url http://127.0.0.1:18080",
        input.display()
    );
    Ok(code)
}

/// `sample_data/suppliers.csv` when run from the repository, else the built-in copy beside the
/// database.
fn sample_list(db: &std::path::Path) -> anyhow::Result<PathBuf> {
    let default = PathBuf::from("sample_data/suppliers.csv");
    if default.exists() {
        return Ok(default);
    }
    let p = PathBuf::from(format!("{}.suppliers.csv", db.display()));
    std::fs::write(&p, SAMPLE)?;
    Ok(p)
}
