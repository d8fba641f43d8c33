//! The simulator as the vendor document describes it, probed with raw HTTP (not our client).

use std::time::{SystemTime, UNIX_EPOCH};

use qcc_credit::secrets::token;
use qcc_credit::simulator::{DEMO_KEY, DEMO_SECRET};
use serde_json::Value;

use crate::helpers::{small_sim, spawn_app};

async fn get(base: &str, query: &str, timespan: u64, secret: &str) -> Value {
    let ts = timespan.to_string();
    reqwest::Client::new()
        .get(format!("{base}/api/yj/OperationCheck/GetList?{query}"))
        .header("Token", token(DEMO_KEY, &ts, secret))
        .header("Timespan", ts)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn signed_stale_wrong_and_missing() {
    let app = spawn_app(small_sim()).await;
    let base = app.sim.base_url();
    let c = app.companies(1..2).remove(0);
    let q = format!("key={DEMO_KEY}&searchKey={}", c.uscc);
    let ok = get(&base, &q, now(), DEMO_SECRET).await;
    assert_eq!(ok["Status"], "200");
    assert_eq!(ok["Message"], "【有效请求】查询成功");
    assert!(
        ok["OrderNumber"]
            .as_str()
            .unwrap()
            .starts_with("OPERATIONCHECK")
    );
    assert_eq!(ok["Paging"]["PageSize"], 10);
    assert_eq!(ok["Paging"]["TotalRecords"], c.records.len());
    assert_eq!(ok["Result"]["VerifyResult"], 1);
    let rec = &ok["Result"]["Data"][0];
    for f in [
        "Id",
        "RegGov",
        "TradeType",
        "RegDate",
        "RegNo",
        "AdminArea",
        "EconoArea",
        "SpecialArea",
        "CancelFlag",
        "AnnualStatus",
        "ValidityDate",
        "IndustryType",
        "EBusinessType",
        "IdentifyDate",
        "IdentifyLevel",
        "IdentifyCode",
        "PunishList",
    ] {
        assert!(rec.get(f).is_some(), "record lacks {f}");
    }
    assert_eq!(get(&base, &q, now(), "wrong-secret").await["Status"], "107");
    assert_eq!(
        get(&base, &q, now() - 301, DEMO_SECRET).await["Status"],
        "115"
    );
    assert_eq!(
        get(&base, &q, now() + 301, DEMO_SECRET).await["Status"],
        "115"
    );
    assert_eq!(
        get(&base, &format!("key={DEMO_KEY}"), now(), DEMO_SECRET).await["Status"],
        "202"
    );
    assert_eq!(
        get(
            &base,
            &format!("key={DEMO_KEY}&searchKey=%E4%B8%8A"),
            now(),
            DEMO_SECRET
        )
        .await["Status"],
        "213"
    );
    assert_eq!(
        get(&base, &format!("{q}&pageSize=21"), now(), DEMO_SECRET).await["Status"],
        "202"
    );
    assert_eq!(
        get(
            &base,
            &format!("key=other&searchKey={}", c.uscc),
            now(),
            DEMO_SECRET
        )
        .await["Status"],
        "101"
    );
    let stats = app.stats();
    assert_eq!(stats.calls, 8);
    assert_eq!(stats.billed, 1, "only the valid answer is billed");
}

#[tokio::test]
async fn quota_answers_116_until_reset_and_stats_are_served() {
    let mut cfg = small_sim();
    cfg.faults.daily_quota = Some(2);
    let app = spawn_app(cfg).await;
    let base = app.sim.base_url();
    let c = app.companies(0..3);
    let mut statuses = Vec::new();
    for co in &c {
        let v = get(
            &base,
            &format!("key={DEMO_KEY}&searchKey={}", co.reg_no),
            now(),
            DEMO_SECRET,
        )
        .await;
        statuses.push(v["Status"].as_str().unwrap().to_string());
    }
    assert_eq!(statuses, ["200", "200", "116"]);
    app.sim.reset_quota();
    let v = get(
        &base,
        &format!("key={DEMO_KEY}&searchKey={}", c[2].reg_no),
        now(),
        DEMO_SECRET,
    )
    .await;
    assert_eq!(v["Status"], "200");
    let body = reqwest::get(format!("{base}/__sim/stats"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let stats: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(stats["billed"], 3);
    assert_eq!(stats["per_key"][&c[2].reg_no]["calls"], 2);
}

/// Calls that arrive together cannot all take the quota's last units: with 5 left and 40
/// signed calls at once, exactly 5 are answered and billed (the check and the charge were two
/// locks apart, and a client sending its calls in groups was billed past the quota).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_arriving_together_are_billed_no_further_than_the_quota() {
    let mut cfg = small_sim();
    cfg.faults.daily_quota = Some(5);
    cfg.faults.latency = std::time::Duration::from_millis(20);
    let app = spawn_app(cfg).await;
    let base = app.sim.base_url();
    // A race shows in some rounds only: ten rounds, a new day before each.
    for round in 1..=10u64 {
        app.sim.reset_quota();
        let calls = app.companies(0..40).into_iter().map(|co| {
            let base = base.clone();
            tokio::spawn(async move {
                let q = format!("key={DEMO_KEY}&searchKey={}", co.reg_no);
                get(&base, &q, now(), DEMO_SECRET).await["Status"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        });
        let mut answered = 0;
        for call in calls.collect::<Vec<_>>() {
            let status = call.await.unwrap();
            assert!(["200", "201", "116"].contains(&status.as_str()), "{status}");
            answered += usize::from(status != "116");
        }
        assert_eq!(answered, 5, "round {round}");
        assert_eq!(app.stats().billed, 5 * round, "round {round}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulate_command_serves_the_documented_answers() {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(crate::helpers::BIN)
        .args(["simulate", "--listen", "127.0.0.1:0", "--companies", "50"])
        .env_remove("QCC_KEY")
        .env_remove("QCC_SECRET_KEY")
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    let base = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_string();
    let ds = qcc_credit::simulator::Dataset::generate(42, 50);
    let q = format!("key={DEMO_KEY}&searchKey={}", ds.companies[7].name);
    assert_eq!(get(&base, &q, now(), DEMO_SECRET).await["Status"], "200");
    assert_eq!(get(&base, &q, now(), "wrong").await["Status"], "107");
    assert_eq!(
        get(&base, &q, now() - 600, DEMO_SECRET).await["Status"],
        "115"
    );
    assert_eq!(
        get(&base, &format!("key={DEMO_KEY}"), now(), DEMO_SECRET).await["Status"],
        "202"
    );
    child.start_kill().unwrap();
}

#[tokio::test]
async fn repeated_queries_get_110_and_in_flight_over_the_ceiling_gets_122() {
    let mut cfg = small_sim();
    cfg.faults.repeat_limit = Some(2);
    cfg.faults.concurrency_ceiling = Some(2);
    cfg.faults.latency = std::time::Duration::from_millis(200);
    let app = spawn_app(cfg).await;
    let base = app.sim.base_url();
    let c = app.companies(0..1).remove(0);
    let q = format!("key={DEMO_KEY}&searchKey={}", c.uscc);
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(
            get(&base, &q, now(), DEMO_SECRET).await["Status"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(statuses, ["200", "200", "110"]);
    let other = app.companies(1..5);
    let calls = other.iter().map(|c| {
        let q = format!("key={DEMO_KEY}&searchKey={}", c.uscc);
        let base = base.clone();
        async move {
            get(&base, &q, now(), DEMO_SECRET).await["Status"]
                .as_str()
                .unwrap()
                .to_string()
        }
    });
    let got = futures_util::future::join_all(calls).await;
    assert_eq!(got.iter().filter(|s| *s == "122").count(), 2, "{got:?}");
    assert_eq!(got.iter().filter(|s| *s == "200").count(), 2, "{got:?}");
}

/// A script posted to `/__sim/changes` between two screenings (a level lowered, a punishment
/// added, a registration cancelled, a company gone) is what the re-screen finds; a wrong line is
/// refused with its number and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_script_between_two_screenings_shows_as_changes() {
    let app = spawn_app(small_sim()).await;
    let (cos, input) = app.uscc_list(40..60);
    let clean = |c: &&qcc_credit::simulator::Company| {
        c.records.iter().all(|r| {
            let l = r["IdentifyLevel"].as_str().unwrap_or("");
            !l.contains("失信") && !["C", "D", ""].contains(&l)
        }) && c.records.iter().all(|r| r["CancelFlag"] == "正常")
    };
    let mut fine = cos.iter().filter(clean);
    let (lowered, cancelled) = (fine.next().unwrap(), fine.next().unwrap());
    let punished = &cos[3];
    let gone = &cos[4];
    assert_eq!(app.run(&input, &[]).await.status.code(), Some(0));
    let base = app.sim.base_url();
    let post = |body: String| {
        let url = format!("{base}/__sim/changes");
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let bad = post(format!(
        "{} level 失信企业\n{} punish soon\n",
        lowered.uscc, punished.uscc
    ))
    .await;
    assert_eq!(
        bad,
        (
            400,
            "request body line 2: punish needs a date, YYYY-MM-DD\n".into()
        )
    );
    let script = format!(
        "{} level 失信企业\n{} punish 2026-11-20\n{} cancel\n{} gone\n",
        lowered.uscc, punished.uscc, cancelled.uscc, gone.uscc
    );
    assert_eq!(post(script).await, (200, "4 change(s) applied\n".into()));
    let next_night = ["--refresh-older-than", "0s", "--clock-shift", "2"];
    let out = app.run(&input, &next_night).await;
    assert_eq!(out.status.code(), Some(0));
    let out = app.on_db("changes", &["--format", "jsonl"]).await;
    let found: Vec<(String, String)> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["key"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (key, kind) in [
        (&lowered.uscc, "level_worse"),
        (&punished.uscc, "new_punishment"),
        (&cancelled.uscc, "cancelled"),
        (&gone.uscc, "no_longer_found"),
    ] {
        assert!(
            found.contains(&(key.clone(), kind.to_string())),
            "{key} {kind} not in {found:?}"
        );
    }
}
