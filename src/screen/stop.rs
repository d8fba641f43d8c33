//! Why a run stops early, decided once: the first reason wins, except that a fatal one overrides.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::exit::ExitCode;

/// Why a run stopped before the work was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    Quota { code: String, message: String },
    MaxCalls(u64),
    Fatal { code: String, message: String },
    Interrupted,
}

impl StopReason {
    /// The exit code cron sees for this stop.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            StopReason::Quota { .. } | StopReason::MaxCalls(_) => ExitCode::Quota,
            StopReason::Fatal { .. } => ExitCode::Fatal,
            StopReason::Interrupted => ExitCode::Interrupted,
        }
    }
}

/// Sets the stop reason once and cancels dispatch.
#[derive(Clone, Default)]
pub struct Stopper {
    pub token: CancellationToken,
    reason: Arc<Mutex<Option<StopReason>>>,
}

impl Stopper {
    pub fn stop(&self, r: StopReason) {
        let mut g = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        let replace = match (&*g, &r) {
            (None, _) => true,
            (Some(StopReason::Fatal { .. }), _) => false,
            (Some(_), StopReason::Fatal { .. }) => true,
            _ => false,
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
