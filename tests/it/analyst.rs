//! The analyst's outputs: the report's needs-attention list checked in headless Chromium, the
//! workbook read back with calamine, the CSV byte-order mark, and `changes` in local time.

use std::path::{Path, PathBuf};

use qcc_credit::simulator::Company;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_contains, assert_exit, small_sim, spawn_app, text};

/// Set every registration of a company: level, cancel flag, punishment dates.
pub(crate) fn shape(app: &TestApp, c: &Company, level: &str, cancel: &str, punished_on: &[&str]) {
    app.sim.with_dataset(|ds| {
        let Some(co) = ds.lookup_mut(&c.uscc) else {
            return;
        };
        for (i, r) in co.records.iter_mut().enumerate() {
            r["IdentifyLevel"] = json!(level);
            r["CancelFlag"] = json!(cancel);
            let puns: Vec<Value> = if i == 0 {
                punished_on
                    .iter()
                    .enumerate()
                    .map(|(n, d)| {
                        json!({"No": (n + 1).to_string(), "DecisionNo": format!("测关缉违字〔{}〕{n}号", &d[..4]),
                               "Party": c.name, "PunishDate": d, "CaseProp": "违规"})
                    })
                    .collect()
            } else {
                Vec::new()
            };
            r["PunishList"] = json!(puns);
        }
    });
}

/// The fixture: one supplier per kind of flag plus two clean ones, listed with the analyst's
/// own id column. Returns the list and the keys expected on the needs-attention list, in order.
async fn flagged_list(app: &TestApp) -> (PathBuf, Vec<String>) {
    let cos = app.companies(10..18);
    let [
        clean,
        severe,
        dishonest,
        worse,
        punished,
        cancelled,
        gone,
        old_punishment,
    ] = <[Company; 8]>::try_from(cos.clone()).unwrap();
    shape(app, &clean, "一般信用企业", "正常", &[]);
    shape(app, &severe, "严重失信企业", "正常", &[]);
    shape(app, &dishonest, "C", "正常", &[]);
    shape(app, &worse, "高级认证企业", "正常", &[]);
    let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(200)).to_string();
    shape(app, &punished, "一般认证企业", "正常", &[&recent]);
    shape(app, &cancelled, "一般信用企业", "注销", &[]);
    shape(
        app,
        &old_punishment,
        "一般信用企业",
        "正常",
        &["2016-03-01"],
    );
    app.sim.with_dataset(|ds| ds.remove(&gone.uscc));
    let mut list = String::from("序号,供应商名称,统一社会信用代码,联系人\n");
    for (i, c) in cos.iter().enumerate() {
        list.push_str(&format!("{:03},{},{},张三\n", i + 1, c.name, c.uscc));
    }
    let input = app.write("flagged.csv", list);
    assert_exit(&app.run(&input, &[]).await, 0);
    // The next night: one supplier drops from 高级认证 to 一般信用 (worse, yet not dishonest).
    shape(app, &worse, "一般信用企业", "正常", &[]);
    // The next night comes two seconds later on the tool's clock, not by waiting.
    let next_night = ["--refresh-older-than", "0s", "--clock-shift", "2"];
    assert_exit(&app.run(&input, &next_night).await, 0);
    let order = [&severe, &dishonest, &worse, &punished, &cancelled, &gone];
    (input, order.iter().map(|c| c.uscc.clone()).collect())
}

/// Debian's Chromium, or `None` outside CI when it is not installed (CI installs it first).
pub(crate) fn chromium() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/bin/chromium");
    if p.exists() {
        return Some(p);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install chromium before the tests (scripts/ensure-chromium.sh)"
    );
    eprintln!("skipped: chromium is not installed (scripts/ensure-chromium.sh installs it)");
    None
}

/// Headless Chromium on a machine with no network: nothing started that would reach out.
pub(crate) const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The page's DOM after its script ran, as headless Chromium sees it.
pub(crate) fn dump_dom(chromium: &Path, page: &Path, profile: &Path) -> String {
    let out = std::process::Command::new(chromium)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The `data-key`s of the rows of the table with this id, in order.
fn table_keys(dom: &str, id: &str) -> Vec<String> {
    let start = dom
        .find(&format!("<table id=\"{id}\""))
        .unwrap_or_else(|| panic!("no table {id}"));
    let table = &dom[start..start + dom[start..].find("</table>").unwrap()];
    table
        .split("data-key=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn needs_attention_rows_in_chromium_match_the_database() {
    let app = spawn_app(small_sim()).await;
    let (_, expected) = flagged_list(&app).await;
    let html = app.path("report.html");
    assert_exit(
        &app.on_db("report", &["--out", html.to_str().unwrap()])
            .await,
        0,
    );
    let page = std::fs::read_to_string(&html).unwrap();
    // Self-contained: nothing fetched from anywhere.
    assert!(!page.contains("src=") && !page.contains("href="));
    // The database agrees with the fixture: the supplier that got worse has a stored change for
    // the worse, the one that is gone was answered 201 twice.
    let worse: i64 = app
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM changes c JOIN keys k ON k.id = c.key_id
             WHERE k.key = ?1 AND c.worse = 1 AND c.screening_id = k.screening_id",
            [&expected[2]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(worse, 1);
    let state: String = app
        .sql()
        .query_row(
            "SELECT state FROM keys WHERE key = ?1",
            [&expected[5]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "not_found");
    // What needs no browser is checked before the browser may be found missing.
    // `changes` reads alone, in Chinese and local time.
    let zh = text(
        &app.on_db("changes", &["--tz", "Asia/Shanghai"])
            .await
            .stdout,
    );
    assert_contains(&zh, "信用等级下降: 高级认证企业 → 一般信用企业");
    assert_contains(&zh, "+08:00  变差");
    // English on request.
    let en = app.path("report-en.html");
    let args = [
        "--out",
        en.to_str().unwrap(),
        "--lang",
        "en",
        "--tz",
        "Asia/Shanghai",
    ];
    assert_exit(&app.on_db("report", &args).await, 0);
    let page = std::fs::read_to_string(&en).unwrap();
    assert_contains(&page, "Needs attention (6)");
    assert_contains(&page, "+08:00");
    let Some(chromium) = chromium() else {
        return;
    };
    let dom = dump_dom(&chromium, &html, &app.path("profile"));
    assert_eq!(table_keys(&dom, "attention"), expected);
    // The script ran: the filter controls it reveals are shown.
    assert!(
        dom.contains("id=\"controls\" class=\"controls\">"),
        "script did not run"
    );
    // Chinese first: the heading, the levels, the previous -> current level, the reasons.
    assert_contains(&dom, "需关注供应商 (6)");
    assert_contains(&dom, "高级认证企业 → 一般信用企业");
    assert_contains(
        &dom,
        "较上次筛查变差：信用等级下降（高级认证企业 → 一般信用企业）",
    );
    assert_contains(&dom, "唯一的海关注册已注销");
    assert_contains(&dom, "未查到海关数据：该企业可能没有海关进出口备案");
    // The analyst's id column, as read (leading zeros kept).
    assert_contains(&dom, "<td>002</td>");
    // Every supplier is in the sortable table, with its details.
    assert!(dom.matches("<details>").count() >= 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbook_reads_back_as_a_manager_needs_it() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let app = spawn_app(small_sim()).await;
    let (input, expected) = flagged_list(&app).await;
    let out_path = app.path("r.xlsx");
    let args = ["--format", "xlsx", "--out", out_path.to_str().unwrap()];
    assert_exit(&app.on_db("export", &args).await, 0);
    let mut wb: Xlsx<_> = open_workbook(&out_path).unwrap();
    assert_eq!(wb.sheet_names(), ["需关注", "筛查结果", "处罚记录"]);
    let cell = |r: &calamine::Range<Data>, row: usize, col: usize| {
        r.get((row, col)).cloned().unwrap_or(Data::Empty)
    };
    let header = |r: &calamine::Range<Data>| -> Vec<String> {
        (0..r.width()).map(|c| cell(r, 0, c).to_string()).collect()
    };

    // 需关注: the id and name columns, how the row was queried and with what; the rows in
    // severity order.
    let att = wb.worksheet_range("需关注").unwrap();
    let h = header(&att);
    assert_eq!(&h[..4], ["序号", "供应商名称", "查询依据", "查询代码/名称"]);
    assert_eq!(cell(&att, 1, 2).to_string(), "统一社会信用代码");
    let keys: Vec<String> = (1..att.height())
        .map(|r| cell(&att, r, 3).to_string())
        .collect();
    assert_eq!(keys, expected);
    let pun_col = h.iter().position(|x| x == "处罚次数").unwrap();
    assert!(matches!(cell(&att, 4, pun_col), Data::Float(n) if n == 1.0));

    // 筛查结果: the analyst's columns first, byte for byte, as text; counts as numbers.
    let res = wb.worksheet_range("筛查结果").unwrap();
    let h = header(&res);
    assert_eq!(
        &h[..5],
        ["序号", "供应商名称", "统一社会信用代码", "联系人", "数据行"]
    );
    for x in [
        "信用等级",
        "注册海关",
        "认定时间",
        "已注销注册数",
        "处罚次数",
        "需关注原因",
    ] {
        assert!(h.iter().any(|y| y == x), "no column {x}: {h:?}");
    }
    let list = std::fs::read_to_string(&input).unwrap();
    for (r, line) in list.lines().skip(1).enumerate() {
        let cells: Vec<&str> = line.split(',').collect();
        for (c, want) in cells.iter().enumerate() {
            assert_eq!(
                cell(&res, r + 1, c),
                Data::String(want.to_string()),
                "row {r} col {c}"
            );
        }
        assert_eq!(cell(&res, r + 1, 4), Data::Float((r + 1) as f64));
    }
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let level_of = |code: &str| {
        let r = (1..res.height())
            .find(|r| cell(&res, *r, 2) == code)
            .unwrap();
        cell(&res, r, col("信用等级")).to_string()
    };
    assert_eq!(level_of(&expected[0]), "严重失信企业");
    assert_eq!(level_of(&expected[1]), "C（失信企业）");
    assert_eq!(level_of(&expected[5]), "未查到海关数据");
    assert!(matches!(cell(&res, 1, col("注册数")), Data::Float(_)));

    // Print setup and widths, as the workbook's XML says them: landscape A4, the header row
    // repeated, every column a set width; a wide sheet at 85% across pages with the supplier's
    // id and name repeated, a narrow one fitted one page wide; wide columns wrap.
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out_path).unwrap()).unwrap();
    let part = |zip: &mut zip::ZipArchive<std::fs::File>, name: &str| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(name).unwrap(), &mut s).unwrap();
        s
    };
    let workbook = part(&mut zip, "xl/workbook.xml");
    assert_eq!(workbook.matches("_xlnm.Print_Titles").count(), 3);
    assert_contains(&workbook, "需关注!$A:$B,需关注!$1:$1");
    for i in 1..=3 {
        let sheet = part(&mut zip, &format!("xl/worksheets/sheet{i}.xml"));
        assert_contains(&sheet, r#"paperSize="9""#);
        assert_contains(&sheet, r#"orientation="landscape""#);
        assert_contains(&sheet, r#"customWidth="1""#);
        if i == 3 {
            assert_contains(&sheet, r#"<pageSetUpPr fitToPage="1"/>"#);
        } else {
            assert_contains(&sheet, r#"scale="85""#);
            assert!(
                !sheet.contains("fitToPage"),
                "a wide sheet is not shrunk to one page"
            );
        }
    }
    let styles = part(&mut zip, "xl/styles.xml");
    assert_contains(&styles, r#"wrapText="1""#);

    // 处罚记录: the supplier's id and name on every punishment.
    let pun = wb.worksheet_range("处罚记录").unwrap();
    let h = header(&pun);
    assert_eq!(
        &h[..5],
        ["序号", "供应商名称", "数据行", "查询依据", "查询代码/名称"]
    );
    assert!(pun.height() >= 3, "two punished suppliers");
    for r in 1..pun.height() {
        assert!(!cell(&pun, r, 1).to_string().is_empty());
        assert!(matches!(cell(&pun, r, 2), Data::Float(_)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_starts_with_a_bom_unless_asked_not_to() {
    let app = spawn_app(small_sim()).await;
    let (_, input) = app.uscc_list(0..3);
    assert_exit(&app.run(&input, &[]).await, 0);
    for (sub, args, bom) in [
        ("export", vec!["--format", "csv"], true),
        ("export", vec!["--format", "csv", "--no-bom"], false),
        ("changes", vec!["--format", "csv"], true),
        ("changes", vec!["--format", "csv", "--no-bom"], false),
    ] {
        let out = app.on_db(sub, &args).await;
        assert_exit(&out, 0);
        assert_eq!(
            out.stdout.starts_with(b"\xEF\xBB\xBF"),
            bom,
            "{sub} {args:?}"
        );
        assert!(!out.stdout.is_empty());
    }
}

/// `--since DATE` is local midnight: a change detected two minutes after midnight local time is
/// listed from that date on, one detected two minutes before it is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_since_a_local_date_starts_at_local_midnight() {
    let app = spawn_app(small_sim()).await;
    let (cos, input) = app.uscc_list(20..22);
    assert_exit(&app.run(&input, &[]).await, 0);
    app.sim.with_dataset(|ds| ds.remove(&cos[0].uscc));
    let next_night = ["--refresh-older-than", "0s", "--clock-shift", "2"];
    assert_exit(&app.run(&input, &next_night).await, 0);
    let detected: String = app
        .sql()
        .query_row("SELECT detected_at FROM changes", [], |r| r.get(0))
        .unwrap();
    let t = chrono::DateTime::parse_from_rfc3339(&detected)
        .unwrap()
        .to_utc();
    let since_midnight = (t - t.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc()).num_seconds();
    // An offset (whole minutes, within +-12 h) putting `t` at `local` seconds after midnight.
    let offset_for = |local: i64| -> i64 {
        let o = (local - since_midnight).rem_euclid(86_400);
        let o = if o > 43_200 { o - 86_400 } else { o };
        o - o.rem_euclid(60)
    };
    let tz = |o: i64| {
        format!(
            "{}{:02}:{:02}",
            if o < 0 { '-' } else { '+' },
            o.abs() / 3600,
            o.abs() % 3600 / 60
        )
    };
    for (local, listed_from_that_day) in [(180, true), (86_400 - 180, false)] {
        let o = offset_for(local);
        let local_t = t + chrono::Duration::seconds(o);
        let day = if listed_from_that_day {
            local_t.date_naive()
        } else {
            local_t.date_naive() + chrono::Days::new(1)
        };
        let (tz_arg, since) = (tz(o), day.to_string());
        let args = ["--format", "jsonl", "--tz", &tz_arg, "--since", &since];
        let out = app.on_db("changes", &args).await;
        assert_exit(&out, 0);
        let n = text(&out.stdout).lines().count();
        assert_eq!(
            n,
            listed_from_that_day as usize,
            "tz {} since {day}, detected {detected}",
            tz(o)
        );
    }
    // The text listing reads alone: the name from the list, what it was and became, both dates.
    let out = app.on_db("changes", &["--lang", "en"]).await;
    let listing = text(&out.stdout);
    assert_contains(&listing, &cos[0].name);
    assert_contains(&listing, "no longer found");
    assert_contains(&listing, "→ not found");
    assert_contains(&listing, "WORSE");
}
