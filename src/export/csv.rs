//! CSV: UTF-8 with a byte-order mark (unless `--no-bom`), so Excel on a Chinese Windows does not
//! read it as GBK; the original columns first, then [`super::RESULT_FIELDS`]. Every cell goes through
//! [`formula_safe`]: the file is opened in Excel, and a cell from a supplier list or a vendor field
//! that starts like a formula must stay text.

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
        header_row(&file.headers)
            .iter()
            .map(|c| formula_safe(c).into_owned()),
    )
    .map_err(csv_io)?;
    store.suppliers(file.id, false)?.for_each(file.id, |s| {
        let cells = flat_row(&cols, &s, &Assessment::of(&s, since));
        csv.write_record(cells.iter().map(|c| formula_safe(c).into_owned()))
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
}
