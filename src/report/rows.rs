//! The per-supplier parts of the report: a row of the needs-attention list, and a row of the
//! full table with its registrations, punishments and level history in a `<details>`.

use std::fmt::Write as _;

use super::ReportOptions;
use super::html::{esc, table, td, td_nw};
use crate::credit::Rank;
use crate::store::SupplierRow;
use crate::view::alert::verdict_label;
use crate::view::lang::labels;
use crate::view::{Alert, AlertState, Assessment, Flag, ListColumns, reading};

/// One row of the needs-attention table.
pub(super) fn attention_row(
    s: &SupplierRow,
    a: &Assessment,
    alert: &Alert,
    cols: &ListColumns,
    opts: &ReportOptions,
) -> String {
    let lang = opts.lang;
    let first = a.flags.first().copied().unwrap_or(Flag::NotFound);
    let mut h = format!(
        "<tr class=\"sev-{}\" data-key=\"{}\" data-flag=\"{}\">",
        first as u8,
        esc(&s.row.key),
        first.id()
    );
    for c in cols.ident_cells(&s.row) {
        td(&mut h, &c, false);
    }
    td(&mut h, lang.basis(s.row.key_kind.as_deref()), false);
    td_nw(&mut h, &s.row.key);
    td(&mut h, &a.level_change(lang), false);
    td(&mut h, &a.cancelled_text(), false);
    td(&mut h, &a.punishments.to_string(), true);
    td_nw(&mut h, &a.latest_day());
    td(
        &mut h,
        &crate::view::row_reason(s, a, lang, opts.punished_within),
        false,
    );
    match &alert.state {
        AlertState::Decided(d) => {
            td(&mut h, verdict_label(&d.decision, lang), false);
            td(&mut h, &d.note, false);
            td(&mut h, &d.decided_by, false);
            td_nw(&mut h, &opts.zone.show(&d.decided_at));
        }
        AlertState::Open { .. } => td(&mut h, &alert.state_text(lang, opts.zone), false),
    }
    h.push_str("</tr>\n");
    h
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
    h.push_str("<td>");
    details(&mut h, s, opts);
    h.push_str("</td></tr>\n");
    h
}

/// Registrations, punishments and level history in a `<details>`.
fn details(h: &mut String, s: &SupplierRow, opts: &ReportOptions) {
    let lang = opts.lang;
    if s.registrations.is_empty() && s.history.len() < 2 {
        return;
    }
    let _ = write!(
        h,
        "<details><summary>{}</summary>",
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
    h.push_str("</details>");
}
