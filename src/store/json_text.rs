//! JSON as it was written: an object's members with their values as raw text, and arrays
//! written from their items' texts. Bodies and records are compared and rebuilt as text, so that
//! what is stored gives back exactly what the vendor sent.

/// An object's members in order: each name (one without escapes) and its value as written.
pub(super) struct Members<'a>(pub(super) Vec<(&'a str, &'a str)>);

impl<'a> Members<'a> {
    /// The members of `text`, when it is an object written without whitespace between them
    /// (written again from its members, it is the same text).
    ///
    /// Read by a scanner that finds where each value ends (strings with their escapes, nested
    /// objects and arrays by depth) without checking what is inside: every caller either
    /// compares a value with text known to be JSON, or parses what it keeps, so a value that is
    /// not JSON is refused there. A body's records are skipped over, not parsed, twice a call.
    pub(super) fn compact(text: &'a str) -> Option<Members<'a>> {
        let mut rest = text.strip_prefix('{')?;
        let mut members = Vec::new();
        if let Some(after) = rest.strip_prefix('}') {
            return after.is_empty().then_some(Members(members));
        }
        loop {
            let after_quote = rest.strip_prefix('"')?;
            let (name, after) = plain_string(after_quote)?;
            rest = after.strip_prefix(':')?;
            let len = value_len(rest.as_bytes())?;
            members.push((name, &rest[..len]));
            rest = &rest[len..];
            if let Some(after) = rest.strip_prefix(',') {
                rest = after;
            } else {
                let after = rest.strip_prefix('}')?;
                return after.is_empty().then_some(Members(members));
            }
        }
    }

    pub(super) fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(k, _)| *k == name).map(|(_, v)| *v)
    }
}

/// The length of the JSON value `text` starts with: a string to its closing quote, an object or
/// array to the bracket that closes it, anything else (number, `true`, `false`, `null`) to the
/// next `,` `}` or `]`. `None` when it does not end.
fn value_len(text: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = 0;
    loop {
        match *text.get(i)? {
            b'"' => {
                i = string_end(text, i + 1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth > 1 => depth -= 1,
            b'}' | b']' if depth == 1 => return Some(i + 1),
            b',' | b'}' | b']' if depth == 0 => return (i > 0).then_some(i),
            _ => {}
        }
        i += 1;
    }
}

/// A string's content written without escapes, and what follows its closing quote, for `text`
/// starting just after the opening quote. `None` when an escape comes before the closing quote.
pub(super) fn plain_string(text: &str) -> Option<(&str, &str)> {
    let end = memchr::memchr2(b'"', b'\\', text.as_bytes())?;
    (text.as_bytes()[end] == b'"').then(|| (&text[..end], &text[end + 1..]))
}

/// The index of the quote that closes a string whose first byte (after its opening quote) is at
/// `start`.
pub(super) fn string_end(text: &[u8], start: usize) -> Option<usize> {
    let mut i = start;
    loop {
        i += memchr::memchr2(b'"', b'\\', text.get(i..)?)?;
        if text[i] == b'"' {
            return Some(i);
        }
        i += 2;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// Any JSON value, strings with quotes, backslashes, brackets and CJK in them.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            r#"[a\\"{}\[\],:海关 ]{0,12}"#.prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((r#"[a\\"{}:海]{0,6}"#, inner), 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// An object written compactly is read as its members, each value as written, names
        /// repeated or not.
        #[test]
        fn a_compact_object_gives_its_members(
            members in prop::collection::vec(("[a-zA-Z@海关 ]{0,8}", json()), 0..8)
        ) {
            let written: Vec<(String, String)> =
                members.iter().map(|(k, v)| (k.clone(), v.to_string())).collect();
            let text = write_object(written.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            let read = Members::compact(&text);
            prop_assert!(read.is_some(), "{}", text);
            let read: Vec<(String, String)> = read
                .map(|m| m.0.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
                .unwrap_or_default();
            prop_assert_eq!(read, written);
        }

        /// Any text: read or refused, never a panic, and what is read gives the text back.
        #[test]
        fn any_text_is_read_back_exactly_or_refused(tail in r#"[a1\\"{}\[\],: é]{0,40}"#) {
            let text = format!("{{{tail}");
            if let Some(m) = Members::compact(&text) {
                prop_assert_eq!(write_object(m.0.iter().copied()), text);
            }
        }
    }

    #[test]
    fn space_between_members_or_an_escaped_name_is_refused() {
        assert!(Members::compact(r#"{"a":1,"b":[1,{"c":"}"}]}"#).is_some());
        for text in [
            r#"{"a":1, "b":2}"#,
            r#"{"a" :1}"#,
            r#"{"a\"b":1}"#,
            r#"{"a":1}x"#,
            r#"{"a":}"#,
            r#"{"a":"open}"#,
            r#"{"a":[1,2}"#,
            "",
            "[]",
        ] {
            assert!(Members::compact(text).is_none(), "{text}");
        }
        assert_eq!(Members::compact("{}").map(|m| m.0.len()), Some(0));
    }
}
