//! The state of a search key (`docs/design.md`, "Key states"), parsed once and stored as the same
//! strings it always was.
//!
//! `pending` -> `found` | `not_found` | `invalid` | `unsupported` (final) · `deferred` (110, with
//! `not_before`) · `failed` (transient errors exhausted; the next run retries it) · `parked` (the
//! vendor's answer could not be read twice: never called again without `--retry-failed`, so an
//! unreadable answer is not bought every night).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyState {
    /// Not answered yet.
    Pending,
    /// The vendor has customs data for it (200).
    Found,
    /// Checked and absent (201).
    NotFound,
    /// Rejected locally or by the vendor (202/213/215/223): final, never called again.
    Invalid,
    /// The vendor cannot answer for it (207/208/209/218/219): final.
    Unsupported,
    /// 110: not called again before its `not_before`.
    Deferred,
    /// Transient failures exhausted in a run; the next run retries it.
    Failed,
    /// Two answers that could not be read: not called again unless `--retry-failed`.
    Parked,
}

impl KeyState {
    /// Every state, in the order people read them.
    pub const ALL: [KeyState; 8] = [
        KeyState::Pending,
        KeyState::Found,
        KeyState::NotFound,
        KeyState::Invalid,
        KeyState::Unsupported,
        KeyState::Deferred,
        KeyState::Failed,
        KeyState::Parked,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::Pending => "pending",
            KeyState::Found => "found",
            KeyState::NotFound => "not_found",
            KeyState::Invalid => "invalid",
            KeyState::Unsupported => "unsupported",
            KeyState::Deferred => "deferred",
            KeyState::Failed => "failed",
            KeyState::Parked => "parked",
        }
    }

    pub fn parse(s: &str) -> Option<KeyState> {
        KeyState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The vendor gave an answer (records or their absence): the states change detection compares.
    pub fn is_answered(self) -> bool {
        matches!(self, KeyState::Found | KeyState::NotFound)
    }

    /// Work is left: for a later run, or (parked) for a run with `--retry-failed`.
    pub fn is_unfinished(self) -> bool {
        matches!(
            self,
            KeyState::Pending | KeyState::Deferred | KeyState::Failed | KeyState::Parked
        )
    }
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl rusqlite::types::ToSql for KeyState {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        Ok(self.as_str().into())
    }
}

impl rusqlite::types::FromSql for KeyState {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        let s = v.as_str()?;
        KeyState::parse(s).ok_or_else(|| {
            rusqlite::types::FromSqlError::Other(format!("unknown key state {s:?}").into())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for s in KeyState::ALL {
            assert_eq!(KeyState::parse(s.as_str()), Some(s));
        }
        assert_eq!(KeyState::parse("found "), None);
    }
}
