//! The vendor's records and punishments on the evidence page, field by field as the vendor wrote
//! them: the documented fields as columns (with what people call them and the vendor's name),
//! every other field in one cell, a record the parser refused as its text.

use std::fmt::Write as _;

use serde_json::Value;

use super::{heading, none};
use crate::report::html::{esc, td, td_nw};
use crate::view::Lang;
use crate::view::lang::{Label, labels};

/// The record fields that do not wrap.
const NO_WRAP: [&str; 3] = ["RegNo", "RegDate", "IdentifyDate"];

/// A vendor value as it reads: text as written, anything else as its JSON.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The fields of an object not shown as columns, `Name: value`, empty values left out.
fn other_fields(obj: &serde_json::Map<String, Value>, shown: &[&str]) -> String {
    obj.iter()
        .filter(|(k, _)| !shown.contains(&k.as_str()) && k.as_str() != "PunishList")
        .map(|(k, v)| (k, value_text(v)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A header cell with the label people read and the vendor's field name under it.
fn field_head(h: &mut String, l: Lang, fields: &[(&str, Label)]) {
    h.push_str("<tr>");
    for (name, label) in fields {
        let _ = write!(
            h,
            "<th>{}<br><small>{}</small></th>",
            esc(l.of(*label)),
            esc(name)
        );
    }
    let _ = write!(
        h,
        "<th>{}</th></tr>",
        esc(l.of(labels::EVIDENCE_OTHER_FIELDS))
    );
}

/// The current answer's records, field by field as the vendor wrote them.
pub(super) fn registrations(h: &mut String, records: &[Value], l: Lang) {
    heading(h, l, labels::EVIDENCE_REGISTRATIONS);
    if records.is_empty() {
        return none(h, l);
    }
    let fields = labels::VENDOR_RECORD_FIELDS;
    let shown: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    h.push_str("<table>");
    field_head(h, l, &fields);
    for r in records {
        h.push_str("<tr>");
        match r.as_object() {
            Some(obj) => {
                for name in &shown {
                    let v = obj.get(*name).map(value_text).unwrap_or_default();
                    // Codes and dates read whole on one line.
                    if NO_WRAP.contains(name) {
                        td_nw(h, &v);
                    } else {
                        td(h, &v, false);
                    }
                }
                td(h, &other_fields(obj, &shown), false);
            }
            // A record the parser refused: its text as stored, whole.
            None => {
                let _ = write!(
                    h,
                    "<td colspan=\"{}\"><code>{}</code></td>",
                    shown.len() + 1,
                    esc(&value_text(r))
                );
            }
        }
        h.push_str("</tr>");
    }
    h.push_str("</table>");
}

/// Every punishment of the current answer, with the registration it was filed under.
pub(super) fn punishments(h: &mut String, records: &[Value], l: Lang) {
    heading(h, l, labels::EVIDENCE_PUNISHMENTS);
    let fields = labels::VENDOR_PUNISHMENT_FIELDS;
    let shown: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    let mut rows = String::new();
    for r in records.iter().filter_map(Value::as_object) {
        let reg = r.get("RegNo").map(value_text).unwrap_or_default();
        let list = r.get("PunishList").and_then(Value::as_array);
        for p in list.into_iter().flatten().filter_map(Value::as_object) {
            rows.push_str("<tr>");
            td_nw(&mut rows, &reg);
            for name in &shown {
                td(
                    &mut rows,
                    &p.get(*name).map(value_text).unwrap_or_default(),
                    false,
                );
            }
            td(&mut rows, &other_fields(p, &shown), false);
            rows.push_str("</tr>");
        }
    }
    if rows.is_empty() {
        return none(h, l);
    }
    h.push_str("<table><tr>");
    let _ = write!(
        h,
        "<th>{}<br><small>RegNo</small></th>",
        esc(l.of(labels::VENDOR_RECORD_FIELDS[0].1))
    );
    let mut head = String::new();
    field_head(&mut head, l, &fields);
    h.push_str(head.trim_start_matches("<tr>"));
    h.push_str(&rows);
    h.push_str("</table>");
}
