//! `export`: one line per input row, in input order, with the key's current answer.
//!
//! JSONL follows DESIGN.md ("Export JSONL") and adds `columns`, the analyst's other columns, so
//! results join back to the supplier master. CSV and XLSX flatten the same rows: the original
//! columns first, then the result fields. XLSX adds a punishments sheet.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::credit::Rank;
use crate::store::{ExportError, ExportRow, InputFile, Store};
use crate::vendor::model::{field, punishments};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

/// The result fields after the original columns, in CSV and XLSX.
pub const RESULT_FIELDS: [&str; 11] = [
    "row",
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

/// One JSONL object for a row.
pub fn jsonl_value(store: &Store, row: &ExportRow) -> Result<Value, Error> {
    let records = match row.screening_id {
        Some(sid) => store.records_raw(sid)?,
        None => Vec::new(),
    };
    let mut v = json!({
        "row": row.row,
        "input": row.input,
        "key": row.key,
        "key_kind": row.key_kind,
        "state": row.state,
        "status": status_value(&row.status),
        "message": row.message,
        "checked_at": row.checked_at,
        "records": records,
    });
    let extra = extra_map(row);
    if !extra.is_empty()
        && let Some(o) = v.as_object_mut()
    {
        o.insert("columns".into(), Value::Object(extra));
    }
    Ok(v)
}

/// The flat cells of a row: original columns (by the file's headers), then [`RESULT_FIELDS`].
pub fn flat_row(
    store: &Store,
    row: &ExportRow,
    headers: &[String],
    key_column: &str,
) -> Result<Vec<String>, Error> {
    let extra = extra_map(row);
    let mut cells: Vec<String> = headers
        .iter()
        .map(|h| {
            if h == key_column {
                row.input.clone()
            } else {
                extra
                    .get(h)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_string()
            }
        })
        .collect();
    let (n, worst, pun) = match row.screening_id {
        Some(sid) => store.screening_summary(sid)?,
        None => (0, String::new(), 0),
    };
    let rank = if row.state == "found" {
        Rank::of(&worst).label()
    } else {
        ""
    };
    cells.extend([
        row.row.to_string(),
        row.key.clone(),
        row.key_kind.clone().unwrap_or_default(),
        row.state.clone(),
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
    let result = match format {
        Format::Xlsx => {
            let out = out.ok_or(Error::XlsxNeedsOut)?;
            return export_xlsx(store, file.id, &file.headers, &file.key_column, out);
        }
        Format::Jsonl | Format::Csv => write_stream(store, &file, format == Format::Csv, out),
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

/// JSONL or CSV to `out` or standard output.
fn write_stream(
    store: &Store,
    file: &InputFile,
    csv: bool,
    out: Option<&Path>,
) -> Result<(), Error> {
    let sink: Box<dyn Write> = match out {
        Some(p) => Box::new(std::fs::File::create(p).map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot create {}: {e}", p.display()))
        })?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::new(sink);
    if csv {
        let mut csv = csv::Writer::from_writer(&mut w);
        csv.write_record(header_row(&file.headers))
            .map_err(csv_io)?;
        store.for_each_export_row(file.id, |row| {
            let cells = flat_row(store, &row, &file.headers, &file.key_column)
                .map_err(std::io::Error::other)?;
            csv.write_record(&cells).map_err(csv_io)
        })?;
        csv.flush()?;
    } else {
        store.for_each_export_row(file.id, |row| {
            let v = jsonl_value(store, &row).map_err(std::io::Error::other)?;
            serde_json::to_writer(&mut w, &v)?;
            w.write_all(b"\n")
        })?;
    }
    w.flush()?;
    Ok(())
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

fn export_xlsx(
    store: &Store,
    file_id: i64,
    headers: &[String],
    key_column: &str,
    out: &Path,
) -> Result<(), Error> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| Error::Xlsx {
        path: out.display().to_string(),
        message: e.to_string(),
    };
    let mut wb = Workbook::new();
    let bold = XFormat::new().set_bold();
    let hdr = header_row(headers);
    let mut results = Vec::new();
    let mut puns: Vec<[String; 8]> = Vec::new();
    store.for_each_export_row(file_id, |row| {
        results.push(flat_row(store, &row, headers, key_column).map_err(std::io::Error::other)?);
        if let Some(sid) = row.screening_id {
            for rec in store.records_raw(sid).map_err(std::io::Error::other)? {
                let reg = field(&rec, "RegNo").unwrap_or_default().into_owned();
                for p in punishments(&rec) {
                    let g = |n: &str| field(p, n).unwrap_or_default().into_owned();
                    puns.push([
                        row.row.to_string(),
                        row.key.clone(),
                        reg.clone(),
                        g("No"),
                        g("DecisionNo"),
                        g("Party"),
                        g("PunishDate"),
                        g("CaseProp"),
                    ]);
                }
            }
        }
        Ok(())
    })?;
    let ws = wb.add_worksheet().set_name("results").map_err(xerr)?;
    for (c, h) in hdr.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(xerr)?;
    }
    for (r, cells) in results.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            // Everything is written as text: codes must never become numbers again.
            ws.write_string(r as u32 + 1, c as u16, v).map_err(xerr)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    ws.autofilter(
        0,
        0,
        results.len() as u32,
        hdr.len().saturating_sub(1) as u16,
    )
    .map_err(xerr)?;
    ws.autofit();
    let ps = wb.add_worksheet().set_name("punishments").map_err(xerr)?;
    let phdr = [
        "row",
        "key",
        "RegNo",
        "No",
        "DecisionNo",
        "Party",
        "PunishDate",
        "CaseProp",
    ];
    for (c, h) in phdr.iter().enumerate() {
        ps.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xerr)?;
    }
    for (r, cells) in puns.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            ps.write_string(r as u32 + 1, c as u16, v).map_err(xerr)?;
        }
    }
    ps.set_freeze_panes(1, 0).map_err(xerr)?;
    ps.autofilter(0, 0, puns.len() as u32, phdr.len() as u16 - 1)
        .map_err(xerr)?;
    ps.autofit();
    wb.save(out).map_err(xerr)?;
    Ok(())
}
