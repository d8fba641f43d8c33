//! Which keys a run calls (`docs/design.md`, "Key states"), handed out in id order a page at a
//! time so the work list is never all in memory.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Result, Store};
use crate::normalize::KeyKind;

/// The keys a run calls, with `?1` = now and `?2` = the refresh cutoff
/// (NULL without `--refresh-older-than`). Keys judged invalid locally are never refreshed.
const DUE: &str = "(state IN ('pending', 'failed')
    OR (state = 'deferred' AND (not_before IS NULL OR not_before <= ?1))
    OR (?2 IS NOT NULL AND local = 0 AND state IN ('found', 'not_found', 'unsupported')
        AND checked_at < ?2))";

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

impl Store {
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
}
