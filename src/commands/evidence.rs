//! `evidence`: one supplier's evidence page (HTML, A4; prints to PDF), from
//! [`crate::report::evidence`].

use std::path::Path;

use super::review::selector;
use crate::cli::{SelectArgs, ViewArgs};
use crate::exit::ExitCode;
use crate::report::evidence::{EvidenceOptions, write_evidence};
use crate::store::Store;
use crate::telemetry::escape;
use crate::view::Window;

pub(super) fn evidence(
    db: &Path,
    select: &SelectArgs,
    out: &Path,
    view: ViewArgs,
    punished_within: Window,
) -> anyhow::Result<ExitCode> {
    let Some(sel) = selector(select) else {
        anyhow::bail!("evidence: name the supplier with --supplier ID, --row N or --key CODE");
    };
    let store = Store::open_read_only(db)?;
    let opts = EvidenceOptions {
        lang: view.lang,
        zone: view.tz,
        punished_within,
    };
    let w = write_evidence(&store, &sel, out, db, &opts)?;
    let l = view.lang;
    println!(
        "{}",
        l.evidence_written(
            &escape(&w.supplier),
            &out.display().to_string(),
            (w.screenings, w.calls, w.decisions)
        )
    );
    if !w.other_rows.is_empty() {
        let rows: Vec<String> = w.other_rows.iter().map(u64::to_string).collect();
        println!("{}", l.evidence_other_rows(&rows.join(", ")));
    }
    Ok(ExitCode::Ok)
}
