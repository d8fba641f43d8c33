//! `export`: one line per input row, in input order.

use std::path::Path;

use crate::exit::ExitCode;
use crate::export::ExportOptions;
use crate::store::Store;

pub(super) fn export(
    db: &Path,
    out: Option<&Path>,
    opts: &ExportOptions,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    crate::export::export(&store, out, opts)?;
    Ok(ExitCode::Ok)
}
