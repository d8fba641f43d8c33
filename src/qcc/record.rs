//! The vendor's record (`Result.Data[]`) and punishment (`PunishList[]`) fields: their names in
//! one place, and tolerant accessors on a record's value. A record travels from the client to
//! the writer as its JSON text ([`super::RawRecord`]), so that what is stored and exported is
//! exactly what the vendor sent; these names are how the rest of the crate reads it.

use std::borrow::Cow;

use serde_json::Value;

/// Field names of a customs registration record, as the vendor spells them.
pub mod fields {
    pub const ID: &str = "Id";
    pub const REG_GOV: &str = "RegGov";
    pub const TRADE_TYPE: &str = "TradeType";
    pub const REG_DATE: &str = "RegDate";
    pub const REG_NO: &str = "RegNo";
    pub const ADMIN_AREA: &str = "AdminArea";
    pub const ECONO_AREA: &str = "EconoArea";
    pub const SPECIAL_AREA: &str = "SpecialArea";
    pub const CANCEL_FLAG: &str = "CancelFlag";
    pub const ANNUAL_STATUS: &str = "AnnualStatus";
    pub const VALIDITY_DATE: &str = "ValidityDate";
    pub const INDUSTRY_TYPE: &str = "IndustryType";
    pub const EBUSINESS_TYPE: &str = "EBusinessType";
    pub const IDENTIFY_DATE: &str = "IdentifyDate";
    pub const IDENTIFY_LEVEL: &str = "IdentifyLevel";
    pub const IDENTIFY_CODE: &str = "IdentifyCode";
    pub const PUNISH_LIST: &str = "PunishList";

    /// Field names of a punishment.
    pub const NO: &str = "No";
    pub const DECISION_NO: &str = "DecisionNo";
    pub const PARTY: &str = "Party";
    pub const PUNISH_DATE: &str = "PunishDate";
    pub const CASE_PROP: &str = "CaseProp";
}

/// The record's scalar fields in the vendor document's order (`PunishList` apart).
pub const RECORD_FIELDS: [&str; 16] = [
    fields::ID,
    fields::REG_GOV,
    fields::TRADE_TYPE,
    fields::REG_DATE,
    fields::REG_NO,
    fields::ADMIN_AREA,
    fields::ECONO_AREA,
    fields::SPECIAL_AREA,
    fields::CANCEL_FLAG,
    fields::ANNUAL_STATUS,
    fields::VALIDITY_DATE,
    fields::INDUSTRY_TYPE,
    fields::EBUSINESS_TYPE,
    fields::IDENTIFY_DATE,
    fields::IDENTIFY_LEVEL,
    fields::IDENTIFY_CODE,
];

/// A punishment's fields in the vendor document's order.
pub const PUNISHMENT_FIELDS: [&str; 5] = [
    fields::NO,
    fields::DECISION_NO,
    fields::PARTY,
    fields::PUNISH_DATE,
    fields::CASE_PROP,
];

/// A string field of a record (`Value`), tolerating absence, null and numbers. An object or
/// array is no field's value: none (a level that cannot be read is flagged, never guessed).
pub fn field<'a>(record: &'a Value, name: &str) -> Option<Cow<'a, str>> {
    match record.get(name)? {
        Value::String(s) => Some(Cow::Borrowed(s.as_str())),
        Value::Null | Value::Object(_) | Value::Array(_) => None,
        other => Some(Cow::Owned(other.to_string())),
    }
}

/// A field as owned text, empty when absent.
pub fn text(record: &Value, name: &str) -> String {
    field(record, name).unwrap_or_default().into_owned()
}

/// The punishments of a record (`PunishList`), tolerating absence and null.
pub fn punishments(record: &Value) -> &[Value] {
    match record.get(fields::PUNISH_LIST) {
        Some(Value::Array(v)) => v,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_missing_null_and_numbers() {
        let r: Value =
            serde_json::from_str(r#"{"RegNo":123,"ValidityDate":"","PunishList":null}"#).unwrap();
        assert_eq!(field(&r, "RegNo").as_deref(), Some("123"));
        assert_eq!(field(&r, "ValidityDate").as_deref(), Some(""));
        assert_eq!(text(&r, "Id"), "");
        assert!(punishments(&r).is_empty());
    }
}
