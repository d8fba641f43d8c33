//! CSV: UTF-8 with a byte-order mark (unless `--no-bom`), so Excel on a Chinese Windows does not
//! read it as GBK; the original columns first, then [`super::RESULT_FIELDS`]. Every cell goes through
//! [`formula_safe`]: the file is opened in Excel, and a cell from a supplier list or a vendor field
//! that starts like a formula must stay text. A file for Excel (with the byte-order mark) writes
//! the codes Excel would turn into numbers as `="…"` ([`excel_text`]), so they stay text.

use std::io::Write;

use super::{BOM, Error, ExportOptions, flat_row, header_row};
use crate::store::{InputFile, Store};
use crate::view::{Assessment, ListColumns};

pub(super) fn write(
    store: &Store,
    file: &InputFile,
    w: &mut impl Write,
    opts: &ExportOptions,
) -> Result<(), Error> {
    if opts.bom {
        w.write_all(BOM)?;
    }
    let cols = ListColumns::of(file);
    let since = opts.punished_within.since_today(opts.zone);
    let mut csv = csv::Writer::from_writer(w);
    csv.write_record(
        header_row(&file.headers, opts.lang)
            .iter()
            .map(|c| formula_safe(c).into_owned()),
    )
    .map_err(csv_io)?;
    store.suppliers(file.id, false)?.for_each(file.id, |s| {
        let cells = flat_row(&cols, &s, &Assessment::of(&s, since), opts);
        csv.write_record(cells.iter().map(|c| cell(c, opts.bom)))
            .map_err(csv_io)
    })?;
    csv.flush()?;
    Ok(())
}

fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

/// A cell as written: formula-safe, and in a file for Excel (`excel`) a code Excel would turn
/// into a number kept as text.
pub fn cell(c: &str, excel: bool) -> String {
    if excel && excel_would_convert(c) {
        excel_text(c)
    } else {
        formula_safe(c).into_owned()
    }
}

/// Excel reads these as numbers and loses them: 12 or more digits (shown as 3.86795E+14, the
/// last digits gone), digits with leading zeros (`000123` becomes 123), and digits around an
/// `E` (`914942777243E75669` becomes 9.14942777243E+75674).
pub fn excel_would_convert(c: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(c) {
        return c.len() >= 12 || (c.len() >= 2 && c.starts_with('0'));
    }
    match c.split_once(['E', 'e']) {
        Some((a, b)) => digits(a) && digits(b.trim_start_matches(['+', '-'])),
        None => false,
    }
}

/// `="000123"`: Excel's way to say "this is text", for a cell of digits (no quote inside).
pub fn excel_text(c: &str) -> String {
    format!("=\"{c}\"")
}

/// OWASP's rule against CSV injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'`, so Excel shows it as text instead of running it.
pub fn formula_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        for c in [
            "=1+1",
            "+1+2",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "=HYPERLINK(\"http://x\")",
        ] {
            assert!(formula_safe(c).starts_with('\''), "{c:?}");
        }
        assert_eq!(formula_safe("上海某某有限公司"), "上海某某有限公司");
        assert_eq!(formula_safe(""), "");
    }

    #[test]
    fn codes_excel_would_change_stay_text() {
        for c in [
            "386795000012345",
            "000123",
            "914942777243E75669",
            "123456789012",
        ] {
            assert!(excel_would_convert(c), "{c}");
            assert_eq!(cell(c, true), format!("=\"{c}\""));
            assert_eq!(cell(c, false), c, "a file for programs keeps the value");
        }
        for c in [
            "12345",
            "0",
            "91350100M000100Y43",
            "2024-11-10",
            "3.5",
            "S10005",
            "-12",
        ] {
            assert!(!excel_would_convert(c), "{c}");
        }
        assert_eq!(cell("=1+1", true), "'=1+1");
    }
}
