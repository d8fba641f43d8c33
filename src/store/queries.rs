//! Read models: what `export`, `changes` and `report` read back from the database.

use rusqlite::OptionalExtension;
use serde::Serialize;
use serde_json::Value;

use super::records::{self, PunishmentColumns, RecordColumns};
use super::{Result, Store, StoreError};
use crate::key_state::KeyState;

/// One line of the export: an input row with its key's current answer.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub row: u64,
    /// The row number the file or sheet shows (`None` for rows ingested before it was kept).
    pub sheet_row: Option<u64>,
    pub input: String,
    pub key: String,
    pub key_kind: Option<String>,
    pub state: KeyState,
    pub status: Option<String>,
    pub message: Option<String>,
    pub checked_at: Option<String>,
    pub screening_id: Option<i64>,
    pub extra: Option<String>,
    /// A total row, never called.
    pub skipped: bool,
}

impl ExportRow {
    /// The row's state as exports show it: `skipped` for a total row, else its key's state.
    pub fn state_label(&self) -> &'static str {
        if self.skipped {
            "skipped"
        } else {
            self.state.as_str()
        }
    }
}

/// An ingested input file.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub id: i64,
    pub path: String,
    pub headers: Vec<String>,
    pub key_column: String,
}

/// A stored change, for `changes` and `report`.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub detected_at: String,
    pub run_id: Option<i64>,
    pub key: String,
    pub kind: String,
    pub worse: bool,
    pub detail: String,
}

/// Why an export stopped: the database, or the sink it writes to.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(std::io::Error),
}

/// A punishment of a supplier's current answer, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct PunishedRow {
    pub key: String,
    pub reg_no: String,
    pub decision_no: String,
    pub punish_date: String,
    pub case_prop: String,
    pub party: String,
}

impl Store {
    /// The input file exports and reports describe: the one ingested last.
    pub fn latest_file(&self) -> Result<Option<InputFile>> {
        self.conn
            .query_row(
                "SELECT id, path, headers, key_column FROM input_files
                 ORDER BY last_ingested_at DESC, id DESC LIMIT 1",
                [],
                |r| {
                    let headers: Option<String> = r.get(2)?;
                    Ok(InputFile {
                        id: r.get(0)?,
                        path: r.get(1)?,
                        headers: headers
                            .and_then(|h| serde_json::from_str(&h).ok())
                            .unwrap_or_default(),
                        key_column: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                    })
                },
            )
            .optional()
            .map_err(self.e())
    }

    /// Stream the rows of a file, in input order, with their keys' current answers.
    pub fn for_each_export_row(
        &self,
        file_id: i64,
        mut f: impl FnMut(ExportRow) -> std::io::Result<()>,
    ) -> std::result::Result<(), ExportError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.row_no, r.input, r.error, r.extra, k.key, k.kind, k.state, k.status,
                   k.message, k.checked_at, k.screening_id, r.sheet_row, r.skipped
                 FROM input_rows r LEFT JOIN keys k ON k.id = r.key_id
                 WHERE r.file_id = ?1 ORDER BY r.row_no",
            )
            .map_err(self.e())?;
        let mut rows = stmt.query([file_id]).map_err(self.e())?;
        while let Some(r) = rows.next().map_err(self.e())? {
            let row = (|| -> rusqlite::Result<ExportRow> {
                let error: Option<String> = r.get(2)?;
                let key: Option<String> = r.get(4)?;
                Ok(ExportRow {
                    row: r.get::<_, i64>(0)? as u64,
                    sheet_row: r.get::<_, Option<i64>>(11)?.map(|n| n as u64),
                    input: r.get(1)?,
                    key: key.unwrap_or_default(),
                    key_kind: r.get(5)?,
                    state: r
                        .get::<_, Option<KeyState>>(6)?
                        .unwrap_or(KeyState::Invalid),
                    status: r.get(7)?,
                    message: r.get::<_, Option<String>>(8)?.or(error),
                    checked_at: r.get(9)?,
                    screening_id: r.get(10)?,
                    extra: r.get(3)?,
                    skipped: r.get::<_, i64>(12)? != 0,
                })
            })()
            .map_err(self.e())?;
            f(row).map_err(ExportError::Io)?;
        }
        Ok(())
    }

    /// The raw records of a screening, in the order received.
    pub fn records_raw(&self, screening_id: i64) -> Result<Vec<Value>> {
        let e = self.e();
        let rows: Vec<(i64, RecordColumns, Option<String>)> = self
            .conn
            .prepare_cached(
                "SELECT id, vendor_id, reg_gov, trade_type, reg_date, reg_no, admin_area, econo_area,
                   special_area, cancel_flag, annual_status, validity_date, industry_type,
                   ebusiness_type, identify_date, identify_level, identify_code, extra
                 FROM records WHERE screening_id=(SELECT COALESCE(records_of, id) FROM screenings
                   WHERE id=?1) ORDER BY ord",
            )
            .and_then(|mut st| {
                st.query_map([screening_id], |r| {
                    let mut cols: RecordColumns = Default::default();
                    for (i, c) in cols.iter_mut().enumerate() {
                        *c = r.get(i + 1)?;
                    }
                    Ok((r.get(0)?, cols, r.get(17)?))
                })?
                .collect()
            })
            .map_err(&e)?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, cols, extra) in rows {
            if let Some(raw) = extra {
                out.push(serde_json::from_str(&raw).unwrap_or(Value::String(raw)));
                continue;
            }
            let puns: Vec<PunishmentColumns> = self
                .conn
                .prepare_cached(
                    "SELECT no, decision_no, party, punish_date, case_prop FROM punishments
                     WHERE record_id=?1 ORDER BY ord",
                )
                .and_then(|mut st| {
                    st.query_map([id], |r| {
                        Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])
                    })?
                    .collect()
                })
                .map_err(&e)?;
            out.push(records::rebuild(&cols, &puns));
        }
        Ok(out)
    }

    /// A call's body as received: a stored 200 envelope gets its page's records back.
    pub fn call_body(&self, call_id: i64) -> Result<Option<String>> {
        let row: Option<(Option<String>, i64, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT body, page, screening_id FROM calls WHERE id=?1",
                [call_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(self.e())?;
        let Some((Some(body), page, Some(sid))) = row else {
            return Ok(row.and_then(|r| r.0));
        };
        if !body.contains(records::DATA_MARKER) {
            return Ok(Some(body));
        }
        let all = self.records_raw(sid)?;
        let page_records = records::page_slice(&body, page, &all).unwrap_or(&[]);
        Ok(records::restore(&body, page_records))
    }

    /// Record count, worst credit level text and punishment count of a screening.
    pub fn screening_summary(&self, screening_id: i64) -> Result<(u64, String, u64)> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT identify_level, (SELECT COUNT(*) FROM punishments p WHERE p.record_id=r.id)
                 FROM records r WHERE screening_id=(SELECT COALESCE(records_of, id) FROM screenings
                   WHERE id=?1)",
            )
            .map_err(self.e())?;
        let rows = stmt
            .query_map([screening_id], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                    r.get::<_, i64>(1)?,
                ))
            })
            .map_err(self.e())?;
        let mut levels = Vec::new();
        let mut pun = 0;
        for row in rows {
            let (level, p) = row.map_err(self.e())?;
            pun += p as u64;
            levels.push(level);
        }
        let worst = crate::credit::worst_level(levels.iter().map(String::as_str)).to_string();
        Ok((levels.len() as u64, worst, pun))
    }

    /// Stored changes, oldest first, optionally since an instant.
    pub fn changes(&self, since: Option<&str>) -> Result<Vec<ChangeRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.id, c.detected_at, c.run_id, k.key, c.kind, c.worse, c.detail
                 FROM changes c JOIN keys k ON k.id = c.key_id
                 WHERE ?1 IS NULL OR c.detected_at >= ?1 ORDER BY c.id",
            )
            .map_err(self.e())?;
        let rows = stmt
            .query_map([since], |r| {
                Ok(ChangeRow {
                    id: r.get(0)?,
                    detected_at: r.get(1)?,
                    run_id: r.get(2)?,
                    key: r.get(3)?,
                    kind: r.get(4)?,
                    worse: r.get::<_, i64>(5)? != 0,
                    detail: r.get(6)?,
                })
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }

    /// Current answers (state, current screening) of the keys of one file.
    pub fn file_keys(&self, file_id: i64) -> Result<Vec<(String, KeyState, Option<i64>)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT key, state, screening_id FROM keys WHERE id IN
                   (SELECT key_id FROM input_rows WHERE file_id=?1) ORDER BY id",
            )
            .map_err(self.e())?;
        let rows = stmt
            .query_map([file_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }

    /// Punishments in the current answers of one file's keys.
    pub fn punished(&self, file_id: i64) -> Result<Vec<PunishedRow>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT k.key, COALESCE(r.reg_no, ''), COALESCE(p.decision_no, ''),
                   COALESCE(p.punish_date, ''), COALESCE(p.case_prop, ''), COALESCE(p.party, '')
                 FROM keys k JOIN screenings s ON s.id = k.screening_id
                 JOIN records r ON r.screening_id = COALESCE(s.records_of, s.id)
                 JOIN punishments p ON p.record_id = r.id
                 WHERE k.id IN (SELECT key_id FROM input_rows WHERE file_id=?1)
                 ORDER BY k.key, p.punish_date DESC",
            )
            .map_err(self.e())?;
        let rows = stmt
            .query_map([file_id], |r| {
                Ok(PunishedRow {
                    key: r.get(0)?,
                    reg_no: r.get(1)?,
                    decision_no: r.get(2)?,
                    punish_date: r.get(3)?,
                    case_prop: r.get(4)?,
                    party: r.get(5)?,
                })
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }

    /// Rows whose key is invalid (to fix in the supplier master): row, cell, reason.
    pub fn invalid_rows(&self, file_id: i64) -> Result<Vec<(u64, String, String)>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.row_no, r.input, COALESCE(k.message, r.error, '')
                 FROM input_rows r LEFT JOIN keys k ON k.id = r.key_id
                 WHERE r.file_id=?1 AND (r.key_id IS NULL OR k.state='invalid') ORDER BY r.row_no",
            )
            .map_err(self.e())?;
        let rows = stmt
            .query_map([file_id], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?, r.get(2)?))
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }
}
