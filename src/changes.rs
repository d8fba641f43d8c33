//! Change detection between two screenings of one key: what a nightly re-screen found different.
//!
//! Pure logic over [`Snapshot`]s; the store builds the snapshots and records the changes, and the
//! `changes` command lists them.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::credit::{Rank, worst_level};

/// What one screening said about a company, reduced to what changes are judged on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// `found` (true) or `not_found` (false); other states are not compared.
    pub found: bool,
    /// Every registration's `IdentifyLevel`.
    pub levels: Vec<String>,
    /// Customs registration codes (`RegNo`) whose `CancelFlag` says 注销 (cancelled).
    pub cancelled: BTreeSet<String>,
    /// Punishments, by decision number (or the whole punishment when it has none).
    pub punishments: BTreeSet<String>,
}

/// Kinds of change, as stored and listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    LevelWorse,
    LevelBetter,
    NewPunishment,
    Cancelled,
    NewlyFound,
    NoLongerFound,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::LevelWorse => "level_worse",
            ChangeKind::LevelBetter => "level_better",
            ChangeKind::NewPunishment => "new_punishment",
            ChangeKind::Cancelled => "cancelled",
            ChangeKind::NewlyFound => "newly_found",
            ChangeKind::NoLongerFound => "no_longer_found",
        }
    }

    /// Every kind, in the order [`ChangeKind::parse`] tries them.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::LevelWorse,
        ChangeKind::LevelBetter,
        ChangeKind::NewPunishment,
        ChangeKind::Cancelled,
        ChangeKind::NewlyFound,
        ChangeKind::NoLongerFound,
    ];

    /// The kind a stored text names.
    pub fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether this kind of change is bad news (what `--fail-on-change worse` reacts to).
    pub fn is_worse(self) -> bool {
        matches!(
            self,
            ChangeKind::LevelWorse
                | ChangeKind::NewPunishment
                | ChangeKind::Cancelled
                | ChangeKind::NoLongerFound
        )
    }
}

/// One detected change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub detail: String,
}

/// The levels before and after a fall in level, from the detail [`diff`] stored with it
/// (`credit level 高级认证企业 -> 一般信用企业`).
pub fn level_fall(detail: &str) -> Option<(String, String)> {
    let (was, now) = detail.strip_prefix("credit level ")?.split_once(" -> ")?;
    Some((was.to_string(), now.to_string()))
}

/// True when a `CancelFlag` text means the registration is cancelled.
pub fn is_cancelled(flag: &str) -> bool {
    flag.contains("注销") || flag.eq_ignore_ascii_case("cancelled")
}

/// The changes from `prev` to `new`.
pub fn diff(prev: &Snapshot, new: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    match (prev.found, new.found) {
        (true, false) => out.push(Change {
            kind: ChangeKind::NoLongerFound,
            detail: "the vendor no longer finds customs data for this company".into(),
        }),
        (false, true) => out.push(Change {
            kind: ChangeKind::NewlyFound,
            detail: format!("customs data found: {} registration(s)", new.levels.len()),
        }),
        (false, false) => {}
        (true, true) => {
            let before_text = worst_level(prev.levels.iter().map(String::as_str));
            let after_text = worst_level(new.levels.iter().map(String::as_str));
            let (before, after) = (Rank::of(before_text), Rank::of(after_text));
            let detail = format!("credit level {before_text} -> {after_text}");
            if after.is_worse_than(before) {
                out.push(Change {
                    kind: ChangeKind::LevelWorse,
                    detail,
                });
            } else if before.is_worse_than(after) {
                out.push(Change {
                    kind: ChangeKind::LevelBetter,
                    detail,
                });
            }
            for reg in new.cancelled.difference(&prev.cancelled) {
                out.push(Change {
                    kind: ChangeKind::Cancelled,
                    detail: format!("customs registration {reg} cancelled (注销)"),
                });
            }
            for p in new.punishments.difference(&prev.punishments) {
                out.push(Change {
                    kind: ChangeKind::NewPunishment,
                    detail: format!("new customs punishment {p}"),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(levels: &[&str], cancelled: &[&str], pun: &[&str]) -> Snapshot {
        Snapshot {
            found: true,
            levels: levels.iter().map(|s| s.to_string()).collect(),
            cancelled: cancelled.iter().map(|s| s.to_string()).collect(),
            punishments: pun.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn detects_each_kind() {
        let a = snap(&["一般信用企业"], &[], &["P1"]);
        let b = snap(&["失信企业"], &["R1"], &["P1", "P2"]);
        let kinds: Vec<_> = diff(&a, &b).into_iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ChangeKind::LevelWorse,
                ChangeKind::Cancelled,
                ChangeKind::NewPunishment
            ]
        );
        assert_eq!(diff(&b, &a)[0].kind, ChangeKind::LevelBetter);
        assert!(diff(&a, &a).is_empty());
        let gone = Snapshot::default();
        assert_eq!(diff(&a, &gone)[0].kind, ChangeKind::NoLongerFound);
        assert_eq!(diff(&gone, &a)[0].kind, ChangeKind::NewlyFound);
        // Unrated on either side is not a level change.
        assert!(diff(&snap(&[""], &[], &[]), &snap(&["失信企业"], &[], &[])).is_empty());
    }
}
