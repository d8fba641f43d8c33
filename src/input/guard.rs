//! What the csv crate must not see raw: empty lines it would skip, and records too long to hold.

use std::io::Read;

use super::Cell;

/// The longest record read: a supplier row is a few hundred bytes; a 100 MB "field" is an attack
/// or a broken file, and the csv crate would hold it whole.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// Stands in for the rest of a record past [`MAX_RECORD_BYTES`]; the row becomes an error.
const TOO_LONG: &str = "\u{1}qcc-credit: record too long\u{1}";

/// Two repairs on the decoded text before the csv crate sees it, in one pass:
/// - the csv crate skips empty lines, while Excel shows each as a row: an empty line (outside
///   quotes) becomes a record with one empty field, `""`, so every line keeps its row number;
/// - a record longer than [`MAX_RECORD_BYTES`] is cut there, its rest skipped without being held,
///   and a [`TOO_LONG`] field appended, so memory stays flat whatever the file holds.
///
/// `csv` says whether quotes group lines (CSV) or are plain text (lists).
pub(super) struct LineGuard<R> {
    inner: R,
    csv: bool,
    delimiter: u8,
    buf: Vec<u8>,
    pos: usize,
    quoted: bool,
    line_start: bool,
    record_len: usize,
    /// Skipping the rest of a long record; the quote state of the output when the cut was made.
    cut: Option<bool>,
}

impl<R: Read> LineGuard<R> {
    pub(super) fn new(inner: R, csv: bool, delimiter: u8) -> Self {
        LineGuard {
            inner,
            csv,
            delimiter,
            buf: Vec::new(),
            pos: 0,
            quoted: false,
            line_start: true,
            record_len: 0,
            cut: None,
        }
    }

    /// The bytes of a chunk: runs of plain bytes inside a record are copied whole, the bytes
    /// that matter (quotes, line ends, the cut) one at a time.
    fn push_all(&mut self, chunk: &[u8]) {
        let mut i = 0;
        while i < chunk.len() {
            let plain = chunk[i..]
                .iter()
                .position(|b| matches!(b, b'"' | b'\n' | b'\r'))
                .unwrap_or(chunk.len() - i);
            if self.cut.is_some() && plain > 0 {
                // The rest of a record that was cut: skipped, not held.
                i += plain;
                continue;
            }
            let room = MAX_RECORD_BYTES.saturating_sub(self.record_len);
            let run = plain.min(room);
            if run > 0 && self.cut.is_none() {
                self.buf.extend_from_slice(&chunk[i..i + run]);
                self.record_len += run;
                self.line_start = false;
                i += run;
                continue;
            }
            self.push(chunk[i]);
            i += 1;
        }
    }

    fn push(&mut self, b: u8) {
        let ends_record = b == b'\n' && !self.quoted;
        if self.csv && b == b'"' {
            self.quoted = !self.quoted;
        }
        if let Some(open_quote) = self.cut {
            if ends_record {
                if open_quote {
                    self.buf.push(b'"');
                }
                if self.csv {
                    self.buf.push(self.delimiter);
                    self.buf.push(b'"');
                    self.buf.extend_from_slice(TOO_LONG.as_bytes());
                    self.buf.push(b'"');
                } else {
                    self.buf.extend_from_slice(TOO_LONG.as_bytes());
                }
                self.buf.push(b'\n');
                self.cut = None;
                self.record_len = 0;
                self.line_start = true;
            }
            return;
        }
        if self.csv && self.line_start && !self.quoted && (b == b'\n' || b == b'\r') {
            self.buf.extend_from_slice(b"\"\"");
        }
        self.line_start = b == b'\n';
        self.record_len = if ends_record { 0 } else { self.record_len + 1 };
        self.buf.push(b);
        if self.record_len > MAX_RECORD_BYTES {
            // The output stops inside a quoted field when `quoted`: the marker closes it.
            self.cut = Some(self.quoted);
        }
    }
}

impl<R: Read> Read for LineGuard<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            self.buf.clear();
            self.pos = 0;
            if n == 0 {
                // A long record at the very end of the file still gets its marker.
                if self.cut.is_some() {
                    self.push(b'\n');
                    break;
                }
                return Ok(0);
            }
            self.push_all(&chunk[..n]);
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// The error of a row cut by [`LineGuard`], with its cells (the marker dropped).
pub(super) fn too_long(cells: &mut Vec<Cell>) -> Option<String> {
    let at = cells.iter().position(|c| c.text().contains(TOO_LONG))?;
    // In a list the marker ends the line's only cell; in CSV it is a field of its own.
    let kept = cells[at].text().replace(TOO_LONG, "");
    cells.truncate(at);
    if !kept.is_empty() {
        cells.push(Cell::Text(kept));
    }
    Some(format!(
        "the row is longer than {} MiB; only its start was read",
        MAX_RECORD_BYTES / (1024 * 1024)
    ))
}
