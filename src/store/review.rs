//! The review trail: decisions on alerts and the alerts each run opened, both append-only (the
//! schema's triggers refuse an UPDATE or DELETE), and the calls as an auditor reads them.

use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;

use super::{Result, Store, ts};

/// A decision to record: what was decided on which supplier row, on what evidence.
#[derive(Debug, Clone)]
pub struct NewDecision {
    pub key_id: i64,
    pub supplier: String,
    pub row_no: u64,
    pub sheet_row: Option<u64>,
    pub file_id: i64,
    /// `cleared`, `accepted`, `blocked` or `escalated`.
    pub decision: String,
    pub note: String,
    pub by: String,
    /// The alert's fingerprint (JSON) the decision answers.
    pub fingerprint: String,
    pub reasons: String,
    pub source: String,
}

/// A stored decision.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: i64,
    #[serde(skip)]
    pub key_id: i64,
    pub key: String,
    pub supplier: String,
    /// The data row it was decided on.
    pub row: u64,
    /// The row the sheet shows.
    pub sheet_row: Option<u64>,
    pub decision: String,
    pub note: String,
    pub decided_by: String,
    pub decided_at: String,
    pub fingerprint: String,
    pub reasons: String,
    pub source: String,
}

/// An alert a run opened (or opened again after a decision).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AlertRow {
    pub id: i64,
    pub run_id: Option<i64>,
    #[serde(skip)]
    pub key_id: i64,
    pub key: String,
    pub supplier: String,
    /// The data row.
    pub row: u64,
    /// The row the sheet shows.
    pub sheet_row: Option<u64>,
    pub opened_at: String,
    /// The flags as bits (`view::alert::Stamp`).
    pub flags: u8,
    pub rank: Option<u8>,
    /// 4-byte hashes of the alert's punishments, cancellations and changes for the worse.
    #[serde(skip)]
    pub items: Option<Vec<u8>>,
    /// The decision this alert re-opened.
    pub decision_id: Option<i64>,
}

/// What a (key, supplier)'s latest alert was opened on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestStamp {
    pub decision_id: Option<i64>,
    pub flags: u8,
    pub rank: Option<u8>,
    pub items: Option<Vec<u8>>,
}

/// A call as the audit export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditCall {
    pub id: i64,
    pub run_id: Option<i64>,
    pub at: String,
    pub key: String,
    pub page: i64,
    pub http_status: Option<i64>,
    pub vendor_status: Option<String>,
    /// As the vendor wrote it in the body.
    pub order_number: Option<String>,
    pub billed: bool,
    /// The screening the call's answer belongs to (none for a failed attempt or a page whose
    /// key has no answer yet).
    pub screening_id: Option<i64>,
}

/// A run as the audit export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRun {
    pub id: i64,
    pub command: String,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub exit_code: Option<i64>,
    pub calls: i64,
    /// Calls that reached the vendor: each is billed, by the vendor's rule.
    pub billed: i64,
}

/// A stored instant (RFC 3339) as the Unix seconds the integer columns keep.
fn unix_secs(stored: Option<&str>) -> Option<i64> {
    stored
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.timestamp())
}

const DECISION_SELECT: &str = "SELECT d.id, d.key_id, k.key, d.supplier, d.row_no, d.decision,
   d.note, d.decided_by, d.decided_at, d.fingerprint, d.reasons, d.source, d.sheet_row
 FROM decisions d JOIN keys k ON k.id = d.key_id";

fn decision_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DecisionRow> {
    Ok(DecisionRow {
        id: r.get(0)?,
        key_id: r.get(1)?,
        key: r.get(2)?,
        supplier: r.get(3)?,
        row: r.get::<_, i64>(4)? as u64,
        decision: r.get(5)?,
        note: r.get(6)?,
        decided_by: r.get(7)?,
        decided_at: r.get(8)?,
        fingerprint: r.get(9)?,
        reasons: r.get(10)?,
        source: r.get(11)?,
        sheet_row: r.get::<_, Option<i64>>(12)?.map(|n| n as u64),
    })
}

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: r.get(0)?,
        run_id: r.get(1)?,
        key_id: r.get(2)?,
        supplier: r.get(3)?,
        row: r.get::<_, i64>(4)? as u64,
        opened_at: r.get(5)?,
        flags: r.get(6)?,
        rank: r.get(7)?,
        decision_id: r.get(8)?,
        key: r.get(9)?,
        sheet_row: r.get::<_, Option<i64>>(10)?.map(|n| n as u64),
        items: r.get(11)?,
    })
}

/// The columns [`alert_row`] reads.
fn alert_select() -> String {
    format!(
        "SELECT a.id, a.run_id, a.key_id, a.supplier, a.row_no, {}, a.flags, a.rank,
           a.decision_id, k.key, a.sheet_row, a.items
         FROM alerts a JOIN keys k ON k.id = a.key_id",
        super::instant_text("a.opened_at")
    )
}

impl Store {
    /// Record decisions, all or none; returns their ids.
    pub fn insert_decisions(&self, ds: &[NewDecision]) -> Result<Vec<i64>> {
        let e = self.e();
        let now = ts(crate::clock::now());
        let tx = self.conn.unchecked_transaction().map_err(&e)?;
        let mut ids = Vec::with_capacity(ds.len());
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO decisions(key_id, supplier, row_no, sheet_row, file_id, decision,
                       note, decided_by, decided_at, fingerprint, reasons, source)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )
                .map_err(&e)?;
            for d in ds {
                st.execute(params![
                    d.key_id,
                    d.supplier,
                    d.row_no as i64,
                    d.sheet_row.map(|n| n as i64),
                    d.file_id,
                    d.decision,
                    d.note,
                    d.by,
                    now,
                    d.fingerprint,
                    d.reasons,
                    d.source
                ])
                .map_err(&e)?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit().map_err(&e)?;
        Ok(ids)
    }

    /// Every decision, oldest first, by key.
    pub fn decisions_by_key(&self) -> Result<HashMap<i64, Vec<DecisionRow>>> {
        let mut out: HashMap<i64, Vec<DecisionRow>> = HashMap::new();
        for d in self.decisions(None)? {
            out.entry(d.key_id).or_default().push(d);
        }
        Ok(out)
    }

    /// Decisions, oldest first, optionally since an instant.
    pub fn decisions(&self, since: Option<&str>) -> Result<Vec<DecisionRow>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "{DECISION_SELECT} WHERE ?1 IS NULL OR d.decided_at >= ?1 ORDER BY d.id"
            ))
            .map_err(self.e())?;
        st.query_map([since], decision_row)
            .and_then(|rows| rows.collect())
            .map_err(self.e())
    }

    /// Record the alerts a run opened, all or none.
    pub fn insert_alerts(&self, run_id: Option<i64>, alerts: &[AlertRow]) -> Result<()> {
        let e = self.e();
        let now = crate::clock::now().timestamp();
        let tx = self.conn.unchecked_transaction().map_err(&e)?;
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO alerts(run_id, key_id, supplier, row_no, opened_at, flags, rank,
                       items, decision_id, sheet_row) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                )
                .map_err(&e)?;
            for a in alerts {
                st.execute(params![
                    run_id,
                    a.key_id,
                    a.supplier,
                    a.row as i64,
                    now,
                    a.flags,
                    a.rank,
                    a.items,
                    a.decision_id,
                    a.sheet_row.map(|n| n as i64)
                ])
                .map_err(&e)?;
            }
        }
        tx.commit().map_err(&e)
    }

    /// For each (key, supplier), what its latest alert was opened on: the decision it reopened
    /// and its stamp (flags, rank, item hashes). Only these columns: a list of 300,000 rows
    /// has about 150,000 alerts, read after every run.
    pub fn latest_stamps(&self) -> Result<HashMap<(i64, String), LatestStamp>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT key_id, supplier, decision_id, flags, rank, items FROM alerts
                 ORDER BY id",
            )
            .map_err(self.e())?;
        let mut rows = st.query([]).map_err(self.e())?;
        let mut out = HashMap::new();
        while let Some(r) = rows.next().map_err(self.e())? {
            let row = (|| -> rusqlite::Result<_> {
                Ok((
                    (r.get::<_, i64>(0)?, r.get::<_, String>(1)?),
                    LatestStamp {
                        decision_id: r.get(2)?,
                        flags: r.get(3)?,
                        rank: r.get(4)?,
                        items: r.get(5)?,
                    },
                ))
            })()
            .map_err(self.e())?;
            out.insert(row.0, row.1);
        }
        Ok(out)
    }

    /// Alerts matching `filter` (a condition on `a`, with one parameter), oldest first.
    fn alerts_where(&self, filter: &str, param: Option<i64>) -> Result<Vec<AlertRow>> {
        let mut st = self
            .conn
            .prepare(&format!("{} WHERE {filter} ORDER BY a.id", alert_select()))
            .map_err(self.e())?;
        st.query_map([param], alert_row)
            .and_then(|rows| rows.collect())
            .map_err(self.e())
    }

    /// The alerts one run opened, in the order it opened them.
    pub fn alerts_in_run(&self, run_id: i64) -> Result<Vec<AlertRow>> {
        self.alerts_where("a.run_id = ?1", Some(run_id))
    }

    /// Alerts opened, oldest first, optionally since an instant.
    pub fn alerts(&self, since: Option<&str>) -> Result<Vec<AlertRow>> {
        self.alerts_where("?1 IS NULL OR a.opened_at >= ?1", unix_secs(since))
    }

    /// The alerts opened for one key, oldest first.
    pub fn alerts_of_key(&self, key_id: i64) -> Result<Vec<AlertRow>> {
        self.alerts_where("a.key_id = ?1", Some(key_id))
    }

    /// Runs, oldest first, optionally started since an instant.
    pub fn audit_runs(&self, since: Option<&str>) -> Result<Vec<AuditRun>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT id, command, started_at, ended_at, exit_code, calls, calls - unreached FROM runs
                 WHERE ?1 IS NULL OR started_at >= ?1 ORDER BY id",
            )
            .map_err(self.e())?;
        st.query_map([since], |r| {
            Ok(AuditRun {
                id: r.get(0)?,
                command: r.get(1)?,
                started_at: r.get(2)?,
                ended_at: r.get(3)?,
                exit_code: r.get(4)?,
                calls: r.get(5)?,
                billed: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(self.e())
    }

    /// Calls, oldest first, optionally since an instant, with each OrderNumber read from the
    /// body the vendor sent; `f` sees each in turn (a year of calls never sits in memory).
    pub fn for_each_audit_call(
        &self,
        since: Option<&str>,
        key_id: Option<i64>,
        mut f: impl FnMut(AuditCall) -> std::io::Result<()>,
    ) -> std::result::Result<(), super::ExportError> {
        let since_secs = unix_secs(since);
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT c.id, c.run_id, {}, COALESCE(NULLIF(c.search_key, ''), k.key, ''), c.page,
                   c.http_status, c.vendor_status, c.order_number, c.body, c.body_ref, c.reached,
                   c.screening_id
                 FROM calls c LEFT JOIN keys k ON k.id = c.key_id
                 WHERE (?1 IS NULL OR c.at >= ?1) AND (?2 IS NULL OR c.key_id = ?2) ORDER BY c.id",
                super::instant_text("c.at")
            ))
            .map_err(self.e())?;
        let mut rows = st.query(params![since_secs, key_id]).map_err(self.e())?;
        while let Some(r) = rows.next().map_err(self.e())? {
            let body: Option<Vec<u8>> = r.get(8).map_err(self.e())?;
            let body_ref: Option<i64> = r.get(9).map_err(self.e())?;
            let stored_order: Option<String> = r.get(7).map_err(self.e())?;
            let order_number = match body {
                Some(b) => super::calls::body_of(&self.conn, &b, body_ref)
                    .map_err(self.e())
                    .map(|body| super::calls::body_order_number(&body))?,
                None => None,
            }
            .or(stored_order);
            let vendor_status: Option<String> = r.get(6).map_err(self.e())?;
            let call = AuditCall {
                id: r.get(0).map_err(self.e())?,
                run_id: r.get(1).map_err(self.e())?,
                at: r.get(2).map_err(self.e())?,
                key: r.get(3).map_err(self.e())?,
                page: r.get(4).map_err(self.e())?,
                http_status: r.get(5).map_err(self.e())?,
                // The vendor's rule: every call that reached it is billed.
                billed: r.get::<_, i64>(10).map_err(self.e())? != 0,
                vendor_status,
                order_number,
                screening_id: r.get(11).map_err(self.e())?,
            };
            f(call).map_err(super::ExportError::Io)?;
        }
        Ok(())
    }
}
