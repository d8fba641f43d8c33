//! The HTML report: one self-contained page (no network), Chinese first, printable on A4.
//!
//! Top to bottom: 需关注供应商 (open alerts first, most severe first; then the decided ones),
//! totals and charts, recent punishments with supplier names, codes to fix, the latest run's
//! changes, every supplier (printed only when asked for), and the cost. A list's first
//! [`HTML_ROWS`] rows are HTML; the needs-attention list beyond them is kept whole as compact
//! JSON the page's script draws on request ([`more`]); the other sections beyond them say how
//! many more there are and where they are (the workbook, `changes`). A supplier's details are
//! drawn only when opened. So a 300,000-supplier report stays small enough to open.
//!
//! Memory stays flat at any list size: one pass over the rows writes the first rows of the
//! supplier table to a temp file and keeps only each flagged row's place and the newest
//! punishments; the changes are streamed.

pub mod evidence;
mod html;
mod more;
mod page;
mod rows;

use std::collections::BTreeMap;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use anyhow::Context as _;

use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{DueFilter, RunCost, Store, SupplierRow};
use crate::view::{Alert, Assessment, Flag, Lang, ListColumns, Window, Zone};
use html::{td, td_nw};
use page::Page;
use rows::{attention_row, supplier_row};

/// Rows of a list the page writes as HTML; the rest are counted (or, for the needs-attention
/// list, kept as compact JSON).
pub const HTML_ROWS: usize = 500;

/// How the report is written: language, clock, how far back a punishment counts, and the
/// price of a billed call.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportOptions {
    pub lang: Lang,
    pub zone: Zone,
    pub punished_within: Window,
    pub price: Option<f64>,
}

/// Figures the report shows, computed once (tests compare them with the database).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ReportFigures {
    pub keys_by_state: BTreeMap<String, u64>,
    pub suppliers_by_rank: BTreeMap<String, u64>,
    pub needs_attention: usize,
    /// Of `needs_attention`, alerts waiting for a decision.
    pub open_alerts: usize,
    pub punishments: usize,
    pub punished_suppliers: usize,
    /// Punishments within the window, every supplier row.
    pub recent_punishments: usize,
    pub invalid_rows: u64,
    pub changes_latest_run: u64,
    pub calls_total: i64,
    pub billed_total: i64,
    /// Supplier rows, and how many of them the full table lists.
    pub suppliers: u64,
    pub suppliers_listed: u64,
}

/// A needs-attention row: its place in the order (open alerts first), and the data row to read
/// it back from.
struct Attention {
    order: (
        bool,
        Option<Flag>,
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
        u64,
    ),
    row: u64,
}

impl Attention {
    fn is_open(&self) -> bool {
        !self.order.0
    }
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
    /// The newest punishments within the window (at most twice [`HTML_ROWS`] between trims).
    recent: Vec<RecentPunishment>,
    punished: usize,
    /// Punishments on or after this day are recent.
    since: chrono::NaiveDate,
}

/// The keys a run started now would call.
fn due_now(store: &Store) -> anyhow::Result<u64> {
    let due = DueFilter {
        now: crate::store::ts(crate::clock::now()),
        refresh_before: None,
        retry_failed: false,
    };
    Ok(store.status(&due)?.due_now.values().sum())
}

/// Write the HTML report; returns the figures it shows.
pub fn write_report(
    store: &Store,
    out: &Path,
    opts: &ReportOptions,
) -> anyhow::Result<ReportFigures> {
    let file = crate::review::latest_file(store)?;
    let cols = ListColumns::of(&file);
    let since = opts.punished_within.since_today(opts.zone);
    let costs = store.run_costs()?;

    // The first rows of the supplier table go to a temp file while the rest is gathered.
    let mut table = BufWriter::new(tempfile::tempfile().context("creating a temp file")?);
    let mut pass = Pass {
        since,
        ..Pass::default()
    };
    let mut reader = store.suppliers(file.id, true)?;
    reader.for_each(file.id, |s| {
        // Every supplier row, a row sharing its code with another one included: a duplicate
        // in the ERP is the one that keeps receiving orders.
        if s.row.skipped {
            return Ok(());
        }
        let a = Assessment::of(&s, since);
        pass.add(&s, &a, &cols, opts);
        pass.fig.suppliers += 1;
        if pass.fig.suppliers_listed < HTML_ROWS as u64 {
            pass.fig.suppliers_listed += 1;
            table.write_all(supplier_row(&s, &a, &cols, opts).as_bytes())?;
        }
        Ok(())
    })?;
    let mut table = table.into_inner().map_err(|e| e.into_error())?;
    table.rewind()?;

    let (invalid, invalid_total) = store.invalid_rows(file.id, HTML_ROWS)?;
    let mut fig = pass.finish(&costs, invalid_total);
    let due_next = due_now(store)?;

    let staged = crate::outfile::Staged::new(out)?;
    let mut w = BufWriter::new(staged.file()?);
    let page = Page {
        lang: opts.lang,
        zone: opts.zone,
        window: opts.punished_within,
        file: &file,
        cols: &cols,
    };
    w.write_all(page.head(&fig).as_bytes())?;
    let rows = Rows {
        reader: &mut reader,
        file_id: file.id,
        cols: &cols,
        since,
        opts,
    };
    attention_tables(&mut w, &page, &fig, &pass, rows)?;
    // Below the first screen: drawn when scrolled to (the print draws everything).
    w.write_all(b"<section class=\"later\">")?;
    w.write_all(page.totals(&fig, &pass).as_bytes())?;
    w.write_all(page.punishments(&fig, &pass).as_bytes())?;
    w.write_all(page.invalid(&invalid, invalid_total).as_bytes())?;
    fig.changes_latest_run = page.changes(&mut w, store, &costs)?;
    w.write_all(b"</section>")?;
    w.write_all(page.suppliers_head(&fig).as_bytes())?;
    std::io::copy(&mut table, &mut w)?;
    w.write_all(page.suppliers_tail(&fig).as_bytes())?;
    w.write_all(page.cost(&fig, &costs, due_next, opts.price).as_bytes())?;
    let _ = writeln!(w, "<script>{}</script></body></html>", html::SCRIPT);
    w.flush()
        .with_context(|| format!("writing {}", out.display()))?;
    drop(w);
    staged.commit()?;
    Ok(fig)
}

/// What reading a needs-attention row back takes.
struct Rows<'r, 'a> {
    reader: &'r mut crate::store::SupplierReader<'a>,
    file_id: i64,
    cols: &'r ListColumns,
    since: chrono::NaiveDate,
    opts: &'r ReportOptions,
}

/// The open alerts, most severe first, then the decided ones in a table of their own; each
/// table's first [`HTML_ROWS`] as HTML, the rest as compact JSON drawn on request.
fn attention_tables(
    w: &mut impl Write,
    page: &Page<'_>,
    fig: &ReportFigures,
    pass: &Pass,
    rows: Rows<'_, '_>,
) -> anyhow::Result<()> {
    w.write_all(page.attention_head(fig).as_bytes())?;
    let (open, decided): (Vec<&Attention>, Vec<&Attention>) =
        pass.attention.iter().partition(|a| a.is_open());
    let mut table = |list: &[&Attention], id: &str, w: &mut dyn Write| -> anyhow::Result<()> {
        let mut more = more::More::default();
        for (i, a) in list.iter().enumerate() {
            let Some(s) = rows.reader.at(rows.file_id, a.row)? else {
                continue;
            };
            let assessed = Assessment::of(&s, rows.since);
            let Some(alert) = Alert::of(&s, &assessed, rows.cols) else {
                continue;
            };
            if i < HTML_ROWS {
                w.write_all(attention_row(&s, &assessed, &alert, rows.cols, rows.opts).as_bytes())?;
            } else {
                let (severity, key, cells) =
                    rows::attention_cells(&s, &assessed, &alert, rows.cols, rows.opts);
                more.add(severity, key, cells);
            }
        }
        w.write_all(b"</tbody></table>")?;
        w.write_all(page.more(id, &more).as_bytes())?;
        Ok(())
    };
    if !open.is_empty() {
        w.write_all(page.attention_table("attention", false).as_bytes())?;
        table(&open, "attention", w)?;
    }
    if !decided.is_empty() {
        w.write_all(page.decided_head(fig).as_bytes())?;
        w.write_all(page.attention_table("decided", true).as_bytes())?;
        table(&decided, "decided", w)?;
    }
    Ok(())
}

impl Pass {
    fn add(&mut self, s: &SupplierRow, a: &Assessment, cols: &ListColumns, opts: &ReportOptions) {
        let lang = opts.lang;
        // Keys and their answers are counted once; rows that share a key are listed each.
        if s.first_of_key {
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
        }
        for f in &a.flags {
            *self.by_flag.entry(*f).or_default() += 1;
        }
        let since = self.since;
        let recent = s
            .punishments
            .iter()
            .filter(|p| crate::view::day_of(&p.punish_date).is_some_and(|d| d >= since));
        let mut name = None;
        for p in recent {
            self.fig.recent_punishments += 1;
            let name = name.get_or_insert_with(|| cols.supplier_in(s.row.extra.as_deref()));
            let mut h = String::from("<tr>");
            td_nw(&mut h, &p.punish_date);
            td(&mut h, name, false);
            td_nw(&mut h, &s.row.key);
            td(&mut h, &a.level_now(lang), false);
            td_nw(&mut h, &p.reg_no);
            td(&mut h, &p.decision_no, false);
            td(&mut h, &p.case_prop, false);
            h.push_str("</tr>");
            self.recent.push(RecentPunishment {
                date: p.punish_date.clone(),
                html: h,
            });
            if self.recent.len() >= 2 * HTML_ROWS {
                self.trim_recent();
            }
        }
        if let Some(alert) = Alert::of(s, a, cols) {
            self.attention.push(Attention {
                order: alert.sort_key(a, s.row.row),
                row: s.row.row,
            });
        }
    }

    /// Keep the newest [`HTML_ROWS`] punishments, newest first.
    fn trim_recent(&mut self) {
        self.recent.sort_by(|a, b| b.date.cmp(&a.date));
        self.recent.truncate(HTML_ROWS);
    }

    fn finish(&mut self, costs: &[RunCost], invalid: u64) -> ReportFigures {
        self.attention.sort_by_key(|a| a.order);
        self.trim_recent();
        let mut fig = std::mem::take(&mut self.fig);
        fig.suppliers_by_rank = self
            .by_rank
            .iter()
            .map(|(r, n)| (r.label().to_string(), *n))
            .collect();
        fig.needs_attention = self.attention.len();
        fig.open_alerts = self.attention.iter().filter(|a| a.is_open()).count();
        fig.punished_suppliers = self.punished;
        fig.invalid_rows = invalid;
        fig.calls_total = costs.iter().map(|c| c.calls).sum();
        fig.billed_total = costs.iter().map(|c| c.billed).sum();
        fig
    }
}
