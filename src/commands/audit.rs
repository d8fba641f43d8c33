//! `audit`: runs, calls, alerts and decisions for an auditor who does not use SQL; the listing
//! itself is [`crate::export::audit`].

use std::io::Write;
use std::path::Path;

use super::ignore_broken_pipe;
use crate::cli::{AuditFormat, ViewArgs};
use crate::exit::ExitCode;
use crate::export::audit::{AuditOptions, write_audit};
use crate::store::{ExportError, Store};

pub(super) fn audit(
    db: &Path,
    since: Option<&str>,
    format: AuditFormat,
    out: Option<&Path>,
    view: ViewArgs,
    bom: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let since = since.map(|s| view.tz.since(s)).transpose()?;
    let opts = AuditOptions {
        format,
        lang: view.lang,
        zone: view.tz,
        bom,
    };
    match out {
        Some(path) => {
            let staged = crate::outfile::Staged::new(path)?;
            let mut w = std::io::BufWriter::new(staged.file()?);
            let n = write_audit(&store, since.as_deref(), &opts, &mut w)?;
            w.flush()?;
            drop(w);
            staged.commit()?;
            eprintln!(
                "{}",
                view.lang.audit_written(
                    &path.display().to_string(),
                    [n.runs, n.calls, n.alerts, n.decisions]
                )
            );
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            match write_audit(&store, since.as_deref(), &opts, &mut w) {
                Ok(_) => ignore_broken_pipe(w.flush())?,
                Err(ExportError::Io(e)) => ignore_broken_pipe(Err(e))?,
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(ExitCode::Ok)
}
