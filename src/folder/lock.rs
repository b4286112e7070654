//! The advisory lock on a run folder: a process that writes a folder holds
//! [`layout::LOCK`] exclusively for as long as it runs, so a second `run`,
//! `--resume`, `merge` or `plot` on the same folder refuses at once instead
//! of deleting the first one's part files or overwriting its manifest.
//!
//! The lock is the operating system's (`flock`), so it ends with the
//! process however it ends, a SIGKILL included, and a stale lock file is
//! never mistaken for a live holder. The file itself stays: deleting it
//! would let a process that had opened the old file and one that creates a
//! new one both believe they hold the lock.

use crate::folder::layout;
use crate::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// A held lock on a folder; dropping it releases the lock.
#[derive(Debug)]
pub struct FolderLock {
    /// The lock file (kept open: the lock lives as long as it).
    _file: Option<File>,
    /// Set when the file system cannot lock (some network file systems):
    /// the folder is used unlocked and the caller may say so.
    pub unsupported: Option<String>,
}

/// What the holder wrote into the lock file, or a phrase if it wrote
/// nothing yet.
fn holder_of(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind();
    let _ = file.take(512).read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "another succession process".to_string()
    } else {
        text.to_string()
    }
}

fn in_use(dir: &Path, holder: &str) -> Error {
    Error::BadInput(format!(
        "{}: in use by {holder}; wait for it to finish (or stop it) and try again",
        dir.display()
    ))
}

/// The lock file of `dir`.
pub fn lock_path(dir: &Path) -> PathBuf {
    dir.join(layout::LOCK)
}

impl FolderLock {
    /// No lock: the file system at `path` cannot lock (`error`).
    fn unsupported(path: &Path, error: std::io::Error) -> FolderLock {
        FolderLock {
            _file: None,
            unsupported: Some(format!("{}: cannot be locked ({error})", path.display())),
        }
    }

    /// Takes the exclusive lock of the existing folder `dir` (creating its
    /// lock file), recording `purpose` and this process for a second one's
    /// message; refuses at once if another process holds it.
    pub fn exclusive(dir: &Path, purpose: &str) -> Result<FolderLock> {
        let path = lock_path(dir);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(in_use(dir, &holder_of(&mut file))),
            Err(TryLockError::Error(e)) => return Ok(FolderLock::unsupported(&path, e)),
        }
        let holder = format!(
            "{purpose} (process {}, since {})",
            std::process::id(),
            humantime::format_rfc3339_seconds(std::time::SystemTime::now())
        );
        // Best effort: the lock is what matters, the text only explains it.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = file.write_all(holder.as_bytes());
        Ok(FolderLock {
            _file: Some(file),
            unsupported: None,
        })
    }

    /// Takes a shared lock of `dir` for reading it (a shard being merged),
    /// refusing if a writer holds it. A folder without a lock file has no
    /// writer (every writer creates one), so nothing is written into it.
    pub fn shared(dir: &Path) -> Result<FolderLock> {
        let path = lock_path(dir);
        let Ok(mut file) = File::open(&path) else {
            return Ok(FolderLock {
                _file: None,
                unsupported: None,
            });
        };
        match file.try_lock_shared() {
            Ok(()) => Ok(FolderLock {
                _file: Some(file),
                unsupported: None,
            }),
            Err(TryLockError::WouldBlock) => Err(in_use(dir, &holder_of(&mut file))),
            Err(TryLockError::Error(e)) => Ok(FolderLock::unsupported(&path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_exclusive_lock_is_refused_naming_the_holder_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let first = FolderLock::exclusive(dir.path(), "succession run a.toml").unwrap();
        assert!(first.unsupported.is_none());
        let error = FolderLock::exclusive(dir.path(), "succession run b.toml").unwrap_err();
        let message = error.to_string();
        assert!(error.is_bad_input());
        assert!(message.contains("succession run a.toml"), "{message}");
        assert!(
            message.contains(&std::process::id().to_string()),
            "{message}"
        );
        assert!(FolderLock::shared(dir.path()).is_err());
        drop(first);
        FolderLock::exclusive(dir.path(), "succession run b.toml").unwrap();
        FolderLock::shared(dir.path()).unwrap();
    }

    #[test]
    fn a_shared_lock_of_a_folder_without_lock_file_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        FolderLock::shared(dir.path()).unwrap();
        assert!(!lock_path(dir.path()).exists());
    }
}
