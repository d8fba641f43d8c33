//! A call's body stored once per shape: the envelope with the values its own row already holds
//! (`Status`, `Message`, `OrderNumber`) and, for a 200, the page's records
//! ([`super::records::DATA_MARKER`]) replaced by markers. Nearly every call of a run has one of a
//! handful of shapes ("200, page 1 of 1, VerifyResult 1"), kept in `bodies` and referenced from
//! `calls.body_id`; [`fill`] gives the body back byte for byte from the call's row. A body that
//! would not come back exactly stays whole in `calls.body`.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSqlOutput, ValueRef};
use rusqlite::{OptionalExtension, ToSql, Transaction, params};
use std::borrow::Cow;

use serde_json::Value;

use super::json_text::{Members, is_array_of, write_object};
use super::records::DATA_MARKER;

const STATUS_MARKER: &str = "@status";
const MESSAGE_MARKER: &str = "@message";
const ORDER_MARKER: &str = "@order";

/// The values of a call's row that its body repeats.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    pub status: Option<&'a str>,
    pub message: Option<&'a str>,
    pub order_number: Option<&'a str>,
}

/// The prefix of the vendor's order numbers (`OPERATIONCHECK2022060709324766684283`).
const ORDER_PREFIX: &str = "OPERATIONCHECK";

/// An OrderNumber as written to `calls.order_number`: in the vendor's form (the prefix and an
/// even number of digits, 36 characters) as its digits packed two to a byte, 11 bytes, which
/// `'OPERATIONCHECK' || hex(order_number)` reads back in sqlite3; anything else as text.
pub struct OrderNumber<'a>(pub &'a str);

impl ToSql for OrderNumber<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match pack_digits(self.0) {
            Some(packed) => ToSqlOutput::from(packed),
            None => ToSqlOutput::from(self.0),
        })
    }
}

fn pack_digits(order: &str) -> Option<Vec<u8>> {
    let digits = order.strip_prefix(ORDER_PREFIX)?.as_bytes();
    if digits.is_empty() || digits.len() % 2 != 0 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        digits
            .chunks_exact(2)
            .map(|d| ((d[0] - b'0') << 4) | (d[1] - b'0'))
            .collect(),
    )
}

/// An OrderNumber read back from `calls.order_number`, packed or as text.
pub struct StoredOrder(pub String);

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

/// What a body's `Result.Data` holds when its shape is taken.
#[derive(Debug, Clone, Copy)]
pub enum Data<'a> {
    /// No records (any answer but a 200): a marker there would not come back, so no shape.
    None,
    /// A 200's raw page: page number and the answer's records (their canonical texts); elided
    /// when the page's `Data` is exactly their slice.
    Page(i64, &'a [&'a str]),
    /// A 200 page that is not the answer's last: its own records, known to be the answer's
    /// slice for its page (every page before it was full, and so is it), so it is shaped
    /// before the answer comes.
    Aligned(&'a [&'a str]),
    /// Already elided into [`DATA_MARKER`] (a body stored before shapes).
    Elided,
}

/// The shape of `body`: its envelope values and records replaced by markers, when the call's
/// row and records give the body back exactly.
///
/// The body is read as members and raw values ([`Members`]), without building its records
/// again: the page's `Data` is compared as text with the records written out, and only the small
/// shape that remains goes through a parse, which must give it back byte for byte (as
/// [`fill`] and [`super::records::restore`] will write it).
pub fn template(body: &str, env: &Envelope<'_>, data: Data<'_>) -> Option<String> {
    let top = Members::compact(body)?;
    let mut shape: Vec<(&str, Cow<'_, str>)> =
        top.0.iter().map(|(k, v)| (*k, Cow::Borrowed(*v))).collect();
    let result = top.get("Result").and_then(Members::compact);
    let slot = result.as_ref().and_then(|r| r.get("Data"));
    let records = match (data, slot) {
        (Data::Page(page, all), Some(_)) => {
            let paging = Members::compact(top.get("Paging")?)?;
            let size: usize = paging.get("PageSize")?.parse().ok()?;
            let start = (page.max(1) as usize - 1).checked_mul(size)?;
            Some(all.get(start..(start + size).min(all.len()))?)
        }
        (Data::Aligned(own), Some(_)) => Some(own),
        (Data::Page(..) | Data::Aligned(_), None) => return None,
        (Data::Elided, Some(slot)) if slot == DATA_JSON => None,
        (Data::Elided, _) => return None,
        (Data::None, Some(slot)) if slot == DATA_JSON => return None,
        (Data::None, _) => None,
    };
    if let (Some(want), Some(slot), Some(result)) = (records, slot, &result) {
        if !is_array_of(slot, want) {
            return None;
        }
        let members = result
            .0
            .iter()
            .map(|(k, v)| (*k, if *k == "Data" { DATA_JSON } else { *v }));
        let elided = write_object(members);
        if let Some((_, v)) = shape.iter_mut().find(|(k, _)| *k == "Result") {
            *v = Cow::Owned(elided);
        }
    }
    let mut swapped = false;
    for (field, value, marker) in [
        ("Status", env.status, STATUS_MARKER),
        ("Message", env.message, MESSAGE_MARKER),
        ("OrderNumber", env.order_number, ORDER_MARKER),
    ] {
        let Some((_, have)) = shape.iter_mut().find(|(k, _)| *k == field) else {
            continue;
        };
        let marker = Value::String(marker.to_string()).to_string();
        if value.and_then(|v| serde_json::to_string(v).ok()).as_deref() == Some(&**have) {
            *have = Cow::Owned(marker);
            swapped = true;
        } else if **have == marker {
            // A body whose own text is a marker cannot be told apart.
            return None;
        }
    }
    // A body nothing was replaced in is unique to its call: sharing it would store it twice.
    if !swapped && matches!(data, Data::None) {
        return None;
    }
    let t = write_object(shape.iter().map(|(k, v)| (*k, &**v)));
    comes_back(&t).then_some(t)
}

/// What a shape holds besides the markers (paging, flags, any other field) must come back as
/// written: compact, no repeated member, numbers and escapes as a parse writes them. A run's
/// calls share a handful of shapes, so the answer is remembered for the last few hundred.
fn comes_back(shape: &str) -> bool {
    use std::cell::RefCell;
    use std::collections::HashSet;
    const REMEMBERED: usize = 256;
    thread_local! {
        static SEEN: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    }
    if SEEN.with(|seen| seen.borrow().contains(shape)) {
        return true;
    }
    // (Compared as text: a `Value` compared with a string would compare a JSON string.)
    let written: Option<String> = serde_json::from_str::<Value>(shape)
        .ok()
        .map(|v| v.to_string());
    let ok = written.as_deref() == Some(shape);
    if ok {
        SEEN.with(|seen| {
            let mut seen = seen.borrow_mut();
            if seen.len() >= REMEMBERED {
                seen.clear();
            }
            seen.insert(shape.to_string());
        });
    }
    ok
}

/// [`DATA_MARKER`] as a JSON string.
const DATA_JSON: &str = "\"@records\"";

/// The body a template stands for, given its call's row.
pub fn fill(template: &str, env: &Envelope<'_>) -> Option<String> {
    let mut v: Value = serde_json::from_str(template).ok()?;
    let o = v.as_object_mut()?;
    for (field, value, marker) in [
        ("Status", env.status, STATUS_MARKER),
        ("Message", env.message, MESSAGE_MARKER),
        ("OrderNumber", env.order_number, ORDER_MARKER),
    ] {
        if o.get(field).and_then(Value::as_str) == Some(marker) {
            o.insert(field.to_string(), Value::String(value?.to_string()));
        }
    }
    Some(v.to_string())
}

/// The id of a shape in `bodies`, added when new.
pub fn intern(tx: &Transaction<'_>, template: &str) -> rusqlite::Result<i64> {
    if let Some(id) = tx
        .prepare_cached("SELECT id FROM bodies WHERE text=?1")?
        .query_row([template], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    tx.prepare_cached("INSERT INTO bodies(text) VALUES (?1)")?
        .execute([template])?;
    Ok(tx.last_insert_rowid())
}

/// Migration to version 7: every stored body that a shape gives back exactly becomes a reference.
pub fn migrate_bodies(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    type Row = (
        i64,
        String,
        Option<String>,
        Option<String>,
        Option<StoredOrder>,
    );
    let rows: Vec<Row> = tx
        .prepare(
            "SELECT id, body, vendor_status, message, order_number FROM calls
             WHERE body IS NOT NULL",
        )?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut set = tx.prepare("UPDATE calls SET body=NULL, body_id=?2 WHERE id=?1")?;
    for (id, body, status, message, order) in rows {
        let env = Envelope {
            status: status.as_deref(),
            message: message.as_deref(),
            order_number: order.as_ref().map(|o| o.0.as_str()),
        };
        let data = if body.contains(DATA_MARKER) {
            Data::Elided
        } else {
            Data::None
        };
        if let Some(t) = template(&body, &env, data) {
            set.execute(params![id, intern(tx, &t)?])?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: Envelope<'static> = Envelope {
        status: Some("200"),
        message: Some("【有效请求】查询成功"),
        order_number: Some("OPERATIONCHECK2026113015535100000000"),
    };

    #[test]
    fn a_shape_gives_the_body_back_exactly() {
        let body = r#"{"Status":"200","Message":"【有效请求】查询成功","OrderNumber":"OPERATIONCHECK2026113015535100000000","Paging":{"PageSize":20,"PageIndex":1,"TotalRecords":1},"Result":{"VerifyResult":1,"Data":"@records"}}"#;
        let t = template(body, &ENV, Data::Elided).unwrap();
        assert_eq!(
            t,
            r#"{"Status":"@status","Message":"@message","OrderNumber":"@order","Paging":{"PageSize":20,"PageIndex":1,"TotalRecords":1},"Result":{"VerifyResult":1,"Data":"@records"}}"#
        );
        assert_eq!(fill(&t, &ENV).unwrap(), body);
        // Another call's row fills the same shape with its own order number.
        let other = Envelope {
            order_number: Some("OPERATIONCHECK2026113015535100000001"),
            ..ENV
        };
        assert_eq!(
            fill(&t, &other).unwrap(),
            body.replace("100000000", "100000001")
        );
    }

    #[test]
    fn a_raw_page_is_elided_only_when_it_is_the_answers_slice() {
        let recs: Vec<Value> = (0..3).map(|i| serde_json::json!({"RegNo": i})).collect();
        let body = |data: &[Value]| {
            format!(
                r#"{{"Status":"200","Message":"【有效请求】查询成功","OrderNumber":"OPERATIONCHECK2026113015535100000000","Paging":{{"PageSize":2,"PageIndex":2,"TotalRecords":3}},"Result":{{"VerifyResult":1,"Data":{}}}}}"#,
                Value::Array(data.to_vec())
            )
        };
        let texts: Vec<String> = recs.iter().map(Value::to_string).collect();
        let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
        let page2 = body(&recs[2..]);
        let t = template(&page2, &ENV, Data::Page(2, &texts)).unwrap();
        assert!(
            t.contains(r#""Data":"@records""#) && t.contains("@order"),
            "{t}"
        );
        let filled = fill(&t, &ENV).unwrap();
        assert_eq!(
            crate::store::records::restore(&filled, &recs[2..]).unwrap(),
            page2
        );
        // The page is not what the answer holds: no shape, the body stays whole.
        assert!(template(&body(&recs[..1]), &ENV, Data::Page(2, &texts)).is_none());
    }

    #[test]
    fn a_body_that_would_not_come_back_stays_whole() {
        // Not compact, not JSON, or nothing the row holds: no shape.
        assert!(template(r#"{"Status": "200"}"#, &ENV, Data::None).is_none());
        assert!(template("<html>", &ENV, Data::None).is_none());
        let differs = r#"{"Status":"201","Message":"x","OrderNumber":"o"}"#;
        assert!(template(differs, &ENV, Data::None).is_none());
        // A body whose own text is a marker cannot be told apart: kept whole.
        assert!(template(r#"{"Status":"200","Message":"@message"}"#, &ENV, Data::None).is_none());
        assert!(
            template(
                r#"{"Status":"200","Result":{"Data":"@records"}}"#,
                &ENV,
                Data::None
            )
            .is_none()
        );
    }

    #[test]
    fn the_migration_turns_stored_bodies_into_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = crate::store::Store::open(&dir.path().join("s.sqlite")).unwrap();
        let body = |n: u32| {
            format!(
                r#"{{"Status":"201","Message":"【有效请求】查询无结果","OrderNumber":"OPERATIONCHECK{n:08}"}}"#
            )
        };
        let tx = store.conn.transaction().unwrap();
        for n in 0..3 {
            tx.execute(
                "INSERT INTO calls(at, search_key, page, vendor_status, message, order_number,
                   latency_ms, body) VALUES ('2026-01-01T00:00:00Z', 'k', 1, '201', ?1, ?2, 1, ?3)",
                params![
                    "【有效请求】查询无结果",
                    format!("OPERATIONCHECK{n:08}"),
                    body(n)
                ],
            )
            .unwrap();
        }
        // One body that is not compact JSON stays whole.
        tx.execute(
            "INSERT INTO calls(at, search_key, page, vendor_status, latency_ms, body)
             VALUES ('2026-01-01T00:00:00Z', 'k', 1, '500', 1, '<html>busy</html>')",
            [],
        )
        .unwrap();
        migrate_bodies(&tx).unwrap();
        tx.commit().unwrap();
        let count = |sql: &str| -> i64 { store.conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM bodies"), 1);
        assert_eq!(count("SELECT COUNT(*) FROM calls WHERE body IS NULL"), 3);
        for n in 0..3 {
            assert_eq!(store.call_body(i64::from(n) + 1).unwrap().unwrap(), body(n));
        }
        assert_eq!(store.call_body(4).unwrap().unwrap(), "<html>busy</html>");
    }

    #[test]
    fn order_numbers_in_the_vendors_form_are_packed_and_read_back() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute("CREATE TABLE t(o TEXT)", []).unwrap();
        for o in [
            "OPERATIONCHECK2022060709324766684283",
            "OPERATIONCHECK123",
            "OPERATIONCHECK20220607093247666842x3",
            "ORDER-7",
            "",
        ] {
            c.execute("DELETE FROM t", []).unwrap();
            c.execute("INSERT INTO t VALUES (?1)", [OrderNumber(o)])
                .unwrap();
            let (back, kind, hex): (StoredOrder, String, String) = c
                .query_row("SELECT o, typeof(o), hex(o) FROM t", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
            assert_eq!(back.0, o);
            if o.len() == 36 && kind == "blob" {
                assert_eq!(format!("OPERATIONCHECK{hex}"), o, "readable in sqlite3");
            }
        }
        let kind: String = c
            .query_row(
                "SELECT typeof(?1)",
                [OrderNumber("OPERATIONCHECK2022060709324766684283")],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kind, "blob");
    }

    mod prop {
        use super::*;
        use crate::store::records::restore;
        use proptest::prelude::*;

        /// A body as a vendor (or a broken proxy) might write it: members in any order, spaces
        /// between them or not, a repeated member, escapes, numbers, a marker of our own.
        fn body() -> impl Strategy<Value = (String, bool)> {
            let sep = prop_oneof![3 => Just(""), 1 => Just(" ")];
            let message = prop_oneof![
                Just("\"【有效请求】查询成功\""),
                Just("\"\\u3010有效请求】查询成功\""),
                Just("\"@message\""),
            ];
            // (text, whether it is written as serde_json writes it)
            let documented = r#"{"Id":"1","RegGov":"营口海关","TradeType":"t","RegDate":"d","RegNo":"n","AdminArea":"","EconoArea":"e","SpecialArea":"s","CancelFlag":"c","AnnualStatus":"y","ValidityDate":"v","IndustryType":"i","EBusinessType":"b","IdentifyDate":"f","IdentifyLevel":"l","IdentifyCode":"k","PunishList":[{"No":"1","DecisionNo":"2","Party":"p","PunishDate":"q","CaseProp":"r"}]}"#;
            let data = prop_oneof![
                Just((r#"[{"RegNo":"1","PunishList":[]}]"#.to_string(), true)),
                Just((r#"[{"RegNo": "1","PunishList":[]}]"#.to_string(), false)),
                Just((r#"[{"RegNo":"1.0","N":1.0}]"#.to_string(), false)),
                Just((r#""@records""#.to_string(), false)),
                Just(("[]".to_string(), false)),
                Just((format!("[{documented}]"), true)),
                Just((format!("[{documented},{documented}]"), true)),
                Just((format!("[{documented}, {documented}]"), false)),
                Just((
                    format!("[{}]", documented.replace("营口", r"\u8425口")),
                    false
                )),
                Just((
                    format!("[{}]", documented.replace(r#""q""#, r#""q\"""#)),
                    true
                )),
                Just((
                    format!("[{}]", documented.replace(r#"[{"No""#, r#"[ {"No""#)),
                    false
                )),
            ];
            let paging = prop_oneof![
                Just(r#"{"PageSize":20,"PageIndex":1,"TotalRecords":1}"#),
                Just(r#"{"PageSize": 20,"PageIndex":1,"TotalRecords":1}"#),
                Just(r#"{"PageSize":2e1,"PageIndex":1,"TotalRecords":1}"#),
            ];
            (
                sep.clone(),
                sep,
                message,
                data,
                paging,
                any::<bool>(),
                any::<bool>(),
            )
                .prop_map(|(s1, s2, message, data, paging, repeat, extra)| {
                    let mut m = vec![
                        format!(r#""Status":"200""#),
                        format!(r#""Message":{message}"#),
                        format!(r#""OrderNumber":"OPERATIONCHECK2026113015535100000000""#),
                        format!(r#""Paging":{paging}"#),
                        format!(r#""Result":{{"VerifyResult":1,{s2}"Data":{}}}"#, data.0),
                    ];
                    if repeat {
                        m.push(r#""Status":"201""#.into());
                    }
                    if extra {
                        m.insert(2, r#""X":[1,{"a":null}]"#.into());
                    }
                    let plain = s1.is_empty()
                        && s2.is_empty()
                        && !repeat
                        && !message.contains("\\u")
                        && !message.contains('@')
                        && data.1
                        && !paging.contains(' ')
                        && !paging.contains('e');
                    (format!("{{{}}}", m.join(&format!(",{s1}"))), plain)
                })
        }

        proptest! {
            /// Whatever the body, a shape gives it back byte for byte; an ordinary one has one.
            #[test]
            fn a_shape_always_gives_its_body_back((body, plain) in body(), page in any::<bool>()) {
                // The records as the client receives them and the writer reads them.
                let raw: Vec<crate::qcc::RawRecord> = serde_json::from_str::<crate::qcc::Envelope>(&body)
                    .ok()
                    .and_then(|e| e.result)
                    .map(|r| r.data)
                    .unwrap_or_default();
                let readings: Vec<_> = raw.iter().map(|r| crate::store::records::read(r)).collect();
                let texts: Vec<&str> = readings.iter().map(|r| r.canonical.as_ref()).collect();
                let records: Vec<Value> =
                    texts.iter().map(|t| serde_json::from_str(t).unwrap()).collect();
                let data = if page { Data::Page(1, &texts) } else { Data::None };
                match template(&body, &ENV, data) {
                    Some(t) => {
                        let filled = fill(&t, &ENV).unwrap();
                        let back = if page { restore(&filled, &records).unwrap() } else { filled };
                        prop_assert_eq!(back, body);
                    }
                    None => prop_assert!(!plain, "an ordinary body has a shape: {}", body),
                }
            }
        }
    }
}
