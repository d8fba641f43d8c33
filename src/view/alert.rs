//! Alerts with a life: a supplier row that needs attention, the fingerprint of its evidence, and
//! whether a decision answers it. The one place that says what is open, for the report, the
//! workbook, `review`, `status`, `evidence` and the run's exit code.
//!
//! An alert is open until decided. A decision answers the fingerprint it was made on; the alert
//! opens again only when something new appears (a flag, a worse level, a punishment or a
//! cancellation not in that fingerprint, a later change for the worse), never because something
//! went away.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::lang::labels;
use super::{Assessment, Flag, Lang, ListColumns, Zone};
use crate::changes::is_cancelled;
use crate::credit::Rank;
use crate::key_state::KeyState;
use crate::store::{DecisionRow, SupplierRow};

/// What an analyst decided on an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Verdict {
    /// 误报已排除: not the company, or nothing to it.
    Cleared,
    /// 接受风险: a risk known and accepted.
    Accepted,
    /// 停止合作: stop doing business.
    Blocked,
    /// 上报: passed up for a decision.
    Escalated,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [
        Verdict::Cleared,
        Verdict::Accepted,
        Verdict::Blocked,
        Verdict::Escalated,
    ];

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Cleared => "cleared",
            Verdict::Accepted => "accepted",
            Verdict::Blocked => "blocked",
            Verdict::Escalated => "escalated",
        }
    }

    /// The label people choose from (the workbook's drop-down list).
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Verdict::Cleared => lang.tr("误报已排除", "cleared"),
            Verdict::Accepted => lang.tr("接受风险", "accepted"),
            Verdict::Blocked => lang.tr("停止合作", "blocked"),
            Verdict::Escalated => lang.tr("上报", "escalated"),
        }
    }

    /// A stored word or a label in either language.
    pub fn parse(s: &str) -> Option<Verdict> {
        let t = s.trim();
        Verdict::ALL.into_iter().find(|v| {
            v.as_str().eq_ignore_ascii_case(t) || v.label(Lang::Zh) == t || v.label(Lang::En) == t
        })
    }
}

/// The evidence an alert stands on, reduced to what a decision answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// The flags' stable names.
    pub flags: BTreeSet<String>,
    /// The worst level's rank ([`Rank`] as a number, most severe 0), when found.
    pub rank: Option<u8>,
    /// Punishments by decision number (or date and case when it has none).
    pub punishments: BTreeSet<String>,
    /// Cancelled registrations by registration code.
    pub cancelled: BTreeSet<String>,
    /// The changes for the worse (their ids).
    pub worse: BTreeSet<i64>,
}

/// Something a fingerprint has that an earlier one does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    Flag(Flag),
    WorseLevel,
    Punishment(String),
    Cancelled(String),
    WorseChange,
}

impl Fingerprint {
    pub fn of(s: &SupplierRow, a: &Assessment) -> Fingerprint {
        // The assessment's worst level is the found answer's (empty otherwise).
        let found = a.state == KeyState::Found;
        Fingerprint {
            flags: a.flags.iter().map(|f| f.id().to_string()).collect(),
            rank: found.then_some(Rank::of(&a.level) as u8),
            punishments: s
                .punishments
                .iter()
                .map(|p| {
                    if p.decision_no.is_empty() {
                        format!("{} {}", p.punish_date, p.case_prop)
                    } else {
                        p.decision_no.clone()
                    }
                })
                .collect(),
            cancelled: s
                .registrations
                .iter()
                .filter(|r| is_cancelled(&r.cancel_flag))
                .map(|r| r.reg_no.clone())
                .collect(),
            worse: s.worse.iter().map(|c| c.id).collect(),
        }
    }

    /// The stored text (JSON, sets sorted: the same evidence gives the same text).
    pub fn text(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn parse(text: &str) -> Option<Fingerprint> {
        serde_json::from_str(text).ok()
    }

    /// A short check code of the fingerprint, for the workbook: an alert exported and imported
    /// back is the same alert only when the code is the same.
    pub fn digest(&self) -> String {
        use md5::{Digest, Md5};
        let sum = Md5::digest(self.text().as_bytes());
        sum.iter().take(6).map(|b| format!("{b:02x}")).collect()
    }

    /// The stamp the alerts table keeps.
    pub fn stamp(&self) -> Stamp {
        let flags = Flag::ALL
            .into_iter()
            .enumerate()
            .filter(|(_, f)| self.flags.contains(f.id()))
            .fold(0u8, |bits, (i, _)| bits | (1 << i));
        let mut items = BTreeSet::new();
        items.extend(self.punishments.iter().map(|p| item_hash("p", p)));
        items.extend(self.cancelled.iter().map(|c| item_hash("c", c)));
        items.extend(self.worse.iter().map(|w| item_hash("w", &w.to_string())));
        Stamp {
            flags,
            rank: self.rank,
            items,
        }
    }

    /// What this fingerprint has that `earlier` does not.
    pub fn news(&self, earlier: &Fingerprint) -> Vec<News> {
        let mut out: Vec<News> = Flag::ALL
            .into_iter()
            .filter(|f| self.flags.contains(f.id()) && !earlier.flags.contains(f.id()))
            .map(News::Flag)
            .collect();
        let unrated = Rank::Unrated as u8;
        if let (Some(now), Some(then)) = (self.rank, earlier.rank)
            && now != unrated
            && then != unrated
            && now < then
        {
            out.push(News::WorseLevel);
        }
        out.extend(
            self.punishments
                .difference(&earlier.punishments)
                .cloned()
                .map(News::Punishment),
        );
        out.extend(
            self.cancelled
                .difference(&earlier.cancelled)
                .cloned()
                .map(News::Cancelled),
        );
        if !self.worse.is_subset(&earlier.worse) {
            out.push(News::WorseChange);
        }
        out
    }
}

/// A fingerprint as the alerts table keeps it: the flags as bits (bit i is `Flag::ALL[i]`), the
/// rank, and a 4-byte hash of each punishment, cancelled registration and change for the worse.
/// Enough to tell whether something is new since an alert was opened, in a few bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stamp {
    pub flags: u8,
    pub rank: Option<u8>,
    pub items: BTreeSet<u32>,
}

fn item_hash(tag: &str, value: &str) -> u32 {
    use md5::{Digest, Md5};
    let sum = Md5::digest(format!("{tag}:{value}").as_bytes());
    u32::from_be_bytes([sum[0], sum[1], sum[2], sum[3]])
}

impl Stamp {
    /// The flags of the bits.
    pub fn flags(bits: u8) -> Vec<Flag> {
        Flag::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| bits & (1 << i) != 0)
            .map(|(_, f)| f)
            .collect()
    }

    /// The flags of the bits as people read them: `失信企业（含C/D类）、较上次变差`.
    pub fn flags_text(bits: u8, lang: Lang) -> String {
        Stamp::flags(bits)
            .into_iter()
            .map(|f| lang.flag(f))
            .collect::<Vec<_>>()
            .join(lang.tr("、", ", "))
    }

    /// The hashes as stored (4 bytes each, big-endian), or none.
    pub fn items_blob(&self) -> Option<Vec<u8>> {
        (!self.items.is_empty()).then(|| self.items.iter().flat_map(|h| h.to_be_bytes()).collect())
    }

    pub fn from_stored(flags: u8, rank: Option<u8>, items: Option<&[u8]>) -> Stamp {
        let items = items
            .unwrap_or_default()
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        Stamp { flags, rank, items }
    }

    /// Something here that `earlier` does not have: a flag, a worse level, an item.
    pub fn has_news_over(&self, earlier: &Stamp) -> bool {
        let unrated = Rank::Unrated as u8;
        let worse_level = matches!((self.rank, earlier.rank),
            (Some(now), Some(then)) if now != unrated && then != unrated && now < then);
        self.flags & !earlier.flags != 0 || worse_level || !self.items.is_subset(&earlier.items)
    }
}

impl News {
    pub fn text(&self, lang: Lang) -> String {
        match self {
            News::Flag(f) => lang.flag(*f).to_string(),
            News::WorseLevel => lang
                .change(crate::changes::ChangeKind::LevelWorse)
                .to_string(),
            News::Punishment(p) => format!("{}{p}", lang.of(labels::REVIEW_NEW_PUNISHMENT)),
            News::Cancelled(r) => format!("{}{r}", lang.of(labels::REVIEW_NEW_CANCELLATION)),
            News::WorseChange => lang.of(labels::REVIEW_NEW_WORSE_CHANGE).to_string(),
        }
    }
}

/// Where an alert stands.
#[derive(Debug, Clone)]
pub enum AlertState {
    /// Needs a decision; `earlier` is the decision it had before something new appeared.
    Open {
        earlier: Option<DecisionRow>,
        news: Vec<News>,
    },
    /// Answered by this decision, and nothing new since.
    Decided(DecisionRow),
}

/// A supplier row that needs attention, and where it stands.
#[derive(Debug, Clone)]
pub struct Alert {
    /// The supplier as decisions name it: its id cell, or `row N` without one.
    pub supplier: String,
    pub fingerprint: Fingerprint,
    pub state: AlertState,
}

/// How decisions name a supplier row: its id cell as the list shows it, or `row N` (the sheet
/// row) for a list without ids.
pub fn supplier_ref(s: &SupplierRow, cols: &ListColumns) -> String {
    let id = cols.id_in(s.row.extra.as_deref());
    if id.trim().is_empty() {
        format!("row {}", s.row.sheet_row.unwrap_or(s.row.row))
    } else {
        id
    }
}

impl Alert {
    /// The alert of a supplier row, or none when nothing calls for attention.
    pub fn of(s: &SupplierRow, a: &Assessment, cols: &ListColumns) -> Option<Alert> {
        if a.flags.is_empty() || s.row.skipped {
            return None;
        }
        let supplier = supplier_ref(s, cols);
        let fingerprint = Fingerprint::of(s, a);
        let latest = s.decisions.iter().rfind(|d| d.supplier == supplier);
        let state = match latest {
            None => AlertState::Open {
                earlier: None,
                news: Vec::new(),
            },
            Some(d) => {
                let answered = Fingerprint::parse(&d.fingerprint).unwrap_or_default();
                let news = fingerprint.news(&answered);
                if news.is_empty() {
                    AlertState::Decided(d.clone())
                } else {
                    AlertState::Open {
                        earlier: Some(d.clone()),
                        news,
                    }
                }
            }
        };
        Some(Alert {
            supplier,
            fingerprint,
            state,
        })
    }

    pub fn is_open(&self) -> bool {
        matches!(self.state, AlertState::Open { .. })
    }

    /// The decision in force, or the one an open alert had before.
    pub fn decision(&self) -> Option<&DecisionRow> {
        match &self.state {
            AlertState::Decided(d) => Some(d),
            AlertState::Open { earlier, .. } => earlier.as_ref(),
        }
    }

    /// `open`, or the decision's word.
    pub fn state_word(&self) -> &str {
        match &self.state {
            AlertState::Open { .. } => "open",
            AlertState::Decided(d) => &d.decision,
        }
    }

    /// The state as people read it: 待处置, 待处置（2026-11-20 王芳（接受风险）处置后有新情况：…）,
    /// or the decision's label.
    pub fn state_text(&self, lang: Lang, zone: Zone) -> String {
        match &self.state {
            AlertState::Open { earlier: None, .. } => lang.of(labels::REVIEW_OPEN).to_string(),
            AlertState::Open {
                earlier: Some(d),
                news,
            } => {
                let news: Vec<String> = news.iter().map(|n| n.text(lang)).collect();
                format!(
                    "{}{}{}{}",
                    lang.of(labels::REVIEW_OPEN),
                    lang.tr("（", " ("),
                    lang.new_since(
                        &decided_text(d, lang, zone),
                        &news.join(lang.of(labels::REASON_SEPARATOR_3))
                    ),
                    lang.tr("）", ")")
                )
            }
            AlertState::Decided(d) => verdict_label(&d.decision, lang).to_string(),
        }
    }

    /// The needs-attention order: open alerts first, then by severity.
    pub fn sort_key(
        &self,
        a: &Assessment,
        row: u64,
    ) -> (
        bool,
        Option<Flag>,
        std::cmp::Reverse<usize>,
        std::cmp::Reverse<usize>,
        u64,
    ) {
        let (f, n, p, r) = a.sort_key(row);
        (!self.is_open(), f, n, p, r)
    }
}

/// A stored decision word as people read it.
pub fn verdict_label(word: &str, lang: Lang) -> &str {
    Verdict::parse(word).map(|v| v.label(lang)).unwrap_or(word)
}

/// `2026-11-20 王芳（接受风险）`.
pub fn decided_text(d: &DecisionRow, lang: Lang, zone: Zone) -> String {
    lang.decided(
        &zone.date(&d.decided_at),
        &d.decided_by,
        verdict_label(&d.decision, lang),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp(flags: &[&str], rank: u8, pun: &[&str], worse: &[i64]) -> Fingerprint {
        Fingerprint {
            flags: flags.iter().map(|s| s.to_string()).collect(),
            rank: Some(rank),
            punishments: pun.iter().map(|s| s.to_string()).collect(),
            cancelled: BTreeSet::new(),
            worse: worse.iter().copied().collect(),
        }
    }

    #[test]
    fn only_something_new_reopens() {
        let decided = fp(&["punished"], Rank::Routine as u8, &["P1"], &[]);
        // The same evidence, or less of it, is answered.
        assert!(decided.news(&decided).is_empty());
        assert!(
            fp(&[], Rank::Certified as u8, &[], &[])
                .news(&decided)
                .is_empty()
        );
        // A new punishment, a worse level, a new flag, a later change for the worse are not.
        let more = fp(&["punished"], Rank::Routine as u8, &["P1", "P2"], &[]);
        assert_eq!(more.news(&decided), vec![News::Punishment("P2".into())]);
        let worse = fp(
            &["punished", "dishonest"],
            Rank::Dishonest as u8,
            &["P1"],
            &[7],
        );
        assert_eq!(
            worse.news(&decided),
            vec![
                News::Flag(Flag::Dishonest),
                News::WorseLevel,
                News::WorseChange
            ]
        );
        // An unrated reading is no level change.
        let unrated = fp(&["punished"], Rank::Unrated as u8, &["P1"], &[]);
        assert!(unrated.news(&decided).is_empty());
    }

    #[test]
    fn stamps_tell_news_as_fingerprints_do() {
        let decided = fp(&["punished"], Rank::Routine as u8, &["P1"], &[]);
        let cases = [
            fp(&["punished"], Rank::Routine as u8, &["P1"], &[]),
            fp(&[], Rank::Certified as u8, &[], &[]),
            fp(&["punished"], Rank::Routine as u8, &["P1", "P2"], &[]),
            fp(
                &["punished", "dishonest"],
                Rank::Dishonest as u8,
                &["P1"],
                &[7],
            ),
            fp(&["punished"], Rank::Unrated as u8, &["P1"], &[]),
        ];
        for c in cases {
            assert_eq!(
                c.stamp().has_news_over(&decided.stamp()),
                !c.news(&decided).is_empty(),
                "{c:?}"
            );
            let s = c.stamp();
            let back = Stamp::from_stored(s.flags, s.rank, s.items_blob().as_deref());
            assert_eq!(back, s);
        }
        assert_eq!(Stamp::flags(decided.stamp().flags), vec![Flag::Punished]);
    }

    #[test]
    fn verdicts_read_in_both_languages() {
        assert_eq!(Verdict::parse("接受风险"), Some(Verdict::Accepted));
        assert_eq!(Verdict::parse(" Blocked "), Some(Verdict::Blocked));
        assert_eq!(Verdict::parse("上报"), Some(Verdict::Escalated));
        assert_eq!(Verdict::parse("maybe"), None);
        let f = fp(&["worse"], 2, &["A"], &[3]);
        assert_eq!(Fingerprint::parse(&f.text()), Some(f.clone()));
        assert_eq!(f.digest().len(), 12);
    }
}
