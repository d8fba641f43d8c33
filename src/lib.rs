//! qcc-credit: bulk-screen supplier lists against China Customs import/export credit data through
//! Qichacha's paid API "进出口信用核查".
//!
//! The crate follows the data flow of `docs/design.md`, one module per stage:
//!
//! - [`input`] reads the analyst's file (CSV in any common encoding, Excel, plain text) row by row;
//! - [`normalize`] turns a cell into a search key and classifies it (`uscc`, `reg_no`, `name`);
//! - [`store`] owns the SQLite schema: ingest, key states ([`key_state`]), records, audit,
//!   history, changes;
//! - [`qcc`] builds signed requests and classifies every answer through one status table;
//! - [`screen`] dispatches due keys under the rate limit, backs off, and feeds the single writer;
//! - [`export`], [`changes`] and [`report`] turn the database back into something people read,
//!   through [`view`] (who needs attention, in which language and time zone);
//! - [`simulator`] is a faithful stand-in for the vendor, used by tests and `demo`.
//!
//! At the top, [`cli`] parses arguments into options and [`commands`] runs them: the only code that
//! prints. `main.rs` maps the result to an [`exit::ExitCode`].

pub mod changes;
pub mod cli;
pub mod clock;
pub mod commands;
pub mod credit;
pub mod exit;
pub mod export;
pub mod input;
pub mod key_state;
pub mod normalize;
pub mod notify;
pub mod outfile;
pub mod qcc;
pub mod report;
pub mod review;
pub mod rng;
pub mod screen;
pub mod secrets;
pub mod simulator;
pub mod store;
pub mod telemetry;
pub mod view;
