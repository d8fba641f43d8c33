//! What an analyst hands on without editing: Chinese by default in the run summary, status, the
//! CSV, `changes`, the report and the workbook; one clear sentence per reason; codes to fix with
//! the supplier and the fix; codes kept as text for Excel; the cost in money; no empty tables;
//! and a big list whose report keeps the needs-attention list whole yet small.

use qcc_credit::simulator::{Company, SimConfig};

use crate::analyst::{chromium, dump_dom, shape};
use crate::helpers::{TestApp, assert_contains, assert_exit, small_sim, spawn_app, text};

/// A list with one supplier per kind of reason, the analyst's ids with leading zeros, a
/// 15-digit registration number, a code with a wrong check digit, and a name not found.
async fn fixture(app: &TestApp) -> (std::path::PathBuf, Vec<Company>) {
    let cos = app.companies(50..58);
    let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(100)).to_string();
    shape(app, &cos[0], "严重失信企业", "正常", &[]);
    shape(app, &cos[1], "C", "正常", &[]);
    // Punished 3 times, once within three years.
    shape(
        app,
        &cos[2],
        "一般信用企业",
        "正常",
        &[&recent, "2019-05-01", "2018-03-02"],
    );
    shape(app, &cos[3], "一般信用企业", "注销", &[]);
    // Severely dishonest only on registrations that are all cancelled.
    shape(app, &cos[4], "严重失信企业", "注销", &[]);
    shape(app, &cos[5], "一般认证企业", "正常", &[]);
    let reg = cos[6].reg_no.clone();
    let mut bad = cos[7].uscc.clone();
    let last = if bad.ends_with('0') { '1' } else { '0' };
    bad.pop();
    bad.push(last);
    let mut list = String::from("供应商编码,供应商名称,统一社会信用代码\n");
    for (i, c) in cos.iter().enumerate().take(6) {
        list.push_str(&format!("00{},{},{}\n", i + 1, c.name, c.uscc));
    }
    list.push_str(&format!("007,{},{reg}\n", cos[6].name));
    list.push_str(&format!("008,{},{bad}\n", cos[7].name));
    list.push_str("009,查无此公司的测试贸易有限公司,\n");
    (app.write("zh.csv", list), cos)
}

/// The run with the defaults a user gets: no `--lang`.
async fn run_default(app: &TestApp, input: &std::path::Path, extra: &[&str]) -> String {
    let base = app.sim.base_url();
    let mut args = vec![
        "run",
        "--input",
        input.to_str().unwrap(),
        "--db",
        app.db.to_str().unwrap(),
        "--base-url",
        &base,
        "--no-progress",
        "--qps",
        "200",
    ];
    args.extend_from_slice(extra);
    let out = app.command(&args).output().await.unwrap();
    assert_exit(&out, 0);
    text(&out.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_reads_in_chinese_with_clear_reasons_and_its_cost() {
    let app = spawn_app(small_sim()).await;
    let (input, cos) = fixture(&app).await;
    let said = run_default(&app, &input, &["--price-per-call", "0.5"]).await;
    // The summary leads with the outcome, then the next command, then cost in money.
    let first = said.lines().next().unwrap();
    assert!(
        first.starts_with("qcc-credit 第 #1 次运行：需关注 6 家（"),
        "{said}"
    );
    assert_contains(first, "严重失信 2");
    assert_contains(first, "其中本次新增 6 条");
    assert_contains(&said, "下一步：qcc-credit review --db");
    assert_contains(&said, "计费调用 8 次，按每次 ¥0.50 计共 ¥4.00");
    assert_contains(&said, "退出码 0：全部完成");
    assert!(
        !said.contains("keys:") && !said.contains("exit 0"),
        "{said}"
    );

    // status: Chinese, local time, the same cost sentence, exit codes with their meaning.
    let out = app
        .on_db(
            "status",
            &["--tz", "Asia/Shanghai", "--price-per-call", "0.5"],
        )
        .await;
    let status = text(&out.stdout);
    assert_contains(&status, "需关注：6 家，待处置 6 条");
    assert_contains(&status, "计费调用 8 次，按每次 ¥0.50 计共 ¥4.00");
    assert_contains(&status, "退出码 0（全部完成）");
    assert_contains(&status, "+08:00");

    // The CSV for Excel: Chinese headers and values, codes Excel would change kept as text,
    // times local.
    let out = app
        .on_db("export", &["--format", "csv", "--tz", "Asia/Shanghai"])
        .await;
    let csv = text(&out.stdout);
    let mut r = csv::Reader::from_reader(csv.trim_start_matches('\u{feff}').as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    for h in ["查询状态", "查询依据", "需关注原因", "关注标记", "查询时间"] {
        assert!(head.iter().any(|x| x == h), "no {h}: {head:?}");
    }
    let col = |h: &str| head.iter().position(|x| x == h).unwrap();
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(
        rows[0][0], "=\"001\"",
        "an id with leading zeros stays text"
    );
    assert_eq!(
        rows[6][col("查询代码/名称")],
        format!("=\"{}\"", cos[6].reg_no)
    );
    assert_eq!(rows[0][col("查询状态")], "已查到");
    assert_eq!(rows[0][col("查询依据")], "统一社会信用代码");
    assert!(rows[0][col("查询时间")].ends_with("+08:00"));
    assert_eq!(rows[0][col("关注标记")], "严重失信企业");
    let fix = &rows[7][col("接口返回信息")];
    assert!(fix.starts_with("校验位为"), "{fix}");
    // For programs: machine names, raw values.
    let out = app
        .on_db("export", &["--format", "csv", "--lang", "en", "--no-bom"])
        .await;
    let plain = text(&out.stdout);
    assert!(plain.starts_with("供应商编码,供应商名称,统一社会信用代码,row,sheet_row"));
    assert_contains(&plain, &format!(",{},reg_no,", cos[6].reg_no));

    // One sentence per reason, each saying what it counts.
    let reasons: Vec<String> = rows.iter().map(|x| x[col("需关注原因")].clone()).collect();
    assert_eq!(reasons[0], "海关认定为严重失信企业");
    assert_eq!(reasons[1], "海关信用等级为C类（旧标准，相当于失信企业）");
    assert!(
        reasons[2].starts_with("近3年受海关处罚1次（共3次），最近一次"),
        "{}",
        reasons[2]
    );
    let n = cos[3].records.len();
    assert_eq!(
        reasons[3],
        if n == 1 {
            "唯一的海关注册已注销".to_string()
        } else {
            format!("全部{n}个海关注册均已注销")
        }
    );
    assert!(reasons[4].starts_with("海关认定为严重失信企业（该等级仅见于已注销的海关注册）"));
    assert_eq!(reasons[5], "");
    assert_eq!(
        reasons[8],
        "按名称未查到海关数据：请对照营业执照核对企业名称，或补充统一社会信用代码"
    );

    // changes: the first screening says so; the next one's CSV says its detail in Chinese.
    assert_contains(
        &text(&app.on_db("changes", &[]).await.stdout),
        "首次筛查，暂无变化记录",
    );
    let day = (chrono::Utc::now().date_naive() - chrono::Days::new(5)).to_string();
    app.sim
        .with_dataset(|ds| {
            qcc_credit::simulator::changes::apply_script(
                ds,
                "t",
                &format!("{} punish {day}\n", cos[5].uscc),
            )
        })
        .unwrap();
    run_default(
        &app,
        &input,
        &["--refresh-older-than", "0s", "--clock-shift", "2"],
    )
    .await;
    let ch = text(&app.on_db("changes", &["--format", "csv"]).await.stdout);
    assert_contains(&ch, "类型代码");
    assert_contains(&ch, "新增海关处罚：模拟关缉违字");
    assert!(!ch.contains("new customs punishment"), "{ch}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_report_and_workbook_read_in_chinese_and_print_on_a4() {
    let app = spawn_app(small_sim()).await;
    let (input, cos) = fixture(&app).await;
    run_default(&app, &input, &[]).await;
    let html = app.path("r.html");
    let args = ["--out", html.to_str().unwrap(), "--price-per-call", "0.4"];
    assert_exit(&app.on_db("report", &args).await, 0);
    let page = std::fs::read_to_string(&html).unwrap();
    // Print: A4, the full supplier table only on request.
    assert_contains(&page, "@page{size:A4 landscape");
    assert_contains(
        &page,
        "body:has(#print-all:checked) #all-suppliers{display:block}",
    );
    // No empty table: a section with nothing to show says so.
    assert_contains(&page, "首次筛查，暂无变化记录");
    assert!(!page.contains("<table id=\"changes-table\""));
    // The cost in one sentence.
    assert_contains(&page, "计费调用 8 次，按每次 ¥0.40 计共 ¥3.20");
    // Codes to fix: the supplier as the list shows it, the cell as written, the fix in Chinese.
    let fix = &page[page.find("<table id=\"invalid\"").unwrap()..];
    let fix = &fix[..fix.find("</table>").unwrap()];
    assert_contains(fix, "<td>008</td>");
    assert_contains(fix, &cos[7].name);
    assert_contains(fix, "按GB 32100-2015应为");
    let Some(chromium) = chromium() else {
        return;
    };
    let dom = dump_dom(&chromium, &html, &app.path("profile"));
    for label in [
        "需关注供应商 (6)",
        "处置状态",
        "需在供应商清单中更正的代码 (1)",
        "费用",
        "全部供应商 (9)",
    ] {
        assert_contains(&dom, label);
    }
    assert_contains(
        &dom,
        "海关认定为严重失信企业（该等级仅见于已注销的海关注册）",
    );
    // Details are drawn only when opened: closed, they hold a template, not tables.
    assert!(dom.contains("<details><summary>详情</summary><template>"));
    // The workbook: Chinese sheets and messages, read back.
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let wb_path = app.path("r.xlsx");
    let args = ["--format", "xlsx", "--out", wb_path.to_str().unwrap()];
    assert_exit(&app.on_db("export", &args).await, 0);
    let mut wb: Xlsx<_> = open_workbook(&wb_path).unwrap();
    assert_eq!(wb.sheet_names(), ["需关注", "筛查结果", "处罚记录"]);
    let res = wb.worksheet_range("筛查结果").unwrap();
    let head: Vec<String> = (0..res.width())
        .map(|c| res.get((0, c)).map(Data::to_string).unwrap_or_default())
        .collect();
    let msg = head.iter().position(|h| h == "接口返回信息").unwrap();
    let cell = res.get((8, msg)).map(Data::to_string).unwrap_or_default();
    assert!(cell.starts_with("校验位为"), "{cell}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_big_list_keeps_the_needs_attention_list_whole_and_the_page_small() {
    // 2,600 of the simulator's companies: about half need attention, more than the rows a list
    // writes as HTML.
    let app = spawn_app(SimConfig {
        companies: 2600,
        ..SimConfig::default()
    })
    .await;
    let (_, input) = app.uscc_list(0..2600);
    let fast = ["--qps", "100000", "--burst", "1000", "--concurrency", "32"];
    assert_exit(&app.run(&input, &fast).await, 0);
    let html = app.path("big.html");
    assert_exit(
        &app.on_db("report", &["--out", html.to_str().unwrap()])
            .await,
        0,
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let attention: usize = {
        let out = app
            .on_db("review", &["--list", "--open", "--format", "jsonl"])
            .await;
        text(&out.stdout).lines().count()
    };
    let limit = qcc_credit::report::HTML_ROWS;
    assert!(attention > limit, "{attention}");
    let table = &page[page.find("<table id=\"attention\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr class=").count(), limit);
    let start = page
        .find("<script type=\"application/json\" id=\"attention-more\">")
        .unwrap();
    let block = &page[start..];
    let block = &block[block.find('>').unwrap() + 1..block.find("</script>").unwrap()];
    let more: serde_json::Value = serde_json::from_str(block).unwrap();
    assert_eq!(
        more["r"].as_array().unwrap().len(),
        attention - limit,
        "the list is whole"
    );
    // Compact: a row beyond the first ones costs at most 100 bytes (its repeated cells are
    // indexes into one table of strings), so 150,000 such rows of a 300,000-supplier list stay
    // within the 20 MiB page (bench/outputs.py measures it).
    let rows_part = &block[block.find("\"r\":").unwrap()..];
    let per_row = rows_part.len() / (attention - limit);
    assert!(per_row <= 100, "{per_row} bytes a row");
    // The full table stops at the limit and says where the rest are.
    let all = &page[page.find("<section id=\"all-suppliers\">").unwrap()..];
    assert_eq!(all.matches("</td></tr>\n").count(), limit);
    assert_contains(
        all,
        &format!("其余 {} 项未在此列出：见工作簿", 2600 - limit),
    );
    let Some(chromium) = chromium() else {
        return;
    };
    // Opened as report.html#all, the script draws every row of the list.
    let dom = {
        let target = app.path("big-all.html");
        std::fs::copy(&html, &target).unwrap();
        let out = std::process::Command::new(&chromium)
            .args(crate::analyst::CHROMIUM_FLAGS)
            .arg(format!("--user-data-dir={}", app.path("p").display()))
            .arg("--dump-dom")
            .arg(format!("file://{}#all", target.display()))
            .output()
            .unwrap();
        text(&out.stdout)
    };
    let table = &dom[dom.find("<table id=\"attention\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("data-key=").count(), attention);
}
