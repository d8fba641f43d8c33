//! Nightly re-screening: history, the refresh window, changes, `--fail-on-change`, the report,
//! and two runs on one database.

use std::time::Duration;

use qcc_credit::simulator::JsonStyle;
use qcc_credit::simulator::SimConfig;
use qcc_credit::store::{RunLock, Store};
use serde_json::json;

use crate::helpers::{assert_contains, assert_exit, csv_of, small_sim, spawn_app, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rescreen_records_exactly_the_changes_and_exits_6() {
    let app = spawn_app(small_sim()).await;
    let (cos, input) = app.uscc_list(100..110);
    assert_exit(&app.run(&input, &[]).await, 0);
    // Between the runs: a downgrade, a new punishment, a cancelled registration, a company gone.
    let (a, b, c, d) = (&cos[0].uscc, &cos[2].uscc, &cos[4].uscc, &cos[6].uscc);
    app.sim.with_dataset(|ds| {
        let rec = &mut ds.lookup_mut(a).unwrap().records[0];
        let worse = if rec["IdentifyLevel"] == "严重失信企业" { "AA" } else { "严重失信企业" };
        rec["IdentifyLevel"] = json!(worse);
        for r in ds.lookup_mut(a).unwrap().records.iter_mut().skip(1) {
            r["IdentifyLevel"] = json!("严重失信企业");
        }
        ds.lookup_mut(b).unwrap().records[0]["PunishList"]
            .as_array_mut()
            .unwrap()
            .push(json!({"No": "9", "DecisionNo": "新关缉违字〔2026〕1号", "Party": "x", "PunishDate": "2026-11-01", "CaseProp": "走私"}));
        let rec = &mut ds.lookup_mut(c).unwrap().records[0];
        rec["CancelFlag"] = json!("注销");
        ds.remove(d);
    });
    // The refresh window selects the stale answers only.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let out = app
        .run(&input, &["--dry-run", "--refresh-older-than", "1h"])
        .await;
    assert_contains(&text(&out.stdout), "for 0 keys");
    let before = app.stats().billed;
    let out = app
        .run(
            &input,
            &["--refresh-older-than", "1s", "--fail-on-change", "worse"],
        )
        .await;
    assert_exit(&out, 6);
    assert_eq!(app.stats().billed, before + 10);
    assert_contains(
        &text(&out.stdout),
        "changes since the previous screening: 4 (4 worse)",
    );
    let ch = app
        .command(&[
            "changes",
            "--db",
            app.db.to_str().unwrap(),
            "--format",
            "jsonl",
        ])
        .output()
        .await
        .unwrap();
    assert_exit(&ch, 0);
    let mut got: Vec<(String, String)> = text(&ch.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|v| {
            (
                v["key"].as_str().unwrap().to_string(),
                v["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (a.clone(), "level_worse".to_string()),
        (b.clone(), "new_punishment".to_string()),
        (c.clone(), "cancelled".to_string()),
        (d.clone(), "no_longer_found".to_string()),
    ];
    want.sort();
    assert_eq!(got, want);
    // History is kept: the earlier screening of the company that disappeared still has its records.
    let n: i64 = app
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM screenings s JOIN keys k ON k.id = s.key_id WHERE k.key = ?1",
            [d],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
    let rows = app.export().await;
    assert_eq!(
        rows.iter().find(|r| r["key"] == d.as_str()).unwrap()["state"],
        "not_found"
    );
    // Without the flag, the same kind of run exits 0; the text listing names what got worse.
    let out = app
        .command(&[
            "changes",
            "--db",
            app.db.to_str().unwrap(),
            "--since",
            "2000-01-01",
            "--lang",
            "en",
        ])
        .output()
        .await
        .unwrap();
    assert_contains(&text(&out.stdout), "WORSE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_window_selects_exactly_the_stale_keys() {
    let app = spawn_app(small_sim()).await;
    let old = app.companies(0..4);
    let new = app.companies(4..7);
    let rows = |cs: &[qcc_credit::simulator::Company]| {
        cs.iter()
            .map(|c| (c.name.clone(), c.uscc.clone()))
            .collect::<Vec<_>>()
    };
    let input = app.write("s.csv", csv_of(&rows(&old)));
    assert_exit(&app.run(&input, &[]).await, 0);
    // Answers carry whole seconds: wait out the window plus one second.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let input = app.write("s.csv", csv_of(&[rows(&old), rows(&new)].concat()));
    assert_exit(&app.run(&input, &[]).await, 0);
    let out = app
        .run(&input, &["--dry-run", "--refresh-older-than", "2s"])
        .await;
    assert_contains(&text(&out.stdout), "for 4 keys");
    let before = app.stats();
    assert_exit(&app.run(&input, &["--refresh-older-than", "2s"]).await, 0);
    let after = app.stats();
    for c in &old {
        assert_eq!(after.billed_for(&c.uscc), before.billed_for(&c.uscc) + 1);
    }
    for c in &new {
        assert_eq!(after.billed_for(&c.uscc), 1);
    }
    // Re-screens respect --max-calls.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    assert_exit(
        &app.run(&input, &["--refresh-older-than", "1s", "--max-calls", "2"])
            .await,
        3,
    );
    assert_eq!(app.stats().calls, after.calls + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_numbers_match_the_database() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..30);
    let mut rows: Vec<(String, String)> = cos
        .iter()
        .map(|c| (c.name.clone(), c.uscc.clone()))
        .collect();
    let wrong = if cos[0].uscc.ends_with('0') { '1' } else { '0' };
    rows.push(("错码".into(), format!("{}{wrong}", &cos[0].uscc[..17])));
    rows.push(("不存在的公司".into(), String::new()));
    let input = app.write("s.csv", csv_of(&rows));
    assert_exit(&app.run(&input, &[]).await, 0);
    let html = app.path("report.html");
    let args = ["--out", html.to_str().unwrap(), "--lang", "en"];
    assert_exit(&app.on_db("report", &args).await, 0);
    let page = std::fs::read_to_string(&html).unwrap();
    // Self-contained: an inline script only, nothing fetched.
    assert!(!page.contains("<script src") && !page.contains("src=") && !page.contains("href="));
    assert!(page.contains("<svg"));
    let store = Store::open(&app.db).unwrap();
    let counts = store.counts_by_state().unwrap();
    for (st, n) in &counts {
        assert!(
            page.contains(&format!("id=\"state-{st}\">{n}<")),
            "{st} {n}"
        );
    }
    let pun: i64 = app
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM punishments p JOIN records r ON r.id=p.record_id JOIN keys k ON k.screening_id=r.screening_id",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let expected: usize = cos
        .iter()
        .flat_map(|c| &c.records)
        .map(|r| r["PunishList"].as_array().unwrap().len())
        .sum();
    assert_eq!(pun as usize, expected);
    assert!(
        page.contains(&format!(", {pun} decisions in the current answers")),
        "punishments"
    );
    let calls = app.stats().calls;
    assert!(page.contains(&format!("{calls} billed calls")), "cost");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_the_same_database_is_refused() {
    let app = spawn_app(small_sim()).await;
    let (_, input) = app.uscc_list(0..3);
    let lock = RunLock::acquire(&app.db).unwrap();
    let out = app.run(&input, &[]).await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "in use by another qcc-credit run");
    assert_eq!(app.stats().calls, 0);
    drop(lock);
    assert_exit(&app.run(&input, &[]).await, 0);
}

/// An unchanged re-screen stores a screening pointing at the records it already has, not a
/// copy; each call keeps its envelope, and its whole body comes back from the records.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identical_answer_is_stored_once() {
    let app = spawn_app(small_sim()).await;
    app.sim.keep_bodies();
    let (cos, input) = app.uscc_list(40..60); // company 49 has three pages
    assert_exit(&app.run(&input, &[]).await, 0);
    let count = |sql: &str| -> i64 { app.sql().query_row(sql, [], |r| r.get(0)).unwrap() };
    let records = count("SELECT COUNT(*) FROM records");
    let expected: usize = cos.iter().map(|c| c.records.len()).sum();
    assert_eq!(records as usize, expected);
    let before = app.export().await;
    // Answers are timestamped to the second: the re-screen runs two seconds later on the
    // tool's clock, so all of them are older than its now.
    let out = app
        .run(
            &input,
            &["--refresh-older-than", "0s", "--clock-shift", "2"],
        )
        .await;
    assert_exit(&out, 0);
    assert_contains(
        &text(&out.stdout),
        "changes since the previous screening: 0",
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM records"),
        records,
        "records copied"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM screenings"),
        2 * cos.len() as i64
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM screenings WHERE records_of IS NOT NULL"),
        cos.len() as i64
    );
    let strip = |rows: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        rows.into_iter()
            .map(|mut r| {
                r.as_object_mut().unwrap().remove("checked_at");
                r
            })
            .collect()
    };
    assert_eq!(strip(app.export().await), strip(before));
    // Every call of the re-screen is stored against the key's first answer for its page: the
    // few bytes that differ (its OrderNumber) and a frame header.
    let rescreen = |sql: &str| {
        count(&format!(
            "SELECT {sql} FROM calls WHERE run_id = (SELECT MAX(id) FROM runs) AND vendor_status = '200'"
        ))
    };
    assert_eq!(rescreen("COUNT(*)"), rescreen("COUNT(body_ref)"));
    let widest = rescreen("MAX(length(body))");
    assert!(widest < 64, "{widest} bytes for an unchanged page");
    app.assert_bodies_stored_as_sent();
    let store = Store::open_read_only(&app.db).unwrap();
    let ids: Vec<(i64, String, i64)> = app
        .sql()
        .prepare(
            "SELECT c.id, k.key, c.page FROM calls c JOIN keys k ON k.id = c.key_id
             WHERE c.vendor_status='200'",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, key, page) in ids {
        let body: serde_json::Value =
            serde_json::from_str(&store.call_body(id).unwrap().unwrap()).unwrap();
        let c = cos.iter().find(|c| c.uscc == key).unwrap();
        let start = (page as usize - 1) * 20;
        let want = &c.records[start..(start + 20).min(c.records.len())];
        assert_eq!(
            body["Result"]["Data"],
            serde_json::Value::Array(want.to_vec())
        );
        assert_eq!(body["Paging"]["PageIndex"], page);
        let order = body["OrderNumber"].as_str().unwrap();
        assert!(
            order.starts_with("OPERATIONCHECK") && order.len() == 36,
            "{order}"
        );
    }
}

/// Bodies are kept as received, compressed: however the vendor's server writes its JSON, the
/// first screening takes at most the bytes received, and an unchanged re-screen adds at most a
/// tenth (issue #23; before, only compact bodies were stored by shape, and a spaced one took
/// 2.1 times its bytes, with a re-screen adding 59-63%).
async fn storage_holds_for(style: JsonStyle, n: usize) {
    let app = spawn_app(SimConfig {
        companies: n,
        ..SimConfig::default()
    })
    .await;
    app.sim.set_faults(|f| f.json_style = style);
    let (_, input) = app.uscc_list(0..n);
    let fast = ["--qps", "100000", "--burst", "1000", "--concurrency", "32"];
    assert_exit(&app.run(&input, &fast).await, 0);
    let size = || {
        app.sql()
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        std::fs::metadata(&app.db).unwrap().len() as f64
    };
    let first = size();
    let received = app.sim.stats().body_bytes as f64;
    assert!(
        first <= received,
        "{style:?}: the first screening takes {:.2}x the bytes received",
        first / received
    );
    let mut again = fast.to_vec();
    again.extend(["--refresh-older-than", "0s", "--clock-shift", "2"]);
    let out = app.run(&input, &again).await;
    assert_exit(&out, 0);
    assert_contains(
        &text(&out.stdout),
        "changes since the previous screening: 0",
    );
    let growth = size() / first - 1.0;
    assert!(
        growth <= 0.10,
        "{style:?}: an unchanged re-screen grew the database by {:.1}%",
        growth * 100.0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compact_answers_take_their_bytes_and_a_rescreen_a_tenth() {
    storage_holds_for(JsonStyle::Compact, 3000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spaced_answers_take_their_bytes_and_a_rescreen_a_tenth() {
    storage_holds_for(JsonStyle::Spaced, 2000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn indented_answers_take_their_bytes_and_a_rescreen_a_tenth() {
    storage_holds_for(JsonStyle::Indented, 2000).await;
}

/// Every answer comes back byte for byte however it was written, pages of a key bought before
/// an interruption included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_comes_back_as_sent_in_every_style() {
    for style in [JsonStyle::Compact, JsonStyle::Spaced, JsonStyle::Indented] {
        let app = spawn_app(small_sim()).await;
        app.sim.keep_bodies();
        app.sim.set_faults(|f| f.json_style = style);
        let (_, input) = app.uscc_list(40..60); // company 49 has three pages
        // Stopped in the middle of the list, then resumed, then screened again.
        let out = app.run(&input, &["--max-calls", "7"]).await;
        assert_exit(&out, 3);
        assert_exit(&app.run(&input, &[]).await, 0);
        let next_night = ["--refresh-older-than", "0s", "--clock-shift", "2"];
        assert_exit(&app.run(&input, &next_night).await, 0);
        app.assert_bodies_stored_as_sent();
    }
}
