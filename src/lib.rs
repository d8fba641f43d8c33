//! qcc-credit: bulk-screen supplier lists against China Customs import/export credit data through
//! Qichacha's paid API "进出口信用核查".
//!
//! The crate follows the data flow of `DESIGN.md`, one module per stage:
//!
//! - [`input`] reads the analyst's file (CSV in any common encoding, Excel, plain text) row by row;
//! - [`normalize`] turns a cell into a search key and classifies it (`uscc`, `reg_no`, `name`);
//! - [`store`] owns the SQLite schema: ingest, key states, records, audit, history, changes;
//! - [`vendor`] builds signed requests and classifies every answer into an [`vendor::Outcome`];
//! - [`pipeline`] dispatches pending keys under the rate limit, backs off, and feeds the writer;
//! - [`export`], [`changes`] and [`report`] turn the database back into something people read;
//! - [`simulator`] is a faithful stand-in for the vendor, used by tests and `demo`.
//!
//! `main.rs` only parses arguments ([`cli`]) and maps the result to an [`exit::ExitCode`].

pub mod changes;
pub mod cli;
pub mod credit;
pub mod exit;
pub mod export;
pub mod input;
pub mod normalize;
pub mod pipeline;
pub mod report;
pub mod secrets;
pub mod simulator;
pub mod store;
pub mod telemetry;
pub mod vendor;
