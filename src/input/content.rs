//! What the first data rows of each column hold: valid codes, company names, a row counter.
//! Column choice ([`super::columns`]) weighs this against the headers, so a header over values
//! that are not keys (a header row shifted by a tab) loses to the column that holds them.

use super::Cell;
use crate::normalize::{KeyKind, classify, normalize};

/// How many rows from the top of the data are read to judge what each column holds.
pub const SAMPLE_ROWS: usize = 1000;

/// What a column may be found to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum What {
    /// Valid USCCs and 注册号 that pass their check digit.
    Codes,
    /// Values that read as company names ([`looks_like_company`]).
    Names,
}

impl What {
    pub fn label(self) -> &'static str {
        match self {
            What::Codes => "valid codes",
            What::Names => "company names",
        }
    }
}

/// What each column holds over the sampled rows.
pub struct Survey {
    /// Sampled rows with any filled cell.
    rows: usize,
    /// Per column: (valid codes, company names).
    counts: Vec<(usize, usize)>,
    /// Per column: its filled cells count 1, 2, 3 ...
    counters: Vec<bool>,
}

impl Survey {
    pub fn of(width: usize, sample: &[impl AsRef<[Cell]>]) -> Survey {
        let rows = sample
            .iter()
            .filter(|r| r.as_ref().iter().any(|c| !c.text().trim().is_empty()))
            .count();
        let column = |i: usize| sample.iter().filter_map(move |r| r.as_ref().get(i));
        Survey {
            rows,
            counts: (0..width).map(|i| tally(column(i))).collect(),
            counters: (0..width).map(|i| counts_up(column(i))).collect(),
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn count(&self, col: usize, what: What) -> usize {
        let (codes, names) = self.counts.get(col).copied().unwrap_or_default();
        match what {
            What::Codes => codes,
            What::Names => names,
        }
    }

    pub fn is_counter(&self, col: usize) -> bool {
        self.counters.get(col).copied().unwrap_or(false)
    }

    /// Three in ten sampled rows (or more) hold it: the column is that column.
    fn holds(&self, col: usize, what: What) -> bool {
        let n = self.count(col, what);
        n > 0 && n * 10 >= self.rows * 3
    }

    /// The header's column when it holds `what` (or nothing was sampled), else the column that
    /// holds the most of it; never `skip`.
    pub fn choose(&self, header: Option<usize>, what: What, skip: Option<usize>) -> Option<usize> {
        let allowed = |i: &usize| Some(*i) != skip;
        header
            .filter(allowed)
            .filter(|h| self.rows == 0 || self.holds(*h, what))
            .or_else(|| {
                (0..self.counts.len())
                    .filter(|i| allowed(i) && self.holds(*i, what))
                    .max_by_key(|i| (self.count(*i, what), std::cmp::Reverse(*i)))
            })
    }

    /// Every column that holds codes or names, as a `--column` choice: `--column 2
    /// ("纳税人名称": 980 valid codes in the first 1000 rows)`.
    pub fn choices(&self, headers: &[String]) -> Vec<(usize, String)> {
        (0..self.counts.len().min(headers.len()))
            .filter_map(|i| {
                let what = if self.count(i, What::Codes) >= self.count(i, What::Names) {
                    What::Codes
                } else {
                    What::Names
                };
                self.holds(i, what).then(|| {
                    let text = format!(
                        "--column {} ({:?}: {} {} in the first {} rows)",
                        i + 1,
                        headers[i],
                        self.count(i, what),
                        what.label(),
                        self.rows
                    );
                    (i, text)
                })
            })
            .collect()
    }
}

/// (valid codes, company names) among a column's cells.
fn tally<'a>(cells: impl Iterator<Item = &'a Cell>) -> (usize, usize) {
    let (mut codes, mut names) = (0, 0);
    for cell in cells {
        let t = cell.text();
        if t.trim().is_empty() {
            continue;
        }
        let c = classify(t, Default::default());
        match c.kind {
            Some(KeyKind::Uscc | KeyKind::RegNo) if c.invalid.is_none() => codes += 1,
            _ if looks_like_company(t) => names += 1,
            _ => {}
        }
    }
    (codes, names)
}

/// Filled cells that read 1, 2, 3 ... (each one more than the last): a row counter.
fn counts_up<'a>(cells: impl Iterator<Item = &'a Cell>) -> bool {
    let values: Vec<u64> = cells
        .filter(|c| **c != Cell::Empty)
        .map_while(|c| c.text().trim().parse::<u64>().ok())
        .collect();
    values.len() >= 3 && values.windows(2).all(|w| w[1] == w[0] + 1)
}

/// A company name: short text, no long run of digits, ending as organisations' names end.
pub fn looks_like_company(cell: &str) -> bool {
    let t = normalize(cell);
    let n = t.chars().count();
    if !(4..=80).contains(&n) || t.contains(['；', '。', '，', ';']) {
        return false;
    }
    let mut run = 0;
    for c in t.chars() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= 6 {
            return false;
        }
    }
    // `(有限合伙)`, `(集团)`: the name ends before the brackets.
    let core = t.trim_end_matches(')');
    let core = match core.len() < t.len() {
        true => core.rsplit_once('(').map_or(core, |(head, _)| head),
        false => core,
    };
    const ENDS: &[&str] = &[
        "公司", "厂", "店", "中心", "社", "集团", "所", "院", "行", "部", "站", "场", "馆", "会",
        "处", "局", "校", "园", "队", "坊", "庄", "铺", "合伙", "户",
    ];
    let cjk = core
        .chars()
        .filter(|c| ('\u{4E00}'..='\u{9FFF}').contains(c))
        .count();
    if cjk >= 3 {
        return ENDS.iter().any(|e| core.ends_with(e) || t.ends_with(e));
    }
    let lower = t.to_lowercase();
    lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        matches!(
            w,
            "ltd"
                | "limited"
                | "co"
                | "inc"
                | "corp"
                | "corporation"
                | "company"
                | "gmbh"
                | "llc"
                | "plc"
                | "ag"
                | "sa"
                | "bv"
                | "trading"
        )
    }) && lower.contains(' ')
}
