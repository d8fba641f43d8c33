//! `review --list`: the alerts with where they stand, as text, CSV or JSON lines.

use std::io::Write;

use serde::Serialize;

use super::{ReviewOptions, for_each_row};
use crate::export::csv::cell;
use crate::store::Store;
use crate::view::alert::{AlertState, decided_text, verdict_label};
use crate::view::lang::labels;
use crate::view::{Lang, row_reason};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Text,
    Csv,
    Jsonl,
}

/// One alert as listed.
#[derive(Debug, Serialize)]
struct Line {
    /// The supplier's id cell (or `row N` for a list without ids).
    supplier_id: String,
    name: String,
    /// The row the file or sheet shows.
    row: u64,
    /// The data row (the workbook's 数据行).
    data_row: u64,
    key: String,
    /// `open`, or the decision in force (`cleared`, `accepted`, `blocked`, `escalated`).
    state: String,
    /// The state in the chosen language, with what is new since an earlier decision.
    state_text: String,
    reasons: String,
    flags: Vec<&'static str>,
    decision: Option<String>,
    note: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<String>,
    /// For an alert open again: what appeared since its earlier decision.
    new_since_decision: Vec<String>,
    check_code: String,
}

/// Write the alerts of the latest list (only the open ones with `open_only`), most pressing
/// first is the report's job: here they come in list order.
pub fn write_list(
    store: &Store,
    opts: ReviewOptions,
    lang: Lang,
    open_only: bool,
    format: ListFormat,
    bom: bool,
    w: &mut impl Write,
) -> anyhow::Result<usize> {
    if format == ListFormat::Csv {
        if bom {
            w.write_all(crate::export::BOM)?;
        }
        w.write_all(&csv_record(headers(lang))?)?;
    }
    let mut n = 0;
    for_each_row(store, opts, |cols, r| {
        let Some(alert) = &r.alert else {
            return Ok(());
        };
        if open_only && !alert.is_open() {
            return Ok(());
        }
        n += 1;
        let d = alert.decision().filter(|_| !alert.is_open());
        let line = Line {
            supplier_id: alert.supplier.clone(),
            name: cols.name(&r.s.row),
            row: r.s.row.sheet_row.unwrap_or(r.s.row.row),
            data_row: r.s.row.row,
            key: r.s.row.key.clone(),
            state: alert.state_word().to_string(),
            state_text: alert.state_text(lang, opts.zone),
            reasons: row_reason(&r.s, &r.a, lang, opts.punished_within),
            flags: r.a.flags.iter().map(|f| f.id()).collect(),
            decision: d.map(|d| verdict_label(&d.decision, lang).to_string()),
            note: d.map(|d| d.note.clone()),
            decided_by: d.map(|d| d.decided_by.clone()),
            decided_at: d.map(|d| opts.zone.show(&d.decided_at)),
            new_since_decision: match &alert.state {
                AlertState::Open { news, .. } => news.iter().map(|x| x.text(lang)).collect(),
                AlertState::Decided(_) => Vec::new(),
            },
            check_code: alert.fingerprint.digest(),
        };
        match format {
            ListFormat::Jsonl => {
                serde_json::to_writer(&mut *w, &line)?;
                w.write_all(b"\n")
            }
            ListFormat::Csv => {
                w.write_all(&csv_record(csv_cells(&line).iter().map(|c| cell(c, bom)))?)
            }
            ListFormat::Text => writeln!(w, "{}", text_line(&line, alert, lang, opts)),
        }
    })?;
    if format == ListFormat::Text && n == 0 {
        writeln!(
            w,
            "{}",
            if open_only {
                lang.tr(
                    "没有待处置的提醒",
                    "no open alerts: nothing needs a decision",
                )
            } else {
                lang.tr(
                    "没有提醒：没有需关注的供应商",
                    "no alerts: no supplier needs attention",
                )
            }
        )?;
    }
    Ok(n)
}

/// One CSV record as bytes.
fn csv_record<I: IntoIterator<Item = T>, T: AsRef<[u8]>>(cells: I) -> std::io::Result<Vec<u8>> {
    let mut c = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    c.write_record(cells).map_err(std::io::Error::other)?;
    c.into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

fn headers(lang: Lang) -> Vec<&'static str> {
    vec![
        lang.of(labels::REVIEW_SUPPLIER),
        lang.tr("名称", "name"),
        lang.tr("行号", "row"),
        lang.basis_headers()[1],
        lang.of(labels::REVIEW_STATE),
        lang.of(labels::REVIEW_REASONS),
        lang.of(labels::REVIEW_DECISION),
        lang.of(labels::REVIEW_NOTE),
        lang.of(labels::REVIEW_BY),
        lang.of(labels::REVIEW_AT),
        lang.of(labels::REVIEW_CHECK_CODE),
        "state",
    ]
}

fn csv_cells(l: &Line) -> Vec<String> {
    vec![
        l.supplier_id.clone(),
        l.name.clone(),
        l.row.to_string(),
        l.key.clone(),
        l.state_text.clone(),
        l.reasons.clone(),
        l.decision.clone().unwrap_or_default(),
        l.note.clone().unwrap_or_default(),
        l.decided_by.clone().unwrap_or_default(),
        l.decided_at.clone().unwrap_or_default(),
        l.check_code.clone(),
        l.state.clone(),
    ]
}

/// `S10151 某某公司 (row 12, 9132…): 待处置 · 严重失信…`, then the decision when there is one.
fn text_line(l: &Line, alert: &crate::view::Alert, lang: Lang, opts: ReviewOptions) -> String {
    use crate::telemetry::escape;
    let name = l.name.trim();
    let mut s = format!(
        "{} {}{}{}{}{}{}\n    {}",
        escape(&l.supplier_id),
        escape(name),
        lang.tr("（", " ("),
        lang.row_place(Some(l.row), l.data_row),
        lang.tr("，", ", "),
        escape(&l.key),
        lang.tr("）：", "): "),
        escape(&l.reasons)
    );
    s = s.replacen("\n", &format!("{}\n", escape(&l.state_text)), 1);
    if let Some(d) = alert.decision() {
        s.push_str(&format!(
            "\n    {}: {} · {}",
            lang.of(labels::REVIEW_DECISION),
            escape(&decided_text(d, lang, opts.zone)),
            escape(&d.note)
        ));
    }
    s
}
