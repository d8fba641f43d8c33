//! XLSX: a `results` sheet (frozen header, autofilter, every cell text so codes never turn into
//! numbers) and a `punishments` sheet.

use std::path::Path;

use rust_xlsxwriter::{Format as XFormat, Workbook, XlsxError};

use super::{Error, flat_row, header_row};
use crate::qcc::record::{PUNISHMENT_FIELDS, fields, punishments, text};
use crate::store::{InputFile, Store};

/// The punishments sheet's columns: the row and key it belongs to, the registration, then the
/// vendor's punishment fields.
fn punishment_header() -> Vec<String> {
    ["row", "key", fields::REG_NO]
        .into_iter()
        .chain(PUNISHMENT_FIELDS)
        .map(String::from)
        .collect()
}

pub(super) fn write(store: &Store, file: &InputFile, out: &Path) -> Result<(), Error> {
    let xerr = |e: XlsxError| Error::Xlsx {
        path: out.display().to_string(),
        message: e.to_string(),
    };
    let mut results = Vec::new();
    let mut puns: Vec<Vec<String>> = Vec::new();
    store.for_each_export_row(file.id, |row| {
        results.push(
            flat_row(store, &row, &file.headers, &file.key_column)
                .map_err(std::io::Error::other)?,
        );
        let Some(sid) = row.screening_id else {
            return Ok(());
        };
        for rec in store.records_raw(sid).map_err(std::io::Error::other)? {
            let reg = text(&rec, fields::REG_NO);
            for p in punishments(&rec) {
                let mut cells = vec![row.row.to_string(), row.key.clone(), reg.clone()];
                cells.extend(PUNISHMENT_FIELDS.iter().map(|f| text(p, f)));
                puns.push(cells);
            }
        }
        Ok(())
    })?;
    let mut wb = Workbook::new();
    write_sheet(&mut wb, "results", &header_row(&file.headers), &results).map_err(xerr)?;
    write_sheet(&mut wb, "punishments", &punishment_header(), &puns).map_err(xerr)?;
    wb.save(out).map_err(xerr)?;
    Ok(())
}

/// One sheet: a bold frozen header with an autofilter, then the rows, every cell as text.
fn write_sheet(
    wb: &mut Workbook,
    name: &str,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), XlsxError> {
    let bold = XFormat::new().set_bold();
    let ws = wb.add_worksheet().set_name(name)?;
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            // Everything is written as text: codes must never become numbers again.
            ws.write_string(r as u32 + 1, c as u16, v)?;
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(
        0,
        0,
        rows.len() as u32,
        header.len().saturating_sub(1) as u16,
    )?;
    ws.autofit();
    Ok(())
}
