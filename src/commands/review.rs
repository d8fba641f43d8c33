//! `review`: record a decision on an alert, import the decisions filled in the workbook, or
//! list the alerts with where they stand.

use std::io::Write;

use super::ignore_broken_pipe;
use crate::cli::{ReviewArgs, SelectArgs};
use crate::exit::ExitCode;
use crate::review::{self, Decide, ReviewOptions, Selector};
use crate::store::Store;
use crate::telemetry::escape;
use crate::view::alert::verdict_label;

pub(super) fn review(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let opts = ReviewOptions {
        punished_within: args.punished_within,
        zone: args.view.tz,
    };
    let lang = args.view.lang;
    if args.list {
        let store = Store::open_read_only(&args.db)?;
        let stdout = std::io::stdout();
        let mut out = std::io::BufWriter::new(stdout.lock());
        let listed = review::write_list(
            &store,
            opts,
            lang,
            args.open,
            args.format,
            !args.no_bom,
            &mut out,
        );
        match listed {
            Ok(_) => ignore_broken_pipe(out.flush())?,
            Err(e) if super::is_broken_pipe(&e) => {}
            Err(e) => return Err(e),
        }
        return Ok(ExitCode::Ok);
    }
    let by = args.by.clone().unwrap_or_else(review::login_name);
    if let Some(path) = &args.import {
        let store = Store::open(&args.db)?;
        let done = review::import::import(&store, path, &by, opts, lang)?;
        print!("{}", done.describe(path, lang));
        return Ok(if done.refused.is_empty() && done.changed.is_empty() {
            ExitCode::Ok
        } else {
            ExitCode::Error
        });
    }
    let (Some(verdict), Some(select)) = (args.decision, selector(&args.select)) else {
        anyhow::bail!(
            "review: give --supplier ID (or --row N, --key CODE) with --decision and --note, \
             or --import FILE.xlsx, or --list"
        );
    };
    let store = Store::open(&args.db)?;
    let decision = Decide {
        verdict,
        note: args.note.clone().unwrap_or_default(),
        by,
        source: "review".into(),
    };
    for d in review::decide(&store, &select, &decision, opts)? {
        println!(
            "{}",
            lang.decision_recorded(
                d.id,
                &escape(&d.supplier),
                d.row,
                &escape(&d.key),
                verdict_label(verdict.as_str(), lang),
                &escape(&decision.by),
                &escape(decision.note.trim()),
                &escape(&d.reasons)
            )
        );
    }
    Ok(ExitCode::Ok)
}

/// The row a `--supplier`, `--row` or `--key` names.
pub(super) fn selector(a: &SelectArgs) -> Option<Selector> {
    if let Some(s) = &a.supplier {
        return Some(Selector::Supplier(s.clone()));
    }
    if let Some(r) = a.row {
        return Some(Selector::Row(r));
    }
    a.key.clone().map(Selector::Key)
}
