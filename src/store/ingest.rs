//! Idempotent ingest: an input file's rows and their keys, claimed with `INSERT … ON CONFLICT`
//! so re-running with the same or a grown file only adds what is new.

use chrono::Utc;
use rusqlite::{Transaction, params};
use serde::Serialize;

use super::{Result, Store, ts};
use crate::input::{FileMeta, IngestRow};
use crate::key_state::KeyState;

/// What an ingest did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub file_id: i64,
    pub rows: u64,
    pub new_keys: u64,
    pub invalid_rows: u64,
    /// Total rows (合计, 共18家 ...), never called.
    pub skipped_rows: u64,
}

impl Store {
    /// Ingest rows of one file, idempotently: rows are keyed by (file, row number), keys by their
    /// normalized text; re-ingesting the same or a grown file only adds what is new. Commits every
    /// 10,000 rows so memory stays flat.
    pub fn ingest(
        &mut self,
        path: &str,
        meta: &FileMeta,
        rows: impl Iterator<Item = IngestRow>,
    ) -> Result<IngestSummary> {
        let e = self.e();
        let file_id = self.upsert_file(path, meta)?;
        let mut summary = IngestSummary {
            file_id,
            ..Default::default()
        };
        let mut last_row = 0u64;
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            let tx = self.conn.transaction().map_err(&e)?;
            {
                // Prepared once per transaction: looking a statement up per row cost a hash of
                // its text every time.
                let mut stmts = Statements::prepare(&tx).map_err(&e)?;
                for row in rows.by_ref().take(10_000) {
                    last_row = last_row.max(row.row_no);
                    ingest_row(&mut stmts, file_id, &row, &mut summary).map_err(&e)?;
                }
            }
            tx.commit().map_err(&e)?;
        }
        // A file that shrank: rows past its end are no longer part of it.
        self.conn
            .execute(
                "DELETE FROM input_rows WHERE file_id=?1 AND row_no>?2",
                params![file_id, last_row as i64],
            )
            .map_err(&e)?;
        self.conn
            .execute(
                "UPDATE input_files SET row_count=?2 WHERE id=?1",
                params![file_id, summary.rows as i64],
            )
            .map_err(&e)?;
        Ok(summary)
    }

    /// The file's row (by path), created or updated with what was detected this time.
    fn upsert_file(&self, path: &str, meta: &FileMeta) -> Result<i64> {
        let headers = serde_json::to_string(&meta.headers).unwrap_or_default();
        let now = ts(Utc::now());
        self.conn
            .query_row(
                "INSERT INTO input_files(path, format, encoding, key_column, headers, last_ingested_at,
                   sheet, header_row, fallback_column, id_column)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(path) DO UPDATE SET format=excluded.format, encoding=excluded.encoding,
                   key_column=excluded.key_column, headers=excluded.headers,
                   last_ingested_at=excluded.last_ingested_at, sheet=excluded.sheet,
                   header_row=excluded.header_row, fallback_column=excluded.fallback_column,
                   id_column=excluded.id_column
                 RETURNING id",
                params![
                    path,
                    meta.format,
                    meta.encoding,
                    meta.key_column,
                    headers,
                    now,
                    meta.sheet,
                    meta.header_row.map(|r| r as i64),
                    meta.fallback_column,
                    meta.id_column
                ],
                |r| r.get(0),
            )
            .map_err(self.e())
    }
}

/// The statements ingest runs for every row.
struct Statements<'t> {
    upsert_key: rusqlite::Statement<'t>,
    key_id: rusqlite::Statement<'t>,
    upsert_row: rusqlite::Statement<'t>,
}

impl<'t> Statements<'t> {
    fn prepare(tx: &'t Transaction<'_>) -> rusqlite::Result<Self> {
        Ok(Statements {
            upsert_key: tx.prepare(
                "INSERT INTO keys(key, kind, state, local, message) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(key) DO UPDATE SET state='pending', local=0, message=NULL
                   WHERE keys.local=1 AND excluded.local=0",
            )?,
            key_id: tx.prepare("SELECT id FROM keys WHERE key=?1")?,
            upsert_row: tx.prepare(
                "INSERT INTO input_rows(file_id, row_no, input, key_id, error, extra, sheet_row, skipped,
                   cell_types)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT(file_id, row_no) DO UPDATE SET input=excluded.input,
                   key_id=excluded.key_id, error=excluded.error, extra=excluded.extra,
                   sheet_row=excluded.sheet_row, skipped=excluded.skipped,
                   cell_types=excluded.cell_types
                 WHERE input IS NOT excluded.input OR key_id IS NOT excluded.key_id
                   OR error IS NOT excluded.error OR extra IS NOT excluded.extra
                   OR sheet_row IS NOT excluded.sheet_row OR skipped IS NOT excluded.skipped
                   OR cell_types IS NOT excluded.cell_types",
            )?,
        })
    }
}

/// One row: its key claimed (a key judged invalid locally becomes pending when a later row holds
/// it validly), and the row pointing at it.
fn ingest_row(
    stmts: &mut Statements<'_>,
    file_id: i64,
    row: &IngestRow,
    summary: &mut IngestSummary,
) -> rusqlite::Result<()> {
    summary.rows += 1;
    let c = &row.classified;
    let id: Option<i64> = match (c.kind, &row.error) {
        _ if row.skipped => None,
        (Some(kind), None) if !c.key.is_empty() => {
            let (st, local) = match &c.invalid {
                Some(_) => (KeyState::Invalid, 1),
                None => (KeyState::Pending, 0),
            };
            summary.new_keys +=
                stmts
                    .upsert_key
                    .execute(params![c.key, kind.as_str(), st, local, c.invalid])?
                    as u64;
            Some(stmts.key_id.query_row([&c.key], |r| r.get(0))?)
        }
        _ => None,
    };
    let error = row.error.clone().or_else(|| match id {
        None => c.invalid.clone(),
        Some(_) => None,
    });
    if row.skipped {
        summary.skipped_rows += 1;
    } else if id.is_none() || c.invalid.is_some() {
        summary.invalid_rows += 1;
    }
    stmts.upsert_row.execute(params![
        file_id,
        row.row_no as i64,
        row.input,
        id,
        error,
        row.extra,
        row.sheet_row as i64,
        row.skipped,
        row.cell_types
    ])?;
    Ok(())
}
