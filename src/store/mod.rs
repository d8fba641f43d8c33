//! SQLite storage: the only module that knows the schema.
//!
//! This file owns opening (WAL, migrations from `migrations/*.sql` applied in order and tracked by
//! `PRAGMA user_version`) and the run lock. Beside it: idempotent ingest ([`ingest`]), the keys a
//! run must call ([`queue`]), answers written in one transaction each ([`apply`]) by the single
//! batched writer ([`writer`]), runs and status counts ([`runs`]), and the read models behind
//! `export`, `changes` and `report` ([`queries`], [`suppliers`]). No other module writes SQL.

mod apply;
mod calls;
mod compare;
pub mod evidence;
mod ingest;
mod legacy;
mod notify;
mod queries;
mod queue;
pub mod records;
mod resume;
mod review;
mod runs;
mod scan;
mod suppliers;
pub mod writer;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use apply::WriteOp;
pub use ingest::IngestSummary;
pub use notify::{NewNotification, NotificationRow};
pub use queries::{ChangeRow, ExportError, ExportRow, InputFile, InvalidRow, ScreeningBrief};
pub use queue::{DueFilter, WorkItem};
pub use resume::Paid;
pub use review::{AlertRow, AuditCall, AuditRun, DecisionRow, LatestStamp, NewDecision};
pub use runs::{RunCost, RunInfo, StatusCounts};
pub use suppliers::{
    PastScreening, Punishment, Registration, StoredChange, SupplierReader, SupplierRow,
};

/// One schema step: SQL, or a conversion that needs the record logic.
enum Migration {
    Sql(&'static str),
    Rust(fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>),
}

impl Migration {
    fn run(&self, tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
        match self {
            Migration::Sql(sql) => tx.execute_batch(sql),
            Migration::Rust(f) => f(tx),
        }
    }
}

/// Migrations in order; version N is the N-th entry.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("../../migrations/0001_init.sql")),
    Migration::Sql(include_str!("../../migrations/0002_calls_reached.sql")),
    Migration::Sql(include_str!("../../migrations/0003_rows_as_shown.sql")),
    Migration::Sql(include_str!("../../migrations/0004_records_once.sql")),
    // Version 5: keep a record's raw copy only where its columns cannot give it back, hash every
    // screening's records, then drop the raw copies.
    Migration::Rust(records::migrate_raw_copies),
    Migration::Sql(include_str!("../../migrations/0006_bodies.sql")),
    // Version 7 turned stored bodies into shapes. Version 13 keeps every body as bytes and
    // reads both kinds, so a database older than 7 keeps its bodies whole until then.
    Migration::Sql(""),
    Migration::Sql(include_str!("../../migrations/0008_calls_unlinked.sql")),
    Migration::Sql(include_str!("../../migrations/0009_compact_rows.sql")),
    Migration::Sql(include_str!("../../migrations/0010_pending_pages.sql")),
    Migration::Sql(include_str!("../../migrations/0011_typed_cells.sql")),
    Migration::Sql(include_str!("../../migrations/0012_doubt_and_liveness.sql")),
    // Version 13: every body as the bytes received, compressed; shapes and pending pages go.
    Migration::Rust(legacy::migrate_to_evidence),
    Migration::Sql(include_str!("../../migrations/0014_keys_key_index.sql")),
    Migration::Sql(include_str!("../../migrations/0015_review.sql")),
    Migration::Sql(include_str!("../../migrations/0016_notify.sql")),
];

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite {
        path: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "database {path} is in use by another qcc-credit run (lock file {lock} is held); wait for \
         it to finish, or stop it, then run again"
    )]
    Locked { path: String, lock: String },
    #[error("database {path}: cannot create lock file: {source}")]
    LockIo {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database {path}: the writer thread {what}")]
    Writer { path: String, what: String },
    #[error(
        "database {path} has schema version {found}, newer than this qcc-credit knows ({known}); \
         upgrade qcc-credit"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error(
        "database {path} has schema version {found}, older than this qcc-credit ({known}); run \
         `qcc-credit run` on it once to upgrade it (this command only reads)"
    )]
    TooOld {
        path: String,
        found: i64,
        known: i64,
    },
    #[error("database {0}: no such file (run `qcc-credit run` first)")]
    Missing(String),
    #[error(
        "database {path} is not a qcc-credit database (it holds {tables} table(s) of something \
         else); it was left untouched. Point --db at a screening database, or at a new file"
    )]
    NotOurs { path: String, tables: usize },
}

impl StoreError {
    /// SQLite said the disk (or the database's size limit) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            } if e.code == rusqlite::ErrorCode::DiskFull
        )
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Timestamps are stored as `YYYY-MM-DDTHH:MM:SSZ` (UTC), which also sorts correctly as text.
pub fn ts(t: DateTime<Utc>) -> String {
    // The same text as `%Y-%m-%dT%H:%M:%SZ`, written directly rather than through a format
    // string parsed for every answer.
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// SQL giving a column of Unix seconds (`calls.at`, `screenings.checked_at`) as [`ts`] writes
/// instants, or the column as it is when it holds text.
pub(crate) fn instant_text(column: &str) -> String {
    format!("COALESCE(strftime('%Y-%m-%dT%H:%M:%SZ', {column}, 'unixepoch'), {column})")
}

/// The file a database path names: symlinks resolved, even one pointing at a file not created
/// yet, which is then resolved through its directory.
fn real_path(db: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(db) {
        return p;
    }
    let mut db = db.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&db) {
            Ok(target) => db = db.parent().unwrap_or(Path::new(".")).join(target),
            Err(_) => break,
        }
    }
    let dir = match db.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(dir), db.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => db,
    }
}

/// A connection to one screening database.
pub struct Store {
    conn: Connection,
    path: String,
    /// The keys with calls not yet pointing at a screening (the writer's view, loaded on its
    /// first batch): an answer for any other key has no earlier call to link.
    unlinked: Option<std::collections::HashSet<i64>>,
}

/// Held while a run writes: a second run on the same database is refused, not interleaved.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
    _db: std::fs::File,
}

impl RunLock {
    /// Lock the database file itself, whatever path names it: the lock file sits beside the real
    /// file (symlinks and relative paths resolved), so `--db link.sqlite` and `--db real.sqlite`
    /// cannot run at once; and the database file is locked too, which holds for its identity
    /// (device and inode), so a hard link or a bind mount of it is refused as well (each name
    /// would get its own WAL, and the runs would lose each other's rows). A database created
    /// here is readable by its owner only (0600); SQLite gives its WAL the same mode.
    pub fn acquire(db: &Path) -> Result<RunLock> {
        use std::os::unix::fs::OpenOptionsExt;
        let lock_path = PathBuf::from(format!("{}.lock", real_path(db).display()));
        let io = |source| StoreError::LockIo {
            path: db.display().to_string(),
            source,
        };
        let open = |path: &Path| {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .mode(0o600)
                .open(path)
        };
        let file = open(&lock_path).map_err(io)?;
        let locked = |lock: String| StoreError::Locked {
            path: db.display().to_string(),
            lock,
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(locked(lock_path.display().to_string()));
            }
            Err(std::fs::TryLockError::Error(source)) => return Err(io(source)),
        }
        let db_file = open(db).map_err(io)?;
        match db_file.try_lock() {
            Ok(()) => Ok(RunLock {
                _file: file,
                _db: db_file,
            }),
            Err(std::fs::TryLockError::WouldBlock) => Err(locked(format!(
                "the database file itself, held through another name for it (a hard link or a \
                 bind mount) beside {}",
                lock_path.display()
            ))),
            Err(std::fs::TryLockError::Error(source)) => Err(io(source)),
        }
    }
}

/// `PRAGMA application_id` of a qcc-credit database ("QCCC"): what tells ours from someone else's.
pub const APPLICATION_ID: i64 = 0x5143_4343;

/// Prepared statements kept per connection. The writer alone uses about 20; rusqlite's default of
/// 16 made it compile some of them again for every answer (perf: SQL parsing in the writer).
const STATEMENT_CACHE: usize = 64;

impl Store {
    /// Open for a run (creating if needed), refuse a database that is not ours or is newer than
    /// this build, migrate, and mark it as ours.
    pub fn open(path: &Path) -> Result<Store> {
        let p = path.display().to_string();
        let err = |source| StoreError::Sqlite {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        let mut store = Store::on(conn, p)?;
        store.check_ours()?;
        let e = store.e();
        store
            .conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(&e)?;
        store
            .conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(&e)?;
        store
            .conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(&e)?;
        store.migrate()?;
        store
            .conn
            .pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(&e)?;
        Ok(store)
    }

    /// Open an existing database read-only (`status`, `export`, `changes`, `report`): never
    /// created, migrated or written; a missing file, a database that is not ours, or one whose
    /// schema is not this build's is an error.
    pub fn open_read_only(path: &Path) -> Result<Store> {
        let p = path.display().to_string();
        if !path.exists() {
            return Err(StoreError::Missing(p));
        }
        let store = match Store::read_only_at(path, false) {
            // A directory we may not write (no `-shm` can be made): with nothing left in a
            // write-ahead log, the database file alone is the whole database.
            Err(StoreError::Sqlite {
                source: rusqlite::Error::SqliteFailure(e, _),
                ..
            }) if e.code == rusqlite::ErrorCode::CannotOpen
                && !PathBuf::from(format!("{p}-wal")).exists() =>
            {
                Store::read_only_at(path, true)?
            }
            other => other?,
        };
        let version = store.user_version()?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(store.too_new(version));
        }
        if version < known {
            return Err(StoreError::TooOld {
                path: store.path.clone(),
                found: version,
                known,
            });
        }
        Ok(store)
    }

    fn read_only_at(path: &Path, immutable: bool) -> Result<Store> {
        use rusqlite::OpenFlags;
        let p = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let opened = if immutable {
            let escaped: String = p
                .chars()
                .map(|c| match c {
                    '%' => "%25".to_string(),
                    '?' => "%3f".to_string(),
                    '#' => "%23".to_string(),
                    c => c.to_string(),
                })
                .collect();
            Connection::open_with_flags(
                format!("file:{escaped}?immutable=1"),
                flags | OpenFlags::SQLITE_OPEN_URI,
            )
        } else {
            Connection::open_with_flags(path, flags)
        };
        let conn = opened.map_err(|source| StoreError::Sqlite {
            path: p.clone(),
            source,
        })?;
        let store = Store::on(conn, p)?;
        store.check_ours()?;
        Ok(store)
    }

    /// A store on an open connection: waits up to 30 s for a lock, keeps [`STATEMENT_CACHE`]
    /// prepared statements.
    fn on(conn: Connection, path: String) -> Result<Store> {
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let store = Store {
            conn,
            path,
            unlinked: None,
        };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(store.e())?;
        Ok(store)
    }

    fn user_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.e())
    }

    fn too_new(&self, found: i64) -> StoreError {
        StoreError::TooNew {
            path: self.path.clone(),
            found,
            known: MIGRATIONS.len() as i64,
        }
    }

    /// Ours: marked with our application id, or empty (a new database), or made by a build from
    /// before the mark (our tables, our `user_version`). Anything else is someone else's.
    fn check_ours(&self) -> Result<()> {
        let e = self.e();
        let id: i64 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(&e)?;
        if id == APPLICATION_ID {
            return Ok(());
        }
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'",
            )
            .and_then(|mut st| st.query_map([], |r| r.get(0))?.collect())
            .map_err(&e)?;
        let ours_before_the_mark = id == 0
            && self.user_version()? >= 1
            && ["keys", "input_rows", "calls", "runs"]
                .iter()
                .all(|t| tables.iter().any(|x| x == t));
        if tables.is_empty() || ours_before_the_mark {
            return Ok(());
        }
        Err(StoreError::NotOurs {
            path: self.path.clone(),
            tables: tables.len(),
        })
    }

    /// Wraps a rusqlite error with the database path. Owns its copy of the path, so it can be
    /// used while `self.conn` is borrowed mutably by a transaction.
    fn e(&self) -> impl Fn(rusqlite::Error) -> StoreError + 'static {
        let path = self.path.clone();
        move |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        }
    }

    fn migrate(&mut self) -> Result<()> {
        let version = self.user_version()?;
        if version > MIGRATIONS.len() as i64 {
            return Err(self.too_new(version));
        }
        let e = self.e();
        // A step may rebuild a table others refer to: foreign keys are off while migrating (they
        // cannot be switched inside a transaction) and checked before each step commits.
        self.conn
            .pragma_update(None, "foreign_keys", "OFF")
            .map_err(&e)?;
        let broken = |tx: &rusqlite::Transaction<'_>| -> rusqlite::Result<usize> {
            let mut check = tx.prepare("PRAGMA foreign_key_check")?;
            let n = check.query_map([], |_| Ok(()))?.count();
            Ok(n)
        };
        if version == 0 {
            // A new database holds no rows, so no step can break a reference: every step in one
            // transaction, one commit instead of one per step.
            let tx = self.conn.transaction().map_err(&e)?;
            for step in MIGRATIONS {
                step.run(&tx).map_err(&e)?;
            }
            tx.pragma_update(None, "user_version", MIGRATIONS.len() as i64)
                .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        for (i, step) in MIGRATIONS
            .iter()
            .enumerate()
            .skip(self.user_version()? as usize)
        {
            let tx = self.conn.transaction().map_err(&e)?;
            let before = broken(&tx).map_err(&e)?;
            step.run(&tx).map_err(&e)?;
            if broken(&tx).map_err(&e)? > before {
                return Err(e(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
                    Some(format!("migration {} would break a reference", i + 1)),
                )));
            }
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(&e)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ts` writes what the format string wrote, which stored rows and `instant_text` use.
    #[test]
    fn timestamps_are_written_as_before() {
        use chrono::TimeZone;
        for secs in [
            0,
            1,
            59,
            86_399,
            951_782_400,
            1_764_547_200,
            1_796_083_199,
            253_402_300_799,
        ] {
            let t = Utc.timestamp_opt(secs, 123_456_789).single().unwrap();
            assert_eq!(ts(t), t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
    }

    /// A database as version 8 left it (text instants, text order numbers, calls_run and
    /// screenings_key), migrated to 9: every value reads back the same, ids and references
    /// stay, the run counters hold what the calls say.
    #[test]
    fn version_9_compacts_calls_and_screenings_and_keeps_every_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v8.sqlite");
        {
            let mut c = Connection::open(&path).unwrap();
            for step in &MIGRATIONS[..8] {
                let tx = c.transaction().unwrap();
                step.run(&tx).unwrap();
                tx.commit().unwrap();
            }
            c.pragma_update(None, "user_version", 8).unwrap();
            c.execute_batch(
                "INSERT INTO runs(id, started_at, command) VALUES (1, '2026-11-01T00:00:00Z', 'run');
                 INSERT INTO keys(id, key, kind, state, screening_id)
                   VALUES (1, 'k', 'name', 'found', 2);
                 INSERT INTO screenings(id, key_id, run_id, state, status, checked_at,
                   record_count, records_hash)
                   VALUES (1, 1, 1, 'found', '200', '2026-11-01T08:00:01Z', 1, 'h');
                 INSERT INTO screenings(id, key_id, run_id, state, status, checked_at,
                   record_count, records_of)
                   VALUES (2, 1, 1, 'found', '200', '2026-11-02T08:00:02Z', 1, 1);
                 INSERT INTO records(id, screening_id, ord, identify_level)
                   VALUES (1, 1, 0, '高级认证企业');
                 INSERT INTO calls(run_id, key_id, at, search_key, page, http_status,
                   vendor_status, order_number, latency_ms, reached, screening_id) VALUES
                   (1, 1, '2026-11-01T08:00:01Z', '', 1, 200, '200',
                     'OPERATIONCHECK2026110108000100000001', 5, 1, 1),
                   (1, 1, '2026-11-02T08:00:02Z', '', 1, 200, '201', 'ORDER-7', 5, 1, 2),
                   (1, 1, '2026-11-02T08:00:03Z', '', 1, NULL, NULL, NULL, 5, 0, NULL);",
            )
            .unwrap();
        }
        let store = Store::open(&path).unwrap();
        let one = |sql: &str| -> String {
            store
                .conn
                .query_row(&format!("SELECT CAST(({sql}) AS TEXT)"), [], |r| {
                    r.get::<_, Option<String>>(0)
                })
                .unwrap()
                .unwrap_or_default()
        };
        assert_eq!(
            one("SELECT user_version FROM pragma_user_version"),
            MIGRATIONS.len().to_string()
        );
        assert_eq!(one("SELECT foreign_keys FROM pragma_foreign_keys"), "1");
        assert_eq!(
            one(
                "SELECT group_concat(typeof(at) || ':' || datetime(at, 'unixepoch'), ' ') FROM calls"
            ),
            "integer:2026-11-01 08:00:01 integer:2026-11-02 08:00:02 integer:2026-11-02 08:00:03"
        );
        // Packed by version 9, and kept as text by version 13 for calls without a body.
        assert_eq!(
            one("SELECT group_concat(COALESCE(order_number, '-'), ' ') FROM calls"),
            "OPERATIONCHECK2026110108000100000001 ORDER-7 -"
        );
        assert_eq!(
            one(
                "SELECT group_concat(id || '<' || COALESCE(previous_id, '-'), ' ') FROM screenings"
            ),
            "1<- 2<1"
        );
        assert_eq!(
            one("SELECT calls || ' ' || unreached || ' ' || billed FROM runs"),
            "3 1 2"
        );
        assert_eq!(store.calls_in_run(1).unwrap(), (3, 1));
        assert_eq!(
            one(
                "SELECT group_concat(name, ' ') FROM sqlite_master WHERE type = 'index'
                 AND name IN ('calls_run', 'calls_key', 'screenings_key', 'calls_unlinked')"
            ),
            "calls_unlinked"
        );
        assert_eq!(one("SELECT COUNT(*) FROM pragma_foreign_key_check"), "0");
        let past = store.past_screenings(1).unwrap();
        let at: Vec<&str> = past.iter().map(|p| p.checked_at.as_str()).collect();
        assert_eq!(at, ["2026-11-01T08:00:01Z", "2026-11-02T08:00:02Z"]);
        assert_eq!(past[1].levels, ["高级认证企业"]);
    }
}
