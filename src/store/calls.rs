//! One call row for the audit trail: its body by shape where it has one, the message unless it
//! is the vendor's standard text for its status.

use rusqlite::{Transaction, params};

use super::{bodies, json_text};
use crate::qcc::CallRecord;

/// One call, with its body stored by shape when it can be: any answer but a 200 at once, a 200
/// when its records are known (`records`: the answer's, or the page's own when aligned; and
/// `screening` the screening it led to); other 200 bodies wait for `apply::link_calls`.
pub(super) fn insert_call(
    tx: &Transaction<'_>,
    run_id: Option<i64>,
    key_id: i64,
    call: &CallRecord,
    records: Option<bodies::Data<'_>>,
    screening: Option<i64>,
) -> rusqlite::Result<()> {
    let env = bodies::Envelope {
        status: call.vendor_status.as_deref(),
        message: Some(&call.message),
        order_number: call.order_number.as_deref(),
    };
    let data = match call.vendor_status.as_deref() {
        Some("200") => records,
        _ => Some(bodies::Data::None),
    };
    let shape = match (&call.body, data) {
        (Some(body), Some(data)) => bodies::template(body, &env, data),
        _ => None,
    };
    let body_id = shape.map(|t| bodies::intern(tx, &t)).transpose()?;
    let pending = match (body_id, data) {
        (Some(_), Some(bodies::Data::Aligned(own))) => Some(json_text::array_text(own)),
        _ => None,
    };
    let body = if body_id.is_some() {
        None
    } else {
        call.body.as_deref()
    };
    tx.prepare_cached(
        "INSERT INTO calls(run_id, key_id, at, search_key, page, http_status, vendor_status,
           message, order_number, latency_ms, body, reached, body_id, screening_id)
         VALUES (?1, ?2, ?3,
           CASE WHEN ?4 = (SELECT key FROM keys WHERE id = ?2) THEN '' ELSE ?4 END,
           ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        run_id,
        key_id,
        call.at.timestamp(),
        call.search_key,
        call.page,
        call.http_status,
        call.vendor_status,
        unless_standard(call.vendor_status.as_deref(), &call.message),
        call.order_number.as_deref().map(bodies::OrderNumber),
        call.latency.as_millis() as i64,
        body,
        call.reached,
        body_id,
        screening,
    ])?;
    if let Some(page) = pending {
        tx.prepare_cached("INSERT INTO pending_pages(call_id, records) VALUES (?1, ?2)")?
            .execute(params![tx.last_insert_rowid(), page])?;
    }
    Ok(())
}

/// A message to store: `None` when it is the vendor's standard text for the status, which
/// readers put back ([`standard_message`]).
pub(super) fn unless_standard<'a>(status: Option<&str>, message: &'a str) -> Option<&'a str> {
    match status {
        Some(code) if crate::qcc::status::vendor_message(code) == message => None,
        _ => Some(message),
    }
}

/// A stored message, with the standard text for its status where none was stored.
pub(super) fn standard_message(status: Option<&str>, stored: Option<String>) -> Option<String> {
    stored.or_else(|| status.map(|c| crate::qcc::status::vendor_message(c).to_string()))
}
