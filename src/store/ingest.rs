//! Idempotent ingest: an input file's rows and their keys, claimed with `INSERT … ON CONFLICT`
//! so re-running with the same or a grown file only adds what is new.

use rusqlite::{Transaction, params};
use serde::Serialize;

use super::{Result, Store, ts};
use crate::input::{FileMeta, IngestRow};
use crate::key_state::KeyState;

/// What an ingest did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestSummary {
    pub file_id: i64,
    pub rows: u64,
    pub new_keys: u64,
    pub invalid_rows: u64,
    /// Total rows (合计, 共18家 ...), never called.
    pub skipped_rows: u64,
}

/// Rows staged per transaction, and new keys above which the key index is built again, sorted,
/// rather than added to one by one.
const STAGE_BATCH: usize = 10_000;
const REBUILD_ABOVE: i64 = 50_000;
/// Helper threads SQLite's sorter may use.
const SORT_THREADS: i64 = 2;

impl Store {
    /// Ingest rows of one file, idempotently: rows are keyed by (file, row number), keys by their
    /// normalized text; re-ingesting the same or a grown file only adds what is new.
    ///
    /// The rows are staged first (a temporary table, appended in row order, committed every
    /// 10,000 rows so memory stays flat), then their keys are claimed at once: the new ones get
    /// ids in the order the file first names them and go in in that order; when there are many,
    /// the key index is built again from the sorted keys instead of taking them one by one in the
    /// file's order (a million keys in a random order wrote a page for every few rows once the
    /// index outgrew the cache). Then the rows go in, each pointing at its key.
    pub fn ingest(
        &mut self,
        path: &str,
        meta: &FileMeta,
        rows: impl Iterator<Item = IngestRow>,
    ) -> Result<IngestSummary> {
        let e = self.e();
        let file_id = self.upsert_file(path, meta)?;
        let mut summary = IngestSummary {
            file_id,
            ..Default::default()
        };
        // The sorts below (keys by text, ids by row) may use a second core.
        self.conn
            .pragma_update(None, "threads", SORT_THREADS)
            .map_err(&e)?;
        self.conn.execute_batch(STAGE_TABLE).map_err(&e)?;
        let mut last_row = 0u64;
        let mut rows = rows.peekable();
        while rows.peek().is_some() {
            let tx = self.conn.transaction().map_err(&e)?;
            {
                // Prepared once per transaction: looking a statement up per row cost a hash of
                // its text every time.
                let mut stage = tx.prepare(STAGE_ROW).map_err(&e)?;
                for row in rows.by_ref().take(STAGE_BATCH) {
                    last_row = last_row.max(row.row_no);
                    stage_row(&mut stage, &row, &mut summary).map_err(&e)?;
                }
            }
            tx.commit().map_err(&e)?;
        }
        let tx = self.conn.transaction().map_err(&e)?;
        summary.new_keys = claim_keys(&tx).map_err(&e)?;
        tx.execute_batch(KEY_IDS).map_err(&e)?;
        tx.execute(INSERT_ROWS, [file_id]).map_err(&e)?;
        tx.execute_batch("DELETE FROM temp.ingest_stage; DELETE FROM temp.ingest_ids;")
            .map_err(&e)?;
        tx.commit().map_err(&e)?;
        // A file that shrank: rows past its end are no longer part of it.
        self.conn
            .execute(
                "DELETE FROM input_rows WHERE file_id=?1 AND row_no>?2",
                params![file_id, last_row as i64],
            )
            .map_err(&e)?;
        self.conn
            .execute(
                "UPDATE input_files SET row_count=?2 WHERE id=?1",
                params![file_id, summary.rows as i64],
            )
            .map_err(&e)?;
        Ok(summary)
    }

    /// The file's row (by path), created or updated with what was detected this time.
    fn upsert_file(&self, path: &str, meta: &FileMeta) -> Result<i64> {
        let headers = serde_json::to_string(&meta.headers).unwrap_or_default();
        let now = ts(crate::clock::now());
        self.conn
            .query_row(
                "INSERT INTO input_files(path, format, encoding, key_column, headers, last_ingested_at,
                   sheet, header_row, fallback_column, id_column)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT(path) DO UPDATE SET format=excluded.format, encoding=excluded.encoding,
                   key_column=excluded.key_column, headers=excluded.headers,
                   last_ingested_at=excluded.last_ingested_at, sheet=excluded.sheet,
                   header_row=excluded.header_row, fallback_column=excluded.fallback_column,
                   id_column=excluded.id_column
                 RETURNING id",
                params![
                    path,
                    meta.format,
                    meta.encoding,
                    meta.key_column,
                    headers,
                    now,
                    meta.sheet,
                    meta.header_row.map(|r| r as i64),
                    meta.fallback_column,
                    meta.id_column
                ],
                |r| r.get(0),
            )
            .map_err(self.e())
    }
}

/// One file's rows as read, before their keys are claimed: `key` is NULL for a row that claims
/// none (skipped, empty, unreadable), `valid` 1 for a key not judged invalid locally.
const STAGE_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS ingest_stage (
    row_no     INTEGER PRIMARY KEY,
    key        TEXT,
    kind       TEXT,
    state      TEXT,
    local      INTEGER,
    message    TEXT,
    input      TEXT NOT NULL,
    error      TEXT,
    extra      TEXT,
    sheet_row  INTEGER,
    skipped    INTEGER NOT NULL,
    cell_types TEXT
);
DELETE FROM temp.ingest_stage;";

const STAGE_ROW: &str = "INSERT INTO temp.ingest_stage(row_no, key, kind, state, local, message,
    input, error, extra, sheet_row, skipped, cell_types)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

/// Each staged row's key id, looked up in key order: the key index is read once, page after
/// page, however the file orders its keys (looked up in row order, a key index larger than the
/// cache was read a page per row).
const KEY_IDS: &str = "CREATE TEMP TABLE IF NOT EXISTS ingest_ids (row_no INTEGER PRIMARY KEY,
    key_id INTEGER);
DELETE FROM temp.ingest_ids;
CREATE TEMP TABLE IF NOT EXISTS ingest_ids_by_key (row_no INTEGER, key_id INTEGER);
DELETE FROM temp.ingest_ids_by_key;
INSERT INTO temp.ingest_ids_by_key(row_no, key_id)
  SELECT s.row_no, k.id
  FROM temp.ingest_stage s INDEXED BY ingest_stage_key CROSS JOIN keys k ON k.key = s.key
  WHERE s.key IS NOT NULL ORDER BY s.key;
INSERT INTO temp.ingest_ids(row_no, key_id)
  SELECT row_no, key_id FROM temp.ingest_ids_by_key ORDER BY row_no;
DELETE FROM temp.ingest_ids_by_key;";

/// The rows, each pointing at its key, written in row order (an unchanged row is left as is).
const INSERT_ROWS: &str = "INSERT INTO input_rows(file_id, row_no, input, key_id, error, extra,
    sheet_row, skipped, cell_types)
  SELECT ?1, s.row_no, s.input, i.key_id, s.error, s.extra, s.sheet_row, s.skipped, s.cell_types
  FROM temp.ingest_stage s LEFT JOIN temp.ingest_ids i ON i.row_no = s.row_no
  WHERE true ORDER BY s.row_no
  ON CONFLICT(file_id, row_no) DO UPDATE SET input=excluded.input,
    key_id=excluded.key_id, error=excluded.error, extra=excluded.extra,
    sheet_row=excluded.sheet_row, skipped=excluded.skipped, cell_types=excluded.cell_types
  WHERE input IS NOT excluded.input OR key_id IS NOT excluded.key_id
    OR error IS NOT excluded.error OR extra IS NOT excluded.extra
    OR sheet_row IS NOT excluded.sheet_row OR skipped IS NOT excluded.skipped
    OR cell_types IS NOT excluded.cell_types";

/// The staged rows' keys claimed: an existing key judged invalid locally becomes pending when a
/// row holds it validly; a new key is written as its first row gives it (pending when any row
/// holds it validly), with ids in the order the file first names them. How many keys were
/// added or made pending.
fn claim_keys(tx: &Transaction<'_>) -> rusqlite::Result<u64> {
    // The new keys as their first rows give them (SQLite takes the other columns from the row
    // that holds the MIN), walked in key order against the key index.
    // The staged keys sorted once, by a temporary index, which the new keys and every row's key
    // id are then read from in key order.
    tx.execute_batch(
        "CREATE INDEX IF NOT EXISTS temp.ingest_stage_key ON ingest_stage(key, row_no);
         CREATE TEMP TABLE IF NOT EXISTS ingest_new (first_row INTEGER PRIMARY KEY, key TEXT);
         DELETE FROM temp.ingest_new;
         INSERT INTO temp.ingest_new(first_row, key)
           SELECT MIN(row_no), key FROM temp.ingest_stage INDEXED BY ingest_stage_key
           WHERE key IS NOT NULL AND key NOT IN (SELECT key FROM keys) GROUP BY key;",
    )?;
    let new: i64 = tx.query_row("SELECT COUNT(*) FROM temp.ingest_new", [], |r| r.get(0))?;
    let rebuild = new > REBUILD_ABOVE;
    if rebuild {
        tx.execute_batch("DROP INDEX keys_key; DROP INDEX keys_state;")?;
    }
    let base: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM keys", [], |r| r.get(0))?;
    let added = tx.execute(
        "INSERT INTO keys(id, key, kind, state, local, message)
         SELECT ?1 + ROW_NUMBER() OVER (ORDER BY n.first_row), n.key, s.kind, s.state, s.local,
           s.message
         FROM temp.ingest_new n JOIN temp.ingest_stage s ON s.row_no = n.first_row
         ORDER BY n.first_row",
        [base],
    )?;
    if rebuild {
        tx.execute_batch(
            "CREATE UNIQUE INDEX keys_key ON keys(key); CREATE INDEX keys_state ON keys(state);",
        )?;
    }
    tx.execute_batch("DELETE FROM temp.ingest_new")?;
    // A key judged invalid locally (new or not) becomes pending when a row holds it validly:
    // the staged rows are walked once against the few keys judged invalid locally.
    let upgraded = tx.execute(
        "UPDATE keys SET state='pending', local=0, message=NULL
         WHERE local=1 AND key IN (SELECT s.key FROM temp.ingest_stage s
           WHERE s.local=0 AND s.key IN (SELECT key FROM keys WHERE local=1))",
        [],
    )?;
    Ok((upgraded + added) as u64)
}

/// One row staged, with what it claims, and counted.
fn stage_row(
    stage: &mut rusqlite::Statement<'_>,
    row: &IngestRow,
    summary: &mut IngestSummary,
) -> rusqlite::Result<()> {
    summary.rows += 1;
    let c = &row.classified;
    let claim = match (c.kind, &row.error) {
        _ if row.skipped => None,
        (Some(kind), None) if !c.key.is_empty() => Some(kind),
        _ => None,
    };
    let (st, local) = match &c.invalid {
        Some(_) => (KeyState::Invalid, 1),
        None => (KeyState::Pending, 0),
    };
    let error = row.error.clone().or_else(|| match claim {
        None => c.invalid.clone(),
        Some(_) => None,
    });
    if row.skipped {
        summary.skipped_rows += 1;
    } else if claim.is_none() || c.invalid.is_some() {
        summary.invalid_rows += 1;
    }
    stage.execute(params![
        row.row_no as i64,
        claim.map(|_| c.key.as_str()),
        claim.map(|k| k.as_str()),
        claim.map(|_| st),
        claim.map(|_| local),
        claim.and(c.invalid.as_deref()),
        row.input,
        error,
        row.extra,
        row.sheet_row as i64,
        row.skipped,
        row.cell_types
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{ClassifyOptions, classify};

    fn row(row_no: u64, input: &str) -> IngestRow {
        IngestRow {
            row_no,
            sheet_row: row_no + 1,
            classified: classify(input, ClassifyOptions::default()),
            input: input.to_string(),
            error: None,
            extra: None,
            cell_types: None,
            skipped: false,
        }
    }

    /// More new keys than the index is rebuilt above, in a scattered order, with repeats and a
    /// key judged invalid on its first row but valid on a later one: ids follow the file's first
    /// mention, every row points at its key, the unique index is back, and ingesting the file
    /// again adds nothing.
    #[test]
    fn a_large_scattered_file_claims_each_key_once_in_the_files_order() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("i.sqlite")).unwrap();
        let n = REBUILD_ABOVE as u64 + 1_000;
        let name = |i: u64| format!("供应商{:07}有限公司", i * 7_919 % n);
        let rows = || {
            (1..=n).map(move |r| row(r, &name(r))).chain([
                row(n + 1, &name(5)),
                row(n + 2, "1"),
                row(n + 3, "1"),
            ])
        };
        let first = store.ingest("i.csv", &FileMeta::default(), rows()).unwrap();
        assert_eq!(first.rows, n + 3);
        fn one(store: &Store, sql: &str) -> i64 {
            store.conn.query_row(sql, [], |r| r.get(0)).unwrap()
        }
        assert_eq!(one(&store, "SELECT COUNT(*) FROM keys"), n as i64 + 1);
        assert_eq!(first.new_keys, n + 1);
        // Row r first names its key (7,919 is prime to n): ids follow the rows.
        let misplaced = "SELECT COUNT(*) FROM input_rows r JOIN keys k ON k.id = r.key_id
            WHERE r.row_no <= (SELECT COUNT(*) FROM keys) - 1 AND k.id <> r.row_no";
        assert_eq!(one(&store, misplaced), 0);
        let repeat = format!("SELECT key_id FROM input_rows WHERE row_no = {}", n + 1);
        assert_eq!(one(&store, &repeat), 5);
        let indexes = "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('keys_key', 'keys_state')";
        assert_eq!(one(&store, indexes), 2);
        let again = store.ingest("i.csv", &FileMeta::default(), rows()).unwrap();
        assert_eq!(again.new_keys, 0);
        assert_eq!(one(&store, "SELECT COUNT(*) FROM keys"), n as i64 + 1);
        assert_eq!(one(&store, "SELECT COUNT(*) FROM input_rows"), n as i64 + 3);
    }

    /// A key judged invalid locally on its first row becomes pending when a later row, or a
    /// later file, holds it validly.
    #[test]
    fn a_key_invalid_where_first_seen_becomes_pending_when_a_row_holds_it_validly() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("i.sqlite")).unwrap();
        let bad = row(1, "91110000000000000X");
        assert!(bad.classified.invalid.is_some(), "{:?}", bad.classified);
        let mut good = row(2, "91110000000000000X");
        good.classified.invalid = None;
        good.classified.reason = None;
        store
            .ingest("a.csv", &FileMeta::default(), [bad.clone()].into_iter())
            .unwrap();
        let state = |store: &Store| -> (String, i64) {
            store
                .conn
                .query_row("SELECT state, local FROM keys", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap()
        };
        assert_eq!(state(&store), ("invalid".to_string(), 1));
        let s = store
            .ingest("b.csv", &FileMeta::default(), [bad, good].into_iter())
            .unwrap();
        assert_eq!(s.new_keys, 1, "made pending");
        assert_eq!(state(&store), ("pending".to_string(), 0));
    }
}
