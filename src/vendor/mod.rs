//! The vendor API "进出口信用核查": request building and signing ([`client`]), the response
//! envelope ([`model`]), and the one table that says what each status code means ([`status`]).
//!
//! This module knows nothing of SQLite or of the pipeline: a search key and page go in, a
//! [`CallRecord`] (audit facts plus a classified [`PageOutcome`]) comes out.

pub mod client;
pub mod model;
pub mod status;

pub use client::{
    CallRecord, DEFAULT_BASE_URL, Endpoint, METHOD_PATH, PageOutcome, Pager, VendorClient,
};
pub use model::{Envelope, Paging};
pub use status::{Class, classify_status};

/// The answer for one key after all its pages, as the pipeline stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 200: the records of all pages, each exactly as received.
    Found(Vec<serde_json::Value>),
    /// 201: checked and absent.
    NotFound,
    /// 202/213/215/223 (or a local rejection): the key is final.
    Invalid(String),
    /// 207/208/209/218/219: the vendor cannot answer for this key; final.
    Unsupported(String),
}
