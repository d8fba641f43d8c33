//! The HTML report: one self-contained page (no network; a small inline script sorts and filters,
//! and the page reads the same without it), Chinese first.
//!
//! Top to bottom: 需关注供应商 (who to worry about, most severe first), totals and charts, recent
//! punishments with supplier names, invalid codes to fix, the latest run's changes, every supplier
//! with its registrations, punishments and level history, and the cost in calls.
//!
//! Memory stays flat at any list size: one pass over the rows writes the supplier table to a temp
//! file and keeps only the rows that need attention and the recent punishments.

pub mod evidence;
mod html;
mod page;
mod rows;

use std::collections::BTreeMap;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use anyhow::Context as _;

use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ChangeRow, DueFilter, RunCost, Store, SupplierRow};
use crate::view::{Alert, Assessment, Flag, Lang, ListColumns, Window, Zone};
use html::{td, td_nw};
use page::Page;
use rows::{attention_row, supplier_row};

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
    /// Of `needs_attention`, alerts waiting for a decision.
    pub open_alerts: usize,
    pub punishments: usize,
    pub punished_suppliers: usize,
    pub invalid_rows: usize,
    pub changes_latest_run: usize,
    pub calls_total: i64,
    pub billed_total: i64,
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
    recent: Vec<RecentPunishment>,
    punished: usize,
    /// Punishments on or after this day are recent.
    since: chrono::NaiveDate,
}

/// Write the HTML report; returns the figures it shows.
/// The keys a run started now would call.
fn due_now(store: &Store) -> anyhow::Result<u64> {
    let due = DueFilter {
        now: crate::store::ts(crate::clock::now()),
        refresh_before: None,
        retry_failed: false,
    };
    Ok(store.status(&due)?.due_now.values().sum())
}

pub fn write_report(
    store: &Store,
    out: &Path,
    opts: &ReportOptions,
) -> anyhow::Result<ReportFigures> {
    let file = store.latest_file()?.ok_or_else(|| {
        anyhow::anyhow!("the database has no input file yet: run `qcc-credit run` first")
    })?;
    let cols = ListColumns::of(&file);
    let since = opts.punished_within.since_today(opts.zone);
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
        // Every supplier row, a row sharing its code with another one included: a duplicate
        // in the ERP is the one that keeps receiving orders.
        if s.row.skipped {
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
    let ctx = Rows {
        reader: &mut reader,
        file_id: file.id,
        cols: &cols,
        since,
        opts,
    };
    attention_tables(&mut w, &page, &fig, &pass, ctx)?;
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

/// The open alerts, most severe first, then the decided ones in a table of their own.
fn attention_tables(
    w: &mut impl Write,
    page: &Page<'_>,
    fig: &ReportFigures,
    pass: &Pass,
    rows: Rows<'_, '_>,
) -> anyhow::Result<()> {
    w.write_all(page.attention_head(fig).as_bytes())?;
    let mut decided_head = false;
    for a in &pass.attention {
        if !a.is_open() && !decided_head {
            w.write_all(b"</tbody></table>")?;
            w.write_all(page.decided_head(fig).as_bytes())?;
            decided_head = true;
        }
        if let Some(s) = rows.reader.at(rows.file_id, a.row)? {
            let assessed = Assessment::of(&s, rows.since);
            if let Some(alert) = Alert::of(&s, &assessed, rows.cols) {
                let html = attention_row(&s, &assessed, &alert, rows.cols, rows.opts);
                w.write_all(html.as_bytes())?;
            }
        }
    }
    w.write_all(b"</tbody></table>")?;
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
        let recent = s
            .punishments
            .iter()
            .filter(|p| crate::view::day_of(&p.punish_date).is_some_and(|d| d >= self.since));
        let mut name = None;
        for p in recent {
            let name = name.get_or_insert_with(|| cols.name(&s.row));
            let mut h = String::from("<tr>");
            td_nw(&mut h, &p.punish_date);
            td(&mut h, name, false);
            td(&mut h, lang.basis(s.row.key_kind.as_deref()), false);
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
        if let Some(alert) = Alert::of(s, a, cols) {
            self.attention.push(Attention {
                order: alert.sort_key(a, s.row.row),
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
        fig.open_alerts = self.attention.iter().filter(|a| a.is_open()).count();
        fig.punished_suppliers = self.punished;
        fig.invalid_rows = invalid.len();
        fig.changes_latest_run = changes;
        fig.calls_total = costs.iter().map(|c| c.calls).sum();
        fig.billed_total = costs.iter().map(|c| c.billed).sum();
        fig
    }
}
