//! `.xls`: the BIFF records of the workbook stream in a compound file, walked as calamine reads
//! them when it opens the file.

use std::io::Read;
use std::path::Path;

use super::{InputError, Rect, check_rect, refuse};

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

pub(super) fn check(path: &Path, p: &str) -> Result<(), InputError> {
    let stream = super::guarded(p, || read_workbook_stream(path))?
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
