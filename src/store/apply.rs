//! Writing answers: a key's state change, its screening, records, punishments and the changes
//! against its previous answer commit in one transaction, so a kill leaves all of it or none.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, ToSql, Transaction, params, params_from_iter};

use super::calls::insert_call;
use super::{Result, Store, ts};
use super::{compare, records};
use crate::key_state::KeyState;
use crate::qcc::{CallRecord, Outcome};

/// A change of state for a key, written by the single writer.
#[derive(Debug, Clone)]
pub enum WriteOp {
    /// One call, for the audit trail.
    Call { key_id: i64, call: Box<CallRecord> },
    /// The key's answer (all pages): a new screening with its records, and the call that
    /// brought it (its last page), which travels with it so that the two are written in one
    /// batch: the call row is then written once, whole, pointing at its screening.
    Answer {
        key_id: i64,
        outcome: Outcome,
        status: Option<String>,
        message: String,
        at: DateTime<Utc>,
        call: Option<Box<CallRecord>>,
        /// Paging stopped before the vendor's answer was whole, and why (`keys.doubt`).
        doubt: Option<String>,
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
    /// Answers that could not be read, twice: not called again without `--retry-failed`.
    Park { key_id: i64, message: String },
}

impl Store {
    /// Apply a batch of writes in one transaction: a kill leaves all of it or none of it.
    pub fn apply(&mut self, run_id: Option<i64>, ops: &[WriteOp]) -> Result<()> {
        let e = self.e();
        // An answer comes with its last call, and usually with its key's earlier pages too. The
        // answer's screening is written first and the calls after it, each whole at once with
        // the screening it led to: a call row updated after it was written grows in place.
        let answered: HashSet<i64> = ops
            .iter()
            .filter_map(|op| match op {
                WriteOp::Answer { key_id, .. } => Some(*key_id),
                _ => None,
            })
            .collect();
        let mut held: HashMap<i64, Vec<&CallRecord>> = HashMap::new();
        // Taken for the batch, put back only when it commits (a failed batch reloads it).
        let mut unlinked = match self.unlinked.take() {
            Some(keys) => keys,
            None => unlinked_keys(&self.conn).map_err(&e)?,
        };
        let tx = self.conn.transaction().map_err(&e)?;
        for op in ops {
            match op {
                WriteOp::Call { key_id, call, .. } if answered.contains(key_id) => {
                    held.entry(*key_id).or_default().push(call);
                }
                WriteOp::Call { key_id, call } => {
                    insert_call(&tx, run_id, *key_id, call, None).map_err(&e)?;
                    unlinked.insert(*key_id);
                }
                WriteOp::Answer {
                    key_id,
                    outcome,
                    status,
                    message,
                    at,
                    call,
                    doubt,
                } => {
                    let answer = Answer {
                        key_id: *key_id,
                        run_id,
                        status: status.as_deref(),
                        message,
                        at: *at,
                        doubt: doubt.as_deref(),
                        brought_by: call.as_deref().map(|c| c.message.as_str()),
                    };
                    let link = unlinked.remove(key_id);
                    // Each record read once: its columns, and its text for the hash.
                    let readings: Vec<records::Reading<'_>> =
                        outcome.records().iter().map(|r| records::read(r)).collect();
                    let texts = canonical(&readings);
                    let sid = insert_answer(&tx, &answer, outcome, &readings, &texts, link)
                        .map_err(&e)?;
                    let earlier = held.remove(key_id).unwrap_or_default();
                    for call in earlier.into_iter().chain(call.as_deref()) {
                        insert_call(&tx, run_id, *key_id, call, Some(sid)).map_err(&e)?;
                    }
                }
                other => apply_state(&tx, other).map_err(&e)?,
            }
        }
        if let Some(run) = run_id {
            count_calls(&tx, run, ops).map_err(&e)?;
        }
        tx.commit().map_err(&e)?;
        self.unlinked = Some(unlinked);
        Ok(())
    }
}

/// The canonical texts of records read.
fn canonical<'a>(readings: &'a [records::Reading<'_>]) -> Vec<&'a str> {
    readings.iter().map(|r| r.canonical.as_ref()).collect()
}

/// The keys with calls that point at no screening yet (through the partial index of such calls).
pub(super) fn unlinked_keys(conn: &rusqlite::Connection) -> rusqlite::Result<HashSet<i64>> {
    conn.prepare(
        "SELECT DISTINCT key_id FROM calls WHERE screening_id IS NULL AND key_id IS NOT NULL",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}

/// The run's call counters, kept as calls are written (an index of calls by run would cost an
/// entry per call).
fn count_calls(tx: &Transaction<'_>, run_id: i64, ops: &[WriteOp]) -> rusqlite::Result<()> {
    let (mut calls, mut unreached, mut billed) = (0i64, 0i64, 0i64);
    for call in ops.iter().filter_map(|op| match op {
        WriteOp::Call { call, .. } => Some(call.as_ref()),
        WriteOp::Answer { call, .. } => call.as_deref(),
        _ => None,
    }) {
        calls += 1;
        unreached += i64::from(!call.reached);
        billed += i64::from(matches!(call.vendor_status.as_deref(), Some("200" | "201")));
    }
    // The run's last sign of life, for a run killed before it can close its row.
    tx.prepare_cached(
        "UPDATE runs SET calls = calls + ?2, unreached = unreached + ?3, billed = billed + ?4,
           last_seen = unixepoch() WHERE id = ?1",
    )?
    .execute(params![run_id, calls, unreached, billed])?;
    Ok(())
}

/// A key deferred or failed for this run.
fn apply_state(tx: &Transaction<'_>, op: &WriteOp) -> rusqlite::Result<()> {
    match op {
        WriteOp::Defer {
            key_id,
            status,
            message,
            not_before,
        } => {
            tx.prepare_cached(
                "UPDATE keys SET state=?5, status=?2, message=?3, not_before=?4 WHERE id=?1",
            )?
            .execute(params![
                key_id,
                status,
                message,
                ts(*not_before),
                KeyState::Deferred
            ])?;
        }
        WriteOp::Failed {
            key_id,
            status,
            message,
            attempts,
        } => {
            tx.prepare_cached(
                "UPDATE keys SET state=?5, status=?2, message=?3, attempts=?4 WHERE id=?1",
            )?
            .execute(params![key_id, status, message, attempts, KeyState::Failed])?;
        }
        WriteOp::Park { key_id, message } => {
            tx.prepare_cached("UPDATE keys SET state=?3, message=?2, status=NULL WHERE id=?1")?
                .execute(params![key_id, message, KeyState::Parked])?;
        }
        WriteOp::Call { .. } | WriteOp::Answer { .. } => {}
    }
    Ok(())
}

// The writer's queries by key are written without joins: a cached statement that joins a table
// looked up by `?1` is compiled again on every use (rusqlite clears its bindings when it goes
// back to the cache, and SQLite then counts its plan as stale: a quarter of the writer's samples).

/// A key's current screening: id, state, the screening that holds its records, their hash.
const PREVIOUS_SCREENING: &str = "SELECT s.id, s.state, COALESCE(s.records_of, s.id),
       COALESCE(s.records_hash, (SELECT o.records_hash FROM screenings o WHERE o.id = s.records_of))
     FROM screenings s WHERE s.id = (SELECT screening_id FROM keys WHERE id = ?1)";

/// The facts of one answer besides its records.
struct Answer<'a> {
    key_id: i64,
    run_id: Option<i64>,
    status: Option<&'a str>,
    message: &'a str,
    at: DateTime<Utc>,
    doubt: Option<&'a str>,
    /// The message of the call that brought the answer, when it came with one.
    brought_by: Option<&'a str>,
}

/// A new screening with its records, the key's new state, and the changes against the key's
/// previous answer; `link`: the key has earlier calls that point at no screening yet.
fn insert_answer(
    tx: &Transaction<'_>,
    a: &Answer<'_>,
    outcome: &Outcome,
    records: &[records::Reading<'_>],
    texts: &[&str],
    link: bool,
) -> rusqlite::Result<i64> {
    let st = state_of(outcome);
    let previous: Option<(i64, KeyState, i64, Option<String>)> = tx
        .prepare_cached(PREVIOUS_SCREENING)?
        .query_row([a.key_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()?;
    let hash = records::records_hash_of(texts);
    // The same answer as last time: a screening that points at the stored records, not a copy.
    let same_as = previous
        .as_ref()
        .filter(|(_, state, _, h)| *state == st && h.as_deref() == Some(hash.as_str()))
        .map(|(_, _, owner, _)| *owner);
    tx.prepare_cached(
        "INSERT INTO screenings(key_id, run_id, state, status, message, checked_at, record_count,
           records_of, records_hash, previous_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        a.key_id,
        a.run_id,
        st,
        a.status,
        // NULL: the message of the call that brought it (its last call), as that call states it.
        (a.brought_by != Some(a.message)).then_some(a.message),
        a.at.timestamp(),
        records.len() as i64,
        same_as,
        // A screening pointing at stored records shares their hash.
        same_as.is_none().then_some(&hash),
        previous.as_ref().map(|(id, ..)| *id),
    ])?;
    let sid = tx.last_insert_rowid();
    if same_as.is_none() {
        for (ord, rec) in records.iter().enumerate() {
            insert_record(tx, sid, ord, rec)?;
        }
    }
    if link {
        link_calls(tx, a.key_id, sid)?;
    }
    tx.prepare_cached(
        "UPDATE keys SET state=?2, status=?3, message=?4, checked_at=?5, screening_id=?6,
           not_before=NULL, attempts=0, doubt=?7 WHERE id=?1",
    )?
    .execute(params![
        a.key_id,
        st,
        a.status,
        a.message,
        ts(a.at),
        sid,
        a.doubt
    ])?;
    if let Some((prev_id, prev_state, _, _)) = previous
        && same_as.is_none()
        && prev_state.is_answered()
        && st.is_answered()
    {
        let between = compare::Between {
            key_id: a.key_id,
            run_id: a.run_id,
            at: a.at,
            previous: (prev_id, prev_state),
            current: (sid, st),
        };
        compare::record_changes(tx, &between)?;
    }
    Ok(sid)
}

/// The state an answer leaves its key in.
fn state_of(outcome: &Outcome) -> KeyState {
    match outcome {
        Outcome::Found(_) => KeyState::Found,
        Outcome::NotFound => KeyState::NotFound,
        Outcome::Invalid(_) => KeyState::Invalid,
        Outcome::Unsupported(_) => KeyState::Unsupported,
    }
}

fn insert_record(
    tx: &Transaction<'_>,
    sid: i64,
    ord: usize,
    rec: &records::Reading<'_>,
) -> rusqlite::Result<()> {
    let records::Reading {
        cols, puns, extra, ..
    } = rec;
    tx.prepare_cached(
        "INSERT INTO records(screening_id, ord, vendor_id, reg_gov, trade_type, reg_date, reg_no,
           admin_area, econo_area, special_area, cancel_flag, annual_status, validity_date,
           industry_type, ebusiness_type, identify_date, identify_level, identify_code, extra)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
    )?
    .execute(params_from_iter(
        [&sid as &dyn ToSql, &(ord as i64)]
            .into_iter()
            .chain(cols.iter().map(|f| f as &dyn ToSql))
            .chain([&extra as &dyn ToSql]),
    ))?;
    let rid = tx.last_insert_rowid();
    for (pord, [no, decision_no, party, punish_date, case_prop]) in puns.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO punishments(record_id, ord, no, decision_no, party, punish_date, case_prop)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            rid,
            pord as i64,
            no,
            decision_no,
            party,
            punish_date,
            case_prop
        ])?;
    }
    Ok(())
}

/// The calls that led to this answer (its earlier pages, written as they came) point at its
/// screening.
fn link_calls(tx: &Transaction<'_>, key_id: i64, sid: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE calls SET screening_id=?2 WHERE key_id=?1 AND screening_id IS NULL")?
        .execute(params![key_id, sid])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qcc::{Class, PageOutcome, RawRecord};
    use serde_json::{Value, json};

    fn raw(records: &[Value]) -> Vec<RawRecord> {
        records
            .iter()
            .map(|r| serde_json::value::RawValue::from_string(r.to_string()).unwrap())
            .collect()
    }

    fn record(n: usize) -> Value {
        json!({"Id": format!("r{n}"), "RegNo": format!("{n:010}"), "IdentifyLevel": "一般信用企业"})
    }

    /// Page 1 of a two-page answer (20 records of 25), as the vendor sends it compactly.
    fn page_one(records: &[Value]) -> CallRecord {
        let body = json!({
            "Status": "200", "Message": "【有效请求】查询成功",
            "OrderNumber": "OPERATIONCHECK2026113019000000000001",
            "Paging": {"PageSize": 20, "PageIndex": 1, "TotalRecords": 25},
            "Result": {"VerifyResult": 1, "Data": records}
        })
        .to_string();
        CallRecord {
            at: crate::clock::now(),
            search_key: "k".into(),
            page: 1,
            http_status: Some(200),
            vendor_status: Some("200".into()),
            message: "【有效请求】查询成功".into(),
            order_number: Some("OPERATIONCHECK2026113019000000000001".into()),
            latency: std::time::Duration::from_millis(5),
            body: Some(body),
            reached: true,
            outcome: PageOutcome {
                class: Class::Found,
                records: raw(records),
                total: Some(25),
                page_size: Some(20),
                page_index: None,
                retry_after: None,
                clock_corrected: false,
                unreadable: false,
            },
        }
    }

    fn answer(records: Vec<Value>) -> WriteOp {
        WriteOp::Answer {
            key_id: 1,
            outcome: Outcome::Found(raw(&records)),
            status: Some("200".into()),
            message: "【有效请求】查询成功".into(),
            at: crate::clock::now(),
            call: None,
            doubt: None,
        }
    }

    /// A page paid before its answer comes back byte for byte whatever the answer; the same
    /// page bought again is stored against the first (a few bytes), and still comes back.
    #[test]
    fn a_page_comes_back_as_received_whatever_the_answer() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO keys(id, key, kind, state) VALUES (1, 'k', 'name', 'pending');
                 INSERT INTO runs(id, started_at, command) VALUES (1, 'a', 'run'), (2, 'b', 'run'),
                   (3, 'c', 'run');",
            )
            .unwrap();
        let first: Vec<Value> = (0..20).map(record).collect();
        let call = page_one(&first);
        let received = call.body.clone().unwrap();
        let page = |call: CallRecord| WriteOp::Call {
            key_id: 1,
            call: Box::new(call),
        };
        let comes_back = |store: &Store, id: i64, want: &str| {
            let body = store.call_body(id).unwrap();
            assert_eq!(body.as_deref(), Some(want), "call {id}");
        };
        // Run 1: page 1 paid, then the key fails; a later answer holds other records.
        store.apply(Some(1), &[page(call.clone())]).unwrap();
        comes_back(&store, 1, &received);
        let other: Vec<Value> = (100..125).map(record).collect();
        store.apply(Some(2), &[answer(other)]).unwrap();
        comes_back(&store, 1, &received);
        // The same page again, with the vendor's next order number, and an answer that agrees.
        let mut again = call;
        let next = received.replace("19000000000001", "19000000000002");
        again.body = Some(next.clone());
        store.apply(Some(3), &[page(again)]).unwrap();
        let all: Vec<Value> = (0..25).map(record).collect();
        store.apply(Some(3), &[answer(all)]).unwrap();
        comes_back(&store, 1, &received);
        comes_back(&store, 2, &next);
        let (reference, size): (Option<i64>, i64) = store
            .conn
            .query_row(
                "SELECT body_ref, length(body) FROM calls WHERE id = 2",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(reference, Some(1));
        assert!(size < 60, "{size} bytes for an unchanged page");
        // Nothing of the message is kept beside the body that states it.
        let message: Option<String> = store
            .conn
            .query_row("SELECT message FROM calls WHERE id = 2", [], |r| r.get(0))
            .unwrap();
        assert_eq!(message, None);
        assert_eq!(
            store.call_message(2).unwrap().as_deref(),
            Some("【有效请求】查询成功")
        );
    }

    /// The writer knows which keys have calls that wait for a screening without asking the
    /// database on every answer; a call left waiting by an earlier process (a killed run) is
    /// still linked by the key's next answer.
    #[test]
    fn an_answer_links_the_calls_an_earlier_process_left_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.sqlite");
        let mut store = Store::open(&path).unwrap();
        store
            .conn
            .execute_batch(
                "INSERT INTO keys(id, key, kind, state) VALUES (1, 'k', 'name', 'pending');
                 INSERT INTO runs(id, started_at, command) VALUES (1, 'a', 'run'), (2, 'b', 'run');",
            )
            .unwrap();
        let first: Vec<Value> = (0..20).map(record).collect();
        let call = WriteOp::Call {
            key_id: 1,
            call: Box::new(page_one(&first)),
        };
        store.apply(Some(1), &[call]).unwrap();
        drop(store);
        let mut store = Store::open(&path).unwrap();
        store
            .apply(Some(2), &[answer((0..25).map(record).collect())])
            .unwrap();
        let count = |sql: &str| -> i64 { store.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT COUNT(*) FROM calls WHERE screening_id IS NULL"),
            0
        );
        assert_eq!(
            count("SELECT screening_id FROM calls WHERE id = 1"),
            count("SELECT screening_id FROM keys WHERE id = 1")
        );
    }

    #[test]
    fn the_writers_queries_by_key_are_compiled_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.sqlite")).unwrap();
        for sql in [PREVIOUS_SCREENING] {
            for key in 1..4 {
                let mut st = store.conn.prepare_cached(sql).unwrap();
                st.query([key]).unwrap().next().unwrap();
                assert_eq!(
                    st.get_status(rusqlite::StatementStatus::RePrepare),
                    0,
                    "{sql}"
                );
            }
        }
    }
}
