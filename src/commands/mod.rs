//! The commands: the only code that prints. Each takes its parsed arguments, calls the library,
//! prints what it found, and returns the exit code cron branches on.

mod audit;
mod changes;
mod demo;
mod docs;
mod evidence;
mod export;
mod notify;
mod report;
mod review;
mod run;
mod simulate;
mod status;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::cli::{Cli, Command};
use crate::exit::ExitCode;

/// Run the parsed command line on a single-threaded runtime (the screening's CPU is mostly
/// wake-ups; one thread plus the SQLite writer measured fastest).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}"))?;
    let code = rt.block_on(dispatch(cli));
    rt.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    crate::clock::set_offset(cli.clock_shift);
    match cli.command {
        Command::Run(args) => run::run(args).await,
        Command::Status {
            db,
            json,
            view,
            price,
        } => status::status(&db, json, view, price.price_per_call),
        Command::Export {
            db,
            format,
            out,
            view,
            punished_within,
            no_bom,
        } => export::export(
            &db,
            out.as_deref(),
            &crate::export::ExportOptions {
                format,
                lang: view.lang,
                zone: view.tz,
                punished_within,
                bom: !no_bom,
            },
        ),
        Command::Simulate(args) => simulate::simulate(args).await,
        Command::Demo { db, input, view } => demo::demo(db, input, view).await,
        Command::Changes {
            db,
            since,
            format,
            view,
            no_bom,
        } => changes::changes(&db, since.as_deref(), format, view, !no_bom),
        Command::Report {
            db,
            out,
            view,
            punished_within,
            price,
        } => report::report(
            &db,
            &out,
            &crate::report::ReportOptions {
                lang: view.lang,
                zone: view.tz,
                punished_within,
                price: price.price_per_call,
            },
        ),
        Command::Review(args) => review::review(args),
        Command::Evidence {
            db,
            select,
            out,
            view,
            punished_within,
        } => evidence::evidence(&db, &select, &out, view, punished_within),
        Command::Audit {
            db,
            since,
            format,
            out,
            view,
            no_bom,
        } => audit::audit(&db, since.as_deref(), format, out.as_deref(), view, !no_bom),
        Command::Notify {
            config,
            test,
            failed_unit,
        } => notify::notify(&config, test, failed_unit.as_deref()).await,
        Command::Completions { shell } => docs::completions(shell),
        Command::Manpage => docs::manpage(),
    }
}

/// `uscc 12, name 3` (`统一社会信用代码 12，名称 3`): due keys by kind.
fn kind_counts(by_kind: &BTreeMap<String, u64>, lang: crate::view::Lang) -> String {
    by_kind
        .iter()
        .map(|(k, v)| match lang {
            crate::view::Lang::Zh => format!("{} {v}", lang.basis(Some(k))),
            crate::view::Lang::En => format!("{k} {v}"),
        })
        .collect::<Vec<_>>()
        .join(lang.tr("，", ", "))
}

/// A closed pipe (`qcc-credit export | head`) is not an error.
fn ignore_broken_pipe(r: std::io::Result<()>) -> std::io::Result<()> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// An error that is a closed pipe underneath (`qcc-credit review --list | head`).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let io = c.downcast_ref::<std::io::Error>().or_else(|| {
            match c.downcast_ref::<crate::store::ExportError>() {
                Some(crate::store::ExportError::Io(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
