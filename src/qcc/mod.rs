//! The vendor API "进出口信用核查" (`docs/vendor-api.md`): the method URL ([`endpoint`]), signed
//! requests ([`client`]), the response envelope ([`envelope`]), record field names ([`record`]),
//! paging ([`pager`]) and the one table that says what each status code means ([`status`]).
//!
//! This module knows nothing of SQLite or of the screening run: a search key and page go in, a
//! [`CallRecord`] (audit facts plus a classified [`PageOutcome`]) comes out.

pub mod client;
pub mod endpoint;
pub mod envelope;
pub mod pager;
pub mod record;
pub mod status;

pub use client::{CallRecord, PageOutcome, VendorClient};
pub use endpoint::{DEFAULT_BASE_URL, Endpoint, METHOD_PATH};
pub use envelope::{Envelope, Paging};
pub use pager::{DEFAULT_PAGES_PER_KEY, MAX_PAGES, PAGE_SIZE, Pager, Resume, Step};
pub use status::{Class, classify_status};

/// A vendor record (`Result.Data[]`) exactly as received: its JSON text.
pub type RawRecord = Box<serde_json::value::RawValue>;

/// The answer for one key after all its pages, as the screening stores it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// 200: the records of all pages, each exactly as received.
    Found(Vec<RawRecord>),
    /// 201: checked and absent.
    NotFound,
    /// 202/213/215/223 (or a local rejection): the key is final.
    Invalid(String),
    /// 207/208/209/218/219: the vendor cannot answer for this key; final.
    Unsupported(String),
}

impl Outcome {
    /// The records of the answer: none but for `Found`.
    pub fn records(&self) -> &[RawRecord] {
        match self {
            Outcome::Found(records) => records,
            _ => &[],
        }
    }
}
