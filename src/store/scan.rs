//! The documented members of a record that a JSON parser refuses as a value: a lone surrogate
//! escape (`"\udfff"`, what a truncating serializer leaves), a number out of range (`1e999`),
//! nesting deeper than the parser's limit. The text passed the envelope's parse, so it is
//! well-formed JSON lexically; only its top-level members (and `PunishList`'s objects) are read,
//! and every other value is stepped over without being built, however deep it goes. A rating is
//! never lost because another member of its record is odd.

use std::borrow::Cow;

use crate::qcc::record::{PUNISHMENT_FIELDS, RECORD_FIELDS, fields};

/// A record's columns and its punishments' columns.
pub(super) type Columns<'a> = ([Option<Cow<'a, str>>; 16], Vec<[Option<Cow<'a, str>>; 5]>);

/// The documented columns of a record's text: `None` when it is not an object.
pub(super) fn columns(text: &str) -> Option<Columns<'_>> {
    let record = members(text)?;
    let cols = RECORD_FIELDS.map(|name| scalar(last(&record, name)?));
    let puns = last(&record, fields::PUNISH_LIST)
        .and_then(elements)
        .unwrap_or_default()
        .into_iter()
        .filter_map(members)
        .map(|p| PUNISHMENT_FIELDS.map(|name| scalar(last(&p, name)?)))
        .collect();
    Some((cols, puns))
}

/// The value of the last member called `name` (a repeated name keeps its last value).
fn last<'a>(members: &[(Cow<'a, str>, &'a str)], name: &str) -> Option<&'a str> {
    members
        .iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
}

/// A member's value as a column: a string decoded, a number or boolean as written, anything else
/// none.
fn scalar(value: &str) -> Option<Cow<'_, str>> {
    match value.as_bytes().first()? {
        b'"' => Some(decode(&value[1..value.len().checked_sub(1)?])),
        b'{' | b'[' | b'n' => None,
        _ => Some(Cow::Borrowed(value)),
    }
}

/// The members of an object's text: decoded names and their values' texts.
fn members(text: &str) -> Option<Vec<(Cow<'_, str>, &str)>> {
    items(text, b'{', b'}', |s| {
        let name = s.value()?;
        s.expect(b':')?;
        Some((scalar(name)?, s.value()?))
    })
}

/// The elements of an array's text.
fn elements(text: &str) -> Option<Vec<&str>> {
    items(text, b'[', b']', Cursor::value)
}

/// The comma-separated items between `open` and `close`, each read by `item`.
fn items<'a, T>(
    text: &'a str,
    open: u8,
    close: u8,
    mut item: impl FnMut(&mut Cursor<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    let mut s = Cursor::new(text);
    s.expect(open)?;
    let mut out = Vec::new();
    if s.eat(close) {
        return Some(out);
    }
    loop {
        out.push(item(&mut s)?);
        if s.eat(close) {
            return Some(out);
        }
        s.expect(b',')?;
    }
}

/// A string's content with its escapes decoded; a lone surrogate becomes U+FFFD.
fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hi = hex4(&mut chars);
                let c = match hi {
                    Some(h @ 0xD800..=0xDBFF) => {
                        let mut ahead = chars.clone();
                        let lo = (ahead.next() == Some('\\') && ahead.next() == Some('u'))
                            .then(|| hex4(&mut ahead))
                            .flatten()
                            .filter(|l| (0xDC00..=0xDFFF).contains(l));
                        match lo {
                            Some(l) => {
                                chars = ahead;
                                char::from_u32(0x10000 + ((h - 0xD800) << 10) + (l - 0xDC00))
                            }
                            None => None,
                        }
                    }
                    Some(h) => char::from_u32(h),
                    None => None,
                };
                out.push(c.unwrap_or('\u{FFFD}'));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    Cow::Owned(out)
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut n = 0;
    for _ in 0..4 {
        n = n * 16 + chars.next()?.to_digit(16)?;
    }
    Some(n)
}

/// Steps over JSON values in a text, without building them.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor { text, at: 0 }
    }

    fn skip_space(&mut self) {
        let b = self.text.as_bytes();
        while self.at < b.len() && matches!(b[self.at], b' ' | b'\t' | b'\n' | b'\r') {
            self.at += 1;
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.skip_space();
        if self.text.as_bytes().get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// The text of the value here: a string with its quotes, an object or array to its closing
    /// bracket (counted, not recursed), or a scalar to its end.
    fn value(&mut self) -> Option<&'a str> {
        self.skip_space();
        let b = self.text.as_bytes();
        let start = self.at;
        match *b.get(start)? {
            b'"' => self.at = string_end(b, start)?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match *b.get(self.at)? {
                        b'"' => {
                            self.at = string_end(b, self.at)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while self.at < b.len()
                    && !matches!(b[self.at], b',' | b'}' | b']' | b':')
                    && !b[self.at].is_ascii_whitespace()
                {
                    self.at += 1;
                }
                if self.at == start {
                    return None;
                }
            }
        }
        self.text.get(start..self.at)
    }
}

/// The index just past the closing quote of the string that opens at `start`.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    loop {
        match *b.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(text: &str) -> Option<String> {
        let (cols, _) = columns(text)?;
        cols[14].as_ref().map(|c| c.to_string())
    }

    #[test]
    fn the_level_survives_whatever_else_the_record_holds() {
        let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
        for odd in [r#""\udfff""#, "1e999", deep.as_str(), r#""a\"}""#] {
            let text = format!(
                r#"{{"Id":"1","Odd":{odd},"RegGov":"上海海关","IdentifyLevel":"严重失信企业","PunishList":[{{"DecisionNo":"沪关缉违字〔2024〕1号","Note":{odd}}}]}}"#
            );
            let (cols, puns) = columns(&text).unwrap();
            assert_eq!(cols[14].as_deref(), Some("严重失信企业"), "{odd}");
            assert_eq!(cols[1].as_deref(), Some("上海海关"));
            assert_eq!(puns.len(), 1);
            assert_eq!(puns[0][1].as_deref(), Some("沪关缉违字〔2024〕1号"));
        }
    }

    #[test]
    fn escapes_decode_and_a_lone_surrogate_is_replaced() {
        assert_eq!(
            level(r#"{"IdentifyLevel":"失信\u4f01\u4e1a\udfff\n\ud83d\ude00"}"#).unwrap(),
            "失信企业\u{FFFD}\n😀"
        );
        assert_eq!(level(r#"{"IdentifyLevel":null}"#), None);
        assert_eq!(level(r#"{"IdentifyLevel":{"a":1}}"#), None);
        assert!(columns(r#""just a string""#).is_none());
        assert!(columns("[1,2]").is_none());
    }
}
