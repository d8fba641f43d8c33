//! The read model behind the analyst's outputs (report, workbook, CSV): each input row with its
//! key's current registrations and punishments, its screenings over time, and the changes for the
//! worse its current screening brought. Streamed row by row ([`SupplierReader::for_each`]) or
//! fetched by row number ([`SupplierReader::at`]), so 300k rows never sit in memory.

use std::collections::{HashMap, HashSet};

use rusqlite::OptionalExtension;

use super::queries::{ExportError, ExportRow};
use super::{Result, Store};
use crate::changes::ChangeKind;
use crate::key_state::KeyState;

/// One customs registration in a screening's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registration {
    /// 注册海关 (`RegGov`).
    pub customs: String,
    /// 海关注册编码 (`RegNo`).
    pub reg_no: String,
    /// 经营类别 (`TradeType`).
    pub trade_type: String,
    /// 信用等级 (`IdentifyLevel`), as the vendor wrote it.
    pub level: String,
    /// 认定时间 (`IdentifyDate`).
    pub identify_date: String,
    /// 海关注销标志 (`CancelFlag`).
    pub cancel_flag: String,
    /// The record's level could not be read (no `IdentifyLevel` string in it): the record may
    /// hide any rating, so it is never taken as unrated.
    pub unreadable: bool,
}

/// One customs punishment in a screening's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Punishment {
    /// The registration it was filed under.
    pub reg_no: String,
    pub decision_no: String,
    pub punish_date: String,
    pub case_prop: String,
    pub party: String,
}

/// One past screening of a key, oldest first: when, what state, and its registrations' levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastScreening {
    pub id: i64,
    pub checked_at: String,
    pub state: KeyState,
    pub levels: Vec<String>,
}

/// A change for the worse stored against one of a key's screenings, kept small: a report holds
/// one for every such change of its list (150,000 after a bad night).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredChange {
    pub id: i64,
    pub screening_id: i64,
    /// `None` for a kind this version does not know.
    pub kind: Option<ChangeKind>,
    /// The worst level before and after, for a fall in level.
    pub level_fall: Option<Box<(String, String)>>,
    /// The UTC day it was detected.
    pub detected_on: Option<chrono::NaiveDate>,
}

/// An input row and everything the analyst's outputs say about its key.
#[derive(Debug, Clone)]
pub struct SupplierRow {
    pub row: ExportRow,
    /// The first row of the file carrying this key (a later duplicate repeats it).
    pub first_of_key: bool,
    pub registrations: Vec<Registration>,
    pub punishments: Vec<Punishment>,
    /// Every screening of the key, oldest first (empty unless asked for).
    pub history: Vec<PastScreening>,
    /// Every change for the worse the key's screenings brought, oldest first: an alert keeps
    /// them until a decision answers them.
    pub worse: Vec<StoredChange>,
    /// Every decision on the key's rows, oldest first ([`crate::view::alert`] picks this row's).
    pub decisions: Vec<super::DecisionRow>,
    /// The sheet rows of the other rows of the list that carry the same key (a supplier listed
    /// twice in the ERP), in order; empty for most rows.
    pub shared_with: Vec<u64>,
}

/// Builds [`SupplierRow`]s from export rows: loads the changes for the worse once, then reads
/// each row's registrations, punishments and (when asked) history.
pub struct SupplierReader<'a> {
    store: &'a Store,
    worse: HashMap<i64, Vec<StoredChange>>,
    decisions: HashMap<i64, Vec<super::DecisionRow>>,
    history: bool,
    seen: HashSet<i64>,
    /// Keys that several rows of the file carry, with those rows' (data row, sheet row).
    shared: HashMap<i64, Vec<(u64, u64)>>,
}

impl SupplierReader<'_> {
    /// Stream the rows of the file, in input order.
    pub fn for_each(
        &mut self,
        file_id: i64,
        mut f: impl FnMut(SupplierRow) -> std::io::Result<()>,
    ) -> std::result::Result<(), ExportError> {
        let store = self.store;
        store.for_each_export_row(file_id, |row| {
            let s = self.build(row).map_err(std::io::Error::other)?;
            f(s)
        })
    }

    /// One row of the file by its data row number.
    pub fn at(&mut self, file_id: i64, row_no: u64) -> Result<Option<SupplierRow>> {
        match self.store.export_row(file_id, row_no)? {
            Some(row) => self.build(row).map(Some),
            None => Ok(None),
        }
    }

    fn build(&mut self, row: ExportRow) -> Result<SupplierRow> {
        let first_of_key = row.key_id.is_some_and(|k| self.seen.insert(k));
        let (registrations, punishments) = match row.screening_id {
            Some(sid) => (self.store.registrations(sid)?, self.store.punishments(sid)?),
            None => Default::default(),
        };
        let history = match row.key_id {
            Some(k) if self.history => self.store.past_screenings(k)?,
            _ => Vec::new(),
        };
        let worse = row
            .key_id
            .and_then(|k| self.worse.get(&k).cloned())
            .unwrap_or_default();
        let decisions = row
            .key_id
            .and_then(|k| self.decisions.get(&k).cloned())
            .unwrap_or_default();
        let shared_with = row
            .key_id
            .and_then(|k| self.shared.get(&k))
            .map(|rows| {
                rows.iter()
                    .filter(|(r, _)| *r != row.row)
                    .map(|(_, sheet)| *sheet)
                    .collect()
            })
            .unwrap_or_default();
        Ok(SupplierRow {
            row,
            first_of_key,
            registrations,
            punishments,
            history,
            worse,
            decisions,
            shared_with,
        })
    }
}

impl Store {
    /// A reader of a file's suppliers; `history` adds every past screening of each key.
    pub fn suppliers(&self, file_id: i64, history: bool) -> Result<SupplierReader<'_>> {
        Ok(SupplierReader {
            store: self,
            worse: self.worse_changes(file_id)?,
            decisions: self.decisions_by_key()?,
            history,
            seen: HashSet::new(),
            shared: self.shared_keys(file_id)?,
        })
    }

    /// Keys that more than one row of the file carries, with those rows (data row, sheet row).
    fn shared_keys(&self, file_id: i64) -> Result<HashMap<i64, Vec<(u64, u64)>>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT key_id, row_no, COALESCE(sheet_row, row_no) FROM input_rows
                 WHERE file_id=?1 AND skipped=0 AND key_id IN (SELECT key_id FROM input_rows
                   WHERE file_id=?1 AND key_id IS NOT NULL AND skipped=0
                   GROUP BY key_id HAVING COUNT(*) > 1)
                 ORDER BY key_id, row_no",
            )
            .map_err(self.e())?;
        let mut out: HashMap<i64, Vec<(u64, u64)>> = HashMap::new();
        let rows = st
            .query_map([file_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })
            .map_err(self.e())?;
        for row in rows {
            let (k, n, sheet) = row.map_err(self.e())?;
            out.entry(k).or_default().push((n as u64, sheet as u64));
        }
        Ok(out)
    }

    /// The registrations of a screening (its own records, or the ones it points at), in order.
    pub fn registrations(&self, screening_id: i64) -> Result<Vec<Registration>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(reg_gov, ''), COALESCE(reg_no, ''), COALESCE(trade_type, ''),
                   COALESCE(identify_level, ''), COALESCE(identify_date, ''),
                   COALESCE(cancel_flag, ''), identify_level IS NULL
                 FROM records WHERE screening_id=(SELECT COALESCE(records_of, id) FROM screenings
                   WHERE id=?1) ORDER BY ord",
            )
            .map_err(self.e())?;
        st.query_map([screening_id], |r| {
            Ok(Registration {
                customs: r.get(0)?,
                reg_no: r.get(1)?,
                trade_type: r.get(2)?,
                level: r.get(3)?,
                identify_date: r.get(4)?,
                cancel_flag: r.get(5)?,
                unreadable: r.get(6)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(self.e())
    }

    /// The punishments of a screening, registration by registration, in the vendor's order.
    pub fn punishments(&self, screening_id: i64) -> Result<Vec<Punishment>> {
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(r.reg_no, ''), COALESCE(p.decision_no, ''),
                   COALESCE(p.punish_date, ''), COALESCE(p.case_prop, ''), COALESCE(p.party, '')
                 FROM records r JOIN punishments p ON p.record_id = r.id
                 WHERE r.screening_id=(SELECT COALESCE(records_of, id) FROM screenings WHERE id=?1)
                 ORDER BY r.ord, p.ord",
            )
            .map_err(self.e())?;
        st.query_map([screening_id], |r| {
            Ok(Punishment {
                reg_no: r.get(0)?,
                decision_no: r.get(1)?,
                punish_date: r.get(2)?,
                case_prop: r.get(3)?,
                party: r.get(4)?,
            })
        })
        .and_then(|rows| rows.collect())
        .map_err(self.e())
    }

    /// Every screening of a key, oldest first, with its registrations' levels: the key's current
    /// screening, then each one's `previous_id`, one primary-key lookup per screening (a
    /// recursive query let SQLite scan the whole table for every key).
    pub fn past_screenings(&self, key_id: i64) -> Result<Vec<PastScreening>> {
        let e = self.e();
        let mut next: Option<i64> = self
            .conn
            .prepare_cached("SELECT screening_id FROM keys WHERE id = ?1")
            .and_then(|mut st| st.query_row([key_id], |r| r.get(0)).optional())
            .map_err(&e)?
            .flatten();
        let mut st = self
            .conn
            .prepare_cached(&format!(
                "SELECT s.id, {}, s.state,
                   (SELECT group_concat(COALESCE(identify_level, ''), char(31)) FROM records
                     WHERE screening_id = COALESCE(s.records_of, s.id)),
                   s.previous_id
                 FROM screenings s WHERE s.id = ?1",
                super::instant_text("s.checked_at")
            ))
            .map_err(&e)?;
        let mut past: Vec<PastScreening> = Vec::new();
        // A link can only point back (ids grow); anything else ends the walk.
        while let Some(id) = next.filter(|id| past.last().is_none_or(|p| *id < p.id)) {
            let Some((screening, previous)) = st
                .query_row([id], |r| {
                    let levels: Option<String> = r.get(3)?;
                    let screening = PastScreening {
                        id: r.get(0)?,
                        checked_at: r.get(1)?,
                        state: r.get(2)?,
                        levels: levels
                            .map(|l| l.split('\u{1f}').map(String::from).collect())
                            .unwrap_or_default(),
                    };
                    Ok((screening, r.get::<_, Option<i64>>(4)?))
                })
                .optional()
                .map_err(&e)?
            else {
                break;
            };
            past.push(screening);
            next = previous;
        }
        past.reverse();
        Ok(past)
    }

    /// Every change for the worse of a file's keys, by key, oldest first.
    fn worse_changes(&self, file_id: i64) -> Result<HashMap<i64, Vec<StoredChange>>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT c.key_id, c.id, c.kind, c.detail, c.detected_at, c.screening_id FROM changes c
                 WHERE c.worse = 1
                   AND c.key_id IN (SELECT key_id FROM input_rows WHERE file_id=?1)
                 ORDER BY c.id",
            )
            .map_err(self.e())?;
        let mut out: HashMap<i64, Vec<StoredChange>> = HashMap::new();
        let rows = st
            .query_map([file_id], |r| {
                let kind = ChangeKind::parse(&r.get::<_, String>(2)?);
                let level_fall = match kind {
                    Some(ChangeKind::LevelWorse) => {
                        crate::changes::level_fall(&r.get::<_, String>(3)?).map(Box::new)
                    }
                    _ => None,
                };
                let at: String = r.get(4)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    StoredChange {
                        id: r.get(1)?,
                        kind,
                        level_fall,
                        detected_on: chrono::NaiveDate::parse_from_str(
                            at.get(..10).unwrap_or_default(),
                            "%Y-%m-%d",
                        )
                        .ok(),
                        screening_id: r.get(5)?,
                    },
                ))
            })
            .map_err(self.e())?;
        for row in rows {
            let (sid, c) = row.map_err(self.e())?;
            out.entry(sid).or_default().push(c);
        }
        Ok(out)
    }
}
