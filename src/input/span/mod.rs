//! What calamine would hold, measured before it holds it. calamine reads a sheet as one dense
//! rectangle from its first cell to its last, and `.xls` and `.ods` workbooks whole when they are
//! opened, so a few bytes can ask for gigabytes: two cells at A1 and XFD1048576, a `.xls`
//! DIMENSIONS record or a cell at (65535, 255), an `.ods` cell repeated 16,384 times on a
//! million repeated rows. Each format is walked here as a stream, holding nothing, and a
//! workbook whose rectangle is far larger than what it holds is refused naming the sheet.

use std::io::Read;
use std::path::Path;

use super::InputError;

mod ods;
mod xls;

/// The most cells a sheet's rectangle may span (calamine holds it whole, 32 bytes a cell:
/// 8 million cells is 256 MiB) when few of them hold anything.
pub const MAX_SPARSE_CELLS: u64 = 8_000_000;

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

/// calamine on a malformed or truncated workbook can panic (an index past a record's end in
/// `.xls`): that is the file's fault, so it is an error naming the file (exit 1), never a crash.
pub(super) fn guarded<T>(p: &str, f: impl FnOnce() -> T) -> Result<T, InputError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| InputError::Excel {
        path: p.to_string(),
        message: "not a readable workbook: the file is malformed or truncated (the workbook \
                  reader gave up on it)"
            .to_string(),
    })
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
        return xls::check(path, p);
    }
    // A zip is found from its end (its first bytes can be anything): any file that opens as one
    // and holds a content.xml is read as an .ods.
    ods::check(path, p)
}
