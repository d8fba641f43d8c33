//! Read models: what `export`, `changes` and `report` read back from the database.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;
use serde_json::value::RawValue;

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
    /// The key's row in `keys` (`None` for a row without a key).
    #[serde(skip)]
    pub key_id: Option<i64>,
    pub key_kind: Option<String>,
    pub state: KeyState,
    pub status: Option<String>,
    pub message: Option<String>,
    pub checked_at: Option<String>,
    pub screening_id: Option<i64>,
    pub extra: Option<String>,
    /// The cells a spreadsheet typed (`input_rows.cell_types`).
    #[serde(skip)]
    pub cell_types: Option<String>,
    /// A total row, never called.
    pub skipped: bool,
    /// Why the key's answer is not the vendor's whole answer (`keys.doubt`).
    pub doubt: Option<String>,
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
    /// The name column queried when a code cell holds no usable code.
    pub fallback_column: Option<String>,
    /// The supplier's own id column, when ingest found one.
    pub id_column: Option<String>,
}

/// A stored change, for `changes` and `report`, with both screenings it compares.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRow {
    pub id: i64,
    pub detected_at: String,
    pub run_id: Option<i64>,
    pub key: String,
    pub key_kind: Option<String>,
    pub kind: String,
    pub worse: bool,
    pub detail: String,
    pub before: ScreeningBrief,
    pub after: ScreeningBrief,
    /// One of the key's rows in the latest input file (every row that carries the key gets its
    /// own `ChangeRow`): its stored columns (`input_rows.extra`) and data row.
    #[serde(skip)]
    pub extra: Option<String>,
    pub row: Option<u64>,
}

/// What a change compares on one side: when, which state, the registrations' levels, how many
/// punishments.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScreeningBrief {
    pub checked_at: String,
    pub state: Option<KeyState>,
    pub levels: Vec<String>,
    pub punishments: u64,
}

/// Why an export stopped: the database, or the sink it writes to.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(std::io::Error),
}

/// The columns [`export_row`] reads, for a `WHERE` on `input_rows r`.
const EXPORT_ROW_SELECT: &str =
    "SELECT r.row_no, r.input, r.error, r.extra, k.key, k.kind, k.state,
   k.status, k.message, k.checked_at, k.screening_id, r.sheet_row, r.skipped, r.key_id,
   r.cell_types, k.doubt
 FROM input_rows r LEFT JOIN keys k ON k.id = r.key_id";

fn export_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ExportRow> {
    let error: Option<String> = r.get(2)?;
    let key: Option<String> = r.get(4)?;
    Ok(ExportRow {
        row: r.get::<_, i64>(0)? as u64,
        sheet_row: r.get::<_, Option<i64>>(11)?.map(|n| n as u64),
        input: r.get(1)?,
        key: key.unwrap_or_default(),
        key_id: r.get(13)?,
        key_kind: r.get(5)?,
        state: r
            .get::<_, Option<KeyState>>(6)?
            .unwrap_or(KeyState::Invalid),
        status: r.get(7)?,
        message: r.get::<_, Option<String>>(8)?.or(error),
        checked_at: r.get(9)?,
        screening_id: r.get(10)?,
        extra: r.get(3)?,
        cell_types: r.get(14)?,
        skipped: r.get::<_, i64>(12)? != 0,
        doubt: r.get(15)?,
    })
}

impl Store {
    /// The input file exports and reports describe: the one ingested last.
    pub fn latest_file(&self) -> Result<Option<InputFile>> {
        self.conn
            .query_row(
                "SELECT id, path, headers, key_column, fallback_column, id_column FROM input_files
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
                        fallback_column: r.get(4)?,
                        id_column: r.get(5)?,
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
            .prepare(&format!(
                "{EXPORT_ROW_SELECT} WHERE r.file_id = ?1 ORDER BY r.row_no"
            ))
            .map_err(self.e())?;
        let mut rows = stmt.query([file_id]).map_err(self.e())?;
        while let Some(r) = rows.next().map_err(self.e())? {
            let row = export_row(r).map_err(self.e())?;
            f(row).map_err(ExportError::Io)?;
        }
        Ok(())
    }

    /// One row of a file by its data row number.
    pub fn export_row(&self, file_id: i64, row_no: u64) -> Result<Option<ExportRow>> {
        self.conn
            .prepare_cached(&format!(
                "{EXPORT_ROW_SELECT} WHERE r.file_id = ?1 AND r.row_no = ?2"
            ))
            .and_then(|mut st| {
                st.query_row(params![file_id, row_no as i64], export_row)
                    .optional()
            })
            .map_err(self.e())
    }

    /// The records of a screening, in the order received, each as the vendor wrote it (a record
    /// in the documented shape rebuilt from its columns, any other as stored).
    pub fn records_raw(&self, screening_id: i64) -> Result<Vec<Box<RawValue>>> {
        records_raw(&self.conn, screening_id).map_err(self.e())
    }

    /// A call's body as received (after redaction), byte for byte: its stored frame unpacked.
    pub fn call_body(&self, call_id: i64) -> Result<Option<String>> {
        let e = self.e();
        let row: Option<(Option<Vec<u8>>, Option<i64>)> = self
            .conn
            .prepare_cached("SELECT body, body_ref FROM calls WHERE id=?1")
            .and_then(|mut st| {
                st.query_row([call_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .map_err(&e)?;
        let Some((Some(stored), body_ref)) = row else {
            return Ok(None);
        };
        let body = super::calls::body_of(&self.conn, &stored, body_ref).map_err(&e)?;
        Ok(Some(String::from_utf8_lossy(&body).into_owned()))
    }

    /// A call's message: as its body states it, or as stored where the body does not.
    pub fn call_message(&self, call_id: i64) -> Result<Option<String>> {
        let stored: Option<Option<String>> = self
            .conn
            .prepare_cached("SELECT message FROM calls WHERE id=?1")
            .and_then(|mut st| st.query_row([call_id], |r| r.get(0)).optional())
            .map_err(self.e())?;
        match stored {
            Some(Some(message)) => Ok(Some(message)),
            Some(None) => Ok(self
                .call_body(call_id)?
                .and_then(|b| super::calls::body_message(b.as_bytes()))),
            None => Ok(None),
        }
    }

    /// Stored changes, oldest first, optionally since an instant (and of one run); each with
    /// the key's row in the file `file_id` (the latest one) when it has one. Streamed: `f` sees
    /// each in turn, so 150,000 changes never sit in memory.
    pub fn for_each_change(
        &self,
        since: Option<&str>,
        run: Option<i64>,
        file_id: Option<i64>,
        mut f: impl FnMut(ChangeRow) -> std::io::Result<()>,
    ) -> std::result::Result<(), ExportError> {
        let side = |s: &str| {
            format!(
                "{}, {s}.state,
                 (SELECT group_concat(COALESCE(identify_level, ''), char(31)) FROM records
                   WHERE screening_id = COALESCE({s}.records_of, {s}.id)),
                 (SELECT COUNT(*) FROM punishments p JOIN records r ON r.id = p.record_id
                   WHERE r.screening_id = COALESCE({s}.records_of, {s}.id))",
                super::instant_text(&format!("{s}.checked_at"))
            )
        };
        let sql = format!(
            "SELECT c.id, c.detected_at, c.run_id, k.key, c.kind, c.worse, c.detail, {}, {},
               r.extra, r.row_no, k.kind
             FROM changes c JOIN keys k ON k.id = c.key_id
             LEFT JOIN screenings ps ON ps.id = c.previous_screening_id
             LEFT JOIN screenings s ON s.id = c.screening_id
             LEFT JOIN input_rows r ON r.key_id = c.key_id AND r.file_id = ?2 AND r.skipped = 0
             WHERE (?1 IS NULL OR c.detected_at >= ?1) AND (?3 IS NULL OR c.run_id = ?3)
             ORDER BY c.id, r.row_no",
            side("ps"),
            side("s")
        );
        let brief = |r: &rusqlite::Row<'_>, at: usize| -> rusqlite::Result<ScreeningBrief> {
            let levels: Option<String> = r.get(at + 2)?;
            Ok(ScreeningBrief {
                checked_at: r.get::<_, Option<String>>(at)?.unwrap_or_default(),
                state: r.get(at + 1)?,
                levels: levels
                    .map(|l| l.split('\u{1f}').map(String::from).collect())
                    .unwrap_or_default(),
                punishments: r.get::<_, Option<i64>>(at + 3)?.unwrap_or(0) as u64,
            })
        };
        let change = |r: &rusqlite::Row<'_>| -> rusqlite::Result<ChangeRow> {
            Ok(ChangeRow {
                id: r.get(0)?,
                detected_at: r.get(1)?,
                run_id: r.get(2)?,
                key: r.get(3)?,
                kind: r.get(4)?,
                worse: r.get::<_, i64>(5)? != 0,
                detail: r.get(6)?,
                before: brief(r, 7)?,
                after: brief(r, 11)?,
                extra: r.get(15)?,
                row: r.get::<_, Option<i64>>(16)?.map(|n| n as u64),
                key_kind: r.get(17)?,
            })
        };
        let mut stmt = self.conn.prepare(&sql).map_err(self.e())?;
        let mut rows = stmt.query(params![since, file_id, run]).map_err(self.e())?;
        while let Some(r) = rows.next().map_err(self.e())? {
            f(change(r).map_err(self.e())?).map_err(ExportError::Io)?;
        }
        Ok(())
    }

    /// Rows whose key is invalid (to fix in the supplier master), in list order, at most
    /// `limit` of them; and how many there are in all.
    pub fn invalid_rows(&self, file_id: i64, limit: usize) -> Result<(Vec<InvalidRow>, u64)> {
        const WHERE: &str = "FROM input_rows r LEFT JOIN keys k ON k.id = r.key_id
             WHERE r.file_id=?1 AND r.skipped = 0 AND (r.key_id IS NULL OR k.state='invalid')";
        let total: i64 = self
            .conn
            .query_row(&format!("SELECT COUNT(*) {WHERE}"), [file_id], |r| r.get(0))
            .map_err(self.e())?;
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT r.row_no, r.sheet_row, r.input, COALESCE(k.message, r.error, ''), r.extra
                 {WHERE} ORDER BY r.row_no LIMIT ?2"
            ))
            .map_err(self.e())?;
        let rows = stmt
            .query_map(params![file_id, limit as i64], |r| {
                Ok(InvalidRow {
                    row: r.get::<_, i64>(0)? as u64,
                    sheet_row: r.get::<_, Option<i64>>(1)?.map(|n| n as u64),
                    input: r.get(2)?,
                    message: r.get(3)?,
                    extra: r.get(4)?,
                })
            })
            .map_err(self.e())?;
        let rows = rows
            .collect::<std::result::Result<_, _>>()
            .map_err(self.e())?;
        Ok((rows, total as u64))
    }
}

/// A row whose key cannot be queried: what the list holds there, and why.
#[derive(Debug, Clone)]
pub struct InvalidRow {
    pub row: u64,
    pub sheet_row: Option<u64>,
    /// The key cell as written.
    pub input: String,
    /// Why, as stored (read in the reader's language with `Lang::fix_message`).
    pub message: String,
    /// The row's columns as read.
    pub extra: Option<String>,
}

/// A stored record's text as a raw JSON value.
/// The records of a screening, in the order received, each as the vendor wrote it.
pub(super) fn records_raw(
    conn: &rusqlite::Connection,
    screening_id: i64,
) -> rusqlite::Result<Vec<Box<RawValue>>> {
    let rows: Vec<(i64, RecordColumns, Option<String>)> = conn
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
        })?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, cols, extra) in rows {
        if let Some(raw) = extra {
            // Stored from a record the envelope's parse took as JSON; an older database's
            // copy that is not JSON comes back as a string.
            let text = if serde_json::from_str::<&RawValue>(&raw).is_ok() {
                raw
            } else {
                Value::String(raw).to_string()
            };
            out.push(raw_value(text)?);
            continue;
        }
        let puns: Vec<PunishmentColumns> = conn
            .prepare_cached(
                "SELECT no, decision_no, party, punish_date, case_prop FROM punishments
                 WHERE record_id=?1 ORDER BY ord",
            )
            .and_then(|mut st| {
                st.query_map([id], |r| {
                    Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?])
                })?
                .collect()
            })?;
        let rebuilt = records::rebuild(&cols, &puns).to_string();
        out.push(raw_value(rebuilt)?);
    }
    Ok(out)
}

fn raw_value(text: String) -> rusqlite::Result<Box<RawValue>> {
    RawValue::from_string(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}
