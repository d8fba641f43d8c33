//! Where the list starts: real workbooks put a title (`2026年供应商名录`), blank rows or notes
//! above the header. The header is the first of the first [`HEADER_SEARCH_ROWS`] rows whose cells
//! match known headers (or the row `--header-row` names); rows above it are not data. After it,
//! every row is data, blank ones included (they keep their numbers), except blank rows at the end.

use std::collections::VecDeque;

use super::columns::{header_token, looks_like_header};
use super::{InputError, Physical, PhysicalRows, RawRow, ReadOptions};

/// How far from the top a header is looked for.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// The header found in a file or sheet, and the rows read after it while looking.
pub struct Found {
    pub header: Physical,
    /// The header row matched known headers (rather than being the first non-empty row).
    pub matched: bool,
    pub after: Vec<Physical>,
}

/// Find the header in `rows`: the row `--header-row` names, else the first of the first 20 rows
/// that matches known headers (or holds the `--column` name), else the first non-empty row.
/// `None` when there is nothing at all.
pub fn find(
    path: &str,
    rows: &mut PhysicalRows,
    opts: &ReadOptions,
) -> Result<Option<Found>, InputError> {
    // `--column 号码` names the header: a row holding it is the header row.
    let named = opts
        .column
        .as_deref()
        .filter(|c| !c.trim().chars().all(|d| d.is_ascii_digit()))
        .map(header_token);
    let is_header = |r: &Physical| {
        looks_like_header(&r.cells)
            || named
                .as_ref()
                .is_some_and(|n| r.cells.iter().any(|c| header_token(c.text()) == *n))
    };
    if let Some(n) = opts.header_row {
        let mut seen = 0;
        for r in rows.by_ref() {
            let r = r?;
            seen = r.sheet_row;
            if r.sheet_row == n {
                let matched = is_header(&r);
                return Ok(Some(Found {
                    header: r,
                    matched,
                    after: Vec::new(),
                }));
            }
        }
        return Err(InputError::NoSuchHeaderRow {
            path: path.to_string(),
            row: n,
            rows: seen,
        });
    }
    let mut top = Vec::with_capacity(HEADER_SEARCH_ROWS);
    for r in rows.by_ref().take(HEADER_SEARCH_ROWS) {
        top.push(r?);
    }
    let (at, matched) = match top.iter().position(is_header) {
        Some(i) => (i, true),
        None => match top.iter().position(|r| !r.is_blank()) {
            Some(i) => (i, false),
            None => return Ok(None),
        },
    };
    let after = top.split_off(at + 1);
    let header = top.pop().ok_or_else(|| InputError::Empty {
        path: path.to_string(),
    })?;
    Ok(Some(Found {
        header,
        matched,
        after,
    }))
}

/// The data rows after the header, numbered from 1. A blank row inside the data is a row (an
/// empty cell); blank rows at the end are formatting and dropped. Blank rows are counted, not
/// held: a run of them is kept as (first sheet row, count, width) until a data row shows they
/// are rows of the list, and then given out one at a time, so a file of millions of trailing
/// newlines takes no memory.
pub struct DataRows {
    source: Box<dyn Iterator<Item = Result<Physical, InputError>>>,
    /// Runs of blank rows: first sheet row, how many, cells per row.
    blanks: VecDeque<(u64, u64, usize)>,
    /// The data row after the blank runs, given out when they are.
    held: Option<Physical>,
    row_no: u64,
}

impl DataRows {
    pub fn new(after: Vec<Physical>, rest: PhysicalRows) -> DataRows {
        DataRows {
            source: Box::new(after.into_iter().map(Ok).chain(rest)),
            blanks: VecDeque::new(),
            held: None,
            row_no: 0,
        }
    }

    fn emit(&mut self, p: Physical) -> RawRow {
        self.row_no += 1;
        RawRow {
            row_no: self.row_no,
            sheet_row: p.sheet_row,
            cells: p.cells,
            error: p.error,
        }
    }

    fn count_blank(&mut self, p: &Physical) {
        let width = p.cells.len();
        if let Some((start, n, w)) = self.blanks.back_mut()
            && *w == width
            && *start + *n == p.sheet_row
        {
            *n += 1;
            return;
        }
        self.blanks.push_back((p.sheet_row, 1, width));
    }
}

impl Iterator for DataRows {
    type Item = Result<RawRow, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.held.is_some() {
                if let Some((start, n, width)) = self.blanks.front_mut() {
                    let p = Physical {
                        sheet_row: *start,
                        cells: vec![super::Cell::Empty; *width],
                        error: None,
                    };
                    *start += 1;
                    *n -= 1;
                    if *n == 0 {
                        self.blanks.pop_front();
                    }
                    return Some(Ok(self.emit(p)));
                }
                if let Some(p) = self.held.take() {
                    return Some(Ok(self.emit(p)));
                }
            }
            match self.source.next()? {
                Err(e) => return Some(Err(e)),
                Ok(p) if p.is_blank() => self.count_blank(&p),
                // The blank rows before a data row are rows of the list.
                Ok(p) => self.held = Some(p),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Cell;

    fn row(n: u64, cells: &[&str]) -> Result<Physical, InputError> {
        Ok(Physical {
            sheet_row: n,
            cells: cells
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(c.to_string())
                    }
                })
                .collect(),
            error: None,
        })
    }

    #[test]
    fn title_and_blank_rows_above_the_header_are_not_data() {
        let rows = vec![
            row(1, &["2026年供应商名录", "", ""]),
            row(2, &["", "", ""]),
            row(3, &["序号", "供应商名称", "统一社会信用代码"]),
            row(4, &["1", "甲公司", ""]),
            row(5, &["", "", ""]),
            row(6, &["2", "乙公司", ""]),
            row(7, &[""]),
            row(8, &[""]),
        ];
        let mut it: PhysicalRows = Box::new(rows.into_iter());
        let found = find("f", &mut it, &ReadOptions::default())
            .unwrap()
            .unwrap();
        assert_eq!((found.header.sheet_row, found.matched), (3, true));
        let data: Vec<(u64, u64)> = DataRows::new(found.after, it)
            .map(|r| r.map(|r| (r.row_no, r.sheet_row)).unwrap())
            .collect();
        assert_eq!(data, [(1, 4), (2, 5), (3, 6)]);
    }

    #[test]
    fn forced_and_fallback_headers() {
        let rows = || -> PhysicalRows {
            Box::new(vec![row(1, &["x"]), row(2, &["a", "b"]), row(3, &["1", "2"])].into_iter())
        };
        let mut it = rows();
        let forced = |n| ReadOptions {
            header_row: Some(n),
            ..ReadOptions::default()
        };
        let f = find("f", &mut it, &forced(2)).unwrap().unwrap();
        assert_eq!((f.header.sheet_row, f.matched), (2, false));
        let mut it = rows();
        let f = find("f", &mut it, &ReadOptions::default())
            .unwrap()
            .unwrap();
        assert_eq!((f.header.sheet_row, f.matched), (1, false));
        let mut it = rows();
        let named = ReadOptions {
            column: Some("b".into()),
            ..ReadOptions::default()
        };
        let f = find("f", &mut it, &named).unwrap().unwrap();
        assert_eq!((f.header.sheet_row, f.matched), (2, true));
        let mut it = rows();
        assert!(matches!(
            find("f", &mut it, &forced(9)),
            Err(InputError::NoSuchHeaderRow { rows: 3, .. })
        ));
    }
}
