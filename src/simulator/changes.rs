//! What changes in the simulator's data between two screenings, from a small script: one change
//! per line, `KEY CHANGE [VALUE]`, the key being a company's name, USCC or registration number
//! as the vendor finds it; `#` starts a comment.
//!
//! ```text
//! 91350100M000100Y43  level  失信企业     # every registration rated 失信企业
//! 91350100M000100Y43  punish 2026-11-20  # a new punishment on the first registration
//! 某某贸易有限公司      cancel             # the first registration still 正常 becomes 注销
//! 某某贸易有限公司      gone               # no longer found (201)
//! ```
//!
//! `simulate --changes FILE` applies a script when it starts; `POST /__sim/changes` with a
//! script as the body applies it to a running simulator, so that the next screening sees it.

use serde_json::{Value, json};

use super::Dataset;

/// One change to the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataChange {
    /// Every registration of the company rated this level.
    Level { key: String, level: String },
    /// A new punishment on the company's first registration, decided on this date.
    Punish { key: String, date: String },
    /// The first registration not yet cancelled becomes 注销.
    Cancel { key: String },
    /// The company is no longer found.
    Gone { key: String },
}

impl DataChange {
    /// The company it changes, as the script names it.
    pub fn key(&self) -> &str {
        match self {
            DataChange::Level { key, .. }
            | DataChange::Punish { key, .. }
            | DataChange::Cancel { key }
            | DataChange::Gone { key } => key,
        }
    }
}

/// A script line that is not a change, or a change to a company the data does not hold.
#[derive(Debug, thiserror::Error)]
#[error("{source_name} line {line}: {what}")]
pub struct ChangeError {
    pub source_name: String,
    pub line: usize,
    pub what: String,
}

/// The changes a script holds; `source_name` names it in errors (a file's path).
pub fn parse(source_name: &str, script: &str) -> Result<Vec<(usize, DataChange)>, ChangeError> {
    let mut out = Vec::new();
    for (i, raw) in script.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let err = |what: String| ChangeError {
            source_name: source_name.to_string(),
            line: i + 1,
            what,
        };
        let words: Vec<&str> = line.split_whitespace().collect();
        let key = words[0].to_string();
        let change = match (words.get(1).copied(), words.get(2).copied(), words.len()) {
            (Some("level"), Some(level), 3) => DataChange::Level {
                key,
                level: level.to_string(),
            },
            (Some("punish"), Some(date), 3) if is_date(date) => DataChange::Punish {
                key,
                date: date.to_string(),
            },
            (Some("punish"), _, _) => {
                return Err(err("punish needs a date, YYYY-MM-DD".into()));
            }
            (Some("cancel"), None, 2) => DataChange::Cancel { key },
            (Some("gone"), None, 2) => DataChange::Gone { key },
            _ => {
                return Err(err(format!(
                    "expected KEY level LEVEL, KEY punish YYYY-MM-DD, KEY cancel or KEY gone; \
                     found {line:?}"
                )));
            }
        };
        out.push((i + 1, change));
    }
    Ok(out)
}

fn is_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// Parse a script and apply every change to `ds`; nothing is applied when a line is wrong or
/// names a company the data does not hold. How many changes were applied.
pub fn apply_script(
    ds: &mut Dataset,
    source_name: &str,
    script: &str,
) -> Result<usize, ChangeError> {
    let changes = parse(source_name, script)?;
    for (line, change) in &changes {
        let key = change.key();
        if ds.lookup(key).is_none() {
            return Err(ChangeError {
                source_name: source_name.to_string(),
                line: *line,
                what: format!("no company {key:?} in the simulator's data"),
            });
        }
    }
    for (_, change) in &changes {
        apply(ds, change);
    }
    Ok(changes.len())
}

/// One change applied (a company the data does not hold is left alone).
pub fn apply(ds: &mut Dataset, change: &DataChange) {
    match change {
        DataChange::Gone { key } => {
            ds.remove(key);
        }
        DataChange::Level { key, level } => {
            if let Some(c) = ds.lookup_mut(key) {
                for r in &mut c.records {
                    r["IdentifyLevel"] = json!(level);
                }
            }
        }
        DataChange::Punish { key, date } => {
            if let Some(c) = ds.lookup_mut(key) {
                let party = c.name.clone();
                let Some(first) = c.records.first_mut() else {
                    return;
                };
                let list = first["PunishList"].as_array().cloned().unwrap_or_default();
                let n = list.len() + 1;
                let mut list = list;
                list.push(json!({
                    "No": n.to_string(),
                    "DecisionNo": format!("模拟关缉违字〔{}〕{n:03}号", &date[..4]),
                    "Party": party,
                    "PunishDate": date,
                    "CaseProp": "违规",
                }));
                first["PunishList"] = Value::Array(list);
            }
        }
        DataChange::Cancel { key } => {
            if let Some(c) = ds.lookup_mut(key)
                && let Some(r) = c
                    .records
                    .iter_mut()
                    .find(|r| r["CancelFlag"].as_str() != Some("注销"))
            {
                r["CancelFlag"] = json!("注销");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_changes_level_punishments_registrations_and_presence() {
        let mut ds = Dataset::generate(42, 20);
        let a = ds.companies[0].uscc.clone();
        let b = ds.companies[1].name.clone();
        let c = ds.companies[2].reg_no.clone();
        let before = ds.companies[1].records[0]["PunishList"]
            .as_array()
            .map_or(0, Vec::len);
        let script = format!(
            "# night 2\n{a} level 失信企业\n{b} punish 2026-11-20  # new\n{b} cancel\n\n{c} gone\n"
        );
        assert_eq!(apply_script(&mut ds, "night2.txt", &script).unwrap(), 4);
        let a = ds.lookup(&a).unwrap();
        assert!(a.records.iter().all(|r| r["IdentifyLevel"] == "失信企业"));
        let b = ds.lookup(&b).unwrap();
        let puns = b.records[0]["PunishList"].as_array().unwrap();
        assert_eq!(puns.len(), before + 1);
        assert_eq!(puns.last().unwrap()["PunishDate"], "2026-11-20");
        assert!(b.records.iter().any(|r| r["CancelFlag"] == "注销"));
        assert!(ds.lookup(&c).is_none());
    }

    #[test]
    fn a_wrong_line_names_the_script_and_the_line_and_changes_nothing() {
        let mut ds = Dataset::generate(42, 5);
        let a = ds.companies[0].uscc.clone();
        let before = ds.companies[0].records.clone();
        let script = format!("{a} level 不存在的等级\n{a} punish yesterday\n");
        let e = apply_script(&mut ds, "n.txt", &script).unwrap_err();
        assert_eq!(
            e.to_string(),
            "n.txt line 2: punish needs a date, YYYY-MM-DD"
        );
        assert_eq!(ds.lookup(&a).unwrap().records, before, "nothing applied");
        let e = apply_script(&mut ds, "n.txt", "某某不存在 cancel\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "n.txt line 1: no company \"某某不存在\" in the simulator's data"
        );
        let e = apply_script(&mut ds, "n.txt", &format!("{a} explode\n")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("n.txt line 1: expected KEY level"),
            "{e}"
        );
    }
}
