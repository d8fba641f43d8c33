//! A database written by the release before evidence was kept as bytes (schema 12, bodies by
//! shape) converts: every body comes back exactly as that release gave it back.
//!
//! `tests/fixtures/v12/` was written by qcc-credit at 2249833 (see its README): a run stopped by
//! `--max-calls` in the middle of three-page keys (pages stored before their answer), resumed,
//! and re-screened, with 120, 503, malformed answers and a 207 among them. `bodies.json` holds
//! every call's body as that release's `Store::call_body` gave it.

use std::collections::BTreeMap;

use qcc_credit::store::Store;

use crate::helpers::{assert_contains, assert_exit, csv_of, small_sim, spawn_app, text};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/v12")
        .join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_release_12_database_gives_every_body_back_after_the_migration() {
    let app = spawn_app(small_sim()).await;
    std::fs::copy(fixture("screening.sqlite"), &app.db).unwrap();
    let want: BTreeMap<String, Option<String>> =
        serde_json::from_str(&std::fs::read_to_string(fixture("bodies.json")).unwrap()).unwrap();
    let shapes_before: i64 = app
        .sql()
        .query_row(
            "SELECT COUNT(*) FROM calls WHERE body_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(shapes_before > 50, "the fixture stores bodies by shape");
    drop(Store::open(&app.db).unwrap());
    let got: BTreeMap<String, Option<String>> = app
        .stored_bodies()
        .into_iter()
        .map(|(id, body)| (id.to_string(), body))
        .collect();
    assert_eq!(got.len(), want.len());
    for (id, body) in &want {
        assert_eq!(got.get(id), Some(body), "call {id}");
    }
    let tables: Vec<String> = app
        .sql()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for gone in ["bodies", "pending_pages", "calls_v12"] {
        assert!(!tables.iter().any(|t| t == gone), "{gone} is still there");
    }
    // The converted database is screened on: the export reads it, and a run goes on from it.
    let rows = app.export().await;
    assert_eq!(rows.len(), 38);
    let input = app.write(
        "more.csv",
        csv_of(&[("某某不存在有限公司".to_string(), String::new())]),
    );
    // Exit 5: the fixture holds a key parked on unreadable answers.
    let out = app.run(&input, &[]).await;
    assert_exit(&out, 5);
    assert_contains(&text(&out.stdout), "not_found 4 ");
}
