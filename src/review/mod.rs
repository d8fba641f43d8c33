//! Review: the alerts a run opened, decisions recorded one at a time or from the workbook
//! ([`import`]), and the alerts with where they stand. What an alert is and when it is open is
//! [`crate::view::alert`]; this module walks a list's rows with it.

pub mod import;
mod list;

use std::collections::HashSet;

pub use list::{ListFormat, write_list};

use crate::store::{AlertRow, ExportRow, InputFile, NewDecision, Store, SupplierRow};
use crate::view::alert::Stamp;
use crate::view::{Alert, Assessment, Lang, ListColumns, Verdict, Window, Zone, row_reason};

/// How alerts are judged: the punishment window and the clock that dates it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReviewOptions {
    pub punished_within: Window,
    pub zone: Zone,
}

/// One row of the list with its assessment and alert (rows that need no attention have none).
pub struct Reviewed {
    pub s: SupplierRow,
    pub a: Assessment,
    pub alert: Option<Alert>,
}

/// The list the database describes (the file ingested last), or an error saying to run first.
pub fn latest_file(store: &Store) -> anyhow::Result<InputFile> {
    store.latest_file()?.ok_or_else(|| {
        anyhow::anyhow!("the database has no input file yet: run `qcc-credit run` first")
    })
}

/// Every row of the latest list with its alert, in list order.
pub fn for_each_row(
    store: &Store,
    opts: ReviewOptions,
    mut f: impl FnMut(&ListColumns, Reviewed) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let file = latest_file(store)?;
    let cols = ListColumns::of(&file);
    let since = opts.punished_within.since_today(opts.zone);
    let mut reader = store.suppliers(file.id, false)?;
    reader.for_each(file.id, |s| {
        let a = Assessment::of(&s, since);
        let alert = Alert::of(&s, &a, &cols);
        f(&cols, Reviewed { s, a, alert })
    })?;
    Ok(())
}

/// Rows of a list fetched by data row number, each with its alert.
pub struct RowReader<'a> {
    file_id: i64,
    cols: ListColumns,
    since: chrono::NaiveDate,
    reader: crate::store::SupplierReader<'a>,
}

impl<'a> RowReader<'a> {
    pub fn new(store: &'a Store, file: &InputFile, opts: ReviewOptions) -> anyhow::Result<Self> {
        Ok(RowReader {
            file_id: file.id,
            cols: ListColumns::of(file),
            since: opts.punished_within.since_today(opts.zone),
            reader: store.suppliers(file.id, false)?,
        })
    }

    /// The supplier's name as the list writes it.
    pub fn name(&self, row: &ExportRow) -> String {
        self.cols.name(row)
    }

    /// One row by its data row number, with its alert.
    pub fn at(&mut self, row_no: u64) -> anyhow::Result<Option<Reviewed>> {
        Ok(self.reader.at(self.file_id, row_no)?.map(|s| {
            let a = Assessment::of(&s, self.since);
            let alert = Alert::of(&s, &a, &self.cols);
            Reviewed { s, a, alert }
        }))
    }
}

/// What a run's alerts came to: the ones it opened, and how many are open now.
pub struct Opened {
    pub opened: Vec<AlertRow>,
    pub open_now: u64,
    /// Supplier rows that need attention (open or decided), by most severe flag, in order.
    pub by_flag: Vec<(crate::view::Flag, u64)>,
}

/// After a run: record every open alert that is new (never opened, opened again after a
/// decision, or with something new since it was opened).
pub fn record_opened(store: &Store, run_id: i64, opts: ReviewOptions) -> anyhow::Result<Opened> {
    let mut out = Opened {
        opened: Vec::new(),
        open_now: 0,
        by_flag: Vec::new(),
    };
    let mut by_flag: std::collections::BTreeMap<crate::view::Flag, u64> = Default::default();
    if store.latest_file()?.is_none() {
        return Ok(out);
    }
    let latest = store.latest_stamps()?;
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    for_each_row(store, opts, |_, r| {
        let (Some(alert), Some(key_id)) = (&r.alert, r.s.row.key_id) else {
            return Ok(());
        };
        if let Some(f) = r.a.flags.first() {
            *by_flag.entry(*f).or_default() += 1;
        }
        if !alert.is_open() || !seen.insert((key_id, alert.supplier.clone())) {
            return Ok(());
        }
        out.open_now += 1;
        let decision_id = alert.decision().map(|d| d.id);
        let stamp = alert.fingerprint.stamp();
        let known = latest
            .get(&(key_id, alert.supplier.clone()))
            .is_some_and(|p| {
                let before = Stamp::from_stored(p.flags, p.rank, p.items.as_deref());
                p.decision_id == decision_id && !stamp.has_news_over(&before)
            });
        if !known {
            out.opened.push(AlertRow {
                id: 0,
                run_id: Some(run_id),
                key_id,
                key: r.s.row.key.clone(),
                supplier: alert.supplier.clone(),
                row: r.s.row.row,
                sheet_row: r.s.row.sheet_row,
                opened_at: String::new(),
                flags: stamp.flags,
                rank: stamp.rank,
                items: stamp.items_blob(),
                decision_id,
            });
        }
        Ok(())
    })?;
    store.insert_alerts(Some(run_id), &out.opened)?;
    out.by_flag = by_flag.into_iter().collect();
    Ok(out)
}

/// Which rows a decision is for.
#[derive(Debug, Clone)]
pub enum Selector {
    /// The supplier's id cell as the list shows it.
    Supplier(String),
    /// The row number the file or sheet shows.
    Row(u64),
    /// The code or name queried.
    Key(String),
}

impl Selector {
    fn matches(&self, row: &ExportRow, cols: &ListColumns) -> bool {
        if row.skipped {
            return false;
        }
        match self {
            Selector::Supplier(id) => cols.id_in(row.extra.as_deref()).trim() == id.trim(),
            Selector::Row(n) => row.sheet_row.unwrap_or(row.row) == *n,
            Selector::Key(k) => {
                let k = k.trim();
                row.key.eq_ignore_ascii_case(k) || row.input.trim() == k
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Selector::Supplier(id) => format!("supplier {id:?}"),
            Selector::Row(n) => format!("row {n}"),
            Selector::Key(k) => format!("key {k:?}"),
        }
    }
}

/// The data rows of the latest list a selector names, in list order (none: the caller says so).
pub fn find_rows(store: &Store, selector: &Selector) -> anyhow::Result<(InputFile, Vec<u64>)> {
    let file = latest_file(store)?;
    let cols = ListColumns::of(&file);
    let mut rows = Vec::new();
    store.for_each_export_row(file.id, |row| {
        if selector.matches(&row, &cols) {
            rows.push(row.row);
        }
        Ok(())
    })?;
    Ok((file, rows))
}

/// A decision as `review` is given it.
#[derive(Debug, Clone)]
pub struct Decide {
    pub verdict: Verdict,
    pub note: String,
    pub by: String,
    pub source: String,
}

/// A decision recorded on one alert.
#[derive(Debug, Clone)]
pub struct Decided {
    pub id: i64,
    pub supplier: String,
    pub row: u64,
    pub key: String,
    pub reasons: String,
}

/// Record a decision on every alert the selector names (a supplier listed twice gets it on
/// both rows). A row that needs no attention has nothing to decide: an error.
pub fn decide(
    store: &Store,
    selector: &Selector,
    d: &Decide,
    opts: ReviewOptions,
) -> anyhow::Result<Vec<Decided>> {
    if d.note.trim().is_empty() {
        anyhow::bail!("--note: a decision needs a note saying why (it is the audit trail)");
    }
    // The rows the selector names (a scan of the rows alone), then only those assessed.
    let (file, matched) = find_rows(store, selector)?;
    let mut reader = RowReader::new(store, &file, opts)?;
    let mut todo: Vec<(NewDecision, Decided)> = Vec::new();
    let mut calm: Vec<u64> = Vec::new();
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    for row_no in matched {
        let Some(r) = reader.at(row_no)? else {
            continue;
        };
        let (Some(alert), Some(key_id)) = (&r.alert, r.s.row.key_id) else {
            calm.push(r.s.row.sheet_row.unwrap_or(r.s.row.row));
            continue;
        };
        if seen.insert((key_id, alert.supplier.clone())) {
            todo.push(new_decision(&file, &r, alert, key_id, d, opts));
        }
    }
    if todo.is_empty() {
        if calm.is_empty() {
            anyhow::bail!(
                "no row of {} has {}: `review --list` shows the alerts",
                file.path,
                selector.describe()
            );
        }
        anyhow::bail!(
            "{} (row {}) needs no attention: there is no alert to decide",
            selector.describe(),
            calm.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let (rows, mut decided): (Vec<NewDecision>, Vec<Decided>) = todo.into_iter().unzip();
    let ids = store.insert_decisions(&rows)?;
    for (d, id) in decided.iter_mut().zip(ids) {
        d.id = id;
    }
    Ok(decided)
}

/// The decision to store for one alert, and what to print about it.
pub(crate) fn new_decision(
    file: &InputFile,
    r: &Reviewed,
    alert: &Alert,
    key_id: i64,
    d: &Decide,
    opts: ReviewOptions,
) -> (NewDecision, Decided) {
    let reasons = row_reason(&r.s, &r.a, Lang::Zh, opts.punished_within);
    let row = r.s.row.sheet_row.unwrap_or(r.s.row.row);
    (
        NewDecision {
            key_id,
            supplier: alert.supplier.clone(),
            row_no: r.s.row.row,
            sheet_row: r.s.row.sheet_row,
            file_id: file.id,
            decision: d.verdict.as_str().to_string(),
            note: d.note.trim().to_string(),
            by: d.by.trim().to_string(),
            fingerprint: alert.fingerprint.text(),
            reasons: reasons.clone(),
            source: d.source.clone(),
        },
        Decided {
            id: 0,
            supplier: alert.supplier.clone(),
            row,
            key: r.s.row.key.clone(),
            reasons,
        },
    )
}

/// The login name, for `--by`'s default.
pub fn login_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "unknown".to_string())
}

/// Open alerts of the latest list, for `status`.
pub fn count_open(store: &Store, opts: ReviewOptions) -> anyhow::Result<(u64, u64)> {
    let (mut open, mut decided) = (0, 0);
    for_each_row(store, opts, |_, r| {
        match &r.alert {
            Some(a) if a.is_open() => open += 1,
            Some(_) => decided += 1,
            None => {}
        }
        Ok(())
    })?;
    Ok((open, decided))
}
