//! A lying vendor: a scripted fake that answers each (key, page) as a test says, and counts what
//! it billed page by page. A page paid is a page kept across 116, 5xx, 110, `--max-calls` and
//! signals; implausible paging stops at once with the pages kept; an unreadable answer is bought
//! twice at most; a record the parser refuses keeps its rating.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, assert_contains, assert_exit, csv_of, small_sim, spawn_app, text};

/// One request as the fake sees it: the key and the page.
pub struct Ask {
    pub key: String,
    pub page: u32,
}

type Script = Arc<dyn Fn(&Ask) -> (u16, String) + Send + Sync>;

/// The fake vendor on 127.0.0.1:0: its script can be swapped between runs.
pub struct Liar {
    pub base: String,
    script: Arc<Mutex<Script>>,
    /// 200 answers (billed) per (key, page).
    billed: Arc<Mutex<BTreeMap<(String, u32), u32>>>,
    asked: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl Liar {
    pub async fn start(script: impl Fn(&Ask) -> (u16, String) + Send + Sync + 'static) -> Liar {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let liar = Liar {
            base,
            script: Arc::new(Mutex::new(Arc::new(script))),
            billed: Default::default(),
            asked: Default::default(),
        };
        let (script, billed, asked) =
            (liar.script.clone(), liar.billed.clone(), liar.asked.clone());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let (script, billed, asked) = (script.clone(), billed.clone(), asked.clone());
                tokio::spawn(async move {
                    loop {
                        let Some(line) = read_head(&mut sock).await else {
                            return;
                        };
                        let ask = parse(&line, &asked);
                        let f = script.lock().unwrap().clone();
                        let (status, body) = f(&ask);
                        if status == 200 && body.contains("\"Status\":\"200\"") {
                            *billed
                                .lock()
                                .unwrap()
                                .entry((ask.key, ask.page))
                                .or_default() += 1;
                        }
                        let resp = format!(
                            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if sock.write_all(resp.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        liar
    }

    pub fn script(&self, f: impl Fn(&Ask) -> (u16, String) + Send + Sync + 'static) {
        *self.script.lock().unwrap() = Arc::new(f);
    }

    /// Billed answers, page by page (every test screens one key).
    pub fn billed(&self) -> Vec<(u32, u32)> {
        let b = self.billed.lock().unwrap();
        let mut pages: BTreeMap<u32, u32> = BTreeMap::new();
        for ((_, p), n) in b.iter() {
            *pages.entry(*p).or_default() += n;
        }
        pages.into_iter().collect()
    }

    pub fn billed_total(&self) -> u32 {
        self.billed().iter().map(|(_, n)| n).sum()
    }

    /// Requests, billed or not.
    pub fn asked(&self) -> usize {
        self.asked.lock().unwrap().values().sum()
    }
}

async fn read_head(sock: &mut tokio::net::TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match sock.read(&mut b).await {
            Ok(0) | Err(_) => return None,
            Ok(_) => head.push(b[0]),
        }
    }
    Some(String::from_utf8_lossy(&head).lines().next()?.to_string())
}

fn parse(line: &str, asked: &Mutex<BTreeMap<String, usize>>) -> Ask {
    let target = line.split(' ').nth(1).unwrap_or("");
    let url = reqwest::Url::parse(&format!("http://vendor{target}")).unwrap();
    let mut key = String::new();
    let mut page = 1;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "searchKey" => key = v.into_owned(),
            "pageIndex" => page = v.parse().unwrap_or(1),
            _ => {}
        }
    }
    *asked.lock().unwrap().entry(key.clone()).or_default() += 1;
    Ask { key, page }
}

/// Record `i` in the documented shape (a unique Id and RegNo).
pub fn record(i: usize, level: &str) -> Value {
    let mut r = serde_json::Map::new();
    for (name, v) in [
        ("Id", format!("rec{i:05}")),
        ("RegGov", "上海海关".into()),
        ("TradeType", "进出口货物收发货人".into()),
        ("RegDate", "2015-01-01".into()),
        ("RegNo", format!("31{i:08}")),
        ("AdminArea", "上海市".into()),
        ("EconoArea", "一般经济区域".into()),
        ("SpecialArea", "".into()),
        ("CancelFlag", "正常".into()),
        ("AnnualStatus", "已报送".into()),
        ("ValidityDate", "长期".into()),
        ("IndustryType", "批发业".into()),
        ("EBusinessType", "".into()),
        ("IdentifyDate", "2024-01-01".into()),
        ("IdentifyLevel", level.into()),
        ("IdentifyCode", "".into()),
    ] {
        r.insert(name.into(), Value::String(v));
    }
    r.insert("PunishList".into(), json!([]));
    Value::Object(r)
}

/// A 200 page: `total` as given (any JSON), page `index`, the records `ids`.
pub fn page(total: Value, index: u32, ids: std::ops::Range<usize>) -> String {
    let data: Vec<Value> = ids.map(|i| record(i, "一般信用企业")).collect();
    json!({"Status":"200","Message":"【有效请求】查询成功","OrderNumber":"OPERATIONCHECK2026120300000001",
        "Paging":{"PageSize":20,"PageIndex":index,"TotalRecords":total},
        "Result":{"VerifyResult":1,"Data":data}})
    .to_string()
}

/// The 20 records of the page asked for, under the given total and PageIndex.
fn records_of_page(a: &Ask, total: Value, index: u32) -> (u16, String) {
    let p = a.page as usize;
    (200, page(total, index, (p - 1) * 20..p * 20))
}

pub fn status(code: &str) -> String {
    json!({"Status": code, "Message": "scripted", "OrderNumber": ""}).to_string()
}

/// An honest answer for a key with `n` records.
pub fn honest(n: usize) -> impl Fn(&Ask) -> (u16, String) + Send + Sync + 'static {
    move |a: &Ask| {
        let start = (a.page as usize - 1) * 20;
        if start >= n {
            return (200, status("201"));
        }
        (200, page(json!(n), a.page, start..(start + 20).min(n)))
    }
}

fn one_key(app: &TestApp) -> std::path::PathBuf {
    app.write(
        "k.csv",
        csv_of(&[("上海某某贸易有限公司".into(), String::new())]),
    )
}

async fn run_on(app: &TestApp, liar: &Liar, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--base-url", liar.base.as_str(), "--max-attempts", "2"];
    args.extend_from_slice(extra);
    app.run(&one_key(app), &args).await
}

fn key_row(app: &TestApp) -> (String, Option<String>, i64) {
    app.sql()
        .query_row(
            "SELECT k.state, k.doubt, COALESCE(s.record_count, 0) FROM keys k
             LEFT JOIN screenings s ON s.id = k.screening_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

/// 116, a 5xx after the last attempt, 110: each at page 3 of a 5-page key. The next run asks
/// for pages 3-5 only: no page is billed twice.
#[tokio::test]
async fn a_stop_at_page_3_resumes_at_page_3() {
    for (code, http, exit) in [("116", 200, 3), ("500", 500, 5), ("110", 200, 5)] {
        let app = spawn_app(small_sim()).await;
        let honest5 = honest(100);
        let liar = Liar::start(move |a| match a.page {
            3 if http == 500 => (500, "oops".into()),
            3 => (200, status(code)),
            _ => honest5(a),
        })
        .await;
        let out = run_on(&app, &liar, &[]).await;
        assert_exit(&out, exit);
        liar.script(honest(100));
        if code == "110" {
            // The 2-hour pause, passed.
            rusqlite::Connection::open(&app.db)
                .unwrap()
                .execute("UPDATE keys SET not_before = '2000-01-01T00:00:00Z'", [])
                .unwrap();
        }
        let out = run_on(&app, &liar, &[]).await;
        assert_exit(&out, 0);
        assert_eq!(
            liar.billed(),
            (1..=5).map(|p| (p, 1)).collect::<Vec<_>>(),
            "{code}: pages billed"
        );
        assert_eq!(key_row(&app), ("found".into(), None, 100), "{code}");
    }
}

/// `--max-calls 1` and a 2-page key: two runs, two billed calls, and the key is found.
#[tokio::test]
async fn a_key_larger_than_max_calls_finishes_over_later_runs() {
    let app = spawn_app(small_sim()).await;
    let liar = Liar::start(honest(30)).await;
    let out = run_on(&app, &liar, &["--max-calls", "1"]).await;
    assert_exit(&out, 3);
    let out = run_on(&app, &liar, &["--max-calls", "1"]).await;
    assert_exit(&out, 0);
    assert_eq!(liar.billed(), vec![(1, 1), (2, 1)]);
    assert_eq!(key_row(&app).2, 30);
}

/// The records the resumed pages held are not this answer's when the total changed: the key
/// starts over, says why, and keeps only the new answer.
#[tokio::test]
async fn a_changed_total_since_the_earlier_run_starts_over() {
    let app = spawn_app(small_sim()).await;
    let liar = Liar::start(honest(50)).await;
    let out = run_on(&app, &liar, &["--max-calls", "2"]).await;
    assert_exit(&out, 3);
    liar.script(honest(45));
    let out = run_on(&app, &liar, &[]).await;
    assert_exit(&out, 0);
    assert_contains(&text(&out.stderr), "changed from 50 to 45");
    assert_contains(&text(&out.stderr), "starting over from page 1");
    assert_eq!(key_row(&app), ("found".into(), None, 45));
}

/// Paging that cannot be true stops at once; the key keeps what was bought and is marked.
#[tokio::test]
async fn implausible_paging_stops_with_the_pages_kept() {
    type Case = (
        &'static str,
        fn(&Ask) -> (u16, String),
        u32,
        i64,
        &'static str,
    );
    let cases: [Case; 6] = [
        (
            "same page",
            |_| (200, page(json!(1_000_000), 1, 0..20)),
            2,
            20,
            "repeats",
        ),
        (
            "growing total",
            |a| records_of_page(a, json!(100 + a.page as usize), a.page),
            2,
            40,
            "changed from 101 to 102",
        ),
        (
            "negative total",
            |_| (200, page(json!(-5), 1, 0..20)),
            2,
            20,
            "repeats",
        ),
        (
            "page index",
            |a| records_of_page(a, json!(100), 1),
            2,
            40,
            "the vendor sent page 1",
        ),
        (
            "long data",
            |_| (200, page(json!(1800), 1, 0..1800)),
            1,
            1800,
            "more than the page size",
        ),
        (
            "a million records",
            |a| records_of_page(a, json!(1_000_000), a.page),
            25,
            500,
            "--max-pages-per-key 25",
        ),
    ];
    for (name, script, billed, kept, why) in cases {
        let app = spawn_app(small_sim()).await;
        let liar = Liar::start(script).await;
        let out = run_on(&app, &liar, &[]).await;
        assert_exit(&out, 0);
        assert_eq!(liar.billed_total(), billed, "{name}: billed");
        let (state, doubt, records) = key_row(&app);
        assert_eq!((state.as_str(), records), ("found", kept), "{name}");
        assert_contains(&doubt.unwrap_or_default(), why);
        assert_contains(&text(&out.stderr), "vendor answer inconsistent");
        // Seen where people look, and not bought again.
        let status = app.on_db("status", &["--lang", "en"]).await;
        assert_contains(&text(&status.stdout), "vendor answer inconsistent: 1 keys");
        let out = run_on(&app, &liar, &[]).await;
        assert_exit(&out, 0);
        assert_eq!(liar.billed_total(), billed, "{name}: bought again");
    }
}

/// An answer that cannot be read is bought twice at most, then the key is parked and shown;
/// `--retry-failed` asks again.
#[tokio::test]
async fn an_unreadable_answer_parks_the_key() {
    let app = spawn_app(small_sim()).await;
    let liar = Liar::start(|_| (200, "{\"Status\":\"200\",".into())).await;
    let out = run_on(&app, &liar, &["--max-attempts", "5"]).await;
    assert_exit(&out, 5);
    assert_eq!(liar.asked(), 2);
    assert_eq!(key_row(&app).0, "parked");
    let out = run_on(&app, &liar, &[]).await;
    assert_exit(&out, 5);
    assert_eq!(liar.asked(), 2, "a parked key was asked again");
    let status = app.on_db("status", &["--lang", "en"]).await;
    assert_contains(&text(&status.stdout), "parked: 1 keys");
    let csv = app.export_csv().await;
    assert_contains(&csv, "parked");
    liar.script(honest(3));
    let out = run_on(&app, &liar, &["--retry-failed"]).await;
    assert_exit(&out, 0);
    assert_eq!(key_row(&app), ("found".into(), None, 3));
}

/// A well-formed answer with `Status` twice is read (the last value wins), once.
#[tokio::test]
async fn a_repeated_member_is_read_not_refused() {
    let app = spawn_app(small_sim()).await;
    let liar = Liar::start(|_| {
        let body = page(json!(1), 1, 0..1);
        (
            200,
            body.replacen(
                "{\"Status\":\"200\"",
                "{\"Status\":\"500\",\"Status\":\"200\"",
                1,
            ),
        )
    })
    .await;
    let out = run_on(&app, &liar, &[]).await;
    assert_exit(&out, 0);
    assert_eq!(liar.asked(), 1);
    assert_eq!(key_row(&app), ("found".into(), None, 1));
}

/// A 严重失信企业 record with an odd member (a lone surrogate, a number out of range, nesting
/// past the parser's depth) keeps its rating everywhere; exports give the vendor's numbers as
/// written.
#[tokio::test]
async fn an_odd_member_never_loses_a_rating() {
    let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
    for odd in [r#""\udfff""#, "1e999", deep.as_str(), "1e2"] {
        let app = spawn_app(small_sim()).await;
        let rec = record(1, "严重失信企业").to_string();
        let rec = rec.replacen("{", &format!("{{\"Odd\":{odd},"), 1);
        let body = page(json!(1), 1, 0..0).replace("\"Data\":[]", &format!("\"Data\":[{rec}]"));
        let liar = Liar::start(move |_| (200, body.clone())).await;
        let out = run_on(&app, &liar, &[]).await;
        assert_exit(&out, 0);
        let level: Option<String> = app
            .sql()
            .query_row("SELECT identify_level FROM records", [], |r| r.get(0))
            .unwrap();
        assert_eq!(level.as_deref(), Some("严重失信企业"), "{odd}");
        let csv = app.export_csv().await;
        assert_contains(&csv, "严重失信企业");
        let jsonl = app.on_db("export", &["--format", "jsonl"]).await;
        assert_contains(&text(&jsonl.stdout), &format!("\"Odd\":{odd}"));
        let report = app.path("r.html");
        let out = app
            .on_db("report", &["--out", report.to_str().unwrap()])
            .await;
        assert_exit(&out, 0);
        let html = std::fs::read_to_string(&report).unwrap();
        assert_contains(&html, "data-flag=\"severely_dishonest\"");
    }
}

/// A record whose level cannot be read at all is flagged, never shown as unrated.
#[tokio::test]
async fn a_record_without_a_readable_level_is_flagged() {
    let app = spawn_app(small_sim()).await;
    let rec = record(1, "x").to_string().replace(
        "\"IdentifyLevel\":\"x\"",
        "\"IdentifyLevel\":{\"v\":\"严重失信企业\"}",
    );
    let body = page(json!(1), 1, 0..0).replace("\"Data\":[]", &format!("\"Data\":[{rec}]"));
    let liar = Liar::start(move |_| (200, body.clone())).await;
    let out = run_on(&app, &liar, &[]).await;
    assert_exit(&out, 0);
    let report = app.path("r.html");
    let out = app
        .on_db("report", &["--out", report.to_str().unwrap()])
        .await;
    assert_exit(&out, 0);
    let html = std::fs::read_to_string(&report).unwrap();
    assert_contains(&html, "data-flag=\"unreadable_record\"");
    assert_contains(&html, "接口记录无法读取");
}
