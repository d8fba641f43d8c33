//! What calamine would hold, measured before it holds it. calamine reads a sheet as one dense
//! rectangle from its first cell to its last, and `.xls` and `.ods` workbooks whole when they are
//! opened, so a few bytes can ask for gigabytes: two cells at A1 and XFD1048576, a `.xls`
//! DIMENSIONS record or a cell at (65535, 255), an `.ods` cell repeated 16,384 times on a
//! million repeated rows. Each format is walked here as a stream, holding nothing, and a
//! workbook whose rectangle is far larger than what it holds is refused naming the sheet.

use std::io::Read;
use std::path::Path;

use super::InputError;

/// The most cells a sheet's rectangle may span (calamine holds it whole, 32 bytes a cell:
/// 8 million cells is 256 MiB) when few of them hold anything.
pub const MAX_SPARSE_CELLS: u64 = 8_000_000;
/// The most an `.ods` workbook may take once its repeats are expanded, when that is far more
/// than its XML (a real sheet takes about what its XML weighs).
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// calamine's own caps on an `.ods` row's columns and a sheet's rows.
const ODS_MAX_COLUMNS: u64 = 16_384;
const ODS_MAX_ROWS: u64 = 1_048_576;

/// The cells a sheet holds and the rectangle around them.
#[derive(Default)]
struct Rect {
    n: u64,
    lo: (u32, u32),
    hi: (u32, u32),
}

impl Rect {
    /// `cols` cells on row `r` from column `c`.
    fn add(&mut self, r: u32, c: u32, cols: u32) {
        if self.n == 0 {
            self.lo = (r, c);
            self.hi = (r, c);
        }
        self.n += u64::from(cols.max(1));
        let last = c.saturating_add(cols.max(1) - 1);
        self.lo = (self.lo.0.min(r), self.lo.1.min(c));
        self.hi = (self.hi.0.max(r), self.hi.1.max(last));
    }

    fn area(&self) -> u64 {
        if self.n == 0 {
            return 0;
        }
        u64::from(self.hi.0 - self.lo.0 + 1) * u64::from(self.hi.1 - self.lo.1 + 1)
    }
}

fn refuse(p: &str, message: String) -> InputError {
    InputError::Excel {
        path: p.to_string(),
        message,
    }
}

/// Refuses a rectangle (or a declared one) over [`MAX_SPARSE_CELLS`] holding under a quarter of it.
fn check_rect(p: &str, sheet: &str, rect: &Rect, declared: u64) -> Result<(), InputError> {
    let area = rect.area().max(declared);
    if area <= MAX_SPARSE_CELLS || area <= 4 * rect.n {
        return Ok(());
    }
    let spans = if rect.n == 0 || declared > rect.area() {
        format!("declares {declared} cells")
    } else {
        format!(
            "spans rows {}-{} and columns {}-{} ({area} cells)",
            rect.lo.0 + 1,
            rect.hi.0 + 1,
            rect.lo.1 + 1,
            rect.hi.1 + 1
        )
    };
    Err(refuse(
        p,
        format!(
            "sheet {sheet:?} {spans} but only {} hold anything: a stray cell far from the list \
             (delete the rows and columns past the list, or save the list as CSV)",
            rect.n
        ),
    ))
}

/// An `.xlsx` or `.xlsb` sheet: its cells streamed (`next` gives each position) before calamine
/// reads the sheet whole.
pub(super) fn check_cells(
    p: &str,
    sheet: &str,
    mut next: impl FnMut() -> Option<(u32, u32)>,
) -> Result<(), InputError> {
    let mut rect = Rect::default();
    while let Some((r, c)) = next() {
        rect.add(r, c, 1);
    }
    check_rect(p, sheet, &rect, 0)
}

/// Checks an `.xls` or `.ods` workbook before calamine opens it (it reads every sheet then).
/// Any other file passes: calamine reads it, or names what is wrong with it.
pub(super) fn check_before_open(path: &Path, p: &str) -> Result<(), InputError> {
    let mut magic = [0u8; 8];
    let Ok(mut file) = std::fs::File::open(path) else {
        return Ok(());
    };
    if file.read_exact(&mut magic).is_ok()
        && magic == [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
    {
        return check_xls(path, p);
    }
    // A zip is found from its end (its first bytes can be anything): any file that opens as one
    // and holds a content.xml is read as an .ods.
    check_ods(path, p)
}

// ---- .xls: BIFF records in a compound file ----

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const BOUND_SHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MUL_RK: u16 = 0x00BD;
/// Number, Label, RString, BoolErr, Rk, LabelSst, Formula: a row and a column first.
const CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];

fn u16_at(d: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(d: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(i..i + 4)?.try_into().ok()?))
}

/// BIFF records from `at`: (type, data), stopping where a record would run past the stream.
fn records(stream: &[u8], at: usize) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream.get(at..).unwrap_or_default();
    std::iter::from_fn(move || {
        let typ = u16_at(rest, 0)?;
        let len = usize::from(u16_at(rest, 2)?);
        let data = rest.get(4..4 + len)?;
        rest = &rest[4 + len..];
        Some((typ, data))
    })
}

fn check_xls(path: &Path, p: &str) -> Result<(), InputError> {
    let stream = super::excel::guarded(p, || read_workbook_stream(path))?
        .map_err(|e| refuse(p, format!("not a readable workbook: {e}")))?;
    // The globals come first; each BoundSheet8 names where its sheet's records begin, and
    // calamine reads every sheet from there when the workbook is opened.
    let mut sheets = Vec::new();
    for (typ, data) in records(&stream, 0) {
        match typ {
            BOUND_SHEET => {
                let name = sheet_name(data).unwrap_or_else(|| format!("{}", sheets.len() + 1));
                sheets.extend(u32_at(data, 0).map(|at| (at as usize, name)));
            }
            EOF => break,
            _ => {}
        }
    }
    // A sheet is read from its position to its EOF; sheets that overlap are read again each
    // time, so the work is bounded like the memory.
    let mut budget = 8 * stream.len() + (1 << 20);
    for (at, name) in sheets {
        let rect = xls_sheet(&stream, at, &mut budget)?;
        let (rect, declared) = rect.ok_or_else(|| {
            refuse(
                p,
                "not a readable workbook: its sheets overlap (a malformed file)".to_string(),
            )
        })?;
        check_rect(p, &name, &rect, declared)?;
    }
    Ok(())
}

/// A BoundSheet8's name (BIFF8: a flag byte says UTF-16 or one byte a character).
fn sheet_name(d: &[u8]) -> Option<String> {
    let cch = usize::from(*d.get(6)?);
    let flag = *d.get(7)?;
    let name = if flag & 1 == 1 {
        let units: Vec<u16> = d
            .get(8..8 + 2 * cch)?
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        d.get(8..8 + cch)?.iter().map(|&b| char::from(b)).collect()
    };
    Some(name.replace('\0', ""))
}

/// The cells of the sheet at `at` and the area its DIMENSIONS declare; None past the budget.
fn xls_sheet(
    stream: &[u8],
    at: usize,
    budget: &mut usize,
) -> Result<Option<(Rect, u64)>, InputError> {
    let (mut rect, mut declared) = (Rect::default(), 0u64);
    let (mut seen_bof, mut depth) = (false, 0usize);
    for (typ, data) in records(stream, at) {
        *budget = match budget.checked_sub(data.len() + 4) {
            Some(b) => b,
            None => return Ok(None),
        };
        // Embedded charts carry cell-like records; calamine passes over them, and so do we.
        if depth > 0 {
            match typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => {}
            }
            continue;
        }
        match typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => declared = declared.max(dimensions(data)),
            MUL_RK => {
                if let (Some(r), Some(first), Some(last)) = (
                    u16_at(data, 0),
                    u16_at(data, 2),
                    u16_at(data, data.len().saturating_sub(2)),
                ) && last >= first
                {
                    rect.add(u32::from(r), u32::from(first), u32::from(last - first + 1));
                }
            }
            t if CELLS.contains(&t) => {
                if let (Some(r), Some(c)) = (u16_at(data, 0), u16_at(data, 2)) {
                    rect.add(u32::from(r), u32::from(c), 1);
                }
            }
            _ => {}
        }
    }
    Ok(Some((rect, declared)))
}

/// The cells a DIMENSIONS record declares, read as calamine reads it (BIFF8: 32-bit rows).
fn dimensions(d: &[u8]) -> u64 {
    let (rf, rl, cf, cl) = match d.len() {
        10 => (
            u16_at(d, 0).map(u32::from),
            u16_at(d, 2).map(u32::from),
            u16_at(d, 4),
            u16_at(d, 6),
        ),
        14 | 16 => (u32_at(d, 0), u32_at(d, 4), u16_at(d, 8), u16_at(d, 10)),
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(cf), Some(cl)) = (rf, rl, cf, cl) else {
        return 0;
    };
    let cf = if cf > 0xFF || cl < cf { 0 } else { cf };
    // calamine subtracts without checking: a last row before the first wraps around.
    let rows = u64::from(rl.wrapping_sub(rf));
    let cols = u64::from(cl.wrapping_sub(cf));
    rows.saturating_mul(cols)
}

/// The workbook stream (`Workbook`, or `Book` in BIFF5), read to its end.
fn read_workbook_stream(path: &Path) -> std::io::Result<Vec<u8>> {
    let len = std::fs::metadata(path)?.len();
    let mut cf = cfb::open(path)?;
    let mut stream = cf
        .open_stream("/Workbook")
        .or_else(|_| cf.open_stream("/Book"))?;
    let mut out = Vec::new();
    // A stream cannot be longer than the file that holds it.
    stream.by_ref().take(len).read_to_end(&mut out)?;
    Ok(out)
}

// ---- .ods: content.xml ----

/// What one `.ods` table takes once calamine has expanded it.
#[derive(Default)]
struct OdsTable {
    name: String,
    /// Cells as written (a repeated cell counts once).
    written: u64,
    /// Cells pushed while reading rows (each repeat a copy), and their bytes.
    read_cells: u64,
    read_bytes: u64,
    /// Rows so far, repeats included (calamine stops counting at a million).
    rows: u64,
    /// The first row that holds anything, the end of the last one, and the columns they use.
    first: Option<u64>,
    last_row_end: u64,
    cols: Option<(u64, u64)>,
    /// Bytes of the rows up to the last one that holds anything, repeats included.
    span_text: u64,
    pending_text: u64,
}

/// A cell as calamine keeps 32 bytes of value and 24 of formula.
const CELL_BYTES: u64 = 56;

fn check_ods(path: &Path, p: &str) -> Result<(), InputError> {
    use quick_xml::events::Event;
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(()); // not an .ods
    };
    let xml_bytes = content.size();
    let mut reader = quick_xml::Reader::from_reader(std::io::BufReader::new(content));
    reader.config_mut().expand_empty_elements = true;
    let mut scan = OdsScan::default();
    let mut buf = Vec::new();
    let mut open: Vec<String> = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => {
                open.push(e.name().as_ref().to_string());
                scan.start(&e);
            }
            Ok(Event::Text(t)) => scan.text(t.len() as u64),
            Ok(Event::End(e)) => {
                open.pop();
                if let Some(t) = scan.end(e.name().as_ref()) {
                    check_ods_table(p, &t, xml_bytes)?;
                }
            }
            Ok(Event::Eof) => break,
            // calamine reads content.xml with the same reader: an error here is one there, and
            // a reader past an error can go on answering "end of file" to a loop that waits.
            Err(e) => {
                return Err(refuse(
                    p,
                    format!("not a readable workbook: content.xml is not well-formed XML: {e}"),
                ));
            }
            Ok(_) => {}
        }
    }
    // calamine waits for the end of a table or a comment that never comes: a content.xml cut
    // inside one would keep it reading for ever.
    match open.last() {
        None => Ok(()),
        Some(inside) => Err(refuse(
            p,
            format!(
                "not a readable workbook: content.xml ends inside <{inside}> (the file is \
                 truncated or malformed)"
            ),
        )),
    }
}

fn check_ods_table(p: &str, t: &OdsTable, xml_bytes: u64) -> Result<(), InputError> {
    let width = t.cols.map_or(0, |(a, b)| b.saturating_sub(a) + 1);
    let span_rows = t.first.map_or(0, |f| t.last_row_end.saturating_sub(f));
    let range_cells = span_rows.saturating_mul(width);
    let range = range_cells
        .saturating_mul(CELL_BYTES)
        .saturating_add(t.span_text);
    let held = t.read_bytes.saturating_add(range);
    let cells = t.read_cells.saturating_add(range_cells);
    if held <= MAX_EXPANDED_BYTES || held <= 16 * xml_bytes.max(1) {
        return Ok(());
    }
    Err(refuse(
        p,
        format!(
            "sheet {:?} repeats {} cells written in {xml_bytes} bytes of XML into {cells} cells \
             (about {} MiB) once its repeated cells and rows are expanded: refused before \
             reading it (delete the repeated rows and columns past the list, or save the list as \
             CSV)",
            t.name,
            t.written,
            held / (1024 * 1024),
        ),
    ))
}

/// Walks content.xml as calamine's `read_table` and `read_row` do, counting instead of holding.
#[derive(Default)]
struct OdsScan {
    table: Option<OdsTable>,
    /// In a row: its repeats, the cells pushed, the empty cells waiting for a later one, the
    /// first and last column that hold anything, and its text.
    row: Option<Row>,
    /// In a cell that holds anything: its repeats and its text.
    cell: Option<(u64, u64)>,
}

#[derive(Default)]
struct Row {
    repeats: u64,
    pushed: u64,
    pending: u64,
    cols: Option<(u64, u64)>,
    text: u64,
}

/// An element's attributes read as calamine reads them (its own lenient scanner, not quick-xml's
/// checked one: a repeated attribute is the first, a malformed one ends the list), so that what
/// is counted here is what calamine will expand.
fn raw_attrs(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        let (key, after) = rest.trim_start().split_once('=')?;
        let after = after.trim_start();
        let quote = after.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let body = &after[1..];
        let (value, next) = body.split_once(quote).unwrap_or((body, ""));
        rest = next;
        Some((key.trim_end(), value))
    })
}

fn attr<'a>(e: &'a quick_xml::events::BytesStart<'_>, name: &str) -> Option<&'a str> {
    raw_attrs(e.attributes_raw())
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A count calamine reads with its entities decoded (rows repeated, `text:c`).
fn decoded_count(e: &quick_xml::events::BytesStart<'_>, name: &str) -> Option<u64> {
    quick_xml::escape::unescape(attr(e, name)?)
        .ok()?
        .parse()
        .ok()
}

impl OdsScan {
    fn start(&mut self, e: &quick_xml::events::BytesStart<'_>) {
        match e.name().as_ref() {
            "table:table" => {
                let name = attr(e, "table:name").unwrap_or_default().to_string();
                self.table = Some(OdsTable {
                    name,
                    ..OdsTable::default()
                });
            }
            "table:table-row" => {
                let Some(t) = &mut self.table else { return };
                let want = decoded_count(e, "table:number-rows-repeated").unwrap_or(1);
                let repeats = want.min(ODS_MAX_ROWS.saturating_sub(t.rows));
                t.rows += repeats;
                self.row = Some(Row {
                    repeats,
                    ..Row::default()
                });
            }
            "table:table-cell" | "table:covered-table-cell" => self.start_cell(e),
            "text:s" => {
                if let Some(c) = &mut self.cell {
                    c.1 = c.1.saturating_add(decoded_count(e, "text:c").unwrap_or(1));
                }
            }
            _ => self.text(1),
        }
    }

    fn start_cell(&mut self, e: &quick_xml::events::BytesStart<'_>) {
        let Some(row) = &mut self.row else { return };
        // calamine reads this one undecoded.
        let reps = attr(e, "table:number-columns-repeated")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1);
        // The empty cells before this one are pushed now, as calamine does, up to its cap.
        row.pushed += row.pending.min(ODS_MAX_COLUMNS - row.pushed);
        row.pending = 0;
        let reps = reps.min(ODS_MAX_COLUMNS - row.pushed);
        let mut text = 0u64;
        let mut holds = false;
        for a in e.attributes().flatten() {
            match a.key.as_ref() {
                "office:value"
                | "office:string-value"
                | "office:date-value"
                | "office:time-value"
                | "office:boolean-value"
                | "table:formula" => {
                    holds = true;
                    text += a.value.len() as u64;
                }
                "office:value-type" => holds |= a.value == "string",
                _ => {}
            }
        }
        if holds {
            self.cell = Some((reps, text));
        } else {
            row.pending = reps;
        }
    }

    fn text(&mut self, n: u64) {
        if let Some(c) = &mut self.cell {
            c.1 = c.1.saturating_add(n);
        }
    }

    /// Closes an element; a closed table is returned to be checked.
    fn end(&mut self, name: &str) -> Option<OdsTable> {
        match name {
            "table:table-cell" | "table:covered-table-cell" => {
                let (reps, text) = self.cell.take()?;
                let (row, t) = (self.row.as_mut()?, self.table.as_mut()?);
                t.written += 1;
                let bytes = reps.saturating_mul(CELL_BYTES.saturating_add(text));
                t.read_bytes = t.read_bytes.saturating_add(bytes);
                t.read_cells = t.read_cells.saturating_add(reps);
                let (first, last) = (row.pushed, row.pushed + reps.max(1) - 1);
                row.cols = Some(
                    row.cols
                        .map_or((first, last), |(a, b)| (a.min(first), b.max(last))),
                );
                row.pushed += reps;
                row.text = row.text.saturating_add(reps.saturating_mul(text));
            }
            "table:table-row" => {
                let row = self.row.take()?;
                let t = self.table.as_mut()?;
                let row_text = row.repeats.saturating_mul(row.text);
                match row.cols {
                    Some((a, b)) => {
                        let start = t.rows - row.repeats;
                        t.first.get_or_insert(start);
                        t.cols = Some(t.cols.map_or((a, b), |(x, y)| (x.min(a), y.max(b))));
                        t.last_row_end = t.rows;
                        t.span_text = t
                            .span_text
                            .saturating_add(t.pending_text)
                            .saturating_add(row_text);
                        t.pending_text = 0;
                    }
                    None if t.first.is_some() => {
                        t.pending_text = t.pending_text.saturating_add(row_text);
                    }
                    None => {}
                }
            }
            "table:table" => return self.table.take(),
            _ => {}
        }
        None
    }
}
