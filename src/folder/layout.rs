//! Which entries of a folder are the tool's: the closed list of names a run
//! folder's files and folders have, how a folder is surveyed against it,
//! and the one function that deletes (only what the list names).
//!
//! The tool never deletes a folder wholesale. A researcher's notes, a
//! scenario file, a shard folder or anything else it did not write stays
//! where it is, whatever the flags: `--force` and `--resume` delete only
//! entries recognised here, inside a folder that is marked as a run folder
//! by its manifest or its lock file.

use crate::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

/// The run's manifest, the mark of a run folder.
pub const MANIFEST: &str = "manifest.json";
/// The lock file: held by the process writing the folder, never deleted
/// (deleting a lock file lets two processes hold "the" lock at once).
pub const LOCK: &str = ".succession.lock";
/// The folder of finished runs' part files.
pub const PARTS_DIR: &str = ".runs";
/// The folder of charts.
pub const CHARTS_DIR: &str = "charts";
/// The suffix of a file while it is written.
pub const TEMP_SUFFIX: &str = ".tmp";

/// The report `calibrate` writes into its folder.
pub const CALIBRATION_REPORT: &str = "calibration.txt";

/// The page `succession report` writes into a run folder.
pub const REPORT: &str = "report.html";

/// The whole-file names at the top of a run folder (rosters aside).
const TOP_FILES: [&str; 11] = [
    MANIFEST,
    CALIBRATION_REPORT,
    REPORT,
    "points.csv",
    "summary.csv",
    "timeseries.csv",
    "runs.csv",
    "transitions.csv",
    "events.csv",
    "trajectories.csv",
    "datapackage.json",
];

/// Chart stems other than `sweep_<figure>`.
const CHART_STEMS: [&str; 4] = ["capacity", "cohorts", "resolution", "handover"];

/// The charts `plot --point N` writes as `<stem>_point-N`.
const POINT_CHART_STEMS: [&str; 3] = ["cohorts", "resolution", "handover"];

/// `name` without the temporary suffix, and whether it had it.
fn without_temp(name: &str) -> (&str, bool) {
    match name.strip_suffix(TEMP_SUFFIX) {
        Some(stem) => (stem, true),
        None => (name, false),
    }
}

fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// `roster_<year>` (a year may be negative in principle; the scenario
/// allows any i32).
fn is_roster_kind(kind: &str) -> bool {
    kind.strip_prefix("roster_")
        .is_some_and(|y| is_digits(y.strip_prefix('-').unwrap_or(y)))
}

/// A data file's part-file kind: `timeseries`, `runs`, `transitions`,
/// `events`, `trajectories`, `roster_<year>`.
fn is_part_kind(kind: &str) -> bool {
    [
        "timeseries",
        "runs",
        "transitions",
        "events",
        "trajectories",
    ]
    .contains(&kind)
        || is_roster_kind(kind)
}

/// A file at the top of a run folder that the tool writes (or its
/// temporary).
pub fn is_top_file(name: &str) -> bool {
    let (name, _) = without_temp(name);
    TOP_FILES.contains(&name) || name.strip_suffix(".csv").is_some_and(is_roster_kind)
}

/// A part file in [`PARTS_DIR`]: `<kind>.p<6 digits>.r<6 digits>.csv`.
pub fn is_part_file(name: &str) -> bool {
    let (name, _) = without_temp(name);
    let Some(stem) = name.strip_suffix(".csv") else {
        return false;
    };
    let mut pieces = stem.rsplitn(3, '.');
    let (Some(replicate), Some(point), Some(kind)) = (pieces.next(), pieces.next(), pieces.next())
    else {
        return false;
    };
    let numbered = |piece: &str, letter: char| {
        piece
            .strip_prefix(letter)
            .is_some_and(|d| d.len() >= 6 && is_digits(d))
    };
    numbered(replicate, 'r') && numbered(point, 'p') && is_part_kind(kind)
}

/// A chart in [`CHARTS_DIR`]: `<stem>.png` or `<stem>.svg`, the stem one of
/// the fixed charts, `sweep_<figure>` or `cohorts_point-N` /
/// `resolution_point-N` / `handover_point-N` (`plot --point N`).
pub fn is_chart_file(name: &str) -> bool {
    let (name, _) = without_temp(name);
    let Some(stem) = name
        .strip_suffix(".png")
        .or_else(|| name.strip_suffix(".svg"))
    else {
        return false;
    };
    // `plot --point N` writes `cohorts_point-N`, `resolution_point-N` and
    // `handover_point-N`.
    let point_chart = stem
        .split_once("_point-")
        .is_some_and(|(chart, n)| POINT_CHART_STEMS.contains(&chart) && is_digits(n));
    CHART_STEMS.contains(&stem)
        || point_chart
        || stem.strip_prefix("sweep_").is_some_and(|figure| {
            !figure.is_empty()
                && figure
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// A shard folder's own name, `shard-I-of-N`: never part of the run whose
/// folder holds it, never deleted by it.
pub fn is_shard_folder_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("shard-") else {
        return false;
    };
    rest.split_once("-of-")
        .is_some_and(|(i, n)| is_digits(i) && is_digits(n))
}

/// What a folder holds, sorted into the tool's entries and everything else.
#[derive(Clone, Debug, Default)]
pub struct Survey {
    /// Whether the folder exists.
    pub exists: bool,
    /// Whether it holds [`MANIFEST`].
    pub has_manifest: bool,
    /// Whether it holds [`LOCK`].
    pub has_lock: bool,
    /// The tool's files and folders (the manifest and lock file aside),
    /// relative to the folder.
    pub tool: Vec<PathBuf>,
    /// Entries the tool did not write (shard folders aside), relative.
    pub foreign: Vec<PathBuf>,
    /// Shard folders (`shard-I-of-N`) inside it.
    pub shard_folders: Vec<PathBuf>,
}

impl Survey {
    /// Surveys `dir` (reads only). A missing folder is an empty survey.
    pub fn of(dir: &Path) -> Result<Survey> {
        let mut survey = Survey::default();
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(survey),
            Err(e) => return Err(Error::io(dir, e)),
        };
        survey.exists = true;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                survey.foreign.push(PathBuf::from(name));
                continue;
            };
            // A symlink is never the tool's: it writes none.
            let file_type = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
            let (is_dir, is_file) = (file_type.is_dir(), file_type.is_file());
            match name {
                MANIFEST if is_file => survey.has_manifest = true,
                LOCK if is_file => survey.has_lock = true,
                PARTS_DIR | CHARTS_DIR if is_dir => {
                    let inside: fn(&str) -> bool = if name == PARTS_DIR {
                        is_part_file
                    } else {
                        is_chart_file
                    };
                    survey.sort_folder(dir, name, inside)?;
                }
                _ if is_dir && is_shard_folder_name(name) => {
                    survey.shard_folders.push(PathBuf::from(name))
                }
                _ if is_file && is_top_file(name) => survey.tool.push(PathBuf::from(name)),
                _ => survey.foreign.push(PathBuf::from(name)),
            }
        }
        survey.tool.sort();
        survey.foreign.sort();
        survey.shard_folders.sort();
        Ok(survey)
    }

    /// Sorts the entries of the tool's sub-folder `name`, then the folder
    /// itself (listed last, so removing in order empties it first).
    fn sort_folder(&mut self, dir: &Path, name: &str, inside: fn(&str) -> bool) -> Result<()> {
        let sub = dir.join(name);
        for entry in fs::read_dir(&sub).map_err(|e| Error::io(&sub, e))? {
            let entry = entry.map_err(|e| Error::io(&sub, e))?;
            let child = Path::new(name).join(entry.file_name());
            let is_file = entry
                .file_type()
                .map_err(|e| Error::io(entry.path(), e))?
                .is_file();
            match entry.file_name().to_str() {
                Some(n) if is_file && inside(n) => self.tool.push(child),
                _ => self.foreign.push(child),
            }
        }
        Ok(())
    }

    /// Whether the folder holds nothing a run would have to respect: absent,
    /// empty, or only the lock file and shard folders.
    pub fn is_empty(&self) -> bool {
        !self.has_manifest && self.tool.is_empty() && self.foreign.is_empty()
    }

    /// Whether it holds something of the tool's (a run was started here).
    pub fn holds_run(&self) -> bool {
        self.has_manifest || !self.tool.is_empty()
    }

    /// The first few foreign entries, for a message.
    pub fn foreign_phrase(&self) -> String {
        let shown: Vec<String> = self
            .foreign
            .iter()
            .take(3)
            .map(|p| format!("`{}`", p.display()))
            .collect();
        let more = self.foreign.len().saturating_sub(shown.len());
        match more {
            0 => shown.join(", "),
            n => format!("{} and {n} more", shown.join(", ")),
        }
    }
}

/// Deletes the tool's entries of `dir` that [`Survey::of`] finds, except
/// the manifest (replaced, never deleted, so the folder stays marked as a
/// run folder at every moment) and the lock file. Charts go first and data
/// files before the part files: a kill midway leaves a folder whose
/// manifest a repeated `--force` or a `--resume` still recognises. The
/// tool's sub-folders are removed only once empty; anything foreign in
/// them stays.
pub fn remove_run_files(dir: &Path) -> Result<()> {
    let survey = Survey::of(dir)?;
    let rank = |p: &PathBuf| {
        if p.starts_with(CHARTS_DIR) {
            0
        } else if p.starts_with(PARTS_DIR) {
            2
        } else {
            1
        }
    };
    let mut files = survey.tool;
    files.sort_by_key(|p| (rank(p), p.clone()));
    remove_listed(dir, &files)?;
    for sub in [CHARTS_DIR, PARTS_DIR] {
        remove_if_empty(&dir.join(sub))?;
    }
    Ok(())
}

/// Deletes the temporaries (`<tool name>.tmp`) an interrupted invocation
/// left, at the top, in the part files and in the charts.
pub fn remove_temporaries(dir: &Path) -> Result<()> {
    let temporaries: Vec<PathBuf> = Survey::of(dir)?
        .tool
        .into_iter()
        .filter(|relative| {
            relative
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(TEMP_SUFFIX))
        })
        .collect();
    remove_listed(dir, &temporaries)
}

/// Deletes the part files of `dir` once its data files are assembled, then
/// the part-file folder if nothing foreign is left in it.
pub fn remove_part_files(dir: &Path) -> Result<()> {
    let parts: Vec<PathBuf> = Survey::of(dir)?
        .tool
        .into_iter()
        .filter(|relative| relative.starts_with(PARTS_DIR))
        .collect();
    remove_listed(dir, &parts)?;
    remove_if_empty(&dir.join(PARTS_DIR))
}

/// Deletes `files` (relative to `dir`, in the order given); one already
/// gone is fine.
fn remove_listed(dir: &Path, files: &[PathBuf]) -> Result<()> {
    for relative in files {
        let path = dir.join(relative);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(())
}

/// Removes the folder `dir` if it exists and is empty.
pub fn remove_if_empty(dir: &Path) -> Result<()> {
    let is_empty = fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none());
    if is_empty {
        fs::remove_dir(dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tools_names_are_recognised_and_nothing_else_is() {
        for name in [
            "manifest.json",
            "manifest.json.tmp",
            "points.csv",
            "timeseries.csv.tmp",
            "roster_2000.csv",
            "datapackage.json",
            "report.html",
            "report.html.tmp",
            "transitions.csv",
            "events.csv",
            "trajectories.csv.tmp",
        ] {
            assert!(is_top_file(name), "{name}");
        }
        for name in [
            "notes.tmp",
            "mydata.txt",
            "roster_.csv",
            "roster_20x0.csv",
            "timeseries.csv.bak",
            "scenario.toml",
        ] {
            assert!(!is_top_file(name), "{name}");
        }
        assert!(is_part_file("timeseries.p000001.r000002.csv"));
        assert!(is_part_file("roster_1990.p000001.r000002.csv.tmp"));
        assert!(is_part_file("events.p000001.r000002.csv"));
        assert!(is_part_file("transitions.p000000.r000000.csv"));
        assert!(!is_part_file("mydata.txt"));
        assert!(!is_part_file("other.p000001.r000002.csv"));
        assert!(!is_part_file("runs.p01.r000002.csv"));
        assert!(is_chart_file("capacity.png"));
        assert!(is_chart_file("sweep_policy_capacity.svg.tmp"));
        assert!(!is_chart_file("my_figure.png"));
        assert!(!is_chart_file("sweep_.png"));
        assert!(is_chart_file("cohorts_point-12.png"));
        assert!(is_chart_file("resolution_point-0.svg.tmp"));
        assert!(is_chart_file("handover.png"));
        assert!(is_chart_file("handover_point-7.svg"));
        assert!(!is_chart_file("cohorts_point-.png"));
        assert!(!is_chart_file("capacity_point-3.png"));
        assert!(!is_chart_file("cohorts_point-3x.png"));
        assert!(is_shard_folder_name("shard-0-of-16"));
        assert!(!is_shard_folder_name("shard-a-of-2"));
    }

    #[test]
    fn removal_keeps_foreign_files_shard_folders_and_the_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for f in [
            "manifest.json",
            "timeseries.csv",
            "notes.tmp",
            "scenario.toml",
            ".runs/runs.p000000.r000000.csv",
            ".runs/mydata.txt",
            "charts/capacity.png",
            "shard-0-of-2/manifest.json",
        ] {
            let path = d.join(f);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, "x").unwrap();
        }
        let survey = Survey::of(d).unwrap();
        assert!(survey.has_manifest && survey.holds_run());
        assert_eq!(
            survey.foreign,
            [".runs/mydata.txt", "notes.tmp", "scenario.toml"].map(PathBuf::from)
        );
        remove_run_files(d).unwrap();
        for kept in [
            "manifest.json",
            "notes.tmp",
            "scenario.toml",
            ".runs/mydata.txt",
            "shard-0-of-2/manifest.json",
        ] {
            assert!(d.join(kept).exists(), "{kept} was deleted");
        }
        for gone in ["timeseries.csv", ".runs/runs.p000000.r000000.csv", "charts"] {
            assert!(!d.join(gone).exists(), "{gone} was kept");
        }
    }
}
