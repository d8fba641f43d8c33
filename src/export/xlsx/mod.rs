//! The workbook a manager reads: 需关注 (needs attention, most severe first), 筛查结果 (every
//! row: the analyst's columns first and untouched, then the results) and 处罚记录 (punishments,
//! with the supplier's name and id). Chinese headers, or English with `--lang en`.
//!
//! Codes and the analyst's cells are text (a code never turns into a number); counts and row
//! numbers are numbers. Every sheet has set column widths, wide columns wrap, a frozen header
//! with a filter, and prints landscape on A4 with the header on every page: one page wide when
//! that stays readable, else at 85% across pages with the id and name columns repeated.
//!
//! Each sheet streams its rows to a temp file (rust_xlsxwriter's constant-memory mode): a
//! 300k-row list never sits in memory. The needs-attention sheet keeps only each row's place in
//! the order and reads the row back when it writes it.

use std::path::Path;

use rust_xlsxwriter::{Color, DataValidation, Format as XFormat, FormatAlign, Workbook, XlsxError};

mod sheet;

use super::{Error, ExportOptions};
use crate::input::rows::{Typed, read_cell_types};
use crate::key_state::KeyState;
use crate::store::{InputFile, Punishment, Store, SupplierRow};
use crate::view::alert::verdict_label;
use crate::view::lang::labels;
use crate::view::{Alert, AlertState, Assessment, Lang, ListColumns, Verdict};
use sheet::{Cell, Column, Sheets, col, display_width, num, put_row, sheet_setup, text};

/// The analyst's columns: the name wide, the others as wide as their header asks.
fn analyst_columns(cols: &ListColumns, only: Option<&[usize]>) -> Vec<Column> {
    cols.headers
        .iter()
        .enumerate()
        .filter(|(i, _)| only.is_none_or(|o| o.contains(i)))
        .map(|(i, h)| {
            let width = if Some(i) == cols.name {
                32.0
            } else if *h == cols.key_column {
                22.0
            } else {
                (display_width(h) + 4).clamp(8, 30) as f64
            };
            col(h, width)
        })
        .collect()
}

/// The results sheet's columns after the analyst's.
fn result_columns(l: Lang) -> Vec<Column> {
    vec![
        col(l.of(labels::SHEET_DATA_ROW), 8.0),
        col(l.of(labels::SHEET_SHEET_ROW), 9.0),
        col(l.basis_headers()[0], 12.0),
        col(l.basis_headers()[1], 22.0),
        col(l.of(labels::SHEET_STATE), 14.0),
        col(l.of(labels::SHEET_CREDIT_LEVEL), 16.0),
        col(l.of(labels::SHEET_PREVIOUS_CURRENT), 26.0),
        col(l.of(labels::SHEET_RATED_ON), 12.0),
        col(l.of(labels::SHEET_CUSTOMS_OFFICE), 16.0),
        col(l.of(labels::SHEET_REGISTRATIONS), 8.0),
        col(l.of(labels::SHEET_CANCELLED), 10.0),
        col(l.of(labels::SHEET_PUNISHMENTS), 9.0),
        col(l.of(labels::SHEET_LATEST_PUNISHMENT), 12.0),
        col(l.of(labels::SHEET_NEEDS_ATTENTION_BECAUSE), 44.0),
        col(l.of(labels::SHEET_CHECKED), 20.0),
        col(l.of(labels::SHEET_STATUS), 7.0),
        col(l.of(labels::SHEET_VENDOR_MESSAGE), 30.0),
    ]
}

fn result_cells(s: &SupplierRow, a: &Assessment, opts: &ExportOptions) -> Vec<Cell> {
    let l = opts.lang;
    let row = &s.row;
    let found = row.state == KeyState::Found;
    let kind = l.basis(row.key_kind.as_deref());
    let counted = |n: usize| if found { num(n as f64) } else { text("") };
    vec![
        num(row.row as f64),
        row.sheet_row.map(|n| num(n as f64)).unwrap_or(text("")),
        text(kind),
        text(row.key.clone()),
        text(l.row_state(row.state_label())),
        text(if row.skipped {
            String::new()
        } else {
            a.level_now(l)
        }),
        text(if a.previous.is_some() {
            a.level_change(l)
        } else {
            String::new()
        }),
        text(a.identify_date.clone()),
        text(a.customs.join("、")),
        counted(a.registrations),
        counted(a.cancelled),
        counted(a.punishments),
        text(a.latest_day()),
        text(a.reason(l, opts.punished_within)),
        text(
            row.checked_at
                .as_deref()
                .map(|t| opts.zone.show(t))
                .unwrap_or_default(),
        ),
        match row.status.as_deref().map(str::trim).map(str::parse::<f64>) {
            Some(Ok(n)) => num(n),
            _ => text(row.status.clone().unwrap_or_default()),
        },
        text(match (&row.message, row.state) {
            (Some(m), KeyState::Invalid) => l.fix_message(m),
            (Some(m), _) => m.clone(),
            (None, _) => String::new(),
        }),
    ]
}

/// The analyst's cells of a row: text exactly as read, and the cells the spreadsheet typed as
/// numbers and dates with their type.
fn analyst_cells(cols: &ListColumns, s: &SupplierRow) -> Vec<Cell> {
    let types = read_cell_types(s.row.cell_types.as_deref());
    cols.cells(&s.row)
        .into_iter()
        .zip(&cols.headers)
        .map(|(text, h)| match types.get(h) {
            Some(Typed::Date(n)) => Cell::Date(*n),
            Some(Typed::Number(n)) => Cell::Num(*n),
            None => Cell::Text(text),
        })
        .collect()
}

fn attention_columns(l: Lang) -> Vec<Column> {
    let [basis, key] = l.basis_headers();
    vec![
        col(basis, 12.0),
        col(key, 22.0),
        col(l.of(labels::SHEET_CREDIT_LEVEL_PREVIOUS_CURRENT), 30.0),
        col(l.of(labels::SHEET_REGISTRATIONS_CANCELLED), 10.0),
        col(l.of(labels::SHEET_PUNISHMENTS), 9.0),
        col(l.of(labels::SHEET_LATEST_PUNISHMENT), 12.0),
        col(l.of(labels::SHEET_REASON), 60.0),
        col(l.of(labels::REVIEW_STATE), 24.0),
        col(l.of(labels::REVIEW_DECISION), 14.0),
        col(l.of(labels::REVIEW_NOTE), 36.0),
        col(l.of(labels::REVIEW_BY), 10.0),
        col(l.of(labels::REVIEW_AT), 18.0),
        col(l.of(labels::SHEET_DATA_ROW), 8.0),
        col(l.of(labels::REVIEW_CHECK_CODE), 14.0),
    ]
}

/// The review columns after the reason: the decision columns the analyst fills (处置结论,
/// 处置说明, 处置人; a decided alert shows its decision), the data row and the check code
/// `review --import` reads back.
pub(crate) const REVIEW_COLUMNS: usize = 7;

fn attention_cells(
    s: &SupplierRow,
    a: &Assessment,
    alert: &Alert,
    opts: &ExportOptions,
) -> Vec<Cell> {
    let d = match &alert.state {
        AlertState::Decided(d) => Some(d),
        AlertState::Open { .. } => None,
    };
    let l = opts.lang;
    vec![
        text(opts.lang.basis(s.row.key_kind.as_deref())),
        text(s.row.key.clone()),
        text(a.level_change(opts.lang)),
        num(a.cancelled as f64),
        num(a.punishments as f64),
        text(a.latest_day()),
        text(crate::view::row_reason(
            s,
            a,
            opts.lang,
            opts.punished_within,
        )),
        text(alert.state_text(l, opts.zone)),
        text(
            d.map(|d| verdict_label(&d.decision, l).to_string())
                .unwrap_or_default(),
        ),
        text(d.map(|d| d.note.clone()).unwrap_or_default()),
        text(d.map(|d| d.decided_by.clone()).unwrap_or_default()),
        text(d.map(|d| opts.zone.show(&d.decided_at)).unwrap_or_default()),
        num(s.row.row as f64),
        text(alert.fingerprint.digest()),
    ]
}

fn punishment_columns(l: Lang) -> Vec<Column> {
    let [basis, key] = l.basis_headers();
    vec![
        col(l.of(labels::SHEET_DATA_ROW), 8.0),
        col(basis, 12.0),
        col(key, 22.0),
        col(l.of(labels::SHEET_CREDIT_LEVEL), 16.0),
        col(l.of(labels::SHEET_CUSTOMS_REG_NO), 14.0),
        col(l.of(labels::SHEET_DATE), 12.0),
        col(l.of(labels::SHEET_DECISION_NO), 26.0),
        col(l.of(labels::SHEET_CASE), 10.0),
        col(l.of(labels::SHEET_PARTY), 30.0),
    ]
}

/// The three sheets, in the order they appear.
const ATTENTION: usize = 0;
const RESULTS: usize = 1;
const PUNISHMENTS: usize = 2;

/// The three sheets' names and columns: the analyst's identifying columns first.
fn layouts(l: Lang, cols: &ListColumns) -> [(&'static str, Vec<Column>); 3] {
    let ident = analyst_columns(cols, Some(&cols.ident));
    [
        (
            l.of(labels::SHEET_NEEDS_ATTENTION),
            ident
                .iter()
                .map(|c| col(&c.header, c.width))
                .chain(attention_columns(l))
                .collect(),
        ),
        (
            l.of(labels::SHEET_RESULTS),
            analyst_columns(cols, None)
                .into_iter()
                .chain(result_columns(l))
                .collect(),
        ),
        (
            l.of(labels::SHEET_PUNISHMENTS_2),
            ident.into_iter().chain(punishment_columns(l)).collect(),
        ),
    ]
}

pub(super) fn write(
    store: &Store,
    file: &InputFile,
    out: &Path,
    opts: &ExportOptions,
) -> Result<(), Error> {
    let xerr = |e: XlsxError| Error::Xlsx {
        path: out.display().to_string(),
        message: e.to_string(),
    };
    let l = opts.lang;
    let cols = ListColumns::of(file);
    let since = opts.punished_within.since_today(opts.zone);
    let layouts = layouts(l, &cols);
    let mut wb = Workbook::new();
    let mut next = setup_sheets(&mut wb, &layouts, cols.ident.len() as u16).map_err(xerr)?;

    let mut attention: Vec<(_, u64)> = Vec::new();
    let mut reader = store.suppliers(file.id, true)?;
    let io = std::io::Error::other;
    reader.for_each(file.id, |s| {
        let a = Assessment::of(&s, since);
        let mut cells = analyst_cells(&cols, &s);
        cells.extend(result_cells(&s, &a, opts));
        put_row(&mut wb, RESULTS, &mut next, &cells).map_err(io)?;
        // Every supplier row, rows that share a code with another included.
        if s.row.skipped {
            return Ok(());
        }
        if let Some(alert) = Alert::of(&s, &a, &cols) {
            attention.push((alert.sort_key(&a, s.row.row), s.row.row));
        }
        let ident = cols.ident_cells(&s.row);
        for p in &s.punishments {
            let cells = punishment_cells(&ident, &s, &a, p, l);
            put_row(&mut wb, PUNISHMENTS, &mut next, &cells).map_err(io)?;
        }
        Ok(())
    })?;
    attention.sort_by_key(|a| a.0);
    for (_, row) in &attention {
        let Some(s) = reader.at(file.id, *row)? else {
            continue;
        };
        let a = Assessment::of(&s, since);
        let Some(alert) = Alert::of(&s, &a, &cols) else {
            continue;
        };
        let mut cells: Vec<Cell> = cols.ident_cells(&s.row).into_iter().map(text).collect();
        cells.extend(attention_cells(&s, &a, &alert, opts));
        put_row(&mut wb, ATTENTION, &mut next, &cells).map_err(xerr)?;
    }
    decision_list(&mut wb, &layouts[ATTENTION].1, next.next[ATTENTION], l).map_err(xerr)?;
    for (i, (_, columns)) in layouts.iter().enumerate() {
        let ws = wb.worksheet_from_index(i).map_err(xerr)?;
        ws.autofilter(
            0,
            0,
            next.next[i].saturating_sub(1),
            columns.len().saturating_sub(1) as u16,
        )
        .map_err(xerr)?;
    }
    let staged = crate::outfile::Staged::new(out)?;
    wb.save(staged.path()).map_err(xerr)?;
    staged.commit()?;
    Ok(())
}

/// The three sheets, named, with their headers and print setup; the next row of each.
fn setup_sheets(
    wb: &mut Workbook,
    layouts: &[(&'static str, Vec<Column>); 3],
    idents: u16,
) -> Result<Sheets, XlsxError> {
    let header = XFormat::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xDDEBF7));
    for (name, columns) in layouts {
        let ws = wb.add_worksheet_with_constant_memory()?;
        sheet_setup(ws, name, columns, &header, idents)?;
    }
    Ok(Sheets {
        next: [1u32; 3],
        wraps: layouts
            .iter()
            .map(|(_, columns)| columns.iter().map(Column::wraps).collect())
            .collect(),
    })
}

/// 处置结论 offers the four decisions as a drop-down list, on every alert's row.
fn decision_list(
    wb: &mut Workbook,
    columns: &[Column],
    rows: u32,
    l: Lang,
) -> Result<(), XlsxError> {
    let c = (columns.len() - REVIEW_COLUMNS + 1) as u16;
    let labels: Vec<&str> = Verdict::ALL.iter().map(|v| v.label(l)).collect();
    let list = DataValidation::new()
        .allow_list_strings(&labels)?
        .set_error_title(l.of(labels::REVIEW_DECISION))?
        .set_error_message(labels.join(" / "))?;
    wb.worksheet_from_index(ATTENTION)?
        .add_data_validation(1, c, rows.max(2) - 1, c, &list)?;
    Ok(())
}

/// One punishment's row: the supplier's identifying cells, how it was queried, its level now,
/// and the punishment.
fn punishment_cells(
    ident: &[String],
    s: &SupplierRow,
    a: &Assessment,
    p: &Punishment,
    l: Lang,
) -> Vec<Cell> {
    let mut cells: Vec<Cell> = ident.iter().cloned().map(text).collect();
    cells.extend([
        num(s.row.row as f64),
        text(l.basis(s.row.key_kind.as_deref())),
        text(s.row.key.clone()),
        text(a.level_now(l)),
        text(p.reg_no.clone()),
        text(p.punish_date.clone()),
        text(p.decision_no.clone()),
        text(p.case_prop.clone()),
        text(p.party.clone()),
    ]);
    cells
}
