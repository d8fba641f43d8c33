//! Paging: a key's answer can span several pages; this accumulates them and says which comes next.

use super::{Outcome, PageOutcome, RawRecord};

/// Every call is billed, so ask for the largest page the vendor allows.
pub const PAGE_SIZE: u64 = 20;
/// The vendor refuses more than 5000 entries (207); more pages than this cannot be legitimate.
pub const MAX_PAGES: u32 = 5000 / PAGE_SIZE as u32 + 1;

/// Accumulates the pages of one key and says which page comes next.
#[derive(Debug, Default)]
pub struct Pager {
    records: Vec<RawRecord>,
    page: u32,
}

impl Pager {
    pub fn new() -> Self {
        Pager {
            records: Vec::new(),
            page: 1,
        }
    }

    /// The page to ask for next.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// Records taken so far.
    pub fn records(&self) -> u64 {
        self.records.len() as u64
    }

    /// Take a `Found` page's records (moved out of `outcome`); true when another page must be
    /// fetched.
    pub fn absorb(&mut self, outcome: &mut PageOutcome) -> bool {
        let n = outcome.records.len() as u64;
        self.records.append(&mut outcome.records);
        let size = outcome.page_size.filter(|s| *s > 0).unwrap_or(PAGE_SIZE);
        let more = match outcome.total {
            Some(total) => n > 0 && u64::from(self.page) * size < total,
            None => n >= size,
        };
        if more && self.page < MAX_PAGES {
            self.page += 1;
            true
        } else {
            false
        }
    }

    /// The last `n` records taken.
    pub fn last(&self, n: usize) -> &[RawRecord] {
        &self.records[self.records.len().saturating_sub(n)..]
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
