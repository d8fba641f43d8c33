//! The evidence page of one supplier (`qcc-credit evidence`): what an analyst prints or files
//! to show what was checked, when, and what came back. One self-contained A4 page (print CSS)
//! for a typical supplier: its cells as the list shows them, the key and how it was queried, the
//! current finding and alert, every screening in local time, every call with the OrderNumber as
//! the vendor wrote it (read from the stored body), the registrations and punishments as the
//! vendor gave them (field by field from the stored records), and every alert and decision.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde_json::Value;

mod vendor;

use super::html::{esc, td, td_nw};
use crate::review::{Selector, find_rows};
use crate::store::{AlertRow, AuditCall, DecisionRow, InputFile, Store, SupplierRow};
use crate::view::alert::{Alert, Stamp, supplier_ref, verdict_label};
use crate::view::lang::{Label, labels};
use crate::view::{Assessment, Lang, ListColumns, Window, Zone, reading, row_reason};

/// How the page is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct EvidenceOptions {
    pub lang: Lang,
    pub zone: Zone,
    pub punished_within: Window,
}

/// What was written, for the command to say.
#[derive(Debug, Clone)]
pub struct EvidenceWritten {
    /// `S10151 某某公司`.
    pub supplier: String,
    /// Other rows the selector named (only the first is on the page).
    pub other_rows: Vec<u64>,
    pub screenings: usize,
    pub calls: usize,
    pub decisions: usize,
}

/// Everything the page shows about one supplier row.
struct Gathered {
    file: InputFile,
    cols: ListColumns,
    s: SupplierRow,
    a: Assessment,
    alert: Option<Alert>,
    calls: Vec<AuditCall>,
    records: Vec<Value>,
    alerts: Vec<AlertRow>,
    decisions: Vec<DecisionRow>,
}

/// Write the evidence page of the first row the selector names.
pub fn write_evidence(
    store: &Store,
    selector: &Selector,
    out: &Path,
    db: &Path,
    opts: &EvidenceOptions,
) -> anyhow::Result<EvidenceWritten> {
    let (file, rows) = find_rows(store, selector)?;
    let Some(first) = rows.first() else {
        anyhow::bail!(
            "no row of {} has {}: `qcc-credit export --format csv` lists the rows",
            file.path,
            selector.describe()
        );
    };
    let g = gather(store, file, *first, opts)?;
    let html = page(&g, db, opts);
    let staged = crate::outfile::Staged::new(out)?;
    let mut w = std::io::BufWriter::new(staged.file()?);
    w.write_all(html.as_bytes())
        .and_then(|()| w.flush())
        .with_context(|| format!("writing {}", out.display()))?;
    drop(w);
    staged.commit()?;
    Ok(EvidenceWritten {
        supplier: g.cols.supplier_in(g.s.row.extra.as_deref()),
        other_rows: rows[1..].to_vec(),
        screenings: g.s.history.len(),
        calls: g.calls.len(),
        decisions: g.decisions.len(),
    })
}

fn gather(
    store: &Store,
    file: InputFile,
    row_no: u64,
    opts: &EvidenceOptions,
) -> anyhow::Result<Gathered> {
    let cols = ListColumns::of(&file);
    let s = store
        .suppliers(file.id, true)?
        .at(file.id, row_no)?
        .ok_or_else(|| anyhow::anyhow!("data row {row_no} is not in {}", file.path))?;
    let a = Assessment::of(&s, opts.punished_within.since_today(opts.zone));
    let alert = Alert::of(&s, &a, &cols);
    let me = supplier_ref(&s, &cols);
    let mut calls = Vec::new();
    let mut alerts = Vec::new();
    if let Some(key_id) = s.row.key_id {
        store.for_each_audit_call(None, Some(key_id), |c| {
            calls.push(c);
            Ok(())
        })?;
        alerts = store.alerts_of_key(key_id)?;
        alerts.retain(|x| x.supplier == me);
    }
    let records = match s.row.screening_id {
        Some(sid) => store
            .records_raw(sid)?
            .iter()
            .map(|r| {
                serde_json::from_str(r.get()).unwrap_or_else(|_| Value::String(r.get().into()))
            })
            .collect(),
        None => Vec::new(),
    };
    let decisions = s
        .decisions
        .iter()
        .filter(|d| d.supplier == me)
        .cloned()
        .collect();
    Ok(Gathered {
        file,
        cols,
        s,
        a,
        alert,
        calls,
        records,
        alerts,
        decisions,
    })
}

const STYLE: &str = "@page{size:A4;margin:12mm}\
body{font-family:\"Noto Sans CJK SC\",\"Microsoft YaHei\",\"PingFang SC\",sans-serif;font-size:9.5pt;\
color:#222;max-width:186mm;margin:0 auto}@media screen{body{margin:2em auto}}\
h1{font-size:14pt;margin:0 0 3pt}h2{font-size:10.5pt;margin:9pt 0 3pt;border-bottom:1px solid #999}\
table{border-collapse:collapse;width:100%;font-size:8.5pt;margin:0 0 3pt}\
td,th{border:1px solid #bbb;padding:1.5pt 4pt;text-align:left;vertical-align:top;overflow-wrap:anywhere}\
th{background:#eee;font-weight:600}th small{font-weight:normal;color:#555}.kv th{width:16%}\
tr{break-inside:avoid}.nw{white-space:nowrap}.num{text-align:right}.meta,.foot{color:#555}\
.foot{font-size:8pt;margin-top:8pt}.open{color:#b00020;font-weight:bold}code{font-size:9pt}";

fn page(g: &Gathered, db: &Path, opts: &EvidenceOptions) -> String {
    let l = opts.lang;
    let who = g.cols.supplier_in(g.s.row.extra.as_deref());
    let title = format!("{}：{}", l.of(labels::EVIDENCE_TITLE), who);
    let mut h = format!(
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title>\
<style>{STYLE}</style></head><body><h1>{}</h1><p class=\"meta\">{} {} · {} <code>{}</code> · {}</p>",
        l.html(),
        esc(&title),
        esc(&title),
        l.of(labels::REPORT_GENERATED),
        esc(&opts.zone.now().format("%Y-%m-%d %H:%M %:z").to_string()),
        l.of(labels::EVIDENCE_LIST),
        esc(&g.file.path),
        esc(&l.row_place(g.s.row.sheet_row, g.s.row.row)),
    );
    supplier_cells(&mut h, g, l);
    finding(&mut h, g, opts);
    screenings(&mut h, g, opts);
    calls(&mut h, g, opts);
    vendor::registrations(&mut h, &g.records, l);
    vendor::punishments(&mut h, &g.records, l);
    review(&mut h, g, opts);
    let _ = writeln!(
        h,
        "<p class=\"foot\">{} {} <code>{}</code> · qcc-credit {}</p></body></html>",
        esc(l.of(labels::EVIDENCE_FOOTER)),
        l.of(labels::EVIDENCE_DATABASE),
        esc(&db.display().to_string()),
        env!("CARGO_PKG_VERSION")
    );
    h
}

pub(super) fn heading(h: &mut String, l: Lang, label: Label) {
    let _ = write!(h, "<h2>{}</h2>", esc(l.of(label)));
}

/// A header row from labels.
fn head_row(h: &mut String, l: Lang, cols: &[Label]) {
    h.push_str("<tr>");
    for c in cols {
        let _ = write!(h, "<th>{}</th>", esc(l.of(*c)));
    }
    h.push_str("</tr>");
}

pub(super) fn none(h: &mut String, l: Lang) {
    let _ = write!(h, "<p>{}</p>", l.of(labels::EVIDENCE_NONE));
}

/// The analyst's cells, two to a line, then how the row was queried.
fn supplier_cells(h: &mut String, g: &Gathered, l: Lang) {
    heading(h, l, labels::EVIDENCE_SUPPLIER);
    h.push_str("<table class=\"kv\">");
    let cells = g.cols.cells(&g.s.row);
    let pairs: Vec<(&String, &String)> = g.cols.headers.iter().zip(&cells).collect();
    for two in pairs.chunks(2) {
        h.push_str("<tr>");
        for (k, v) in two {
            let _ = write!(h, "<th>{}</th>", esc(k));
            td(h, v, false);
        }
        if two.len() == 1 {
            h.push_str("<th></th><td></td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
    heading(h, l, labels::EVIDENCE_QUERY);
    let _ = write!(
        h,
        "<p>{} <code>{}</code>（{}：{}）</p>",
        esc(l.basis(g.s.row.key_kind.as_deref())),
        esc(&g.s.row.key),
        l.of(labels::EVIDENCE_CELL_AS_READ),
        esc(&g.s.row.input)
    );
}

/// State, level, reasons and where the alert stands.
fn finding(h: &mut String, g: &Gathered, opts: &EvidenceOptions) {
    let l = opts.lang;
    heading(h, l, labels::EVIDENCE_CURRENT);
    h.push_str("<table class=\"kv\">");
    let state = match &g.s.row.checked_at {
        Some(t) => format!(
            "{}（{}）",
            l.row_state(g.s.row.state_label()),
            opts.zone.show(t)
        ),
        None => l.of(labels::EVIDENCE_NOT_SCREENED).to_string(),
    };
    let alert = match &g.alert {
        Some(a) => a.state_text(l, opts.zone),
        None => l.of(labels::EVIDENCE_NO_ALERT).to_string(),
    };
    let open = g.alert.as_ref().is_some_and(Alert::is_open);
    let rows: [(Label, String, bool); 4] = [
        (labels::EVIDENCE_RESULT, state, false),
        (labels::EVIDENCE_LEVEL, g.a.level_change(l), false),
        (
            labels::REVIEW_REASONS,
            row_reason(&g.s, &g.a, l, opts.punished_within),
            false,
        ),
        (labels::REVIEW_STATE, alert, open),
    ];
    for (k, v, strong) in rows {
        let class = if strong { " class=\"open\"" } else { "" };
        let _ = write!(
            h,
            "<tr><th>{}</th><td{class}>{}</td></tr>",
            esc(l.of(k)),
            esc(&v)
        );
    }
    h.push_str("</table>");
}

/// Every screening of the key, oldest first, with its result and worst level.
fn screenings(h: &mut String, g: &Gathered, opts: &EvidenceOptions) {
    let l = opts.lang;
    heading(h, l, labels::EVIDENCE_SCREENINGS);
    if g.s.history.is_empty() {
        return none(h, l);
    }
    h.push_str("<table>");
    head_row(
        h,
        l,
        &[
            labels::EVIDENCE_TIME,
            labels::EVIDENCE_RESULT,
            labels::EVIDENCE_LEVEL,
            labels::EVIDENCE_REGISTRATION_COUNT,
        ],
    );
    for p in &g.s.history {
        let level = crate::credit::worst_level(p.levels.iter().map(String::as_str)).to_string();
        h.push_str("<tr>");
        td_nw(h, &opts.zone.show(&p.checked_at));
        td(h, l.state(p.state), false);
        td(h, &reading(l, p.state, &level), false);
        td(h, &p.levels.len().to_string(), true);
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

/// Every call made for the key, with the OrderNumber the vendor wrote.
fn calls(h: &mut String, g: &Gathered, opts: &EvidenceOptions) {
    let l = opts.lang;
    heading(h, l, labels::EVIDENCE_CALLS);
    if g.calls.is_empty() {
        return none(h, l);
    }
    h.push_str("<table>");
    head_row(
        h,
        l,
        &[
            labels::EVIDENCE_TIME,
            labels::EVIDENCE_RUN,
            labels::EVIDENCE_PAGE,
            labels::EVIDENCE_HTTP,
            labels::EVIDENCE_VENDOR_STATUS,
            labels::EVIDENCE_ORDER_NUMBER,
            labels::EVIDENCE_BILLED,
        ],
    );
    for c in &g.calls {
        h.push_str("<tr>");
        td_nw(h, &opts.zone.show_secs(&c.at));
        td(
            h,
            &c.run_id.map(|r| format!("#{r}")).unwrap_or_default(),
            false,
        );
        td(h, &c.page.to_string(), true);
        td(
            h,
            &c.http_status.map(|s| s.to_string()).unwrap_or_default(),
            true,
        );
        td(h, c.vendor_status.as_deref().unwrap_or_default(), false);
        td_nw(h, c.order_number.as_deref().unwrap_or_default());
        td(h, l.yes_no(c.billed), false);
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

/// Alerts opened and decisions, in the order they happened.
fn review(h: &mut String, g: &Gathered, opts: &EvidenceOptions) {
    let l = opts.lang;
    heading(h, l, labels::EVIDENCE_REVIEW);
    if g.alerts.is_empty() && g.decisions.is_empty() {
        return none(h, l);
    }
    let mut events: Vec<(String, String)> = Vec::new();
    for a in &g.alerts {
        let mut row = String::from("<tr>");
        td_nw(&mut row, &opts.zone.show(&a.opened_at));
        td(&mut row, l.of(labels::EVIDENCE_ALERT_OPENED), false);
        row.push_str("<td></td><td></td>");
        td(
            &mut row,
            &a.run_id.map(|r| format!("#{r}")).unwrap_or_default(),
            false,
        );
        td(&mut row, &Stamp::flags_text(a.flags, l), false);
        row.push_str("</tr>");
        events.push((a.opened_at.clone(), row));
    }
    for d in &g.decisions {
        let mut row = String::from("<tr>");
        td_nw(&mut row, &opts.zone.show(&d.decided_at));
        td(&mut row, verdict_label(&d.decision, l), false);
        td(&mut row, &d.note, false);
        td(&mut row, &d.decided_by, false);
        td(&mut row, &d.source, false);
        td(&mut row, &d.reasons, false);
        row.push_str("</tr>");
        events.push((d.decided_at.clone(), row));
    }
    events.sort_by(|a, b| a.0.cmp(&b.0));
    h.push_str("<table>");
    head_row(
        h,
        l,
        &[
            labels::EVIDENCE_TIME,
            labels::EVIDENCE_EVENT,
            labels::REVIEW_NOTE,
            labels::REVIEW_BY,
            labels::EVIDENCE_SOURCE,
            labels::REVIEW_REASONS,
        ],
    );
    for (_, row) in events {
        h.push_str(&row);
    }
    h.push_str("</table>");
}
