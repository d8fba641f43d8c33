//! JSONL: one object per input row, as `docs/design.md` ("Export JSONL") specifies, plus
//! `columns`, the analyst's other columns, so results join back to the supplier master.

use std::io::Write;

use serde_json::{Value, json};

use super::{Error, extra_map, status_value};
use crate::store::{ExportRow, InputFile, Store};

pub(super) fn write(store: &Store, file: &InputFile, w: &mut impl Write) -> Result<(), Error> {
    store.for_each_export_row(file.id, |row| {
        let v = jsonl_value(store, &row).map_err(std::io::Error::other)?;
        serde_json::to_writer(&mut *w, &v)?;
        w.write_all(b"\n")
    })?;
    Ok(())
}

/// One JSONL object for a row.
fn jsonl_value(store: &Store, row: &ExportRow) -> Result<Value, Error> {
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
