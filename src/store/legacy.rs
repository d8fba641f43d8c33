//! The migration to version 13: every call's body, as versions 4 to 12 kept it, restored once
//! through the reading of those versions and stored as bytes ([`super::evidence`]).
//!
//! Those versions kept a body whole, or by "shape": a template in `bodies` with markers for the
//! status, the message and the order number (filled from the call's row; a message stored as
//! NULL was the vendor's standard text for its status), and a 200's records elided into a marker
//! (put back from the screening's records, or from `pending_pages` for a page whose answer never
//! came or differed). This module is that reading, and nothing writes it any more.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ValueRef};
use rusqlite::{OptionalExtension, Transaction};
use serde_json::Value;
use serde_json::value::RawValue;

use super::calls::{CallRow, insert_row};

/// What replaced `Result.Data` in a stored 200 body.
const DATA_MARKER: &str = "@records";
const STATUS_MARKER: &str = "@status";
const MESSAGE_MARKER: &str = "@message";
const ORDER_MARKER: &str = "@order";
/// The prefix of the vendor's order numbers, which versions 9 to 12 packed as digits.
const ORDER_PREFIX: &str = "OPERATIONCHECK";

/// An OrderNumber as versions 9 to 12 wrote it: its digits packed two to a byte, or text.
struct StoredOrder(String);

impl FromSql for StoredOrder {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Blob(packed) => {
                let digits = crate::secrets::hex(packed, crate::secrets::HEX_LOWER);
                Ok(StoredOrder(format!("{ORDER_PREFIX}{digits}")))
            }
            ValueRef::Text(_) => String::column_result(value).map(StoredOrder),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}

/// One call row of version 12.
struct OldCall {
    id: i64,
    run_id: Option<i64>,
    key_id: Option<i64>,
    at: i64,
    search_key: String,
    page: i64,
    http_status: Option<i64>,
    vendor_status: Option<String>,
    message: Option<String>,
    order_number: Option<StoredOrder>,
    latency_ms: i64,
    body: Option<String>,
    shape: Option<String>,
    reached: bool,
    screening_id: Option<i64>,
}

/// Version 13: `calls` rebuilt with each body as bytes, `bodies` and `pending_pages` dropped.
pub(super) fn migrate_to_evidence(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(include_str!("../../migrations/0013_evidence.sql"))?;
    let mut old = tx.prepare(
        "SELECT c.id, c.run_id, c.key_id, c.at, c.search_key, c.page, c.http_status,
           c.vendor_status, c.message, c.order_number, c.latency_ms, c.body, b.text, c.reached,
           c.screening_id
         FROM calls_v12 c LEFT JOIN bodies b ON b.id = c.body_id ORDER BY c.id",
    )?;
    let mut rows = old.query([])?;
    while let Some(r) = rows.next()? {
        let call = OldCall {
            id: r.get(0)?,
            run_id: r.get(1)?,
            key_id: r.get(2)?,
            at: r.get(3)?,
            search_key: r.get(4)?,
            page: r.get(5)?,
            http_status: r.get(6)?,
            vendor_status: r.get(7)?,
            message: r.get(8)?,
            order_number: r.get(9)?,
            latency_ms: r.get(10)?,
            body: r.get(11)?,
            shape: r.get(12)?,
            reached: r.get(13)?,
            screening_id: r.get(14)?,
        };
        convert(tx, call)?;
    }
    drop(rows);
    drop(old);
    // Versions before 13 stored a screening's standard message as NULL; NULL means the message
    // of the call that brought it now, so the text goes in.
    let codes: Vec<String> = tx
        .prepare(
            "SELECT DISTINCT status FROM screenings WHERE message IS NULL AND status IS NOT NULL",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for code in codes {
        tx.execute(
            "UPDATE screenings SET message = ?2 WHERE message IS NULL AND status = ?1",
            rusqlite::params![code, crate::qcc::status::vendor_message(&code)],
        )?;
    }
    tx.execute_batch(
        "DROP TABLE calls_v12;
         DROP TABLE pending_pages;
         DROP TABLE bodies;
         CREATE INDEX calls_unlinked ON calls(key_id) WHERE screening_id IS NULL;",
    )
}

/// One call written again: its body restored as version 12 read it, then packed.
fn convert(tx: &Transaction<'_>, mut call: OldCall) -> rusqlite::Result<()> {
    // A message stored as NULL was the vendor's standard text for the call's status.
    let message = call.message.take().or_else(|| {
        call.vendor_status
            .as_deref()
            .map(|c| crate::qcc::status::vendor_message(c).to_string())
    });
    let order = call.order_number.take().map(|o| o.0);
    let body = restore_body(
        tx,
        &call,
        call.body.as_deref(),
        message.as_deref(),
        order.as_deref(),
    )?;
    // An order number the call's row held without the body it came in stays in its column.
    let order_alone = order.filter(|_| body.is_none());
    insert_row(
        tx,
        &CallRow {
            id: Some(call.id),
            run_id: call.run_id,
            key_id: call.key_id,
            at: call.at,
            search_key: &call.search_key,
            page: call.page,
            http_status: call.http_status,
            vendor_status: call.vendor_status.as_deref(),
            message: message.as_deref(),
            latency_ms: call.latency_ms,
            body: body.as_deref().map(str::as_bytes),
            reached: call.reached,
            screening_id: call.screening_id,
        },
    )?;
    if let Some(order) = order_alone {
        tx.execute(
            "UPDATE calls SET order_number = ?2 WHERE id = ?1",
            rusqlite::params![call.id, order],
        )?;
    }
    Ok(())
}

/// A call's body as version 12 gave it back: whole, or its shape filled from the row, with a
/// 200's records put back from the page's own copy or from the screening it led to.
fn restore_body(
    tx: &Transaction<'_>,
    call: &OldCall,
    whole: Option<&str>,
    message: Option<&str>,
    order: Option<&str>,
) -> rusqlite::Result<Option<String>> {
    let body = match (whole, &call.shape) {
        (Some(body), _) => body.to_string(),
        (None, Some(shape)) => {
            let env = [
                ("Status", call.vendor_status.as_deref(), STATUS_MARKER),
                ("Message", message, MESSAGE_MARKER),
                ("OrderNumber", order, ORDER_MARKER),
            ];
            fill(shape, &env).unwrap_or_else(|| shape.clone())
        }
        (None, None) => return Ok(None),
    };
    if !body.contains(DATA_MARKER) {
        return Ok(Some(body));
    }
    let own: Option<String> = tx
        .prepare_cached("SELECT records FROM pending_pages WHERE call_id=?1")?
        .query_row([call.id], |r| r.get(0))
        .optional()?;
    if let Some(own) = own.and_then(|o| serde_json::from_str::<Vec<Box<RawValue>>>(&o).ok()) {
        return Ok(restore(&body, &own).or(Some(body)));
    }
    let Some(sid) = call.screening_id else {
        return Ok(Some(body));
    };
    let all = super::queries::records_raw(tx, sid)?;
    let page_records = page_slice(&body, call.page, &all).unwrap_or(&[]);
    Ok(restore(&body, page_records).or(Some(body)))
}

/// The body a template stands for, given the values of its call's row.
fn fill(template: &str, env: &[(&str, Option<&str>, &str)]) -> Option<String> {
    let mut v: Value = serde_json::from_str(template).ok()?;
    let o = v.as_object_mut()?;
    for (field, value, marker) in env {
        if o.get(*field).and_then(Value::as_str) == Some(*marker) {
            o.insert(field.to_string(), Value::String((*value)?.to_string()));
        }
    }
    Some(v.to_string())
}

/// The records of page `page` of an answer, by the page size the body's `Paging` states.
fn page_slice<'a, T>(body: &str, page: i64, records: &'a [T]) -> Option<&'a [T]> {
    let v: Value = serde_json::from_str(body).ok()?;
    let size = v.get("Paging")?.get("PageSize")?.as_u64()? as usize;
    let start = (page.max(1) as usize - 1).checked_mul(size)?;
    records.get(start..(start + size).min(records.len()))
}

/// A stored body with the records of its page put back where the marker stands (stored bodies
/// were compact JSON, where the marker can only be `Data`'s value).
fn restore(stored: &str, records: &[impl std::fmt::Display]) -> Option<String> {
    use std::fmt::Write;
    let marker = format!("\"Data\":\"{DATA_MARKER}\"");
    let at = stored.find(&marker)?;
    let mut out = String::with_capacity(stored.len() + 512 * records.len());
    out.push_str(&stored[..at]);
    out.push_str("\"Data\":[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write!(out, "{r}").ok()?;
    }
    out.push(']');
    out.push_str(&stored[at + marker.len()..]);
    Some(out)
}
