//! Which keys a run calls (`docs/design.md`, "Key states"), handed out in id order a page at a
//! time so the work list is never all in memory.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Result, Store};
use crate::normalize::KeyKind;

/// The keys a run calls, with `?1` = now and `?2` = the refresh cutoff
/// (NULL without `--refresh-older-than`) and `?3` = `--retry-failed` (parked keys, and answers
/// whose paging stopped as implausible, are asked again). Keys judged invalid locally are never
/// refreshed.
const DUE: &str = "(state IN ('pending', 'failed')
    OR (state = 'deferred' AND (not_before IS NULL OR not_before <= ?1))
    OR (?2 IS NOT NULL AND local = 0 AND state IN ('found', 'not_found', 'unsupported')
        AND checked_at < ?2)
    OR (?3 AND (state = 'parked' OR doubt IS NOT NULL)))";

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
    /// `--retry-failed`: parked keys and doubtful answers are due again.
    pub retry_failed: bool,
}

impl Store {
    /// Up to `limit` due keys with id greater than `after`, in id order (the dispatcher pages
    /// through them so the work list is never all in memory).
    ///
    /// `NOT INDEXED`: with the state index SQLite collected every due key and sorted them by id
    /// for each page, so handing out N keys cost O(N² / page); walking the rowid from `after`
    /// visits each key once over the whole run.
    pub fn due_keys(&self, after: i64, limit: usize, f: &DueFilter) -> Result<Vec<WorkItem>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT id, key, kind FROM keys NOT INDEXED WHERE id > ?4 AND {DUE} ORDER BY id LIMIT ?5"
            ))
            .map_err(self.e())?;
        let rows = stmt
            .query_map(
                params![f.now, f.refresh_before, f.retry_failed, after, limit as i64],
                |r| {
                    let kind: String = r.get(2)?;
                    Ok(WorkItem {
                        key_id: r.get(0)?,
                        key: r.get(1)?,
                        kind: KeyKind::parse(&kind).unwrap_or(KeyKind::Name),
                    })
                },
            )
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
            .query_map(params![f.now, f.refresh_before, f.retry_failed], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
            })
            .map_err(self.e())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.e())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{FileMeta, IngestRow};
    use crate::normalize::{ClassifyOptions, classify};

    /// Seconds to hand out every due key of a database of `n` pending keys.
    fn hand_out(n: usize) -> f64 {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("q.sqlite")).unwrap();
        let rows = (0..n).map(|i| {
            let input = format!("供应商{i:07}有限公司");
            IngestRow {
                row_no: i as u64 + 1,
                sheet_row: i as u64 + 2,
                classified: classify(&input, ClassifyOptions::default()),
                input,
                error: None,
                extra: None,
                cell_types: None,
                skipped: false,
            }
        });
        store.ingest("q.csv", &FileMeta::default(), rows).unwrap();
        let f = DueFilter {
            now: "2026-01-01T00:00:00Z".into(),
            refresh_before: None,
            retry_failed: false,
        };
        let started = std::time::Instant::now();
        let (mut after, mut seen) = (0, 0);
        loop {
            let page = store.due_keys(after, 500, &f).unwrap();
            let Some(last) = page.last() else { break };
            after = last.key_id;
            seen += page.len();
        }
        assert_eq!(seen, n);
        started.elapsed().as_secs_f64()
    }

    /// Linear, not quadratic: ten times the keys takes about ten times as long (quadratic took a
    /// hundred times). A ratio, so a slow machine does not fail it.
    #[test]
    fn handing_out_due_keys_is_linear() {
        let small = hand_out(10_000);
        let large = hand_out(100_000);
        let ratio = large / small.max(1e-6);
        assert!(
            ratio < 30.0,
            "10k keys {small:.3} s, 100k keys {large:.3} s: x{ratio:.1}"
        );
    }
}
