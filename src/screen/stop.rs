//! Why a run stops early, decided once.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::exit::ExitCode;

/// Why a run stopped before the work was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    Quota {
        code: String,
        message: String,
    },
    MaxCalls(u64),
    Fatal {
        code: String,
        message: String,
    },
    Interrupted,
    /// Attempts in a row never reached the vendor (refused, DNS, TLS, proxy): an outage.
    Unreachable {
        url: String,
        error: String,
        attempts: u32,
    },
    /// The database could not be written (a full disk, most often): the run stopped calling.
    Storage {
        error: String,
        disk_full: bool,
        unsaved_answers: u64,
    },
}

impl StopReason {
    /// The exit code cron sees for this stop.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            StopReason::Quota { .. } | StopReason::MaxCalls(_) => ExitCode::Quota,
            StopReason::Fatal { .. } => ExitCode::Fatal,
            StopReason::Interrupted => ExitCode::Interrupted,
            StopReason::Unreachable { .. } => ExitCode::Unreachable,
            StopReason::Storage { .. } => ExitCode::Error,
        }
    }

    /// Reasons that override an earlier one: the run cannot go on whatever else happened.
    fn overrides(&self) -> bool {
        matches!(self, StopReason::Fatal { .. } | StopReason::Storage { .. })
    }
}

/// Sets the stop reason once (the first wins, except that a fatal or storage failure overrides
/// the others) and cancels dispatch.
#[derive(Clone, Default)]
pub struct Stopper {
    pub token: CancellationToken,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl Stopper {
    pub fn stop(&self, r: StopReason) {
        let mut g = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        let replace = match &*g {
            None => true,
            Some(old) => !old.overrides() && r.overrides(),
        };
        if replace {
            *g = Some(r);
        }
        self.token.cancel();
    }

    pub fn reason(&self) -> Option<StopReason> {
        self.reason
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
