//! JSONL: one object per input row, as `docs/design.md` ("Export JSONL") specifies, plus
//! `columns`, the analyst's other columns, so results join back to the supplier master.

use std::io::Write;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{Error, status_value};
use crate::store::{ExportRow, InputFile, Store};
use crate::view::extra_map;

pub(super) fn write(store: &Store, file: &InputFile, w: &mut impl Write) -> Result<(), Error> {
    store.for_each_export_row(file.id, |row| {
        let v = jsonl_value(store, &row, &file.key_column).map_err(std::io::Error::other)?;
        serde_json::to_writer(&mut *w, &v)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

/// One row's object. `columns` holds the analyst's other columns (every column but the key
/// column) exactly as read; `records` are the vendor's records as it wrote them (a value parsed
/// and written again would turn `1e2` into `100.0` and big integers into floats).
#[derive(serde::Serialize)]
struct Line<'a> {
    row: u64,
    sheet_row: Option<u64>,
    input: &'a str,
    key: &'a str,
    key_kind: &'a Option<String>,
    state: &'a str,
    status: Value,
    message: &'a Option<String>,
    checked_at: &'a Option<String>,
    records: Vec<Box<RawValue>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    columns: Option<Map<String, Value>>,
}

fn jsonl_value<'a>(store: &Store, row: &'a ExportRow, key_column: &str) -> Result<Line<'a>, Error> {
    let records = match row.screening_id {
        Some(sid) => store.records_raw(sid)?,
        None => Vec::new(),
    };
    let mut extra = extra_map(row);
    extra.remove(key_column);
    Ok(Line {
        row: row.row,
        sheet_row: row.sheet_row,
        input: &row.input,
        key: &row.key,
        key_kind: &row.key_kind,
        state: row.state_label(),
        status: status_value(&row.status),
        message: &row.message,
        checked_at: &row.checked_at,
        records,
        columns: (!extra.is_empty()).then_some(extra),
    })
}
