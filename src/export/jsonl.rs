//! JSONL: one object per input row, as `docs/design.md` ("Export JSONL") specifies, plus
//! `columns`, the analyst's other columns, so results join back to the supplier master.

use std::io::Write;

use serde_json::{Value, json};

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

/// One JSONL object for a row.
/// One row's object. `columns` holds the analyst's other columns (every column but the key
/// column) exactly as read.
fn jsonl_value(store: &Store, row: &ExportRow, key_column: &str) -> Result<Value, Error> {
    let records = match row.screening_id {
        Some(sid) => store.records_raw(sid)?,
        None => Vec::new(),
    };
    let mut v = json!({
        "row": row.row,
        "sheet_row": row.sheet_row,
        "input": row.input,
        "key": row.key,
        "key_kind": row.key_kind,
        "state": row.state_label(),
        "status": status_value(&row.status),
        "message": row.message,
        "checked_at": row.checked_at,
        "records": records,
    });
    let mut extra = extra_map(row);
    extra.remove(key_column);
    if !extra.is_empty()
        && let Some(o) = v.as_object_mut()
    {
        o.insert("columns".into(), Value::Object(extra));
    }
    Ok(v)
}
