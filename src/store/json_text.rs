//! JSON as it was written: an object's members with their values as raw text, and arrays
//! written from their items' texts. Bodies and records are compared and rebuilt as text, so that
//! what is stored gives back exactly what the vendor sent.

use serde_json::value::RawValue;

/// An object's members in order: each name (one without escapes) and its value as written.
pub(super) struct Members<'a>(pub(super) Vec<(&'a str, &'a RawValue)>);

impl<'a> Members<'a> {
    /// The members of `text`, when it is an object written without whitespace between them
    /// (written again from its members, it is the same text).
    pub(super) fn compact(text: &'a str) -> Option<Members<'a>> {
        let m: Members<'a> = serde_json::from_str(text).ok()?;
        let len = 2
            + m.0.len().saturating_sub(1)
            + m.0
                .iter()
                .map(|(k, v)| k.len() + 3 + v.get().len())
                .sum::<usize>();
        (len == text.len()).then_some(m)
    }

    pub(super) fn get(&self, name: &str) -> Option<&'a RawValue> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

impl<'de: 'a, 'a> serde::Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut map: M,
            ) -> Result<Self::Value, M::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry::<&'de str, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// `text` is the JSON array of `records` as written, without spaces between them.
pub(super) fn is_array_of(text: &str, records: &[&str]) -> bool {
    let Some(mut rest) = text.strip_prefix('[') else {
        return false;
    };
    for (i, r) in records.iter().enumerate() {
        let item = if i == 0 {
            Some(rest)
        } else {
            rest.strip_prefix(',')
        };
        match item.and_then(|x| x.strip_prefix(r)) {
            Some(x) => rest = x,
            None => return false,
        }
    }
    rest == "]"
}

/// `{"name":value,...}` from names (without escapes) and values as written.
pub(super) fn write_object<'v>(members: impl Iterator<Item = (&'v str, &'v str)>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in members.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
        out.push_str(v);
    }
    out.push('}');
    out
}

/// The JSON array of records given by their texts.
pub(super) fn array_text(records: &[&str]) -> String {
    let mut out = String::with_capacity(2 + records.iter().map(|r| r.len() + 1).sum::<usize>());
    out.push('[');
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(r);
    }
    out.push(']');
    out
}
