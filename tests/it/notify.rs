//! Notifications after a run: a fake receiver per channel (WeCom, DingTalk, Feishu, webhook)
//! that checks the payload's shape, the size cap and the signatures computed from the documented
//! algorithms, a local SMTP server for the mail; retries, a quiet night, a failure carried by
//! the next run, and no secret anywhere.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::analyst::shape;
use crate::helpers::{TestApp, assert_contains, assert_exit, small_sim, spawn_app, text};

const WECOM_KEY: &str = "wecomkey-5f1d2c3b4a";
const DING_TOKEN: &str = "dingtoken-8e7d6c5b";
const DING_SECRET: &str = "SECding-0a9b8c7d6e";
const FEISHU_HOOK: &str = "feishuhook-1234567890abcdef";
const FEISHU_SECRET: &str = "feishusecret-77aa66bb";
const HOOK_TOKEN: &str = "hooktoken-3c4d5e6f";
const SMTP_PASSWORD: &str = "smtp-pass-9z8y7x";

/// One request a fake receiver got.
#[derive(Debug, Clone)]
struct Got {
    path: String,
    query: String,
    headers: HeaderMap,
    body: Value,
    bytes: usize,
}

/// A fake receiver: records requests; answers from a script, then `{"errcode":0}` (or a plain
/// 200 for the webhook).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<VecDeque<(u16, String)>>>,
}

impl Receiver {
    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
    fn on(&self, path: &str) -> Vec<Got> {
        self.got()
            .into_iter()
            .filter(|g| g.path.starts_with(path))
            .collect()
    }
    fn answer_next(&self, status: u16, body: &str) {
        self.script
            .lock()
            .unwrap()
            .push_back((status, body.to_string()));
    }
}

async fn receive(
    State(r): State<Receiver>,
    UrlPath(path): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    r.got.lock().unwrap().push(Got {
        path: format!("/{path}"),
        query: query.unwrap_or_default(),
        headers,
        bytes: body.len(),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    let next = r.script.lock().unwrap().pop_front();
    match next {
        Some((s, b)) => (StatusCode::from_u16(s).unwrap(), b),
        None if path.starts_with("feishu") => (
            StatusCode::OK,
            r#"{"code":0,"msg":"success","data":{}}"#.into(),
        ),
        None => (StatusCode::OK, r#"{"errcode":0,"errmsg":"ok"}"#.into()),
    }
}

async fn spawn_receiver() -> (Receiver, String) {
    let r = Receiver::default();
    let app = axum::Router::new()
        .route("/{*path}", post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (r, base)
}

/// A local SMTP server (no TLS: the client allows that only to this machine): every session's
/// command lines and message, as received.
async fn spawn_smtp() -> (Arc<Mutex<Vec<String>>>, u16) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let (rd, mut wr) = sock.into_split();
                let mut lines = BufReader::new(rd).lines();
                wr.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut in_data = false;
                let mut data = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            log.lock().unwrap().push(format!("DATA\n{data}"));
                            wr.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            data.push_str(&line);
                            data.push('\n');
                        }
                        continue;
                    }
                    log.lock().unwrap().push(line.clone());
                    let reply: &[u8] = match line
                        .split(' ')
                        .next()
                        .unwrap_or("")
                        .to_ascii_uppercase()
                        .as_str()
                    {
                        "EHLO" => b"250-test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n",
                        "AUTH" => b"235 ok\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            wr.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    wr.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (seen, port)
}

/// The channels' file and the environment that holds their secrets.
struct Channels {
    config: PathBuf,
    env: Vec<(&'static str, String)>,
    hooks: Receiver,
    smtp: Arc<Mutex<Vec<String>>>,
}

async fn channels(app: &TestApp, extra: &str) -> Channels {
    let (hooks, base) = spawn_receiver().await;
    let (smtp, port) = spawn_smtp().await;
    let config = app.write(
        "notify.toml",
        format!(
            r#"# test channels
report = "/var/lib/qcc-credit/report.html"
retry_base_ms = 10
timeout_secs = 5
{extra}

[[channel]]
type = "wecom"
name = "合规群"
webhook_env = "T_WECOM"

[[channel]]
type = "dingtalk"
name = "钉钉"
webhook_env = "T_DING"
secret_env = "T_DING_SECRET"

[[channel]]
type = "feishu"
name = "飞书"
webhook_env = "T_FEISHU"
secret_env = "T_FEISHU_SECRET"

[[channel]]
type = "webhook"
name = "hook"
url = "{base}/hook/qcc"
token_env = "T_HOOK_TOKEN"

[[channel]]
type = "email"
name = "mail"
host = "127.0.0.1"
port = {port}
tls = "none"
username = "qcc@example.com"
password_env = "T_SMTP_PW"
from = "qcc-credit <qcc@example.com>"
to = ["compliance@example.com"]
"#
        ),
    );
    let env = vec![
        (
            "T_WECOM",
            format!("{base}/wecom/cgi-bin/webhook/send?key={WECOM_KEY}"),
        ),
        (
            "T_DING",
            format!("{base}/dingtalk/robot/send?access_token={DING_TOKEN}"),
        ),
        ("T_DING_SECRET", DING_SECRET.to_string()),
        (
            "T_FEISHU",
            format!("{base}/feishu/open-apis/bot/v2/hook/{FEISHU_HOOK}"),
        ),
        ("T_FEISHU_SECRET", FEISHU_SECRET.to_string()),
        ("T_HOOK_TOKEN", HOOK_TOKEN.to_string()),
        ("T_SMTP_PW", SMTP_PASSWORD.to_string()),
    ];
    Channels {
        config,
        env,
        hooks,
        smtp,
    }
}

impl Channels {
    async fn run(
        &self,
        app: &TestApp,
        input: &std::path::Path,
        extra: &[&str],
    ) -> std::process::Output {
        let mut args = vec!["--notify-config", self.config.to_str().unwrap()];
        args.extend_from_slice(extra);
        let mut cmd = app.run_command(input, &args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd.output().await.unwrap()
    }

    fn secrets(&self) -> Vec<&str> {
        vec![
            WECOM_KEY,
            DING_TOKEN,
            DING_SECRET,
            FEISHU_HOOK,
            FEISHU_SECRET,
            HOOK_TOKEN,
            SMTP_PASSWORD,
        ]
    }
}

/// A list of eight suppliers, three of which need attention (S2 失信, S4 严重失信, S7 gone).
async fn flagged(app: &TestApp) -> PathBuf {
    let cos = app.companies(40..48);
    for c in &cos {
        shape(app, c, "一般信用企业", "正常", &[]);
    }
    shape(app, &cos[1], "失信企业", "正常", &[]);
    shape(app, &cos[3], "严重失信企业", "正常", &[]);
    app.sim.with_dataset(|ds| ds.remove(&cos[6].uscc));
    let mut list = String::from("供应商编码,供应商名称,统一社会信用代码\n");
    for (i, c) in cos.iter().enumerate() {
        list.push_str(&format!("S{},{},{}\n", i + 1, c.name, c.uscc));
    }
    app.write("n.csv", list)
}

fn hmac_b64(key: &[u8], msg: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(msg);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn query_value(query: &str, name: &str) -> String {
    let raw = query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {query}"));
    let mut out = Vec::new();
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&raw[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Nothing of any secret in the run's output or anywhere in the database.
fn assert_no_secret(app: &TestApp, ch: &Channels, out: &std::process::Output) {
    let mut db = std::fs::read(&app.db).unwrap();
    if let Ok(wal) = std::fs::read(format!("{}-wal", app.db.display())) {
        db.extend(wal);
    }
    let db = String::from_utf8_lossy(&db);
    for s in ch.secrets() {
        assert!(!text(&out.stdout).contains(s), "{s} in stdout");
        assert!(!text(&out.stderr).contains(s), "{s} in stderr");
        assert!(!db.contains(s), "{s} in the database");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_channel_gets_one_message_in_its_own_shape_and_signed() {
    let app = spawn_app(small_sim()).await;
    let input = flagged(&app).await;
    let ch = channels(&app, "").await;
    let out = ch.run(&app, &input, &[]).await;
    assert_exit(&out, 0);
    let said = text(&out.stdout);
    for name in [
        "合规群 (wecom): sent",
        "钉钉 (dingtalk): sent",
        "飞书 (feishu): sent",
        "hook (webhook): sent",
        "mail (email): sent",
    ] {
        assert_contains(&said, name);
    }
    // WeCom: one markdown message naming the three suppliers, within 4,096 bytes.
    let wecom = ch.hooks.on("/wecom");
    assert_eq!(wecom.len(), 1);
    assert_eq!(query_value(&wecom[0].query, "key"), WECOM_KEY);
    assert_eq!(wecom[0].body["msgtype"], "markdown");
    let content = wecom[0].body["markdown"]["content"].as_str().unwrap();
    assert!(content.len() <= 4096);
    assert_contains(content, "新增3条供应商提醒");
    for id in ["S2 ", "S4 ", "S7 "] {
        assert_contains(content, id);
    }
    assert_contains(content, "严重失信");
    assert_contains(content, "/var/lib/qcc-credit/report.html");
    // DingTalk: 加签 as documented: sign = base64(HmacSHA256(secret, timestamp + "\n" + secret)).
    let ding = ch.hooks.on("/dingtalk");
    assert_eq!(ding.len(), 1);
    let ts = query_value(&ding[0].query, "timestamp");
    assert_eq!(
        query_value(&ding[0].query, "sign"),
        hmac_b64(
            DING_SECRET.as_bytes(),
            format!("{ts}\n{DING_SECRET}").as_bytes()
        )
    );
    let now_ms = chrono::Utc::now().timestamp_millis();
    assert!(
        (now_ms - ts.parse::<i64>().unwrap()).abs() < 60_000,
        "timestamp in ms"
    );
    assert_eq!(ding[0].body["msgtype"], "markdown");
    assert_contains(ding[0].body["markdown"]["text"].as_str().unwrap(), "S4");
    // Feishu: sign = base64(HmacSHA256(key = timestamp + "\n" + secret, "")), in the body.
    let feishu = ch.hooks.on("/feishu");
    assert_eq!(feishu.len(), 1);
    let b = &feishu[0].body;
    let ts = b["timestamp"].as_str().unwrap();
    assert_eq!(
        b["sign"],
        hmac_b64(format!("{ts}\n{FEISHU_SECRET}").as_bytes(), b"")
    );
    assert_eq!(b["msg_type"], "post");
    assert_contains(&b["content"]["post"]["zh_cn"].to_string(), "S7");
    // The webhook: the documented JSON, with the bearer token.
    let hook = ch.hooks.on("/hook");
    assert_eq!(hook.len(), 1);
    assert_eq!(
        hook[0].headers["authorization"],
        format!("Bearer {HOOK_TOKEN}")
    );
    let v = &hook[0].body;
    assert!(v["run"]["id"].as_i64().is_some());
    let alerts = v["alerts"].as_array().unwrap();
    let ids: Vec<&str> = alerts
        .iter()
        .map(|a| a["supplier_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["S4", "S2", "S7"], "most severe first");
    for a in alerts {
        assert!(a["name"].as_str().unwrap().contains("公司"));
        assert!(!a["key"].as_str().unwrap().is_empty());
        assert!(!a["reasons"].as_array().unwrap().is_empty());
    }
    assert_eq!(v["trouble"], Value::Array(vec![]));
    // The mail: logged in, sent from and to the configured addresses, naming the suppliers.
    let smtp = ch.smtp.lock().unwrap().clone();
    let auth = smtp
        .iter()
        .find(|l| l.starts_with("AUTH PLAIN"))
        .expect("AUTH PLAIN");
    let plain = base64::engine::general_purpose::STANDARD
        .decode(auth.trim_start_matches("AUTH PLAIN ").trim())
        .unwrap();
    assert!(String::from_utf8_lossy(&plain).ends_with(SMTP_PASSWORD));
    assert!(
        smtp.iter()
            .any(|l| l.contains("RCPT TO:<compliance@example.com>"))
    );
    let data = smtp
        .iter()
        .find(|l| l.starts_with("DATA\n"))
        .expect("a message");
    assert_contains(data, "Subject:");
    assert_contains(data, "S4");
    // Recorded with the run, shown by status; no secret anywhere.
    let status = text(&app.on_db("status", &["--lang", "en"]).await.stdout);
    assert_contains(&status, "notification 合规群 (wecom): sent after run #1");
    assert_no_secret(&app, &ch, &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_quiet_night_sends_nothing_unless_a_daily_summary_is_asked_for() {
    let app = spawn_app(small_sim()).await;
    let input = flagged(&app).await;
    let ch = channels(&app, "").await;
    assert_exit(&ch.run(&app, &input, &[]).await, 0);
    let before = ch.hooks.got().len();
    assert_eq!(before, 4);
    // The next night nothing changes: the same alerts are still open, none is new.
    let out = ch
        .run(
            &app,
            &input,
            &["--refresh-older-than", "0s", "--clock-shift", "2"],
        )
        .await;
    assert_exit(&out, 0);
    assert!(
        !text(&out.stdout).contains("notified"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(ch.hooks.got().len(), before, "a quiet night sent something");
    // With daily_summary, a quiet night says so.
    let summary = channels(&app, "daily_summary = true").await;
    let out = summary
        .run(
            &app,
            &input,
            &["--refresh-older-than", "0s", "--clock-shift", "4"],
        )
        .await;
    assert_exit(&out, 0);
    let wecom = summary.hooks.on("/wecom");
    assert_eq!(wecom.len(), 1);
    assert_contains(
        wecom[0].body["markdown"]["content"].as_str().unwrap(),
        "无新增提醒",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_are_retried_and_an_undelivered_message_goes_with_the_next_run() {
    let app = spawn_app(small_sim()).await;
    let input = flagged(&app).await;
    let ch = channels(&app, "").await;
    // The channels are sent in the file's order and the scripted answers taken in arrival
    // order: WeCom gets 503 twice, then is delivered on its third attempt.
    ch.hooks.answer_next(503, "busy");
    ch.hooks.answer_next(503, "busy");
    let out = ch.run(&app, &input, &[]).await;
    assert_exit(&out, 0);
    assert_eq!(ch.hooks.on("/wecom").len(), 3, "two 503s, then delivered");
    assert_contains(&text(&out.stdout), "合规群 (wecom): sent");
    let calls = app.stats().calls;

    // Night 2: WeCom answers 200 with errcode 93000 (an invalid webhook) every time: not
    // delivered, recorded, and the screening's exit code is unchanged.
    let cos = app.companies(40..48);
    shape(&app, &cos[0], "失信企业", "正常", &[]);
    ch.hooks
        .answer_next(200, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#);
    let out = ch
        .run(
            &app,
            &input,
            &["--refresh-older-than", "0s", "--clock-shift", "2"],
        )
        .await;
    assert_exit(&out, 0);
    assert_contains(
        &text(&out.stdout),
        "合规群 (wecom): FAILED after 1 attempt(s): wecom errcode 93000",
    );
    assert_eq!(
        app.stats().calls,
        calls + 8,
        "one call per key: the notification calls nothing"
    );
    let status = text(&app.on_db("status", &["--lang", "en"]).await.stdout);
    assert_contains(
        &status,
        "notification 合规群 (wecom): FAILED (wecom errcode 93000: invalid webhook url)",
    );
    assert_contains(&status, "1 run(s) not yet delivered");

    // Night 3, quiet: WeCom hears night 2's alert now; the others heard it already.
    let before = ch.hooks.got().len();
    let out = ch
        .run(
            &app,
            &input,
            &["--refresh-older-than", "0s", "--clock-shift", "4"],
        )
        .await;
    assert_exit(&out, 0);
    let sent = &ch.hooks.got()[before..];
    assert_eq!(sent.len(), 1, "only the channel that missed night 2");
    let content = sent[0].body["markdown"]["content"].as_str().unwrap();
    assert_contains(content, "S1 ");
    assert_contains(content, "含此前1次未送达的运行");
    let status = text(&app.on_db("status", &["--lang", "en"]).await.stdout);
    assert_contains(&status, "notification 合规群 (wecom): sent after run #3");
    assert_no_secret(&app, &ch, &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_list_is_cut_to_each_channels_size_and_trouble_is_reported() {
    let mut cfg = small_sim();
    cfg.faults.daily_quota = Some(150);
    let app = spawn_app(cfg).await;
    // 200 names the vendor does not know: 200 alerts (not found), and the quota runs out.
    let mut list = String::from("供应商编码,供应商名称\n");
    for i in 0..200 {
        list.push_str(&format!("V{i:04},不存在的测试供应商第{i}号有限公司\n"));
    }
    let input = app.write("long.csv", list);
    let ch = channels(&app, "max_alerts = 1000").await;
    let out = ch.run(&app, &input, &[]).await;
    assert_exit(&out, 3);
    let wecom = &ch.hooks.on("/wecom")[0];
    let content = wecom.body["markdown"]["content"].as_str().unwrap();
    assert!(content.len() <= 4096, "{} bytes", content.len());
    assert_contains(content, "家未列出");
    assert_contains(content, "接口配额已用完");
    let ding = &ch.hooks.on("/dingtalk")[0];
    let text_ = ding.body["markdown"]["text"].as_str().unwrap();
    assert!(text_.len() <= 20_000, "{} bytes", text_.len());
    assert!(
        text_.matches("不存在的测试供应商").count() > content.matches("不存在的测试供应商").count()
    );
    let feishu = &ch.hooks.on("/feishu")[0];
    assert!(feishu.bytes <= 30_000, "{} bytes", feishu.bytes);
    let hook = &ch.hooks.on("/hook")[0];
    assert_eq!(hook.body["alerts"].as_array().unwrap().len(), 150);
    assert_eq!(hook.body["trouble"][0]["kind"], "quota");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_test_says_which_channel_answered_and_a_bad_file_stops_the_run_first() {
    let app = spawn_app(small_sim()).await;
    let ch = channels(&app, "").await;
    ch.hooks
        .answer_next(200, r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#);
    let mut cmd = app.command(&["notify", "--config", ch.config.to_str().unwrap(), "--test"]);
    for (k, v) in &ch.env {
        cmd.env(k, v);
    }
    let out = cmd.output().await.unwrap();
    assert_exit(&out, 1);
    let said = text(&out.stdout);
    assert_contains(&said, "合规群 (wecom): FAILED");
    assert_contains(&said, "钉钉 (dingtalk): sent");
    assert_contains(&said, "mail (email): sent");
    assert_contains(
        ch.hooks.on("/feishu")[0].body["content"]["post"]["zh_cn"]["title"]
            .as_str()
            .unwrap(),
        "测试消息",
    );
    for s in ch.secrets() {
        assert!(!said.contains(s) && !text(&out.stderr).contains(s), "{s}");
    }
    // A file with a secret written in it, or an unset variable: exit 1 before any call.
    let input = flagged(&app).await;
    let bad = app.write(
        "bad.toml",
        "[[channel]]\ntype = \"wecom\"\nwebhook = \"https://x/send?key=abc\"\n",
    );
    let out = app
        .run(&input, &["--notify-config", bad.to_str().unwrap()])
        .await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "bad.toml: line 3");
    assert_contains(&text(&out.stderr), "secrets never go in this file");
    let out = app
        .run(&input, &["--notify-config", ch.config.to_str().unwrap()])
        .await;
    assert_exit(&out, 1);
    assert_contains(
        &text(&out.stderr),
        "environment variable T_WECOM is not set",
    );
    assert_eq!(
        app.stats().calls,
        0,
        "nothing called before the configuration is right"
    );
}
