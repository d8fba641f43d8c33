//! `status`: keys by state, calls made, the last run, and what a next run would call.

use std::path::Path;

use super::state_line;
use crate::exit::ExitCode;
use crate::review::ReviewOptions;
use crate::store::{self, DueFilter, Store};
use crate::telemetry::escape;

pub(super) fn status(db: &Path, json: bool) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let st = store.status(&DueFilter {
        now: store::ts(crate::clock::now()),
        refresh_before: None,
        retry_failed: false,
    })?;
    let alerts = match store.latest_file()? {
        Some(_) => Some(crate::review::count_open(&store, ReviewOptions::default())?),
        None => None,
    };
    let notes = store.notification_status()?;
    if json {
        let mut v = serde_json::to_value(&st)?;
        if let Some(obj) = v.as_object_mut() {
            if let Some((open, decided)) = alerts {
                obj.insert("alerts_open".into(), open.into());
                obj.insert("alerts_decided".into(), decided.into());
            }
            let channels: Vec<serde_json::Value> = notes
                .iter()
                .map(|(n, pending)| {
                    let mut c = serde_json::to_value(n).unwrap_or_default();
                    c["runs_not_delivered"] = (*pending).into();
                    c
                })
                .collect();
            obj.insert("notifications".into(), channels.into());
        }
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        print_status(db, &store, &st)?;
        if let Some((open, decided)) = alerts {
            println!(
                "alerts: {open} open (waiting for a decision: `qcc-credit review --list --open`), \
                 {decided} decided"
            );
        }
        for (n, pending) in &notes {
            let outcome = match (n.state.as_str(), &n.error) {
                ("sent", _) => "sent".to_string(),
                (_, Some(e)) => format!("FAILED ({})", escape(e)),
                (other, None) => other.to_string(),
            };
            let waiting = if *pending > 0 {
                format!("; {pending} run(s) not yet delivered: the next run sends them")
            } else {
                String::new()
            };
            println!(
                "notification {} ({}): {outcome} after run #{} at {}{waiting}",
                escape(&n.channel),
                n.kind,
                n.run_id.unwrap_or_default(),
                n.at
            );
        }
    }
    Ok(ExitCode::Ok)
}

fn print_status(db: &Path, store: &Store, st: &store::StatusCounts) -> anyhow::Result<()> {
    println!("database: {}", escape(&db.display().to_string()));
    if let Some(f) = store.latest_file()? {
        println!(
            "input: {} (key column {:?}), {} rows in the database",
            escape(&f.path),
            f.key_column,
            st.input_rows
        );
    }
    let states = state_line(&st.keys_by_state);
    println!("keys: {states}");
    println!(
        "calls: {} in all ({} never reached the vendor, not billed), {} in the last run, {} runs",
        st.calls_total, st.calls_unreached_total, st.calls_last_run, st.runs
    );
    if let Some(r) = &st.last_run {
        println!(
            "last run: #{} started {} ended {} exit {}",
            r.id,
            r.started_at,
            r.ended_at
                .as_deref()
                .unwrap_or("(not ended: killed or running)"),
            r.exit_code
                .map(|c| c.to_string())
                .unwrap_or_else(|| "-".into())
        );
    }
    if let Some(rate) = st.last_run.as_ref().and_then(|r| r.vendor_rate) {
        println!("rate: {}", super::run::vendor_rate_advice(rate));
    }
    let due: u64 = st.due_now.values().sum();
    let kinds = super::kind_counts(&st.due_now);
    if due == 0 {
        println!("next run: nothing due (no calls)");
    } else {
        println!("next run: would call the vendor for {due} keys ({kinds})");
    }
    if st.deferred_waiting > 0 {
        println!(
            "deferred: {} keys wait for the vendor's 2-hour pause, the first until {}",
            st.deferred_waiting,
            st.next_deferred_at.as_deref().unwrap_or("?")
        );
    }
    if st.resumable > 0 {
        println!(
            "resumable: {} keys have pages paid for and no answer yet; the next run goes on from \
             the first page it does not have",
            st.resumable
        );
    }
    if st.inconsistent > 0 {
        println!(
            "vendor answer inconsistent: {} keys (paging stopped; the pages bought are kept and \
             shown as needing attention); `run --retry-failed` asks again",
            st.inconsistent
        );
    }
    let parked = st.keys_by_state.get("parked").copied().unwrap_or(0);
    if parked > 0 {
        println!(
            "parked: {parked} keys whose answers could not be read twice are not asked again; \
             `run --retry-failed` asks again"
        );
    }
    Ok(())
}
