//! What earlier runs already paid for a key that has no answer yet: the pages to go on from, and
//! how many of its answers could not be read (`docs/design.md`, "A page paid is a page kept").
//!
//! Every call is stored as it arrives, and a call stays unlinked (no `screening_id`) until its
//! key's answer is written, so the unlinked 200 calls of a key are exactly the pages bought
//! towards an answer that never came: the run was stopped (quota, `--max-calls`, a signal, a
//! kill), or the key was deferred or failed in the middle of its paging.

use std::collections::BTreeMap;

use super::{Result, Store};
use crate::qcc::{Envelope, Resume};

/// What a key's earlier runs left to go on from.
#[derive(Debug, Default)]
pub struct Paid {
    pub resume: Resume,
    /// The vendor's answers (HTTP 2xx) for the key that could not be read, since its last answer.
    pub unreadable: u32,
}

impl Store {
    /// The keys with calls that point at no screening yet (bought pages or unreadable answers):
    /// read once when a run starts, so a key without any costs no query at dispatch.
    pub fn keys_with_paid_calls(&self) -> Result<std::collections::HashSet<i64>> {
        super::apply::unlinked_keys(&self.conn).map_err(self.e())
    }

    /// The pages paid for `key_id` since its last answer, as far as they run unbroken from page 1
    /// with one `TotalRecords` and full pages, and its unreadable answers.
    pub fn paid_for(&self, key_id: i64) -> Result<Paid> {
        let e = self.e();
        // (call id, page, vendor status, unreadable)
        let calls: Vec<(i64, i64, Option<String>, bool)> = self
            .conn
            .prepare_cached(
                "SELECT id, page, vendor_status,
                   vendor_status IS NULL AND reached = 1 AND http_status BETWEEN 200 AND 299
                 FROM calls WHERE key_id = ?1 AND screening_id IS NULL ORDER BY id",
            )
            .and_then(|mut st| {
                st.query_map([key_id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect()
            })
            .map_err(&e)?;
        let unreadable = calls.iter().filter(|c| c.3).count() as u32;
        // The latest 200 of each page.
        let latest: BTreeMap<i64, i64> = calls
            .iter()
            .filter(|c| c.2.as_deref() == Some("200"))
            .map(|c| (c.1, c.0))
            .collect();
        let mut resume = Resume {
            next_page: 1,
            ..Resume::default()
        };
        for (page, call_id) in latest {
            if page != i64::from(resume.next_page) {
                break;
            }
            let Some(body) = self.call_body(call_id)? else {
                break;
            };
            let Ok(env) = serde_json::from_str::<Envelope>(&body) else {
                break;
            };
            let paging = env.paging.unwrap_or_default();
            let data = env.result.map(|r| r.data).unwrap_or_default();
            let size = paging.page_size.filter(|s| *s > 0);
            let full = size.is_some_and(|s| data.len() as u64 == s);
            if !full || (page > 1 && paging.total_records != resume.total) {
                break;
            }
            resume.total = paging.total_records;
            resume.records.extend(data);
            resume.next_page += 1;
        }
        Ok(Paid { resume, unreadable })
    }
}
