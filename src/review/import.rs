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
        use crate::telemetry::escape;
        let (n, open, same) = (self.recorded.len(), self.left_open, self.unchanged);
        let mut s = match lang {
            Lang::Zh => format!(
                "{}，工作表 {}：已记录 {n} 条处置，{open} 行未填（仍待处置），{same} 行与已有处置相同\n",
                path.display(),
                self.sheet
            ),
            Lang::En => format!(
                "{}, sheet {}: {n} decision(s) recorded, {open} row(s) left open, {same} already recorded\n",
                path.display(),
                self.sheet
            ),
        };
        for d in &self.recorded {
            let (who, key) = (escape(&d.supplier), escape(&d.key));
            s.push_str(&match lang {
                Lang::Zh => format!("  处置 #{}：{who}（表格第{}行，{key}）\n", d.id, d.row),
                Lang::En => format!("  decision #{}: {who} (row {}, {key})\n", d.id, d.row),
            });
        }
        let lists = [
            (
                &self.changed,
                lang.tr(
                    "行未记录：导出后提醒已有变化，请重新导出，按最新情况处置",
                    "row(s) not applied: the alert changed since the workbook was exported; export again and decide on what is there now",
                ),
            ),
            (
                &self.refused,
                lang.tr(
                    "行未记录：内容不是可记录的处置",
                    "row(s) not applied: not a decision this tool can record",
                ),
            ),
        ];
        for (list, head) in lists {
            if list.is_empty() {
                continue;
            }
            s.push_str(&format!("{} {head}{}\n", list.len(), lang.tr("：", ":")));
            for c in list {
                s.push_str(&format!("  {}\n", escape(c)));
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
    lang: Lang,
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
            lang,
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
    lang: Lang,
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
        let now = &r.s.row.key;
        if *now != key {
            return Some(self.say(
                format!("{at}（{key}）：数据第{row_no}行现为 {now}（清单已变）"),
                format!("{at} ({key}): data row {row_no} now holds {now} (the list changed)"),
            ));
        }
        (alert.fingerprint.digest() != cell(self.raw, self.cols.check)).then(|| {
            let reasons = crate::view::row_reason(&r.s, &r.a, self.lang, opts.punished_within);
            let who = &alert.supplier;
            self.say(
                format!("{at}（{who}，{key}）：导出后有变化，现为：{reasons}"),
                format!("{at} ({who}, {key}): changed since the export, now: {reasons}"),
            )
        })
    }

    /// The text in the reader's language.
    fn say(&self, zh: String, en: String) -> String {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn at(&self) -> String {
        let n = self.raw.sheet_row;
        self.say(format!("表格第{n}行"), format!("sheet row {n}"))
    }

    fn column(&self, label: Label) -> String {
        let at = self.at();
        self.say(
            format!("{at}“{}”列", label.zh),
            format!("{at}, column {}", label.zh),
        )
    }

    /// The row's 数据行, once per workbook.
    fn data_row(&self, seen: &mut HashSet<u64>) -> Result<u64, String> {
        let col = self.column(labels::SHEET_DATA_ROW);
        match cell(self.raw, self.cols.data_row).parse::<u64>() {
            Ok(n) if seen.insert(n) => Ok(n),
            Ok(n) => Err(self.say(
                format!("{col}：数据第{n}行出现了两次"),
                format!("{col}: data row {n} is listed twice"),
            )),
            Err(_) => Err(self.say(
                format!("{col}：不是行号"),
                format!("{col}: not a row number"),
            )),
        }
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
            let (col, four) = (
                self.column(labels::REVIEW_DECISION),
                Verdict::ALL.map(|v| v.label(Lang::Zh)).join(" / "),
            );
            return Ok(Outcome::Refused(self.say(
                format!("{col}：“{word}”不是可记录的处置结论（{four}）"),
                format!("{col}: {word:?} is not one of {four}"),
            )));
        };
        let row_no = match self.data_row(seen) {
            Ok(n) => n,
            Err(why) => return Ok(Outcome::Refused(why)),
        };
        let key = cell(raw, cols.key);
        let Some(r) = rows.at(row_no)? else {
            return Ok(Outcome::Changed(self.say(
                format!("{at}：清单中已没有数据第{row_no}行"),
                format!("{at}: data row {row_no} is not in the list any more"),
            )));
        };
        let (Some(alert), Some(key_id)) = (r.alert.as_ref(), r.s.row.key_id) else {
            return Ok(Outcome::Changed(self.say(
                format!("{at}（{key}）：数据第{row_no}行已无需关注（答复已变）"),
                format!(
                    "{at} ({key}): no alert on data row {row_no} any more (the answer changed)"
                ),
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
            let col = self.column(labels::REVIEW_NOTE);
            return Ok(Outcome::Refused(self.say(
                format!("{col}：处置需填写说明（它是审计记录的一部分）"),
                format!("{col}: a decision needs a note saying why (it is the audit trail)"),
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
