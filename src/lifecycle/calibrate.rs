//! A calibration: the base run and one run per variant the targets name
//! (the same scenario with extra overrides), each into its own run folder,
//! then the report of [`calibration::report`].

use super::{Mode, Progress, load_whole, run_study};
use crate::Result;
use crate::folder::layout::CALIBRATION_REPORT as REPORT;
use crate::folder::output;
use crate::lifecycle::RunRequest;
use crate::study::calibration::{self, Report, Targets};
use std::path::{Path, PathBuf};

/// A request to calibrate a scenario against a targets file.
#[derive(Clone, Debug)]
pub struct CalibrationRequest {
    /// The scenario file.
    pub scenario: PathBuf,
    /// `--set PATH=VALUE` overrides of the base run (and every variant).
    pub sets: Vec<String>,
    /// The targets file.
    pub targets: PathBuf,
    /// The calibration folder (default: `out/<name>-calibration/`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    pub threads: Option<usize>,
    /// [`Mode::Replace`] replaces an existing calibration folder.
    pub mode: Mode,
}

/// Runs the base and variant runs of `request` and reports them against
/// its targets; the report is also written to `calibration.txt` in the
/// calibration folder. The base scenario and every variant are validated before
/// anything runs.
pub fn calibrate(request: &CalibrationRequest, progress: &dyn Progress) -> Result<Report> {
    let targets = Targets::read(&request.targets)?;
    let base = load_whole(&request.scenario, &request.sets)?;
    let mut variants = Vec::new();
    for (name, sets) in targets.variant_overrides() {
        let sets: Vec<String> = request.sets.iter().cloned().chain(sets).collect();
        // Validated now, loaded again when it runs: a study holds its
        // roster, and the variants' should not all sit in memory at once.
        load_whole(&request.scenario, &sets)?;
        variants.push((name, sets));
    }
    let dir = request
        .out
        .clone()
        .unwrap_or_else(|| Path::new("out").join(format!("{}-calibration", base.scenario.name)));
    // Every folder is checked before the base run writes its own.
    crate::folder::location::check_location(&dir)?;
    for (name, _) in &variants {
        crate::folder::location::check_location(&calibration::variant_dir(&dir, name))?;
    }
    let run_request = |out: PathBuf, sets: Vec<String>, mode: Mode| RunRequest {
        scenario: request.scenario.clone(),
        sets,
        recording: crate::study::Recording::default(),
        shard: None,
        out: Some(out),
        threads: request.threads,
        mode,
    };
    let base_mode = match request.mode {
        Mode::Replace => Mode::Replace,
        Mode::Fresh | Mode::Resume => Mode::Fresh,
    };
    run_study(
        &run_request(dir.clone(), request.sets.clone(), base_mode),
        &base,
        progress,
    )?;
    // The variants live inside the base folder (foreign to its run, so
    // replacing the base keeps them): they are replaced the same way.
    drop(base);
    for (name, sets) in variants {
        let out = calibration::variant_dir(&dir, &name);
        let study = load_whole(&request.scenario, &sets)?;
        run_study(&run_request(out, sets, base_mode), &study, progress)?;
    }
    let report = crate::folder::read::calibration_report(&dir, &targets)?;
    output::write_atomically(&dir.join(REPORT), report.to_string().as_bytes())?;
    Ok(report)
}
