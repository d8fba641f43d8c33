//! `export`: one line per input row, in input order, with the key's current answer, in one of
//! three formats ([`jsonl`], [`csv`], [`xlsx`]). CSV and XLSX flatten the same rows: the original
//! columns first, then [`RESULT_FIELDS`].

pub mod csv;
mod jsonl;
mod xlsx;

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ExportError, ExportRow, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

/// The result fields after the original columns, in CSV and XLSX.
pub const RESULT_FIELDS: [&str; 12] = [
    "row",
    "sheet_row",
    "key",
    "key_kind",
    "state",
    "status",
    "message",
    "checked_at",
    "record_count",
    "worst_level",
    "worst_rank",
    "punishment_count",
];

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the database has no input file yet: run `qcc-credit run --input FILE --db DB` first")]
    NoInput,
    #[error("--format xlsx needs --out FILE (a workbook cannot go to standard output)")]
    XlsxNeedsOut,
    #[error("writing {path}: {message}")]
    Xlsx { path: String, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn status_value(s: &Option<String>) -> Value {
    match s {
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(s.clone())),
        None => Value::Null,
    }
}

fn extra_map(row: &ExportRow) -> Map<String, Value> {
    row.extra
        .as_deref()
        .and_then(|e| serde_json::from_str::<Map<String, Value>>(e).ok())
        .unwrap_or_default()
}

/// The flat cells of a row: original columns (by the file's headers), then [`RESULT_FIELDS`].
pub fn flat_row(
    store: &Store,
    row: &ExportRow,
    headers: &[String],
    key_column: &str,
) -> Result<Vec<String>, Error> {
    let extra = extra_map(row);
    // The analyst's columns exactly as read; rows ingested before every column was kept lack
    // the key column, whose cell is then the input.
    let mut cells: Vec<String> = headers
        .iter()
        .map(|h| match extra.get(h) {
            Some(v) => v.as_str().unwrap_or_default().to_string(),
            None if h == key_column => row.input.clone(),
            None => String::new(),
        })
        .collect();
    let (n, worst, pun) = match row.screening_id {
        Some(sid) => store.screening_summary(sid)?,
        None => (0, String::new(), 0),
    };
    let rank = if row.state == KeyState::Found {
        Rank::of(&worst).label()
    } else {
        ""
    };
    cells.extend([
        row.row.to_string(),
        row.sheet_row.map(|n| n.to_string()).unwrap_or_default(),
        row.key.clone(),
        row.key_kind.clone().unwrap_or_default(),
        row.state_label().to_string(),
        row.status.clone().unwrap_or_default(),
        row.message.clone().unwrap_or_default(),
        row.checked_at.clone().unwrap_or_default(),
        n.to_string(),
        worst,
        rank.to_string(),
        pun.to_string(),
    ]);
    Ok(cells)
}

fn header_row(headers: &[String]) -> Vec<String> {
    // Original columns keep their names; a clash with a result field gets a prefix.
    let mut h: Vec<String> = headers
        .iter()
        .map(|x| {
            if RESULT_FIELDS.contains(&x.as_str()) {
                format!("input_{x}")
            } else {
                x.clone()
            }
        })
        .collect();
    h.extend(RESULT_FIELDS.iter().map(|s| s.to_string()));
    h
}

/// Export the rows of the latest input file. A closed pipe (`export | head`) is not an error.
pub fn export(store: &Store, format: Format, out: Option<&Path>) -> Result<(), Error> {
    let file = store.latest_file()?.ok_or(Error::NoInput)?;
    if format == Format::Xlsx {
        let out = out.ok_or(Error::XlsxNeedsOut)?;
        return xlsx::write(store, &file, out);
    }
    let sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot create {}: {e}", p.display()))
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::new(sink);
    let result = match format {
        Format::Csv => csv::write(store, &file, &mut w),
        _ => jsonl::write(store, &file, &mut w),
    }
    .and_then(|()| Ok(w.flush()?));
    match result {
        Err(Error::Io(e)) | Err(Error::Export(ExportError::Io(e)))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        other => other,
    }
}
