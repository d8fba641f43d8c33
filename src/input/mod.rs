//! Reading the analyst's file, row by row: CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16;
//! comma, semicolon or tab) and text lists ([`delimited`]), Excel workbooks ([`excel`]), which
//! column holds the key ([`columns`]), and each raw row turned into what ingest stores ([`rows`]).
//!
//! CSV and text are streamed: memory does not grow with the file. Excel sheets are read whole
//! by calamine (the format requires it), after `span` has walked the file as a stream and
//! refused a sheet far larger than what it holds. Nothing here fails on one bad row: the row is returned
//! with the reason, and only a file that cannot be read at all is an error. This module knows
//! nothing of SQLite: the store takes the [`IngestRow`]s it produces.

pub mod columns;
pub mod content;
pub mod delimited;
pub mod excel;
mod guard;
pub mod header;
pub mod rows;
mod span;

use std::path::{Path, PathBuf};

pub use columns::{
    Role, Selection, column_names, header_token, id_position, identifying_columns, name_column,
    select_column,
};
pub use content::SAMPLE_ROWS;
pub use delimited::{detect_delimiter, detect_encoding, parse_bytes};
pub use rows::{FileMeta, IngestRow, RowContext, meta};

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: cannot open: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: read error at row {row}: {source}")]
    Read {
        path: String,
        row: u64,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty (no header row, no data)")]
    Empty { path: String },
    #[error("{path}: {message}")]
    Excel { path: String, message: String },
    #[error("{path}: {message}")]
    Column { path: String, message: String },
    #[error("unknown encoding {0:?} (try utf-8, gb18030, gbk, utf-16le, utf-16be)")]
    Encoding(String),
    #[error("{path}: --header-row {row}: the file has only {rows} row(s)")]
    NoSuchHeaderRow { path: String, row: u64, rows: u64 },
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A spreadsheet number, with the text Excel would show.
    Number(String),
    /// A spreadsheet date or time: its text (`2020-02-06`, `2020-02-06 08:30:00`) and Excel's
    /// serial number, so a workbook written from it shows a date again.
    Date(String, f64),
    Empty,
}

impl Cell {
    pub fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(s) | Cell::Date(s, _) => s,
            Cell::Empty => "",
        }
    }
}

/// A row as the file holds it, before the header is known: its number as the file or sheet
/// shows it (1-based, every line counted), its cells, and why it could not be read cleanly.
#[derive(Debug, Clone, PartialEq)]
pub struct Physical {
    pub sheet_row: u64,
    pub cells: Vec<Cell>,
    pub error: Option<String>,
}

impl Physical {
    /// Nothing in it: a blank line, or a row of empty cells.
    pub fn is_blank(&self) -> bool {
        self.error.is_none() && self.cells.iter().all(|c| *c == Cell::Empty)
    }
}

/// The rows of a file or sheet, top to bottom.
pub type PhysicalRows = Box<dyn Iterator<Item = Result<Physical, InputError>>>;

/// One data row. `row_no` is 1-based and does not count the header or the rows above it;
/// `sheet_row` is the row number the file or sheet shows (what the analyst sees in Excel).
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub row_no: u64,
    pub sheet_row: u64,
    pub cells: Vec<Cell>,
    /// Why the row could not be read cleanly (it is still returned).
    pub error: Option<String>,
}

/// How to read a file; `None` means detect.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    pub encoding: Option<String>,
    pub delimiter: Option<u8>,
    pub sheet: Option<String>,
    /// The header's row number as the file shows it (default: detected in the first 20 rows).
    pub header_row: Option<u64>,
    /// `--column` given by name: a row holding that name is a header too.
    pub column: Option<String>,
}

/// An open input: its header, what was detected, and a row iterator.
pub struct Table {
    pub path: PathBuf,
    /// Column names, made unique (`column 3` for an empty header, `备注 (2)` for a repeated one).
    pub headers: Vec<String>,
    pub format: String,
    pub encoding: String,
    /// The sheet read, for workbooks.
    pub sheet: Option<String>,
    /// The header's row number as the file shows it; `None` for a text list (no header).
    pub header_row: Option<u64>,
    pub rows: Box<dyn Iterator<Item = Result<RawRow, InputError>>>,
}

impl Table {
    /// `suppliers.xlsx, sheet 供应商清单`: how messages name where a row is.
    pub fn place(&self) -> String {
        match &self.sheet {
            Some(s) => format!("{}, sheet {s}", self.path.display()),
            None => self.path.display().to_string(),
        }
    }
}

/// Open a file and detect its format, encoding and delimiter.
pub fn open(path: &Path, opts: &ReadOptions) -> Result<Table, InputError> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => excel::open(path, opts),
        "txt" | "lst" => delimited::open(path, opts, true),
        _ => delimited::open(path, opts, false),
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Fuzzing without a nightly toolchain: proptest over arbitrary bytes and strings. The default case
/// count runs in CI; `PROPTEST_CASES=2000000 cargo test --release --lib fuzz_` runs millions.
#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::input::rows::looks_scientific;
    use crate::normalize::{ClassifyOptions, classify};
    use proptest::prelude::*;

    fn drive(bytes: Vec<u8>, text_list: bool, column: Option<&str>) {
        let opts = ReadOptions::default();
        let Ok(table) = parse_bytes("fuzz.csv", bytes, &opts, text_list) else {
            return;
        };
        let Ok(sel) = select_column("fuzz.csv", &table.headers, &[] as &[Vec<Cell>], column) else {
            return;
        };
        let ctx = RowContext {
            place: table.place(),
            headers: table.headers.clone(),
            sel,
            classify: ClassifyOptions::default(),
            comments: text_list,
        };
        let mut last = 0;
        for row in table.rows.take(200) {
            match row {
                Ok(raw) => {
                    assert!(raw.row_no == last + 1 && raw.sheet_row >= raw.row_no);
                    last = raw.row_no;
                    let r = rows::to_ingest_row(raw, &ctx);
                    assert!(
                        r.classified.invalid.is_some()
                            || !r.classified.key.is_empty()
                            || r.error.is_some()
                    );
                    assert!(r.classified.key.len() <= 8 * crate::normalize::MAX_KEY_BYTES);
                    assert!(!r.classified.key.contains(['\u{0}', '\u{7}', '\u{1b}']));
                }
                Err(_) => break,
            }
        }
    }

    /// Bytes shaped like supplier lists: delimiters, quotes, newlines, BOMs, CJK in several
    /// encodings, full-width digits, and raw noise.
    fn listish() -> impl Strategy<Value = Vec<u8>> {
        let atoms = prop_oneof![
            Just(b",".to_vec()),
            Just(b";".to_vec()),
            Just(b"\t".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\xEF\xBB\xBF".to_vec()),
            Just(b"\xFF\xFE".to_vec()),
            Just("统一社会信用代码".as_bytes().to_vec()),
            Just("供应商名称（必填）".as_bytes().to_vec()),
            Just(encoding_rs::GBK.encode("上海某某有限公司").0.into_owned()),
            Just(b"91350100M000100Y43".to_vec()),
            Just("９１３５０１００".as_bytes().to_vec()),
            Just(b"3.10115E+14".to_vec()),
            Just(b"9135 0100 M000 100Y 43".to_vec()),
            Just(b"91350100-M000100Y43".to_vec()),
            Just("\u{200B}".as_bytes().to_vec()),
            Just("\u{FEFF}".as_bytes().to_vec()),
            Just("\u{2060}".as_bytes().to_vec()),
            Just(b"\0".to_vec()),
            Just(b"\x07".to_vec()),
            Just(b"\x1b[31m".to_vec()),
            Just("合计".as_bytes().to_vec()),
            Just("共18家".as_bytes().to_vec()),
            Just("2026年供应商名录".as_bytes().to_vec()),
            Just(b"914942777243E75669".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..8),
        ];
        proptest::collection::vec(atoms, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn fuzz_reader_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512), text in any::<bool>()) {
            drive(bytes, text, None);
        }

        #[test]
        fn fuzz_reader_listish_bytes(bytes in listish(), text in any::<bool>(), col in proptest::option::of("[0-9]{1,2}")) {
            drive(bytes, text, col.as_deref());
        }

        #[test]
        fn fuzz_normalizer_arbitrary_strings(s in any::<String>(), q in any::<bool>()) {
            let r = classify(&s, ClassifyOptions { query_bad_checksums: q });
            prop_assert!(r.kind.is_some() || r.invalid.as_deref() == Some("empty"));
            let _ = header_token(&s);
            let _ = looks_scientific(&s);
        }
    }
}
