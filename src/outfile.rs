//! An output file (`--out`) is written to a temporary file in the target's directory and renamed
//! into place when it is whole: a failed or killed export never leaves half a report, and a
//! symlink at the target is replaced, never followed (a link planted at `report.html` cannot make
//! the tool overwrite the file it points at). The file is created owner-only (0600), like the
//! database whose data it holds.

use std::fs::File;
use std::path::{Path, PathBuf};

pub struct Staged {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
}

impl Staged {
    /// A temporary file beside `target`.
    pub fn new(target: &Path) -> std::io::Result<Staged> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let tmp = tempfile::Builder::new()
            .prefix(".qcc-credit-")
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot create {}: {e}", target.display()))
            })?;
        Ok(Staged {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// The temporary file's path (for writers that open a path themselves).
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// A handle to write through.
    pub fn file(&self) -> std::io::Result<File> {
        self.tmp.as_file().try_clone()
    }

    /// Rename into place: the target (a symlink itself, not what it points at) is replaced.
    pub fn commit(self) -> std::io::Result<()> {
        let target = self.target;
        self.tmp.persist(&target).map_err(|e| {
            std::io::Error::new(
                e.error.kind(),
                format!("cannot write {}: {}", target.display(), e.error),
            )
        })?;
        Ok(())
    }
}
