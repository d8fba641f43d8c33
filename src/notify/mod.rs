//! Notifications after a run: the alerts it opened and its operational trouble, sent to the
//! channels of a TOML file ([`config`]): 企业微信, 钉钉 and 飞书 robots, a JSON webhook, SMTP mail
//! ([`send`]), one message per channel, within each channel's limits ([`message`]).
//!
//! A quiet night sends nothing (unless `daily_summary`). A run writes what it had to say to the
//! outbox; each channel's message carries every outbox row after the last run it delivered, so
//! a message that failed is carried by the next run's. A failed notification is recorded with
//! the run (`status` shows it) and never fails, repeats or bills the screening: it runs after the
//! screening is committed, and its errors are only logged and recorded.

pub mod config;
pub mod message;
pub mod send;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

pub use config::{ConfigError, NotifyConfig};
pub use send::Delivery;

use crate::review::{ReviewOptions, RowReader, latest_file};
use crate::screen::Summary;
use crate::store::{NewNotification, Store};
use message::{AlertItem, Digest, RunBrief, RunTrouble, Trouble};

/// Runs a channel's message carries at most: a channel down for longer hears of the latest.
const MAX_BACKLOG: usize = 30;

/// The HTTP client of the robots and the webhook: no redirects (a webhook URL carries its key).
fn client(cfg: &NotifyConfig) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(cfg.timeout)
        .connect_timeout(cfg.timeout)
        .user_agent(concat!("qcc-credit/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build the HTTP client: {e}"))
}

/// After a run: record what it had to say, then send each channel the news it has not heard.
pub async fn after_run(
    store: &Store,
    summary: &Summary,
    cfg: &NotifyConfig,
    opts: ReviewOptions,
) -> anyhow::Result<Vec<Delivery>> {
    let Some(run_id) = summary.run_id else {
        return Ok(Vec::new());
    };
    let trouble = Trouble::of(summary);
    if summary.alerts_opened > 0 || !trouble.is_empty() {
        store.put_outbox(
            run_id,
            summary.alerts_opened,
            &serde_json::to_string(&trouble)?,
        )?;
    }
    if cfg.channels.is_empty() {
        return Ok(Vec::new());
    }
    let http = client(cfg)?;
    let mut out = Vec::new();
    // Channels that heard the same runs get the same message: each backlog is read once.
    let mut made: HashMap<i64, (Vec<(i64, String)>, Digest)> = HashMap::new();
    for ch in &cfg.channels {
        let (delivered, first) = store.channel_progress(&ch.name)?;
        let after = match (delivered, first) {
            (Some(d), _) => d,
            (None, Some(f)) => f - 1,
            (None, None) => run_id - 1,
        };
        let (rows, digest) = match made.entry(after) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let mut rows = store.outbox(after, run_id)?;
                rows.drain(..rows.len().saturating_sub(MAX_BACKLOG));
                let digest = digest(store, summary, &rows, cfg, opts)?;
                e.insert((rows, digest))
            }
        };
        if digest.alerts.is_empty() && digest.trouble.is_empty() && !cfg.daily_summary {
            continue;
        }
        let d = send::deliver(ch, digest, cfg, &http).await;
        let first_run = rows.first().map_or(run_id, |r| r.0);
        store.insert_notification(&NewNotification {
            run_id: Some(run_id),
            channel: &ch.name,
            kind: ch.kind(),
            sent: d.ok,
            attempts: d.attempts,
            error: d.error.as_deref(),
            runs: Some((first_run, run_id)),
            alerts: digest.alerts.len(),
            trouble: digest.trouble.len(),
        })?;
        out.push(d);
    }
    Ok(out)
}

/// The message for the outbox rows `rows` (run, trouble JSON): the alerts those runs opened
/// that are still open, and their trouble.
fn digest(
    store: &Store,
    summary: &Summary,
    rows: &[(i64, String)],
    cfg: &NotifyConfig,
    opts: ReviewOptions,
) -> anyhow::Result<Digest> {
    let mut alerts: Vec<AlertItem> = Vec::new();
    let mut trouble: Vec<RunTrouble> = Vec::new();
    let file = latest_file(store)?;
    let mut reader = RowReader::new(store, &file, opts)?;
    let mut seen: HashSet<(i64, String)> = HashSet::new();
    // Latest run first, so an alert opened twice is listed with its latest opening.
    for (run, json) in rows.iter().rev() {
        for t in serde_json::from_str::<Vec<Trouble>>(json).unwrap_or_default() {
            trouble.push(RunTrouble {
                run_id: *run,
                trouble: t,
            });
        }
        for a in store.alerts_in_run(*run)? {
            if !seen.insert((a.key_id, a.supplier.clone())) {
                continue;
            }
            let Some(r) = reader.at(a.row)? else { continue };
            let Some(alert) = r
                .alert
                .as_ref()
                .filter(|x| x.is_open() && x.supplier == a.supplier)
            else {
                continue;
            };
            let flags = &r.a.flags;
            alerts.push(AlertItem {
                severity: flags.first().map_or(usize::MAX, |f| *f as usize),
                supplier_id: alert.supplier.clone(),
                name: reader.name(&r.s.row),
                key: r.s.row.key.clone(),
                row: r.s.row.sheet_row.unwrap_or(r.s.row.row),
                reasons: r.a.reasons(cfg.lang, opts.punished_within),
                flags: flags.iter().map(|f| f.id()).collect(),
                run: a.run_id,
            });
        }
    }
    // Most severe first, then the list's order: the first N by name are the ones that matter.
    alerts.sort_by_key(|a| (a.severity, a.row));
    trouble.reverse();
    let input = std::path::Path::new(&file.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(Digest {
        lang: cfg.lang,
        zone: opts.zone,
        run: RunBrief {
            id: summary.run_id,
            started_at: String::new(),
            ended_at: crate::store::ts(crate::clock::now()),
            exit_code: summary.exit_code.code(),
            exit_meaning: summary.exit_code.meaning_in(cfg.lang).to_string(),
            calls: summary.calls,
            billed: summary.calls.saturating_sub(summary.unreached),
            input,
            alerts_open: summary.alerts_open,
        },
        runs: rows.iter().map(|r| r.0).collect(),
        alerts,
        trouble,
        report: cfg.report.clone(),
        test: false,
    })
}

/// A message about no run: a test, or the service failing before a run could say anything.
fn standalone(cfg: &NotifyConfig, test: bool, trouble: Vec<RunTrouble>) -> Digest {
    Digest {
        lang: cfg.lang,
        zone: crate::view::Zone::default(),
        run: RunBrief {
            id: None,
            started_at: String::new(),
            ended_at: crate::store::ts(crate::clock::now()),
            exit_code: if test { 0 } else { 1 },
            exit_meaning: String::new(),
            calls: 0,
            billed: 0,
            input: String::new(),
            alerts_open: 0,
        },
        runs: Vec::new(),
        alerts: Vec::new(),
        trouble,
        report: if test { cfg.report.clone() } else { None },
        test,
    }
}

/// `notify --test`: a test message to every channel; which answered.
pub async fn test(cfg: &NotifyConfig) -> anyhow::Result<Vec<Delivery>> {
    send_all(cfg, &standalone(cfg, true, Vec::new())).await
}

/// `notify --failed-unit UNIT` (the package's OnFailure unit): the service failed in a way the
/// run could not report itself (an error before screening, a crash).
pub async fn unit_failed(cfg: &NotifyConfig, unit: &str) -> anyhow::Result<Vec<Delivery>> {
    let trouble = vec![RunTrouble {
        run_id: 0,
        trouble: Trouble::UnitFailed {
            unit: unit.to_string(),
        },
    }];
    send_all(cfg, &standalone(cfg, false, trouble)).await
}

async fn send_all(cfg: &NotifyConfig, digest: &Digest) -> anyhow::Result<Vec<Delivery>> {
    let http = client(cfg)?;
    let mut out = Vec::new();
    for ch in &cfg.channels {
        out.push(send::deliver(ch, digest, cfg, &http).await);
    }
    Ok(out)
}
