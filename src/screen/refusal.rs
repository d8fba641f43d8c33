//! No silent loss: a list whose key column is mostly unusable is refused before any call.

use std::collections::BTreeMap;

use crate::input::{self, RowContext};
use crate::store::IngestSummary;

/// Why the list's rows give no usable key: a list whose key column is mostly unusable is
/// refused before any call, so a wrong column never ends as "every key reached a final state".
#[derive(Default)]
pub(super) struct Reasons(BTreeMap<crate::normalize::Reason, u64>);

impl Reasons {
    pub(super) fn count(&mut self, row: &input::IngestRow) {
        if let Some(r) = row.unusable() {
            *self.0.entry(r).or_default() += 1;
        }
    }

    /// Why the run stops, when all rows or over half of them (total rows aside) are unusable.
    pub(super) fn refusal(
        &self,
        ingest: &IngestSummary,
        ctx: &RowContext,
        meta: &input::FileMeta,
    ) -> Option<String> {
        let rows = ingest.rows - ingest.skipped_rows;
        if rows == 0 || ingest.invalid_rows * 2 <= rows {
            return None;
        }
        let mut reasons: Vec<(&crate::normalize::Reason, &u64)> = self.0.iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(a.1));
        let top = reasons
            .iter()
            .take(3)
            .map(|(r, n)| format!("{} {n}", r.label()))
            .collect::<Vec<_>>()
            .join(", ");
        let others: Vec<&str> = ctx
            .sel
            .usable
            .iter()
            .filter(|(i, _)| *i != ctx.sel.key_col)
            .map(|(_, s)| s.as_str())
            .collect();
        let choices = if others.is_empty() {
            "no other column's first rows hold codes or company names; check the file, or name \
             the column with --column NAME or --column NUMBER"
                .to_string()
        } else {
            format!("columns that hold keys: {}", others.join(", "))
        };
        Some(format!(
            "{} of {rows} data rows of the key column {:?} hold no usable key ({top}); the run stops \
             before any call (nothing was billed). {choices}",
            ingest.invalid_rows, meta.key_column,
        ))
    }
}
