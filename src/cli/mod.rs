//! The command line: [`args`] is what clap parses (flags, defaults, value parsers);
//! [`options`] turns those into the options the library runs with. Nothing here prints or runs.

pub mod args;
pub mod options;

pub use args::{
    AuditFormat, ChangesFormat, Cli, Command, FailOn, FaultArgs, PriceArgs, ReviewArgs, RunArgs,
    SelectArgs, SimArgs, ViewArgs,
};
