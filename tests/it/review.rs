//! Review and audit: alerts that live until decided, decisions recorded one by one and from the
//! workbook, decisions as append-only evidence, the evidence page in Chromium, the audit export.

use std::path::{Path, PathBuf};

use qcc_credit::simulator::Company;
use qcc_credit::simulator::changes::apply_script;
use serde_json::Value;

use crate::analyst::{chromium, dump_dom, shape};
use crate::helpers::{TestApp, assert_contains, assert_exit, small_sim, spawn_app, text};

/// The list: six suppliers with the analyst's own ids S1..S6.
struct Fixture {
    input: PathBuf,
    cos: Vec<Company>,
    /// The nights screened so far (each re-screen moves the tool's clock two seconds on).
    nights: i64,
}

impl Fixture {
    async fn new(app: &TestApp) -> Fixture {
        let cos = app.companies(30..36);
        let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(100)).to_string();
        shape(app, &cos[0], "失信企业", "正常", &[]); // S1: dishonest
        shape(app, &cos[1], "高级认证企业", "正常", &[]); // S2: falls on night 2
        shape(app, &cos[2], "一般信用企业", "正常", &[&recent]); // S3: punished
        shape(app, &cos[3], "一般信用企业", "正常", &[]); // S4: clean
        shape(app, &cos[4], "严重失信企业", "正常", &[]); // S5: severely dishonest
        shape(app, &cos[5], "一般认证企业", "正常", &[]); // S6: clean
        let mut list = String::from("供应商编码,供应商名称,统一社会信用代码\n");
        for (i, c) in cos.iter().enumerate() {
            list.push_str(&format!("S{},{},{}\n", i + 1, c.name, c.uscc));
        }
        let input = app.write("review.csv", list);
        let out = app.run(&input, &[]).await;
        assert_exit(&out, 0);
        assert_contains(&text(&out.stdout), "alerts this run opened: 3");
        Fixture {
            input,
            cos,
            nights: 1,
        }
    }

    /// The next night: the simulator's data changed by `script` (`KEY change` lines with `{N}`
    /// for company N's code), then every answer screened again.
    async fn night(&mut self, app: &TestApp, script: &str, extra: &[&str]) -> std::process::Output {
        let mut s = script.to_string();
        for (i, c) in self.cos.iter().enumerate() {
            s = s.replace(&format!("{{{i}}}"), &c.uscc);
        }
        app.sim
            .with_dataset(|ds| apply_script(ds, "test", &s))
            .unwrap();
        self.nights += 1;
        let shift = (2 * self.nights).to_string();
        let mut args = vec!["--refresh-older-than", "0s", "--clock-shift", &shift];
        args.extend_from_slice(extra);
        app.run(&self.input, &args).await
    }
}

/// `review --list` (`--open` when asked) as JSON lines, by supplier id.
async fn alerts(app: &TestApp, open_only: bool) -> Vec<Value> {
    let mut args = vec!["--list", "--format", "jsonl"];
    if open_only {
        args.push("--open");
    }
    let out = app.on_db("review", &args).await;
    assert_exit(&out, 0);
    text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(alerts: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = alerts
        .iter()
        .map(|a| a["supplier_id"].as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

fn find<'a>(alerts: &'a [Value], id: &str) -> &'a Value {
    alerts
        .iter()
        .find(|a| a["supplier_id"] == id)
        .unwrap_or_else(|| panic!("no alert for {id} in {alerts:?}"))
}

async fn decide(app: &TestApp, id: &str, decision: &str, note: &str, by: &str) {
    let args = [
        "--supplier",
        id,
        "--decision",
        decision,
        "--note",
        note,
        "--by",
        by,
    ];
    let out = app.on_db("review", &args).await;
    assert_exit(&out, 0);
    assert_contains(&text(&out.stdout), "已记录处置");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_lives_until_decided_and_reopens_only_on_something_new() {
    let app = spawn_app(small_sim()).await;
    let mut f = Fixture::new(&app).await;
    let open = alerts(&app, true).await;
    assert_eq!(ids(&open), ["S1", "S3", "S5"]);
    for a in &open {
        assert_eq!(a["state"], "open");
        assert!(a["row"].as_u64().unwrap() >= 2, "row as the sheet shows it");
        assert!(!a["reasons"].as_str().unwrap().is_empty());
    }

    // Night 2: S2 falls from 高级认证企业 to 一般信用企业 (worse, yet not dishonest). It is a new
    // alert; the others were already open: nothing else is new.
    let out = f
        .night(&app, "{1} level 一般信用企业\n", &["--fail-on-open-alerts"])
        .await;
    assert_exit(&out, 6);
    assert_contains(&text(&out.stdout), "alerts this run opened: 1");
    assert_eq!(ids(&alerts(&app, true).await), ["S1", "S2", "S3", "S5"]);

    // Night 3, quiet: "worse since the previous screening" does not vanish after one night.
    let out = f.night(&app, "", &["--fail-on-open-alerts"]).await;
    assert_exit(&out, 0);
    assert!(!text(&out.stdout).contains("alerts this run opened"));
    let open = alerts(&app, true).await;
    assert_eq!(ids(&open), ["S1", "S2", "S3", "S5"]);
    let s2 = find(&open, "S2");
    assert_contains(s2["reasons"].as_str().unwrap(), "信用等级下降");
    assert!(s2["flags"].as_array().unwrap().contains(&"worse".into()));

    // Decisions: S1 accepted by 王芳, S2 cleared.
    decide(&app, "S1", "accepted", "长期合作，已取得整改说明", "王芳").await;
    decide(
        &app,
        "S2",
        "cleared",
        "等级调整为常规企业，不影响合作",
        "王芳",
    )
    .await;
    let status = text(&app.on_db("status", &["--lang", "en"]).await.stdout);
    assert_contains(&status, "alerts: 2 open");
    let zh = text(&app.on_db("status", &[]).await.stdout);
    assert_contains(&zh, "需关注：4 家，待处置 2 条，已处置 2 条");

    // Night 4, quiet: decided alerts stay decided, listed with the decision.
    assert_exit(&f.night(&app, "", &[]).await, 0);
    assert_eq!(ids(&alerts(&app, true).await), ["S3", "S5"]);
    let all = alerts(&app, false).await;
    let s1 = find(&all, "S1");
    assert_eq!(s1["state"], "accepted");
    assert_eq!(s1["decided_by"], "王芳");
    assert_eq!(s1["note"], "长期合作，已取得整改说明");
    assert_eq!(find(&all, "S2")["state"], "cleared");

    // Night 5: a new punishment for S1 opens it again, the earlier decision shown.
    let day = (chrono::Utc::now().date_naive() - chrono::Days::new(3)).to_string();
    let out = f
        .night(
            &app,
            &format!("{{0}} punish {day}\n"),
            &["--fail-on-open-alerts"],
        )
        .await;
    assert_exit(&out, 6);
    assert_contains(&text(&out.stdout), "alerts this run opened: 1");
    let open = alerts(&app, true).await;
    assert_eq!(ids(&open), ["S1", "S3", "S5"]);
    let s1 = find(&open, "S1");
    let state = s1["state_text"].as_str().unwrap();
    assert_contains(state, "王芳（接受风险）处置后有新情况");
    assert_contains(state, "新处罚");
    assert_eq!(s1["state"], "open");
    // S2 stays decided: nothing new for it.
    assert_eq!(find(&alerts(&app, false).await, "S2")["state"], "cleared");

    // The report agrees: S1 open in the needs-attention table, S2 among the decided.
    let html = app.path("report.html");
    assert_exit(
        &app.on_db("report", &["--out", html.to_str().unwrap()])
            .await,
        0,
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let open_table = &page[page.find("<table id=\"attention\"").unwrap()..];
    let open_table = &open_table[..open_table.find("</table>").unwrap()];
    assert_contains(open_table, &f.cos[0].uscc);
    assert!(!open_table.contains(&f.cos[1].uscc));
    let decided = &page[page.find("<table id=\"decided\"").unwrap()..];
    let decided = &decided[..decided.find("</table>").unwrap()];
    assert_contains(decided, &f.cos[1].uscc);
    assert_contains(decided, "等级调整为常规企业，不影响合作");
    assert_contains(decided, "误报已排除");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_are_append_only() {
    let app = spawn_app(small_sim()).await;
    let _f = Fixture::new(&app).await;
    decide(&app, "S1", "escalated", "报合规负责人", "王芳").await;
    decide(&app, "S1", "blocked", "负责人决定停止合作", "李雷").await;
    let conn = rusqlite::Connection::open(&app.db).unwrap();
    let n: i64 = conn
        .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2, "a later decision supersedes; both stay");
    for sql in [
        "UPDATE decisions SET note = 'changed'",
        "DELETE FROM decisions",
        "UPDATE alerts SET flags = 0",
        "DELETE FROM alerts",
    ] {
        let e = conn.execute(sql, []).unwrap_err().to_string();
        assert_contains(&e, "append-only");
    }
    // The later decision is the one in force.
    assert_eq!(find(&alerts(&app, false).await, "S1")["state"], "blocked");
    // A decision needs a note, and a row that needs no attention has nothing to decide.
    let out = app
        .on_db(
            "review",
            &["--supplier", "S4", "--decision", "cleared", "--note", "x"],
        )
        .await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "needs no attention");
    let out = app
        .on_db(
            "review",
            &["--supplier", "S9", "--decision", "cleared", "--note", "x"],
        )
        .await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "no row of");
}

/// The exported workbook's 需关注 sheet written again by a real xlsx writer, with `fill`
/// (supplier id → decision, note, by) in the decision columns.
fn fill_workbook(exported: &Path, filled: &Path, fill: &[(&str, &str, &str, &str)]) {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(exported).unwrap();
    let sheet = wb.worksheet_range("需关注").unwrap();
    let header: Vec<String> = (0..sheet.width())
        .map(|c| sheet.get((0, c)).map(Data::to_string).unwrap_or_default())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap() as u16;
    let mut out = rust_xlsxwriter::Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name("需关注").unwrap();
    for (r, row) in sheet.rows().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Data::Float(n) => ws.write_number(r as u32, c as u16, *n).unwrap(),
                Data::Int(n) => ws.write_number(r as u32, c as u16, *n as f64).unwrap(),
                Data::Empty => ws,
                other => ws
                    .write_string(r as u32, c as u16, other.to_string())
                    .unwrap(),
            };
        }
        let id = row[0].to_string();
        if let Some((_, decision, note, by)) = fill.iter().find(|f| f.0 == id) {
            ws.write_string(r as u32, col("处置结论"), *decision)
                .unwrap();
            ws.write_string(r as u32, col("处置说明"), *note).unwrap();
            ws.write_string(r as u32, col("处置人"), *by).unwrap();
        }
    }
    out.save(filled).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_filled_in_the_workbook_are_imported() {
    let app = spawn_app(small_sim()).await;
    let mut f = Fixture::new(&app).await;
    let exported = app.path("r.xlsx");
    let args = ["--format", "xlsx", "--out", exported.to_str().unwrap()];
    assert_exit(&app.on_db("export", &args).await, 0);
    // The decision column offers the four decisions as a drop-down list.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&exported).unwrap()).unwrap();
    let mut sheet1 = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
        &mut sheet1,
    )
    .unwrap();
    assert_contains(&sheet1, "误报已排除,接受风险,停止合作,上报");
    // After the export, S5 gets a new punishment: a decision on what was exported must not
    // clear it.
    let day = (chrono::Utc::now().date_naive() - chrono::Days::new(2)).to_string();
    assert_exit(
        &f.night(&app, &format!("{{4}} punish {day}\n"), &[]).await,
        0,
    );

    let filled = app.path("filled.xlsx");
    fill_workbook(
        &exported,
        &filled,
        &[
            ("S1", "停止合作", "失信，停止新订单", "李雷"),
            ("S3", "误报已排除", "处罚已结案", ""),
            ("S5", "接受风险", "看过了", "李雷"),
        ],
    );
    let import = |file: PathBuf| {
        let app = &app;
        async move {
            app.command(&["review", "--db", app.db.to_str().unwrap(), "--import"])
                .arg(&file)
                .env("USER", "测试员")
                .output()
                .await
                .unwrap()
        }
    };
    let out = import(filled.clone()).await;
    // S5 changed since the export: listed, not applied; the run says so with exit 1.
    assert_exit(&out, 1);
    let said = text(&out.stdout);
    assert_contains(&said, "已记录 2 条处置");
    assert_contains(&said, "1 行未记录：导出后提醒已有变化");
    assert_contains(&said, "S5，");
    let all = alerts(&app, false).await;
    let s1 = find(&all, "S1");
    assert_eq!(
        (s1["state"].as_str(), s1["decided_by"].as_str()),
        (Some("blocked"), Some("李雷"))
    );
    let s3 = find(&all, "S3");
    assert_eq!(
        (s3["state"].as_str(), s3["decided_by"].as_str()),
        (Some("cleared"), Some("测试员"))
    );
    assert_eq!(find(&all, "S5")["state"], "open");

    // The same workbook again records nothing twice.
    let out = import(filled).await;
    assert_contains(&text(&out.stdout), "已记录 0 条处置");
    assert_contains(&text(&out.stdout), "2 行与已有处置相同");
    let n: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);

    // A word that is not a decision is refused, naming the row and the column.
    let bad = app.path("bad.xlsx");
    let again = app.path("again.xlsx");
    assert_exit(
        &app.on_db(
            "export",
            &["--format", "xlsx", "--out", again.to_str().unwrap()],
        )
        .await,
        0,
    );
    fill_workbook(&again, &bad, &[("S5", "待定", "x", "李雷")]);
    let out = import(bad).await;
    assert_exit(&out, 1);
    assert_contains(
        &text(&out.stdout),
        "“处置结论”列：“待定”不是可记录的处置结论（误报已排除 / 接受风险 / 停止合作 / 上报）",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_evidence_page_and_the_audit_export_show_the_vendors_order_numbers() {
    let app = spawn_app(small_sim()).await;
    let mut f = Fixture::new(&app).await;
    assert_exit(&f.night(&app, "", &[]).await, 0);
    decide(&app, "S1", "escalated", "报合规负责人", "王芳").await;

    // The audit: runs, calls with their OrderNumbers as the vendor wrote them, alerts,
    // decisions.
    let out = app
        .on_db("audit", &["--format", "jsonl", "--tz", "Asia/Shanghai"])
        .await;
    assert_exit(&out, 0);
    let records: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |kind: &str| records.iter().filter(|r| r["record"] == kind).count();
    assert_eq!(of("run"), 2);
    assert_eq!(of("call") as u64, app.stats().calls);
    assert_eq!(of("decision"), 1);
    assert!(of("alert") >= 3);
    let orders: Vec<String> = records
        .iter()
        .filter(|r| r["record"] == "call" && r["key"] == f.cos[0].uscc.as_str())
        .map(|r| r["order_number"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(orders.len(), 2, "two screenings of S1");
    for o in &orders {
        assert!(o.starts_with("OPERATIONCHECK"), "{o}");
    }
    assert!(
        records[0]["started_at"]
            .as_str()
            .unwrap()
            .ends_with("+08:00")
    );
    let csv = text(&app.on_db("audit", &["--format", "csv"]).await.stdout);
    assert!(csv.starts_with('\u{feff}'));
    assert_contains(&csv, "记录类型,编号,时间");
    assert_contains(&csv, &orders[0]);
    assert_contains(&csv, "报合规负责人");

    // The evidence page: the supplier's cells, every call's OrderNumber, the decision.
    let page = app.path("S1.html");
    let out = app
        .on_db(
            "evidence",
            &["--supplier", "S1", "--out", page.to_str().unwrap()],
        )
        .await;
    assert_exit(&out, 0);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(!html.contains("src=") && !html.contains("href="));
    assert_contains(&html, "@page{size:A4");
    let en = app.path("S1-en.html");
    let args = [
        "--key",
        &f.cos[0].uscc,
        "--out",
        en.to_str().unwrap(),
        "--lang",
        "en",
    ];
    assert_exit(&app.on_db("evidence", &args).await, 0);
    assert_contains(
        &std::fs::read_to_string(&en).unwrap(),
        "Supplier screening evidence",
    );
    let Some(chromium) = chromium() else {
        return;
    };
    let dom = dump_dom(&chromium, &page, &app.path("profile"));
    assert_contains(&dom, "供应商核查证据");
    assert_contains(&dom, &f.cos[0].name);
    for o in &orders {
        assert_contains(&dom, o);
    }
    assert_contains(&dom, "上报");
    assert_contains(&dom, "报合规负责人");
    assert_contains(&dom, "失信企业");
    // It prints on one A4 page.
    let pdf = app.path("S1.pdf");
    let printed = std::process::Command::new(&chromium)
        .args(crate::analyst::CHROMIUM_FLAGS)
        .arg(format!(
            "--user-data-dir={}",
            app.path("profile2").display()
        ))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(printed.status.success(), "{}", text(&printed.stderr));
    let bytes = std::fs::read(&pdf).unwrap();
    let pages = text(&bytes)
        .split("/Count ")
        .skip(1)
        .filter_map(|s| {
            s.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse::<u32>()
                .ok()
        })
        .max();
    assert_eq!(pages, Some(1), "the evidence page prints on one page");
}
