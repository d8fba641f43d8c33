//! `demo`: the simulator in-process, the sample list screened against it, then a second night
//! on which the simulator's data changes (a level falls, a punishment, a cancelled registration,
//! a company gone), so a new user sees `changes`, open alerts and the review commands at work.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::run::screen_and_report;
use crate::cli::ViewArgs;
use crate::cli::options::{demo_run_args, run_options};
use crate::credit::Rank;
use crate::exit::ExitCode;
use crate::key_state::KeyState;
use crate::review::{ReviewOptions, for_each_row};
use crate::screen;
use crate::secrets::Credentials;
use crate::simulator::{self, DEMO_KEY, DEMO_SECRET, Faults, SimConfig, SimHandle};
use crate::store::Store;
use crate::telemetry::escape;
use crate::view::Lang;

/// The sample list, built in so `demo` works from any directory.
const SAMPLE: &str = include_str!("../../sample_data/suppliers.csv");

pub(super) async fn demo(
    db: PathBuf,
    input: Option<PathBuf>,
    view: ViewArgs,
) -> anyhow::Result<ExitCode> {
    let input = match input {
        Some(p) => p,
        None => sample_list(&db)?,
    };
    let faults = Faults {
        latency: Duration::from_millis(40),
        latency_jitter: Duration::from_millis(60),
        http_5xx_rate: 0.03,
        ..Faults::default()
    };
    let sim = simulator::spawn(
        SimConfig {
            faults,
            ..SimConfig::default()
        },
        "127.0.0.1:0".parse()?,
    )
    .await?;
    eprintln!(
        "demo: simulator on {} (demo credentials), screening {}",
        sim.base_url(),
        input.display()
    );
    let first = night(&input, &db, &sim, false, view).await?;
    if matches!(first, ExitCode::Ok | ExitCode::Incomplete) {
        second_night(&input, &db, &sim, view).await?;
    }
    sim.shutdown();
    next_steps(&db, &input, view.lang)?;
    Ok(first)
}

/// One screening of the list against the demo's simulator; `refresh` re-screens every answer.
async fn night(
    input: &Path,
    db: &Path,
    sim: &SimHandle,
    refresh: bool,
    view: ViewArgs,
) -> anyhow::Result<ExitCode> {
    let mut args = demo_run_args(input, db, &sim.base_url())?;
    args.view = view;
    if refresh {
        args.refresh_older_than = Some(Duration::from_secs(1));
    }
    let opts = run_options(&args, format!("demo --db {}", db.display()))?;
    screen_and_report(
        screen::ingest(opts)?,
        Credentials::new(DEMO_KEY, DEMO_SECRET),
        None,
    )
    .await
}

/// Change four suppliers that needed no attention, then screen again.
async fn second_night(
    input: &Path,
    db: &Path,
    sim: &SimHandle,
    view: ViewArgs,
) -> anyhow::Result<()> {
    let script = changes_for(db)?;
    if script.is_empty() {
        return Ok(());
    }
    let applied = sim.with_dataset(|ds| simulator::changes::apply_script(ds, "demo", &script))?;
    println!(
        "\n{}\n{}",
        match view.lang {
            Lang::Zh => format!(
                "第二晚：模拟接口的数据变了 {applied} 家（一家信用等级下降、一家新增处罚、一家海关注册注销、一家不再查到）："
            ),
            Lang::En => format!(
                "the next night: the simulator's data changed for {applied} suppliers (a level falls, \
                 a new punishment, a cancelled registration, a company no longer found):"
            ),
        },
        script
            .lines()
            .map(|l| format!("  {}", escape(l)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Answers are stamped to the second: the re-screen asks for those older than a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    night(input, db, sim, true, view).await?;
    Ok(())
}

/// A change script for the first four found suppliers that need no attention: the first rated
/// 高级认证企业 (or the first of them) falls to 一般信用企业, the next is punished, the next has a
/// registration cancelled, the last is no longer found.
fn changes_for(db: &Path) -> anyhow::Result<String> {
    let store = Store::open_read_only(db)?;
    let mut calm: Vec<(String, Rank)> = Vec::new();
    for_each_row(&store, ReviewOptions::default(), |_, r| {
        let found = r.s.row.state == KeyState::Found && r.s.first_of_key;
        if found && r.alert.is_none() && calm.len() < 40 {
            calm.push((r.s.row.key.clone(), Rank::of(&r.a.level)));
        }
        Ok(())
    })?;
    if calm.len() < 4 {
        return Ok(String::new());
    }
    let aeo = calm
        .iter()
        .position(|(_, r)| *r == Rank::AdvancedCertified)
        .unwrap_or(0);
    let first = calm.remove(aeo).0;
    let day = (crate::clock::now().date_naive() - chrono::Days::new(20)).format("%Y-%m-%d");
    Ok(format!(
        "{first} level 一般信用企业\n{} punish {day}\n{} cancel\n{} gone\n",
        calm[0].0, calm[1].0, calm[2].0
    ))
}

fn next_steps(db: &Path, input: &Path, lang: Lang) -> anyhow::Result<()> {
    let d = db.display();
    let store = Store::open_read_only(db)?;
    let mut first_open: Option<String> = None;
    for_each_row(&store, ReviewOptions::default(), |_, r| {
        if first_open.is_none() && r.alert.as_ref().is_some_and(|a| a.is_open()) {
            first_open = r.alert.as_ref().map(|a| a.supplier.clone());
        }
        Ok(())
    })?;
    let who = first_open.unwrap_or_else(|| "S10000".into());
    let t = |zh: &'static str, en: &'static str| lang.tr(zh, en);
    let steps = [
        (
            format!("qcc-credit changes --db {d}"),
            t("第二晚发现的变化", "what the second night found"),
        ),
        (
            format!("qcc-credit review --db {d} --list --open"),
            t("待处置的提醒", "the alerts waiting for a decision"),
        ),
        (
            format!(
                "qcc-credit review --db {d} --supplier {who} --decision cleared --note \"核实为同名企业，非本供应商\""
            ),
            t("记录一条处置", "record a decision"),
        ),
        (
            format!("qcc-credit evidence --db {d} --supplier {who} --out {who}.html"),
            t(
                "单个供应商的核查证据页（A4，可打印为PDF）",
                "one supplier's evidence page (A4, prints to PDF)",
            ),
        ),
        (
            format!("qcc-credit export --db {d} --format xlsx --out results.xlsx"),
            t(
                "在“需关注”表填写处置结论，然后：",
                "fill 处置结论 in 需关注, then:",
            ),
        ),
        (
            format!("qcc-credit review --db {d} --import results.xlsx"),
            "",
        ),
        (format!("qcc-credit report --db {d} --out report.html"), ""),
        (
            format!("qcc-credit audit --db {d} --format csv --out audit.csv"),
            t(
                "运行、调用、提醒与处置记录",
                "runs, calls, alerts, decisions",
            ),
        ),
        (format!("qcc-credit status --db {d}"), ""),
    ];
    println!("\n{}", t("接下来可以试试：", "next, try:"));
    for (cmd, what) in steps {
        if what.is_empty() {
            println!("  {cmd}");
        } else {
            println!("  {cmd}   # {what}");
        }
    }
    println!(
        "  qcc-credit simulate --listen 127.0.0.1:18080   # then: QCC_KEY={DEMO_KEY} QCC_SECRET_KEY={DEMO_SECRET} qcc-credit run --input {} --db mine.sqlite --base-url http://127.0.0.1:18080",
        input.display()
    );
    Ok(())
}

/// `sample_data/suppliers.csv` when run from the repository, else the built-in copy beside the
/// database.
fn sample_list(db: &std::path::Path) -> anyhow::Result<PathBuf> {
    let default = PathBuf::from("sample_data/suppliers.csv");
    if default.exists() {
        return Ok(default);
    }
    let p = PathBuf::from(format!("{}.suppliers.csv", db.display()));
    std::fs::write(&p, SAMPLE)?;
    Ok(p)
}
