//! `audit`: what the tool did and what people decided, for an auditor who does not use SQL:
//! every run (its command line, start and end, exit code, calls made and billed), every call
//! (time, key, page, HTTP and vendor status, the OrderNumber as the vendor wrote it, billed or
//! not), every alert a run opened and every decision, oldest first within each kind.
//!
//! CSV (UTF-8 with a byte-order mark unless `--no-bom`, headers in the chosen language, times
//! local with their offset) has one line per record and a first column naming its kind; JSONL
//! has one object per record with stable English keys and RFC 3339 times. Calls are streamed: a
//! year of calls never sits in memory.

use std::io::Write;

use serde_json::{Value, json};

use super::{BOM, csv::cell};
use crate::exit::ExitCode;
use crate::store::{AlertRow, AuditCall, AuditRun, DecisionRow, ExportError, Store};
use crate::view::alert::{Stamp, verdict_label};
use crate::view::lang::labels;
use crate::view::{Lang, Zone};

/// How `audit` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AuditFormat {
    Csv,
    Jsonl,
}

/// The audit export's options.
#[derive(Debug, Clone, Copy)]
pub struct AuditOptions {
    pub format: AuditFormat,
    pub lang: Lang,
    pub zone: Zone,
    pub bom: bool,
}

/// How many records of each kind were written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditCounts {
    pub runs: usize,
    pub calls: usize,
    pub alerts: usize,
    pub decisions: usize,
}

/// The CSV columns, in order: (zh, en).
const COLUMNS: [(&str, &str); 22] = [
    ("记录类型", "record"),
    ("编号", "id"),
    ("时间", "at"),
    ("运行编号", "run"),
    ("命令行", "command"),
    ("结束时间", "ended_at"),
    ("退出码", "exit_code"),
    ("运行结果", "outcome"),
    ("调用次数", "calls"),
    ("计费次数", "billed_calls"),
    ("查询代码/名称", "key"),
    ("页码", "page"),
    ("HTTP状态", "http_status"),
    ("接口状态码", "vendor_status"),
    ("订单号（OrderNumber）", "order_number"),
    ("是否计费", "billed"),
    ("供应商", "supplier"),
    ("表格行号", "row"),
    ("处置结论", "decision"),
    ("处置说明", "note"),
    ("处置人", "decided_by"),
    ("原因", "reasons"),
];

/// One record as a CSV line: (column index, value) pairs, the rest empty.
type Line = Vec<(usize, String)>;

/// Write the audit trail since `since` (a stored UTC instant), oldest first within each kind.
pub fn write_audit(
    store: &Store,
    since: Option<&str>,
    opts: &AuditOptions,
    w: &mut impl Write,
) -> Result<AuditCounts, ExportError> {
    let mut counts = AuditCounts::default();
    let mut csv = match opts.format {
        AuditFormat::Csv => {
            if opts.bom {
                w.write_all(BOM).map_err(ExportError::Io)?;
            }
            let mut c = csv::WriterBuilder::new().flexible(false).from_writer(w);
            let head = COLUMNS.map(|(zh, en)| opts.lang.tr(zh, en));
            c.write_record(head).map_err(csv_err)?;
            Sink::Csv(Box::new(c), opts.bom)
        }
        AuditFormat::Jsonl => Sink::Jsonl(w),
    };
    for r in store.audit_runs(since)? {
        csv.put(run_line(&r, opts), run_json(&r, opts.zone))?;
        counts.runs += 1;
    }
    store.for_each_audit_call(since, None, |c| {
        counts.calls += 1;
        match csv.put(call_line(&c, opts), call_json(&c, opts.zone)) {
            Err(ExportError::Io(e)) => Err(e),
            Err(e) => Err(std::io::Error::other(e)),
            Ok(()) => Ok(()),
        }
    })?;
    for a in store.alerts(since)? {
        csv.put(alert_line(&a, opts), alert_json(&a, opts.zone))?;
        counts.alerts += 1;
    }
    for d in store.decisions(since)? {
        csv.put(decision_line(&d, opts), decision_json(&d, opts.zone))?;
        counts.decisions += 1;
    }
    csv.flush()?;
    Ok(counts)
}

enum Sink<W: Write> {
    /// The writer, and whether the file is for Excel (codes kept as text).
    Csv(Box<csv::Writer<W>>, bool),
    Jsonl(W),
}

impl<W: Write> Sink<W> {
    fn put(&mut self, line: Line, obj: Value) -> Result<(), ExportError> {
        match self {
            Sink::Csv(c, excel) => {
                let mut cells = vec![String::new(); COLUMNS.len()];
                for (i, v) in line {
                    cells[i] = v;
                }
                c.write_record(cells.iter().map(|s| cell(s, *excel)))
                    .map_err(csv_err)
            }
            Sink::Jsonl(w) => {
                serde_json::to_writer(&mut *w, &obj)
                    .map_err(|e| ExportError::Io(std::io::Error::other(e)))?;
                w.write_all(b"\n").map_err(ExportError::Io)
            }
        }
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        match self {
            Sink::Csv(c, _) => c.flush(),
            Sink::Jsonl(w) => w.flush(),
        }
        .map_err(ExportError::Io)
    }
}

fn csv_err(e: csv::Error) -> ExportError {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ExportError::Io(io),
        other => ExportError::Io(std::io::Error::other(format!("{other:?}"))),
    }
}

/// A stored instant as RFC 3339 in the zone (`2026-12-02T02:30:05+08:00`).
fn rfc3339(zone: Zone, stored: &str) -> Value {
    json!(zone.rfc3339(stored))
}

fn kind(lang: Lang, label: crate::view::lang::Label) -> (usize, String) {
    (0, lang.of(label).to_string())
}

fn run_line(r: &AuditRun, o: &AuditOptions) -> Line {
    let outcome = r
        .exit_code
        .and_then(|c| ExitCode::from_code(c as i32))
        .map(|c| c.meaning_in(o.lang).to_string())
        .unwrap_or_default();
    vec![
        kind(o.lang, labels::AUDIT_RUN),
        (1, r.id.to_string()),
        (2, o.zone.show_secs(&r.started_at)),
        (3, r.id.to_string()),
        (4, r.command.clone()),
        (
            5,
            r.ended_at
                .as_deref()
                .map(|t| o.zone.show_secs(t))
                .unwrap_or_default(),
        ),
        (6, r.exit_code.map(|c| c.to_string()).unwrap_or_default()),
        (7, outcome),
        (8, r.calls.to_string()),
        (9, r.billed.to_string()),
    ]
}

fn run_json(r: &AuditRun, zone: Zone) -> Value {
    json!({
        "record": "run", "id": r.id, "started_at": rfc3339(zone, &r.started_at),
        "ended_at": r.ended_at.as_deref().map(|t| rfc3339(zone, t)),
        "command": r.command, "exit_code": r.exit_code, "calls": r.calls, "billed": r.billed,
    })
}

fn call_line(c: &AuditCall, o: &AuditOptions) -> Line {
    vec![
        kind(o.lang, labels::AUDIT_CALL),
        (1, c.id.to_string()),
        (2, o.zone.show_secs(&c.at)),
        (3, c.run_id.map(|r| r.to_string()).unwrap_or_default()),
        (10, c.key.clone()),
        (11, c.page.to_string()),
        (12, c.http_status.map(|s| s.to_string()).unwrap_or_default()),
        (13, c.vendor_status.clone().unwrap_or_default()),
        (14, c.order_number.clone().unwrap_or_default()),
        (15, o.lang.yes_no(c.billed).to_string()),
    ]
}

fn call_json(c: &AuditCall, zone: Zone) -> Value {
    json!({
        "record": "call", "id": c.id, "at": rfc3339(zone, &c.at), "run": c.run_id, "key": c.key,
        "page": c.page, "http_status": c.http_status, "vendor_status": c.vendor_status,
        "order_number": c.order_number, "billed": c.billed,
    })
}

fn alert_line(a: &AlertRow, o: &AuditOptions) -> Line {
    vec![
        kind(o.lang, labels::AUDIT_ALERT),
        (1, a.id.to_string()),
        (2, o.zone.show_secs(&a.opened_at)),
        (3, a.run_id.map(|r| r.to_string()).unwrap_or_default()),
        (10, a.key.clone()),
        (16, a.supplier.clone()),
        (17, a.sheet_row.unwrap_or(a.row).to_string()),
        (21, Stamp::flags_text(a.flags, o.lang)),
    ]
}

fn alert_json(a: &AlertRow, zone: Zone) -> Value {
    json!({
        "record": "alert", "id": a.id, "at": rfc3339(zone, &a.opened_at), "run": a.run_id,
        "key": a.key, "supplier_id": a.supplier, "row": a.row, "sheet_row": a.sheet_row,
        "flags": Stamp::flags(a.flags).iter().map(|f| f.id()).collect::<Vec<_>>(),
        "reopens_decision": a.decision_id,
    })
}

fn decision_line(d: &DecisionRow, o: &AuditOptions) -> Line {
    vec![
        kind(o.lang, labels::AUDIT_DECISION),
        (1, d.id.to_string()),
        (2, o.zone.show_secs(&d.decided_at)),
        (10, d.key.clone()),
        (16, d.supplier.clone()),
        (17, d.sheet_row.unwrap_or(d.row).to_string()),
        (18, verdict_label(&d.decision, o.lang).to_string()),
        (19, d.note.clone()),
        (20, d.decided_by.clone()),
        (21, d.reasons.clone()),
    ]
}

fn decision_json(d: &DecisionRow, zone: Zone) -> Value {
    json!({
        "record": "decision", "id": d.id, "at": rfc3339(zone, &d.decided_at), "key": d.key,
        "supplier_id": d.supplier, "row": d.row, "sheet_row": d.sheet_row,
        "decision": d.decision, "note": d.note,
        "decided_by": d.decided_by, "reasons": d.reasons, "source": d.source,
    })
}
