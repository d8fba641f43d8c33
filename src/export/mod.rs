//! `export`: one line per input row, in input order, with the key's current answer, in one of
//! three formats ([`jsonl`], [`csv`], [`xlsx`]). CSV flattens each row: the original columns
//! first, then [`RESULT_FIELDS`]. The workbook is for people: a needs-attention sheet first, then
//! the results and the punishments, in Chinese (or `--lang en`).

pub mod audit;
pub mod changes;
pub mod csv;
mod jsonl;
mod xlsx;

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{ExportError, Store, SupplierRow};
use crate::view::{Assessment, Lang, ListColumns, Window, Zone};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Jsonl,
    Csv,
    Xlsx,
}

/// What `export` writes, and how people read it.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    pub format: Format,
    /// Workbook headers and labels.
    pub lang: Lang,
    /// Workbook times.
    pub zone: Zone,
    /// What counts as a recent punishment (the workbook's needs-attention sheet, CSV's
    /// `attention`).
    pub punished_within: Window,
    /// CSV starts with the UTF-8 byte-order mark, so Excel reads it as UTF-8.
    pub bom: bool,
}

impl Default for ExportOptions {
    fn default() -> ExportOptions {
        ExportOptions {
            format: Format::Jsonl,
            lang: Lang::Zh,
            zone: Zone::System,
            punished_within: Window::default(),
            bom: true,
        }
    }
}

/// The result fields after the original columns, in CSV: machine names with `--lang en` (for
/// pipelines), [`RESULT_FIELDS_ZH`] by default.
pub const RESULT_FIELDS: [&str; 18] = [
    "row",
    "sheet_row",
    "key",
    "key_kind",
    "state",
    "status",
    "message",
    "checked_at",
    "record_count",
    "worst_level",
    "worst_rank",
    "punishment_count",
    "latest_punishment",
    "cancelled_registrations",
    "customs_offices",
    "identify_date",
    "attention",
    "reason",
];

/// The result fields' Chinese headers, in the order of [`RESULT_FIELDS`].
pub const RESULT_FIELDS_ZH: [&str; 18] = [
    "数据行",
    "表格行号",
    "查询代码/名称",
    "查询依据",
    "查询状态",
    "状态码",
    "接口返回信息",
    "查询时间",
    "注册数",
    "信用等级",
    "风险等级",
    "处罚次数",
    "最近处罚日期",
    "已注销注册数",
    "注册海关",
    "认定时间",
    "关注标记",
    "需关注原因",
];

/// The UTF-8 byte-order mark.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("the database has no input file yet: run `qcc-credit run --input FILE --db DB` first")]
    NoInput,
    #[error("--format xlsx needs --out FILE (a workbook cannot go to standard output)")]
    XlsxNeedsOut,
    #[error("writing {path}: {message}")]
    Xlsx { path: String, message: String },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

fn status_value(s: &Option<String>) -> Value {
    match s {
        Some(s) => s
            .trim()
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(s.clone())),
        None => Value::Null,
    }
}

/// The flat cells of a row: original columns, then [`RESULT_FIELDS`]. With `--lang en` the
/// values are the machine names pipelines read (`found`, `uscc`, flag ids) and the time is RFC
/// 3339 with its offset; in Chinese they are what the analyst reads. Both in the chosen zone.
pub fn flat_row(
    cols: &ListColumns,
    s: &SupplierRow,
    a: &Assessment,
    opts: &ExportOptions,
) -> Vec<String> {
    let row = &s.row;
    let l = opts.lang;
    let mut cells = cols.cells(row);
    let rank = if row.state == KeyState::Found {
        Some(Rank::of(&a.level))
    } else {
        None
    };
    let (kind, state, rank, attention, checked) = match l {
        Lang::En => (
            row.key_kind.clone().unwrap_or_default(),
            row.state_label().to_string(),
            rank.map(|r| r.label().to_string()).unwrap_or_default(),
            a.flags.iter().map(|f| f.id()).collect::<Vec<_>>().join(" "),
            row.checked_at
                .as_deref()
                .map(|t| opts.zone.rfc3339(t))
                .unwrap_or_default(),
        ),
        Lang::Zh => (
            l.basis(row.key_kind.as_deref()).to_string(),
            l.row_state(row.state_label()).to_string(),
            rank.map(|r| l.rank(r).to_string()).unwrap_or_default(),
            a.flags
                .iter()
                .map(|f| l.flag(*f))
                .collect::<Vec<_>>()
                .join("、"),
            row.checked_at
                .as_deref()
                .map(|t| opts.zone.show(t))
                .unwrap_or_default(),
        ),
    };
    let message = match (&row.message, row.state) {
        (Some(m), KeyState::Invalid) => l.fix_message(m),
        (Some(m), _) => m.clone(),
        (None, _) => String::new(),
    };
    cells.extend([
        row.row.to_string(),
        row.sheet_row.map(|n| n.to_string()).unwrap_or_default(),
        row.key.clone(),
        kind,
        state,
        row.status.clone().unwrap_or_default(),
        message,
        checked,
        a.registrations.to_string(),
        a.level.clone(),
        rank,
        a.punishments.to_string(),
        a.latest_day(),
        a.cancelled.to_string(),
        a.customs.join(" "),
        a.identify_date.clone(),
        attention,
        if row.skipped {
            String::new()
        } else {
            crate::view::row_reason(s, a, l, opts.punished_within)
        },
    ]);
    cells
}

fn header_row(headers: &[String], lang: Lang) -> Vec<String> {
    let fields = match lang {
        Lang::En => RESULT_FIELDS,
        Lang::Zh => RESULT_FIELDS_ZH,
    };
    // Original columns keep their names; a clash with a result field gets a prefix.
    let mut h: Vec<String> = headers
        .iter()
        .map(|x| {
            if fields.contains(&x.as_str()) {
                format!("{}{x}", lang.tr("原表_", "input_"))
            } else {
                x.clone()
            }
        })
        .collect();
    h.extend(fields.iter().map(|s| s.to_string()));
    h
}

/// Export the rows of the latest input file. A closed pipe (`export | head`) is not an error.
pub fn export(store: &Store, out: Option<&Path>, opts: &ExportOptions) -> Result<(), Error> {
    let file = store.latest_file()?.ok_or(Error::NoInput)?;
    if opts.format == Format::Xlsx {
        let out = out.ok_or(Error::XlsxNeedsOut)?;
        return xlsx::write(store, &file, out, opts);
    }
    let staged = out.map(crate::outfile::Staged::new).transpose()?;
    let sink: Box<dyn Write> = match &staged {
        Some(s) => Box::new(s.file()?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = std::io::BufWriter::new(sink);
    let result = match opts.format {
        Format::Csv => csv::write(store, &file, &mut w, opts),
        _ => jsonl::write(store, &file, &mut w),
    }
    .and_then(|()| Ok(w.flush()?));
    drop(w);
    let result = match (result, staged) {
        (Ok(()), Some(s)) => s.commit().map_err(Error::from),
        (result, _) => result,
    };
    match result {
        Err(Error::Io(e)) | Err(Error::Export(ExportError::Io(e)))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            Ok(())
        }
        other => other,
    }
}
