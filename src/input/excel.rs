//! Excel workbooks (`.xlsx`, `.xlsm`, `.xls`, `.xlsb`, `.ods`) through calamine, which reads a
//! sheet whole (the format requires it), once `input::span` has measured what it would hold.
//! Without `--sheet`, the list is on the first sheet whose header matches (an instructions sheet
//! before it is passed over).

use std::path::Path;

use super::columns::column_names;
use super::header::{self, DataRows, Found};
use super::span::{self, guarded};
use super::{Cell, InputError, Physical, PhysicalRows, ReadOptions, Table, display};

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
    check_expansion(path)?;
    span::check_before_open(path, &p)?;
    let mut wb =
        guarded(&p, || calamine::open_workbook_auto(path))?.map_err(|e| InputError::Excel {
            path: p.clone(),
            message: format!("not a readable workbook: {e}"),
        })?;
    let (sheet, found, rest) = match opts.sheet.as_deref() {
        Some(sel) => named_sheet(&mut wb, &p, sel, opts)?,
        None => matching_sheet(&mut wb, &p, opts)?,
    };
    let headers: Vec<String> = found
        .header
        .cells
        .iter()
        .map(|c| c.text().trim().to_string())
        .collect();
    Ok(Table {
        path: path.to_path_buf(),
        headers: column_names(&headers),
        format: "excel".into(),
        encoding: "xlsx".into(),
        sheet: Some(sheet),
        header_row: Some(found.header.sheet_row),
        rows: Box::new(DataRows::new(found.after, rest)),
    })
}

/// The most a workbook's shared strings may expand to.
pub const MAX_SHARED_STRINGS_BYTES: u64 = 64 * 1024 * 1024;
/// The most one sheet's XML may expand to (about a million rows of a supplier list).
pub const MAX_SHEET_BYTES: u64 = 256 * 1024 * 1024;
/// Real spreadsheet XML compresses about 5-20 times; a part that expands 200 times is a bomb.
const MAX_RATIO: u64 = 200;

/// calamine reads a sheet and the shared strings whole, so a small file that expands to
/// gigabytes (a "zip bomb") would exhaust memory. Measure every part of a zip-based workbook by
/// decompressing it as a stream (declared sizes can lie) and refuse the file before it is read.
fn check_expansion(path: &Path) -> Result<(), InputError> {
    let p = display(path);
    let refuse = |message: String| InputError::Excel {
        path: p.clone(),
        message,
    };
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(()); // calamine names the error
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(()); // .xls (not a zip): calamine reads it or names the error
    };
    for i in 0..zip.len() {
        let Ok(mut part) = zip.by_index(i) else {
            continue;
        };
        let Ok(name) = part.name().map(|n| n.to_string()) else {
            continue;
        };
        let limit = if name.ends_with("sharedStrings.xml") {
            MAX_SHARED_STRINGS_BYTES
        } else if name.contains("worksheets/") || name == "content.xml" {
            MAX_SHEET_BYTES
        } else {
            continue;
        };
        let compressed = part.compressed_size().max(1);
        let mut counted = std::io::Read::take(&mut part, limit + 1);
        let size = std::io::copy(&mut counted, &mut std::io::sink())
            .map_err(|e| refuse(format!("{name}: cannot be read: {e}")))?;
        if size > limit || (size > 1024 * 1024 && size / compressed > MAX_RATIO) {
            return Err(refuse(format!(
                "{name} expands to {}{} MiB from {} KiB (limits: {} MiB for shared strings, {} \
                 MiB for a sheet, {MAX_RATIO} times its compressed size); refused before reading \
                 it whole. If the list is real, save it as CSV",
                if size > limit { "more than " } else { "" },
                size.min(limit) / (1024 * 1024),
                compressed / 1024,
                MAX_SHARED_STRINGS_BYTES / (1024 * 1024),
                MAX_SHEET_BYTES / (1024 * 1024),
            )));
        }
    }
    Ok(())
}

/// A streamed cell's position; a cell the reader cannot read ends the walk (calamine names it).
fn cell_at<T: calamine::CellType, E>(
    c: Result<Option<calamine::Cell<T>>, E>,
) -> Option<(u32, u32)> {
    c.ok().flatten().map(|c| c.get_position())
}

/// A sheet, its header, and the rows after what the header search read.
type Opened = (String, Found, PhysicalRows);

fn read_sheet(wb: &mut Workbook, p: &str, name: &str) -> Result<Range, InputError> {
    use calamine::Reader;
    // The cells of a sheet are streamed first, without being held (see [`span`]).
    match wb {
        calamine::Sheets::Xlsx(x) => {
            if let Ok(mut cells) = guarded(p, || x.worksheet_cells_reader(name))? {
                span::check_cells(p, name, || cell_at(cells.next_cell()))?;
            }
        }
        calamine::Sheets::Xlsb(x) => {
            if let Ok(mut cells) = guarded(p, || x.worksheet_cells_reader(name))? {
                span::check_cells(p, name, || cell_at(cells.next_cell()))?;
            }
        }
        _ => {}
    }
    guarded(p, || wb.worksheet_range(name))?.map_err(|e| InputError::Excel {
        path: p.to_string(),
        message: format!("sheet {name:?}: {e}"),
    })
}

/// `--sheet` by name or 1-based number.
fn named_sheet(
    wb: &mut Workbook,
    p: &str,
    sel: &str,
    opts: &ReadOptions,
) -> Result<Opened, InputError> {
    use calamine::Reader;
    let names = wb.sheet_names().to_vec();
    let name = names
        .iter()
        .find(|n| n.as_str() == sel)
        .or_else(|| {
            sel.parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .and_then(|i| names.get(i))
        })
        .ok_or_else(|| InputError::Excel {
            path: p.to_string(),
            message: format!("no sheet {sel:?}; the sheets are: {}", names.join(", ")),
        })?
        .clone();
    let mut rows = physical_rows(&read_sheet(wb, p, &name)?);
    let found = header::find(p, &mut rows, opts)?.ok_or_else(|| InputError::Empty {
        path: format!("{p}, sheet {name}"),
    })?;
    Ok((name, found, rows))
}

/// The first sheet whose header matches; a workbook with one non-empty sheet uses it whatever
/// its header; otherwise an error that shows each sheet's first row.
fn matching_sheet(wb: &mut Workbook, p: &str, opts: &ReadOptions) -> Result<Opened, InputError> {
    use calamine::Reader;
    let mut fallback: Option<Opened> = None;
    let mut seen = Vec::new();
    for name in wb.sheet_names().to_vec() {
        let mut rows = physical_rows(&read_sheet(wb, p, &name)?);
        let Some(found) = header::find(p, &mut rows, opts)? else {
            continue;
        };
        if found.matched {
            return Ok((name, found, rows));
        }
        let first: Vec<&str> = found.header.cells.iter().map(|c| c.text()).collect();
        seen.push(format!("{name:?} (first row: {:?})", first.join(" | ")));
        fallback.get_or_insert((name, found, rows));
    }
    match fallback {
        Some(only) if seen.len() == 1 => Ok(only),
        Some(_) => Err(InputError::Excel {
            path: p.to_string(),
            message: format!(
                "no sheet has a header naming a company or credit code column in its first {} \
                 rows; choose one with --sheet (and --header-row, --column). The sheets: {}",
                header::HEADER_SEARCH_ROWS,
                seen.join("; ")
            ),
        }),
        None => Err(InputError::Empty {
            path: p.to_string(),
        }),
    }
}

/// A sheet's rows with the row numbers Excel shows (a range may start below row 1).
fn physical_rows(range: &Range) -> PhysicalRows {
    let first = range.start().map(|(r, _)| u64::from(r)).unwrap_or(0);
    let rows: Vec<Physical> = range
        .rows()
        .enumerate()
        .map(|(i, r)| Physical {
            sheet_row: first + i as u64 + 1,
            cells: r.iter().map(cell_of).collect(),
            error: None,
        })
        .collect();
    Box::new(rows.into_iter().map(Ok))
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
        Data::DateTime(d) => {
            let serial = d.as_f64();
            Cell::Date(date_text(serial), serial)
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e:?}")),
    }
}

/// An Excel serial date as text: `2020-02-06`, `2020-02-06 08:30:00`, or `08:30:00` for a time
/// alone (days since 1899-12-30; Excel's phantom 1900-02-29 makes the first two months one off).
fn date_text(serial: f64) -> String {
    let Some(epoch) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30) else {
        return serial.to_string();
    };
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return serial.to_string();
    }
    let days = serial.floor();
    let secs = ((serial - days) * 86_400.0).round() as u32;
    let day = epoch + chrono::Days::new(days as u64);
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(secs.min(86_399), 0)
        .unwrap_or(chrono::NaiveTime::MIN);
    match (days == 0.0, secs == 0) {
        (_, true) => day.format("%Y-%m-%d").to_string(),
        (true, false) => time.format("%H:%M:%S").to_string(),
        (false, false) => format!("{} {}", day.format("%Y-%m-%d"), time.format("%H:%M:%S")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn serial_dates_read_as_excel_shows_them() {
        assert_eq!(super::date_text(43868.0), "2020-02-07");
        assert_eq!(super::date_text(43868.5), "2020-02-07 12:00:00");
        assert_eq!(super::date_text(0.25), "06:00:00");
    }
}
