//! A raw row becomes what ingest stores: the key cell (or the name fallback), its classification,
//! and the analyst's other columns, with a message that names file, row and column when the row
//! cannot be used.

use serde_json::{Map, Value};

use super::{Cell, RawRow, Selection, Table};
use crate::normalize::{Classified, ClassifyOptions, classify};

/// Metadata of an input file, stored with its rows.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    pub format: String,
    pub encoding: String,
    pub key_column: String,
    pub headers: Vec<String>,
}

/// One data row on its way into the database.
#[derive(Debug, Clone)]
pub struct IngestRow {
    pub row_no: u64,
    /// The key cell as read.
    pub input: String,
    pub classified: Classified,
    /// Why the row could not be read at all (it is kept as an invalid row).
    pub error: Option<String>,
    /// The analyst's other columns (JSON object), carried to the export.
    pub extra: Option<String>,
}

/// True for text that is a number in scientific notation, as Excel shows long numbers.
pub(crate) fn looks_scientific(s: &str) -> bool {
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
    fn scientific_notation_is_recognised() {
        assert!(looks_scientific("3.10115E+14"));
        assert!(!looks_scientific("E14"));
    }
}
