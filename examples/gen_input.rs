//! Generate benchmark inputs.
//!
//! `cargo run --release --example gen_input -- KIND ROWS OUT`, KIND one of:
//! - `known`: UTF-8 CSV of companies the simulator knows (seed 42, ROWS companies);
//! - `csv` / `gbk`: UTF-8 or GBK CSV of ROWS distinct synthetic suppliers, their codes in
//!   ascending order;
//! - `shuffled`: the `csv` suppliers in an order that scatters their codes, as a real supplier
//!   master does (a fixed permutation of the rows);
//! - `xlsx`: an Excel workbook of ROWS distinct synthetic suppliers.

use std::io::Write;

use qcc_credit::normalize::{USCC_CHARSET, uscc_check_char};

fn synthetic(i: usize) -> (String, String, String) {
    let cs = USCC_CHARSET.as_bytes();
    let mut n = i as u64 * 2_654_435_761 % 31u64.pow(8);
    let mut org = String::new();
    for _ in 0..8 {
        org.push(cs[(n % 31) as usize] as char);
        n /= 31;
    }
    let first17 = format!("91{:06}{org}0", 110000 + i % 500_000);
    let check = uscc_check_char(&first17).unwrap_or('0');
    (
        format!("S{i:07}"),
        format!("供应商{i}贸易有限公司"),
        format!("{first17}{check}"),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, rows, out] = &args[..] else {
        return Err("usage: gen_input known|csv|gbk|shuffled|xlsx ROWS OUT".into());
    };
    let rows: usize = rows.parse()?;
    match kind.as_str() {
        "known" => {
            let ds = qcc_credit::simulator::Dataset::generate(42, rows);
            let mut w = csv::Writer::from_path(out)?;
            w.write_record(["供应商名称", "统一社会信用代码"])?;
            for c in &ds.companies {
                w.write_record([&c.name, &c.uscc])?;
            }
            w.flush()?;
        }
        "csv" | "gbk" | "shuffled" => {
            let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
            let mut chunk = String::from("供应商编号,供应商名称,统一社会信用代码,备注\n");
            // A prime: j -> j * P mod rows visits every row once.
            const P: u128 = 1_000_000_007;
            for j in 0..rows {
                let i = match kind.as_str() {
                    "shuffled" => (j as u128 * P % rows as u128) as usize,
                    _ => j,
                };
                let (id, name, code) = synthetic(i);
                chunk.push_str(&format!("{id},{name},{code},\n"));
                if chunk.len() > 1 << 20 || j + 1 == rows {
                    if kind == "gbk" {
                        f.write_all(&encoding_rs::GBK.encode(&chunk).0)?;
                    } else {
                        f.write_all(chunk.as_bytes())?;
                    }
                    chunk.clear();
                }
            }
            f.flush()?;
        }
        "xlsx" => {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet();
            for (c, h) in ["供应商编号", "供应商名称", "统一社会信用代码"]
                .iter()
                .enumerate()
            {
                ws.write_string(0, c as u16, *h)?;
            }
            for i in 0..rows {
                let (id, name, code) = synthetic(i);
                let r = i as u32 + 1;
                ws.write_string(r, 0, id)?;
                ws.write_string(r, 1, name)?;
                ws.write_string(r, 2, code)?;
            }
            wb.save(out)?;
        }
        other => return Err(format!("unknown kind {other}").into()),
    }
    Ok(())
}
