//! `status`: keys by state, alerts, calls and their cost, the last run, what a next run would
//! call, and each notification channel's last message; Chinese by default, local time.

use std::path::Path;

use crate::cli::ViewArgs;
use crate::exit::ExitCode;
use crate::review::ReviewOptions;
use crate::store::{self, DueFilter, Store};
use crate::telemetry::escape;

pub(super) fn status(
    db: &Path,
    json: bool,
    view: ViewArgs,
    price: Option<f64>,
) -> anyhow::Result<ExitCode> {
    let store = Store::open_read_only(db)?;
    let st = store.status(&DueFilter {
        now: store::ts(crate::clock::now()),
        refresh_before: None,
        retry_failed: false,
    })?;
    let alerts = match store.latest_file()? {
        Some(_) => Some(crate::review::count_open(
            &store,
            ReviewOptions {
                zone: view.tz,
                ..ReviewOptions::default()
            },
        )?),
        None => None,
    };
    let notes = store.notification_status()?;
    let quota = store.quota_spent()?;
    if json {
        print_json(&st, alerts, &notes, quota.as_ref(), price)?;
        return Ok(ExitCode::Ok);
    }
    print_text(db, &store, &st, alerts, &notes, quota.as_ref(), view, price)?;
    Ok(ExitCode::Ok)
}

/// `--json`: the counts as they are, with alerts, cost, quota and notifications.
fn print_json(
    st: &store::StatusCounts,
    alerts: Option<(u64, u64)>,
    notes: &[(store::NotificationRow, u64)],
    quota: Option<&(String, String)>,
    price: Option<f64>,
) -> anyhow::Result<()> {
    let mut v = serde_json::to_value(st)?;
    if let Some(obj) = v.as_object_mut() {
        if let Some((open, decided)) = alerts {
            obj.insert("alerts_open".into(), open.into());
            obj.insert("alerts_decided".into(), decided.into());
        }
        let billed = st.calls_total - st.calls_unreached_total;
        obj.insert("billed_total".into(), billed.into());
        obj.insert(
            "cost_yuan".into(),
            price
                .map(|p| (billed as f64 * p * 100.0).round() / 100.0)
                .into(),
        );
        if let Some((at, code)) = quota {
            obj.insert("quota_spent_at".into(), at.clone().into());
            obj.insert("quota_status".into(), code.clone().into());
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
    Ok(())
}

/// The status as people read it, in `--lang`, times in `--tz`.
#[allow(clippy::too_many_arguments)]
fn print_text(
    db: &Path,
    store: &Store,
    st: &store::StatusCounts,
    alerts: Option<(u64, u64)>,
    notes: &[(store::NotificationRow, u64)],
    quota: Option<&(String, String)>,
    view: ViewArgs,
    price: Option<f64>,
) -> anyhow::Result<()> {
    let l = view.lang;
    let z = view.tz;
    println!("{}", l.status_database(&escape(&db.display().to_string())));
    if let Some(f) = store.latest_file()? {
        println!(
            "{}",
            l.status_input(&escape(&f.path), &f.key_column, st.input_rows)
        );
    }
    println!("{}", l.status_keys(&l.states_line(&st.keys_by_state)));
    if let Some((open, decided)) = alerts {
        println!("{}", l.status_alerts(open, decided));
    }
    let billed = st.calls_total - st.calls_unreached_total;
    println!(
        "{}",
        l.status_calls(
            st.calls_total,
            st.calls_unreached_total,
            st.calls_last_run,
            st.runs,
            &l.cost(billed, price)
        )
    );
    if let Some(r) = &st.last_run {
        let exit = r
            .exit_code
            .map(|c| crate::exit::ExitCode::describe(c, l))
            .unwrap_or_else(|| "-".into());
        let ended = r.ended_at.as_deref().map(|e| z.show(e));
        println!(
            "{}",
            l.status_last_run(r.id, &z.show(&r.started_at), ended.as_deref(), &exit)
        );
    }
    if let Some((at, code)) = quota {
        println!("{}", l.quota_spent(&z.show(at), code));
    }
    if let Some(rate) = st.last_run.as_ref().and_then(|r| r.vendor_rate) {
        println!("{}", super::run::vendor_rate_advice(rate, l));
    }
    let due: u64 = st.due_now.values().sum();
    println!(
        "{}",
        l.status_next(due, &super::kind_counts(&st.due_now, l))
    );
    let waiting = [
        ("deferred", st.deferred_waiting),
        ("resumable", st.resumable),
        ("inconsistent", st.inconsistent),
        (
            "parked",
            st.keys_by_state.get("parked").copied().unwrap_or(0),
        ),
    ];
    let first_deferred = st
        .next_deferred_at
        .as_deref()
        .map(|t| z.show(t))
        .unwrap_or_default();
    for (what, n) in waiting {
        if n > 0 {
            println!("{}", l.status_waiting(what, n, &first_deferred));
        }
    }
    for (n, pending) in notes {
        println!("{}", l.status_notification(n, &z.show(&n.at), *pending));
    }
    Ok(())
}
