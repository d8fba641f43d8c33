//! The analyst's view of a screened list, shared by the report, the workbook and `changes`: which
//! columns name a supplier ([`columns`]), what makes a supplier need attention and how badly, and
//! the words ([`lang`]) and clock ([`zone`]) people read it in.

pub mod alert;
pub mod columns;
pub mod lang;
mod window;
pub mod zone;

use std::cmp::Reverse;

use chrono::NaiveDate;

pub use alert::{Alert, AlertState, Fingerprint, Verdict};
pub use columns::{ListColumns, extra_map};
pub use lang::Lang;
use lang::labels;
pub use window::{Window, day_of};
pub use zone::Zone;

use crate::changes::{ChangeKind, is_cancelled};
use crate::credit::{Rank, worst_level};
use crate::key_state::KeyState;
use crate::store::{ChangeRow, ScreeningBrief, SupplierRow};

/// A row's reason for attention, with a note when other rows of the list share its key.
pub fn row_reason(s: &SupplierRow, a: &Assessment, lang: Lang, window: Window) -> String {
    let reason = a.reason(lang, window);
    if s.shared_with.is_empty() {
        return reason;
    }
    format!(
        "{reason}{}{}",
        lang.of(labels::REASON_SEPARATOR),
        lang.shared_with(&s.shared_with)
    )
}

/// Why a supplier needs attention, most severe first (the order of the variants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// 严重失信企业 on some registration.
    SeverelyDishonest,
    /// 失信企业, or the old C / D.
    Dishonest,
    /// A record whose level could not be read: it may hide any rating.
    UnreadableRecord,
    /// The vendor's answer could not be taken whole (paging stopped as implausible) or could
    /// not be read at all (the key is parked).
    #[serde(rename = "vendor_inconsistent")]
    Inconsistent,
    /// The current screening changed for the worse (level, punishment, cancellation, gone).
    Worse,
    /// Punished within the window.
    Punished,
    /// 注销 on a registration.
    Cancelled,
    /// No customs data found.
    NotFound,
}

impl Flag {
    /// Every flag, most severe first.
    pub const ALL: [Flag; 8] = [
        Flag::SeverelyDishonest,
        Flag::Dishonest,
        Flag::UnreadableRecord,
        Flag::Inconsistent,
        Flag::Worse,
        Flag::Punished,
        Flag::Cancelled,
        Flag::NotFound,
    ];

    /// The stable name of a flag: the report's `data-flag`, CSV's `attention`, tests.
    pub fn id(self) -> &'static str {
        match self {
            Flag::SeverelyDishonest => "severely_dishonest",
            Flag::Dishonest => "dishonest",
            Flag::UnreadableRecord => "unreadable_record",
            Flag::Inconsistent => "vendor_inconsistent",
            Flag::Worse => "worse",
            Flag::Punished => "punished",
            Flag::Cancelled => "cancelled",
            Flag::NotFound => "not_found",
        }
    }
}

/// What the outputs say about one supplier: its level now and before, cancellations,
/// punishments, and the flags that put it on the needs-attention list.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub state: KeyState,
    /// The worst level among the registrations, as the vendor wrote it.
    pub level: String,
    /// The previous answered screening's (state, worst level) when it reads differently.
    pub previous: Option<(KeyState, String)>,
    pub registrations: usize,
    pub cancelled: usize,
    /// The latest 认定时间 among the registrations carrying the worst level.
    pub identify_date: String,
    /// Distinct registering customs offices, in order.
    pub customs: Vec<String>,
    pub punishments: usize,
    pub recent_punishments: usize,
    pub latest_punishment: Option<NaiveDate>,
    /// The kinds of the changes for the worse not yet answered, each once.
    pub worse: Vec<ChangeKind>,
    /// The UTC day of the first of them when it came before the current screening.
    pub worse_since: Option<String>,
    /// The worst level before and after the latest fall in level, as the change recorded it.
    pub level_fall: Option<(String, String)>,
    /// Registrations whose level could not be read.
    pub unreadable: usize,
    /// Every registration that carries the worst level is cancelled (注销).
    pub worst_only_cancelled: bool,
    /// The row was queried by the company's name.
    pub by_name: bool,
    /// Why the answer is not the vendor's whole answer, or why there is none (parked).
    pub doubt: Option<String>,
    /// Sorted, most severe first; empty when nothing calls for attention.
    pub flags: Vec<Flag>,
}

impl Assessment {
    /// Judge one supplier; punishments on or after `since` are recent.
    pub fn of(s: &SupplierRow, since: NaiveDate) -> Assessment {
        let state = s.row.state;
        let levels = s.registrations.iter().map(|r| r.level.as_str());
        let level = if state == KeyState::Found {
            worst_level(levels).to_string()
        } else {
            String::new()
        };
        let rank = Rank::of(&level);
        let identify_date = s
            .registrations
            .iter()
            .filter(|r| Rank::of(&r.level) == rank)
            .map(|r| r.identify_date.as_str())
            .max()
            .unwrap_or_default()
            .to_string();
        let mut customs: Vec<String> = Vec::new();
        for r in &s.registrations {
            if !r.customs.is_empty() && !customs.contains(&r.customs) {
                customs.push(r.customs.clone());
            }
        }
        let days: Vec<Option<NaiveDate>> = s
            .punishments
            .iter()
            .map(|p| day_of(&p.punish_date))
            .collect();
        let recent = days.iter().flatten().filter(|d| **d >= since).count();
        let cancelled = s
            .registrations
            .iter()
            .filter(|r| is_cancelled(&r.cancel_flag))
            .count();
        let (worse, level_fall, worse_since) = worse_of(s);
        let mut a = Assessment {
            state,
            previous: previous_reading(s, state, &level),
            level,
            registrations: s.registrations.len(),
            cancelled,
            identify_date,
            customs,
            punishments: s.punishments.len(),
            recent_punishments: recent,
            latest_punishment: days.iter().flatten().max().copied(),
            worse,
            worse_since,
            level_fall,
            unreadable: s.registrations.iter().filter(|r| r.unreadable).count(),
            worst_only_cancelled: {
                let mut worst = s
                    .registrations
                    .iter()
                    .filter(|r| Rank::of(&r.level) == rank);
                rank != Rank::Unrated && worst.all(|r| is_cancelled(&r.cancel_flag))
            },
            by_name: s.row.key_kind.as_deref() == Some("name"),
            doubt: match state {
                KeyState::Parked => s.row.message.clone().or_else(|| Some(String::new())),
                _ => s.row.doubt.clone(),
            },
            flags: Vec::new(),
        };
        a.flags = a.judge(rank);
        a
    }

    fn judge(&self, rank: Rank) -> Vec<Flag> {
        let mut f = Vec::new();
        match rank {
            Rank::SeverelyDishonest => f.push(Flag::SeverelyDishonest),
            Rank::Dishonest => f.push(Flag::Dishonest),
            _ => {}
        }
        if self.state == KeyState::Found && self.unreadable > 0 {
            f.push(Flag::UnreadableRecord);
        }
        if self.doubt.is_some() {
            f.push(Flag::Inconsistent);
        }
        if !self.worse.is_empty() {
            f.push(Flag::Worse);
        }
        if self.recent_punishments > 0 {
            f.push(Flag::Punished);
        }
        if self.cancelled > 0 {
            f.push(Flag::Cancelled);
        }
        if self.state == KeyState::NotFound {
            f.push(Flag::NotFound);
        }
        f
    }

    /// The order of the needs-attention list: most severe flag, then more flags, then more
    /// recent punishments, then the list's order.
    pub fn sort_key(&self, row: u64) -> (Option<Flag>, Reverse<usize>, Reverse<usize>, u64) {
        (
            self.flags.first().copied(),
            Reverse(self.flags.len()),
            Reverse(self.recent_punishments),
            row,
        )
    }

    /// The current level as people read it: the level, or the state when there is none.
    pub fn level_now(&self, lang: Lang) -> String {
        reading(lang, self.state, &self.level)
    }

    /// `previous -> current` when the previous screening read differently, else the current.
    pub fn level_change(&self, lang: Lang) -> String {
        match &self.previous {
            Some((st, lvl)) => format!("{} → {}", reading(lang, *st, lvl), self.level_now(lang)),
            None => self.level_now(lang),
        }
    }

    /// `1/3`: cancelled registrations of all.
    pub fn cancelled_text(&self) -> String {
        if self.registrations == 0 {
            String::new()
        } else {
            format!("{}/{}", self.cancelled, self.registrations)
        }
    }

    /// One line saying why the supplier needs attention.
    pub fn reason(&self, lang: Lang, window: Window) -> String {
        self.reasons(lang, window)
            .join(lang.of(labels::REASON_SEPARATOR))
    }

    /// Why the supplier needs attention, one sentence per flag, most severe first; a flag that
    /// another sentence already says (not found after "no longer found") is not said twice.
    pub fn reasons(&self, lang: Lang, window: Window) -> Vec<String> {
        let gone = self.worse.contains(&ChangeKind::NoLongerFound);
        let mut parts: Vec<String> = Vec::new();
        for f in &self.flags {
            parts.push(match f {
                Flag::SeverelyDishonest | Flag::Dishonest => {
                    let old_letter = !self.level.contains("企业");
                    let level = match f {
                        Flag::SeverelyDishonest if !old_letter => "严重失信企业".to_string(),
                        _ => self.level.trim().to_string(),
                    };
                    let level = if lang == Lang::En && !old_letter {
                        lang.rank(Rank::of(&level)).to_lowercase()
                    } else {
                        level
                    };
                    lang.rated(&level, old_letter, self.worst_only_cancelled)
                }
                Flag::UnreadableRecord => match lang {
                    Lang::Zh => format!(
                        "{}条海关注册记录无法读取信用等级（接口记录无法读取），请人工核查",
                        self.unreadable
                    ),
                    Lang::En => format!(
                        "unreadable vendor record: the level of {} registration(s) could not be \
                         read; check by hand",
                        self.unreadable
                    ),
                },
                Flag::Inconsistent => self.inconsistent(lang),
                Flag::Worse => self.worse_sentence(lang),
                Flag::Punished => lang.punished(
                    &window.label(lang),
                    self.recent_punishments,
                    self.punishments,
                    &self.latest_day(),
                ),
                Flag::Cancelled => lang.cancelled_registrations(self.cancelled, self.registrations),
                Flag::NotFound if gone => continue,
                Flag::NotFound => lang.not_found(self.by_name).to_string(),
            });
        }
        parts
    }

    fn inconsistent(&self, lang: Lang) -> String {
        let why = self.doubt.as_deref().unwrap_or_default();
        let head = match self.state {
            KeyState::Parked => lang.of(labels::REASON_VENDOR_ANSWER_UNREADABLE_PARKED),
            _ => lang.of(labels::REASON_VENDOR_ANSWER_INCONSISTENT_ONLY_THE_PAGES),
        };
        if why.is_empty() {
            head.to_string()
        } else {
            format!("{head}{}{why}", lang.of(labels::REASON_SEPARATOR_2))
        }
    }

    /// `较上次筛查变差：信用等级下降（高级认证企业 → 一般信用企业）`, or since a day when the change
    /// came before the current screening.
    fn worse_sentence(&self, lang: Lang) -> String {
        let fall = self
            .level_fall
            .as_ref()
            .map(|(was, now)| (lang.level(was), lang.level(now)));
        let parts: Vec<String> = self
            .worse
            .iter()
            .map(|k| match k {
                ChangeKind::LevelWorse => {
                    lang.worse_part(*k, fall.as_ref().map(|(a, b)| (a.as_str(), b.as_str())))
                }
                _ => lang.worse_part(*k, None),
            })
            .collect();
        format!(
            "{}{}",
            match &self.worse_since {
                None => lang
                    .of(labels::REASON_SINCE_THE_PREVIOUS_SCREENING)
                    .to_string(),
                Some(day) => lang.worse_since(day),
            },
            parts.join(lang.of(labels::REASON_SEPARATOR_3))
        )
    }

    /// The latest punishment's day, or empty.
    pub fn latest_day(&self) -> String {
        self.latest_punishment
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }
}

/// What a change was and became, as people read it: the level (or state) for level and found
/// changes, the punishment count for a new punishment, the registration's status for a
/// cancellation.
pub fn change_values(lang: Lang, c: &ChangeRow) -> (String, String) {
    let side = |b: &ScreeningBrief| {
        let st = b.state.unwrap_or(KeyState::Found);
        let level = if st == KeyState::Found {
            worst_level(b.levels.iter().map(String::as_str)).to_string()
        } else {
            String::new()
        };
        reading(lang, st, &level)
    };
    let count = |n: u64| match lang {
        Lang::Zh => format!("{n}条处罚"),
        Lang::En => format!("{n} punishment(s)"),
    };
    match ChangeKind::parse(&c.kind) {
        Some(ChangeKind::NewPunishment) => {
            (count(c.before.punishments), count(c.after.punishments))
        }
        Some(ChangeKind::Cancelled) => (
            lang.of(labels::REASON_ACTIVE).to_string(),
            lang.of(labels::REASON_CANCELLED).to_string(),
        ),
        _ => (side(&c.before), side(&c.after)),
    }
}

/// A screening as people read it: its worst level, or its state when it has no level.
pub fn reading(lang: Lang, state: KeyState, level: &str) -> String {
    match state {
        KeyState::Found if level.is_empty() => lang.rank(Rank::Unrated).to_string(),
        KeyState::Found => lang.level(level),
        other => lang.state(other).to_string(),
    }
}

/// The kinds of the key's changes for the worse (each once), the latest fall in level as the
/// change recorded it (was, now), and the day of the first change when it came before the
/// current screening.
#[allow(clippy::type_complexity)]
fn worse_of(s: &SupplierRow) -> (Vec<ChangeKind>, Option<(String, String)>, Option<String>) {
    let mut worse: Vec<ChangeKind> = Vec::new();
    for k in s.worse.iter().filter_map(|c| c.kind) {
        if !worse.contains(&k) {
            worse.push(k);
        }
    }
    let level_fall = s
        .worse
        .iter()
        .rev()
        .find_map(|c| c.level_fall.as_deref().cloned());
    let since = s
        .worse
        .iter()
        .find(|c| Some(c.screening_id) != s.row.screening_id)
        .and_then(|c| c.detected_on)
        .map(|d| d.format("%Y-%m-%d").to_string());
    (worse, level_fall, since)
}

/// The previous answered screening's (state, worst level), when it reads differently from now.
fn previous_reading(s: &SupplierRow, state: KeyState, level: &str) -> Option<(KeyState, String)> {
    let current = s.row.screening_id?;
    let prev = s
        .history
        .iter()
        .rfind(|h| h.id < current && h.state.is_answered())?;
    let prev_level = if prev.state == KeyState::Found {
        worst_level(prev.levels.iter().map(String::as_str)).to_string()
    } else {
        String::new()
    };
    let differs = prev.state != state || Rank::of(&prev_level) != Rank::of(level);
    differs.then_some((prev.state, prev_level))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_order_by_severity() {
        assert!(Flag::SeverelyDishonest < Flag::Dishonest);
        assert!(Flag::Dishonest < Flag::Worse);
        assert!(Flag::Worse < Flag::Punished);
        assert!(Flag::Punished < Flag::Cancelled);
        assert!(Flag::Cancelled < Flag::NotFound);
    }
}
