//! Exit codes: cron jobs branch on them, so they live in one place (`docs/design.md`, "Exit codes").

/// Process exit codes of `qcc-credit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every key reached a final state.
    Ok = 0,
    /// Error before or outside screening (unreadable input, no usable column, database error).
    Error = 1,
    /// Command-line usage error.
    Usage = 2,
    /// Stopped on quota or billing (vendor 102/109/112/116 or `--max-calls`); resumable.
    Quota = 3,
    /// Credentials or permission rejected by the vendor; fix configuration, then resume.
    Fatal = 4,
    /// Finished, but some keys are `deferred` or `failed` (run again later) or `parked` (their
    /// answers could not be read: look, then run with `--retry-failed`).
    Incomplete = 5,
    /// Finished, and `--fail-on-change worse` found something that got worse.
    Worse = 6,
    /// The vendor could not be reached (refused, DNS, TLS, proxy) for a run of attempts with no
    /// answer; nothing was billed for them. Resumable once the network is back.
    Unreachable = 7,
    /// Interrupted by SIGINT/SIGTERM; everything answered so far is committed.
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> u8 {
        self as u8
    }

    /// What the code tells the person reading the run summary.
    pub fn meaning(self) -> &'static str {
        match self {
            ExitCode::Ok => "every key reached a final state",
            ExitCode::Incomplete => {
                "some keys are deferred or failed (run the same command again later) or parked \
                 (unreadable answers: --retry-failed asks again)"
            }
            ExitCode::Quota => {
                "stopped on quota or billing: run the same command again to continue"
            }
            ExitCode::Fatal => {
                "credentials or permission rejected: fix the configuration, then run again"
            }
            ExitCode::Interrupted => {
                "interrupted: everything answered is saved; run the same command to resume"
            }
            ExitCode::Worse => {
                "something got worse (--fail-on-change worse): see `qcc-credit changes`"
            }
            ExitCode::Unreachable => {
                "the vendor could not be reached: check the network, proxy and --base-url, then run again"
            }
            ExitCode::Error | ExitCode::Usage => "stopped on an error",
        }
    }
}

/// Serialized as the number cron sees.
impl serde::Serialize for ExitCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(self.code())
    }
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c.code())
    }
}
