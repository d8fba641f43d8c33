//! `simulate`: serve the embedded vendor simulator, or list its dataset as CSV.

use std::io::Write;

use super::ignore_broken_pipe;
use crate::cli::SimArgs;
use crate::cli::options::sim_config;
use crate::exit::ExitCode;
use crate::qcc::record::{fields, punishments, text};
use crate::simulator::{self, Dataset};

pub(super) async fn simulate(args: SimArgs) -> anyhow::Result<ExitCode> {
    let cfg = sim_config(&args);
    if args.list_companies {
        let ds = Dataset::generate(cfg.seed, cfg.companies);
        let mut out = std::io::stdout().lock();
        ignore_broken_pipe(list_companies(&mut out, &ds))?;
        return Ok(ExitCode::Ok);
    }
    let script = match &args.changes {
        Some(path) => Some((
            path.display().to_string(),
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("{}: cannot read: {e}", path.display()))?,
        )),
        None => None,
    };
    let handle = simulator::spawn(cfg, args.listen).await?;
    if let Some((name, script)) = script {
        let applied =
            handle.with_dataset(|ds| simulator::changes::apply_script(ds, &name, &script));
        match applied {
            Ok(n) => eprintln!("{name}: {n} change(s) applied to the data"),
            Err(e) => {
                handle.shutdown();
                return Err(e.into());
            }
        }
    }
    eprintln!(
        "qcc-credit simulator listening on {} ({}{}); stats at {}/__sim/stats; Ctrl-C stops it",
        handle.base_url(),
        handle.base_url(),
        crate::qcc::METHOD_PATH,
        handle.base_url()
    );
    tokio::signal::ctrl_c().await?;
    handle.shutdown();
    Ok(ExitCode::Ok)
}

/// The dataset as CSV: name, uscc, reg_no, registrations, levels, punishments.
fn list_companies(out: &mut impl Write, ds: &Dataset) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
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
            .map(|r| text(r, fields::IDENTIFY_LEVEL))
            .collect();
        let pun: usize = c.records.iter().map(|r| punishments(r).len()).sum();
        w.write_record([
            c.name.clone(),
            c.uscc.clone(),
            c.reg_no.clone(),
            c.records.len().to_string(),
            levels.join("|"),
            pun.to_string(),
        ])?;
    }
    w.flush()
}
