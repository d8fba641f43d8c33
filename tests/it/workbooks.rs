//! `.xls` and `.ods` workbooks written byte by byte (no office suite here), read through the
//! tool: a real list reads, a crafted one is refused before calamine holds it, and mutated ones
//! (proptest) never panic. `PROPTEST_CASES=20000 cargo test --release --test it fuzz_` runs more.

use std::io::Write;
use std::path::Path;

use proptest::prelude::*;
use qcc_credit::input::{self, ReadOptions};

use crate::helpers::{assert_contains, assert_exit, small_sim, spawn_app, text};
use crate::hostile::run_measured;

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = vec![0x00, 0x06];
    d.extend_from_slice(&dt.to_le_bytes());
    d.extend_from_slice(&[0xBB, 0x0D, 0xCC, 0x07, 0, 0, 0, 0, 6, 0, 0, 0]);
    d
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// A BIFF8 workbook stream with one sheet: text cells, and DIMENSIONS as given (rows first..last+1,
/// columns first..last+1) or around the cells.
pub fn xls_stream(cells: &[(u16, u16, &str)], dims: Option<(u32, u32, u16, u16)>) -> Vec<u8> {
    let mut sheet = Vec::new();
    record(&mut sheet, 0x0809, &bof(0x0010));
    let (r1, c1) = cells.iter().fold((0u32, 0u16), |(r, c), &(cr, cc, _)| {
        (r.max(u32::from(cr) + 1), c.max(cc + 1))
    });
    let (rf, rl, cf, cl) = dims.unwrap_or((0, r1, 0, c1));
    let mut d = Vec::new();
    d.extend_from_slice(&rf.to_le_bytes());
    d.extend_from_slice(&rl.to_le_bytes());
    d.extend_from_slice(&cf.to_le_bytes());
    d.extend_from_slice(&cl.to_le_bytes());
    d.extend_from_slice(&[0, 0]);
    record(&mut sheet, 0x0200, &d);
    for &(r, c, s) in cells {
        let mut d = Vec::new();
        d.extend_from_slice(&r.to_le_bytes());
        d.extend_from_slice(&c.to_le_bytes());
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&(s.encode_utf16().count() as u16).to_le_bytes());
        d.push(1);
        d.extend_from_slice(&utf16(s));
        record(&mut sheet, 0x0204, &d);
    }
    record(&mut sheet, 0x000A, &[]);

    let name = utf16("供应商");
    let mut globals = Vec::new();
    record(&mut globals, 0x0809, &bof(0x0005));
    let bound_len = 4 + 8 + name.len();
    let at = (globals.len() + bound_len + 4) as u32;
    let mut d = at.to_le_bytes().to_vec();
    d.extend_from_slice(&[0, 0, 3, 1]);
    d.extend_from_slice(&name);
    record(&mut globals, 0x0085, &d);
    record(&mut globals, 0x000A, &[]);
    assert_eq!(globals.len() as u32, at);
    globals.extend_from_slice(&sheet);
    globals
}

/// The stream in a compound file, as Excel saves it.
pub fn write_xls(path: &Path, stream: &[u8]) {
    let file = std::fs::File::create(path).unwrap();
    let mut cf = cfb::CompoundFile::create_with_version(cfb::Version::V3, file).unwrap();
    cf.create_stream("/Workbook")
        .unwrap()
        .write_all(stream)
        .unwrap();
    cf.flush().unwrap();
}

const ODS_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="供应商">"#;
const ODS_TAIL: &str =
    "</table:table></office:spreadsheet></office:body></office:document-content>";

/// An `.ods` with `rows` (table-row elements) in one table.
pub fn ods_bytes(rows: &str) -> Vec<u8> {
    ods_of(&format!("{ODS_HEAD}{rows}{ODS_TAIL}"))
}

/// An `.ods` whose content.xml is `content`.
fn ods_of(content: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("META-INF/manifest.xml", deflated).unwrap();
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap().into_inner()
}

pub fn ods_cell(s: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{s}</text:p></table:table-cell>"#
    )
}

fn ods_row(cells: &[&str]) -> String {
    let cells: String = cells.iter().map(|c| ods_cell(c)).collect();
    format!("<table:table-row>{cells}</table:table-row>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_xls_and_an_ods_list_are_read() {
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let xls = app.path("list.xls");
    let cells = [
        (0, 0, "供应商名称"),
        (0, 1, "统一社会信用代码"),
        (1, 0, c.name.as_str()),
        (1, 1, c.uscc.as_str()),
    ];
    write_xls(&xls, &xls_stream(&cells, None));
    let ods = app.write(
        "list.ods",
        ods_bytes(
            &[
                ods_row(&["供应商名称", "统一社会信用代码"]),
                ods_row(&[&c.name, &c.uscc]),
            ]
            .concat(),
        ),
    );
    for p in [xls, ods] {
        let rows = crate::input::ingest(&app, &p, &[]).await;
        assert_eq!(rows.len(), 1, "{}", p.display());
        assert_eq!(rows[0]["key"], c.uscc, "{}", p.display());
    }
}

/// A 6 KB `.xls` with a cell at (65535, 255), or one DIMENSIONS record declaring 65536 x 256,
/// took 1.7 GB in calamine; a 1 KB `.ods` repeating one cell across rows and columns went past
/// 3 GiB; one whose table is cut short kept calamine reading for ever. Each is refused before calamine opens it, with flat memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_xls_and_ods_are_refused_with_flat_memory() {
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let head = [
        (0, 0, "供应商名称"),
        (0, 1, "统一社会信用代码"),
        (1, 0, c.name.as_str()),
    ];
    let far = app.path("far.xls");
    write_xls(
        &far,
        &xls_stream(&[&head[..], &[(65535, 255, "x")]].concat(), None),
    );
    let declared = app.path("declared.xls");
    write_xls(&declared, &xls_stream(&head, Some((0, 65536, 0, 256))));
    let repeated = r#"<table:table-row table:number-rows-repeated="1000000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    let ods = app.write(
        "repeated.ods",
        ods_bytes(
            &[
                ods_row(&["供应商名称", "统一社会信用代码"]),
                repeated.into(),
            ]
            .concat(),
        ),
    );
    assert!(std::fs::metadata(&ods).unwrap().len() < 2_000);
    // calamine decodes entities in a row's repeat count and takes the first of two attributes.
    let escaped = app.write(
        "escaped.ods",
        ods_bytes(
            &[
                ods_row(&["供应商名称"]),
                repeated.replace(
                    r#"rows-repeated="1000000""#,
                    r#"rows-repeated="&#49;000000" table:number-rows-repeated="1""#,
                ),
            ]
            .concat(),
        ),
    );
    // calamine would wait for ever for the end of a table cut short.
    let cut = app.write(
        "cut.ods",
        ods_of(&[ODS_HEAD, &ods_row(&["供应商名称"])].concat()),
    );
    // A zip is found from its end: a file whose first bytes are not "PK" is read all the same.
    let mut bytes = std::fs::read(&cut).unwrap();
    bytes[0] = b'X';
    let unsigned = app.write("unsigned.ods", bytes);
    let expect = [
        (far, "sheet \"供应商\" spans rows 1-65536 and columns 1-256"),
        (declared, "declares 16777216 cells"),
        (ods, "repeats 3 cells written in"),
        (escaped, "repeats 2 cells written in"),
        (cut, "content.xml ends inside <table:table>"),
        (unsigned, "content.xml ends inside <table:table>"),
    ];
    for (p, says) in expect {
        assert!(std::fs::metadata(&p).unwrap().len() < 10_000);
        let (out, peak_mib) = run_measured(app.run_command(&p, &["--dry-run"])).await;
        assert_exit(&out, 1);
        let err = text(&out.stderr);
        assert_contains(&err, says);
        assert_contains(&err, &p.display().to_string());
        eprintln!("{}: peak memory {peak_mib} MiB", p.display());
        assert!(peak_mib < 200, "{}: peak {peak_mib} MiB", p.display());
    }
}

/// Opens a workbook and reads its rows: any outcome but a panic is fine.
fn drive(name: &str, bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, bytes).unwrap();
    if let Ok(t) = input::open(&p, &ReadOptions::default()) {
        for row in t.rows.take(100) {
            let _ = row;
        }
    }
}

fn mutate(mut bytes: Vec<u8>, flips: &[(usize, u8)], cut: Option<usize>) -> Vec<u8> {
    for &(at, v) in flips {
        if !bytes.is_empty() {
            let i = at % bytes.len();
            bytes[i] = v;
        }
    }
    if let Some(n) = cut {
        bytes.truncate(n % (bytes.len() + 1));
    }
    bytes
}

fn sample_stream() -> Vec<u8> {
    xls_stream(
        &[
            (0, 0, "供应商名称"),
            (0, 1, "统一社会信用代码"),
            (1, 0, "某某公司"),
            (1, 1, "91350100M000100Y43"),
        ],
        None,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Bytes of the BIFF stream changed (inside a valid compound file) or the whole file cut.
    #[test]
    fn fuzz_xls_mutated(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
                        cut in proptest::option::of(any::<usize>()), whole in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let clean = dir.path().join("clean.xls");
        let stream = sample_stream();
        let bytes = if whole {
            write_xls(&clean, &stream);
            mutate(std::fs::read(&clean).unwrap(), &flips, cut)
        } else {
            write_xls(&clean, &mutate(stream, &flips, cut));
            std::fs::read(&clean).unwrap()
        };
        drive("fuzz.xls", &bytes);
    }

    /// content.xml changed as text (repeat counts, names) or the zip bytes changed.
    #[test]
    fn fuzz_ods_mutated(flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..8),
                        cut in proptest::option::of(any::<usize>()),
                        reps in proptest::collection::vec("[0-9]{1,12}", 2), whole in any::<bool>()) {
        let rows = format!(
            r#"{}<table:table-row table:number-rows-repeated="{}"><table:table-cell table:number-columns-repeated="{}" office:value-type="string"><text:p>某某公司<text:s text:c="3"/></text:p></table:table-cell></table:table-row>"#,
            ods_row(&["供应商名称", "统一社会信用代码"]), reps[0], reps[1]
        );
        let content = format!("{ODS_HEAD}{rows}{ODS_TAIL}");
        let bytes = if whole {
            mutate(ods_of(&content), &flips, cut)
        } else {
            let xml = mutate(content.into_bytes(), &flips, cut);
            ods_of(&String::from_utf8_lossy(&xml))
        };
        drive("fuzz.ods", &bytes);
    }
}
