//! The run folder and its files: `timeseries.csv`, `roster_<year>.csv` and
//! `manifest.json`.
//!
//! Results reach disk in a way that never leaves a half-written file under
//! a final name: every file is written under a temporary name and renamed
//! when complete. Finished runs land as part files in `.runs/` as soon as
//! they finish (so memory does not grow with the number of runs); the final
//! files are assembled from them in (point, replicate) order at the end.

use crate::model::YearMetrics;
use crate::{Error, Result};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Name of the folder of finished runs' part files inside a run folder.
pub const PARTS_DIR: &str = ".runs";

/// A run's output folder.
#[derive(Clone, Debug)]
pub struct RunFolder {
    /// The folder itself (`--out`, default `out/<name>/`).
    pub dir: PathBuf,
}

/// What to do with an existing output folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Refuse (the default): data already written is never lost silently.
    Refuse,
    /// `--force`: replace it.
    Replace,
}

impl RunFolder {
    /// Checks that `dir` may be used, without touching the disk. Called
    /// before anything is run so that a refusal leaves nothing behind.
    pub fn check(dir: &Path, existing: Existing) -> Result<RunFolder> {
        if dir.exists() && existing == Existing::Refuse {
            let non_empty = fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true);
            if non_empty {
                return Err(Error::BadInput(format!(
                    "{}: output folder exists; pass --force to replace it (or --out another folder)",
                    dir.display()
                )));
            }
        }
        if dir.exists() && !dir.is_dir() {
            return Err(Error::BadInput(format!("{}: exists and is not a folder", dir.display())));
        }
        Ok(RunFolder { dir: dir.to_path_buf() })
    }

    /// Creates the folder (replacing an existing one if allowed by
    /// [`RunFolder::check`]) and its part-file folder.
    pub fn create(&self) -> Result<()> {
        if self.dir.exists() {
            fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        }
        let parts = self.parts_dir();
        fs::create_dir_all(&parts).map_err(|e| Error::io(&parts, e))
    }

    /// The folder of part files.
    pub fn parts_dir(&self) -> PathBuf {
        self.dir.join(PARTS_DIR)
    }

    /// A file in the folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The part file of one run's rows of `kind` (`timeseries`, `roster_<year>`).
    pub fn part(&self, kind: &str, point: u32, replicate: u32) -> PathBuf {
        self.parts_dir().join(format!("{kind}.p{point:06}.r{replicate:06}.csv"))
    }

    /// Writes `contents` to a part file atomically.
    pub fn write_part(&self, kind: &str, point: u32, replicate: u32, contents: &[u8]) -> Result<()> {
        write_atomically(&self.part(kind, point, replicate), contents)
    }

    /// Concatenates `header` and the part files of `kind` for `runs` (in
    /// the order given) into `name`, written atomically.
    pub fn assemble(&self, name: &str, kind: &str, header: &str, runs: &[(u32, u32)]) -> Result<()> {
        let target = self.file(name);
        let temp = temp_name(&target);
        let file = fs::File::create(&temp).map_err(|e| Error::io(&temp, e))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(header.as_bytes()).map_err(|e| Error::io(&temp, e))?;
        for &(point, replicate) in runs {
            let part = self.part(kind, point, replicate);
            let mut input = fs::File::open(&part).map_err(|e| Error::io(&part, e))?;
            std::io::copy(&mut input, &mut out).map_err(|e| Error::io(&part, e))?;
        }
        let file = out.into_inner().map_err(|e| Error::io(&temp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&temp, e))?;
        fs::rename(&temp, &target).map_err(|e| Error::io(&target, e))
    }

    /// Removes the part files once the final files are in place.
    pub fn remove_parts(&self) -> Result<()> {
        let parts = self.parts_dir();
        fs::remove_dir_all(&parts).map_err(|e| Error::io(&parts, e))
    }
}

/// `path` with `.tmp` appended: the name a file has while it is written.
pub fn temp_name(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".tmp");
    PathBuf::from(name)
}

/// Writes `contents` to `path` under a temporary name, syncs, then renames,
/// so `path` is either absent or complete.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let temp = temp_name(path);
    let mut file = fs::File::create(&temp).map_err(|e| Error::io(&temp, e))?;
    file.write_all(contents).map_err(|e| Error::io(&temp, e))?;
    file.sync_all().map_err(|e| Error::io(&temp, e))?;
    fs::rename(&temp, path).map_err(|e| Error::io(path, e))
}

/// The `timeseries.csv` header line for the model's metric columns.
pub fn timeseries_header(metric_columns: &[String]) -> String {
    let mut line = String::from("point,replicate,year");
    for column in metric_columns {
        line.push(',');
        line.push_str(column);
    }
    line.push('\n');
    line
}

/// Appends one run's `timeseries.csv` rows. Floats are written in Rust's
/// shortest round-trip decimal form (never exponent notation), so a value
/// read back is the value computed; an undefined figure is an empty cell.
pub fn write_timeseries_rows(
    out: &mut impl Write,
    point: u32,
    replicate: u32,
    rows: &[YearMetrics],
) -> std::io::Result<()> {
    for row in rows {
        write!(out, "{point},{replicate},{}", row.year)?;
        for value in &row.values {
            match value {
                Some(v) => write!(out, ",{v}")?,
                None => out.write_all(b",")?,
            }
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}
