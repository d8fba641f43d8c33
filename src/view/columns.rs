//! Which of the analyst's columns name a supplier (its id and name), and a row's cells as she
//! wrote them: what every output shows beside its results.

use serde_json::{Map, Value};

use crate::store::{ExportRow, InputFile};

/// The analyst's columns of a list: all of them, and the ones that identify a supplier.
#[derive(Debug, Clone)]
pub struct ListColumns {
    pub headers: Vec<String>,
    pub key_column: String,
    /// The id and name columns ([`crate::input::identifying_columns`]).
    pub ident: Vec<usize>,
    pub name: Option<usize>,
    /// The supplier's own id column (an ERP code, else a row counter).
    pub id: Option<usize>,
}

impl ListColumns {
    pub fn of(file: &InputFile) -> ListColumns {
        ListColumns {
            ident: crate::input::identifying_columns(
                &file.headers,
                &file.key_column,
                file.id_column.as_deref(),
                file.fallback_column.as_deref(),
            ),
            name: crate::input::name_column(
                &file.headers,
                &file.key_column,
                file.fallback_column.as_deref(),
            ),
            id: crate::input::id_position(
                &file.headers,
                &file.key_column,
                file.id_column.as_deref(),
            ),
            headers: file.headers.clone(),
            key_column: file.key_column.clone(),
        }
    }

    /// `S10059 福建某某公司`: the id and name cells of a row's stored columns, as read.
    pub fn supplier_in(&self, extra: Option<&str>) -> String {
        let (id, name) = (self.id_in(extra), self.name_in(extra));
        [id, name]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The supplier's id cell of a row's stored columns, as read (empty without an id column).
    pub fn id_in(&self, extra: Option<&str>) -> String {
        self.cell_in(self.id, extra)
    }

    /// Every analyst column of a row exactly as read. Rows ingested before every column was kept
    /// lack the key column, whose cell is then the input.
    pub fn cells(&self, row: &ExportRow) -> Vec<String> {
        let extra = extra_map(row);
        self.headers
            .iter()
            .map(|h| match extra.get(h) {
                Some(v) => v.as_str().unwrap_or_default().to_string(),
                None if *h == self.key_column => row.input.clone(),
                None => String::new(),
            })
            .collect()
    }

    /// The identifying cells of a row (id, name), as read.
    pub fn ident_cells(&self, row: &ExportRow) -> Vec<String> {
        let all = self.cells(row);
        self.ident
            .iter()
            .map(|i| all.get(*i).cloned().unwrap_or_default())
            .collect()
    }

    /// The identifying headers.
    pub fn ident_headers(&self) -> Vec<&str> {
        self.ident
            .iter()
            .filter_map(|i| self.headers.get(*i).map(String::as_str))
            .collect()
    }

    /// The supplier's name as the list writes it (empty when the list has no name column).
    pub fn name(&self, row: &ExportRow) -> String {
        self.name_in(row.extra.as_deref())
    }

    /// The name cell of a row's stored columns (`input_rows.extra`).
    pub fn name_in(&self, extra: Option<&str>) -> String {
        self.cell_in(self.name, extra)
    }

    fn cell_in(&self, col: Option<usize>, extra: Option<&str>) -> String {
        let Some(h) = col.and_then(|i| self.headers.get(i)) else {
            return String::new();
        };
        extra
            .and_then(|e| serde_json::from_str::<Map<String, Value>>(e).ok())
            .unwrap_or_default()
            .get(h)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }
}

/// The analyst's columns of a row, as stored at ingest.
pub fn extra_map(row: &ExportRow) -> Map<String, Value> {
    row.extra
        .as_deref()
        .and_then(|e| serde_json::from_str::<Map<String, Value>>(e).ok())
        .unwrap_or_default()
}
