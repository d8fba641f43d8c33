//! A raw row becomes what ingest stores: the key cell (or the name fallback), its classification,
//! and the analyst's other columns, with a message that names file, row and column when the row
//! cannot be used.

use serde_json::{Map, Value};

use super::{Cell, RawRow, Role, Selection, Table};
use crate::normalize::{Classified, ClassifyOptions, KeyKind, Reason, classify};

/// Metadata of an input file, stored with its rows.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    pub format: String,
    pub encoding: String,
    pub key_column: String,
    /// The name column queried when a row's code cell is empty.
    pub fallback_column: Option<String>,
    pub headers: Vec<String>,
    pub sheet: Option<String>,
    pub header_row: Option<u64>,
    /// The supplier's own id column (an ERP code rather than a row counter), when there is one.
    pub id_column: Option<String>,
    /// Why columns were chosen against their headers (for the log and summary, not stored).
    pub notes: Vec<crate::input::columns::ColumnNote>,
}

impl FileMeta {
    /// `sheet 供应商清单, header row 3, key column 统一社会信用代码 (name fallback: 供应商名称)`:
    /// what the run read, for its log (the summary says it in the reader's language:
    /// `crate::view::Lang::read_what`).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.sheet {
            parts.push(format!("sheet {s}"));
        }
        if let Some(h) = self.header_row {
            parts.push(format!("header row {h}"));
        }
        let mut key = format!("key column {}", self.key_column);
        if let Some(f) = &self.fallback_column {
            key.push_str(&format!(" (name fallback: {f})"));
        }
        parts.push(key);
        let mut out = parts.join(", ");
        for n in &self.notes {
            out.push_str(&format!("; {n}"));
        }
        out
    }
}

/// One data row on its way into the database.
#[derive(Debug, Clone)]
pub struct IngestRow {
    pub row_no: u64,
    /// The row number the file or sheet shows.
    pub sheet_row: u64,
    /// The key cell as read.
    pub input: String,
    pub classified: Classified,
    /// Why the row could not be read at all (it is kept as an invalid row).
    pub error: Option<String>,
    /// Every column as read (JSON object keyed by column name), carried to the export.
    pub extra: Option<String>,
    /// The spreadsheet types of the cells that are not text (see [`cell_types`]).
    pub cell_types: Option<String>,
    /// A total row (合计, 共18家 ...): not a supplier, never called.
    pub skipped: bool,
}

impl IngestRow {
    /// Why the row gives no usable key, in a word (for "most rows are ..." counts); `None` for
    /// a usable row and a total or comment row.
    pub fn unusable(&self) -> Option<Reason> {
        match (&self.error, self.skipped) {
            (_, true) => None,
            (Some(_), false) => Some(Reason::Unreadable),
            (None, false) => self.classified.reason,
        }
    }
}

/// What every row of one table is read with.
pub struct RowContext {
    /// `file` or `file, sheet S`, for messages.
    pub place: String,
    pub headers: Vec<String>,
    pub sel: Selection,
    pub classify: ClassifyOptions,
    /// A plain text list: a line starting with `#` is a comment.
    pub comments: bool,
}

/// True for text that is a number in scientific notation as a spreadsheet shows long numbers
/// (`3.10115E+14`): one to three digits, maybe a fraction, an exponent. A code that merely has an
/// `E` among its digits (`914942777243E75669`) is not.
pub(crate) fn looks_scientific(s: &str) -> bool {
    let t = s.trim();
    let Some((mant, exp)) = t.split_once(['E', 'e']) else {
        return false;
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    let exp = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    (1..=3).contains(&int.len())
        && int.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit())
        && (1..=3).contains(&exp.len())
        && exp.chars().all(|c| c.is_ascii_digit())
}

/// A footer such as 合计, 总计, 小计 (maybe followed by a number) or 共18家: not a supplier.
fn is_total_cell(text: &str) -> bool {
    // Most cells are names and codes: leave them at once.
    if text.is_empty()
        || text.len() > 40
        || !text.contains(['计', '共', '总', '合', 't', 'T', 'ｔ', 'Ｔ'])
    {
        return false;
    }
    let t: String = crate::normalize::fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, ':' | '：'))
        .collect();
    let lower = t.to_lowercase();
    let number_or_empty = |rest: &str| rest.chars().all(|c| c.is_ascii_digit() || ",.".contains(c));
    for word in [
        "合计",
        "总计",
        "小计",
        "总数",
        "total",
        "subtotal",
        "grandtotal",
    ] {
        if let Some(rest) = lower.strip_prefix(word)
            && number_or_empty(rest.trim_end_matches(['家', '户', '个', '条']))
        {
            return true;
        }
    }
    let counted = lower
        .strip_prefix("共计")
        .or_else(|| lower.strip_prefix('共'))
        .and_then(|r| r.strip_suffix(['家', '户', '个', '条']));
    counted.is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

/// A code cell the spreadsheet turned into a number: a number or date cell, or the text of one
/// (`3.10115E+14`) that is not a valid code.
fn spreadsheet_number(cell: &Cell, classified: &Classified) -> bool {
    match cell {
        Cell::Number(_) | Cell::Date(..) => true,
        Cell::Text(t) => {
            let valid_code = matches!(classified.kind, Some(KeyKind::Uscc | KeyKind::RegNo))
                && classified.invalid.is_none();
            !valid_code && looks_scientific(t)
        }
        Cell::Empty => false,
    }
}

/// The key cell of a row and its classification: the key column's cell, or the name column's
/// when the key cell holds no usable code (empty, an old tax ID, text in a code column).
struct Keyed {
    cell: Cell,
    col: usize,
    classified: Classified,
}

fn key_of(raw: &RawRow, ctx: &RowContext) -> Keyed {
    let sel = &ctx.sel;
    let cell = raw.cells.get(sel.key_col).cloned().unwrap_or(Cell::Empty);
    let mut classified = classify(cell.text(), ctx.classify);
    let text_in_code_column = sel.role == Role::Code
        && classified.kind == Some(KeyKind::Name)
        && classified.reason.is_none_or(|r| r == Reason::TooShort)
        && !spreadsheet_number(&cell, &classified);
    if (classified.wants_fallback() || text_in_code_column)
        && let Some(f) = sel.fallback_col
        && let Some(name) = raw.cells.get(f).filter(|c| **c != Cell::Empty)
    {
        let by_name = classify(name.text(), ctx.classify);
        if by_name.kind == Some(KeyKind::Name) || by_name.invalid.is_none() {
            return Keyed {
                cell: name.clone(),
                col: f,
                classified: by_name,
            };
        }
    }
    if text_in_code_column {
        let shown: String = cell.text().trim().chars().take(40).collect();
        classified.invalid = Some(format!(
            "{shown:?} is not a 统一社会信用代码 or 注册号, and the row has no company name to query \
             instead (a name query is billed, so text from a code column is never sent as a name)"
        ));
        classified.reason = Some(Reason::TextInCodeColumn);
    }
    Keyed {
        cell,
        col: sel.key_col,
        classified,
    }
}

/// Turn a raw row into what ingest stores: the key cell (or the name fallback), its
/// classification, and every column as read.
pub fn to_ingest_row(raw: RawRow, ctx: &RowContext) -> IngestRow {
    let sel = &ctx.sel;
    let Keyed {
        cell: key_cell,
        col: key_col,
        mut classified,
    } = key_of(&raw, ctx);
    let col_label = ctx
        .headers
        .get(key_col)
        .cloned()
        .unwrap_or_else(|| format!("column {}", key_col + 1));
    // Built only for rows that need a message.
    let at = || {
        format!(
            "{}: row {} (data row {})",
            ctx.place, raw.sheet_row, raw.row_no
        )
    };
    let input = key_cell.text().to_string();
    let code = matches!(classified.kind, Some(KeyKind::Uscc | KeyKind::RegNo));
    let comment = ctx.comments && input.trim_start().starts_with('#');
    let skipped = comment || (!code && raw.cells.iter().any(|c| is_total_cell(c.text())));
    let mut error = raw.error.as_ref().map(|e| format!("{}: {e}", at()));
    if raw.cells.len() <= sel.key_col && error.is_none() && key_col == sel.key_col {
        error = Some(format!(
            "{}, column {col_label:?}: the row has {} field(s), so this column is missing",
            at(),
            raw.cells.len()
        ));
    }
    if spreadsheet_number(&key_cell, &classified) && error.is_none() {
        classified.invalid = Some(format!(
            "{}, column {col_label:?}: the spreadsheet changed this code into a number ({}); \
             leading zeros or digits may be lost. Format the column as Text and enter the code again",
            at(),
            input.trim()
        ));
        classified.reason = Some(Reason::Spreadsheet);
    }
    if comment {
        error = Some(format!("{}: comment line (starts with #), skipped", at()));
    } else if skipped {
        error = Some(format!("{}: total row: not a supplier, skipped", at()));
    }
    IngestRow {
        row_no: raw.row_no,
        sheet_row: raw.sheet_row,
        input,
        classified,
        error,
        extra: columns_json(&raw.cells, &ctx.headers),
        cell_types: cell_types(&raw.cells, &ctx.headers),
        skipped,
    }
}

/// A cell the analyst's spreadsheet typed, kept beside its text (`input_rows.cell_types`) so a
/// workbook written back shows it as she had it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Typed {
    Number(f64),
    /// Excel's serial date.
    Date(f64),
}

/// The cells a spreadsheet typed, keyed by column name: `["n", 113.5]` for a number, `["d",
/// 43868.0]` for a date. `None` when every cell is text (every CSV row).
fn cell_types(cells: &[Cell], headers: &[String]) -> Option<String> {
    let mut types = Map::new();
    for (i, c) in cells.iter().enumerate() {
        let typed = match c {
            Cell::Number(t) => t.parse::<f64>().ok().map(|n| ("n", n)),
            Cell::Date(_, serial) => Some(("d", *serial)),
            _ => None,
        };
        let Some((tag, n)) = typed.filter(|(_, n)| n.is_finite()) else {
            continue;
        };
        let name = headers
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1));
        types.insert(name, serde_json::json!([tag, n]));
    }
    (!types.is_empty()).then(|| Value::Object(types).to_string())
}

/// The typed cells [`cell_types`] stored, by column name; anything unreadable is text.
pub fn read_cell_types(stored: Option<&str>) -> std::collections::HashMap<String, Typed> {
    let map: Map<String, Value> = stored
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    map.into_iter()
        .filter_map(|(h, v)| {
            let n = v.get(1)?.as_f64()?;
            let typed = match v.get(0)?.as_str()? {
                "n" => Typed::Number(n),
                "d" => Typed::Date(n),
                _ => return None,
            };
            Some((h, typed))
        })
        .collect()
}

/// Every cell as read, keyed by column name (cells beyond the header are `column N`).
fn columns_json(cells: &[Cell], headers: &[String]) -> Option<String> {
    let mut extra = Map::new();
    for (i, c) in cells.iter().enumerate() {
        let name = headers
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("column {}", i + 1));
        extra.insert(name, Value::String(c.text().to_string()));
    }
    (!extra.is_empty()).then(|| Value::Object(extra).to_string())
}

/// Metadata stored with the file.
pub fn meta(table: &Table, sel: &Selection) -> FileMeta {
    FileMeta {
        id_column: sel.id_col.and_then(|i| table.headers.get(i).cloned()),
        notes: sel.notes.clone(),
        format: table.format.clone(),
        encoding: table.encoding.clone(),
        key_column: sel.label.clone(),
        fallback_column: sel.fallback_col.and_then(|i| table.headers.get(i).cloned()),
        headers: table.headers.clone(),
        sheet: table.sheet.clone(),
        header_row: table.header_row,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation_is_recognised() {
        assert!(looks_scientific("3.10115E+14"));
        assert!(looks_scientific("3.1E14"));
        assert!(!looks_scientific("E14"));
        for code in [
            "914942777243E75669",
            "91429672230989E203",
            "911316280E57582856",
        ] {
            assert!(!looks_scientific(code), "{code}");
        }
    }

    #[test]
    fn total_rows_are_recognised() {
        for t in [
            "合计",
            "总计：",
            "小计 18",
            "共18家",
            "共 18 家",
            "合计: 1,200",
            "Total",
        ] {
            assert!(is_total_cell(t), "{t}");
        }
        for t in [
            "小计科技有限公司",
            "共享单车有限公司",
            "合计通贸易有限公司",
            "",
        ] {
            assert!(!is_total_cell(t), "{t}");
        }
    }
}
