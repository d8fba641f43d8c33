//! Hostile vendor, hostile files: a redirecting endpoint, an endless body, a BOM, an echoing error
//! page, control characters in headers and messages, formulas in cells, a database that is not
//! ours, and inputs that expand to gigabytes. Each server or file is made here.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, assert_contains, assert_exit, csv_of, small_sim, spawn_app, text};

/// What the hostile server answers to every request.
#[derive(Clone)]
enum Reply {
    /// These bytes, then close.
    Raw(Vec<u8>),
    /// A 200 with a chunked body that never ends.
    Endless,
    /// A 500 page that echoes the request line (with its `key=` parameter).
    Echo,
}

/// A one-trick HTTP server on 127.0.0.1:0 that counts the requests it gets.
struct Hostile {
    base: String,
    hits: Arc<AtomicUsize>,
}

async fn hostile(reply: Reply) -> Hostile {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut b).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&b[..n]),
                    }
                }
                let _ = answer(&mut sock, &reply, &head).await;
            });
        }
    });
    Hostile { base, hits }
}

async fn answer(
    sock: &mut tokio::net::TcpStream,
    reply: &Reply,
    head: &[u8],
) -> std::io::Result<()> {
    match reply {
        Reply::Raw(bytes) => sock.write_all(bytes).await,
        Reply::Echo => {
            let line = String::from_utf8_lossy(head)
                .lines()
                .next()
                .unwrap_or("")
                .to_string();
            let body = format!("<html><body>500 Internal Server Error: {line}</body></html>");
            let resp = format!(
                "HTTP/1.1 500 Internal Server Error\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            sock.write_all(resp.as_bytes()).await
        }
        Reply::Endless => {
            sock.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                .await?;
            let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
            loop {
                sock.write_all(chunk.as_bytes()).await?;
            }
        }
    }
}

fn json_reply(body: &[u8]) -> Reply {
    let mut r = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    Reply::Raw(r)
}

/// Run the binary and follow its peak resident memory (VmHWM) until it exits: (output, MiB).
pub async fn run_measured(mut cmd: tokio::process::Command) -> (std::process::Output, u64) {
    let child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id().unwrap());
    let peak = Arc::new(AtomicUsize::new(0));
    let p = peak.clone();
    let watcher = tokio::spawn(async move {
        while let Ok(s) = tokio::fs::read_to_string(&status_file).await {
            if let Some(kb) = s
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse::<usize>().ok())
            {
                p.fetch_max(kb, Ordering::SeqCst);
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    });
    let out = child.wait_with_output().await.unwrap();
    watcher.abort();
    (out, peak.load(Ordering::SeqCst) as u64 / 1024)
}

fn one_company(app: &TestApp) -> std::path::PathBuf {
    let c = app.companies(0..1).remove(0);
    app.write("one.csv", csv_of(&[(c.name, c.uscc)]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_is_never_followed_and_stops_the_run() {
    let app = spawn_app(small_sim()).await;
    let thief = hostile(json_reply(b"{\"Status\":\"200\"}")).await;
    let to = format!(
        "HTTP/1.1 302 Found\r\nLocation: {}/steal\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        thief.base
    );
    let redirector = hostile(Reply::Raw(to.into_bytes())).await;
    let (_, input) = app.uscc_list(0..20);
    let out = app.run(&input, &["--base-url", &redirector.base]).await;
    assert_exit(&out, 4);
    let host = thief.base.trim_start_matches("http://");
    assert_contains(
        &text(&out.stderr),
        &format!("redirected to {host}; not followed"),
    );
    assert_contains(&text(&out.stderr), "check --base-url");
    assert_eq!(
        thief.hits.load(Ordering::SeqCst),
        0,
        "the second host got a request"
    );
    assert!(
        redirector.hits.load(Ordering::SeqCst) <= 8,
        "it hammered the redirect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_body_is_cut_and_memory_stays_flat() {
    let app = spawn_app(small_sim()).await;
    let server = hostile(Reply::Endless).await;
    let input = one_company(&app);
    let mut cmd = app.run_command(
        &input,
        &[
            "--base-url",
            &server.base,
            "--max-attempts",
            "2",
            "--timeout",
            "20",
        ],
    );
    cmd.env("RUST_LOG", "warn");
    let (out, peak_mib) = run_measured(cmd).await;
    assert_exit(&out, 5);
    eprintln!("peak memory: {peak_mib} MiB");
    assert!(peak_mib < 200, "peak {peak_mib} MiB");
    let msg: String = app
        .sql()
        .query_row("SELECT message FROM keys", [], |r| r.get(0))
        .unwrap();
    assert_contains(&msg, "larger than 4 MiB");
    // Each such answer was sent whole (and billed): asked twice, then parked, not every night.
    assert_contains(&msg, "parked");
    let out = app
        .run_command(&input, &["--base-url", &server.base])
        .output()
        .await
        .unwrap();
    assert_exit(&out, 5);
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        2,
        "a parked key was asked again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_byte_order_mark_before_the_json_is_accepted() {
    let app = spawn_app(small_sim()).await;
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice("{\"Status\":\"201\",\"Message\":\"查询无结果\"}".as_bytes());
    let server = hostile(json_reply(&body)).await;
    let input = one_company(&app);
    let out = app.run(&input, &["--base-url", &server.base]).await;
    assert_exit(&out, 0);
    assert_eq!(app.export().await[0]["state"], "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_echoes_the_request_leaves_no_key_in_the_database() {
    let app = spawn_app(small_sim()).await;
    let server = hostile(Reply::Echo).await;
    let input = one_company(&app);
    let key = "k3y-0123456789abcdef";
    let out = app
        .run_command(&input, &["--base-url", &server.base, "--max-attempts", "2"])
        .env("QCC_KEY", key)
        .output()
        .await
        .unwrap();
    assert_exit(&out, 5);
    // Bodies are stored compressed: read back as received, every one is redacted.
    let bodies = app.stored_bodies();
    assert!(!bodies.is_empty());
    for (_, body) in bodies {
        let body = body.unwrap();
        assert_contains(&body, "key=***");
        assert!(!body.contains(key), "{body}");
    }
    for f in ["screen.sqlite", "screen.sqlite-wal"] {
        if let Ok(bytes) = std::fs::read(app.path(f)) {
            assert!(
                !bytes.windows(key.len()).any(|w| w == key.as_bytes()),
                "{f}"
            );
        }
    }
    assert!(!text(&out.stderr).contains(key));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_from_outside_are_shown_not_emitted() {
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let input = app.write(
        "evil.csv",
        format!(
            "\"供应商名称\nINFO x\u{1b}[2J\",统一社会信用代码\n{},{}\n",
            c.name, c.uscc
        ),
    );
    let message = "{\"Status\":\"101\",\"Message\":\"bad key\\nINFO forged line\\u001b[2J\"}";
    let server = hostile(json_reply(message.as_bytes())).await;
    let out = app
        .run_command(&input, &["--base-url", &server.base])
        .env("RUST_LOG", "info")
        .output()
        .await
        .unwrap();
    assert_exit(&out, 4);
    for stream in [text(&out.stderr), text(&out.stdout)] {
        assert!(
            !stream.contains('\u{1b}') && !stream.contains('\u{7}'),
            "{stream}"
        );
        assert!(
            !stream
                .lines()
                .any(|l| l.starts_with("INFO forged") || l.starts_with("INFO x")),
            "a forged line:\n{stream}"
        );
    }
    let err = text(&out.stderr);
    assert_contains(&err, "bad key\\nINFO forged line\\u{1b}[2J");
    assert_contains(&err, "name fallback: 供应商名称\\nINFO x\\u{1b}[2J");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_exports_keep_formulas_as_text() {
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let input = app.write(
        "f.csv",
        format!(
            "供应商名称,统一社会信用代码,备注\n=1+1,,\"=HYPERLINK(\"\"http://x\"\")\"\n{},{},@SUM(A1)\n+1+2,,-3\n",
            c.name, c.uscc
        ),
    );
    assert_exit(&app.run(&input, &[]).await, 0);
    let csv = app.export_csv().await;
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let mut seen = 0;
    for rec in r.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?}"
            );
            seen += cell.starts_with('\'') as usize;
        }
    }
    assert!(seen >= 6, "{csv}");
    assert_contains(&csv, "'=HYPERLINK(");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_is_not_ours_is_left_byte_identical() {
    let app = spawn_app(small_sim()).await;
    let foreign = app.path("erp.sqlite");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE invoices(id INTEGER PRIMARY KEY, amount REAL); INSERT INTO invoices(amount) VALUES (1.5);")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    let db = foreign.to_str().unwrap();
    for args in [
        vec!["status", "--db", db],
        vec!["export", "--db", db],
        vec!["changes", "--db", db],
    ] {
        let out = app.command(&args).output().await.unwrap();
        assert_exit(&out, 1);
        assert_contains(&text(&out.stderr), "is not a qcc-credit database");
    }
    let input = one_company(&app);
    let base = app.sim.base_url();
    let out = app
        .command(&[
            "run",
            "--input",
            input.to_str().unwrap(),
            "--db",
            db,
            "--base-url",
            &base,
        ])
        .output()
        .await
        .unwrap();
    assert_exit(&out, 1);
    assert_eq!(std::fs::read(&foreign).unwrap(), before);
    assert!(!app.path("erp.sqlite-wal").exists());
    assert_eq!(app.stats().calls, 0);
    // Ours is marked, and a read-only command on it never migrates or writes.
    assert_exit(&app.run(&input, &[]).await, 0);
    let id: i64 = app
        .sql()
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(id, qcc_credit::store::APPLICATION_ID);
    rusqlite::Connection::open(&app.db)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let out = app.run(&input, &[]).await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "newer than this qcc-credit knows");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn input_bombs_are_refused_or_cut_with_flat_memory() {
    let app = spawn_app(small_sim()).await;
    // An xlsx whose shared strings expand from a few hundred KiB to 80 MiB.
    let bomb = app.path("bomb.xlsx");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/sharedStrings.xml", opts).unwrap();
        z.write_all(b"<sst><si><t>").unwrap();
        let mb = vec![b'a'; 1024 * 1024];
        for _ in 0..80 {
            z.write_all(&mb).unwrap();
        }
        z.write_all(b"</t></si></sst>").unwrap();
        z.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1024 * 1024);
    let (out, peak) = run_measured(app.run_command(&bomb, &["--dry-run"])).await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "expands to more than 64 MiB");
    eprintln!("peak memory: {peak} MiB");
    assert!(peak < 200, "peak {peak} MiB");
    // A CSV with a 100 MiB field: cut at 1 MiB, the row named, nothing called.
    let csv = app.path("huge.csv");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&csv).unwrap());
        f.write_all("统一社会信用代码,备注\n".as_bytes()).unwrap();
        let mb = vec![b'x'; 1024 * 1024];
        for _ in 0..100 {
            f.write_all(&mb).unwrap();
        }
        f.write_all(b",note\n").unwrap();
        let c = app.companies(0..1).remove(0);
        f.write_all(format!("{},ok\n", c.uscc).as_bytes()).unwrap();
    }
    let (out, peak) = run_measured(app.run_command(&csv, &[])).await;
    assert_exit(&out, 0);
    eprintln!("peak memory: {peak} MiB");
    assert!(peak < 200, "peak {peak} MiB");
    let rows = app.export().await;
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["state"], "invalid");
    assert_contains(rows[0]["message"].as_str().unwrap(), "longer than 1 MiB");
    assert_eq!(rows[1]["state"], "found");
    assert_eq!(app.stats().calls, 1);
    let longest: i64 = app
        .sql()
        .query_row("SELECT MAX(LENGTH(key)) FROM keys", [], |r| r.get(0))
        .unwrap();
    assert!(longest <= 1024, "{longest}");
}

/// A text past Excel's 32,767 characters a cell (the analyst's own column here) is cut with a
/// visible marker, the row named in a warning, and the workbook is written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workbook_cuts_a_text_too_long_for_excel() {
    use calamine::Reader;
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let note = "长".repeat(40_000);
    let input = app.write(
        "n.csv",
        format!(
            "供应商名称,统一社会信用代码,备注\n{},{},{note}\n",
            c.name, c.uscc
        ),
    );
    assert_exit(&app.run(&input, &[]).await, 0);
    let out_path = app.path("r.xlsx");
    let out = app
        .on_db(
            "export",
            &["--format", "xlsx", "--out", out_path.to_str().unwrap()],
        )
        .await;
    assert_exit(&out, 0);
    assert_contains(&text(&out.stderr), "32,767 characters");
    let mut wb = calamine::open_workbook_auto(&out_path).unwrap();
    let mut cells = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        cells.extend(range.rows().flatten().map(|d| d.to_string()));
    }
    let cut = cells
        .into_iter()
        .find(|s| s.contains("已截断"))
        .unwrap_or_else(|| panic!("no cut cell: {}", text(&out.stderr)));
    assert_eq!(cut.chars().count(), 32_767);
    assert_contains(&cut, "原文40000个字符");
}

/// Plain http:// to another machine would send the key in clear: refused before anything is
/// read or called, unless --allow-insecure-http; credentials in the URL never reach the output
/// or the database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_host_needs_a_flag_and_url_credentials_are_redacted() {
    let app = spawn_app(small_sim()).await;
    let input = one_company(&app);
    let out = app
        .run(
            &input,
            &["--base-url", "http://bob:s3cret@192.0.2.1:9", "--dry-run"],
        )
        .await;
    assert_exit(&out, 1);
    let stderr = text(&out.stderr);
    assert_contains(&stderr, "--allow-insecure-http");
    assert!(!stderr.contains("s3cret"), "{stderr}");
    let base = app.sim.base_url().replace("http://", "http://bob:s3cret@");
    let out = app.run(&input, &["--base-url", &base]).await;
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("s3cret"), "{all}");
    let command: String = app
        .sql()
        .query_row("SELECT command FROM runs", [], |r| r.get(0))
        .unwrap();
    assert!(!command.contains("s3cret"), "{command}");
    assert_contains(&command, "***@");
}

/// `--out` is written beside the target and renamed into place: a symlink planted at the target
/// is replaced, and the file it pointed at is left as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_never_writes_through_a_symlink() {
    let app = spawn_app(small_sim()).await;
    let input = one_company(&app);
    assert_exit(&app.run(&input, &[]).await, 0);
    let victim = app.write("victim.txt", "precious");
    for (name, args) in [
        ("r.html", vec!["report"]),
        ("e.csv", vec!["export", "--format", "csv"]),
        ("e.xlsx", vec!["export", "--format", "xlsx"]),
    ] {
        let out_path = app.path(name);
        std::os::unix::fs::symlink(&victim, &out_path).unwrap();
        let (sub, rest) = args.split_first().unwrap();
        let mut extra: Vec<&str> = rest.to_vec();
        extra.extend(["--out", out_path.to_str().unwrap()]);
        let out = app.on_db(sub, &extra).await;
        assert_exit(&out, 0);
        assert_eq!(
            std::fs::read_to_string(&victim).unwrap(),
            "precious",
            "{name}"
        );
        let meta = std::fs::symlink_metadata(&out_path).unwrap();
        assert!(meta.file_type().is_file(), "{name} is still a link");
    }
    let left: Vec<_> = std::fs::read_dir(app.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind");
}

/// Blank lines are counted, not held: 5 MB of trailing newlines after a one-row list stays flat
/// (before: every blank row was queued until the end, about 1 GB).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trailing_blank_lines_are_counted_not_queued() {
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let mut list = csv_of(&[(c.name, c.uscc)]);
    list.push_str(&"\n".repeat(5_000_000));
    let input = app.write("blank.csv", list);
    let (out, peak_mib) = run_measured(app.run_command(&input, &["--dry-run"])).await;
    assert_exit(&out, 0);
    eprintln!("peak memory: {peak_mib} MiB");
    assert!(peak_mib < 200, "peak {peak_mib} MiB");
    let rows: i64 = app
        .sql()
        .query_row("SELECT COUNT(*) FROM input_rows", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 1, "trailing blank lines are not rows");
}

/// A 5 KB workbook with cells at A1 and XFD1048576 would be held as 17 billion cells (21 GB):
/// its cells are streamed first and the sheet refused, with flat memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sheet_spanning_far_more_than_it_holds_is_refused_with_flat_memory() {
    let app = spawn_app(small_sim()).await;
    let c = app.companies(0..1).remove(0);
    let path = app.path("sparse.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "供应商名称").unwrap();
    ws.write_string(0, 1, "统一社会信用代码").unwrap();
    ws.write_string(1, 0, &c.name).unwrap();
    ws.write_string(1, 1, &c.uscc).unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    wb.save(&path).unwrap();
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);
    let (out, peak_mib) = run_measured(app.run_command(&path, &["--dry-run"])).await;
    assert_exit(&out, 1);
    assert_contains(&text(&out.stderr), "spans rows 1-1048576");
    eprintln!("peak memory: {peak_mib} MiB");
    assert!(peak_mib < 200, "peak {peak_mib} MiB");
}
