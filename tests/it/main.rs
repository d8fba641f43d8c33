//! All integration tests are one binary (one link, shared helpers).

mod analyst;
mod billing;
mod client;
mod evidence;
mod helpers;
mod hostile;
mod input;
mod liar;
mod lists;
mod notify;
mod outputs;
mod pipeline;
mod rescreen;
mod review;
mod rows;
mod ship;
mod simulator;
mod workbooks;
