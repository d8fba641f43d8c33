//! The workbook's building blocks: cells, columns, each sheet's setup for screen and print, and
//! writing a row (text cut at Excel's limit with a marker, wide columns wrapped).

use rust_xlsxwriter::{Format as XFormat, FormatAlign, Workbook, Worksheet, XlsxError};

/// A cell: text stays text, a count is a number, an analyst's date stays a date.
pub(super) enum Cell {
    Text(String),
    Num(f64),
    /// An Excel serial date, shown with a date format.
    Date(f64),
}

pub(super) fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

pub(super) fn num(n: impl Into<f64>) -> Cell {
    Cell::Num(n.into())
}

/// A column: its header and width (in characters; a CJK character counts two). A wide column
/// (a name, a reason, a message) wraps its text, so a row grows instead of being cut on paper.
pub(super) struct Column {
    pub header: String,
    pub width: f64,
}

impl Column {
    pub fn wraps(&self) -> bool {
        self.width >= 30.0
    }
}

pub(super) fn col(header: &str, width: f64) -> Column {
    Column {
        header: header.to_string(),
        width,
    }
}

/// Display width of a text: a CJK (wide) character counts two.
pub(super) fn display_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
        .sum()
}

/// The widest a sheet may be (in characters of width) and still print one page wide at a size
/// people read: landscape A4 holds about 140 at 100%, so 190 is about 75%.
const ONE_PAGE_WIDE: f64 = 190.0;

/// Name, header row, widths, frozen header, and print setup of one sheet: landscape A4, the
/// header row on every page; one page wide when that stays readable, else at 85% across pages
/// with the supplier's id and name columns repeated on each.
pub(super) fn sheet_setup(
    ws: &mut Worksheet,
    name: &str,
    columns: &[Column],
    header: &XFormat,
    idents: u16,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    for (c, column) in columns.iter().enumerate() {
        ws.set_column_width(c as u16, column.width)?;
        ws.write_string_with_format(0, c as u16, fit(&column.header, 0, 0, c).as_ref(), header)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_repeat_rows(0, 0)?;
    let width: f64 = columns.iter().map(|c| c.width).sum();
    if width <= ONE_PAGE_WIDE {
        ws.set_print_fit_to_pages(1, 0);
    } else {
        ws.set_print_scale(85);
        if idents > 0 {
            ws.set_repeat_columns(0, idents - 1)?;
        }
    }
    Ok(())
}

/// The next row of each sheet, and which of its columns wrap.
pub(super) struct Sheets {
    pub next: [u32; 3],
    pub wraps: Vec<Vec<bool>>,
}

/// Wrapped text, aligned to the top of the row.
fn wrap_format() -> &'static XFormat {
    static WRAP: std::sync::OnceLock<XFormat> = std::sync::OnceLock::new();
    WRAP.get_or_init(|| XFormat::new().set_text_wrap().set_align(FormatAlign::Top))
}

/// How an analyst's date shows: one format, made once.
fn date_format() -> &'static XFormat {
    static DATE: std::sync::OnceLock<XFormat> = std::sync::OnceLock::new();
    DATE.get_or_init(|| XFormat::new().set_num_format("yyyy-mm-dd"))
}

/// The most characters Excel holds in one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// A text as a cell holds it: past Excel's limit it is cut with a visible marker, and the row is
/// named in a warning (the whole text stays in the database and in `export --format jsonl`).
fn fit(s: &str, sheet: usize, row: u32, col: usize) -> std::borrow::Cow<'_, str> {
    let n = s.chars().count();
    if n <= MAX_CELL_CHARS {
        return std::borrow::Cow::Borrowed(s);
    }
    let marker = format!("…【已截断：原文{n}个字符，完整内容见 export --format jsonl】");
    let keep = MAX_CELL_CHARS - marker.chars().count();
    let cut: String = s.chars().take(keep).collect();
    tracing::warn!(
        sheet = sheet + 1,
        row = row + 1,
        column = col + 1,
        chars = n,
        "a text longer than Excel's 32,767 characters per cell was cut, with a marker"
    );
    std::borrow::Cow::Owned(cut + &marker)
}

/// Write the next row of sheet `sheet`.
pub(super) fn put_row(
    wb: &mut Workbook,
    sheet: usize,
    next: &mut Sheets,
    cells: &[Cell],
) -> Result<(), XlsxError> {
    let ws = wb.worksheet_from_index(sheet)?;
    let r = next.next[sheet];
    let wraps = &next.wraps[sheet];
    for (c, cell) in cells.iter().enumerate() {
        match cell {
            Cell::Text(s) if s.is_empty() => {}
            Cell::Text(s) if wraps.get(c).copied().unwrap_or(false) => {
                ws.write_string_with_format(
                    r,
                    c as u16,
                    fit(s, sheet, r, c).as_ref(),
                    wrap_format(),
                )?;
            }
            Cell::Text(s) => {
                ws.write_string(r, c as u16, fit(s, sheet, r, c).as_ref())?;
            }
            Cell::Num(n) => {
                ws.write_number(r, c as u16, *n)?;
            }
            Cell::Date(n) => {
                ws.write_number_with_format(r, c as u16, *n, date_format())?;
            }
        }
    }
    next.next[sheet] = r + 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_count_two() {
        assert_eq!(display_width("序号"), 4);
        assert_eq!(display_width("No."), 3);
    }
}
