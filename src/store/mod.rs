//! SQLite storage: the only module that knows the schema.
//!
//! This file owns opening (WAL, migrations from `migrations/*.sql` applied in order and tracked by
//! `PRAGMA user_version`) and the run lock. Beside it: idempotent ingest ([`ingest`]), the keys a
//! run must call ([`queue`]), answers written in one transaction each ([`apply`]) by the single
//! batched writer ([`writer`]), runs and status counts ([`runs`]), and the read models behind
//! `export`, `changes` and `report` ([`queries`]). No other module writes SQL.

mod apply;
mod ingest;
mod queries;
mod queue;
mod runs;
pub mod writer;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub use apply::WriteOp;
pub use ingest::IngestSummary;
pub use queries::{ChangeRow, ExportError, ExportRow, InputFile, PunishedRow};
pub use queue::{DueFilter, WorkItem};
pub use runs::{RunCost, RunInfo, StatusCounts};

/// Migrations in order; version N is the N-th entry.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_calls_reached.sql"),
    include_str!("../../migrations/0003_rows_as_shown.sql"),
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
    #[error(
        "database {path} has schema version {found}, newer than this qcc-credit knows ({known}); \
         upgrade qcc-credit"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
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

impl Store {
    /// Open (creating if needed) and migrate.
    pub fn open(path: &Path) -> Result<Store> {
        let p = path.display().to_string();
        let err = |source| StoreError::Sqlite {
            path: p.clone(),
            source,
        };
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        let mut store = Store { conn, path: p };
        store.migrate()?;
        Ok(store)
    }

    /// Open an existing database for reading; a missing file is an error, not a new database.
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(StoreError::Sqlite {
                path: path.display().to_string(),
                source: rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                    Some("no such database file (run `qcc-credit run` first)".into()),
                ),
            });
        }
        Store::open(path)
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
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(self.e())?;
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StoreError::TooNew {
                path: self.path.clone(),
                found: version,
                known,
            });
        }
        let e = self.e();
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx = self.conn.transaction().map_err(&e)?;
            tx.execute_batch(sql).map_err(&e)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)
                .map_err(&e)?;
            tx.commit().map_err(&e)?;
        }
        Ok(())
    }
}
