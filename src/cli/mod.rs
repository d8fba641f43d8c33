//! The command line: [`args`] is what clap parses (flags, defaults, value parsers);
//! [`options`] turns those into the options the library runs with. Nothing here prints or runs.

pub mod args;
pub mod options;

pub use args::{ChangesFormat, Cli, Command, FailOn, FaultArgs, RunArgs, SimArgs, ViewArgs};
