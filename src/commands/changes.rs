//! `changes`: what re-screening found different, since a date; the listing itself is
//! [`crate::export::changes`].

use std::io::Write;
use std::path::Path;

use super::ignore_broken_pipe;
use crate::cli::{ChangesFormat, ViewArgs};
use crate::exit::ExitCode;
use crate::export::changes::Listing;
use crate::store::{self, Store};
use crate::view::{ListColumns, Zone};
use chrono::{NaiveDate, NaiveDateTime};

pub(super) fn changes(
    db: &Path,
    since: Option<&str>,
    format: ChangesFormat,
    view: ViewArgs,
    bom: bool,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let since = since.map(|s| since_instant(s, view.tz)).transpose()?;
    let file = store.latest_file()?;
    let cols = file.as_ref().map(ListColumns::of);
    let changes = store.changes(since.as_deref(), file.as_ref().map(|f| f.id))?;
    let listed = Listing {
        lang: view.lang,
        zone: view.tz,
        cols: cols.as_ref(),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = listed
        .write(&mut out, format, &changes, since.as_deref(), bom)
        .and_then(|()| out.flush());
    ignore_broken_pipe(written)?;
    Ok(ExitCode::Ok)
}

/// `--since`: a local date (its midnight in the zone), a local `YYYY-MM-DD HH:MM[:SS]`, or an
/// RFC 3339 instant; as the stored UTC text.
fn since_instant(s: &str, zone: Zone) -> anyhow::Result<String> {
    let t = s.trim();
    let bad = || {
        anyhow::anyhow!(
            "--since {s:?}: expected YYYY-MM-DD (local midnight), YYYY-MM-DD HH:MM (local) or an RFC 3339 instant"
        )
    };
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return zone.midnight(d).map(store::ts).ok_or_else(bad);
    }
    for fmt in [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(t, fmt) {
            return zone.instant(local).map(store::ts).ok_or_else(bad);
        }
    }
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(i) => Ok(store::ts(i.with_timezone(&chrono::Utc))),
        Err(_) => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_local_time() {
        let sh: Zone = "Asia/Shanghai".parse().unwrap();
        assert_eq!(
            since_instant("2026-12-01", sh).unwrap(),
            "2026-11-30T16:00:00Z"
        );
        assert_eq!(
            since_instant("2026-12-01 02:30", sh).unwrap(),
            "2026-11-30T18:30:00Z"
        );
        assert_eq!(
            since_instant("2026-12-01T00:00:00Z", sh).unwrap(),
            "2026-12-01T00:00:00Z"
        );
        assert!(since_instant("yesterday", sh).is_err());
    }
}
