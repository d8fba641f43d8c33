//! Each vendor record stored once: as normalized columns (what queries read), plus the record as
//! received (`records.extra`) only when the columns cannot give it back exactly — a record in the
//! vendor's documented shape (its 16 fields as strings in the documented order, then `PunishList`
//! of punishments with their 5 fields) is rebuilt from the columns byte for byte.
//!
//! The call that brought a record keeps its body as received ([`super::evidence`]); the
//! columns are what queries read.

use std::borrow::Cow;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::qcc::record::{PUNISHMENT_FIELDS, RECORD_FIELDS, field, fields, punishments};
use crate::secrets::{HEX_LOWER, hex};

/// A record's columns in [`RECORD_FIELDS`] order.
pub type RecordColumns = [Option<String>; 16];
/// A punishment's columns in [`PUNISHMENT_FIELDS`] order.
pub type PunishmentColumns = [Option<String>; 5];

/// The columns of a record as received.
pub fn columns(rec: &Value) -> (RecordColumns, Vec<PunishmentColumns>) {
    let cols = RECORD_FIELDS.map(|name| field(rec, name).map(|s| s.into_owned()));
    let puns = punishments(rec)
        .iter()
        .map(|p| PUNISHMENT_FIELDS.map(|name| field(p, name).map(|s| s.into_owned())))
        .collect();
    (cols, puns)
}

/// The record in the vendor's documented shape, from its columns.
pub fn rebuild(cols: &RecordColumns, puns: &[PunishmentColumns]) -> Value {
    let mut m = Map::new();
    for (name, v) in RECORD_FIELDS.iter().zip(cols) {
        m.insert(
            (*name).to_string(),
            Value::String(v.clone().unwrap_or_default()),
        );
    }
    let list = puns
        .iter()
        .map(|p| {
            let mut pm = Map::new();
            for (name, v) in PUNISHMENT_FIELDS.iter().zip(p) {
                pm.insert(
                    (*name).to_string(),
                    Value::String(v.clone().unwrap_or_default()),
                );
            }
            Value::Object(pm)
        })
        .collect();
    m.insert(fields::PUNISH_LIST.to_string(), Value::Array(list));
    Value::Object(m)
}

/// The record as received when its columns cannot give it back exactly (`None`: they can).
pub fn extra(rec: &Value) -> Option<String> {
    (!documented_shape(rec)).then(|| rec.to_string())
}

/// The vendor's documented shape, which [`rebuild`] gives back byte for byte: exactly the 16
/// fields in order, all strings, then `PunishList` of punishments with exactly their 5 string
/// fields in order. Checked on the value, without writing it out.
fn documented_shape(rec: &Value) -> bool {
    fn strings_in_order(v: &Value, names: &[&str]) -> Option<usize> {
        let m = v.as_object()?;
        let mut keys = m.iter();
        for name in names {
            let (k, v) = keys.next()?;
            if k != name || !v.is_string() {
                return None;
            }
        }
        Some(m.len())
    }
    let Some(len) = strings_in_order(rec, &RECORD_FIELDS) else {
        return false;
    };
    let Some(Value::Array(list)) = rec.get(fields::PUNISH_LIST) else {
        return false;
    };
    len == RECORD_FIELDS.len() + 1
        && rec
            .as_object()
            .and_then(|m| m.keys().next_back())
            .map(String::as_str)
            == Some(fields::PUNISH_LIST)
        && list
            .iter()
            .all(|p| strings_in_order(p, &PUNISHMENT_FIELDS) == Some(PUNISHMENT_FIELDS.len()))
}

/// A record as received, read once by the writer: its columns, what `records.extra` keeps of it,
/// and its canonical text (what serde_json writes for its value), which the records hash and a
/// body's shape are taken over.
pub struct Reading<'a> {
    /// In [`RECORD_FIELDS`] order; borrowed from the text where it holds them as they are.
    pub cols: [Option<Cow<'a, str>>; 16],
    /// In [`PUNISHMENT_FIELDS`] order.
    pub puns: Vec<[Option<Cow<'a, str>>; 5]>,
    pub extra: Option<String>,
    pub canonical: Cow<'a, str>,
}

/// A record's columns and its punishments' columns, borrowed from its text.
type TextColumns<'a> = ([Option<Cow<'a, str>>; 16], Vec<[Option<Cow<'a, str>>; 5]>);

/// Read a record as received. A record in the documented shape written compactly and without
/// escapes (what the vendor sends) is read from its text alone: it is its own canonical text and
/// its columns give it back. Any other is parsed into a value, as before.
pub fn read(raw: &RawValue) -> Reading<'_> {
    let text = raw.get();
    if let Some((cols, puns)) = documented_text(text) {
        return Reading {
            cols,
            puns,
            extra: None,
            canonical: Cow::Borrowed(text),
        };
    }
    // Lexically valid JSON (the envelope's parse checked it) that the parser may still refuse
    // as a value: a lone surrogate, a number out of range, nesting past its depth. Its
    // documented members are read from the text then, and the text is kept as received.
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        let (cols, puns) = super::scan::columns(text).unwrap_or_default();
        return Reading {
            cols,
            puns,
            extra: Some(text.to_string()),
            canonical: Cow::Borrowed(text),
        };
    };
    let (cols, puns) = columns(&v);
    let owned = |c: Option<String>| c.map(Cow::Owned);
    let written = v.to_string();
    Reading {
        cols: cols.map(owned),
        puns: puns.into_iter().map(|p| p.map(owned)).collect(),
        // Kept as the vendor wrote it (numbers such as `1e2` or big integers are not rewritten).
        extra: (!documented_shape(&v)).then(|| text.to_string()),
        canonical: if written == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(written)
        },
    }
}

/// The columns of a record whose text is the documented shape, compact, every value a string
/// without escapes: then [`rebuild`] writes exactly this text. Read by matching the text against
/// that shape byte by byte (the envelope's parse has checked it is JSON), without a parser:
/// every answer's records pass here.
fn documented_text(text: &str) -> Option<TextColumns<'_>> {
    let mut s = Shape(text);
    s.eat("{")?;
    let cols = s.strings(&RECORD_FIELDS)?;
    s.eat(",\"")?;
    s.eat(fields::PUNISH_LIST)?;
    s.eat("\":[")?;
    let mut puns = Vec::new();
    if s.eat("]").is_none() {
        loop {
            s.eat("{")?;
            puns.push(s.strings(&PUNISHMENT_FIELDS)?);
            s.eat("}")?;
            if s.eat("]").is_some() {
                break;
            }
            s.eat(",")?;
        }
    }
    s.eat("}")?;
    s.0.is_empty().then_some((cols, puns))
}

/// A string's content written without escapes, and what follows its closing quote, for `text`
/// starting just after the opening quote. `None` when an escape comes before the closing quote.
fn plain_string(text: &str) -> Option<(&str, &str)> {
    let end = memchr::memchr2(b'"', b'\\', text.as_bytes())?;
    (text.as_bytes()[end] == b'"').then(|| (&text[..end], &text[end + 1..]))
}

/// What is left of a record's text while it is matched against the documented shape.
struct Shape<'a>(&'a str);

impl<'a> Shape<'a> {
    fn eat(&mut self, expected: &str) -> Option<()> {
        self.0 = self.0.strip_prefix(expected)?;
        Some(())
    }

    /// `"name":"value"` for exactly the fields `names`, in order and comma-separated, each value
    /// a string written without escapes (in valid JSON it ends at the next quote).
    fn strings<const N: usize>(&mut self, names: &[&str; N]) -> Option<[Option<Cow<'a, str>>; N]> {
        let mut out: [Option<Cow<'a, str>>; N] = std::array::from_fn(|_| None);
        for (i, (slot, name)) in out.iter_mut().zip(names).enumerate() {
            if i > 0 {
                self.eat(",")?;
            }
            self.eat("\"")?;
            self.eat(name)?;
            self.eat("\":\"")?;
            let (value, rest) = plain_string(self.0)?;
            *slot = Some(Cow::Borrowed(value));
            self.0 = rest;
        }
        Some(out)
    }
}

/// Migration to version 5: every record's raw copy becomes `extra` only where the columns cannot
/// give it back, every screening gets its records hash, and the raw columns are dropped.
pub fn migrate_raw_copies(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let mut hashes: std::collections::BTreeMap<i64, Vec<Value>> = Default::default();
    {
        let mut read =
            tx.prepare("SELECT id, screening_id, raw FROM records ORDER BY screening_id, ord")?;
        let mut set = tx.prepare("UPDATE records SET extra=?2 WHERE id=?1")?;
        let mut rows = read.query([])?;
        while let Some(r) = rows.next()? {
            let (id, sid, raw): (i64, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let rec: Value = serde_json::from_str(&raw).unwrap_or(Value::String(raw.clone()));
            if let Some(extra) = extra(&rec) {
                set.execute(rusqlite::params![id, extra])?;
            }
            hashes.entry(sid).or_default().push(rec);
        }
    }
    let mut set_hash = tx.prepare("UPDATE screenings SET records_hash=?2 WHERE id=?1")?;
    let mut empty =
        tx.prepare("UPDATE screenings SET records_hash=?1 WHERE records_hash IS NULL")?;
    for (sid, recs) in &hashes {
        set_hash.execute(rusqlite::params![sid, records_hash(recs)])?;
    }
    empty.execute([records_hash(&[])])?;
    tx.execute_batch(
        "ALTER TABLE records DROP COLUMN raw; ALTER TABLE punishments DROP COLUMN raw;",
    )
}

/// The records of an answer reduced to one value, to tell an identical answer from a new one:
/// the MD5 of their JSON array, from their canonical texts (the same as [`records_hash`]).
pub fn records_hash_of(canonical: &[&str]) -> String {
    use md5::{Digest, Md5};
    let mut h = Md5::new();
    h.update(b"[");
    for (i, r) in canonical.iter().enumerate() {
        if i > 0 {
            h.update(b",");
        }
        h.update(r.as_bytes());
    }
    h.update(b"]");
    hex(&h.finalize(), HEX_LOWER)
}

/// The records of an answer reduced to one value, to tell an identical answer from a new one.
pub fn records_hash(records: &[Value]) -> String {
    use md5::{Digest, Md5};
    /// The serializer writes straight into the hash: no copy of the records, no text.
    struct Hashing(Md5);
    impl std::io::Write for Hashing {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(Md5::new());
    // Writing into a hash cannot fail; a slice serializes as the JSON array of its records.
    let _ = serde_json::to_writer(&mut h, records);
    hex(&h.0.finalize(), HEX_LOWER)
}

#[cfg(test)]
mod tests {
    /// A record read from its text gives what a parse of it gives: the same columns, the same
    /// `extra`, and the canonical text the hash and shapes are taken over (its own text when
    /// that is canonical, so the hash of an answer is the one earlier builds stored).
    #[test]
    fn a_record_read_from_its_text_is_what_its_value_gives() {
        use serde_json::value::RawValue;
        let ds = crate::simulator::Dataset::generate(11, 40);
        let mut texts: Vec<String> = ds
            .companies
            .iter()
            .flat_map(|c| c.records.iter().map(Value::to_string))
            .collect();
        let plain = texts.len();
        let first = texts[0].clone();
        let punished = texts
            .iter()
            .find(|t| t.contains(r#""PunishList":[{"#))
            .cloned()
            .unwrap();
        texts.extend([
            first.replacen(',', ", ", 1),
            first.replacen(r#""Id":""#, r#""Id": ""#, 1),
            first.replacen('"', r#"{"X":1,""#, 1).replacen('{', "", 1),
            first.replacen(r#""RegGov":"#, r#""RegGov":1,"Dup":"#, 1),
            first.replacen(r#""PunishList":["#, r#""PunishList":[ "#, 1),
            first.replacen("海关", r"\u6d77关", 1),
            first.replacen(r#""RegNo":""#, r#""RegNo":"a\"b"#, 1),
            first.replacen(r#""PunishList":["#, r#""PunishList":[],"Z":["#, 1),
            punished.replacen(r#""PunishList":["#, r#""PunishList":[{"No":"1"},"#, 1),
            punished.replacen(r#""PunishList":["#, r#""PunishList":[1,"#, 1),
            punished.replacen(r#"","CaseProp""#, r#"","X":"","CaseProp""#, 1),
            punished.replacen("}]}", r#"},{}]}"#, 1),
            first.replacen(r#""Id":""#, r#""Id":null,"X":""#, 1),
            format!("{first} "),
            r#"{"RegNo":"1","RegNo":"2"}"#.to_string(),
            r#"{"PunishList":null}"#.to_string(),
            r#"[1,2]"#.to_string(),
            r#""text""#.to_string(),
        ]);
        let distinct: std::collections::HashSet<&String> = texts.iter().collect();
        assert_eq!(
            distinct.len(),
            texts.len(),
            "every variant changes its record"
        );
        let mut canon = Vec::new();
        for (i, text) in texts.iter().enumerate() {
            let raw = RawValue::from_string(text.clone()).unwrap();
            let r = read(&raw);
            let v: Value = serde_json::from_str(text).unwrap();
            let (cols, puns) = columns(&v);
            let owned = |c: &Option<Cow<'_, str>>| c.as_deref().map(str::to_string);
            let read_puns: Vec<_> = r.puns.iter().map(|p| p.each_ref().map(owned)).collect();
            assert_eq!(
                (r.cols.each_ref().map(owned), read_puns),
                (cols, puns),
                "{text}"
            );
            // A record the columns cannot give back is kept as it was written.
            assert_eq!(r.extra, extra(&v).map(|_| text.clone()), "{text}");
            assert_eq!(r.canonical, v.to_string(), "{text}");
            if i < plain {
                assert!(
                    r.extra.is_none() && r.canonical == *text,
                    "documented: {text}"
                );
                assert!(
                    documented_text(text).is_some(),
                    "read without a parse: {text}"
                );
            }
            canon.push(r.canonical.into_owned());
        }
        let canon: Vec<&str> = canon.iter().map(String::as_str).collect();
        let values: Vec<Value> = texts
            .iter()
            .map(|t| serde_json::from_str(t).unwrap())
            .collect();
        assert_eq!(records_hash_of(&canon), records_hash(&values));
        assert_eq!(records_hash_of(&[]), records_hash(&[]));
    }

    /// Hashes stored by earlier builds (MD5 of the records' compact JSON array) still match.
    #[test]
    fn the_records_hash_is_the_md5_of_the_json_array() {
        assert_eq!(super::records_hash(&[]), "d751713988987e9331980363e24189ce");
        let ds = crate::simulator::Dataset::generate(7, 2);
        let recs = &ds.companies[1].records;
        use md5::{Digest, Md5};
        let text = serde_json::Value::Array(recs.clone()).to_string();
        let want: String = Md5::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(super::records_hash(recs), want);
    }

    use super::*;

    #[test]
    fn documented_records_need_no_copy_and_others_keep_one() {
        let ds = crate::simulator::Dataset::generate(42, 20);
        for c in &ds.companies {
            for r in &c.records {
                assert_eq!(extra(r), None, "{r}");
                let (cols, puns) = columns(r);
                assert_eq!(&rebuild(&cols, &puns), r);
            }
        }
        let odd: Value =
            serde_json::from_str(r#"{"RegNo":123,"IdentifyLevel":"失信企业"}"#).unwrap();
        assert_eq!(extra(&odd).as_deref(), Some(odd.to_string().as_str()));
    }

    /// A database from before version 5 (raw copies in records and punishments) converts: the
    /// records read back the same, the raw columns are gone, and odd records keep their copy.
    #[test]
    fn the_migration_converts_raw_copies() {
        use rusqlite::Connection;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        let ds = crate::simulator::Dataset::generate(42, 3);
        let odd: Value = serde_json::from_str(r#"{"IdentifyLevel":"失信企业","RegNo":7}"#).unwrap();
        {
            let c = Connection::open(&path).unwrap();
            for sql in [
                include_str!("../../migrations/0001_init.sql"),
                include_str!("../../migrations/0002_calls_reached.sql"),
                include_str!("../../migrations/0003_rows_as_shown.sql"),
            ] {
                c.execute_batch(sql).unwrap();
            }
            c.pragma_update(None, "user_version", 3).unwrap();
            c.execute_batch(
                "INSERT INTO keys(id, key, kind, state, screening_id) VALUES (1, 'k', 'name', 'found', 1);
                 INSERT INTO screenings(id, key_id, state, checked_at, record_count)
                   VALUES (1, 1, 'found', '2026-01-01T00:00:00Z', 2);",
            )
            .unwrap();
            for (ord, rec) in [&ds.companies[1].records[0], &odd].into_iter().enumerate() {
                c.execute(
                    "INSERT INTO records(screening_id, ord, identify_level, raw) VALUES (1, ?1, ?2, ?3)",
                    rusqlite::params![ord as i64, rec["IdentifyLevel"].as_str(), rec.to_string()],
                )
                .unwrap();
                let rid = c.last_insert_rowid();
                for (pord, p) in punishments(rec).iter().enumerate() {
                    let cols = PUNISHMENT_FIELDS.map(|n| field(p, n).map(|x| x.into_owned()));
                    c.execute(
                        "INSERT INTO punishments(record_id, ord, no, decision_no, party, punish_date,
                           case_prop, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        rusqlite::params![rid, pord as i64, cols[0], cols[1], cols[2], cols[3], cols[4], p.to_string()],
                    )
                    .unwrap();
                }
            }
            // The old schema filled every column; do that for the documented record.
            let (cols, _) = columns(&ds.companies[1].records[0]);
            c.execute(
                "UPDATE records SET vendor_id=?1, reg_gov=?2, trade_type=?3, reg_date=?4, reg_no=?5,
                   admin_area=?6, econo_area=?7, special_area=?8, cancel_flag=?9, annual_status=?10,
                   validity_date=?11, industry_type=?12, ebusiness_type=?13, identify_date=?14,
                   identify_level=?15, identify_code=?16 WHERE ord=0",
                rusqlite::params_from_iter(cols.iter()),
            )
            .unwrap();
        }
        let store = crate::store::Store::open(&path).unwrap();
        let back: Vec<Value> = (store.records_raw(1).unwrap().iter())
            .map(|r| serde_json::from_str(r.get()).unwrap())
            .collect();
        assert_eq!(back, vec![ds.companies[1].records[0].clone(), odd]);
        let c = Connection::open(&path).unwrap();
        assert!(
            c.prepare("SELECT raw FROM records").is_err(),
            "records.raw still there"
        );
        assert!(
            c.prepare("SELECT raw FROM punishments").is_err(),
            "punishments.raw still there"
        );
        let kept: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM records WHERE extra IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 1, "only the odd record keeps its copy");
        let hash: Option<String> = c
            .query_row("SELECT records_hash FROM screenings WHERE id=1", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(hash.is_some());
    }
}
