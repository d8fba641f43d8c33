//! The per-supplier parts of the report: a row of the needs-attention list, and a row of the
//! full table with its registrations, punishments and level history in a `<details>`.

use std::fmt::Write as _;

use super::ReportOptions;
use super::html::{esc, table, td, td_nw};
use crate::credit::Rank;
use crate::store::SupplierRow;
use crate::view::{Assessment, Flag, ListColumns, reading};

/// One row of the needs-attention table.
pub(super) fn attention_row(
    s: &SupplierRow,
    a: &Assessment,
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
        lang.tr("详情", "details")
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
                lang.tr("海关注册编码", "customs reg. no."),
                lang.tr("注册海关", "customs office"),
                lang.tr("经营类别", "trade type"),
                lang.tr("信用等级", "credit level"),
                lang.tr("认定时间", "rated on"),
                lang.tr("注销标志", "cancelled"),
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
                lang.tr("处罚日期", "date"),
                lang.tr("海关注册编码", "customs reg. no."),
                lang.tr("决定书文号", "decision no."),
                lang.tr("案件性质", "case"),
                lang.tr("当事人", "party"),
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
        let _ = write!(h, "<p>{}", lang.tr("历次筛查：", "Screenings: "));
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
