//! One call row for the audit trail, with its body as received ([`super::evidence`]).
//!
//! A body is compressed against the key's latest key frame for the same page when it has one
//! (`evidence_refs`), else against the dictionary, and becomes that page's key frame then. The
//! message column holds only what the body does not: `NULL` when the body's own `Message` says
//! it, the text otherwise (a transport error, a body that is not the vendor's JSON).

use rusqlite::{OptionalExtension, Transaction, params};

use super::evidence;
use crate::qcc::CallRecord;

/// A call as the `calls` table holds it.
pub(super) struct CallRow<'a> {
    /// The row's id when it is given (a migration keeps ids), else the next one.
    pub id: Option<i64>,
    pub run_id: Option<i64>,
    pub key_id: Option<i64>,
    /// Unix seconds.
    pub at: i64,
    pub search_key: &'a str,
    pub page: i64,
    pub http_status: Option<i64>,
    pub vendor_status: Option<&'a str>,
    pub message: Option<&'a str>,
    pub latency_ms: i64,
    pub body: Option<&'a [u8]>,
    pub reached: bool,
    pub screening_id: Option<i64>,
}

/// One call of a run, pointing at the screening it led to when that is known.
pub(super) fn insert_call(
    tx: &Transaction<'_>,
    run_id: Option<i64>,
    key_id: i64,
    call: &CallRecord,
    screening: Option<i64>,
) -> rusqlite::Result<()> {
    insert_row(
        tx,
        &CallRow {
            id: None,
            run_id,
            key_id: Some(key_id),
            at: call.at.timestamp(),
            search_key: &call.search_key,
            page: i64::from(call.page),
            http_status: call.http_status.map(i64::from),
            vendor_status: call.vendor_status.as_deref(),
            message: Some(&call.message),
            latency_ms: call.latency.as_millis() as i64,
            body: call.body.as_deref().map(str::as_bytes),
            reached: call.reached,
            screening_id: screening,
        },
    )
}

/// Write one call row: its body packed, its message unless the body says it.
pub(super) fn insert_row(tx: &Transaction<'_>, row: &CallRow<'_>) -> rusqlite::Result<()> {
    let reference = match (row.key_id, row.body) {
        (Some(key_id), Some(_)) => key_frame(tx, key_id, row.page)?,
        _ => None,
    };
    let packed = row
        .body
        .map(|body| evidence::pack(body, reference.as_ref().map(|(_, b)| b.as_slice())))
        .transpose()
        .map_err(to_sql_error)?;
    let body_ref = match (&packed, &reference) {
        (Some(p), Some((id, _))) if p.against_reference => Some(*id),
        _ => None,
    };
    let message = row
        .message
        .filter(|m| row.body.and_then(body_message).as_deref() != Some(*m));
    tx.prepare_cached(
        "INSERT INTO calls(id, run_id, key_id, at, search_key, page, http_status, vendor_status,
           message, latency_ms, reached, screening_id, body, body_ref)
         VALUES (?1, ?2, ?3, ?4,
           CASE WHEN ?5 = (SELECT key FROM keys WHERE id = ?3) THEN '' ELSE ?5 END,
           ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        row.id,
        row.run_id,
        row.key_id,
        row.at,
        row.search_key,
        row.page,
        row.http_status,
        row.vendor_status,
        message,
        row.latency_ms,
        row.reached,
        row.screening_id,
        packed.as_ref().map(|p| p.bytes.as_slice()),
        body_ref,
    ])?;
    if let (Some(key_id), Some(p)) = (row.key_id, &packed)
        && !p.against_reference
    {
        tx.prepare_cached(
            "INSERT OR REPLACE INTO evidence_refs(key_id, page, call_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![key_id, row.page, tx.last_insert_rowid()])?;
    }
    Ok(())
}

/// The key frame a new body of `key_id`'s page `page` is compressed against: its call id and
/// its body.
fn key_frame(
    tx: &Transaction<'_>,
    key_id: i64,
    page: i64,
) -> rusqlite::Result<Option<(i64, Vec<u8>)>> {
    let id: Option<i64> = tx
        .prepare_cached("SELECT call_id FROM evidence_refs WHERE key_id = ?1 AND page = ?2")?
        .query_row(params![key_id, page], |r| r.get(0))
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    // A key frame that cannot be read is not a reference: the new body stands alone.
    Ok(key_frame_body(tx, id).ok().map(|body| (id, body)))
}

/// The body of call `id`, a frame against the dictionary.
fn key_frame_body(conn: &rusqlite::Connection, id: i64) -> rusqlite::Result<Vec<u8>> {
    let frame: Vec<u8> = conn
        .prepare_cached("SELECT body FROM calls WHERE id = ?1 AND body_ref IS NULL")?
        .query_row([id], |r| r.get(0))?;
    evidence::unpack(&frame, None).map_err(to_sql_error)
}

/// A stored body as received: its frame unpacked, against its reference's body when it has one.
pub(super) fn body_of(
    conn: &rusqlite::Connection,
    stored: &[u8],
    body_ref: Option<i64>,
) -> rusqlite::Result<Vec<u8>> {
    let reference = body_ref.map(|id| key_frame_body(conn, id)).transpose()?;
    evidence::unpack(stored, reference.as_deref()).map_err(to_sql_error)
}

/// The `Message` a body states, when it is a JSON object with a string there.
pub(super) fn body_message(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct OnlyMessage {
        #[serde(rename = "Message")]
        message: Option<String>,
    }
    serde_json::from_slice::<OnlyMessage>(body).ok()?.message
}

/// The `OrderNumber` a body states, as the vendor wrote it (a number as its digits).
pub(super) fn body_order_number(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct OnlyOrder {
        #[serde(rename = "OrderNumber")]
        order: Option<serde_json::Value>,
    }
    match serde_json::from_slice::<OnlyOrder>(body).ok()?.order? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn to_sql_error(e: evidence::EvidenceError) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}
