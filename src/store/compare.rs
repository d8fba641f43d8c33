//! A key's answer against its previous one: what each screening says (worst level, punishments,
//! cancelled registrations, found or not), and the changes between them, written with the
//! answer in its transaction.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use super::ts;
use crate::changes::{Change, Snapshot, is_cancelled};
use crate::key_state::KeyState;

/// Two screenings of one key: the previous and the current (id and state).
pub(super) struct Between {
    pub key_id: i64,
    pub run_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub previous: (i64, KeyState),
    pub current: (i64, KeyState),
}

/// The changes from the previous screening to the current one, stored.
pub(super) fn record_changes(tx: &Transaction<'_>, b: &Between) -> rusqlite::Result<()> {
    let before = snapshot(tx, b.previous.0, b.previous.1)?;
    let after = snapshot(tx, b.current.0, b.current.1)?;
    for c in crate::changes::diff(&before, &after) {
        insert_change(tx, b, &c)?;
    }
    Ok(())
}

fn snapshot(tx: &Transaction<'_>, sid: i64, st: KeyState) -> rusqlite::Result<Snapshot> {
    let mut s = Snapshot {
        found: st == KeyState::Found,
        ..Default::default()
    };
    let mut stmt = tx.prepare_cached(
        "SELECT id, COALESCE(identify_level, ''), COALESCE(cancel_flag, ''), COALESCE(reg_no, '')
         FROM records WHERE screening_id=(SELECT COALESCE(records_of, id) FROM screenings WHERE id=?1)
         ORDER BY ord",
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
        "SELECT COALESCE(NULLIF(decision_no, ''), COALESCE(punish_date, '') || ' ' || COALESCE(case_prop, ''))
         FROM punishments WHERE record_id=?1",
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

fn insert_change(tx: &Transaction<'_>, b: &Between, c: &Change) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO changes(key_id, run_id, screening_id, previous_screening_id, kind, worse, detail,
           detected_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        b.key_id,
        b.run_id,
        b.current.0,
        b.previous.0,
        c.kind.as_str(),
        c.kind.is_worse() as i64,
        c.detail,
        ts(b.at)
    ])?;
    Ok(())
}
