//! `.ods`: content.xml streamed, its repeats counted as calamine expands them.

use std::path::Path;

use super::{InputError, refuse};

/// The most an `.ods` workbook may take once its repeats are expanded, when that is far more
/// than its XML (a real sheet takes about what its XML weighs).
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// calamine's own caps on an `.ods` row's columns and a sheet's rows.
const ODS_MAX_COLUMNS: u64 = 16_384;
const ODS_MAX_ROWS: u64 = 1_048_576;

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

pub(super) fn check(path: &Path, p: &str) -> Result<(), InputError> {
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
