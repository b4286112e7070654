//! The study lifecycle: a [`Study`] run into a run folder in a [`Mode`]
//! ([`run`]), a shard set merged into one folder ([`merge`]), a calibration
//! (base and variant runs, then the report: [`calibrate`]), a calibration
//! search (ABC-SMC generations of sweeps: [`search`]), the difference of
//! two points or run folders ([`compare`]), a run folder's page
//! ([`report`]).
//!
//! This is the layer that decides: whether a folder may be created,
//! replaced or resumed, what is left to run, what the manifest says at each
//! step and which files follow assembly. Below it, the study computes and
//! the folder writes; above it, the binary maps flags to requests and
//! prints. Progress reaches the terminal through the [`Progress`] trait.

pub mod calibrate;
pub mod claim;
pub mod compare;
pub mod merge;
pub mod patterns;
pub mod report;
pub mod run;
pub mod search;

pub use calibrate::{CalibrationRequest, calibrate};
pub use compare::{CompareOutcome, CompareRequest, compare};
pub use merge::{MergeRequest, merge};
pub use patterns::{PatternsOutcome, PatternsRequest, patterns};
pub use report::{ReportOutcome, ReportRequest, report};
pub use run::{RunOutcome, RunRequest, run, run_study};
pub use search::{SearchOutcome, SearchRequest, search};

use crate::chart::{self, ChartOptions};
use crate::folder::lock::FolderLock;
use crate::folder::output::RunFolder;
use crate::folder::schema;
use crate::scenario::Sensitivity;
use crate::study::Study;
use crate::study::ensemble::{self, Estimate};
use crate::study::sweep::{Design, Level};
use crate::{Error, Result};
use std::time::SystemTime;

/// What to do with the output folder of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Create it; refuse if it exists and is not empty.
    Fresh,
    /// Replace an existing run folder (`--force`).
    Replace,
    /// Finish an interrupted run or add replicates (`--resume`); a folder
    /// never started is started afresh.
    Resume,
}

/// Progress of the runs of a request, reported from worker threads. Every
/// method does nothing by default, so `&()` reports nothing.
pub trait Progress: Sync {
    /// A study of `runs` runs left to run starts.
    fn start(&self, _runs: u64) {}
    /// One more run done.
    fn run_done(&self) {}
    /// A message for the researcher (resuming, what was written).
    fn note(&self, _message: &str) {}
    /// The runs are over (done or failed).
    fn finish(&self) {}
    /// Whether the researcher asked to stop (SIGINT, SIGTERM): no further
    /// run starts, finished runs are kept and the manifest says
    /// `interrupted`.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Reports nothing.
impl Progress for () {}

/// Refuses a study that would not fit in this machine's memory.
pub fn check_fits(estimate: &Estimate) -> Result<()> {
    if let Some(total) = ensemble::machine_memory_bytes()
        && estimate.peak_memory_bytes > total
    {
        return Err(Error::BadInput(format!(
            "estimated peak memory {} exceeds this machine's {}; use fewer communities",
            human_bytes(estimate.peak_memory_bytes),
            human_bytes(total)
        )));
    }
    Ok(())
}

/// `bytes` in binary units with one decimal, e.g. `1.5 MiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// The files written from a folder's assembled data files, before its
/// manifest says complete: the one list the run and the merge share.
/// `summary.csv` summarises a whole study, so a shard has none;
/// `datapackage.json` describes whatever CSV the folder then holds.
/// A `[sensitivity]` study's indices (`analysis`, with the scenario seed)
/// need the whole design, so a shard has none either.
fn write_after_assembly(
    folder: &RunFolder,
    design: &Design<Level>,
    whole: bool,
    analysis: Option<(&Sensitivity, u64)>,
) -> Result<()> {
    if whole {
        folder.write_summary(design)?;
        if let Some((analysis, seed)) = analysis {
            folder.write_sensitivity(design, analysis, seed)?;
        }
    }
    schema::write_datapackage(&folder.dir)
}

/// The files of a whole study drawn from its assembled files and its
/// manifest (the charts read the scenario from it), before the manifest
/// says complete.
fn write_after_manifest(folder: &RunFolder) -> Result<()> {
    chart::draw(&folder.dir, &ChartOptions::default()).map(drop)
}

/// Redraws the charts of the run folder `dir` (`succession plot`), holding
/// its lock so that a run writing the folder is not drawn half-way. A
/// folder without a time series gets the chart layer's message and no lock
/// file.
pub fn plot(dir: &std::path::Path, options: &ChartOptions) -> Result<Vec<std::path::PathBuf>> {
    let _lock = if dir.join("timeseries.csv").is_file() {
        Some(FolderLock::exclusive(dir, "`succession plot`")?)
    } else {
        None
    };
    chart::draw(dir, options)
}

/// Now, RFC 3339 in UTC to the second.
fn timestamp() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// Loads the study of a scenario file with `sets`, no snapshots, no shard
/// (the calibration's runs).
fn load_whole(scenario: &std::path::Path, sets: &[String]) -> Result<Study> {
    Study::load(scenario, sets, &crate::study::Recording::default(), None)
}
