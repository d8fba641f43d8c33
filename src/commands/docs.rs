//! `completions` and the man page, generated from the clap definitions so they never drift from
//! the real command line.

use clap::CommandFactory;

use super::ignore_broken_pipe;
use crate::cli::Cli;
use crate::exit::ExitCode;

pub(super) fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut cmd, "qcc-credit", &mut out);
    Ok(ExitCode::Ok)
}

/// One page: the command, then each subcommand's synopsis, description and options.
pub(super) fn manpage() -> anyhow::Result<ExitCode> {
    let cmd = Cli::command();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let bin = format!("qcc-credit {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(bin));
        man.render_synopsis_section(&mut page)?;
        man.render_description_section(&mut page)?;
        man.render_options_section(&mut page)?;
    }
    let mut out = std::io::stdout().lock();
    ignore_broken_pipe(std::io::Write::write_all(&mut out, &page))?;
    Ok(ExitCode::Ok)
}
