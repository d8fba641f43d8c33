//! Shared test helpers: a simulator on 127.0.0.1:0, a temp directory with the database, and the
//! real binary driven as a cron job would drive it. Set TEST_LOG=1 to see the binary's logs.

use std::path::{Path, PathBuf};
use std::process::Output;

use qcc_credit::simulator::{self, Company, SimConfig, SimHandle, Stats};
use serde_json::Value;
use tempfile::TempDir;

pub const BIN: &str = env!("CARGO_BIN_EXE_qcc-credit");

pub struct TestApp {
    pub sim: SimHandle,
    pub dir: TempDir,
    pub db: PathBuf,
}

pub async fn spawn_app(cfg: SimConfig) -> TestApp {
    let sim = simulator::spawn(cfg, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("screen.sqlite");
    TestApp { sim, dir, db }
}

pub fn small_sim() -> SimConfig {
    SimConfig {
        companies: 200,
        ..SimConfig::default()
    }
}

impl TestApp {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn companies(&self, range: std::ops::Range<usize>) -> Vec<Company> {
        self.sim.with_dataset(|d| d.companies[range].to_vec())
    }

    /// `s.csv` listing the companies in `range` by name and USCC.
    pub fn uscc_list(&self, range: std::ops::Range<usize>) -> (Vec<Company>, PathBuf) {
        let cos = self.companies(range);
        let rows: Vec<(String, String)> = cos
            .iter()
            .map(|c| (c.name.clone(), c.uscc.clone()))
            .collect();
        let input = self.write("s.csv", csv_of(&rows));
        (cos, input)
    }

    /// A read-only connection to the test database, for assertions the commands do not show.
    /// Only tests read the schema from outside the store.
    /// Every stored call's body, as `Store::call_body` gives it back, by call id.
    pub fn stored_bodies(&self) -> Vec<(i64, Option<String>)> {
        let store = qcc_credit::store::Store::open_read_only(&self.db).unwrap();
        let ids: Vec<i64> = self
            .sql()
            .prepare("SELECT id FROM calls ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        ids.into_iter()
            .map(|id| (id, store.call_body(id).unwrap()))
            .collect()
    }

    /// Every answer the simulator sent since `keep_bodies` is stored, byte for byte, once.
    pub fn assert_bodies_stored_as_sent(&self) {
        let sent = self.sim.sent_bodies();
        assert!(!sent.is_empty(), "the simulator kept no bodies");
        let mut seen = std::collections::HashSet::new();
        for (id, body) in self.stored_bodies() {
            let Some(body) = body else { continue };
            let Some(order) = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v["OrderNumber"].as_str().map(str::to_string))
            else {
                continue;
            };
            let want = sent
                .get(&order)
                .unwrap_or_else(|| panic!("call {id}: {order} never sent"));
            assert_eq!(&body, want, "call {id} differs from what was sent");
            assert!(seen.insert(order), "call {id} stored twice");
        }
        assert_eq!(seen.len(), sent.len(), "answers sent but not stored");
    }

    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open_with_flags(&self.db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap()
    }

    pub fn stats(&self) -> Stats {
        self.sim.stats()
    }

    /// A command for the binary with the simulator's credentials and fast retries.
    pub fn command(&self, args: &[&str]) -> tokio::process::Command {
        let mut c = tokio::process::Command::new(BIN);
        c.args(args)
            .env("QCC_KEY", simulator::DEMO_KEY)
            .env("QCC_SECRET_KEY", simulator::DEMO_SECRET)
            .env_remove("QCC_BASE_URL")
            .env_remove("QCC_ENDPOINT")
            .env(
                "RUST_LOG",
                if std::env::var_os("TEST_LOG").is_some() {
                    "debug"
                } else {
                    "warn"
                },
            )
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null());
        c
    }

    /// `SUBCOMMAND --db DB` plus `extra` (report, export, changes, status), run to the end.
    pub async fn on_db(&self, sub: &str, extra: &[&str]) -> Output {
        let mut args = vec![sub, "--db", self.db.to_str().unwrap()];
        args.extend_from_slice(extra);
        self.command(&args).output().await.unwrap()
    }

    /// `run --input FILE --db DB --base-url SIM --no-progress` plus `extra`.
    pub fn run_command(&self, input: &Path, extra: &[&str]) -> tokio::process::Command {
        let base = self.sim.base_url();
        let mut args = vec![
            "run",
            "--input",
            input.to_str().unwrap(),
            "--db",
            self.db.to_str().unwrap(),
            "--base-url",
            &base,
            "--no-progress",
            "--qps",
            "200",
            "--retry-base-ms",
            "10",
            "--slowdown-pause-ms",
            "50",
            "--recover-after-ms",
            "200",
            // The summary in English: most tests read its lines (tests/it/outputs.rs reads the
            // Chinese default).
            "--lang",
            "en",
        ];
        args.extend_from_slice(extra);
        self.command(&args)
    }

    pub async fn run(&self, input: &Path, extra: &[&str]) -> Output {
        let out = self.run_command(input, extra).output().await.unwrap();
        if std::env::var_os("TEST_LOG").is_some() {
            eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        }
        out
    }

    /// `export --format csv`, as text after its byte-order mark (which it must start with).
    pub async fn export_csv(&self) -> String {
        let out = self
            .command(&[
                "export",
                "--db",
                self.db.to_str().unwrap(),
                "--format",
                "csv",
                "--lang",
                "en",
            ])
            .output()
            .await
            .unwrap();
        assert_exit(&out, 0);
        let csv = text(&out.stdout);
        match csv.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => panic!("the CSV export does not start with a byte-order mark: {csv:.80}"),
        }
    }

    pub async fn export(&self) -> Vec<Value> {
        let out = self
            .command(&["export", "--db", self.db.to_str().unwrap()])
            .output()
            .await
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// Wait until the simulator has seen `n` calls (10 s at most).
pub async fn wait_for_calls(app: &TestApp, n: u64) {
    for _ in 0..400 {
        if app.stats().calls >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the run never reached {n} calls");
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit code with both output streams in the failure message.
#[track_caller]
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `needle` occurs in `haystack`; the failure shows the whole haystack.
#[track_caller]
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "{needle:?} not in:\n{haystack}");
}

/// Pages the vendor needs for a company (20 records a page).
pub fn pages(c: &Company) -> u64 {
    (c.records.len() as u64).div_ceil(20).max(1)
}

/// Calls billed more than once: for each company (listed by USCC), billed answers beyond its
/// pages.
pub fn rebilled(stats: &Stats, cos: &[Company]) -> u64 {
    cos.iter()
        .map(|c| stats.billed_for(&c.uscc).saturating_sub(pages(c)))
        .sum()
}

/// A CSV supplier list: header, then (name, code) rows.
pub fn csv_of(rows: &[(String, String)]) -> String {
    let mut s = String::from("供应商名称,统一社会信用代码\n");
    for (n, c) in rows {
        s.push_str(&format!("{n},{c}\n"));
    }
    s
}
