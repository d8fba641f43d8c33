//! `export`: one line per input row, in input order.

use std::path::Path;

use crate::exit::ExitCode;
use crate::export::Format;
use crate::store::Store;

pub(super) fn export(db: &Path, format: Format, out: Option<&Path>) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    crate::export::export(&store, format, out)?;
    Ok(ExitCode::Ok)
}
