//! Real supplier lists read as a person reads them (issue 21): columns chosen by what they hold,
//! no silent loss, a code cell that is no usable code queried by the row's name, comment lines,
//! every supplier row in the outputs, the ERP id over a row counter, typed cells kept. Each file
//! is synthetic, shaped like the real ones in shared/real-inputs/.

use calamine::{Data, Reader, Xlsx, open_workbook};
use qcc_credit::normalize::reg_no_check_digit;
use rust_xlsxwriter::{Format, Formula, Workbook};

use crate::analyst::shape;
use crate::helpers::{assert_contains, assert_exit, small_sim, spawn_app, text};

/// 15 digits that fail the 注册号 check digit: an old 纳税人识别号.
fn old_tax_id(first14: &str) -> String {
    let good = reg_no_check_digit(first14).unwrap();
    let bad = if good == '9' {
        '0'
    } else {
        (good as u8 + 1) as char
    };
    format!("{first14}{bad}")
}

/// Heilongjiang's header: a tab where a comma belongs shifts every header one column left of its
/// data. The run reads the codes (under 纳税人名称) and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shifted_header_is_read_by_what_its_columns_hold() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..6);
    let mut list = String::from("编号\t纳税人识别号,纳税人名称,信用级别,评价年度\n");
    for c in &cos {
        list.push_str(&format!("1,{},{},A,2018\n", c.uscc, c.name));
    }
    let (gbk, _, _) = encoding_rs::GBK.encode(&list);
    let input = app.write("hlj.csv", gbk);
    let out = app.run(&input, &["--dry-run"]).await;
    assert_exit(&out, 0);
    let said = text(&out.stdout);
    assert_contains(&said, "key column 纳税人名称");
    assert_contains(&said, "column 2 holds 6 valid codes");
    assert_contains(&said, "the header row looks shifted");
    assert_contains(&said, "a run would call the vendor for 6 keys (uscc 6)");
    let rows = app.export().await;
    for (r, c) in rows.iter().zip(&cos) {
        assert_eq!(
            (r["key"].as_str(), r["key_kind"].as_str()),
            (Some(c.uscc.as_str()), Some("uscc"))
        );
    }
    assert_eq!(app.stats().calls, 0);
}

/// A key column that holds nothing usable stops the run before any call, with exit 1, naming
/// the column, the reasons and the columns that would work; the dry run says the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mostly_unusable_key_column_stops_before_any_call() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..4);
    let mut list = String::from("编号,统一社会信用代码,企业名称\n");
    for c in &cos {
        list.push_str(&format!("1,,{}\n", c.uscc));
    }
    let input = app.write("bad.csv", list);
    for extra in [&["--column", "1"][..], &["--column", "1", "--dry-run"][..]] {
        let out = app.run(&input, extra).await;
        assert_exit(&out, 1);
        let err = text(&out.stderr);
        assert_contains(
            &err,
            "4 of 4 data rows of the key column \"编号\" hold no usable key",
        );
        assert_contains(&err, "shorter than 2 characters 4");
        assert_contains(&err, "nothing was billed");
        assert_contains(&err, "--column 3 (\"企业名称\": 4 valid codes");
    }
    assert_eq!(app.stats().calls, 0);
}

/// Jiangxi's ID column mixes USCCs, 15-digit old tax IDs (failing the 注册号 check digit) and
/// 15-character ones with letters; Jiangsu's holds 13-digit numbers and `企合苏锡总字第0001`.
/// Those rows are queried by the name beside them; without a name they are invalid, never
/// billed as names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_cell_that_is_no_usable_code_falls_back_to_the_name() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..6);
    let reg_no = &cos[1].reg_no;
    let cells = [
        cos[0].uscc.clone(),
        reg_no.clone(),
        old_tax_id("36020675421091"),
        "36020675421091X".to_string(),
        "3203211800348".to_string(),
        "企合苏锡总字第0001".to_string(),
    ];
    let mut list = String::from("纳税人识别号,纳税人名称\n");
    for (cell, c) in cells.iter().zip(&cos) {
        list.push_str(&format!("{cell},{}\n", c.name));
    }
    let input = app.write("jx.csv", &list);
    assert_exit(&app.run(&input, &[]).await, 0);
    let rows = app.export().await;
    let kinds: Vec<&str> = rows
        .iter()
        .map(|r| r["key_kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["uscc", "reg_no", "name", "name", "name", "name"]);
    for (r, c) in rows.iter().zip(&cos).skip(2) {
        assert_eq!(r["key"], c.name.as_str());
        assert_eq!(r["state"], "found", "{r}");
    }
    // No row's code cell was ever sent as a name.
    let stats = app.stats();
    for cell in &cells[2..] {
        assert!(
            !stats.per_key.contains_key(cell.as_str()),
            "{cell} was sent"
        );
    }
    // Without a name column, the same cells are invalid with the reason.
    let app = spawn_app(small_sim()).await;
    let mut list = String::from("统一社会信用代码\n");
    list.push_str(&format!("{}\n", cos[0].uscc));
    list.push_str(&format!("{}\n", cos[1].uscc));
    list.push_str(&format!("{}\n", old_tax_id("36020675421091")));
    list.push_str("企合苏锡总字第0001\n");
    let input = app.write("codes.csv", list);
    assert_exit(&app.run(&input, &[]).await, 0);
    let rows = app.export().await;
    assert_eq!(rows[2]["state"], "invalid");
    assert_contains(
        rows[2]["message"].as_str().unwrap(),
        "fails the 注册号 check digit",
    );
    assert_eq!(rows[3]["state"], "invalid");
    assert_contains(
        rows[3]["message"].as_str().unwrap(),
        "not a 统一社会信用代码 or 注册号",
    );
    assert_eq!(app.stats().calls, 2);
}

/// A plain list's `#` lines are comments: skipped, never called, and later rows keep their line
/// numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn comment_lines_in_a_text_list_are_not_companies() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..2);
    let list = format!(
        "# 监控企业名单\n# 空行和以 # 开头的行会被忽略\n{}\n{}\n",
        cos[0].name, cos[1].name
    );
    let input = app.write("monitor.txt", list);
    assert_exit(&app.run(&input, &[]).await, 0);
    let rows = app.export().await;
    let states: Vec<&str> = rows.iter().map(|r| r["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["skipped", "skipped", "found", "found"]);
    assert_eq!(rows[2]["sheet_row"], 3);
    assert_eq!(app.stats().calls, 2);
}

/// Two supplier ids with one code (a duplicate vendor record in the ERP), 序号 beside 供应商编码,
/// and the analyst's typed cells: every flagged row is in 需关注 and 处罚记录 with its own id,
/// marked as sharing the code; the id is the ERP code; dates and numbers come back typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_supplier_row_shows_with_its_own_id_and_its_own_cells() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(20..23);
    let recent = (chrono::Utc::now().date_naive() - chrono::Days::new(100)).to_string();
    shape(&app, &cos[0], "失信企业", "正常", &[&recent]);
    shape(&app, &cos[1], "一般信用企业", "正常", &[]);
    shape(&app, &cos[2], "一般信用企业", "正常", &[]);
    let input = app.path("list.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (c, h) in [
        "序号",
        "供应商编码",
        "供应商名称",
        "统一社会信用代码",
        "合作起始日",
        "金额",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let listed = [
        ("S10059", &cos[0]),
        ("S10110", &cos[1]),
        ("S10176", &cos[0]),
        ("S10179", &cos[2]),
    ];
    for (i, (id, c)) in listed.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_number(r, 0, f64::from(r)).unwrap();
        ws.write_string(r, 1, *id).unwrap();
        ws.write_string(r, 2, &c.name).unwrap();
        ws.write_string(r, 3, &c.uscc).unwrap();
        ws.write_number_with_format(r, 4, 43868.0, &date).unwrap();
        ws.write_number(r, 5, 113.5).unwrap();
    }
    ws.write_string(5, 2, "合计").unwrap();
    ws.write_formula(5, 5, Formula::new("=SUM(F2:F5)").set_result("454"))
        .unwrap();
    wb.save(&input).unwrap();
    assert_exit(&app.run(&input, &[]).await, 0);
    assert_eq!(app.stats().billed, 3, "one call per company");

    let out = app.path("r.xlsx");
    let args = ["--format", "xlsx", "--out", out.to_str().unwrap()];
    assert_exit(&app.on_db("export", &args).await, 0);
    let mut book: Xlsx<_> = open_workbook(&out).unwrap();
    let cell = |r: &calamine::Range<Data>, row: usize, col: usize| {
        r.get((row, col)).cloned().unwrap_or(Data::Empty)
    };
    let att = book.worksheet_range("需关注").unwrap();
    assert_eq!(
        cell(&att, 0, 0).to_string(),
        "供应商编码",
        "the ERP code, not 序号"
    );
    let ids: Vec<String> = (1..att.height())
        .map(|r| cell(&att, r, 0).to_string())
        .collect();
    assert_eq!(ids, ["S10059", "S10176"]);
    let reason_col = (0..att.width())
        .find(|c| cell(&att, 0, *c) == "原因")
        .unwrap();
    assert_contains(
        &cell(&att, 1, reason_col).to_string(),
        "与表格第4行同一代码",
    );
    assert_contains(
        &cell(&att, 2, reason_col).to_string(),
        "与表格第2行同一代码",
    );
    let pun = book.worksheet_range("处罚记录").unwrap();
    let ids: Vec<String> = (1..pun.height())
        .map(|r| cell(&pun, r, 0).to_string())
        .collect();
    assert_eq!(ids, ["S10059", "S10176"]);

    // Her columns keep their types: the date as a date, the amount as a number, the formula's
    // cached value; text stays text.
    let res = book.worksheet_range("筛查结果").unwrap();
    assert!(
        matches!(cell(&res, 1, 4), Data::DateTime(d) if d.as_f64() == 43868.0),
        "{:?}",
        cell(&res, 1, 4)
    );
    assert_eq!(cell(&res, 1, 5), Data::Float(113.5));
    assert_eq!(cell(&res, 5, 5), Data::Float(454.0));
    assert_eq!(cell(&res, 1, 1), Data::String("S10059".into()));

    // The report lists both rows too, and `changes` names each.
    let html = app.path("r.html");
    assert_exit(
        &app.on_db("report", &["--out", html.to_str().unwrap()])
            .await,
        0,
    );
    let page = std::fs::read_to_string(&html).unwrap();
    let attention = &page[page.find("id=\"attention\"").unwrap()..];
    let attention = &attention[..attention.find("</table>").unwrap()];
    assert_contains(attention, "S10059");
    assert_contains(attention, "S10176");
    assert_contains(attention, "查询依据");

    shape(&app, &cos[0], "失信企业", "正常", &[&recent, &recent]);
    let next_night = ["--refresh-older-than", "0s", "--clock-shift", "2"];
    assert_exit(&app.run(&input, &next_night).await, 0);
    let out = app.on_db("changes", &["--format", "jsonl"]).await;
    let ids: Vec<String> = text(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["supplier_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(ids, ["S10059", "S10176"]);
}
