//! The response envelope, tolerant by design: `Status` as string or number, `Paging`/`Result`
//! missing or null, empty strings, unknown fields. Records stay their JSON text as received
//! ([`RawRecord`]): what is stored and exported is exactly what the vendor sent, and they are
//! read once, by the writer.

use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::RawRecord;

/// `{"Status","Message","OrderNumber","Paging","Result"}`.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub status: Option<String>,
    pub message: Option<String>,
    pub order_number: Option<String>,
    pub paging: Option<Paging>,
    pub result: Option<ResultBody>,
}

#[derive(Debug, Clone, Default)]
pub struct Paging {
    pub page_size: Option<u64>,
    pub page_index: Option<u64>,
    pub total_records: Option<u64>,
}

#[derive(Debug, Clone, Default)]
pub struct ResultBody {
    pub verify_result: Option<u64>,
    pub data: Vec<RawRecord>,
}

/// The three objects are read member by member: a member named twice (valid JSON, which a
/// derived struct refuses as a duplicate field) keeps its last value, as `JSON.parse` does, so a
/// well-formed answer is never refused and bought again for a repeated `Status`.
macro_rules! members {
    ($ty:ident, $what:literal, { $($name:literal => $field:ident : $wrap:ty),* $(,)? }) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Members;
                impl<'de> Visitor<'de> for Members {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<$ty, A::Error> {
                        let mut out = $ty::default();
                        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                            match name.as_ref() {
                                $($name => out.$field = map.next_value::<$wrap>()?.0,)*
                                _ => {
                                    map.next_value::<IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(out)
                    }
                }
                d.deserialize_map(Members)
            }
        }
    };
}

members!(Envelope, "the vendor's response object", {
    "Status" => status: Text,
    "Message" => message: Text,
    "OrderNumber" => order_number: Text,
    "Paging" => paging: Nullable<Paging>,
    "Result" => result: Nullable<ResultBody>,
});

members!(Paging, "the Paging object", {
    "PageSize" => page_size: Count,
    "PageIndex" => page_index: Count,
    "TotalRecords" => total_records: Count,
});

members!(ResultBody, "the Result object", {
    "VerifyResult" => verify_result: Count,
    "Data" => data: Records,
});

/// A string, number or boolean as text; anything else is none.
struct Text(Option<String>);
/// A count as a number or a numeric string; anything else is none.
struct Count(Option<u64>);
/// `Data`'s records, as written.
struct Records(Vec<RawRecord>);
/// An object or null.
struct Nullable<T>(Option<T>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_string(d).map(Text)
    }
}

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_u64(d).map(Count)
    }
}

impl<'de> Deserialize<'de> for Records {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient_vec(d).map(Records)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Nullable<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(Nullable)
    }
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

/// `Data`: the array's records as written, or none when it is not an array. One pass over the
/// text, one allocation per record.
fn lenient_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RawRecord>, D::Error> {
    struct Records;
    impl<'de> Visitor<'de> for Records {
        type Value = Vec<RawRecord>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an array of records")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(rec) = seq.next_element::<RawRecord>()? {
                out.push(rec);
            }
            Ok(out)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(Vec::new())
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(Records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_named_twice_keeps_its_last_value() {
        let e: Envelope = serde_json::from_str(
            r#"{"Status":"500","Status":"200","Paging":{"TotalRecords":1,"TotalRecords":"2"},"Result":{"Data":[],"Data":[{"A":"1"}]}}"#,
        )
        .unwrap();
        assert_eq!(e.status.as_deref(), Some("200"));
        assert_eq!(e.paging.unwrap().total_records, Some(2));
        assert_eq!(e.result.unwrap().data.len(), 1);
    }

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
        // Records stay as written; a Data that is not an array holds none.
        let e: Envelope = serde_json::from_str(
            r#"{"Status":"200","Result":{"Data":[{"RegNo": "1"},{"A":[1,{"b":null}]}]}}"#,
        )
        .unwrap();
        let result = e.result.unwrap();
        let data: Vec<&str> = result.data.iter().map(|r| r.get()).collect();
        assert_eq!(data, [r#"{"RegNo": "1"}"#, r#"{"A":[1,{"b":null}]}"#]);
        for odd in [r#"{"a":[1]}"#, r#""x""#, "1", "1.5", "true", "null"] {
            let e: Envelope =
                serde_json::from_str(&format!(r#"{{"Status":"200","Result":{{"Data":{odd}}}}}"#))
                    .unwrap();
            assert!(e.result.unwrap().data.is_empty(), "{odd}");
        }
    }
}
