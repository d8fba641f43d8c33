//! Paging: a key's answer can span several pages; this accumulates them, says which comes next,
//! and stops when the vendor's paging cannot be true (a lying or broken vendor would otherwise
//! bill page after page of the same answer).

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};

use super::{Outcome, PageOutcome, RawRecord};

/// Every call is billed, so ask for the largest page the vendor allows.
pub const PAGE_SIZE: u64 = 20;
/// The vendor refuses more than 5000 entries (207); more pages than this cannot be legitimate.
pub const MAX_PAGES: u32 = 5000 / PAGE_SIZE as u32 + 1;
/// Pages bought for one key unless `--max-pages-per-key` says otherwise: 500 registrations, far
/// more than any real company holds.
pub const DEFAULT_PAGES_PER_KEY: u32 = 25;
/// The most body bytes bought for one key: 25 real pages are well under 1 MiB.
pub const MAX_BYTES_PER_KEY: u64 = 32 * 1024 * 1024;

/// Pages already paid for in an earlier run, to go on from.
#[derive(Debug, Default)]
pub struct Resume {
    /// The records of pages `1..next_page`, in order.
    pub records: Vec<RawRecord>,
    /// The first page not paid for.
    pub next_page: u32,
    /// The vendor's `TotalRecords` on those pages.
    pub total: Option<u64>,
}

/// Accumulates the pages of one key and says which page comes next.
#[derive(Debug)]
pub struct Pager {
    records: Vec<RawRecord>,
    page: u32,
    max_pages: u32,
    /// The total the first page read stated (or the resumed pages did).
    total: Option<Option<u64>>,
    /// Pages resumed from an earlier run (their total is checked by the first page bought).
    resumed_pages: u32,
    /// A hash of each page's records, to tell a repeated page.
    seen: HashSet<u64>,
    bytes: u64,
}

impl Default for Pager {
    fn default() -> Self {
        Pager::new(DEFAULT_PAGES_PER_KEY)
    }
}

/// What a page means for the key's paging.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    /// Ask for [`Pager::page`] next.
    More,
    /// The answer is whole.
    Done,
    /// Paging stops here: the vendor's answer cannot be taken whole, for this reason; the
    /// records so far are kept.
    Doubt(String),
    /// The pages resumed from an earlier run were of another total: start again from page 1.
    Restart(String),
}

impl Pager {
    /// A key's paging from page 1, buying at most `max_pages` pages.
    pub fn new(max_pages: u32) -> Self {
        Pager {
            records: Vec::new(),
            page: 1,
            max_pages: max_pages.clamp(1, MAX_PAGES),
            total: None,
            resumed_pages: 0,
            seen: HashSet::new(),
            bytes: 0,
        }
    }

    /// Go on from pages paid for in an earlier run.
    pub fn resume(max_pages: u32, resume: Resume) -> Self {
        let mut p = Pager::new(max_pages);
        if resume.next_page > 1 {
            p.page = resume.next_page;
            p.resumed_pages = resume.next_page - 1;
            p.total = Some(resume.total);
            p.records = resume.records;
        }
        p
    }

    /// The page to ask for next.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Records taken so far.
    pub fn records(&self) -> u64 {
        self.records.len() as u64
    }

    /// Pages taken from an earlier run.
    pub fn resumed_pages(&self) -> u32 {
        self.resumed_pages
    }

    /// Take a `Found` page's records (moved out of `outcome`, `bytes` its body's length) and say
    /// what comes next.
    pub fn absorb(&mut self, outcome: &mut PageOutcome, bytes: usize) -> Step {
        let page = self.page;
        let n = outcome.records.len() as u64;
        let size = outcome.page_size.filter(|s| *s > 0).unwrap_or(PAGE_SIZE);
        if let Some(stated) = self.total
            && stated != outcome.total
        {
            let was = |t: Option<u64>| t.map_or_else(|| "none".to_string(), |t| t.to_string());
            let why = format!(
                "the vendor's TotalRecords changed from {} to {} at page {page}",
                was(stated),
                was(outcome.total)
            );
            if self.resumed_pages > 0 && u64::from(page) == u64::from(self.resumed_pages) + 1 {
                // The data changed since the earlier run: its pages are not this answer's.
                *self = Pager::new(self.max_pages);
                return Step::Restart(format!(
                    "{why} since pages 1-{} were bought; starting over from page 1",
                    page - 1
                ));
            }
            // Paid for: kept.
            self.records.append(&mut outcome.records);
            return Step::Doubt(why);
        }
        self.total = Some(outcome.total);
        self.bytes += bytes as u64;
        let repeated = n > 0 && !self.seen.insert(page_hash(&outcome.records));
        let doubt = if repeated {
            Some(format!(
                "page {page} repeats the records of an earlier page"
            ))
        } else {
            implausible(page, n, size, outcome)
        };
        if let Some(why) = doubt {
            // Paid for: kept, unless the vendor sent them already.
            if !repeated {
                self.records.append(&mut outcome.records);
            }
            return Step::Doubt(why);
        }
        self.records.append(&mut outcome.records);
        let more = match outcome.total {
            Some(total) => n > 0 && u64::from(page) * size < total,
            None => n >= size,
        };
        if !more {
            return Step::Done;
        }
        if self.bytes > MAX_BYTES_PER_KEY {
            return Step::Doubt(format!(
                "{} MiB of answers for one key, more than the {} MiB any real answer needs",
                self.bytes / (1024 * 1024),
                MAX_BYTES_PER_KEY / (1024 * 1024)
            ));
        }
        if page >= self.max_pages {
            let stated = outcome
                .total
                .map(|t| format!(" of the {t} the vendor states"))
                .unwrap_or_default();
            return Step::Doubt(format!(
                "stopped after {page} pages ({} records{stated}): the per-key budget \
                 (--max-pages-per-key {})",
                self.records.len(),
                self.max_pages
            ));
        }
        self.page += 1;
        Step::More
    }

    /// A 201 on a later page ends paging; on the first page the key is not found.
    pub fn finish(self) -> Outcome {
        if self.records.is_empty() {
            Outcome::NotFound
        } else {
            Outcome::Found(self.records)
        }
    }
}

/// One page's records reduced to a number, to tell a page the vendor sends again.
fn page_hash(records: &[RawRecord]) -> u64 {
    let mut h = DefaultHasher::new();
    for r in records {
        r.get().hash(&mut h);
    }
    h.finish()
}

/// What makes a page that is not a repeat implausible: a PageIndex other than the one asked
/// for, more records than a page holds, or none where the total says more.
fn implausible(page: u32, n: u64, size: u64, outcome: &PageOutcome) -> Option<String> {
    if let Some(index) = outcome.page_index.filter(|i| *i != u64::from(page)) {
        return Some(format!(
            "asked for page {page}, the vendor sent page {index}"
        ));
    }
    if n > size.min(PAGE_SIZE) {
        return Some(format!(
            "page {page} holds {n} records, more than the page size {}",
            size.min(PAGE_SIZE)
        ));
    }
    let short = outcome
        .total
        .is_some_and(|t| t > u64::from(page - 1) * size);
    (n == 0 && short).then(|| {
        format!(
            "page {page} holds no records, though the vendor states {} in all",
            outcome.total.unwrap_or_default()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qcc::Class;

    fn page(total: Option<u64>, index: Option<u64>, ids: std::ops::Range<u32>) -> PageOutcome {
        PageOutcome {
            class: Class::Found,
            records: ids
                .map(|i| serde_json::value::RawValue::from_string(format!("{{\"Id\":\"{i}\"}}")))
                .collect::<Result<_, _>>()
                .unwrap(),
            total,
            page_size: Some(PAGE_SIZE),
            page_index: index,
            retry_after: None,
            clock_corrected: false,
            unreadable: false,
        }
    }

    #[test]
    fn pages_until_the_total_is_reached() {
        let mut p = Pager::new(25);
        assert_eq!(
            p.absorb(&mut page(Some(45), Some(1), 0..20), 10),
            Step::More
        );
        assert_eq!(
            p.absorb(&mut page(Some(45), Some(2), 20..40), 10),
            Step::More
        );
        assert_eq!(
            p.absorb(&mut page(Some(45), Some(3), 40..45), 10),
            Step::Done
        );
        assert_eq!(p.records(), 45);
    }

    #[test]
    fn an_implausible_page_stops_paging_with_the_reason() {
        let doubt = |steps: &mut dyn FnMut(&mut Pager) -> Step| {
            let mut p = Pager::new(25);
            match steps(&mut p) {
                Step::Doubt(why) => (why, p.records()),
                other => panic!("{other:?}"),
            }
        };
        let (why, kept) = doubt(&mut |p| {
            p.absorb(&mut page(Some(100), None, 0..20), 1);
            p.absorb(&mut page(Some(100), None, 0..20), 1)
        });
        assert!(why.contains("repeats"), "{why}");
        assert_eq!(kept, 20);
        let (why, _) = doubt(&mut |p| {
            p.absorb(&mut page(Some(100), None, 0..20), 1);
            p.absorb(&mut page(Some(120), None, 20..40), 1)
        });
        assert!(why.contains("changed from 100 to 120"), "{why}");
        let (why, _) = doubt(&mut |p| p.absorb(&mut page(Some(100), Some(3), 0..20), 1));
        assert!(why.contains("sent page 3"), "{why}");
        let (why, _) = doubt(&mut |p| p.absorb(&mut page(Some(100), None, 0..30), 1));
        assert!(why.contains("30 records"), "{why}");
        let (why, _) = doubt(&mut |p| p.absorb(&mut page(Some(100), None, 0..20), 40 << 20));
        assert!(why.contains("MiB"), "{why}");
    }

    #[test]
    fn the_page_budget_keeps_what_was_bought() {
        let mut p = Pager::new(2);
        assert_eq!(p.absorb(&mut page(Some(1000), None, 0..20), 1), Step::More);
        let Step::Doubt(why) = p.absorb(&mut page(Some(1000), None, 20..40), 1) else {
            panic!()
        };
        assert!(why.contains("--max-pages-per-key 2"), "{why}");
        assert_eq!(p.records(), 40);
    }

    #[test]
    fn resumed_pages_of_another_total_start_over() {
        let resume = |total| Resume {
            records: page(None, None, 0..20).records,
            next_page: 2,
            total,
        };
        let mut p = Pager::resume(25, resume(Some(30)));
        assert_eq!(p.page(), 2);
        assert_eq!(p.absorb(&mut page(Some(30), None, 20..30), 1), Step::Done);
        assert_eq!(p.records(), 30);
        let mut p = Pager::resume(25, resume(Some(30)));
        let Step::Restart(why) = p.absorb(&mut page(Some(31), None, 20..31), 1) else {
            panic!()
        };
        assert!(why.contains("starting over from page 1"), "{why}");
        assert_eq!((p.page(), p.records()), (1, 0));
    }
}
