//! The notification trail: each run's outbox row (what it had to say) and every message sent or
//! not, by channel; which runs a channel has not yet heard of.

use rusqlite::params;
use serde::Serialize;

use super::{Result, Store};

/// A message as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct NotificationRow {
    pub id: i64,
    pub run_id: Option<i64>,
    pub channel: String,
    pub kind: String,
    pub at: String,
    pub state: String,
    pub attempts: i64,
    pub error: Option<String>,
    pub first_run: Option<i64>,
    pub last_run: Option<i64>,
    pub alerts: i64,
    pub trouble: i64,
}

/// A message to record.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub run_id: Option<i64>,
    pub channel: &'a str,
    pub kind: &'a str,
    pub sent: bool,
    pub attempts: u32,
    pub error: Option<&'a str>,
    pub runs: Option<(i64, i64)>,
    pub alerts: usize,
    pub trouble: usize,
}

impl Store {
    /// What a run had to say: the alerts it opened and its trouble (JSON).
    pub fn put_outbox(&self, run_id: i64, alerts: u64, trouble: &str) -> Result<()> {
        self.conn
            .execute(
                "INSERT OR REPLACE INTO notify_outbox(run_id, at, alerts, trouble) VALUES (?1, ?2, ?3, ?4)",
                params![run_id, crate::clock::now().timestamp(), alerts as i64, trouble],
            )
            .map(|_| ())
            .map_err(self.e())
    }

    /// Outbox rows of runs after `after` up to `upto`, oldest first: (run, trouble JSON).
    pub fn outbox(&self, after: i64, upto: i64) -> Result<Vec<(i64, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT run_id, trouble FROM notify_outbox WHERE run_id > ?1 AND run_id <= ?2 ORDER BY run_id")
            .map_err(self.e())?;
        st.query_map([after, upto], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .map_err(self.e())
    }

    /// For a channel: the last run whose news it delivered, and the first run it was tried
    /// for (`None` for a channel never tried).
    pub fn channel_progress(&self, channel: &str) -> Result<(Option<i64>, Option<i64>)> {
        self.conn
            .query_row(
                "SELECT MAX(CASE WHEN state = 'sent' THEN last_run END), MIN(first_run)
                 FROM notifications WHERE channel = ?1 AND run_id IS NOT NULL",
                [channel],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(self.e())
    }

    pub fn insert_notification(&self, n: &NewNotification<'_>) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO notifications(run_id, channel, kind, at, state, attempts, error,
                   first_run, last_run, alerts, trouble)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    n.run_id,
                    n.channel,
                    n.kind,
                    crate::clock::now().timestamp(),
                    if n.sent { "sent" } else { "failed" },
                    n.attempts,
                    n.error,
                    n.runs.map(|r| r.0),
                    n.runs.map(|r| r.1),
                    n.alerts as i64,
                    n.trouble as i64,
                ],
            )
            .map(|_| ())
            .map_err(self.e())
    }

    /// The latest message of each channel, and how many runs with news it has not delivered.
    pub fn notification_status(&self) -> Result<Vec<(NotificationRow, u64)>> {
        let mut st = self
            .conn
            .prepare(&format!(
                "SELECT n.id, n.run_id, n.channel, n.kind, {}, n.state, n.attempts, n.error,
                   n.first_run, n.last_run, n.alerts, n.trouble,
                   (SELECT COUNT(*) FROM notify_outbox o WHERE o.run_id >= COALESCE(
                      (SELECT MIN(first_run) FROM notifications x WHERE x.channel = n.channel), 0)
                    AND o.run_id > COALESCE((SELECT MAX(last_run) FROM notifications x
                      WHERE x.channel = n.channel AND x.state = 'sent'), 0))
                 FROM notifications n
                 WHERE n.id = (SELECT MAX(id) FROM notifications x WHERE x.channel = n.channel
                   AND x.run_id IS NOT NULL)
                 ORDER BY n.channel",
                super::instant_text("n.at")
            ))
            .map_err(self.e())?;
        st.query_map([], |r| {
            Ok((
                NotificationRow {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    channel: r.get(2)?,
                    kind: r.get(3)?,
                    at: r.get(4)?,
                    state: r.get(5)?,
                    attempts: r.get(6)?,
                    error: r.get(7)?,
                    first_run: r.get(8)?,
                    last_run: r.get(9)?,
                    alerts: r.get(10)?,
                    trouble: r.get(11)?,
                },
                r.get::<_, i64>(12)? as u64,
            ))
        })
        .and_then(|rows| rows.collect())
        .map_err(self.e())
    }
}
