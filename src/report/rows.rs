//! The per-supplier parts of the report: a row of the needs-attention list, and a row of the
//! full table with its registrations, punishments and level history in a `<details>`.

use std::fmt::Write as _;

use super::ReportOptions;
use super::html::{esc, table, td, td_nw};
use super::more::Cell;
use crate::credit::Rank;
use crate::store::SupplierRow;
use crate::view::alert::verdict_label;
use crate::view::lang::labels;
use crate::view::{Alert, AlertState, Assessment, Flag, ListColumns, reading};

/// A needs-attention row's cells as text, and whether each repeats across rows (for
/// [`more`](super::more)): the supplier's cells, how it was queried, the level, the counts, the
/// reason, and the review state (or, decided, the decision, note, who and when).
fn attention_texts(
    s: &SupplierRow,
    a: &Assessment,
    alert: &Alert,
    cols: &ListColumns,
    opts: &ReportOptions,
) -> Vec<(String, bool, bool)> {
    let lang = opts.lang;
    // (text, repeats, no-wrap)
    let mut cells: Vec<(String, bool, bool)> = cols
        .ident_cells(&s.row)
        .into_iter()
        .map(|c| (c, false, false))
        .collect();
    cells.extend([
        (
            lang.basis_short(s.row.key_kind.as_deref()).to_string(),
            true,
            true,
        ),
        (s.row.key.clone(), false, true),
        (a.level_change(lang), true, false),
        (a.cancelled_text(), true, true),
        (a.punishments.to_string(), true, false),
        (a.latest_day(), true, true),
        (
            crate::view::row_reason(s, a, lang, opts.punished_within),
            true,
            false,
        ),
    ]);
    match &alert.state {
        AlertState::Decided(d) => cells.extend([
            (verdict_label(&d.decision, lang).to_string(), true, false),
            (d.note.clone(), false, false),
            (d.decided_by.clone(), true, false),
            (opts.zone.show(&d.decided_at), false, true),
        ]),
        AlertState::Open { earlier, .. } => cells.push((
            alert.state_text(lang, opts.zone),
            true,
            // 待处置 alone reads on one line; open again after a decision, it says why.
            earlier.is_none(),
        )),
    }
    cells
}

/// The row's class: its most severe flag.
fn severity(a: &Assessment) -> (Flag, String) {
    let first = a.flags.first().copied().unwrap_or(Flag::NotFound);
    (first, format!("sev-{}", first as u8))
}

/// One row of a needs-attention table, as HTML.
pub(super) fn attention_row(
    s: &SupplierRow,
    a: &Assessment,
    alert: &Alert,
    cols: &ListColumns,
    opts: &ReportOptions,
) -> String {
    let (first, class) = severity(a);
    let mut h = format!(
        "<tr class=\"{class}\" data-key=\"{}\" data-flag=\"{}\">",
        esc(&s.row.key),
        first.id()
    );
    for (text, _, nw) in attention_texts(s, a, alert, cols, opts) {
        if nw {
            td_nw(&mut h, &text);
        } else {
            td(&mut h, &text, false);
        }
    }
    h.push_str("</tr>\n");
    h
}

/// One row of a needs-attention table, compact: its severity, the index of its key among its
/// cells, and its cells.
pub(super) fn attention_cells(
    s: &SupplierRow,
    a: &Assessment,
    alert: &Alert,
    cols: &ListColumns,
    opts: &ReportOptions,
) -> (u8, usize, Vec<Cell>) {
    let cells = attention_texts(s, a, alert, cols, opts)
        .into_iter()
        .map(|(t, shared, _)| {
            if shared {
                Cell::Shared(t)
            } else {
                Cell::Own(t)
            }
        })
        .collect();
    // After the supplier's own cells and how it was queried.
    let key = cols.ident.len() + 1;
    (severity(a).0 as u8, key, cells)
}

/// One supplier in the full table, with its details.
pub(super) fn supplier_row(
    s: &SupplierRow,
    a: &Assessment,
    cols: &ListColumns,
    opts: &ReportOptions,
) -> String {
    let lang = opts.lang;
    let mut h = match a.flags.first() {
        Some(f) => format!("<tr data-flag=\"{}\">", f.id()),
        None => String::from("<tr>"),
    };
    for c in cols.ident_cells(&s.row) {
        td(&mut h, &c, false);
    }
    td(&mut h, lang.basis(s.row.key_kind.as_deref()), false);
    td(&mut h, &s.row.key, false);
    td(&mut h, lang.row_state(s.row.state_label()), false);
    let _ = write!(
        h,
        "<td data-v=\"{}\">{}</td>",
        Rank::of(&a.level) as u8,
        esc(&a.level_change(lang))
    );
    td(&mut h, &a.cancelled_text(), false);
    td(&mut h, &a.punishments.to_string(), true);
    td(
        &mut h,
        &s.row
            .checked_at
            .as_deref()
            .map(|t| opts.zone.show(t))
            .unwrap_or_default(),
        false,
    );
    h.push_str("<td class=\"nw\">");
    details(&mut h, s, opts);
    h.push_str("</td></tr>\n");
    h
}

/// Registrations, punishments and level history in a `<details>`, inside a `<template>`: not
/// drawn until the analyst opens it (the page's script moves it in).
fn details(h: &mut String, s: &SupplierRow, opts: &ReportOptions) {
    let lang = opts.lang;
    if s.registrations.is_empty() && s.history.len() < 2 {
        return;
    }
    let _ = write!(
        h,
        "<details><summary>{}</summary><template>",
        lang.of(labels::REPORT_ROW_DETAILS)
    );
    if !s.registrations.is_empty() {
        let levels: Vec<String> = s
            .registrations
            .iter()
            .map(|r| lang.level(&r.level))
            .collect();
        table(
            h,
            &[
                lang.of(labels::REPORT_ROW_CUSTOMS_REG_NO),
                lang.of(labels::REPORT_ROW_CUSTOMS_OFFICE),
                lang.of(labels::REPORT_ROW_TRADE_TYPE),
                lang.of(labels::REPORT_ROW_CREDIT_LEVEL),
                lang.of(labels::REPORT_ROW_RATED_ON),
                lang.of(labels::REPORT_ROW_CANCELLED),
            ],
            s.registrations.iter().zip(&levels).map(|(r, level)| {
                vec![
                    r.reg_no.as_str(),
                    &r.customs,
                    &r.trade_type,
                    level,
                    &r.identify_date,
                    &r.cancel_flag,
                ]
            }),
        );
    }
    if !s.punishments.is_empty() {
        table(
            h,
            &[
                lang.of(labels::REPORT_ROW_DATE),
                lang.of(labels::REPORT_ROW_CUSTOMS_REG_NO),
                lang.of(labels::REPORT_ROW_DECISION_NO),
                lang.of(labels::REPORT_ROW_CASE),
                lang.of(labels::REPORT_ROW_PARTY),
            ],
            s.punishments.iter().map(|p| {
                vec![
                    p.punish_date.as_str(),
                    &p.reg_no,
                    &p.decision_no,
                    &p.case_prop,
                    &p.party,
                ]
            }),
        );
    }
    if !s.history.is_empty() {
        let _ = write!(h, "<p>{}", lang.of(labels::REPORT_ROW_SCREENINGS));
        let steps: Vec<String> = s
            .history
            .iter()
            .map(|p| {
                let level =
                    crate::credit::worst_level(p.levels.iter().map(String::as_str)).to_string();
                format!(
                    "{} {}",
                    opts.zone.date(&p.checked_at),
                    reading(lang, p.state, &level)
                )
            })
            .collect();
        h.push_str(&esc(&steps.join(" → ")));
        h.push_str("</p>");
    }
    h.push_str("</template></details>");
}
