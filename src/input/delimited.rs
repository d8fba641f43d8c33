//! Delimited text: CSV/TSV in any common encoding, and plain lists with one key per line.
//! Streamed: the file is never held whole.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use encoding_rs::Encoding;

use super::columns::column_names;
use super::guard::{LineGuard, too_long};
use super::header::{self, DataRows};
use super::{Cell, InputError, Physical, PhysicalRows, ReadOptions, Table, display};

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

/// Pick the delimiter that occurs most on one line among the first 20, outside quotes (a title
/// row above the header may have none).
pub fn detect_delimiter(sample: &str) -> u8 {
    let cands = [b',', b';', b'\t'];
    let mut best = [0usize; 3];
    let mut quoted = false;
    for line in sample.lines().take(20) {
        let mut counts = [0usize; 3];
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => counts[0] += 1,
                ';' if !quoted => counts[1] += 1,
                '\t' if !quoted => counts[2] += 1,
                _ => {}
            }
        }
        for k in 0..3 {
            best[k] = best[k].max(counts[k]);
        }
    }
    let (i, max) = best
        .iter()
        .enumerate()
        .max_by_key(|(i, c)| (**c, usize::MAX - *i))
        .unwrap_or((0, &0));
    if *max == 0 { b',' } else { cands[i] }
}

pub(super) fn open(path: &Path, opts: &ReadOptions, text_list: bool) -> Result<Table, InputError> {
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

/// The first 64 KiB, from which encoding and delimiter are detected.
fn read_sample(p: &str, file: &mut dyn Read) -> Result<Vec<u8>, InputError> {
    let mut sample = vec![0u8; 64 * 1024];
    let mut n = 0;
    while n < sample.len() {
        let k = file
            .read(&mut sample[n..])
            .map_err(|source| InputError::Read {
                path: p.to_string(),
                row: 0,
                source,
            })?;
        if k == 0 {
            break;
        }
        n += k;
    }
    sample.truncate(n);
    Ok(sample)
}

fn choose_encoding(opts: &ReadOptions, sample: &[u8]) -> Result<&'static Encoding, InputError> {
    match &opts.encoding {
        Some(label) => Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| InputError::Encoding(label.clone())),
        None => Ok(detect_encoding(sample)),
    }
}

fn read_delimited(
    path: &Path,
    mut file: Box<dyn Read>,
    opts: &ReadOptions,
    text_list: bool,
) -> Result<Table, InputError> {
    let p = display(path);
    let sample = read_sample(&p, &mut file)?;
    let encoding = choose_encoding(opts, &sample)?;
    let decoded_sample = encoding.decode(&sample).0.into_owned();
    if decoded_sample
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
        .is_empty()
    {
        return Err(InputError::Empty { path: p });
    }
    tracing::info!(file = %p, encoding = %encoding.name(), "detected input encoding");
    let reader = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .build(std::io::Cursor::new(sample).chain(file));
    if text_list {
        let rows: PhysicalRows = Box::new(TextRows {
            lines: BufReader::new(LineGuard::new(reader, false, b'\n')).lines(),
            line_no: 0,
            path: p,
            encoding: encoding.name(),
        });
        return Ok(Table {
            path: path.to_path_buf(),
            headers: vec!["key".into()],
            format: "text".into(),
            encoding: encoding.name().to_string(),
            sheet: None,
            header_row: None,
            rows: Box::new(DataRows::new(Vec::new(), rows)),
        });
    }
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(decoded_sample.trim_start_matches('\u{feff}')));
    csv_table(path, reader, delimiter, encoding, opts)
}

/// A CSV table: the header found in the first rows, the rest streamed as rows.
fn csv_table<R: Read + 'static>(
    path: &Path,
    reader: R,
    delimiter: u8,
    encoding: &'static Encoding,
    opts: &ReadOptions,
) -> Result<Table, InputError> {
    let p = display(path);
    let csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(LineGuard::new(reader, true, delimiter));
    let mut rows: PhysicalRows = Box::new(CsvRows {
        csv,
        record: csv::ByteRecord::new(),
        sheet_row: 0,
        path: p.clone(),
        encoding: encoding.name(),
    });
    let found = header::find(&p, &mut rows, opts)?.ok_or(InputError::Empty { path: p })?;
    let headers: Vec<String> = found
        .header
        .cells
        .iter()
        .map(|c| c.text().trim_start_matches('\u{feff}').trim().to_string())
        .collect();
    let format = match delimiter {
        b';' => "csv;",
        b'\t' => "tsv",
        _ => "csv",
    };
    Ok(Table {
        path: path.to_path_buf(),
        headers: column_names(&headers),
        format: format.into(),
        encoding: encoding.name().to_string(),
        sheet: None,
        header_row: Some(found.header.sheet_row),
        rows: Box::new(DataRows::new(found.after, rows)),
    })
}

/// A row some of whose bytes were not valid in the encoding read (decoded as U+FFFD).
fn undecodable<'a>(encoding: &str, texts: impl IntoIterator<Item = &'a str>) -> Option<String> {
    texts.into_iter().any(|t| t.contains('\u{FFFD}')).then(|| {
        format!(
            "bytes that are not valid {encoding} (decoded as U+FFFD); re-save the file as UTF-8 \
             or pass --encoding"
        )
    })
}

struct CsvRows<R: Read> {
    csv: csv::Reader<R>,
    record: csv::ByteRecord,
    sheet_row: u64,
    path: String,
    /// The encoding decoded from; a U+FFFD in a cell means its bytes were not valid in it.
    encoding: &'static str,
}

impl<R: Read> Iterator for CsvRows<R> {
    type Item = Result<Physical, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        let r = self.csv.read_byte_record(&mut self.record);
        self.sheet_row += 1;
        let sheet_row = self.sheet_row;
        match r {
            Ok(false) => None,
            Ok(true) => {
                let mut cells: Vec<Cell> = self
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
                let error = too_long(&mut cells)
                    .or_else(|| undecodable(self.encoding, cells.iter().map(Cell::text)));
                Some(Ok(Physical {
                    sheet_row,
                    cells,
                    error,
                }))
            }
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Some(Err(InputError::Read {
                        path: self.path.clone(),
                        row: sheet_row,
                        source: std::io::Error::other(e.to_string()),
                    }));
                }
                Some(Ok(Physical {
                    sheet_row,
                    cells: Vec::new(),
                    error: Some(format!("unreadable CSV: {e}")),
                }))
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
    type Item = Result<Physical, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
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
        let mut cells = vec![if line.trim().is_empty() {
            Cell::Empty
        } else {
            Cell::Text(line.to_string())
        }];
        let error = too_long(&mut cells).or_else(|| undecodable(self.encoding, [line]));
        Some(Ok(Physical {
            sheet_row: self.line_no,
            cells,
            error,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::guard::MAX_RECORD_BYTES;

    #[test]
    fn delimiters_and_encodings_detected() {
        assert_eq!(detect_delimiter("a;b;\"c,d\""), b';');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter("name"), b',');
        assert_eq!(
            detect_delimiter("2026年供应商名录\n\n序号\t名称\t代码\n"),
            b'\t'
        );
        let (gbk, _, _) =
            encoding_rs::GBK.encode("供应商名称,统一社会信用代码\n上海华信有限公司,x\n");
        assert_eq!(detect_encoding(&gbk), encoding_rs::GB18030);
        assert_eq!(detect_encoding("供应商名称".as_bytes()), encoding_rs::UTF_8);
        assert_eq!(detect_encoding(b"\xEF\xBB\xBFa"), encoding_rs::UTF_8);
        assert_eq!(detect_encoding(b"\xFF\xFEa\0b\0"), encoding_rs::UTF_16LE);
    }

    #[test]
    fn an_overlong_record_is_cut_and_named_and_the_next_row_keeps_its_number() {
        let mut bytes = b"code,note\n".to_vec();
        bytes.extend_from_slice(b"\"");
        bytes.extend(std::iter::repeat_n(b'x', 3 * MAX_RECORD_BYTES));
        bytes.extend_from_slice(b"\",n\nabc,def\n");
        let t = parse_bytes("f.csv", bytes, &ReadOptions::default(), false).unwrap();
        let rows: Vec<_> = t.rows.map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 2);
        assert!(
            rows[0]
                .error
                .as_deref()
                .unwrap_or("")
                .contains("longer than 1 MiB")
        );
        assert!(
            rows[0]
                .cells
                .iter()
                .all(|c| c.text().len() <= MAX_RECORD_BYTES)
        );
        assert_eq!((rows[1].sheet_row, rows[1].cells[0].text()), (3, "abc"));
        let mut list = vec![b'y'; 2 * MAX_RECORD_BYTES];
        list.extend_from_slice(b"\nnext\n");
        let t = parse_bytes("f.txt", list, &ReadOptions::default(), true).unwrap();
        let rows: Vec<_> = t.rows.map(|r| r.unwrap()).collect();
        assert!(
            rows[0]
                .error
                .as_deref()
                .unwrap_or("")
                .contains("longer than 1 MiB")
        );
        assert_eq!((rows[1].sheet_row, rows[1].cells[0].text()), (2, "next"));
    }

    #[test]
    fn blank_lines_keep_their_row_numbers() {
        let t = parse_bytes(
            "f.csv",
            b"\xEF\xBB\xBFcode\n1\n\n\r\n2\n\"a\n\nb\"\n\n\n".to_vec(),
            &ReadOptions::default(),
            false,
        )
        .unwrap();
        assert_eq!(t.header_row, Some(1));
        let rows: Vec<(u64, u64, String)> = t
            .rows
            .map(|r| r.unwrap())
            .map(|r| (r.row_no, r.sheet_row, r.cells[0].text().to_string()))
            .collect();
        assert_eq!(
            rows,
            [
                (1, 2, "1".into()),
                (2, 3, "".into()),
                (3, 4, "".into()),
                (4, 5, "2".into()),
                (5, 6, "a\n\nb".into()),
            ]
        );
    }
}
