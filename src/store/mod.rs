//! SQLite storage: the only module that knows the schema.
//!
//! It owns migrations (`migrations/*.sql`, applied in order, tracked by `PRAGMA user_version`),
//! idempotent ingest ([`Store::ingest`]), the choice of keys a run must call ([`Store::due_keys`]),
//! the single writer's batched transactions ([`writer`]), and the queries behind `status`,
//! `export`, `changes` and `report`.

pub mod writer;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::Serialize;
use serde_json::Value;

use crate::changes::{Change, Snapshot, is_cancelled};
use crate::normalize::{Classified, KeyKind};
use crate::vendor::model::{field, punishments};
use crate::vendor::{CallRecord, Outcome};

/// The keys a run calls (DESIGN.md, "Key states"), with `?1` = now and `?2` = the refresh cutoff
/// (NULL without `--refresh-older-than`). Keys judged invalid locally are never refreshed.
const DUE: &str = "(state IN ('pending', 'failed')
    OR (state = 'deferred' AND (not_before IS NULL OR not_before <= ?1))
    OR (?2 IS NOT NULL AND local = 0 AND state IN ('found', 'not_found', 'unsupported')
        AND checked_at < ?2))";

/// Migrations in order; version N is the N-th entry.
const MIGRATIONS: &[&str] = &[include_str!("../../migrations/0001_init.sql")];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database {0} is in use by another qcc-credit run (lock file {0}.lock is held); wait for it \
         to finish, or stop it, then run again"
    )]
    Locked(String),
    #[error("database {path}: cannot create lock file: {source}")]
    LockIo {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this qcc-credit knows ({known}); \
         upgrade qcc-credit"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Timestamps are stored as `YYYY-MM-DDTHH:MM:SSZ` (UTC), which also sorts correctly as text.
pub fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Key states (DESIGN.md, "Key states").
pub mod state {
    pub const PENDING: &str = "pending";
    pub const FOUND: &str = "found";
    pub const NOT_FOUND: &str = "not_found";
    pub const INVALID: &str = "invalid";
    pub const UNSUPPORTED: &str = "unsupported";
    pub const DEFERRED: &str = "deferred";
    pub const FAILED: &str = "failed";
    pub const ALL: [&str; 7] = [
        PENDING,
        FOUND,
        NOT_FOUND,
        INVALID,
        UNSUPPORTED,
        DEFERRED,
        FAILED,
    ];
}

/// A connection to one screening database.
pub struct Store {
    conn: Connection,
    path: String,
}

/// Held while a run writes: a second run on the same database is refused, not interleaved.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    pub fn acquire(db: &Path) -> Result<RunLock> {
        let lock_path = PathBuf::from(format!("{}.lock", db.display()));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StoreError::LockIo {
                path: db.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => {
                Err(StoreError::Locked(db.display().to_string()))
            }
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::LockIo {
                path: db.display().to_string(),
                source,
            }),
        }
    }
}

/// Metadata of an input file, stored with its rows.
#[derive(Debug, Clone, Default)]
pub struct FileMeta {
    pub format: String,
    pub encoding: String,
    pub key_column: String,
    pub headers: Vec<String>,
}

/// One data row on its way into the database.
#[derive(Debug, Clone)]
pub struct IngestRow {
    pub row_no: u64,
    /// The key cell as read.
    pub input: String,
    pub classified: Classified,
    /// Why the row could not be read at all (it is kept as an invalid row).
    pub error: Option<String>,
    /// The analyst's other columns (JSON object), carried to the export.
    pub extra: Option<String>,
}

/// What an ingest did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub file_id: i64,
    pub rows: u64,
    pub new_keys: u64,
    pub invalid_rows: u64,
}

/// A key a run must call.
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub key_id: i64,
    pub key: String,
    pub kind: KeyKind,
}

/// Which keys a run processes.
#[derive(Debug, Clone)]
pub struct DueFilter {
    /// Deferred keys whose `not_before` is at or before this instant are due.
    pub now: String,
    /// With `--refresh-older-than`: final answers checked before this instant are due again.
    pub refresh_before: Option<String>,
}

/// A change of state for a key, written by the single writer.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// One call, for the audit trail.
    Call { key_id: i64, call: Box<CallRecord> },
    /// The key's answer (all pages): a new screening with its records.
    Answer {
        key_id: i64,
        outcome: Outcome,
        status: Option<String>,
        message: String,
        at: DateTime<Utc>,
    },
    /// 110: not before `not_before`.
    Defer {
        key_id: i64,
        status: Option<String>,
        message: String,
        not_before: DateTime<Utc>,
    },
    /// Transient failures exhausted for this run.
    Failed {
        key_id: i64,
        status: Option<String>,
        message: String,
        attempts: u32,
    },
}

/// One line of the export: an input row with its key's current answer.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRow {
    pub row: u64,
    pub input: String,
    pub key: String,
    pub key_kind: Option<String>,
    pub state: String,
    pub status: Option<String>,
    pub message: Option<String>,
    pub checked_at: Option<String>,
    pub screening_id: Option<i64>,
    pub extra: Option<String>,
}

/// An ingested input file.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub id: i64,
    pub path: String,
    pub headers: Vec<String>,
    pub key_column: String,
}

/// Counts for `status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatusCounts {
    pub keys_by_state: BTreeMap<String, u64>,
    pub input_rows: u64,
    pub calls_total: u64,
    pub calls_last_run: u64,
    pub runs: u64,
    pub last_run: Option<RunInfo>,
    pub due_now: BTreeMap<String, u64>,
    pub deferred_waiting: u64,
    pub next_deferred_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub id: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub command: String,
    pub exit_code: Option<i64>,
    pub calls: i64,
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

impl Store {
    /// Open (creating if needed) and migrate.
    pub fn open(path: &Path) -> Result<Store> {
        let p = path.display().to_string();
        let err = |source| StoreError::Sqlite {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        let mut store = Store { conn, path: p };
        store.migrate()?;
        Ok(store)
    }

    /// Open an existing database for reading; a missing file is an error, not a new database.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Sqlite {
                path: path.display().to_string(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some("no such database file (run `qcc-credit run` first)".into()),
                ),
            });
        }
        Store::open(path)
    }

    /// Wraps a rusqlite error with the database path. Owns its copy of the path, so it can be
    /// used while `self.conn` is borrowed mutably by a transaction.
    fn e(&self) -> impl Fn(rusqlite::Error) -> StoreError + 'static {
        let path = self.path.clone();
        move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.e())?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        let e = self.e();
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(&e)?;
            tx.execute_batch(sql).map_err(&e)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        Ok(())
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Ingest rows of one file, idempotently: rows are keyed by (file, row number), keys by their
    /// normalized text; re-ingesting the same or a grown file only adds what is new. Commits every
    /// 10,000 rows so memory stays flat.
    pub fn ingest(
        &mut self,
        path: &str,
        meta: &FileMeta,
        rows: impl Iterator<Item = IngestRow>,
    ) -> Result<IngestSummary> {
        let now = ts(Utc::now());
        let e = self.e();
        let headers = serde_json::to_string(&meta.headers).unwrap_or_default();
        self.conn
            .execute(
                "INSERT INTO input_files(path, format, encoding, key_column, headers, last_ingested_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(path) DO UPDATE SET format=excluded.format, encoding=excluded.encoding,
                   key_column=excluded.key_column, headers=excluded.headers,
                   last_ingested_at=excluded.last_ingested_at",
                params![path, meta.format, meta.encoding, meta.key_column, headers, now],
            )
            .map_err(&e)?;
        let file_id: i64 = self
            .conn
            .query_row("SELECT id FROM input_files WHERE path=?1", [path], |r| {
                r.get(0)
            })
            .map_err(&e)?;
        let mut summary = IngestSummary {
            file_id,
            ..Default::default()
        };
        let mut last_row = 0u64;
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            let tx = self.conn.transaction().map_err(&e)?;
            {
                let mut upsert_key = tx
                    .prepare_cached(
                        "INSERT INTO keys(key, kind, state, local, message) VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT(key) DO UPDATE SET state='pending', local=0, message=NULL
                           WHERE keys.local=1 AND excluded.local=0",
                    )
                    .map_err(&e)?;
                let mut key_id = tx
                    .prepare_cached("SELECT id FROM keys WHERE key=?1")
                    .map_err(&e)?;
                let mut upsert_row = tx
                    .prepare_cached(
                        "INSERT INTO input_rows(file_id, row_no, input, key_id, error, extra)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT(file_id, row_no) DO UPDATE SET input=excluded.input,
                           key_id=excluded.key_id, error=excluded.error, extra=excluded.extra
                         WHERE input IS NOT excluded.input OR key_id IS NOT excluded.key_id
                           OR error IS NOT excluded.error OR extra IS NOT excluded.extra",
                    )
                    .map_err(&e)?;
                for row in rows.by_ref().take(10_000) {
                    summary.rows += 1;
                    last_row = last_row.max(row.row_no);
                    let c = &row.classified;
                    let id: Option<i64> = match (c.kind, &row.error) {
                        (Some(kind), None) if !c.key.is_empty() => {
                            let (st, local) = match &c.invalid {
                                Some(_) => (state::INVALID, 1),
                                None => (state::PENDING, 0),
                            };
                            summary.new_keys += upsert_key
                                .execute(params![c.key, kind.as_str(), st, local, c.invalid])
                                .map_err(&e)?
                                as u64;
                            Some(key_id.query_row([&c.key], |r| r.get(0)).map_err(&e)?)
                        }
                        _ => None,
                    };
                    let error = row.error.clone().or_else(|| match id {
                        None => c.invalid.clone(),
                        Some(_) => None,
                    });
                    if id.is_none() || c.invalid.is_some() {
                        summary.invalid_rows += 1;
                    }
                    upsert_row
                        .execute(params![
                            file_id,
                            row.row_no as i64,
                            row.input,
                            id,
                            error,
                            row.extra
                        ])
                        .map_err(&e)?;
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

    /// Up to `limit` due keys with id greater than `after`, in id order (the dispatcher pages
    /// through them so the work list is never all in memory).
    pub fn due_keys(&self, after: i64, limit: usize, f: &DueFilter) -> Result<Vec<WorkItem>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, key, kind FROM keys WHERE id > ?3 AND {DUE} ORDER BY id LIMIT ?4"
            ))
            .map_err(self.e())?;
        let rows = stmt
            .query_map(params![f.now, f.refresh_before, after, limit as i64], |r| {
                let kind: String = r.get(2)?;
                Ok(WorkItem {
                    key_id: r.get(0)?,
                    key: r.get(1)?,
                    kind: KeyKind::parse(&kind).unwrap_or(KeyKind::Name),
                })
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }

    /// Due keys counted by kind, for `--dry-run` and `status`.
    pub fn count_due(&self, f: &DueFilter) -> Result<BTreeMap<String, u64>> {
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT kind, COUNT(*) FROM keys WHERE {DUE} GROUP BY kind"
            ))
            .map_err(self.e())?;
        let rows = stmt
            .query_map(params![f.now, f.refresh_before], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }

    pub fn start_run(&self, command: &str, file_id: Option<i64>) -> Result<i64> {
        self.conn
            .execute(
                "INSERT INTO runs(started_at, command, input_file_id) VALUES (?1, ?2, ?3)",
                params![ts(Utc::now()), command, file_id],
            )
            .map_err(self.e())?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn finish_run(&self, run_id: i64, exit_code: i64, summary: &Value) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET ended_at=?2, exit_code=?3, summary=?4,
                   calls=(SELECT COUNT(*) FROM calls WHERE run_id=?1) WHERE id=?1",
                params![run_id, ts(Utc::now()), exit_code, summary.to_string()],
            )
            .map_err(self.e())?;
        Ok(())
    }

    /// Keys by state: of one input file's rows (`Some`) or of the whole database.
    /// Keys by state, over the whole database (a run processes every due key, whatever file
    /// brought it in).
    pub fn counts_by_state(&self) -> Result<BTreeMap<String, u64>> {
        let mut stmt = self
            .conn
            .prepare("SELECT state, COUNT(*) FROM keys GROUP BY state")
            .map_err(self.e())?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }

    pub fn calls_in_run(&self, run_id: i64) -> Result<u64> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM calls WHERE run_id=?1",
                [run_id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n as u64)
            .map_err(self.e())
    }

    pub fn changes_in_run(&self, run_id: i64) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(worse), 0) FROM changes WHERE run_id=?1",
                [run_id],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
            .map_err(self.e())
    }

    /// Everything `status` shows.
    pub fn status(&self, f: &DueFilter) -> Result<StatusCounts> {
        let one = |sql: &str| -> Result<u64> {
            self.conn
                .query_row(sql, [], |r| r.get::<_, i64>(0))
                .map(|n| n as u64)
                .map_err(self.e())
        };
        let last_run = self
            .conn
            .query_row(
                "SELECT id, started_at, ended_at, command, exit_code,
                   (SELECT COUNT(*) FROM calls WHERE run_id=runs.id) FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(RunInfo {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        ended_at: r.get(2)?,
                        command: r.get(3)?,
                        exit_code: r.get(4)?,
                        calls: r.get(5)?,
                    })
                },
            )
            .optional()
            .map_err(self.e())?;
        let (deferred_waiting, next_deferred_at) = self
            .conn
            .query_row(
                "SELECT COUNT(*), MIN(not_before) FROM keys WHERE state='deferred' AND not_before > ?1",
                [&f.now],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, Option<String>>(1)?)),
            )
            .map_err(self.e())?;
        Ok(StatusCounts {
            keys_by_state: self.counts_by_state()?,
            input_rows: one("SELECT COUNT(*) FROM input_rows")?,
            calls_total: one("SELECT COUNT(*) FROM calls")?,
            calls_last_run: last_run.as_ref().map(|r| r.calls as u64).unwrap_or(0),
            runs: one("SELECT COUNT(*) FROM runs")?,
            last_run,
            due_now: self.count_due(f)?,
            deferred_waiting,
            next_deferred_at,
        })
    }

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
                   k.message, k.checked_at, k.screening_id
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
                    input: r.get(1)?,
                    key: key.unwrap_or_default(),
                    key_kind: r.get(5)?,
                    state: r
                        .get::<_, Option<String>>(6)?
                        .unwrap_or_else(|| state::INVALID.into()),
                    status: r.get(7)?,
                    message: r.get::<_, Option<String>>(8)?.or(error),
                    checked_at: r.get(9)?,
                    screening_id: r.get(10)?,
                    extra: r.get(3)?,
                })
            })()
            .map_err(self.e())?;
            f(row).map_err(ExportError::Io)?;
        }
        Ok(())
    }

    /// The raw records of a screening, in the order received.
    pub fn records_raw(&self, screening_id: i64) -> Result<Vec<Value>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT raw FROM records WHERE screening_id=?1 ORDER BY ord")
            .map_err(self.e())?;
        let rows = stmt
            .query_map([screening_id], |r| r.get::<_, String>(0))
            .map_err(self.e())?;
        let mut out = Vec::new();
        for raw in rows {
            let raw = raw.map_err(self.e())?;
            out.push(serde_json::from_str(&raw).unwrap_or(Value::String(raw)));
        }
        Ok(out)
    }

    /// Record count, worst credit level text and punishment count of a screening.
    pub fn screening_summary(&self, screening_id: i64) -> Result<(u64, String, u64)> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT identify_level, (SELECT COUNT(*) FROM punishments p WHERE p.record_id=r.id)
                 FROM records r WHERE screening_id=?1",
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

    /// Apply a batch of writes in one transaction: a kill leaves all of it or none of it.
    pub fn apply(&mut self, run_id: Option<i64>, ops: &[WriteOp]) -> Result<ApplyStats> {
        let e = self.e();
        let tx = self.conn.transaction().map_err(&e)?;
        let mut stats = ApplyStats::default();
        for op in ops {
            apply_one(&tx, run_id, op, &mut stats).map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        Ok(stats)
    }
}

/// What a batch changed.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyStats {
    pub calls: u64,
    pub answers: u64,
    pub changes: u64,
    pub worse: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(std::io::Error),
}

fn apply_one(
    tx: &Transaction<'_>,
    run_id: Option<i64>,
    op: &WriteOp,
    stats: &mut ApplyStats,
) -> rusqlite::Result<()> {
    match op {
        WriteOp::Call { key_id, call } => {
            tx.prepare_cached(
                "INSERT INTO calls(run_id, key_id, at, search_key, page, http_status, vendor_status,
                   message, order_number, latency_ms, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                run_id,
                key_id,
                ts(call.at),
                call.search_key,
                call.page,
                call.http_status,
                call.vendor_status,
                call.message,
                call.order_number,
                call.latency.as_millis() as i64,
                call.body,
            ])?;
            stats.calls += 1;
        }
        WriteOp::Answer {
            key_id,
            outcome,
            status,
            message,
            at,
        } => {
            stats.answers += 1;
            let (st, records): (&str, &[Value]) = match outcome {
                Outcome::Found(r) => (state::FOUND, r),
                Outcome::NotFound => (state::NOT_FOUND, &[]),
                Outcome::Invalid(_) => (state::INVALID, &[]),
                Outcome::Unsupported(_) => (state::UNSUPPORTED, &[]),
            };
            let at = ts(*at);
            let previous: Option<(i64, String)> = tx
                .query_row(
                    "SELECT s.id, s.state FROM keys k JOIN screenings s ON s.id = k.screening_id
                     WHERE k.id=?1",
                    [key_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            tx.prepare_cached(
                "INSERT INTO screenings(key_id, run_id, state, status, message, checked_at, record_count)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![key_id, run_id, st, status, message, at, records.len() as i64])?;
            let sid = tx.last_insert_rowid();
            for (ord, rec) in records.iter().enumerate() {
                insert_record(tx, sid, ord, rec)?;
            }
            tx.prepare_cached(
                "UPDATE keys SET state=?2, status=?3, message=?4, checked_at=?5, screening_id=?6,
                   not_before=NULL, attempts=0 WHERE id=?1",
            )?
            .execute(params![key_id, st, status, message, at, sid])?;
            if let Some((prev_id, prev_state)) = previous {
                let answered = |s: &str| s == state::FOUND || s == state::NOT_FOUND;
                if answered(&prev_state) && answered(st) {
                    let before = snapshot(tx, prev_id, &prev_state)?;
                    let after = snapshot(tx, sid, st)?;
                    for c in crate::changes::diff(&before, &after) {
                        insert_change(tx, *key_id, run_id, sid, prev_id, &c, &at)?;
                        stats.changes += 1;
                        stats.worse += c.kind.is_worse() as u64;
                    }
                }
            }
        }
        WriteOp::Defer {
            key_id,
            status,
            message,
            not_before,
        } => {
            tx.prepare_cached(
                "UPDATE keys SET state='deferred', status=?2, message=?3, not_before=?4 WHERE id=?1",
            )?
            .execute(params![key_id, status, message, ts(*not_before)])?;
        }
        WriteOp::Failed {
            key_id,
            status,
            message,
            attempts,
        } => {
            tx.prepare_cached(
                "UPDATE keys SET state='failed', status=?2, message=?3, attempts=?4 WHERE id=?1",
            )?
            .execute(params![key_id, status, message, attempts])?;
        }
    }
    Ok(())
}

fn insert_record(tx: &Transaction<'_>, sid: i64, ord: usize, rec: &Value) -> rusqlite::Result<()> {
    let f = |name: &str| field(rec, name).map(|s| s.into_owned());
    tx.prepare_cached(
        "INSERT INTO records(screening_id, ord, vendor_id, reg_gov, trade_type, reg_date, reg_no,
           admin_area, econo_area, special_area, cancel_flag, annual_status, validity_date,
           industry_type, ebusiness_type, identify_date, identify_level, identify_code, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params![
        sid,
        ord as i64,
        f("Id"),
        f("RegGov"),
        f("TradeType"),
        f("RegDate"),
        f("RegNo"),
        f("AdminArea"),
        f("EconoArea"),
        f("SpecialArea"),
        f("CancelFlag"),
        f("AnnualStatus"),
        f("ValidityDate"),
        f("IndustryType"),
        f("EBusinessType"),
        f("IdentifyDate"),
        f("IdentifyLevel"),
        f("IdentifyCode"),
        rec.to_string(),
    ])?;
    let rid = tx.last_insert_rowid();
    for (pord, p) in punishments(rec).iter().enumerate() {
        let g = |name: &str| field(p, name).map(|s| s.into_owned());
        tx.prepare_cached(
            "INSERT INTO punishments(record_id, ord, no, decision_no, party, punish_date, case_prop, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            rid,
            pord as i64,
            g("No"),
            g("DecisionNo"),
            g("Party"),
            g("PunishDate"),
            g("CaseProp"),
            p.to_string(),
        ])?;
    }
    Ok(())
}

fn snapshot(tx: &Transaction<'_>, sid: i64, st: &str) -> rusqlite::Result<Snapshot> {
    let mut s = Snapshot {
        found: st == state::FOUND,
        ..Default::default()
    };
    let mut stmt = tx.prepare_cached(
        "SELECT id, COALESCE(identify_level, ''), COALESCE(cancel_flag, ''), COALESCE(reg_no, '')
         FROM records WHERE screening_id=?1 ORDER BY ord",
    )?;
    let recs = stmt
        .query_map([sid], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut pstmt = tx.prepare_cached(
        "SELECT COALESCE(NULLIF(decision_no, ''), raw) FROM punishments WHERE record_id=?1",
    )?;
    for (rid, level, cancel, reg_no) in recs {
        s.levels.push(level);
        if is_cancelled(&cancel) {
            s.cancelled.insert(reg_no);
        }
        let ps = pstmt
            .query_map([rid], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<BTreeSet<_>>>()?;
        s.punishments.extend(ps);
    }
    Ok(s)
}

fn insert_change(
    tx: &Transaction<'_>,
    key_id: i64,
    run_id: Option<i64>,
    sid: i64,
    prev: i64,
    c: &Change,
    at: &str,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO changes(key_id, run_id, screening_id, previous_screening_id, kind, worse, detail,
           detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        key_id,
        run_id,
        sid,
        prev,
        c.kind.as_str(),
        c.kind.is_worse() as i64,
        c.detail,
        at
    ])?;
    Ok(())
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

/// A run, for the cost table.
#[derive(Debug, Clone, Serialize)]
pub struct RunCost {
    pub id: i64,
    pub started_at: String,
    pub calls: i64,
    pub billed: i64,
    pub exit_code: Option<i64>,
}

impl Store {
    /// Current answers (state, current screening) of the keys of one file.
    pub fn file_keys(&self, file_id: i64) -> Result<Vec<(String, String, Option<i64>)>> {
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
                 FROM keys k JOIN records r ON r.screening_id = k.screening_id
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

    /// Calls and billed answers (200/201) per run, newest first.
    pub fn run_costs(&self) -> Result<Vec<RunCost>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.started_at,
                   (SELECT COUNT(*) FROM calls c WHERE c.run_id=r.id),
                   (SELECT COUNT(*) FROM calls c WHERE c.run_id=r.id AND c.vendor_status IN ('200','201')),
                   r.exit_code
                 FROM runs r ORDER BY r.id DESC",
            )
            .map_err(self.e())?;
        let rows = stmt
            .query_map([], |r| {
                Ok(RunCost {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    calls: r.get(2)?,
                    billed: r.get(3)?,
                    exit_code: r.get(4)?,
                })
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }
}
