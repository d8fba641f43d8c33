//! The response envelope, tolerant by design: `Status` as string or number, `Paging`/`Result`
//! missing or null, empty strings, unknown fields. Records stay `serde_json::Value` so that what
//! is stored and exported is exactly what the vendor sent.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `{"Status","Message","OrderNumber","Paging","Result"}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Envelope {
    #[serde(default, deserialize_with = "lenient_string")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    pub order_number: Option<String>,
    #[serde(default)]
    pub paging: Option<Paging>,
    #[serde(default)]
    pub result: Option<ResultBody>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Paging {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub page_index: Option<u64>,
    #[serde(default, deserialize_with = "lenient_u64")]
    pub total_records: Option<u64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResultBody {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub verify_result: Option<u64>,
    #[serde(default, deserialize_with = "lenient_vec")]
    pub data: Vec<Value>,
}

fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    })
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Value>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(v) => v,
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_missing_null_numbers_and_extras() {
        let e: Envelope = serde_json::from_str(
            r#"{"Status":200,"Message":null,"Paging":null,"Result":{"VerifyResult":"1","Data":null,"New":1},"X":[]}"#,
        )
        .unwrap();
        assert_eq!(e.status.as_deref(), Some("200"));
        assert!(e.paging.is_none());
        assert_eq!(e.result.unwrap().verify_result, Some(1));
        let e: Envelope = serde_json::from_str(r#"{"Status":"116","Message":"x"}"#).unwrap();
        assert!(e.result.is_none());
    }
}
