//! `report`: the self-contained HTML page for the analyst.

use std::path::Path;

use crate::exit::ExitCode;
use crate::report::ReportOptions;
use crate::store::Store;

pub(super) fn report(db: &Path, out: &Path, opts: &ReportOptions) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    crate::report::write_report(&store, out, opts)?;
    println!("{}", opts.lang.report_written(&out.display().to_string()));
    Ok(ExitCode::Ok)
}
