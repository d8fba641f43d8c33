//! SQLite storage: the only module that knows the schema.
//!
//! This file owns opening (WAL, migrations from `migrations/*.sql` applied in order and tracked by
//! `PRAGMA user_version`) and the run lock. Beside it: idempotent ingest ([`ingest`]), the keys a
//! run must call ([`queue`]), answers written in one transaction each ([`apply`]) by the single
//! batched writer ([`writer`]), runs and status counts ([`runs`]), and the read models behind
//! `export`, `changes` and `report` ([`queries`], [`suppliers`]). No other module writes SQL.

mod apply;
pub mod bodies;
mod ingest;
mod queries;
mod queue;
pub mod records;
mod runs;
mod suppliers;
pub mod writer;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use apply::WriteOp;
pub use ingest::IngestSummary;
pub use queries::{ChangeRow, ExportError, ExportRow, InputFile, ScreeningBrief};
pub use queue::{DueFilter, WorkItem};
pub use runs::{RunCost, RunInfo, StatusCounts};
pub use suppliers::{
    PastScreening, Punishment, Registration, StoredChange, SupplierReader, SupplierRow,
};

/// One schema step: SQL, or a conversion that needs the record logic.
enum Migration {
    Sql(&'static str),
    Rust(fn(&rusqlite::Transaction<'_>) -> rusqlite::Result<()>),
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
    // Version 7: every stored body that a shape gives back exactly becomes a reference.
    Migration::Rust(bodies::migrate_bodies),
    Migration::Sql(include_str!("../../migrations/0008_calls_unlinked.sql")),
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
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
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
}

/// Held while a run writes: a second run on the same database is refused, not interleaved.
#[derive(Debug)]
pub struct RunLock {
    _file: std::fs::File,
}

impl RunLock {
    /// Lock the database file itself, whatever path names it: the lock file sits beside the real
    /// file (symlinks and relative paths resolved), so `--db link.sqlite` and `--db real.sqlite`
    /// cannot run at once.
    pub fn acquire(db: &Path) -> Result<RunLock> {
        let lock_path = PathBuf::from(format!("{}.lock", real_path(db).display()));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| StoreError::LockIo {
                path: db.display().to_string(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::Locked {
                path: db.display().to_string(),
                lock: lock_path.display().to_string(),
            }),
            Err(std::fs::TryLockError::Error(source)) => Err(StoreError::LockIo {
                path: db.display().to_string(),
                source,
            }),
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
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let mut store = Store { conn, path: p };
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
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        let store = Store { conn, path: p };
        store
            .conn
            .busy_timeout(std::time::Duration::from_secs(30))
            .map_err(store.e())?;
        store.check_ours()?;
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
        for (i, step) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(&e)?;
            match step {
                Migration::Sql(sql) => tx.execute_batch(sql),
                Migration::Rust(f) => f(&tx),
            }
            .map_err(&e)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        Ok(())
    }
}
