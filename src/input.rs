//! Reading the analyst's file, row by row: CSV (UTF-8 with or without BOM, GB18030/GBK, UTF-16;
//! comma, semicolon or tab), Excel (`.xlsx`, `.xls`, via calamine) and plain text lists.
//!
//! CSV and text are streamed: memory does not grow with the file. Excel sheets are read whole
//! by calamine (the format requires it). Nothing here fails on one bad row: the row is returned
//! with the reason, and only a file that cannot be read at all is an error.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use encoding_rs::Encoding;
use serde_json::{Map, Value};

use crate::normalize::{ClassifyOptions, classify, fold_width};
use crate::store::{FileMeta, IngestRow};

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
        "xlsx" | "xlsm" | "xls" | "xlsb" | "ods" => open_excel(path, opts),
        "txt" | "lst" => open_delimited(path, opts, true),
        _ => open_delimited(path, opts, false),
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Decide the encoding from a sample: BOM, then UTF-8 validity, then GB18030 (what Excel on
/// Chinese Windows saves). A mostly-UTF-8 file with a few bad bytes stays UTF-8 so the bad rows
/// can be named instead of the whole file being garbled.
pub fn detect_encoding(sample: &[u8]) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(sample) {
        return enc;
    }
    // UTF-16 without BOM: many NULs in alternate positions.
    let n = sample.len().min(4096);
    if n >= 8 {
        let even_nul = sample[..n].iter().step_by(2).filter(|b| **b == 0).count();
        let odd_nul = sample[..n]
            .iter()
            .skip(1)
            .step_by(2)
            .filter(|b| **b == 0)
            .count();
        if odd_nul * 3 > n / 2 && even_nul == 0 {
            return encoding_rs::UTF_16LE;
        }
        if even_nul * 3 > n / 2 && odd_nul == 0 {
            return encoding_rs::UTF_16BE;
        }
    }
    let mut valid_multibyte = 0usize;
    let mut errors = 0usize;
    let mut rest = sample;
    loop {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                valid_multibyte += s.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                valid_multibyte += std::str::from_utf8(good)
                    .map(|s| s.chars().filter(|c| !c.is_ascii()).count())
                    .unwrap_or(0);
                match e.error_len() {
                    Some(len) => {
                        errors += 1;
                        rest = &bad[len..];
                    }
                    None => break, // a character cut by the end of the sample
                }
            }
        }
    }
    if errors == 0 || valid_multibyte >= errors * 2 {
        encoding_rs::UTF_8
    } else {
        encoding_rs::GB18030
    }
}

/// Pick the delimiter that occurs most in the first line, outside quotes.
pub fn detect_delimiter(first_line: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for c in first_line.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => counts[0] += 1,
            ';' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t'];
    let (i, max) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (**c, usize::MAX - *i))
        .unwrap_or((0, &0));
    if *max == 0 { b',' } else { cands[i] }
}

fn open_delimited(path: &Path, opts: &ReadOptions, text_list: bool) -> Result<Table, InputError> {
    let file = File::open(path).map_err(|source| InputError::Open {
        path: display(path),
        source,
    })?;
    read_delimited(path, Box::new(file), opts, text_list)
}

/// Read CSV/TSV (or a text list) from bytes in memory; `name` is used in messages. This is the
/// same code path as a file, which the fuzz tests drive with arbitrary bytes.
pub fn parse_bytes(
    name: &str,
    bytes: Vec<u8>,
    opts: &ReadOptions,
    text_list: bool,
) -> Result<Table, InputError> {
    read_delimited(
        Path::new(name),
        Box::new(std::io::Cursor::new(bytes)),
        opts,
        text_list,
    )
}

fn read_delimited(
    path: &Path,
    mut file: Box<dyn Read>,
    opts: &ReadOptions,
    text_list: bool,
) -> Result<Table, InputError> {
    let p = display(path);
    let mut sample = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < sample.len() {
        let k = file
            .read(&mut sample[n..])
            .map_err(|source| InputError::Read {
                path: p.clone(),
                row: 0,
                source,
            })?;
        if k == 0 {
            break;
        }
        n += k;
    }
    sample.truncate(n);
    let encoding = match &opts.encoding {
        Some(label) => Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| InputError::Encoding(label.clone()))?,
        None => detect_encoding(&sample),
    };
    let decoded_sample = encoding.decode(&sample).0.into_owned();
    if decoded_sample
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(InputError::Empty { path: p });
    }
    let enc_name = encoding.name().to_string();
    tracing::info!(file = %p, encoding = %enc_name, "detected input encoding");
    let reader = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(std::io::Cursor::new(sample).chain(file));
    if text_list {
        let rows = TextRows {
            lines: BufReader::new(reader).lines(),
            line_no: 0,
            path: p,
            encoding: encoding.name(),
        };
        return Ok(Table {
            path: path.to_path_buf(),
            headers: vec!["key".into()],
            format: "text".into(),
            encoding: enc_name,
            rows: Box::new(rows),
        });
    }
    let first_line = decoded_sample
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(first_line));
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let mut header = csv::ByteRecord::new();
    let got = csv
        .read_byte_record(&mut header)
        .map_err(|e| InputError::Read {
            path: p.clone(),
            row: 0,
            source: std::io::Error::other(e.to_string()),
        })?;
    if !got {
        return Err(InputError::Empty { path: p });
    }
    let headers: Vec<String> = header
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_string()
        })
        .collect();
    let width = headers.len();
    let format = match delimiter {
        b';' => "csv;",
        b'\t' => "tsv",
        _ => "csv",
    };
    Ok(Table {
        path: path.to_path_buf(),
        headers,
        format: format.into(),
        encoding: enc_name,
        rows: Box::new(CsvRows {
            csv,
            record: csv::ByteRecord::new(),
            row_no: 0,
            width,
            path: p,
            encoding: encoding.name(),
        }),
    })
}

struct CsvRows<R: Read> {
    csv: csv::Reader<R>,
    record: csv::ByteRecord,
    row_no: u64,
    width: usize,
    path: String,
    /// The encoding decoded from; a U+FFFD in a cell means its bytes were not valid in it.
    encoding: &'static str,
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<RawRow, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let r = self.csv.read_byte_record(&mut self.record);
            self.row_no += 1;
            match r {
                Ok(false) => return None,
                Ok(true) => {
                    // A line with nothing on it is not a row (trailing blank lines are common).
                    if self.record.len() == 1
                        && self.record[0].iter().all(|b| b.is_ascii_whitespace())
                    {
                        self.row_no -= 1;
                        continue;
                    }
                    let cells: Vec<Cell> = self
                        .record
                        .iter()
                        .map(|b| {
                            let s = String::from_utf8_lossy(b);
                            if s.trim().is_empty() {
                                Cell::Empty
                            } else {
                                Cell::Text(s.into_owned())
                            }
                        })
                        .collect();
                    let mut error = None;
                    if cells.iter().any(|c| c.text().contains('\u{FFFD}')) {
                        error = Some(format!(
                            "row {}: bytes that are not valid {} (decoded as U+FFFD); re-save the \
                             file as UTF-8 or pass --encoding",
                            self.row_no, self.encoding
                        ));
                    }
                    if cells.len() != self.width && error.is_none() && self.width > 1 {
                        tracing::debug!(
                            row = self.row_no,
                            fields = cells.len(),
                            header = self.width,
                            "ragged row"
                        );
                    }
                    return Some(Ok(RawRow {
                        row_no: self.row_no,
                        cells,
                        error,
                    }));
                }
                Err(e) => {
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        let row = self.row_no;
                        return Some(Err(InputError::Read {
                            path: self.path.clone(),
                            row,
                            source: std::io::Error::other(e.to_string()),
                        }));
                    }
                    return Some(Ok(RawRow {
                        row_no: self.row_no,
                        cells: Vec::new(),
                        error: Some(format!("row {}: unreadable CSV: {e}", self.row_no)),
                    }));
                }
            }
        }
    }
}

struct TextRows<R: BufRead> {
    lines: std::io::Lines<R>,
    line_no: u64,
    path: String,
    /// The encoding decoded from; a U+FFFD in a cell means its bytes were not valid in it.
    encoding: &'static str,
}

impl<R: BufRead> Iterator for TextRows<R> {
    type Item = Result<RawRow, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let line = self.lines.next()?;
            self.line_no += 1;
            let line = match line {
                Ok(l) => l,
                Err(source) => {
                    return Some(Err(InputError::Read {
                        path: self.path.clone(),
                        row: self.line_no,
                        source,
                    }));
                }
            };
            let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let error = line.contains('\u{FFFD}').then(|| {
                format!(
                    "line {}: bytes that are not valid {} (decoded as U+FFFD)",
                    self.line_no, self.encoding
                )
            });
            return Some(Ok(RawRow {
                row_no: self.line_no,
                cells: vec![Cell::Text(line.to_string())],
                error,
            }));
        }
    }
}

fn open_excel(path: &Path, opts: &ReadOptions) -> Result<Table, InputError> {
    use calamine::{Data, Reader, open_workbook_auto};
    let p = display(path);
    if !path.exists() {
        return Err(InputError::Open {
            path: p,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let mut wb = open_workbook_auto(path).map_err(|e| InputError::Excel {
        path: p.clone(),
        message: format!("not a readable workbook: {e}"),
    })?;
    let names = wb.sheet_names().to_vec();
    let excel_err = |message: String| InputError::Excel {
        path: p.clone(),
        message,
    };
    let range = match &opts.sheet {
        Some(sel) => {
            let name = names
                .iter()
                .find(|n| n.as_str() == sel.as_str())
                .cloned()
                .or_else(|| {
                    sel.parse::<usize>()
                        .ok()
                        .and_then(|i| i.checked_sub(1))
                        .and_then(|i| names.get(i).cloned())
                })
                .ok_or_else(|| {
                    excel_err(format!(
                        "no sheet {sel:?}; the sheets are: {}",
                        names.join(", ")
                    ))
                })?;
            wb.worksheet_range(&name)
                .map_err(|e| excel_err(format!("sheet {name:?}: {e}")))?
        }
        None => {
            let mut found = None;
            for name in &names {
                let r = wb
                    .worksheet_range(name)
                    .map_err(|e| excel_err(format!("sheet {name:?}: {e}")))?;
                if r.rows()
                    .any(|row| row.iter().any(|c| !matches!(c, Data::Empty)))
                {
                    found = Some(r);
                    break;
                }
            }
            found.ok_or(InputError::Empty { path: p.clone() })?
        }
    };
    let mut rows = range
        .rows()
        .skip_while(|r| r.iter().all(|c| matches!(c, Data::Empty)));
    let headers: Vec<String> = match rows.next() {
        Some(h) => h
            .iter()
            .map(|c| cell_of(c).text().trim().to_string())
            .collect(),
        None => return Err(InputError::Empty { path: p }),
    };
    let data: Vec<RawRow> = rows
        .enumerate()
        .map(|(i, r)| RawRow {
            row_no: i as u64 + 1,
            cells: r.iter().map(cell_of).collect(),
            error: None,
        })
        .collect();
    // Trailing empty rows are formatting, not data.
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

/// Which column holds the key, and which holds a name to fall back on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub key_col: usize,
    /// A name column used when the code cell of a row is empty.
    pub fallback_col: Option<usize>,
    pub label: String,
}

const CODE_HEADERS: &[&str] = &[
    "统一社会信用代码",
    "社会信用代码",
    "信用代码",
    "统一代码",
    "注册号",
    "工商注册号",
    "creditcode",
    "uscc",
    "unifiedsocialcreditcode",
    "socialcreditcode",
    "searchkey",
    "regno",
    "code",
];
const NAME_HEADERS: &[&str] = &[
    "企业名称",
    "公司名称",
    "供应商名称",
    "供应商",
    "客户名称",
    "单位名称",
    "名称",
    "name",
    "company",
    "companyname",
    "supplier",
    "suppliername",
    "vendor",
    "vendorname",
];

/// Fold a header for matching: width, case, spaces, `_`/`-`, and decorations such as `（必填）`,
/// `(required)` and `*`.
pub fn header_token(h: &str) -> String {
    let folded = fold_width(h).to_lowercase();
    let mut out = String::new();
    let mut depth = 0;
    for c in folded.chars() {
        match c {
            '(' | '[' | '【' | '〔' => depth += 1,
            ')' | ']' | '】' | '〕' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_whitespace()
                || matches!(c, '_' | '-' | '*' | ':' | '：' | '.' | '\u{feff}') => {}
            c => out.push(c),
        }
    }
    out
}

/// Choose the key column (DESIGN.md, `--column`).
pub fn select_column(
    path: &str,
    headers: &[String],
    column: Option<&str>,
) -> Result<Selection, InputError> {
    let tokens: Vec<String> = headers.iter().map(|h| header_token(h)).collect();
    let listing = || {
        headers
            .iter()
            .enumerate()
            .map(|(i, h)| format!("{}: {h:?}", i + 1))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(col) = column {
        let tok = header_token(col);
        let by_name = headers
            .iter()
            .position(|h| h.trim() == col.trim())
            .or_else(|| tokens.iter().position(|t| !tok.is_empty() && *t == tok));
        let idx = by_name.or_else(|| {
            col.trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| i.checked_sub(1))
                .filter(|i| *i < headers.len())
        });
        return match idx {
            Some(i) => Ok(Selection {
                key_col: i,
                fallback_col: None,
                label: headers[i].clone(),
            }),
            None => Err(InputError::Column {
                path: path.into(),
                message: format!(
                    "--column {col:?} matches no header and no column number (1-based); the headers are: {}",
                    listing()
                ),
            }),
        };
    }
    let find = |cands: &[&str]| {
        cands
            .iter()
            .find_map(|c| tokens.iter().position(|t| t == c))
            .or_else(|| {
                cands
                    .iter()
                    .filter(|c| c.chars().count() >= 4)
                    .find_map(|c| tokens.iter().position(|t| t.contains(c)))
            })
    };
    let code = find(CODE_HEADERS);
    let name = find(NAME_HEADERS);
    match (code, name) {
        (Some(c), n) => Ok(Selection {
            key_col: c,
            fallback_col: n.filter(|n| *n != c),
            label: headers[c].clone(),
        }),
        (None, Some(n)) => Ok(Selection {
            key_col: n,
            fallback_col: None,
            label: headers[n].clone(),
        }),
        (None, None) if headers.len() == 1 => Ok(Selection {
            key_col: 0,
            fallback_col: None,
            label: headers[0].clone(),
        }),
        (None, None) => Err(InputError::Column {
            path: path.into(),
            message: format!(
                "no column looks like a company name or credit code; choose one with --column NAME or \
                 --column NUMBER (1-based). The headers are: {}",
                listing()
            ),
        }),
    }
}

/// True for text that is a number in scientific notation, as Excel shows long numbers.
fn looks_scientific(s: &str) -> bool {
    let t = s.trim();
    let Some((mant, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let exp = exp.strip_prefix('+').unwrap_or(exp);
    !mant.is_empty()
        && mant.chars().all(|c| c.is_ascii_digit() || c == '.')
        && mant.chars().any(|c| c.is_ascii_digit())
        && !exp.is_empty()
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// Turn a raw row into what ingest stores: the key cell, its classification, the other columns.
pub fn to_ingest_row(
    raw: RawRow,
    headers: &[String],
    sel: &Selection,
    opts: ClassifyOptions,
    file: &str,
) -> IngestRow {
    let mut key_cell = raw.cells.get(sel.key_col).cloned().unwrap_or(Cell::Empty);
    let mut key_col = sel.key_col;
    if key_cell == Cell::Empty
        && let Some(f) = sel.fallback_col
        && let Some(c) = raw.cells.get(f).filter(|c| **c != Cell::Empty)
    {
        key_cell = c.clone();
        key_col = f;
    }
    let col_label = headers
        .get(key_col)
        .cloned()
        .unwrap_or_else(|| format!("{}", key_col + 1));
    let mut extra = Map::new();
    for (i, c) in raw.cells.iter().enumerate() {
        if i == key_col {
            continue;
        }
        let name = headers
            .get(i)
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1));
        extra.insert(name, Value::String(c.text().to_string()));
    }
    let input = key_cell.text().to_string();
    let mut classified = classify(&input, opts);
    let mut error = raw.error.clone();
    if raw.cells.len() <= sel.key_col && error.is_none() && key_col == sel.key_col {
        error = Some(format!(
            "{file}: row {}: has {} field(s), so column {:?} is missing",
            raw.row_no,
            raw.cells.len(),
            col_label
        ));
    }
    let mangled = match &key_cell {
        Cell::Number(_) => true,
        Cell::Text(t) => looks_scientific(t),
        Cell::Empty => false,
    };
    if mangled && error.is_none() {
        classified.invalid = Some(format!(
            "{file}: row {}, column {:?}: the spreadsheet changed this code into a number ({}); \
             leading zeros or digits may be lost. Format the column as Text and enter the code again",
            raw.row_no,
            col_label,
            input.trim()
        ));
    }
    if let Some(e) = &error
        && !e.starts_with(file)
    {
        error = Some(format!("{file}: {e}"));
    }
    IngestRow {
        row_no: raw.row_no,
        input,
        classified,
        error,
        extra: (!extra.is_empty()).then(|| Value::Object(extra).to_string()),
    }
}

/// Metadata stored with the file.
pub fn meta(table: &Table, sel: &Selection) -> FileMeta {
    FileMeta {
        format: table.format.clone(),
        encoding: table.encoding.clone(),
        key_column: sel.label.clone(),
        headers: table.headers.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_tolerate_decorations() {
        assert_eq!(header_token("统一社会信用代码（必填）"), "统一社会信用代码");
        assert_eq!(header_token(" Supplier Name "), "suppliername");
        let h: Vec<String> = ["内部编号", "供应商名称", "统一社会信用代码（必填）", "备注"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = select_column("f", &h, None).unwrap();
        assert_eq!((s.key_col, s.fallback_col), (2, Some(1)));
        assert_eq!(select_column("f", &h, Some("2")).unwrap().key_col, 1);
        assert_eq!(select_column("f", &h, Some("备注")).unwrap().key_col, 3);
        let err = select_column("f", &["a".into(), "b".into()], None)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("1: \"a\"") && err.contains("--column"),
            "{err}"
        );
    }

    #[test]
    fn delimiters_and_encodings_detected() {
        assert_eq!(detect_delimiter("a;b;\"c,d\""), b';');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("name"), b',');
        let (gbk, _, _) =
            encoding_rs::GBK.encode("供应商名称,统一社会信用代码\n上海华信有限公司,x\n");
        assert_eq!(detect_encoding(&gbk), encoding_rs::GB18030);
        assert_eq!(detect_encoding("供应商名称".as_bytes()), encoding_rs::UTF_8);
        assert_eq!(detect_encoding(b"\xEF\xBB\xBFa"), encoding_rs::UTF_8);
        assert_eq!(detect_encoding(b"\xFF\xFEa\0b\0"), encoding_rs::UTF_16LE);
        assert!(looks_scientific("3.10115E+14"));
        assert!(!looks_scientific("E14"));
    }
}

/// Fuzzing without a nightly toolchain: proptest over arbitrary bytes and strings. The default case
/// count runs in CI; `PROPTEST_CASES=2000000 cargo test --release --lib fuzz_` runs millions.
#[cfg(test)]
mod fuzz {
    use super::*;
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
