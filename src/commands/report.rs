//! `report`: the self-contained HTML page for the analyst.

use std::path::Path;

use crate::exit::ExitCode;
use crate::store::Store;

pub(super) fn report(db: &Path, out: &Path) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    crate::report::write_report(&store, out)?;
    println!("report written to {}", out.display());
    Ok(ExitCode::Ok)
}
