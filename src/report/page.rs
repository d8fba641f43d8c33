//! The page's sections, top to bottom: head, the needs-attention tables, totals and charts,
//! recent punishments, codes to fix, the latest run's changes, the supplier table, cost. A
//! section with nothing to show says so in one line; one cut at [`HTML_ROWS`] says how many more
//! there are and where.

use std::fmt::Write as _;

use super::html::{self, bar_chart, esc, header_row, td, td_nw};
use super::more::More;
use super::{HTML_ROWS, Pass, ReportFigures};
use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ChangeRow, InputFile, InvalidRow, RunCost, Store};
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
<style>{}</style></head><body><h1>{}</h1><p class=\"meta\">{} <code>{}</code> · {} {} · {} {}\
<label class=\"noprint print-all\"><input type=\"checkbox\" id=\"print-all\">{}</label></p>",
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
            l.of(labels::REPORT_PRINT_ALL),
        )
    }

    /// The heading of the needs-attention list, and a line when it is empty.
    pub(super) fn attention_head(&self, fig: &ReportFigures) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2 id=\"needs-attention\">{} ({})</h2><p class=\"meta\">{}</p>",
            l.of(labels::REPORT_NEEDS_ATTENTION),
            fig.open_alerts,
            esc(&l.report_attention_intro(&self.window.label(l)))
        );
        if fig.needs_attention == 0 {
            let _ = write!(
                h,
                "<p class=\"none\">{}</p>",
                l.of(labels::REPORT_NO_ATTENTION)
            );
        } else if fig.open_alerts == 0 {
            let _ = write!(
                h,
                "<p class=\"none\">{}</p>",
                l.of(labels::REPORT_NO_OPEN_ALERTS)
            );
        }
        h
    }

    /// A needs-attention table's opening: `attention` (open) or `decided`.
    pub(super) fn attention_table(&self, id: &str, decided: bool) -> String {
        format!(
            "<table id=\"{id}\" class=\"list\"><thead>{}</thead><tbody>",
            header_row(&self.attention_headers(decided))
        )
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
        format!(
            "<h3 id=\"decided-alerts\">{} ({})</h3>",
            self.lang.of(labels::REVIEW_DECIDED_SECTION),
            fig.needs_attention - fig.open_alerts
        )
    }

    /// The rows of table `id` beyond the first [`HTML_ROWS`]: kept whole, drawn on request.
    pub(super) fn more(&self, id: &str, more: &More) -> String {
        if more.count == 0 {
            return String::new();
        }
        let l = self.lang;
        format!(
            "{}<p class=\"more noprint\"><button type=\"button\" data-more=\"{id}-more\" \
data-table=\"{id}\">{} {} {}</button> {}</p>",
            more.script(&format!("{id}-more")),
            l.of(labels::REPORT_SHOW_MORE),
            more.count,
            l.tr("家", "more"),
            esc(&l.report_rest(
                more.count,
                "工作簿（qcc-credit export --format xlsx）的需关注表",
                "the workbook's Needs attention sheet (qcc-credit export --format xlsx)"
            ))
        )
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
        let window = self.window.label(l);
        let mut h = format!(
            "<h2>{}</h2><p class=\"meta\">{}</p>",
            esc(&l.report_punishments_heading(&window, fig.recent_punishments)),
            esc(&l.report_punishments_meta(fig.punished_suppliers, fig.punishments))
        );
        if pass.recent.is_empty() {
            let _ = write!(
                h,
                "<p class=\"none\">{}</p>",
                esc(&l.report_no_punishments(&window))
            );
            return h;
        }
        h.push_str("<table id=\"punishments\" class=\"list\"><thead>");
        h.push_str(&header_row(&[
            l.of(labels::REPORT_DATE),
            l.of(labels::REPORT_SUPPLIER),
            l.basis_headers()[1],
            l.of(labels::REPORT_CREDIT_LEVEL),
            l.of(labels::REPORT_CUSTOMS_REG_NO),
            l.of(labels::REPORT_DECISION_NO),
            l.of(labels::REPORT_CASE),
        ]));
        h.push_str("</thead><tbody>");
        for p in &pass.recent {
            h.push_str(&p.html);
        }
        h.push_str("</tbody></table>");
        self.rest(
            &mut h,
            (fig.recent_punishments - pass.recent.len()) as u64,
            "工作簿（qcc-credit export --format xlsx）的处罚记录表",
            "the workbook's Punishments sheet (qcc-credit export --format xlsx)",
        );
        h
    }

    /// `其余 N 项未在此列出：见…`, when a section was cut.
    fn rest(&self, h: &mut String, n: u64, zh_where: &str, en_where: &str) {
        if n > 0 {
            let _ = write!(
                h,
                "<p class=\"meta\">{}</p>",
                esc(&self.lang.report_rest(n, zh_where, en_where))
            );
        }
    }

    /// Codes to fix: the supplier as the list shows it, the cell as written, and the fix.
    pub(super) fn invalid(&self, invalid: &[InvalidRow], total: u64) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2 id=\"codes-to-fix\">{} ({total})</h2>",
            l.of(labels::REPORT_INVALID_CODES_TO_FIX_IN_THE),
        );
        if invalid.is_empty() {
            let _ = write!(
                h,
                "<p class=\"none\">{}</p>",
                l.of(labels::REPORT_NO_INVALID)
            );
            return h;
        }
        h.push_str("<table id=\"invalid\" class=\"list\"><thead>");
        h.push_str(&header_row(&[
            l.of(labels::REPORT_SHEET_ROW),
            l.of(labels::REPORT_SUPPLIER_ID),
            l.of(labels::REPORT_SUPPLIER_NAME),
            l.of(labels::REPORT_CELL),
            l.of(labels::REPORT_FIX),
        ]));
        h.push_str("</thead><tbody>");
        for r in invalid {
            h.push_str("<tr>");
            td(&mut h, &r.sheet_row.unwrap_or(r.row).to_string(), true);
            td(&mut h, &self.cols.id_in(r.extra.as_deref()), false);
            td(&mut h, &self.cols.name_in(r.extra.as_deref()), false);
            td_nw(&mut h, &r.input);
            td(&mut h, &l.fix_message(&r.message), false);
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        self.rest(
            &mut h,
            total - invalid.len() as u64,
            "工作簿的筛查结果表（查询状态为“代码无效”的行）",
            "the workbook's Results sheet (rows whose state is invalid code)",
        );
        h
    }

    /// The latest run's changes, streamed: the first [`HTML_ROWS`], then how many more.
    pub(super) fn changes(
        &self,
        w: &mut impl std::io::Write,
        store: &Store,
        costs: &[RunCost],
    ) -> anyhow::Result<u64> {
        let l = self.lang;
        let latest = costs.iter().find(|c| c.calls > 0).map(|c| c.id);
        let total = match latest {
            Some(run) => store.changes_in_run(run)?.0,
            None => 0,
        };
        write!(
            w,
            "<h2 id=\"changes\">{}{} ({total})</h2>",
            l.of(labels::REPORT_CHANGES_FOUND_BY_THE_LATEST_RUN),
            latest.map(|r| format!(" (#{r})")).unwrap_or_default(),
        )?;
        let (Some(run), true) = (latest, total > 0) else {
            let first = costs.iter().filter(|c| c.calls > 0).count() <= 1;
            let line = if first {
                labels::CHANGES_FIRST_SCREENING
            } else {
                labels::REPORT_NO_CHANGES_THIS_RUN
            };
            write!(w, "<p class=\"none\">{}</p>", l.of(line))?;
            return Ok(total);
        };
        let mut h = String::from("<table id=\"changes-table\" class=\"list\"><thead>");
        h.push_str(&header_row(&[
            l.of(labels::REPORT_DETECTED),
            l.of(labels::REPORT_SUPPLIER),
            l.basis_headers()[1],
            l.of(labels::REPORT_CHANGE),
            l.of(labels::REPORT_WAS),
            l.of(labels::REPORT_NOW),
            l.of(labels::REPORT_SCREENED),
        ]));
        h.push_str("</thead><tbody>");
        w.write_all(h.as_bytes())?;
        let mut shown = 0u64;
        store.for_each_change(None, Some(run), Some(self.file.id), |c| {
            if shown < HTML_ROWS as u64 {
                shown += 1;
                w.write_all(self.change_row(&c).as_bytes())?;
            }
            Ok(())
        })?;
        let mut h = String::from("</tbody></table>");
        self.rest(
            &mut h,
            total.saturating_sub(shown),
            "qcc-credit changes",
            "qcc-credit changes",
        );
        w.write_all(h.as_bytes())?;
        Ok(total)
    }

    fn change_row(&self, c: &ChangeRow) -> String {
        let l = self.lang;
        let mut h = String::from("<tr>");
        td_nw(&mut h, &self.zone.show(&c.detected_at));
        td(&mut h, &self.cols.supplier_in(c.extra.as_deref()), false);
        td_nw(&mut h, &c.key);
        let _ = write!(
            h,
            "<td{}>{}</td>",
            if c.worse { " class=\"worse\"" } else { "" },
            esc(&l.change_text(&c.kind))
        );
        let (was, now) = change_values(l, c);
        td(&mut h, &was, false);
        td(&mut h, &now, false);
        td_nw(
            &mut h,
            &format!(
                "{} → {}",
                self.zone.date(&c.before.checked_at),
                self.zone.date(&c.after.checked_at)
            ),
        );
        h.push_str("</tr>");
        h
    }

    /// The full supplier table's head: printed only when asked for (`#print-all`).
    pub(super) fn suppliers_head(&self, fig: &ReportFigures) -> String {
        let l = self.lang;
        let mut h = format!(
            "<section id=\"all-suppliers\"><h2>{} ({})</h2><div id=\"controls\" class=\"controls\" hidden>\
<label>{} <input id=\"filter\" type=\"search\"></label>\
<label class=\"check\"><input id=\"only-attention\" type=\"checkbox\">{}</label> <span class=\"meta\">{}</span></div>",
            l.of(labels::REPORT_ALL_SUPPLIERS),
            fig.suppliers,
            l.of(labels::REPORT_FILTER),
            l.of(labels::REPORT_NEEDS_ATTENTION_ONLY),
            l.of(labels::REPORT_CLICK_A_HEADER_TO_SORT),
        );
        h.push_str("<table id=\"suppliers\" class=\"list\"><thead>");
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

    /// The table's end, and where the rows beyond the first [`HTML_ROWS`] are.
    pub(super) fn suppliers_tail(&self, fig: &ReportFigures) -> String {
        let mut h = String::from("</tbody></table>");
        self.rest(
            &mut h,
            fig.suppliers - fig.suppliers_listed,
            "工作簿（qcc-credit export --format xlsx）的筛查结果表",
            "the workbook's Results sheet (qcc-credit export --format xlsx)",
        );
        h.push_str("</section>");
        h
    }

    pub(super) fn cost(
        &self,
        fig: &ReportFigures,
        costs: &[RunCost],
        due_next: u64,
        price: Option<f64>,
    ) -> String {
        let l = self.lang;
        let next = match l {
            Lang::Zh => format!("。下次运行待查询 {due_next} 家。"),
            Lang::En => format!(". Next run: {due_next} keys due."),
        };
        let mut h = format!(
            "<h2>{}</h2><p>{}{}</p><table class=\"list\"><thead>",
            l.of(labels::REPORT_COST),
            esc(&l.cost(fig.billed_total as u64, price)),
            esc(&next)
        );
        h.push_str(&header_row(&[
            l.of(labels::REPORT_RUN),
            l.of(labels::REPORT_STARTED),
            l.of(labels::REPORT_CALLS),
            l.of(labels::REPORT_BILLED_ANSWERS),
            l.of(labels::REPORT_EXIT),
        ]));
        h.push_str("</thead><tbody>");
        for c in costs {
            h.push_str("<tr>");
            td(&mut h, &format!("#{}", c.id), false);
            td_nw(&mut h, &self.zone.show(&c.started_at));
            td(&mut h, &c.calls.to_string(), true);
            td(&mut h, &c.billed.to_string(), true);
            td(
                &mut h,
                &c.exit_code
                    .map(|e| crate::exit::ExitCode::describe(e, l))
                    .unwrap_or_else(|| "-".into()),
                false,
            );
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        h
    }
}
