//! Supplier lists as compliance teams really have them: encodings, delimiters, Excel, text.
//! Each file is ingested with `--dry-run` (no calls) and read back through `export`.

use std::path::Path;

use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::helpers::{TestApp, assert_contains, assert_exit, small_sim, spawn_app, text};

pub async fn ingest(app: &TestApp, input: &Path, extra: &[&str]) -> Vec<Value> {
    let out = app.run(input, &[&["--dry-run"], extra].concat()).await;
    assert_exit(&out, 0);
    app.export().await
}

const CODE: &str = "91350100M000100Y43";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_encodings_and_delimiters() {
    let app = spawn_app(small_sim()).await;
    let content = format!(
        "内部编号,供应商名称,统一社会信用代码（必填）,备注\nS1,福建某某公司,{CODE},\"多行\n备注\"\nS2,上海某某公司,,\n"
    );
    let (gbk, _, _) = encoding_rs::GBK.encode(&content);
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(content.as_bytes());
    let mut utf16 = vec![0xFF, 0xFE];
    for u in content.encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    let semi = content.replace(',', ";");
    let tab = content.replace(',', "\t");
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("gbk.csv", gbk.into_owned()),
        ("bom.csv", bom),
        ("utf16.csv", utf16),
        ("semi.csv", semi.into_bytes()),
        ("tab.tsv", tab.into_bytes()),
    ];
    for (name, bytes) in files {
        let p = app.write(name, bytes);
        let rows = ingest(&app, &p, &[]).await;
        assert_eq!(rows.len(), 2, "{name}");
        assert_eq!(rows[0]["key"], CODE, "{name}");
        assert_eq!(rows[0]["state"], "pending", "{name}");
        assert_eq!(rows[0]["columns"]["内部编号"], "S1", "{name}");
        assert_eq!(rows[0]["columns"]["备注"], "多行\n备注", "{name}");
        // No code: the name is the key, and the analyst's columns come along.
        assert_eq!(rows[1]["key"], "上海某某公司", "{name}");
        assert_eq!(rows[1]["key_kind"], "name", "{name}");
    }
    // Forcing the wrong encoding is possible, and the override is honoured.
    let p = app.path("gbk.csv");
    let out = app.run(&p, &["--dry-run", "--encoding", "klingon"]).await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "unknown encoding");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_list_one_key_per_line() {
    let app = spawn_app(small_sim()).await;
    let p = app.write(
        "list.txt",
        format!("{CODE}\n\n上海某某有限公司\r\n３１０１１５０００１２３４５６\n"),
    );
    let rows = ingest(&app, &p, &[]).await;
    let keys: Vec<&str> = rows.iter().map(|r| r["key"].as_str().unwrap()).collect();
    // The blank line is a row of the list (an empty cell), so later rows keep their numbers.
    assert_eq!(keys, [CODE, "", "上海某某有限公司", "310115000123456"]);
    assert_eq!(
        (rows[1]["state"].as_str(), rows[1]["message"].as_str()),
        (Some("invalid"), Some("empty"))
    );
    assert_eq!(rows[3]["key_kind"], "reg_no");
    assert_eq!(
        rows.iter()
            .map(|r| (r["row"].as_u64().unwrap(), r["sheet_row"].as_u64().unwrap()))
            .collect::<Vec<_>>(),
        [(1, 1), (2, 2), (3, 3), (4, 4)]
    );
}

fn workbook(path: &Path) {
    let mut wb = Workbook::new();
    let empty = wb.add_worksheet();
    empty.set_name("说明").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("供应商").unwrap();
    for (c, h) in ["供应商编号", "Supplier Name ", "统一社会信用代码", "备注"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "S1").unwrap();
    ws.write_string(1, 1, "福建某某公司").unwrap();
    ws.write_string(1, 2, CODE).unwrap();
    ws.write_string(2, 0, "S2").unwrap();
    ws.write_string(2, 1, "旧公司").unwrap();
    ws.write_number(2, 2, 310115000123456.0).unwrap(); // Excel turned the reg. number into a number
    ws.write_string(3, 0, "S3").unwrap();
    ws.write_string(3, 1, "另一公司").unwrap();
    ws.write_string(3, 2, "3.10115E+14").unwrap(); // ... or its text copy
    // Most of the list is usable: a list that is mostly unusable is refused before any call.
    ws.write_string(4, 0, "S4").unwrap();
    ws.write_string(4, 1, "第四公司").unwrap();
    ws.write_string(4, 2, "9132128370400363XT").unwrap();
    let second = wb.add_worksheet();
    second.set_name("其他").unwrap();
    second.write_string(0, 0, "公司名称").unwrap();
    second.write_string(1, 0, "第二页公司").unwrap();
    wb.save(path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_sheets_and_number_mangled_codes() {
    let app = spawn_app(small_sim()).await;
    let p = app.path("suppliers.xlsx");
    workbook(&p);
    let rows = ingest(&app, &p, &[]).await; // the first non-empty sheet
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0]["key"], CODE);
    assert_eq!(rows[0]["columns"]["Supplier Name"], "福建某某公司");
    assert_eq!(rows[3]["key"], "9132128370400363XT");
    for r in &rows[1..3] {
        assert_eq!(r["state"], "invalid", "{r}");
        let m = r["message"].as_str().unwrap();
        assert!(
            m.contains("spreadsheet changed this code into a number") && m.contains("row"),
            "{m}"
        );
    }
    let rows = ingest(&app, &p, &["--sheet", "其他"]).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["key"], "第二页公司");
    let rows = ingest(&app, &p, &["--sheet", "3"]).await;
    assert_eq!(rows[0]["key"], "第二页公司");
    let out = app.run(&p, &["--dry-run", "--sheet", "nope"]).await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "说明, 供应商, 其他");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xlsx_export_reads_back_cell_by_cell() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let app = spawn_app(small_sim()).await;
    let cos = app.companies(0..6); // company 1 and 5 carry punishments
    let mut list = String::from("供应商编号,供应商名称,统一社会信用代码\n");
    for (i, c) in cos.iter().enumerate() {
        list.push_str(&format!("S{i},{},{}\n", c.name, c.uscc));
    }
    let input = app.write("s.csv", list);
    assert_exit(&app.run(&input, &[]).await, 0);
    let out_path = app.path("r.xlsx");
    let args = ["--format", "xlsx", "--out", out_path.to_str().unwrap()];
    assert_exit(&app.on_db("export", &args).await, 0);
    let mut wb: Xlsx<_> = open_workbook(&out_path).unwrap();
    let results = wb.worksheet_range("筛查结果").unwrap();
    let cell = |r: &calamine::Range<Data>, row: usize, col: usize| {
        r.get((row, col)).map(|d| d.to_string()).unwrap_or_default()
    };
    let header: Vec<String> = (0..results.width()).map(|c| cell(&results, 0, c)).collect();
    assert_eq!(
        &header[..4],
        ["供应商编号", "供应商名称", "统一社会信用代码", "数据行"]
    );
    let jsonl = app.export().await;
    for (i, c) in cos.iter().enumerate() {
        let r = i + 1;
        assert_eq!(cell(&results, r, 0), format!("S{i}"));
        assert_eq!(cell(&results, r, 1), c.name);
        assert_eq!(cell(&results, r, 2), c.uscc);
        assert_eq!(cell(&results, r, 3), r.to_string());
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        assert_eq!(cell(&results, r, col("查询状态")), "已查到");
        assert_eq!(
            cell(&results, r, col("注册数")),
            c.records.len().to_string()
        );
        let pun: usize = c
            .records
            .iter()
            .map(|x| x["PunishList"].as_array().unwrap().len())
            .sum();
        assert_eq!(cell(&results, r, col("处罚次数")), pun.to_string());
        // Local time with its offset: the stored instant, shown in the system's zone.
        let stored = jsonl[i]["checked_at"].as_str().unwrap();
        assert_eq!(
            cell(&results, r, col("查询时间")),
            qcc_credit::view::Zone::System.show(stored)
        );
    }
    let p = wb.worksheet_range("处罚记录").unwrap();
    let expected: Vec<String> = cos
        .iter()
        .flat_map(|c| {
            c.records
                .iter()
                .flat_map(|r| r["PunishList"].as_array().unwrap().clone())
        })
        .map(|p| p["DecisionNo"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected.is_empty());
    let decision = (0..p.width())
        .position(|c| cell(&p, 0, c) == "决定书文号")
        .unwrap();
    let got: Vec<String> = (1..p.height()).map(|r| cell(&p, r, decision)).collect();
    assert_eq!(got, expected);
}
