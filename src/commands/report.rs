//! `report`: the self-contained HTML page for the analyst.

use std::path::Path;

use crate::exit::ExitCode;
use crate::report::ReportOptions;
use crate::store::Store;

pub(super) fn report(db: &Path, out: &Path, opts: &ReportOptions) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    crate::report::write_report(&store, out, opts)?;
    println!("report written to {}", out.display());
    Ok(ExitCode::Ok)
}
