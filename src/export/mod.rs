//! `export`: one line per input row, in input order, with the key's current answer, in one of
//! three formats ([`jsonl`], [`csv`], [`xlsx`]). CSV flattens each row: the original columns
//! first, then [`RESULT_FIELDS`]. The workbook is for people: a needs-attention sheet first, then
//! the results and the punishments, in Chinese (or `--lang en`).

pub mod audit;
pub mod changes;
pub mod csv;
mod jsonl;
mod xlsx;

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ExportError, Store, SupplierRow};
use crate::view::{Assessment, Lang, ListColumns, Window, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

/// What `export` writes, and how people read it.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    pub format: Format,
    /// Workbook headers and labels.
    pub lang: Lang,
    /// Workbook times.
    pub zone: Zone,
    /// What counts as a recent punishment (the workbook's needs-attention sheet, CSV's
    /// `attention`).
    pub punished_within: Window,
    /// CSV starts with the UTF-8 byte-order mark, so Excel reads it as UTF-8.
    pub bom: bool,
}

impl Default for ExportOptions {
    fn default() -> ExportOptions {
        ExportOptions {
            format: Format::Jsonl,
            lang: Lang::Zh,
            zone: Zone::System,
            punished_within: Window::default(),
            bom: true,
        }
    }
}

/// The result fields after the original columns, in CSV (machine names: pipelines read them).
pub const RESULT_FIELDS: [&str; 17] = [
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
    "latest_punishment",
    "cancelled_registrations",
    "customs_offices",
    "identify_date",
    "attention",
];

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

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

/// The flat cells of a row: original columns, then [`RESULT_FIELDS`].
pub fn flat_row(cols: &ListColumns, s: &SupplierRow, a: &Assessment) -> Vec<String> {
    let row = &s.row;
    let mut cells = cols.cells(row);
    let rank = if row.state == KeyState::Found {
        Rank::of(&a.level).label()
    } else {
        ""
    };
    let attention: Vec<&str> = a.flags.iter().map(|f| f.id()).collect();
    cells.extend([
        row.row.to_string(),
        row.sheet_row.map(|n| n.to_string()).unwrap_or_default(),
        row.key.clone(),
        row.key_kind.clone().unwrap_or_default(),
        row.state_label().to_string(),
        row.status.clone().unwrap_or_default(),
        row.message.clone().unwrap_or_default(),
        row.checked_at.clone().unwrap_or_default(),
        a.registrations.to_string(),
        a.level.clone(),
        rank.to_string(),
        a.punishments.to_string(),
        a.latest_day(),
        a.cancelled.to_string(),
        a.customs.join(" "),
        a.identify_date.clone(),
        attention.join(" "),
    ]);
    cells
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
pub fn export(store: &Store, out: Option<&Path>, opts: &ExportOptions) -> Result<(), Error> {
    let file = store.latest_file()?.ok_or(Error::NoInput)?;
    if opts.format == Format::Xlsx {
        let out = out.ok_or(Error::XlsxNeedsOut)?;
        return xlsx::write(store, &file, out, opts);
    }
    let staged = out.map(crate::outfile::Staged::new).transpose()?;
    let sink: Box<dyn Write> = match &staged {
        Some(s) => Box::new(s.file()?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::new(sink);
    let result = match opts.format {
        Format::Csv => csv::write(store, &file, &mut w, opts),
        _ => jsonl::write(store, &file, &mut w),
    }
    .and_then(|()| Ok(w.flush()?));
    drop(w);
    let result = match (result, staged) {
        (Ok(()), Some(s)) => s.commit().map_err(Error::from),
        (result, _) => result,
    };
    match result {
        Err(Error::Io(e)) | Err(Error::Export(ExportError::Io(e)))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        other => other,
    }
}
