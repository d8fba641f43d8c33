//! Excel workbooks (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`) through calamine, which reads a
//! sheet whole (the format requires it).

use std::path::Path;

use super::{Cell, InputError, RawRow, ReadOptions, Table, display};

type Workbook = calamine::Sheets<std::io::BufReader<std::fs::File>>;
type Range = calamine::Range<calamine::Data>;

pub(super) fn open(path: &Path, opts: &ReadOptions) -> Result<Table, InputError> {
    let p = display(path);
    if !path.exists() {
        return Err(InputError::Open {
            path: p,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| InputError::Excel {
        path: p.clone(),
        message: format!("not a readable workbook: {e}"),
    })?;
    let range = choose_sheet(&mut wb, &p, opts.sheet.as_deref())?;
    table_of(path, &range)
}

/// `--sheet` by name or 1-based number, else the first sheet with anything in it.
fn choose_sheet(wb: &mut Workbook, p: &str, sheet: Option<&str>) -> Result<Range, InputError> {
    use calamine::{Data, Reader};
    let names = wb.sheet_names().to_vec();
    let excel_err = |message: String| InputError::Excel {
        path: p.to_string(),
        message,
    };
    let mut read = |name: &str| {
        wb.worksheet_range(name)
            .map_err(|e| excel_err(format!("sheet {name:?}: {e}")))
    };
    if let Some(sel) = sheet {
        let name = names
            .iter()
            .find(|n| n.as_str() == sel)
            .or_else(|| {
                sel.parse::<usize>()
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| names.get(i))
            })
            .ok_or_else(|| {
                excel_err(format!(
                    "no sheet {sel:?}; the sheets are: {}",
                    names.join(", ")
                ))
            })?;
        return read(name);
    }
    for name in &names {
        let r = read(name)?;
        if r.rows()
            .any(|row| row.iter().any(|c| !matches!(c, Data::Empty)))
        {
            return Ok(r);
        }
    }
    Err(InputError::Empty {
        path: p.to_string(),
    })
}

/// The sheet's first non-empty row is the header; trailing empty rows are formatting, not data.
fn table_of(path: &Path, range: &Range) -> Result<Table, InputError> {
    use calamine::Data;
    let mut rows = range
        .rows()
        .skip_while(|r| r.iter().all(|c| matches!(c, Data::Empty)));
    let headers: Vec<String> = match rows.next() {
        Some(h) => h
            .iter()
            .map(|c| cell_of(c).text().trim().to_string())
            .collect(),
        None => {
            return Err(InputError::Empty {
                path: display(path),
            });
        }
    };
    let data: Vec<RawRow> = rows
        .enumerate()
        .map(|(i, r)| RawRow {
            row_no: i as u64 + 1,
            cells: r.iter().map(cell_of).collect(),
            error: None,
        })
        .collect();
    let last = data
        .iter()
        .rposition(|r| r.cells.iter().any(|c| *c != Cell::Empty))
        .map(|i| i + 1)
        .unwrap_or(0);
    let data: Vec<RawRow> = data.into_iter().take(last).collect();
    Ok(Table {
        path: path.to_path_buf(),
        headers,
        format: "excel".into(),
        encoding: "xlsx".into(),
        rows: Box::new(data.into_iter().map(Ok)),
    })
}

fn cell_of(c: &calamine::Data) -> Cell {
    use calamine::Data;
    match c {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(i.to_string()),
        Data::Float(f) => Cell::Number(if f.fract() == 0.0 && f.abs() < 1e15 {
            format!("{}", *f as i64)
        } else {
            format!("{f}")
        }),
        Data::Bool(b) => Cell::Text(b.to_string()),
        Data::DateTime(d) => Cell::Number(d.as_f64().to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}
