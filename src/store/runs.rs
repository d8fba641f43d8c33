//! Runs and their costs: the runs table, and the counts `status` and the run summary show.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;

use super::queue::DueFilter;
use super::{Result, Store, ts};

/// Counts for `status`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StatusCounts {
    pub keys_by_state: BTreeMap<String, u64>,
    pub input_rows: u64,
    pub calls_total: u64,
    /// Of `calls_total`, attempts that never reached the vendor (not billed).
    pub calls_unreached_total: u64,
    pub calls_last_run: u64,
    pub runs: u64,
    pub last_run: Option<RunInfo>,
    pub due_now: BTreeMap<String, u64>,
    pub deferred_waiting: u64,
    pub next_deferred_at: Option<String>,
    /// Keys whose stored answer is not the vendor's whole answer (paging stopped as implausible).
    pub inconsistent: u64,
    /// Keys with pages paid for and no answer yet: the next run goes on from them.
    pub resumable: u64,
}

/// The last run, for `status`.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub id: i64,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub command: String,
    pub exit_code: Option<i64>,
    pub calls: i64,
    /// Of `calls`, attempts that never reached the vendor.
    pub unreached: i64,
    /// The rate at which the vendor began answering 120/122 in that run, when it did.
    pub vendor_rate: Option<f64>,
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
    /// A new run's row. Called under the run lock, so a row left without an end is a run that
    /// was killed (SIGKILL, power loss, OOM): it is closed first, as interrupted (exit 130), at
    /// the time it was last seen writing.
    pub fn start_run(&self, command: &str, file_id: Option<i64>) -> Result<i64> {
        let now = crate::clock::now();
        self.conn
            .execute(
                "INSERT INTO runs(started_at, command, input_file_id, last_seen)
                 VALUES (?1, ?2, ?3, ?4)",
                params![ts(now), command, file_id, now.timestamp()],
            )
            .map_err(self.e())?;
        let id = self.conn.last_insert_rowid();
        let closed = self
            .conn
            .execute(
                "UPDATE runs SET
                   ended_at = COALESCE(strftime('%Y-%m-%dT%H:%M:%SZ', last_seen, 'unixepoch'),
                                       started_at),
                   exit_code = 130,
                   summary = json_object('interrupted',
                     'killed before it could close its row; closed by run #' || ?1
                       || ' as interrupted, at the time it was last seen')
                 WHERE ended_at IS NULL AND id <> ?1",
                [id],
            )
            .map_err(self.e())?;
        if closed > 0 {
            tracing::warn!(
                runs = closed,
                "an earlier run was killed without closing its row: closed as interrupted (exit \
                 130) at the time it was last seen; its paid pages are kept and this run goes on \
                 from them"
            );
        }
        Ok(id)
    }

    pub fn finish_run(&self, run_id: i64, exit_code: i64, summary: &Value) -> Result<()> {
        self.conn
            .execute(
                "UPDATE runs SET ended_at=?2, exit_code=?3, summary=?4 WHERE id=?1",
                params![
                    run_id,
                    ts(crate::clock::now()),
                    exit_code,
                    summary.to_string()
                ],
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

    /// Calls of a run: all attempts, and those that never reached the vendor.
    pub fn calls_in_run(&self, run_id: i64) -> Result<(u64, u64)> {
        self.conn
            .query_row(
                "SELECT calls, unreached FROM runs WHERE id=?1",
                [run_id],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
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
                   calls, unreached,
                   json_extract(summary, '$.vendor_rate')
                 FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(RunInfo {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        ended_at: r.get(2)?,
                        command: r.get(3)?,
                        exit_code: r.get(4)?,
                        calls: r.get(5)?,
                        unreached: r.get(6)?,
                        vendor_rate: r.get(7)?,
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
            calls_unreached_total: one("SELECT COUNT(*) FROM calls WHERE reached = 0")?,
            calls_last_run: last_run.as_ref().map(|r| r.calls as u64).unwrap_or(0),
            runs: one("SELECT COUNT(*) FROM runs")?,
            last_run,
            due_now: self.count_due(f)?,
            deferred_waiting,
            next_deferred_at,
            inconsistent: one("SELECT COUNT(*) FROM keys WHERE doubt IS NOT NULL")?,
            resumable: one("SELECT COUNT(DISTINCT key_id) FROM calls
                 WHERE screening_id IS NULL AND vendor_status = '200'")?,
        })
    }

    /// When the last run stopped on the vendor's quota or billing (exit 3 with a 102, 109, 112
    /// or 116): the time of that answer and its status. The call is among the run's last ones,
    /// so the walk back from the newest call is short.
    pub fn quota_spent(&self) -> Result<Option<(String, String)>> {
        let stopped: Option<i64> = self
            .conn
            .query_row(
                "SELECT exit_code FROM runs ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.e())?
            .flatten();
        if stopped != Some(3) {
            return Ok(None);
        }
        self.conn
            .query_row(
                &format!(
                    "SELECT {}, vendor_status FROM calls
                     WHERE vendor_status IN ('102', '109', '112', '116') ORDER BY id DESC LIMIT 1",
                    super::instant_text("at")
                ),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(self.e())
    }

    /// Calls, and billed calls (every call that reached the vendor), per run, newest first.
    pub fn run_costs(&self) -> Result<Vec<RunCost>> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT r.id, r.started_at,
                   r.calls, r.calls - r.unreached,
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
