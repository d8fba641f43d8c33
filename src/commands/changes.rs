//! `changes`: what re-screening found different, since a date; the listing itself is
//! [`crate::export::changes`].

use std::io::Write;
use std::path::Path;

use super::ignore_broken_pipe;
use crate::cli::{ChangesFormat, ViewArgs};
use crate::exit::ExitCode;
use crate::export::changes::Listing;
use crate::store::{ExportError, Store};
use crate::view::ListColumns;

pub(super) fn changes(
    db: &Path,
    since: Option<&str>,
    format: ChangesFormat,
    view: ViewArgs,
    bom: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let since = since.map(|s| view.tz.since(s)).transpose()?;
    let file = store.latest_file()?;
    let cols = file.as_ref().map(ListColumns::of);
    let first = store.run_costs()?.iter().filter(|c| c.calls > 0).count() <= 1;
    let listed = Listing {
        lang: view.lang,
        zone: view.tz,
        cols: cols.as_ref(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = listed.write(
        &mut out,
        format,
        &store,
        file.as_ref().map(|f| f.id),
        since.as_deref(),
        first,
        bom,
    );
    match written {
        Ok(_) => ignore_broken_pipe(out.flush())?,
        Err(ExportError::Io(e)) => ignore_broken_pipe(Err(e))?,
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::Ok)
}
