//! The HTML report: one self-contained page (no network, no script): totals by state, suppliers
//! by credit level (inline SVG bar chart), punished suppliers with their decisions, invalid codes
//! to fix in the supplier master, the changes found by the latest run, and the cost in calls.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ChangeRow, DueFilter, PunishedRow, RunCost, Store};

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Horizontal bar chart as inline SVG.
fn bar_chart(title: &str, bars: &[(String, u64, &str)]) -> String {
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let row_h = 26;
    let h = bars.len() * row_h + 10;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"640\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"13\">",
        esc(title)
    );
    for (i, (label, n, color)) in bars.iter().enumerate() {
        let y = i * row_h + 5;
        let w = (*n as f64 / max as f64 * 380.0).round() as u64;
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"190\" y=\"{y}\" width=\"{}\" height=\"18\" fill=\"{color}\"/><text x=\"{}\" y=\"{}\">{n}</text>",
            y + 14,
            esc(label),
            w.max(1),
            196 + w,
            y + 14
        );
    }
    s.push_str("</svg>");
    s
}

/// Figures the report shows, computed once (tests compare them with the database).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReportFigures {
    pub keys_by_state: BTreeMap<String, u64>,
    pub suppliers_by_rank: BTreeMap<String, u64>,
    pub punishments: usize,
    pub punished_suppliers: usize,
    pub invalid_rows: usize,
    pub changes_latest_run: usize,
    pub calls_total: i64,
    pub billed_total: i64,
}

/// Everything the page shows, read once.
struct Data {
    path: String,
    keys: usize,
    by_rank: BTreeMap<Rank, u64>,
    punished: Vec<PunishedRow>,
    invalid: Vec<(u64, String, String)>,
    costs: Vec<RunCost>,
    latest_run: Option<i64>,
    changes: Vec<ChangeRow>,
    due_next: u64,
}

fn read(store: &Store) -> anyhow::Result<(Data, ReportFigures)> {
    let file = store.latest_file()?.ok_or_else(|| {
        anyhow::anyhow!("the database has no input file yet: run `qcc-credit run` first")
    })?;
    let keys = store.file_keys(file.id)?;
    let mut fig = ReportFigures::default();
    let mut by_rank: BTreeMap<Rank, u64> = BTreeMap::new();
    for (_, st, sid) in &keys {
        *fig.keys_by_state.entry(st.to_string()).or_default() += 1;
        if *st == KeyState::Found
            && let Some(sid) = sid
        {
            let (_, worst, _) = store.screening_summary(*sid)?;
            *by_rank.entry(Rank::of(&worst)).or_default() += 1;
        }
    }
    fig.suppliers_by_rank = by_rank
        .iter()
        .map(|(r, n)| (r.label().to_string(), *n))
        .collect();
    let punished = store.punished(file.id)?;
    fig.punishments = punished.len();
    fig.punished_suppliers = punished
        .iter()
        .map(|p| &p.key)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let invalid = store.invalid_rows(file.id)?;
    fig.invalid_rows = invalid.len();
    let costs = store.run_costs()?;
    fig.calls_total = costs.iter().map(|c| c.calls).sum();
    fig.billed_total = costs.iter().map(|c| c.billed).sum();
    let latest_run = costs.iter().find(|c| c.calls > 0).map(|c| c.id);
    let changes: Vec<ChangeRow> = store
        .changes(None)?
        .into_iter()
        .filter(|c| c.run_id.is_some() && c.run_id == latest_run)
        .collect();
    fig.changes_latest_run = changes.len();
    let status = store.status(&DueFilter {
        now: crate::store::ts(chrono::Utc::now()),
        refresh_before: None,
    })?;
    let data = Data {
        path: file.path,
        keys: keys.len(),
        by_rank,
        punished,
        invalid,
        costs,
        latest_run,
        changes,
        due_next: status.due_now.values().sum(),
    };
    Ok((data, fig))
}

/// Write the HTML report; returns the figures it shows.
pub fn write_report(store: &Store, out: &Path) -> anyhow::Result<ReportFigures> {
    let (d, fig) = read(store)?;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>qcc-credit report</title>\
<style>body{{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;margin:2em;max-width:1100px;color:#222}}table{{border-collapse:collapse;margin:.5em 0 1.5em}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left}}th{{background:#f0f0f0}}.num{{text-align:right}}\
.worse{{color:#b00020;font-weight:bold}}h2{{border-bottom:2px solid #ddd;padding-bottom:4px}}</style></head><body>\
<h1>Customs credit screening report</h1><p>Input: <code>{}</code> · generated {} · {} keys</p>",
        esc(&d.path),
        esc(&crate::store::ts(chrono::Utc::now())),
        d.keys
    );
    totals(&mut h, &fig);
    levels(&mut h, &d.by_rank);
    punished(&mut h, &fig, &d.punished);
    invalid(&mut h, &d.invalid);
    changes(&mut h, d.latest_run, &d.changes);
    cost(&mut h, &fig, &d.costs, d.due_next);
    h.push_str("</body></html>\n");
    std::fs::write(out, h).map_err(|e| anyhow::anyhow!("writing {}: {e}", out.display()))?;
    Ok(fig)
}

fn totals(h: &mut String, fig: &ReportFigures) {
    h.push_str("<h2>Totals by state</h2><table><tr><th>state</th><th>keys</th></tr>");
    for st in KeyState::ALL {
        let _ = write!(
            h,
            "<tr><td>{st}</td><td class=\"num\" id=\"state-{st}\">{}</td></tr>",
            fig.keys_by_state.get(st.as_str()).copied().unwrap_or(0)
        );
    }
    h.push_str("</table>");
}

fn levels(h: &mut String, by_rank: &BTreeMap<Rank, u64>) {
    let colors = [
        "#7f0000", "#d32f2f", "#f9a825", "#7cb342", "#2e7d32", "#9e9e9e",
    ];
    let bars: Vec<(String, u64, &str)> = Rank::ALL
        .iter()
        .zip(colors)
        .map(|(r, c)| {
            (
                r.label().replace('_', " "),
                by_rank.get(r).copied().unwrap_or(0),
                c,
            )
        })
        .collect();
    h.push_str("<h2>Suppliers by credit level (worst registration)</h2>");
    h.push_str(&bar_chart("suppliers by credit level", &bars));
    h.push_str("<table><tr><th>rank</th><th>suppliers</th></tr>");
    for (label, n, _) in &bars {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"num\">{n}</td></tr>",
            esc(label)
        );
    }
    h.push_str("</table>");
}

fn punished(h: &mut String, fig: &ReportFigures, punished: &[PunishedRow]) {
    let _ = write!(
        h,
        "<h2>Punished suppliers ({} suppliers, {} decisions)</h2>",
        fig.punished_suppliers, fig.punishments
    );
    h.push_str("<table><tr><th>supplier key</th><th>customs reg. no.</th><th>decision no.</th><th>date</th><th>case</th><th>party</th></tr>");
    for p in punished {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.key),
            esc(&p.reg_no),
            esc(&p.decision_no),
            esc(&p.punish_date),
            esc(&p.case_prop),
            esc(&p.party)
        );
    }
    h.push_str("</table>");
}

fn invalid(h: &mut String, invalid: &[(u64, String, String)]) {
    let _ = write!(
        h,
        "<h2>Invalid codes to fix in the supplier master ({})</h2>",
        invalid.len()
    );
    h.push_str("<table><tr><th>row</th><th>cell</th><th>why</th></tr>");
    for (row, input, why) in invalid {
        let _ = write!(
            h,
            "<tr><td class=\"num\">{row}</td><td>{}</td><td>{}</td></tr>",
            esc(input),
            esc(why)
        );
    }
    h.push_str("</table>");
}

fn changes(h: &mut String, latest_run: Option<i64>, changes: &[ChangeRow]) {
    let _ = write!(
        h,
        "<h2>Changes found by the latest run{} ({})</h2>",
        latest_run.map(|r| format!(" (#{r})")).unwrap_or_default(),
        changes.len()
    );
    h.push_str("<table><tr><th>when</th><th>supplier key</th><th>change</th><th>detail</th></tr>");
    for c in changes {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td></tr>",
            esc(&c.detected_at),
            esc(&c.key),
            if c.worse { " class=\"worse\"" } else { "" },
            esc(&c.kind),
            esc(&c.detail)
        );
    }
    h.push_str("</table>");
}

fn cost(h: &mut String, fig: &ReportFigures, costs: &[RunCost], due_next: u64) {
    let _ = write!(
        h,
        "<h2>Cost</h2><p>{} calls in all, {} of them billed answers (200/201); assume every call is billed. Next run: {} keys due.</p>",
        fig.calls_total, fig.billed_total, due_next
    );
    h.push_str("<table><tr><th>run</th><th>started</th><th>calls</th><th>billed answers</th><th>exit</th></tr>");
    for c in costs {
        let _ = write!(
            h,
            "<tr><td>#{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            c.id,
            esc(&c.started_at),
            c.calls,
            c.billed,
            c.exit_code
                .map(|e| e.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    h.push_str("</table>");
}
