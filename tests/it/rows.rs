//! The right company for every row: workbooks with an instructions sheet, a title row and a
//! footer; one-column lists with blank lines; codes typed with spaces, hyphens, invisible and
//! control characters. Every row keeps its number, its own columns, and costs a call only when
//! it holds a company.

use std::collections::BTreeSet;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;

use crate::helpers::{assert_contains, assert_exit, small_sim, spawn_app, text};

const E_CODES: [&str; 3] = [
    "914942777243E75669",
    "91429672230989E203",
    "911316280E57582856",
];

/// What a row of the list should come back as.
struct Want {
    sheet_row: u64,
    key: String,
    key_kind: Option<&'static str>,
    state: &'static str,
}

fn want(sheet_row: u64, key: &str, key_kind: Option<&'static str>, state: &'static str) -> Want {
    Want {
        sheet_row,
        key: key.to_string(),
        key_kind,
        state,
    }
}

/// 填写说明 first (sentences that mention the code column), then 供应商清单: a merged title, a
/// blank row, the header on row 3, data with a blank row inside, two footers.
fn supplier_workbook(path: &Path, cos: &[qcc_credit::simulator::Company]) -> Vec<[String; 4]> {
    let mut wb = Workbook::new();
    let help = wb.add_worksheet().set_name("填写说明").unwrap();
    help.write_string(0, 0, "填写说明").unwrap();
    help.write_string(
        1,
        0,
        "1. 请在“统一社会信用代码”列填写18位代码，不要填写注册号。",
    )
    .unwrap();
    help.write_string(2, 0, "2. 供应商名称请填写营业执照上的全称。")
        .unwrap();
    let ws = wb.add_worksheet().set_name("供应商清单").unwrap();
    ws.merge_range(0, 0, 0, 3, "2026年供应商名录", &Format::new())
        .unwrap();
    let header = ["序号", "供应商名称", "统一社会信用代码", "备注"];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let g = |code: &str| {
        format!(
            "{} {} {} {} {}",
            &code[..4],
            &code[4..8],
            &code[8..12],
            &code[12..16],
            &code[16..]
        )
    };
    let data: Vec<[String; 4]> = vec![
        [
            "1".into(),
            cos[0].name.clone(),
            cos[0].uscc.clone(),
            "".into(),
        ],
        [
            "2".into(),
            cos[1].name.clone(),
            g(&cos[1].uscc),
            "grouped".into(),
        ],
        [
            "3".into(),
            cos[2].name.clone(),
            format!("{}-{}", &cos[2].uscc[..8], &cos[2].uscc[8..]),
            "".into(),
        ],
        ["".into(), "".into(), "".into(), "".into()],
        [
            "5".into(),
            cos[3].name.clone(),
            format!("\u{200B}{}\u{FEFF}", cos[3].uscc),
            "zero width".into(),
        ],
        [
            "6".into(),
            cos[4].name.clone(),
            "".into(),
            "name only".into(),
        ],
        [
            "7".into(),
            "上海某某\u{0}有限公司".into(),
            "".into(),
            "NUL".into(),
        ],
        ["8".into(), "E1".into(), E_CODES[0].into(), "".into()],
        ["9".into(), "E2".into(), E_CODES[1].into(), "".into()],
        ["10".into(), "E3".into(), E_CODES[2].into(), "".into()],
        ["合计".into(), "".into(), "".into(), "".into()],
        ["".into(), "共10家".into(), "".into(), "".into()],
    ];
    for (r, row) in data.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(3 + r as u32, c as u16, v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
    data
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_workbook_reads_every_row_right_and_bills_only_companies() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..5);
    let p = app.path("名录.xlsx");
    let data = supplier_workbook(&p, &cos);
    let out = app.run(&p, &[]).await;
    assert_exit(&out, 0);
    assert_contains(
        &text(&out.stdout),
        "sheet 供应商清单, header row 3, key column 统一社会信用代码 (name fallback: 供应商名称)",
    );
    let rows = app.export().await;
    let expected = [
        want(4, &cos[0].uscc, Some("uscc"), "found"),
        want(5, &cos[1].uscc, Some("uscc"), "found"),
        want(6, &cos[2].uscc, Some("uscc"), "found"),
        want(7, "", None, "invalid"),
        want(8, &cos[3].uscc, Some("uscc"), "found"),
        want(9, &cos[4].name, Some("name"), "found"),
        want(10, "上海某某\\u{0}有限公司", Some("name"), "invalid"),
        want(11, E_CODES[0], Some("uscc"), "not_found"),
        want(12, E_CODES[1], Some("uscc"), "not_found"),
        want(13, E_CODES[2], Some("uscc"), "not_found"),
        want(14, "", None, "skipped"),
        want(15, "", None, "skipped"),
    ];
    assert_eq!(rows.len(), expected.len(), "{rows:#?}");
    for (i, (row, w)) in rows.iter().zip(&expected).enumerate() {
        let got = (
            row["row"].as_u64(),
            row["sheet_row"].as_u64(),
            row["key"].as_str(),
            row["key_kind"].as_str(),
            row["state"].as_str(),
        );
        let wanted = (
            Some(i as u64 + 1),
            Some(w.sheet_row),
            Some(w.key.as_str()),
            w.key_kind,
            Some(w.state),
        );
        assert_eq!(got, wanted, "{row}");
        // The analyst's other columns come back exactly as read.
        let d = &data[i];
        assert_eq!(row["columns"]["序号"], d[0].as_str(), "{row}");
        assert_eq!(row["columns"]["供应商名称"], d[1].as_str(), "{row}");
        assert_eq!(row["columns"]["备注"], d[3].as_str(), "{row}");
    }
    assert_contains(rows[6]["message"].as_str().unwrap(), "control characters");
    assert_contains(rows[10]["message"].as_str().unwrap(), "total row");
    // Calls went to the companies only: not the title, header, instructions, blank, NUL or
    // total rows.
    let stats = app.stats();
    let called: BTreeSet<&str> = stats.per_key.keys().map(String::as_str).collect();
    let mut companies: BTreeSet<&str> = cos[..4].iter().map(|c| c.uscc.as_str()).collect();
    companies.insert(&cos[4].name);
    companies.extend(E_CODES);
    assert_eq!(called, companies);
    assert_eq!(stats.calls, 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_keeps_the_analysts_columns_for_a_name_fallback_row() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..2);
    let input = app.write(
        "s.csv",
        format!(
            "供应商名称,统一社会信用代码\n{},{}\n{},\n",
            cos[0].name, cos[0].uscc, cos[1].name
        ),
    );
    assert_exit(&app.run(&input, &[]).await, 0);
    let csv = app.export_csv().await;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..4],
        ["供应商名称", "统一社会信用代码", "row", "sheet_row"]
    );
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(
        rows[1][..4],
        [cos[1].name.clone(), String::new(), "2".into(), "3".into()]
    );
    let key = header.iter().position(|h| h == "key").unwrap();
    let kind = header.iter().position(|h| h == "key_kind").unwrap();
    assert_eq!(
        (rows[1][key].as_str(), rows[1][kind].as_str()),
        (cos[1].name.as_str(), "name")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_lines_in_a_one_column_list_do_not_shift_later_rows() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..60);
    let mut list = String::from("统一社会信用代码\n");
    let mut want: Vec<(u64, String)> = Vec::new();
    let mut line = 1u64;
    for (i, c) in cos.iter().enumerate() {
        if i % 3 == 1 {
            list.push('\n');
            line += 1;
            want.push((line, String::new()));
        }
        list.push_str(&c.uscc);
        list.push('\n');
        line += 1;
        want.push((line, c.uscc.clone()));
    }
    list.push_str("\n\n");
    let input = app.write("one.csv", list);
    assert_exit(&app.run(&input, &[]).await, 0);
    let rows = app.export().await;
    assert_eq!(rows.len(), want.len());
    for (i, (row, (sheet_row, key))) in rows.iter().zip(&want).enumerate() {
        assert_eq!(row["row"], i as u64 + 1);
        assert_eq!(row["sheet_row"], *sheet_row);
        assert_eq!(row["key"], key.as_str());
        if key.is_empty() {
            assert_eq!(
                (row["state"].as_str(), row["message"].as_str()),
                (Some("invalid"), Some("empty"))
            );
        } else {
            let c = cos.iter().find(|c| c.uscc == *key).unwrap();
            assert_eq!(
                row["records"],
                Value::Array(c.records.clone()),
                "row {}",
                i + 1
            );
        }
    }
    assert_eq!(
        app.stats().calls,
        60 + cos.iter().filter(|c| c.records.len() > 20).count() as u64 * 2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sheets_without_a_header_are_refused_and_the_header_row_can_be_forced() {
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..2);
    let p = app.path("two.xlsx");
    let mut wb = Workbook::new();
    let a = wb.add_worksheet().set_name("说明").unwrap();
    a.write_string(0, 0, "本表由采购部维护").unwrap();
    let b = wb.add_worksheet().set_name("清单").unwrap();
    b.write_string(0, 0, "编号").unwrap();
    b.write_string(0, 1, "号码").unwrap();
    b.write_string(1, 0, "1").unwrap();
    b.write_string(1, 1, &cos[0].uscc).unwrap();
    wb.save(&p).unwrap();
    let out = app.run(&p, &["--dry-run"]).await;
    assert_exit(&out, 1);
    let err = text(&out.stderr);
    assert_contains(&err, "\"说明\" (first row: \"本表由采购部维护\")");
    assert_contains(&err, "\"清单\" (first row: \"编号 | 号码\")");
    assert_contains(&err, "--sheet");
    assert_eq!(app.stats().calls, 0);
    // Told where to look, it reads the list.
    let rows = crate::input::ingest(&app, &p, &["--sheet", "清单", "--column", "号码"]).await;
    assert_eq!(
        (rows[0]["key"].as_str(), rows[0]["sheet_row"].as_u64()),
        (Some(cos[0].uscc.as_str()), Some(2))
    );

    // A CSV whose header sits below a title: forced with --header-row, or found by the
    // --column name, or found by a known header when --column is a number.
    let csv = format!(
        "供应商清单（2026）,\n说明：按年度更新,\n公司,号码\n{},{}\n",
        cos[1].name, cos[1].uscc
    );
    let p = app.write("titled.csv", csv);
    for extra in [
        &["--header-row", "3", "--column", "号码"][..],
        &["--column", "号码"],
    ] {
        let rows = crate::input::ingest(&app, &p, extra).await;
        assert_eq!(rows.len(), 1, "{extra:?}");
        assert_eq!(
            (rows[0]["key"].as_str(), rows[0]["sheet_row"].as_u64()),
            (Some(cos[1].uscc.as_str()), Some(4))
        );
        assert_eq!(rows[0]["columns"]["公司"], cos[1].name.as_str());
    }
    let known = format!(
        "2026年供应商名录,,\n,,\n序号,公司名称,统一社会信用代码\n1,{},{}\n",
        cos[1].name, cos[1].uscc
    );
    let p2 = app.write("known.csv", known);
    let rows = crate::input::ingest(&app, &p2, &["--column", "3"]).await;
    assert_eq!(
        rows.len(),
        1,
        "the header row is found, never screened as a supplier"
    );
    assert_eq!(
        (rows[0]["key"].as_str(), rows[0]["sheet_row"].as_u64()),
        (Some(cos[1].uscc.as_str()), Some(4))
    );
    assert_eq!(rows[0]["columns"]["序号"], "1");
    let out = app.run(&p, &["--dry-run", "--header-row", "9"]).await;
    assert_exit(&out, 1);
    assert_contains(
        &text(&out.stderr),
        "--header-row 9: the file has only 4 row(s)",
    );
}
