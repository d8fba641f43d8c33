//! `changes`: what re-screening found different, as text, CSV or JSONL.

use std::io::Write;
use std::path::Path;

use super::ignore_broken_pipe;
use crate::cli::ChangesFormat;
use crate::exit::ExitCode;
use crate::export::csv::formula_safe;
use crate::store::{self, ChangeRow, Store};
use crate::telemetry::escape;

pub(super) fn changes(
    db: &Path,
    since: Option<&str>,
    format: ChangesFormat,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let since = since.map(normalize_since).transpose()?;
    let changes = store.changes(since.as_deref())?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    ignore_broken_pipe(write_changes(&mut out, &changes, since.as_deref(), format))?;
    Ok(ExitCode::Ok)
}

fn write_changes(
    out: &mut impl Write,
    changes: &[ChangeRow],
    since: Option<&str>,
    format: ChangesFormat,
) -> std::io::Result<()> {
    match format {
        ChangesFormat::Text => {
            if changes.is_empty() {
                writeln!(
                    out,
                    "no changes recorded{}",
                    since.map(|s| format!(" since {s}")).unwrap_or_default()
                )?;
            }
            for c in changes {
                writeln!(
                    out,
                    "{}  run #{}  {:6}  {:16} {}  {}",
                    c.detected_at,
                    c.run_id.unwrap_or(0),
                    if c.worse { "WORSE" } else { "" },
                    c.kind,
                    escape(&c.key),
                    escape(&c.detail)
                )?;
            }
        }
        ChangesFormat::Jsonl => {
            for c in changes {
                serde_json::to_writer(&mut *out, c)?;
                writeln!(out)?;
            }
        }
        ChangesFormat::Csv => {
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(["detected_at", "run_id", "key", "kind", "worse", "detail"])?;
            for c in changes {
                let cells = [
                    c.detected_at.clone(),
                    c.run_id.map(|r| r.to_string()).unwrap_or_default(),
                    c.key.clone(),
                    c.kind.clone(),
                    c.worse.to_string(),
                    c.detail.clone(),
                ];
                w.write_record(cells.iter().map(|c| formula_safe(c).into_owned()))?;
            }
            w.flush()?;
        }
    }
    out.flush()
}

fn normalize_since(s: &str) -> anyhow::Result<String> {
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        return Ok(format!("{d}T00:00:00Z"));
    }
    match chrono::DateTime::parse_from_rfc3339(s.trim()) {
        Ok(t) => Ok(store::ts(t.with_timezone(&chrono::Utc))),
        Err(_) => anyhow::bail!("--since {s:?}: expected YYYY-MM-DD or an RFC 3339 instant"),
    }
}
