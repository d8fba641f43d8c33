//! Running unattended on a server: a drifting clock is corrected instead of failing every night,
//! and the shell completions and man page come from the real command line.

use crate::helpers::{assert_contains, assert_exit, small_sim, spawn_app, text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_ten_minutes_behind_the_vendor_is_corrected_once_for_the_run() {
    let mut cfg = small_sim();
    cfg.clock_offset = 600;
    let app = spawn_app(cfg).await;
    let (cos, input) = app.uscc_list(0..40);
    let out = app.run(&input, &[]).await;
    assert_exit(&out, 0);
    assert_contains(
        &text(&out.stderr),
        "this machine's clock is 10m00s behind the vendor's; fix its time sync",
    );
    let stats = app.stats();
    let rejected = stats.by_status.get("115").copied().unwrap_or(0);
    assert!(
        (1..=8).contains(&rejected),
        "115 answered {rejected} times: at most the calls in flight (--concurrency 8)"
    );
    for c in &cos {
        assert_eq!(stats.billed_for(&c.uscc), crate::helpers::pages(c));
    }
    // A clock ahead of the vendor's is corrected the same way.
    let mut cfg = small_sim();
    cfg.clock_offset = -400;
    let app = spawn_app(cfg).await;
    let (_, input) = app.uscc_list(0..10);
    let out = app.run(&input, &[]).await;
    assert_exit(&out, 0);
    assert_contains(&text(&out.stderr), "6m40s ahead of the vendor's");
}

#[tokio::test]
async fn completions_and_the_man_page_are_generated_from_the_command_line() {
    let app = spawn_app(small_sim()).await;
    for shell in ["bash", "zsh", "fish"] {
        let out = app.command(&["completions", shell]).output().await.unwrap();
        assert_exit(&out, 0);
        let script = text(&out.stdout);
        assert_contains(&script, "refresh-older-than");
        assert_contains(&script, "header-row");
        if shell == "bash" {
            let path = app.write("qcc-credit.bash", &script);
            let ok = std::process::Command::new("bash")
                .arg("-n")
                .arg(&path)
                .status()
                .unwrap();
            assert!(ok.success(), "bash -n rejected the completion script");
        }
    }
    let out = app.command(&["manpage"]).output().await.unwrap();
    assert_exit(&out, 0);
    let page = text(&out.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH qcc-credit 1"),
        "{page}"
    );
    assert_contains(&page, "qcc\\-credit run");
    assert_contains(&page, "\\-\\-max\\-calls");
}

/// The packaged unit is sandboxed: `systemd-analyze security` rates it at most 3.0 ("OK"), and it
/// bounds memory and time and keeps its files owner-only. Checked where systemd-analyze exists.
#[test]
fn the_service_unit_is_hardened() {
    let unit = concat!(env!("CARGO_MANIFEST_DIR"), "/packaging/qcc-credit.service");
    let text = std::fs::read_to_string(unit).unwrap();
    for d in [
        "UMask=0077",
        "MemoryMax=",
        "TimeoutStartSec=",
        "NoNewPrivileges=true",
    ] {
        assert_contains(&text, d);
    }
    let Ok(out) = std::process::Command::new("systemd-analyze")
        .args(["security", "--offline=true", unit])
        .output()
    else {
        eprintln!("systemd-analyze not found: score not checked");
        return;
    };
    let report = String::from_utf8_lossy(&out.stdout).to_string();
    let score: f64 = report
        .lines()
        .find_map(|l| l.split("for qcc-credit.service: ").nth(1))
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no score in: {report}"));
    assert!(score <= 3.0, "exposure {score}:\n{report}");
}
