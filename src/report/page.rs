//! The page's sections, top to bottom: head, needs-attention heading, totals and charts, recent
//! punishments, invalid codes, the latest run's changes, the supplier table's head, cost.

use std::fmt::Write as _;

use super::html::{self, bar_chart, esc, header_row, td};
use super::{Pass, ReportFigures};
use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ChangeRow, InputFile, RunCost};
use crate::view::lang::labels;
use crate::view::{Flag, Lang, ListColumns, Window, Zone, change_values};

/// The page's parts, in the order they appear.
pub(super) struct Page<'a> {
    pub lang: Lang,
    pub zone: Zone,
    pub window: Window,
    pub file: &'a InputFile,
    pub cols: &'a ListColumns,
}

impl Page<'_> {
    pub(super) fn head(&self, fig: &ReportFigures) -> String {
        let l = self.lang;
        let keys: u64 = fig.keys_by_state.values().sum();
        format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>{}</style></head><body><h1>{}</h1><p class=\"meta\">{} <code>{}</code> · {} {} · {} {}</p>",
            l.html(),
            l.of(labels::REPORT_CUSTOMS_CREDIT_SCREENING_REPORT),
            html::STYLE,
            l.of(labels::REPORT_CUSTOMS_CREDIT_SCREENING_REPORT),
            l.of(labels::REPORT_SUPPLIER_LIST),
            esc(&self.file.path),
            l.of(labels::REPORT_GENERATED),
            esc(&self.zone.now().format("%Y-%m-%d %H:%M %:z").to_string()),
            keys,
            l.of(labels::REPORT_DISTINCT_SUPPLIERS),
        )
    }

    pub(super) fn attention_head(&self, fig: &ReportFigures) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2 id=\"needs-attention\">{} ({})</h2><p class=\"meta\">{}</p>",
            l.of(labels::REPORT_NEEDS_ATTENTION),
            fig.open_alerts,
            esc(&match l {
                Lang::Zh => format!(
                    "严重失信、失信（含C/D类）、{}受海关处罚、有海关注册已注销、未查到海关数据、或较上次筛查变差的供应商，按严重程度排序。",
                    self.window.label(l)
                ),
                Lang::En => format!(
                    "Suppliers rated severely dishonest or dishonest (incl. C/D), punished {}, with a cancelled customs registration, not found, or worse since the previous screening; most severe first.",
                    self.window.label(l)
                ),
            })
        );
        h.push_str("<table id=\"attention\"><thead>");
        h.push_str(&header_row(&self.attention_headers(false)));
        h.push_str("</thead><tbody>");
        h
    }

    /// The columns of the needs-attention tables; the decided one adds the decision.
    fn attention_headers(&self, decided: bool) -> Vec<&str> {
        let l = self.lang;
        let mut head: Vec<&str> = self.cols.ident_headers();
        head.extend(l.basis_headers());
        head.extend([
            l.of(labels::REPORT_CREDIT_LEVEL_PREVIOUS_CURRENT),
            l.of(labels::REPORT_REGISTRATIONS_CANCELLED),
            l.of(labels::REPORT_PUNISHMENTS),
            l.of(labels::REPORT_LATEST_PUNISHMENT),
            l.of(labels::REPORT_REASON),
        ]);
        if decided {
            head.extend([
                l.of(labels::REVIEW_DECISION),
                l.of(labels::REVIEW_NOTE),
                l.of(labels::REVIEW_BY),
                l.of(labels::REVIEW_AT),
            ]);
        } else {
            head.push(l.of(labels::REVIEW_STATE));
        }
        head
    }

    /// The decided alerts: nothing new since their decision.
    pub(super) fn decided_head(&self, fig: &ReportFigures) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h3 id=\"decided-alerts\">{} ({})</h3><table id=\"decided\"><thead>",
            l.of(labels::REVIEW_DECIDED_SECTION),
            fig.needs_attention - fig.open_alerts
        );
        h.push_str(&header_row(&self.attention_headers(true)));
        h.push_str("</thead><tbody>");
        h
    }

    pub(super) fn totals(&self, fig: &ReportFigures, pass: &Pass) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}</h2><table><tr><th>{}</th><th class=\"num\">{}</th></tr>",
            l.of(labels::REPORT_TOTALS),
            l.of(labels::REPORT_STATE),
            l.of(labels::REPORT_SUPPLIERS)
        );
        for st in KeyState::ALL {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\" id=\"state-{st}\">{}</td></tr>",
                l.state(st),
                fig.keys_by_state.get(st.as_str()).copied().unwrap_or(0)
            );
        }
        h.push_str("</table>");
        let colors = [
            "#7f0000", "#d32f2f", "#f9a825", "#7cb342", "#2e7d32", "#9e9e9e",
        ];
        let bars: Vec<(String, u64, &str)> = Rank::ALL
            .iter()
            .zip(colors)
            .map(|(r, c)| {
                (
                    l.rank(*r).to_string(),
                    pass.by_rank.get(r).copied().unwrap_or(0),
                    c,
                )
            })
            .collect();
        let _ = write!(
            h,
            "<h3>{}</h3>",
            l.of(labels::REPORT_BY_CREDIT_LEVEL_WORST_REGISTRATION)
        );
        h.push_str(&bar_chart(l.of(labels::REPORT_BY_CREDIT_LEVEL), &bars));
        let bars: Vec<(String, u64, &str)> = Flag::ALL
            .iter()
            .map(|f| {
                (
                    l.flag(*f).to_string(),
                    pass.by_flag.get(f).copied().unwrap_or(0),
                    "#d32f2f",
                )
            })
            .collect();
        let _ = write!(
            h,
            "<h3>{}</h3>",
            l.of(labels::REPORT_WHY_SUPPLIERS_NEED_ATTENTION)
        );
        h.push_str(&bar_chart(
            l.of(labels::REPORT_WHY_SUPPLIERS_NEED_ATTENTION_2),
            &bars,
        ));
        h
    }

    pub(super) fn punishments(&self, fig: &ReportFigures, pass: &Pass) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{} ({})</h2>",
            match l {
                Lang::Zh => format!("{}海关处罚", self.window.label(l)),
                Lang::En => format!("Customs punishments {}", self.window.label(l)),
            },
            pass.recent.len()
        );
        let _ = write!(
            h,
            "<p class=\"meta\">{}</p>",
            esc(&match l {
                Lang::Zh => format!(
                    "当前答复中共有 {} 家供应商、{} 条处罚记录；较早的处罚见下方各供应商详情。",
                    fig.punished_suppliers, fig.punishments
                ),
                Lang::En => format!(
                    "{} suppliers, {} decisions in the current answers; older ones are in each supplier's details below.",
                    fig.punished_suppliers, fig.punishments
                ),
            })
        );
        h.push_str("<table id=\"punishments\">");
        h.push_str(&header_row(&[
            l.of(labels::REPORT_DATE),
            l.of(labels::REPORT_SUPPLIER),
            l.basis_headers()[0],
            l.basis_headers()[1],
            l.of(labels::REPORT_CREDIT_LEVEL),
            l.of(labels::REPORT_CUSTOMS_REG_NO),
            l.of(labels::REPORT_DECISION_NO),
            l.of(labels::REPORT_CASE),
        ]));
        for p in &pass.recent {
            h.push_str(&p.html);
        }
        h.push_str("</table>");
        h
    }

    pub(super) fn invalid(&self, invalid: &[(u64, String, String)]) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{} ({})</h2><table>",
            l.of(labels::REPORT_INVALID_CODES_TO_FIX_IN_THE),
            invalid.len()
        );
        h.push_str(&header_row(&[
            l.of(labels::REPORT_ROW),
            l.of(labels::REPORT_CELL),
            l.of(labels::REPORT_WHY),
        ]));
        for (row, input, why) in invalid {
            h.push_str("<tr>");
            td(&mut h, &row.to_string(), true);
            td(&mut h, input, false);
            td(&mut h, why, false);
            h.push_str("</tr>");
        }
        h.push_str("</table>");
        h
    }

    pub(super) fn changes(&self, latest_run: Option<i64>, changes: &[ChangeRow]) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}{} ({})</h2><table>",
            l.of(labels::REPORT_CHANGES_FOUND_BY_THE_LATEST_RUN),
            latest_run.map(|r| format!(" (#{r})")).unwrap_or_default(),
            changes.len()
        );
        h.push_str(&header_row(&[
            l.of(labels::REPORT_DETECTED),
            l.of(labels::REPORT_SUPPLIER),
            l.basis_headers()[0],
            l.basis_headers()[1],
            l.of(labels::REPORT_CHANGE),
            l.of(labels::REPORT_WAS),
            l.of(labels::REPORT_NOW),
            l.of(labels::REPORT_SCREENED),
        ]));
        for c in changes {
            h.push_str("<tr>");
            td(&mut h, &self.zone.show(&c.detected_at), false);
            td(&mut h, &self.cols.supplier_in(c.extra.as_deref()), false);
            td(&mut h, l.basis(c.key_kind.as_deref()), false);
            td(&mut h, &c.key, false);
            let _ = write!(
                h,
                "<td{}>{}</td>",
                if c.worse { " class=\"worse\"" } else { "" },
                esc(&l.change_text(&c.kind))
            );
            let (was, now) = change_values(l, c);
            td(&mut h, &was, false);
            td(&mut h, &now, false);
            td(
                &mut h,
                &format!(
                    "{} → {}",
                    self.zone.date(&c.before.checked_at),
                    self.zone.date(&c.after.checked_at)
                ),
                false,
            );
            h.push_str("</tr>");
        }
        h.push_str("</table>");
        h
    }

    pub(super) fn suppliers_head(&self) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}</h2><div id=\"controls\" class=\"controls\" hidden><label>{} <input id=\"filter\" type=\"search\"></label> \
<label><input id=\"only-attention\" type=\"checkbox\"> {}</label> <span class=\"meta\">{}</span></div>",
            l.of(labels::REPORT_ALL_SUPPLIERS),
            l.of(labels::REPORT_FILTER),
            l.of(labels::REPORT_NEEDS_ATTENTION_ONLY),
            l.of(labels::REPORT_CLICK_A_HEADER_TO_SORT),
        );
        h.push_str("<table id=\"suppliers\"><thead>");
        let mut head: Vec<&str> = self.cols.ident_headers();
        head.extend(l.basis_headers());
        head.extend([
            l.of(labels::REPORT_STATE_2),
            l.of(labels::REPORT_CREDIT_LEVEL),
            l.of(labels::REPORT_REGISTRATIONS_CANCELLED),
            l.of(labels::REPORT_PUNISHMENTS),
            l.of(labels::REPORT_CHECKED),
            "",
        ]);
        h.push_str(&header_row(&head));
        h.push_str("</thead><tbody>\n");
        h
    }

    pub(super) fn cost(&self, fig: &ReportFigures, costs: &[RunCost], due_next: u64) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}</h2><p>{}</p><table>",
            l.of(labels::REPORT_COST),
            esc(&match l {
                Lang::Zh => format!(
                    "共调用 {} 次，其中 {} 次为计费答复（200/201）；请按每次调用都计费估算。下次运行待查询 {} 个。",
                    fig.calls_total, fig.billed_total, due_next
                ),
                Lang::En => format!(
                    "{} calls in all, {} of them billed answers (200/201); assume every call is billed. Next run: {} keys due.",
                    fig.calls_total, fig.billed_total, due_next
                ),
            })
        );
        h.push_str(&header_row(&[
            l.of(labels::REPORT_RUN),
            l.of(labels::REPORT_STARTED),
            l.of(labels::REPORT_CALLS),
            l.of(labels::REPORT_BILLED_ANSWERS),
            l.of(labels::REPORT_EXIT),
        ]));
        for c in costs {
            h.push_str("<tr>");
            td(&mut h, &format!("#{}", c.id), false);
            td(&mut h, &self.zone.show(&c.started_at), false);
            td(&mut h, &c.calls.to_string(), true);
            td(&mut h, &c.billed.to_string(), true);
            td(
                &mut h,
                &c.exit_code
                    .map(|e| e.to_string())
                    .unwrap_or_else(|| "-".into()),
                false,
            );
            h.push_str("</tr>");
        }
        h.push_str("</table>");
        h
    }
}
