//! How the simulator writes its answers' JSON. The vendor's document does not say how its
//! server serializes (its sample is indented); clients must not depend on one way.

use std::io;

use serde::Serialize;
use serde_json::Value;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

/// The serializer an answer is written with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum JsonStyle {
    /// `{"Status":"200","Message":…}`: serde_json's default.
    #[default]
    Compact,
    /// `{"Status": "200", "Message": …}`: a space after `:` and `,`, as Python's json writes.
    Spaced,
    /// Four spaces per level, one member per line, as the vendor's document shows its sample.
    Indented,
}

impl JsonStyle {
    /// `value` as this style writes it.
    pub fn write(self, value: &Value) -> String {
        let mut out = Vec::new();
        let written = match self {
            JsonStyle::Compact => value.serialize(&mut Serializer::new(&mut out)),
            JsonStyle::Spaced => value.serialize(&mut Serializer::with_formatter(&mut out, Spaced)),
            JsonStyle::Indented => value.serialize(&mut Serializer::with_formatter(
                &mut out,
                PrettyFormatter::with_indent(b"    "),
            )),
        };
        match written.map(|()| String::from_utf8(out)) {
            Ok(Ok(text)) => text,
            // Writing a `Value` to memory does not fail, and serde_json writes UTF-8.
            _ => value.to_string(),
        }
    }
}

/// `", "` before every member or item but the first.
fn separator<W: ?Sized + io::Write>(w: &mut W, first: bool) -> io::Result<()> {
    if first { Ok(()) } else { w.write_all(b", ") }
}

/// serde_json's compact output with `", "` between members and `": "` after a key.
struct Spaced;

impl Formatter for Spaced {
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        separator(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_style_writes_the_same_value() {
        let v = serde_json::json!({"Status": "200", "Paging": {"PageSize": 10}, "Data": [1, "二"]});
        assert_eq!(
            JsonStyle::Compact.write(&v),
            r#"{"Status":"200","Paging":{"PageSize":10},"Data":[1,"二"]}"#
        );
        assert_eq!(
            JsonStyle::Spaced.write(&v),
            r#"{"Status": "200", "Paging": {"PageSize": 10}, "Data": [1, "二"]}"#
        );
        let indented = JsonStyle::Indented.write(&v);
        assert!(
            indented.starts_with(
                "{\n    \"Status\": \"200\",\n    \"Paging\": {\n        \"PageSize\": 10\n    },"
            ),
            "{indented}"
        );
        for style in [JsonStyle::Compact, JsonStyle::Spaced, JsonStyle::Indented] {
            let back: Value = serde_json::from_str(&style.write(&v)).unwrap();
            assert_eq!(back, v);
        }
    }
}
