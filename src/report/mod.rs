//! The HTML report: one self-contained page (no network; a small inline script sorts and filters,
//! and the page reads the same without it), Chinese first.
//!
//! Top to bottom: 需关注供应商 (who to worry about, most severe first), totals and charts, recent
//! punishments with supplier names, invalid codes to fix, the latest run's changes, every supplier
//! with its registrations, punishments and level history, and the cost in calls.
//!
//! Memory stays flat at any list size: one pass over the rows writes the supplier table to a temp
//! file and keeps only the rows that need attention and the recent punishments.

mod html;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use anyhow::Context as _;

use crate::changes::ChangeKind;
use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ChangeRow, DueFilter, InputFile, RunCost, Store, SupplierRow};
use crate::view::{Assessment, Flag, Lang, ListColumns, Window, Zone, change_values, reading};
use html::{bar_chart, esc, header_row, td, td_nw};

/// How the report is written: language, clock, and how far back a punishment counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    pub lang: Lang,
    pub zone: Zone,
    pub punished_within: Window,
}

/// Figures the report shows, computed once (tests compare them with the database).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReportFigures {
    pub keys_by_state: BTreeMap<String, u64>,
    pub suppliers_by_rank: BTreeMap<String, u64>,
    pub needs_attention: usize,
    pub punishments: usize,
    pub punished_suppliers: usize,
    pub invalid_rows: usize,
    pub changes_latest_run: usize,
    pub calls_total: i64,
    pub billed_total: i64,
}

/// A needs-attention row: its place in the order, and the data row to read it back from.
struct Attention {
    order: (
        Option<Flag>,
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
        u64,
    ),
    row: u64,
}

/// A punishment within the window, with the supplier it belongs to.
struct RecentPunishment {
    date: String,
    html: String,
}

/// What the pass over the rows collects besides the supplier table.
#[derive(Default)]
struct Pass {
    fig: ReportFigures,
    by_rank: BTreeMap<Rank, u64>,
    by_flag: BTreeMap<Flag, u64>,
    attention: Vec<Attention>,
    recent: Vec<RecentPunishment>,
    punished: usize,
    /// Punishments on or after this day are recent.
    since: chrono::NaiveDate,
}

/// Write the HTML report; returns the figures it shows.
pub fn write_report(
    store: &Store,
    out: &Path,
    opts: &ReportOptions,
) -> anyhow::Result<ReportFigures> {
    let file = store.latest_file()?.ok_or_else(|| {
        anyhow::anyhow!("the database has no input file yet: run `qcc-credit run` first")
    })?;
    let cols = ListColumns::of(&file);
    let since = opts.punished_within.cutoff(opts.zone.now().date_naive());
    let costs = store.run_costs()?;
    let latest_run = costs.iter().find(|c| c.calls > 0).map(|c| c.id);
    let changes: Vec<ChangeRow> = store
        .changes(None, Some(file.id))?
        .into_iter()
        .filter(|c| c.run_id.is_some() && c.run_id == latest_run)
        .collect();

    // The supplier table goes to a temp file while the rest is gathered.
    let mut table = BufWriter::new(tempfile::tempfile().context("creating a temp file")?);
    let mut pass = Pass {
        since,
        ..Pass::default()
    };
    let mut reader = store.suppliers(file.id, true)?;
    reader.for_each(file.id, |s| {
        if s.row.skipped || !s.first_of_key {
            return Ok(());
        }
        let a = Assessment::of(&s, since);
        pass.add(&s, &a, &cols, opts);
        table.write_all(supplier_row(&s, &a, &cols, opts).as_bytes())
    })?;
    let mut table = table.into_inner().map_err(|e| e.into_error())?;
    table.rewind()?;

    let invalid = store.invalid_rows(file.id)?;
    let fig = pass.finish(&costs, &invalid, changes.len());
    let due_next: u64 = store
        .status(&DueFilter {
            now: crate::store::ts(chrono::Utc::now()),
            refresh_before: None,
        })?
        .due_now
        .values()
        .sum();

    let sink =
        std::fs::File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut w = BufWriter::new(sink);
    let page = Page {
        lang: opts.lang,
        zone: opts.zone,
        window: opts.punished_within,
        file: &file,
        cols: &cols,
    };
    w.write_all(page.head(&fig).as_bytes())?;
    w.write_all(page.attention_head(&pass).as_bytes())?;
    for a in &pass.attention {
        if let Some(s) = reader.at(file.id, a.row)? {
            let assessed = Assessment::of(&s, since);
            w.write_all(attention_row(&s, &assessed, &cols, opts).as_bytes())?;
        }
    }
    w.write_all(b"</tbody></table>")?;
    w.write_all(page.totals(&fig, &pass).as_bytes())?;
    w.write_all(page.punishments(&fig, &pass).as_bytes())?;
    w.write_all(page.invalid(&invalid).as_bytes())?;
    w.write_all(page.changes(latest_run, &changes).as_bytes())?;
    w.write_all(page.suppliers_head().as_bytes())?;
    std::io::copy(&mut table, &mut w)?;
    w.write_all(b"</tbody></table>")?;
    w.write_all(page.cost(&fig, &costs, due_next).as_bytes())?;
    let _ = writeln!(w, "<script>{}</script></body></html>", html::SCRIPT);
    w.flush()
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(fig)
}

impl Pass {
    fn add(&mut self, s: &SupplierRow, a: &Assessment, cols: &ListColumns, opts: &ReportOptions) {
        let lang = opts.lang;
        *self
            .fig
            .keys_by_state
            .entry(s.row.state.to_string())
            .or_default() += 1;
        if s.row.state == KeyState::Found {
            *self.by_rank.entry(Rank::of(&a.level)).or_default() += 1;
        }
        if a.punishments > 0 {
            self.punished += 1;
        }
        self.fig.punishments += a.punishments;
        for f in &a.flags {
            *self.by_flag.entry(*f).or_default() += 1;
        }
        let name = cols.name(&s.row);
        for p in &s.punishments {
            if crate::view::day_of(&p.punish_date).is_some_and(|d| d >= self.since) {
                let mut h = String::from("<tr>");
                td_nw(&mut h, &p.punish_date);
                td(&mut h, &name, false);
                td(&mut h, &s.row.key, false);
                td(&mut h, &a.level_now(lang), false);
                td(&mut h, &p.reg_no, false);
                td(&mut h, &p.decision_no, false);
                td(&mut h, &p.case_prop, false);
                h.push_str("</tr>");
                self.recent.push(RecentPunishment {
                    date: p.punish_date.clone(),
                    html: h,
                });
            }
        }
        if !a.flags.is_empty() {
            self.attention.push(Attention {
                order: a.sort_key(s.row.row),
                row: s.row.row,
            });
        }
    }

    fn finish(
        &mut self,
        costs: &[RunCost],
        invalid: &[(u64, String, String)],
        changes: usize,
    ) -> ReportFigures {
        self.attention.sort_by_key(|a| a.order);
        self.recent.sort_by(|a, b| b.date.cmp(&a.date));
        let mut fig = std::mem::take(&mut self.fig);
        fig.suppliers_by_rank = self
            .by_rank
            .iter()
            .map(|(r, n)| (r.label().to_string(), *n))
            .collect();
        fig.needs_attention = self.attention.len();
        fig.punished_suppliers = self.punished;
        fig.invalid_rows = invalid.len();
        fig.changes_latest_run = changes;
        fig.calls_total = costs.iter().map(|c| c.calls).sum();
        fig.billed_total = costs.iter().map(|c| c.billed).sum();
        fig
    }
}

/// One row of the needs-attention table.
fn attention_row(
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
        flag_id(first)
    );
    for c in cols.ident_cells(&s.row) {
        td(&mut h, &c, false);
    }
    td_nw(&mut h, &s.row.key);
    td(&mut h, &a.level_change(lang), false);
    td(&mut h, &a.cancelled_text(), false);
    td(&mut h, &a.punishments.to_string(), true);
    td_nw(&mut h, &a.latest_day());
    td(&mut h, &a.reason(lang, opts.punished_within), false);
    h.push_str("</tr>\n");
    h
}

/// The stable name of a flag, for `data-flag` and tests.
pub fn flag_id(f: Flag) -> &'static str {
    match f {
        Flag::SeverelyDishonest => "severely_dishonest",
        Flag::Dishonest => "dishonest",
        Flag::Worse => "worse",
        Flag::Punished => "punished",
        Flag::Cancelled => "cancelled",
        Flag::NotFound => "not_found",
    }
}

fn flag_label(lang: Lang, f: Flag) -> &'static str {
    match f {
        Flag::SeverelyDishonest => lang.tr("严重失信企业", "severely dishonest"),
        Flag::Dishonest => lang.tr("失信企业（含C/D类）", "dishonest (incl. C/D)"),
        Flag::Worse => lang.tr("较上次变差", "worse since the previous screening"),
        Flag::Punished => lang.tr("期内受海关处罚", "punished within the window"),
        Flag::Cancelled => lang.tr("有注册已注销", "registration cancelled"),
        Flag::NotFound => lang.tr("未查到海关数据", "not found"),
    }
}

/// One supplier in the full table, with its details.
fn supplier_row(
    s: &SupplierRow,
    a: &Assessment,
    cols: &ListColumns,
    opts: &ReportOptions,
) -> String {
    let lang = opts.lang;
    let mut h = match a.flags.first() {
        Some(f) => format!("<tr data-flag=\"{}\">", flag_id(*f)),
        None => String::from("<tr>"),
    };
    for c in cols.ident_cells(&s.row) {
        td(&mut h, &c, false);
    }
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
        h.push_str("<table>");
        h.push_str(&header_row(&[
            lang.tr("海关注册编码", "customs reg. no."),
            lang.tr("注册海关", "customs office"),
            lang.tr("经营类别", "trade type"),
            lang.tr("信用等级", "credit level"),
            lang.tr("认定时间", "rated on"),
            lang.tr("注销标志", "cancelled"),
        ]));
        for r in &s.registrations {
            h.push_str("<tr>");
            for c in [
                r.reg_no.as_str(),
                &r.customs,
                &r.trade_type,
                &lang.level(&r.level),
                &r.identify_date,
                &r.cancel_flag,
            ] {
                td(h, c, false);
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
    }
    if !s.punishments.is_empty() {
        h.push_str("<table>");
        h.push_str(&header_row(&[
            lang.tr("处罚日期", "date"),
            lang.tr("海关注册编码", "customs reg. no."),
            lang.tr("决定书文号", "decision no."),
            lang.tr("案件性质", "case"),
            lang.tr("当事人", "party"),
        ]));
        for p in &s.punishments {
            h.push_str("<tr>");
            for c in [
                &p.punish_date,
                &p.reg_no,
                &p.decision_no,
                &p.case_prop,
                &p.party,
            ] {
                td(h, c, false);
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
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

/// The page's parts, in the order they appear.
struct Page<'a> {
    lang: Lang,
    zone: Zone,
    window: Window,
    file: &'a InputFile,
    cols: &'a ListColumns,
}

impl Page<'_> {
    fn head(&self, fig: &ReportFigures) -> String {
        let l = self.lang;
        let keys: u64 = fig.keys_by_state.values().sum();
        format!(
            "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>{}</style></head><body><h1>{}</h1><p class=\"meta\">{} <code>{}</code> · {} {} · {} {}</p>",
            l.html(),
            l.tr("海关进出口信用核查报告", "Customs credit screening report"),
            html::STYLE,
            l.tr("海关进出口信用核查报告", "Customs credit screening report"),
            l.tr("供应商清单：", "Supplier list:"),
            esc(&self.file.path),
            l.tr("生成于", "generated"),
            esc(&self.zone.now().format("%Y-%m-%d %H:%M %:z").to_string()),
            keys,
            l.tr("家供应商（去重后）", "distinct suppliers"),
        )
    }

    fn attention_head(&self, pass: &Pass) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2 id=\"needs-attention\">{} ({})</h2><p class=\"meta\">{}</p>",
            l.tr("需关注供应商", "Needs attention"),
            pass.attention.len(),
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
        let mut head: Vec<&str> = self.cols.ident_headers();
        head.extend([
            l.tr("统一社会信用代码", "code"),
            l.tr(
                "信用等级（上次 → 本次）",
                "credit level (previous → current)",
            ),
            l.tr("已注销注册", "registrations cancelled"),
            l.tr("处罚次数#", "punishments#"),
            l.tr("最近处罚日期", "latest punishment"),
            l.tr("原因", "reason"),
        ]);
        h.push_str(&header_row(&head));
        h.push_str("</thead><tbody>");
        h
    }

    fn totals(&self, fig: &ReportFigures, pass: &Pass) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}</h2><table><tr><th>{}</th><th class=\"num\">{}</th></tr>",
            l.tr("总览", "Totals"),
            l.tr("状态", "state"),
            l.tr("供应商", "suppliers")
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
            l.tr(
                "按信用等级（最差的一个注册）",
                "By credit level (worst registration)"
            )
        );
        h.push_str(&bar_chart(l.tr("按信用等级", "by credit level"), &bars));
        let flags = [
            Flag::SeverelyDishonest,
            Flag::Dishonest,
            Flag::Worse,
            Flag::Punished,
            Flag::Cancelled,
            Flag::NotFound,
        ];
        let bars: Vec<(String, u64, &str)> = flags
            .iter()
            .map(|f| {
                (
                    flag_label(l, *f).to_string(),
                    pass.by_flag.get(f).copied().unwrap_or(0),
                    "#d32f2f",
                )
            })
            .collect();
        let _ = write!(
            h,
            "<h3>{}</h3>",
            l.tr("需关注原因", "Why suppliers need attention")
        );
        h.push_str(&bar_chart(
            l.tr("需关注原因", "why suppliers need attention"),
            &bars,
        ));
        h
    }

    fn punishments(&self, fig: &ReportFigures, pass: &Pass) -> String {
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
            l.tr("处罚日期", "date"),
            l.tr("供应商", "supplier"),
            l.tr("统一社会信用代码", "code"),
            l.tr("信用等级", "credit level"),
            l.tr("海关注册编码", "customs reg. no."),
            l.tr("决定书文号", "decision no."),
            l.tr("案件性质", "case"),
        ]));
        for p in &pass.recent {
            h.push_str(&p.html);
        }
        h.push_str("</table>");
        h
    }

    fn invalid(&self, invalid: &[(u64, String, String)]) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{} ({})</h2><table>",
            l.tr(
                "需在供应商清单中更正的代码",
                "Invalid codes to fix in the supplier master"
            ),
            invalid.len()
        );
        h.push_str(&header_row(&[
            l.tr("数据行#", "row#"),
            l.tr("单元格", "cell"),
            l.tr("原因", "why"),
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

    fn changes(&self, latest_run: Option<i64>, changes: &[ChangeRow]) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}{} ({})</h2><table>",
            l.tr("最近一次运行发现的变化", "Changes found by the latest run"),
            latest_run.map(|r| format!(" (#{r})")).unwrap_or_default(),
            changes.len()
        );
        h.push_str(&header_row(&[
            l.tr("发现时间", "detected"),
            l.tr("供应商", "supplier"),
            l.tr("统一社会信用代码", "code"),
            l.tr("变化", "change"),
            l.tr("原值", "was"),
            l.tr("现值", "now"),
            l.tr("两次筛查", "screened"),
        ]));
        for c in changes {
            h.push_str("<tr>");
            td(&mut h, &self.zone.show(&c.detected_at), false);
            td(&mut h, &self.cols.name_in(c.extra.as_deref()), false);
            td(&mut h, &c.key, false);
            let kind = ChangeKind::parse(&c.kind)
                .map(|k| l.change(k))
                .unwrap_or(c.kind.as_str());
            let _ = write!(
                h,
                "<td{}>{}</td>",
                if c.worse { " class=\"worse\"" } else { "" },
                esc(kind)
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

    fn suppliers_head(&self) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}</h2><div id=\"controls\" class=\"controls\" hidden><label>{} <input id=\"filter\" type=\"search\"></label> \
<label><input id=\"only-attention\" type=\"checkbox\"> {}</label> <span class=\"meta\">{}</span></div>",
            l.tr("全部供应商", "All suppliers"),
            l.tr("筛选：", "Filter:"),
            l.tr("只看需关注", "needs attention only"),
            l.tr("点击表头排序", "click a header to sort"),
        );
        h.push_str("<table id=\"suppliers\"><thead>");
        let mut head: Vec<&str> = self.cols.ident_headers();
        head.extend([
            l.tr("统一社会信用代码", "code"),
            l.tr("查询状态", "state"),
            l.tr("信用等级", "credit level"),
            l.tr("已注销注册", "registrations cancelled"),
            l.tr("处罚次数#", "punishments#"),
            l.tr("查询时间", "checked"),
            "",
        ]);
        h.push_str(&header_row(&head));
        h.push_str("</thead><tbody>\n");
        h
    }

    fn cost(&self, fig: &ReportFigures, costs: &[RunCost], due_next: u64) -> String {
        let l = self.lang;
        let mut h = format!(
            "<h2>{}</h2><p>{}</p><table>",
            l.tr("费用", "Cost"),
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
            l.tr("运行", "run"),
            l.tr("开始时间", "started"),
            l.tr("调用#", "calls#"),
            l.tr("计费答复#", "billed answers#"),
            l.tr("退出码", "exit"),
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
