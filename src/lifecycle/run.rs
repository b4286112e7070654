//! A study run into a run folder: decide (still without writing) whether
//! the folder is created, replaced or resumed and what is left to run; then
//! write the manifest, run, assemble, write the files that follow, and
//! record in the manifest how far it got.

use super::{Mode, Progress, check_fits, timestamp, write_after_assembly, write_after_manifest};
use crate::folder::manifest::{Identity, Manifest, Status};
use crate::folder::output::{self, Existing, RunFolder};
use crate::study::ensemble::{RunRecord, RunStatus, Shard, Study};
use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A request to run a scenario into a run folder.
#[derive(Clone, Debug)]
pub struct RunRequest {
    /// The scenario file.
    pub scenario: PathBuf,
    /// `--set PATH=VALUE` overrides, as given.
    pub sets: Vec<String>,
    /// Years whose rosters are written.
    pub snapshots: Vec<i32>,
    /// The shard to run, if the study is split.
    pub shard: Option<Shard>,
    /// The run folder (default: `out/<name>/`, `out/<name>/shard-I-of-N/`).
    pub out: Option<PathBuf>,
    /// Worker threads (default: rayon's, all cores).
    pub threads: Option<usize>,
    /// What to do with an existing folder.
    pub mode: Mode,
}

impl RunRequest {
    /// Reads and validates the study the request names (nothing written).
    pub fn load(&self) -> Result<Study> {
        Study::load(&self.scenario, &self.sets, &self.snapshots, self.shard)
    }
}

/// What a finished run did.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The run folder.
    pub dir: PathBuf,
    /// Runs run by this invocation (not those an earlier one finished).
    pub runs: usize,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Loads the study of `request` and runs it (see [`run_study`]).
pub fn run(request: &RunRequest, progress: &dyn Progress) -> Result<RunOutcome> {
    run_study(request, &request.load()?, progress)
}

/// Runs `study` (loaded from `request`) into its run folder. Every refusal
/// comes before anything is written; a failure while running leaves the
/// finished runs as part files and the manifest `failed`, for `--resume`.
pub fn run_study(
    request: &RunRequest,
    study: &Study,
    progress: &dyn Progress,
) -> Result<RunOutcome> {
    let shard = study.shard;
    let threads = request.threads.unwrap_or_else(rayon::current_num_threads);
    let estimate = study.estimate(threads);
    check_fits(&estimate)?;
    let dir = request.out.clone().unwrap_or_else(|| {
        let base = Path::new("out").join(&study.scenario.name);
        match shard {
            Some(s) => base.join(format!("shard-{}-of-{}", s.index, s.count)),
            None => base,
        }
    });
    let identity = Identity::of(study);
    let resume = request.mode == Mode::Resume;

    // Decide what exists and what is left to run, still without writing.
    let previous = if resume && dir.join("manifest.json").exists() {
        let previous = Manifest::read(&dir)?;
        if previous.identity != identity || previous.shard != shard {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: the folder was made from a different scenario, sweep, snapshot set or shard; \
                 use another --out, or --force to start over",
                dir.display()
            )));
        }
        let before = previous.replicates().unwrap_or(0);
        if before > study.scenario.replicates {
            return Err(Error::BadInput(format!(
                "{}: --resume refused: the folder holds {before} replicates and the scenario now asks for {}; \
                 resuming never drops finished runs (use another --out)",
                dir.display(),
                study.scenario.replicates
            )));
        }
        Some(previous)
    } else if resume && (RunFolder { dir: dir.clone() }).is_unstarted() {
        // Absent, or killed before its manifest was written: start afresh
        // (`create` replaces what little is there).
        None
    } else {
        let existing = match request.mode {
            Mode::Replace => Existing::Replace,
            Mode::Fresh | Mode::Resume => Existing::Refuse,
        };
        RunFolder::check(&dir, existing)?;
        None
    };
    let folder = RunFolder { dir };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start {threads} threads: {e}")))?;

    // All input is valid: from here on, failures are runtime failures.
    let runs = study.runs();
    let mut dropped = 0;
    if let Some(previous) = &previous {
        folder.create_parts_dir()?;
        folder.remove_temporaries()?;
        dropped = folder.split_data_files(&study.snapshots, &previous.checksums)?;
    } else {
        folder.create()?;
    }
    let is_done = |&(p, r): &(u32, u32)| folder.part(output::TIMESERIES, p, r).exists();
    let done_before: BTreeSet<(u32, u32)> = runs.iter().copied().filter(is_done).collect();
    let pending: Vec<(u32, u32)> = runs
        .iter()
        .copied()
        .filter(|run| !done_before.contains(run))
        .collect();
    let earlier_seconds: BTreeMap<(u32, u32), f64> = previous
        .iter()
        .flat_map(|m| m.runs.iter())
        .filter(|r| r.status == RunStatus::Complete)
        .map(|r| ((r.point, r.replicate), r.seconds))
        .collect();

    let started_at = Instant::now();
    let mut manifest = Manifest {
        tool: "succession".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        scenario_file: request.scenario.display().to_string(),
        overrides: request.sets.clone(),
        status: Status::Running,
        started: timestamp(),
        finished: None,
        seconds: None,
        threads,
        shard,
        snapshots: study.snapshots.clone(),
        estimate,
        identity,
        runs: runs
            .iter()
            .map(|&(point, replicate)| RunRecord {
                point,
                replicate,
                stream_key: study.stream_key(point, replicate).to_hex(),
                status: if done_before.contains(&(point, replicate)) {
                    RunStatus::Complete
                } else {
                    RunStatus::Pending
                },
                seconds: earlier_seconds
                    .get(&(point, replicate))
                    .copied()
                    .unwrap_or(0.0),
            })
            .collect(),
        // Kept until reassembly: a resume killed before then verifies again.
        checksums: previous
            .as_ref()
            .map(|m| m.checksums.clone())
            .unwrap_or_default(),
        scenario: serde_json::to_value(&study.scenario)
            .map_err(|e| Error::Runtime(e.to_string()))?,
    };
    manifest.write(&folder.dir)?;
    if previous.is_none() {
        folder.write_points(&study.design)?;
    }

    progress.start(pending.len() as u64);
    if !done_before.is_empty() {
        progress.note(&format!(
            "resuming: {} of {} runs already complete",
            done_before.len(),
            runs.len()
        ));
    }
    if dropped > 0 {
        progress.note(&format!(
            "resuming: {dropped} run(s) whose rows no longer match manifest.json's checksums run again"
        ));
    }
    let outcome = pool
        .install(|| study.execute(&folder, &pending, &|_| progress.run_done()))
        .and_then(|finished| {
            manifest.checksums = folder.assemble_study(study)?;
            write_after_assembly(&folder, &study.design, shard.is_none())?;
            Ok(finished)
        });
    progress.finish();
    let finished = match outcome {
        Ok(finished) => finished,
        Err(e) => {
            // Keep what was written: finished runs stay as part files for --resume.
            for record in &mut manifest.runs {
                if is_done(&(record.point, record.replicate)) {
                    record.status = RunStatus::Complete;
                }
            }
            manifest.status = Status::Failed;
            manifest.finished = Some(timestamp());
            let _ = manifest.write(&folder.dir);
            return Err(e);
        }
    };
    for record in finished {
        let position = manifest
            .runs
            .iter()
            .position(|r| (r.point, r.replicate) == (record.point, record.replicate));
        if let Some(i) = position {
            manifest.runs[i] = record;
        }
    }
    manifest.status = Status::Complete;
    manifest.finished = Some(timestamp());
    manifest.seconds = Some(started_at.elapsed().as_secs_f64());
    manifest.write(&folder.dir)?;
    folder.remove_parts()?;
    if shard.is_none() {
        write_after_manifest(&folder)?;
    }
    let seconds = started_at.elapsed().as_secs_f64();
    progress.note(&format!(
        "wrote {} ({} runs, {seconds:.1} s)",
        folder.dir.display(),
        pending.len(),
    ));
    Ok(RunOutcome {
        dir: folder.dir,
        runs: pending.len(),
        seconds,
    })
}
