//! `review --import FILE.xlsx`: the decisions an analyst filled in the workbook's 需关注 sheet
//! (`export --format xlsx`), recorded as if given one by one.
//!
//! Each row is matched to the list by its 数据行 and its search key, and to the alert by the
//! check code (核对码, a digest of the alert's fingerprint): a row whose alert changed since the
//! export (a new punishment, a worse level, or no alert any more) is listed and not applied, so
//! nobody clears a case on evidence they never saw. A row with an empty 处置结论 stays open; a
//! row that shows the decision already in force is not recorded twice. The workbook is read
//! through the input reader, with the same limits as a supplier list.

use std::collections::HashSet;
use std::path::Path;

use super::{Decide, Decided, ReviewOptions, RowReader, latest_file, new_decision};
use crate::input::{Cell, RawRow, ReadOptions};
use crate::store::{NewDecision, Store};
use crate::view::alert::AlertState;
use crate::view::lang::{Label, labels};
use crate::view::{Lang, Verdict};

/// What an import did, row by row.
#[derive(Debug, Default)]
pub struct Imported {
    /// The sheet read (`需关注` or `Needs attention`).
    pub sheet: String,
    pub recorded: Vec<Decided>,
    /// Rows left empty: their alerts stay open.
    pub left_open: usize,
    /// Rows that show the decision already in force.
    pub unchanged: usize,
    /// Rows whose alert changed since the export (`sheet row N: why`): not applied.
    pub changed: Vec<String>,
    /// Rows that could not be read as a decision (`sheet row N, column 处置结论: why`).
    pub refused: Vec<String>,
}

impl Imported {
    /// What the command prints.
    pub fn describe(&self, path: &Path, lang: Lang) -> String {
        let mut s = format!(
            "{}, sheet {}: {} decision(s) recorded, {} row(s) left open, {} already recorded\n",
            path.display(),
            self.sheet,
            self.recorded.len(),
            self.left_open,
            self.unchanged
        );
        for d in &self.recorded {
            s.push_str(&format!(
                "  decision #{}: {} (row {}, {})\n",
                d.id,
                crate::telemetry::escape(&d.supplier),
                d.row,
                crate::telemetry::escape(&d.key)
            ));
        }
        if !self.changed.is_empty() {
            s.push_str(&format!(
                "{} row(s) not applied: the alert changed since the workbook was exported; export \
                 again and decide on what is there now ({}):\n",
                self.changed.len(),
                lang.tr("处置前请重新导出", "re-export first")
            ));
            for c in &self.changed {
                s.push_str(&format!("  {}\n", crate::telemetry::escape(c)));
            }
        }
        if !self.refused.is_empty() {
            s.push_str(&format!(
                "{} row(s) not applied: not a decision this tool can record:\n",
                self.refused.len()
            ));
            for c in &self.refused {
                s.push_str(&format!("  {}\n", crate::telemetry::escape(c)));
            }
        }
        s
    }
}

/// The columns the import reads, by their header in either language.
struct Columns {
    decision: usize,
    note: usize,
    by: usize,
    data_row: usize,
    check: usize,
    key: usize,
}

fn position(headers: &[String], label: Label) -> Option<usize> {
    headers
        .iter()
        .position(|h| h == label.zh || h.eq_ignore_ascii_case(label.en))
}

impl Columns {
    fn find(headers: &[String], place: &str) -> anyhow::Result<Columns> {
        let key_label = Label {
            zh: Lang::Zh.basis_headers()[1],
            en: Lang::En.basis_headers()[1],
        };
        let need = |label: Label| {
            position(headers, label).ok_or_else(|| {
                anyhow::anyhow!(
                    "{place}: no column {} ({}): is this a workbook from `qcc-credit export \
                     --format xlsx`? The headers are: {}",
                    label.zh,
                    label.en,
                    headers.join(", ")
                )
            })
        };
        Ok(Columns {
            decision: need(labels::REVIEW_DECISION)?,
            note: need(labels::REVIEW_NOTE)?,
            by: need(labels::REVIEW_BY)?,
            data_row: need(labels::SHEET_DATA_ROW)?,
            check: need(labels::REVIEW_CHECK_CODE)?,
            key: need(key_label)?,
        })
    }
}

fn cell(r: &RawRow, i: usize) -> String {
    r.cells
        .get(i)
        .map(Cell::text)
        .unwrap_or_default()
        .trim()
        .to_string()
}

/// Open the workbook's needs-attention sheet, in either language.
fn open_sheet(path: &Path) -> anyhow::Result<crate::input::Table> {
    let mut last = None;
    for name in [
        labels::SHEET_NEEDS_ATTENTION.zh,
        labels::SHEET_NEEDS_ATTENTION.en,
    ] {
        let opts = ReadOptions {
            sheet: Some(name.to_string()),
            header_row: Some(1),
            ..ReadOptions::default()
        };
        match crate::input::open(path, &opts) {
            Ok(t) => return Ok(t),
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(anyhow::anyhow!(e).context(format!(
            "{}: reading the 需关注 (Needs attention) sheet",
            path.display()
        ))),
        None => anyhow::bail!("{}: no 需关注 sheet", path.display()),
    }
}

/// What one filled row comes to.
enum Outcome {
    /// 处置结论 empty: the alert stays open (`true` when the row holds anything at all).
    Empty(bool),
    Unchanged,
    Changed(String),
    Refused(String),
    Record(Box<(NewDecision, Decided)>),
}

/// Read the filled rows and record them, all in one transaction.
pub fn import(
    store: &Store,
    path: &Path,
    by: &str,
    opts: ReviewOptions,
) -> anyhow::Result<Imported> {
    let file = latest_file(store)?;
    let table = open_sheet(path)?;
    let cols = Columns::find(&table.headers, &table.place())?;
    let mut out = Imported {
        sheet: table.sheet.clone().unwrap_or_default(),
        ..Imported::default()
    };
    let mut todo: Vec<(NewDecision, Decided)> = Vec::new();
    let mut seen: HashSet<u64> = HashSet::new();
    let mut rows = RowReader::new(store, &file, opts)?;
    let source = format!("import {}", path.display());
    for raw in table.rows {
        let raw = raw?;
        let filled = Filled {
            raw: &raw,
            cols: &cols,
            by,
            source: &source,
        };
        match filled.read(&file, &mut rows, &mut seen, opts)? {
            Outcome::Empty(true) => out.left_open += 1,
            Outcome::Empty(false) => {}
            Outcome::Unchanged => out.unchanged += 1,
            Outcome::Changed(why) => out.changed.push(why),
            Outcome::Refused(why) => out.refused.push(why),
            Outcome::Record(d) => todo.push(*d),
        }
    }
    let (rows, mut decided): (Vec<NewDecision>, Vec<Decided>) = todo.into_iter().unzip();
    let ids = store.insert_decisions(&rows)?;
    for (d, id) in decided.iter_mut().zip(ids) {
        d.id = id;
    }
    out.recorded = decided;
    Ok(out)
}

/// One row of the sheet and how to read it.
struct Filled<'a> {
    raw: &'a RawRow,
    cols: &'a Columns,
    by: &'a str,
    source: &'a str,
}

impl Filled<'_> {
    /// Why the row's alert is not the one exported, if it is not.
    fn changed(
        &self,
        r: &super::Reviewed,
        alert: &crate::view::Alert,
        key: &str,
        row_no: u64,
        opts: ReviewOptions,
    ) -> Option<String> {
        let at = self.at();
        if r.s.row.key != key {
            return Some(format!(
                "{at} ({key}): data row {row_no} now holds {} (the list changed)",
                r.s.row.key
            ));
        }
        (alert.fingerprint.digest() != cell(self.raw, self.cols.check)).then(|| {
            format!(
                "{at} ({}, {key}): now {}",
                alert.supplier,
                crate::view::row_reason(&r.s, &r.a, Lang::Zh, opts.punished_within)
            )
        })
    }

    fn at(&self) -> String {
        format!("sheet row {}", self.raw.sheet_row)
    }

    fn column(&self, label: Label) -> String {
        format!("{}, column {}", self.at(), label.zh)
    }

    fn read(
        &self,
        file: &crate::store::InputFile,
        rows: &mut RowReader<'_>,
        seen: &mut HashSet<u64>,
        opts: ReviewOptions,
    ) -> anyhow::Result<Outcome> {
        let (raw, cols, at) = (self.raw, self.cols, self.at());
        let word = cell(raw, cols.decision);
        if word.is_empty() {
            return Ok(Outcome::Empty(raw.cells.iter().any(|c| *c != Cell::Empty)));
        }
        let Some(verdict) = Verdict::parse(&word) else {
            return Ok(Outcome::Refused(format!(
                "{}: {word:?} is not one of {}",
                self.column(labels::REVIEW_DECISION),
                Verdict::ALL.map(|v| v.label(Lang::Zh)).join(" / ")
            )));
        };
        let where_ = self.column(labels::SHEET_DATA_ROW);
        let row_no = match cell(raw, cols.data_row).parse::<u64>() {
            Ok(n) if seen.insert(n) => n,
            Ok(n) => {
                return Ok(Outcome::Refused(format!(
                    "{where_}: data row {n} is listed twice"
                )));
            }
            Err(_) => return Ok(Outcome::Refused(format!("{where_}: not a row number"))),
        };
        let key = cell(raw, cols.key);
        let Some(r) = rows.at(row_no)? else {
            return Ok(Outcome::Changed(format!(
                "{at}: data row {row_no} is not in the list any more"
            )));
        };
        let (Some(alert), Some(key_id)) = (r.alert.as_ref(), r.s.row.key_id) else {
            return Ok(Outcome::Changed(format!(
                "{at} ({key}): no alert on data row {row_no} any more (the answer changed)"
            )));
        };
        if let Some(why) = self.changed(&r, alert, &key, row_no, opts) {
            return Ok(Outcome::Changed(why));
        }
        let note = cell(raw, cols.note);
        if let AlertState::Decided(d) = &alert.state
            && d.decision == verdict.as_str()
            && d.note == note
        {
            return Ok(Outcome::Unchanged);
        }
        if note.is_empty() {
            return Ok(Outcome::Refused(format!(
                "{}: a decision needs a note saying why (it is the audit trail)",
                self.column(labels::REVIEW_NOTE)
            )));
        }
        let who = cell(raw, cols.by);
        let d = Decide {
            verdict,
            note,
            by: if who.is_empty() {
                self.by.to_string()
            } else {
                who
            },
            source: self.source.to_string(),
        };
        Ok(Outcome::Record(Box::new(new_decision(
            file, &r, alert, key_id, &d, opts,
        ))))
    }
}
