//! Reading the analyst's file, row by row: CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16;
//! comma, semicolon or tab) and text lists ([`delimited`]), Excel workbooks ([`excel`]), which
//! column holds the key ([`columns`]), and each raw row turned into what ingest stores ([`rows`]).
//!
//! CSV and text are streamed: memory does not grow with the file. Excel sheets are read whole
//! by calamine (the format requires it). Nothing here fails on one bad row: the row is returned
//! with the reason, and only a file that cannot be read at all is an error. This module knows
//! nothing of SQLite: the store takes the [`IngestRow`]s it produces.

pub mod columns;
pub mod delimited;
pub mod excel;
pub mod rows;

use std::path::{Path, PathBuf};

pub use columns::{Selection, header_token, select_column};
pub use delimited::{detect_delimiter, detect_encoding, parse_bytes};
pub use rows::{FileMeta, IngestRow, meta, to_ingest_row};

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
}

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A spreadsheet number, with the text Excel would show.
    Number(String),
    Empty,
}

impl Cell {
    pub fn text(&self) -> &str {
        match self {
            Cell::Text(s) | Cell::Number(s) => s,
            Cell::Empty => "",
        }
    }
}

/// One data row. `row_no` is 1-based and does not count the header.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub row_no: u64,
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
}

/// An open input: its header, what was detected, and a row iterator.
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    pub format: String,
    pub encoding: String,
    pub rows: Box<dyn Iterator<Item = Result<RawRow, InputError>>>,
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
        let Ok(sel) = select_column("fuzz.csv", &table.headers, column) else {
            return;
        };
        let headers = table.headers.clone();
        for row in table.rows.take(200) {
            match row {
                Ok(raw) => {
                    let r =
                        to_ingest_row(raw, &headers, &sel, ClassifyOptions::default(), "fuzz.csv");
                    assert!(
                        r.classified.invalid.is_some()
                            || !r.classified.key.is_empty()
                            || r.error.is_some()
                    );
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
